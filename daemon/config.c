#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/faces.h"
#include "boothd-build.h"
#include "camera/camera.h"
#include "error.h"
#include "file.h"
#include "photo/image.h"

/* The shipped boothd.conf, comments and all, is under 5 KiB: a file a hundred times that is
 * not a configuration someone wrote. */
#define CONFIG_MAX_BYTES ((gsize)256 * 1024)

typedef enum {
  KEY_BOOL,
  KEY_INT,
  KEY_DOUBLE,
  KEY_STRING,
  KEY_STRV,
  KEY_RGB,
  KEY_RATIO,
  KEY_ROTATION,     /* int: 0, 90, 180 or 270 */
  KEY_PIXEL_FORMAT, /* string: auto or a format boothd takes from a camera */
} KeyType;

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
    PRO("Geometry", "head_top_min", KEY_INT, 0, 8192, head_top_min),
    PRO("Geometry", "head_top_max", KEY_INT, 0, 8192, head_top_max),
    PRO("Geometry", "eye_line_min", KEY_INT, 0, 8192, eye_line_min),
    PRO("Geometry", "eye_line_max", KEY_INT, 0, 8192, eye_line_max),
    PRO("Geometry", "face_width_min", KEY_INT, 1, 8192, face_width_min),
    PRO("Geometry", "face_width_max", KEY_INT, 1, 8192, face_width_max),
    PRO("Geometry", "face_width_factor", KEY_DOUBLE, 0.5, 3, face_width_factor),
    PRO("Geometry", "max_enlarge", KEY_DOUBLE, 0.1, 4, max_enlarge),
    PRO("Geometry", "centre_max", KEY_INT, 0, 8192, centre_max),
    PRO("Background", "color", KEY_RGB, 0, 255, background),
    PRO("Background", "max_distance", KEY_DOUBLE, 0, 400, bg_max_distance),
    PRO("Background", "max_spread", KEY_DOUBLE, 0, 400, bg_max_spread),
    PRO("Background", "max_gradient", KEY_DOUBLE, 0, 400, bg_max_gradient),
    PRO("Background", "max_foreign", KEY_DOUBLE, 0, 1, bg_max_foreign),
    PRO("Checks", "max_tilt_deg", KEY_DOUBLE, 0, 90, max_tilt_deg),
    PRO("Checks", "luma_min", KEY_INT, 0, 255, luma_min),
    PRO("Checks", "luma_max", KEY_INT, 0, 255, luma_max),
    PRO("Checks", "max_clipped", KEY_DOUBLE, 0, 1, max_clipped),
    PRO("Checks", "min_sharpness", KEY_DOUBLE, 0, 1e6, min_sharpness),
    PRO("Checks", "clothing_min_distance", KEY_DOUBLE, 0, 400, clothing_min_distance),
    PRO("Capture", "burst", KEY_INT, 1, 30, burst),
};

/* Pairs of keys where the first may not exceed the second. */
typedef struct {
  const char *group;
  const char *lo_key, *hi_key;
  size_t lo, hi;
} IntPair;

#define PAIR(g, a, b)                                                                              \
  {                                                                                                \
    g, #a, #b, offsetof(BoothProfile, a), offsetof(BoothProfile, b)                                \
  }
static const IntPair profile_pairs[] = {
    PAIR("Geometry", head_top_min, head_top_max),
    PAIR("Geometry", eye_line_min, eye_line_max),
    PAIR("Geometry", face_width_min, face_width_max),
    /* The head's top lies above the eyes: a band pair that overlaps describes no face. */
    PAIR("Geometry", head_top_max, eye_line_min),
    PAIR("Checks", luma_min, luma_max),
};

#define PROFILE_UNSET (-1)

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
  case KEY_ROTATION: {
    gint64 n;
    if (!parse_int(v, &n) || (n != 0 && n != 90 && n != 180 && n != 270))
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a rotation (use 0, 90, 180 or 270 degrees clockwise)", v);
    *(int *)field = (int)n;
    return TRUE;
  }
  case KEY_PIXEL_FORMAT:
    if (!booth_camera_pixel_format_valid(v))
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a pixel format boothd takes from a camera (use auto, MJPEG, "
                     "YUYV, UYVY, NV12, NV21, RGB888, BGR888, XRGB8888, XBGR8888, RGBX8888 or "
                     "BGRX8888, as libcamera names them)",
                     v);
    g_free(*(char **)field);
    *(char **)field = g_steal_pointer(&v);
    return TRUE;
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

