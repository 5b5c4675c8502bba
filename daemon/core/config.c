/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothd.conf: the booth's configuration, read by core/keyfile.c, and its profiles. */
#include "core/config.h"

#include <string.h>

#include "analysis/faces.h"
#include "boothd-build.h"
#include "camera/camera.h"
#include "core/keyfile.h"
#include "error.h"
#include "file.h"
#include "photo/image.h"

#define CFG(g, k, t, lo, hi, field)                                                                \
  {                                                                                                \
    g, k, t, lo, hi, offsetof(BoothConfig, field), 0                                               \
  }
static const KeySpec config_keys[] = {
    CFG("Booth", "camera", KEY_STRING, 0, 4096, camera),
    CFG("Booth", "state_dir", KEY_STRING, 1, 4096, state_dir),
    CFG("Booth", "profile_dir", KEY_STRING, 1, 4096, profile_dir),
    CFG("Booth", "profiles", KEY_STRV, 1, 16, profiles),
    CFG("Booth", "auto_start", KEY_BOOL, 0, 0, auto_start),
    CFG("Booth", "abandon_timeout", KEY_INT, 1, 86400, abandon_timeout),
    CFG("Booth", "idle_timeout", KEY_INT, 0, 86400, idle_timeout),
    CFG("Booth", "allowed_group", KEY_STRING, 1, 64, allowed_group),
    CFG("Booth", "booth_id", KEY_NAME, 1, 64, booth_id),
    CFG("Booth", "room", KEY_STRING, 0, 128, room),
    CFG("Booth", "schedule", KEY_STRING, 1, 4096, schedule),
    CFG("Camera", "fps", KEY_DOUBLE, 0.1, 120, fps),
    CFG("Camera", "capture_timeout", KEY_INT, 1, 120, capture_timeout),
    CFG("Camera", "width", KEY_INT, 0, 16384, camera_width),
    CFG("Camera", "height", KEY_INT, 0, 16384, camera_height),
    CFG("Camera", "viewfinder_width", KEY_INT, 0, 16384, viewfinder_width),
    CFG("Camera", "viewfinder_height", KEY_INT, 0, 16384, viewfinder_height),
    CFG("Camera", "pixel_format", KEY_PIXEL_FORMAT, 1, 16, pixel_format),
    CFG("Camera", "rotation", KEY_ROTATION, 0, 270, rotation),
    CFG("Camera", "exposure_compensation", KEY_DOUBLE, -8, 8, exposure_compensation),
    CFG("Camera", "awb_lock", KEY_BOOL, 0, 0, awb_lock),
    CFG("Camera", "focus_timeout", KEY_INT, 0, 10000, focus_timeout),
    CFG("Camera", "frame_timeout", KEY_INT, 1, 600, frame_timeout),
    CFG("Camera", "max_restarts", KEY_INT, 0, 100, max_restarts),
    CFG("Camera", "max_frame_pixels", KEY_INT, 100000, BOOTH_IMAGE_MAX_PIXELS, max_frame_pixels),
    CFG("Analysis", "qr_max_side", KEY_INT, 160, 8192, qr_max_side),
    CFG("Analysis", "code_max_bytes", KEY_INT, 16, 7089, code_max_bytes),
    CFG("Analysis", "code_forget", KEY_INT, 0, 3600, code_forget),
    CFG("Analysis", "cascade_dir", KEY_STRING, 1, 4096, cascade_dir),
    CFG("Analysis", "min_face", KEY_DOUBLE, 0.02, 1.0, min_face),
    CFG("Preview", "max_clients", KEY_INT, 1, 64, preview_max_clients),
};

void
booth_config_free(BoothConfig *c)
{
  if (!c)
    return;
  g_free(c->path);
  g_strfreev(c->files);
  g_strfreev(c->profile_path);
  g_free(c->camera);
  g_free(c->pixel_format);
  g_free(c->state_dir);
  g_free(c->profile_dir);
  g_strfreev(c->profiles);
  g_free(c->allowed_group);
  g_free(c->booth_id);
  g_free(c->room);
  g_free(c->schedule);
  g_free(c->cascade_dir);
  if (c->loaded_profiles)
    g_ptr_array_unref(c->loaded_profiles);
  g_free(c);
}

/* The host's name, as a booth id: the first label, characters outside [A-Za-z0-9-_]
 * replaced by '-'. */
static char *
default_booth_id(void)
{
  char *id = g_strndup(g_get_host_name(), 64);
  char *dot = strchr(id, '.');
  if (dot && dot != id)
    *dot = 0;
  for (char *p = id; *p; p++)
    if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
      *p = '-';
  if (!*id) {
    g_free(id);
    id = g_strdup("booth");
  }
  return id;
}

