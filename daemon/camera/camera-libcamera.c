/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libcamera camera: buffers from the shim are converted on libcamera's thread (the
 * converter is per camera, and only that thread uses it) and put into the mailbox; stills go
 * to whoever waits in booth_camera_capture(). A frame that does not convert (a corrupt MJPEG
 * frame from a USB hiccup) is dropped and counted, never passed on.
 *
 * libcamera allows one camera manager per process. It is shared here by the open camera and
 * the hotplug watches, and made afresh for every open while no camera is open: libcamera
 * enumerates devices only when it starts (and on udev events, where udev runs), so a re-probe
 * for a camera plugged in later needs a new manager. */
#include "camera.h"

#include "camera/convert.h"
#include "camera/libcamera-shim.h"
#include "error.h"
#include "log.h"
#include "photo/crop.h"

/* A corrupt frame is logged at most this often; the counter keeps the rest. */
#define CORRUPT_LOG_INTERVAL_US (10 * G_USEC_PER_SEC)

typedef struct {
  BoothCamera base;
  BoothLcCamera *lc;
  BoothLcSetup setup;
  BoothLcControls controls;
  int rotation;
  BoothConverter *conv;    /* libcamera's thread only, except for its stats */
  guint64 min_interval_ns; /* between analysis frames, when the camera takes no frame rate */
  guint64 last_analysis_ns;
  int analysis_width, analysis_height; /* with one stream: the downscaled copy */
  gint64 corrupt_logged_us;
  guint64 corrupt_unlogged;

  GMutex capture_lock; /* one capture at a time */
  GMutex still_lock;
  GCond still_cond;
  GPtrArray *stills; /* while a capture waits */
  guint stills_wanted;
  gboolean lost;
} LcCamera;

/* ---- the shared manager ---- */

struct BoothCameraWatch {
  BoothCameraHotplugFunc func;
  gpointer user_data;
};

static GMutex manager_lock; /* the manager and its users; never taken on libcamera's thread */
static BoothLcManager *manager;
static gint64 manager_born; /* monotonic */
static guint manager_cameras;
static guint manager_watches;
static GMutex watch_lock; /* the watch list, which libcamera's thread reads */
static GSList *watches;

static void
manager_hotplug(gboolean added, const char *id, gpointer unused)
{
  (void)unused;
  g_mutex_lock(&watch_lock);
  for (GSList *l = watches; l; l = l->next) {
    BoothCameraWatch *w = l->data;
    w->func(added, id, w->user_data);
  }
  g_mutex_unlock(&watch_lock);
}

/* manager_lock held. fresh: one that has enumerated the devices within the last second. */
static BoothLcManager *
manager_get(gboolean fresh, GError **error)
{
  gint64 now = g_get_monotonic_time();
  if (manager && fresh && manager_cameras == 0 && now - manager_born > G_USEC_PER_SEC)
    g_clear_pointer(&manager, booth_lc_manager_free);
  if (!manager) {
    booth_lc_log_redirect();
    manager = booth_lc_manager_new(manager_hotplug, NULL, error);
    manager_born = now;
  }
  return manager;
}

/* manager_lock held. */
static void
manager_release(void)
{
  if (manager_cameras == 0 && manager_watches == 0)
    g_clear_pointer(&manager, booth_lc_manager_free);
}

BoothCameraWatch *
booth_camera_libcamera_watch(BoothCameraHotplugFunc func, gpointer user_data)
{
  g_assert(func);
  BoothCameraWatch *w = g_new0(BoothCameraWatch, 1);
  w->func = func;
  w->user_data = user_data;
  g_mutex_lock(&watch_lock);
  watches = g_slist_prepend(watches, w);
  g_mutex_unlock(&watch_lock);
  g_mutex_lock(&manager_lock);
  manager_watches++;
  g_autoptr(GError) error = NULL;
  /* Without a manager now, the next open makes one and the watch hears from it then. */
  if (!manager_get(FALSE, &error))
    booth_debug("camera", "hotplug: %s", error->message);
  g_mutex_unlock(&manager_lock);
  return w;
}

void
booth_camera_libcamera_unwatch(BoothCameraWatch *w)
{
  g_assert(w);
  g_mutex_lock(&watch_lock);
  watches = g_slist_remove(watches, w);
  g_mutex_unlock(&watch_lock);
  g_mutex_lock(&manager_lock);
  manager_watches--;
  manager_release();
  g_mutex_unlock(&manager_lock);
  g_free(w);
}

/* ---- frames, on libcamera's thread ---- */

static void
log_corrupt(LcCamera *c, const GError *error)
{
  gint64 now = g_get_monotonic_time();
  if (c->corrupt_logged_us && now - c->corrupt_logged_us < CORRUPT_LOG_INTERVAL_US) {
    c->corrupt_unlogged++;
    return;
  }
  if (c->corrupt_unlogged)
    booth_warn("camera",
               "%s: frame dropped: %s (and %" G_GUINT64_FORMAT " more since the last "
               "report)",
               c->base.id, error->message, c->corrupt_unlogged);
  else
    booth_warn("camera", "%s: frame dropped: %s", c->base.id, error->message);
  c->corrupt_logged_us = now;
  c->corrupt_unlogged = 0;
}

