/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Start-up reconciliation: every file and record left inconsistent by a crash or by hand is
 * repaired and reported. A commit intent left by a crash is finished first: the commit is
 * completed when every photo it names is whole under one of its two names, and undone
 * otherwise, so that a commit ends whole or not at all. Only interrupted writes (*.tmp), the
 * photos of an undone commit and the candidates of cancelled sessions are ever deleted; every
 * other file stays and gets a record. Candidates are read in both layouts:
 * <id>_<profile>.jpg, kept as "candidate/<profile>", and the single <id>.jpg of boothd before
 * it kept one per profile, kept as "candidate". Each repair is its own transaction, made after the
 * files it records are durable, so a crash during reconciliation is itself repaired by the
 * next one. */
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
  GHashTable *held;     /* ids whose intent is unfinished: their files and row stay as they are */
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

/* Moves candidates/<name> to abandoned/<name> durably and describes it as kept with
 * profile; NULL (reported) when it cannot, the file then staying where it was or,
 * unrecorded, in abandoned/. */
static BoothRecordFile *
keep_candidate(Reconcile *rc, const char *id, const char *name, const char *profile)
{
  BoothStore *s = rc->s;
  g_autoptr(GError) local = NULL;
  if (!booth_dir_rename(s->candidates, name, s->abandoned, name, FALSE, &local)) {
    report(rc, "session %s: its candidate stays in candidates/: %s", id, local->message);
    return NULL;
  }
  if (!booth_dir_sync(s->abandoned, &local) || !booth_dir_sync(s->candidates, &local))
    report(rc, "session %s: %s", id, local->message);
  return describe_or_report(rc, s->abandoned, name, profile);
}

