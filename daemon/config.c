#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "boothd-build.h"
#include "error.h"

typedef enum { KEY_BOOL, KEY_INT, KEY_DOUBLE, KEY_STRING, KEY_STRV, KEY_RGB, KEY_RATIO } KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  double min; /* for numbers; for strings the maximum length is max */
  double max;
  size_t offset;
  size_t offset2; /* second int of a ratio */
} KeySpec;

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
    CFG("Booth", "allowed_group", KEY_STRING, 1, 64, allowed_group),
    CFG("Camera", "fps", KEY_DOUBLE, 0.1, 120, fps),
    CFG("Camera", "capture_timeout", KEY_INT, 1, 120, capture_timeout),
    CFG("Analysis", "qr_max_side", KEY_INT, 160, 8192, qr_max_side),
    CFG("Analysis", "code_max_bytes", KEY_INT, 16, 7089, code_max_bytes),
    CFG("Analysis", "code_forget", KEY_INT, 0, 3600, code_forget),
};

#define PRO(g, k, t, lo, hi, field)                                                                \
  {                                                                                                \
    g, k, t, lo, hi, offsetof(BoothProfile, field), 0                                              \
  }
static const KeySpec profile_keys[] = {
    PRO("Profile", "description", KEY_STRING, 0, 256, description),
    PRO("Profile", "width", KEY_INT, 16, 8192, width),
    PRO("Profile", "height", KEY_INT, 16, 8192, height),
    {"Profile", "aspect", KEY_RATIO, 1, 100, offsetof(BoothProfile, aspect_w),
     offsetof(BoothProfile, aspect_h)},
    PRO("Profile", "min_kb", KEY_INT, 0, 65536, min_kb),
    PRO("Profile", "max_kb", KEY_INT, 1, 65536, max_kb),
    PRO("Profile", "min_quality", KEY_INT, 1, 100, min_quality),
    PRO("Profile", "dpi", KEY_INT, 0, 4800, dpi),
    PRO("Background", "color", KEY_RGB, 0, 255, background),
};

/* GKeyFile does not keep line numbers: find them in the text for the message. */
static int
find_line(const char *text, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean in_group = group == NULL;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (*l == ' ' || *l == '\t')
      l++;
    if (*l == '[') {
      g_autofree char *name = g_strndup(l + 1, strcspn(l + 1, "]"));
      in_group = g_strcmp0(name, group) == 0;
      if (in_group && !key)
        return i + 1;
      continue;
    }
    if (!in_group || !key)
      continue;
    size_t n = strcspn(l, "=");
    g_autofree char *k = g_strstrip(g_strndup(l, n));
    if (l[n] == '=' && strcmp(k, key) == 0)
      return i + 1;
  }
  return 0;
}

static gboolean G_GNUC_PRINTF(6, 7)
    fail_at(GError **error, const char *path, const char *text, const char *group, const char *key,
            const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int line = find_line(text, group, key);
  if (key)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s:%d: [%s] %s: %s", path, line,
                group, key, msg);
  else
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s:%d: [%s]: %s", path, line,
                group, msg);
  return FALSE;
}

static const KeySpec *
find_spec(const KeySpec *specs, size_t n, const char *group, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(specs[i].group, group) == 0 && (!key || strcmp(specs[i].key, key) == 0))
      return &specs[i];
  return NULL;
}

