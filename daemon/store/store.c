/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Opening the store (folders, probe, database, schema), the statement cache and the
 * session rows. */
#include "store-private.h"

#include "error.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#define STORE_SCHEMA_VERSION 2
#define STORE_BUSY_TIMEOUT_MS 5000
#define STORE_CODE_MAX (64 * 1024)
#define STORE_NAME_MAX 64

#define SESSION_COLUMNS                                                                            \
  "id, code, operator, profile, status, started_at, ended_at, attempts, checks, overrides, note,"  \
  " code_at, exported"
#define NOTE_APPEND(p)                                                                             \
  "CASE WHEN note IS NULL OR note = '' THEN " p " ELSE note || '; ' || " p " END"

static const char *const stmt_sql[STMT_N] = {
    [STMT_INSERT_SESSION] = "INSERT INTO sessions (" SESSION_COLUMNS ")"
                            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, NULL)",
    [STMT_UPDATE_ACTIVE] = "UPDATE sessions SET code = COALESCE(?2, code),"
                           " code_at = CASE WHEN code IS NULL AND ?2 IS NOT NULL THEN ?9"
                           " ELSE code_at END,"
                           " operator = COALESCE(?3, operator), profile = COALESCE(?4, profile),"
                           " attempts = ?5, checks = COALESCE(?6, checks),"
                           " overrides = COALESCE(?7, overrides), note = COALESCE(?8, note)"
                           " WHERE id = ?1 AND status = 'active'",
    [STMT_STATUS] = "SELECT status FROM sessions WHERE id = ?1",
    [STMT_FINISH] = "UPDATE sessions SET status = ?2, ended_at = ?3, attempts = ?4,"
                    " checks = COALESCE(?5, checks), overrides = COALESCE(?6, overrides),"
                    " note = COALESCE(?7, note) WHERE id = ?1 AND status = 'active'",
    [STMT_SET_STATUS] = "UPDATE sessions SET status = ?2, ended_at = ?3, note = " NOTE_APPEND(
        "?4") " WHERE id = ?1",
    [STMT_APPEND_NOTE] = "UPDATE sessions SET note = " NOTE_APPEND(
        "?2") " WHERE id = ?1 AND (note IS NULL OR instr(note, ?2) = 0)",
    [STMT_INSERT_FILE] = "INSERT INTO files"
                         " (session_id, profile, path, sha256, bytes, width, height, quality)"
                         " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [STMT_GET_SESSION] = "SELECT " SESSION_COLUMNS " FROM sessions WHERE id = ?1",
    [STMT_LIST_SESSIONS] = "SELECT " SESSION_COLUMNS " FROM sessions"
                           " WHERE ?1 IS NULL OR status = ?1"
                           " ORDER BY started_at DESC, rowid DESC LIMIT ?2",
    [STMT_LIST_AFTER] = "SELECT " SESSION_COLUMNS " FROM sessions"
                        " WHERE (?1 IS NULL OR status = ?1) AND started_at > ?3"
                        " ORDER BY started_at, rowid LIMIT ?2",
    [STMT_LIST_FILES] = "SELECT profile, path, sha256, bytes, width, height, quality"
                        " FROM files WHERE session_id = ?1 ORDER BY profile",
    [STMT_ALL_FILES] = "SELECT session_id, path FROM files ORDER BY session_id, profile",
    [STMT_ACTIVE_IDS] = "SELECT id FROM sessions WHERE status = 'active' ORDER BY started_at",
};

/* Export batches: one row per batch written whole. */
#define BATCHES_SQL                                                                                \
  "CREATE TABLE batches ("                                                                         \
  " id TEXT PRIMARY KEY,"                                                                          \
  " created_at INTEGER NOT NULL,"                                                                  \
  " folder TEXT NOT NULL,"                                                                         \
  " sessions INTEGER, files INTEGER, bytes INTEGER);"

/* Version 1 to 2: when each session got its code, and export batches. */
static const char upgrade_1_sql[] =
    "ALTER TABLE sessions ADD COLUMN code_at INTEGER;"
    "ALTER TABLE sessions ADD COLUMN exported TEXT;" BATCHES_SQL "PRAGMA user_version = 2;";

