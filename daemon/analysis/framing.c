/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "framing.h"

#include <math.h>
#include <string.h>

#include "json.h"

/* Border samples per background fit: enough for a stable plane, few enough for a 1080p frame
 * to cost well under a millisecond. */
#define BACKGROUND_SAMPLES 8000
/* A head-top sample differs from the background by three times the background's own spread
 * (the hair's edge, not the backdrop's noise), but by at least HEAD_DE_MIN and never more
 * than HEAD_DE_MAX (CIE76): on a busy background the spread is large, while dark hair stays
 * far from any backdrop. */
#define HEAD_DE_MIN 12.0
#define HEAD_DE_MAX 25.0
/* The skull's top lies well above this many box heights over the box's top (the brows; the
 * portraits here measure 0.9 to 1.4): the search starts there, past the forehead. */
#define HEAD_MIN_ABOVE_BOX 0.3
/* A row belongs to the head when this share of its samples is not background. */
#define HEAD_ROW_SHARE 0.15

static float srgb_linear[256];
/* CIELAB's f(t) on 0..1 (D65-normalised XYZ of sRGB colours stays inside), interpolated
 * linearly: a cube root per channel per sample was a third of the framing time. The error
 * is below 0.05 in L*, a tenth of what a person can see. */
#define LAB_F_STEPS 4096
static float lab_f_table[LAB_F_STEPS + 2];

static void
lab_init(void)
{
  static gsize done = 0;
  if (g_once_init_enter(&done)) {
    for (int i = 0; i < 256; i++) {
      double c = i / 255.0;
      srgb_linear[i] = (float)(c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4));
    }
    for (int i = 0; i < LAB_F_STEPS + 2; i++) {
      double t = (double)i / LAB_F_STEPS;
      lab_f_table[i] = (float)(t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0);
    }
    g_once_init_leave(&done, 1);
  }
}

static inline float
lab_f(float t)
{
  float x = CLAMP(t, 0.0f, 1.0f) * LAB_F_STEPS;
  int i = (int)x;
  return lab_f_table[i] + (lab_f_table[i + 1] - lab_f_table[i]) * (x - (float)i);
}

static inline void
lab_of(const guint8 *rgb, float lab[3])
{
  float r = srgb_linear[rgb[0]], g = srgb_linear[rgb[1]], b = srgb_linear[rgb[2]];
  float x = (0.4124f * r + 0.3576f * g + 0.1805f * b) / 0.95047f;
  float y = 0.2126f * r + 0.7152f * g + 0.0722f * b;
  float z = (0.0193f * r + 0.1192f * g + 0.9505f * b) / 1.08883f;
  float fx = lab_f(x), fy = lab_f(y), fz = lab_f(z);
  lab[0] = 116 * fy - 16;
  lab[1] = 500 * (fx - fy);
  lab[2] = 200 * (fy - fz);
}

void
booth_color_to_lab(const guint8 rgb[3], double lab[3])
{
  g_assert(rgb && lab);
  lab_init();
  float l[3];
  lab_of(rgb, l);
  for (int i = 0; i < 3; i++)
    lab[i] = l[i];
}

double
booth_color_distance(const double a[3], const double b[3])
{
  g_assert(a && b);
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) +
              (a[2] - b[2]) * (a[2] - b[2]));
}

static BoothRect
box_clip(BoothRect b, int w, int h)
{
  int x0 = CLAMP(b.x, 0, w), y0 = CLAMP(b.y, 0, h);
  int x1 = CLAMP(b.x + b.width, 0, w), y1 = CLAMP(b.y + b.height, 0, h);
  return (BoothRect){x0, y0, x1 - x0, y1 - y0};
}

/* Solves the 3x3 system m x = r (Cramer); FALSE when it is singular. */
static gboolean
solve3(const double m[3][3], const double r[3], double x[3])
{
  double det = m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
               m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
               m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
  if (fabs(det) < 1e-12)
    return FALSE;
  for (int k = 0; k < 3; k++) {
    double t[3][3];
    memcpy(t, m, sizeof t);
    for (int i = 0; i < 3; i++)
      t[i][k] = r[i];
    x[k] = (t[0][0] * (t[1][1] * t[2][2] - t[1][2] * t[2][1]) -
            t[0][1] * (t[1][0] * t[2][2] - t[1][2] * t[2][0]) +
            t[0][2] * (t[1][0] * t[2][1] - t[1][1] * t[2][0])) /
           det;
  }
  return TRUE;
}

