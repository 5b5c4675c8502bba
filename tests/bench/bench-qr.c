/* SPDX-License-Identifier: GPL-2.0-or-later */
/* QR reading against its peers in the same run: the jsQR project's end-to-end photos (phones,
 * screens, print, glare, tilt, blur; read from BOOTH_SHARED_DATA/qr/jsqr), each image's full
 * luma given to ZBar alone (one pass, binary mode: what boothd did before zxing-cpp joined
 * it), zxing-cpp alone (its default, thorough search) and boothd's chain. An image counts as
 * read when a payload equals the known answer byte for byte (output.json's binaryData; 40
 * photos have none and only count towards wrong payloads, which are payloads that differ
 * from a known answer). Times are CPU time of the working thread, medians over the images.
 * Asserts only that the set was there. Suite 'bench': meson test -C build --suite bench -v */
#include <string.h>
#include <time.h>

#include "analysis/qr.h"
#include "photo/image.h"
#include "tests/test-jsqr.h"
#include "bench-util.h"

typedef struct {
  char *name;
  int width, height;
  guint8 *luma;
  GBytes *answer; /* NULL: unknown */
} Sample;

static void
sample_free(Sample *s)
{
  g_free(s->name);
  g_free(s->luma);
  if (s->answer)
    g_bytes_unref(s->answer);
  g_free(s);
}

static GPtrArray *
load_set(const char *dir)
{
  GPtrArray *set = g_ptr_array_new_with_free_func((GDestroyNotify)sample_free);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  if (!d)
    return set;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    g_autofree char *png = g_build_filename(dir, name, "input.png", NULL);
    g_autofree char *json = g_build_filename(dir, name, "output.json", NULL);
    if (!g_file_test(png, G_FILE_TEST_EXISTS) || !g_file_test(json, G_FILE_TEST_EXISTS))
      continue;
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothFrame) f = booth_image_load(png, &error);
    g_assert_no_error(error);
    Sample *s = g_new0(Sample, 1);
    s->name = g_strdup(name);
    s->width = f->width, s->height = f->height;
    s->luma = booth_frame_to_luma(f);
    s->answer = jsqr_answer(json);
    g_ptr_array_add(set, s);
  }
  return set;
}

typedef struct {
  const char *name;
  BoothQrScanner *scanner;
  GPtrArray *codes; /* per image: GPtrArray of BoothQrCode */
  double *ms;
} Reader;

static gboolean
has_payload(GPtrArray *codes, GBytes *payload)
{
  for (guint j = 0; j < codes->len; j++)
    if (g_bytes_equal(((BoothQrCode *)g_ptr_array_index(codes, j))->data, payload))
      return TRUE;
  return FALSE;
}

static void
bench_jsqr(void)
{
  const char *shared = g_getenv("BOOTH_SHARED_DATA");
  g_assert_nonnull(shared);
  g_autofree char *dir = g_build_filename(shared, "qr", "jsqr", NULL);
  g_autoptr(GPtrArray) set = load_set(dir);
  if (set->len == 0) {
    g_test_skip("no jsQR set under BOOTH_SHARED_DATA");
    return;
  }
  guint known = 0;
  for (guint i = 0; i < set->len; i++)
    known += ((Sample *)g_ptr_array_index(set, i))->answer != NULL;
  Reader readers[] = {
      {"ZBar alone (one dense pass)", booth_qr_scanner_new_full(BOOTH_QR_ZBAR), NULL, NULL},
      {"zxing-cpp 1.4 alone (its defaults)", booth_qr_scanner_new_full(BOOTH_QR_ZXING), NULL, NULL},
      {"boothd (zxing-cpp, then sparse ZBar)", booth_qr_scanner_new(), NULL, NULL},
  };
  for (guint k = 0; k < G_N_ELEMENTS(readers); k++) {
    Reader *r = &readers[k];
    r->codes = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
    r->ms = g_new(double, set->len);
    for (guint i = 0; i < set->len; i++) {
      Sample *s = g_ptr_array_index(set, i);
      double t0 = cpu_ms();
      GPtrArray *codes = booth_qr_scanner_scan(r->scanner, s->luma, s->width, s->height);
      r->ms[i] = cpu_ms() - t0;
      g_ptr_array_add(r->codes, codes);
    }
  }
  guint reads[G_N_ELEMENTS(readers)], wrongs[G_N_ELEMENTS(readers)];
  for (guint k = 0; k < G_N_ELEMENTS(readers); k++) {
    Reader *r = &readers[k];
    guint read = 0, wrong = 0, other = 0;
    g_autoptr(GString) names = g_string_new(NULL);
    g_autoptr(GString) missed = g_string_new(NULL);
    for (guint i = 0; i < set->len; i++) {
      Sample *s = g_ptr_array_index(set, i);
      if (!s->answer)
        continue;
      GPtrArray *codes = g_ptr_array_index(r->codes, i);
      for (guint j = 0; j < codes->len; j++) {
        GBytes *p = ((BoothQrCode *)g_ptr_array_index(codes, j))->data;
        if (g_bytes_equal(p, s->answer))
          continue;
        /* A payload other than the answer is wrong unless both independent readers, each
         * alone, read these very bytes on this image: then it is a second code in the photo
         * (the answer names one code per photo). */
        if (has_payload(g_ptr_array_index(readers[0].codes, i), p) &&
            has_payload(g_ptr_array_index(readers[1].codes, i), p)) {
          other++;
          g_string_append_printf(names, " %s", s->name);
        } else {
          wrong++;
          g_string_append_printf(names, " %s(wrong)", s->name);
        }
      }
      if (has_payload(codes, s->answer))
        read++;
      else
        g_string_append_printf(missed, " %s", s->name);
    }
    qsort(r->ms, set->len, sizeof *r->ms, (int (*)(const void *, const void *))cmp_double);
    g_test_message("jsQR end-to-end, %s: %u of %u known answers read byte-exact, %u wrong "
                   "payloads, %u second codes read alike by ZBar and zxing-cpp%s%s; CPU "
                   "%.2f ms median, %.2f ms 90th percentile per image (%u images)",
                   r->name, read, known, wrong, other, names->len ? ":" : "", names->str,
                   r->ms[set->len / 2], r->ms[(set->len - 1) * 9 / 10], set->len);
    g_test_message("  %s missed:%s", r->name, missed->str);
    reads[k] = read, wrongs[k] = wrong;
  }
  g_test_message("targets: boothd reads %u, zxing-cpp %u: at least as many %s; wrong payloads "
                 "%u: none %s",
                 reads[2], reads[1], reads[2] >= reads[1] ? "met" : "NOT met", wrongs[2],
                 wrongs[2] == 0 ? "met" : "NOT met");
  for (guint k = 0; k < G_N_ELEMENTS(readers); k++) {
    booth_qr_scanner_free(readers[k].scanner);
    g_ptr_array_unref(readers[k].codes);
    g_free(readers[k].ms);
  }
  g_assert_cmpuint(known, >, 200);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/bench/qr/jsqr", bench_jsqr);
  return g_test_run();
}