static const char schema_sql[] =
    "CREATE TABLE sessions ("
    " id TEXT PRIMARY KEY,"
    " code BLOB,"
    " operator TEXT,"
    " profile TEXT,"
    " status TEXT NOT NULL,"
    " started_at INTEGER,"
    " ended_at INTEGER,"
    " attempts INTEGER,"
    " checks TEXT,"
    " overrides TEXT,"
    " note TEXT,"
    " code_at INTEGER," /* when the session got its code; NULL before, and in version 1 */
    " exported TEXT);"  /* the last export batch that held the session */
    /* path is relative to the state folder, so a restored backup works in another place. */
    "CREATE TABLE files ("
    " session_id TEXT NOT NULL REFERENCES sessions(id),"
    " profile TEXT NOT NULL,"
    " path TEXT NOT NULL,"
    " sha256 TEXT,"
    " bytes INTEGER,"
    " width INTEGER,"
    " height INTEGER,"
    " quality INTEGER,"
    " PRIMARY KEY (session_id, profile));"
    "CREATE INDEX sessions_by_start ON sessions (started_at);" BATCHES_SQL
    "PRAGMA user_version = " G_STRINGIFY(STORE_SCHEMA_VERSION) ";";

/* ---- names and validation ---- */

static gboolean
name_is_valid(const char *s, gboolean underscore)
{
  if (!s || !*s)
    return FALSE;
  gsize n = 0;
  for (; s[n]; n++) {
    char c = s[n];
    if (!g_ascii_isalnum(c) && c != '-' && !(underscore && c == '_'))
      return FALSE;
    if (n >= STORE_NAME_MAX)
      return FALSE;
  }
  return TRUE;
}

gboolean
booth_store_id_is_valid(const char *session_id)
{
  return name_is_valid(session_id, FALSE);
}

gboolean
booth_store_profile_is_valid(const char *profile)
{
  return name_is_valid(profile, TRUE);
}

gboolean
booth_store_check_id(const char *session_id, GError **error)
{
  if (booth_store_id_is_valid(session_id))
    return TRUE;
  g_autofree char *shown = session_id ? g_strescape(session_id, NULL) : g_strdup("(none)");
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
              "invalid session id \"%s\": use 1 to 64 letters, digits and '-'", shown);
  return FALSE;
}

gboolean
booth_store_check_profile(const char *profile, GError **error)
{
  if (booth_store_profile_is_valid(profile))
    return TRUE;
  g_autofree char *shown = profile ? g_strescape(profile, NULL) : g_strdup("(none)");
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
              "invalid profile name \"%s\": use 1 to 64 letters, digits, '-' and '_'", shown);
  return FALSE;
}

/* '_' separates the two: an id cannot hold one, so the name parses back without guessing. */
char *
booth_store_photo_name(const char *session_id, const char *profile)
{
  g_assert(booth_store_id_is_valid(session_id));
  g_assert(booth_store_profile_is_valid(profile));
  return g_strdup_printf("%s_%s.jpg", session_id, profile);
}

gboolean
booth_store_parse_name(const char *name, char **session_id, char **profile)
{
  g_assert(name);
  g_assert(session_id && profile);

  if (!g_str_has_suffix(name, ".jpg"))
    return FALSE;
  g_autofree char *stem = g_strndup(name, strlen(name) - 4);
  char *sep = strchr(stem, '_'); /* ids hold no '_', so the first one splits */
  if (sep)
    *sep = '\0';
  if (!booth_store_id_is_valid(stem) || (sep && !booth_store_profile_is_valid(sep + 1)))
    return FALSE;
  *session_id = g_strdup(stem);
  *profile = sep ? g_strdup(sep + 1) : NULL;
  return TRUE;
}

char *
booth_store_kept_profile(const char *name)
{
  g_autofree char *id = NULL, *profile = NULL;
  if (!booth_store_parse_name(name, &id, &profile))
    return NULL;
  return profile ? g_strconcat(BOOTH_STORE_CANDIDATE_PROFILE "/", profile, NULL)
                 : g_strdup(BOOTH_STORE_CANDIDATE_PROFILE);
}

GPtrArray *
booth_store_candidate_names(BoothDir *dir, const char *session_id, GError **error)
{
  g_assert(dir);
  g_assert(booth_store_id_is_valid(session_id));

  g_autoptr(GPtrArray) names = booth_dir_list(dir, error);
  if (!names)
    return NULL;
  GPtrArray *mine = g_ptr_array_new_with_free_func(g_free);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *id = NULL, *profile = NULL;
    if (booth_store_parse_name(names->pdata[i], &id, &profile) && g_str_equal(id, session_id))
      g_ptr_array_add(mine, g_strdup(names->pdata[i]));
  }
  return mine;
}

