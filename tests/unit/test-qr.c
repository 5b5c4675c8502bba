/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QR payload handling: real camera photos of QR codes decode to the exact expected text,
 * and payloads that are huge, binary or look like paths are handled as opaque bytes. */
#include <glib/gstdio.h>
#include <string.h>

#include "core/config.h"
#include "analysis/analysis.h"
#include "analysis/code.h"
#include "analysis/qr.h"
#include "error.h"
#include "photo/image.h"
#include "tests/test-jsqr.h"

static BoothProfile *profile;

static BoothAnalyzer *
new_analyzer(void)
{
  BoothAnalyzerOptions o = {1280, NULL, 0.15, profile, TRUE};
  g_autoptr(GError) error = NULL;
  BoothAnalyzer *a = booth_analyzer_new(&o, &error);
  g_assert_no_error(error);
  return a;
}

static void
test_zxing_blackbox(void)
{
  const char *root = g_getenv("BOOTH_TEST_DATA");
  const char *sets[] = {"qrcode-1", "qrcode-3", "qrcode-6"};
  g_autoptr(BoothAnalyzer) an = new_analyzer();
  guint total = 0, exact = 0;
  for (guint s = 0; s < G_N_ELEMENTS(sets); s++) {
    g_autofree char *dir = g_build_filename(root, "qr", sets[s], NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_assert_nonnull(d);
    const char *name;
    while ((name = g_dir_read_name(d))) {
      if (!g_str_has_suffix(name, ".png"))
        continue;
      g_autofree char *img = g_build_filename(dir, name, NULL);
      g_autofree char *stem = g_strndup(name, strlen(name) - 4);
      g_autofree char *txtname = g_strconcat(stem, ".txt", NULL);
      g_autofree char *txt = g_build_filename(dir, txtname, NULL);
      g_autofree char *expect = NULL;
      gsize expect_len;
      g_assert_true(g_file_get_contents(txt, &expect, &expect_len, NULL));
      g_autoptr(GError) error = NULL;
      g_autoptr(BoothFrame) f = booth_image_load(img, &error);
      g_assert_no_error(error);
      g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, f);
      total++;
      gboolean ok = FALSE;
      for (guint i = 0; i < r->codes->len; i++) {
        BoothQrCode *c = g_ptr_array_index(r->codes, i);
        gsize n;
        const char *p = g_bytes_get_data(c->data, &n);
        if (n == expect_len && memcmp(p, expect, n) == 0) {
          ok = TRUE;
          g_assert_cmpint(c->width, >, 10);
          g_assert_cmpint(c->x + c->width, <=, f->width + 1);
        }
      }
      if (ok)
        exact++;
      else
        g_test_message("%s/%s: no exact match (%u codes found)", sets[s], name, r->codes->len);
    }
  }
  g_test_message("zxing blackbox QR photos: %u of %u decoded to the exact expected text", exact,
                 total);
  g_assert_cmpuint(total, ==, 77);
  /* zbarimg decodes every one of these; the daemon's path must not be worse. */
  g_assert_cmpuint(exact, ==, total);
}

static void
test_code_validate(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) empty = g_bytes_new("", 0);
  g_assert_false(booth_code_validate(empty, 4096, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);

  g_autofree char *big = g_malloc(5000);
  memset(big, 'A', 5000);
  g_autoptr(GBytes) huge = g_bytes_new(big, 5000);
  g_assert_false(booth_code_validate(huge, 4096, &error));
  g_assert_nonnull(strstr(error->message, "5000 bytes"));
  g_clear_error(&error);

  static const guint8 bin[] = {0x00, 0xff, 0x2f, 0x2e, 0x2e, 0xc3, 0x28};
  g_autoptr(GBytes) b = g_bytes_new(bin, sizeof bin);
  g_assert_true(booth_code_validate(b, 4096, &error));
  g_assert_false(booth_code_is_text(b));
  g_autofree char *shown = booth_code_to_display(b, 64);
  g_assert_cmpstr(shown, ==, "\\x00\\xff/..\\xc3(");

  g_autoptr(GBytes) path = g_bytes_new_static("../../etc/passwd", 16);
  g_assert_true(booth_code_is_text(path));
  g_autofree char *p = booth_code_to_display(path, 64);
  g_assert_cmpstr(p, ==, "../../etc/passwd");
  g_autofree char *cut = booth_code_to_display(path, 4);
  g_assert_cmpstr(cut, ==, "../....");

  g_autoptr(GBytes) utf = g_bytes_new_static("学生\xe7\xa0\x81", 9);
  g_assert_true(booth_code_is_text(utf));
}

