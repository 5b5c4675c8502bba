/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Image decoding, crop and resampling, and JPEG encoding, on real photographs. Decoding is
 * checked against independent decoders (djpeg, netpbm's pngtopnm) run as separate programs. */
#include "error.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "photo/jpeg.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <turbojpeg.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *
data_path(const char *rel)
{
  const char *root = g_getenv("BOOTH_TEST_DATA");
  g_assert_nonnull(root);
  return g_build_filename(root, rel, NULL);
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

static BoothFrame *
load_portrait(const char *name)
{
  g_autofree char *path = data_path(name);
  g_autoptr(GError) error = NULL;
  BoothFrame *f = booth_image_load(path, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f);
  return f;
}

/* Skips the test unless every tool is installed; returns FALSE then. */
static gboolean
have_tools(const char *const *tools, const char *package)
{
  for (; *tools; tools++) {
    g_autofree char *p = g_find_program_in_path(*tools);
    if (!p) {
      g_autofree char *msg =
          g_strdup_printf("%s not installed (Debian package %s)", *tools, package);
      g_test_skip(msg);
      return FALSE;
    }
  }
  return TRUE;
}

static void
run_sh(const char *cmd)
{
  const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
  g_autofree char *err_out = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err_out,
               &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error))
    g_test_message("%s: %s", cmd, err_out);
  g_assert_no_error(error);
}

static char *
make_tmpdir(void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp("boothd-photo-XXXXXX", &error);
  g_assert_no_error(error);
  return dir;
}

static void
remove_tmpdir(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(dir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(dir);
}

static const char *
pnm_skip_space(const char *p, const char *end)
{
  while (p < end) {
    if (*p == '#') {
      while (p < end && *p != '\n')
        p++;
    } else if (g_ascii_isspace(*p)) {
      p++;
    } else {
      break;
    }
  }
  return p;
}

static int
pnm_number(const char **p, const char *end)
{
  *p = pnm_skip_space(*p, end);
  int v = 0;
  g_assert_true(*p < end && g_ascii_isdigit(**p));
  while (*p < end && g_ascii_isdigit(**p))
    v = v * 10 + (*(*p)++ - '0');
  return v;
}

/* Binary PPM (P6) or PGM (P5), 8-bit, into an RGB frame. */
static BoothFrame *
pnm_load(const char *path)
{
  g_autoptr(GBytes) bytes = read_bytes(path);
  gsize len = 0;
  const char *p = g_bytes_get_data(bytes, &len), *end = p + len;
  g_assert_cmpuint(len, >, 2);
  g_assert_true(p[0] == 'P' && (p[1] == '6' || p[1] == '5'));
  int channels = p[1] == '6' ? 3 : 1;
  p += 2;
  int w = pnm_number(&p, end), h = pnm_number(&p, end), maxval = pnm_number(&p, end);
  g_assert_cmpint(maxval, ==, 255);
  p++; /* the single whitespace before the raster */
  g_assert_cmpint(end - p, ==, (gssize)w * h * channels);
  BoothFrame *f = booth_frame_new(w, h);
  g_assert_nonnull(f);
  for (int y = 0; y < h; y++) {
    guint8 *d = f->data + (gsize)y * f->stride;
    for (int x = 0; x < w; x++, p += channels, d += 3) {
      d[0] = (guint8)p[0];
      d[1] = (guint8)p[channels > 1 ? 1 : 0];
      d[2] = (guint8)p[channels > 1 ? 2 : 0];
    }
  }
  return f;
}

static int
frame_max_diff(const BoothFrame *a, const BoothFrame *b, double *mean)
{
  g_assert_cmpint(a->width, ==, b->width);
  g_assert_cmpint(a->height, ==, b->height);
  int max = 0;
  double sum = 0;
  for (int y = 0; y < a->height; y++) {
    const guint8 *p = a->data + (gsize)y * a->stride, *q = b->data + (gsize)y * b->stride;
    for (int i = 0; i < a->width * 3; i++) {
      int d = abs(p[i] - q[i]);
      max = MAX(max, d);
      sum += d;
    }
  }
  if (mean)
    *mean = sum / ((double)a->width * a->height * 3);
  return max;
}

static void
frame_mean(const BoothFrame *f, BoothRect r, double mean[3])
{
  double s[3] = {0, 0, 0};
  for (int y = r.y; y < r.y + r.height; y++) {
    const guint8 *p = f->data + (gsize)y * f->stride + (gsize)r.x * 3;
    for (int x = 0; x < r.width; x++, p += 3)
      for (int c = 0; c < 3; c++)
        s[c] += p[c];
  }
  for (int c = 0; c < 3; c++)
    mean[c] = s[c] / ((double)r.width * r.height);
}

static const guint8 *
px(const BoothFrame *f, int x, int y)
{
  return f->data + (gsize)y * f->stride + (gsize)x * 3;
}

static void
assert_error_prefix(const GError *error, BoothErrorCode code, const char *prefix)
{
  g_assert_nonnull(error);
  g_test_message("error: %s", error->message);
  g_assert_error(error, BOOTH_ERROR, (gint)code);
  g_assert_true(g_str_has_prefix(error->message, prefix));
}

static guint32
crc32_of(const guint8 *p, gsize n)
{
  guint32 c = 0xffffffffu;
  for (gsize i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++)
      c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1u)));
  }
  return c ^ 0xffffffffu;
}

