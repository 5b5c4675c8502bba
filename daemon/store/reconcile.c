/* Start-up reconciliation: every file and record left inconsistent by a crash or by hand is
 * repaired and reported. Only interrupted writes (*.tmp) and the candidates of cancelled
 * sessions are ever deleted; every other file stays and gets a record. Each repair is its own
 * transaction, made after the files it records are durable, so a crash during
 * reconciliation is itself repaired by the next one. */
#include "store-private.h"

#include "error.h"
#include "log.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>

typedef struct {
  BoothStore *s;
  GPtrArray *report;
  GHashTable *recorded; /* stored paths that have a files row */
} Reconcile;

static void G_GNUC_PRINTF(2, 3) report(Reconcile *rc, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *line = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  booth_warn("store", "%s", line);
  g_ptr_array_add(rc->report, line);
}

static gint64
file_mtime(BoothDir *dir, const char *name)
{
  struct stat st;
  if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return g_get_real_time();
  return (gint64)st.st_mtim.tv_sec * G_USEC_PER_SEC + st.st_mtim.tv_nsec / 1000;
}

/* "<id>.jpg" -> id, or NULL. */
static char *
parse_candidate_name(const char *name)
{
  if (!g_str_has_suffix(name, ".jpg"))
    return NULL;
  g_autofree char *id = g_strndup(name, strlen(name) - 4);
  return booth_store_id_is_valid(id) ? g_steal_pointer(&id) : NULL;
}

/* "<id>_<profile>.jpg" -> id and profile; ids hold no '_', so the first one splits. */
static gboolean
parse_photo_name(const char *name, char **id, char **profile)
{
  if (!g_str_has_suffix(name, ".jpg"))
    return FALSE;
  g_autofree char *stem = g_strndup(name, strlen(name) - 4);
  char *sep = strchr(stem, '_');
  if (!sep)
    return FALSE;
  *sep = '\0';
  if (!booth_store_id_is_valid(stem) || !booth_store_profile_is_valid(sep + 1))
    return FALSE;
  *id = g_strdup(stem);
  *profile = g_strdup(sep + 1);
  return TRUE;
}

/* The path of the session's file for profile, or NULL when it has none. */
static gboolean
recorded_file(Reconcile *rc, const char *id, const char *profile, char **path, GError **error)
{
  *path = NULL;
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothRecord) rec = booth_store_get(rc->s, id, &local);
  if (!rec) {
    if (g_error_matches(local, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION))
      return TRUE;
    g_propagate_error(error, g_steal_pointer(&local));
    return FALSE;
  }
  for (guint i = 0; i < rec->files->len; i++) {
    BoothRecordFile *f = rec->files->pdata[i];
    if (g_strcmp0(f->profile, profile) == 0)
      *path = g_strdup(f->path);
  }
  return TRUE;
}

/* One repair, one transaction: an optional recovered session, the files, then a new status
 * or a note. */
static gboolean
record_repair(Reconcile *rc, const char *id, const BoothRecord *recovered, GPtrArray *files,
              const char *status, const char *note, GError **error)
{
  BoothStore *s = rc->s;
  if (!booth_store_txn_begin(s, error))
    return FALSE;
  gboolean ok = !recovered || booth_store_db_insert_session(s, recovered, "recovered", error);
  for (guint i = 0; ok && files && i < files->len; i++)
    ok = booth_store_db_insert_file(s, id, files->pdata[i], error);
  if (ok && status)
    ok = booth_store_db_set_status(s, id, status, g_get_real_time(), note, error);
  else if (ok && note && !recovered)
    ok = booth_store_db_append_note(s, id, note, error);
  if (!ok) {
    booth_store_txn_rollback(s);
    g_prefix_error(error, "cannot repair session %s: ", id);
    return FALSE;
  }
  if (!booth_store_txn_commit(s, error))
    return FALSE;
  for (guint i = 0; files && i < files->len; i++) {
    BoothRecordFile *f = files->pdata[i];
    g_hash_table_add(rc->recorded, booth_store_stored_path(s, f->path));
  }
  return TRUE;
}

static BoothRecord *
recovered_session(const char *id, const char *profile, gint64 started_at, const char *note)
{
  BoothRecord *rec = booth_record_new();
  rec->session_id = g_strdup(id);
  rec->profile = g_strdup(profile);
  rec->started_at = started_at;
  rec->ended_at = g_get_real_time();
  rec->note = g_strdup(note);
  return rec;
}

static GPtrArray *
one_file(BoothRecordFile *file)
{
  GPtrArray *files = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  g_ptr_array_add(files, file);
  return files;
}

