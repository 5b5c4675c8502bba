/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Camera pixel-format conversion. Real photographs are turned into each camera format by
 * ffmpeg, and our RGB is compared with ffmpeg's own conversion of the same bytes, with the
 * chroma handling pinned to ours (nearest neighbour, accurate rounding, explicit matrix and
 * range). The arithmetic is also checked against the published equations in floating point,
 * rotation against index arithmetic written out here, and corrupt MJPEG frames against the
 * promise that they are counted and never returned. */
#include "camera/convert.h"
#include "error.h"
#include "photo/image.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *tmpdir;

/* ---- helpers ---- */

static char *
portrait_path(const char *name)
{
  const char *root = g_getenv("BOOTH_TEST_DATA");
  g_assert_nonnull(root);
  return g_build_filename(root, "portraits", name, NULL);
}

static char *
tmp_path(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

static GBytes *
read_bytes(const char *path)
{
  char *buf = NULL;
  gsize len = 0;
  g_autoptr(GError) error = NULL;
  g_file_get_contents(path, &buf, &len, &error);
  g_assert_no_error(error);
  return g_bytes_new_take(buf, len);
}

static gboolean
have_ffmpeg(void)
{
  g_autofree char *p = g_find_program_in_path("ffmpeg");
  if (!p)
    g_test_skip("ffmpeg not installed (Debian package ffmpeg): no reference conversions");
  return p != NULL;
}

/* Runs ffmpeg quietly with the given arguments (NULL-terminated). */
static void
ffmpeg(const char *first, ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  const char *head[] = {"ffmpeg", "-nostdin", "-v", "error", "-y"};
  for (gsize i = 0; i < G_N_ELEMENTS(head); i++)
    g_ptr_array_add(argv, (gpointer)head[i]);
  va_list ap;
  va_start(ap, first);
  for (const char *a = first; a; a = va_arg(ap, const char *))
    g_ptr_array_add(argv, (gpointer)a);
  va_end(ap);
  g_ptr_array_add(argv, NULL);

  g_autofree char *err_out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
               NULL, NULL, NULL, &err_out, &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error)) {
    g_autofree char *cmd = g_strjoinv(" ", (char **)argv->pdata);
    g_test_message("%s\n%s", cmd, err_out);
  }
  g_assert_no_error(error);
}

/* ffmpeg's view of our formats. */
static const char *
ffmpeg_pix_fmt(BoothPixelFormat format)
{
  switch (format) {
  case BOOTH_PIX_YUYV:
    return "yuyv422";
  case BOOTH_PIX_UYVY:
    return "uyvy422";
  case BOOTH_PIX_NV12:
    return "nv12";
  case BOOTH_PIX_NV21:
    return "nv21";
  case BOOTH_PIX_RGB888:
    return "rgb24";
  case BOOTH_PIX_BGR888:
    return "bgr24";
  case BOOTH_PIX_XRGB8888:
    return "0rgb";
  case BOOTH_PIX_XBGR8888:
    return "0bgr";
  case BOOTH_PIX_RGBX8888:
    return "rgb0";
  case BOOTH_PIX_BGRX8888:
    return "bgr0";
  case BOOTH_PIX_MJPEG:
  case BOOTH_PIX_N:
  default:
    g_assert_not_reached();
  }
}

static gboolean
is_yuv(BoothPixelFormat format)
{
  return format >= BOOTH_PIX_YUYV && format <= BOOTH_PIX_NV21;
}

/* The scale filter that makes ffmpeg convert YUV as we do: the same matrix and range, chroma
 * sited at the centre of the pixels it covers and sampled by nearest neighbour (so each chroma
 * sample is repeated over its two or four pixels), full-resolution chroma, exact rounding. */
static char *
ffmpeg_yuv_filter(const BoothPixelLayout *l, const char *then)
{
  return g_strdup_printf("scale=in_range=%s:out_range=full:in_color_matrix=%s:"
                         "in_h_chr_pos=128:in_v_chr_pos=128:"
                         "flags=neighbor+accurate_rnd+full_chroma_int,format=rgb24%s%s",
                         l->full_range ? "full" : "limited",
                         l->matrix == BOOTH_YUV_BT709 ? "bt709" : "bt601", then ? "," : "",
                         then ? then : "");
}

/* ffmpeg's RGB24 for raw bytes in a tight layout, with an optional filter after conversion. */
static GBytes *
ffmpeg_reference(const char *raw_path, const BoothPixelLayout *l, const char *then)
{
  g_autofree char *size = g_strdup_printf("%dx%d", l->width, l->height);
  g_autofree char *out = tmp_path("ref.rgb");
  g_autofree char *vf =
      is_yuv(l->format) ? ffmpeg_yuv_filter(l, then) : g_strdup(then ? then : "null");
  ffmpeg("-f", "rawvideo", "-pix_fmt", ffmpeg_pix_fmt(l->format), "-s", size, "-i", raw_path, "-vf",
         vf, "-pix_fmt", "rgb24", "-f", "rawvideo", out, NULL);
  return read_bytes(out);
}

/* A real photo as raw camera bytes: cropped to width x height from the top left, then
 * converted (for YUV, into the layout's range and matrix). */
static GBytes *
ffmpeg_raw(const char *photo, const BoothPixelLayout *l, char **raw_path)
{
  g_autofree char *src = portrait_path(photo);
  *raw_path = tmp_path("frame.raw");
  g_autofree char *vf = g_strdup_printf("crop=%d:%d:0:0,scale=out_range=%s:out_color_matrix=%s",
                                        l->width, l->height, l->full_range ? "full" : "limited",
                                        l->matrix == BOOTH_YUV_BT709 ? "bt709" : "bt601");
  ffmpeg("-i", src, "-vf", vf, "-pix_fmt", ffmpeg_pix_fmt(l->format), "-f", "rawvideo", *raw_path,
         NULL);
  GBytes *raw = read_bytes(*raw_path);
  g_assert_cmpuint(g_bytes_get_size(raw), ==, booth_pixel_layout_size(l));
  return raw;
}