static guint32
be32(const guint8 *p)
{
  return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

static void
put_be32(guint8 *p, guint32 v)
{
  p[0] = (guint8)(v >> 24);
  p[1] = (guint8)(v >> 16);
  p[2] = (guint8)(v >> 8);
  p[3] = (guint8)v;
}

/* Recomputes every chunk CRC, so corruption reaches the inflater and the row filters. */
static void
png_fix_crcs(guint8 *d, gsize len)
{
  gsize pos = 8;
  while (pos + 12 <= len) {
    guint32 n = be32(d + pos);
    if (n > len - pos - 12)
      break;
    put_be32(d + pos + 8 + n, crc32_of(d + pos + 4, n + 4));
    pos += 12 + n;
  }
}

/* ---- decoding ---- */

static void
test_decode_jpeg_matches_djpeg(void)
{
  if (!have_tools((const char *[]){"djpeg", NULL}, "libjpeg-turbo-progs"))
    return;
  g_autofree char *tmp = make_tmpdir();
  const char *names[] = {"test0.jpg", "test3.jpg", "test4.jpg", "id-photo-examples.jpg"};
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *src = g_build_filename("portraits", names[i], NULL);
    g_autofree char *path = data_path(src);
    g_autofree char *ppm = g_build_filename(tmp, "ref.ppm", NULL);
    g_autofree char *qpath = g_shell_quote(path), *qppm = g_shell_quote(ppm);
    g_autofree char *cmd = g_strdup_printf("djpeg -ppm -outfile %s %s", qppm, qpath);
    run_sh(cmd);

    g_autoptr(BoothFrame) ref = pnm_load(ppm);
    g_autoptr(BoothFrame) ours = load_portrait(src);
    g_assert_cmpstr(ours->origin, ==, names[i]);
    double mean = 0;
    int max = frame_max_diff(ours, ref, &mean);
    g_test_message("%s: %dx%d, max difference to djpeg %d (mean %.4f)", names[i], ours->width,
                   ours->height, max, mean);
    /* Same library, same settings (accurate DCT, smooth upsampling): identical pixels. */
    g_assert_cmpint(max, ==, 0);
  }
  remove_tmpdir(tmp);
}

static void
test_decode_gray_jpeg(void)
{
  if (!have_tools((const char *[]){"djpeg", "cjpeg", NULL}, "libjpeg-turbo-progs"))
    return;
  g_autofree char *tmp = make_tmpdir();
  g_autofree char *path = data_path("portraits/test3.jpg");
  g_autofree char *gray = g_build_filename(tmp, "gray.jpg", NULL);
  g_autofree char *pgm = g_build_filename(tmp, "gray.pgm", NULL);
  g_autofree char *qpath = g_shell_quote(path), *qgray = g_shell_quote(gray),
                  *qpgm = g_shell_quote(pgm);
  g_autofree char *cmd =
      g_strdup_printf("djpeg -ppm %s | cjpeg -grayscale -quality 90 -outfile %s; "
                      "djpeg -pnm -outfile %s %s",
                      qpath, qgray, qpgm, qgray);
  run_sh(cmd);

  g_autoptr(BoothFrame) ref = pnm_load(pgm);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) ours = booth_image_load(gray, &error);
  g_assert_no_error(error);
  int max = frame_max_diff(ours, ref, NULL);
  g_test_message("grayscale JPEG %dx%d: max difference to djpeg %d", ours->width, ours->height,
                 max);
  g_assert_cmpint(max, ==, 0);
  /* Grey stays grey. */
  const guint8 *p = px(ours, ours->width / 2, ours->height / 2);
  g_assert_cmpint(p[0], ==, p[1]);
  g_assert_cmpint(p[1], ==, p[2]);
  remove_tmpdir(tmp);
}

static void
test_decode_cmyk_jpeg(void)
{
  g_autoptr(BoothFrame) rgb = load_portrait("portraits/test0.jpg");
  int w = rgb->width, h = rgb->height;
  /* Stored CMYK values in the Adobe (inverted) convention: 255 means no ink. */
  g_autofree guint8 *cmyk = g_malloc((gsize)w * h * 4);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      const guint8 *s = px(rgb, x, y);
      guint8 *d = cmyk + ((gsize)y * w + x) * 4;
      d[0] = s[0];
      d[1] = s[1];
      d[2] = s[2];
      d[3] = 255;
    }
  tjhandle tj = tjInitCompress();
  g_assert_nonnull(tj);
  unsigned char *jpeg = NULL;
  unsigned long size = 0;
  g_assert_cmpint(tjCompress2(tj, cmyk, w, w * 4, h, TJPF_CMYK, &jpeg, &size, TJSAMP_444, 95, 0),
                  ==, 0);
  tjDestroy(tj);

  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) back = booth_image_decode(jpeg, size, "/tmp/cmyk.jpg", &error);
  tjFree(jpeg);
  g_assert_no_error(error);
  g_assert_cmpstr(back->origin, ==, "cmyk.jpg");
  double mean = 0;
  int max = frame_max_diff(back, rgb, &mean);
  g_test_message("CMYK JPEG round trip: max difference %d, mean %.3f", max, mean);
  g_assert_cmpfloat(mean, <, 2.0);
}

static void
png_ihdr(const char *path, int *depth, int *color, int *interlace)
{
  g_autoptr(GBytes) b = read_bytes(path);
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(b, &len);
  g_assert_cmpuint(len, >, 33);
  g_assert_cmpmem(d + 12, 4, "IHDR", 4);
  *depth = d[24];
  *color = d[25];
  *interlace = d[28];
}