/* The k-th smallest of v[0..n-1] (reordered in place): quickselect. */
static float
select_kth(float *v, int n, int k)
{
  int lo = 0, hi = n - 1;
  while (lo < hi) {
    float pivot = v[(lo + hi) / 2];
    int i = lo, j = hi;
    while (i <= j) {
      while (v[i] < pivot)
        i++;
      while (v[j] > pivot)
        j--;
      if (i <= j) {
        float t = v[i];
        v[i++] = v[j];
        v[j--] = t;
      }
    }
    if (k <= j)
      hi = j;
    else if (k >= i)
      lo = i;
    else
      break;
  }
  return v[k];
}

#define MEDIAN_BINS 1024

/* The median of v[0..n-1] (its n / 2-th smallest; v is reordered): the values are counted
 * into bins between the least and the greatest, and only the bin that holds the median is
 * searched. Quickselect over all of them took a mispredicted branch for nearly every value,
 * and seven medians were a third of the background's time. A value's bin never decreases as
 * the value grows, so every value in a lower bin is smaller: the answer is exact. */
float
booth_framing_median(float *v, int n)
{
  g_assert(v && n > 0);
  int k = n / 2;
  /* Eight running bounds, which the compiler keeps in one vector each. */
  float los[8], his[8];
  for (int j = 0; j < 8; j++)
    los[j] = his[j] = v[0];
  int i8 = n / 8 * 8;
  for (int i = 0; i < i8; i += 8)
    for (int j = 0; j < 8; j++) {
      los[j] = v[i + j] < los[j] ? v[i + j] : los[j];
      his[j] = v[i + j] > his[j] ? v[i + j] : his[j];
    }
  for (int i = i8; i < n; i++) {
    los[0] = v[i] < los[0] ? v[i] : los[0];
    his[0] = v[i] > his[0] ? v[i] : his[0];
  }
  float lo = los[0], hi = his[0];
  for (int j = 1; j < 8; j++) {
    lo = MIN(lo, los[j]);
    hi = MAX(hi, his[j]);
  }
  if (!(hi > lo))
    return lo;
  float scale = (float)(MEDIAN_BINS - 1) / (hi - lo);
  /* Four counts per bin, taken in turn: a run of values in one bin does not wait on its own
   * last increment. */
  guint32 count[4][MEDIAN_BINS] = {{0}};
#define BIN(x) MIN((int)(((x)-lo) * scale), MEDIAN_BINS - 1)
  for (int i = 0; i < n; i++)
    count[i & 3][BIN(v[i])]++;
  int bin = 0, below = 0;
  for (;; bin++) {
    int c = (int)(count[0][bin] + count[1][bin] + count[2][bin] + count[3][bin]);
    if (below + c > k)
      break;
    below += c;
  }
  int m = 0;
  for (int i = 0; i < n; i++)
    if (BIN(v[i]) == bin)
      v[m++] = v[i];
#undef BIN
  return select_kth(v, m, k - below);
}

typedef struct {
  float u, v;
  float lab[3];
  guint8 rgb[3];
} Sample;

static inline void
plane_at(const double plane[3][3], double u, double v, double lab[3])
{
  for (int c = 0; c < 3; c++)
    lab[c] = plane[c][0] + plane[c][1] * u + plane[c][2] * v;
}

static inline double
sample_residual(const double plane[3][3], const Sample *s)
{
  double p[3];
  plane_at(plane, s->u, s->v, p);
  double d0 = s->lab[0] - p[0], d1 = s->lab[1] - p[1], d2 = s->lab[2] - p[2];
  return sqrt(d0 * d0 + d1 * d1 + d2 * d2);
}

/* Least squares of lab against (1, u, v) over the inliers; a flat colour when the samples do
 * not span both directions. */