typedef struct {
  double mean;
  int max;
} Diff;

static Diff
frame_diff(const BoothFrame *f, GBytes *ref)
{
  gsize len = 0;
  const guint8 *r = g_bytes_get_data(ref, &len);
  g_assert_cmpuint(len, ==, (gsize)f->width * (gsize)f->height * 3);
  Diff d = {0, 0};
  double sum = 0;
  for (int y = 0; y < f->height; y++) {
    const guint8 *p = f->data + (gsize)y * (gsize)f->stride;
    const guint8 *q = r + (gsize)y * (gsize)f->width * 3;
    for (int i = 0; i < f->width * 3; i++) {
      const int e = abs(p[i] - q[i]);
      sum += e;
      d.max = MAX(d.max, e);
    }
  }
  d.mean = sum / (double)len;
  return d;
}

static gboolean
frames_equal(const BoothFrame *a, const BoothFrame *b)
{
  if (a->width != b->width || a->height != b->height)
    return FALSE;
  for (int y = 0; y < a->height; y++)
    if (memcmp(a->data + (gsize)y * a->stride, b->data + (gsize)y * b->stride,
               (gsize)a->width * 3) != 0)
      return FALSE;
  return TRUE;
}

/* Converts from a heap copy of exactly len bytes, so that a sanitizer catches any read past
 * the end. */
static BoothFrame *
convert_exact(BoothConverter *conv, const guint8 *data, gsize len, const BoothPixelLayout *l,
              int rotation, GError **error)
{
  g_autofree guint8 *copy = len ? g_memdup2(data, len) : NULL;
  return booth_converter_convert(conv, copy, len, l, rotation, error);
}

static BoothFrame *
convert_ok(BoothConverter *conv, GBytes *bytes, const BoothPixelLayout *l, int rotation)
{
  gsize len = 0;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  g_autoptr(GError) error = NULL;
  BoothFrame *f = convert_exact(conv, data, len, l, rotation, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f);
  g_assert_cmpint(f->width, ==, rotation % 180 ? l->height : l->width);
  g_assert_cmpint(f->height, ==, rotation % 180 ? l->width : l->height);
  return f;
}

/* Copies a tight frame into a buffer that starts lead bytes in, pads each row by extra bytes
 * and leaves gap bytes between planes, all filled with a pattern that must not show. The
 * last row ends the buffer, with no padding after it. */
static guint8 *
pad_frame(const guint8 *tight, const BoothPixelLayout *tl, gsize lead, int extra, gsize gap,
          BoothPixelLayout *pl, gsize *len)
{
  *pl = *tl;
  gsize pos = lead;
  for (int p = 0; p < tl->n_planes; p++) {
    pl->stride[p] = tl->stride[p] + extra;
    pl->offset[p] = pos;
    const gsize rows = p == 1 ? (gsize)(tl->height + 1) / 2 : (gsize)tl->height;
    pos +=
        (gsize)pl->stride[p] * (rows - 1) + (gsize)tl->stride[p] + (p + 1 < tl->n_planes ? gap : 0);
  }
  *len = pos;
  pl->bytes_used = 0;
  guint8 *buf = g_malloc(pos);
  memset(buf, 0x5a, pos);
  for (int p = 0; p < tl->n_planes; p++) {
    const gsize rows = p == 1 ? (gsize)(tl->height + 1) / 2 : (gsize)tl->height;
    for (gsize r = 0; r < rows; r++)
      memcpy(buf + pl->offset[p] + r * (gsize)pl->stride[p],
             tight + tl->offset[p] + r * (gsize)tl->stride[p], (gsize)tl->stride[p]);
  }
  return buf;
}

static void
expect_refused(BoothConverter *conv, const guint8 *data, gsize len, const BoothPixelLayout *l,
               int rotation, gboolean counted, const char *what)
{
  const BoothConverterStats before = booth_converter_stats(conv);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f = convert_exact(conv, data, len, l, rotation, &error);
  g_assert_null(f);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_test_message("%s: %s", what, error->message);
  const BoothConverterStats after = booth_converter_stats(conv);
  g_assert_cmpuint(after.converted, ==, before.converted);
  g_assert_cmpuint(after.dropped_corrupt, ==, before.dropped_corrupt + (counted ? 1 : 0));
}

/* ---- names and layouts ---- */

static void
test_format_names(void)
{
  for (int i = 0; i < BOOTH_PIX_N; i++) {
    const char *name = booth_pixel_format_name((BoothPixelFormat)i);
    BoothPixelFormat f = BOOTH_PIX_N;
    g_assert_true(booth_pixel_format_parse(name, &f));
    g_assert_cmpint(f, ==, i);
    g_autofree char *lower = g_ascii_strdown(name, -1);
    g_assert_true(booth_pixel_format_parse(lower, &f));
    g_assert_cmpint(f, ==, i);
  }
  BoothPixelFormat f = BOOTH_PIX_N;
  g_assert_true(booth_pixel_format_parse("MJPG", &f));
  g_assert_cmpint(f, ==, BOOTH_PIX_MJPEG);
  g_assert_cmpstr(booth_pixel_format_name(BOOTH_PIX_NV12), ==, "NV12");
  g_assert_false(booth_pixel_format_parse("YUV420", &f));
  g_assert_false(booth_pixel_format_parse("", &f));
  g_assert_false(booth_pixel_format_parse("NV12 ", &f));
}

