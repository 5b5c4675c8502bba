/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Export batches: which photos go out (the records), writing a batch whole or not at all into a
 * folder the client opened, and marking the sessions exported once the batch is there. */
#include "store-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "error.h"
#include "log.h"
#include "manifest.h"
#include "report.h"

#define EXPORT_PHOTO_MAX (64 * 1024 * 1024)
#define PARTIAL_SUFFIX ".partial"

/* ---- the rows ---- */

#define CHECKS_SQL                                                                                 \
  "SELECT json_extract(c.value, '$.name'), json_extract(c.value, '$.value'),"                      \
  " json_extract(c.value, '$.unit'), json_extract(c.value, '$.pass')"                              \
  " FROM sessions s, json_each(s.checks, '$.\"' || ?2 || '\"') c"                                  \
  " WHERE s.id = ?1 AND json_valid(s.checks) ORDER BY c.key"

static gboolean
is_overridden(const char *overrides, const char *profile, const char *name)
{
  if (!overrides)
    return FALSE;
  g_autofree char *qualified = g_strdup_printf("%s/%s", profile, name);
  g_auto(GStrv) items = g_strsplit(overrides, ",", -1);
  for (char **it = items; *it; it++) {
    const char *item = g_strstrip(*it);
    if (strcmp(item, qualified) == 0 || strcmp(item, name) == 0)
      return TRUE;
  }
  return FALSE;
}

/* The checks of the row's session and profile, read by st (CHECKS_SQL, reset here). */
static gboolean
add_checks(BoothStore *s, sqlite3_stmt *st, BoothManifestRow *row, const char *overrides,
           GError **error)
{
  sqlite3_reset(st);
  int rc = sqlite3_bind_text(st, 1, row->session_id, -1, SQLITE_TRANSIENT);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_text(st, 2, row->profile, -1, SQLITE_TRANSIENT);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    const char *name = (const char *)sqlite3_column_text(st, 0);
    if (!name) {
      rc = SQLITE_OK;
      continue;
    }
    gboolean has_value = sqlite3_column_type(st, 1) != SQLITE_NULL;
    gboolean pass = sqlite3_column_int(st, 3) != 0;
    BoothVerdict verdict = pass                                           ? BOOTH_VERDICT_PASS
                           : is_overridden(overrides, row->profile, name) ? BOOTH_VERDICT_OVERRIDDEN
                                                                          : BOOTH_VERDICT_FAIL;
    booth_manifest_row_add_check(row, name, has_value, sqlite3_column_double(st, 1),
                                 (const char *)sqlite3_column_text(st, 2), verdict);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE)
    return booth_store_db_fail(s, "read the checks of a session", error);
  return TRUE;
}

static gboolean
check_named(BoothStore *s, char **sessions, GHashTable *wanted, GError **error)
{
  for (char **id = sessions; *id; id++) {
    g_autofree char *status = NULL;
    if (!booth_store_check_id(*id, error) || !booth_store_db_status(s, *id, &status, error))
      return FALSE;
    if (!status) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION, "no session %s in the records", *id);
      return FALSE;
    }
    if (strcmp(status, "committed") != 0) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
                  "session %s is %s: only committed sessions are exported", *id, status);
      return FALSE;
    }
    g_hash_table_add(wanted, *id);
  }
  return TRUE;
}