static void
plane_fit(const Sample *s, const gboolean *in, int n, double plane[3][3])
{
  /* Each sum in a variable of its own, so they build side by side in registers (the same
   * sums, in the same order, as a loop over the matrix makes). */
  double k = 0, su = 0, sv = 0, suu = 0, suv = 0, svv = 0;
  double sl[3] = {0}, slu[3] = {0}, slv[3] = {0};
  for (int i = 0; i < n; i++) {
    if (!in[i])
      continue;
    double u = s[i].u, v = s[i].v;
    k += 1, su += u, sv += v, suu += u * u, suv += u * v, svv += v * v;
    for (int c = 0; c < 3; c++) {
      double l = s[i].lab[c];
      sl[c] += l, slu[c] += u * l, slv[c] += v * l;
    }
  }
  double m[3][3] = {{k, su, sv}, {su, suu, suv}, {sv, suv, svv}};
  double r[3][3];
  for (int c = 0; c < 3; c++)
    r[c][0] = sl[c], r[c][1] = slu[c], r[c][2] = slv[c];
  for (int c = 0; c < 3; c++) {
    if (!solve3(m, r[c], plane[c])) {
      plane[c][0] = m[0][0] > 0 ? r[c][0] / m[0][0] : 0;
      plane[c][1] = plane[c][2] = 0;
    }
  }
}

void
booth_background_measure(const BoothFrame *frame, BoothRect rect, int side_bottom,
                         const guint8 colour[3], BoothBackground *out)
{
  g_assert(frame && colour && out);
  lab_init();
  memset(out, 0, sizeof *out);
  rect = box_clip(rect, frame->width, frame->height);
  out->rect = rect;
  if (rect.width < 2 || rect.height < 2)
    return;

  int top = MAX(1, rect.height * 5 / 100), side = MAX(1, rect.width * 7 / 100);
  side_bottom = CLAMP(side_bottom, rect.y + top, rect.y + rect.height);
  double area = (double)rect.width * top + 2.0 * side * (side_bottom - rect.y - top);
  int step = MAX(1, (int)sqrt(area / BACKGROUND_SAMPLES));

  int cap = (int)(area / ((double)step * step)) + 2 * rect.width + 4 * rect.height + 16;
  g_autofree Sample *s = g_new(Sample, cap);
  int n = 0;
  for (int y = rect.y; y < side_bottom; y += step) {
    const guint8 *row = frame->data + (gsize)y * frame->stride;
    /* The top strip is sampled across; below it, the left and the right strips only. */
    int spans[2][2] = {{rect.x, rect.x + side}, {rect.x + rect.width - side, rect.x + rect.width}};
    if (y < rect.y + top)
      spans[0][1] = rect.x + rect.width, spans[1][0] = spans[1][1];
    for (int k = 0; k < 2; k++) {
      for (int x = spans[k][0]; x < spans[k][1] && n < cap; x += step) {
        Sample *p = &s[n++];
        p->u = (float)((x - rect.x + 0.5) / rect.width - 0.5);
        p->v = (float)((y - rect.y + 0.5) / rect.height - 0.5);
        memcpy(p->rgb, row + x * 3, 3);
        lab_of(p->rgb, p->lab);
      }
    }
  }
  out->samples = n;
  if (n == 0)
    return;

  /* Robust: start from the median colour, which hair or an object over up to half the
   * border cannot move; keep what lies near the model, fit the plane to that, repeat. */
  g_autofree gboolean *in = g_new(gboolean, n);
  g_autofree float *channel = g_new(float, n);
  g_autofree float *resid = g_new(float, n);
  memset(out->plane, 0, sizeof out->plane);
  for (int c = 0; c < 3; c++) {
    for (int i = 0; i < n; i++)
      channel[i] = s[i].lab[c];
    out->plane[c][0] = booth_framing_median(channel, n);
  }
  for (int iter = 0; iter < 4; iter++) {
    for (int i = 0; i < n; i++)
      channel[i] = resid[i] = (float)sample_residual(out->plane, &s[i]);
    /* The limit follows the typical residual (the median), so a gradient the plane has not
     * yet taken up widens it, and clutter does not. */
    double limit = MAX(10.0, 3 * 1.4826 * booth_framing_median(channel, n));
    int kept = 0;
    for (int i = 0; i < n; i++)
      kept += in[i] = resid[i] < limit;
    if (kept < 3) /* nothing dominates: keep every sample */
      for (int i = 0; i < n; i++)
        in[i] = TRUE;
    plane_fit(s, in, n, out->plane);
  }

  /* Every sample is either foreign or counts in the spread: a soft shadow just below the
   * foreign distance must still show somewhere. The colour is that of the fit's inliers. */
  double sum = 0, lab[3] = {0}, rgb[3] = {0};
  int k = 0, foreign = 0;
  for (int i = 0; i < n; i++) {
    double r = sample_residual(out->plane, &s[i]);
    if (r > BOOTH_BACKGROUND_FOREIGN_DE)
      foreign++;
    else
      sum += r * r;
    if (!in[i])
      continue;
    for (int c = 0; c < 3; c++) {
      lab[c] += s[i].lab[c];
      rgb[c] += s[i].rgb[c];
    }
    k++;
  }
  for (int c = 0; c < 3; c++) {
    out->lab[c] = lab[c] / k;
    out->rgb[c] = rgb[c] / k;
  }
  out->spread = foreign < n ? sqrt(sum / (n - foreign)) : 0;
  out->foreign = (double)foreign / n;
  double gu = 0, gv = 0;
  for (int c = 0; c < 3; c++) {
    gu += out->plane[c][1] * out->plane[c][1];
    gv += out->plane[c][2] * out->plane[c][2];
  }
  out->gradient = sqrt(MAX(gu, gv));
  double ref[3];
  booth_color_to_lab(colour, ref);
  out->distance = booth_color_distance(out->lab, ref);
}