static void
test_layout_init(void)
{
  BoothPixelLayout l;
  booth_pixel_layout_init(&l, BOOTH_PIX_NV12, 7, 5);
  g_assert_cmpint(l.n_planes, ==, 2);
  g_assert_cmpint(l.stride[0], ==, 7);
  g_assert_cmpint(l.stride[1], ==, 8);
  g_assert_cmpuint(l.offset[1], ==, 35);
  g_assert_cmpuint(l.bytes_used, ==, 0);
  g_assert_cmpuint(booth_pixel_layout_size(&l), ==, 35 + 8 * 3);

  booth_pixel_layout_init(&l, BOOTH_PIX_YUYV, 7, 5);
  g_assert_cmpint(l.stride[0], ==, 16);
  g_assert_cmpuint(booth_pixel_layout_size(&l), ==, 80);
  booth_pixel_layout_init(&l, BOOTH_PIX_XRGB8888, 7, 5);
  g_assert_cmpint(l.stride[0], ==, 28);
  booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, 640, 480);
  g_assert_cmpint(l.n_planes, ==, 1);
  g_assert_cmpuint(booth_pixel_layout_size(&l), ==, 0);
  booth_pixel_layout_init(&l, BOOTH_PIX_RGB888, 0, 480);
  g_assert_cmpuint(booth_pixel_layout_size(&l), ==, 0);
}

/* Layouts that contradict themselves are the caller's mistake: refused, not counted. Buffers
 * too short for a sound layout are damaged frames: refused and counted. */
static void
test_layout_checks(void)
{
  g_autoptr(BoothConverter) conv = booth_converter_new();
  BoothPixelLayout good;
  booth_pixel_layout_init(&good, BOOTH_PIX_NV12, 64, 48);
  const gsize size = booth_pixel_layout_size(&good);
  g_autofree guint8 *buf = g_malloc0(size + 4096);

  BoothPixelLayout l = good;
  l.stride[0] = 63;
  expect_refused(conv, buf, size, &l, 0, FALSE, "luma stride below width");
  l = good;
  l.stride[1] = 62;
  expect_refused(conv, buf, size, &l, 0, FALSE, "chroma stride below width");
  l = good;
  l.stride[0] = -64;
  expect_refused(conv, buf, size, &l, 0, FALSE, "negative stride");
  l = good;
  l.n_planes = 1;
  expect_refused(conv, buf, size, &l, 0, FALSE, "one plane for NV12");
  l = good;
  l.width = 0;
  expect_refused(conv, buf, size, &l, 0, FALSE, "no width");
  l = good;
  l.height = 20000;
  expect_refused(conv, buf, size, &l, 0, FALSE, "absurd height");
  l = good;
  l.format = BOOTH_PIX_N;
  expect_refused(conv, buf, size, &l, 0, FALSE, "unknown format");
  l = good;
  l.bytes_used = size + 1;
  expect_refused(conv, buf, size, &l, 0, FALSE, "more bytes used than the buffer has");
  l = good;
  l.matrix = (BoothYuvMatrix)7;
  expect_refused(conv, buf, size, &l, 0, FALSE, "unknown matrix");
  expect_refused(conv, buf, size, &good, 45, FALSE, "rotation of 45 degrees");
  expect_refused(conv, buf, size, &good, -90, FALSE, "rotation of -90 degrees");

  /* Short by one byte, in every way a buffer can be short. */
  expect_refused(conv, buf, size - 1, &good, 0, TRUE, "buffer one byte short");
  l = good;
  l.bytes_used = size - 1;
  expect_refused(conv, buf, size + 4096, &l, 0, TRUE, "bytes used one short");
  l = good;
  l.offset[1] += 1;
  expect_refused(conv, buf, size, &l, 0, TRUE, "chroma plane shifted past the end");
  l = good;
  l.offset[0] = G_MAXSIZE - 10;
  expect_refused(conv, buf, size, &l, 0, TRUE, "offset that would wrap around");
  l = good;
  l.stride[1] = G_MAXINT;
  expect_refused(conv, buf, size, &l, 90, TRUE, "huge stride");
  expect_refused(conv, NULL, 0, &good, 0, TRUE, "no buffer at all");
  BoothPixelLayout yuyv;
  booth_pixel_layout_init(&yuyv, BOOTH_PIX_YUYV, 1920, 1080);
  expect_refused(conv, buf, size, &yuyv, 0, TRUE, "1080p YUYV in a small buffer");

  /* The exact size is enough: the last row needs no padding after it. */
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f = convert_exact(conv, buf, size, &good, 0, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f);
  l = good;
  l.stride[0] = 100;
  l.offset[1] = 100 * 48;
  const gsize padded = 100 * 48 + 64 * 23 + 64;
  g_autoptr(BoothFrame) g = convert_exact(conv, buf, padded, &l, 0, &error);
  g_assert_no_error(error);
  g_assert_nonnull(g);
  expect_refused(conv, buf, padded - 1, &l, 0, TRUE, "padded layout one byte short");

  const BoothConverterStats st = booth_converter_stats(conv);
  g_assert_cmpuint(st.converted, ==, 2);
  g_assert_cmpuint(st.dropped_corrupt, ==, 8);
}

/* ---- arithmetic ---- */

/* The equations as published (ITU-R BT.601 and BT.709, limited and full range), evaluated in
 * floating point, over every luma value and a grid of chroma values. */
