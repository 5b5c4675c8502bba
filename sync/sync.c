/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One pass: list boothd's committed records from the low-water mark on, keep the ids of those
 * not synced, then ship them oldest first in central transactions of `batch` sessions, each
 * session re-read from boothd by id and its photos read and hashed here, and mark them synced
 * here after the central COMMIT. */
#include "sync.h"

#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "booth-names.h"

#define PAGE 200
/* boothd keeps photos of at most tens of KiB; anything this large is not one of them. */
#define MAX_PHOTO_BYTES (64 * 1024 * 1024)

typedef struct {
  char *session_id;
  gint64 started_at;
  gint64 ended_at;
  gboolean synced;
} Seen;

struct BoothSync {
  char *conninfo;
  char *state_dir;
  GDBusConnection *bus;
  guint batch;
  guint io_timeout;
  sqlite3 *db;
  PGconn *pg;
  char *booth_id;     /* from the server, once connected */
  gboolean timed_out; /* the last statement ran out of time */
  gint stop;

  GMutex lock; /* guards progress */
  BoothSyncProgress progress;
  BoothSyncChanged changed;
  gpointer changed_data;
};

/* Every error of a pass is a sentence for the operator; its code is not used. */
static GQuark
sync_error_quark(void)
{
  return g_quark_from_static_string("boothsync-error-quark");
}
#define SYNC_ERROR (sync_error_quark())

static void
seen_free(gpointer p)
{
  Seen *s = p;
  g_free(s->session_id);
  g_free(s);
}

void
booth_sync_progress_clear(BoothSyncProgress *p)
{
  g_free(p->state);
  g_free(p->booth_id);
  g_free(p->last_error);
  memset(p, 0, sizeof *p);
}

static void
progress_copy(const BoothSyncProgress *from, BoothSyncProgress *to)
{
  *to = *from;
  to->state = g_strdup(from->state ? from->state : "starting");
  to->booth_id = g_strdup(from->booth_id ? from->booth_id : "");
  to->last_error = g_strdup(from->last_error ? from->last_error : "");
}

void
booth_sync_get_progress(BoothSync *s, BoothSyncProgress *out)
{
  g_assert(s && out);
  g_mutex_lock(&s->lock);
  progress_copy(&s->progress, out);
  g_mutex_unlock(&s->lock);
}

void
booth_sync_set_changed(BoothSync *s, BoothSyncChanged changed, gpointer data)
{
  g_assert(s);
  s->changed = changed;
  s->changed_data = data;
}

static void
notify(BoothSync *s)
{
  if (s->changed)
    s->changed(s->changed_data);
}

static void
set_state(BoothSync *s, const char *state)
{
  g_mutex_lock(&s->lock);
  g_free(s->progress.state);
  s->progress.state = g_strdup(state);
  g_mutex_unlock(&s->lock);
  notify(s);
}

void
booth_sync_stop(BoothSync *s)
{
  g_assert(s);
  g_atomic_int_set(&s->stop, 1);
}

/* ---- the state folder: sync.db ---- */

static gboolean
db_fail(BoothSync *s, const char *what, GError **error)
{
  g_set_error(error, SYNC_ERROR, 0,
              "cannot %s in %s/sync.db: %s (check that the folder is boothsync's and not full)",
              what, s->state_dir, sqlite3_errmsg(s->db));
  return FALSE;
}

static gboolean
db_exec(BoothSync *s, const char *sql, const char *what, GError **error)
{
  if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(s, what, error);
  return TRUE;
}

