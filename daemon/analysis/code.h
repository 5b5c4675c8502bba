/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The capture code a student shows: opaque bytes, kept byte for byte. These helpers decide
 * what is acceptable and how it may be shown; none of them ever turns a code into a path. */
#pragma once

#include <glib.h>

/* Non-empty and at most max_bytes; otherwise BOOTH_ERROR_INVALID_ARGUMENT saying why. */
gboolean booth_code_validate(GBytes *code, gsize max_bytes, GError **error);
/* TRUE when the bytes can travel as a D-Bus string: valid UTF-8 without NUL. */
gboolean booth_code_is_text(GBytes *code);
/* Printable ASCII as is, everything else as \xHH; long codes are shortened with "...". */
char *booth_code_to_display(GBytes *code, gsize max_chars);