/* GKeyFile lets the last of two equal keys in a group win without a word, so a value changed
 * in one place and left in another would silently not apply. This finds the second one,
 * reading lines as GKeyFile does (it has accepted the text already): blanks before a line
 * and around a key are ignored, '#' starts a comment, and a group named twice is one group. */
static gboolean
check_duplicate_keys(const char *path, const char *text, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) first_line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (g_ascii_isspace(*l))
      l++;
    if (*l == '#' || *l == '\0')
      continue;
    if (*l == '[') {
      g_free(group);
      group = g_strndup(l + 1, strcspn(l + 1, "]"));
      continue;
    }
    size_t n = strcspn(l, "=");
    if (l[n] != '=' || !group)
      continue;
    g_autofree char *key = g_strstrip(g_strndup(l, n));
    /* Neither a group name nor a key holds a newline. */
    g_autofree char *id = g_strconcat(group, "\n", key, NULL);
    int first = GPOINTER_TO_INT(g_hash_table_lookup(first_line, id));
    if (first) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: [%s] %s: set again (first at line %d); keep one of the two", path, i + 1,
                  group, key, first);
      return FALSE;
    }
    g_hash_table_insert(first_line, g_steal_pointer(&id), GINT_TO_POINTER(i + 1));
  }
  return TRUE;
}

/* Parses len bytes of text into target, every key checked against specs; path names the file
 * in messages, what the kind of file ("a profile"). */
static gboolean
load_keyfile(const char *data, gsize len, const char *path, const char *what, const KeySpec *specs,
             size_t n_specs, void *target, GError **error)
{
  if (len > CONFIG_MAX_BYTES) {
    g_autofree char *size = booth_file_format_size(len);
    g_autofree char *limit = booth_file_format_size(CONFIG_MAX_BYTES);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the text is %s; %s may be at most %s", path, size, what, limit);
    return FALSE;
  }
  /* GKeyFile checks values but not keys or group names, which the messages below quote; and
   * a NUL would end the text early for everything here. */
  const char *end = NULL;
  if (!g_utf8_validate_len(data, len, &end)) {
    int line = 1;
    for (const char *p = data; p < end; p++)
      line += *p == '\n';
    if (*end == '\0')
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: a NUL byte: %s is text, and this file is not", path, line, what);
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: bytes that are not UTF-8: %s is UTF-8 text (save it as UTF-8)", path,
                  line, what);
    return FALSE;
  }
  g_autofree char *text = g_strndup(data, len);
  g_autoptr(GError) local = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: %s", path, local->message);
    return FALSE;
  }
  if (!check_duplicate_keys(path, text, error))
    return FALSE;
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

/* A profile that leaves a band out gets the CHSI registration image's proportions at its own
 * size, so a new standard file only names what differs. */
static void
profile_fill_geometry(BoothProfile *p)
{
  const struct {
    int *field;
    int chsi, of; /* the CHSI value, and the CHSI side it is a share of */
    int side;
  } fill[] = {
      {&p->head_top_min, 50, 640, p->height},   {&p->head_top_max, 110, 640, p->height},
      {&p->eye_line_min, 200, 640, p->height},  {&p->eye_line_max, 300, 640, p->height},
      {&p->face_width_min, 180, 480, p->width}, {&p->face_width_max, 300, 480, p->width},
      {&p->centre_max, 24, 480, p->width},
  };
  for (size_t i = 0; i < G_N_ELEMENTS(fill); i++)
    if (*fill[i].field == PROFILE_UNSET)
      *fill[i].field = (int)((gint64)fill[i].chsi * fill[i].side / fill[i].of);
}

