/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Cascades and face detection: the shipped cascades load; broken or hostile cascade files are
 * refused with the file named and never crash the reader or the detector (run this suite under
 * ASan/UBSan too); the detector finds the students in the test portraits, with both eyes where
 * a face has them, in full-frame coordinates, at 1080p and 720p alike. Agreement with OpenCV
 * and accuracy against annotations are the tests in tests/reference. */
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include "analysis/cascade.h"
#include "analysis/faces.h"
#include "error.h"
#include "photo/crop.h"
#include "photo/image.h"

#define CASCADES BOOTH_FACE_CASCADE_DIR

static char *
cascade_path(const char *rel)
{
  return g_build_filename(CASCADES, rel, NULL);
}

static gboolean
have_cascades(void)
{
  g_autofree char *p = cascade_path(BOOTH_FACE_CASCADE_LBP);
  if (g_file_test(p, G_FILE_TEST_EXISTS))
    return TRUE;
  g_test_skip("opencv-data is not installed");
  return FALSE;
}

static guint8 *
load_luma(const char *rel, int *w, int *h)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), rel, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f = booth_image_load(path, &error);
  g_assert_no_error(error);
  *w = f->width;
  *h = f->height;
  return booth_frame_to_luma(f);
}

static void
test_shipped(void)
{
  if (!have_cascades())
    return;
  static const struct {
    const char *file;
    int w, h;
  } files[] = {
      {BOOTH_FACE_CASCADE_LBP, 45, 45},
      {BOOTH_FACE_CASCADE_HAAR, 24, 24},
      {"haarcascades/haarcascade_frontalface_alt2.xml", 20, 20},
      {BOOTH_EYE_CASCADE, 20, 20},
      {BOOTH_EYEGLASSES_CASCADE, 20, 20},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(files); i++) {
    g_autofree char *path = cascade_path(files[i].file);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothCascade) c = booth_cascade_load(path, &error);
    g_assert_no_error(error);
    int w, h;
    booth_cascade_get_window(c, &w, &h);
    g_assert_cmpint(w, ==, files[i].w);
    g_assert_cmpint(h, ==, files[i].h);
  }
}

/* One way to spoil a cascade file: replace the first 'from' by 'to' (from NULL: the whole
 * file becomes 'to'), or cut the file to 'keep' permille of its length. */
typedef struct {
  const char *what;
  const char *base;
  const char *from, *to;
  int keep;
  const char *from2, *to2; /* a second replacement */
} Spoil;

#define WHOLE(what, base, text)                                                                    \
  {                                                                                                \
    what, base, NULL, text, 0, NULL, NULL                                                          \
  }
#define CUT(what, base, permille)                                                                  \
  {                                                                                                \
    what, base, NULL, NULL, permille, NULL, NULL                                                   \
  }
#define REPLACE(what, base, from, to)                                                              \
  {                                                                                                \
    what, base, from, to, 0, NULL, NULL                                                            \
  }

