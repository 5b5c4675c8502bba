/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "checks.h"

#include <math.h>
#include <string.h>

#include "analysis/faces.h"
#include "analysis/framing.h"
#include "analysis/geometry.h"
#include "json.h"

/* Yellow tones run from mustard to pale lemon: the clothing is compared with the segment
 * between the two in CIELAB, so every lightness of yellow counts, not one swatch. */
static const guint8 yellow_dark[3] = {190, 150, 20};
static const guint8 yellow_light[3] = {255, 235, 110};

static void
check_clear(gpointer p)
{
  BoothCheck *c = p;
  g_free(c->name);
  g_free(c->message);
}

static char *
format_value(double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  /* Whole pixels and percents for large values, four digits for small ones (an aspect of
   * 0.7495 must not print as 0.75). */
  double r = fabs(v) >= 100 ? round(v) : fabs(v) >= 10 ? round(v * 10) / 10 : v;
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.4g", r));
}

/* Adds a check; the verdict comes from the bounds, the message says the value, the bound and,
 * when it fails, advice (may be NULL). */
static void
check_add(GArray *checks, const char *name, double value, double min, double max, const char *unit,
          const char *advice)
{
  BoothCheck c = {g_strdup(name), TRUE, value, min, max, unit, NULL};
  if (isnan(value) || (!isnan(min) && value < min) || (!isnan(max) && value > max))
    c.pass = FALSE;
  g_autofree char *v = format_value(value), *lo = format_value(min), *hi = format_value(max);
  const char *sp = *unit && strcmp(unit, "%") != 0 ? " " : "";
  GString *m = g_string_new(NULL);
  g_string_printf(m, "%s %s%s%s", name, v, sp, unit);
  if (isnan(min))
    g_string_append_printf(m, ", at most %s", hi);
  else if (isnan(max))
    g_string_append_printf(m, ", at least %s", lo);
  else if (min == max)
    g_string_append_printf(m, ", must be %s", lo);
  else
    g_string_append_printf(m, ", must be %s..%s", lo, hi);
  if (!c.pass && advice)
    g_string_append_printf(m, ": %s", advice);
  c.message = g_string_free(m, FALSE);
  g_array_append_val(checks, c);
}

typedef struct {
  double v[3];
  guint8 rgb[3];
} Lab;

/* The colour most of a region is: the fullest cell of a 10-unit CIELAB grid, refined to the
 * mean of the samples within 10 of it. A white shirt under a dark jacket is white or dark,
 * never the grey between. FALSE when the region is empty. */
static gboolean
dominant_colour(const BoothFrame *f, BoothRect r, double out[3], double rgb[3])
{
  enum { NL = 11, NA = 26, NB = 26 };
  if (r.width <= 0 || r.height <= 0)
    return FALSE;
  int step = MAX(1, (int)sqrt((double)r.width * r.height / 20000));
  g_autofree guint32 *count = g_new0(guint32, NL * NA * NB);
  g_autoptr(GArray) labs = g_array_new(FALSE, FALSE, sizeof(Lab));
  for (int y = r.y; y < r.y + r.height; y += step) {
    for (int x = r.x; x < r.x + r.width; x += step) {
      Lab lab;
      memcpy(lab.rgb, f->data + (gsize)y * f->stride + x * 3, 3);
      booth_color_to_lab(lab.rgb, lab.v);
      int l = CLAMP((int)(lab.v[0] / 10), 0, NL - 1);
      int a = CLAMP((int)((lab.v[1] + 128) / 10), 0, NA - 1);
      int b = CLAMP((int)((lab.v[2] + 128) / 10), 0, NB - 1);
      count[(l * NA + a) * NB + b]++;
      g_array_append_val(labs, lab);
    }
  }
  if (labs->len == 0)
    return FALSE;
  int best = 0;
  for (int i = 1; i < NL * NA * NB; i++)
    if (count[i] > count[best])
      best = i;
  double centre[3] = {(best / (NA * NB)) * 10 + 5, ((best / NB) % NA) * 10 - 128 + 5,
                      (best % NB) * 10 - 128 + 5};
  double sum[3] = {0}, sum_rgb[3] = {0};
  int n = 0;
  for (guint i = 0; i < labs->len; i++) {
    const Lab *lab = &g_array_index(labs, Lab, i);
    if (booth_color_distance(lab->v, centre) > 10)
      continue;
    for (int c = 0; c < 3; c++) {
      sum[c] += lab->v[c];
      sum_rgb[c] += lab->rgb[c];
    }
    n++;
  }
  for (int c = 0; c < 3; c++) {
    out[c] = n ? sum[c] / n : centre[c];
    rgb[c] = n ? sum_rgb[c] / n : NAN;
  }
  return TRUE;
}