static BoothConfig *
config_defaults(void)
{
  BoothConfig *c = g_new0(BoothConfig, 1);
  c->camera = g_strdup("auto");
  c->state_dir = g_strdup("/var/lib/boothd");
  c->profiles = g_strsplit("chsi-upload", ";", -1);
  c->auto_start = TRUE;
  c->abandon_timeout = 300;
  c->idle_timeout = 600;
  c->allowed_group = g_strdup(BOOTH_OPERATOR_GROUP);
  c->booth_id = default_booth_id();
  c->room = g_strdup("");
  c->fps = 15;
  c->capture_timeout = 5;
  c->pixel_format = g_strdup("auto");
  c->focus_timeout = 2000;
  c->frame_timeout = 5;
  c->max_restarts = 3;
  c->max_frame_pixels = BOOTH_CAMERA_MAX_FRAME_PIXELS;
  c->qr_max_side = 1280;
  c->code_max_bytes = 4096;
  c->code_forget = 3;
  c->cascade_dir = g_strdup(BOOTH_FACE_CASCADE_DIR);
  c->min_face = 0.15;
  c->preview_max_clients = 4;
  c->files = g_new0(char *, 1);
  return c;
}

/* Applies len bytes of text, read as the file path, on top of what c holds. */
static gboolean
config_apply(BoothConfig *c, const char *text, gsize len, const char *path, GError **error)
{
  if (!booth_keyfile_load(text, len, path, "a configuration file", config_keys,
                          G_N_ELEMENTS(config_keys), c, error))
    return FALSE;
  gsize n = g_strv_length(c->files);
  c->files = g_renew(char *, c->files, n + 2);
  c->files[n] = g_canonicalize_filename(path, NULL);
  c->files[n + 1] = NULL;
  if (!c->path)
    c->path = g_strdup(c->files[n]);
  return TRUE;
}

/* Reads path on top of c; a missing file is fine unless required. */
static gboolean
config_apply_file(BoothConfig *c, const char *path, gboolean required, GError **error)
{
  if (!required && !g_file_test(path, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
    return TRUE;
  gsize len = 0;
  g_autofree char *text =
      booth_file_read(path, BOOTH_KEYFILE_MAX_BYTES, "a configuration file", &len, error);
  return text && config_apply(c, text, len, path, error);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The drop-ins of dir (*.conf, in name order), on top of c. */
static gboolean
config_apply_dropins(BoothConfig *c, const char *dir, GError **error)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (!d)
    return TRUE;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(d)))
    if (g_str_has_suffix(name, ".conf") && name[0] != '.')
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *path = g_build_filename(dir, names->pdata[i], NULL);
    if (!config_apply_file(c, path, TRUE, error))
      return FALSE;
  }
  return TRUE;
}

/* What holds across the files: checked once they are all read. */
static BoothConfig *
config_finish(BoothConfig *c, const char *name, const char *site_dir, GError **error)
{
  g_autoptr(BoothConfig) owned = c;
  /* A size needs both sides; 0 for both lets the camera's largest be used. */
  if ((c->camera_width == 0) != (c->camera_height == 0) ||
      (c->viewfinder_width == 0) != (c->viewfinder_height == 0)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Camera] width and height (and viewfinder_width and viewfinder_height) are "
                "set together, or both left at 0",
                name);
    return NULL;
  }
  g_strfreev(c->profile_path);
  if (c->profile_dir) {
    c->profile_path = g_new0(char *, 2);
    c->profile_path[0] = g_strdup(c->profile_dir);
  } else {
    c->profile_path = g_new0(char *, 3);
    c->profile_path[0] = g_build_filename(site_dir, "profiles", NULL);
    c->profile_path[1] = g_build_filename(booth_config_vendor_dir(), "profiles", NULL);
  }
  return g_steal_pointer(&owned);
}

const char *
booth_config_vendor_dir(void)
{
  static gsize once;
  static const char *dir;
  if (g_once_init_enter(&once)) {
    /* Run from the build tree (tests, a developer trying a fresh build): the source's etc/. */
    g_autofree char *exe = g_file_read_link("/proc/self/exe", NULL);
    gboolean uninstalled = exe && g_str_has_prefix(exe, BOOTH_BUILD_ROOT "/");
    dir = uninstalled ? BOOTH_SOURCE_ETC : BOOTH_DATADIR;
    g_once_init_leave(&once, 1);
  }
  return dir;
}

