/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libFuzzer target for the configuration and profile parser: any bytes, as boothd.conf and as
 * a profile, through the same code that reads the files (booth_config_load_data and
 * booth_profile_load_data). Whatever the input: a result or an error, never both, never
 * neither; an error is INVALID_ARGUMENT, names the file and is valid UTF-8 (it goes to the
 * journal and to the operator); a result holds only what the key tables allow. */
#include "camera/camera.h"
#include "core/config.h"
#include "error.h"
#include "photo/image.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_error(GError *error, const char *name)
{
  if (!error || !g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT) ||
      !g_str_has_prefix(error->message, name) || !g_utf8_validate(error->message, -1, NULL))
    abort();
  g_error_free(error);
}

static void
check_config(const BoothConfig *c)
{
  static const char name_chars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                   "0123456789-_";
  guint n = g_strv_length(c->profiles);
  if (n < 1 || n > 16)
    abort();
  for (guint i = 0; i < n; i++)
    if (!*c->profiles[i] || strspn(c->profiles[i], name_chars) != strlen(c->profiles[i]))
      abort();
  if (!(c->fps >= 0.1 && c->fps <= 120) || c->rotation % 90 || c->rotation < 0 ||
      c->rotation > 270 || (c->camera_width == 0) != (c->camera_height == 0) ||
      (c->viewfinder_width == 0) != (c->viewfinder_height == 0) || c->max_frame_pixels < 100000 ||
      c->max_frame_pixels > BOOTH_IMAGE_MAX_PIXELS || !c->profile_path || !c->profile_path[0] ||
      !c->state_dir || !booth_camera_pixel_format_valid(c->pixel_format))
    abort();
}

static void
check_profile(const BoothProfile *p)
{
  if (p->width < 16 || p->height < 16 || p->max_kb < 1 || p->min_kb > p->max_kb ||
      (gint64)p->width * p->aspect_h != (gint64)p->height * p->aspect_w ||
      p->head_top_min > p->head_top_max || p->head_top_max > p->eye_line_min ||
      p->eye_line_min > p->eye_line_max || p->eye_line_max >= p->height ||
      p->face_width_min > p->face_width_max || p->face_width_max > p->width ||
      p->luma_min > p->luma_max || p->burst < 1 || strcmp(p->name, "fuzz") != 0)
    abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *text = (const char *)data;
  GError *error = NULL;
  BoothConfig *c = booth_config_load_data(text, size, "fuzz.conf", &error);
  if (c) {
    if (error)
      abort();
    check_config(c);
    booth_config_free(c);
  } else {
    check_error(error, "fuzz.conf");
  }

  error = NULL;
  BoothProfile *p = booth_profile_load_data(text, size, "fuzz.profile", &error);
  if (p) {
    if (error)
      abort();
    check_profile(p);
    booth_profile_free(p);
  } else {
    check_error(error, "fuzz.profile");
  }
  return 0;
}
