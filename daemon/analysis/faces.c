/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "analysis/faces.h"

#include <math.h>
#include <string.h>

#include "analysis/cascade.h"
#include "frame.h"

/* OpenCV's defaults for detectMultiScale, which the cascades' authors tuned against. */
#define FACE_SCALE_FACTOR 1.1
#define FACE_MIN_NEIGHBORS 3
/* Enlarging further only invents detail, and an enlarged frame is never made larger than about
 * 1080p: smaller faces than that allows are not worth the time. */
#define FACE_MAX_ENLARGE 2.0
#define FACE_MAX_ENLARGED_PIXELS 2100000.0
/* Eyes are searched with the face this wide: the eye cascade's 20-pixel window is then a sixth
 * of the face, and eyes are taken up to EYE_MAX_SHARE of it. Haar eye boxes measure 0.18 to
 * 0.39 of the face box's width on the test photos. */
#define EYE_FACE_WIDTH 120
#define EYE_MAX_SHARE 0.4
#define EYE_MAX_ENLARGE 4.0
#define EYE_SCALE_FACTOR 1.1
#define EYE_MIN_NEIGHBORS 3
/* A tracked face is looked for again within this share of its width around its last box, at
 * sizes from 1/TRACK_GROWTH to TRACK_GROWTH times its last width: a student moves far less than
 * that between two frames of a camera at 15 to 30 frames a second. */
#define TRACK_MARGIN 0.5
#define TRACK_GROWTH 1.25
/* A face whose box moved and grew by at most this share of its width keeps its last box and
 * eyes, without a new eye search. */
#define TRACK_STILL 0.03
/* Block means go up to this factor (faces up to 64 windows wide); bilinear does the rest. */
#define MAX_BLOCK 64

struct BoothFaceDetector {
  BoothCascade *face, *eye, *glasses;
  BoothCascadeScratch *face_scratch, *eye_scratch;
  guint8 *work;
  gsize work_size;
  guint8 *region;
  gsize region_size;
  guint8 *box;
  gsize box_size;
  guint16 *acc;
  gsize acc_size;
  guint8 *means[MAX_BLOCK + 1]; /* shrink_blocks(): [k][sum], a sum of k x k pixels' mean */
};

static BoothCascade *
load_one(const char *dir, const char *file, GError **error)
{
  g_autofree char *path =
      g_path_is_absolute(file) ? g_strdup(file) : g_build_filename(dir, file, NULL);
  return booth_cascade_load(path, error);
}

BoothFaceDetector *
booth_face_detector_new_full(const char *cascade_dir, const char *face_cascade, GError **error)
{
  const char *dir = cascade_dir ? cascade_dir : BOOTH_FACE_CASCADE_DIR;
  g_autoptr(BoothFaceDetector) d = g_new0(BoothFaceDetector, 1);
  if (!(d->face = load_one(dir, face_cascade ? face_cascade : BOOTH_FACE_CASCADE_LBP, error)) ||
      !(d->eye = load_one(dir, BOOTH_EYE_CASCADE, error)) ||
      !(d->glasses = load_one(dir, BOOTH_EYEGLASSES_CASCADE, error)))
    return NULL;
  d->face_scratch = booth_cascade_scratch_new();
  d->eye_scratch = booth_cascade_scratch_new();
  return g_steal_pointer(&d);
}

BoothFaceDetector *
booth_face_detector_new(const char *cascade_dir, GError **error)
{
  return booth_face_detector_new_full(cascade_dir, NULL, error);
}

void
booth_face_detector_free(BoothFaceDetector *d)
{
  if (!d)
    return;
  booth_cascade_free(d->face);
  booth_cascade_free(d->eye);
  booth_cascade_free(d->glasses);
  booth_cascade_scratch_free(d->face_scratch);
  booth_cascade_scratch_free(d->eye_scratch);
  g_free(d->work);
  g_free(d->region);
  g_free(d->box);
  g_free(d->acc);
  for (int k = 0; k <= MAX_BLOCK; k++)
    g_free(d->means[k]);
  g_free(d);
}

/* How part of the frame is brought to the scale a cascade runs at: means of k x k blocks
 * first when shrinking by 2 or more (a partial last block is left out), then OpenCV's
 * bilinear to the exact size. The reference scripts in tests/reference make the very same
 * choices and calls with OpenCV. */
