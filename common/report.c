/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"

#define BIN_US ((gint64)10 * 60 * G_USEC_PER_SEC)

/* ---- the schedule ---- */

static void
slot_free(gpointer p)
{
  BoothSlot *s = p;
  g_free(s->name);
  g_strfreev(s->colleges);
  g_strfreev(s->rooms);
  g_free(s);
}

void
booth_schedule_free(BoothSchedule *s)
{
  if (!s)
    return;
  g_free(s->path);
  g_ptr_array_unref(s->slots);
  g_strfreev(s->rooms);
  g_free(s);
}

static gboolean
parse_hm(const char *text, int *minutes)
{
  int h, m, n = 0;
  if (sscanf(text, "%2d:%2d%n", &h, &m, &n) != 2 || text[n] || h < 0 || h > 24 || m < 0 || m > 59 ||
      (h == 24 && m != 0))
    return FALSE;
  *minutes = h * 60 + m;
  return TRUE;
}

static gboolean
parse_slot_name(const char *group, int *start, int *end)
{
  g_auto(GStrv) parts = g_strsplit(group, "-", 3);
  return g_strv_length(parts) == 2 && parse_hm(g_strstrip(parts[0]), start) &&
         parse_hm(g_strstrip(parts[1]), end) && *start < *end;
}

static char **
list_or_empty(GKeyFile *kf, const char *group, const char *key)
{
  char **v = g_key_file_get_string_list(kf, group, key, NULL, NULL);
  if (!v)
    return g_new0(char *, 1);
  for (char **p = v; *p; p++)
    g_strstrip(*p);
  return v;
}

static int
slot_cmp(gconstpointer a, gconstpointer b)
{
  const BoothSlot *x = *(BoothSlot *const *)a, *y = *(BoothSlot *const *)b;
  return x->start_min - y->start_min;
}

BoothSchedule *
booth_schedule_parse(const char *text, gsize len, const char *path, GError **error)
{
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: %s", path, local->message);
    return NULL;
  }
  g_autoptr(BoothSchedule) s = g_new0(BoothSchedule, 1);
  s->path = g_strdup(path);
  s->slots = g_ptr_array_new_with_free_func(slot_free);
  s->rooms = list_or_empty(kf, "Schedule", "rooms");
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    if (strcmp(*g, "Schedule") == 0)
      continue;
    BoothSlot *slot = g_new0(BoothSlot, 1);
    g_ptr_array_add(s->slots, slot);
    slot->name = g_strdup(*g);
    if (!parse_slot_name(*g, &slot->start_min, &slot->end_min)) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s: [%s] is not a time slot: name a slot by its times, as [08:30-09:30]", path,
                  *g);
      return NULL;
    }
    g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
    for (char **k = keys; k && *k; k++)
      if (strcmp(*k, "colleges") != 0 && strcmp(*k, "rooms") != 0) {
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                    "%s: [%s] has no key '%s' (a slot has colleges= and rooms=)", path, *g, *k);
        return NULL;
      }
    slot->colleges = list_or_empty(kf, *g, "colleges");
    slot->rooms = g_key_file_has_key(kf, *g, "rooms", NULL) ? list_or_empty(kf, *g, "rooms")
                                                            : g_strdupv(s->rooms);
  }
  g_ptr_array_sort(s->slots, slot_cmp);
  for (guint i = 1; i < s->slots->len; i++) {
    const BoothSlot *a = s->slots->pdata[i - 1], *b = s->slots->pdata[i];
    if (b->start_min < a->end_min) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s: the slots [%s] and [%s] overlap: a session must fall in one slot", path,
                  a->name, b->name);
      return NULL;
    }
  }
  return g_steal_pointer(&s);
}

BoothSchedule *
booth_schedule_load(const char *path, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, &len, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "cannot read the schedule: %s",
                local->message);
    return NULL;
  }
  return booth_schedule_parse(text, len, path, error);
}