static char *
replace(const char *text, const char *from, const char *to)
{
  const char *at = strstr(text, from);
  g_assert_nonnull(at); /* the spoil must apply, or the test tests nothing */
  return g_strdup_printf("%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
}

static char *
spoil(const char *text, const Spoil *s)
{
  if (s->keep)
    return g_strndup(text, strlen(text) * (gsize)s->keep / 1000);
  if (!s->from)
    return g_strdup(s->to);
  g_autofree char *once = replace(text, s->from, s->to);
  return s->from2 ? replace(once, s->from2, s->to2) : g_steal_pointer(&once);
}

static void
test_bad_files(void)
{
  if (!have_cascades())
    return;
  const char *tree = BOOTH_EYEGLASSES_CASCADE, *lbp = BOOTH_FACE_CASCADE_LBP;
  g_autofree char *deep = NULL;
  {
    g_autoptr(GString) g = g_string_new("<opencv_storage><cascade>");
    for (int i = 0; i < 100; i++)
      g_string_append(g, "<_>");
    deep = g_string_free(g_steal_pointer(&g), FALSE);
  }
  g_autofree char *many = NULL;
  {
    /* 240 stages of one tree before the real 19. */
    g_autoptr(GString) g = g_string_new("<stages>");
    for (int i = 0; i < 240; i++)
      g_string_append(g, "<_><maxWeakCount>1</maxWeakCount><stageThreshold>-1.</stageThreshold>"
                         "<weakClassifiers><_><internalNodes>0 -1 26 -1 -1 -1 -1 -1 -1 -1 -1"
                         "</internalNodes><leafValues>1. -1.</leafValues></_></weakClassifiers>"
                         "</_>");
    many = g_string_free(g_steal_pointer(&g), FALSE);
  }
  const Spoil spoils[] = {
      WHOLE("empty file", tree, ""),
      WHOLE("not XML", tree, "this is not a cascade\n"),
      WHOLE("binary", tree,
            "\x7f"
            "ELF\x02\x01\x01"),
      WHOLE("nesting without end", tree, deep),
      WHOLE("old format", tree,
            "<opencv_storage><haarcascade_eye type_id=\"opencv-haar-classifier\"><size>20 20</size>"
            "</haarcascade_eye></opencv_storage>"),
      CUT("truncated at 10%", tree, 100),
      CUT("truncated at 50%", lbp, 500),
      CUT("truncated at 99.9%", tree, 999),
      {"no stages", lbp, "<stages>", "<unused>", 0, "</stages>", "</unused>"},
      REPLACE("stageNum larger than the stages present", tree, "<stageNum>30<", "<stageNum>31<"),
      REPLACE("maxWeakCount disagrees", tree, "<maxWeakCount>5<", "<maxWeakCount>6<"),
      REPLACE("threshold not a number", tree, "-2.6987109333276749e-02",
              "-2.69x87109333276749e-02"),
      REPLACE("threshold infinite", tree, "-2.6987109333276749e-02", "-1e999"),
      REPLACE("feature index out of range", tree, "2 1 0 -2.6987109333276749e-02",
              "2 1 99999 -2.6987109333276749e-02"),
      REPLACE("tree node pointing back to itself", tree, "0 -1 1 5.0670530647039413e-02",
              "1 -1 1 5.0670530647039413e-02"),
      REPLACE("a leaf missing", tree, "-8.0395472049713135e-01 6.0491400957107544e-01",
              "-8.0395472049713135e-01"),
      REPLACE("rect outside the window", tree, "8 7 12 1 -1.", "8 7 120 1 -1."),
      REPLACE("tilted rect outside the window", tree, "8 7 12 1 -1.", "1 7 12 9 -1."),
      REPLACE("unknown feature type", tree, "<featureType>HAAR<", "<featureType>HOG<"),
      REPLACE("unknown stage type", tree, "<stageType>BOOST<", "<stageType>GAB<"),
      REPLACE("window far too large", tree, "<width>20<", "<width>100000<"),
      REPLACE("LBP without 256 categories", lbp, "<maxCatCount>256<", "<maxCatCount>0<"),
      REPLACE("LBP block outside the window", lbp, "0 1 13 6</rect>", "0 1 13 16</rect>"),
      REPLACE("LBP subset word too large", lbp, "-1 -17409 -1", "-1 99999999999 -1"),
      {"more stages than supported", lbp, "<stages>", many, 0, "<stageNum>19<", "<stageNum>259<"},
  };
  g_autofree char *dir = g_dir_make_tmp("boothd-cascade-XXXXXX", NULL);
  g_assert_nonnull(dir);
  for (gsize i = 0; i < G_N_ELEMENTS(spoils); i++) {
    g_autofree char *src = cascade_path(spoils[i].base);
    g_autofree char *text = NULL;
    g_assert_true(g_file_get_contents(src, &text, NULL, NULL));
    g_autofree char *bad = spoil(text, &spoils[i]);
    g_autofree char *name = g_strdup_printf("spoilt-%02u.xml", (unsigned)i);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    g_assert_true(g_file_set_contents(path, bad, -1, NULL));
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothCascade) c = booth_cascade_load(path, &error);
    g_assert_null(c);
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull(strstr(error->message, path));
    g_test_message("%s: %s", spoils[i].what, error->message + strlen(dir) + 1);
    g_unlink(path);
  }
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_cascade_load("/nonexistent/cascade.xml", &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "/nonexistent/cascade.xml"));
  g_test_message("missing file: %s", error->message);
  g_rmdir(dir);
}

/* Random small edits of real cascades (digits changed, bytes dropped or doubled): each file
 * is either refused or loads and detects without any memory error. */