/* A qrencode code holding binary bytes decodes byte for byte (ZBar binary mode). */
static void
test_binary_payload(void)
{
  g_autofree char *tmp = g_dir_make_tmp("booth-qr-XXXXXX", NULL);
  g_autofree char *bin = g_build_filename(tmp, "payload.bin", NULL);
  g_autofree char *png = g_build_filename(tmp, "code.png", NULL);
  guint8 payload[200];
  for (guint i = 0; i < sizeof payload; i++)
    payload[i] = (guint8)(i * 37 + 11);
  payload[5] = 0;
  g_assert_true(g_file_set_contents(bin, (char *)payload, sizeof payload, NULL));
  g_autofree char *cmd = g_strdup_printf("qrencode -8 -s 6 -r %s -o %s", bin, png);
  int status;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_spawn_command_line_sync(cmd, NULL, NULL, &status, &error));
  g_assert_true(g_spawn_check_wait_status(status, NULL));
  g_autoptr(BoothFrame) f = booth_image_load(png, &error);
  g_assert_no_error(error);
  g_autoptr(BoothAnalyzer) an = new_analyzer();
  g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, f);
  g_assert_cmpuint(r->codes->len, ==, 1);
  BoothQrCode *c = g_ptr_array_index(r->codes, 0);
  gsize n;
  const guint8 *got = g_bytes_get_data(c->data, &n);
  g_assert_cmpmem(got, n, payload, sizeof payload);
  g_unlink(bin);
  g_unlink(png);
  g_rmdir(tmp);
}

/* A 4096-pixel-wide frame is reduced for scanning and positions come back in frame pixels. */
static void
test_scaled_positions(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", "code-1.png", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) small = booth_image_load(path, &error);
  g_assert_no_error(error);
  g_autoptr(BoothAnalyzer) an = new_analyzer();
  g_autoptr(BoothAnalysis) r1 = booth_analyzer_run(an, small);
  g_assert_cmpuint(r1->codes->len, ==, 1);
  g_assert_cmpint(r1->qr_scale, ==, 1);
  /* Nearest-neighbour enlargement by 3: what a camera filling its frame with the code sees. */
  g_autoptr(BoothFrame) big = booth_frame_new(small->width * 3, small->height * 3);
  for (int y = 0; y < big->height; y++)
    for (int x = 0; x < big->width; x++)
      memcpy(big->data + (gsize)y * big->stride + (gsize)x * 3,
             small->data + (gsize)(y / 3) * small->stride + (gsize)(x / 3) * 3, 3);
  g_autoptr(BoothAnalysis) r3 = booth_analyzer_run(an, big);
  g_assert_cmpuint(r3->codes->len, ==, 1);
  BoothQrCode *a = g_ptr_array_index(r1->codes, 0), *b = g_ptr_array_index(r3->codes, 0);
  g_assert_true(g_bytes_equal(a->data, b->data));
  g_assert_cmpint(ABS(b->x - a->x * 3), <=, 6);
  g_assert_cmpint(ABS(b->width - a->width * 3), <=, 12);
  g_test_message("code at %d,%d %dx%d; enlarged frame (scale %d): %d,%d %dx%d", a->x, a->y,
                 a->width, a->height, r3->qr_scale, b->x, b->y, b->width, b->height);
}

/* Phone photos that only one of the two readers reads (134 and 69 zxing-cpp, 95 and 96 ZBar)
 * and a code printed inside another (170): the daemon's analysis reads each answer byte for
 * byte, so neither reader can drop out of the chain unnoticed. */
static void
test_jsqr_photos(void)
{
  static const char *const names[] = {"134", "69", "95", "96", "170"};
  g_autoptr(BoothAnalyzer) an = new_analyzer();
  for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *dir =
        g_build_filename(g_getenv("BOOTH_TEST_DATA"), "qr", "jsqr", names[i], NULL);
    g_autofree char *png = g_build_filename(dir, "input.png", NULL);
    g_autofree char *json = g_build_filename(dir, "output.json", NULL);
    g_autoptr(GBytes) answer = jsqr_answer(json);
    g_assert_nonnull(answer);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = booth_image_load(png, &error);
    g_assert_no_error(error);
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, f);
    gboolean found = FALSE;
    for (guint j = 0; j < r->codes->len; j++) {
      BoothQrCode *c = g_ptr_array_index(r->codes, j);
      if (g_bytes_equal(c->data, answer)) {
        found = TRUE;
        g_assert_cmpint(c->width, >, 10);
        g_assert_cmpint(c->x, >=, 0);
        g_assert_cmpint(c->x + c->width, <=, f->width + 1);
      }
    }
    g_test_message("jsqr/%s: %u codes, the answer %s", names[i], r->codes->len,
                   found ? "among them" : "missing");
    g_assert_true(found);
  }
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_autofree char *pp = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles",
                                         "chsi-upload.profile", NULL);
  profile = booth_profile_load(pp, NULL);
  g_assert_nonnull(profile);
  g_test_add_func("/qr/zxing-blackbox", test_zxing_blackbox);
  g_test_add_func("/qr/code-validate", test_code_validate);
  g_test_add_func("/qr/binary-payload", test_binary_payload);
  g_test_add_func("/qr/scaled-positions", test_scaled_positions);
  g_test_add_func("/qr/jsqr-photos", test_jsqr_photos);
  return g_test_run();
}