static char *
meta_get(BoothSync *s, const char *key)
{
  sqlite3_stmt *st = NULL;
  char *value = NULL;
  if (sqlite3_prepare_v2(s->db, "SELECT value FROM meta WHERE key = ?1", -1, &st, NULL) ==
          SQLITE_OK &&
      sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    value = g_strdup((const char *)sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return value;
}

static gboolean
meta_set(BoothSync *s, const char *key, const char *value, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(
      s->db,
      "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = ?2",
      -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return db_fail(s, "record the sync's progress", error);
  return TRUE;
}

static gint64
meta_int(BoothSync *s, const char *key)
{
  g_autofree char *v = meta_get(s, key);
  return v ? g_ascii_strtoll(v, NULL, 10) : 0;
}

static gboolean
meta_set_int(BoothSync *s, const char *key, gint64 v, GError **error)
{
  char text[32];
  g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, v);
  return meta_set(s, key, text, error);
}

static gboolean
is_synced(BoothSync *s, const char *session_id, gboolean *synced, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, "SELECT 1 FROM synced WHERE session_id = ?1", -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 1, session_id, -1, SQLITE_STATIC);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return db_fail(s, "read which sessions are synced", error);
  *synced = rc == SQLITE_ROW;
  return TRUE;
}

static guint64
count_synced(BoothSync *s)
{
  sqlite3_stmt *st = NULL;
  guint64 n = 0;
  if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM synced", -1, &st, NULL) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = (guint64)sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  return n;
}

/* Marks the sessions synced, in one durable transaction. */
static gboolean
mark_synced(BoothSync *s, GPtrArray *seen, GError **error)
{
  if (!db_exec(s, "BEGIN IMMEDIATE", "mark sessions synced", error))
    return FALSE;
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db,
                              "INSERT OR IGNORE INTO synced (session_id, started_at, ended_at,"
                              " synced_at) VALUES (?1, ?2, ?3, ?4)",
                              -1, &st, NULL);
  gint64 now = g_get_real_time();
  for (guint i = 0; rc == SQLITE_OK && i < seen->len; i++) {
    const Seen *e = seen->pdata[i];
    sqlite3_reset(st);
    rc = sqlite3_bind_text(st, 1, e->session_id, -1, SQLITE_STATIC);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(st, 2, e->started_at);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(st, 3, e->ended_at);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(st, 4, now);
    if (rc == SQLITE_OK)
      rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_OK) {
    db_fail(s, "mark sessions synced", error);
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
    return FALSE;
  }
  return db_exec(s, "COMMIT", "mark sessions synced", error);
}

BoothSync *
booth_sync_new(const BoothSyncOptions *o, GError **error)
{
  g_assert(o && o->conninfo && o->state_dir && o->bus);
  g_autoptr(BoothSync) s = g_new0(BoothSync, 1);
  g_mutex_init(&s->lock);
  s->conninfo = g_strdup(o->conninfo);
  s->state_dir = g_strdup(o->state_dir);
  s->bus = g_object_ref(o->bus);
  s->batch = MAX(o->batch, 1);
  s->io_timeout = o->io_timeout ? o->io_timeout : 60;
  if (g_mkdir_with_parents(o->state_dir, 0750) < 0) {
    g_set_error(error, SYNC_ERROR, 0, "cannot make the state folder %s: %s", o->state_dir,
                g_strerror(errno));
    return NULL;
  }
  g_autofree char *path = g_build_filename(o->state_dir, "sync.db", NULL);
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    return db_fail(s, "open the sync state", error), NULL;
  sqlite3_busy_timeout(s->db, 5000);
  if (!db_exec(s,
               "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
               "CREATE TABLE IF NOT EXISTS synced (session_id TEXT PRIMARY KEY,"
               " started_at INTEGER NOT NULL, ended_at INTEGER NOT NULL,"
               " synced_at INTEGER NOT NULL);"
               "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)",
               "set up the sync state", error))
    return NULL;
  s->progress.state = g_strdup("starting");
  s->progress.synced = count_synced(s);
  s->progress.synced_up_to = meta_int(s, "synced_up_to");
  s->progress.last_sync_at = meta_int(s, "last_sync_at");
  s->progress.booth_id = meta_get(s, "booth_id");
  return g_steal_pointer(&s);
}

void
booth_sync_free(BoothSync *s)
{
  if (!s)
    return;
  if (s->pg)
    PQfinish(s->pg);
  if (s->db)
    sqlite3_close(s->db);
  g_clear_object(&s->bus);
  g_free(s->conninfo);
  g_free(s->state_dir);
  g_free(s->booth_id);
  booth_sync_progress_clear(&s->progress);
  g_mutex_clear(&s->lock);
  g_free(s);
}

/* ---- boothd ---- */

static GVariant *
list_records(BoothSync *s, GVariant *options, GError **error)
{
  g_autoptr(GError) e = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_sync(
      s->bus, BOOTH_BUS_NAME, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "ListRecords",
      g_variant_new_tuple(&options, 1), G_VARIANT_TYPE("(aa{sv})"), G_DBUS_CALL_FLAGS_NONE,
      60 * 1000, NULL, &e);
  if (!reply) {
    g_autofree char *remote = g_dbus_error_get_remote_error(e);
    g_dbus_error_strip_remote_error(e);
    if (remote && (g_str_equal(remote, "org.freedesktop.DBus.Error.ServiceUnknown") ||
                   g_str_equal(remote, "org.freedesktop.DBus.Error.NameHasNoOwner")))
      g_set_error(error, SYNC_ERROR, 0,
                  "boothd is not running on the bus (%s is not there): start boothd; boothsync "
                  "goes on when it is back",
                  BOOTH_BUS_NAME);
    else
      g_set_error(error, SYNC_ERROR, 0, "boothd did not list its records: %s", e->message);
    return NULL;
  }
  return g_variant_get_child_value(reply, 0);
}

/* ---- the central database ---- */