static double
segment_distance(const double p[3], const double a[3], const double b[3])
{
  double ab[3], ap[3], t = 0, len2 = 0;
  for (int c = 0; c < 3; c++) {
    ab[c] = b[c] - a[c];
    ap[c] = p[c] - a[c];
    t += ab[c] * ap[c];
    len2 += ab[c] * ab[c];
  }
  t = len2 > 0 ? CLAMP(t / len2, 0, 1) : 0;
  double q[3];
  for (int c = 0; c < 3; c++)
    q[c] = a[c] + t * ab[c];
  return booth_color_distance(p, q);
}

static BoothRect
box_clip(BoothRect b, int w, int h)
{
  int x0 = CLAMP(b.x, 0, w), y0 = CLAMP(b.y, 0, h);
  int x1 = CLAMP(b.x + b.width, 0, w), y1 = CLAMP(b.y + b.height, 0, h);
  return (BoothRect){x0, y0, x1 - x0, y1 - y0};
}

static void
check_clothing(GArray *checks, const BoothFrame *photo, const BoothProfile *p,
               const BoothFace *face, const BoothBackground *bg)
{
  const BoothRect *b = &face->box;
  double fw = booth_geometry_face_width(p, face), cx = booth_geometry_face_centre(face);
  /* From a fifth of a box below the chin (past the neck) to the bottom, as wide as the face
   * and a fifth on each side: the shirt and the jacket, not the background beside them. */
  int y0 = (int)(b->y + (BOOTH_FACE_CHIN_IN_BOX + 0.2) * b->height);
  BoothRect region =
      box_clip((BoothRect){(int)(cx - 0.6 * fw), y0, (int)(1.2 * fw), photo->height - y0},
               photo->width, photo->height);
  BoothRect skin_region = box_clip(
      (BoothRect){b->x + b->width / 5, b->y + b->height / 3, b->width * 3 / 5, b->height / 2},
      photo->width, photo->height);
  double cloth[3], skin[3], back[3], y_dark[3], y_light[3], cloth_rgb[3], skin_rgb[3];
  if (region.height < 4 || region.width < 4 || !dominant_colour(photo, region, cloth, cloth_rgb)) {
    BoothCheck c = {g_strdup("clothing"),
                    FALSE,
                    NAN,
                    p->clothing_min_distance,
                    NAN,
                    "dE",
                    g_strdup("clothing: none below the chin: frame the shoulders too")};
    g_array_append_val(checks, c);
    return;
  }
  if (bg->samples)
    memcpy(back, bg->lab, sizeof back);
  else
    booth_color_to_lab(p->background, back);
  booth_color_to_lab(yellow_dark, y_dark);
  booth_color_to_lab(yellow_light, y_light);
  double d_back = booth_color_distance(cloth, back);
  double d_skin = dominant_colour(photo, skin_region, skin, skin_rgb)
                      ? booth_color_distance(cloth, skin)
                      : INFINITY;
  double d_yellow = segment_distance(cloth, y_dark, y_light);
  double d = MIN(d_back, MIN(d_skin, d_yellow));
  const char *near = d == d_back ? "the background" : d == d_skin ? "the skin tone" : "yellow";
  g_autofree char *advice = g_strdup_printf(
      "the clothing (RGB %.0f,%.0f,%.0f) is close to %s: wear a colour that stands apart from it",
      cloth_rgb[0], cloth_rgb[1], cloth_rgb[2], near);
  check_add(checks, "clothing", round(d * 10) / 10, p->clothing_min_distance, NAN, "dE", advice);
}

