/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The error table's helpers: messages that always fit in a bus reply. */
#include <string.h>

#include "error.h"

static void
test_utf8_prefix(void)
{
  GString *s = g_string_new("x");
  for (int i = 0; i < 40; i++)
    g_string_append(s, "é"); /* two bytes each */
  g_autofree char *text = g_string_free(s, FALSE);
  for (gsize max = 0; max <= 90; max++) {
    g_autofree char *cut = booth_utf8_prefix(text, max);
    g_assert_true(g_utf8_validate(cut, -1, NULL));
    if (max >= strlen(text))
      g_assert_cmpstr(cut, ==, text);
    else
      g_assert_true(g_str_has_suffix(cut, "…") && strlen(cut) <= max + strlen("…"));
  }
  g_autofree char *bad = booth_utf8_prefix("a\xff\xc3", 64);
  g_assert_true(g_utf8_validate(bad, -1, NULL));
  g_assert_cmpstr(bad, ==, "a\uFFFD\uFFFD");
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/error/utf8-prefix", test_utf8_prefix);
  return g_test_run();
}