void
booth_store_error_add(GError **error, const char *consequence)
{
  g_assert(consequence);
  if (!error || !*error)
    return;
  char *old = (*error)->message;
  (*error)->message = g_strdup_printf("%s; %s", old, consequence);
  g_free(old);
}

/* ---- SQLite plumbing ---- */

const char *
booth_store_db_advice(int code, int errsv)
{
  switch (code & 0xff) {
  case SQLITE_FULL:
    return "free disk space";
  case SQLITE_CORRUPT:
  case SQLITE_NOTADB:
    return "the file is damaged and was left untouched; restore it from a backup or move it "
           "aside so that a new one is started";
  case SQLITE_READONLY:
  case SQLITE_PERM:
  case SQLITE_CANTOPEN:
    return errsv ? booth_dir_advice(errsv) : "check --state-dir or StateDirectory= and its owner";
  case SQLITE_BUSY:
  case SQLITE_LOCKED:
    return "another program holds the records database; stop it";
  case SQLITE_IOERR:
    return errsv ? booth_dir_advice(errsv)
                 : "the disk reported an I/O error; check it (dmesg) before going on";
  default:
    return "check the state folder";
  }
}

gboolean
booth_store_db_fail(BoothStore *s, const char *doing, GError **error)
{
  g_assert(s);
  g_assert(doing);

  int code = sqlite3_extended_errcode(s->db);
  /* SQLite says "disk I/O error" for any failed write and keeps no errno for it
   * (sqlite3_system_errno() is 0 after a failed write to the WAL). A probe written to the
   * state folder tells a file system turned read-only or full from a failing disk, so that
   * the advice is the one the photo files get. */
  int errsv = 0;
  if ((code & 0xff) == SQLITE_IOERR || (code & 0xff) == SQLITE_READONLY)
    errsv = booth_dir_probe_errno(s->root);
  g_autofree char *why = errsv
                             ? g_strdup_printf("%s (%s)", sqlite3_errmsg(s->db), g_strerror(errsv))
                             : g_strdup(sqlite3_errmsg(s->db));
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot %s in %s: %s — %s", doing,
              s->db_path, why, booth_store_db_advice(code, errsv));
  return FALSE;
}

sqlite3_stmt *
booth_store_stmt(BoothStore *s, BoothStoreStmt id, GError **error)
{
  g_assert(s);
  g_assert(id < STMT_N);

  if (!s->stmts[id]) {
    if (sqlite3_prepare_v3(s->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT, &s->stmts[id],
                           NULL) != SQLITE_OK) {
      booth_store_db_fail(s, "prepare a query", error);
      return NULL;
    }
  }
  sqlite3_reset(s->stmts[id]);
  sqlite3_clear_bindings(s->stmts[id]);
  return s->stmts[id];
}

/* Binding helpers accumulate into rc so that a failed bind is never stepped past. */
static void
bind_text(sqlite3_stmt *st, int i, const char *v, int *rc)
{
  if (*rc != SQLITE_OK)
    return;
  *rc = v ? sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT) : sqlite3_bind_null(st, i);
}

static void
bind_int64(sqlite3_stmt *st, int i, gint64 v, int *rc)
{
  if (*rc == SQLITE_OK)
    *rc = sqlite3_bind_int64(st, i, v);
}

/* A blob, so every byte of the code is kept: NUL, invalid UTF-8, anything. */
static void
bind_code(sqlite3_stmt *st, int i, GBytes *code, int *rc)
{
  if (*rc != SQLITE_OK)
    return;
  if (!code) {
    *rc = sqlite3_bind_null(st, i);
    return;
  }
  gsize n;
  const void *p = g_bytes_get_data(code, &n);
  /* sqlite3_bind_blob() with no data would store NULL; an empty code is still a code. */
  *rc = n == 0 ? sqlite3_bind_zeroblob(st, i, 0)
               : sqlite3_bind_blob(st, i, p, (int)n, SQLITE_TRANSIENT);
}

static gboolean
step_done(BoothStore *s, sqlite3_stmt *st, int rc, const char *doing, GError **error)
{
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc != SQLITE_DONE)
    return booth_store_db_fail(s, doing, error);
  return TRUE;
}

static gboolean
exec_sql(BoothStore *s, const char *sql, const char *doing, GError **error)
{
  if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
    return booth_store_db_fail(s, doing, error);
  return TRUE;
}

