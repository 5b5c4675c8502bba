/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "geometry.h"

#include <math.h>
#include <string.h>

/* An interval of frame rows or columns; empty when lo > hi. */
typedef struct {
  double lo, hi;
} Span;

static Span
span_and(Span a, Span b)
{
  return (Span){MAX(a.lo, b.lo), MIN(a.hi, b.hi)};
}

static gboolean
span_empty(Span s)
{
  return s.lo > s.hi;
}

/* The face and the profile, in the units the search needs. */
typedef struct {
  const BoothProfile *p;
  int a, b; /* the profile's aspect, reduced: crops are (a*m) x (b*m) */
  int frame_w, frame_h;
  double fw, ey, cx, ht; /* face width, eye line, centre column, head top (< 0: unknown) */
} Ctx;

typedef struct {
  int m, x, y;
  double s;
  int beyond[4];
  double eye_miss, head_miss; /* output pixels outside the band */
  double conflict;            /* output pixels between the eye and head-top bands' crops */
  double cost;                /* squared distance from the middles of the bands */
} Placement;

static int
gcd(int a, int b)
{
  while (b) {
    int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static double
band_miss(double v, int lo, int hi)
{
  return v < lo ? lo - v : v > hi ? v - hi : 0;
}

static double
band_dev(double v, int lo, int hi)
{
  double half = MAX(1.0, (hi - lo) / 2.0);
  double d = (v - (lo + hi) / 2.0) / half;
  return d * d;
}

/* Places a crop of size m: centred on the face (within half the centring tolerance) and
 * vertically where the eye line and the head top are nearest the middle of their bands. */
static void
place(const Ctx *c, int m, Placement *pl)
{
  const BoothProfile *p = c->p;
  int cw = c->a * m, ch = c->b * m;
  double s = (double)p->width / cw;
  *pl = (Placement){.m = m, .s = s};

  double x_ideal = c->cx - cw / 2.0;
  double shift = p->centre_max / 2.0 / s;
  if (x_ideal + shift < 0)
    pl->beyond[0] = (int)ceil(-(x_ideal + shift));
  if (x_ideal - shift + cw > c->frame_w)
    pl->beyond[1] = (int)ceil(x_ideal - shift + cw - c->frame_w);
  pl->x = (int)CLAMP(lround(x_ideal), 0, c->frame_w - cw);

  Span eye = {c->ey - p->eye_line_max / s, c->ey - p->eye_line_min / s};
  double target = c->ey - (p->eye_line_min + p->eye_line_max) / 2.0 / s;
  Span want = eye;
  if (c->ht >= 0) {
    Span head = {c->ht - p->head_top_max / s, c->ht - p->head_top_min / s};
    double head_target = c->ht - (p->head_top_min + p->head_top_max) / 2.0 / s;
    /* The eye line counts twice: it is the band the standard is strictest about. */
    target = (2 * target + head_target) / 3;
    Span both = span_and(eye, head);
    if (!span_empty(both)) {
      want = both;
    } else {
      /* The bands conflict at this scale: the eye line stays in its band, a tenth of the band
       * inside its edge so that a detector's jitter does not push it out, and the head top
       * misses by as little as that allows. */
      pl->conflict = (head.hi < eye.lo ? eye.lo - head.hi : head.lo - eye.hi) * s;
      double margin = (eye.hi - eye.lo) / 10;
      double t_eye = head.hi < eye.lo ? eye.lo + margin : eye.hi - margin;
      want = (Span){t_eye, t_eye};
    }
  }
  Span frame = {0, c->frame_h - ch};
  Span ok = span_and(want, frame);
  double t;
  if (span_empty(ok)) {
    if (want.hi < frame.lo) {
      pl->beyond[2] = (int)ceil(frame.lo - want.hi);
      t = frame.lo;
    } else {
      pl->beyond[3] = (int)ceil(want.lo - frame.hi);
      t = frame.hi;
    }
  } else {
    /* Whole rows only, and still inside the interval when it holds one. */
    t = CLAMP(target, ok.lo, ok.hi);
    double r = round(t);
    if (r < ok.lo && ceil(ok.lo) <= ok.hi)
      r = ceil(ok.lo);
    else if (r > ok.hi && floor(ok.hi) >= ok.lo)
      r = floor(ok.hi);
    t = r;
  }
  pl->y = (int)CLAMP(lround(t), 0, c->frame_h - ch);

  double eye_out = (c->ey - pl->y) * s;
  pl->eye_miss = band_miss(eye_out, p->eye_line_min, p->eye_line_max);
  pl->cost = band_dev(c->fw * s, p->face_width_min, p->face_width_max) +
             band_dev(eye_out, p->eye_line_min, p->eye_line_max);
  if (c->ht >= 0) {
    double head_out = (c->ht - pl->y) * s;
    pl->head_miss = band_miss(head_out, p->head_top_min, p->head_top_max);
    pl->cost += 0.5 * band_dev(head_out, p->head_top_min, p->head_top_max);
  }
}

/* First the scales where the eye-line and head-top bands agree (the face decides that, not
 * where it sits), then the least room needed beyond the frame (so "needs N px beyond" means
 * that N more pixels would do), then the head top, then how far from the middles of the
 * bands. */
static gboolean
placement_better(const Placement *a, const Placement *b)
{
  if (fabs(a->conflict - b->conflict) > 0.5)
    return a->conflict < b->conflict;
  double ea = (a->beyond[0] + a->beyond[1] + a->beyond[2] + a->beyond[3]) * a->s + a->eye_miss;
  double eb = (b->beyond[0] + b->beyond[1] + b->beyond[2] + b->beyond[3]) * b->s + b->eye_miss;
  if (fabs(ea - eb) > 0.5)
    return ea < eb;
  if (fabs(a->head_miss - b->head_miss) > 0.5)
    return a->head_miss < b->head_miss;
  return a->cost < b->cost;
}

double
booth_geometry_face_width(const BoothProfile *p, const BoothFace *face)
{
  g_assert(p && face);
  return face->box.width * p->face_width_factor;
}

double
booth_geometry_eye_line(const BoothFace *face)
{
  g_assert(face);
  if (face->eye_left.found && face->eye_right.found)
    return (face->eye_left.y + face->eye_right.y) / 2;
  if (face->eye_left.found)
    return face->eye_left.y;
  if (face->eye_right.found)
    return face->eye_right.y;
  return face->box.y + BOOTH_FACE_EYE_LINE_IN_BOX * face->box.height;
}

double
booth_geometry_face_centre(const BoothFace *face)
{
  g_assert(face);
  if (face->eye_left.found && face->eye_right.found)
    return (face->eye_left.x + face->eye_right.x) / 2;
  return face->box.x + face->box.width / 2.0;
}

static void say(GString *problem, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
say(GString *problem, const char *fmt, ...)
{
  if (!problem)
    return;
  if (problem->len)
    g_string_append(problem, "; ");
  va_list ap;
  va_start(ap, fmt);
  g_string_append_vprintf(problem, fmt, ap);
  va_end(ap);
}

gboolean
booth_geometry_solve(const BoothProfile *p, const BoothFace *face, int head_top, int frame_w,
                     int frame_h, BoothGeometry *out, GString *problem)
{
  g_assert(p && face && out);
  g_assert(frame_w > 0 && frame_h > 0);
  g_assert(p->width > 0 && p->height > 0 && p->aspect_w > 0 && p->aspect_h > 0);

  int g = gcd(p->aspect_w, p->aspect_h);
  Ctx c = {
      .p = p,
      .a = p->aspect_w / g,
      .b = p->aspect_h / g,
      .frame_w = frame_w,
      .frame_h = frame_h,
      .fw = booth_geometry_face_width(p, face),
      .ey = booth_geometry_eye_line(face),
      .cx = booth_geometry_face_centre(face),
      .ht = head_top,
  };
  guint problems = 0;

  int m_fit = MIN(frame_w / c.a, frame_h / c.b);
  int m_enlarge = (int)ceil(p->width / (c.a * p->max_enlarge) - 1e-9);
  /* Face width in band: fw * width / (a * m) within [min, max]. */
  int m_face_lo = (int)ceil(p->width * c.fw / ((double)p->face_width_max * c.a) - 1e-9);
  int m_face_hi = (int)floor(p->width * c.fw / ((double)p->face_width_min * c.a) + 1e-9);
  int lo = MAX(m_face_lo, m_enlarge), hi = MIN(m_face_hi, m_fit);

  if (m_fit < 1) {
    /* Not one aspect block fits: nothing sensible to crop. */
    *out = (BoothGeometry){.crop = {0, 0, frame_w, frame_h},
                           .scale = (double)p->width / frame_w,
                           .face_width = c.fw,
                           .problems = BOOTH_GEOMETRY_FRAME_TOO_SMALL};
    say(problem, "the frame is %dx%d: a %dx%d photo needs at least that many pixels", frame_w,
        frame_h, p->width, p->height);
    return FALSE;
  }

  Placement best;
  if (m_fit < m_enlarge) {
    problems |= BOOTH_GEOMETRY_FRAME_TOO_SMALL;
    say(problem, "the frame is %dx%d: a %dx%d photo needs at least that many pixels", frame_w,
        frame_h, p->width, p->height);
    place(&c, m_fit, &best);
  } else if (m_face_hi < m_enlarge) {
    problems |= BOOTH_GEOMETRY_FACE_TOO_SMALL;
    say(problem,
        "face too small: %.0f px wide in the frame, the band needs %d-%d px at no more than "
        "%.1fx enlargement",
        c.fw, p->face_width_min, p->face_width_max, p->max_enlarge);
    place(&c, m_enlarge, &best);
  } else if (m_face_lo > m_fit) {
    problems |= BOOTH_GEOMETRY_FACE_TOO_LARGE;
    say(problem,
        "face too large: %.0f px wide in the frame, at most %.0f px fits: the band's %d px "
        "needs a %dx%d crop, the frame is %dx%d",
        c.fw, (double)p->face_width_max * c.a * m_fit / p->width, p->face_width_max,
        c.a * m_face_lo, c.b * m_face_lo, frame_w, frame_h);
    place(&c, m_fit, &best);
  } else {
    place(&c, lo, &best);
    for (int m = lo + 1; m <= hi; m++) {
      Placement pl;
      place(&c, m, &pl);
      if (placement_better(&pl, &best))
        best = pl;
    }
  }

  static const char *const edge[] = {"left", "right", "top", "bottom"};
  static const char *const where[] = {"beyond the frame", "beyond the frame", "above the frame",
                                      "below the frame"};
  for (int i = 0; i < 4; i++) {
    if (!best.beyond[i])
      continue;
    problems |= BOOTH_GEOMETRY_LEFT_EDGE << i;
    say(problem, "face too near the %s edge: the crop needs %d px %s", edge[i], best.beyond[i],
        where[i]);
  }

  double s = best.s;
  *out = (BoothGeometry){
      .crop = {best.x, best.y, c.a * best.m, c.b * best.m},
      .scale = s,
      .face_width = c.fw * s,
      .eye_line = (c.ey - best.y) * s,
      .head_top = c.ht >= 0 ? (c.ht - best.y) * s : NAN,
      .centre_offset = (c.cx - (best.x + c.a * best.m / 2.0)) * s,
  };
  memcpy(out->beyond, best.beyond, sizeof out->beyond);
  if (best.head_miss > 0.5 && !(problems & BOOTH_GEOMETRY_TOP_EDGE)) {
    problems |= BOOTH_GEOMETRY_HEAD_TOP;
    say(problem,
        "head top %.0f px from the top edge, %.0f px outside the %d-%d px band, with the eye "
        "line and the face width in theirs",
        out->head_top, best.head_miss, p->head_top_min, p->head_top_max);
  }
  out->problems = problems;
  return problems == 0;
}
