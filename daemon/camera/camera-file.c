/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Plays still images as a camera: a folder (sorted by name, each image one frame), a
 * playlist ("FILE [SECONDS]" per line, '#' comments, paths relative to the playlist), or one
 * image. Everything is decoded once at open, so the playback thread only copies pixels, at
 * the configured frame rate, looping, and a bad file is found at start-up: in a folder, which
 * holds whatever was copied into it, an image that cannot be played (corrupt, larger than
 * max_frame_pixels, unreadable) is left out with a warning, and the camera fails only when
 * none can be played; in a playlist, which says exactly what to show, it stops the camera
 * with the line named. An image's size is checked from its header before it is decoded. */
#include <string.h>

#include "camera.h"
#include "error.h"
#include "file.h"
#include "log.h"
#include "photo/image.h"

#define FILE_CAMERA_MAX_BYTES ((gsize)1 << 30)
/* Ten thousand lines of paths; anything larger is not a playlist someone wrote. */
#define FILE_CAMERA_MAX_PLAYLIST_BYTES ((gsize)1 << 20)

typedef struct {
  BoothFrame *image;
  guint repeat; /* frames to show it for */
} Entry;

typedef struct {
  BoothCamera base;
  gint64 max_frame_pixels;
  GArray *entries; /* Entry */
  GThread *thread;
  GMutex lock;
  GCond cond;
  gboolean stop;
} FileCamera;

static void
entry_clear(gpointer p)
{
  booth_frame_unref(((Entry *)p)->image);
}

static gboolean
is_image_name(const char *name)
{
  g_autofree char *lower = g_ascii_strdown(name, -1);
  return g_str_has_suffix(lower, ".jpg") || g_str_has_suffix(lower, ".jpeg") ||
         g_str_has_suffix(lower, ".png");
}

/* Errors name the image but not the camera: the callers say where it came from. */
static gboolean
add_entry(FileCamera *fc, const char *path, double seconds, gsize *total, GError **error)
{
  BoothFrame *img = booth_image_load_max(path, fc->max_frame_pixels, error);
  if (!img)
    return FALSE;
  gsize bytes = (gsize)img->stride * (gsize)img->height;
  if (*total + bytes > FILE_CAMERA_MAX_BYTES) {
    booth_frame_unref(img);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "%s: the images up to this one add up to more than %zu MiB decoded; use fewer or "
                "smaller images",
                path, FILE_CAMERA_MAX_BYTES >> 20);
    return FALSE;
  }
  *total += bytes;
  double frames = seconds > 0 ? seconds * fc->base.fps : 1;
  Entry e = {img, frames < 1 ? 1 : (guint)(frames + 0.5)};
  g_array_append_val(fc->entries, e);
  return TRUE;
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static gboolean
load_folder(FileCamera *fc, const char *path, guint *skipped, GError **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
  if (!dir) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "file camera: %s", local->message);
    return FALSE;
  }
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  const char *name;
  while ((name = g_dir_read_name(dir)))
    if (is_image_name(name))
      g_ptr_array_add(names, g_strdup(name));
  g_ptr_array_sort(names, compare_names);
  gsize total = 0;
  g_autoptr(GError) first = NULL;
  for (guint i = 0; i < names->len; i++) {
    g_autofree char *file = g_build_filename(path, g_ptr_array_index(names, i), NULL);
    g_autoptr(GError) bad = NULL;
    if (add_entry(fc, file, 0, &total, &bad))
      continue;
    booth_warn("camera", "file camera: %s; left out, the folder plays without it", bad->message);
    (*skipped)++;
    if (!first)
      first = g_steal_pointer(&bad);
  }
  if (fc->entries->len == 0 && first) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "file camera: none of the %u images in %s can be played; the first: %s", *skipped,
                path, first->message);
    return FALSE;
  }
  return TRUE;
}

static gboolean
load_playlist(FileCamera *fc, const char *path, GError **error)
{
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  g_autofree char *text =
      booth_file_read(path, FILE_CAMERA_MAX_PLAYLIST_BYTES, "a playlist", &len, &local);
  if (!text) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "file camera: %s", local->message);
    return FALSE;
  }
  g_autofree char *base = g_path_get_dirname(path);
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gsize total = 0;
  for (int i = 0; lines[i]; i++) {
    char *l = g_strstrip(lines[i]);
    if (!*l || *l == '#')
      continue;
    /* The last field is a duration when it parses as one; file names may contain spaces. */
    double seconds = 0;
    char *sp = strrchr(l, ' ');
    if (sp) {
      char *end = NULL;
      double d = g_ascii_strtod(sp + 1, &end);
      if (end != sp + 1 && *end == '\0') {
        if (!(d > 0 && d <= 3600)) {
          g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                      "%s:%d: duration '%s' must be between 0 and 3600 seconds", path, i + 1,
                      sp + 1);
          return FALSE;
        }
        seconds = d;
        *sp = '\0';
        g_strchomp(l);
      }
    }
    g_autofree char *file = g_path_is_absolute(l) ? g_strdup(l) : g_build_filename(base, l, NULL);
    if (!add_entry(fc, file, seconds, &total, &local)) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "%s:%d: file camera: %s", path, i + 1,
                  local->message);
      return FALSE;
    }
  }
  return TRUE;
}

