/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing, profile geometry and the photo checks, on real photographs only. Faces come from
 * OpenCV (tests/reference/opencv-faces.py, run as a separate program), rotations and blurs
 * from ffmpeg, and the finished photos are measured again by OpenCV alone. Tests that need
 * a missing tool are skipped with its name. Every figure is printed with g_test_message. */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "analysis/checks.h"
#include "analysis/faces.h"
#include "analysis/framing.h"
#include "analysis/geometry.h"
#include "core/config.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "photo/jpeg.h"
#include "tests/test-profiles.h"

static char *tmpdir;

/* ---- common ---- */

static char *
data_path(const char *rel)
{
  const char *root = g_getenv("BOOTH_TEST_DATA");
  g_assert_nonnull(root);
  return g_build_filename(root, rel, NULL);
}

static char *
tmp_path(const char *name)
{
  return g_build_filename(tmpdir, name, NULL);
}

static BoothFrame *
load_image(const char *path)
{
  g_autoptr(GError) error = NULL;
  BoothFrame *f = booth_image_load(path, &error);
  g_assert_no_error(error);
  return f;
}

/* The system python with OpenCV; the reference script says itself when cv2 is missing. */
static const char *
python(void)
{
  static char *path;
  if (!path)
    path = g_file_test("/usr/bin/python3", G_FILE_TEST_IS_EXECUTABLE)
               ? g_strdup("/usr/bin/python3")
               : g_find_program_in_path("python3");
  return path;
}

/* Runs tests/reference/opencv-faces.py; FALSE (and the test skipped) when it cannot. */
static gboolean
reference(const char *const *args, char **out)
{
  if (!python()) {
    g_test_skip("python3 not installed");
    return FALSE;
  }
  g_autofree char *script = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "tests", "reference",
                                             "opencv-faces.py", NULL);
  g_autoptr(GPtrArray) argv = g_ptr_array_new();
  g_ptr_array_add(argv, (char *)python());
  g_ptr_array_add(argv, script);
  for (; *args; args++)
    g_ptr_array_add(argv, (char *)*args);
  g_ptr_array_add(argv, NULL);
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, &err, &status,
               &error);
  g_assert_no_error(error);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77) {
    g_test_skip(g_strstrip(err));
    return FALSE;
  }
  if (!g_spawn_check_wait_status(status, &error))
    g_test_message("opencv-faces.py: %s", err);
  g_assert_no_error(error);
  return TRUE;
}

static GArray *
faces_new(void)
{
  return g_array_new(FALSE, TRUE, sizeof(BoothFace));
}

/* OpenCV's faces on the shipped test images, kept between tests: each run of the reference
 * script pays for loading OpenCV. */
static GHashTable *face_cache;

static GArray *
faces_copy(const GArray *faces)
{
  GArray *copy = g_array_sized_new(FALSE, TRUE, sizeof(BoothFace), faces->len);
  g_array_append_vals(copy, faces->data, faces->len);
  return copy;
}

/* OpenCV's faces on one image, largest first; NULL when the test was skipped. */
static GArray *
opencv_faces(const char *path, const char *upscale)
{
  gboolean shipped = g_str_has_prefix(path, g_getenv("BOOTH_TEST_DATA")) && !upscale;
  GArray *known = shipped ? g_hash_table_lookup(face_cache, path) : NULL;
  if (known)
    return faces_copy(known);
  const char *args[] = {"detect", "--upscale", upscale ? upscale : "1", path, NULL};
  g_autofree char *out = NULL;
  if (!reference(args, &out))
    return NULL;
  GArray *faces = faces_new();
  g_auto(GStrv) lines = g_strsplit(out, "\n", -1);
  for (int i = 0; lines[i]; i++) {
    BoothFace f = {0};
    double lx, ly, rx, ry;
    if (sscanf(lines[i], "face %d %d %d %d %lf %lf %lf %lf", &f.box.x, &f.box.y, &f.box.width,
               &f.box.height, &lx, &ly, &rx, &ry) != 8)
      continue;
    f.eye_left = (BoothPoint){lx, ly, lx >= 0};
    f.eye_right = (BoothPoint){rx, ry, rx >= 0};
    g_array_append_val(faces, f);
  }
  if (shipped)
    g_hash_table_insert(face_cache, g_strdup(path), faces_copy(faces));
  return faces;
}

typedef struct {
  double head_top, eye_line, face_width, centre;
  int n_faces;
} Measure;

/* OpenCV's own measurement of a finished photo. */
static gboolean
opencv_measure(const char *path, Measure *m)
{
  const char *args[] = {"measure", path, NULL};
  g_autofree char *out = NULL;
  if (!reference(args, &out))
    return FALSE;
  g_assert_cmpint(sscanf(out, "measure %lf %lf %lf %lf %d", &m->head_top, &m->eye_line,
                         &m->face_width, &m->centre, &m->n_faces),
                  ==, 5);
  return TRUE;
}

/* The faces as they lie in a part of the image starting at (x, y) and w x h large; faces
 * whose box leaves that part are dropped. Moving a box is exact, re-detecting would add the
 * detector's jitter to what the test compares. */
