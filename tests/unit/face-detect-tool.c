/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Test-only: our cascade and face detector on PGM luma, as JSON lines, for the comparisons
 * with OpenCV in tests/reference.
 *
 *   face-detect-tool luma IMAGE OUT.pgm
 *       decodes a JPEG or PNG as the daemon does and writes its luma (what both sides read)
 *   face-detect-tool detect CASCADE SCALE MIN_NEIGHBORS MIN_W MIN_H MAX_W MAX_H PGM...
 *       {"file":..,"detections":[[x,y,w,h,neighbors],..],"ms":..} per image (ms: CPU time)
 *   face-detect-tool faces [--cascade-dir DIR] [--face-cascade FILE] MIN_FACE PGM...
 *       {"file":..,"faces":[{"box":[x,y,w,h],"neighbors":n,"eye_left":[x,y]|null,
 *        "eye_right":..},..],"ms":..} per image
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/cascade.h"
#include "analysis/faces.h"
#include "frame.h"
#include "json.h"
#include "photo/image.h"

typedef struct {
  int width, height;
  guint8 *data;
} Pgm;

/* CPU time of this thread: what the work costs, whatever else the machine is running. */
static double
cpu_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
pgm_clear(Pgm *p)
{
  g_free(p->data);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Pgm, pgm_clear)

/* Binary PGM with maxval 255 and no comments, as this tool and OpenCV write them. */
static gboolean
pgm_read(const char *path, Pgm *out, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  if (!g_file_get_contents(path, &data, &len, error))
    return FALSE;
  int w, h, maxval, pos = 0;
  if (sscanf(data, "P5 %d %d %d%n", &w, &h, &maxval, &pos) != 3 || maxval != 255 || w <= 0 ||
      h <= 0 || w > 32768 || h > 32768 || (gsize)pos + 1 + (gsize)w * (gsize)h > len) {
    g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not an 8-bit binary PGM", path);
    return FALSE;
  }
  out->width = w;
  out->height = h;
  out->data = g_memdup2(data + pos + 1, (gsize)w * (gsize)h);
  return TRUE;
}

static int
cmd_luma(int argc, char **argv)
{
  if (argc != 4)
    return 2;
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFrame) f = booth_image_load(argv[2], &error);
  if (!f) {
    g_printerr("%s\n", error->message);
    return 1;
  }
  g_autofree guint8 *y = booth_frame_to_luma(f);
  g_autofree char *head = g_strdup_printf("P5\n%d %d\n255\n", f->width, f->height);
  g_autoptr(GString) out = g_string_new(head);
  g_string_append_len(out, (const char *)y, (gssize)f->width * f->height);
  if (!g_file_set_contents(argv[3], out->str, (gssize)out->len, &error)) {
    g_printerr("%s\n", error->message);
    return 1;
  }
  return 0;
}

static void
append_point(GString *out, const BoothPoint *p)
{
  if (!p->found) {
    g_string_append(out, "null");
    return;
  }
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
  g_string_append_printf(out, "[%s,%s]", g_ascii_formatd(a, sizeof a, "%.4f", p->x),
                         g_ascii_formatd(b, sizeof b, "%.4f", p->y));
}

static int
cmd_detect(int argc, char **argv)
{
  if (argc < 10)
    return 2;
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCascade) c = booth_cascade_load(argv[2], &error);
  if (!c) {
    g_printerr("%s\n", error->message);
    return 1;
  }
  BoothDetectParams p = {g_ascii_strtod(argv[3], NULL),
                         atoi(argv[4]),
                         atoi(argv[5]),
                         atoi(argv[6]),
                         atoi(argv[7]),
                         atoi(argv[8])};
  g_autoptr(BoothCascadeScratch) s = booth_cascade_scratch_new();
  for (int i = 9; i < argc; i++) {
    g_auto(Pgm) img = {0};
    if (!pgm_read(argv[i], &img, &error)) {
      g_printerr("%s\n", error->message);
      return 1;
    }
    double t0 = cpu_ms();
    g_autoptr(GArray) found =
        booth_cascade_detect_scratch(c, s, img.data, img.width, img.height, img.width, &p);
    double t1 = cpu_ms();
    g_autoptr(GString) out = g_string_new("{\"file\":");
    booth_json_string(out, argv[i]);
    g_string_append(out, ",\"detections\":[");
    for (guint k = 0; k < found->len; k++) {
      const BoothDetection *d = &g_array_index(found, BoothDetection, k);
      g_string_append_printf(out, "%s[%d,%d,%d,%d,%d]", k ? "," : "", d->x, d->y, d->width,
                             d->height, d->neighbors);
    }
    g_string_append(out, "],\"ms\":");
    booth_json_number(out, t1 - t0);
    g_print("%s}\n", out->str);
  }
  return 0;
}

static int
cmd_faces(int argc, char **argv)
{
  const char *dir = NULL, *face = NULL;
  int i = 2;
  for (; i + 1 < argc && g_str_has_prefix(argv[i], "--"); i += 2) {
    if (strcmp(argv[i], "--cascade-dir") == 0)
      dir = argv[i + 1];
    else if (strcmp(argv[i], "--face-cascade") == 0)
      face = argv[i + 1];
    else
      return 2;
  }
  if (i + 2 > argc)
    return 2;
  double min_face = g_ascii_strtod(argv[i++], NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothFaceDetector) d = booth_face_detector_new_full(dir, face, &error);
  if (!d) {
    g_printerr("%s\n", error->message);
    return 1;
  }
  for (; i < argc; i++) {
    g_auto(Pgm) img = {0};
    if (!pgm_read(argv[i], &img, &error)) {
      g_printerr("%s\n", error->message);
      return 1;
    }
    double t0 = cpu_ms();
    g_autoptr(GArray) faces =
        booth_face_detector_run(d, img.data, img.width, img.height, img.width, min_face);
    double t1 = cpu_ms();
    g_autoptr(GString) out = g_string_new("{\"file\":");
    booth_json_string(out, argv[i]);
    g_string_append(out, ",\"faces\":[");
    for (guint k = 0; k < faces->len; k++) {
      const BoothFace *f = &g_array_index(faces, BoothFace, k);
      g_string_append_printf(
          out, "%s{\"box\":[%d,%d,%d,%d],\"neighbors\":%d,\"eye_left\":", k ? "," : "", f->box.x,
          f->box.y, f->box.width, f->box.height, f->neighbors);
      append_point(out, &f->eye_left);
      g_string_append(out, ",\"eye_right\":");
      append_point(out, &f->eye_right);
      g_string_append_c(out, '}');
    }
    g_string_append(out, "],\"ms\":");
    booth_json_number(out, t1 - t0);
    g_print("%s}\n", out->str);
  }
  return 0;
}

int
main(int argc, char **argv)
{
  int rc = 2;
  if (argc >= 2 && strcmp(argv[1], "luma") == 0)
    rc = cmd_luma(argc, argv);
  else if (argc >= 2 && strcmp(argv[1], "detect") == 0)
    rc = cmd_detect(argc, argv);
  else if (argc >= 2 && strcmp(argv[1], "faces") == 0)
    rc = cmd_faces(argc, argv);
  if (rc == 2)
    g_printerr("usage: see the comment at the top of face-detect-tool.c\n");
  return rc;
}
