/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The day report across rooms: the central sessions of one day, counted by the same code as a
 * booth's own report (common/report.c), once per room and once for the whole collection. The
 * collection holds committed sessions only; cancelled and abandoned ones stay in each booth's
 * report (boothctl report), and the report says so. */
#include <stdio.h>
#include <string.h>

#include "boothd-build.h"
#include "collect.h"
#include "json.h"
#include "report.h"
#include "variant-json.h"

static const char collection_note[] =
    "The collection holds the committed sessions only: the sessions cancelled or abandoned "
    "on a booth are counted by that booth's own report (boothctl report).";

/* ---- text ---- */

/* label padded to width columns of the terminal (a Chinese character takes two). */
static void
print_label(const char *label, int width)
{
  int cols = 0;
  for (const char *p = label; *p; p = g_utf8_next_char(p))
    cols += g_unichar_iswide(g_utf8_get_char(p)) ? 2 : 1;
  printf("%s%*s", label, MAX(width - cols, 1), "");
}

static void
print_line(const char *label, GVariant *d)
{
  g_autofree char *secs = booth_report_seconds(d);
  double per = 0;
  g_variant_lookup(d, "retakes_per_student", "d", &per);
  print_label(label, 28);
  printf("%9u %7u %5.2f %8u %14s\n", booth_report_count(d, "committed"),
         booth_report_count(d, "retakes"), per, booth_report_count(d, "overridden"), secs);
}

static void
print_header(const char *first)
{
  print_label(first, 28);
  printf("%9s %7s %5s %8s %14s\n", "committed", "retakes", "/stu", "override", "code->commit");
}

static void
print_text(GVariant *school, GPtrArray *rooms)
{
  const char *day = "", *title = "", *schedule = "";
  g_variant_lookup(school, "day", "&s", &day);
  g_variant_lookup(school, "title", "&s", &title);
  g_variant_lookup(school, "schedule", "&s", &schedule);
  printf("day report    %s, %s\n", day, title);
  printf("schedule      %s\n\n", *schedule ? schedule : "none");
  print_header("room");
  for (guint i = 0; i < rooms->len; i++) {
    const char *t = "";
    g_variant_lookup(rooms->pdata[i], "title", "&s", &t);
    print_line(t, rooms->pdata[i]);
  }
  print_line("all rooms", school);

  g_autoptr(GVariant) busiest = g_variant_lookup_value(school, "busiest", G_VARIANT_TYPE_VARDICT);
  if (busiest) {
    gint64 s = 0, e = 0;
    g_variant_lookup(busiest, "start", "x", &s);
    g_variant_lookup(busiest, "end", "x", &e);
    g_autofree char *a = booth_report_clock(s), *b = booth_report_clock(e);
    printf("\nbusiest       %s-%s: %u sessions started in all rooms\n", a, b,
           booth_report_count(busiest, "started"));
  }
  g_autoptr(GVariant) slots = g_variant_lookup_value(school, "slots", G_VARIANT_TYPE("aa{sv}"));
  if (slots && g_variant_n_children(slots)) {
    printf("\n");
    print_header("slot (all rooms)");
    for (gsize i = 0; i < g_variant_n_children(slots); i++) {
      g_autoptr(GVariant) s = g_variant_get_child_value(slots, i);
      const char *name = "";
      g_variant_lookup(s, "name", "&s", &name);
      print_line(name, s);
    }
    g_autoptr(GVariant) outside =
        g_variant_lookup_value(school, "outside_slots", G_VARIANT_TYPE_VARDICT);
    if (outside && booth_report_count(outside, "committed") > 0)
      print_line("outside slots", outside);
  }
  g_autoptr(GVariant) hours = g_variant_lookup_value(school, "hours", G_VARIANT_TYPE("aa{sv}"));
  if (hours && g_variant_n_children(hours)) {
    printf("\n");
    print_header("hour (all rooms)");
    for (gsize i = 0; i < g_variant_n_children(hours); i++) {
      g_autoptr(GVariant) h = g_variant_get_child_value(hours, i);
      gint64 start = 0;
      g_variant_lookup(h, "start", "x", &start);
      g_autofree char *label = booth_report_clock(start);
      print_line(label, h);
    }
  }
  printf("\n%s\n", collection_note);
}

/* ---- the report ---- */

static char *
default_schedule(void)
{
  const char *const candidates[] = {BOOTH_SYSCONFDIR "/schedule.conf",
                                    BOOTH_DATADIR "/schedule.conf", NULL};
  for (const char *const *c = candidates; *c; c++)
    if (g_file_test(*c, G_FILE_TEST_IS_REGULAR))
      return g_strdup(*c);
  return NULL;
}

