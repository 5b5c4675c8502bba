/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Commit intents: commits/<id>.intent, a key file that says what a commit is about to make
 * visible. It is durable before the first photo takes its real name and removed once the
 * record is, so after a crash it tells start-up which temporary files are a commit's photos
 * and everything needed to record that commit as booth_store_commit() would have. What it
 * names is checked against the names boothd gives the session's photos, so that a damaged or
 * hand-made intent can never make start-up move or delete any other file. */
#include "store-private.h"

#include "error.h"

#include <string.h>

#define INTENT_GROUP "commit"
#define INTENT_FORMAT 1
#define PHOTO_GROUP_PREFIX "photo "

static void
intent_photo_free(BoothIntentPhoto *photo)
{
  if (!photo)
    return;
  g_free(photo->temp);
  booth_record_file_free(photo->file);
  g_free(photo);
}

static BoothIntent *
intent_alloc(void)
{
  BoothIntent *intent = g_new0(BoothIntent, 1);
  intent->photos = g_ptr_array_new_with_free_func((GDestroyNotify)intent_photo_free);
  return intent;
}

BoothIntent *
booth_intent_new(const BoothRecord *rec, gint64 ended_at)
{
  g_assert(rec);

  BoothIntent *intent = intent_alloc();
  intent->session_id = g_strdup(rec->session_id);
  intent->ended_at = ended_at;
  intent->attempts = rec->attempts;
  intent->checks_json = g_strdup(rec->checks_json);
  intent->overrides = g_strdup(rec->overrides);
  intent->note = g_strdup(rec->note);
  return intent;
}

void
booth_intent_free(BoothIntent *intent)
{
  if (!intent)
    return;
  g_free(intent->session_id);
  g_free(intent->checks_json);
  g_free(intent->overrides);
  g_free(intent->note);
  g_clear_pointer(&intent->photos, g_ptr_array_unref);
  g_free(intent);
}

void
booth_intent_add_photo(BoothIntent *intent, char *temp, BoothRecordFile *file)
{
  g_assert(intent);
  g_assert(temp);
  g_assert(file);

  BoothIntentPhoto *photo = g_new0(BoothIntentPhoto, 1);
  photo->temp = temp;
  photo->file = file;
  g_ptr_array_add(intent->photos, photo);
}

/* "<id>.intent", the intent's name in commits/. */
static char *
intent_name(const char *session_id)
{
  g_assert(booth_store_id_is_valid(session_id));
  return g_strdup_printf("%s.intent", session_id);
}

static void
set_optional(GKeyFile *kf, const char *key, const char *value)
{
  if (value)
    g_key_file_set_string(kf, INTENT_GROUP, key, value);
}

gboolean
booth_store_intent_write(BoothStore *s, const BoothIntent *intent, GError **error)
{
  g_assert(s);
  g_assert(intent);

  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_key_file_set_integer(kf, INTENT_GROUP, "format", INTENT_FORMAT);
  g_key_file_set_string(kf, INTENT_GROUP, "session", intent->session_id);
  g_key_file_set_int64(kf, INTENT_GROUP, "ended_at", intent->ended_at);
  g_key_file_set_uint64(kf, INTENT_GROUP, "attempts", intent->attempts);
  set_optional(kf, "checks", intent->checks_json);
  set_optional(kf, "overrides", intent->overrides);
  set_optional(kf, "note", intent->note);
  g_autoptr(GPtrArray) profiles = g_ptr_array_new();
  for (guint i = 0; i < intent->photos->len; i++) {
    const BoothIntentPhoto *photo = intent->photos->pdata[i];
    const BoothRecordFile *f = photo->file;
    g_autofree char *group = g_strconcat(PHOTO_GROUP_PREFIX, f->profile, NULL);
    g_autofree char *name = g_path_get_basename(f->path);
    g_key_file_set_string(kf, group, "temp", photo->temp);
    g_key_file_set_string(kf, group, "name", name);
    g_key_file_set_string(kf, group, "sha256", f->sha256);
    g_key_file_set_int64(kf, group, "bytes", f->bytes);
    g_key_file_set_integer(kf, group, "width", f->width);
    g_key_file_set_integer(kf, group, "height", f->height);
    g_key_file_set_integer(kf, group, "quality", f->quality);
    g_ptr_array_add(profiles, f->profile);
  }
  g_key_file_set_string_list(kf, INTENT_GROUP, "photos", (const char *const *)profiles->pdata,
                             profiles->len);

  gsize len;
  g_autofree char *text = g_key_file_to_data(kf, &len, NULL);
  g_autoptr(GBytes) data = g_bytes_new_take(g_steal_pointer(&text), len);
  g_autofree char *name = intent_name(intent->session_id);
  /* A leftover of an earlier attempt whose undo could not remove it is replaced: this
   * attempt's files are the ones that count now. */
  return booth_dir_write(s->commits, name, data, TRUE, error);
}

static gboolean G_GNUC_PRINTF(3, 4) refuse(GError **error, const char *path, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *why = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
              "cannot read commit intent %s: %s — restore it from a backup, or remove it so "
              "that the next start ends the session as interrupted",
              path, why);
  return FALSE;
}

static gboolean
is_sha256(const char *s)
{
  if (!s || strlen(s) != 64)
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isdigit(*p) && !(*p >= 'a' && *p <= 'f'))
      return FALSE;
  return TRUE;
}