static void
test_yuv_equations(void)
{
  static const struct {
    BoothYuvMatrix matrix;
    gboolean full;
    double y, rv, gu, gv, bu;
  } cases[] = {
      {BOOTH_YUV_BT601, FALSE, 1.164384, 1.596027, 0.391762, 0.812968, 2.017232},
      {BOOTH_YUV_BT601, TRUE, 1.0, 1.402, 0.344136, 0.714136, 1.772},
      {BOOTH_YUV_BT709, FALSE, 1.164384, 1.792741, 0.213249, 0.532909, 2.112402},
      {BOOTH_YUV_BT709, TRUE, 1.0, 1.5748, 0.187324, 0.468124, 1.8556},
  };
  g_autoptr(BoothConverter) conv = booth_converter_new();
  /* YUYV, 256 pairs a row: pair i has Y0 = i and Y1 = 255 - i; row r has one (U, V). */
  const int steps = 18, w = 512, h = steps * steps;
  BoothPixelLayout l;
  booth_pixel_layout_init(&l, BOOTH_PIX_YUYV, w, h);
  g_autofree guint8 *buf = g_malloc(booth_pixel_layout_size(&l));
  for (int r = 0; r < h; r++) {
    guint8 *row = buf + (gsize)r * (gsize)l.stride[0];
    for (int i = 0; i < 256; i++) {
      row[4 * i] = (guint8)i;
      row[4 * i + 1] = (guint8)(r / steps * 15);
      row[4 * i + 2] = (guint8)(255 - i);
      row[4 * i + 3] = (guint8)(r % steps * 15);
    }
  }
  for (gsize c = 0; c < G_N_ELEMENTS(cases); c++) {
    l.matrix = cases[c].matrix;
    l.full_range = cases[c].full;
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = convert_exact(conv, buf, booth_pixel_layout_size(&l), &l, 0, &error);
    g_assert_no_error(error);
    int max = 0;
    for (int r = 0; r < h; r++) {
      const double u = r / steps * 15 - 128.0, v = r % steps * 15 - 128.0;
      for (int x = 0; x < w; x++) {
        const int yv = x % 2 ? 255 - x / 2 : x / 2;
        const double yl = (yv - (cases[c].full ? 0 : 16)) * cases[c].y;
        const double want[3] = {yl + cases[c].rv * v, yl - cases[c].gu * u - cases[c].gv * v,
                                yl + cases[c].bu * u};
        const guint8 *p = f->data + (gsize)r * f->stride + (gsize)x * 3;
        for (int k = 0; k < 3; k++)
          max = MAX(max, abs(p[k] - (int)lrint(CLAMP(want[k], 0, 255))));
      }
    }
    g_test_message("%s %s range: max error %d against the published equations",
                   cases[c].matrix == BOOTH_YUV_BT709 ? "BT.709" : "BT.601",
                   cases[c].full ? "full" : "limited", max);
    /* One step: the exact value can sit at .5, where fixed point may round the other way. */
    g_assert_cmpint(max, <=, 1);
  }

  /* Anchors a person can check by eye: black, white and BT.601 limited-range red. */
  const guint8 anchors[][4] = {{16, 128, 16, 128}, {235, 128, 235, 128}, {81, 90, 81, 240}};
  const guint8 want[][3] = {{0, 0, 0}, {255, 255, 255}, {255, 0, 0}};
  BoothPixelLayout two;
  booth_pixel_layout_init(&two, BOOTH_PIX_YUYV, 2, 1);
  for (gsize i = 0; i < G_N_ELEMENTS(anchors); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = convert_exact(conv, anchors[i], 4, &two, 0, &error);
    g_assert_no_error(error);
    for (int k = 0; k < 3; k++)
      g_assert_cmpint(abs(f->data[k] - want[i][k]), <=, 1);
  }
}

/* ---- rotation ---- */

/* Where output pixel (x, y) of a frame turned clockwise comes from in the w x h upright one. */
static void
rotated_source(int rotation, int w, int h, int x, int y, int *sx, int *sy)
{
  switch (rotation) {
  case 90: /* the left column, read bottom up, becomes the top row */
    *sx = y;
    *sy = h - 1 - x;
    break;
  case 180:
    *sx = w - 1 - x;
    *sy = h - 1 - y;
    break;
  case 270: /* the right column, read top down, becomes the top row */
    *sx = w - 1 - y;
    *sy = x;
    break;
  default:
    *sx = x;
    *sy = y;
    break;
  }
}

static void
assert_rotated(const BoothFrame *upright, const BoothFrame *turned, int rotation)
{
  g_assert_cmpint(turned->width, ==, rotation % 180 ? upright->height : upright->width);
  g_assert_cmpint(turned->height, ==, rotation % 180 ? upright->width : upright->height);
  for (int y = 0; y < turned->height; y++)
    for (int x = 0; x < turned->width; x++) {
      int sx, sy;
      rotated_source(rotation, upright->width, upright->height, x, y, &sx, &sy);
      const guint8 *a = turned->data + (gsize)y * turned->stride + (gsize)x * 3;
      const guint8 *b = upright->data + (gsize)sy * upright->stride + (gsize)sx * 3;
      if (memcmp(a, b, 3) != 0)
        g_error("rotation %d: pixel (%d, %d) differs from upright (%d, %d)", rotation, x, y, sx,
                sy);
    }
}

/* A 2 x 2 picture, A B over C D, by hand: turned clockwise it reads C A over D B. */
static void
test_rotation_by_hand(void)
{
  g_autoptr(BoothConverter) conv = booth_converter_new();
  const guint8 px[12] = {'A', 'A', 'A', 'B', 'B', 'B', 'C', 'C', 'C', 'D', 'D', 'D'};
  const char *const want[] = {"ABCD", "CADB", "DCBA", "BDAC"};
  BoothPixelLayout l;
  booth_pixel_layout_init(&l, BOOTH_PIX_RGB888, 2, 2);
  for (int r = 0; r < 4; r++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = convert_exact(conv, px, sizeof px, &l, r * 90, &error);
    g_assert_no_error(error);
    char got[5] = {0};
    for (int i = 0; i < 4; i++)
      got[i] = (char)f->data[(gsize)(i / 2) * f->stride + (gsize)(i % 2) * 3];
    g_assert_cmpstr(got, ==, want[r]);
  }
}

