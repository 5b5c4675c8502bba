/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The parts of the libcamera shim that need no camera: the pixel format names and their
 * mapping onto the converter (checked by converting real bytes, since packed RGB is named the
 * other way round in libcamera), and the choice of a mode with the error that lists what the
 * camera offers. */
#include <string.h>

#include "camera/convert.h"
#include "camera/libcamera-shim.h"
#include "error.h"

/* DRM / libcamera fourcc, spelled out here so the test does not trust the shim's tables. */
#define FOURCC(a, b, c, d)                                                                         \
  ((guint32)(a) | ((guint32)(b) << 8) | ((guint32)(c) << 16) | ((guint32)(d) << 24))

static const struct {
  const char *name;
  guint32 fourcc;
  BoothPixelFormat format;
} known[] = {
    {"MJPEG", FOURCC('M', 'J', 'P', 'G'), BOOTH_PIX_MJPEG},
    {"YUYV", FOURCC('Y', 'U', 'Y', 'V'), BOOTH_PIX_YUYV},
    {"UYVY", FOURCC('U', 'Y', 'V', 'Y'), BOOTH_PIX_UYVY},
    {"NV12", FOURCC('N', 'V', '1', '2'), BOOTH_PIX_NV12},
    {"NV21", FOURCC('N', 'V', '2', '1'), BOOTH_PIX_NV21},
    {"RGB888", FOURCC('R', 'G', '2', '4'), BOOTH_PIX_BGR888},
    {"BGR888", FOURCC('B', 'G', '2', '4'), BOOTH_PIX_RGB888},
    {"XRGB8888", FOURCC('X', 'R', '2', '4'), BOOTH_PIX_BGRX8888},
    {"XBGR8888", FOURCC('X', 'B', '2', '4'), BOOTH_PIX_RGBX8888},
    {"RGBX8888", FOURCC('R', 'X', '2', '4'), BOOTH_PIX_XBGR8888},
    {"BGRX8888", FOURCC('B', 'X', '2', '4'), BOOTH_PIX_XRGB8888},
};

static void
test_format_names(void)
{
  char buf[32];
  for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
    g_assert_cmpuint(booth_lc_fourcc_from_name(known[i].name), ==, known[i].fourcc);
    g_autofree char *lower = g_ascii_strdown(known[i].name, -1);
    g_assert_cmpuint(booth_lc_fourcc_from_name(lower), ==, known[i].fourcc);
    g_assert_cmpstr(booth_lc_fourcc_name(known[i].fourcc, buf), ==, known[i].name);
    BoothPixelFormat f = BOOTH_PIX_N;
    g_assert_true(booth_lc_fourcc_to_format(known[i].fourcc, &f));
    g_assert_cmpint(f, ==, known[i].format);
  }
  /* Formats boothd cannot convert: named by libcamera, refused for conversion. */
  BoothPixelFormat f;
  g_assert_false(booth_lc_fourcc_to_format(FOURCC('Y', 'U', '1', '2'), &f));
  g_assert_cmpstr(booth_lc_fourcc_name(FOURCC('Y', 'U', '1', '2'), buf), ==, "YUV420");
  g_assert_cmpuint(booth_lc_fourcc_from_name("YUV420"), ==, 0);
  g_assert_cmpuint(booth_lc_fourcc_from_name("H264"), ==, 0);
  g_assert_cmpuint(booth_lc_fourcc_from_name(""), ==, 0);
}

static void
test_format_rank(void)
{
  guint32 nv12 = booth_lc_fourcc_from_name("NV12"), mjpeg = booth_lc_fourcc_from_name("MJPEG");
  guint32 yuyv = booth_lc_fourcc_from_name("YUYV"), xrgb = booth_lc_fourcc_from_name("XRGB8888");
  /* Stills: raw 4:2:0 first, then JPEG before YUYV (a webcam's YUYV is slow at full size). */
  g_assert_cmpint(booth_lc_fourcc_rank(nv12, BOOTH_LC_ROLE_STILL), <,
                  booth_lc_fourcc_rank(mjpeg, BOOTH_LC_ROLE_STILL));
  g_assert_cmpint(booth_lc_fourcc_rank(mjpeg, BOOTH_LC_ROLE_STILL), <,
                  booth_lc_fourcc_rank(yuyv, BOOTH_LC_ROLE_STILL));
  /* Viewfinder: anything but JPEG, which costs a decode per frame. */
  g_assert_cmpint(booth_lc_fourcc_rank(yuyv, BOOTH_LC_ROLE_VIEWFINDER), <,
                  booth_lc_fourcc_rank(mjpeg, BOOTH_LC_ROLE_VIEWFINDER));
  g_assert_cmpint(booth_lc_fourcc_rank(xrgb, BOOTH_LC_ROLE_VIEWFINDER), <,
                  booth_lc_fourcc_rank(mjpeg, BOOTH_LC_ROLE_VIEWFINDER));
  for (guint i = 0; i < G_N_ELEMENTS(known); i++) {
    g_assert_cmpint(booth_lc_fourcc_rank(known[i].fourcc, BOOTH_LC_ROLE_STILL), <, G_MAXINT);
    g_assert_cmpint(booth_lc_fourcc_rank(known[i].fourcc, BOOTH_LC_ROLE_VIEWFINDER), <, G_MAXINT);
  }
  g_assert_cmpint(booth_lc_fourcc_rank(FOURCC('Y', 'U', '1', '2'), BOOTH_LC_ROLE_STILL), ==,
                  G_MAXINT);
}

