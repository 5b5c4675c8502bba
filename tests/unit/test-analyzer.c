/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The analyzer on a camera's stream (booth_analyzer_set_stream) against the one that judges
 * every frame alone, on real photographs: the same faces on a swaying student, a new scene
 * searched in full at once, an empty booth searched now and then, and QR codes read by both
 * readers in turn. */
#include <string.h>

#include "analysis/analysis.h"
#include "analysis/qr.h"
#include "core/config.h"
#include "photo/crop.h"
#include "photo/image.h"

static BoothProfile *profile;

static BoothAnalyzer *
new_analyzer(gboolean stream)
{
  BoothAnalyzerOptions o = {1280, NULL, 0.15, profile, TRUE};
  g_autoptr(GError) error = NULL;
  BoothAnalyzer *a = booth_analyzer_new(&o, &error);
  g_assert_no_error(error);
  booth_analyzer_set_stream(a, stream);
  return a;
}

static BoothFrame *
load(const char *rel)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), rel, NULL);
  g_autoptr(GError) error = NULL;
  BoothFrame *f = booth_image_load(path, &error);
  g_assert_no_error(error);
  return f;
}

/* A 1920x1080 frame: the 16:9 window of 90% of the source's largest one, moved by dx. */
static BoothFrame *
window(const BoothFrame *src, int dx)
{
  BoothRect full = booth_crop_centered(src->width, src->height, 1920, 1080);
  int cw = (int)(full.width * 0.9) / 16 * 16, ch = cw * 1080 / 1920;
  BoothRect r = {(src->width - cw) / 3 + dx, (src->height - ch) / 3, cw, ch};
  return booth_image_crop_scale(src, r, 1920, 1080);
}

static void
assert_same_faces(const BoothAnalysis *a, const BoothAnalysis *b)
{
  g_assert_cmpuint(a->faces->len, ==, b->faces->len);
  for (guint i = 0; i < a->faces->len; i++)
    g_assert_cmpfloat(booth_rect_iou(&g_array_index(a->faces, BoothFace, i).box,
                                     &g_array_index(b->faces, BoothFace, i).box),
                      >=, 0.7);
  g_assert_cmpint(a->framing.has_face, ==, b->framing.has_face);
}

/* A swaying student is tracked after the first frame and the faces are those the full search
 * finds; another photo is a new scene, searched in full at once. */
static void
test_stream_faces(void)
{
  g_autoptr(BoothAnalyzer) live = new_analyzer(TRUE);
  g_autoptr(BoothAnalyzer) alone = new_analyzer(FALSE);
  g_autoptr(BoothFrame) student = load("portraits/test0.jpg");
  for (int i = 0; i < 12; i++) {
    g_autoptr(BoothFrame) f = window(student, 3 * i);
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, f);
    g_autoptr(BoothAnalysis) ref = booth_analyzer_run(alone, f);
    g_assert_false(ref->faces_tracked);
    g_assert_cmpint(r->faces_tracked, ==, i > 0);
    g_assert_cmpuint(ref->faces->len, ==, 1);
    assert_same_faces(r, ref);
  }
  g_autoptr(BoothFrame) other = load("portraits/test3.jpg");
  g_autoptr(BoothFrame) f = window(other, 0);
  g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, f);
  g_autoptr(BoothAnalysis) ref = booth_analyzer_run(alone, f);
  g_assert_false(r->faces_tracked);
  g_assert_cmpuint(ref->faces->len, ==, 1);
  assert_same_faces(r, ref);
}

/* An empty booth (the backdrop without a student) gets the full search on every 10th frame;
 * a student who then appears is a new scene and is found on that very frame. */
static void
test_stream_empty(void)
{
  g_autoptr(BoothAnalyzer) live = new_analyzer(TRUE);
  g_autoptr(BoothFrame) src = load("portraits/id-photo-examples.jpg");
  /* The light-blue backdrop of the second example, above the heads, filled to 1080p. */
  BoothRect backdrop = {src->width / 4 + 20, 0, src->width / 4 - 40, src->height / 8};
  g_autoptr(BoothFrame) empty = booth_image_crop_scale(src, backdrop, 1920, 1080);
  guint full = 0;
  for (int i = 0; i < 20; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, empty);
    g_assert_cmpuint(r->faces->len, ==, 0);
    full += !r->faces_tracked;
    g_assert_cmpint(r->faces_tracked, ==, i % 10 != 0);
  }
  g_assert_cmpuint(full, ==, 2);
  g_autoptr(BoothFrame) student = load("portraits/test0.jpg");
  g_autoptr(BoothFrame) f = window(student, 0);
  g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, f);
  g_assert_false(r->faces_tracked);
  g_assert_cmpuint(r->faces->len, ==, 1);
}