static void
on_buffer(const BoothLcBuffer *buf, gpointer data)
{
  LcCamera *c = data;
  gboolean analysis = buf->for_analysis;
  /* A camera that takes no frame rate runs at its own: convert only what was asked for. */
  if (analysis && c->min_interval_ns && c->last_analysis_ns &&
      buf->timestamp_ns - c->last_analysis_ns < c->min_interval_ns)
    analysis = FALSE;
  if (!analysis && !buf->for_still)
    return;

  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f =
      booth_converter_convert(c->conv, buf->data, buf->length, &buf->layout, c->rotation, &error);
  if (!f) {
    log_corrupt(c, error);
    return;
  }
  f->origin = g_strdup(c->base.model);

  if (buf->for_still) {
    g_mutex_lock(&c->still_lock);
    if (c->stills && c->stills->len < c->stills_wanted) {
      g_ptr_array_add(c->stills, booth_frame_ref(f));
      g_cond_broadcast(&c->still_cond);
    }
    g_mutex_unlock(&c->still_lock);
  }
  if (!analysis)
    return;
  c->last_analysis_ns = buf->timestamp_ns;
  if (c->analysis_width && (f->width != c->analysis_width || f->height != c->analysis_height)) {
    BoothRect all = {0, 0, f->width, f->height};
    BoothFrame *small = booth_image_crop_scale(f, all, c->analysis_width, c->analysis_height);
    if (!small)
      return;
    small->origin = g_strdup(f->origin);
    booth_mailbox_put(c->base.mailbox, small);
    return;
  }
  booth_mailbox_put(c->base.mailbox, g_steal_pointer(&f));
}

static void
on_lost(const char *message, gpointer data)
{
  LcCamera *c = data;
  g_mutex_lock(&c->still_lock);
  c->lost = TRUE;
  g_cond_broadcast(&c->still_cond);
  g_mutex_unlock(&c->still_lock);
  booth_camera_report_lost(&c->base, message);
}

/* ---- the camera ---- */

static gboolean
lc_start(BoothCamera *cam, GError **error)
{
  LcCamera *c = (LcCamera *)cam;
  g_mutex_lock(&c->still_lock);
  c->lost = FALSE;
  g_mutex_unlock(&c->still_lock);
  c->last_analysis_ns = 0;
  return booth_lc_camera_start(c->lc, &c->controls, on_buffer, on_lost, c, error);
}

static void
lc_stop(BoothCamera *cam)
{
  LcCamera *c = (LcCamera *)cam;
  booth_lc_camera_stop(c->lc);
  g_mutex_lock(&c->still_lock);
  c->lost = TRUE;
  g_cond_broadcast(&c->still_cond);
  g_mutex_unlock(&c->still_lock);
}

static void
lc_destroy(BoothCamera *cam)
{
  LcCamera *c = (LcCamera *)cam;
  booth_lc_camera_free(c->lc);
  g_mutex_lock(&manager_lock);
  manager_cameras--;
  manager_release();
  g_mutex_unlock(&manager_lock);
  booth_converter_free(c->conv);
  g_mutex_clear(&c->capture_lock);
  g_mutex_clear(&c->still_lock);
  g_cond_clear(&c->still_cond);
  g_free(c);
}

static GPtrArray *
lc_capture(BoothCamera *cam, guint count, gint64 timeout_us, GError **error)
{
  LcCamera *c = (LcCamera *)cam;
  g_mutex_lock(&c->capture_lock);
  g_mutex_lock(&c->still_lock);
  c->stills = g_ptr_array_new_with_free_func((GDestroyNotify)booth_frame_unref);
  c->stills_wanted = count;
  g_mutex_unlock(&c->still_lock);

  gboolean ok = booth_lc_camera_capture_still(c->lc, count, error);
  gint64 deadline = g_get_monotonic_time() + timeout_us;
  g_mutex_lock(&c->still_lock);
  while (ok && !c->lost && c->stills->len < count)
    if (!g_cond_wait_until(&c->still_cond, &c->still_lock, deadline))
      break;
  g_autoptr(GPtrArray) stills = g_steal_pointer(&c->stills);
  gboolean lost = c->lost;
  g_mutex_unlock(&c->still_lock);
  g_mutex_unlock(&c->capture_lock);

  if (!ok)
    return NULL;
  if (stills->len == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                lost ? "camera %s went away during the capture: check its cable"
                     : "no still came from camera %s within %.1f s: check that it is connected",
                c->base.id, timeout_us / 1e6);
    return NULL;
  }
  if (stills->len < count)
    booth_warn("camera", "%s: %u of %u stills came within %.1f s", c->base.id, stills->len, count,
               timeout_us / 1e6);
  return g_steal_pointer(&stills);
}

static void
lc_counters(BoothCamera *cam, guint64 *converted, guint64 *dropped_corrupt)
{
  LcCamera *c = (LcCamera *)cam;
  BoothConverterStats s = booth_converter_stats(c->conv);
  *converted = s.converted;
  *dropped_corrupt = s.dropped_corrupt;
}