GArray *
booth_checks_run(const BoothFrame *photo, const GArray *faces, const BoothProfile *p,
                 gsize jpeg_bytes, int quality)
{
  g_assert(photo && faces && p);
  g_assert(g_array_get_element_size((GArray *)faces) == sizeof(BoothFace));
  GArray *checks = g_array_new(FALSE, FALSE, sizeof(BoothCheck));
  g_array_set_clear_func(checks, check_clear);
  g_autofree guint8 *luma = booth_frame_to_luma(photo);

  const BoothFace *face = NULL;
  for (guint i = 0; i < faces->len; i++) {
    const BoothFace *f = &g_array_index(faces, BoothFace, i);
    if (!face || (gint64)f->box.width * f->box.height > (gint64)face->box.width * face->box.height)
      face = f;
  }
  /* A detection much smaller than the face is a pattern on a shirt or a poster, not a
   * second person: the same rule as the framing's several_faces hint. */
  int people = 0;
  for (guint i = 0; face && i < faces->len; i++)
    people += g_array_index(faces, BoothFace, i).box.width >=
              BOOTH_FRAMING_OTHER_FACE_SHARE * face->box.width;
  if (!face)
    check_add(checks, "one_face", 0, 1, 1, "",
              "no face found, so the face checks could not be made");
  else
    check_add(checks, "one_face", people, 1, 1, "", "the photo must show one person only");

  BoothRect whole = {0, 0, photo->width, photo->height};
  double eye_line = face ? booth_geometry_eye_line(face) : photo->height / 2.0;
  int side_bottom = face ? (int)(eye_line + face->box.height / 2.0) : photo->height / 2;
  BoothBackground bg;
  booth_background_measure(photo, whole, side_bottom, p->background, &bg);

  if (face) {
    int eyes = face->eye_left.found + face->eye_right.found;
    check_add(checks, "both_eyes", eyes, 2, NAN, "",
              "eyes must be open and visible: no hair, frames or glare over them");
    double tilt = booth_framing_tilt(face);
    if (!isnan(tilt))
      check_add(checks, "tilt", round(tilt * 10) / 10, -p->max_tilt_deg, p->max_tilt_deg, "deg",
                "hold the head level");
    double offset = booth_geometry_face_centre(face) - photo->width / 2.0;
    check_add(checks, "centred", round(offset), -p->centre_max, p->centre_max, "px",
              "the face must sit in the middle, left to right");
    gboolean at_edge = FALSE;
    int head_top = booth_framing_find_head_top(photo, &bg, &face->box, &at_edge);
    check_add(checks, "head_top", head_top >= 0 ? head_top : NAN, p->head_top_min, p->head_top_max,
              "px",
              head_top < 0 ? "the top of the head could not be told from the background"
              : at_edge    ? "the head is cut by the top edge"
              : head_top < p->head_top_min ? "too little room above the head"
                                           : "too much room above the head");
    gboolean estimated = !face->eye_left.found && !face->eye_right.found;
    check_add(checks, "eye_line", round(eye_line), p->eye_line_min, p->eye_line_max, "px",
              estimated ? "eye line (estimated from the face box) out of its band"
                        : "the eyes sit too high or too low in the photo");
    check_add(checks, "face_width", round(booth_geometry_face_width(p, face)), p->face_width_min,
              p->face_width_max, "px", "the face is too small or too large in the photo");
  }

  check_add(checks, "background_colour", round(bg.distance * 10) / 10, NAN, p->bg_max_distance,
            "dE", "the background is not the profile's colour");
  check_add(checks, "background_even", round(bg.spread * 10) / 10, NAN, p->bg_max_spread, "dE",
            "the background is blotchy or shadowed");
  check_add(checks, "background_gradient", round(bg.gradient * 10) / 10, NAN, p->bg_max_gradient,
            "dE", "the background is lit unevenly from one side to the other");
  check_add(checks, "background_clean", round(bg.foreign * 1000) / 10, NAN, p->bg_max_foreign * 100,
            "%", "something other than the backdrop shows beside or above the head");

  if (face) {
    double mean, clipped;
    booth_framing_measure_exposure(luma, photo->width, photo->height, &face->box, &mean, &clipped);
    check_add(checks, "face_luma", round(mean * 10) / 10, p->luma_min, p->luma_max, "",
              mean < p->luma_min ? "the face is too dark" : "the face is too bright");
    check_add(checks, "face_clipped", round(clipped * 1000) / 10, NAN, p->max_clipped * 100, "%",
              "highlights on the face are burnt out");
    double sharp =
        booth_framing_measure_sharpness(luma, photo->width, photo->height, &face->box, 1.0);
    check_add(checks, "sharpness", round(sharp * 10) / 10, p->min_sharpness, NAN, "",
              "the face is blurred: hold still, check the focus");
    check_clothing(checks, photo, p, face, &bg);
  }

  check_add(checks, "file_size", round((double)jpeg_bytes / 1024.0 * 10) / 10, p->min_kb, p->max_kb,
            "KiB", NULL);
  check_add(checks, "width", photo->width, p->width, p->width, "px", NULL);
  check_add(checks, "height", photo->height, p->height, p->height, "px", NULL);
  double aspect = (double)p->aspect_w / p->aspect_h;
  check_add(checks, "aspect", round((double)photo->width / photo->height * 1e4) / 1e4,
            aspect - 5e-4, aspect + 5e-4, "w/h", NULL);
  check_add(checks, "jpeg_quality", quality, p->min_quality, 100, "", NULL);
  return checks;
}

