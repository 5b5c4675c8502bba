/* SPDX-License-Identifier: GPL-2.0-or-later */
/* GVariant to JSON text, for boothctl --json and boothcollect --json. Any GVariant becomes one
 * valid JSON value: dictionaries become objects, byte arrays (ay) arrays of numbers because codes
 * are opaque bytes rather than text, doubles JSON cannot hold (NaN, infinities) null, and strings
 * are escaped so the output is valid UTF-8 JSON whatever they contain. */
#pragma once

#include <glib.h>

/* Appends the JSON for value; pretty indents nested containers by two spaces. */
void booth_json_append_variant(GString *out, GVariant *value, gboolean pretty);
char *booth_json_from_variant(GVariant *value, gboolean pretty);