static GArray *
faces_shift(const GArray *faces, int x, int y, int w, int h)
{
  GArray *out = faces_new();
  for (guint i = 0; i < faces->len; i++) {
    BoothFace f = g_array_index(faces, BoothFace, i);
    f.box.x -= x, f.box.y -= y;
    f.eye_left.x -= x, f.eye_left.y -= y;
    f.eye_right.x -= x, f.eye_right.y -= y;
    if (f.box.x < 0 || f.box.y < 0 || f.box.x + f.box.width > w || f.box.y + f.box.height > h)
      continue;
    g_array_append_val(out, f);
  }
  return out;
}

/* A part of a frame, pixel for pixel. */
static BoothFrame *
frame_cut(const BoothFrame *src, int x, int y, int w, int h)
{
  g_assert_true(x >= 0 && y >= 0 && x + w <= src->width && y + h <= src->height);
  BoothFrame *f = booth_frame_new(w, h);
  for (int r = 0; r < h; r++)
    memcpy(f->data + (gsize)r * f->stride, src->data + (gsize)(y + r) * src->stride + x * 3,
           (gsize)w * 3);
  return f;
}

/* ffmpeg turns in into out with one video filter; FALSE (skipped) without ffmpeg. */
static gboolean
ffmpeg(const char *in, const char *filter, const char *out)
{
  g_autofree char *exe = g_find_program_in_path("ffmpeg");
  if (!exe) {
    g_test_skip("ffmpeg not installed (Debian package ffmpeg)");
    return FALSE;
  }
  const char *argv[] = {exe, "-loglevel", "error", "-y", "-i", in, "-vf", filter, out, NULL};
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &err,
               &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error))
    g_test_message("ffmpeg %s: %s", filter, err);
  g_assert_no_error(error);
  return TRUE;
}

/* test1.jpg is a WebP under a .jpg name: ffmpeg turns it into a PNG boothd reads. NULL
 * (skipped) without ffmpeg. */
static char *
portrait_test1(void)
{
  g_autofree char *src = data_path("portraits/test1.jpg");
  char *path = tmp_path("test1.png");
  if (!g_file_test(path, G_FILE_TEST_EXISTS) && !ffmpeg(src, "null", path)) {
    g_free(path);
    return NULL;
  }
  return path;
}

static void
framing_of(const BoothFrame *f, const GArray *faces, const BoothProfile *p, BoothFraming *out)
{
  g_autofree guint8 *luma = booth_frame_to_luma(f);
  booth_framing_measure(f, luma, faces, p, out);
}

static char *
hints_string(const BoothFraming *fr)
{
  g_autoptr(GString) s = g_string_new(NULL);
  for (int i = 0; i < fr->n_hints; i++)
    g_string_append_printf(s, "%s%s", i ? "," : "", fr->hints[i]);
  return g_strdup(s->str);
}

static void
print_framing(const char *what, const BoothFraming *fr)
{
  g_autofree char *hints = hints_string(fr);
  const BoothBackground *b = &fr->background;
  g_test_message("%s: faces %d, tilt %.2f deg, head top %d, eye line %.1f, face width %.1f, "
                 "offset %.0f px (%.3f), crop %dx%d+%d+%d %s, in photo: face %.1f eye %.1f "
                 "head %.1f; background rgb %.0f,%.0f,%.0f dE %.1f spread %.2f gradient %.1f "
                 "foreign %.3f; luma %.1f clipped %.4f sharpness %.1f; hints [%s] score %.3f; "
                 "%" G_GINT64_FORMAT " us",
                 what, fr->n_faces, fr->tilt_deg, fr->head_top, fr->eye_line, fr->face_width,
                 fr->offset_x, fr->offset_x_share, fr->geometry.crop.width,
                 fr->geometry.crop.height, fr->geometry.crop.x, fr->geometry.crop.y,
                 fr->crop_ok ? "ok" : fr->crop_problem, fr->geometry.face_width,
                 fr->geometry.eye_line, fr->geometry.head_top, b->rgb[0], b->rgb[1], b->rgb[2],
                 b->distance, b->spread, b->gradient, b->foreign, fr->face_luma, fr->face_clipped,
                 fr->sharpness, hints, fr->score, fr->elapsed_us);
}

/* The photo the profile makes from frame and crop, as a reader decodes it: crop, area
 * scaling, JPEG in the profile's size window, decode. Written to path for OpenCV. */
static BoothFrame *
make_photo(const BoothFrame *frame, BoothRect crop, const BoothProfile *p, const char *path,
           gsize *bytes, int *quality)
{
  BoothRect r = {crop.x, crop.y, crop.width, crop.height};
  g_autoptr(BoothFrame) scaled = booth_image_crop_scale(frame, r, p->width, p->height);
  g_assert_nonnull(scaled);
  g_auto(BoothJpegResult) jr = {0};
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_jpeg_encode_to_window(scaled, (gsize)p->min_kb * 1024,
                                            (gsize)p->max_kb * 1024, p->min_quality, p->dpi, &jr,
                                            &error));
  g_assert_no_error(error);
  gsize len;
  const guint8 *data = g_bytes_get_data(jr.data, &len);
  g_assert_true(g_file_set_contents(path, (const char *)data, (gssize)len, NULL));
  *bytes = len;
  *quality = jr.quality;
  BoothFrame *back = booth_image_decode(data, len, path, &error);
  g_assert_no_error(error);
  return back;
}

