/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "camera.h"

#include "camera/convert.h"
#include "error.h"
#ifdef BOOTH_HAVE_LIBCAMERA
#include "camera/libcamera-shim.h"
#endif

void
booth_camera_options_init(BoothCameraOptions *opts)
{
  g_assert(opts);
  *opts = (BoothCameraOptions){.fps = 15, .max_frame_pixels = BOOTH_CAMERA_MAX_FRAME_PIXELS};
}

void
booth_camera_init(BoothCamera *cam, const BoothCameraOps *ops, BoothMailbox *mailbox)
{
  g_assert(cam && ops && mailbox);
  cam->ops = ops;
  cam->mailbox = mailbox;
  cam->ref = 1;
  g_mutex_init(&cam->lost_lock);
}

BoothCamera *
booth_camera_open_full(const char *spec, const BoothCameraOptions *opts, BoothMailbox *mailbox,
                       GError **error)
{
  g_assert(spec && opts && mailbox);
  if (g_str_has_prefix(spec, "file:"))
    return booth_camera_file_open(spec + 5, opts, mailbox, error);
  if (g_str_equal(spec, "auto") || g_str_has_prefix(spec, "libcamera:")) {
#ifdef BOOTH_HAVE_LIBCAMERA
    const char *id = g_str_equal(spec, "auto") ? NULL : spec + 10;
    if (id && !*id) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "camera '%s' names no camera: write libcamera:ID with an id from `cam -l`", spec);
      return NULL;
    }
    return booth_camera_libcamera_open(id, opts, mailbox, error);
#else
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "camera '%s' needs libcamera, which this build of boothd lacks: rebuild with "
                "libcamera-dev installed, or use file:PATH",
                spec);
    return NULL;
#endif
  }
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
              "camera '%s' is not supported: use auto (the first camera libcamera finds), "
              "libcamera:ID (one camera, ids from `cam -l`) or file:PATH (a folder of JPEG or "
              "PNG frames, a playlist, or one image)",
              spec);
  return NULL;
}

BoothCamera *
booth_camera_open(const char *spec, double fps, BoothMailbox *mailbox, GError **error)
{
  BoothCameraOptions opts;
  booth_camera_options_init(&opts);
  opts.fps = fps;
  return booth_camera_open_full(spec, &opts, mailbox, error);
}

gboolean
booth_camera_start(BoothCamera *cam, GError **error)
{
  g_assert(cam);
  if (g_atomic_int_get(&cam->running))
    return TRUE;
  if (!cam->ops->start(cam, error))
    return FALSE;
  g_atomic_int_set(&cam->running, 1);
  return TRUE;
}

void
booth_camera_stop(BoothCamera *cam)
{
  g_assert(cam);
  if (!g_atomic_int_get(&cam->running))
    return;
  cam->ops->stop(cam);
  g_atomic_int_set(&cam->running, 0);
}

BoothCamera *
booth_camera_ref(BoothCamera *cam)
{
  g_assert(cam);
  g_atomic_int_inc(&cam->ref);
  return cam;
}

void
booth_camera_unref(BoothCamera *cam)
{
  if (!cam || !g_atomic_int_dec_and_test(&cam->ref))
    return;
  booth_camera_stop(cam);
  g_free(cam->id);
  g_free(cam->model);
  g_free(cam->streams);
  g_free(cam->lost_message);
  g_mutex_clear(&cam->lost_lock);
  cam->ops->destroy(cam);
}

GPtrArray *
booth_camera_capture(BoothCamera *cam, guint count, guint64 after_seq, gint64 timeout_us,
                     GError **error)
{
  g_assert(cam && count > 0);
  if (cam->ops->capture)
    return cam->ops->capture(cam, count, timeout_us, error);
  g_autoptr(GPtrArray) frames = g_ptr_array_new_with_free_func((GDestroyNotify)booth_frame_unref);
  gint64 deadline = g_get_monotonic_time() + timeout_us;
  while (frames->len < count) {
    gint64 left = deadline - g_get_monotonic_time();
    BoothFrame *f = left > 0 ? booth_mailbox_wait(cam->mailbox, after_seq, left) : NULL;
    if (!f)
      break;
    after_seq = f->seq;
    g_ptr_array_add(frames, f);
  }
  if (frames->len == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "no frame came from the camera within %.1f s: check that it is connected and not "
                "used by another program",
                timeout_us / 1e6);
    return NULL;
  }
  return g_steal_pointer(&frames);
}

void
booth_camera_counters(BoothCamera *cam, guint64 *converted, guint64 *dropped_corrupt)
{
  g_assert(cam && converted && dropped_corrupt);
  *converted = *dropped_corrupt = 0;
  if (cam->ops->counters)
    cam->ops->counters(cam, converted, dropped_corrupt);
}

void
booth_camera_set_lost_func(BoothCamera *cam, BoothCameraLostFunc func, gpointer user_data)
{
  g_assert(cam);
  g_mutex_lock(&cam->lost_lock);
  cam->lost_func = func;
  cam->lost_data = user_data;
  g_mutex_unlock(&cam->lost_lock);
}

void
booth_camera_report_lost(BoothCamera *cam, const char *message)
{
  g_assert(cam && message);
  /* Under the lock, so the supervisor can unset the callback and know it is not running. */
  g_mutex_lock(&cam->lost_lock);
  if (!cam->lost_message) {
    cam->lost_message = g_strdup(message);
    if (cam->lost_func)
      cam->lost_func(cam, message, cam->lost_data);
  }
  g_mutex_unlock(&cam->lost_lock);
}

BoothCameraWatch *
booth_camera_watch_new(const char *spec, BoothCameraHotplugFunc func, gpointer user_data)
{
  g_assert(spec && func);
#ifdef BOOTH_HAVE_LIBCAMERA
  if (g_str_equal(spec, "auto") || g_str_has_prefix(spec, "libcamera:"))
    return booth_camera_libcamera_watch(func, user_data);
#else
  (void)user_data;
#endif
  return NULL;
}

void
booth_camera_watch_free(BoothCameraWatch *watch)
{
#ifdef BOOTH_HAVE_LIBCAMERA
  if (watch)
    booth_camera_libcamera_unwatch(watch);
#else
  g_assert(watch == NULL);
#endif
}

gboolean
booth_camera_pixel_format_valid(const char *name)
{
  g_assert(name);
  if (g_ascii_strcasecmp(name, "auto") == 0)
    return TRUE;
    /* libcamera's spelling; without libcamera the converter's, which agrees on all but the
     * packed RGB names, and the key does nothing then anyway. */
#ifdef BOOTH_HAVE_LIBCAMERA
  return booth_lc_fourcc_from_name(name) != 0;
#else
  BoothPixelFormat f;
  return booth_pixel_format_parse(name, &f);
#endif
}