double
booth_background_residual(const BoothBackground *bg, const BoothFrame *frame, int x, int y)
{
  g_assert(bg && frame);
  g_assert(x >= 0 && y >= 0 && x < frame->width && y < frame->height);
  if (bg->rect.width <= 0 || bg->rect.height <= 0)
    return 0;
  Sample s = {
      .u = (float)((x - bg->rect.x + 0.5) / bg->rect.width - 0.5),
      .v = (float)((y - bg->rect.y + 0.5) / bg->rect.height - 0.5),
  };
  lab_init();
  lab_of(frame->data + (gsize)y * frame->stride + x * 3, s.lab);
  return sample_residual(bg->plane, &s);
}

int
booth_framing_find_head_top(const BoothFrame *frame, const BoothBackground *bg,
                            const BoothRect *face, gboolean *at_edge)
{
  g_assert(frame && bg && face);
  if (at_edge)
    *at_edge = FALSE;
  if (bg->samples == 0 || face->height <= 0)
    return -1;
  int x0 = CLAMP(face->x + face->width / 5, 0, frame->width - 1);
  int x1 = CLAMP(face->x + face->width * 4 / 5, x0 + 1, frame->width);
  int xstep = MAX(1, (x1 - x0) / 48);
  int gap = MAX(2, face->height / 16);
  int limit = MAX(0, face->y - face->height * 2);
  double threshold = CLAMP(3 * bg->spread, HEAD_DE_MIN, HEAD_DE_MAX);

  /* The forehead is head whatever its colour next to the backdrop: start above it. */
  int start = MIN(face->y - (int)(HEAD_MIN_ABOVE_BOX * face->height), frame->height - 1);
  if (start <= 0) {
    if (at_edge)
      *at_edge = TRUE;
    return 0;
  }
  int last = -1, y;
  for (y = start; y >= limit; y--) {
    int n = 0, foreign = 0;
    for (int x = x0; x < x1; x += xstep, n++)
      foreign += booth_background_residual(bg, frame, x, y) > threshold;
    if (foreign >= HEAD_ROW_SHARE * n)
      last = y;
    else if ((last < 0 ? start : last) - y > gap)
      break;
  }
  if (last < 0)
    return -1; /* background right above the forehead: no hair or skull to be seen */
  if (y < limit && last <= limit + gap) {
    /* Still in the head where the search stopped. */
    if (limit > 0)
      return -1;
    if (at_edge)
      *at_edge = TRUE;
    return 0;
  }
  return last;
}

static BoothRect
face_inner(const BoothRect *face, int width, int height)
{
  BoothRect r = {face->x + face->width * 15 / 100, face->y + face->height / 10,
                 face->width * 70 / 100, face->height * 80 / 100};
  return box_clip(r, width, height);
}

void
booth_framing_measure_exposure(const guint8 *luma, int width, int height, const BoothRect *face,
                               double *mean, double *clipped)
{
  g_assert(luma && face && mean && clipped);
  BoothRect r = face_inner(face, width, height);
  guint64 sum = 0, n = 0, hot = 0;
  for (int y = r.y; y < r.y + r.height; y++) {
    const guint8 *row = luma + (gsize)y * width;
    for (int x = r.x; x < r.x + r.width; x++) {
      sum += row[x];
      hot += row[x] >= BOOTH_FRAMING_CLIPPED_LUMA;
    }
    n += r.width;
  }
  *mean = n ? (double)sum / n : NAN;
  *clipped = n ? (double)hot / n : NAN;
}