static void
test_mutations(void)
{
  if (!have_cascades())
    return;
  const char *bases[] = {BOOTH_FACE_CASCADE_LBP, BOOTH_EYEGLASSES_CASCADE};
  g_autoptr(GRand) rand = g_rand_new_with_seed(20240611);
  g_autofree char *dir = g_dir_make_tmp("boothd-cascade-XXXXXX", NULL);
  g_autofree char *path = g_build_filename(dir, "mutant.xml", NULL);
  guint8 img[64 * 48];
  for (gsize i = 0; i < sizeof img; i++)
    img[i] = (guint8)g_rand_int_range(rand, 0, 256);
  BoothDetectParams p = {1.2, 1, 0, 0, 0, 0};
  int loaded = 0, refused = 0;
  for (gsize b = 0; b < G_N_ELEMENTS(bases); b++) {
    g_autofree char *src = cascade_path(bases[b]);
    g_autofree char *text = NULL;
    gsize len;
    g_assert_true(g_file_get_contents(src, &text, &len, NULL));
    /* Skip the licence comment: edits there change nothing. */
    const char *start = strstr(text, "<cascade");
    g_assert_nonnull(start);
    gsize from = (gsize)(start - text);
    for (int round = 0; round < 150; round++) {
      g_autoptr(GString) m = g_string_new_len(text, (gssize)len);
      int edits = g_rand_int_range(rand, 1, 5);
      for (int k = 0; k < edits; k++) {
        gsize at = from + (gsize)g_rand_int_range(rand, 0, (gint32)(m->len - from - 1));
        switch (g_rand_int_range(rand, 0, 4)) {
        case 0:
        case 1:
          if (g_ascii_isdigit(m->str[at]))
            m->str[at] = (char)('0' + g_rand_int_range(rand, 0, 10));
          else
            m->str[at] = "-9e. 0"[g_rand_int_range(rand, 0, 6)];
          break;
        case 2:
          g_string_erase(m, (gssize)at, 1);
          break;
        default:
          g_string_insert_c(m, (gssize)at, m->str[at]);
        }
      }
      g_assert_true(g_file_set_contents(path, m->str, (gssize)m->len, NULL));
      g_autoptr(GError) error = NULL;
      g_autoptr(BoothCascade) c = booth_cascade_load(path, &error);
      if (!c) {
        g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
        refused++;
        continue;
      }
      loaded++;
      g_autoptr(GArray) found = booth_cascade_detect(c, img, 64, 48, 64, &p);
      for (guint k = 0; k < found->len; k++) {
        const BoothDetection *d = &g_array_index(found, BoothDetection, k);
        g_assert_true(d->x >= 0 && d->y >= 0 && d->x + d->width <= 64 && d->y + d->height <= 48);
      }
    }
  }
  g_test_message("mutated cascades: %d loaded and ran, %d refused", loaded, refused);
  g_assert_cmpint(refused, >, 0);
  g_unlink(path);
  g_rmdir(dir);
}

static int
cmp_detection(gconstpointer a, gconstpointer b)
{
  return memcmp(a, b, sizeof(BoothDetection));
}

static gboolean
same_detections(GArray *a, GArray *b)
{
  if (a->len != b->len)
    return FALSE;
  g_array_sort(a, cmp_detection);
  g_array_sort(b, cmp_detection);
  return memcmp(a->data, b->data, a->len * sizeof(BoothDetection)) == 0;
}