/* One pure red pixel and one pure blue, laid out as libcamera's format says in memory, must
 * come out of the converter as red then blue. */
static void
test_format_bytes(void)
{
  static const struct {
    const char *name;
    int bpp;
    guint8 red[4], blue[4];
  } cases[] = {
      /* libcamera (DRM): a little-endian word, most significant component named first. */
      {"RGB888", 3, {0, 0, 255}, {255, 0, 0}},
      {"BGR888", 3, {255, 0, 0}, {0, 0, 255}},
      {"XRGB8888", 4, {0, 0, 255, 0}, {255, 0, 0, 0}},
      {"XBGR8888", 4, {255, 0, 0, 0}, {0, 0, 255, 0}},
      {"RGBX8888", 4, {0, 0, 0, 255}, {0, 255, 0, 0}},
      {"BGRX8888", 4, {0, 255, 0, 0}, {0, 0, 0, 255}},
  };
  g_autoptr(BoothConverter) conv = booth_converter_new();
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    guint8 buf[8] = {0};
    memcpy(buf, cases[i].red, (gsize)cases[i].bpp);
    memcpy(buf + cases[i].bpp, cases[i].blue, (gsize)cases[i].bpp);
    BoothPixelFormat f;
    g_assert_true(booth_lc_fourcc_to_format(booth_lc_fourcc_from_name(cases[i].name), &f));
    BoothPixelLayout l;
    booth_pixel_layout_init(&l, f, 2, 1);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) out =
        booth_converter_convert(conv, buf, (gsize)cases[i].bpp * 2, &l, 0, &error);
    g_assert_no_error(error);
    g_test_message("%s: %u,%u,%u %u,%u,%u", cases[i].name, out->data[0], out->data[1], out->data[2],
                   out->data[3], out->data[4], out->data[5]);
    g_assert_cmpuint(out->data[0], ==, 255);
    g_assert_cmpuint(out->data[1], ==, 0);
    g_assert_cmpuint(out->data[2], ==, 0);
    g_assert_cmpuint(out->data[3], ==, 0);
    g_assert_cmpuint(out->data[4], ==, 0);
    g_assert_cmpuint(out->data[5], ==, 255);
  }
}

/* A USB webcam as libcamera's UVC pipeline describes it, plus a raw format. */
static const BoothLcMode webcam[] = {
    {FOURCC('M', 'J', 'P', 'G'), 640, 480, 640, 480, 0, 0},
    {FOURCC('M', 'J', 'P', 'G'), 1280, 720, 1280, 720, 0, 0},
    {FOURCC('M', 'J', 'P', 'G'), 1920, 1080, 1920, 1080, 0, 0},
    {FOURCC('Y', 'U', 'Y', 'V'), 640, 480, 640, 480, 0, 0},
    {FOURCC('Y', 'U', 'Y', 'V'), 1280, 720, 1280, 720, 0, 0},
    {FOURCC('R', 'G', '1', '2'), 4000, 3000, 4000, 3000, 0, 0},
};

static void
choose_ok(const BoothLcMode *modes, guint n, const char *want, int w, int h, const char *expect,
          int ew, int eh)
{
  guint32 fourcc = 0;
  int width = 0, height = 0;
  g_autoptr(GError) error = NULL;
  gboolean ok = booth_lc_modes_choose(modes, n, "'cam'", want ? booth_lc_fourcc_from_name(want) : 0,
                                      w, h, &fourcc, &width, &height, &error);
  g_assert_no_error(error);
  g_assert_true(ok);
  char buf[32];
  g_assert_cmpstr(booth_lc_fourcc_name(fourcc, buf), ==, expect);
  g_assert_cmpint(width, ==, ew);
  g_assert_cmpint(height, ==, eh);
}