/* The photo of profile, or FALSE with the reason in *why. */
static gboolean
read_photo(GKeyFile *kf, const char *id, const char *profile, BoothStore *s, BoothIntentPhoto **out,
           char **why)
{
  g_autoptr(GError) local = NULL;
  if (!booth_store_profile_is_valid(profile) ||
      g_str_equal(profile, BOOTH_STORE_CANDIDATE_PROFILE)) {
    *why = g_strdup_printf("\"%s\" is not a photo profile", profile);
    return FALSE;
  }
  g_autofree char *group = g_strconcat(PHOTO_GROUP_PREFIX, profile, NULL);
  g_autofree char *temp = g_key_file_get_string(kf, group, "temp", &local);
  g_autofree char *name = local ? NULL : g_key_file_get_string(kf, group, "name", &local);
  g_autofree char *sha = local ? NULL : g_key_file_get_string(kf, group, "sha256", &local);
  gint64 bytes = local ? 0 : g_key_file_get_int64(kf, group, "bytes", &local);
  int width = local ? 0 : g_key_file_get_integer(kf, group, "width", &local);
  int height = local ? 0 : g_key_file_get_integer(kf, group, "height", &local);
  int quality = local ? 0 : g_key_file_get_integer(kf, group, "quality", &local);
  if (local) {
    *why = g_strdup(local->message);
    return FALSE;
  }
  g_autofree char *expected = booth_store_photo_name(id, profile);
  g_autofree char *temp_prefix = g_strconcat(expected, ".", NULL);
  if (!g_str_equal(name, expected) || !g_str_has_prefix(temp, temp_prefix) ||
      !g_str_has_suffix(temp, ".tmp") || strchr(temp, '/')) {
    *why = g_strdup_printf("the %s photo is not named as boothd names it (%s, %s)", profile, name,
                           temp);
    return FALSE;
  }
  if (!is_sha256(sha) || bytes < 0) {
    *why = g_strdup_printf("the %s photo has no valid SHA-256 or size", profile);
    return FALSE;
  }
  BoothIntentPhoto *photo = g_new0(BoothIntentPhoto, 1);
  photo->temp = g_steal_pointer(&temp);
  photo->file = booth_record_file_new();
  photo->file->profile = g_strdup(profile);
  photo->file->path = booth_dir_build(s->photos, name);
  photo->file->sha256 = g_steal_pointer(&sha);
  photo->file->bytes = bytes;
  photo->file->width = width;
  photo->file->height = height;
  photo->file->quality = quality;
  *out = photo;
  return TRUE;
}

static char *
get_optional(GKeyFile *kf, const char *key, GError **error)
{
  if (!g_key_file_has_key(kf, INTENT_GROUP, key, NULL))
    return NULL;
  return g_key_file_get_string(kf, INTENT_GROUP, key, error);
}

BoothIntent *
booth_store_intent_read(BoothStore *s, const char *name, GError **error)
{
  g_assert(s);
  g_assert(name);

  g_autoptr(GBytes) data = booth_dir_read(s->commits, name, error);
  if (!data)
    return NULL;
  g_autofree char *path = booth_dir_build(s->commits, name);
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) local = NULL;
  gsize len;
  const char *text = g_bytes_get_data(data, &len);
  if (!g_key_file_load_from_data(kf, text ? text : "", len, G_KEY_FILE_NONE, &local)) {
    refuse(error, path, "%s", local->message);
    return NULL;
  }
  gint64 format = g_key_file_get_int64(kf, INTENT_GROUP, "format", &local);
  if (local) {
    refuse(error, path, "%s", local->message);
    return NULL;
  }
  if (format != INTENT_FORMAT) {
    refuse(error, path, "format %" G_GINT64_FORMAT " is not the one this boothd reads (%d)", format,
           INTENT_FORMAT);
    return NULL;
  }
  g_autoptr(BoothIntent) intent = intent_alloc();
  intent->session_id = g_key_file_get_string(kf, INTENT_GROUP, "session", NULL);
  const char *id = intent->session_id;
  g_autofree char *expected = id && booth_store_id_is_valid(id) ? intent_name(id) : NULL;
  if (!expected || !g_str_equal(expected, name)) {
    refuse(error, path, "it is not the intent of the session its name gives");
    return NULL;
  }
  intent->ended_at = g_key_file_get_int64(kf, INTENT_GROUP, "ended_at", &local);
  guint64 attempts = local ? 0 : g_key_file_get_uint64(kf, INTENT_GROUP, "attempts", &local);
  intent->attempts = (guint)MIN(attempts, G_MAXUINT);
  if (!local)
    intent->checks_json = get_optional(kf, "checks", &local);
  if (!local)
    intent->overrides = get_optional(kf, "overrides", &local);
  if (!local)
    intent->note = get_optional(kf, "note", &local);
  gsize n_profiles = 0;
  g_auto(GStrv) profiles =
      local ? NULL : g_key_file_get_string_list(kf, INTENT_GROUP, "photos", &n_profiles, &local);
  if (local) {
    refuse(error, path, "%s", local->message);
    return NULL;
  }
  for (gsize i = 0; i < n_profiles; i++) {
    BoothIntentPhoto *photo = NULL;
    g_autofree char *why = NULL;
    if (g_strv_contains((const char *const *)profiles + i + 1, profiles[i]))
      why = g_strdup_printf("the %s photo is named twice", profiles[i]);
    if (why || !read_photo(kf, id, profiles[i], s, &photo, &why)) {
      refuse(error, path, "%s", why);
      return NULL;
    }
    g_ptr_array_add(intent->photos, photo);
  }
  if (intent->photos->len == 0) {
    refuse(error, path, "it names no photo");
    return NULL;
  }
  return g_steal_pointer(&intent);
}

gboolean
booth_store_intent_remove(BoothStore *s, const char *session_id, GError **error)
{
  g_assert(s);

  g_autofree char *name = intent_name(session_id);
  return booth_dir_unlink(s->commits, name, error);
}
