/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The durable steps of a session: its candidate, its commit and its end. Files are made
 * durable first and recorded second, so a crash never leaves a record without its file.
 * A commit's photos are written under temporary names, then an intent naming all of them
 * (commits/<id>.intent) is made durable, then they take their real names and the record is
 * written: a crash before the intent leaves temporary files that booth_store_reconcile()
 * deletes, a crash after it an intent that booth_store_reconcile() finishes. Either way the
 * commit ends whole or not at all. */
#include "store-private.h"

#include "error.h"
#include "log.h"

static void
sync_quietly(BoothDir *dir)
{
  g_autoptr(GError) error = NULL;
  if (!booth_dir_sync(dir, &error))
    booth_warn("store", "%s", error->message);
}

gboolean
booth_store_save_candidate(BoothStore *s, const char *session_id, GBytes *jpeg, char **path_out,
                           GError **error)
{
  g_assert(s);
  g_assert(jpeg);

  if (!booth_store_check_id(session_id, error))
    return FALSE;
  if (g_bytes_get_size(jpeg) == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the candidate of session %s is empty", session_id);
    return FALSE;
  }
  if (!booth_store_require_active(s, session_id, error))
    return FALSE;
  g_autofree char *name = booth_store_candidate_name(session_id);
  if (!booth_dir_write(s->candidates, name, jpeg, TRUE, error)) {
    booth_store_error_add(error, "the capture was not kept; capture again once this is fixed");
    return FALSE;
  }
  if (path_out)
    *path_out = booth_dir_build(s->candidates, name);
  return TRUE;
}

gboolean
booth_store_discard_candidate(BoothStore *s, const char *session_id, GError **error)
{
  g_assert(s);

  if (!booth_store_check_id(session_id, error))
    return FALSE;
  g_autofree char *name = booth_store_candidate_name(session_id);
  return booth_dir_unlink(s->candidates, name, error) && booth_dir_sync(s->candidates, error);
}

static gboolean
check_photos(const BoothPhotoOut *photos, guint n_photos, GError **error)
{
  if (n_photos == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "a commit needs at least one photo");
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

  /* The record is durable; a candidate left by a failure here is kept by reconcile. */
  g_autofree char *candidate = booth_store_candidate_name(id);
  g_clear_error(&local);
  if (!booth_dir_unlink(s->candidates, candidate, &local) || !booth_dir_sync(s->candidates, &local))
    booth_warn("store", "session %s: %s", id, local->message);
  booth_store_step(s, "candidate-removed");
  return TRUE;
}

static gboolean
end_abandoned(BoothStore *s, const char *id, const char *note, guint attempts, GError **error)
{
  g_autofree char *name = booth_store_candidate_name(id);
  g_autoptr(BoothRecordFile) kept = NULL;
  gboolean moved = FALSE;
  gboolean ok = TRUE;

  if (booth_dir_has(s->candidates, name)) {
    ok = booth_dir_rename(s->candidates, name, s->abandoned, name, FALSE, error);
    moved = ok;
    /* The new name is made durable before the old one disappears for good. */
    ok = ok && booth_dir_sync(s->abandoned, error) && booth_dir_sync(s->candidates, error);
    if (ok) {
      kept = booth_store_describe_file(s->abandoned, name, BOOTH_STORE_CANDIDATE_PROFILE, error);
      ok = kept != NULL;
    }
  }
  if (ok && booth_store_txn_begin(s, error)) {
    ok = booth_store_finish_row(s, id, "abandoned", g_get_real_time(), attempts, NULL, NULL, note,
                                error) &&
         (!kept || booth_store_db_insert_file(s, id, kept, error));
    if (ok)
      ok = booth_store_txn_commit(s, error);
    else
      booth_store_txn_rollback(s);
  } else {
    ok = FALSE;
  }
  if (ok) {
    booth_info("store", "session %s abandoned%s", id,
               kept ? "; its candidate is kept in abandoned/" : "");
    return TRUE;
  }
  if (moved) {
    g_autoptr(GError) back = NULL;
    if (booth_dir_rename(s->abandoned, name, s->candidates, name, FALSE, &back)) {
      sync_quietly(s->candidates);
      sync_quietly(s->abandoned);
    } else {
      booth_warn("store", "session %s: %s", id, back->message);
    }
  }
  booth_store_error_add(error, "the session stays active and its candidate is kept");
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
  /* The operator chose to discard it; a leftover after a failure here is removed at start-up. */
  g_autoptr(GError) local = NULL;
  g_autofree char *name = booth_store_candidate_name(session_id);
  if (!booth_dir_unlink(s->candidates, name, &local) || !booth_dir_sync(s->candidates, &local))
    booth_warn("store", "session %s: %s", session_id, local->message);
  return TRUE;
}