static void
test_decode_png_variants(void)
{
  if (!have_tools((const char *[]){"pngtopnm", "pnmtopng", "ppmtopgm", "pnmquant", "pamdepth",
                                   "ppmtoppm", "pgmtopbm", "pamfunc", NULL},
                  "netpbm"))
    return;
  g_autofree char *tmp = make_tmpdir();
  g_autofree char *src = data_path("portraits/test2.jpg");
  g_autofree char *qsrc = g_shell_quote(src), *qtmp = g_shell_quote(tmp);
  /* Variants of one real photograph, each exercising one libpng transform; the alpha mask
   * is the photo's own luminance, so every level of transparency occurs. */
  g_autofree char *make = g_strdup_printf(
      "cd %s; pngtopnm %s > rgb.ppm; ppmtopgm rgb.ppm > gray.pgm; cp %s rgba8.png;"
      "pnmtopng -alpha=gray.pgm rgb.ppm > rgba-alpha.png;"
      "pnmtopng -interlace -alpha=gray.pgm rgb.ppm > rgba-interlaced.png;"
      "pnmtopng -force gray.pgm > gray8.png;"
      "pnmtopng -force -alpha=gray.pgm gray.pgm > gray-alpha.png;"
      "pnmtopng -alpha=gray.pgm gray.pgm > palette-alpha.png;"
      "pnmquant 200 rgb.ppm 2>/dev/null > pal.ppm; pnmtopng pal.ppm > palette.png;"
      "pnmtopng -transparent=white pal.ppm > palette-trns.png;"
      "pamdepth 65535 rgb.ppm | pamfunc -multiplier=0.9973 | pnmtopng -force > rgb16.png;"
      "pamdepth 65535 gray.pgm | pamfunc -multiplier=0.9973 | pnmtopng -force -interlace "
      "> gray16-interlaced.png;"
      "pgmtopbm -threshold gray.pgm | pnmtopng -force > gray1.png",
      qtmp, qsrc, qsrc);
  run_sh(make);

  /* Opaque pixels must match exactly; compositing may round differently by one. */
  const struct {
    const char *file;
    int depth, color, interlace, tolerance;
  } cases[] = {
      {"rgba8.png", 8, 6, 0, 1},           {"rgba-alpha.png", 8, 6, 0, 1},
      {"rgba-interlaced.png", 8, 6, 1, 1}, {"gray8.png", 8, 0, 0, 0},
      {"gray-alpha.png", 8, 4, 0, 1},      {"palette.png", 8, 3, 0, 0},
      {"palette-trns.png", 8, 3, 0, 1},    {"palette-alpha.png", 8, 3, 0, 1},
      {"rgb16.png", 16, 2, 0, 0},          {"gray16-interlaced.png", 16, 0, 1, 0},
      {"gray1.png", 1, 0, 0, 0},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *png = g_build_filename(tmp, cases[i].file, NULL);
    int depth, color, interlace;
    png_ihdr(png, &depth, &color, &interlace);
    g_assert_cmpint(depth, ==, cases[i].depth);
    g_assert_cmpint(color, ==, cases[i].color);
    g_assert_cmpint(interlace, ==, cases[i].interlace);

    g_autofree char *qpng = g_shell_quote(png);
    g_autofree char *cmd = g_strdup_printf(
        "cd %s; pngtopnm -mix -background=white %s | pamdepth 255 | ppmtoppm > ref.ppm", qtmp,
        qpng);
    run_sh(cmd);
    g_autofree char *ref_path = g_build_filename(tmp, "ref.ppm", NULL);
    g_autoptr(BoothFrame) ref = pnm_load(ref_path);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) ours = booth_image_load(png, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(ours->origin, ==, cases[i].file);
    double mean = 0;
    int max = frame_max_diff(ours, ref, &mean);
    g_test_message("%s (depth %d, colour type %d, interlace %d): max difference to pngtopnm %d "
                   "(mean %.4f)",
                   cases[i].file, depth, color, interlace, max, mean);
    g_assert_cmpint(max, <=, cases[i].tolerance);
  }
  remove_tmpdir(tmp);
}

