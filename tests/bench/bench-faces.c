/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Face detection speed against OpenCV, in the same run on the same machine: booth frames at
 * 1080p and 720p (test portraits and PASCAL photos scaled to the frame height with our area
 * scaler, centred on grey), the same luma for both sides (written as PGM), the same cascades
 * and parameters, OpenCV on one thread (tests/reference). Times are CPU time of the working
 * thread, so what else the machine runs matters little; each figure is the median over
 * frames of each frame's median over BENCH_RUNS runs.
 *
 *   cascade   booth_cascade_detect vs detectMultiScale on the full-frame luma, LBP face
 *             cascade, scale 1.1, min_neighbors 3, min size min_face x the shorter side
 *   pipeline  booth_face_detector_run vs opencv-pipeline.py: faces and eyes, as per frame
 *
 * Fails when ours is slower than OpenCV (not in a sanitizer build, whose figures measure the
 * sanitizer). Suite 'bench': meson test -C build --suite bench -v */
#include <math.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>

#include "analysis/cascade.h"
#include "analysis/faces.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "bench-util.h"

#define BENCH_RUNS 9

/* A sanitizer build measures the sanitizer: report, but judge nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define BENCH_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define BENCH_SANITIZED 1
#endif
#endif
#ifndef BENCH_SANITIZED
#define BENCH_SANITIZED 0
#endif

static const char *const sources[] = {
    "portraits/test0.jpg",
    "portraits/test2.jpg",
    "portraits/test3.jpg",
    "portraits/test4.jpg",
    "faces/dlib/2008_002470.jpg",
    "faces/dlib/2009_004587.jpg",
    "faces/dlib/Tom_Cruise_avp_2014_4.jpg",
};

typedef struct {
  int width, height;
  guint8 *luma;
  char *pgm;
} Frame;

static double
median(double *v, int n)
{
  qsort(v, (gsize)n, sizeof *v, (int (*)(const void *, const void *))cmp_double);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* The source scaled to the frame's height (or width, if wider) and centred on mid-grey. */
static Frame
make_frame(const char *rel, int fw, int fh, const char *dir)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), rel, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) src = booth_image_load(path, &error);
  g_assert_no_error(error);
  double s = MIN((double)fh / src->height, (double)fw / src->width);
  int w = MAX(1, (int)(src->width * s + 0.5)), h = MAX(1, (int)(src->height * s + 0.5));
  BoothRect all = {0, 0, src->width, src->height};
  g_autoptr(BoothFrame) scaled = booth_image_crop_scale(src, all, w, h);
  g_autofree guint8 *y = booth_frame_to_luma(scaled);
  Frame f = {fw, fh, g_malloc((gsize)fw * (gsize)fh), NULL};
  memset(f.luma, 128, (gsize)fw * (gsize)fh);
  for (int r = 0; r < h; r++)
    memcpy(f.luma + (gsize)(r + (fh - h) / 2) * (gsize)fw + (fw - w) / 2, y + (gsize)r * (gsize)w,
           (gsize)w);
  g_autofree char *base = g_path_get_basename(rel);
  g_autofree char *name = g_strdup_printf("%dp-%s.pgm", fh, base);
  f.pgm = g_build_filename(dir, name, NULL);
  g_autofree char *head = g_strdup_printf("P5\n%d %d\n255\n", fw, fh);
  g_autoptr(GString) out = g_string_new(head);
  g_string_append_len(out, (const char *)f.luma, (gssize)fw * fh);
  g_assert_true(g_file_set_contents(f.pgm, out->str, (gssize)out->len, NULL));
  return f;
}

/* OpenCV's per-frame medians from a reference script's JSON lines; FALSE when skipped. */
static gboolean
opencv_ms(const char *script, const char *const *args, const Frame *frames, int n, double *ms)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "tests", "reference", script, NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, "/usr/bin/python3");
  g_ptr_array_add(argv, path);
  for (; *args; args++)
    g_ptr_array_add(argv, (char *)*args);
  for (int i = 0; i < n; i++)
    g_ptr_array_add(argv, frames[i].pgm);
  g_ptr_array_add(argv, NULL);
  g_autofree char *out = NULL, *err = NULL;
  int status = 0;
  g_autoptr(GError) error = NULL;
  if (!g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                    &status, &error)) {
    g_test_skip(error->message);
    return FALSE;
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip(g_strstrip(err));
    return FALSE;
  }
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  int k = 0;
  for (int i = 0; lines[i] && k < n; i++) {
    const char *at = strstr(lines[i], "\"ms\": ");
    if (at)
      ms[k++] = g_ascii_strtod(at + 6, NULL);
  }
  g_assert_cmpint(k, ==, n);
  return TRUE;
}