static void
pg_drop(BoothSync *s)
{
  if (s->pg)
    PQfinish(s->pg);
  s->pg = NULL;
}

/* The server's message, on one line. */
static char *
pg_message(PGconn *pg, const PGresult *res)
{
  const char *m = res ? PQresultErrorMessage(res) : NULL;
  if (!m || !*m)
    m = PQerrorMessage(pg);
  g_autofree char *one = g_strstrip(g_strdup(m && *m ? m : "no reason given"));
  /* libpq's lines end in "\n\t": one line, single spaces. */
  g_autoptr(GString) out = g_string_new(NULL);
  for (const char *p = one; *p; p++) {
    gboolean space = *p == '\n' || *p == '\t' || *p == ' ';
    if (!space)
      g_string_append_c(out, *p);
    else if (out->len && out->str[out->len - 1] != ' ')
      g_string_append_c(out, ' ');
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

/* One statement with a deadline: libpq's own calls wait for ever on a server or a network
 * that stopped answering without closing the connection (a hung proxy, a cut that the kernel
 * keeps acknowledging), so the connection is non-blocking and every wait is bounded by
 * io_timeout. NULL with *timed_out set when the time ran out (the connection is then of no
 * use); NULL otherwise when the statement could not even be sent. */
static PGresult *
pg_exec(BoothSync *s, const char *sql, int n, const char *const *values, const int *lengths,
        const int *formats, gboolean *timed_out)
{
  *timed_out = FALSE;
  if (!PQsendQueryParams(s->pg, sql, n, NULL, values, lengths, formats, 0))
    return NULL;
  gint64 deadline = g_get_monotonic_time() + (gint64)s->io_timeout * G_USEC_PER_SEC;
  int flushed;
  while ((flushed = PQflush(s->pg)) != 0 || PQisBusy(s->pg)) {
    if (flushed < 0)
      return NULL;
    gint64 left = deadline - g_get_monotonic_time();
    if (left <= 0) {
      *timed_out = TRUE;
      return NULL;
    }
    struct pollfd p = {PQsocket(s->pg), POLLIN | (flushed ? POLLOUT : 0), 0};
    int r = poll(&p, 1, (int)MIN(left / 1000 + 1, 1000));
    if (r < 0 && errno != EINTR)
      return NULL;
    if (r > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP)) && !PQconsumeInput(s->pg))
      return NULL;
  }
  PGresult *res = PQgetResult(s->pg);
  /* One statement, one result: read up to the end so the connection is ready again. */
  for (PGresult *more; (more = PQgetResult(s->pg));)
    PQclear(more);
  return res;
}

/* Sets error from a failed statement (res may be NULL) and clears res. */
static void
pg_describe(BoothSync *s, PGresult *res, const char *what, GError **error)
{
  g_autofree char *m = s->timed_out ? g_strdup_printf("no answer within %u s (the network or "
                                                      "the server stopped answering)",
                                                      s->io_timeout)
                                    : pg_message(s->pg, res);
  const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
  const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
  if (state && g_str_equal(state, "42501"))
    g_set_error(error, SYNC_ERROR, 0,
                "the central database refused to %s for booth %s: %s (the booth's role may write "
                "only its own booth's rows: check booth.booths on the server)",
                what, s->booth_id ? s->booth_id : "?", m);
  else if (constraint && g_str_equal(constraint, "photo_sha256_matches"))
    g_set_error(error, SYNC_ERROR, 0,
                "the central database refused to %s: %s (the photo's bytes do not hash to its "
                "SHA-256; nothing of it was kept)",
                what, m);
  else
    g_set_error(error, SYNC_ERROR, 0, "cannot %s in the central database: %s", what, m);
  if (res)
    PQclear(res);
}

/* A failure that leaves the connection of no use: start afresh on the next attempt. */
static gboolean
pg_fail(BoothSync *s, PGresult *res, const char *what, GError **error)
{
  pg_describe(s, res, what, error);
  pg_drop(s);
  return FALSE;
}