/* Describes dir/name, or reports why it cannot and returns NULL. */
static BoothRecordFile *
describe_or_report(Reconcile *rc, BoothDir *dir, const char *name, const char *profile)
{
  g_autoptr(GError) local = NULL;
  BoothRecordFile *file = booth_store_describe_file(dir, name, profile, &local);
  if (!file)
    report(rc, "left %s/%s in place without a record: %s", dir->path, name, local->message);
  return file;
}

/* Moves candidates/<name> to abandoned/<name> durably and describes it; NULL (reported)
 * when it cannot, the file then staying where it was or, unrecorded, in abandoned/. */
static BoothRecordFile *
keep_candidate(Reconcile *rc, const char *id, const char *name)
{
  BoothStore *s = rc->s;
  g_autoptr(GError) local = NULL;
  if (!booth_dir_rename(s->candidates, name, s->abandoned, name, FALSE, &local)) {
    report(rc, "session %s: its candidate stays in candidates/: %s", id, local->message);
    return NULL;
  }
  if (!booth_dir_sync(s->abandoned, &local) || !booth_dir_sync(s->candidates, &local))
    report(rc, "session %s: %s", id, local->message);
  return describe_or_report(rc, s->abandoned, name, BOOTH_STORE_CANDIDATE_PROFILE);
}

static gboolean
remove_tmp_files(Reconcile *rc, BoothDir *dir, gboolean probes_only, GError **error)
{
  g_autoptr(GPtrArray) names = booth_dir_list(dir, error);
  if (!names)
    return FALSE;
  gboolean removed = FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (!g_str_has_suffix(name, ".tmp"))
      continue;
    if (probes_only && !g_str_has_prefix(name, ".boothd-probe."))
      continue;
    g_autoptr(GError) local = NULL;
    if (booth_dir_unlink(dir, name, &local)) {
      report(rc, "removed %s/%s, a write interrupted before it completed", dir->path, name);
      removed = TRUE;
    } else {
      report(rc, "%s", local->message);
    }
  }
  return !removed || booth_dir_sync(dir, error);
}

static gboolean
load_recorded(Reconcile *rc, GError **error)
{
  g_auto(BoothStoreStmtRef) st = booth_store_stmt(rc->s, STMT_ALL_FILES, error);
  if (!st)
    return FALSE;
  int r;
  while ((r = sqlite3_step(st)) == SQLITE_ROW)
    g_hash_table_add(rc->recorded, g_strdup((const char *)sqlite3_column_text(st, 1)));
  if (r != SQLITE_DONE)
    return booth_store_db_fail(rc->s, "read the files", error);
  return TRUE;
}

static gboolean
is_recorded(Reconcile *rc, const char *folder, const char *name)
{
  g_autofree char *key = g_build_filename(folder, name, NULL);
  return g_hash_table_contains(rc->recorded, key);
}

/* photos/<id>_<profile>.jpg without a files row: a crash between the rename and the record,
 * or records lost. */
static gboolean
adopt_photo(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = NULL, *profile = NULL;
  if (!parse_photo_name(name, &id, &profile)) {
    report(rc, "left %s/%s in place: not a name boothd gives a photo", s->photos->path, name);
    return TRUE;
  }
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, id, &status, error))
    return FALSE;
  g_autofree char *other = NULL;
  if (status && !recorded_file(rc, id, profile, &other, error))
    return FALSE;
  if (other) {
    report(rc, "left %s/%s in place without a record: session %s records %s for %s",
           s->photos->path, name, id, other, profile);
    return TRUE;
  }
  BoothRecordFile *file = describe_or_report(rc, s->photos, name, profile);
  if (!file)
    return TRUE;
  g_autoptr(GPtrArray) files = one_file(file);

  if (!status) {
    g_autoptr(BoothRecord) rec = recovered_session(
        id, profile, file_mtime(s->photos, name),
        "recovered at start-up: a photo without a record; the capture code is not known");
    if (!record_repair(rc, id, rec, files, NULL, NULL, error))
      return FALSE;
    report(rc, "session %s: recovered from %s, which had no record (capture code unknown)", id,
           file->path);
  } else if (g_str_equal(status, "active")) {
    if (!record_repair(rc, id, NULL, files, "committed", "recovered at start-up", error))
      return FALSE;
    report(rc, "session %s: completed its commit from %s (the daemon stopped before recording it)",
           id, file->path);
  } else {
    g_autofree char *note = g_strdup_printf("photo recorded at start-up: %s", file->path);
    if (!record_repair(rc, id, NULL, files, NULL, note, error))
      return FALSE;
    report(rc, "session %s (%s): recorded %s, which had no record", id, status, file->path);
  }
  return TRUE;
}

