/* The durable steps of a session: its candidate, its commit and its end. Files are made
 * durable first and recorded second, so a crash in between leaves a file without a record,
 * which booth_store_reconcile() completes, never a record without its file. */
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

static gboolean
record_commit(BoothStore *s, const BoothRecord *rec, GPtrArray *files, gint64 ended_at,
              GError **error)
{
  if (!booth_store_txn_begin(s, error))
    return FALSE;
  gboolean ok = booth_store_finish_row(s, rec->session_id, "committed", ended_at, rec->attempts,
                                       rec->checks_json, rec->overrides, rec->note, error);
  for (guint i = 0; ok && i < files->len; i++)
    ok = booth_store_db_insert_file(s, rec->session_id, files->pdata[i], error);
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

gboolean
booth_store_commit(BoothStore *s, BoothRecord *rec, const BoothPhotoOut *photos, guint n_photos,
                   GError **error)
{
  g_assert(s);
  g_assert(rec);
  g_assert(photos || n_photos == 0);

  if (!booth_store_check_id(rec->session_id, error) || !check_photos(photos, n_photos, error))
    return FALSE;
  if (!booth_store_require_active(s, rec->session_id, error))
    return FALSE;

  const char *id = rec->session_id;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) tmps = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) files =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  for (guint i = 0; i < n_photos; i++)
    g_ptr_array_add(names, booth_store_photo_name(id, photos[i].profile));

  /* Every photo reaches the disk under a temporary name before any takes its real name, so
   * a full disk on the second photo leaves no first photo behind. */
  gboolean ok = TRUE;
  for (guint i = 0; ok && i < n_photos; i++) {
    gsize len;
    const void *data = g_bytes_get_data(photos[i].jpeg, &len);
    char *tmp = booth_dir_write_tmp(s->photos, names->pdata[i], data, len, error);
    ok = tmp != NULL;
    if (!ok)
      break;
    g_ptr_array_add(tmps, tmp);
    BoothRecordFile *file = booth_record_file_new();
    file->profile = g_strdup(photos[i].profile);
    file->path = booth_dir_build(s->photos, names->pdata[i]);
    file->sha256 = g_compute_checksum_for_data(G_CHECKSUM_SHA256, data, len);
    file->bytes = (gint64)len;
    file->width = photos[i].width;
    file->height = photos[i].height;
    file->quality = photos[i].quality;
    g_ptr_array_add(files, file);
  }
  /* Never replace: a photo of that name is a committed photo or one reconcile must see. */
  guint placed = 0;
  for (; ok && placed < tmps->len; placed++) {
    ok = booth_dir_rename(s->photos, tmps->pdata[placed], s->photos, names->pdata[placed], FALSE,
                          error);
    if (!ok)
      break;
    g_clear_pointer(&tmps->pdata[placed], g_free);
  }
  ok = ok && booth_dir_sync(s->photos, error);

  gint64 ended_at = g_get_real_time();
  gboolean files_durable = ok;
  ok = ok && record_commit(s, rec, files, ended_at, error);
  if (!ok && files_durable && commit_landed(s, id, ended_at)) {
    booth_warn("store",
               "session %s: the records reported %s, yet the commit is recorded; "
               "keeping it",
               id, error && *error ? (*error)->message : "an error");
    g_clear_error(error);
    ok = TRUE;
  }
  if (!ok) {
    for (guint i = 0; i < tmps->len; i++)
      if (tmps->pdata[i])
        booth_dir_unlink(s->photos, tmps->pdata[i], NULL);
    for (guint i = 0; i < placed; i++)
      booth_dir_unlink(s->photos, names->pdata[i], NULL);
    sync_quietly(s->photos);
    booth_store_error_add(error, "nothing was committed and the candidate is kept");
    return FALSE;
  }

  if (!rec->files)
    rec->files = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_file_free);
  g_ptr_array_set_size(rec->files, 0);
  for (guint i = 0; i < files->len; i++)
    g_ptr_array_add(rec->files, g_steal_pointer(&files->pdata[i]));
  g_free(rec->status);
  rec->status = g_strdup("committed");
  rec->ended_at = ended_at;
  booth_info("store", "session %s committed: %u photo(s) in %s", id, n_photos, s->photos->path);

  /* The record is durable; a candidate left by a failure here is kept by reconcile. */
  g_autoptr(GError) local = NULL;
  g_autofree char *candidate = booth_store_candidate_name(id);
  if (!booth_dir_unlink(s->candidates, candidate, &local) || !booth_dir_sync(s->candidates, &local))
    booth_warn("store", "session %s: %s", id, local->message);
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
