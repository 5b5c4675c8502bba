/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For unit tests and benches: the answer of one of the jsQR project's end-to-end photos, its
 * output.json's "binaryData": [n, n, ...], the exact payload jsQR decoded; NULL for a file that
 * holds only null (a photo without a known answer). A malformed file fails the test. */
#pragma once

#include <string.h>

#include <glib.h>

static inline GBytes *
jsqr_answer(const char *path)
{
  g_autofree char *json = NULL;
  g_assert_true(g_file_get_contents(path, &json, NULL, NULL));
  const char *p = strstr(json, "\"binaryData\"");
  if (!p)
    return NULL;
  p = strchr(p, '[');
  g_assert_nonnull(p);
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  for (p++; *p && *p != ']'; p++) {
    if (g_ascii_isdigit(*p)) {
      char *end;
      guint64 v = g_ascii_strtoull(p, &end, 10);
      g_assert_cmpuint(v, <=, 255);
      guint8 b = (guint8)v;
      g_byte_array_append(bytes, &b, 1);
      p = end - 1;
    }
  }
  g_assert_cmpint(*p, ==, ']');
  return g_byte_array_free_to_bytes(g_steal_pointer(&bytes));
}