double
booth_framing_measure_sharpness(const guint8 *luma, int width, int height, const BoothRect *face,
                                double scale)
{
  g_assert(luma && face);
  BoothRect r = face_inner(face, width, height);
  int block = scale > 0 && scale < 1 ? MAX(1, (int)lround(1 / scale)) : 1;
  int w = r.width / block, h = r.height / block;
  if (w < 3 || h < 3)
    return NAN;
  g_autofree float *img = g_new(float, (gsize)w *h);
  for (int y = 0; y < h; y++) {
    for (int x = 0; x < w; x++) {
      guint sum = 0;
      for (int dy = 0; dy < block; dy++) {
        const guint8 *row = luma + (gsize)(r.y + y * block + dy) * width + r.x + x * block;
        for (int dx = 0; dx < block; dx++)
          sum += row[dx];
      }
      img[y * w + x] = (float)sum / (block * block);
    }
  }
  double s = 0, s2 = 0;
  gsize n = 0;
  for (int y = 1; y < h - 1; y++) {
    for (int x = 1; x < w - 1; x++) {
      const float *p = img + y * w + x;
      double lap = p[-1] + p[1] + p[-w] + p[w] - 4 * p[0];
      s += lap;
      s2 += lap * lap;
      n++;
    }
  }
  double m = s / n;
  return s2 / n - m * m;
}

double
booth_framing_tilt(const BoothFace *face)
{
  g_assert(face);
  if (!face->eye_left.found || !face->eye_right.found)
    return NAN;
  return atan2(face->eye_right.y - face->eye_left.y, face->eye_right.x - face->eye_left.x) * 180 /
         G_PI;
}

static void
hint_add(BoothFraming *f, const char *hint)
{
  if (f->n_hints < BOOTH_FRAMING_MAX_HINTS)
    f->hints[f->n_hints++] = hint;
}

gboolean
booth_framing_has_hint(const BoothFraming *f, const char *hint)
{
  g_assert(f && hint);
  for (int i = 0; i < f->n_hints; i++)
    if (strcmp(f->hints[i], hint) == 0)
      return TRUE;
  return FALSE;
}

/* 1 at zero, 0.5 at the bound, 0 at twice the bound. */
static double
ramp(double x, double bound)
{
  if (bound <= 0)
    return x <= 0 ? 1 : 0;
  return CLAMP(1 - fabs(x) / (2 * bound), 0, 1);
}

static double
framing_score(const BoothFraming *f, const BoothProfile *p)
{
  if (!f->has_face)
    return 0;
  double geometry = f->crop_ok ? 1 : f->geometry.problems == BOOTH_GEOMETRY_HEAD_TOP ? 0.5 : 0;
  double tilt = isnan(f->tilt_deg) ? 0.5 : ramp(f->tilt_deg, p->max_tilt_deg);
  double sharp = isnan(f->sharpness) ? 0 : f->sharpness / (f->sharpness + MAX(p->min_sharpness, 1));
  double mid = (p->luma_min + p->luma_max) / 2.0, half = MAX(1, (p->luma_max - p->luma_min) / 2.0);
  double exposure = isnan(f->face_luma) ? 0
                                        : CLAMP(1 - fabs(f->face_luma - mid) / (2 * half), 0, 1) *
                                              ramp(f->face_clipped, p->max_clipped);
  const BoothBackground *b = &f->background;
  double bg = MIN(MIN(ramp(b->distance, p->bg_max_distance), ramp(b->spread, p->bg_max_spread)),
                  MIN(ramp(b->gradient, p->bg_max_gradient), ramp(b->foreign, p->bg_max_foreign)));
  double one = f->n_other_faces == 0 ? 1 : 0;
  return 0.30 * geometry + 0.15 * tilt + 0.20 * sharp + 0.15 * exposure + 0.10 * bg + 0.10 * one;
}

static void
background_hints(BoothFraming *f, const BoothProfile *p)
{
  const BoothBackground *b = &f->background;
  if (b->samples == 0)
    return;
  if (b->spread > p->bg_max_spread || b->gradient > p->bg_max_gradient ||
      b->foreign > p->bg_max_foreign)
    hint_add(f, "background_uneven");
  if (b->distance > p->bg_max_distance)
    hint_add(f, "background_not_blue");
}

