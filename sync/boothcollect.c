/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothcollect: the central side of the several-rooms collection, for the organisers. Reads
 * the central PostgreSQL (sync/schema.sql) as a role in booth_collect:
 *   progress  every booth: its room, sessions and photos held, the first and last commit, the
 *             last time it synced;
 *   export    one batch for the whole school in the booth export's format (common/manifest.h:
 *             manifest.csv, manifest.json, SHA256SUMS, the photos), each photo written from
 *             the database and its SHA-256 checked against the one the booth recorded; the
 *             batch is written under a hidden name, fsynced, then renamed;
 *   report    the day report across rooms (collect-report.c). */
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "boothd-build.h"
#include "collect.h"
#include "error.h"
#include "manifest.h"

static char *opt_database;
static char *opt_since;
static char *opt_booth;
static char *opt_day;
static char *opt_schedule;
static gboolean opt_json;

static int
usage(const char *fmt, const char *arg)
{
  g_printerr("boothcollect: ");
  g_printerr(fmt, arg);
  g_printerr(" (boothcollect --help says how)\n");
  return 2;
}

static PGconn *
connect_db(void)
{
  const char *keys[] = {"application_name", "dbname", NULL};
  const char *values[] = {"boothcollect", opt_database ? opt_database : "", NULL};
  PGconn *pg = PQconnectdbParams(keys, values, 1);
  if (PQstatus(pg) != CONNECTION_OK) {
    g_printerr("boothcollect: cannot reach the central database: %s(give --database, e.g. "
               "'host=central dbname=booths user=registrar', or set PGHOST, PGDATABASE...)\n",
               PQerrorMessage(pg));
    PQfinish(pg);
    return NULL;
  }
  return pg;
}

PGresult *
collect_query(PGconn *pg, const char *sql, int n, const char *const *params)
{
  PGresult *res = PQexecParams(pg, sql, n, NULL, params, NULL, NULL, 0);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    g_printerr("boothcollect: the central database refused the query: %s%s",
               PQresultErrorMessage(res),
               state && g_str_equal(state, "42501")
                   ? "(this role may not read the collection: grant it booth_collect)\n"
                   : "");
    PQclear(res);
    return NULL;
  }
  return res;
}

/* The --since value as a timestamptz PostgreSQL reads ('2026-06-18', '2026-06-18 08:00'). */
static const char *
since_param(void)
{
  return opt_since ? opt_since : "-infinity";
}

/* ---- progress ---- */

static int
run_progress(PGconn *pg)
{
  const char *params[] = {since_param()};
  PGresult *res = collect_query(
      pg,
      "SELECT b.booth_id, b.room, count(s.session_id),"
      " (SELECT count(*) FROM booth.photos p WHERE p.booth_id = b.booth_id),"
      " coalesce(to_char(min(s.committed_at), 'YYYY-MM-DD HH24:MI:SS'), '-'),"
      " coalesce(to_char(max(s.committed_at), 'YYYY-MM-DD HH24:MI:SS'), '-'),"
      " coalesce(to_char(max(s.synced_at), 'YYYY-MM-DD HH24:MI:SS'), '-'),"
      " coalesce(extract(epoch FROM now() - max(s.synced_at))::bigint::text, '')"
      " FROM booth.booths b LEFT JOIN booth.sessions s ON s.booth_id = b.booth_id"
      " AND s.committed_at >= $1::timestamptz GROUP BY b.booth_id, b.room ORDER BY b.booth_id",
      1, params);
  if (!res)
    return 1;
  printf("%-16s %-16s %8s %8s  %-19s  %-19s  %-19s\n", "booth", "room", "sessions", "photos",
         "first commit", "last commit", "last synced");
  long total = 0;
  for (int r = 0; r < PQntuples(res); r++) {
    printf("%-16s %-16s %8s %8s  %-19s  %-19s  %-19s", PQgetvalue(res, r, 0), PQgetvalue(res, r, 1),
           PQgetvalue(res, r, 2), PQgetvalue(res, r, 3), PQgetvalue(res, r, 4),
           PQgetvalue(res, r, 5), PQgetvalue(res, r, 6));
    const char *ago = PQgetvalue(res, r, 7);
    if (*ago)
      printf(" (%s s ago)", ago);
    printf("\n");
    total += atol(PQgetvalue(res, r, 2));
  }
  printf("%d booths, %ld sessions\n", PQntuples(res), total);
  PQclear(res);
  return 0;
}