static char *
choose_error(const BoothLcMode *modes, guint n, const char *want, int w, int h)
{
  guint32 fourcc = 0;
  int width = 0, height = 0;
  g_autoptr(GError) error = NULL;
  g_assert_false(booth_lc_modes_choose(modes, n, "'cam'",
                                       want ? booth_lc_fourcc_from_name(want) : 0, w, h, &fourcc,
                                       &width, &height, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint(fourcc, ==, 0);
  g_test_message("%s", error->message);
  return g_strdup(error->message);
}

static void
test_modes_webcam(void)
{
  const guint n = G_N_ELEMENTS(webcam);
  g_autofree char *offers = booth_lc_modes_describe(webcam, n);
  g_assert_cmpstr(offers, ==,
                  "MJPEG 1920x1080, 1280x720, 640x480; YUYV 1280x720, 640x480 (also "
                  "SRGGB12, which boothd cannot convert)");

  choose_ok(webcam, n, NULL, 0, 0, "MJPEG", 1920, 1080);   /* the largest */
  choose_ok(webcam, n, "YUYV", 0, 0, "YUYV", 1280, 720);   /* the largest in YUYV */
  choose_ok(webcam, n, NULL, 640, 480, "MJPEG", 640, 480); /* both have it: MJPEG first */
  choose_ok(webcam, n, "YUYV", 640, 480, "YUYV", 640, 480);

  g_autofree char *e1 = choose_error(webcam, n, "NV12", 0, 0);
  g_assert_cmpstr(e1, ==,
                  "camera 'cam' does not offer pixel format NV12; it offers MJPEG 1920x1080, "
                  "1280x720, 640x480; YUYV 1280x720, 640x480 (also SRGGB12, which boothd "
                  "cannot convert): set [Camera] pixel_format to one of these, or auto");
  g_autofree char *e2 = choose_error(webcam, n, NULL, 4000, 3000);
  g_assert_cmpstr(e2, ==,
                  "camera 'cam' does not offer 4000x3000; it offers MJPEG 1920x1080, 1280x720, "
                  "640x480; YUYV 1280x720, 640x480 (also SRGGB12, which boothd cannot "
                  "convert): set [Camera] width and height to one of these, or 0 for the largest");
  g_autofree char *e3 = choose_error(webcam, n, "YUYV", 1920, 1080);
  g_assert_nonnull(strstr(e3, "does not offer 1920x1080 in YUYV; it offers MJPEG 1920x1080"));
  /* Only a raw sensor format: nothing boothd can convert. */
  g_autofree char *e4 = choose_error(webcam + 5, 1, NULL, 0, 0);
  g_assert_cmpstr(e4, ==,
                  "camera 'cam' offers no pixel format boothd can convert: it offers only "
                  "SRGGB12, which boothd cannot convert");
  g_autofree char *e5 = choose_error(NULL, 0, NULL, 0, 0);
  g_assert_cmpstr(e5, ==,
                  "camera 'cam' offers no pixel format boothd can convert: it offers nothing");
}

/* A Raspberry Pi camera: the ISP scales to any even size up to the sensor's. */
static void
test_modes_range(void)
{
  static const BoothLcMode rpi[] = {
      {FOURCC('Y', 'U', '1', '2'), 64, 64, 4056, 3040, 2, 2},
      {FOURCC('N', 'V', '1', '2'), 64, 64, 4056, 3040, 2, 2},
      {FOURCC('R', 'G', '2', '4'), 64, 64, 4056, 3040, 2, 2},
      {FOURCC('M', 'J', 'P', 'G'), 1920, 1080, 1920, 1080, 0, 0},
  };
  const guint n = G_N_ELEMENTS(rpi);
  g_autofree char *offers = booth_lc_modes_describe(rpi, n);
  g_assert_cmpstr(offers, ==,
                  "NV12 64x64 to 4056x3040; RGB888 64x64 to 4056x3040; MJPEG 1920x1080 (also "
                  "YUV420, which boothd cannot convert)");
  choose_ok(rpi, n, NULL, 0, 0, "NV12", 4056, 3040); /* larger than MJPEG, preferred to RGB */
  choose_ok(rpi, n, NULL, 2028, 1520, "NV12", 2028, 1520);
  choose_ok(rpi, n, "RGB888", 1000, 750, "RGB888", 1000, 750);
  choose_ok(rpi, n, NULL, 1920, 1080, "NV12", 1920, 1080);
  choose_ok(rpi, n, "MJPEG", 0, 0, "MJPEG", 1920, 1080);
  g_autofree char *odd = choose_error(rpi, n, NULL, 1001, 750); /* off the 2-pixel step */
  g_assert_nonnull(strstr(odd, "does not offer 1001x750; it offers NV12 64x64 to 4056x3040"));
  g_autofree char *big = choose_error(rpi, n, "NV12", 8000, 6000);
  g_assert_nonnull(strstr(big, "does not offer 8000x6000 in NV12"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/libcamera-shim/format-names", test_format_names);
  g_test_add_func("/libcamera-shim/format-rank", test_format_rank);
  g_test_add_func("/libcamera-shim/format-bytes", test_format_bytes);
  g_test_add_func("/libcamera-shim/modes-webcam", test_modes_webcam);
  g_test_add_func("/libcamera-shim/modes-range", test_modes_range);
  return g_test_run();
}
