/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The durable steps of a session: its candidates, its commit and its end. Files are made
 * durable first and recorded second, so a crash never leaves a record without its file.
 * A capture's candidates (one per profile) are written under temporary names, then the
 * previous capture's are removed and that is made durable, then the new ones take their
 * names: whatever point a crash stops it at, candidates/ holds one capture's candidates for
 * the session, never two captures' side by side for start-up to keep as one.
 * A commit's photos are written under temporary names, then an intent naming all of them
 * (commits/<id>.intent) is made durable, then they take their real names and the record is
 * written: a crash before the intent leaves temporary files that booth_store_reconcile()
 * deletes, a crash after it an intent that booth_store_reconcile() finishes. Either way the
 * commit ends whole or not at all. */
#include "store-private.h"

#include "error.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static void
sync_quietly(BoothDir *dir)
{
  g_autoptr(GError) error = NULL;
  if (!booth_dir_sync(dir, &error))
    booth_warn("store", "%s", error->message);
}

static gboolean
check_photos(const BoothPhotoOut *photos, guint n_photos, GError **error)
{
  if (n_photos == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "no photo given: a commit and a capture's candidates need at least one");
    return FALSE;
  }
  for (guint i = 0; i < n_photos; i++) {
    if (!booth_store_check_profile(photos[i].profile, error))
      return FALSE;
    if (!photos[i].jpeg || g_bytes_get_size(photos[i].jpeg) == 0) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "the %s photo is empty",
                  photos[i].profile);
      return FALSE;
    }
    if (g_str_equal(photos[i].profile, BOOTH_STORE_CANDIDATE_PROFILE)) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "\"%s\" is reserved for kept candidates, not a photo profile",
                  BOOTH_STORE_CANDIDATE_PROFILE);
      return FALSE;
    }
    for (guint j = 0; j < i; j++) {
      if (g_str_equal(photos[i].profile, photos[j].profile)) {
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "the %s photo is given twice",
                    photos[i].profile);
        return FALSE;
      }
    }
  }
  return TRUE;
}

/* Removes names from candidates/ durably. */
static gboolean
unlink_candidates(BoothStore *s, GPtrArray *names, GError **error)
{
  for (guint i = 0; i < names->len; i++)
    if (!booth_dir_unlink(s->candidates, names->pdata[i], error))
      return FALSE;
  return names->len == 0 || booth_dir_sync(s->candidates, error);
}

static gboolean
remove_candidates(BoothStore *s, const char *session_id, GError **error)
{
  g_autoptr(GPtrArray) names = booth_store_candidate_names(s->candidates, session_id, error);
  return names && unlink_candidates(s, names, error);
}

/* Takes back a save that failed: its candidates go, the first `placed` under their real
 * names, the others under their temporary ones. What cannot go is a capture nobody was
 * answered with: the next save replaces it, start-up keeps or removes it. */
static void
undo_save(BoothStore *s, const char *id, GPtrArray *temps, GPtrArray *names, guint placed)
{
  for (guint i = 0; i < temps->len; i++) {
    g_autoptr(GError) local = NULL;
    if (!booth_dir_unlink(s->candidates, i < placed ? names->pdata[i] : temps->pdata[i], &local))
      booth_warn("store", "session %s: %s", id, local->message);
  }
  sync_quietly(s->candidates);
}

gboolean
booth_store_save_candidate(BoothStore *s, const char *session_id, const BoothPhotoOut *photos,
                           guint n_photos, char **path_out, GError **error)
{
  g_assert(s);
  g_assert(photos || n_photos == 0);

  if (!booth_store_check_id(session_id, error) || !check_photos(photos, n_photos, error))
    return FALSE;
  if (!booth_store_require_active(s, session_id, error))
    return FALSE;

  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) temps = g_ptr_array_new_with_free_func(g_free);
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n_photos; i++) {
    gsize len;
    const void *data = g_bytes_get_data(photos[i].jpeg, &len);
    g_ptr_array_add(names, booth_store_photo_name(session_id, photos[i].profile));
    char *tmp = booth_dir_write_tmp(s->candidates, names->pdata[i], data, len, error);
    ok = tmp != NULL;
    if (ok) {
      g_ptr_array_add(temps, tmp);
      booth_store_step(s, "candidate-written");
    }
  }
  /* The earlier capture's candidates are gone for good before the first new one takes its
   * name, so that a crash between two renames cannot leave an earlier candidate beside this
   * capture's; a crash then leaves some of this capture's, whose others are temporary files
   * that start-up deletes. Capture refuses while a candidate waits and Retake discards it
   * first, so these are only the leftovers of a failure. */
  g_autoptr(GPtrArray) earlier =
      ok ? booth_store_candidate_names(s->candidates, session_id, error) : NULL;
  ok = ok && earlier && unlink_candidates(s, earlier, error) &&
       booth_store_step(s, "candidates-cleared");
  guint placed = 0;
  for (; ok && placed < temps->len; placed++) {
    /* Never replace: a name taken now is no candidate of this save, and is left alone. */
    ok = booth_dir_rename(s->candidates, temps->pdata[placed], s->candidates, names->pdata[placed],
                          FALSE, error) &&
         booth_store_step(s, "candidate-renamed");
    if (!ok)
      break;
  }
  ok = ok && booth_dir_sync(s->candidates, error) && booth_store_step(s, "candidates-synced");
  if (!ok) {
    undo_save(s, session_id, temps, names, placed);
    booth_store_error_add(error, "the capture was not kept; capture again once this is fixed");
    return FALSE;
  }
  if (path_out)
    *path_out = booth_dir_build(s->candidates, names->pdata[0]);
  return TRUE;
}

