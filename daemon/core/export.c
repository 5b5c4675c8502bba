/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Export: the records are read on the job thread, the batch is written on the export thread
 * (a slow stick holds up no capture), and the sessions are marked on the job thread once the
 * batch has its name. */
#include "core/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boothd-build.h"
#include "core/booth-private.h"
#include "core/config.h"
#include "error.h"
#include "log.h"
#include "manifest.h"
#include "report.h"

typedef struct {
  Booth *booth;
  int dirfd;
  char *label; /* the folder as boothd sees it, for messages */
  BoothExportQuery query;
  char *booth_id, *room;
  gint64 started_mono;
  gint64 created_at;
  char *batch;
  GPtrArray *rows; /* BoothManifestRow* */
  GPtrArray *cleaned;
  gint64 bytes;
  GError *error;
  BoothExportDone done;
  gpointer data;
} ExportJob;

static void
export_job_free(ExportJob *j)
{
  if (j->dirfd >= 0)
    close(j->dirfd);
  g_free(j->label);
  g_strfreev(j->query.sessions);
  g_free(j->booth_id);
  g_free(j->room);
  g_free(j->batch);
  g_clear_pointer(&j->rows, g_ptr_array_unref);
  g_clear_pointer(&j->cleaned, g_ptr_array_unref);
  g_clear_error(&j->error);
  g_free(j);
}

static void
export_finish(ExportJob *j)
{
  Booth *b = j->booth;
  b->exporting = FALSE;
  BoothExportResult result = {
      .batch = j->error || !j->rows || j->rows->len == 0 ? NULL : j->batch,
      .path = j->label,
      .cleaned = j->cleaned,
      .bytes = j->bytes,
      .duration_us = g_get_monotonic_time() - j->started_mono,
  };
  if (result.batch) {
    result.photos = j->rows->len;
    result.sessions = booth_manifest_count_sessions(j->rows);
    booth_notice("export", "batch %s: %u sessions, %u photos, %.1f MB in %s, %.2f s", j->batch,
                 result.sessions, result.photos, j->bytes / 1e6, j->label,
                 result.duration_us / 1e6);
  } else if (j->error) {
    booth_warn("export", "export into %s failed: %s", j->label, j->error->message);
  }
  j->done(j->error ? NULL : &result, j->error, j->data);
  export_job_free(j);
}

static void
mark_work(Booth *b, gpointer data)
{
  ExportJob *j = data;
  if (!booth_store_export_mark(b->store, j->batch, j->created_at, j->rows, &j->error))
    g_prefix_error(&j->error, "the batch %s was written whole in %s, but ", j->batch, j->label);
}

static void
mark_done(Booth *b, gpointer data)
{
  (void)b;
  export_finish(data);
}

static gboolean
written(gpointer data)
{
  ExportJob *j = data;
  if (j->booth->export_thread)
    g_thread_join(g_steal_pointer(&j->booth->export_thread));
  if (j->error)
    export_finish(j);
  else
    booth_job_run(j->booth, mark_work, mark_done, j);
  return G_SOURCE_REMOVE;
}

static gpointer
export_thread(gpointer data)
{
  ExportJob *j = data;
  booth_export_write(j->dirfd, j->label, j->batch, j->created_at, j->rows, j->cleaned, &j->bytes,
                     &j->error);
  /* Back to the main thread by an idle source, as jobs come back (core/booth.c). */
  GSource *src = g_idle_source_new();
  g_source_set_callback(src, written, j, NULL);
  g_source_attach(src, NULL);
  g_source_unref(src);
  return NULL;
}

static void
rows_work(Booth *b, gpointer data)
{
  ExportJob *j = data;
  j->rows = booth_store_export_rows(b->store, &j->query, &j->error);
  for (guint i = 0; j->rows && i < j->rows->len; i++) {
    BoothManifestRow *row = j->rows->pdata[i];
    row->booth = g_strdup(j->booth_id);
    row->room = *j->room ? g_strdup(j->room) : NULL;
  }
}

static void
rows_done(Booth *b, gpointer data)
{
  ExportJob *j = data;
  if (j->error || j->rows->len == 0) {
    export_finish(j);
    return;
  }
  /* A thread of its own, named so that it is told from the job thread. */
  b->export_thread = g_thread_new("export", export_thread, j);
}

static char *
folder_label(int fd)
{
  g_autofree char *link = g_strdup_printf("/proc/self/fd/%d", fd);
  char *target = g_file_read_link(link, NULL);
  return target ? target : g_strdup("the export folder");
}