void
booth_framing_measure(const BoothFrame *frame, const guint8 *luma, const GArray *faces,
                      const BoothProfile *p, BoothFraming *out)
{
  g_assert(frame && faces && p && out);
  g_assert(g_array_get_element_size((GArray *)faces) == sizeof(BoothFace));
  gint64 t0 = g_get_monotonic_time();
  memset(out, 0, sizeof *out);
  out->tilt_deg = out->eye_line = out->face_width = NAN;
  out->face_luma = out->face_clipped = out->sharpness = NAN;
  out->head_top = -1;
  out->n_faces = (int)faces->len;
  g_autofree guint8 *own_luma = NULL;
  if (!luma)
    luma = own_luma = booth_frame_to_luma(frame);

  if (faces->len == 0) {
    /* Still say what the background is like: the booth is set up before anyone sits. */
    int m = MIN(frame->width / p->aspect_w, frame->height / p->aspect_h);
    BoothRect r = {(frame->width - m * p->aspect_w) / 2, (frame->height - m * p->aspect_h) / 2,
                   m * p->aspect_w, m * p->aspect_h};
    booth_background_measure(frame, r, r.y + r.height / 2, p->background, &out->background);
    out->geometry.crop = r;
    out->crop_problem = g_strdup("no face");
    hint_add(out, "no_face");
    background_hints(out, p);
    out->elapsed_us = g_get_monotonic_time() - t0;
    return;
  }

  const BoothFace *main_face = &g_array_index(faces, BoothFace, 0);
  for (guint i = 1; i < faces->len; i++) {
    const BoothFace *f = &g_array_index(faces, BoothFace, i);
    if ((gint64)f->box.width * f->box.height > (gint64)main_face->box.width * main_face->box.height)
      main_face = f;
  }
  for (guint i = 0; i < faces->len; i++) {
    const BoothFace *f = &g_array_index(faces, BoothFace, i);
    if (f != main_face && f->box.width >= BOOTH_FRAMING_OTHER_FACE_SHARE * main_face->box.width)
      out->n_other_faces++;
  }
  out->has_face = TRUE;
  out->face = *main_face;
  const BoothRect *box = &main_face->box;
  out->tilt_deg = booth_framing_tilt(main_face);
  out->eye_line = booth_geometry_eye_line(main_face);
  out->face_width = booth_geometry_face_width(p, main_face);
  out->offset_x = booth_geometry_face_centre(main_face) - frame->width / 2.0;
  out->offset_y = box->y + box->height / 2.0 - frame->height / 2.0;
  out->offset_x_share = out->offset_x / frame->width;
  out->offset_y_share = out->offset_y / frame->height;

  /* The crop from eyes and face width alone tells where the photo's border will be; the
   * background is learned there, and the head top found with it, then the crop is chosen
   * again with the head top. */
  BoothGeometry first;
  booth_geometry_solve(p, main_face, -1, frame->width, frame->height, &first, NULL);
  int side_bottom = (int)(out->eye_line + box->height / 2.0);
  booth_background_measure(frame, first.crop, side_bottom, p->background, &out->background);
  out->head_top = booth_framing_find_head_top(frame, &out->background, box, &out->head_top_at_edge);

  g_autoptr(GString) problem = g_string_new(NULL);
  out->crop_ok = booth_geometry_solve(p, main_face, out->head_top, frame->width, frame->height,
                                      &out->geometry, problem);
  if (!out->crop_ok)
    out->crop_problem = g_strdup(problem->str);

  booth_framing_measure_exposure(luma, frame->width, frame->height, box, &out->face_luma,
                                 &out->face_clipped);
  out->sharpness =
      booth_framing_measure_sharpness(luma, frame->width, frame->height, box, out->geometry.scale);

  guint pr = out->geometry.problems;
  if (out->n_other_faces)
    hint_add(out, "several_faces");
  /* The student's left is the image's right: a face on the image's left must go their left. */
  if ((pr & BOOTH_GEOMETRY_LEFT_EDGE) || out->offset_x_share < -BOOTH_FRAMING_OFFSET_HINT)
    hint_add(out, "move_left");
  else if ((pr & BOOTH_GEOMETRY_RIGHT_EDGE) || out->offset_x_share > BOOTH_FRAMING_OFFSET_HINT)
    hint_add(out, "move_right");
  if (pr & BOOTH_GEOMETRY_BOTTOM_EDGE)
    hint_add(out, "move_up");
  else if (pr & BOOTH_GEOMETRY_TOP_EDGE)
    hint_add(out, "move_down");
  if (pr & BOOTH_GEOMETRY_FACE_TOO_SMALL)
    hint_add(out, "closer");
  else if (pr & BOOTH_GEOMETRY_FACE_TOO_LARGE)
    hint_add(out, "farther");
  if (!isnan(out->tilt_deg) && fabs(out->tilt_deg) > p->max_tilt_deg)
    hint_add(out, "straighten_head");
  if (out->face_luma < p->luma_min)
    hint_add(out, "too_dark");
  else if (out->face_luma > p->luma_max || out->face_clipped > p->max_clipped)
    hint_add(out, "too_bright");
  background_hints(out, p);
  out->score = framing_score(out, p);
  out->elapsed_us = g_get_monotonic_time() - t0;
}