gboolean
booth_store_discard_candidate(BoothStore *s, const char *session_id, GError **error)
{
  g_assert(s);

  return booth_store_check_id(session_id, error) && remove_candidates(s, session_id, error);
}

/* fd as a reader gets it: a regular file that reads blocking. 0, or the errno that forbids it
 * (ELOOP for anything but a regular file, as O_NOFOLLOW says for a symbolic link). */
static int
check_candidate_fd(int fd)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return errno;
  if (!S_ISREG(st.st_mode))
    return ELOOP;
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) < 0)
    return errno;
  return 0;
}

int
booth_store_open_candidate(BoothStore *s, const char *session_id, const char *profile,
                           GError **error)
{
  g_assert(s);

  if (!booth_store_check_id(session_id, error) || !booth_store_check_profile(profile, error))
    return -1;
  g_autofree char *name = booth_store_photo_name(session_id, profile);
  /* O_NONBLOCK: a FIFO put there by hand must not hang the caller's thread in open(2). */
  int fd = openat(s->candidates->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  int errsv = fd < 0 ? errno : check_candidate_fd(fd);
  if (errsv == 0)
    return fd;
  if (fd >= 0)
    close(fd);
  g_autofree char *path = booth_dir_build(s->candidates, name);
  if (errsv == ENOENT)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
                "session %s has no %s candidate (no %s): Capture first", session_id, profile, path);
  else if (errsv == ELOOP)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "cannot open candidate %s: not a regular file — only boothd writes there; "
                "check the state folder",
                path);
  else
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot open candidate %s: %s — %s", path,
                g_strerror(errsv), booth_dir_advice(errsv));
  return -1;
}

/* The intent keeps this text for start-up, and must read it back as it was given. */
static gboolean
check_text(const BoothRecord *rec, GError **error)
{
  const struct {
    const char *what, *text;
  } texts[] = {{"checks", rec->checks_json}, {"overrides", rec->overrides}, {"note", rec->note}};
  for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
    if (texts[i].text && !g_utf8_validate(texts[i].text, -1, NULL)) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "session %s: its %s text is not valid UTF-8", rec->session_id, texts[i].what);
      return FALSE;
    }
  }
  return TRUE;
}

gboolean
booth_store_db_commit(BoothStore *s, const BoothIntent *intent, const char *note, GError **error)
{
  g_assert(s);
  g_assert(intent);

  if (!booth_store_txn_begin(s, error))
    return FALSE;
  const char *id = intent->session_id;
  gboolean ok = booth_store_finish_row(s, id, "committed", intent->ended_at, intent->attempts,
                                       intent->checks_json, intent->overrides, intent->note, error);
  for (guint i = 0; ok && i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    ok = booth_store_db_insert_file(s, id, photo->file, error);
  }
  ok = ok && (!note || booth_store_db_append_note(s, id, note, error));
  if (!ok) {
    booth_store_txn_rollback(s);
    return FALSE;
  }
  return booth_store_txn_commit(s, error);
}

/* After a failed COMMIT SQLite may still have made it durable (an error reported late);
 * the photo files must then stay, or the record would point at nothing. */
static gboolean
commit_landed(BoothStore *s, const char *session_id, gint64 ended_at)
{
  g_autoptr(BoothRecord) now = booth_store_get(s, session_id, NULL);
  return now && g_strcmp0(now->status, "committed") == 0 && now->ended_at == ended_at;
}

/* Takes back a commit that failed before its record: its photos go (the first `placed` under
 * their real names), then, once that is durable, its intent if this attempt got as far as
 * writing one. An intent whose photos could not all be removed stays, and start-up finishes
 * the undo. */