GPtrArray *
booth_store_export_rows(BoothStore *s, const BoothExportQuery *q, GError **error)
{
  g_assert(s);
  g_assert(q);

  static const char sql[] =
      "SELECT s.id, s.code, s.operator, s.started_at, s.code_at, s.ended_at, s.attempts,"
      " s.overrides, f.profile, f.path, f.sha256, f.bytes"
      " FROM sessions s JOIN files f ON f.session_id = s.id"
      " WHERE s.status = 'committed' AND (?1 OR s.exported IS NULL) AND s.ended_at >= ?2"
      " AND instr(f.profile, '/') = 0"
      " ORDER BY s.ended_at, s.id, f.profile";
  g_autoptr(GHashTable) wanted = NULL;
  if (q->sessions && *q->sessions) {
    wanted = g_hash_table_new(g_str_hash, g_str_equal);
    if (!check_named(s, q->sessions, wanted, error))
      return NULL;
  }
  g_autoptr(GPtrArray) rows =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_manifest_row_free);
  sqlite3_stmt *st = NULL, *checks = NULL;
  gboolean failed = FALSE;
  /* Sessions named one by one go out again even when exported before. */
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2(s->db, CHECKS_SQL, -1, &checks, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(st, 1, q->all || wanted);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 2, q->since);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    rc = SQLITE_OK;
    const char *id = (const char *)sqlite3_column_text(st, 0);
    if (wanted && !g_hash_table_contains(wanted, id))
      continue;
    g_autoptr(BoothManifestRow) row = booth_manifest_row_new();
    row->session_id = g_strdup(id);
    if (sqlite3_column_type(st, 1) != SQLITE_NULL)
      row->code = g_bytes_new(sqlite3_column_blob(st, 1), (gsize)sqlite3_column_bytes(st, 1));
    row->operator_name = booth_store_column_dup(st, 2);
    row->started_at = sqlite3_column_int64(st, 3);
    row->code_at = sqlite3_column_int64(st, 4);
    row->committed_at = sqlite3_column_int64(st, 5);
    row->attempts = (guint)CLAMP(sqlite3_column_int64(st, 6), 0, G_MAXUINT);
    g_autofree char *overrides = booth_store_column_dup(st, 7);
    row->profile = booth_store_column_dup(st, 8);
    g_autofree char *stored = booth_store_column_dup(st, 9);
    row->source = booth_store_path_from_db(s, stored);
    row->sha256 = booth_store_column_dup(st, 10);
    row->bytes = sqlite3_column_int64(st, 11);
    row->file = booth_store_photo_name(row->session_id, row->profile);
    if (!add_checks(s, checks, row, overrides, error)) {
      failed = TRUE;
      break;
    }
    g_ptr_array_add(rows, g_steal_pointer(&row));
  }
  if (!failed && rc != SQLITE_DONE) {
    booth_store_db_fail(s, "list the sessions to export", error);
    failed = TRUE;
  }
  sqlite3_finalize(st);
  sqlite3_finalize(checks);
  return failed ? NULL : g_steal_pointer(&rows);
}

static gboolean
run_bound(BoothStore *s, sqlite3_stmt *st, int rc, GError **error)
{
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_reset(st);
  if (rc == SQLITE_DONE)
    return TRUE;
  return booth_store_db_fail(s, "mark the exported sessions", error);
}

gboolean
booth_store_export_mark(BoothStore *s, const char *batch, gint64 created_at, GPtrArray *rows,
                        GError **error)
{
  g_assert(s);
  g_assert(batch);

  sqlite3_stmt *mark = NULL, *add = NULL;
  gint64 bytes = 0;
  gboolean ok = booth_store_txn_begin(s, error);
  if (ok)
    ok = (sqlite3_prepare_v2(s->db, "UPDATE sessions SET exported = ?2 WHERE id = ?1", -1, &mark,
                             NULL) == SQLITE_OK &&
          sqlite3_prepare_v2(s->db,
                             "INSERT OR REPLACE INTO batches (id, created_at, folder, sessions,"
                             " files, bytes) VALUES (?1, ?2, ?1, ?3, ?4, ?5)",
                             -1, &add, NULL) == SQLITE_OK) ||
         booth_store_db_fail(s, "mark the exported sessions", error);
  for (guint i = 0; ok && i < rows->len; i++) {
    const BoothManifestRow *row = rows->pdata[i];
    bytes += row->bytes;
    /* once per photo: marking a session again changes nothing */
    int rc = sqlite3_bind_text(mark, 1, row->session_id, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_text(mark, 2, batch, -1, SQLITE_TRANSIENT);
    ok = run_bound(s, mark, rc, error);
  }
  if (ok) {
    int rc = sqlite3_bind_text(add, 1, batch, -1, SQLITE_TRANSIENT);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(add, 2, created_at);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(add, 3, booth_manifest_count_sessions(rows));
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(add, 4, rows->len);
    if (rc == SQLITE_OK)
      rc = sqlite3_bind_int64(add, 5, bytes);
    ok = run_bound(s, add, rc, error);
  }
  sqlite3_finalize(mark);
  sqlite3_finalize(add);
  if (ok && booth_store_step(s, "export-mark"))
    ok = booth_store_txn_commit(s, error);
  if (!ok)
    booth_store_txn_rollback(s);
  return ok;
}

/* ---- the batch ---- */

static gboolean fail_errno(GError **error, int errsv, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
fail_errno(GError **error, int errsv, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *what = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  const char *advice = "";
  switch (errsv) {
  case ENOSPC:
  case EDQUOT:
    advice = " — the folder is full: use a larger stick or share, or export fewer sessions "
             "(--since, --session)";
    break;
  case EROFS:
    advice = " — the folder is on a read-only file system: unlock the stick or choose another "
             "folder";
    break;
  case EACCES:
  case EPERM:
    advice = " — boothd may not write there: choose a folder it may write to";
    break;
  case EIO:
    advice = " — the medium failed: check that the stick is still plugged in, then export again";
    break;
  default:
    break;
  }
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "%s: %s%s", what, g_strerror(errsv), advice);
  return FALSE;
}

/* Removes the files in the folder name (one level: a batch holds no sub-folders), then the
 * folder. */
static gboolean
remove_batch_dir(int parent, const char *name)
{
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return FALSE;
  }
  struct dirent *e;
  while ((e = readdir(d)))
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
      unlinkat(dirfd(d), e->d_name, 0);
  closedir(d);
  return unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT;
}