static gboolean
parse_int(const char *s, gint64 *out)
{
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
apply_key(const KeySpec *spec, GKeyFile *kf, void *target, const char *path, const char *text,
          GError **error)
{
  g_autofree char *raw = g_key_file_get_value(kf, spec->group, spec->key, NULL);
  g_autofree char *v = g_strstrip(g_key_file_get_string(kf, spec->group, spec->key, NULL));
  if (!v)
    return fail_at(error, path, text, spec->group, spec->key, "bad escape in value '%s'", raw);
  char *field = (char *)target + spec->offset;

  switch (spec->type) {
  case KEY_BOOL:
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
      *(gboolean *)field = TRUE;
    else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
      *(gboolean *)field = FALSE;
    else
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a boolean (use true or false)", v);
    return TRUE;
  case KEY_INT: {
    gint64 n;
    if (!parse_int(v, &n))
      return fail_at(error, path, text, spec->group, spec->key, "'%s' is not an integer", v);
    if (n < spec->min || n > spec->max)
      return fail_at(error, path, text, spec->group, spec->key, "%s is out of range %.0f..%.0f", v,
                     spec->min, spec->max);
    *(int *)field = (int)n;
    return TRUE;
  }
  case KEY_DOUBLE: {
    char *end = NULL;
    double d = g_ascii_strtod(v, &end);
    if (end == v || *end || d != d)
      return fail_at(error, path, text, spec->group, spec->key, "'%s' is not a number", v);
    if (d < spec->min || d > spec->max)
      return fail_at(error, path, text, spec->group, spec->key, "%s is out of range %g..%g", v,
                     spec->min, spec->max);
    *(double *)field = d;
    return TRUE;
  }
  case KEY_STRING:
    if (strlen(v) < spec->min || strlen(v) > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "value must be %.0f to %.0f characters long", spec->min, spec->max);
    g_free(*(char **)field);
    *(char **)field = g_steal_pointer(&v);
    return TRUE;
  case KEY_STRV: {
    g_auto(GStrv) list = g_key_file_get_string_list(kf, spec->group, spec->key, NULL, NULL);
    guint n = list ? g_strv_length(list) : 0;
    if (n < spec->min || n > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "needs %.0f to %.0f names separated by ';'", spec->min, spec->max);
    for (guint i = 0; i < n; i++) {
      g_strstrip(list[i]);
      if (!*list[i] || strspn(list[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_") != strlen(list[i]))
        return fail_at(error, path, text, spec->group, spec->key,
                       "'%s' is not a valid name (letters, digits, '-' and '_')", list[i]);
    }
    g_strfreev(*(char ***)field);
    *(char ***)field = g_steal_pointer(&list);
    return TRUE;
  }
  case KEY_RGB: {
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);
    guint8 rgb[3];
    gint64 n;
    if (g_strv_length(parts) != 3)
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a colour (write R,G,B, e.g. 100,197,255)", v);
    for (int i = 0; i < 3; i++) {
      if (!parse_int(g_strstrip(parts[i]), &n) || n < 0 || n > 255)
        return fail_at(error, path, text, spec->group, spec->key,
                       "'%s' is not a colour (each of R,G,B is 0..255)", v);
      rgb[i] = (guint8)n;
    }
    memcpy(field, rgb, 3);
    return TRUE;
  }
  case KEY_RATIO: {
    g_auto(GStrv) parts = g_strsplit(v, ":", -1);
    gint64 a, b;
    if (g_strv_length(parts) != 2 || !parse_int(g_strstrip(parts[0]), &a) ||
        !parse_int(g_strstrip(parts[1]), &b) || a < spec->min || a > spec->max || b < spec->min ||
        b > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not an aspect ratio (write W:H, e.g. 3:4)", v);
    *(int *)field = (int)a;
    *(int *)((char *)target + spec->offset2) = (int)b;
    return TRUE;
  }
  }
  g_assert_not_reached();
}

/* Loads path into target, every key checked against specs. */
static gboolean
load_keyfile(const char *path, const KeySpec *specs, size_t n_specs, void *target, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;
  if (!g_file_get_contents(path, &text, NULL, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "cannot read %s: %s", path,
                local->message);
    return FALSE;
  }
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: %s", path, local->message);
    return FALSE;
  }
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int g = 0; groups[g]; g++) {
    if (!find_spec(specs, n_specs, groups[g], NULL))
      return fail_at(error, path, text, groups[g], NULL, "unknown group");
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    for (int k = 0; keys && keys[k]; k++) {
      const KeySpec *spec = find_spec(specs, n_specs, groups[g], keys[k]);
      if (!spec)
        return fail_at(error, path, text, groups[g], keys[k], "unknown key");
      if (!apply_key(spec, kf, target, path, text, error))
        return FALSE;
    }
  }
  return TRUE;
}

void
booth_profile_free(BoothProfile *p)
{
  if (!p)
    return;
  g_free(p->name);
  g_free(p->description);
  g_free(p->path);
  g_free(p);
}

BoothProfile *
booth_profile_load(const char *path, GError **error)
{
  g_assert(path);
  g_autoptr(BoothProfile) p = g_new0(BoothProfile, 1);
  g_autofree char *base = g_path_get_basename(path);
  char *dot = strrchr(base, '.');
  if (dot)
    *dot = '\0';
  p->name = g_strdup(base);
  p->path = g_strdup(path);
  p->description = g_strdup("");
  p->aspect_w = 3;
  p->aspect_h = 4;
  p->min_quality = 1;
  p->background[0] = 100, p->background[1] = 197, p->background[2] = 255;
  if (!load_keyfile(path, profile_keys, G_N_ELEMENTS(profile_keys), p, error))
    return NULL;
  if (!p->width || !p->height || !p->max_kb) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Profile] needs width, height and max_kb", path);
    return NULL;
  }
  if (p->min_kb > p->max_kb) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Profile] min_kb %d is above max_kb %d", path, p->min_kb, p->max_kb);
    return NULL;
  }
  /* The output must have the crop's aspect, or the photo would be stretched. */
  if ((gint64)p->width * p->aspect_h != (gint64)p->height * p->aspect_w) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Profile] width x height %dx%d is not of aspect %d:%d", path, p->width,
                p->height, p->aspect_w, p->aspect_h);
    return NULL;
  }
  return g_steal_pointer(&p);
}