static void
undo_commit(BoothStore *s, const BoothIntent *intent, guint placed, gboolean intent_tried)
{
  const char *id = intent->session_id;
  gboolean clean = TRUE;
  for (guint i = 0; i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    g_autofree char *name = g_path_get_basename(photo->file->path);
    g_autoptr(GError) local = NULL;
    if (!booth_dir_unlink(s->photos, i < placed ? name : photo->temp, &local)) {
      booth_warn("store", "session %s: %s", id, local->message);
      clean = FALSE;
    }
  }
  g_autoptr(GError) local = NULL;
  if (clean && !booth_dir_sync(s->photos, &local)) {
    booth_warn("store", "session %s: %s", id, local->message);
    clean = FALSE;
  }
  if (!intent_tried)
    return;
  if (clean && booth_store_intent_remove(s, id, &local))
    return;
  if (local)
    booth_warn("store", "session %s: %s", id, local->message);
  booth_warn("store", "session %s: its commit intent stays; the next start finishes the undo", id);
}

gboolean
booth_store_commit(BoothStore *s, BoothRecord *rec, const BoothPhotoOut *photos, guint n_photos,
                   GError **error)
{
  g_assert(s);
  g_assert(rec);
  g_assert(photos || n_photos == 0);

  if (!booth_store_check_id(rec->session_id, error) || !check_photos(photos, n_photos, error) ||
      !check_text(rec, error))
    return FALSE;
  if (!booth_store_require_active(s, rec->session_id, error))
    return FALSE;

  const char *id = rec->session_id;
  gint64 ended_at = g_get_real_time();
  g_autoptr(BoothIntent) intent = booth_intent_new(rec, ended_at);

  /* Every photo reaches the disk under a temporary name before any takes its real name, so
   * a full disk on the second photo leaves no first photo behind. */
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n_photos; i++) {
    gsize len;
    const void *data = g_bytes_get_data(photos[i].jpeg, &len);
    g_autofree char *name = booth_store_photo_name(id, photos[i].profile);
    char *tmp = booth_dir_write_tmp(s->photos, name, data, len, error);
    ok = tmp != NULL;
    if (!ok)
      break;
    BoothRecordFile *file = booth_record_file_new();
    file->profile = g_strdup(photos[i].profile);
    file->path = booth_dir_build(s->photos, name);
    file->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
    file->bytes = (gint64)len;
    file->width = photos[i].width;
    file->height = photos[i].height;
    file->quality = photos[i].quality;
    booth_intent_add_photo(intent, tmp, file);
    booth_store_step(s, "photo-written");
  }
  /* From the moment the intent is durable, start-up finishes this commit instead of taking
   * its photos for interrupted writes, so a crash between two renames never leaves a commit
   * with some of its photos. The photos' names are durable first, so that a power cut cannot
   * keep the intent and lose a file it names. */
  ok = ok && booth_dir_sync(s->photos, error) && booth_store_step(s, "photos-synced");
  gboolean intent_tried = ok; /* a write that failed may still have left it */
  ok = ok && booth_store_intent_write(s, intent, error) && booth_store_step(s, "intent-written");
  guint placed = 0;
  for (; ok && placed < intent->photos->len; placed++) {
    BoothIntentPhoto *photo = intent->photos->pdata[placed];
    g_autofree char *name = g_path_get_basename(photo->file->path);
    /* Never replace: a photo of that name is a committed photo or one reconcile must see. */
    ok = booth_dir_rename(s->photos, photo->temp, s->photos, name, FALSE, error) &&
         booth_store_step(s, "photo-renamed");
    if (!ok)
      break;
  }
  ok = ok && booth_dir_sync(s->photos, error) && booth_store_step(s, "renames-synced");

  gboolean files_durable = ok;
  ok = ok && booth_store_db_commit(s, intent, NULL, error) && booth_store_step(s, "recorded");
  if (!ok && files_durable && commit_landed(s, id, ended_at)) {
    booth_warn("store",
               "session %s: the records reported %s, yet the commit is recorded; "
               "keeping it",
               id, error && *error ? (*error)->message : "an error");
    g_clear_error(error);
    ok = TRUE;
  }
  if (!ok) {
    undo_commit(s, intent, placed, intent_tried);
    booth_store_error_add(error, "nothing was committed and the candidate is kept");
    return FALSE;
  }

  /* The record is durable and the intent has done its work; one left by a failure here
   * belongs to a recorded commit, and start-up removes it. */
  g_autoptr(GError) local = NULL;
  if (!booth_store_intent_remove(s, id, &local))
    booth_warn("store", "session %s: %s", id, local->message);
  booth_store_step(s, "intent-removed");

  if (!rec->files)
    rec->files = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  g_ptr_array_set_size(rec->files, 0);
  for (guint i = 0; i < intent->photos->len; i++) {
    BoothIntentPhoto *photo = intent->photos->pdata[i];
    g_ptr_array_add(rec->files, g_steal_pointer(&photo->file));
  }
  g_free(rec->status);
  rec->status = g_strdup("committed");
  rec->ended_at = ended_at;
  booth_info("store", "session %s committed: %u photo(s) in %s", id, n_photos, s->photos->path);

  /* The record is durable; candidates left by a failure here are kept by reconcile. */
  g_clear_error(&local);
  if (!remove_candidates(s, id, &local))
    booth_warn("store", "session %s: %s", id, local->message);
  booth_store_step(s, "candidates-removed");
  return TRUE;
}