static void
test_detect_api(void)
{
  if (!have_cascades())
    return;
  g_autofree char *path = cascade_path(BOOTH_FACE_CASCADE_LBP);
  g_autoptr(BoothCascade) c = booth_cascade_load(path, NULL);
  g_assert_nonnull(c);
  int w, h;
  g_autofree guint8 *y = load_luma("portraits/test3.jpg", &w, &h);
  BoothDetectParams p = {1.1, 3, MIN(w, h) / 8, MIN(w, h) / 8, 0, 0};
  g_autoptr(GArray) faces = booth_cascade_detect(c, y, w, h, w, &p);
  g_assert_cmpuint(faces->len, ==, 1);
  const BoothDetection *f = &g_array_index(faces, BoothDetection, 0);
  g_test_message("test3.jpg %dx%d: face at %d,%d %dx%d from %d windows", w, h, f->x, f->y, f->width,
                 f->height, f->neighbors);
  g_assert_cmpint(f->neighbors, >, 3);
  g_assert_cmpint(f->width, >=, p.min_width);
  g_assert_true(f->x >= 0 && f->y >= 0 && f->x + f->width <= w && f->y + f->height <= h);

  /* min_neighbors 0: the raw windows, each its own. */
  BoothDetectParams raw = p;
  raw.min_neighbors = 0;
  g_autoptr(GArray) windows = booth_cascade_detect(c, y, w, h, w, &raw);
  g_assert_cmpuint(windows->len, >=, (guint)f->neighbors);
  for (guint i = 0; i < windows->len; i++)
    g_assert_cmpint(g_array_index(windows, BoothDetection, i).neighbors, ==, 1);

  /* A max size below the face finds nothing of that face's size. */
  BoothDetectParams small = p;
  small.max_width = small.max_height = f->width / 2;
  g_autoptr(GArray) none = booth_cascade_detect(c, y, w, h, w, &small);
  for (guint i = 0; i < none->len; i++)
    g_assert_cmpint(g_array_index(none, BoothDetection, i).width, <=, f->width / 2);

  /* Rows further apart than the width: the same answer. */
  int stride = w + 13;
  g_autofree guint8 *padded = g_malloc0((gsize)stride * (gsize)h);
  for (int r = 0; r < h; r++)
    memcpy(padded + (gsize)r * (gsize)stride, y + (gsize)r * (gsize)w, (gsize)w);
  g_autoptr(GArray) again = booth_cascade_detect(c, padded, w, h, stride, &raw);
  g_assert_true(same_detections(windows, again));

  /* One scratch through images of other sizes gives what fresh buffers give. */
  g_autoptr(BoothCascadeScratch) s = booth_cascade_scratch_new();
  int w2, h2;
  g_autofree guint8 *y2 = load_luma("portraits/id-photo-examples.jpg", &w2, &h2);
  BoothDetectParams p2 = {1.1, 3, MIN(w2, h2) / 4, MIN(w2, h2) / 4, 0, 0};
  g_autoptr(GArray) first = booth_cascade_detect_scratch(c, s, y2, w2, h2, w2, &p2);
  g_autoptr(GArray) second = booth_cascade_detect_scratch(c, s, y, w, h, w, &raw);
  g_autoptr(GArray) third = booth_cascade_detect_scratch(c, s, y2, w2, h2, w2, &p2);
  g_assert_true(same_detections(windows, second));
  g_assert_true(same_detections(first, third));
  g_assert_cmpuint(first->len, ==, 4);

  /* Smaller than the window: nothing, quietly. */
  g_autoptr(GArray) tiny = booth_cascade_detect(c, y, 40, 40, w, &p);
  g_assert_cmpuint(tiny->len, ==, 0);
}

static void
test_resize(void)
{
  /* Same size copies; exactly half averages 2x2 blocks rounding halves up (OpenCV's). */
  const guint8 src[4 * 2] = {0, 0, 10, 20, 1, 1, 30, 40};
  guint8 same[8], half[2], wide[8 * 2];
  booth_cascade_resize(src, 4, 2, 4, same, 4, 2);
  g_assert_cmpmem(same, 8, src, 8);
  booth_cascade_resize(src, 4, 2, 4, half, 2, 1);
  g_assert_cmpint(half[0], ==, 1); /* 0.5 */
  g_assert_cmpint(half[1], ==, 25);
  /* Twice as wide: the edge pixel repeats, between samples the weights are 1/4 and 3/4, and
   * halves round up. */
  booth_cascade_resize(src, 4, 2, 4, wide, 8, 2);
  g_assert_cmpint(wide[0], ==, 0);
  g_assert_cmpint(wide[3], ==, 3); /* 0 * 3/4 + 10 * 1/4 */
  g_assert_cmpint(wide[4], ==, 8); /* 0 * 1/4 + 10 * 3/4 */
  g_assert_cmpint(wide[7], ==, 20);
}

/* OpenCV's INTER_LINEAR_EXACT as its documentation states it, one pixel at a time: the source
 * position of an output index, the sample below it and the 8-bit weight of the one after. */
static void
exact_axis(int src, int dst, int i, int *at, int *w1)
{
  double f = (double)src / dst * (i + 0.5) - 0.5;
  int o = (int)floor(f);
  if (o < 0 || src == 1)
    *at = 0, *w1 = 0;
  else if (o >= src - 1)
    *at = src - 1, *w1 = 0;
  else
    *at = o, *w1 = (int)lrint((f - floor(f)) * 256.0);
}