gboolean
booth_store_txn_begin(BoothStore *s, GError **error)
{
  g_assert(s);
  /* IMMEDIATE takes the write lock now, so a busy database fails before any change. */
  return exec_sql(s, "BEGIN IMMEDIATE", "start a transaction", error);
}

gboolean
booth_store_txn_commit(BoothStore *s, GError **error)
{
  g_assert(s);
  if (exec_sql(s, "COMMIT", "write the records", error))
    return TRUE;
  booth_store_txn_rollback(s);
  return FALSE;
}

void
booth_store_txn_rollback(BoothStore *s)
{
  g_assert(s);
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

char *
booth_store_column_dup(sqlite3_stmt *st, int i)
{
  if (sqlite3_column_type(st, i) == SQLITE_NULL)
    return NULL;
  return g_strdup((const char *)sqlite3_column_text(st, i));
}

char *
booth_store_path_from_db(BoothStore *s, const char *stored)
{
  if (!stored)
    return NULL;
  if (g_path_is_absolute(stored))
    return g_strdup(stored);
  return g_build_filename(s->dir, stored, NULL);
}

char *
booth_store_stored_path(BoothStore *s, const char *path)
{
  g_assert(s);
  g_assert(path);

  gsize n = strlen(s->dir);
  if (strncmp(path, s->dir, n) == 0 && path[n] == '/')
    return g_strdup(path + n + 1);
  return g_strdup(path);
}

gboolean
booth_store_db_status(BoothStore *s, const char *session_id, char **status, GError **error)
{
  g_assert(s);
  g_assert(session_id);
  g_assert(status);

  *status = NULL;
  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_STATUS, error);
  if (!st)
    return FALSE;
  int rc = SQLITE_OK;
  bind_text(st, 1, session_id, &rc);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *status = booth_store_column_dup(st, 0);
    return TRUE;
  }
  if (rc == SQLITE_DONE)
    return TRUE;
  return booth_store_db_fail(s, "read a session", error);
}

gboolean
booth_store_require_active(BoothStore *s, const char *session_id, GError **error)
{
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, session_id, &status, error))
    return FALSE;
  if (!status) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION, "no session %s in the records",
                session_id);
    return FALSE;
  }
  if (g_strcmp0(status, "active") != 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE, "session %s is %s, not active",
                session_id, status);
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_store_db_insert_session(BoothStore *s, const BoothRecord *rec, const char *status,
                              GError **error)
{
  g_assert(s);
  g_assert(rec);
  g_assert(status);

  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_INSERT_SESSION, error);
  if (!st)
    return FALSE;
  int rc = SQLITE_OK;
  bind_text(st, 1, rec->session_id, &rc);
  bind_code(st, 2, rec->code, &rc);
  bind_text(st, 3, rec->operator_name, &rc);
  bind_text(st, 4, rec->profile, &rc);
  bind_text(st, 5, status, &rc);
  bind_int64(st, 6, rec->started_at, &rc);
  bind_int64(st, 7, rec->ended_at, &rc);
  bind_int64(st, 8, rec->attempts, &rc);
  bind_text(st, 9, rec->checks_json, &rc);
  bind_text(st, 10, rec->overrides, &rc);
  bind_text(st, 11, rec->note, &rc);
  if (rec->code)
    bind_int64(st, 12, rec->code_at ? rec->code_at : rec->started_at, &rc);
  else
    bind_text(st, 12, NULL, &rc);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return TRUE;
  if (sqlite3_extended_errcode(s->db) == SQLITE_CONSTRAINT_PRIMARYKEY) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
                "session %s is already in the records; a session id is used once", rec->session_id);
    return FALSE;
  }
  return booth_store_db_fail(s, "record a session", error);
}

gboolean
booth_store_db_insert_file(BoothStore *s, const char *session_id, const BoothRecordFile *file,
                           GError **error)
{
  g_assert(s);
  g_assert(session_id);
  g_assert(file && file->profile && file->path);

  g_autofree char *stored = booth_store_stored_path(s, file->path);
  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_INSERT_FILE, error);
  if (!st)
    return FALSE;
  int rc = SQLITE_OK;
  bind_text(st, 1, session_id, &rc);
  bind_text(st, 2, file->profile, &rc);
  bind_text(st, 3, stored, &rc);
  bind_text(st, 4, file->sha256, &rc);
  bind_int64(st, 5, file->bytes, &rc);
  bind_int64(st, 6, file->width, &rc);
  bind_int64(st, 7, file->height, &rc);
  bind_int64(st, 8, file->quality, &rc);
  return step_done(s, st, rc, "record a file", error);
}