static void
print_checks(const char *what, const GArray *checks)
{
  for (guint i = 0; i < checks->len; i++) {
    const BoothCheck *c = &g_array_index(checks, BoothCheck, i);
    g_test_message("%s: %-19s %s %s", what, c->name, c->pass ? "pass" : "FAIL", c->message);
  }
}

static const BoothCheck *
check_get(const GArray *checks, const char *name)
{
  const BoothCheck *c = booth_checks_find(checks, name);
  if (!c)
    g_error("no check named %s", name);
  return c;
}

/* ---- profiles ---- */

static void
test_profile_keys(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_assert_cmpint(p->head_top_min, ==, 50);
  g_assert_cmpint(p->head_top_max, ==, 110);
  g_assert_cmpint(p->eye_line_min, ==, 200);
  g_assert_cmpint(p->eye_line_max, ==, 300);
  g_assert_cmpint(p->face_width_min, ==, 180);
  g_assert_cmpint(p->face_width_max, ==, 300);
  g_assert_cmpfloat(p->face_width_factor, ==, 1.24);
  g_assert_cmpint(p->burst, ==, 3);
  g_autoptr(BoothProfile) u = load_profile("chsi-upload");
  g_assert_cmpint(u->eye_line_min, ==, 200);
  g_assert_cmpint(u->min_kb, ==, 40);

  /* A profile that names no band gets the CHSI proportions at its own size. */
  g_autofree char *big = tmp_path("big.profile");
  g_assert_true(
      g_file_set_contents(big, "[Profile]\nwidth=960\nheight=1280\nmax_kb=400\n", -1, NULL));
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothProfile) b = booth_profile_load(big, &error);
  g_assert_no_error(error);
  g_assert_cmpint(b->head_top_min, ==, 100);
  g_assert_cmpint(b->head_top_max, ==, 220);
  g_assert_cmpint(b->eye_line_min, ==, 400);
  g_assert_cmpint(b->eye_line_max, ==, 600);
  g_assert_cmpint(b->face_width_min, ==, 360);
  g_assert_cmpint(b->face_width_max, ==, 600);
  g_assert_cmpint(b->centre_max, ==, 48);

  static const struct {
    const char *text, *expect;
  } bad[] = {
      {"[Geometry]\nhead_top_min=120\nhead_top_max=60\n",
       "head_top_min 120 is above head_top_max 60"},
      {"[Geometry]\nhead_top_max=220\n", "head_top_max 220 is above eye_line_min 200"},
      {"[Checks]\nluma_min=200\nluma_max=100\n", "luma_min 200 is above luma_max 100"},
      {"[Geometry]\nface_width_factor=9\n", ":7: [Geometry] face_width_factor: 9 is out of range"},
      {"[Capture]\nburst=0\n", ":7: [Capture] burst: 0 is out of range"},
      {"[Background]\nmax_foreign=2\n", ":7: [Background] max_foreign: 2 is out of range"},
      {"[Geometry]\neye_line_max=700\n", "must lie inside 480x640"},
      {"[Checks]\nmax_tilt=5\n", ":7: [Checks] max_tilt: unknown key"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
    g_autofree char *text =
        g_strconcat("[Profile]\nwidth=480\nheight=640\nmax_kb=40\n\n", bad[i].text, NULL);
    g_autofree char *path = tmp_path("bad.profile");
    g_assert_true(g_file_set_contents(path, text, -1, NULL));
    g_autoptr(GError) e = NULL;
    g_autoptr(BoothProfile) q = booth_profile_load(path, &e);
    g_assert_null(q);
    g_assert_nonnull(e);
    if (!strstr(e->message, bad[i].expect))
      g_error("'%s' does not say '%s'", e->message, bad[i].expect);
  }
}

/* ---- geometry on real portraits ---- */

/* The crop of a real portrait, scaled to 480x640, puts the head top, the eye line and the face
 * width in the chsi-final bands, as OpenCV measures the finished photo on its own (GrabCut for
 * the head top). test1.jpg is the one portrait here with room around a large enough face; it
 * is WebP under a .jpg name, so ffmpeg turns it into PNG first. */