void
booth_framing_clear(BoothFraming *f)
{
  if (!f)
    return;
  g_clear_pointer(&f->crop_problem, g_free);
  f->n_hints = 0;
}

static void
json_key(GString *js, const char *key)
{
  if (js->len && js->str[js->len - 1] != '{' && js->str[js->len - 1] != '[')
    g_string_append_c(js, ',');
  booth_json_string(js, key);
  g_string_append_c(js, ':');
}

static void
json_num(GString *js, const char *key, double v)
{
  json_key(js, key);
  booth_json_number(js, v);
}

static void
json_box(GString *js, const char *key, const BoothRect *b)
{
  json_key(js, key);
  g_string_append_printf(js, "{\"x\":%d,\"y\":%d,\"width\":%d,\"height\":%d}", b->x, b->y, b->width,
                         b->height);
}

static void
json_background(GString *js, const BoothBackground *b)
{
  json_key(js, "background");
  g_string_append_c(js, '{');
  json_key(js, "rgb");
  g_string_append_c(js, '[');
  for (int c = 0; c < 3; c++) {
    if (c)
      g_string_append_c(js, ',');
    booth_json_number(js, round(b->rgb[c] * 10) / 10);
  }
  g_string_append_c(js, ']');
  json_num(js, "distance", b->distance);
  json_num(js, "spread", b->spread);
  json_num(js, "gradient", b->gradient);
  json_num(js, "foreign", b->foreign);
  json_num(js, "samples", b->samples);
  g_string_append_c(js, '}');
}

char *
booth_framing_to_json(const BoothFraming *f)
{
  g_assert(f);
  GString *js = g_string_new("{");
  json_num(js, "n_faces", f->n_faces);
  json_num(js, "other_faces", f->n_other_faces);
  if (f->has_face) {
    json_box(js, "face", &f->face.box);
    json_key(js, "eyes");
    g_string_append_c(js, '{');
    json_key(js, "left");
    if (f->face.eye_left.found)
      g_string_append_printf(js, "[%.1f,%.1f]", f->face.eye_left.x, f->face.eye_left.y);
    else
      g_string_append(js, "null");
    json_key(js, "right");
    if (f->face.eye_right.found)
      g_string_append_printf(js, "[%.1f,%.1f]", f->face.eye_right.x, f->face.eye_right.y);
    else
      g_string_append(js, "null");
    g_string_append_c(js, '}');
    json_num(js, "tilt", f->tilt_deg);
    json_num(js, "eye_line", f->eye_line);
    json_num(js, "face_width", f->face_width);
    json_num(js, "head_top", f->head_top >= 0 ? f->head_top : NAN);
    json_key(js, "head_top_at_edge");
    g_string_append(js, f->head_top_at_edge ? "true" : "false");
    json_key(js, "offset");
    g_string_append_c(js, '{');
    json_num(js, "x", f->offset_x);
    json_num(js, "y", f->offset_y);
    json_num(js, "x_share", f->offset_x_share);
    json_num(js, "y_share", f->offset_y_share);
    g_string_append_c(js, '}');
  }
  json_box(js, "crop", &f->geometry.crop);
  json_key(js, "crop_ok");
  g_string_append(js, f->crop_ok ? "true" : "false");
  json_key(js, "crop_problem");
  booth_json_string(js, f->crop_problem);
  if (f->has_face) {
    json_key(js, "in_photo");
    g_string_append_c(js, '{');
    json_num(js, "scale", f->geometry.scale);
    json_num(js, "face_width", f->geometry.face_width);
    json_num(js, "eye_line", f->geometry.eye_line);
    json_num(js, "head_top", f->geometry.head_top);
    json_num(js, "centre_offset", f->geometry.centre_offset);
    g_string_append_c(js, '}');
  }
  json_background(js, &f->background);
  if (f->has_face) {
    json_key(js, "exposure");
    g_string_append_c(js, '{');
    json_num(js, "luma", f->face_luma);
    json_num(js, "clipped", f->face_clipped);
    g_string_append_c(js, '}');
    json_num(js, "sharpness", f->sharpness);
  }
  json_key(js, "hints");
  g_string_append_c(js, '[');
  for (int i = 0; i < f->n_hints; i++) {
    if (i)
      g_string_append_c(js, ',');
    booth_json_string(js, f->hints[i]);
  }
  g_string_append_c(js, ']');
  json_num(js, "score", f->score);
  json_num(js, "elapsed_us", (double)f->elapsed_us);
  g_string_append_c(js, '}');
  return g_string_free(js, FALSE);
}