static void
test_resize_rows(void)
{
  /* Every width the pyramid's vector rows take, ragged ends, shrinks and stretches, on noise
   * over the whole byte range. */
  const int sizes[][4] = {{533, 300, 484, 273}, {533, 300, 87, 49}, {120, 72, 109, 65},
                          {64, 40, 9, 5},       {17, 9, 16, 8},     {300, 200, 301, 199},
                          {40, 30, 79, 61},     {1000, 3, 999, 2}};
  GRand *rand = g_rand_new_with_seed(7);
  for (gsize n = 0; n < G_N_ELEMENTS(sizes); n++) {
    int sw = sizes[n][0], sh = sizes[n][1], dw = sizes[n][2], dh = sizes[n][3];
    /* Exactly sw x sh: a read past the last row is ASan's to see. */
    g_autofree guint8 *src = g_malloc((gsize)sw * sh);
    g_autofree guint8 *dst = g_malloc((gsize)dw * dh);
    for (int i = 0; i < sw * sh; i++)
      src[i] = (guint8)g_rand_int_range(rand, 0, 256);
    booth_cascade_resize(src, sw, sh, sw, dst, dw, dh);
    for (int y = 0; y < dh; y++) {
      int sy, b1;
      exact_axis(sh, dh, y, &sy, &b1);
      for (int x = 0; x < dw; x++) {
        int sx, a1;
        exact_axis(sw, dw, x, &sx, &a1);
        const guint8 *r0 = src + (gsize)sy * sw, *r1 = src + (gsize)MIN(sy + 1, sh - 1) * sw;
        int x1 = MIN(sx + 1, sw - 1);
        guint32 h0 = r0[sx] * (guint32)(256 - a1) + r0[x1] * (guint32)a1;
        guint32 h1 = r1[sx] * (guint32)(256 - a1) + r1[x1] * (guint32)a1;
        guint32 want = (h0 * (guint32)(256 - b1) + h1 * (guint32)b1 + (1u << 15)) >> 16;
        if (dst[(gsize)y * dw + x] != MIN(want, 255u))
          g_error("%dx%d -> %dx%d at (%d, %d): %d, want %u", sw, sh, dw, dh, x, y,
                  dst[(gsize)y * dw + x], want);
      }
    }
  }
  g_rand_free(rand);
}

/* A booth frame: a portrait scaled to the frame's height with our area scaler, centred on a
 * mid-grey background. */
static guint8 *
booth_frame(const char *rel, int fw, int fh)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), rel, NULL);
  g_autoptr(BoothFrame) src = booth_image_load(path, NULL);
  g_assert_nonnull(src);
  int w = MIN(fw, (int)((double)src->width * fh / src->height + 0.5));
  BoothRect all = {0, 0, src->width, src->height};
  g_autoptr(BoothFrame) scaled = booth_image_crop_scale(src, all, w, fh);
  g_autofree guint8 *y = booth_frame_to_luma(scaled);
  guint8 *out = g_malloc((gsize)fw * (gsize)fh);
  memset(out, 128, (gsize)fw * (gsize)fh);
  for (int r = 0; r < fh; r++)
    memcpy(out + (gsize)r * (gsize)fw + (fw - w) / 2, y + (gsize)r * (gsize)w, (gsize)w);
  return out;
}

static void
check_face(const BoothFace *f, int w, int h)
{
  g_assert_true(f->box.x >= 0 && f->box.y >= 0 && f->box.x + f->box.width <= w &&
                f->box.y + f->box.height <= h);
  g_assert_true(f->eye_left.found && f->eye_right.found);
  g_assert_cmpfloat(f->eye_left.x, <, f->eye_right.x);
  double cx = f->box.x + f->box.width / 2.0;
  g_assert_cmpfloat(f->eye_left.x, <, cx);
  g_assert_cmpfloat(f->eye_right.x, >, cx);
  for (int i = 0; i < 2; i++) {
    const BoothPoint *e = i ? &f->eye_right : &f->eye_left;
    g_assert_cmpfloat(e->x, >=, f->box.x);
    g_assert_cmpfloat(e->x, <=, f->box.x + f->box.width);
    g_assert_cmpfloat(e->y, >=, f->box.y);
    g_assert_cmpfloat(e->y, <=, f->box.y + 0.6 * f->box.height);
  }
  double d = hypot(f->eye_right.x - f->eye_left.x, f->eye_right.y - f->eye_left.y);
  g_assert_cmpfloat(d, >, 0.25 * f->box.width);
  g_assert_cmpfloat(d, <, 0.65 * f->box.width);
}