static void
test_geometry_portrait(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = portrait_test1();
  if (!path)
    return;
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  g_assert_cmpuint(faces->len, ==, 1);
  g_autoptr(BoothFrame) frame = load_image(path);
  BoothFraming fr;
  framing_of(frame, faces, p, &fr);
  print_framing("test1.jpg", &fr);
  g_assert_true(fr.crop_ok);
  g_assert_cmpint(fr.head_top, >, 0);

  g_autofree char *out = tmp_path("photo.jpg");
  gsize bytes;
  int quality;
  g_autoptr(BoothFrame) photo = make_photo(frame, fr.geometry.crop, p, out, &bytes, &quality);
  Measure m;
  if (!opencv_measure(out, &m))
    return;
  g_test_message("test1.jpg: OpenCV on the photo: head top %.0f, eye line %.1f, face width %.1f, "
                 "centre offset %.1f (bands %d-%d, %d-%d, %d-%d, centre within %d)",
                 m.head_top, m.eye_line, m.face_width, m.centre, p->head_top_min, p->head_top_max,
                 p->eye_line_min, p->eye_line_max, p->face_width_min, p->face_width_max,
                 p->centre_max);
  g_assert_cmpint(m.n_faces, ==, 1);
  g_assert_cmpfloat(m.head_top, >=, p->head_top_min);
  g_assert_cmpfloat(m.head_top, <=, p->head_top_max);
  g_assert_cmpfloat(m.eye_line, >=, p->eye_line_min);
  g_assert_cmpfloat(m.eye_line, <=, p->eye_line_max);
  g_assert_cmpfloat(m.face_width, >=, p->face_width_min);
  g_assert_cmpfloat(m.face_width, <=, p->face_width_max);
  g_assert_cmpfloat(fabs(m.centre), <=, p->centre_max);

  /* The checks, on the faces OpenCV finds in the finished photo, agree on what the face
   * alone decides. The head top is measured against the backdrop: on this street the
   * background checks fail, and the head top is printed, not judged. */
  g_autoptr(GArray) photo_faces = opencv_faces(out, NULL);
  g_autoptr(GArray) checks = booth_checks_run(photo, photo_faces, p, bytes, quality);
  print_checks("test1.jpg", checks);
  g_assert_true(check_get(checks, "eye_line")->pass);
  g_assert_true(check_get(checks, "face_width")->pass);
  g_assert_true(check_get(checks, "centred")->pass);
  g_assert_true(check_get(checks, "tilt")->pass);
  g_assert_false(check_get(checks, "background_clean")->pass);
  booth_framing_clear(&fr);
}

/* Geometry that cannot be met names the band and the amount. */
static void
test_geometry_impossible(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");

  /* A real portrait whose face is small for a 480x640 photo without enlargement. */
  g_autofree char *small = data_path("portraits/test0.jpg");
  g_autoptr(GArray) faces = opencv_faces(small, NULL);
  if (!faces)
    return;
  g_assert_cmpuint(faces->len, ==, 1);
  g_autoptr(BoothFrame) frame = load_image(small);
  BoothFraming fr;
  /* The shipped profile allows 1.3x: this face then fits; at 1.0x it does not. */
  g_assert_cmpfloat(p->max_enlarge, ==, 1.3);
  framing_of(frame, faces, p, &fr);
  g_assert_true(fr.crop_ok);
  booth_framing_clear(&fr);
  p->max_enlarge = 1.0;
  framing_of(frame, faces, p, &fr);
  print_framing("test0.jpg", &fr);
  double fw = g_array_index(faces, BoothFace, 0).box.width * p->face_width_factor;
  g_autofree char *expect = g_strdup_printf(
      "face too small: %.0f px wide in the frame, the band needs 180-300 px at no more than "
      "1.0x enlargement",
      fw);
  g_assert_false(fr.crop_ok);
  g_assert_cmpstr(fr.crop_problem, ==, expect);
  g_assert_true(booth_framing_has_hint(&fr, "closer"));
  booth_framing_clear(&fr);

  /* A face too large for its frame (dlib's head-and-shoulders portrait). */
  g_autofree char *large = data_path("faces/dlib/Tom_Cruise_avp_2014_4.jpg");
  g_autoptr(GArray) lfaces = opencv_faces(large, NULL);
  g_assert_cmpuint(lfaces->len, ==, 1);
  g_autoptr(BoothFrame) lframe = load_image(large);
  framing_of(lframe, lfaces, p, &fr);
  print_framing("Tom_Cruise_avp_2014_4.jpg", &fr);
  g_assert_false(fr.crop_ok);
  g_assert_true(fr.geometry.problems & BOOTH_GEOMETRY_FACE_TOO_LARGE);
  g_assert_nonnull(strstr(fr.crop_problem, "face too large:"));
  g_assert_true(booth_framing_has_hint(&fr, "farther"));
  booth_framing_clear(&fr);

  /* A real portrait cut so that the face nears the image's left edge: the amount the crop
   * needs beyond the frame is exactly what it needs. Given that many more columns of the
   * same photograph the crop fits; given two fewer it does not. */
  g_autofree char *path = portrait_test1();
  if (!path)
    return;
  g_autoptr(GArray) all = opencv_faces(path, NULL);
  g_autoptr(BoothFrame) full = load_image(path);
  const BoothFace *face = &g_array_index(all, BoothFace, 0);
  int cut = face->box.x - 100;
  g_assert_cmpint(cut, >, 0);
  g_autoptr(GArray) near = faces_shift(all, cut, 0, full->width - cut, full->height);
  g_autoptr(BoothFrame) near_frame = frame_cut(full, cut, 0, full->width - cut, full->height);
  framing_of(near_frame, near, p, &fr);
  print_framing("test1.jpg near the left edge", &fr);
  g_assert_false(fr.crop_ok);
  g_assert_cmpuint(fr.geometry.problems, ==, BOOTH_GEOMETRY_LEFT_EDGE);
  int need = fr.geometry.beyond[0];
  g_autofree char *say =
      g_strdup_printf("face too near the left edge: the crop needs %d px beyond the frame", need);
  g_assert_cmpstr(fr.crop_problem, ==, say);
  g_assert_true(booth_framing_has_hint(&fr, "move_left"));
  g_assert_cmpint(need, <=, cut);
  int head_top = fr.head_top;
  booth_framing_clear(&fr);
  for (int more = need - 2; more <= need; more += 2) {
    int x = cut - more;
    g_autoptr(GArray) f2 = faces_shift(all, x, 0, full->width - x, full->height);
    BoothGeometry g;
    g_autoptr(GString) problem = g_string_new(NULL);
    gboolean ok = booth_geometry_solve(p, &g_array_index(f2, BoothFace, 0), head_top,
                                       full->width - x, full->height, &g, problem);
    g_test_message("%d more columns: %s %s", more, ok ? "fits" : "does not fit", problem->str);
    g_assert_true(ok == (more == need));
  }

  /* The same photograph cut just above the hair: no room for the head-top band. */
  int top = fr.head_top = head_top - 20;
  g_assert_cmpint(top, >, 0);
  g_autoptr(GArray) high = faces_shift(all, 0, top, full->width, full->height - top);
  g_autoptr(BoothFrame) high_frame = frame_cut(full, 0, top, full->width, full->height - top);
  framing_of(high_frame, high, p, &fr);
  print_framing("test1.jpg near the top edge", &fr);
  g_assert_false(fr.crop_ok);
  g_assert_true(fr.geometry.problems & BOOTH_GEOMETRY_TOP_EDGE);
  g_assert_nonnull(strstr(fr.crop_problem, "face too near the top edge: the crop needs "));
  g_assert_true(booth_framing_has_hint(&fr, "move_down"));
  booth_framing_clear(&fr);
}