GVariant *
booth_framing_to_variant(const BoothFraming *f)
{
  g_assert(f);
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  g_variant_dict_insert(&d, "n_faces", "i", f->n_faces);
  if (f->has_face) {
    const BoothFace *face = &f->face;
    g_variant_dict_insert(&d, "face", "(iiii)", face->box.x, face->box.y, face->box.width,
                          face->box.height);
    if (face->eye_left.found && face->eye_right.found)
      g_variant_dict_insert(&d, "eyes", "(dddd)", face->eye_left.x, face->eye_left.y,
                            face->eye_right.x, face->eye_right.y);
    g_variant_dict_insert(&d, "eye_line", "d", f->eye_line);
    g_variant_dict_insert(&d, "face_width", "d", f->face_width);
    if (!isnan(f->tilt_deg))
      g_variant_dict_insert(&d, "tilt", "d", f->tilt_deg);
    if (f->head_top >= 0)
      g_variant_dict_insert(&d, "head_top", "i", f->head_top);
    g_variant_dict_insert(&d, "offset", "(dd)", f->offset_x, f->offset_y);
    g_variant_dict_insert(&d, "offset_share", "(dd)", f->offset_x_share, f->offset_y_share);
    GVariantDict e;
    g_variant_dict_init(&e, NULL);
    g_variant_dict_insert(&e, "luma", "d", f->face_luma);
    g_variant_dict_insert(&e, "clipped", "d", f->face_clipped);
    g_variant_dict_insert_value(&d, "exposure", g_variant_dict_end(&e));
    if (!isnan(f->sharpness))
      g_variant_dict_insert(&d, "sharpness", "d", f->sharpness);
  }
  const BoothRect *c = &f->geometry.crop;
  g_variant_dict_insert(&d, "crop", "(iiii)", c->x, c->y, c->width, c->height);
  g_variant_dict_insert(&d, "crop_ok", "b", f->crop_ok);
  if (f->crop_problem)
    g_variant_dict_insert(&d, "crop_problem", "s", f->crop_problem);

  GVariantBuilder hb;
  g_variant_builder_init(&hb, G_VARIANT_TYPE("as"));
  for (int i = 0; i < f->n_hints; i++)
    g_variant_builder_add(&hb, "s", f->hints[i]);
  g_variant_dict_insert_value(&d, "hints", g_variant_builder_end(&hb));
  g_variant_dict_insert(&d, "score", "d", f->score);

  const BoothBackground *b = &f->background;
  GVariantDict bd;
  g_variant_dict_init(&bd, NULL);
  g_variant_dict_insert(&bd, "rgb", "(ddd)", b->rgb[0], b->rgb[1], b->rgb[2]);
  g_variant_dict_insert(&bd, "distance", "d", b->distance);
  g_variant_dict_insert(&bd, "spread", "d", b->spread);
  g_variant_dict_insert(&bd, "gradient", "d", b->gradient);
  g_variant_dict_insert(&bd, "foreign", "d", b->foreign);
  g_variant_dict_insert_value(&d, "background", g_variant_dict_end(&bd));
  g_variant_dict_insert(&d, "elapsed_us", "x", f->elapsed_us);
  return g_variant_dict_end(&d);
}