void
booth_checks_free(GArray *checks)
{
  if (checks)
    g_array_unref(checks);
}

const BoothCheck *
booth_checks_find(const GArray *checks, const char *name)
{
  g_assert(checks && name);
  for (guint i = 0; i < checks->len; i++) {
    const BoothCheck *c = &g_array_index(checks, BoothCheck, i);
    if (strcmp(c->name, name) == 0)
      return c;
  }
  return NULL;
}

char **
booth_checks_failed(const GArray *checks)
{
  g_assert(checks);
  GPtrArray *failed = g_ptr_array_new();
  for (guint i = 0; i < checks->len; i++) {
    const BoothCheck *c = &g_array_index(checks, BoothCheck, i);
    if (!c->pass)
      g_ptr_array_add(failed, g_strdup(c->name));
  }
  g_ptr_array_add(failed, NULL);
  return (char **)g_ptr_array_free(failed, FALSE);
}

char *
booth_checks_to_json(const GArray *checks)
{
  g_assert(checks);
  GString *js = g_string_new("[");
  for (guint i = 0; i < checks->len; i++) {
    const BoothCheck *k = &g_array_index(checks, BoothCheck, i);
    g_string_append(js, i ? ",{\"name\":" : "{\"name\":");
    booth_json_string(js, k->name);
    g_string_append_printf(js, ",\"pass\":%s,\"value\":", k->pass ? "true" : "false");
    booth_json_number(js, k->value);
    g_string_append(js, ",\"min\":");
    booth_json_number(js, k->min);
    g_string_append(js, ",\"max\":");
    booth_json_number(js, k->max);
    g_string_append(js, ",\"unit\":");
    booth_json_string(js, k->unit);
    g_string_append(js, ",\"message\":");
    booth_json_string(js, k->message);
    g_string_append_c(js, '}');
  }
  g_string_append_c(js, ']');
  return g_string_free(js, FALSE);
}

GVariant *
booth_checks_to_variant(const GArray *checks)
{
  g_assert(checks);
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE("aa{sv}"));
  for (guint i = 0; i < checks->len; i++) {
    const BoothCheck *k = &g_array_index(checks, BoothCheck, i);
    GVariantDict d;
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", k->name);
    g_variant_dict_insert(&d, "pass", "b", k->pass);
    g_variant_dict_insert(&d, "value", "d", k->value);
    if (!isnan(k->min))
      g_variant_dict_insert(&d, "min", "d", k->min);
    if (!isnan(k->max))
      g_variant_dict_insert(&d, "max", "d", k->max);
    g_variant_dict_insert(&d, "unit", "s", k->unit);
    g_variant_dict_insert(&d, "message", "s", k->message);
    g_variant_builder_add_value(&b, g_variant_dict_end(&d));
  }
  return g_variant_builder_end(&b);
}