static void
test_detector_portraits(void)
{
  if (!have_cascades())
    return;
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFaceDetector) d = booth_face_detector_new(NULL, &error);
  g_assert_no_error(error);
  static const struct {
    const char *file;
    guint faces;
  } photos[] = {
      {"portraits/test0.jpg", 1},
      {"portraits/test2.jpg", 1},
      {"portraits/test3.jpg", 1},
      {"portraits/test4.jpg", 1},
      {"portraits/id-photo-examples.jpg", 4},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(photos); i++) {
    int w, h;
    g_autofree guint8 *y = load_luma(photos[i].file, &w, &h);
    g_autoptr(GArray) faces = booth_face_detector_run(d, y, w, h, w, 0.15);
    g_assert_cmpuint(faces->len, ==, photos[i].faces);
    for (guint k = 0; k < faces->len; k++) {
      const BoothFace *f = &g_array_index(faces, BoothFace, k);
      g_test_message("%s: face %d,%d %dx%d (%d windows), eyes %.1f,%.1f and %.1f,%.1f",
                     photos[i].file, f->box.x, f->box.y, f->box.width, f->box.height, f->neighbors,
                     f->eye_left.x, f->eye_left.y, f->eye_right.x, f->eye_right.y);
      check_face(f, w, h);
      if (k > 0) {
        const BoothFace *prev = &g_array_index(faces, BoothFace, k - 1);
        g_assert_cmpint(prev->box.width * prev->box.height, >=, f->box.width * f->box.height);
      }
    }
  }
}

/* The same student at 1080p and 720p: the same face, in each frame's own coordinates, and the
 * detector's buffers carry nothing from one frame size to the next. */
static void
test_detector_frames(void)
{
  if (!have_cascades())
    return;
  g_autoptr(BoothFaceDetector) d = booth_face_detector_new(NULL, NULL);
  g_assert_nonnull(d);
  g_autofree guint8 *big = booth_frame("portraits/test0.jpg", 1920, 1080);
  g_autofree guint8 *small = booth_frame("portraits/test0.jpg", 1280, 720);
  g_autoptr(GArray) a = booth_face_detector_run(d, big, 1920, 1080, 1920, 0.15);
  g_autoptr(GArray) b = booth_face_detector_run(d, small, 1280, 720, 1280, 0.15);
  g_autoptr(GArray) a2 = booth_face_detector_run(d, big, 1920, 1080, 1920, 0.15);
  g_assert_cmpuint(a->len, ==, 1);
  g_assert_cmpuint(b->len, ==, 1);
  g_assert_cmpmem(a->data, sizeof(BoothFace), a2->data, sizeof(BoothFace));
  const BoothFace *fa = &g_array_index(a, BoothFace, 0), *fb = &g_array_index(b, BoothFace, 0);
  check_face(fa, 1920, 1080);
  check_face(fb, 1280, 720);
  g_test_message("1080p face %dx%d at %d,%d; 720p face %dx%d at %d,%d", fa->box.width,
                 fa->box.height, fa->box.x, fa->box.y, fb->box.width, fb->box.height, fb->box.x,
                 fb->box.y);
  double ratio = (double)fa->box.width / fb->box.width;
  g_assert_cmpfloat(fabs(ratio - 1.5), <, 0.15);
  g_assert_cmpfloat(
      fabs((fa->box.x + fa->box.width / 2.0) / 1.5 - (fb->box.x + fb->box.width / 2.0)), <,
      0.05 * fb->box.width);

  /* A face smaller than min_face asks for is not looked for. */
  g_autoptr(GArray) none = booth_face_detector_run(d, small, 1280, 720, 1280, 0.9);
  g_assert_cmpuint(none->len, ==, 0);
}

/* src moved dx pixels right (mid-grey where it leaves the frame). */
static guint8 *
shifted(const guint8 *src, int w, int h, int dx)
{
  guint8 *out = g_malloc((gsize)w * (gsize)h);
  memset(out, 128, (gsize)w * (gsize)h);
  for (int r = 0; r < h; r++) {
    const guint8 *s = src + (gsize)r * (gsize)w;
    guint8 *o = out + (gsize)r * (gsize)w;
    if (dx >= 0)
      memcpy(o + dx, s, (gsize)(w - dx));
    else
      memcpy(o, s - dx, (gsize)(w + dx));
  }
  return out;
}

