/* SPDX-License-Identifier: GPL-2.0-or-later */
/* common/manifest.c and common/report.c: the batch manifest's CSV and JSON (quoting, the code's
 * text and hex, the check columns), SHA256SUMS, and the day report's pieces (schedule,
 * percentiles, check names). */
#include <string.h>

#include "error.h"
#include "json.h"
#include "manifest.h"
#include "report.h"

static BoothManifestRow *
row_new(const char *session, const void *code, gsize code_len, const char *profile)
{
  BoothManifestRow *r = booth_manifest_row_new();
  r->booth = g_strdup("room-101");
  r->room = g_strdup("至善楼 101");
  r->session_id = g_strdup(session);
  r->code = g_bytes_new(code, code_len);
  r->profile = g_strdup(profile);
  r->file = g_strdup_printf("%s_%s.jpg", session, profile);
  r->bytes = 1234;
  r->sha256 = g_strdup("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
  r->started_at = (gint64)1781742600 * G_USEC_PER_SEC; /* 2026-06-18 08:30:00 +08:00 */
  r->code_at = r->started_at + 2 * G_USEC_PER_SEC;
  r->committed_at = r->started_at + 25 * G_USEC_PER_SEC;
  r->attempts = 2;
  r->operator_name = g_strdup("张老师, \"王\"");
  return r;
}

static void
test_code_text(void)
{
  struct {
    const char *code;
    gssize len;
    const char *text;
  } cases[] = {
      {"XJM1:abc", -1, "XJM1:abc"},
      {"学生码", -1, "学生码"},
      {"=cmd|' /C calc'!A0", -1, NULL},
      {"+1", -1, NULL},
      {"-1", -1, NULL},
      {"@SUM(1)", -1, NULL},
      {"a\nb", -1, NULL},
      {"a\0b", 3, NULL},
      {"\xff\xfe", 2, NULL},
      {"a\xe2\x80\xa8z", -1, NULL},
      {"", 0, NULL},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    gsize len = cases[i].len < 0 ? strlen(cases[i].code) : (gsize)cases[i].len;
    g_autoptr(GBytes) b = g_bytes_new(cases[i].code, len);
    g_autofree char *t = booth_manifest_code_text(b);
    g_assert_cmpstr(t, ==, cases[i].text);
  }
}

static void
test_csv(void)
{
  g_autoptr(BoothManifest) m = booth_manifest_new("room-101_20260618-120000", 1);
  BoothManifestRow *a = row_new("S1", "XJM1:a,b", 8, "chsi-final");
  booth_manifest_row_add_check(a, "tilt", TRUE, -1.5, "deg", BOOTH_VERDICT_PASS);
  booth_manifest_row_add_check(a, "background_colour", TRUE, 12.25, "dE", BOOTH_VERDICT_OVERRIDDEN);
  booth_manifest_add(m, a);
  BoothManifestRow *b = row_new("S2", "\x00\xff", 2, "chsi-upload");
  booth_manifest_row_add_check(b, "one_face", FALSE, 0, "", BOOTH_VERDICT_FAIL);
  booth_manifest_add(m, b);

  g_autoptr(GString) csv = booth_manifest_csv(m);
  g_assert_true(g_str_has_prefix(csv->str, "\xEF\xBB\xBF"
                                           "booth,room,session,code_text,code_hex"));
  g_auto(GStrv) lines = g_strsplit(csv->str + 3, "\r\n", -1);
  g_assert_cmpuint(g_strv_length(lines), ==, 4); /* header, 2 rows, "" after the last CRLF */
  g_assert_true(g_str_has_suffix(lines[0], ",overrides,tilt (deg),tilt verdict,background_colour "
                                           "(dE),background_colour verdict,one_face,one_face "
                                           "verdict"));
  /* a comma in the code quotes the field; quotes double; Chinese stays as it is */
  g_assert_nonnull(strstr(lines[1], "room-101,至善楼 101,S1,\"XJM1:a,b\",584a4d313a612c62,"));
  g_assert_nonnull(strstr(lines[1], ",\"张老师, \"\"王\"\"\",background_colour,-1.5,pass,12.25,"
                                    "overridden,,"));
  g_assert_nonnull(strstr(lines[1], "2026-06-18T08:30:00+08:00,2026-06-18T08:30:02+08:00,"
                                    "2026-06-18T08:30:25+08:00,23.0,2,"));
  /* a binary code has no text, and its hex; a check without a value is empty */
  g_assert_nonnull(strstr(lines[2], "S2,,00ff,chsi-upload,"));
  g_assert_true(g_str_has_suffix(lines[2], ",,,,,fail"));
  g_assert_cmpstr(lines[3], ==, "");

  g_autoptr(GString) json = booth_manifest_json(m);
  g_assert_true(booth_json_valid(json->str, (gssize)json->len));
  g_assert_nonnull(strstr(json->str, "\"code_text\": null"));
  g_assert_nonnull(strstr(json->str, "\"code_hex\": \"00ff\""));
  g_assert_nonnull(strstr(json->str, "\"overrides\": [\"background_colour\"]"));
  g_assert_nonnull(strstr(json->str, "\"one_face\": {\"value\": null, \"unit\": \"\", "
                                     "\"verdict\": \"fail\"}"));

  g_autoptr(GString) sums = booth_manifest_sums(m, csv, json);
  g_auto(GStrv) sum_lines = g_strsplit(sums->str, "\n", -1);
  g_assert_cmpuint(g_strv_length(sum_lines), ==, 5);
  g_assert_true(g_str_has_suffix(sum_lines[0], "  S1_chsi-final.jpg"));
  g_autofree char *csv_sum =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)csv->str, csv->len);
  g_autofree char *want = g_strdup_printf("%s  manifest.csv", csv_sum);
  g_assert_cmpstr(sum_lines[2], ==, want);
}