BoothConfig *
booth_config_load_default(GError **error)
{
  g_autoptr(BoothConfig) c = config_defaults();
  g_autofree char *vendor = g_build_filename(booth_config_vendor_dir(), "boothd.conf", NULL);
  g_autofree char *site = g_build_filename(BOOTH_SYSCONFDIR, "boothd.conf", NULL);
  g_autofree char *dropins = g_build_filename(BOOTH_SYSCONFDIR, "boothd.conf.d", NULL);
  if (!config_apply_file(c, vendor, FALSE, error) || !config_apply_file(c, site, FALSE, error) ||
      !config_apply_dropins(c, dropins, error))
    return NULL;
  return config_finish(g_steal_pointer(&c), "the configuration", BOOTH_SYSCONFDIR, error);
}

BoothConfig *
booth_config_load(const char *path, GError **error)
{
  g_autoptr(BoothConfig) c = config_defaults();
  if (!path)
    return config_finish(g_steal_pointer(&c), "the built-in defaults", BOOTH_SYSCONFDIR, error);
  g_autofree char *dropins = g_strconcat(path, ".d", NULL);
  if (!config_apply_file(c, path, TRUE, error) || !config_apply_dropins(c, dropins, error))
    return NULL;
  g_autofree char *dir = g_path_get_dirname(c->path);
  return config_finish(g_steal_pointer(&c), path, dir, error);
}

BoothConfig *
booth_config_load_data(const char *text, gsize len, const char *path, GError **error)
{
  g_assert(text || len == 0);
  g_assert(path);
  g_autoptr(BoothConfig) c = config_defaults();
  if (!config_apply(c, text ? text : "", len, path, error))
    return NULL;
  g_autofree char *dir = g_path_get_dirname(c->path);
  return config_finish(g_steal_pointer(&c), path, dir, error);
}

/* The value of one key as text, for comparing two configurations. */
static char *
key_text(const KeySpec *k, const BoothConfig *c)
{
  const void *field = (const char *)c + k->offset;
  switch (k->type) {
  case KEY_BOOL:
    return g_strdup(*(const gboolean *)field ? "true" : "false");
  case KEY_INT:
  case KEY_ROTATION:
    return g_strdup_printf("%d", *(const int *)field);
  case KEY_DOUBLE:
    return g_strdup_printf("%.17g", *(const double *)field);
  case KEY_STRV:
    return g_strjoinv(";", *(char **const *)field);
  default:
    return g_strdup(*(char *const *)field ? *(char *const *)field : "");
  }
}

char **
booth_config_changed_keys(const BoothConfig *a, const BoothConfig *b)
{
  g_assert(a && b);
  g_autoptr(GPtrArray) changed = g_ptr_array_new();
  for (gsize i = 0; i < G_N_ELEMENTS(config_keys); i++) {
    g_autofree char *va = key_text(&config_keys[i], a);
    g_autofree char *vb = key_text(&config_keys[i], b);
    if (strcmp(va, vb) != 0)
      g_ptr_array_add(changed,
                      g_strdup_printf("[%s] %s", config_keys[i].group, config_keys[i].key));
  }
  g_ptr_array_add(changed, NULL);
  return (char **)g_ptr_array_free(g_steal_pointer(&changed), FALSE);
}

gboolean
booth_config_load_profiles(BoothConfig *c, GError **error)
{
  g_assert(c);
  g_clear_pointer(&c->loaded_profiles, g_ptr_array_unref);
  c->loaded_profiles = g_ptr_array_new_with_free_func((GDestroyNotify)booth_profile_free);
  for (int i = 0; c->profiles[i]; i++) {
    g_autofree char *file = g_strconcat(c->profiles[i], ".profile", NULL);
    g_autofree char *path = NULL;
    for (int k = 0; c->profile_path[k] && !path; k++) {
      char *candidate = g_build_filename(c->profile_path[k], file, NULL);
      if (g_file_test(candidate, G_FILE_TEST_EXISTS | G_FILE_TEST_IS_SYMLINK))
        path = candidate;
      else
        g_free(candidate);
    }
    if (!path) {
      g_autofree char *where = g_strjoinv(", ", c->profile_path);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "profile '%s': no %s in %s (profiles= in [Booth] names them; profile_dir "
                  "says where they are)",
                  c->profiles[i], file, where);
      return FALSE;
    }
    g_autoptr(GError) local = NULL;
    BoothProfile *p = booth_profile_load(path, &local);
    if (!p) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "profile '%s': %s",
                  c->profiles[i], local->message);
      return FALSE;
    }
    g_ptr_array_add(c->loaded_profiles, p);
  }
  return TRUE;
}

const BoothProfile *
booth_config_find_profile(const BoothConfig *c, const char *name)
{
  for (guint i = 0; c->loaded_profiles && i < c->loaded_profiles->len; i++) {
    const BoothProfile *p = g_ptr_array_index(c->loaded_profiles, i);
    if (strcmp(p->name, name) == 0)
      return p;
  }
  return NULL;
}