static gpointer
file_camera_thread(gpointer data)
{
  FileCamera *fc = data;
  gint64 period = (gint64)(G_USEC_PER_SEC / fc->base.fps);
  gint64 next = g_get_monotonic_time();
  guint index = 0, shown = 0;

  g_mutex_lock(&fc->lock);
  while (!fc->stop) {
    /* Sleep to the deadline; a late wake-up skips ahead instead of bursting. */
    if (!g_cond_wait_until(&fc->cond, &fc->lock, next) && !fc->stop) {
      g_mutex_unlock(&fc->lock);
      const Entry *e = &g_array_index(fc->entries, Entry, index);
      BoothFrame *f = booth_frame_new(e->image->width, e->image->height);
      if (f) {
        for (int r = 0; r < f->height; r++)
          memcpy(f->data + (gsize)r * (gsize)f->stride,
                 e->image->data + (gsize)r * (gsize)e->image->stride, (gsize)f->width * 3);
        f->origin = g_strdup(e->image->origin);
        booth_mailbox_put(fc->base.mailbox, f);
      }
      if (++shown >= e->repeat) {
        shown = 0;
        index = (index + 1) % fc->entries->len;
      }
      next += period;
      gint64 now = g_get_monotonic_time();
      if (next < now - period)
        next = now;
      g_mutex_lock(&fc->lock);
    }
  }
  g_mutex_unlock(&fc->lock);
  return NULL;
}

static gboolean
file_camera_start(BoothCamera *cam, GError **error)
{
  FileCamera *fc = (FileCamera *)cam;
  (void)error;
  fc->stop = FALSE;
  fc->thread = g_thread_new("booth-filecam", file_camera_thread, fc);
  return TRUE;
}

static void
file_camera_stop(BoothCamera *cam)
{
  FileCamera *fc = (FileCamera *)cam;
  g_mutex_lock(&fc->lock);
  fc->stop = TRUE;
  g_cond_signal(&fc->cond);
  g_mutex_unlock(&fc->lock);
  g_clear_pointer(&fc->thread, g_thread_join);
}

static void
file_camera_destroy(BoothCamera *cam)
{
  FileCamera *fc = (FileCamera *)cam;
  g_array_unref(fc->entries);
  g_mutex_clear(&fc->lock);
  g_cond_clear(&fc->cond);
  g_free(fc);
}

static const BoothCameraOps file_camera_ops = {
    .kind = "file",
    .start = file_camera_start,
    .stop = file_camera_stop,
    .destroy = file_camera_destroy,
};

BoothCamera *
booth_camera_file_open(const char *path, const BoothCameraOptions *opts, BoothMailbox *mailbox,
                       GError **error)
{
  g_assert(path && opts && mailbox);
  g_assert(opts->fps > 0);
  g_assert(opts->max_frame_pixels > 0 && opts->max_frame_pixels <= BOOTH_IMAGE_MAX_PIXELS);
  FileCamera *fc = g_new0(FileCamera, 1);
  booth_camera_init(&fc->base, &file_camera_ops, mailbox);
  fc->base.fps = opts->fps;
  fc->base.id = g_strconcat("file:", path, NULL);
  fc->base.model = g_strdup("file playback");
  fc->base.streams = g_strdup("file playback at the configured frame rate");
  fc->max_frame_pixels = opts->max_frame_pixels;
  fc->entries = g_array_new(FALSE, FALSE, sizeof(Entry));
  g_array_set_clear_func(fc->entries, entry_clear);
  g_mutex_init(&fc->lock);
  g_cond_init(&fc->cond);
  g_autoptr(BoothCamera) cam = &fc->base;

  gboolean ok;
  guint skipped = 0;
  if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
    ok = load_folder(fc, path, &skipped, error);
  } else if (is_image_name(path)) {
    g_autoptr(GError) local = NULL;
    ok = add_entry(fc, path, 0, &(gsize){0}, &local);
    if (!ok)
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "file camera: %s", local->message);
  } else if (g_file_test(path, G_FILE_TEST_EXISTS)) {
    ok = load_playlist(fc, path, error);
  } else {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "file camera: %s does not exist (give a folder of images, a playlist or an image)",
                path);
    ok = FALSE;
  }
  if (!ok)
    return NULL;
  if (fc->entries->len == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "file camera: %s holds no .jpg, .jpeg or .png image", path);
    return NULL;
  }
  for (guint i = 0; i < fc->entries->len; i++) {
    const BoothFrame *img = g_array_index(fc->entries, Entry, i).image;
    cam->width = MAX(cam->width, img->width);
    cam->height = MAX(cam->height, img->height);
  }
  g_autofree char *left_out = skipped ? g_strdup_printf(" (%u left out)", skipped) : g_strdup("");
  booth_info("camera", "file camera %s: %u image%s%s, up to %dx%d, %.1f fps", path,
             fc->entries->len, fc->entries->len == 1 ? "" : "s", left_out, cam->width, cam->height,
             opts->fps);
  return g_steal_pointer(&cam);
}