static gboolean
pg_connect(BoothSync *s, GError **error)
{
  if (s->pg && PQstatus(s->pg) == CONNECTION_OK && PQtransactionStatus(s->pg) == PQTRANS_IDLE)
    return TRUE;
  pg_drop(s);
  /* Our defaults first, then the configured string (expanded from dbname): its own values
   * win. Keepalives and tcp_user_timeout make a cut network an error within io_timeout. */
  g_autofree char *user_timeout = g_strdup_printf("%u", s->io_timeout * 1000);
  const char *keys[] = {"connect_timeout",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "tcp_user_timeout",
                        "application_name",
                        "dbname",
                        NULL};
  const char *values[] = {"10", "10", "5", "3", user_timeout, "boothsync", s->conninfo, NULL};
  s->pg = PQconnectdbParams(keys, values, 1);
  if (!s->pg || PQstatus(s->pg) != CONNECTION_OK) {
    g_autofree char *m = s->pg ? pg_message(s->pg, NULL) : g_strdup("out of memory");
    g_set_error(error, SYNC_ERROR, 0,
                "cannot reach the central database: %s (check [Sync] database in "
                "boothsync.conf, the network and the server)",
                m);
    pg_drop(s);
    return FALSE;
  }
  g_autofree char *stmt_timeout =
      g_strdup_printf("SET statement_timeout = %u", s->io_timeout * 1000);
  PQsetnonblocking(s->pg, 1);
  PGresult *res = pg_exec(s, stmt_timeout, 0, NULL, NULL, NULL, &s->timed_out);
  if (PQresultStatus(res) != PGRES_COMMAND_OK)
    return pg_fail(s, res, "set a statement timeout", error);
  PQclear(res);
  res =
      pg_exec(s, "SELECT booth.current_booth(), current_user", 0, NULL, NULL, NULL, &s->timed_out);
  if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
    return pg_fail(s, res, "ask which booth this role is (is the schema applied?)", error);
  if (PQgetisnull(res, 0, 0)) {
    g_set_error(error, SYNC_ERROR, 0,
                "the central database knows no booth for role %s: register it there with "
                "SELECT booth.add_booth('BOOTH-ID', '%s', 'ROOM')",
                PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 1));
    PQclear(res);
    pg_drop(s);
    return FALSE;
  }
  g_autofree char *booth_id = g_strdup(PQgetvalue(res, 0, 0));
  g_autofree char *role = g_strdup(PQgetvalue(res, 0, 1));
  PQclear(res);
  g_autofree char *before = meta_get(s, "booth_id");
  if (before && !g_str_equal(before, booth_id)) {
    g_set_error(error, SYNC_ERROR, 0,
                "role %s is booth %s in the central database, but %s synced booth %s: use the "
                "booth's own role, or another state folder for another booth",
                role, booth_id, s->state_dir, before);
    pg_drop(s);
    return FALSE;
  }
  if (!before && !meta_set(s, "booth_id", booth_id, error)) {
    pg_drop(s);
    return FALSE;
  }
  g_free(s->booth_id);
  s->booth_id = g_strdup(booth_id);
  g_mutex_lock(&s->lock);
  g_free(s->progress.booth_id);
  s->progress.booth_id = g_strdup(booth_id);
  g_mutex_unlock(&s->lock);
  g_info("connected to the central database as role %s, booth %s", role, booth_id);
  return TRUE;
}

static gboolean
pg_command(BoothSync *s, const char *sql, const char *what, GError **error)
{
  PGresult *res = pg_exec(s, sql, 0, NULL, NULL, NULL, &s->timed_out);
  if (PQresultStatus(res) != PGRES_COMMAND_OK)
    return pg_fail(s, res, what, error);
  PQclear(res);
  return TRUE;
}

/* ---- one session ---- */

typedef struct {
  char *profile;
  char *path;
  char *sha256;
  gint64 bytes;
  int width, height, quality;
} LocalFile;

static void
local_file_free(gpointer p)
{
  LocalFile *f = p;
  g_free(f->profile);
  g_free(f->path);
  g_free(f->sha256);
  g_free(f);
}

/* The file's bytes, when they are the ones recorded: size and SHA-256. */
static GBytes *
read_photo(const char *session_id, const LocalFile *f, GError **error)
{
  int fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    g_set_error(error, SYNC_ERROR, 0,
                "cannot read photo %s of session %s: %s (boothsync's user must be in group "
                "boothd; the session stays pending)",
                f->path, session_id, g_strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size != f->bytes ||
      st.st_size > MAX_PHOTO_BYTES) {
    close(fd);
    g_set_error(error, SYNC_ERROR, 0,
                "photo %s of session %s is not the %" G_GINT64_FORMAT
                "-byte file boothd recorded: it stays pending; check the booth's state folder",
                f->path, session_id, f->bytes);
    return NULL;
  }
  guint8 *data = g_malloc(st.st_size ? st.st_size : 1);
  gsize got = 0;
  while (got < (gsize)st.st_size) {
    ssize_t n = read(fd, data + got, st.st_size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += n;
  }
  close(fd);
  g_autofree char *sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, got);
  if (got != (gsize)st.st_size || !f->sha256 || g_ascii_strcasecmp(sum, f->sha256) != 0) {
    g_free(data);
    g_set_error(error, SYNC_ERROR, 0,
                "photo %s of session %s does not match the SHA-256 boothd recorded (%s, the "
                "file hashes to %s): it is not sent and stays pending; check the booth's state "
                "folder",
                f->path, session_id, f->sha256 ? f->sha256 : "none", sum);
    return NULL;
  }
  return g_bytes_new_take(data, got);
}