/* ---- background on the ID examples ---- */

/* The four ID photos of id-photo-examples.jpg stand side by side: the boundaries are the
 * columns where nearly every row changes sharply from one column to the next. */
static int
find_quarters(const BoothFrame *f, int starts[4], int ends[4])
{
  int n = 0, prev = -10;
  int edges[8];
  for (int x = 0; x + 1 < f->width && n < 8; x++) {
    int jumps = 0;
    for (int y = 0; y < f->height; y++) {
      const guint8 *a = f->data + (gsize)y * f->stride + x * 3;
      jumps += abs(a[0] - a[3]) + abs(a[1] - a[4]) + abs(a[2] - a[5]) > 40;
    }
    if (jumps > f->height * 8 / 10) {
      if (x > prev + 2)
        edges[n++] = x;
      prev = x;
    }
  }
  g_assert_cmpint(n, ==, 3);
  /* A few columns off each boundary: JPEG ringing belongs to neither photo. */
  for (int i = 0; i < 4; i++) {
    starts[i] = i == 0 ? 0 : edges[i - 1] + 4;
    ends[i] = i == 3 ? f->width : edges[i] - 2;
  }
  return n;
}

static void
test_background_id_examples(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/id-photo-examples.jpg");
  g_autoptr(GArray) all = opencv_faces(path, NULL);
  if (!all)
    return;
  g_autoptr(BoothFrame) sheet = load_image(path);
  int starts[4], ends[4];
  find_quarters(sheet, starts, ends);
  static const char *const names[] = {"red", "light-blue gradient", "white", "grey"};
  for (int q = 0; q < 4; q++) {
    int w = ends[q] - starts[q];
    g_test_message("%s: columns %d-%d", names[q], starts[q], ends[q]);
    g_autoptr(BoothFrame) frame = frame_cut(sheet, starts[q], 0, w, sheet->height);
    g_autoptr(GArray) faces = faces_shift(all, starts[q], 0, w, sheet->height);
    g_assert_cmpuint(faces->len, ==, 1);
    BoothFraming fr;
    framing_of(frame, faces, p, &fr);
    print_framing(names[q], &fr);
    g_autofree char *out = tmp_path("id.jpg");
    gsize bytes;
    int quality;
    g_autoptr(BoothFrame) photo = make_photo(frame, fr.geometry.crop, p, out, &bytes, &quality);
    g_autoptr(GArray) photo_faces = opencv_faces(out, NULL);
    g_autoptr(GArray) checks = booth_checks_run(photo, photo_faces, p, bytes, quality);
    print_checks(names[q], checks);
    gboolean blue = q == 1;
    g_assert_true(check_get(checks, "background_colour")->pass == blue);
    g_assert_true(booth_framing_has_hint(&fr, "background_not_blue") == !blue);
    booth_framing_clear(&fr);
  }
}

/* ---- faces, tilt, sharpness, hints ---- */