/* Every format, odd sizes included, random content: each rotation equals the upright frame
 * moved as rotated_source() says. */
static void
test_rotation_all_formats(void)
{
  g_autoptr(BoothConverter) conv = booth_converter_new();
  g_autoptr(GRand) rand = g_rand_new_with_seed(601);
  const int sizes[][2] = {{2, 2}, {7, 5}, {8, 3}, {1, 1}, {33, 18}};
  for (int f = BOOTH_PIX_YUYV; f < BOOTH_PIX_N; f++)
    for (gsize s = 0; s < G_N_ELEMENTS(sizes); s++) {
      BoothPixelLayout l;
      booth_pixel_layout_init(&l, (BoothPixelFormat)f, sizes[s][0], sizes[s][1]);
      const gsize size = booth_pixel_layout_size(&l);
      g_autofree guint8 *buf = g_malloc(size);
      for (gsize i = 0; i < size; i++)
        buf[i] = (guint8)g_rand_int(rand);
      g_autoptr(GError) error = NULL;
      g_autoptr(BoothFrame) upright = convert_exact(conv, buf, size, &l, 0, &error);
      g_assert_no_error(error);
      for (int r = 90; r < 360; r += 90) {
        g_autoptr(BoothFrame) turned = convert_exact(conv, buf, size, &l, r, &error);
        g_assert_no_error(error);
        assert_rotated(upright, turned, r);
      }
    }
}

/* ---- against ffmpeg ---- */

static const char *const photos[] = {"test0.jpg", "test3.jpg", "test4.jpg"};

/* Even sizes: ffmpeg and V4L2 agree on rows only for whole pairs of pixels. */
static void
photo_size(const char *photo, int *w, int *h)
{
  g_autofree char *path = portrait_path(photo);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) img = booth_image_load(path, &error);
  g_assert_no_error(error);
  *w = img->width & ~1;
  *h = img->height & ~1;
}

static const char *
encoding_name(const BoothPixelLayout *l)
{
  if (l->matrix == BOOTH_YUV_BT709)
    return l->full_range ? "BT.709 full" : "BT.709 limited";
  return l->full_range ? "BT.601 full" : "BT.601 limited";
}

/* One photo in one format: compared with ffmpeg, then padded rows, gaps between planes and a
 * leading offset must give exactly the same frame. */
static void
check_against_ffmpeg(BoothConverter *conv, const char *photo, BoothPixelLayout *l, Diff *worst)
{
  g_autofree char *raw_path = NULL;
  g_autoptr(GBytes) raw = ffmpeg_raw(photo, l, &raw_path);
  g_autoptr(GBytes) ref = ffmpeg_reference(raw_path, l, NULL);
  g_autoptr(BoothFrame) f = convert_ok(conv, raw, l, 0);
  const Diff d = frame_diff(f, ref);
  g_test_message("%-9s %-14s %s %dx%d: mean abs error %.4f, max %d",
                 booth_pixel_format_name(l->format), is_yuv(l->format) ? encoding_name(l) : "",
                 photo, l->width, l->height, d.mean, d.max);
  worst->mean = MAX(worst->mean, d.mean);
  worst->max = MAX(worst->max, d.max);

  BoothPixelLayout pl;
  gsize len = 0;
  g_autofree guint8 *padded =
      pad_frame(g_bytes_get_data(raw, NULL), l, 4096 + 3, 61, 1000, &pl, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) g = convert_exact(conv, padded, len, &pl, 0, &error);
  g_assert_no_error(error);
  g_assert_true(frames_equal(f, g));
  expect_refused(conv, padded, len - 1, &pl, 0, TRUE, "padded frame one byte short");
}

/* Tolerances for YUV: ffmpeg with the filter above does exactly our arithmetic in higher
 * precision, so the only difference is rounding at .5: at most one step, rarely (the figures
 * are about 0.005 mean, 1 max). Two steps of slack keep the test about the conversion rather
 * than ffmpeg's rounding internals; a wrong matrix, range, siting or byte order shows up as
 * tens of steps. Packed RGB is a byte shuffle and must be exact. */
#define YUV_MAX_ERROR 2
#define YUV_MEAN_ERROR 0.05

static void
test_ffmpeg_yuv(void)
{
  if (!have_ffmpeg())
    return;
  g_autoptr(BoothConverter) conv = booth_converter_new();
  const BoothPixelFormat yuv[] = {BOOTH_PIX_YUYV, BOOTH_PIX_UYVY, BOOTH_PIX_NV12, BOOTH_PIX_NV21};
  for (gsize i = 0; i < G_N_ELEMENTS(yuv); i++) {
    Diff worst = {0, 0};
    for (gsize p = 0; p < G_N_ELEMENTS(photos); p++) {
      int w, h;
      photo_size(photos[p], &w, &h);
      BoothPixelLayout l;
      booth_pixel_layout_init(&l, yuv[i], w, h);
      check_against_ffmpeg(conv, photos[p], &l, &worst);
    }
    /* The other colour spaces a camera may send, on one photo. */
    for (int e = 1; e < 4; e++) {
      BoothPixelLayout l;
      booth_pixel_layout_init(&l, yuv[i], 978, 1014);
      l.full_range = e & 1;
      l.matrix = e & 2 ? BOOTH_YUV_BT709 : BOOTH_YUV_BT601;
      check_against_ffmpeg(conv, "test4.jpg", &l, &worst);
    }
    g_test_message("%s worst: mean %.4f, max %d (allowed %.2f, %d)",
                   booth_pixel_format_name(yuv[i]), worst.mean, worst.max, YUV_MEAN_ERROR,
                   YUV_MAX_ERROR);
    g_assert_cmpfloat(worst.mean, <, YUV_MEAN_ERROR);
    g_assert_cmpint(worst.max, <=, YUV_MAX_ERROR);
  }
}