static gboolean
adopt_photos(Reconcile *rc, GError **error)
{
  g_autoptr(GPtrArray) names = booth_dir_list(rc->s->photos, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (!is_recorded(rc, "photos", name) && !adopt_photo(rc, name, error))
      return FALSE;
  }
  return TRUE;
}

/* A files row whose file is gone: reported at every start and noted once; the row stays as
 * the evidence of what was committed. */
static gboolean
check_missing(Reconcile *rc, GError **error)
{
  BoothStore *s = rc->s;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
  {
    g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_ALL_FILES, error);
    if (!st)
      return FALSE;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW) {
      const char *stored = (const char *)sqlite3_column_text(st, 1);
      if (booth_dir_has(s->root, stored)) /* relative to the state folder, or absolute */
        continue;
      g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
      g_ptr_array_add(paths, g_path_is_absolute(stored) ? g_strdup(stored)
                                                        : g_build_filename(s->dir, stored, NULL));
    }
    if (r != SQLITE_DONE)
      return booth_store_db_fail(s, "read the files", error);
  }
  for (guint i = 0; i < ids->len; i++) {
    g_autofree char *note = g_strdup_printf("file missing: %s", (char *)paths->pdata[i]);
    if (!booth_store_db_append_note(s, ids->pdata[i], note, error))
      return FALSE;
    report(rc, "session %s: file missing: %s (its record is kept)", (char *)ids->pdata[i],
           (char *)paths->pdata[i]);
  }
  return TRUE;
}

static gboolean
has_candidate_row(Reconcile *rc, const char *id, gboolean *has, GError **error)
{
  g_autofree char *path = NULL;
  if (!recorded_file(rc, id, BOOTH_STORE_CANDIDATE_PROFILE, &path, error))
    return FALSE;
  *has = path != NULL;
  return TRUE;
}

static gboolean
end_active(Reconcile *rc, GError **error)
{
  BoothStore *s = rc->s;
  g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
  {
    g_auto(BoothStoreStmtRef) st = booth_store_stmt(s, STMT_ACTIVE_IDS, error);
    if (!st)
      return FALSE;
    int r;
    while ((r = sqlite3_step(st)) == SQLITE_ROW)
      g_ptr_array_add(ids, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (r != SQLITE_DONE)
      return booth_store_db_fail(s, "read the active sessions", error);
  }
  for (guint i = 0; i < ids->len; i++) {
    const char *id = ids->pdata[i];
    if (!booth_store_id_is_valid(id)) { /* only a hand-made row; its name is not a file name */
      report(rc, "session with an invalid id is still active; left as it is");
      continue;
    }
    g_autofree char *name = booth_store_candidate_name(id);
    g_autoptr(GPtrArray) files = NULL;
    gboolean has = FALSE;
    if (!has_candidate_row(rc, id, &has, error))
      return FALSE;
    if (!has && booth_dir_has(s->candidates, name)) {
      BoothRecordFile *kept = keep_candidate(rc, id, name);
      if (kept)
        files = one_file(kept);
    }
    const char *note = files ? "interrupted: the daemon stopped during the session; its "
                               "candidate is kept in abandoned/"
                             : "interrupted: the daemon stopped during the session";
    if (!record_repair(rc, id, NULL, files, "interrupted", note, error))
      return FALSE;
    if (files)
      report(rc,
             "session %s was active when the daemon stopped: now interrupted, its candidate "
             "kept as %s",
             id, ((BoothRecordFile *)files->pdata[0])->path);
    else
      report(rc, "session %s was active when the daemon stopped: now interrupted", id);
  }
  return TRUE;
}

static gboolean
sweep_candidate(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = parse_candidate_name(name);
  if (!id) {
    report(rc, "left %s/%s in place: not a name boothd gives a candidate", s->candidates->path,
           name);
    return TRUE;
  }
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, id, &status, error))
    return FALSE;
  if (g_strcmp0(status, "active") == 0) /* could not be moved just now; already reported */
    return TRUE;
  if (g_strcmp0(status, "cancelled") == 0) {
    g_autoptr(GError) local = NULL;
    if (booth_dir_unlink(s->candidates, name, &local) && booth_dir_sync(s->candidates, &local))
      report(rc, "session %s (cancelled): removed its leftover candidate %s/%s", id,
             s->candidates->path, name);
    else
      report(rc, "session %s (cancelled): %s", id, local->message);
    return TRUE;
  }
  gboolean has = FALSE;
  if (status && !has_candidate_row(rc, id, &has, error))
    return FALSE;
  if (has) {
    report(rc, "left %s/%s in place: session %s already has a kept candidate", s->candidates->path,
           name, id);
    return TRUE;
  }
  gint64 mtime = file_mtime(s->candidates, name);
  BoothRecordFile *kept = keep_candidate(rc, id, name);
  if (!kept)
    return TRUE;
  g_autoptr(GPtrArray) files = one_file(kept);
  if (!status) {
    g_autoptr(BoothRecord) rec = recovered_session(
        id, NULL, mtime,
        "recovered at start-up: a candidate without a record; the capture code is not known");
    if (!record_repair(rc, id, rec, files, NULL, NULL, error))
      return FALSE;
    report(rc, "session %s: recovered from a candidate with no record, kept as %s", id, kept->path);
  } else {
    if (!record_repair(rc, id, NULL, files, NULL, "candidate kept in abandoned/ at start-up",
                       error))
      return FALSE;
    report(rc, "session %s (%s): its leftover candidate is kept as %s", id, status, kept->path);
  }
  return TRUE;
}