typedef struct {
  int k;              /* > 1: k x k block means first */
  int box_w, box_h;   /* their size */
  int used_w, used_h; /* the source pixels covered */
  int out_w, out_h;   /* the working image */
} Plan;

/* An object 'have' pixels wide in a w x h source should come out 'want' pixels wide. */
static Plan
plan_scale(int w, int h, int have, int want, double max_enlarge, double max_pixels)
{
  double u = MIN((double)want / have, max_enlarge);
  if (u > 1. && u * u * w * h > max_pixels)
    u = MAX(1., sqrt(max_pixels / ((double)w * h)));
  int k = u < 1. ? MIN((int)(1. / u), MAX_BLOCK) : 1;
  Plan p = {.k = k, .box_w = w / k, .box_h = h / k};
  p.used_w = p.box_w * k;
  p.used_h = p.box_h * k;
  p.out_w = MAX(1, (int)(p.used_w * u + 0.5));
  p.out_h = MAX(1, (int)(p.used_h * u + 0.5));
  return p;
}

static guint8 *
grow(guint8 **buf, gsize *size, gsize need)
{
  if (need > *size) {
    g_free(*buf);
    *buf = g_malloc(need);
    *size = need;
  }
  return *buf;
}

/* Means of k x k blocks, rounded as OpenCV's INTER_AREA rounds a whole-factor shrink (2x2:
 * half up in integers; larger: the float product, half to even), so the reference sees the
 * same pixels. Columns are summed down first, which the compiler vectorises. */
static void
shrink_blocks(BoothFaceDetector *d, const guint8 *src, int stride, int k, int ow, int oh,
              guint8 *dst)
{
  if (k == 2) {
    booth_luma_halve(src, stride, dst, ow, ow, oh);
    return;
  }
  if (k == 3) {
    /* 1080p's case: in vector code. */
    for (int y = 0; y < oh; y++) {
      const guint8 *s = src + (gsize)(3 * y) * (gsize)stride;
      booth_luma_third_row(s, s + stride, s + 2 * (gsize)stride, dst + (gsize)y * (gsize)ow, ow);
    }
    return;
  }
  gsize n = (gsize)ow * (gsize)k;
  if (n > d->acc_size) {
    g_free(d->acc);
    d->acc = g_new(guint16, n);
    d->acc_size = n;
  }
  guint16 *acc = d->acc;
  if (!d->means[k]) {
    /* One rounding per possible sum, made once. */
    guint8 *m = d->means[k] = g_malloc((gsize)(k * k) * 255 + 1);
    float scale = 1.f / (float)(k * k);
    for (int sum = 0; sum <= k * k * 255; sum++) {
      long v = lrintf((float)sum * scale);
      m[sum] = (guint8)CLAMP(v, 0, 255);
    }
  }
  const guint8 *means = d->means[k];
  for (int y = 0; y < oh; y++) {
    const guint8 *s = src + (gsize)y * (gsize)k * (gsize)stride;
    memset(acc, 0, n * sizeof *acc);
    for (int j = 0; j < k; j++, s += stride) {
      /* The rows are read in order: ask for what comes next (frame.h). */
      for (gsize x0 = 0; x0 < n; x0 += 64) {
        __builtin_prefetch(s + x0 + BOOTH_PREFETCH_AHEAD);
        for (gsize x = x0; x < MIN(x0 + 64, n); x++)
          acc[x] = (guint16)(acc[x] + s[x]);
      }
    }
    guint8 *o = dst + (gsize)y * (gsize)ow;
    for (int x = 0; x < ow; x++) {
      guint32 sum = 0;
      for (int i = 0; i < k; i++)
        sum += acc[x * k + i];
      o[x] = means[sum];
    }
  }
}

/* The working image for a plan, in buf (or the source itself when the plan leaves it). */
static const guint8 *
apply_plan(BoothFaceDetector *d, const Plan *p, const guint8 *src, int w, int h, int stride,
           guint8 **buf, gsize *size, int *out_stride)
{
  g_assert(p->k <= MAX_BLOCK && p->box_w > 0 && p->box_h > 0);
  if (p->k > 1) {
    shrink_blocks(d, src, stride, p->k, p->box_w, p->box_h,
                  grow(&d->box, &d->box_size, (gsize)p->box_w * (gsize)p->box_h));
    src = d->box;
    w = p->box_w, h = p->box_h, stride = p->box_w;
  }
  if (p->out_w == w && p->out_h == h) {
    *out_stride = stride;
    return src;
  }
  guint8 *dst = grow(buf, size, (gsize)p->out_w * (gsize)p->out_h);
  booth_cascade_resize(src, w, h, stride, dst, p->out_w, p->out_h);
  *out_stride = p->out_w;
  return dst;
}

