/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the capture code helpers a QR payload goes through: any bytes as the
 * code, with a length limit and a display width the first two bytes pick. Each helper is held
 * to an independent reading of its promise: booth_code_validate accepts exactly the non-empty
 * codes within the limit; booth_code_is_text agrees with GVariant on what a D-Bus string may
 * hold; booth_code_to_display is printable ASCII that decodes back to the code, or to a prefix
 * of it followed by "..." once it is max_chars long. */
#include "analysis/code.h"
#include "error.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  return -1;
}

/* Decodes \xHH escapes; FALSE on anything that is not printable ASCII or a whole escape. */
static gboolean
display_decode(const char *s, gsize n, GByteArray *out)
{
  for (gsize i = 0; i < n;) {
    if (s[i] == '\\') {
      if (i + 4 > n || s[i + 1] != 'x' || hex_value(s[i + 2]) < 0 || hex_value(s[i + 3]) < 0)
        return FALSE;
      guint8 b = (guint8)(hex_value(s[i + 2]) << 4 | hex_value(s[i + 3]));
      g_byte_array_append(out, &b, 1);
      i += 4;
    } else if (s[i] >= 0x20 && s[i] < 0x7f) {
      g_byte_array_append(out, (const guint8 *)&s[i], 1);
      i++;
    } else {
      return FALSE;
    }
  }
  return TRUE;
}

static void
check_display(GBytes *code, gsize max_chars)
{
  gsize n = 0;
  const guint8 *bytes = g_bytes_get_data(code, &n);
  g_autofree char *shown = booth_code_to_display(code, max_chars);
  const gsize len = strlen(shown);
  g_autoptr(GByteArray) back = g_byte_array_new();
  if (display_decode(shown, len, back) && back->len == n &&
      (n == 0 || memcmp(back->data, bytes, n) == 0))
    return; /* shown whole */
  /* Shortened: what comes before the "..." is a proper prefix of the code, at least
   * max_chars long, and at most one escape longer. */
  if (len < 3 || strcmp(shown + len - 3, "...") != 0 || len - 3 < max_chars ||
      len - 3 >= max_chars + 4)
    abort();
  g_byte_array_set_size(back, 0);
  if (!display_decode(shown, len - 3, back) || back->len >= n ||
      memcmp(back->data, bytes, back->len) != 0)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  const gsize max_bytes = 1 + data[0] * 32u;
  const gsize max_chars = data[1];
  g_autoptr(GBytes) code = g_bytes_new(data + 2, size - 2);
  const gsize n = size - 2;

  GError *error = NULL;
  gboolean valid = booth_code_validate(code, max_bytes, &error);
  if (valid != (n > 0 && n <= max_bytes) || valid != (error == NULL))
    abort();
  if (error && !g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT))
    abort();
  g_clear_error(&error);

  /* GVariant's own check of a string that came off the wire: UTF-8, no NUL inside. */
  g_autofree char *with_nul = g_malloc(n + 1);
  memcpy(with_nul, data + 2, n);
  with_nul[n] = '\0';
  g_autoptr(GVariant) v = g_variant_ref_sink(
      g_variant_new_from_data(G_VARIANT_TYPE_STRING, with_nul, n + 1, FALSE, NULL, NULL));
  const gboolean is_string = n > 0 && g_variant_is_normal_form(v);
  if (booth_code_is_text(code) != is_string)
    abort();

  check_display(code, max_chars);
  return 0;
}