void
booth_export(Booth *b, const BoothCaller *caller, int dirfd, const BoothExportQuery *query,
             BoothExportDone done, gpointer data)
{
  g_assert(b && caller && dirfd >= 0 && query && done);
  g_autoptr(GError) error = NULL;
  struct stat st;
  if (booth_caller_check(b, caller, &error)) {
    if (fstat(dirfd, &st) < 0 || !S_ISDIR(st.st_mode))
      g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "the handle given for the export is not a folder: open the target folder "
                  "(O_RDONLY|O_DIRECTORY) and pass that");
    else if (b->exporting)
      g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_BUSY,
                  "an export is already running; wait for it to finish");
  }
  if (error) {
    close(dirfd);
    done(NULL, error, data);
    return;
  }
  ExportJob *j = g_new0(ExportJob, 1);
  j->booth = b;
  j->dirfd = dirfd;
  j->label = folder_label(dirfd);
  j->query = *query;
  j->query.sessions = g_strdupv(query->sessions);
  j->booth_id = g_strdup(b->config->booth_id);
  j->room = g_strdup(b->config->room ? b->config->room : "");
  j->started_mono = g_get_monotonic_time();
  j->created_at = g_get_real_time();
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(j->created_at / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  j->batch = g_strdup_printf("%s_%s", j->booth_id, stamp);
  j->cleaned = g_ptr_array_new_with_free_func(g_free);
  j->done = done;
  j->data = data;
  b->exporting = TRUE;
  booth_job_run(b, rows_work, rows_done, j);
}

/* ---- the day report ---- */

typedef struct {
  gint64 from, to;
  char *schedule_path; /* NULL: none found */
  char *title;
  GVariant *report;
  GError *error;
  BoothCaptureDone done;
  gpointer data;
} ReportJob;

/* The schedule named in the configuration, or schedule.conf in the site's folder, then the
 * vendor's; NULL when there is none. */
static char *
schedule_path(const BoothConfig *config)
{
  if (config->schedule)
    return g_strdup(config->schedule);
  const char *dirs[] = {BOOTH_SYSCONFDIR, booth_config_vendor_dir()};
  for (gsize i = 0; i < G_N_ELEMENTS(dirs); i++) {
    g_autofree char *p = g_build_filename(dirs[i], "schedule.conf", NULL);
    if (g_file_test(p, G_FILE_TEST_IS_REGULAR))
      return g_steal_pointer(&p);
  }
  return NULL;
}

static void
report_work(Booth *b, gpointer data)
{
  ReportJob *j = data;
  g_autoptr(BoothSchedule) schedule = NULL;
  if (j->schedule_path && !(schedule = booth_schedule_load(j->schedule_path, &j->error)))
    return;
  g_autoptr(GPtrArray) sessions = booth_store_report_sessions(b->store, j->from, j->to, &j->error);
  if (sessions)
    j->report = booth_report_build(sessions, schedule, j->from, j->to, j->title);
}

static void
report_done(Booth *b, gpointer data)
{
  (void)b;
  ReportJob *j = data;
  j->done(j->report, j->error, j->data);
  g_clear_pointer(&j->report, g_variant_unref);
  g_clear_error(&j->error);
  g_free(j->schedule_path);
  g_free(j->title);
  g_free(j);
}

void
booth_day_report(Booth *b, const BoothCaller *caller, const char *day, BoothCaptureDone done,
                 gpointer data)
{
  g_assert(b && caller && done);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDateTime) start = NULL;
  if (booth_caller_check(b, caller, &error)) {
    if (!day || !*day) {
      g_autoptr(GDateTime) now = g_date_time_new_now_local();
      start = g_date_time_new_local(g_date_time_get_year(now), g_date_time_get_month(now),
                                    g_date_time_get_day_of_month(now), 0, 0, 0);
    } else {
      int y, m, d, n = 0;
      if (sscanf(day, "%4d-%2d-%2d%n", &y, &m, &d, &n) == 3 && !day[n])
        start = g_date_time_new_local(y, m, d, 0, 0, 0);
      if (!start) {
        g_autofree char *shown = booth_utf8_prefix(day, 64);
        g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                    "'%s' is not a day: write YYYY-MM-DD", shown);
      }
    }
  }
  if (error) {
    done(NULL, error, data);
    return;
  }
  g_autoptr(GDateTime) end = g_date_time_add_days(start, 1);
  ReportJob *j = g_new0(ReportJob, 1);
  j->from = g_date_time_to_unix(start) * G_USEC_PER_SEC;
  j->to = g_date_time_to_unix(end) * G_USEC_PER_SEC;
  j->schedule_path = schedule_path(b->config);
  const char *room = b->config->room;
  j->title = room && *room ? g_strdup_printf("%s (%s)", b->config->booth_id, room)
                           : g_strdup(b->config->booth_id);
  j->done = done;
  j->data = data;
  booth_job_run(b, report_work, report_done, j);
}