static gboolean
sweep_candidates(Reconcile *rc, GError **error)
{
  g_autoptr(GPtrArray) names = booth_dir_list(rc->s->candidates, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++)
    if (!sweep_candidate(rc, names->pdata[i], error))
      return FALSE;
  return TRUE;
}

/* abandoned/<id>.jpg without a row: a crash between the move and the record. */
static gboolean
adopt_abandoned_file(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = parse_candidate_name(name);
  if (!id) {
    report(rc, "left %s/%s in place: not a name boothd gives a kept candidate", s->abandoned->path,
           name);
    return TRUE;
  }
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, id, &status, error))
    return FALSE;
  gboolean has = FALSE;
  if (status && !has_candidate_row(rc, id, &has, error))
    return FALSE;
  if (has) {
    report(rc, "left %s/%s in place without a record: session %s already has a kept candidate",
           s->abandoned->path, name, id);
    return TRUE;
  }
  BoothRecordFile *file = describe_or_report(rc, s->abandoned, name, BOOTH_STORE_CANDIDATE_PROFILE);
  if (!file)
    return TRUE;
  g_autoptr(GPtrArray) files = one_file(file);
  if (!status) {
    g_autoptr(BoothRecord) rec = recovered_session(
        id, NULL, file_mtime(s->abandoned, name),
        "recovered at start-up: a kept candidate without a record; the capture code is not known");
    if (!record_repair(rc, id, rec, files, NULL, NULL, error))
      return FALSE;
    report(rc, "session %s: recovered from %s, which had no record", id, file->path);
  } else {
    if (!record_repair(rc, id, NULL, files, NULL, "kept candidate recorded at start-up", error))
      return FALSE;
    report(rc, "session %s (%s): recorded its kept candidate %s", id, status, file->path);
  }
  return TRUE;
}

static gboolean
adopt_abandoned(Reconcile *rc, GError **error)
{
  g_autoptr(GPtrArray) names = booth_dir_list(rc->s->abandoned, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (!is_recorded(rc, "abandoned", name) && !adopt_abandoned_file(rc, name, error))
      return FALSE;
  }
  return TRUE;
}

gboolean
booth_store_reconcile(BoothStore *s, GPtrArray *report, GError **error)
{
  g_assert(s);
  g_assert(report);

  Reconcile rc = {.s = s, .report = report};
  rc.recorded = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint before = report->len;
  /* Order matters: interrupted writes go first so that they are never adopted, photos are
   * adopted before active sessions are ended so that a half-done commit completes. */
  gboolean ok = remove_tmp_files(&rc, s->root, TRUE, error) &&
                remove_tmp_files(&rc, s->photos, FALSE, error) &&
                remove_tmp_files(&rc, s->candidates, FALSE, error) &&
                remove_tmp_files(&rc, s->abandoned, FALSE, error) && load_recorded(&rc, error) &&
                adopt_photos(&rc, error) && check_missing(&rc, error) && end_active(&rc, error) &&
                sweep_candidates(&rc, error) && adopt_abandoned(&rc, error);
  g_hash_table_unref(rc.recorded);
  if (!ok)
    return FALSE;
  if (report->len == before)
    booth_debug("store", "%s is consistent", s->dir);
  else
    booth_notice("store", "%s: %u repair(s) at start-up", s->dir, report->len - before);
  return TRUE;
}