static void
report(const char *what, int height, double min_face, const double *ours, const double *cv, int n)
{
  g_autofree double *a = g_memdup2(ours, sizeof(double) * (gsize)n);
  g_autofree double *b = g_memdup2(cv, sizeof(double) * (gsize)n);
  double mo = median(a, n), mc = median(b, n);
  g_test_message("%-8s %4dp min_face %.2f: ours %6.2f ms, OpenCV %6.2f ms per frame (median "
                 "CPU time), ratio %.2f",
                 what, height, min_face, mo, mc, mo / mc);
  if (!BENCH_SANITIZED)
    g_assert_cmpfloat(mo, <=, mc);
}

static void
bench(int fw, int fh, double min_face)
{
  g_autofree char *dir = g_dir_make_tmp("boothd-bench-XXXXXX", NULL);
  int n = G_N_ELEMENTS(sources);
  Frame frames[G_N_ELEMENTS(sources)];
  for (int i = 0; i < n; i++)
    frames[i] = make_frame(sources[i], fw, fh, dir);
  double ours[G_N_ELEMENTS(sources)], cv[G_N_ELEMENTS(sources)];
  char runs[16], share[32];
  g_snprintf(runs, sizeof runs, "%d", BENCH_RUNS);
  g_ascii_formatd(share, sizeof share, "%.4f", min_face);

  /* The cascade alone on the whole frame. */
  g_autofree char *lbp = g_build_filename(BOOTH_FACE_CASCADE_DIR, BOOTH_FACE_CASCADE_LBP, NULL);
  g_autoptr(BoothCascade) c = booth_cascade_load(lbp, NULL);
  if (!c) {
    g_test_skip("opencv-data is not installed");
    return;
  }
  g_autoptr(BoothCascadeScratch) s = booth_cascade_scratch_new();
  int min = (int)(MIN(fw, fh) * min_face);
  BoothDetectParams p = {1.1, 3, min, min, 0, 0};
  for (int i = 0; i < n; i++) {
    double t[BENCH_RUNS];
    for (int r = 0; r < BENCH_RUNS; r++) {
      double t0 = cpu_ms();
      g_autoptr(GArray) found = booth_cascade_detect_scratch(c, s, frames[i].luma, fw, fh, fw, &p);
      t[r] = cpu_ms() - t0;
    }
    ours[i] = median(t, BENCH_RUNS);
  }
  const char *cascade_args[] = {"--bench", runs,  "--share", lbp, "1.1", "3",
                                share,     share, "0",       "0", NULL};
  if (opencv_ms("opencv-detect.py", cascade_args, frames, n, cv))
    report("cascade", fh, min_face, ours, cv, n);

  /* Faces and eyes, as the daemon runs it on every frame. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFaceDetector) d = booth_face_detector_new(NULL, &error);
  g_assert_no_error(error);
  int found = 0;
  for (int i = 0; i < n; i++) {
    double t[BENCH_RUNS];
    for (int r = 0; r < BENCH_RUNS; r++) {
      double t0 = cpu_ms();
      g_autoptr(GArray) faces = booth_face_detector_run(d, frames[i].luma, fw, fh, fw, min_face);
      t[r] = cpu_ms() - t0;
      found = r == 0 ? found + (int)faces->len : found;
    }
    ours[i] = median(t, BENCH_RUNS);
  }
  const char *pipeline_args[] = {"--bench", runs, share, NULL};
  if (opencv_ms("opencv-pipeline.py", pipeline_args, frames, n, cv))
    report("pipeline", fh, min_face, ours, cv, n);
  g_test_message("pipeline %4dp min_face %.2f: %d faces in %d frames", fh, min_face, found, n);

  for (int i = 0; i < n; i++) {
    g_unlink(frames[i].pgm);
    g_free(frames[i].pgm);
    g_free(frames[i].luma);
  }
  g_rmdir(dir);
}

static void
bench_1080_booth(void)
{
  bench(1920, 1080, 0.15);
}

static void
bench_720_booth(void)
{
  bench(1280, 720, 0.15);
}

static void
bench_1080_closer(void)
{
  bench(1920, 1080, 0.2);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/bench/faces/1080p-min-0.15", bench_1080_booth);
  g_test_add_func("/bench/faces/720p-min-0.15", bench_720_booth);
  g_test_add_func("/bench/faces/1080p-min-0.20", bench_1080_closer);
  return g_test_run();
}