gboolean
booth_store_db_set_status(BoothStore *s, const char *session_id, const char *status,
                          gint64 ended_at, const char *note, GError **error)
{
  g_assert(s);
  g_assert(session_id);
  g_assert(status);
  g_assert(note);

  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_SET_STATUS, error);
  if (!st)
    return FALSE;
  int rc = SQLITE_OK;
  bind_text(st, 1, session_id, &rc);
  bind_text(st, 2, status, &rc);
  bind_int64(st, 3, ended_at, &rc);
  bind_text(st, 4, note, &rc);
  return step_done(s, st, rc, "update a session", error);
}

gboolean
booth_store_db_append_note(BoothStore *s, const char *session_id, const char *note, GError **error)
{
  g_assert(s);
  g_assert(session_id);
  g_assert(note);

  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_APPEND_NOTE, error);
  if (!st)
    return FALSE;
  int rc = SQLITE_OK;
  bind_text(st, 1, session_id, &rc);
  bind_text(st, 2, note, &rc);
  return step_done(s, st, rc, "update a session", error);
}

/* ---- files ---- */

gboolean
booth_jpeg_read_size(const guint8 *d, gsize len, int *width, int *height)
{
  g_assert(d || len == 0);
  g_assert(width && height);

  if (len < 4 || d[0] != 0xff || d[1] != 0xd8)
    return FALSE;
  gsize i = 2;
  while (i + 4 <= len) {
    if (d[i] != 0xff)
      return FALSE;
    guint8 marker = d[i + 1];
    if (marker == 0xff) { /* fill byte */
      i++;
      continue;
    }
    if (marker == 0xd9 || marker == 0xda) /* end of image, start of scan: no frame header */
      return FALSE;
    if (marker == 0x01 || (marker >= 0xd0 && marker <= 0xd7)) { /* no length field */
      i += 2;
      continue;
    }
    gsize seg = ((gsize)d[i + 2] << 8) | d[i + 3];
    if (seg < 2 || i + 2 + seg > len)
      return FALSE;
    /* SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC) which share the range. */
    if (marker >= 0xc0 && marker <= 0xcf && marker != 0xc4 && marker != 0xc8 && marker != 0xcc) {
      if (seg < 7)
        return FALSE;
      *height = (d[i + 5] << 8) | d[i + 6];
      *width = (d[i + 7] << 8) | d[i + 8];
      return *width > 0 && *height > 0;
    }
    i += 2 + seg;
  }
  return FALSE;
}

BoothRecordFile *
booth_store_describe_file(BoothDir *dir, const char *name, const char *profile, GError **error)
{
  g_assert(dir);
  g_assert(name);
  g_assert(profile);

  g_autoptr(GBytes) data = booth_dir_read(dir, name, error);
  if (!data)
    return NULL;
  gsize len;
  const guint8 *bytes = g_bytes_get_data(data, &len);
  g_autoptr(BoothRecordFile) file = booth_record_file_new();
  file->profile = g_strdup(profile);
  file->path = booth_dir_build(dir, name);
  file->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, bytes, len);
  file->bytes = (gint64)len;
  if (!booth_jpeg_read_size(bytes, len, &file->width, &file->height))
    file->width = file->height = 0;
  return g_steal_pointer(&file);
}

/* ---- opening ---- */

/* One boothd per state folder: two would each take the other's session for their own. The
 * lock is an flock on "lock" in the folder, held while the store is open and released by the
 * kernel when the process ends however it ends; the file holds the holder's pid, for the
 * message. */
static gboolean
lock_dir(BoothStore *s, GError **error)
{
  s->lock_fd = openat(s->root->fd, "lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0640);
  if (s->lock_fd < 0) {
    int errsv = errno;
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot open %s/lock: %s — %s", s->dir,
                g_strerror(errsv), booth_dir_advice(errsv));
    return FALSE;
  }
  if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
    int errsv = errno;
    char pid[32] = "";
    ssize_t n = pread(s->lock_fd, pid, sizeof pid - 1, 0);
    pid[MAX(n, 0)] = '\0';
    g_strstrip(pid);
    if (errsv == EWOULDBLOCK)
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BUSY,
                  "the state folder %s is in use by another boothd (pid %s): stop that one, or "
                  "give this one its own --state-dir",
                  s->dir, *pid ? pid : "unknown");
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot lock %s/lock: %s — %s", s->dir,
                  g_strerror(errsv), booth_dir_advice(errsv));
    return FALSE;
  }
  g_autofree char *mine = g_strdup_printf("%d\n", (int)getpid());
  if (ftruncate(s->lock_fd, 0) < 0 || pwrite(s->lock_fd, mine, strlen(mine), 0) < 0)
    booth_warn("store", "cannot write the pid into %s/lock: %s", s->dir, g_strerror(errno));
  return TRUE;
}

