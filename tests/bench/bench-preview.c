/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preview's cost per frame beside the analysis's, measured in the same run on the same
 * frames: for 640x360 and 1280x720 camera frames, the encoder thread's work for 1 and for 4
 * client groups (4 distinct settings, each encoded once: 640 px at quality 70, mirrored, 480 px
 * and 320 px at quality 60), each group written to a reader that keeps up. The frame is the
 * student sample cut to 16:9 and panned, so every frame differs.
 * Prints the figures; asserts only that the work was done. */
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "analysis/analysis.h"
#include "booth-preview.h"
#include "core/config.h"
#include "core/preview.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "bench-util.h"

#define FRAMES 90

static GPtrArray *
make_frames(int w, int h)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", "student.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) src = booth_image_load(path, &error);
  g_assert_no_error(error);
  GPtrArray *frames = g_ptr_array_new_with_free_func((GDestroyNotify)booth_frame_unref);
  BoothRect full = booth_crop_centered(src->width, src->height, w, h);
  for (guint k = 0; k < FRAMES; k++) {
    BoothRect r = full;
    r.width = full.width * 9 / 10;
    r.height = full.height * 9 / 10;
    r.x += (int)(k % 10) * (full.width - r.width) / 9;
    r.y += (int)(k / 10 % 10) * (full.height - r.height) / 9;
    BoothFrame *f = booth_image_crop_scale(src, r, w, h);
    f->seq = k + 1;
    g_ptr_array_add(frames, f);
  }
  return frames;
}

/* Drains a socket so the writer never meets a full one. */
static gpointer
drain(gpointer data)
{
  int fd = GPOINTER_TO_INT(data);
  char buf[65536];
  while (read(fd, buf, sizeof buf) > 0)
    ;
  return NULL;
}

static void
bench_size(gconstpointer data)
{
  const int *wh = data;
  g_autofree char *ppath = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles",
                                            "chsi-upload.profile", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothProfile) profile = booth_profile_load(ppath, &error);
  g_assert_no_error(error);
  BoothAnalyzerOptions ao = {1280, NULL, 0.15, profile, TRUE};
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(&ao, &error);
  g_assert_no_error(error);
  g_autoptr(GPtrArray) frames = make_frames(wh[0], wh[1]);

  /* The analysis of every frame, timed, and its overlay kept for the preview. */
  g_autoptr(GArray) analysis = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) overlays = g_array_new(FALSE, FALSE, sizeof(BoothPreviewOverlay));
  for (guint i = 0; i < frames->len; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, frames->pdata[i]);
    g_array_append_val(analysis, r->total_us);
    BoothPreviewOverlay ov;
    booth_preview_overlay_init(&ov, &r->framing, profile);
    g_array_append_val(overlays, ov);
  }

  BoothPreviewOptions groups[4];
  for (int g = 0; g < 4; g++)
    booth_preview_options_init(&groups[g]);
  groups[1].mirror = TRUE;
  groups[2].max_side = 480;
  groups[2].quality = 60;
  groups[3].max_side = 320;
  groups[3].quality = 60;
  const guint n_groups[] = {1, 4};
  double per_frame[2];
  gsize bytes[2] = {0, 0};
  for (guint k = 0; k < 2; k++) {
    int fds[4][2];
    GThread *readers[4];
    for (guint g = 0; g < n_groups[k]; g++) {
      g_assert_no_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds[g]));
      readers[g] = g_thread_new("reader", drain, GINT_TO_POINTER(fds[g][1]));
    }
    g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
    for (guint i = 0; i < frames->len; i++) {
      /* What the encoder thread does with a frame: encode per group, write to each. */
      gint64 t0 = g_get_monotonic_time();
      for (guint g = 0; g < n_groups[k]; g++) {
        g_autoptr(GBytes) out =
            booth_preview_encode(frames->pdata[i], &g_array_index(overlays, BoothPreviewOverlay, i),
                                 &groups[g], 0, 0, &error);
        g_assert_no_error(error);
        gsize len;
        const guint8 *p = g_bytes_get_data(out, &len);
        bytes[k] += len;
        for (gsize sent = 0; sent < len;) {
          ssize_t n = send(fds[g][0], p + sent, len - sent, MSG_NOSIGNAL);
          g_assert_cmpint(n, >, 0);
          sent += (gsize)n;
        }
      }
      gint64 t = g_get_monotonic_time() - t0;
      g_array_append_val(times, t);
    }
    for (guint g = 0; g < n_groups[k]; g++) {
      close(fds[g][0]);
      g_thread_join(readers[g]);
      close(fds[g][1]);
    }
    per_frame[k] = median_ms(times);
  }
  double a = median_ms(analysis);
  g_test_message("%dx%d frames: analysis median %.2f ms/frame; preview, 1 client group "
                 "(640 px, q70): %.2f ms/frame (%.0f%% of the analysis, %.1f KB/frame); 4 groups: "
                 "%.2f ms/frame (%.0f%%); at 15 fps that is %.0f%% and %.0f%% of one core",
                 wh[0], wh[1], a, per_frame[0], 100 * per_frame[0] / a,
                 (double)bytes[0] / FRAMES / 1024, per_frame[1], 100 * per_frame[1] / a,
                 per_frame[0] * 15 / 10, per_frame[1] * 15 / 10);
  g_assert_cmpuint(analysis->len, ==, FRAMES);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const int small[] = {640, 360}, hd[] = {1280, 720};
  g_test_add_data_func("/bench/preview-360p", small, bench_size);
  g_test_add_data_func("/bench/preview-720p", hd, bench_size);
  return g_test_run();
}
