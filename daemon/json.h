/* Just enough JSON writing for --analyze and the check report: correct escaping of any
 * UTF-8 string, and numbers that never print as nan/inf. */
#pragma once

#include <glib.h>

void booth_json_string(GString *out, const char *s);
void booth_json_number(GString *out, double v);
void booth_json_hex(GString *out, const guint8 *data, gsize len);
