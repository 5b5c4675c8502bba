/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The day report: a day's sessions counted per time slot of the schedule and per hour, and
 * the schedule file it counts by. One implementation for a booth's report and the
 * collection's, so the figures mean the same everywhere.
 *
 * The schedule (schedule.conf, a key file): a group per time slot, named "HH:MM-HH:MM", with
 * colleges=NAME;NAME... (photographed in that slot) and, optionally, rooms=NAME;...; a
 * [Schedule] group may give rooms= for every slot. Slots must not overlap. */
#pragma once

#include <glib.h>

typedef struct {
  char *name;             /* "08:30-09:30" */
  int start_min, end_min; /* minutes after midnight, local time */
  char **colleges;
  char **rooms;
} BoothSlot;

typedef struct {
  char *path;
  GPtrArray *slots; /* BoothSlot*, in time order */
  char **rooms;     /* [Schedule] rooms, may be empty */
} BoothSchedule;

/* text of len bytes read as the file path (named in messages). */
BoothSchedule *booth_schedule_parse(const char *text, gsize len, const char *path, GError **error);
BoothSchedule *booth_schedule_load(const char *path, GError **error);
void booth_schedule_free(BoothSchedule *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothSchedule, booth_schedule_free)

/* One session as the report counts it. */
typedef struct {
  char *booth;                          /* may be NULL (one booth's report) */
  gint64 started_at, code_at, ended_at; /* unix microseconds; 0 when not known */
  char *status;                         /* committed, cancelled, abandoned, ... */
  guint attempts;
  char **overrides; /* names of the checks committed with override (no profile) */
  char **failed;    /* names of the checks the last capture failed (no profile) */
} BoothReportSession;

void booth_report_session_free(BoothReportSession *s);
/* "chsi-upload/tilt,chsi-final/tilt" -> {"tilt", NULL}: the names, once each. */
char **booth_report_check_names(const char *overrides);

/* The report of sessions (BoothReportSession*) started in [day_start, day_end) (unix
 * microseconds, local midnights), as an a{sv}: see docs/org.boothd.Booth1.md, Dict DayReport.
 * schedule may be NULL. title names what is counted (a booth, a room, the school). The caller
 * owns the reference returned (not floating). */
GVariant *booth_report_build(GPtrArray *sessions, const BoothSchedule *schedule, gint64 day_start,
                             gint64 day_end, const char *title);

/* What the text forms of a report share: a report time as "HH:MM" (local); a count of a
 * report's dictionary (0 when absent); "median/p90 s" of its code-to-commit seconds, "-" when
 * it has none. */
char *booth_report_clock(gint64 usec);
guint32 booth_report_count(GVariant *counts, const char *key);
char *booth_report_seconds(GVariant *counts);

/* The p-th percentile (0..100) of n sorted values, linear between the closest ranks. */
double booth_percentile(const double *sorted, gsize n, double p);