void
booth_config_free(BoothConfig *c)
{
  if (!c)
    return;
  g_free(c->path);
  g_free(c->camera);
  g_free(c->state_dir);
  g_free(c->profile_dir);
  g_strfreev(c->profiles);
  g_free(c->allowed_group);
  if (c->loaded_profiles)
    g_ptr_array_unref(c->loaded_profiles);
  g_free(c);
}

BoothConfig *
booth_config_load(const char *path, GError **error)
{
  g_autoptr(BoothConfig) c = g_new0(BoothConfig, 1);
  c->camera = g_strdup("auto");
  c->state_dir = g_strdup("/var/lib/boothd");
  c->profiles = g_strsplit("chsi-upload", ";", -1);
  c->auto_start = TRUE;
  c->abandon_timeout = 300;
  c->allowed_group = g_strdup("boothd");
  c->fps = 15;
  c->capture_timeout = 5;
  c->qr_max_side = 1280;
  c->code_max_bytes = 4096;
  c->code_forget = 3;
  if (path) {
    c->path = g_canonicalize_filename(path, NULL);
    if (!load_keyfile(path, config_keys, G_N_ELEMENTS(config_keys), c, error))
      return NULL;
  }
  if (!c->profile_dir) {
    /* Profiles live beside the configuration file unless told otherwise. */
    g_autofree char *dir = path ? g_path_get_dirname(c->path) : g_strdup(BOOTH_SYSCONFDIR);
    c->profile_dir = g_build_filename(dir, "profiles", NULL);
  }
  return g_steal_pointer(&c);
}

gboolean
booth_config_load_profiles(BoothConfig *c, GError **error)
{
  g_assert(c);
  g_clear_pointer(&c->loaded_profiles, g_ptr_array_unref);
  c->loaded_profiles = g_ptr_array_new_with_free_func((GDestroyNotify)booth_profile_free);
  for (int i = 0; c->profiles[i]; i++) {
    g_autofree char *file = g_strconcat(c->profiles[i], ".profile", NULL);
    g_autofree char *path = g_build_filename(c->profile_dir, file, NULL);
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