static const BoothCameraOps lc_ops = {
    .kind = "libcamera",
    .start = lc_start,
    .stop = lc_stop,
    .destroy = lc_destroy,
    .capture = lc_capture,
    .counters = lc_counters,
};

/* With one stream, analysis gets a copy that fits the viewfinder size asked for. */
static void
analysis_size(const BoothCameraOptions *opts, int w, int h, int *aw, int *ah)
{
  int vw = opts->viewfinder_width, vh = opts->viewfinder_height;
  if (vw <= 0 || vh <= 0) {
    vw = MIN(1280, w);
    vh = (int)((gint64)vw * h / w);
  }
  double scale = MIN(1.0, MIN((double)vw / w, (double)vh / h));
  *aw = MAX(1, (int)(w * scale + 0.5));
  *ah = MAX(1, (int)(h * scale + 0.5));
}

static char *
describe_streams(const BoothLcSetup *s, int aw, int ah)
{
  char still[32], vf[32];
  booth_lc_fourcc_name(s->still_fourcc, still);
  if (s->two_streams)
    return g_strdup_printf("two streams: still %dx%d %s (%u buffers), viewfinder %dx%d %s (%u "
                           "buffers) for analysis",
                           s->still_width, s->still_height, still, s->still_buffers,
                           s->viewfinder_width, s->viewfinder_height,
                           booth_lc_fourcc_name(s->viewfinder_fourcc, vf), s->viewfinder_buffers);
  return g_strdup_printf("one stream: %dx%d %s (%u buffers), analysis on a %dx%d downscaled copy",
                         s->still_width, s->still_height, still, s->still_buffers, aw, ah);
}

BoothCamera *
booth_camera_libcamera_open(const char *id, const BoothCameraOptions *opts, BoothMailbox *mailbox,
                            GError **error)
{
  g_assert(opts && mailbox);
  g_assert(opts->rotation == 0 || opts->rotation == 90 || opts->rotation == 180 ||
           opts->rotation == 270);
  BoothLcRequest req = {
      .width = opts->width,
      .height = opts->height,
      .viewfinder_width = opts->viewfinder_width,
      .viewfinder_height = opts->viewfinder_height,
      .fps = opts->fps,
  };
  if (opts->pixel_format && g_ascii_strcasecmp(opts->pixel_format, "auto") != 0) {
    req.fourcc = booth_lc_fourcc_from_name(opts->pixel_format);
    if (!req.fourcc) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "pixel format '%s' is not one boothd can take from a camera", opts->pixel_format);
      return NULL;
    }
  }

  g_mutex_lock(&manager_lock);
  BoothLcManager *m = manager_get(TRUE, error);
  BoothLcCamera *lc = m ? booth_lc_camera_open(m, id, error) : NULL;
  if (lc)
    manager_cameras++;
  else if (m)
    manager_release();
  g_mutex_unlock(&manager_lock);
  if (!lc)
    return NULL;

  LcCamera *c = g_new0(LcCamera, 1);
  booth_camera_init(&c->base, &lc_ops, mailbox);
  c->lc = lc;
  c->rotation = opts->rotation;
  c->conv = booth_converter_new();
  g_mutex_init(&c->capture_lock);
  g_mutex_init(&c->still_lock);
  g_cond_init(&c->still_cond);
  c->base.id = g_strconcat("libcamera:", booth_lc_camera_get_id(lc), NULL);
  c->base.model = g_strdup(booth_lc_camera_get_model(lc));
  g_autoptr(BoothCamera) cam = &c->base;

  if (!booth_lc_camera_configure(lc, &req, &c->setup, error))
    return NULL;
  const BoothLcSetup *s = &c->setup;
  if (!s->two_streams)
    analysis_size(opts, s->still_width, s->still_height, &c->analysis_width, &c->analysis_height);
  c->base.streams = describe_streams(s, c->analysis_width, c->analysis_height);
  gboolean turned = opts->rotation % 180 != 0;
  c->base.width = turned ? s->still_height : s->still_width;
  c->base.height = turned ? s->still_width : s->still_height;
  if (turned) {
    int t = c->analysis_width;
    c->analysis_width = c->analysis_height;
    c->analysis_height = t;
  }
  c->base.fps = s->fps > 0 ? s->fps : opts->fps;
  if (s->fps <= 0 && opts->fps > 0)
    c->min_interval_ns = (guint64)(0.9e9 / opts->fps);

  booth_info("camera", "libcamera %s: %s (%s): %s; %.1f fps%s%s; rotation %d", booth_lc_version(),
             c->base.id, c->base.model, c->base.streams, c->base.fps,
             s->fps > 0 ? "" : " (the camera takes no frame rate: frames over it are skipped)",
             s->has_autofocus ? "; autofocus before stills" : "", opts->rotation);
  if (!s->two_streams)
    booth_notice("camera", "%s: %s", c->base.id, s->fallback);
  c->controls = (BoothLcControls){
      .exposure_value = opts->exposure_compensation,
      .awb_lock = opts->awb_lock,
      .focus_timeout_ms = opts->focus_timeout_ms,
  };
  return g_steal_pointer(&cam);
}