static void
test_several_faces(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("faces/dlib/2009_004587.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  g_autoptr(BoothFrame) frame = load_image(path);
  BoothFraming fr;
  framing_of(frame, faces, p, &fr);
  print_framing("2009_004587.jpg", &fr);
  /* dlib's annotations list the people in the photo. */
  g_autofree char *csv_path = data_path("faces/dlib/faces_landmarks.csv");
  g_autofree char *csv = NULL;
  g_assert_true(g_file_get_contents(csv_path, &csv, NULL, NULL));
  g_auto(GStrv) rows = g_strsplit(csv, "\n", -1);
  int annotated = 0;
  for (int i = 0; rows[i]; i++)
    annotated += strstr(rows[i], ",2009_004587.jpg,") != NULL;
  g_test_message("2009_004587.jpg: %d faces annotated, %u found by OpenCV", annotated, faces->len);
  g_assert_cmpint(annotated, ==, 2);
  g_assert_cmpint(fr.n_faces, ==, annotated);
  g_assert_cmpint(fr.n_other_faces, ==, 1);
  g_assert_true(booth_framing_has_hint(&fr, "several_faces"));
  booth_framing_clear(&fr);

  g_autoptr(GArray) none = faces_new();
  framing_of(frame, none, p, &fr);
  print_framing("2009_004587.jpg without faces", &fr);
  g_assert_cmpint(fr.n_hints, >=, 1);
  g_assert_cmpstr(fr.hints[0], ==, "no_face");
  g_assert_cmpfloat(fr.score, ==, 0);
  booth_framing_clear(&fr);
}

static void
test_tilt(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/test3.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  const BoothFace *f0 = &g_array_index(faces, BoothFace, 0);
  g_assert_true(f0->eye_left.found && f0->eye_right.found);
  double base = booth_framing_tilt(f0);
  g_test_message("test3.jpg as shot: tilt %.2f deg", base);
  static const int angles[] = {8, -8};
  for (gsize i = 0; i < G_N_ELEMENTS(angles); i++) {
    /* ffmpeg's rotate turns the picture clockwise by a positive angle, so the eye on the
     * image's right goes down: the tilt grows by that angle. */
    g_autofree char *filter = g_strdup_printf("rotate=%d*PI/180", angles[i]);
    g_autofree char *out = tmp_path("rotated.png");
    if (!ffmpeg(path, filter, out))
      return;
    g_autoptr(GArray) rf = opencv_faces(out, NULL);
    g_assert_cmpuint(rf->len, >=, 1);
    const BoothFace *f = &g_array_index(rf, BoothFace, 0);
    g_assert_true(f->eye_left.found && f->eye_right.found);
    g_autoptr(BoothFrame) frame = load_image(out);
    BoothFraming fr;
    framing_of(frame, rf, p, &fr);
    print_framing(filter, &fr);
    g_test_message("rotated %+d deg: tilt %.2f deg, change %.2f", angles[i], fr.tilt_deg,
                   fr.tilt_deg - base);
    g_assert_cmpfloat(fabs(fr.tilt_deg - base - angles[i]), <, 2.0);
    g_assert_true(booth_framing_has_hint(&fr, "straighten_head"));
    booth_framing_clear(&fr);
  }
}

static void
test_sharpness(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/test3.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  g_autofree char *blurred = tmp_path("blurred.png");
  if (!ffmpeg(path, "gblur=sigma=2", blurred))
    return;
  g_autoptr(BoothFrame) sharp = load_image(path);
  g_autoptr(BoothFrame) soft = load_image(blurred);
  BoothFraming a, b;
  framing_of(sharp, faces, p, &a);
  framing_of(soft, faces, p, &b);
  print_framing("test3.jpg", &a);
  print_framing("test3.jpg, gblur sigma 2", &b);
  g_test_message("sharpness %.1f -> %.1f blurred (min_sharpness %.1f); score %.3f -> %.3f",
                 a.sharpness, b.sharpness, p->min_sharpness, a.score, b.score);
  g_assert_cmpfloat(b.sharpness, <, a.sharpness / 3);
  g_assert_cmpfloat(a.sharpness, >=, p->min_sharpness);
  g_assert_cmpfloat(b.sharpness, <, p->min_sharpness);
  g_assert_cmpfloat(b.score, <, a.score);

  /* The same on the finished photos: the blurred one fails the sharpness check. */
  for (int i = 0; i < 2; i++) {
    g_autofree char *out = tmp_path("sharp.jpg");
    gsize bytes;
    int quality;
    g_autoptr(BoothFrame) photo =
        make_photo(i ? soft : sharp, (i ? &b : &a)->geometry.crop, p, out, &bytes, &quality);
    g_autoptr(GArray) photo_faces = opencv_faces(out, NULL);
    g_autoptr(GArray) checks = booth_checks_run(photo, photo_faces, p, bytes, quality);
    const BoothCheck *c = check_get(checks, "sharpness");
    g_test_message("%s photo: %s", i ? "blurred" : "sharp", c->message);
    g_assert_true(c->pass == (i == 0));
  }
  booth_framing_clear(&a);
  booth_framing_clear(&b);
}

/* A real portrait made darker and brighter by ffmpeg's eq filter. */
static void
test_exposure(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/test3.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  static const struct {
    const char *filter, *hint;
  } cases[] = {
      {"null", NULL},
      {"eq=brightness=-0.4", "too_dark"},
      {"eq=brightness=0.3", "too_bright"},
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *out = tmp_path("exposure.png");
    if (!ffmpeg(path, cases[i].filter, out))
      return;
    g_autoptr(BoothFrame) frame = load_image(out);
    BoothFraming fr;
    framing_of(frame, faces, p, &fr);
    print_framing(cases[i].filter, &fr);
    g_test_message("%s: face luma %.1f, clipped %.2f%% (bounds %d-%d, %.1f%%)", cases[i].filter,
                   fr.face_luma, fr.face_clipped * 100, p->luma_min, p->luma_max,
                   p->max_clipped * 100);
    g_assert_true(booth_framing_has_hint(&fr, "too_dark") ==
                  (cases[i].hint && strcmp(cases[i].hint, "too_dark") == 0));
    g_assert_true(booth_framing_has_hint(&fr, "too_bright") ==
                  (cases[i].hint && strcmp(cases[i].hint, "too_bright") == 0));
    booth_framing_clear(&fr);
  }
}

/* A face left of the frame's middle asks the student to move to their left (the image's
 * right is the student's left), and the other way round. */
static void
test_offset_hints(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/test4.jpg");
  g_autoptr(GArray) all = opencv_faces(path, NULL);
  if (!all)
    return;
  g_autoptr(BoothFrame) full = load_image(path);
  const BoothFace *f = &g_array_index(all, BoothFace, 0);
  int cx = f->box.x + f->box.width / 2;
  struct {
    int x, w;
    const char *expect, *not ;
  } cuts[] = {
      {cx - 455, 700, "move_right", "move_left"}, /* face on the image's right */
      {cx - 245, 700, "move_left", "move_right"}, /* face on the image's left */
  };
  for (gsize i = 0; i < G_N_ELEMENTS(cuts); i++) {
    int x = MAX(0, cuts[i].x), w = MIN(cuts[i].w, full->width - x);
    g_autoptr(BoothFrame) frame = frame_cut(full, x, 0, w, full->height);
    g_autoptr(GArray) faces = faces_shift(all, x, 0, w, full->height);
    BoothFraming fr;
    framing_of(frame, faces, p, &fr);
    print_framing(cuts[i].expect, &fr);
    g_assert_true(booth_framing_has_hint(&fr, cuts[i].expect));
    g_assert_false(booth_framing_has_hint(&fr, cuts[i].not ));
    g_assert_true((fr.offset_x > 0) == (strcmp(cuts[i].expect, "move_right") == 0));
    g_assert_cmpfloat(fabs(fr.offset_x_share), >, BOOTH_FRAMING_OFFSET_HINT);
    booth_framing_clear(&fr);
  }
}

/* ---- output formats and speed ---- */

static void
test_formats(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/test3.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  g_autoptr(BoothFrame) frame = load_image(path);
  BoothFraming fr;
  framing_of(frame, faces, p, &fr);
  g_autoptr(GVariant) v = g_variant_ref_sink(booth_framing_to_variant(&fr));
  g_assert_true(g_variant_is_of_type(v, G_VARIANT_TYPE("a{sv}")));
  int x, y, w, h;
  g_assert_true(g_variant_lookup(v, "face", "(iiii)", &x, &y, &w, &h));
  g_assert_cmpint(w, ==, fr.face.box.width);
  g_assert_true(g_variant_lookup(v, "crop", "(iiii)", &x, &y, &w, &h));
  double score, tilt;
  g_assert_true(g_variant_lookup(v, "score", "d", &score));
  g_assert_true(g_variant_lookup(v, "tilt", "d", &tilt));
  g_autoptr(GVariant) hints = g_variant_lookup_value(v, "hints", G_VARIANT_TYPE("as"));
  g_assert_nonnull(hints);
  g_autoptr(GVariant) bg = g_variant_lookup_value(v, "background", G_VARIANT_TYPE("a{sv}"));
  g_assert_nonnull(bg);

  g_autofree char *json = booth_framing_to_json(&fr);
  g_test_message("framing JSON: %s", json);
  g_autofree char *out = tmp_path("photo.jpg");
  gsize bytes;
  int quality;
  g_autoptr(BoothFrame) photo = make_photo(frame, fr.geometry.crop, p, out, &bytes, &quality);
  g_autoptr(GArray) pf = opencv_faces(out, NULL);
  g_autoptr(GArray) checks = booth_checks_run(photo, pf, p, bytes, quality);
  g_autoptr(GVariant) cv = g_variant_ref_sink(booth_checks_to_variant(checks));
  g_assert_true(g_variant_is_of_type(cv, G_VARIANT_TYPE("aa{sv}")));
  g_assert_cmpuint(g_variant_n_children(cv), ==, checks->len);
  for (gsize i = 0; i < g_variant_n_children(cv); i++) {
    g_autoptr(GVariant) c = g_variant_get_child_value(cv, i);
    const BoothCheck *k = &g_array_index(checks, BoothCheck, i);
    const char *name;
    g_assert_true(g_variant_lookup(c, "name", "&s", &name));
    g_assert_cmpstr(name, ==, k->name);
    double d;
    g_assert_true(g_variant_lookup(c, "min", "d", &d) == !isnan(k->min));
    g_assert_true(g_variant_lookup(c, "max", "d", &d) == !isnan(k->max));
  }
  g_autofree char *cj = booth_checks_to_json(checks);
  g_test_message("checks JSON: %s", cj);

  /* Both JSON texts parse (python's json module, a separate program). */
  const char *texts[] = {json, cj};
  for (int i = 0; i < 2; i++) {
    g_autofree char *file = tmp_path("out.json");
    g_assert_true(g_file_set_contents(file, texts[i], -1, NULL));
    const char *argv[] = {python(), "-c", "import json,sys; json.load(open(sys.argv[1]))", file,
                          NULL};
    int status;
    g_autoptr(GError) error = NULL;
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, NULL, &status,
                 &error);
    g_assert_no_error(error);
    g_assert_true(g_spawn_check_wait_status(status, NULL));
  }
  g_auto(GStrv) failed = booth_checks_failed(checks);
  g_autofree char *failed_s = g_strjoinv(",", failed);
  g_test_message("failed checks: [%s]", failed_s);
  booth_framing_clear(&fr);
}