/* A code zxing-cpp reads is read on every frame of a stream; one only ZBar reads (jsQR photo
 * 95) on ZBar's turns, every fourth frame that is not the first (which has the full face
 * search). */
static void
test_stream_qr(void)
{
  g_autoptr(BoothAnalyzer) live = new_analyzer(TRUE);
  g_autoptr(BoothFrame) code = load("frames/code-1.png");
  for (int i = 0; i < 9; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, code);
    g_assert_cmpuint(r->codes->len, ==, 1);
  }
  g_autoptr(BoothAnalyzer) live2 = new_analyzer(TRUE);
  g_autoptr(BoothFrame) hard = load("qr/jsqr/95/input.png");
  g_autoptr(BoothQrScanner) zxing = booth_qr_scanner_new_full(BOOTH_QR_ZXING);
  g_autofree guint8 *luma = booth_frame_to_luma(hard);
  g_autoptr(GPtrArray) none = booth_qr_scanner_scan(zxing, luma, hard->width, hard->height);
  g_assert_cmpuint(none->len, ==, 0);
  guint read = 0;
  for (int i = 0; i < 9; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(live2, hard);
    g_assert_cmpuint(r->codes->len, ==, i == 4 || i == 8);
    read += r->codes->len > 0;
  }
  g_assert_cmpuint(read, ==, 2);
}

/* At 1080p a stream halves the frame's colours straight into the image QR reads: the code (a
 * qrencode code enlarged three times, as a camera close to it sees it) is read on every frame,
 * the same bytes at the same place as the one-frame analyzer reads it. */
static void
test_stream_qr_1080p(void)
{
  g_autoptr(BoothFrame) code = load("frames/code-1.png");
  g_autoptr(BoothFrame) big = booth_frame_new(1920, 1080);
  memset(big->data, 160, (gsize)big->stride * (gsize)big->height);
  int x0 = (1920 - code->width * 3) / 2, y0 = (1080 - code->height * 3) / 2;
  for (int y = 0; y < code->height * 3; y++)
    for (int x = 0; x < code->width * 3; x++)
      memcpy(big->data + (gsize)(y0 + y) * big->stride + (gsize)(x0 + x) * 3,
             code->data + (gsize)(y / 3) * code->stride + (gsize)(x / 3) * 3, 3);
  g_autoptr(BoothAnalyzer) alone = new_analyzer(FALSE);
  g_autoptr(BoothAnalysis) ref = booth_analyzer_run(alone, big);
  g_assert_cmpuint(ref->codes->len, ==, 1);
  const BoothQrCode *want = g_ptr_array_index(ref->codes, 0);
  g_autoptr(BoothAnalyzer) live = new_analyzer(TRUE);
  for (int i = 0; i < 6; i++) {
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(live, big);
    g_assert_cmpint(r->qr_scale, ==, 2);
    g_assert_cmpuint(r->codes->len, ==, 1);
    const BoothQrCode *got = g_ptr_array_index(r->codes, 0);
    g_assert_true(g_bytes_equal(got->data, want->data));
    g_assert_cmpint(ABS(got->x - want->x), <=, 4);
    g_assert_cmpint(ABS(got->y - want->y), <=, 4);
    g_assert_cmpint(ABS(got->width - want->width), <=, 8);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autofree char *pp = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles",
                                         "chsi-final.profile", NULL);
  profile = booth_profile_load(pp, NULL);
  g_assert_nonnull(profile);
  g_test_add_func("/analyzer/stream-faces", test_stream_faces);
  g_test_add_func("/analyzer/stream-empty", test_stream_empty);
  g_test_add_func("/analyzer/stream-qr", test_stream_qr);
  g_test_add_func("/analyzer/stream-qr-1080p", test_stream_qr_1080p);
  int rc = g_test_run();
  booth_profile_free(profile);
  return rc;
}
