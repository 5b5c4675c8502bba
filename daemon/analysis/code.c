/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "code.h"

#include <string.h>

#include "error.h"

gboolean
booth_code_validate(GBytes *code, gsize max_bytes, GError **error)
{
  gsize n = code ? g_bytes_get_size(code) : 0;
  if (n == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the capture code is empty: scan the student's QR code or type it in full");
    return FALSE;
  }
  if (n > max_bytes) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the capture code is %zu bytes long, more than the %zu allowed: this is not a "
                "capture code",
                n, max_bytes);
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_code_is_text(GBytes *code)
{
  gsize n;
  const char *p = g_bytes_get_data(code, &n);
  return n > 0 && memchr(p, 0, n) == NULL && g_utf8_validate(p, (gssize)n, NULL);
}

char *
booth_code_to_display(GBytes *code, gsize max_chars)
{
  gsize n = 0;
  const guint8 *p = code ? g_bytes_get_data(code, &n) : NULL;
  GString *s = g_string_sized_new(MIN(n, max_chars) + 8);
  for (gsize i = 0; i < n; i++) {
    if (s->len >= max_chars) {
      g_string_append(s, "...");
      break;
    }
    if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
      g_string_append_c(s, (char)p[i]);
    else
      g_string_append_printf(s, "\\x%02x", p[i]);
  }
  return g_string_free(s, FALSE);
}