/* Framing runs on every analysed frame: time it on a real 2426x851 photograph (2.06
 * megapixels, as many as a 1920x1080 frame) with its four faces. */
static void
test_speed(void)
{
  g_autoptr(BoothProfile) p = load_profile("chsi-final");
  g_autofree char *path = data_path("portraits/id-photo-examples.jpg");
  g_autoptr(GArray) faces = opencv_faces(path, NULL);
  if (!faces)
    return;
  g_autoptr(BoothFrame) frame = load_image(path);
  g_autofree guint8 *luma = booth_frame_to_luma(frame);
  const int runs = 50;
  gint64 best = G_MAXINT64, total = 0;
  for (int i = 0; i < runs; i++) {
    BoothFraming fr;
    booth_framing_measure(frame, luma, faces, p, &fr);
    best = MIN(best, fr.elapsed_us);
    total += fr.elapsed_us;
    booth_framing_clear(&fr);
  }
  gint64 t0 = g_get_monotonic_time();
  for (int i = 0; i < 10; i++)
    g_free(booth_frame_to_luma(frame));
  gint64 luma_us = (g_get_monotonic_time() - t0) / 10;
  g_test_message(
      "framing on %dx%d with %u faces: mean %.0f us, best %" G_GINT64_FORMAT
      " us over %d runs (luma conversion, done once per frame by the caller: %" G_GINT64_FORMAT
      " us)",
      frame->width, frame->height, faces->len, (double)total / runs, best, runs, luma_us);
  /* A few milliseconds is the budget; generous here for sanitizer builds. */
  g_assert_cmpint(best, <, 50000);
}

