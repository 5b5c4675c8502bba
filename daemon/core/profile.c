/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Photo profiles: one key file each (etc/profiles/NAME.profile), read by core/keyfile.c. */
#include <string.h>

#include "core/config.h"
#include "core/keyfile.h"
#include "error.h"
#include "file.h"

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
  if (!booth_keyfile_load(text ? text : "", len, path, "a profile", profile_keys,
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
  g_autofree char *text = booth_file_read(path, BOOTH_KEYFILE_MAX_BYTES, "a profile", &len, error);
  if (!text)
    return NULL;
  return booth_profile_load_data(text, len, path, error);
}