BoothProfile *
booth_profile_load_data(const char *text, gsize len, const char *path, GError **error)
{
  g_assert(text || len == 0);
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
  p->head_top_min = p->head_top_max = PROFILE_UNSET;
  p->eye_line_min = p->eye_line_max = PROFILE_UNSET;
  p->face_width_min = p->face_width_max = PROFILE_UNSET;
  p->centre_max = PROFILE_UNSET;
  /* Cheek-to-cheek width (dlib landmarks 0 and 16) over the width of OpenCV's
   * lbpcascade_frontalface_improved box: median 1.236, sd 0.068 over 37 faces. */
  p->face_width_factor = 1.24;
  p->max_enlarge = 1.0;
  p->bg_max_distance = 30;
  p->bg_max_spread = 6;
  p->bg_max_gradient = 15;
  p->bg_max_foreign = 0.02;
  p->max_tilt_deg = 5;
  p->luma_min = 90;
  p->luma_max = 210;
  p->max_clipped = 0.02;
  p->min_sharpness = 30;
  p->clothing_min_distance = 20;
  p->burst = 3;
  if (!load_keyfile(text ? text : "", len, path, "a profile", profile_keys,
                    G_N_ELEMENTS(profile_keys), p, error))
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
  profile_fill_geometry(p);
  for (size_t i = 0; i < G_N_ELEMENTS(profile_pairs); i++) {
    const IntPair *q = &profile_pairs[i];
    int lo = *(int *)((char *)p + q->lo), hi = *(int *)((char *)p + q->hi);
    if (lo > hi) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: [%s] %s %d is above %s %d",
                  path, q->group, q->lo_key, lo, q->hi_key, hi);
      return NULL;
    }
  }
  if (p->eye_line_max >= p->height || p->face_width_max > p->width) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Geometry] eye_line_max %d and face_width_max %d must lie inside %dx%d", path,
                p->eye_line_max, p->face_width_max, p->width, p->height);
    return NULL;
  }
  return g_steal_pointer(&p);
}

BoothProfile *
booth_profile_load(const char *path, GError **error)
{
  g_assert(path);
  gsize len = 0;
  g_autofree char *text = booth_file_read(path, CONFIG_MAX_BYTES, "a profile", &len, error);
  if (!text)
    return NULL;
  return booth_profile_load_data(text, len, path, error);
}

void
booth_config_free(BoothConfig *c)
{
  if (!c)
    return;
  g_free(c->path);
  g_free(c->camera);
  g_free(c->pixel_format);
  g_free(c->state_dir);
  g_free(c->profile_dir);
  g_strfreev(c->profiles);
  g_free(c->allowed_group);
  g_free(c->cascade_dir);
  if (c->loaded_profiles)
    g_ptr_array_unref(c->loaded_profiles);
  g_free(c);
}

/* The built-in defaults, then text (NULL: none) read as the file path. */
static BoothConfig *
config_load(const char *text, gsize len, const char *path, GError **error)
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
  if (path) {
    c->path = g_canonicalize_filename(path, NULL);
    if (!load_keyfile(text, len, path, "a configuration file", config_keys,
                      G_N_ELEMENTS(config_keys), c, error))
      return NULL;
  }
  /* A size needs both sides; 0 for both lets the camera's largest be used. */
  if ((c->camera_width == 0) != (c->camera_height == 0) ||
      (c->viewfinder_width == 0) != (c->viewfinder_height == 0)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: [Camera] width and height (and viewfinder_width and viewfinder_height) are "
                "set together, or both left at 0",
                path);
    return NULL;
  }
  if (!c->profile_dir) {
    /* Profiles live beside the configuration file unless told otherwise. */
    g_autofree char *dir = path ? g_path_get_dirname(c->path) : g_strdup(BOOTH_SYSCONFDIR);
    c->profile_dir = g_build_filename(dir, "profiles", NULL);
  }
  return g_steal_pointer(&c);
}

BoothConfig *
booth_config_load(const char *path, GError **error)
{
  if (!path)
    return config_load(NULL, 0, NULL, error);
  gsize len = 0;
  g_autofree char *text =
      booth_file_read(path, CONFIG_MAX_BYTES, "a configuration file", &len, error);
  if (!text)
    return NULL;
  return config_load(text, len, path, error);
}

BoothConfig *
booth_config_load_data(const char *text, gsize len, const char *path, GError **error)
{
  g_assert(text || len == 0);
  g_assert(path);
  return config_load(text ? text : "", len, path, error);
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