static void
remove_tmpdir(void)
{
  g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(tmpdir, name, NULL);
    g_unlink(p);
  }
  g_rmdir(tmpdir);
}

static int
cmp_float(gconstpointer a, gconstpointer b)
{
  float x = *(const float *)a, y = *(const float *)b;
  return x < y ? -1 : x > y;
}

/* The binned median against a sort, on what trips binning up: one value, two, all alike,
 * a few far outliers beside a tight cluster (the median's bin holds nearly everything),
 * many duplicates, negatives, values one float apart. */
static void
test_median(void)
{
  GRand *r = g_rand_new_with_seed(7);
  for (int round = 0; round < 400; round++) {
    int n = round < 8 ? round + 1 : g_rand_int_range(r, 1, 12000);
    g_autofree float *v = g_new(float, n);
    g_autofree float *sorted = g_new(float, n);
    for (int i = 0; i < n; i++) {
      switch (round % 5) {
      case 0:
        v[i] = (float)g_rand_double_range(r, -150, 150);
        break;
      case 1:
        v[i] = 42.0f;
        break;
      case 2: /* a cluster with far outliers */
        v[i] = i % 97 == 0 ? (float)g_rand_double_range(r, 1e3, 1e6)
                           : 3.0f + (float)g_rand_double_range(r, 0, 1e-3);
        break;
      case 3:
        v[i] = (float)g_rand_int_range(r, -3, 4);
        break;
      default: /* neighbouring floats */
        v[i] = nextafterf(1.0f, (float)g_rand_int_range(r, 0, 2) ? 2.0f : 0.0f) * (i % 3 ? 1 : 2);
        break;
      }
      sorted[i] = v[i];
    }
    qsort(sorted, (size_t)n, sizeof(float), cmp_float);
    g_assert_cmpfloat(booth_framing_median(v, n), ==, sorted[n / 2]);
  }
  g_rand_free(r);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  face_cache =
      g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_array_unref);
  g_autoptr(GError) error = NULL;
  tmpdir = g_dir_make_tmp("boothd-framing-XXXXXX", &error);
  g_assert_no_error(error);
  g_test_add_func("/framing/median", test_median);
  g_test_add_func("/framing/profile-keys", test_profile_keys);
  g_test_add_func("/framing/geometry-portrait", test_geometry_portrait);
  g_test_add_func("/framing/geometry-impossible", test_geometry_impossible);
  g_test_add_func("/framing/background-id-examples", test_background_id_examples);
  g_test_add_func("/framing/several-faces", test_several_faces);
  g_test_add_func("/framing/tilt", test_tilt);
  g_test_add_func("/framing/sharpness", test_sharpness);
  g_test_add_func("/framing/exposure", test_exposure);
  g_test_add_func("/framing/offset-hints", test_offset_hints);
  g_test_add_func("/framing/formats", test_formats);
  g_test_add_func("/framing/speed", test_speed);
  int rc = g_test_run();
  remove_tmpdir();
  g_free(tmpdir);
  g_hash_table_unref(face_cache);
  return rc;
}