/* More windows agreeing first, then the larger, then the upper left: a strict order, so the
 * choice does not depend on the order detections come in. */
static gboolean
detection_better(const BoothDetection *a, const BoothDetection *b)
{
  if (a->neighbors != b->neighbors)
    return a->neighbors > b->neighbors;
  gint64 aa = (gint64)a->width * a->height, ab = (gint64)b->width * b->height;
  if (aa != ab)
    return aa > ab;
  if (a->y != b->y)
    return a->y < b->y;
  return a->x < b->x;
}

static void
pick_eyes(const GArray *eyes, int face_w, const BoothDetection **left, const BoothDetection **right)
{
  for (guint i = 0; i < eyes->len; i++) {
    const BoothDetection *e = &g_array_index(eyes, BoothDetection, i);
    const BoothDetection **side = e->x + e->width / 2.0 < face_w / 2.0 ? left : right;
    if (!*side || detection_better(e, *side))
      *side = e;
  }
}

static void
find_eyes(BoothFaceDetector *d, const guint8 *luma, int stride, BoothFace *f)
{
  int rw = f->box.width, rh = (3 * f->box.height + 2) / 5;
  const guint8 *src = luma + (gsize)f->box.y * (gsize)stride + (gsize)f->box.x;
  Plan p = plan_scale(rw, rh, f->box.width, EYE_FACE_WIDTH, EYE_MAX_ENLARGE, G_MAXDOUBLE);
  int win_w, win_h;
  booth_cascade_get_window(d->eye, &win_w, &win_h);
  int min_eye = MAX(win_w, win_h);
  int max_eye = (int)(p.out_w * EYE_MAX_SHARE + 0.5);
  if (p.out_w < min_eye || p.out_h < min_eye || max_eye < min_eye)
    return;
  int ws;
  const guint8 *img = apply_plan(d, &p, src, rw, rh, stride, &d->region, &d->region_size, &ws);
  BoothDetectParams params = {EYE_SCALE_FACTOR, EYE_MIN_NEIGHBORS, min_eye,
                              min_eye,          max_eye,           max_eye};
  g_autoptr(GArray) eyes =
      booth_cascade_detect_scratch(d->eye, d->eye_scratch, img, p.out_w, p.out_h, ws, &params);
  const BoothDetection *left = NULL, *right = NULL;
  pick_eyes(eyes, p.out_w, &left, &right);
  g_autoptr(GArray) glasses = NULL;
  if (!left || !right) {
    /* Only for the side the plain eye cascade missed: frames often hide one eye's glint. */
    const BoothDetection *gl = NULL, *gr = NULL;
    glasses = booth_cascade_detect_scratch(d->glasses, d->eye_scratch, img, p.out_w, p.out_h, ws,
                                           &params);
    pick_eyes(glasses, p.out_w, &gl, &gr);
    left = left ? left : gl;
    right = right ? right : gr;
  }
  double sx = (double)p.used_w / p.out_w, sy = (double)p.used_h / p.out_h;
  const BoothDetection *sides[2] = {left, right};
  BoothPoint *pts[2] = {&f->eye_left, &f->eye_right};
  for (int i = 0; i < 2; i++) {
    if (!sides[i])
      continue;
    pts[i]->x = f->box.x + (sides[i]->x + sides[i]->width / 2.0) * sx;
    pts[i]->y = f->box.y + (sides[i]->y + sides[i]->height / 2.0) * sy;
    pts[i]->found = TRUE;
  }
}

static gint
face_order(gconstpointer pa, gconstpointer pb)
{
  const BoothFace *a = pa, *b = pb;
  BoothDetection da = {a->box.x, a->box.y, a->box.width, a->box.height, a->neighbors};
  BoothDetection db = {b->box.x, b->box.y, b->box.width, b->box.height, b->neighbors};
  gint64 aa = (gint64)da.width * da.height, ab = (gint64)db.width * db.height;
  if (aa != ab)
    return aa > ab ? -1 : 1;
  return detection_better(&da, &db) ? -1 : detection_better(&db, &da) ? 1 : 0;
}

