/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Just enough JSON writing for --analyze, the check report and boothctl --json: correct
 * escaping of any string, and numbers that never print as nan/inf. */
#pragma once

#include <glib.h>

/* Control characters, DEL, U+2028/2029 escaped; each invalid UTF-8 byte becomes U+FFFD, so
 * a reader never sees a stray byte. len < 0: up to the NUL. */
void booth_json_string_len(GString *out, const char *s, gssize len);
/* NULL prints null. */
void booth_json_string(GString *out, const char *s);
void booth_json_number(GString *out, double v);
void booth_json_hex(GString *out, const guint8 *data, gsize len);
/* text (len bytes, or up to the NUL when len < 0) is one well-formed JSON value in UTF-8, nested
 * at most 64 deep: safe to copy into a JSON document as it is. */
gboolean booth_json_valid(const char *text, gssize len);