static void
test_ffmpeg_rgb(void)
{
  if (!have_ffmpeg())
    return;
  g_autoptr(BoothConverter) conv = booth_converter_new();
  for (int f = BOOTH_PIX_RGB888; f < BOOTH_PIX_N; f++) {
    Diff worst = {0, 0};
    for (gsize p = 0; p < G_N_ELEMENTS(photos); p++) {
      int w, h;
      photo_size(photos[p], &w, &h);
      BoothPixelLayout l;
      booth_pixel_layout_init(&l, (BoothPixelFormat)f, w, h);
      check_against_ffmpeg(conv, photos[p], &l, &worst);
    }
    g_assert_cmpint(worst.max, ==, 0);
  }
}

/* Each rotation against ffmpeg's transpose of its own conversion; and a mirrored reference
 * must NOT match, which shows the comparison would catch a mirror. */
static void
test_ffmpeg_rotation(void)
{
  if (!have_ffmpeg())
    return;
  g_autoptr(BoothConverter) conv = booth_converter_new();
  static const struct {
    int rotation;
    const char *filter;
    const char *mirror;
  } turns[] = {
      {90, "transpose=clock", "transpose=clock_flip"},
      {180, "hflip,vflip", "vflip"},
      {270, "transpose=cclock", "transpose=cclock_flip"},
  };
  const BoothPixelFormat fmts[] = {BOOTH_PIX_YUYV, BOOTH_PIX_NV12, BOOTH_PIX_BGRX8888};
  for (gsize i = 0; i < G_N_ELEMENTS(fmts); i++) {
    BoothPixelLayout l;
    booth_pixel_layout_init(&l, fmts[i], 512, 714);
    g_autofree char *raw_path = NULL;
    g_autoptr(GBytes) raw = ffmpeg_raw("test3.jpg", &l, &raw_path);
    for (gsize t = 0; t < G_N_ELEMENTS(turns); t++) {
      g_autoptr(GBytes) ref = ffmpeg_reference(raw_path, &l, turns[t].filter);
      g_autoptr(GBytes) mirrored = ffmpeg_reference(raw_path, &l, turns[t].mirror);
      g_autoptr(BoothFrame) f = convert_ok(conv, raw, &l, turns[t].rotation);
      const Diff d = frame_diff(f, ref), m = frame_diff(f, mirrored);
      g_test_message("%s turned %d: mean %.4f, max %d against %s; mean %.1f against %s",
                     booth_pixel_format_name(fmts[i]), turns[t].rotation, d.mean, d.max,
                     turns[t].filter, m.mean, turns[t].mirror);
      g_assert_cmpfloat(d.mean, <, YUV_MEAN_ERROR);
      g_assert_cmpint(d.max, <=, YUV_MAX_ERROR);
      g_assert_cmpfloat(m.mean, >, 5.0);
    }
  }
}

/* Leaves out the Huffman tables, as UVC cameras do (the decoder falls back to the standard
 * ones from the JPEG specification, which ffmpeg's "-huffman default" uses). */
static GBytes *
jpeg_without_dht(GBytes *jpeg)
{
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(jpeg, &len);
  GByteArray *out = g_byte_array_new();
  g_byte_array_append(out, d, 2);
  gsize i = 2;
  while (i + 4 <= len) {
    g_assert_cmpint(d[i], ==, 0xff);
    if (d[i + 1] == 0xda) {
      g_byte_array_append(out, d + i, (guint)(len - i));
      break;
    }
    const gsize seg = 2 + ((gsize)d[i + 2] << 8 | d[i + 3]);
    if (d[i + 1] != 0xc4)
      g_byte_array_append(out, d + i, (guint)seg);
    i += seg;
  }
  g_assert_cmpuint(out->len, <, len);
  return g_byte_array_free_to_bytes(out);
}

/* TurboJPEG and ffmpeg's own decoder differ in their IDCT rounding (a step or two) and in how
 * they upsample chroma: libjpeg's "fancy" triangle filter against swscale's bilinear. With
 * 4:2:2 (what UVC webcams send) and 4:4:4 they agree within a few steps; 4:2:0's vertical
 * filtering differs along sharp colour edges by up to about 20 steps. The means stay far
 * below one step in every case. */