/* ---- export ---- */

static gboolean
write_all(int fd, const char *data, gsize n)
{
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return FALSE;
    data += w;
    n -= (gsize)w;
  }
  return TRUE;
}

static gboolean
overridden(const char *overrides, const char *profile, const char *name)
{
  /* overrides is PostgreSQL's text[] output: {"chsi-upload/background_colour",...} */
  g_autofree char *qualified = g_strdup_printf("%s/%s", profile, name);
  g_autofree char *inner = g_strndup(overrides + 1, MAX(strlen(overrides), 2) - 2);
  g_auto(GStrv) items = g_strsplit(inner, ",", -1);
  for (char **it = items; *it; it++) {
    char *item = g_strstrip(*it);
    gsize n = strlen(item);
    if (n >= 2 && item[0] == '"' && item[n - 1] == '"') {
      item[n - 1] = '\0';
      item++;
    }
    if (strcmp(item, qualified) == 0 || strcmp(item, name) == 0)
      return TRUE;
  }
  return FALSE;
}

static gboolean
add_checks(PGconn *pg, BoothManifestRow *row, const char *overrides)
{
  const char *params[] = {row->booth, row->session_id, row->profile};
  PGresult *res =
      collect_query(pg,
                    "SELECT c->>'name', c->>'value', coalesce(c->>'unit', ''),"
                    " coalesce((c->>'pass')::boolean, false)"
                    " FROM booth.sessions s, jsonb_array_elements(CASE WHEN"
                    " jsonb_typeof(s.checks -> $3) = 'array' THEN s.checks -> $3"
                    " ELSE '[]'::jsonb END) c WHERE s.booth_id = $1 AND s.session_id = $2",
                    3, params);
  if (!res)
    return FALSE;
  for (int r = 0; r < PQntuples(res); r++) {
    if (PQgetisnull(res, r, 0))
      continue;
    const char *name = PQgetvalue(res, r, 0);
    gboolean has_value = !PQgetisnull(res, r, 1);
    double value = has_value ? g_ascii_strtod(PQgetvalue(res, r, 1), NULL) : 0;
    BoothVerdict verdict = g_str_equal(PQgetvalue(res, r, 3), "t")     ? BOOTH_VERDICT_PASS
                           : overridden(overrides, row->profile, name) ? BOOTH_VERDICT_OVERRIDDEN
                                                                       : BOOTH_VERDICT_FAIL;
    booth_manifest_row_add_check(row, name, has_value, value, PQgetvalue(res, r, 2), verdict);
  }
  PQclear(res);
  return TRUE;
}

static gint64
micros(const char *text)
{
  return text && *text ? g_ascii_strtoll(text, NULL, 10) : 0;
}

/* Writes one photo from the database into dirfd, fsynced, and checks its SHA-256. */
static gboolean
write_photo(PGconn *pg, int dirfd, const BoothManifestRow *row, GError **error)
{
  const char *params[] = {row->booth, row->session_id, row->profile};
  PGresult *res = PQexecParams(pg,
                               "SELECT data FROM booth.photos WHERE booth_id = $1 AND"
                               " session_id = $2 AND profile = $3",
                               3, NULL, params, NULL, NULL, 1);
  if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot read photo %s of booth %s: %s",
                row->file, row->booth, PQresultErrorMessage(res));
    PQclear(res);
    return FALSE;
  }
  const char *data = PQgetvalue(res, 0, 0);
  gsize n = (gsize)PQgetlength(res, 0, 0);
  g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, n);
  if (g_ascii_strcasecmp(sum, row->sha256) != 0 || (gint64)n != row->bytes) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "photo %s of booth %s in the database does not match its SHA-256 (%s, the bytes "
                "hash to %s): the batch is not made",
                row->file, row->booth, row->sha256, sum);
    PQclear(res);
    return FALSE;
  }
  int fd = openat(dirfd, row->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  gboolean ok = fd >= 0 && write_all(fd, data, n) && fsync(fd) == 0;
  int errsv = errno;
  if (fd >= 0)
    close(fd);
  PQclear(res);
  if (!ok)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot write %s: %s", row->file,
                g_strerror(errsv));
  return ok;
}

