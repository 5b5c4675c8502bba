/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The whole per-frame analysis (luma, QR, faces and eyes, framing) as the live worker runs it,
 * one thread, at 1280x720 and 1920x1080, and Capture's processing from a burst to a
 * candidate. Frames are cut from real photos: 16:9 windows panning across each portrait and
 * group photo, scaled with the daemon's own area filter, so every frame differs.
 * Prints the figures; asserts only that the work was done. */
#include <glib/gstdio.h>
#include <string.h>

#include "core/config.h"
#include "analysis/analysis.h"
#include "core/capture.h"
#include "photo/crop.h"
#include "photo/image.h"

static const char *const sources[] = {
    "frames/student.jpg",
    "portraits/test0.jpg",
    "portraits/test3.jpg",
    "portraits/test4.jpg",
    "portraits/id-photo-examples.jpg",
    "faces/dlib/2009_004587.jpg",
    "faces/dlib/Tom_Cruise_avp_2014_4.jpg",
};

static BoothProfile *
load_profile(const char *name)
{
  g_autofree char *file = g_strconcat(name, ".profile", NULL);
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles", file, NULL);
  g_autoptr(GError) error = NULL;
  BoothProfile *p = booth_profile_load(path, &error);
  g_assert_no_error(error);
  return p;
}

/* n frames of w x h: windows of the frame's aspect moving across each source. */
static GPtrArray *
make_frames(int w, int h, guint n)
{
  GPtrArray *frames = g_ptr_array_new_with_free_func((GDestroyNotify)booth_frame_unref);
  g_autoptr(GPtrArray) images = g_ptr_array_new_with_free_func((GDestroyNotify)booth_frame_unref);
  for (guint i = 0; i < G_N_ELEMENTS(sources); i++) {
    g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), sources[i], NULL);
    g_autoptr(GError) error = NULL;
    BoothFrame *f = booth_image_load(path, &error);
    g_assert_no_error(error);
    g_ptr_array_add(images, f);
  }
  for (guint k = 0; k < n; k++) {
    const BoothFrame *src = g_ptr_array_index(images, k % images->len);
    guint step = k / images->len;
    /* The largest window of the frame's aspect at 80-100% of the source, panned. */
    BoothRect full = booth_crop_centered(src->width, src->height, w, h);
    double shrink = 1.0 - 0.2 * (double)(step % 5) / 4.0;
    int cw = MAX((int)(full.width * shrink) / 16 * 16, 16), ch = cw * h / w;
    int free_x = src->width - cw, free_y = src->height - ch;
    int x = free_x * (int)(step % 7) / 6, y = free_y * (int)(step % 3) / 2;
    BoothRect r = {x, y, cw, ch};
    BoothFrame *f = booth_image_crop_scale(src, r, w, h);
    f->origin = g_strdup_printf("%s@%d,%d", sources[k % images->len], x, y);
    g_ptr_array_add(frames, f);
  }
  return frames;
}

static int
cmp_i64(gconstpointer a, gconstpointer b)
{
  gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
  return x < y ? -1 : x > y;
}

static double
median_ms(GArray *us)
{
  g_array_sort(us, cmp_i64);
  return (double)g_array_index(us, gint64, us->len / 2) / 1000.0;
}

static double
pct_ms(GArray *us, double q)
{
  g_array_sort(us, cmp_i64);
  return (double)g_array_index(us, gint64, (guint)((us->len - 1) * q)) / 1000.0;
}

static void
bench_size(gconstpointer data)
{
  const int *wh = data;
  g_autoptr(BoothProfile) profile = load_profile("chsi-final");
  BoothAnalyzerOptions o = {1280, NULL, 0.15, profile, TRUE};
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(&o, &error);
  g_assert_no_error(error);
  g_autoptr(GPtrArray) frames = make_frames(wh[0], wh[1], 210);
  g_autoptr(GArray) total = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) luma = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) qr = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) face = g_array_new(FALSE, FALSE, sizeof(gint64));
  g_autoptr(GArray) framing = g_array_new(FALSE, FALSE, sizeof(gint64));
  guint with_face = 0;
  /* One warm-up pass over a few frames: page faults and caches are not the analysis. */
  for (guint i = 0; i < 5; i++)
    booth_analysis_free(booth_analyzer_run(an, g_ptr_array_index(frames, i)));
  for (guint i = 0; i < frames->len; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, g_ptr_array_index(frames, i));
    g_array_append_val(total, r->total_us);
    g_array_append_val(luma, r->luma_us);
    g_array_append_val(qr, r->qr_us);
    g_array_append_val(face, r->face_us);
    g_array_append_val(framing, r->framing_us);
    with_face += r->framing.has_face;
  }
  g_test_message("analysis %dx%d over %u frames (%u with a face), one thread: median %.2f ms, "
                 "90th percentile %.2f ms; medians: luma %.2f, QR %.2f, faces+eyes %.2f, "
                 "framing %.2f ms",
                 wh[0], wh[1], frames->len, with_face, median_ms(total), pct_ms(total, 0.9),
                 median_ms(luma), median_ms(qr), median_ms(face), median_ms(framing));
  g_assert_cmpuint(frames->len, >=, 200);
  g_assert_cmpuint(with_face, >, frames->len / 4);
}

static void
bench_capture(void)
{
  g_autoptr(BoothProfile) upload = load_profile("chsi-upload");
  g_autoptr(BoothProfile) final = load_profile("chsi-final");
  const BoothProfile *profiles[] = {upload, final};
  BoothAnalyzerOptions o = {1280, NULL, 0.15, upload, FALSE};
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(&o, &error);
  g_assert_no_error(error);
  /* A student as a 1440-row camera sees one: the sample frame enlarged. */
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", "student.jpg", NULL);
  g_autoptr(BoothFrame) src = booth_image_load(path, &error);
  g_assert_no_error(error);
  g_autoptr(GArray) times = g_array_new(FALSE, FALSE, sizeof(gint64));
  int out_w = (src->width - 12) * 1440 / src->height;
  for (guint run = 0; run < 12; run++) {
    BoothFrame *burst[3];
    for (guint i = 0; i < 3; i++) {
      /* Each frame a pixel or two apart, as a real burst is. */
      BoothRect r = {(int)((run + i) % 12), 0, src->width - 12, src->height};
      burst[i] = booth_image_crop_scale(src, r, out_w, 1440);
    }
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(BoothCandidate) c =
        booth_capture_process(an, burst, 3, profiles, 2, "bench", 1, TRUE, &error);
    gint64 t = g_get_monotonic_time() - t0;
    g_assert_no_error(error);
    g_assert_cmpuint(c->photos->len, ==, 2);
    g_array_append_val(times, t);
    for (guint i = 0; i < 3; i++)
      booth_frame_unref(burst[i]);
  }
  g_test_message("capture to candidate (burst of 3 frames of %dx1440, best frame, crop, scale, "
                 "encode to the KB window and check, for chsi-upload and chsi-final): median "
                 "%.1f ms, 90th percentile %.1f ms over %u runs",
                 out_w, median_ms(times), pct_ms(times, 0.9), times->len);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  static const int hd[] = {1280, 720}, fhd[] = {1920, 1080};
  g_test_add_data_func("/bench/analysis-720p", hd, bench_size);
  g_test_add_data_func("/bench/analysis-1080p", fhd, bench_size);
  g_test_add_func("/bench/capture", bench_capture);
  return g_test_run();
}