static gboolean
open_dirs(BoothStore *s, GError **error)
{
  if (g_mkdir_with_parents(s->dir, 0750) < 0) {
    int errsv = errno;
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot create state folder %s: %s — %s",
                s->dir, g_strerror(errsv), booth_dir_advice(errsv));
    return FALSE;
  }
  s->root = booth_dir_open(s->dir, 0750, error);
  if (!s->root || !booth_dir_probe(s->root, error) || !lock_dir(s, error))
    return FALSE;
  struct {
    const char *name;
    BoothDir **dir;
  } subs[] = {{"photos", &s->photos},
              {"candidates", &s->candidates},
              {"abandoned", &s->abandoned},
              {"commits", &s->commits}};
  for (gsize i = 0; i < G_N_ELEMENTS(subs); i++) {
    g_autofree char *path = g_build_filename(s->dir, subs[i].name, NULL);
    *subs[i].dir = booth_dir_open(path, 0750, error);
    if (!*subs[i].dir || !booth_dir_probe(*subs[i].dir, error))
      return FALSE;
  }
  /* A new subfolder's name must survive a crash as much as the files put in it later. */
  return booth_dir_sync(s->root, error);
}

static gboolean
pragma_text(BoothStore *s, const char *sql, char **out, GError **error)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc != SQLITE_ROW) {
    booth_store_db_fail(s, "open the records", error);
    sqlite3_finalize(st);
    return FALSE;
  }
  *out = booth_store_column_dup(st, 0);
  sqlite3_finalize(st);
  return TRUE;
}

static gboolean
open_db(BoothStore *s, GError **error)
{
  int rc = sqlite3_open_v2(
      s->db_path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXRESCODE, NULL);
  if (rc != SQLITE_OK)
    return booth_store_db_fail(s, "open the records", error);
  sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS);

  /* Damage is found here, at start-up, rather than in the middle of a commit. */
  g_autofree char *check = NULL;
  if (!pragma_text(s, "PRAGMA quick_check(1)", &check, error))
    return FALSE;
  if (g_strcmp0(check, "ok") != 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "records database %s is damaged (%s) — it was left untouched; restore it from a "
                "backup or move it aside so that a new one is started",
                s->db_path, check ? check : "no answer");
    return FALSE;
  }
  g_autofree char *mode = NULL;
  if (!pragma_text(s, "PRAGMA journal_mode = WAL", &mode, error))
    return FALSE;
  if (g_ascii_strcasecmp(mode ? mode : "", "wal") != 0)
    booth_warn("store",
               "%s: the file system refused WAL mode (journal mode is %s); records are "
               "still written durably, more slowly",
               s->db_path, mode ? mode : "unknown");
  if (!exec_sql(s, "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON", "open the records",
                error))
    return FALSE;

  if (!booth_store_txn_begin(s, error))
    return FALSE;
  g_autofree char *version_text = NULL;
  if (!pragma_text(s, "PRAGMA user_version", &version_text, error)) {
    booth_store_txn_rollback(s);
    return FALSE;
  }
  gint64 version = g_ascii_strtoll(version_text ? version_text : "0", NULL, 10);
  if (version > STORE_SCHEMA_VERSION) {
    booth_store_txn_rollback(s);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "records database %s has schema version %" G_GINT64_FORMAT
                ", newer than this boothd understands (%d) — run the newer boothd or restore "
                "a backup; the file was left untouched",
                s->db_path, version, STORE_SCHEMA_VERSION);
    return FALSE;
  }
  if (version == 0 && !exec_sql(s, schema_sql, "create the records", error)) {
    booth_store_txn_rollback(s);
    return FALSE;
  }
  if (version == 1) {
    if (!exec_sql(s, upgrade_1_sql, "upgrade the records", error)) {
      booth_store_txn_rollback(s);
      return FALSE;
    }
    booth_info("store", "%s: records upgraded from schema version 1 to 2", s->db_path);
  }
  return booth_store_txn_commit(s, error);
}

