/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/json.c: the writer's escaping, and the validator that lets boothctl nest JSON text
 * from a record as the object it is. */
#include <string.h>

#include "json.h"

static void
test_valid(void)
{
  static const char *const good[] = {
      "{}",
      "[]",
      "{\"a\":[1,2.5,-3e4,true,false,null,\"x\\u00e9\\n\"]}",
      " [ {\"k\" : {}} ] ",
      "\"中文\"",
      "0",
      "-0.5E+3",
  };
  static const char *const bad[] = {
      "",           "{",       "[1,]",
      "{\"a\" 1}",  "{a:1}",   "[01]",
      "[1.]",       "\"\\x\"", "\"tab\there\"",
      "[1] 2",      "nul",     "[\"\\u12\"]",
      "{\"a\":1,}", "-",       "1e",
  };
  for (gsize i = 0; i < G_N_ELEMENTS(good); i++)
    g_assert_true(booth_json_valid(good[i], -1));
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++)
    g_assert_false(booth_json_valid(bad[i], -1));
  g_assert_false(booth_json_valid("\"\xff\"", -1)); /* not UTF-8 */
  g_assert_false(booth_json_valid("[1]\0[2]", 7));  /* a NUL inside */
  g_autofree char *deep = g_strnfill(65, '[');
  g_autofree char *deep_close = g_strnfill(65, ']');
  g_autofree char *nested = g_strconcat(deep, deep_close, NULL);
  g_assert_false(booth_json_valid(nested, -1)); /* deeper than 64 */
  nested[0] = ' ';
  nested[strlen(nested) - 1] = ' ';
  g_assert_true(booth_json_valid(nested, -1)); /* 64 deep */
}

static void
test_writer_round_trip(void)
{
  g_autoptr(GString) out = g_string_new("[");
  booth_json_string(out, "a\"b\\c\n\x01\xff\u2028");
  g_string_append_c(out, ',');
  booth_json_number(out, 0.0 / 0.0);
  g_string_append_c(out, ']');
  g_assert_true(booth_json_valid(out->str, -1));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/json/valid", test_valid);
  g_test_add_func("/json/writer-round-trip", test_writer_round_trip);
  return g_test_run();
}