static int
run_export(PGconn *pg, const char *dir)
{
  const char *params[] = {since_param(), opt_booth};
  PGresult *res = collect_query(
      pg,
      "SELECT s.booth_id, b.room, s.session_id, encode(s.code, 'hex'), s.operator,"
      " (extract(epoch FROM s.started_at) * 1000000)::bigint,"
      " (extract(epoch FROM s.code_at) * 1000000)::bigint,"
      " (extract(epoch FROM s.committed_at) * 1000000)::bigint, s.attempts, s.overrides,"
      " p.profile, p.file, p.bytes, p.sha256"
      " FROM booth.sessions s JOIN booth.booths b USING (booth_id)"
      " JOIN booth.photos p USING (booth_id, session_id)"
      " WHERE s.committed_at >= $1::timestamptz AND ($2::text IS NULL OR s.booth_id = $2)"
      " ORDER BY s.committed_at, s.booth_id, s.session_id, p.profile",
      2, params);
  if (!res)
    return 1;
  g_autoptr(GPtrArray) rows =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_manifest_row_free);
  g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
  for (int r = 0; r < PQntuples(res); r++) {
    BoothManifestRow *row = booth_manifest_row_new();
    g_ptr_array_add(rows, row);
    row->booth = g_strdup(PQgetvalue(res, r, 0));
    row->room = g_strdup(PQgetvalue(res, r, 1));
    row->session_id = g_strdup(PQgetvalue(res, r, 2));
    const char *hex = PQgetvalue(res, r, 3);
    GByteArray *bytes = g_byte_array_new();
    for (const char *h = hex; h[0] && h[1]; h += 2) {
      guint8 b = (guint8)(g_ascii_xdigit_value(h[0]) * 16 + g_ascii_xdigit_value(h[1]));
      g_byte_array_append(bytes, &b, 1);
    }
    row->code = g_byte_array_free_to_bytes(bytes);
    row->operator_name = g_strdup(PQgetvalue(res, r, 4));
    row->started_at = micros(PQgetvalue(res, r, 5));
    row->code_at = micros(PQgetvalue(res, r, 6));
    row->committed_at = micros(PQgetvalue(res, r, 7));
    row->attempts = (guint)atoi(PQgetvalue(res, r, 8));
    row->profile = g_strdup(PQgetvalue(res, r, 10));
    row->file = g_path_get_basename(PQgetvalue(res, r, 11));
    row->bytes = g_ascii_strtoll(PQgetvalue(res, r, 12), NULL, 10);
    row->sha256 = g_strdup(PQgetvalue(res, r, 13));
    if (!g_hash_table_add(names, row->file)) {
      g_printerr("boothcollect: two photos are both named %s (booth %s): export the booths "
                 "one at a time with --booth\n",
                 row->file, row->booth);
      PQclear(res);
      return 1;
    }
    if (!add_checks(pg, row, PQgetvalue(res, r, 9))) {
      PQclear(res);
      return 1;
    }
  }
  PQclear(res);

  gint64 created = g_get_real_time();
  g_autoptr(GDateTime) now = g_date_time_new_from_unix_local(created / G_USEC_PER_SEC);
  g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
  g_autofree char *batch = g_strdup_printf("collection_%s", stamp);
  g_autofree char *partial = g_strdup_printf(".%s.partial", batch);
  g_autofree char *partial_path = g_build_filename(dir, partial, NULL);
  g_autofree char *final_path = g_build_filename(dir, batch, NULL);
  int top = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (top < 0) {
    g_printerr("boothcollect: cannot open %s: %s\n", dir, g_strerror(errno));
    return 1;
  }
  if (mkdirat(top, partial, 0750) < 0) {
    g_printerr("boothcollect: cannot make %s: %s\n", partial_path, g_strerror(errno));
    close(top);
    return 1;
  }
  int fd = openat(top, partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_autoptr(GError) error = NULL;
  gboolean ok = fd >= 0;
  for (guint i = 0; ok && i < rows->len; i++)
    ok = write_photo(pg, fd, rows->pdata[i], &error);
  if (ok) {
    g_autoptr(BoothManifest) manifest = booth_manifest_new_with_rows(batch, created, rows);
    ok = booth_manifest_write(manifest, fd, partial_path, NULL, &error);
  }
  ok = ok && fsync(fd) == 0 && renameat(top, partial, top, batch) == 0 && fsync(top) == 0;
  if (!ok) {
    g_printerr("boothcollect: %s; the unfinished batch is left in %s\n",
               error ? error->message : g_strerror(errno), partial_path);
    if (fd >= 0)
      close(fd);
    close(top);
    return 1;
  }
  close(fd);
  close(top);
  gint64 bytes = 0;
  g_autoptr(GHashTable) sessions = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < rows->len; i++) {
    const BoothManifestRow *row = rows->pdata[i];
    bytes += row->bytes;
    g_hash_table_add(sessions, g_strconcat(row->booth, "/", row->session_id, NULL));
  }
  printf("%s: %u sessions, %u photos, %" G_GINT64_FORMAT " bytes\n", final_path,
         g_hash_table_size(sessions), rows->len, bytes);
  return 0;
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  const GOptionEntry entries[] = {
      {"database", 0, 0, G_OPTION_ARG_STRING, &opt_database,
       "libpq connection string of the central database (a role in booth_collect)", "CONNINFO"},
      {"since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
       "Only sessions committed at or after this time (2026-06-18 or '2026-06-18 08:00')", "TIME"},
      {"booth", 0, 0, G_OPTION_ARG_STRING, &opt_booth, "export: only this booth", "ID"},
      {"day", 0, 0, G_OPTION_ARG_STRING, &opt_day, "report: the day (default today)", "YYYY-MM-DD"},
      {"schedule", 0, 0, G_OPTION_ARG_FILENAME, &opt_schedule,
       "report: the schedule to count by (default the installed schedule.conf)", "FILE"},
      {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "report: as JSON", NULL},
      {0}};
  g_autoptr(GOptionContext) ctx = g_option_context_new("progress | report | export DIR");
  g_option_context_set_summary(
      ctx, "The several-rooms collection in the central database:\n"
           "  progress     every booth: room, sessions and photos held, last commit, last sync\n"
           "  report       the day report of every room and of them all: committed, retakes,\n"
           "               overrides, code to commit, per slot of the schedule and per hour\n"
           "  export DIR   one batch for the whole school in the booth export's format");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error))
    return usage("%s", error->message);
  if (argc < 2)
    return usage("%s", "say what to do: progress, report or export DIR");
  const char *cmd = argv[1];
  if (!g_str_equal(cmd, "progress") && !g_str_equal(cmd, "report") && !g_str_equal(cmd, "export"))
    return usage("unknown command '%s': progress, report or export DIR", cmd);
  if (g_str_equal(cmd, "export") ? argc != 3 : argc != 2)
    return usage("%s", g_str_equal(cmd, "export") ? "export takes one folder: export DIR"
                                                  : "this command takes no argument");
  PGconn *pg = connect_db();
  if (!pg)
    return 3;
  int status = g_str_equal(cmd, "progress") ? run_progress(pg)
               : g_str_equal(cmd, "report") ? collect_report(pg, opt_day, opt_schedule, opt_json)
                                            : run_export(pg, argv[2]);
  PQfinish(pg);
  return status;
}