BoothStore *
booth_store_open(const char *state_dir, GError **error)
{
  g_assert(state_dir);

  if (!*state_dir) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "no state folder given — set --state-dir or StateDirectory=");
    return NULL;
  }
  g_autoptr(BoothStore) s = g_new0(BoothStore, 1);
  s->lock_fd = -1;
  s->dir = g_canonicalize_filename(state_dir, NULL);
  s->db_path = g_build_filename(s->dir, "records.db", NULL);
  if (!open_dirs(s, error) || !open_db(s, error))
    return NULL;
  booth_debug("store", "records in %s", s->db_path);
  return g_steal_pointer(&s);
}

void
booth_store_free(BoothStore *s)
{
  if (!s)
    return;
  for (int i = 0; i < STMT_N; i++)
    sqlite3_finalize(s->stmts[i]);
  if (s->db && sqlite3_close(s->db) != SQLITE_OK)
    booth_warn("store", "closing %s: %s", s->db_path, sqlite3_errmsg(s->db));
  g_clear_pointer(&s->root, booth_dir_free);
  g_clear_pointer(&s->photos, booth_dir_free);
  g_clear_pointer(&s->candidates, booth_dir_free);
  g_clear_pointer(&s->abandoned, booth_dir_free);
  g_clear_pointer(&s->commits, booth_dir_free);
  if (s->lock_fd >= 0)
    close(s->lock_fd);
  g_free(s->dir);
  g_free(s->db_path);
  g_free(s);
}

const char *
booth_store_get_dir(BoothStore *s)
{
  g_assert(s);
  return s->dir;
}

/* ---- sessions ---- */

static gboolean
check_code(GBytes *code, GError **error)
{
  if (!code || g_bytes_get_size(code) <= STORE_CODE_MAX)
    return TRUE;
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
              "the capture code is %" G_GSIZE_FORMAT " bytes, more than %d: not a capture code",
              g_bytes_get_size(code), STORE_CODE_MAX);
  return FALSE;
}

gboolean
booth_store_begin(BoothStore *s, const BoothRecord *rec, GError **error)
{
  g_assert(s);
  g_assert(rec);

  if (!booth_store_check_id(rec->session_id, error))
    return FALSE;
  if (rec->profile && !booth_store_check_profile(rec->profile, error))
    return FALSE;
  if (!check_code(rec->code, error))
    return FALSE;
  BoothRecord row = *rec;
  row.started_at = rec->started_at ? rec->started_at : g_get_real_time();
  row.ended_at = 0;
  return booth_store_db_insert_session(s, &row, "active", error);
}

gboolean
booth_store_update(BoothStore *s, const BoothRecord *rec, GError **error)
{
  g_assert(s);
  g_assert(rec);

  if (!booth_store_check_id(rec->session_id, error))
    return FALSE;
  if (rec->profile && !booth_store_check_profile(rec->profile, error))
    return FALSE;
  if (!check_code(rec->code, error))
    return FALSE;
  {
    g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_UPDATE_ACTIVE, error);
    if (!st)
      return FALSE;
    int rc = SQLITE_OK;
    bind_text(st, 1, rec->session_id, &rc);
    bind_code(st, 2, rec->code, &rc);
    bind_text(st, 3, rec->operator_name, &rc);
    bind_text(st, 4, rec->profile, &rc);
    bind_int64(st, 5, rec->attempts, &rc);
    bind_text(st, 6, rec->checks_json, &rc);
    bind_text(st, 7, rec->overrides, &rc);
    bind_text(st, 8, rec->note, &rc);
    bind_int64(st, 9, rec->code_at ? rec->code_at : g_get_real_time(), &rc);
    if (!step_done(s, st, rc, "update a session", error))
      return FALSE;
  }
  if (sqlite3_changes(s->db) == 1)
    return TRUE;
  /* Nothing matched: say whether the session is unknown or no longer active. */
  if (booth_store_require_active(s, rec->session_id, error))
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "session %s was not updated",
                rec->session_id);
  return FALSE;
}