GArray *
booth_face_detector_run(BoothFaceDetector *d, const guint8 *luma, int width, int height, int stride,
                        double min_face)
{
  g_assert(d && luma);
  g_assert(width > 0 && height > 0 && stride >= width);
  g_assert(min_face > 0. && min_face <= 1.);
  GArray *faces = g_array_new(FALSE, TRUE, sizeof(BoothFace));

  int win_w, win_h;
  booth_cascade_get_window(d->face, &win_w, &win_h);
  int win = MAX(win_w, win_h);
  int min_px = MAX(1, (int)(min_face * MIN(width, height) + 0.5));
  Plan p = plan_scale(width, height, min_px, win, FACE_MAX_ENLARGE, FACE_MAX_ENLARGED_PIXELS);
  if (p.out_w < win_w || p.out_h < win_h)
    return faces;
  int ws;
  const guint8 *img = apply_plan(d, &p, luma, width, height, stride, &d->work, &d->work_size, &ws);
  BoothDetectParams params = {FACE_SCALE_FACTOR, FACE_MIN_NEIGHBORS, win_w, win_h, 0, 0};
  g_autoptr(GArray) found =
      booth_cascade_detect_scratch(d->face, d->face_scratch, img, p.out_w, p.out_h, ws, &params);

  double sx = (double)p.used_w / p.out_w, sy = (double)p.used_h / p.out_h;
  for (guint i = 0; i < found->len; i++) {
    const BoothDetection *r = &g_array_index(found, BoothDetection, i);
    int x0 = (int)(r->x * sx + 0.5), y0 = (int)(r->y * sy + 0.5);
    int x1 = MIN((int)((r->x + r->width) * sx + 0.5), width);
    int y1 = MIN((int)((r->y + r->height) * sy + 0.5), height);
    if (x1 <= x0 || y1 <= y0)
      continue;
    BoothFace f = {.box = {x0, y0, x1 - x0, y1 - y0}, .neighbors = r->neighbors};
    g_array_append_val(faces, f);
  }
  g_array_sort(faces, face_order);
  for (guint i = 0; i < faces->len; i++)
    find_eyes(d, luma, stride, &g_array_index(faces, BoothFace, i));
  return faces;
}

double
booth_rect_iou(const BoothRect *a, const BoothRect *b)
{
  g_assert(a && b);
  int x0 = MAX(a->x, b->x), y0 = MAX(a->y, b->y);
  int x1 = MIN(a->x + a->width, b->x + b->width), y1 = MIN(a->y + a->height, b->y + b->height);
  if (x1 <= x0 || y1 <= y0)
    return 0;
  double i = (double)(x1 - x0) * (y1 - y0);
  return i / ((double)a->width * a->height + (double)b->width * b->height - i);
}

/* The part of a width x height frame that tracking reads for a face of the last frame: its box
 * with half its width around it, clipped. */
static BoothRect
track_region(const BoothFace *last, int width, int height)
{
  g_assert(last && width > 0 && height > 0);
  int m = (int)(last->box.width * TRACK_MARGIN + 0.5);
  int x0 = CLAMP(last->box.x - m, 0, width), y0 = CLAMP(last->box.y - m, 0, height);
  int x1 = CLAMP(last->box.x + last->box.width + m, x0, width);
  int y1 = CLAMP(last->box.y + last->box.height + m, y0, height);
  return (BoothRect){x0, y0, x1 - x0, y1 - y0};
}