/* ---- sessions ---- */

void
booth_report_session_free(BoothReportSession *s)
{
  if (!s)
    return;
  g_free(s->booth);
  g_free(s->status);
  g_strfreev(s->overrides);
  g_strfreev(s->failed);
  g_free(s);
}

char **
booth_report_check_names(const char *overrides)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new();
  g_auto(GStrv) items = g_strsplit(overrides ? overrides : "", ",", -1);
  for (char **it = items; *it; it++) {
    const char *name = strrchr(*it, '/');
    name = name ? name + 1 : g_strstrip(*it);
    if (!*name)
      continue;
    gboolean seen = FALSE;
    for (guint i = 0; i < out->len && !seen; i++)
      seen = strcmp(out->pdata[i], name) == 0;
    if (!seen)
      g_ptr_array_add(out, g_strdup(name));
  }
  g_ptr_array_add(out, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}

/* ---- text ---- */

char *
booth_report_clock(gint64 usec)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);
  return t ? g_date_time_format(t, "%H:%M") : g_strdup("?");
}

guint32
booth_report_count(GVariant *counts, const char *key)
{
  guint32 v = 0;
  g_variant_lookup(counts, key, "u", &v);
  return v;
}

char *
booth_report_seconds(GVariant *counts)
{
  double med, p90;
  if (!g_variant_lookup(counts, "seconds_median", "d", &med) ||
      !g_variant_lookup(counts, "seconds_p90", "d", &p90))
    return g_strdup("-");
  return g_strdup_printf("%.1f/%.1f s", med, p90);
}

/* ---- counting ---- */

double
booth_percentile(const double *v, gsize n, double p)
{
  if (n == 0)
    return 0;
  double rank = p / 100.0 * (double)(n - 1);
  gsize lo = (gsize)rank;
  if (lo + 1 >= n)
    return v[n - 1];
  return v[lo] + (rank - (double)lo) * (v[lo + 1] - v[lo]);
}

typedef struct {
  guint started, committed, cancelled, abandoned, other;
  guint retakes;    /* captures after the first, over every session */
  guint overridden; /* committed sessions with at least one override */
  GArray *seconds;  /* double: code to commit, committed sessions with a known code time */
} Tally;

static void
tally_init(Tally *t)
{
  memset(t, 0, sizeof *t);
  t->seconds = g_array_new(FALSE, FALSE, sizeof(double));
}

static void
tally_add(Tally *t, const BoothReportSession *s)
{
  t->started++;
  if (g_strcmp0(s->status, "committed") == 0) {
    t->committed++;
    gint64 from = s->code_at > 0 ? s->code_at : 0;
    if (from > 0 && s->ended_at >= from) {
      double secs = (double)(s->ended_at - from) / G_USEC_PER_SEC;
      g_array_append_val(t->seconds, secs);
    }
    if (s->overrides && *s->overrides)
      t->overridden++;
  } else if (g_strcmp0(s->status, "cancelled") == 0) {
    t->cancelled++;
  } else if (g_strcmp0(s->status, "abandoned") == 0) {
    t->abandoned++;
  } else {
    t->other++;
  }
  if (s->attempts > 1)
    t->retakes += s->attempts - 1;
}