int
collect_report(PGconn *pg, const char *day, const char *schedule_path, gboolean json)
{
  g_autoptr(GDateTime) d0 = NULL;
  if (day) {
    int y, m, dd;
    char tail;
    if (sscanf(day, "%4d-%2d-%2d%c", &y, &m, &dd, &tail) != 3 ||
        !(d0 = g_date_time_new_local(y, m, dd, 0, 0, 0))) {
      g_printerr("boothcollect: --day must be a date such as 2026-06-18, not '%s'\n", day);
      return 2;
    }
  } else {
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    d0 = g_date_time_new_local(g_date_time_get_year(now), g_date_time_get_month(now),
                               g_date_time_get_day_of_month(now), 0, 0, 0);
  }
  g_autoptr(GDateTime) d1 = g_date_time_add_days(d0, 1);
  gint64 day_start = g_date_time_to_unix(d0) * G_USEC_PER_SEC;
  gint64 day_end = g_date_time_to_unix(d1) * G_USEC_PER_SEC;

  g_autoptr(BoothSchedule) schedule = NULL;
  g_autofree char *path = schedule_path ? g_strdup(schedule_path) : default_schedule();
  if (path) {
    g_autoptr(GError) error = NULL;
    schedule = booth_schedule_load(path, &error);
    if (!schedule) {
      g_printerr("boothcollect: %s\n", error->message);
      return 1;
    }
  }

  g_autofree char *t0 = g_strdup_printf("%" G_GINT64_FORMAT, day_start);
  g_autofree char *t1 = g_strdup_printf("%" G_GINT64_FORMAT, day_end);
  const char *params[] = {t0, t1};
  PGresult *res = collect_query(
      pg,
      "SELECT s.booth_id, b.room,"
      " (extract(epoch FROM s.started_at) * 1000000)::bigint,"
      " (extract(epoch FROM s.code_at) * 1000000)::bigint,"
      " (extract(epoch FROM s.committed_at) * 1000000)::bigint, s.attempts,"
      " array_to_string(s.overrides, ','),"
      " (SELECT string_agg(DISTINCT c->>'name', ',') FROM jsonb_each(CASE WHEN"
      "   jsonb_typeof(s.checks) = 'object' THEN s.checks ELSE '{}'::jsonb END) p,"
      "   jsonb_array_elements(CASE WHEN jsonb_typeof(p.value) = 'array' THEN p.value"
      "   ELSE '[]'::jsonb END) c WHERE (c->>'pass') = 'false')"
      " FROM booth.sessions s JOIN booth.booths b USING (booth_id)"
      " WHERE s.started_at >= 'epoch'::timestamptz + $1::bigint * interval '1 microsecond'"
      " AND s.started_at < 'epoch'::timestamptz + $2::bigint * interval '1 microsecond'"
      " ORDER BY b.room, s.booth_id, s.started_at",
      2, params);
  if (!res)
    return 1;
  g_autoptr(GPtrArray) all =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_report_session_free);
  g_autoptr(GPtrArray) booths = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GHashTable) titles = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
  for (int r = 0; r < PQntuples(res); r++) {
    BoothReportSession *s = g_new0(BoothReportSession, 1);
    s->booth = g_strdup(PQgetvalue(res, r, 0));
    s->started_at = g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10);
    s->code_at = g_ascii_strtoll(PQgetvalue(res, r, 3), NULL, 10);
    s->ended_at = g_ascii_strtoll(PQgetvalue(res, r, 4), NULL, 10);
    s->status = g_strdup("committed");
    s->attempts = (guint)g_ascii_strtoull(PQgetvalue(res, r, 5), NULL, 10);
    s->overrides = booth_report_check_names(PQgetvalue(res, r, 6));
    s->failed = g_strsplit(PQgetvalue(res, r, 7), ",", -1);
    if (!s->failed[0] || !*s->failed[0]) {
      g_strfreev(s->failed);
      s->failed = g_new0(char *, 1);
    }
    if (!g_hash_table_contains(titles, s->booth)) {
      const char *room = PQgetvalue(res, r, 1);
      g_ptr_array_add(booths, g_strdup(s->booth));
      g_hash_table_insert(titles, booths->pdata[booths->len - 1],
                          *room ? g_strdup_printf("%s (%s)", room, s->booth) : g_strdup(s->booth));
    }
    g_ptr_array_add(all, s);
  }
  PQclear(res);

  g_autofree char *school_title = g_strdup_printf("the collection: %u booths", booths->len);
  g_autoptr(GVariant) school = booth_report_build(all, schedule, day_start, day_end, school_title);
  g_autoptr(GPtrArray) rooms = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
  for (guint i = 0; i < booths->len; i++) {
    g_autoptr(GPtrArray) mine = g_ptr_array_new();
    for (guint k = 0; k < all->len; k++)
      if (g_str_equal(((BoothReportSession *)all->pdata[k])->booth, booths->pdata[i]))
        g_ptr_array_add(mine, all->pdata[k]);
    g_ptr_array_add(rooms, booth_report_build(mine, schedule, day_start, day_end,
                                              g_hash_table_lookup(titles, booths->pdata[i])));
  }

  if (json) {
    g_autoptr(GString) out = g_string_new("{\"collection\":");
    booth_json_append_variant(out, school, FALSE);
    g_string_append(out, ",\"rooms\":[");
    for (guint i = 0; i < rooms->len; i++) {
      if (i)
        g_string_append_c(out, ',');
      booth_json_append_variant(out, rooms->pdata[i], FALSE);
    }
    g_string_append(out, "],\"note\":");
    booth_json_string(out, collection_note);
    g_string_append(out, "}\n");
    fputs(out->str, stdout);
  } else {
    print_text(school, rooms);
  }
  return 0;
}