static void
test_schedule(void)
{
  static const char good[] = "[Schedule]\nrooms=至善楼 101;至善楼 116\n"
                             "[09:30-10:30]\ncolleges=数学院\n"
                             "[08:30-09:30]\ncolleges=法学院; 商学院\nrooms=至善楼 201\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothSchedule) s = booth_schedule_parse(good, strlen(good), "s.conf", &error);
  g_assert_no_error(error);
  g_assert_cmpuint(s->slots->len, ==, 2);
  BoothSlot *first = s->slots->pdata[0], *second = s->slots->pdata[1];
  g_assert_cmpstr(first->name, ==, "08:30-09:30");
  g_assert_cmpint(first->start_min, ==, 510);
  g_assert_cmpint(first->end_min, ==, 570);
  g_assert_cmpstr(first->colleges[1], ==, "商学院");
  g_assert_cmpstr(first->rooms[0], ==, "至善楼 201");
  g_assert_cmpstr(second->rooms[1], ==, "至善楼 116");

  static const char *const bad[][2] = {
      {"[8:30-9:30x]\ncolleges=A\n", "is not a time slot"},
      {"[09:30-08:30]\ncolleges=A\n", "is not a time slot"},
      {"[08:30-09:30]\ncolleges=A\n[09:00-10:00]\ncolleges=B\n", "overlap"},
      {"[08:30-09:30]\ncollege=A\n", "has no key 'college'"},
      {"colleges=A\n", "s.conf"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autoptr(GError) e = NULL;
    g_autoptr(BoothSchedule) none =
        booth_schedule_parse(bad[i][0], strlen(bad[i][0]), "s.conf", &e);
    g_assert_null(none);
    g_assert_error(e, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(e->message, bad[i][1]));
  }
}

static void
test_percentile(void)
{
  const double v[] = {1, 2, 3, 4, 10};
  g_assert_cmpfloat_with_epsilon(booth_percentile(v, 5, 50), 3, 1e-9);
  g_assert_cmpfloat_with_epsilon(booth_percentile(v, 5, 90), 7.6, 1e-9);
  g_assert_cmpfloat_with_epsilon(booth_percentile(v, 5, 100), 10, 1e-9);
  g_assert_cmpfloat_with_epsilon(booth_percentile(v, 1, 90), 1, 1e-9);
  g_assert_cmpfloat_with_epsilon(booth_percentile(v, 0, 50), 0, 1e-9);

  g_auto(GStrv) names = booth_report_check_names("chsi-upload/tilt, chsi-final/tilt,eye_line");
  g_assert_cmpuint(g_strv_length(names), ==, 2);
  g_assert_cmpstr(names[0], ==, "tilt");
  g_assert_cmpstr(names[1], ==, "eye_line");
  g_auto(GStrv) none = booth_report_check_names(NULL);
  g_assert_cmpuint(g_strv_length(none), ==, 0);
}

int
main(int argc, char **argv)
{
  g_setenv("TZ", "Asia/Shanghai", TRUE);
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/manifest/code-text", test_code_text);
  g_test_add_func("/manifest/csv-json-sums", test_csv);
  g_test_add_func("/report/schedule", test_schedule);
  g_test_add_func("/report/percentile-names", test_percentile);
  return g_test_run();
}