static char *
time_param(gint64 us)
{
  return g_strdup_printf("%" G_GINT64_FORMAT, us);
}

/* The overrides as a PostgreSQL text[] literal. */
static char *
text_array(GVariant *strv)
{
  g_autoptr(GString) out = g_string_new("{");
  GVariantIter it;
  const char *v;
  g_variant_iter_init(&it, strv);
  while (g_variant_iter_next(&it, "&s", &v)) {
    if (out->len > 1)
      g_string_append_c(out, ',');
    g_string_append_c(out, '"');
    for (const char *p = v; *p; p++) {
      if (*p == '"' || *p == '\\')
        g_string_append_c(out, '\\');
      g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
  }
  g_string_append_c(out, '}');
  return g_string_free(g_steal_pointer(&out), FALSE);
}

typedef enum {
  SEND_OK,
  SEND_SKIPPED, /* this session only: error says why; the transaction goes on without it */
  SEND_FAILED,  /* the connection or the transaction is lost: error says why */
} SendResult;

/* After a statement of one session failed: when only that statement failed (the server
 * refused it; the connection is fine), the session's part of the transaction is rolled back
 * and the others go on; otherwise the transaction is lost. */
static SendResult
session_failed(BoothSync *s, PGresult *res, const char *what, GError **error)
{
  gboolean refused = res && !s->timed_out && PQstatus(s->pg) == CONNECTION_OK &&
                     PQtransactionStatus(s->pg) == PQTRANS_INERROR;
  pg_describe(s, res, what, error);
  if (refused) {
    PGresult *r =
        pg_exec(s, "ROLLBACK TO SAVEPOINT one_session", 0, NULL, NULL, NULL, &s->timed_out);
    gboolean ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    PQclear(r);
    if (ok)
      return SEND_SKIPPED;
  }
  pg_drop(s);
  return SEND_FAILED;
}

/* Sends one committed record and its photos inside the open transaction, under a savepoint,
 * then reads back what the server holds for it. Its photos are read and checked before any
 * statement: a damaged one leaves the session out without touching the transaction. */
static SendResult
send_session(BoothSync *s, GVariant *rec, GError **error)
{
  const char *id = NULL, *op = "", *profile = "", *note = "", *checks = "";
  gint64 started = 0, ended = 0, code_at = 0;
  guint32 attempts = 0;
  g_autoptr(GVariant) code = g_variant_lookup_value(rec, "code_bytes", G_VARIANT_TYPE_BYTESTRING);
  g_autoptr(GVariant) overrides =
      g_variant_lookup_value(rec, "overrides", G_VARIANT_TYPE_STRING_ARRAY);
  g_autoptr(GVariant) files = g_variant_lookup_value(rec, "files", G_VARIANT_TYPE("aa{sv}"));
  g_variant_lookup(rec, "session_id", "&s", &id);
  g_variant_lookup(rec, "operator", "&s", &op);
  g_variant_lookup(rec, "profile", "&s", &profile);
  g_variant_lookup(rec, "note", "&s", &note);
  g_variant_lookup(rec, "checks", "&s", &checks);
  g_variant_lookup(rec, "started_at", "x", &started);
  g_variant_lookup(rec, "ended_at", "x", &ended);
  g_variant_lookup(rec, "code_at", "x", &code_at);
  g_variant_lookup(rec, "attempts", "u", &attempts);
  if (!id || !code || !files || g_variant_get_size(code) == 0) {
    g_set_error(error, SYNC_ERROR, 0,
                "session %s has no capture code or no photos in boothd's record: not sent",
                id ? id : "?");
    return SEND_SKIPPED;
  }

  g_autoptr(GPtrArray) local_files = g_ptr_array_new_with_free_func(local_file_free);
  g_autoptr(GPtrArray) data = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  GVariantIter it;
  GVariant *f;
  g_variant_iter_init(&it, files);
  while ((f = g_variant_iter_next_value(&it))) {
    LocalFile *lf = g_new0(LocalFile, 1);
    g_variant_lookup(f, "profile", "s", &lf->profile);
    g_variant_lookup(f, "path", "s", &lf->path);
    g_variant_lookup(f, "sha256", "s", &lf->sha256);
    g_variant_lookup(f, "bytes", "x", &lf->bytes);
    g_variant_lookup(f, "width", "i", &lf->width);
    g_variant_lookup(f, "height", "i", &lf->height);
    g_variant_lookup(f, "quality", "i", &lf->quality);
    g_variant_unref(f);
    if (!lf->profile || !lf->path || g_str_has_prefix(lf->profile, "candidate")) {
      local_file_free(lf);
      continue;
    }
    g_ptr_array_add(local_files, lf);
    GBytes *bytes = read_photo(id, lf, error);
    if (!bytes)
      return SEND_SKIPPED;
    g_ptr_array_add(data, bytes);
  }
  if (local_files->len == 0) {
    g_set_error(error, SYNC_ERROR, 0, "session %s has no committed photo: not sent", id);
    return SEND_SKIPPED;
  }

  PGresult *res = pg_exec(s, "SAVEPOINT one_session", 0, NULL, NULL, NULL, &s->timed_out);
  if (PQresultStatus(res) != PGRES_COMMAND_OK)
    return pg_fail(s, res, "begin a session's part of the transaction", error), SEND_FAILED;
  PQclear(res);

  gsize code_len;
  const char *code_data = g_variant_get_fixed_array(code, &code_len, 1);
  g_autofree char *t_started = time_param(started);
  g_autofree char *t_ended = time_param(ended);
  g_autofree char *t_code_at = code_at > 0 ? time_param(code_at) : NULL;
  g_autofree char *t_attempts = g_strdup_printf("%u", attempts);
  g_autofree char *t_overrides = overrides ? text_array(overrides) : g_strdup("{}");
  const char *params[] = {s->booth_id,
                          id,
                          code_data,
                          op,
                          profile,
                          t_started,
                          t_ended,
                          t_attempts,
                          t_overrides,
                          note,
                          *checks ? checks : NULL,
                          t_code_at};
  int lengths[G_N_ELEMENTS(params)] = {0};
  int formats[G_N_ELEMENTS(params)] = {0};
  lengths[2] = (int)code_len;
  formats[2] = 1;
  res = pg_exec(
      s,
      "INSERT INTO booth.sessions (booth_id, session_id, code, operator, profile, started_at,"
      " committed_at, attempts, overrides, note, checks, code_at) VALUES ($1, $2, $3, $4, $5,"
      " 'epoch'::timestamptz + $6::bigint * interval '1 microsecond',"
      " 'epoch'::timestamptz + $7::bigint * interval '1 microsecond', $8::integer,"
      " $9::text[], $10, $11::jsonb,"
      " 'epoch'::timestamptz + $12::bigint * interval '1 microsecond')"
      " ON CONFLICT (booth_id, session_id) DO NOTHING",
      G_N_ELEMENTS(params), params, lengths, formats, &s->timed_out);
  if (PQresultStatus(res) != PGRES_COMMAND_OK) {
    g_autofree char *what = g_strdup_printf("store session %s", id);
    return session_failed(s, res, what, error);
  }
  PQclear(res);

  for (guint i = 0; i < local_files->len; i++) {
    const LocalFile *lf = local_files->pdata[i];
    g_autofree char *file = g_path_get_basename(lf->path);
    g_autofree char *name = g_strconcat("photos/", file, NULL);
    g_autofree char *bytes = g_strdup_printf("%" G_GINT64_FORMAT, lf->bytes);
    g_autofree char *w = g_strdup_printf("%d", lf->width);
    g_autofree char *h = g_strdup_printf("%d", lf->height);
    g_autofree char *q = g_strdup_printf("%d", lf->quality);
    g_autofree char *sha = g_ascii_strdown(lf->sha256, -1);
    gsize n;
    const char *bytes_data = g_bytes_get_data(data->pdata[i], &n);
    const char *p[] = {s->booth_id, id, lf->profile, name, bytes, sha, w, h, q, bytes_data};
    int l[G_N_ELEMENTS(p)] = {0};
    int fm[G_N_ELEMENTS(p)] = {0};
    l[9] = (int)n;
    fm[9] = 1;
    res = pg_exec(s,
                  "INSERT INTO booth.photos (booth_id, session_id, profile, file, bytes,"
                  " sha256, width, height, quality, data) VALUES ($1, $2, $3, $4,"
                  " $5::bigint, $6, $7::integer, $8::integer, $9::integer, $10)"
                  " ON CONFLICT (booth_id, session_id, profile) DO NOTHING",
                  G_N_ELEMENTS(p), p, l, fm, &s->timed_out);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      g_autofree char *what = g_strdup_printf("store photo %s of session %s", lf->profile, id);
      return session_failed(s, res, what, error);
    }
    PQclear(res);
  }

  /* What the server holds now, whether this transaction wrote it or an earlier one did: the
   * same code and, for every photo, the SHA-256 and size the server computes from its bytes. */
  const char *vp[] = {s->booth_id, id, code_data};
  int vl[] = {0, 0, (int)code_len};
  int vf[] = {0, 0, 1};
  res = pg_exec(s,
                "SELECT p.profile, encode(sha256(p.data), 'hex'), length(p.data),"
                " s.code = $3 FROM booth.sessions s JOIN booth.photos p USING (booth_id,"
                " session_id) WHERE s.booth_id = $1 AND s.session_id = $2",
                3, vp, vl, vf, &s->timed_out);
  if (PQresultStatus(res) != PGRES_TUPLES_OK) {
    g_autofree char *what = g_strdup_printf("read back session %s", id);
    return session_failed(s, res, what, error);
  }
  gboolean same = (guint)PQntuples(res) == local_files->len;
  for (int r = 0; same && r < PQntuples(res); r++) {
    const LocalFile *match = NULL;
    for (guint i = 0; i < local_files->len && !match; i++) {
      const LocalFile *lf = local_files->pdata[i];
      if (g_str_equal(lf->profile, PQgetvalue(res, r, 0)))
        match = lf;
    }
    same = match && g_ascii_strcasecmp(match->sha256, PQgetvalue(res, r, 1)) == 0 &&
           g_ascii_strtoll(PQgetvalue(res, r, 2), NULL, 10) == match->bytes &&
           g_str_equal(PQgetvalue(res, r, 3), "t");
  }
  PQclear(res);
  if (!same) {
    /* Not a failed statement: roll the session's part back by hand. */
    res = pg_exec(s, "ROLLBACK TO SAVEPOINT one_session", 0, NULL, NULL, NULL, &s->timed_out);
    gboolean ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    g_set_error(error, SYNC_ERROR, 0,
                "the central database holds a different session %s for booth %s (another code "
                "or other photos): it stays pending here; compare the two by hand",
                id, s->booth_id);
    if (!ok)
      pg_drop(s);
    return ok ? SEND_SKIPPED : SEND_FAILED;
  }
  return SEND_OK;
}