static int
double_cmp(gconstpointer a, gconstpointer b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* The tally's counts into b (an a{sv} being built); frees the tally. */
static void
tally_end(Tally *t, GVariantBuilder *b)
{
  g_variant_builder_add(b, "{sv}", "started", g_variant_new_uint32(t->started));
  g_variant_builder_add(b, "{sv}", "committed", g_variant_new_uint32(t->committed));
  g_variant_builder_add(b, "{sv}", "cancelled", g_variant_new_uint32(t->cancelled));
  g_variant_builder_add(b, "{sv}", "abandoned", g_variant_new_uint32(t->abandoned));
  g_variant_builder_add(b, "{sv}", "other", g_variant_new_uint32(t->other));
  g_variant_builder_add(b, "{sv}", "retakes", g_variant_new_uint32(t->retakes));
  g_variant_builder_add(b, "{sv}", "retakes_per_student",
                        g_variant_new_double(t->started ? (double)t->retakes / t->started : 0));
  g_variant_builder_add(b, "{sv}", "overridden", g_variant_new_uint32(t->overridden));
  g_array_sort(t->seconds, double_cmp);
  const double *v = (const double *)(void *)t->seconds->data;
  if (t->seconds->len > 0) {
    g_variant_builder_add(b, "{sv}", "seconds_median",
                          g_variant_new_double(booth_percentile(v, t->seconds->len, 50)));
    g_variant_builder_add(b, "{sv}", "seconds_p90",
                          g_variant_new_double(booth_percentile(v, t->seconds->len, 90)));
  }
  g_array_unref(t->seconds);
}

static void
count_names(GHashTable *counts, char **names)
{
  for (char **n = names; n && *n; n++) {
    gpointer old = g_hash_table_lookup(counts, *n);
    g_hash_table_replace(counts, g_strdup(*n), GUINT_TO_POINTER(GPOINTER_TO_UINT(old) + 1));
  }
}

static GVariant *
counts_variant(GHashTable *counts)
{
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE("a{su}"));
  g_autoptr(GList) keys = g_list_sort(g_hash_table_get_keys(counts), (GCompareFunc)strcmp);
  for (GList *k = keys; k; k = k->next)
    g_variant_builder_add(&b, "{su}", (const char *)k->data,
                          GPOINTER_TO_UINT(g_hash_table_lookup(counts, k->data)));
  return g_variant_builder_end(&b);
}

static int
local_minutes(gint64 us)
{
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(us / G_USEC_PER_SEC);
  return t ? g_date_time_get_hour(t) * 60 + g_date_time_get_minute(t) : 0;
}

static int
session_start_cmp(gconstpointer a, gconstpointer b)
{
  const BoothReportSession *x = *(BoothReportSession *const *)a;
  const BoothReportSession *y = *(BoothReportSession *const *)b;
  return (x->started_at > y->started_at) - (x->started_at < y->started_at);
}

/* The day's local midnight plus minutes, as unix microseconds. */
static gint64
day_at(gint64 day_start, int minutes)
{
  g_autoptr(GDateTime) d = g_date_time_new_from_unix_local(day_start / G_USEC_PER_SEC);
  g_autoptr(GDateTime) t =
      g_date_time_new_local(g_date_time_get_year(d), g_date_time_get_month(d),
                            g_date_time_get_day_of_month(d), minutes / 60 % 24, minutes % 60, 0);
  gint64 us = g_date_time_to_unix(t) * G_USEC_PER_SEC;
  return minutes >= 24 * 60 ? us + (gint64)24 * 3600 * G_USEC_PER_SEC : us;
}

static const char counts_note[] =
    "Sessions are counted by the time they started: per time slot of the schedule and per "
    "hour. A retake is a capture after a session's first. Seconds run from the moment the "
    "session had its capture code (the code scanned, or given) to its commit. Overrides count "
    "committed sessions with a failed check stored by the operator's override, per check. "
    "Failing checks count the sessions whose last capture failed that check. The busiest 10 "
    "minutes are those in which the most sessions started. Not counted, because it cannot be "
    "known: which college a student belongs to (the capture code is opaque), so a student "
    "photographed outside the college's slot is counted in the slot of the time, and a "
    "student who came twice is two sessions.";