static gboolean
is_partial_name(const char *name)
{
  return name[0] == '.' && g_str_has_suffix(name, PARTIAL_SUFFIX) &&
         strlen(name) > 1 + strlen(PARTIAL_SUFFIX);
}

static void
clean_partials(int dirfd, const char *label, GPtrArray *cleaned)
{
  int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    if (fd >= 0)
      close(fd);
    return;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  struct dirent *e;
  while ((e = readdir(d)))
    if (is_partial_name(e->d_name))
      g_ptr_array_add(names, g_strdup(e->d_name));
  closedir(d);
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (remove_batch_dir(dirfd, name)) {
      booth_warn("export", "%s: removed %s, a batch an interrupted export left unfinished", label,
                 name);
      if (cleaned)
        g_ptr_array_add(cleaned, g_strdup(name));
    } else {
      booth_warn("export", "%s: cannot remove %s, left by an interrupted export: %s", label, name,
                 g_strerror(errno));
    }
  }
}

static gboolean
write_all(int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      if (n == 0)
        errno = EIO;
      return FALSE;
    }
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

/* Reads the photo from the store and proves it against its record. */
static GBytes *
read_photo(const BoothManifestRow *row, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GMappedFile) map = g_mapped_file_new(row->source, FALSE, &local);
  if (!map) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "photo %s of session %s is missing from the store (%s) — run `boothctl info %s`; "
                "export the other sessions with --session",
                row->file, row->session_id, local->message, row->session_id);
    return NULL;
  }
  gsize len = g_mapped_file_get_length(map);
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents(map);
  g_autofree char *sum =
      len <= EXPORT_PHOTO_MAX ? g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len) : NULL;
  if (!sum || g_strcmp0(sum, row->sha256) != 0 || (gint64)len != row->bytes) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "photo %s of session %s in the store is damaged: it is not the file that was "
                "committed (%" G_GSIZE_FORMAT " bytes, SHA-256 %.12s…, recorded %" G_GINT64_FORMAT
                " bytes, %.12s…) — restore it from a backup; nothing was exported",
                row->source, row->session_id, len, sum ? sum : "-", row->bytes,
                row->sha256 ? row->sha256 : "-");
    return NULL;
  }
  return g_mapped_file_get_bytes(map);
}

static gboolean
write_photo(int batchfd, const char *label, const BoothManifestRow *row, GError **error)
{
  g_autoptr(GBytes) photo = read_photo(row, error);
  if (!photo)
    return FALSE;
  int fd = openat(batchfd, row->file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0)
    return fail_errno(error, errno, "cannot write %s/%s", label, row->file);
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(photo, &len);
  int errsv = 0;
  if (!write_all(fd, data, len) || fsync(fd) < 0)
    errsv = errno;
  if (close(fd) < 0 && !errsv && errno != EINTR)
    errsv = errno;
  if (errsv)
    return fail_errno(error, errsv, "cannot write %s/%s", label, row->file);
  return TRUE;
}

static gboolean
check_space(int dirfd, const char *label, GPtrArray *rows, gint64 *need_out, GError **error)
{
  struct statvfs vfs;
  if (fstatvfs(dirfd, &vfs) < 0)
    return fail_errno(error, errno, "cannot read the free space of %s", label);
  guint64 block = vfs.f_frsize ? vfs.f_frsize : 4096;
  guint64 need = 3 * block + 65536; /* the folder and three manifest files, at least */
  gint64 bytes = 0;
  for (guint i = 0; i < rows->len; i++) {
    const BoothManifestRow *row = rows->pdata[i];
    bytes += row->bytes;
    /* each photo rounded up to whole blocks, and its manifest lines */
    need += ((guint64)row->bytes + block - 1) / block * block + 2048;
  }
  guint64 avail = (guint64)vfs.f_bavail * block;
  *need_out = bytes;
  if (avail >= need)
    return TRUE;
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
              "not enough space in %s: the batch of %u photos needs %.1f MB, %.1f MB are free — "
              "use a larger stick or share, or export fewer sessions (--since, --session); "
              "nothing was written",
              label, rows->len, need / 1e6, avail / 1e6);
  return FALSE;
}

