/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Capture's processing on both cores gives what one thread gives: the same best frame and the
 * same photos, byte for byte, whichever thread made them. */
#include "core/capture.h"
#include "core/config.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "tests/test-profiles.h"

static void
test_twin_same(void)
{
  g_autoptr(BoothProfile) upload = load_profile("chsi-upload");
  g_autoptr(BoothProfile) final = load_profile("chsi-final");
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", "student.jpg", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) src = booth_image_load(path, &error);
  g_assert_no_error(error);
  /* A burst: the student a pixel or two apart, the middle frame a little smaller. */
  BoothFrame *burst[3];
  for (guint i = 0; i < 3; i++) {
    BoothRect r = {(int)i * 2, (int)i, src->width - 8 - (i == 1 ? 16 : 0), src->height - 4};
    burst[i] = booth_image_crop_scale(src, r, r.width, r.height);
  }
  BoothAnalyzerOptions o = {1280, NULL, 0.15, upload, FALSE};
  const BoothProfile *both[] = {upload, final};
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(&o, &error);
  g_assert_no_error(error);
  g_autoptr(BoothCandidate) two =
      booth_capture_process(an, burst, 3, both, 2, "t", 1, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(two->photos->len, ==, 2);
  guint best;
  g_assert_true(g_variant_lookup(two->report, "burst_best", "u", &best));
  /* The best frame as one thread picks it. */
  guint want = 0;
  double want_score = -1, score;
  for (guint i = 0; i < 3; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, burst[i]);
    if (r->framing.score > want_score)
      want = i, want_score = r->framing.score;
  }
  g_assert_true(g_variant_lookup(two->report, "score", "d", &score));
  g_assert_cmpuint(best, ==, want);
  g_assert_cmpfloat(score, ==, want_score);
  /* Each profile alone, from the best frame alone: nothing for a helper to do. */
  for (guint i = 0; i < 2; i++) {
    g_autoptr(BoothAnalyzer) one = booth_analyzer_new(&o, &error);
    g_assert_no_error(error);
    g_autoptr(BoothCandidate) c =
        booth_capture_process(one, &burst[best], 1, &both[i], 1, "t", 1, TRUE, &error);
    g_assert_no_error(error);
    const BoothPhoto *a = g_ptr_array_index(two->photos, i), *b = g_ptr_array_index(c->photos, 0);
    g_test_message("%s: %zu bytes on both cores, %zu on one", both[i]->name,
                   g_bytes_get_size(a->jpeg), g_bytes_get_size(b->jpeg));
    g_assert_true(g_bytes_equal(a->jpeg, b->jpeg));
    g_assert_cmpstr(a->checks_json, ==, b->checks_json);
  }
  for (guint i = 0; i < 3; i++)
    booth_frame_unref(burst[i]);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/capture/both-cores-as-one", test_twin_same);
  return g_test_run();
}