static void
test_decode_refuses_other_formats(void)
{
  g_autofree char *webp = data_path("portraits/test1.jpg");
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_image_load(webp, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==,
                  "test1.jpg: WebP images are not supported (boothd reads JPEG and PNG)");
  g_clear_error(&error);

  /* Random bytes that happen to start like nothing we know. */
  GRand *rand = g_rand_new_with_seed(42);
  guint8 noise[4096];
  for (gsize i = 0; i < sizeof noise; i++)
    noise[i] = (guint8)g_rand_int_range(rand, 0, 256);
  noise[0] = 0x42;
  noise[1] = 0x00;
  g_rand_free(rand);
  g_assert_null(booth_image_decode(noise, sizeof noise, "/some/dir/noise.jpg", &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==, "noise.jpg: not a JPEG or PNG image");
  g_clear_error(&error);

  g_assert_null(booth_image_decode(NULL, 0, "empty.png", &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "empty.png: the file is empty");
  g_clear_error(&error);

  /* Never read past len: a huge len is refused before the data is touched. */
  g_assert_null(booth_image_decode(noise, (gsize)300 << 20, "huge.jpg", &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT,
                      "huge.jpg: the file is 300 MiB (314572800 bytes); an image may be at "
                      "most 256 MiB (268435456 bytes)");
}

static void
test_load_file_errors(void)
{
  g_autofree char *tmp = make_tmpdir();
  g_autoptr(GError) error = NULL;

  g_autofree char *missing = g_build_filename(tmp, "missing.jpg", NULL);
  g_assert_null(booth_image_load(missing, &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, missing);
  g_clear_error(&error);

  g_assert_null(booth_image_load(tmp, &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, tmp);
  g_assert_nonnull(strstr(error->message, ": is a directory, not a regular file"));
  g_clear_error(&error);

  /* A FIFO would block a plain open until someone writes to it. */
  g_autofree char *fifo = g_build_filename(tmp, "fifo.jpg", NULL);
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  g_assert_null(booth_image_load(fifo, &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, fifo);
  g_assert_nonnull(strstr(error->message, ": is a FIFO, not a regular file"));
  g_clear_error(&error);

  g_autofree char *empty = g_build_filename(tmp, "empty.jpg", NULL);
  g_assert_true(g_file_set_contents(empty, "", 0, NULL));
  g_assert_null(booth_image_load(empty, &error));
  g_assert_cmpstr(error->message, ==, "empty.jpg: the file is empty");
  g_clear_error(&error);

  /* A sparse 257 MiB file: refused from its size, without reading (or allocating) it. */
  g_autofree char *big = g_build_filename(tmp, "big.jpg", NULL);
  int fd = g_open(big, O_WRONLY | O_CREAT, 0600);
  g_assert_cmpint(fd, >=, 0);
  g_assert_cmpint(ftruncate(fd, (off_t)257 << 20), ==, 0);
  close(fd);
  gint64 t0 = g_get_monotonic_time();
  g_assert_null(booth_image_load(big, &error));
  g_autofree char *too_big = g_strconcat(big, ": the file is 257 MiB (269484032 bytes)", NULL);
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, too_big);
  g_assert_cmpint(g_get_monotonic_time() - t0, <, G_USEC_PER_SEC);
  remove_tmpdir(tmp);
}

static void
test_decode_truncated(void)
{
  g_autofree char *jpath = data_path("portraits/test0.jpg");
  g_autoptr(GBytes) jpeg = read_bytes(jpath);
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(jpeg, &len);
  g_autoptr(GError) error = NULL;

  g_assert_null(booth_image_decode(d, len / 2, "half.jpg", &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "half.jpg: truncated or corrupt JPEG");
  g_clear_error(&error);
  g_assert_null(booth_image_decode(d, 200, "header.jpg", &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "header.jpg: truncated or corrupt JPEG");
  g_clear_error(&error);
  g_assert_null(booth_image_decode(d, 3, "magic.jpg", &error));
  assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "magic.jpg: truncated or corrupt JPEG");
  g_clear_error(&error);

  g_autofree char *ppath = data_path("portraits/test2.jpg");
  g_autoptr(GBytes) png = read_bytes(ppath);
  d = g_bytes_get_data(png, &len);
  const gsize cuts[] = {len / 2, len - 12, 40, 8};
  for (gsize i = 0; i < G_N_ELEMENTS(cuts); i++) {
    g_assert_null(booth_image_decode(d, cuts[i], "cut.png", &error));
    assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "cut.png: truncated or corrupt PNG");
    g_clear_error(&error);
  }
}

/* Corruption anywhere past the magic bytes: an error naming the file or some picture, and
 * never a crash, a leak or undefined behaviour (the sanitizer build runs this too). */
static void
test_decode_bit_flips(void)
{
  const char *files[] = {"portraits/test0.jpg", "portraits/test2.jpg"};
  for (gsize f = 0; f < G_N_ELEMENTS(files); f++) {
    g_autofree char *path = data_path(files[f]);
    g_autoptr(GBytes) bytes = read_bytes(path);
    gsize len = 0;
    const guint8 *orig = g_bytes_get_data(bytes, &len);
    gboolean is_png = orig[0] == 0x89;
    int failed = 0, decoded = 0;
    for (guint32 seed = 1; seed <= 40; seed++) {
      g_autofree guint8 *d = g_memdup2(orig, len);
      GRand *rand = g_rand_new_with_seed(seed);
      int flips = g_rand_int_range(rand, 1, 64);
      for (int k = 0; k < flips; k++) {
        gsize at = (gsize)g_rand_int_range(rand, 8, (gint32)MIN(len, G_MAXINT32));
        /* Half the runs hit the headers, where the decoders' bookkeeping lives. */
        if (seed % 2)
          at = 8 + at % 600;
        d[at] ^= (guint8)(1u << g_rand_int_range(rand, 0, 8));
      }
      g_rand_free(rand);
      if (is_png && seed % 4 < 2)
        png_fix_crcs(d, len);
      g_autoptr(GError) error = NULL;
      g_autoptr(BoothFrame) frame = booth_image_decode(d, len, "flipped", &error);
      if (frame) {
        g_assert_no_error(error);
        g_assert_cmpint(frame->width, >, 0);
        decoded++;
      } else {
        g_assert_nonnull(error);
        g_assert_true(g_str_has_prefix(error->message, "flipped: "));
        failed++;
      }
    }
    g_test_message("%s with flipped bits: %d refused, %d decoded anyway", files[f], failed,
                   decoded);
  }
}

/* Headers that claim absurd sizes are refused before any pixel memory is allocated. */
static void
test_decode_size_limits(void)
{
  struct {
    guint32 w, h;
    const char *words;
  } sizes[] = {{20000, 100, "pixels on a side"}, {12000, 9000, "megapixels"}};

  g_autofree char *ppath = data_path("portraits/test2.jpg");
  g_autoptr(GBytes) png = read_bytes(ppath);
  gsize plen = 0;
  const guint8 *pd = g_bytes_get_data(png, &plen);
  g_autofree char *jpath = data_path("portraits/test0.jpg");
  g_autoptr(GBytes) jpeg = read_bytes(jpath);
  gsize jlen = 0;
  const guint8 *jd = g_bytes_get_data(jpeg, &jlen);

  for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
    g_autofree guint8 *p = g_memdup2(pd, plen);
    put_be32(p + 16, sizes[i].w);
    put_be32(p + 20, sizes[i].h);
    put_be32(p + 29, crc32_of(p + 12, 17));
    g_autoptr(GError) error = NULL;
    g_assert_null(booth_image_decode(p, plen, "big.png", &error));
    assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "big.png: the image");
    g_assert_nonnull(strstr(error->message, sizes[i].words));
    g_clear_error(&error);

    g_autofree guint8 *j = g_memdup2(jd, jlen);
    gsize at = 2;
    gboolean patched = FALSE;
    while (at + 9 < jlen && j[at] == 0xff) {
      guint8 m = j[at + 1];
      if (m >= 0xc0 && m <= 0xcf && m != 0xc4 && m != 0xc8 && m != 0xcc) {
        j[at + 5] = (guint8)(sizes[i].h >> 8);
        j[at + 6] = (guint8)sizes[i].h;
        j[at + 7] = (guint8)(sizes[i].w >> 8);
        j[at + 8] = (guint8)sizes[i].w;
        patched = TRUE;
        break;
      }
      at += 2 + ((gsize)j[at + 2] << 8 | j[at + 3]);
    }
    g_assert_true(patched);
    g_assert_null(booth_image_decode(j, jlen, "big.jpg", &error));
    assert_error_prefix(error, BOOTH_ERROR_INVALID_ARGUMENT, "big.jpg: the image");
    g_assert_nonnull(strstr(error->message, sizes[i].words));
  }
}

/* ---- crop geometry ---- */

static void
assert_rect(BoothRect r, int x, int y, int w, int h)
{
  g_assert_cmpint(r.x, ==, x);
  g_assert_cmpint(r.y, ==, y);
  g_assert_cmpint(r.width, ==, w);
  g_assert_cmpint(r.height, ==, h);
}

static void
test_crop_centered(void)
{
  assert_rect(booth_crop_centered(576, 768, 3, 4), 0, 0, 576, 768);
  assert_rect(booth_crop_centered(4000, 3000, 3, 4), 875, 0, 2250, 3000);
  assert_rect(booth_crop_centered(3000, 4000, 3, 4), 0, 0, 3000, 4000);
  assert_rect(booth_crop_centered(1000, 1000, 3, 4), 125, 0, 750, 1000);
  assert_rect(booth_crop_centered(978, 1014, 480, 640), 109, 1, 759, 1012);
  assert_rect(booth_crop_centered(481, 640, 480, 640), 0, 0, 480, 640);
  assert_rect(booth_crop_centered(2426, 851, 3, 4), 895, 1, 636, 848);
  /* Extreme aspects. */
  assert_rect(booth_crop_centered(10000, 10, 3, 4), 4997, 1, 6, 8);
  assert_rect(booth_crop_centered(10, 10000, 3, 4), 0, 4994, 9, 12);
  assert_rect(booth_crop_centered(16384, 1, 3, 4), 8191, 0, 1, 1);
  assert_rect(booth_crop_centered(2, 100, 3, 4), 0, 48, 2, 3);
  assert_rect(booth_crop_centered(1, 1, 3, 4), 0, 0, 1, 1);

  /* Properties over many sizes: inside, exact ratio, centred, and no larger exact crop. */
  GRand *rand = g_rand_new_with_seed(7);
  const int ratios[][2] = {{3, 4}, {4, 3}, {35, 45}, {1, 1}, {480, 640}, {16, 9}};
  for (int i = 0; i < 2000; i++) {
    int w = g_rand_int_range(rand, 1, 16385), h = g_rand_int_range(rand, 1, 16385);
    int aw = ratios[i % G_N_ELEMENTS(ratios)][0], ah = ratios[i % G_N_ELEMENTS(ratios)][1];
    BoothRect r = booth_crop_centered(w, h, aw, ah);
    g_assert_true(r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1);
    g_assert_cmpint(r.x + r.width, <=, w);
    g_assert_cmpint(r.y + r.height, <=, h);
    g_assert_cmpint(abs((w - r.x - r.width) - r.x), <=, 1);
    g_assert_cmpint(abs((h - r.y - r.height) - r.y), <=, 1);
    int g = aw, b = ah;
    while (b) {
      int t = g % b;
      g = b;
      b = t;
    }
    int rw = aw / g, rh = ah / g;
    if (w >= rw && h >= rh) {
      g_assert_cmpint((gint64)r.width * ah, ==, (gint64)r.height * aw);
      g_assert_true(r.width + rw > w || r.height + rh > h);
    }
  }
  g_rand_free(rand);
}

/* ---- resampling ---- */

static void
test_scale_half_is_2x2_mean(void)
{
  g_autoptr(BoothFrame) src = load_portrait("portraits/test0.jpg");
  /* Full frame, and an odd offset that would expose any off-by-one in the crop origin. */
  const BoothRect rects[] = {{0, 0, src->width, src->height}, {1, 3, 574, 762}};
  for (gsize i = 0; i < G_N_ELEMENTS(rects); i++) {
    BoothRect r = rects[i];
    g_autoptr(BoothFrame) out = booth_image_crop_scale(src, r, r.width / 2, r.height / 2);
    g_assert_nonnull(out);
    g_assert_cmpstr(out->origin, ==, "test0.jpg");
    for (int y = 0; y < out->height; y++)
      for (int x = 0; x < out->width; x++)
        for (int c = 0; c < 3; c++) {
          int sx = r.x + 2 * x, sy = r.y + 2 * y;
          int sum = px(src, sx, sy)[c] + px(src, sx + 1, sy)[c] + px(src, sx, sy + 1)[c] +
                    px(src, sx + 1, sy + 1)[c];
          if (px(out, x, y)[c] != (sum + 2) / 4)
            g_error("(%d,%d)[%d] = %d, want %d", x, y, c, px(out, x, y)[c], (sum + 2) / 4);
        }
  }
}

static void
test_scale_keeps_mean(void)
{
  const char *names[] = {"portraits/test4.jpg", "portraits/test3.jpg",
                         "portraits/id-photo-examples.jpg"};
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autoptr(BoothFrame) src = load_portrait(names[i]);
    BoothRect r = booth_crop_centered(src->width, src->height, 3, 4);
    g_autoptr(BoothFrame) out = booth_image_crop_scale(src, r, 480, 640);
    g_assert_nonnull(out);
    double a[3], b[3];
    frame_mean(src, r, a);
    frame_mean(out, (BoothRect){0, 0, 480, 640}, b);
    g_test_message("%s: crop %dx%d -> 480x640, mean (%.3f %.3f %.3f) -> (%.3f %.3f %.3f)", names[i],
                   r.width, r.height, a[0], a[1], a[2], b[0], b[1], b[2]);
    for (int c = 0; c < 3; c++)
      g_assert_cmpfloat(fabs(a[c] - b[c]), <, 0.5);
  }
}

static void
test_scale_never_mirrors(void)
{
  g_autoptr(BoothFrame) src = load_portrait("portraits/test4.jpg");
  BoothRect r = booth_crop_centered(src->width, src->height, 3, 4);
  r.width &= ~3;
  r.height &= ~1;

  /* At an exact factor of 2 each half of the output depends only on the same half of the
   * crop: the left half scaled alone must equal the left half of the whole. */
  g_autoptr(BoothFrame) whole = booth_image_crop_scale(src, r, r.width / 2, r.height / 2);
  BoothRect left = {r.x, r.y, r.width / 2, r.height};
  BoothRect right = {r.x + r.width / 2, r.y, r.width / 2, r.height};
  g_autoptr(BoothFrame) l = booth_image_crop_scale(src, left, r.width / 4, r.height / 2);
  g_autoptr(BoothFrame) rt = booth_image_crop_scale(src, right, r.width / 4, r.height / 2);
  for (int y = 0; y < l->height; y++) {
    g_assert_cmpmem(px(whole, 0, y), (gsize)l->width * 3, px(l, 0, y), (gsize)l->width * 3);
    g_assert_cmpmem(px(whole, l->width, y), (gsize)rt->width * 3, px(rt, 0, y),
                    (gsize)rt->width * 3);
  }

  /* At a fractional factor each output pixel resembles the source at the same place much
   * more than the source at the mirrored place. */
  g_autoptr(BoothFrame) out = booth_image_crop_scale(src, r, 480, 640);
  double direct = 0, mirrored = 0;
  for (int y = 0; y < 640; y++)
    for (int x = 0; x < 480; x++) {
      int sx = r.x + (int)((x + 0.5) * r.width / 480), sy = r.y + (int)((y + 0.5) * r.height / 640);
      int mx = r.x + r.width - 1 - (sx - r.x);
      for (int c = 0; c < 3; c++) {
        direct += abs(px(out, x, y)[c] - px(src, sx, sy)[c]);
        mirrored += abs(px(out, x, y)[c] - px(src, mx, sy)[c]);
      }
    }
  direct /= 480.0 * 640 * 3;
  mirrored /= 480.0 * 640 * 3;
  g_test_message("mean difference to the source at the same place %.2f, mirrored %.2f", direct,
                 mirrored);
  g_assert_cmpfloat(direct * 3, <, mirrored);
}

static void
test_scale_enlarge_and_copy(void)
{
  g_autoptr(BoothFrame) src = load_portrait("portraits/test3.jpg");
  BoothRect r = {100, 120, 40, 60};

  /* Same size: an exact copy of the crop. */
  g_autoptr(BoothFrame) same = booth_image_crop_scale(src, r, r.width, r.height);
  for (int y = 0; y < r.height; y++)
    g_assert_cmpmem(px(same, 0, y), (gsize)r.width * 3, px(src, r.x, r.y + y), (gsize)r.width * 3);

  /* Enlarging by 2.5 is bilinear with aligned pixel centres. */
  g_autoptr(BoothFrame) big = booth_image_crop_scale(src, r, 100, 150);
  g_assert_nonnull(big);
  int max = 0;
  for (int y = 0; y < 150; y++)
    for (int x = 0; x < 100; x++) {
      double fx = CLAMP((x + 0.5) * 0.4 - 0.5, 0, r.width - 1);
      double fy = CLAMP((y + 0.5) * 0.4 - 0.5, 0, r.height - 1);
      int x0 = (int)fx, y0 = (int)fy;
      int x1 = MIN(x0 + 1, r.width - 1), y1 = MIN(y0 + 1, r.height - 1);
      double ax = fx - x0, ay = fy - y0;
      for (int c = 0; c < 3; c++) {
        double v =
            (1 - ay) *
                ((1 - ax) * px(src, r.x + x0, r.y + y0)[c] + ax * px(src, r.x + x1, r.y + y0)[c]) +
            ay * ((1 - ax) * px(src, r.x + x0, r.y + y1)[c] + ax * px(src, r.x + x1, r.y + y1)[c]);
        max = MAX(max, abs(px(big, x, y)[c] - (int)floor(v + 0.5)));
      }
    }
  g_test_message("bilinear x2.5: max difference to the reference formula %d", max);
  g_assert_cmpint(max, <=, 1);

  /* Mixed: narrower and taller. */
  g_autoptr(BoothFrame) mixed = booth_image_crop_scale(src, r, 17, 90);
  g_assert_nonnull(mixed);
  double a[3], b[3];
  frame_mean(src, r, a);
  frame_mean(mixed, (BoothRect){0, 0, 17, 90}, b);
  for (int c = 0; c < 3; c++)
    g_assert_cmpfloat(fabs(a[c] - b[c]), <, 1.5);
}

static void
test_scale_speed(void)
{
  /* A 12-megapixel frame as a camera would deliver, made from a real photo. */
  g_autoptr(BoothFrame) photo = load_portrait("portraits/test4.jpg");
  BoothRect wide = booth_crop_centered(photo->width, photo->height, 4, 3);
  gint64 t0 = g_get_monotonic_time();
  g_autoptr(BoothFrame) cam = booth_image_crop_scale(photo, wide, 4000, 3000);
  gint64 t_up = g_get_monotonic_time() - t0;
  g_assert_nonnull(cam);

  BoothRect r = booth_crop_centered(cam->width, cam->height, 3, 4);
  gint64 best = G_MAXINT64;
  for (int i = 0; i < 3; i++) {
    t0 = g_get_monotonic_time();
    g_autoptr(BoothFrame) out = booth_image_crop_scale(cam, r, 480, 640);
    best = MIN(best, g_get_monotonic_time() - t0);
    g_assert_nonnull(out);
  }
  g_test_message("enlarge %dx%d -> 4000x3000: %.1f ms; crop %dx%d -> 480x640: %.1f ms (best of 3)",
                 wide.width, wide.height, t_up / 1000.0, r.width, r.height, best / 1000.0);
}

/* ---- JPEG ---- */

static BoothFrame *
id_photo(const char *name)
{
  g_autoptr(BoothFrame) src = load_portrait(name);
  BoothRect r = booth_crop_centered(src->width, src->height, 3, 4);
  BoothFrame *out = booth_image_crop_scale(src, r, 480, 640);
  g_assert_nonnull(out);
  return out;
}

static void
assert_jfif_dpi(GBytes *jpeg, int dpi)
{
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(jpeg, &len);
  g_assert_cmpuint(len, >, 20);
  g_assert_cmpmem(d + 6, 5, "JFIF", 5);
  g_assert_cmpint(d[13], ==, 1);
  g_assert_cmpint(d[14] << 8 | d[15], ==, dpi);
  g_assert_cmpint(d[16] << 8 | d[17], ==, dpi);
}

static int
jpeg_subsampling(GBytes *jpeg)
{
  tjhandle tj = tjInitDecompress();
  int w, h, ss, cs;
  gsize len = 0;
  const guint8 *d = g_bytes_get_data(jpeg, &len);
  g_assert_cmpint(tjDecompressHeader3(tj, d, len, &w, &h, &ss, &cs), ==, 0);
  tjDestroy(tj);
  return ss;
}

static void
test_jpeg_encode(void)
{
  g_autoptr(BoothFrame) img = id_photo("portraits/test0.jpg");
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) q85 = booth_jpeg_encode(img, 85, 300, &error);
  g_assert_no_error(error);
  g_autoptr(GBytes) q95 = booth_jpeg_encode(img, 95, 600, &error);
  g_assert_no_error(error);
  g_autoptr(GBytes) plain = booth_jpeg_encode(img, 85, 0, &error);
  g_assert_no_error(error);
  assert_jfif_dpi(q85, 300);
  assert_jfif_dpi(q95, 600);
  g_assert_cmpint(jpeg_subsampling(q85), ==, TJSAMP_420);
  g_assert_cmpint(jpeg_subsampling(q95), ==, TJSAMP_444);
  /* dpi 0 leaves TurboJPEG's header as it is, and density changes no pixel. */
  g_assert_cmpuint(g_bytes_get_size(plain), ==, g_bytes_get_size(q85));
  const guint8 *p = g_bytes_get_data(plain, NULL), *q = g_bytes_get_data(q85, NULL);
  g_assert_cmpint(p[13], ==, 0);
  g_assert_cmpmem(p + 18, g_bytes_get_size(plain) - 18, q + 18, g_bytes_get_size(q85) - 18);

  g_autoptr(BoothFrame) back =
      booth_image_decode(g_bytes_get_data(q95, NULL), g_bytes_get_size(q95), "q95.jpg", &error);
  g_assert_no_error(error);
  double mean = 0;
  int max = frame_max_diff(back, img, &mean);
  g_test_message("quality 95: %" G_GSIZE_FORMAT " bytes, round trip max %d mean %.3f; quality 85: "
                 "%" G_GSIZE_FORMAT " bytes",
                 g_bytes_get_size(q95), max, mean, g_bytes_get_size(q85));
  g_assert_cmpfloat(mean, <, 2.0);
}

static void
test_jpeg_window(void)
{
  g_autoptr(GError) error = NULL;
  g_auto(BoothJpegResult) res = {0};
  const char *names[] = {"portraits/test0.jpg", "portraits/test4.jpg", "portraits/test3.jpg"};
  /* 200 KB takes quality 100 for these portraits; 120 KB makes the search stop below it. */
  const gsize max_kb[] = {200, 120};
  for (gsize i = 0; i < G_N_ELEMENTS(names) * G_N_ELEMENTS(max_kb); i++) {
    const char *name = names[i / G_N_ELEMENTS(max_kb)];
    gsize max = max_kb[i % G_N_ELEMENTS(max_kb)] * 1024;
    g_autoptr(BoothFrame) img = id_photo(name);
    booth_jpeg_result_clear(&res);
    gint64 t0 = g_get_monotonic_time();
    g_assert_true(booth_jpeg_encode_to_window(img, 40 * 1024, max, 1, 300, &res, &error));
    gint64 dt = g_get_monotonic_time() - t0;
    g_assert_no_error(error);
    gsize size = g_bytes_get_size(res.data);
    g_test_message("%s, window 40-%" G_GSIZE_FORMAT " KB: quality %d, %" G_GSIZE_FORMAT
                   " bytes, %d encodes, %.1f ms",
                   name, max / 1024, res.quality, size, res.encodes, dt / 1000.0);
    g_assert_true(res.fits);
    g_assert_cmpuint(size, >=, 40 * 1024);
    g_assert_cmpuint(size, <=, max);
    g_assert_cmpint(res.encodes, <=, 10);
    if (res.quality < 100) {
      g_autoptr(GBytes) next = booth_jpeg_encode(img, res.quality + 1, 300, &error);
      g_assert_no_error(error);
      g_test_message("quality %d would be %" G_GSIZE_FORMAT " bytes", res.quality + 1,
                     g_bytes_get_size(next));
      g_assert_cmpuint(g_bytes_get_size(next), >, max);
    }
    assert_jfif_dpi(res.data, 300);
    g_autoptr(BoothFrame) back =
        booth_image_decode(g_bytes_get_data(res.data, NULL), size, "out.jpg", &error);
    g_assert_no_error(error);
    g_assert_cmpint(back->width, ==, 480);
    g_assert_cmpint(back->height, ==, 640);
  }

  g_autoptr(BoothFrame) img = id_photo("portraits/test0.jpg");
  gint64 t0;
  gint64 dt;
  gsize size;
  /* A narrower window, with a floor on quality. */
  booth_jpeg_result_clear(&res);
  t0 = g_get_monotonic_time();
  g_assert_true(booth_jpeg_encode_to_window(img, 20 * 1024, 40 * 1024, 60, 300, &res, &error));
  dt = g_get_monotonic_time() - t0;
  size = g_bytes_get_size(res.data);
  g_test_message("window 20-40 KB, quality >= 60: quality %d, %" G_GSIZE_FORMAT
                 " bytes, %d encodes, %.1f ms",
                 res.quality, size, res.encodes, dt / 1000.0);
  g_assert_true(res.fits);
  g_assert_cmpint(res.quality, >=, 60);
  g_assert_cmpuint(size, >=, 20 * 1024);
  g_assert_cmpuint(size, <=, 40 * 1024);
  g_autoptr(GBytes) next = booth_jpeg_encode(img, res.quality + 1, 300, &error);
  g_assert_cmpuint(g_bytes_get_size(next), >, 40 * 1024);
}

static void
test_jpeg_window_impossible(void)
{
  g_autoptr(BoothFrame) img = id_photo("portraits/test4.jpg");
  g_autoptr(GError) error = NULL;

  /* Too small to reach: the lowest allowed quality is the closest. */
  g_auto(BoothJpegResult) tiny = {0};
  g_assert_true(booth_jpeg_encode_to_window(img, 0, 1024, 1, 0, &tiny, &error));
  g_assert_no_error(error);
  g_test_message("window 0-1 KB: quality %d, %" G_GSIZE_FORMAT " bytes, %d encodes, fits %d",
                 tiny.quality, g_bytes_get_size(tiny.data), tiny.encodes, tiny.fits);
  g_assert_false(tiny.fits);
  g_assert_cmpint(tiny.quality, ==, 1);
  g_assert_nonnull(tiny.data);
  g_assert_cmpuint(g_bytes_get_size(tiny.data), >, 1024);

  g_auto(BoothJpegResult) floor_q = {0};
  g_assert_true(booth_jpeg_encode_to_window(img, 0, 1024, 70, 0, &floor_q, &error));
  g_assert_false(floor_q.fits);
  g_assert_cmpint(floor_q.quality, ==, 70);

  /* Too large to reach: quality 100 is the closest. */
  g_auto(BoothJpegResult) huge = {0};
  g_assert_true(booth_jpeg_encode_to_window(img, 10 << 20, 20 << 20, 1, 0, &huge, &error));
  g_test_message("window 10-20 MiB: quality %d, %" G_GSIZE_FORMAT " bytes, %d encodes, fits %d",
                 huge.quality, g_bytes_get_size(huge.data), huge.encodes, huge.fits);
  g_assert_false(huge.fits);
  g_assert_cmpint(huge.quality, ==, 100);
  g_assert_nonnull(huge.data);

  /* A window narrower than one quality step, just above the size at quality 50: whatever is
   * returned is one of its two neighbours, and says it does not fit. */
  g_autoptr(GBytes) q50 = booth_jpeg_encode(img, 50, 0, &error);
  g_autoptr(GBytes) q51 = booth_jpeg_encode(img, 51, 0, &error);
  gsize s50 = g_bytes_get_size(q50), s51 = g_bytes_get_size(q51);
  if (s51 > s50 + 2) {
    g_auto(BoothJpegResult) gap = {0};
    g_assert_true(booth_jpeg_encode_to_window(img, s50 + 1, s50 + 1, 1, 0, &gap, &error));
    g_test_message("window of one byte between q50 (%" G_GSIZE_FORMAT ") and q51 (%" G_GSIZE_FORMAT
                   "): quality %d, fits %d",
                   s50, s51, gap.quality, gap.fits);
    if (!gap.fits)
      g_assert_cmpuint(g_bytes_get_size(gap.data), !=, s50 + 1);
  }
}

/* A PNG whose chunk claims more bytes than the file has is refused before libpng allocates
 * for it (the fuzzer's file claimed 2 GB). */
static void
test_png_chunk_past_end(void)
{
  g_autofree char *path = data_path("fuzz/png-chunk-past-end.png");
  g_autoptr(GBytes) bytes = read_bytes(path);
  gsize len;
  const guint8 *data = g_bytes_get_data(bytes, &len);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f = booth_image_decode(data, len, "past-end.png", &error);
  g_assert_null(f);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "a chunk claims more bytes than the file has"));
}