static void
test_ffmpeg_mjpeg(void)
{
  if (!have_ffmpeg())
    return;
  g_autoptr(BoothConverter) conv = booth_converter_new();
  static const struct {
    const char *pix_fmt;
    int max;
  } subsampling[] = {{"yuvj422p", 6}, {"yuvj444p", 6}, {"yuvj420p", 40}};
  for (gsize p = 0; p < G_N_ELEMENTS(photos); p++) {
    int w, h;
    photo_size(photos[p], &w, &h);
    BoothPixelLayout l;
    booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, w, h);
    g_autofree char *src = portrait_path(photos[p]);
    g_autofree char *mjpeg = tmp_path("frame.mjpeg");
    g_autofree char *ref_path = tmp_path("ref.rgb");
    g_autofree char *crop = g_strdup_printf("crop=%d:%d:0:0", w, h);
    for (gsize s = 0; s < G_N_ELEMENTS(subsampling); s++) {
      ffmpeg("-i", src, "-vf", crop, "-pix_fmt", subsampling[s].pix_fmt, "-huffman", "default",
             "-q:v", "3", "-f", "mjpeg", mjpeg, NULL);
      ffmpeg("-f", "mjpeg", "-i", mjpeg, "-vf", "scale=flags=accurate_rnd+full_chroma_int+bilinear",
             "-pix_fmt", "rgb24", "-f", "rawvideo", ref_path, NULL);
      g_autoptr(GBytes) jpeg = read_bytes(mjpeg);
      g_autoptr(GBytes) ref = read_bytes(ref_path);
      g_autoptr(BoothFrame) f = convert_ok(conv, jpeg, &l, 0);
      const Diff d = frame_diff(f, ref);
      g_test_message("MJPEG %s %s %dx%d: mean abs error %.4f, max %d (allowed 0.5, %d)",
                     subsampling[s].pix_fmt, photos[p], w, h, d.mean, d.max, subsampling[s].max);
      g_assert_cmpfloat(d.mean, <, 0.5);
      g_assert_cmpint(d.max, <=, subsampling[s].max);

      /* The same decoder as the photo path, so the same pixels, bit for bit. */
      g_autoptr(GError) error = NULL;
      gsize len = 0;
      const guint8 *data = g_bytes_get_data(jpeg, &len);
      g_autoptr(BoothFrame) img = booth_image_decode(data, len, "frame", &error);
      g_assert_no_error(error);
      g_assert_true(frames_equal(f, img));

      g_autoptr(GBytes) bare = jpeg_without_dht(jpeg);
      g_autoptr(BoothFrame) b = convert_ok(conv, bare, &l, 0);
      g_assert_true(frames_equal(f, b));

      for (int r = 90; r < 360; r += 90) {
        g_autoptr(BoothFrame) turned = convert_ok(conv, jpeg, &l, r);
        assert_rotated(f, turned, r);
      }
    }
  }
}

/* ---- corrupt MJPEG ---- */

static void
expect_dropped(BoothConverter *conv, const guint8 *data, gsize len, const BoothPixelLayout *l,
               const char *what)
{
  expect_refused(conv, data, len, l, 0, TRUE, what);
}

static void
test_mjpeg_corrupt(void)
{
  g_autofree char *path = portrait_path("test3.jpg");
  g_autoptr(GBytes) bytes = read_bytes(path);
  gsize len = 0;
  const guint8 *jpeg = g_bytes_get_data(bytes, &len);
  g_autoptr(BoothConverter) conv = booth_converter_new();
  BoothPixelLayout l;
  booth_pixel_layout_init(&l, BOOTH_PIX_MJPEG, 512, 715);
  g_autoptr(BoothFrame) good = convert_ok(conv, bytes, &l, 0);

  expect_dropped(conv, NULL, 0, &l, "empty");
  expect_dropped(conv, jpeg, 1, &l, "one byte");
  for (int tenth = 1; tenth < 10; tenth++) {
    g_autofree char *what = g_strdup_printf("cut at %d%%", tenth * 10);
    expect_dropped(conv, jpeg, len * (gsize)tenth / 10, &l, what);
  }
  expect_dropped(conv, jpeg, 20, &l, "cut inside the header");
  expect_dropped(conv, jpeg, len - 2, &l, "without its end marker");
  expect_dropped(conv, jpeg, len - 300, &l, "last 300 bytes missing");
  BoothPixelLayout used = l;
  used.bytes_used = len / 2;
  expect_dropped(conv, jpeg, len, &used, "bytes used says half");

  BoothPixelLayout other;
  booth_pixel_layout_init(&other, BOOTH_PIX_MJPEG, 640, 480);
  expect_dropped(conv, jpeg, len, &other, "a 512x715 JPEG for a 640x480 camera");
  booth_pixel_layout_init(&other, BOOTH_PIX_MJPEG, 715, 512);
  expect_dropped(conv, jpeg, len, &other, "sides swapped");

  g_autoptr(GRand) rand = g_rand_new_with_seed(4242);
  g_autofree guint8 *noise = g_malloc(len);
  for (int n = 0; n < 20; n++) {
    for (gsize i = 0; i < len; i++)
      noise[i] = (guint8)g_rand_int(rand);
    if (n % 2) { /* a JPEG start marker followed by noise */
      noise[0] = 0xff;
      noise[1] = 0xd8;
    }
    expect_dropped(conv, noise, (gsize)g_rand_int_range(rand, 1, (gint32)len), &l, "random bytes");
  }

  /* Damaged markers: start of image, frame header, scan header. */
  g_autofree guint8 *copy = g_memdup2(jpeg, len);
  copy[1] ^= 0x01;
  expect_dropped(conv, copy, len, &l, "start marker damaged");
  memcpy(copy, jpeg, len);
  for (gsize i = 2; i + 8 < len; i++)
    if (copy[i] == 0xff && copy[i + 1] == 0xc0) {
      copy[i + 5] ^= 0x10; /* height */
      break;
    }
  expect_dropped(conv, copy, len, &l, "height in the frame header changed");

  /* Single flipped bits anywhere. Flips inside the entropy-coded data often still decode
   * (to a wrong but well-formed block), and nothing in a JPEG can tell; what is promised is
   * that a frame is either whole and the right size or refused and counted. */
  int refused = 0, decoded = 0;
  for (int n = 0; n < 400; n++) {
    memcpy(copy, jpeg, len);
    copy[g_rand_int_range(rand, 0, (gint32)len)] ^= (guint8)(1u << g_rand_int_range(rand, 0, 8));
    const BoothConverterStats before = booth_converter_stats(conv);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = convert_exact(conv, copy, len, &l, n % 4 * 90, &error);
    const BoothConverterStats after = booth_converter_stats(conv);
    if (f) {
      decoded++;
      g_assert_no_error(error);
      g_assert_cmpint(f->width * f->height, ==, 512 * 715);
      g_assert_cmpuint(after.converted, ==, before.converted + 1);
    } else {
      refused++;
      g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
      g_assert_cmpuint(after.dropped_corrupt, ==, before.dropped_corrupt + 1);
    }
  }
  g_test_message("400 single-bit flips: %d refused, %d decoded to a frame", refused, decoded);
  g_assert_cmpint(refused, >, 0);

  /* Harmless: bytes after the end marker, and padding just before it (some webcams send
   * both). They decode to the same picture. */
  g_autofree guint8 *longer = g_malloc0(len + 64);
  memcpy(longer, jpeg, len);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f1 = convert_exact(conv, longer, len + 64, &l, 0, &error);
  g_assert_no_error(error);
  g_assert_true(frames_equal(good, f1));
  g_assert_cmpint(jpeg[len - 2], ==, 0xff);
  g_assert_cmpint(jpeg[len - 1], ==, 0xd9);
  const guint8 fill[] = {0x00, 0xa5};
  for (gsize i = 0; i < G_N_ELEMENTS(fill); i++) {
    memcpy(longer, jpeg, len - 2);
    memset(longer + len - 2, fill[i], 48);
    longer[len + 46] = 0xff;
    longer[len + 47] = 0xd9;
    g_autoptr(BoothFrame) f2 = convert_exact(conv, longer, len + 48, &l, 0, &error);
    g_assert_no_error(error);
    g_assert_true(frames_equal(good, f2));
  }
  BoothPixelLayout at = l;
  at.offset[0] = 64;
  g_autofree guint8 *shifted = g_malloc0(len + 64);
  memcpy(shifted + 64, jpeg, len);
  g_autoptr(BoothFrame) f3 = convert_exact(conv, shifted, len + 64, &at, 0, &error);
  g_assert_no_error(error);
  g_assert_true(frames_equal(good, f3));

  const BoothConverterStats st = booth_converter_stats(conv);
  g_test_message("converted %" G_GUINT64_FORMAT ", dropped as corrupt %" G_GUINT64_FORMAT,
                 st.converted, st.dropped_corrupt);
  g_assert_cmpuint(st.converted, ==, 5 + (guint64)decoded);
  g_assert_cmpuint(st.dropped_corrupt, ==, 39 + (guint64)refused);
}