/* A file in photos/ of a session whose intent is held: "<id>_<profile>.jpg[.<random>.tmp]". */
static gboolean
photo_is_held(Reconcile *rc, const char *name)
{
  g_autofree char *id = g_strndup(name, strcspn(name, "_"));
  return g_hash_table_contains(rc->held, id);
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
    if (dir == rc->s->photos && photo_is_held(rc, name))
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

/* photos/<id>_<profile>.jpg without a files row and without an intent: records lost, a store
 * written before intents, or a hand. */
static gboolean
adopt_photo(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = NULL, *profile = NULL;
  if (photo_is_held(rc, name))
    return TRUE;
  if (!booth_store_parse_name(name, &id, &profile) || !profile) {
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
  } else {
    /* A photo of an active session without an intent (a store written before intents, or a
     * hand): nothing says the commit had all its photos, so the photo is recorded and the
     * session ends as interrupted below, never as committed. */
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

/* *has: the session already records a kept candidate as kept_profile. */
static gboolean
has_kept_row(Reconcile *rc, const char *id, const char *kept_profile, gboolean *has, GError **error)
{
  g_autofree char *path = NULL;
  if (!recorded_file(rc, id, kept_profile, &path, error))
    return FALSE;
  *has = path != NULL;
  return TRUE;
}

/* Ends an active session as interrupted, every candidate it has in candidates/ kept in
 * abandoned/ (a profile it already records a kept candidate for is left to
 * sweep_candidates()); why goes into the note, lead starts the report. */
static gboolean
interrupt_session(Reconcile *rc, const char *id, const char *why, const char *lead, GError **error)
{
  BoothStore *s = rc->s;
  g_autoptr(GPtrArray) names = booth_store_candidate_names(s->candidates, id, error);
  if (!names)
    return FALSE;
  g_autoptr(GPtrArray) files =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *kept_profile = booth_store_kept_profile(names->pdata[i]);
    g_assert(kept_profile); /* booth_store_candidate_names() gave the name */
    gboolean has = FALSE;
    if (!has_kept_row(rc, id, kept_profile, &has, error))
      return FALSE;
    BoothRecordFile *kept = has ? NULL : keep_candidate(rc, id, names->pdata[i], kept_profile);
    if (kept)
      g_ptr_array_add(files, kept);
  }
  g_autofree char *note = g_strdup_printf(
      "interrupted: %s%s", why, files->len ? "; its candidates are kept in abandoned/" : "");
  if (!record_repair(rc, id, NULL, files, "interrupted", note, error))
    return FALSE;
  if (files->len == 0) {
    report(rc, "%s: now interrupted", lead);
    return TRUE;
  }
  g_autoptr(GString) paths = g_string_new(NULL);
  for (guint i = 0; i < files->len; i++)
    g_string_append_printf(paths, "%s%s", i ? ", " : "",
                           ((BoothRecordFile *)files->pdata[i])->path);
  report(rc, "%s: now interrupted, its candidate(s) kept as %s", lead, paths->str);
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
    if (g_hash_table_contains(rc->held, id))
      continue;
    g_autofree char *lead = g_strdup_printf("session %s was active when the daemon stopped", id);
    if (!interrupt_session(rc, id, "the daemon stopped during the session", lead, error))
      return FALSE;
  }
  return TRUE;
}

static gboolean
sweep_candidate(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = NULL, *profile = NULL;
  if (!booth_store_parse_name(name, &id, &profile)) {
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
  g_autofree char *kept_profile = booth_store_kept_profile(name);
  gboolean has = FALSE;
  if (status && !has_kept_row(rc, id, kept_profile, &has, error))
    return FALSE;
  if (has) {
    report(rc, "left %s/%s in place: session %s already has a kept %s", s->candidates->path, name,
           id, kept_profile);
    return TRUE;
  }
  gint64 mtime = file_mtime(s->candidates, name);
  BoothRecordFile *kept = keep_candidate(rc, id, name, kept_profile);
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

/* abandoned/<id>_<profile>.jpg (or <id>.jpg) without a row: a crash between the move and
 * the record. */
static gboolean
adopt_abandoned_file(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = NULL, *profile = NULL;
  if (!booth_store_parse_name(name, &id, &profile)) {
    report(rc, "left %s/%s in place: not a name boothd gives a kept candidate", s->abandoned->path,
           name);
    return TRUE;
  }
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, id, &status, error))
    return FALSE;
  g_autofree char *kept_profile = booth_store_kept_profile(name);
  gboolean has = FALSE;
  if (status && !has_kept_row(rc, id, kept_profile, &has, error))
    return FALSE;
  if (has) {
    report(rc, "left %s/%s in place without a record: session %s already has a kept %s",
           s->abandoned->path, name, id, kept_profile);
    return TRUE;
  }
  BoothRecordFile *file = describe_or_report(rc, s->abandoned, name, kept_profile);
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

/* ---- commit intents ---- */

/* An intent that cannot be finished now: it, its session's row and photos stay as they are
 * for the next start, and nothing below takes its photos for interrupted writes or adopts
 * them. */
static void
hold(Reconcile *rc, const char *id, const char *why)
{
  report(rc,
         "session %s: %s; its commit intent, record and photos are left as they are until "
         "this is fixed",
         id, why);
  g_hash_table_add(rc->held, g_strdup(id));
}

/* TRUE when photos/name holds exactly the photo f describes. */
static gboolean
holds_photo(BoothStore *s, const char *name, const BoothRecordFile *f)
{
  g_autoptr(GBytes) data = booth_dir_read(s->photos, name, NULL);
  if (!data || (gint64)g_bytes_get_size(data) != f->bytes)
    return FALSE;
  g_autofree char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, data);
  return g_str_equal(sha, f->sha256);
}

typedef struct {
  gboolean placed; /* the photo is whole under its real name */
  gboolean temp;   /* its temporary name exists, whole or not */
} PhotoAt;

/* Fills at[] for each photo of the intent. NULL when every photo is whole under one of its two
 * names and can take its real name; otherwise why the commit cannot be completed. */
static char *
locate_photos(BoothStore *s, const BoothIntent *intent, PhotoAt *at)
{
  char *why = NULL;
  for (guint i = 0; i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    const BoothRecordFile *f = photo->file;
    g_autofree char *name = g_path_get_basename(f->path);
    g_autofree char *temp = booth_dir_build(s->photos, photo->temp);
    at[i].placed = holds_photo(s, name, f);
    at[i].temp = booth_dir_has(s->photos, photo->temp);
    if (at[i].placed || why)
      continue;
    if (booth_dir_has(s->photos, name))
      why = g_strdup_printf("%s holds another file than its %s photo", f->path, f->profile);
    else if (!at[i].temp)
      why = g_strdup_printf("its %s photo is missing (neither %s nor %s is there)", f->profile,
                            f->path, temp);
    else if (!holds_photo(s, photo->temp, f))
      why = g_strdup_printf("its %s photo %s is damaged (not the bytes the intent names)",
                            f->profile, temp);
  }
  return why;
}

/* Removes the temporary file of each photo that has one and, when `placed` too, the photo
 * under its real name, then syncs photos/. FALSE (held) when a file cannot go. */
static gboolean
remove_intent_files(Reconcile *rc, const BoothIntent *intent, const PhotoAt *at, gboolean placed,
                    const char *what)
{
  BoothStore *s = rc->s;
  const char *id = intent->session_id;
  gboolean removed = FALSE;
  for (guint i = 0; i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    g_autofree char *name = g_path_get_basename(photo->file->path);
    const char *names[] = {at[i].temp ? photo->temp : NULL, placed && at[i].placed ? name : NULL};
    for (gsize j = 0; j < G_N_ELEMENTS(names); j++) {
      if (!names[j])
        continue;
      g_autoptr(GError) local = NULL;
      if (!booth_dir_unlink(s->photos, names[j], &local)) {
        hold(rc, id, local->message);
        return FALSE;
      }
      removed = TRUE;
      report(rc, "removed %s/%s, %s of session %s", s->photos->path, names[j], what, id);
      booth_store_step(s, "photo-removed");
    }
  }
  g_autoptr(GError) local = NULL;
  if (removed && !booth_dir_sync(s->photos, &local)) {
    hold(rc, id, local->message);
    return FALSE;
  }
  booth_store_step(s, "removals-synced");
  return TRUE;
}

static void
remove_intent(Reconcile *rc, const char *id)
{
  g_autoptr(GError) local = NULL;
  if (booth_store_intent_remove(rc->s, id, &local))
    booth_store_step(rc->s, "intent-removed");
  else
    report(rc, "session %s: %s", id, local->message);
}

/* Every photo is whole: they take their real names and the commit is recorded as
 * booth_store_commit() would have recorded it, checks, overrides and note included. */
static gboolean
complete_commit(Reconcile *rc, const BoothIntent *intent, const PhotoAt *at, GError **error)
{
  BoothStore *s = rc->s;
  const char *id = intent->session_id;
  guint renamed = 0;
  for (guint i = 0; i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    g_autofree char *name = g_path_get_basename(photo->file->path);
    g_autoptr(GError) local = NULL;
    /* Both names: a file system without RENAME_NOREPLACE stopped between link and unlink. */
    gboolean ok = at[i].placed
                      ? !at[i].temp || booth_dir_unlink(s->photos, photo->temp, &local)
                      : booth_dir_rename(s->photos, photo->temp, s->photos, name, FALSE, &local);
    if (!ok) {
      hold(rc, id, local->message);
      return TRUE;
    }
    if (!at[i].placed) {
      renamed++;
      booth_store_step(s, "photo-renamed");
    }
  }
  g_autoptr(GError) local = NULL;
  if (!booth_dir_sync(s->photos, &local)) {
    hold(rc, id, local->message);
    return TRUE;
  }
  booth_store_step(s, "renames-synced");
  if (!booth_store_db_commit(s, intent, "commit completed at start-up", error)) {
    g_prefix_error(error, "cannot complete the commit of session %s: ", id);
    return FALSE;
  }
  booth_store_step(s, "recorded");
  report(rc,
         "session %s: completed its commit at start-up (%u photo(s), %u of them renamed now), "
         "with its checks, overrides and note",
         id, intent->photos->len, renamed);
  remove_intent(rc, id);
  return TRUE;
}

/* A photo is missing or damaged: no photo of the commit stays and the session ends as one the
 * daemon stopped in, its candidate kept. */
static gboolean
roll_back_commit(Reconcile *rc, const BoothIntent *intent, const PhotoAt *at, const char *why,
                 GError **error)
{
  const char *id = intent->session_id;
  report(rc, "session %s: undoing its commit, which cannot be completed: %s", id, why);
  if (!remove_intent_files(rc, intent, at, TRUE, "a photo of the undone commit"))
    return TRUE;
  g_autofree char *note = g_strdup_printf(
      "the daemon stopped during its commit, which was undone at start-up: %s", why);
  g_autofree char *lead = g_strdup_printf("session %s, its commit undone", id);
  if (!interrupt_session(rc, id, note, lead, error))
    return FALSE;
  booth_store_step(rc->s, "recorded");
  remove_intent(rc, id);
  return TRUE;
}

/* The session is no longer active: the commit landed (the daemon stopped before removing
 * the intent) or never will. Its temporary files go; photos under their real names stay for
 * adopt_photos(), which records them. */
static void
drop_intent(Reconcile *rc, const BoothIntent *intent, const PhotoAt *at, const char *status)
{
  const char *id = intent->session_id;
  gboolean landed = g_strcmp0(status, "committed") == 0;
  if (!remove_intent_files(rc, intent, at, FALSE,
                           landed ? "a leftover of the recorded commit"
                                  : "a photo of a commit that was never recorded"))
    return;
  report(rc, "session %s (%s): removed its commit intent, %s", id, status ? status : "unknown",
         landed ? "its commit was recorded before the daemon stopped"
                : "the session is not active, so its commit cannot be completed");
  remove_intent(rc, id);
}

static gboolean
finish_intent(Reconcile *rc, const char *name, GError **error)
{
  BoothStore *s = rc->s;
  g_autofree char *id = g_strndup(name, strlen(name) - strlen(".intent"));
  if (!booth_store_id_is_valid(id)) {
    report(rc, "left %s/%s in place: not a name boothd gives a commit intent", s->commits->path,
           name);
    return TRUE;
  }
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothIntent) intent = booth_store_intent_read(s, name, &local);
  if (!intent) {
    hold(rc, id, local->message);
    return TRUE;
  }
  g_autofree char *status = NULL;
  if (!booth_store_db_status(s, id, &status, error))
    return FALSE;
  g_autofree PhotoAt *at = g_new0(PhotoAt, intent->photos->len);
  g_autofree char *why = locate_photos(s, intent, at);
  if (g_strcmp0(status, "active") != 0) {
    drop_intent(rc, intent, at, status);
    return TRUE;
  }
  return why ? roll_back_commit(rc, intent, at, why, error)
             : complete_commit(rc, intent, at, error);
}