/* The quality read back from a file is the quality it was written at. */
static void
test_estimate_quality(void)
{
  g_autoptr(BoothFrame) f = load_portrait("frames/student.jpg");
  static const int qualities[] = {30, 60, 75, 89, 95, 100};
  for (gsize i = 0; i < G_N_ELEMENTS(qualities); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) jpeg = booth_jpeg_encode(f, qualities[i], 300, &error);
    g_assert_no_error(error);
    gsize len;
    const guint8 *data = g_bytes_get_data(jpeg, &len);
    int q = booth_jpeg_estimate_quality(data, len);
    g_assert_cmpint(ABS(q - qualities[i]), <=, 1);
  }
  static const guint8 png[] = {0x89, 'P', 'N', 'G', 0x0d, 0x0a, 0x1a, 0x0a};
  g_assert_cmpint(booth_jpeg_estimate_quality(png, sizeof png), ==, 0);
  static const guint8 cut[] = {0xFF, 0xD8, 0xFF, 0xDB, 0x00, 0x43, 0x00, 16, 11};
  g_assert_cmpint(booth_jpeg_estimate_quality(cut, sizeof cut), ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/photo/decode/jpeg-matches-djpeg", test_decode_jpeg_matches_djpeg);
  g_test_add_func("/photo/jpeg/estimate-quality", test_estimate_quality);
  g_test_add_func("/photo/decode/png-chunk-past-end", test_png_chunk_past_end);
  g_test_add_func("/photo/decode/gray-jpeg", test_decode_gray_jpeg);
  g_test_add_func("/photo/decode/cmyk-jpeg", test_decode_cmyk_jpeg);
  g_test_add_func("/photo/decode/png-variants", test_decode_png_variants);
  g_test_add_func("/photo/decode/other-formats", test_decode_refuses_other_formats);
  g_test_add_func("/photo/decode/file-errors", test_load_file_errors);
  g_test_add_func("/photo/decode/truncated", test_decode_truncated);
  g_test_add_func("/photo/decode/bit-flips", test_decode_bit_flips);
  g_test_add_func("/photo/decode/size-limits", test_decode_size_limits);
  g_test_add_func("/photo/crop/centered", test_crop_centered);
  g_test_add_func("/photo/scale/half-is-2x2-mean", test_scale_half_is_2x2_mean);
  g_test_add_func("/photo/scale/keeps-mean", test_scale_keeps_mean);
  g_test_add_func("/photo/scale/never-mirrors", test_scale_never_mirrors);
  g_test_add_func("/photo/scale/enlarge-and-copy", test_scale_enlarge_and_copy);
  g_test_add_func("/photo/scale/speed", test_scale_speed);
  g_test_add_func("/photo/jpeg/encode", test_jpeg_encode);
  g_test_add_func("/photo/jpeg/window", test_jpeg_window);
  g_test_add_func("/photo/jpeg/window-impossible", test_jpeg_window_impossible);
  return g_test_run();
}