/* ---- a pass ---- */

static void
set_error(BoothSync *s, const GError *error)
{
  g_mutex_lock(&s->lock);
  g_free(s->progress.last_error);
  s->progress.last_error = g_strdup(error ? error->message : "");
  if (error)
    s->progress.last_error_at = g_get_real_time();
  g_mutex_unlock(&s->lock);
  notify(s);
}

static void
set_pending(BoothSync *s, GPtrArray *pending)
{
  g_mutex_lock(&s->lock);
  s->progress.pending = pending->len;
  s->progress.lag =
      pending->len ? MAX(0, g_get_real_time() - ((Seen *)pending->pdata[0])->ended_at) : 0;
  g_mutex_unlock(&s->lock);
  notify(s);
}

/* Every committed record from `from` on, oldest first, with whether it is synced here. */
static gboolean
list_from(BoothSync *s, gint64 from, GPtrArray *seen, GError **error)
{
  gint64 cursor = from;
  for (;;) {
    GVariantBuilder b;
    g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&b, "{sv}", "status", g_variant_new_string("committed"));
    g_variant_builder_add(&b, "{sv}", "started_after", g_variant_new_int64(cursor));
    g_variant_builder_add(&b, "{sv}", "limit", g_variant_new_uint32(PAGE));
    g_autoptr(GVariant) page = list_records(s, g_variant_builder_end(&b), error);
    if (!page)
      return FALSE;
    gsize n = g_variant_n_children(page);
    for (gsize i = 0; i < n; i++) {
      g_autoptr(GVariant) rec = g_variant_get_child_value(page, i);
      Seen *e = g_new0(Seen, 1);
      g_variant_lookup(rec, "session_id", "s", &e->session_id);
      g_variant_lookup(rec, "started_at", "x", &e->started_at);
      g_variant_lookup(rec, "ended_at", "x", &e->ended_at);
      if (!e->session_id) {
        seen_free(e);
        continue;
      }
      if (!is_synced(s, e->session_id, &e->synced, error)) {
        seen_free(e);
        return FALSE;
      }
      cursor = MAX(cursor, e->started_at);
      g_ptr_array_add(seen, e);
    }
    if (n < PAGE)
      return TRUE;
  }
}