/* A student swaying a few pixels a frame is followed: each tracked face is the one the full
 * search finds on that frame, eyes included; a face that left, or a frame without one, loses
 * the track (NULL), and so does an empty last frame. */
static void
test_track(void)
{
  if (!have_cascades())
    return;
  g_autoptr(BoothFaceDetector) d = booth_face_detector_new(NULL, NULL);
  g_assert_nonnull(d);
  g_autofree guint8 *base = booth_frame("portraits/test0.jpg", 1920, 1080);
  g_autoptr(GArray) last = booth_face_detector_run(d, base, 1920, 1080, 1920, 0.15);
  g_assert_cmpuint(last->len, ==, 1);
  static const int moves[] = {0, 5, 11, 18, 26, 20, 14};
  for (gsize i = 0; i < G_N_ELEMENTS(moves); i++) {
    g_autofree guint8 *y = shifted(base, 1920, 1080, moves[i]);
    g_autoptr(GArray) full = booth_face_detector_run(d, y, 1920, 1080, 1920, 0.15);
    GArray *tracked = booth_face_detector_track(d, y, 1920, 1080, 1920, 0.15, last, TRUE);
    g_assert_nonnull(tracked);
    g_assert_cmpuint(tracked->len, ==, 1);
    g_assert_cmpuint(full->len, ==, 1);
    const BoothFace *t = &g_array_index(tracked, BoothFace, 0);
    const BoothFace *f = &g_array_index(full, BoothFace, 0);
    g_test_message("moved %d: tracked %d,%d %dx%d, full search %d,%d %dx%d", moves[i], t->box.x,
                   t->box.y, t->box.width, t->box.height, f->box.x, f->box.y, f->box.width,
                   f->box.height);
    g_assert_cmpfloat(booth_rect_iou(&t->box, &f->box), >=, 0.7);
    check_face(t, 1920, 1080);
    g_assert_cmpfloat(fabs(t->eye_left.x - f->eye_left.x), <, 0.08 * f->box.width);
    g_assert_cmpfloat(fabs(t->eye_right.y - f->eye_right.y), <, 0.08 * f->box.width);
    g_array_unref(last);
    last = tracked;
  }
  const BoothFace *l = &g_array_index(last, BoothFace, 0);
  g_autofree guint8 *away = shifted(base, 1920, 1080, -(int)(1.6 * l->box.width));
  g_assert_null(booth_face_detector_track(d, away, 1920, 1080, 1920, 0.15, last, TRUE));
  g_autofree guint8 *grey = g_malloc(1920 * 1080);
  memset(grey, 128, 1920 * 1080);
  g_assert_null(booth_face_detector_track(d, grey, 1920, 1080, 1920, 0.15, last, TRUE));
  g_autoptr(GArray) none = g_array_new(FALSE, TRUE, sizeof(BoothFace));
  g_assert_null(booth_face_detector_track(d, base, 1920, 1080, 1920, 0.15, none, TRUE));
}

static void
test_detector_errors(void)
{
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_face_detector_new("/nonexistent/opencv", &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "/nonexistent/opencv/"));
  g_test_message("%s", error->message);
  g_clear_error(&error);
  if (!have_cascades())
    return;
  g_autofree char *dir = g_dir_make_tmp("boothd-cascade-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename(dir, "face.xml", NULL);
  g_assert_true(g_file_set_contents(bad, "<opencv_storage>", -1, NULL));
  g_assert_null(booth_face_detector_new_full(NULL, bad, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, bad));
  g_test_message("%s", error->message);
  g_unlink(bad);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/faces/cascade/shipped", test_shipped);
  g_test_add_func("/faces/cascade/bad-files", test_bad_files);
  g_test_add_func("/faces/cascade/mutations", test_mutations);
  g_test_add_func("/faces/cascade/detect", test_detect_api);
  g_test_add_func("/faces/cascade/resize", test_resize);
  g_test_add_func("/faces/cascade/resize-rows", test_resize_rows);
  g_test_add_func("/faces/detector/portraits", test_detector_portraits);
  g_test_add_func("/faces/detector/frames", test_detector_frames);
  g_test_add_func("/faces/detector/errors", test_detector_errors);
  g_test_add_func("/faces/detector/track", test_track);
  return g_test_run();
}