GVariant *
booth_report_build(GPtrArray *sessions, const BoothSchedule *schedule, gint64 day_start,
                   gint64 day_end, const char *title)
{
  g_autoptr(GPtrArray) sorted = g_ptr_array_new();
  for (guint i = 0; i < sessions->len; i++) {
    BoothReportSession *s = sessions->pdata[i];
    if (s->started_at >= day_start && s->started_at < day_end)
      g_ptr_array_add(sorted, s);
  }
  g_ptr_array_sort(sorted, session_start_cmp);

  GVariantBuilder r;
  g_variant_builder_init(&r, G_VARIANT_TYPE_VARDICT);
  g_autoptr(GDateTime) day = g_date_time_new_from_unix_local(day_start / G_USEC_PER_SEC);
  g_autofree char *day_text = g_date_time_format(day, "%Y-%m-%d");
  g_variant_builder_add(&r, "{sv}", "day", g_variant_new_string(day_text));
  g_variant_builder_add(&r, "{sv}", "title", g_variant_new_string(title ? title : ""));
  g_variant_builder_add(&r, "{sv}", "schedule",
                        g_variant_new_string(schedule && schedule->path ? schedule->path : ""));

  /* The whole day, and the checks by name. */
  Tally all;
  tally_init(&all);
  g_autoptr(GHashTable) overrides = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) failed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) retake_hist = g_hash_table_new(g_direct_hash, g_direct_equal);
  for (guint i = 0; i < sorted->len; i++) {
    const BoothReportSession *s = sorted->pdata[i];
    tally_add(&all, s);
    if (g_strcmp0(s->status, "committed") == 0)
      count_names(overrides, s->overrides);
    count_names(failed, s->failed);
    guint retakes = s->attempts > 1 ? s->attempts - 1 : 0;
    gpointer key = GUINT_TO_POINTER(MIN(retakes, 3));
    g_hash_table_replace(
        retake_hist, key,
        GUINT_TO_POINTER(GPOINTER_TO_UINT(g_hash_table_lookup(retake_hist, key)) + 1));
  }
  tally_end(&all, &r);
  g_variant_builder_add(&r, "{sv}", "overrides_by_check", counts_variant(overrides));
  g_variant_builder_add(&r, "{sv}", "failing_checks", counts_variant(failed));
  GVariantBuilder hist;
  g_variant_builder_init(&hist, G_VARIANT_TYPE("au"));
  for (guint k = 0; k <= 3; k++)
    g_variant_builder_add(&hist, "u",
                          GPOINTER_TO_UINT(g_hash_table_lookup(retake_hist, GUINT_TO_POINTER(k))));
  /* students with 0, 1, 2, 3 or more retakes */
  g_variant_builder_add(&r, "{sv}", "retakes_histogram", g_variant_builder_end(&hist));

  /* Per slot, and the sessions outside every slot. */
  GVariantBuilder slots;
  g_variant_builder_init(&slots, G_VARIANT_TYPE("aa{sv}"));
  guint n_slots = schedule ? schedule->slots->len : 0;
  Tally *per_slot = g_new0(Tally, n_slots + 1);
  for (guint k = 0; k <= n_slots; k++)
    tally_init(&per_slot[k]);
  for (guint i = 0; i < sorted->len; i++) {
    const BoothReportSession *s = sorted->pdata[i];
    int m = local_minutes(s->started_at);
    guint k = 0;
    while (k < n_slots) {
      const BoothSlot *slot = schedule->slots->pdata[k];
      if (m >= slot->start_min && m < slot->end_min)
        break;
      k++;
    }
    tally_add(&per_slot[k], s);
  }
  for (guint k = 0; k < n_slots; k++) {
    const BoothSlot *slot = schedule->slots->pdata[k];
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "name", g_variant_new_string(slot->name));
    g_variant_builder_add(&b, "{sv}", "start",
                          g_variant_new_int64(day_at(day_start, slot->start_min)));
    g_variant_builder_add(&b, "{sv}", "end", g_variant_new_int64(day_at(day_start, slot->end_min)));
    g_variant_builder_add(&b, "{sv}", "colleges",
                          g_variant_new_strv((const char *const *)slot->colleges, -1));
    g_variant_builder_add(&b, "{sv}", "rooms",
                          g_variant_new_strv((const char *const *)slot->rooms, -1));
    tally_end(&per_slot[k], &b);
    g_variant_builder_add_value(&slots, g_variant_builder_end(&b));
  }
  g_variant_builder_add(&r, "{sv}", "slots", g_variant_builder_end(&slots));
  GVariantBuilder outside;
  g_variant_builder_init(&outside, G_VARIANT_TYPE_VARDICT);
  tally_end(&per_slot[n_slots], &outside);
  g_variant_builder_add(&r, "{sv}", "outside_slots", g_variant_builder_end(&outside));
  g_free(per_slot);

  /* Per hour, and per 10 minutes (for the picture), from the first session's to the last's. */
  GVariantBuilder hours, bins;
  g_variant_builder_init(&hours, G_VARIANT_TYPE("aa{sv}"));
  g_variant_builder_init(&bins, G_VARIANT_TYPE("a(xuu)"));
  if (sorted->len > 0) {
    const BoothReportSession *first = sorted->pdata[0];
    const BoothReportSession *last = sorted->pdata[sorted->len - 1];
    int h0 = local_minutes(first->started_at) / 60, h1 = local_minutes(last->started_at) / 60;
    guint i = 0;
    for (int h = h0; h <= h1; h++) {
      Tally t;
      tally_init(&t);
      while (i < sorted->len &&
             local_minutes(((BoothReportSession *)sorted->pdata[i])->started_at) / 60 == h)
        tally_add(&t, sorted->pdata[i++]);
      GVariantBuilder b;
      g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add(&b, "{sv}", "start", g_variant_new_int64(day_at(day_start, h * 60)));
      tally_end(&t, &b);
      g_variant_builder_add_value(&hours, g_variant_builder_end(&b));
    }
    gint64 b0 = day_at(day_start, local_minutes(first->started_at) / 10 * 10);
    gint64 b1 = day_at(day_start, local_minutes(last->started_at) / 10 * 10);
    i = 0;
    for (gint64 t = b0; t <= b1; t += BIN_US) {
      guint started = 0, committed = 0;
      for (; i < sorted->len && ((BoothReportSession *)sorted->pdata[i])->started_at < t + BIN_US;
           i++) {
        started++;
        committed += g_strcmp0(((BoothReportSession *)sorted->pdata[i])->status, "committed") == 0;
      }
      g_variant_builder_add(&bins, "(xuu)", t, started, committed);
    }
  }
  g_variant_builder_add(&r, "{sv}", "hours", g_variant_builder_end(&hours));
  g_variant_builder_add(&r, "{sv}", "bins", g_variant_builder_end(&bins));

  /* The busiest 10 minutes: the window [t, t + 10 min) starting at a session's start that
   * holds the most session starts (the earliest of equals). */
  guint best = 0;
  gint64 best_start = 0;
  for (guint i = 0, j = 0; i < sorted->len; i++) {
    gint64 t = ((BoothReportSession *)sorted->pdata[i])->started_at;
    if (j < i)
      j = i;
    while (j < sorted->len && ((BoothReportSession *)sorted->pdata[j])->started_at < t + BIN_US)
      j++;
    if (j - i > best) {
      best = j - i;
      best_start = t;
    }
  }
  if (best > 0) {
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "start", g_variant_new_int64(best_start));
    g_variant_builder_add(&b, "{sv}", "end", g_variant_new_int64(best_start + BIN_US));
    g_variant_builder_add(&b, "{sv}", "started", g_variant_new_uint32(best));
    g_variant_builder_add(&r, "{sv}", "busiest", g_variant_builder_end(&b));
  }
  g_variant_builder_add(&r, "{sv}", "counts_note", g_variant_new_string(counts_note));
  return g_variant_ref_sink(g_variant_builder_end(&r));
}