gboolean
booth_store_finish_row(BoothStore *s, const char *session_id, const char *status, gint64 ended_at,
                       guint attempts, const char *checks, const char *overrides, const char *note,
                       GError **error)
{
  g_assert(s);
  g_assert(session_id);
  g_assert(status);

  {
    g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_FINISH, error);
    if (!st)
      return FALSE;
    int rc = SQLITE_OK;
    bind_text(st, 1, session_id, &rc);
    bind_text(st, 2, status, &rc);
    bind_int64(st, 3, ended_at, &rc);
    bind_int64(st, 4, attempts, &rc);
    bind_text(st, 5, checks, &rc);
    bind_text(st, 6, overrides, &rc);
    bind_text(st, 7, note, &rc);
    if (!step_done(s, st, rc, "update a session", error))
      return FALSE;
  }
  if (sqlite3_changes(s->db) == 1)
    return TRUE;
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE, "session %s is no longer active",
              session_id);
  return FALSE;
}

static BoothRecord *
record_from_row(BoothStore *s, sqlite3_stmt *row, GError **error)
{
  g_autoptr(BoothRecord) rec = booth_record_new();
  rec->session_id = booth_store_column_dup(row, 0);
  if (sqlite3_column_type(row, 1) != SQLITE_NULL) {
    const void *blob = sqlite3_column_blob(row, 1);
    rec->code = g_bytes_new(blob, (gsize)sqlite3_column_bytes(row, 1));
  }
  rec->operator_name = booth_store_column_dup(row, 2);
  rec->profile = booth_store_column_dup(row, 3);
  rec->status = booth_store_column_dup(row, 4);
  rec->started_at = sqlite3_column_int64(row, 5);
  rec->ended_at = sqlite3_column_int64(row, 6);
  rec->attempts = (guint)CLAMP(sqlite3_column_int64(row, 7), 0, G_MAXUINT);
  rec->checks_json = booth_store_column_dup(row, 8);
  rec->overrides = booth_store_column_dup(row, 9);
  rec->note = booth_store_column_dup(row, 10);
  rec->code_at = sqlite3_column_int64(row, 11);
  rec->exported = booth_store_column_dup(row, 12);

  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_LIST_FILES, error);
  if (!st)
    return NULL;
  int rc = sqlite3_bind_text(st, 1, rec->session_id, -1, SQLITE_TRANSIENT);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    BoothRecordFile *file = booth_record_file_new();
    file->profile = booth_store_column_dup(st, 0);
    g_autofree char *stored = booth_store_column_dup(st, 1);
    file->path = booth_store_path_from_db(s, stored);
    file->sha256 = booth_store_column_dup(st, 2);
    file->bytes = sqlite3_column_int64(st, 3);
    file->width = sqlite3_column_int(st, 4);
    file->height = sqlite3_column_int(st, 5);
    file->quality = sqlite3_column_int(st, 6);
    g_ptr_array_add(rec->files, file);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE) {
    booth_store_db_fail(s, "read the files of a session", error);
    return NULL;
  }
  return g_steal_pointer(&rec);
}

BoothRecord *
booth_store_get(BoothStore *s, const char *session_id, GError **error)
{
  g_assert(s);

  if (!booth_store_check_id(session_id, error))
    return NULL;
  g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_GET_SESSION, error);
  if (!st)
    return NULL;
  int rc = sqlite3_bind_text(st, 1, session_id, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc == SQLITE_ROW)
    return record_from_row(s, st, error);
  if (rc == SQLITE_DONE)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION, "no session %s in the records",
                session_id);
  else
    booth_store_db_fail(s, "read a session", error);
  return NULL;
}

static GPtrArray *
list_records(BoothStore *s, gboolean after, gint64 started_after, guint limit, const char *status,
             GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_free);
  g_auto(BoothStoreStmtRef) st =
      booth_store_stmt(s, after ? STMT_LIST_AFTER : STMT_LIST_SESSIONS, error);
  if (!st)
    return NULL;
  int rc = SQLITE_OK;
  bind_text(st, 1, status, &rc);
  bind_int64(st, 2, limit ? (gint64)limit : -1, &rc);
  if (after)
    bind_int64(st, 3, started_after, &rc);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    BoothRecord *rec = record_from_row(s, st, error);
    if (!rec)
      return NULL;
    g_ptr_array_add(out, rec);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE) {
    booth_store_db_fail(s, "list the sessions", error);
    return NULL;
  }
  return g_steal_pointer(&out);
}

GPtrArray *
booth_store_list(BoothStore *s, guint limit, const char *status, GError **error)
{
  g_assert(s);
  return list_records(s, FALSE, 0, limit, status, error);
}

GPtrArray *
booth_store_list_after(BoothStore *s, gint64 started_after, guint limit, const char *status,
                       GError **error)
{
  g_assert(s);
  return list_records(s, TRUE, started_after, limit, status, error);
}