/* Moves the low-water mark over the synced prefix of seen. */
static gboolean
advance_low_water(BoothSync *s, GPtrArray *seen, GError **error)
{
  gint64 low = -1, up_to = 0;
  for (guint i = 0; i < seen->len; i++) {
    const Seen *e = seen->pdata[i];
    if (!e->synced)
      break;
    low = e->started_at;
    up_to = MAX(up_to, e->ended_at);
  }
  if (low < 0)
    return TRUE;
  /* Just below it: the next listing starts with this record again, so two records that
   * started in the same microsecond are never split across the mark. */
  if (low - 1 > meta_int(s, "low_water") && !meta_set_int(s, "low_water", low - 1, error))
    return FALSE;
  if (up_to > meta_int(s, "synced_up_to")) {
    if (!meta_set_int(s, "synced_up_to", up_to, error))
      return FALSE;
    g_mutex_lock(&s->lock);
    s->progress.synced_up_to = up_to;
    g_mutex_unlock(&s->lock);
  }
  return TRUE;
}

static GVariant *
fetch_record(BoothSync *s, const char *session_id, GError **error)
{
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&b, "{sv}", "session_id", g_variant_new_string(session_id));
  g_variant_builder_add(&b, "{sv}", "status", g_variant_new_string("committed"));
  g_autoptr(GVariant) list = list_records(s, g_variant_builder_end(&b), error);
  if (!list)
    return NULL;
  if (g_variant_n_children(list) != 1) {
    g_set_error(error, SYNC_ERROR, 0, "boothd no longer lists committed session %s", session_id);
    return NULL;
  }
  return g_variant_get_child_value(list, 0);
}