gboolean
booth_export_write(int dirfd, const char *label, const char *batch, gint64 created_at,
                   GPtrArray *rows, GPtrArray *cleaned, gint64 *bytes_out, GError **error)
{
  g_assert(dirfd >= 0);
  g_assert(batch && *batch && !strchr(batch, '/'));

  clean_partials(dirfd, label, cleaned);
  gint64 bytes = 0;
  if (!check_space(dirfd, label, rows, &bytes, error))
    return FALSE;

  g_autofree char *partial = g_strdup_printf(".%s" PARTIAL_SUFFIX, batch);
  if (mkdirat(dirfd, partial, 0755) < 0)
    return fail_errno(error, errno, "cannot make a batch folder in %s", label);
  g_autofree char *partial_label = g_strdup_printf("%s/%s", label, partial);
  int batchfd = openat(dirfd, partial, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  gboolean ok = batchfd >= 0 || fail_errno(error, errno, "cannot open %s", partial_label);

  for (guint i = 0; ok && i < rows->len; i++) {
    const BoothManifestRow *row = rows->pdata[i];
    ok = write_photo(batchfd, partial_label, row, error);
  }
  if (ok) {
    g_autoptr(BoothManifest) manifest = booth_manifest_new_with_rows(batch, created_at, rows);
    int errsv = 0;
    ok = booth_manifest_write(manifest, batchfd, partial_label, &errsv, error);
    if (!ok && errsv) {
      g_clear_error(error);
      fail_errno(error, errsv, "cannot write the manifest in %s", partial_label);
    }
  }
  if (ok && fsync(batchfd) < 0)
    ok = fail_errno(error, errno, "cannot flush %s", partial_label);
  if (batchfd >= 0)
    close(batchfd);
  if (ok && renameat2(dirfd, partial, dirfd, batch, RENAME_NOREPLACE) < 0) {
    if (errno == EEXIST) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                  "a batch named %s is already in %s: export again in a second", batch, label);
      ok = FALSE;
    } else
      ok = fail_errno(error, errno, "cannot give the batch its name %s in %s", batch, label);
  }
  if (ok && fsync(dirfd) < 0 && errno != EINVAL)
    ok = fail_errno(error, errno, "cannot flush %s", label);
  if (!ok) {
    /* A batch whose rename went through but whose folder could not be flushed stays: it is
     * whole, and the sessions are not marked, so the next export writes them again. */
    if (!remove_batch_dir(dirfd, partial))
      booth_warn("export", "%s: cannot remove the unfinished %s: %s", label, partial,
                 g_strerror(errno));
    booth_store_error_add(error, "no session was marked exported");
    return FALSE;
  }
  if (bytes_out)
    *bytes_out = bytes;
  return TRUE;
}

/* ---- the day report's sessions ---- */

GPtrArray *
booth_store_report_sessions(BoothStore *s, gint64 from, gint64 to, GError **error)
{
  g_assert(s);
  static const char sql[] =
      "SELECT s.started_at, s.code_at, s.ended_at, s.status, s.attempts, s.overrides,"
      " (SELECT group_concat(DISTINCT json_extract(c.value, '$.name'))"
      "  FROM json_each(CASE WHEN json_valid(s.checks) THEN s.checks ELSE '{}' END) p,"
      "  json_each(p.value) c WHERE json_extract(c.value, '$.pass') = 0)"
      " FROM sessions s WHERE s.started_at >= ?1 AND s.started_at < ?2 ORDER BY s.started_at";
  g_autoptr(GPtrArray) out =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_report_session_free);
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(s->db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 1, from);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int64(st, 2, to);
  while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
    BoothReportSession *r = g_new0(BoothReportSession, 1);
    r->started_at = sqlite3_column_int64(st, 0);
    r->code_at = sqlite3_column_int64(st, 1);
    r->ended_at = sqlite3_column_int64(st, 2);
    r->status = booth_store_column_dup(st, 3);
    r->attempts = (guint)CLAMP(sqlite3_column_int64(st, 4), 0, G_MAXUINT);
    r->overrides = booth_report_check_names((const char *)sqlite3_column_text(st, 5));
    r->failed = booth_report_check_names((const char *)sqlite3_column_text(st, 6));
    g_ptr_array_add(out, r);
    rc = SQLITE_OK;
  }
  if (rc != SQLITE_DONE) {
    booth_store_db_fail(s, "read the day's sessions", error);
    sqlite3_finalize(st);
    return NULL;
  }
  sqlite3_finalize(st);
  return g_steal_pointer(&out);
}