/* ---- speed ---- */

static void
test_speed_1080p(void)
{
  if (!have_ffmpeg())
    return;
  g_autoptr(BoothConverter) conv = booth_converter_new();
  g_autofree char *src = portrait_path("test4.jpg");
  g_autofree char *raw_path = tmp_path("hd.raw");
  for (int f = 0; f < BOOTH_PIX_N; f++) {
    const BoothPixelFormat format = (BoothPixelFormat)f;
    BoothPixelLayout l;
    booth_pixel_layout_init(&l, format, 1920, 1080);
    if (format == BOOTH_PIX_MJPEG)
      ffmpeg("-i", src, "-vf", "scale=1920:1080", "-pix_fmt", "yuvj422p", "-q:v", "5", "-f",
             "mjpeg", raw_path, NULL);
    else
      ffmpeg("-i", src, "-vf", "scale=1920:1080", "-pix_fmt", ffmpeg_pix_fmt(format), "-f",
             "rawvideo", raw_path, NULL);
    g_autoptr(GBytes) raw = read_bytes(raw_path);
    gsize len = 0;
    const guint8 *data = g_bytes_get_data(raw, &len);
    double ms[2];
    for (int r = 0; r < 2; r++) {
      double best = G_MAXDOUBLE;
      for (int n = 0; n < 7; n++) {
        const gint64 t0 = g_get_monotonic_time();
        g_autoptr(BoothFrame) out = booth_converter_convert(conv, data, len, &l, r * 90, NULL);
        const gint64 t1 = g_get_monotonic_time();
        g_assert_nonnull(out);
        best = MIN(best, (double)(t1 - t0) / 1000.0);
      }
      ms[r] = best;
    }
    g_test_message("%-9s 1920x1080: %.2f ms upright, %.2f ms turned 90 (best of 7)",
                   booth_pixel_format_name(format), ms[0], ms[1]);
  }
}

static void
remove_tmpdir(void)
{
  g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = tmp_path(name);
    g_unlink(p);
  }
  g_rmdir(tmpdir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp("boothd-convert-XXXXXX", &error);
  g_assert_no_error(error);

  g_test_add_func("/convert/format-names", test_format_names);
  g_test_add_func("/convert/layout-init", test_layout_init);
  g_test_add_func("/convert/layout-checks", test_layout_checks);
  g_test_add_func("/convert/yuv-equations", test_yuv_equations);
  g_test_add_func("/convert/rotation-by-hand", test_rotation_by_hand);
  g_test_add_func("/convert/rotation-all-formats", test_rotation_all_formats);
  g_test_add_func("/convert/mjpeg-corrupt", test_mjpeg_corrupt);
  g_test_add_func("/convert/ffmpeg/yuv", test_ffmpeg_yuv);
  g_test_add_func("/convert/ffmpeg/rgb", test_ffmpeg_rgb);
  g_test_add_func("/convert/ffmpeg/rotation", test_ffmpeg_rotation);
  g_test_add_func("/convert/ffmpeg/mjpeg", test_ffmpeg_mjpeg);
  g_test_add_func("/convert/speed-1080p", test_speed_1080p);
  const int rc = g_test_run();
  remove_tmpdir();
  g_free(tmpdir);
  return rc;
}