/* Ships pending (oldest first) in transactions of s->batch sessions. */
static gboolean
ship(BoothSync *s, GPtrArray *pending, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  guint i = 0;
  while (i < pending->len) {
    if (g_atomic_int_get(&s->stop))
      return TRUE;
    if (!pg_connect(s, error))
      return FALSE;
    gint64 t0 = g_get_monotonic_time();
    if (!pg_command(s, "BEGIN", "begin a transaction", error))
      return FALSE;
    g_autoptr(GPtrArray) sent = g_ptr_array_new();
    guint skipped = 0;
    for (; i < pending->len && sent->len + skipped < s->batch; i++) {
      Seen *e = pending->pdata[i];
      g_autoptr(GVariant) rec = fetch_record(s, e->session_id, error);
      if (!rec) {
        pg_drop(s);
        return FALSE;
      }
      g_autoptr(GError) e2 = NULL;
      SendResult sent_one = send_session(s, rec, &e2);
      if (sent_one == SEND_FAILED) {
        g_propagate_error(error, g_steal_pointer(&e2));
        return FALSE;
      }
      if (sent_one == SEND_SKIPPED) {
        g_warning("%s", e2->message);
        g_clear_error(&local_error);
        local_error = g_steal_pointer(&e2);
        skipped++;
        continue;
      }
      g_ptr_array_add(sent, e);
    }
    PGresult *res = pg_exec(s, "COMMIT", 0, NULL, NULL, NULL, &s->timed_out);
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
      return pg_fail(s, res, "commit a transaction", error);
    PQclear(res);
    /* Central first, then here: a crash in between sends them again, which adds nothing. */
    if (!mark_synced(s, sent, error))
      return FALSE;
    gint64 now = g_get_real_time();
    meta_set_int(s, "last_sync_at", now, NULL);
    for (guint k = 0; k < sent->len; k++)
      ((Seen *)sent->pdata[k])->synced = TRUE;
    g_mutex_lock(&s->lock);
    s->progress.synced += sent->len;
    s->progress.pending -= MIN(s->progress.pending, sent->len);
    s->progress.last_sync_at = now;
    s->progress.sent_sessions += sent->len;
    s->progress.sent_seconds += (g_get_monotonic_time() - t0) / 1e6;
    g_mutex_unlock(&s->lock);
    notify(s);
  }
  if (local_error) {
    g_propagate_error(error, g_steal_pointer(&local_error));
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_sync_pass(BoothSync *s, gboolean full, GError **error)
{
  g_assert(s);
  g_atomic_int_set(&s->stop, 0);
  set_state(s, "syncing");
  g_autoptr(GPtrArray) seen = g_ptr_array_new_with_free_func(seen_free);
  g_autoptr(GError) e = NULL;
  gboolean ok = list_from(s, full ? 0 : meta_int(s, "low_water"), seen, &e);
  g_autoptr(GPtrArray) pending = g_ptr_array_new();
  for (guint i = 0; ok && i < seen->len; i++)
    if (!((Seen *)seen->pdata[i])->synced)
      g_ptr_array_add(pending, seen->pdata[i]);
  if (ok) {
    set_pending(s, pending);
    ok = advance_low_water(s, seen, &e) && ship(s, pending, &e) && advance_low_water(s, seen, &e);
  }
  g_autoptr(GPtrArray) left = g_ptr_array_new();
  for (guint i = 0; i < pending->len; i++)
    if (!((Seen *)pending->pdata[i])->synced)
      g_ptr_array_add(left, pending->pdata[i]);
  if (seen->len)
    set_pending(s, left);
  set_error(s, e);
  set_state(s, ok ? "idle" : "retrying");
  if (!ok) {
    g_propagate_error(error, g_steal_pointer(&e));
    return FALSE;
  }
  return TRUE;
}