/* abandoned/name described as the kept candidate it is. */
static BoothRecordFile *
describe_kept(BoothStore *s, const char *name, GError **error)
{
  g_autofree char *kept = booth_store_kept_profile(name);
  g_assert(kept); /* booth_store_candidate_names() gave the name */
  return booth_store_describe_file(s->abandoned, name, kept, error);
}

static gboolean
end_abandoned(BoothStore *s, const char *id, const char *note, guint attempts, GError **error)
{
  g_autoptr(GPtrArray) names = booth_store_candidate_names(s->candidates, id, error);
  g_autoptr(GPtrArray) kept =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  gboolean ok = names != NULL;
  guint moved = 0;
  for (; ok && moved < names->len; moved++) {
    ok = booth_dir_rename(s->candidates, names->pdata[moved], s->abandoned, names->pdata[moved],
                          FALSE, error);
    if (!ok)
      break;
  }
  /* The new names are made durable before the old ones disappear for good. */
  ok = ok && (moved == 0 ||
              (booth_dir_sync(s->abandoned, error) && booth_dir_sync(s->candidates, error)));
  for (guint i = 0; ok && i < moved; i++) {
    BoothRecordFile *file = describe_kept(s, names->pdata[i], error);
    ok = file != NULL;
    if (ok)
      g_ptr_array_add(kept, file);
  }
  if (ok && booth_store_txn_begin(s, error)) {
    ok = booth_store_finish_row(s, id, "abandoned", g_get_real_time(), attempts, NULL, NULL, note,
                                error);
    for (guint i = 0; ok && i < kept->len; i++)
      ok = booth_store_db_insert_file(s, id, kept->pdata[i], error);
    if (ok)
      ok = booth_store_txn_commit(s, error);
    else
      booth_store_txn_rollback(s);
  } else {
    ok = FALSE;
  }
  if (ok) {
    booth_info("store", "session %s abandoned; %u candidate(s) kept in %s", id, kept->len,
               s->abandoned->path);
    return TRUE;
  }
  for (guint i = 0; i < moved; i++) {
    g_autoptr(GError) back = NULL;
    if (!booth_dir_rename(s->abandoned, names->pdata[i], s->candidates, names->pdata[i], FALSE,
                          &back))
      booth_warn("store", "session %s: %s", id, back->message);
  }
  if (moved > 0) {
    sync_quietly(s->candidates);
    sync_quietly(s->abandoned);
  }
  booth_store_error_add(error, "the session stays active and its candidates are kept");
  return FALSE;
}

gboolean
booth_store_end(BoothStore *s, const char *session_id, const char *status, const char *note,
                guint attempts, GError **error)
{
  g_assert(s);
  g_assert(status);

  if (!booth_store_check_id(session_id, error))
    return FALSE;
  if (!g_str_equal(status, "cancelled") && !g_str_equal(status, "abandoned")) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "a session ends as cancelled or abandoned, not %s", status);
    return FALSE;
  }
  if (!booth_store_require_active(s, session_id, error))
    return FALSE;
  if (g_str_equal(status, "abandoned"))
    return end_abandoned(s, session_id, note, attempts, error);

  if (!booth_store_finish_row(s, session_id, "cancelled", g_get_real_time(), attempts, NULL, NULL,
                              note, error))
    return FALSE;
  booth_info("store", "session %s cancelled", session_id);
  /* The operator chose to discard them; leftovers after a failure here are removed at
   * start-up. */
  g_autoptr(GError) local = NULL;
  if (!remove_candidates(s, session_id, &local))
    booth_warn("store", "session %s: %s", session_id, local->message);
  return TRUE;
}