/* The face near last, or FALSE. */
static gboolean
track_one(BoothFaceDetector *d, const guint8 *luma, int width, int height, int stride, int min_px,
          const BoothFace *last, BoothFace *out)
{
  int win_w, win_h;
  booth_cascade_get_window(d->face, &win_w, &win_h);
  int win = MAX(win_w, win_h);
  BoothRect region = track_region(last, width, height);
  int x0 = region.x, y0 = region.y, x1 = region.x + region.width, y1 = region.y + region.height;
  if (x1 - x0 < win || y1 - y0 < win)
    return FALSE;
  int smallest = MAX((int)(last->box.width / TRACK_GROWTH), min_px);
  Plan p = plan_scale(x1 - x0, y1 - y0, smallest, win, FACE_MAX_ENLARGE, FACE_MAX_ENLARGED_PIXELS);
  if (p.out_w < win_w || p.out_h < win_h)
    return FALSE;
  int ws;
  const guint8 *img = apply_plan(d, &p, luma + (gsize)y0 * (gsize)stride + (gsize)x0, x1 - x0,
                                 y1 - y0, stride, &d->work, &d->work_size, &ws);
  double sx = (double)p.used_w / p.out_w, sy = (double)p.used_h / p.out_h;
  int largest = (int)ceil(last->box.width * TRACK_GROWTH / sx) + 1;
  BoothDetectParams params = {FACE_SCALE_FACTOR, FACE_MIN_NEIGHBORS,         win_w, win_h,
                              largest,           largest * win_h / win_w + 1};
  g_autoptr(GArray) found =
      booth_cascade_detect_scratch(d->face, d->face_scratch, img, p.out_w, p.out_h, ws, &params);
  double best = 0;
  for (guint i = 0; i < found->len; i++) {
    const BoothDetection *r = &g_array_index(found, BoothDetection, i);
    int bx0 = x0 + (int)(r->x * sx + 0.5), by0 = y0 + (int)(r->y * sy + 0.5);
    int bx1 = MIN(x0 + (int)((r->x + r->width) * sx + 0.5), width);
    int by1 = MIN(y0 + (int)((r->y + r->height) * sy + 0.5), height);
    BoothRect box = {bx0, by0, bx1 - bx0, by1 - by0};
    double o = box.width > 0 && box.height > 0 ? booth_rect_iou(&box, &last->box) : 0;
    if (o > best) {
      best = o;
      *out = (BoothFace){.box = box, .neighbors = r->neighbors};
    }
  }
  return best > 0;
}

GArray *
booth_face_detector_track(BoothFaceDetector *d, const guint8 *luma, int width, int height,
                          int stride, double min_face, const GArray *last, gboolean eyes)
{
  g_assert(d && luma && last);
  g_assert(width > 0 && height > 0 && stride >= width);
  g_assert(min_face > 0. && min_face <= 1.);
  if (last->len == 0)
    return NULL;
  int min_px = MAX(1, (int)(min_face * MIN(width, height) + 0.5));
  g_autoptr(GArray) faces = g_array_new(FALSE, TRUE, sizeof(BoothFace));
  for (guint i = 0; i < last->len; i++) {
    const BoothFace *l = &g_array_index(last, BoothFace, i);
    BoothFace f;
    if (!track_one(d, luma, width, height, stride, min_px, l, &f))
      return NULL;
    g_array_append_val(faces, f);
  }
  g_array_sort(faces, face_order);
  for (guint i = 0; i < faces->len; i++) {
    BoothFace *f = &g_array_index(faces, BoothFace, i);
    /* The face it came from: the last one it overlaps most. */
    const BoothFace *from = NULL;
    double best = 0;
    for (guint j = 0; j < last->len; j++) {
      double o = booth_rect_iou(&f->box, &g_array_index(last, BoothFace, j).box);
      if (o > best)
        best = o, from = &g_array_index(last, BoothFace, j);
    }
    double tol = TRACK_STILL * f->box.width;
    if (from && ABS(f->box.x - from->box.x) <= tol && ABS(f->box.y - from->box.y) <= tol &&
        ABS(f->box.width - from->box.width) <= tol) {
      /* Held still: the last box and eyes stand, so a still student's framing does not
       * flicker with the detector's pixel or two of jitter. */
      int neighbors = f->neighbors;
      *f = *from;
      f->neighbors = neighbors;
      if (eyes && (!f->eye_left.found || !f->eye_right.found)) {
        f->eye_left = f->eye_right = (BoothPoint){0, 0, FALSE};
        find_eyes(d, luma, stride, f);
      }
    } else if (eyes || !from) {
      find_eyes(d, luma, stride, f);
    } else {
      /* Carried with the box, moved and scaled as it was. */
      double k = (double)f->box.width / from->box.width;
      const BoothPoint *src[2] = {&from->eye_left, &from->eye_right};
      BoothPoint *dst[2] = {&f->eye_left, &f->eye_right};
      for (int e = 0; e < 2; e++)
        *dst[e] = (BoothPoint){f->box.x + (src[e]->x - from->box.x) * k,
                               f->box.y + (src[e]->y - from->box.y) * k, src[e]->found};
    }
  }
  return g_steal_pointer(&faces);
}