static gboolean
finish_intents(Reconcile *rc, GError **error)
{
  g_autoptr(GPtrArray) names = booth_dir_list(rc->s->commits, error);
  if (!names)
    return FALSE;
  for (guint i = 0; i < names->len; i++) {
    const char *name = names->pdata[i];
    if (g_str_has_suffix(name, ".tmp")) /* an intent never written whole: an interrupted write */
      continue;
    if (!g_str_has_suffix(name, ".intent")) {
      report(rc, "left %s/%s in place: not a name boothd gives a commit intent",
             rc->s->commits->path, name);
      continue;
    }
    if (!finish_intent(rc, name, error))
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
  rc.held = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint before = report->len;
  /* Order matters: intents are finished first so that the temporary files they name are
   * never taken for interrupted writes; interrupted writes go next so that they are never
   * adopted; photos are adopted before active sessions are ended so that they are recorded. */
  gboolean ok = remove_tmp_files(&rc, s->root, TRUE, error) && finish_intents(&rc, error) &&
                remove_tmp_files(&rc, s->photos, FALSE, error) &&
                remove_tmp_files(&rc, s->candidates, FALSE, error) &&
                remove_tmp_files(&rc, s->abandoned, FALSE, error) &&
                remove_tmp_files(&rc, s->commits, FALSE, error) && load_recorded(&rc, error) &&
                adopt_photos(&rc, error) && check_missing(&rc, error) && end_active(&rc, error) &&
                sweep_candidates(&rc, error) && adopt_abandoned(&rc, error);
  g_hash_table_unref(rc.recorded);
  g_hash_table_unref(rc.held);
  if (!ok)
    return FALSE;
  if (report->len == before)
    booth_debug("store", "%s is consistent", s->dir);
  else
    booth_notice("store", "%s: %u repair(s) at start-up", s->dir, report->len - before);
  return TRUE;
}
