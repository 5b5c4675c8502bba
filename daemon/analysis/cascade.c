/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "analysis/cascade.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

#include "analysis/cascade-private.h"
#include "booth-simd.h"
#include "frame.h"

#define CASCADE_GROUP_EPS 0.2
/* Windows evaluated side by side over whole rows (see lbp_bulk(), haar_bulk()): an LBP
 * cascade's stages within the first LBP_BULK_TREES trees (at least the first stage) on every
 * group, the rest on groups from a window that passed those (lbp_deep()), and a Haar cascade
 * of single splits whole; the last lane reads up to LBP_READ_PAST values past the last
 * window's corners. */
#define LBP_LANES 8
#define LBP_BULK_TREES 16
#define LBP_READ_PAST (4 * LBP_LANES)

/* ---------------------------------------------------------------- OpenCV's bilinear resize */

/* OpenCV's bit-exact bilinear (INTER_LINEAR_EXACT, which its cascade pyramid uses): source
 * positions in double precision, 8-bit fixed-point weights, a horizontal pass kept at 8
 * fractional bits and a vertical one at 16, rounded once. Outside the source the edge pixel
 * is repeated. */
typedef struct {
  int *xofs, *yofs;
  guint16 *alpha, *beta; /* two weights per output column / row, summing to 256 */
  guint32 *rows;         /* two horizontally resized source rows */
  int row_src[2];
  gsize cap_x, cap_y;
} ResizeBuf;

static void
resize_buf_clear(ResizeBuf *b)
{
  g_free(b->xofs);
  g_free(b->yofs);
  g_free(b->alpha);
  g_free(b->beta);
  g_free(b->rows);
  memset(b, 0, sizeof *b);
}

/* For each output index: the first source sample and the two weights; edge samples get the
 * whole weight on the nearest source sample. */
static void
resize_axis(int src, int dst, int *ofs, guint16 *w)
{
  double scale = 1.0 / ((double)dst / src);
  for (int i = 0; i < dst; i++) {
    double f = scale * ((double)i + 0.5) - 0.5;
    double fl = floor(f);
    int o = (int)fl;
    if (o < 0 || src == 1) {
      ofs[i] = 0;
      w[2 * i] = 256, w[2 * i + 1] = 0;
    } else if (o >= src - 1) {
      ofs[i] = src - 1;
      w[2 * i] = 256, w[2 * i + 1] = 0;
    } else {
      ofs[i] = o;
      w[2 * i + 1] = (guint16)lrint((f - fl) * 256.0);
      w[2 * i] = (guint16)(256 - w[2 * i + 1]);
    }
  }
}

#if defined(__x86_64__) && defined(__GNUC__)
#define RESIZE_AVX2 1

/* Eight outputs at a time: each one's two source bytes fetched by one 32-bit gather at its
 * offset, spread into 16-bit lanes and weighted by pmaddwd with its two weights, the same
 * integers as resize_hrow()'s. Stops at the first group with a gather that would read past
 * the row (the offsets only grow). Returns how many outputs it made. */
__attribute__((target("avx2"))) static int
resize_hrow_avx2(const guint8 *s, const int *xofs, const guint16 *alpha, int sw, int dw,
                 guint32 *out)
{
  const __m256i low = _mm256_set1_epi32(0xff), next = _mm256_set1_epi32(0xff00);
  int x = 0;
  for (; x + 8 <= dw && xofs[x + 7] + 4 <= sw; x += 8) {
    __m256i at = _mm256_loadu_si256((const __m256i *)(const void *)(xofs + x));
    __m256i v = _mm256_i32gather_epi32((const int *)(const void *)s, at, 1);
    __m256i px =
        _mm256_or_si256(_mm256_and_si256(v, low), _mm256_slli_epi32(_mm256_and_si256(v, next), 8));
    __m256i w = _mm256_loadu_si256((const __m256i *)(const void *)(alpha + 2 * x));
    _mm256_storeu_si256((__m256i *)(void *)(out + x), _mm256_madd_epi16(px, w));
  }
  return x;
}
#endif

static void
resize_hrow(const guint8 *s, const int *xofs, const guint16 *alpha, int sw, int dw, guint32 *out)
{
  int x = 0;
#ifdef RESIZE_AVX2
  if (__builtin_cpu_supports("avx2"))
    x = resize_hrow_avx2(s, xofs, alpha, sw, dw, out);
#endif
  for (; x < dw; x++) {
    int sx = xofs[x];
    int sx1 = sx + 1 < sw ? sx + 1 : sx;
    out[x] = s[sx] * (guint32)alpha[2 * x] + s[sx1] * (guint32)alpha[2 * x + 1];
  }
}

static guint32 *
resize_get_row(ResizeBuf *b, const guint8 *src, int sw, int sstride, int dw, int want, int avoid)
{
  int slot = b->row_src[0] == want ? 0 : b->row_src[1] == want ? 1 : -1;
  if (slot < 0) {
    slot = b->row_src[0] == avoid ? 1 : 0;
    resize_hrow(src + (gsize)want * (gsize)sstride, b->xofs, b->alpha, sw, dw,
                b->rows + (gsize)slot * b->cap_x);
    b->row_src[slot] = want;
  }
  return b->rows + (gsize)slot * b->cap_x;
}

/* One output row from two horizontal passes' rows, weighed: 32-bit products, so eight at a
 * time where the CPU has AVX2 (SSE2 has no 32-bit multiply). */
BOOTH_HOT_CLONES static void
resize_vrow(const guint32 *r0, const guint32 *r1, guint32 b0, guint32 b1, guint8 *d, int dw)
{
  for (int x = 0; x < dw; x++) {
    guint32 v = (r0[x] * b0 + r1[x] * b1 + (1u << 15)) >> 16;
    d[x] = (guint8)MIN(v, 255u);
  }
}

static void
resize_linear(ResizeBuf *b, const guint8 *src, int sw, int sh, int sstride, guint8 *dst, int dw,
              int dh, int dstride)
{
  if (sw == dw && sh == dh) {
    for (int y = 0; y < dh; y++)
      memcpy(dst + (gsize)y * (gsize)dstride, src + (gsize)y * (gsize)sstride, (gsize)dw);
    return;
  }
  /* Exactly half in both directions: OpenCV averages 2x2 blocks instead. */
  if ((double)dw / sw == 0.5 && (double)dh / sh == 0.5) {
    booth_luma_halve(src, sstride, dst, dstride, dw, dh);
    return;
  }
  if ((gsize)dw > b->cap_x) {
    g_free(b->xofs);
    g_free(b->alpha);
    g_free(b->rows);
    b->cap_x = (gsize)dw;
    b->xofs = g_new(int, b->cap_x);
    b->alpha = g_new(guint16, 2 * b->cap_x);
    b->rows = g_new(guint32, 2 * b->cap_x);
  }
  if ((gsize)dh > b->cap_y) {
    g_free(b->yofs);
    g_free(b->beta);
    b->cap_y = (gsize)dh;
    b->yofs = g_new(int, b->cap_y);
    b->beta = g_new(guint16, 2 * b->cap_y);
  }
  resize_axis(sw, dw, b->xofs, b->alpha);
  resize_axis(sh, dh, b->yofs, b->beta);
  b->row_src[0] = b->row_src[1] = -1;
  for (int y = 0; y < dh; y++) {
    int sy = b->yofs[y], sy1 = MIN(sy + 1, sh - 1);
    guint32 b0 = b->beta[2 * y], b1 = b->beta[2 * y + 1];
    const guint32 *r0 = resize_get_row(b, src, sw, sstride, dw, sy, sy1);
    const guint32 *r1 = b1 ? resize_get_row(b, src, sw, sstride, dw, sy1, sy) : r0;
    resize_vrow(r0, r1, b0, b1, dst + (gsize)y * (gsize)dstride, dw);
  }
}

void
booth_cascade_resize(const guint8 *src, int src_w, int src_h, int src_stride, guint8 *dst,
                     int dst_w, int dst_h)
{
  g_assert(src && dst);
  g_assert(src_w > 0 && src_h > 0 && src_stride >= src_w && dst_w > 0 && dst_h > 0);
  ResizeBuf b = {0};
  resize_linear(&b, src, src_w, src_h, src_stride, dst, dst_w, dst_h, dst_w);
  resize_buf_clear(&b);
}

/* ---------------------------------------------------------------- integral images */

/* Sums are kept modulo 2^32 as OpenCV's 32-bit integrals are: a window's sum is a difference
 * of four corners, exact whatever the image size as long as the window's own sum fits. */
static inline gint32
rect_sum(const guint32 *p, const int *o)
{
  return (gint32)(p[o[0]] - p[o[1]] - p[o[2]] + p[o[3]]);
}

/* sum[y][x] over pixels above and left of (x, y); squares the same (when asked for, as
 * tilted is); tilted[y][x] over the
 * pixels (i, j) with j < y and |i - x + 1| <= y - j - 1 (the 45-degree triangle whose apex is
 * the pixel up and left of (x, y)), all with one more row and column than the image. */
static void
integral_build(const guint8 *img, int w, int h, int istride, guint32 *sum, guint32 *sq,
               guint32 *tilt, guint32 *diag, int stride)
{
  memset(sum, 0, sizeof(guint32) * (gsize)(w + 1));
  if (sq)
    memset(sq, 0, sizeof(guint32) * (gsize)(w + 1));
  if (tilt) {
    memset(tilt, 0, sizeof(guint32) * (gsize)(w + 1));
    memset(diag, 0, sizeof(guint32) * (gsize)(w + h + 1));
  }
  for (int y = 0; y < h; y++) {
    const guint8 *p = img + (gsize)y * (gsize)istride;
    const guint32 *s0 = sum + (gsize)y * (gsize)stride;
    guint32 *s1 = sum + (gsize)(y + 1) * (gsize)stride;
    guint32 acc = 0;
    s1[0] = 0;
    for (int x = 0; x < w; x++) {
      acc += p[x];
      s1[x + 1] = s0[x + 1] + acc;
    }
    if (sq) {
      const guint32 *q0 = sq + (gsize)y * (gsize)stride;
      guint32 *q1 = sq + (gsize)(y + 1) * (gsize)stride;
      guint32 acc2 = 0;
      q1[0] = 0;
      for (int x = 0; x < w; x++) {
        acc2 += (guint32)p[x] * p[x];
        q1[x + 1] = q0[x + 1] + acc2;
      }
    }
    if (!tilt)
      continue;
    /* Row y+1 of the triangle sums is row y's shifted one left, plus the two anti-diagonals
     * that widen it (diag[c]: pixels with i + j == c in the rows above y), plus the apex. */
    const guint32 *t0 = tilt + (gsize)y * (gsize)stride;
    guint32 *t1 = tilt + (gsize)(y + 1) * (gsize)stride;
    t1[0] = w > 0 ? t0[1] : 0;
    for (int x = 1; x <= w; x++) {
      int c = x + y - 2;
      guint32 d = (c >= 0 ? diag[c] : 0) + diag[c + 1];
      t1[x] = t0[x - 1] + d + p[x - 1];
    }
    for (int x = 0; x < w; x++)
      diag[x + y] += p[x];
  }
}

/* ---------------------------------------------------------------- the cascade laid out */

/* Node and feature in one record with corner offsets for the current row stride, so the hot
 * loop reads the cascade front to back without any indirection. */
typedef struct {
  int ofs[3][4];
  float weight[3];
  float threshold;
  float left, right; /* stumps: the two leaf values */
  int child[2];      /* trees: as in the file */
  double lo, hi;     /* a tree's root: see stage_bounds() */
} HaarOp;

typedef struct {
  int ofs[16];
  int split[16]; /* the same corners in a level split by split_columns() */
  float left, right;
  guint32 subset[LBP_SUBSET_WORDS];
} LbpOp;

/* A stage's sum in float below 'below' is surely under its threshold in OpenCV's double; above
 * 'above', surely not. */
typedef struct {
  float below, above;
} StageSure;

typedef struct {
  guint serial; /* 0: unused */
  gsize stamp;  /* least recently used goes first */
  HaarOp *haar;
  LbpOp *lbp;
  int bulk;        /* how many first stages run over a row of windows at once (scan_level_bulk()) */
  StageSure *sure; /* per stage, for the row kernels' sums in float (stage_sure()) */
} Program;

#define SCRATCH_PROGRAMS 4

struct BoothCascadeScratch {
  int stride;       /* integral row length, in values; only ever grows */
  int rows;         /* rows per integral plane; only ever grows */
  guint32 *ii;      /* sum, squares, tilted planes */
  guint32 *diag;    /* tilted helper, stride + rows values */
  guint8 *level;    /* one pyramid level */
  gsize level_size; /* bytes */
  ResizeBuf resize;
  Program programs[SCRATCH_PROGRAMS];
  gsize clock;
  GArray *raw;  /* BoothDetection candidates before grouping */
  guint8 *pass; /* LBP: per window of a row, how many of the bulk stages it passes */
};

BoothCascadeScratch *
booth_cascade_scratch_new(void)
{
  BoothCascadeScratch *s = g_new0(BoothCascadeScratch, 1);
  s->raw = g_array_new(FALSE, FALSE, sizeof(BoothDetection));
  return s;
}

static void
program_clear(Program *pg)
{
  g_free(pg->haar);
  g_free(pg->lbp);
  g_free(pg->sure);
  memset(pg, 0, sizeof *pg);
}

void
booth_cascade_scratch_free(BoothCascadeScratch *s)
{
  if (!s)
    return;
  g_free(s->ii);
  g_free(s->diag);
  g_free(s->level);
  g_free(s->pass);
  resize_buf_clear(&s->resize);
  for (int i = 0; i < SCRATCH_PROGRAMS; i++)
    program_clear(&s->programs[i]);
  g_array_unref(s->raw);
  g_free(s);
}

static gsize
scratch_plane(const BoothCascadeScratch *s)
{
  return (gsize)s->stride * (gsize)s->rows;
}

static void
offsets_upright(int *o, int x, int y, int w, int h, int stride, gsize base)
{
  o[0] = (int)base + x + stride * y;
  o[1] = (int)base + x + w + stride * y;
  o[2] = (int)base + x + stride * (y + h);
  o[3] = (int)base + x + w + stride * (y + h);
}

/* The corners of a rectangle turned 45 degrees, in the tilted plane. */
static void
offsets_tilted(int *o, int x, int y, int w, int h, int stride, gsize base)
{
  o[0] = (int)base + x + stride * y;
  o[1] = (int)base + x - h + stride * (y + h);
  o[2] = (int)base + x + w + stride * (y + w);
  o[3] = (int)base + x + w - h + stride * (y + w + h);
}

/* A stage's verdict is often sure before its last tree: once the sum so far is below 'lo',
 * no leaves still to come can lift it to the threshold; once it reaches 'hi', none can pull it
 * under. For tree i of a stage, lo = threshold - (largest sum of the trees after it) and hi =
 * threshold - (smallest such sum); the last tree's are the threshold itself. This gives
 * OpenCV's verdict exactly, provided every sum involved is exact in double, which holds when
 * the leaves and threshold share a small enough range of binary exponents (checked per stage:
 * the shipped files have at least 7 bits to spare); otherwise only the last tree decides. */
static void
stage_bounds(const BoothCascade *c, const Stage *st, double *lo, double *hi)
{
  int n = st->ntrees;
  g_autofree double *leaf_min = g_new(double, n);
  g_autofree double *leaf_max = g_new(double, n);
  int emin = G_MAXINT;
  double total = fabs(st->threshold);
  int e;
  if (st->threshold != 0.f) {
    frexp(st->threshold, &e);
    emin = e;
  }
  for (int i = 0; i < n; i++) {
    const Tree *tr = &g_array_index(c->trees, Tree, st->first_tree + i);
    leaf_min[i] = G_MAXDOUBLE, leaf_max[i] = -G_MAXDOUBLE;
    double big = 0;
    int nleaves = c->stumps ? 2 : tr->nnodes + 1;
    for (int k = 0; k < nleaves; k++) {
      double v = g_array_index(c->leaves, float, tr->first_leaf + k);
      leaf_min[i] = MIN(leaf_min[i], v);
      leaf_max[i] = MAX(leaf_max[i], v);
      big = MAX(big, fabs(v));
      if (v != 0.) {
        frexp(v, &e);
        emin = MIN(emin, e);
      }
    }
    total += big;
  }
  /* Floats are multiples of 2^(e-24); sums of them up to 'total' fit double's 53 bits. */
  gboolean exact = emin == G_MAXINT || total < ldexp(1.0, emin + 28);
  double rest_min = 0, rest_max = 0;
  for (int i = n - 1; i >= 0; i--) {
    if (i == n - 1 || exact) {
      lo[i] = st->threshold - rest_max;
      hi[i] = st->threshold - rest_min;
    } else {
      lo[i] = -INFINITY;
      hi[i] = INFINITY;
    }
    rest_min += leaf_min[i];
    rest_max += leaf_max[i];
  }
}

/* OpenCV adds a stage's leaves in double; the row kernels add them in float, eight lanes to a
 * register instead of four. Both sums of n leaves, one after the other, are within
 * gamma(n - 1) * (sum of the leaves' largest magnitudes) of the exact sum, gamma(k) being
 * k u / (1 - k u) for the unit roundoff u of each type. So a float sum farther from the
 * threshold than both errors together gives OpenCV's verdict; one nearer is summed again in
 * double (rare: the leaves take few values). */
static StageSure
stage_sure(const BoothCascade *c, const Stage *st)
{
  double big = 0;
  for (int i = 0; i < st->ntrees; i++) {
    const Tree *tr = &g_array_index(c->trees, Tree, st->first_tree + i);
    int nleaves = c->stumps ? 2 : tr->nnodes + 1;
    double m = 0;
    for (int k = 0; k < nleaves; k++)
      m = MAX(m, fabs((double)g_array_index(c->leaves, float, tr->first_leaf + k)));
    big += m;
  }
  double k = st->ntrees - 1, uf = ldexp(1.0, -24), ud = ldexp(1.0, -53);
  double err = (k * uf / (1 - k * uf) + k * ud / (1 - k * ud)) * big * (1 + 1e-6);
  StageSure s = {nextafterf((float)((double)st->threshold - err), -INFINITY),
                 nextafterf((float)((double)st->threshold + err), INFINITY)};
  return s;
}

/* The stages within the first max_trees trees. */
static int
bulk_stages(const BoothCascade *c, int max_trees)
{
  int n = 0;
  for (guint i = 0; i < c->stages->len; i++) {
    const Stage *st = &g_array_index(c->stages, Stage, i);
    if (st->first_tree + st->ntrees > max_trees)
      break;
    n = (int)i + 1;
  }
  return n;
}

static void
program_build(Program *pg, const BoothCascade *c, int stride, gsize plane)
{
  pg->sure = g_new(StageSure, c->stages->len);
  for (guint i = 0; i < c->stages->len; i++)
    pg->sure[i] = stage_sure(c, &g_array_index(c->stages, Stage, i));
  guint n = c->nodes->len;
  if (c->type == FEATURE_LBP) {
    pg->lbp = g_new0(LbpOp, n);
    for (guint i = 0; i < n; i++) {
      const Node *nd = &g_array_index(c->nodes, Node, i);
      const Feature *f = &g_array_index(c->features, Feature, nd->feature);
      LbpOp *op = &pg->lbp[i];
      /* A 4x4 grid of corners of the 3x3 blocks, row by row. */
      for (int j = 0; j < 4; j++)
        for (int k = 0; k < 4; k++) {
          int cx = f->lx + k * f->lw, cy = f->ly + j * f->lh;
          op->ofs[j * 4 + k] = cx + stride * cy;
          op->split[j * 4 + k] = (cx % 2 ? (stride + 1) / 2 : 0) + cx / 2 + stride * cy;
        }
      op->left = g_array_index(c->leaves, float, 2 * i);
      op->right = g_array_index(c->leaves, float, 2 * i + 1);
      memcpy(op->subset, nd->subset, sizeof op->subset);
    }
    pg->bulk = MAX(bulk_stages(c, LBP_BULK_TREES), 1);
    return;
  }
  g_autofree double *lo = g_new(double, c->trees->len);
  g_autofree double *hi = g_new(double, c->trees->len);
  for (guint i = 0; i < c->stages->len; i++) {
    const Stage *st = &g_array_index(c->stages, Stage, i);
    stage_bounds(c, st, lo + st->first_tree, hi + st->first_tree);
  }
  pg->haar = g_new0(HaarOp, n);
  for (guint t = 0; t < c->trees->len; t++) {
    const Tree *tr = &g_array_index(c->trees, Tree, t);
    for (int i = 0; i < tr->nnodes; i++) {
      const Node *nd = &g_array_index(c->nodes, Node, tr->first_node + i);
      const Feature *f = &g_array_index(c->features, Feature, nd->feature);
      HaarOp *op = &pg->haar[tr->first_node + i];
      for (int k = 0; k < 3; k++) {
        const HaarRect *r = &f->r[k];
        if (k >= f->nrects) {
          /* Weight 0 and all corners on the window origin: adds nothing. */
          offsets_upright(op->ofs[k], 0, 0, 0, 0, stride, 0);
          op->weight[k] = 0.f;
        } else if (f->tilted) {
          offsets_tilted(op->ofs[k], r->x, r->y, r->w, r->h, stride, 2 * plane);
          op->weight[k] = r->weight;
        } else {
          offsets_upright(op->ofs[k], r->x, r->y, r->w, r->h, stride, 0);
          op->weight[k] = r->weight;
        }
      }
      op->threshold = nd->threshold;
      op->child[0] = nd->left;
      op->child[1] = nd->right;
      /* A single split reads its leaves in file order whatever its child fields say. */
      op->left = g_array_index(c->leaves, float, tr->first_leaf);
      op->right = g_array_index(c->leaves, float, tr->first_leaf + 1);
      op->lo = lo[t];
      op->hi = hi[t];
    }
  }
  if (c->stumps)
    pg->bulk = (int)c->stages->len;
}

/* Makes room for a (w+1) x (h+1) integral and returns the cascade laid out for it. */
static const Program *
scratch_prepare(BoothCascadeScratch *s, const BoothCascade *c, int w, int h)
{
  if (w + 1 > s->stride || h + 1 > s->rows) {
    s->stride = MAX(s->stride, w + 1);
    s->rows = MAX(s->rows, h + 1);
    g_free(s->ii);
    g_free(s->diag);
    g_free(s->pass);
    /* The row kernels read up to LBP_READ_PAST values past the last window's corners. */
    s->ii = g_new0(guint32, 3 * scratch_plane(s) + LBP_READ_PAST);
    s->pass = g_new(guint8, (gsize)s->stride + LBP_LANES);
    s->diag = g_new(guint32, (gsize)s->stride + (gsize)s->rows);
    for (int i = 0; i < SCRATCH_PROGRAMS; i++)
      program_clear(&s->programs[i]);
  }
  Program *pg = NULL, *oldest = &s->programs[0];
  for (int i = 0; i < SCRATCH_PROGRAMS; i++) {
    if (s->programs[i].serial == c->serial)
      pg = &s->programs[i];
    if (s->programs[i].stamp < oldest->stamp)
      oldest = &s->programs[i];
  }
  if (!pg) {
    pg = oldest;
    program_clear(pg);
    program_build(pg, c, s->stride, scratch_plane(s));
    pg->serial = c->serial;
  }
  pg->stamp = ++s->clock;
  return pg;
}

/* ---------------------------------------------------------------- evaluation */

typedef struct {
  const BoothCascade *c;
  const Program *pg;
  int nofs[4]; /* the variance window: one pixel in from each side */
  gsize sq;    /* offset of the squares plane */
  double area;
} Eval;

static inline float
haar_value(const HaarOp *op, const guint32 *p)
{
  float v = op->weight[0] * (float)rect_sum(p, op->ofs[0]) +
            op->weight[1] * (float)rect_sum(p, op->ofs[1]);
  if (op->weight[2] != 0.0f)
    v += op->weight[2] * (float)rect_sum(p, op->ofs[2]);
  return v;
}

/* The window's normalisation factor into nf_out; FALSE for windows too flat to normalise,
 * which OpenCV skips. */
static inline gboolean
haar_normalise(const Eval *e, const guint32 *p, float *nf_out)
{
  gint32 s = rect_sum(p, e->nofs);
  const guint32 *q = p + e->sq;
  guint32 sq = q[e->nofs[0]] - q[e->nofs[1]] - q[e->nofs[2]] + q[e->nofs[3]];
  double nf = e->area * (double)sq - (double)s * (double)s;
  if (!(nf > 0.))
    return FALSE;
  *nf_out = (float)(1. / sqrt(nf));
  return e->area * *nf_out < 1e-1;
}

/* 1 when every stage passes, else minus the index of the stage that rejected the window;
 * -1 also for windows too flat to normalise. For cascades of trees (cascades of single splits
 * run in haar_bulk()). */
static int
haar_trees_run(const Eval *e, const guint32 *p)
{
  float nf;
  if (!haar_normalise(e, p, &nf))
    return -1;
  const BoothCascade *c = e->c;
  const Stage *stages = (const Stage *)(void *)c->stages->data;
  const Tree *trees = (const Tree *)(void *)c->trees->data;
  const float *leaves = (const float *)(void *)c->leaves->data;
  int nstages = (int)c->stages->len;
  for (int si = 0; si < nstages; si++) {
    double t = 0;
    for (const Tree *tr = trees + stages[si].first_tree;; tr++) {
      const HaarOp *root = e->pg->haar + tr->first_node;
      int idx = 0;
      do {
        const HaarOp *op = root + idx;
        double v = haar_value(op, p) * nf;
        idx = op->child[v < op->threshold ? 0 : 1];
      } while (idx > 0);
      t += leaves[tr->first_leaf - idx];
      if (t < root->lo)
        return -si;
      if (t >= root->hi)
        break;
    }
  }
  return 1;
}

/* An LBP cascade runs over a whole row of windows, LBP_LANES at a time, with the compiler's
 * vector types: the corners of LBP_LANES neighbouring windows lie side by side in the integral
 * row (or, when the windows are two apart, in split_columns()'s copy), a code's subset word is
 * one of eight, picked by a shuffle, and each lane adds its stage's leaves in tree order, in
 * float where that gives OpenCV's verdict (stage_sure()), else in double as OpenCV does; a
 * verdict is that sum against the stage's threshold. The first stages
 * turn down nearly every window (87% of them by the end of the second on booth frames) and run
 * on every group (lbp_bulk()); the rest run only on groups from a window that passed those
 * (lbp_deep()). Built for AVX2 too, picked at load time where the CPU has it. */
typedef guint32 LbpVec __attribute__((vector_size(4 * LBP_LANES)));
typedef gint32 LbpVecS __attribute__((vector_size(4 * LBP_LANES)));
typedef float LbpVecF __attribute__((vector_size(4 * LBP_LANES)));
typedef double LbpVecD __attribute__((vector_size(8 * LBP_LANES)));
/* Sums in double kept as two halves, each one AVX register. */
typedef float LbpHalfF __attribute__((vector_size(2 * LBP_LANES)));
typedef gint32 LbpHalfS __attribute__((vector_size(2 * LBP_LANES)));
typedef double LbpHalfD __attribute__((vector_size(4 * LBP_LANES)));
typedef gint64 LbpHalfL __attribute__((vector_size(4 * LBP_LANES)));
typedef guint8 LbpVecB __attribute__((vector_size(LBP_LANES)));
typedef struct {
  LbpHalfD lo, hi;
} LbpSums;

/* The lane lists of the shuffles below. */
#define LANES_LO 0, 1, 2, 3
#define LANES_HI 4, 5, 6, 7
#define LANES_ALL LANES_LO, LANES_HI
#define LANES_EVEN 0, 2, 4, 6, 8, 10, 12, 14

G_STATIC_ASSERT(LBP_LANES == 8 && LBP_SUBSET_WORDS == LBP_LANES);

/* The helpers below are inlined into each build of lbp_bulk() and haar_bulk(); vectors pass by
 * pointer, as returned by value their ABI would depend on the target. */

BOOTH_HOT_INLINE void
sums_add(LbpSums *t, const LbpVecF *leaf)
{
  LbpHalfF lo = __builtin_shufflevector(*leaf, *leaf, LANES_LO);
  LbpHalfF hi = __builtin_shufflevector(*leaf, *leaf, LANES_HI);
  t->lo += __builtin_convertvector(lo, LbpHalfD);
  t->hi += __builtin_convertvector(hi, LbpHalfD);
}

/* Whether any lane of m is not zero. */
BOOTH_HOT_INLINE gboolean
any_lane(const LbpVecS *m)
{
  guint64 w[sizeof *m / 8], any = 0;
  memcpy(w, m, sizeof w);
  for (gsize i = 0; i < G_N_ELEMENTS(w); i++)
    any |= w[i];
  return any != 0;
}

BOOTH_HOT_INLINE void
lbp_load(const guint32 *p, int step, LbpVec *out)
{
  LbpVec a;
  memcpy(&a, p, sizeof a);
  if (step == 1) {
    *out = a;
    return;
  }
  LbpVec b;
  memcpy(&b, p + LBP_LANES, sizeof b);
  *out = __builtin_shufflevector(a, b, LANES_EVEN);
}

/* One row of a code's 4x4 corners as its three differences across, c[k] - c[k + 1]. */
BOOTH_HOT_INLINE void
lbp_across(const int *o, const guint32 *p, LbpVec *h)
{
  LbpVec c0, c1, c2, c3;
  memcpy(&c0, p + o[0], sizeof c0);
  memcpy(&c1, p + o[1], sizeof c1);
  memcpy(&c2, p + o[2], sizeof c2);
  memcpy(&c3, p + o[3], sizeof c3);
  h[0] = c0 - c1;
  h[1] = c1 - c2;
  h[2] = c2 - c3;
}

/* The LBP codes of LBP_LANES windows, as OpenCV makes each: the eight outer blocks of a 3x3 grid
 * against the centre one, clockwise from the top left, most significant bit first. Block
 * (j, k) is the difference of corner rows j and j + 1's differences across, and only two corner
 * rows are held at a time. */
BOOTH_HOT_INLINE void
lbp_codes(const int *o, const guint32 *p, LbpVecS *code)
{
  LbpVec a[3], b[3];
  lbp_across(o + 4, p, a);
  lbp_across(o + 8, p, b);
  LbpVecS centre = (LbpVecS)(a[1] - b[1]);
  *code = ((LbpVecS)(a[2] - b[2]) >= centre) & 16;
  *code |= ((LbpVecS)(a[0] - b[0]) >= centre) & 1;
  lbp_across(o + 12, p, a);
  *code |= ((LbpVecS)(b[0] - a[0]) >= centre) & 2;
  *code |= ((LbpVecS)(b[1] - a[1]) >= centre) & 4;
  *code |= ((LbpVecS)(b[2] - a[2]) >= centre) & 8;
  lbp_across(o, p, a);
  lbp_across(o + 4, p, b);
  *code |= ((LbpVecS)(a[0] - b[0]) >= centre) & 128;
  *code |= ((LbpVecS)(a[1] - b[1]) >= centre) & 64;
  *code |= ((LbpVecS)(a[2] - b[2]) >= centre) & 32;
}

/* Each lane's leaf: left where take_left is all ones, else right. */
BOOTH_HOT_INLINE void
pick_leaves(const LbpVecS *take_left, const float *left, const float *right, LbpVecF *leaf)
{
  LbpVecS l, r;
  memcpy(&l, left, sizeof l[0]);
  memcpy(&r, right, sizeof r[0]);
  LbpVecS bits = (*take_left & l[0]) | (~*take_left & r[0]);
  memcpy(leaf, &bits, sizeof bits);
}

/* Stage si's verdict on each lane still in it (state == si), from its sum: the lane's state
 * goes one up where it passes. Returns whether any lane passed. */
BOOTH_HOT_INLINE gboolean
stage_verdicts(const LbpSums *t, float threshold, int si, LbpVecS *state)
{
  LbpHalfS lo = __builtin_convertvector((LbpHalfL)(t->lo < (double)threshold), LbpHalfS);
  LbpHalfS hi = __builtin_convertvector((LbpHalfL)(t->hi < (double)threshold), LbpHalfS);
  LbpVecS passed = ~__builtin_shufflevector(lo, hi, LANES_ALL);
  *state -= (*state == si) & passed;
  LbpVecS up = *state == si + 1;
  return any_lane(&up);
}

/* The same from a sum in float. Returns FALSE, deciding nothing, when a lane's sum is too near
 * the threshold for float to tell (stage_sure()); otherwise sets *passed to whether any lane
 * passed. */
BOOTH_HOT_INLINE gboolean
stage_verdicts_float(const LbpVecF *t, const StageSure *sure, int si, LbpVecS *state,
                     gboolean *passed)
{
  LbpVecS in = *state == si, pass = *t > sure->above;
  LbpVecS unsure = in & ~(pass | (*t < sure->below));
  if (any_lane(&unsure))
    return FALSE;
  *state -= in & pass;
  LbpVecS up = *state == si + 1;
  *passed = any_lane(&up);
  return TRUE;
}

/* Each lane's state as a byte, into out. */
BOOTH_HOT_INLINE void
states_store(const LbpVecS *state, guint8 *out)
{
  LbpVecB b = __builtin_convertvector(*state, LbpVecB);
  memcpy(out, &b, sizeof b);
}

/* Each lane's leaf for its code: subset bit set, left; else right. */
BOOTH_HOT_INLINE void
lbp_leaves(const LbpOp *op, const LbpVecS *code, LbpVecF *leaf)
{
  LbpVec word;
#if defined(__clang__)
  for (int l = 0; l < LBP_LANES; l++)
    word[l] = op->subset[(*code)[l] >> 5];
#else
  LbpVec subset;
  memcpy(&subset, op->subset, sizeof subset);
  word = __builtin_shuffle(subset, (LbpVec)(*code >> 5));
#endif
  LbpVecS take_left = -(LbpVecS)((word >> (LbpVec)(*code & 31)) & 1u);
  pick_leaves(&take_left, &op->left, &op->right, leaf);
}

/* Stages from..to-1 on LBP_LANES neighbouring windows from p (see lbp_bulk() for split): each
 * lane whose state is a stage's number goes one up where it passes it. Stops when no lane is
 * left in. */
BOOTH_HOT_INLINE void
lbp_group(const Eval *e, const guint32 *p, gboolean split, int from, int to, LbpVecS *state)
{
  const Stage *stages = (const Stage *)(void *)e->c->stages->data;
  for (int si = from; si < to; si++) {
    const LbpOp *op = e->pg->lbp + stages[si].first_tree;
    LbpVecF t = {0};
    for (int k = 0; k < stages[si].ntrees; k++) {
      LbpVecS code;
      LbpVecF leaf;
      lbp_codes(split ? op[k].split : op[k].ofs, p, &code);
      lbp_leaves(&op[k], &code, &leaf);
      t += leaf;
    }
    gboolean passed;
    if (!stage_verdicts_float(&t, &e->pg->sure[si], si, state, &passed)) {
      LbpSums d = {{0}, {0}};
      for (int k = 0; k < stages[si].ntrees; k++) {
        LbpVecS code;
        LbpVecF leaf;
        lbp_codes(split ? op[k].split : op[k].ofs, p, &code);
        lbp_leaves(&op[k], &code, &leaf);
        sums_add(&d, &leaf);
      }
      passed = stage_verdicts(&d, stages[si].threshold, si, state);
    }
    if (!passed)
      break;
  }
}

BOOTH_HOT_CLONES static void
lbp_bulk(const Eval *e, const guint32 *row, gboolean split, int n, guint8 *pass)
{
  for (int i0 = 0; i0 < n; i0 += LBP_LANES) {
    LbpVecS state = {0};
    lbp_group(e, row + i0, split, 0, e->pg->bulk, &state);
    states_store(&state, pass + i0);
  }
}

/* Then the rest of the stages for the windows that passed those (pass[i] == pg->bulk), also
 * LBP_LANES at a time from the first such window on: they lie in clusters, around a face or
 * something like one. pass[i] becomes how many stages window i passes in a row. */
BOOTH_HOT_CLONES static void
lbp_deep(const Eval *e, const guint32 *row, gboolean split, int n, guint8 *pass)
{
  int nb = e->pg->bulk;
  for (int i = 0; i < n; i++) {
    if (pass[i] != nb)
      continue;
    LbpVecS state;
    for (int l = 0; l < LBP_LANES; l++)
      state[l] = i + l < n ? pass[i + l] : 0;
    lbp_group(e, row + i, split, nb, (int)e->c->stages->len, &state);
    states_store(&state, pass + i);
    i += LBP_LANES - 1;
  }
}

/* Each row of a w-column integral as its even columns, then from (stride + 1) / 2 on its odd
 * ones: windows two apart read their corners side by side. */
BOOTH_HOT_CLONES static void
split_columns(const guint32 *ii, guint32 *out, int stride, int w, int rows)
{
  int half = (stride + 1) / 2;
  for (int y = 0; y < rows; y++) {
    const guint32 *r = ii + (gsize)y * (gsize)stride;
    guint32 *o = out + (gsize)y * (gsize)stride;
    /* Whole vectors: the evens' last may run into the odds, written after; the odds' last
     * into the next row, written after, or the slack past the plane. */
    for (int j = 0; 2 * j < w; j += LBP_LANES) {
      LbpVec v;
      lbp_load(r + 2 * j, 2, &v);
      memcpy(o + j, &v, sizeof v);
    }
    for (int j = 0; 2 * j + 1 < w; j += LBP_LANES) {
      LbpVec v;
      lbp_load(r + 2 * j + 1, 2, &v);
      memcpy(o + half + j, &v, sizeof v);
    }
  }
}

/* The same for a Haar cascade of single splits, every stage of it: each lane's window
 * normalised as haar_normalise() does it (a window too flat for it gets BULK_FLAT), then each
 * feature's value made with the same float operations in the same order as haar_value(), times
 * the factor, and its leaf added as the LBP ones are. The deep stages run on whole groups too:
 * windows that get that far lie in clusters (on an eye, a brow), so most lanes of a group still
 * count, and eight at a time beat one at a time with its early exits (a 1080p frame's faces and
 * eyes: 10.6-11.7 -> 9.3-9.5 ms with a face in view). */
#define BULK_FLAT 255

BOOTH_HOT_INLINE void
vec_rect(const int *o, const guint32 *p, int step, LbpVecF *out)
{
  LbpVec c[4];
  for (int k = 0; k < 4; k++)
    lbp_load(p + o[k], step, &c[k]);
  *out = __builtin_convertvector((LbpVecS)(c[0] - c[1] - c[2] + c[3]), LbpVecF);
}

/* Each lane's leaf of a single split: its feature's value made with the same float operations
 * in the same order as haar_value(), times the window's factor nf, against the threshold. */
BOOTH_HOT_INLINE void
haar_leaves(const HaarOp *op, const guint32 *p, int step, const LbpVecF *nf, LbpVecF *leaf)
{
  LbpVecF r0, r1, v;
  vec_rect(op->ofs[0], p, step, &r0);
  vec_rect(op->ofs[1], p, step, &r1);
  v = op->weight[0] * r0 + op->weight[1] * r1;
  if (op->weight[2] != 0.0f) {
    LbpVecF r2;
    vec_rect(op->ofs[2], p, step, &r2);
    v += op->weight[2] * r2;
  }
  v *= *nf;
  LbpVecS take_left = v < op->threshold;
  pick_leaves(&take_left, &op->left, &op->right, leaf);
}

BOOTH_HOT_INLINE void
haar_bulk_step(const Eval *e, const guint32 *row, int step, int n, guint8 *pass)
{
  const Stage *stages = (const Stage *)(void *)e->c->stages->data;
  int nb = e->pg->bulk;
  for (int i0 = 0; i0 < n; i0 += LBP_LANES) {
    const guint32 *p = row + (gsize)i0 * (gsize)step;
    LbpVecS state;
    LbpVec c[4], q[4];
    for (int k = 0; k < 4; k++) {
      lbp_load(p + e->nofs[k], step, &c[k]);
      lbp_load(p + e->sq + e->nofs[k], step, &q[k]);
    }
    LbpVecD sum = __builtin_convertvector((LbpVecS)(c[0] - c[1] - c[2] + c[3]), LbpVecD);
    LbpVecD sq = __builtin_convertvector(q[0] - q[1] - q[2] + q[3], LbpVecD);
    LbpVecD nfd = e->area * sq - sum * sum;
    LbpVecF nf;
    for (int l = 0; l < LBP_LANES; l++) {
      nf[l] = nfd[l] > 0. ? (float)(1. / sqrt(nfd[l])) : 0.f;
      state[l] = !(nfd[l] > 0.) || !(e->area * nf[l] < 1e-1) ? BULK_FLAT : 0;
    }
    for (int si = 0; si < nb; si++) {
      const HaarOp *op = e->pg->haar + stages[si].first_tree;
      LbpVecF t = {0};
      for (int k = 0; k < stages[si].ntrees; k++) {
        LbpVecF leaf;
        haar_leaves(&op[k], p, step, &nf, &leaf);
        t += leaf;
      }
      gboolean passed;
      if (!stage_verdicts_float(&t, &e->pg->sure[si], si, &state, &passed)) {
        LbpSums d = {{0}, {0}};
        for (int k = 0; k < stages[si].ntrees; k++) {
          LbpVecF leaf;
          haar_leaves(&op[k], p, step, &nf, &leaf);
          sums_add(&d, &leaf);
        }
        passed = stage_verdicts(&d, stages[si].threshold, si, &state);
      }
      if (!passed)
        break;
    }
    states_store(&state, pass + i0);
  }
}

BOOTH_HOT_CLONES static void
haar_bulk(const Eval *e, const guint32 *row, int step, int n, guint8 *pass)
{
  if (step == 1)
    haar_bulk_step(e, row, 1, n, pass);
  else
    haar_bulk_step(e, row, 2, n, pass);
}

static void
push_window(GArray *out, int x, int y, float scale, int win_w, int win_h)
{
  BoothDetection d = {(int)lrintf((float)x * scale), (int)lrintf((float)y * scale), win_w, win_h,
                      1};
  g_array_append_val(out, d);
}

/* Every ystep-th window of one pyramid level; a window turned down by the very first stage
 * lets the scan skip the next one, as OpenCV's does. */
static void
scan_level(const Eval *e, const guint32 *ii, int stride, int sw, int sh, int ystep, float scale,
           int win_w, int win_h, GArray *out)
{
  for (int y = 0; y < sh; y += ystep) {
    const guint32 *row = ii + (gsize)y * (gsize)stride;
    for (int x = 0; x < sw; x += ystep) {
      int r = haar_trees_run(e, row + x);
      if (r > 0)
        push_window(out, x, y, scale, win_w, win_h);
      else if (r == 0)
        x += ystep;
    }
  }
}

/* scan_level() with every stage run over whole rows (lbp_bulk() and lbp_deep(), haar_bulk()). */
static void
scan_level_bulk(const Eval *e, guint8 *pass, guint32 *ii, int stride, int lw, int lh, int sw,
                int sh, int ystep, float scale, int win_w, int win_h, GArray *out)
{
  g_assert(ystep == 1 || ystep == 2);
  int n = (sw + ystep - 1) / ystep, nstages = (int)e->c->stages->len;
  gboolean lbp = e->c->type == FEATURE_LBP;
  /* LBP reads only the sums: the squares' plane holds the split level. */
  guint32 *split = lbp && ystep == 2 ? (guint32 *)ii + e->sq : NULL;
  if (split)
    split_columns(ii, split, stride, lw + 1, lh + 1);
  for (int y = 0; y < sh; y += ystep) {
    const guint32 *row = ii + (gsize)y * (gsize)stride;
    if (lbp) {
      const guint32 *r = split ? split + (gsize)y * (gsize)stride : row;
      lbp_bulk(e, r, split != NULL, n, pass);
      lbp_deep(e, r, split != NULL, n, pass);
    } else {
      haar_bulk(e, row, ystep, n, pass);
    }
    /* As scan_level(): a window turned down by the first stage skips the next one. */
    for (int i = 0; i < n; i++) {
      if (pass[i] == nstages)
        push_window(out, i * ystep, y, scale, win_w, win_h);
      else if (pass[i] == 0)
        i++;
    }
  }
}

/* ---------------------------------------------------------------- grouping */

static int
uf_find(int *parent, int i)
{
  while (parent[i] != i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

static gboolean
rects_similar(const BoothDetection *a, const BoothDetection *b, double eps)
{
  double delta = eps * (MIN(a->width, b->width) + MIN(a->height, b->height)) * 0.5;
  return abs(a->x - b->x) <= delta && abs(a->y - b->y) <= delta &&
         abs(a->x + a->width - b->x - b->width) <= delta &&
         abs(a->y + a->height - b->y - b->height) <= delta;
}

static int
cmp_by_x(gconstpointer a, gconstpointer b, gpointer data)
{
  const BoothDetection *r = data;
  int ia = *(const int *)a, ib = *(const int *)b;
  return r[ia].x != r[ib].x ? (r[ia].x < r[ib].x ? -1 : 1) : (ia < ib ? -1 : ia > ib);
}

/* OpenCV's groupRectangles: classes of transitively similar rectangles, averaged; classes
 * with min_neighbors or fewer members dropped, and so are small ones lying inside a larger
 * class that has clearly more support. */
static GArray *
group_rects(const GArray *raw, int min_neighbors, double eps)
{
  GArray *out = g_array_new(FALSE, FALSE, sizeof(BoothDetection));
  int n = (int)raw->len;
  const BoothDetection *r = (const BoothDetection *)(void *)raw->data;
  if (min_neighbors <= 0 || n == 0) {
    g_array_append_vals(out, r, (guint)n);
    return out;
  }
  g_autofree int *parent = g_new(int, n);
  g_autofree int *order = g_new(int, n);
  for (int i = 0; i < n; i++)
    parent[i] = order[i] = i;
  /* Two similar rectangles differ in x by at most eps times the smaller size, so after
   * sorting by x each one only needs comparing with the few that follow it closely. */
  g_qsort_with_data(order, n, sizeof(int), cmp_by_x, (gpointer)r);
  for (int a = 0; a < n; a++) {
    const BoothDetection *ra = &r[order[a]];
    double reach = eps * (ra->width + ra->height) * 0.5;
    for (int b = a + 1; b < n && r[order[b]].x - ra->x <= reach; b++) {
      if (!rects_similar(ra, &r[order[b]], eps))
        continue;
      int pa = uf_find(parent, order[a]), pb = uf_find(parent, order[b]);
      if (pa != pb)
        parent[MAX(pa, pb)] = MIN(pa, pb);
    }
  }
  g_autofree int *label = g_new(int, n);
  g_autofree gint64 *acc = g_new0(gint64, 5 * (gsize)n);
  int nclasses = 0;
  for (int i = 0; i < n; i++) {
    int root = uf_find(parent, i);
    label[i] = root == i ? nclasses++ : -1;
  }
  for (int i = 0; i < n; i++) {
    gint64 *a = acc + 5 * (gsize)label[uf_find(parent, i)];
    a[0] += r[i].x, a[1] += r[i].y, a[2] += r[i].width, a[3] += r[i].height, a[4]++;
  }
  g_autofree BoothDetection *avg = g_new(BoothDetection, nclasses);
  for (int k = 0; k < nclasses; k++) {
    const gint64 *a = acc + 5 * (gsize)k;
    float s = 1.f / (float)a[4];
    avg[k] =
        (BoothDetection){(int)lrintf((float)a[0] * s), (int)lrintf((float)a[1] * s),
                         (int)lrintf((float)a[2] * s), (int)lrintf((float)a[3] * s), (int)a[4]};
  }
  for (int i = 0; i < nclasses; i++) {
    const BoothDetection *r1 = &avg[i];
    int n1 = r1->neighbors;
    if (n1 <= min_neighbors)
      continue;
    int j;
    for (j = 0; j < nclasses; j++) {
      const BoothDetection *r2 = &avg[j];
      int n2 = r2->neighbors;
      if (j == i || n2 <= min_neighbors)
        continue;
      int dx = (int)lrint(r2->width * eps), dy = (int)lrint(r2->height * eps);
      if (r1->x >= r2->x - dx && r1->y >= r2->y - dy &&
          r1->x + r1->width <= r2->x + r2->width + dx &&
          r1->y + r1->height <= r2->y + r2->height + dy && (n2 > MAX(3, n1) || n1 < 3))
        break;
    }
    if (j == nclasses)
      g_array_append_val(out, *r1);
  }
  return out;
}

static void
clip_rects(GArray *a, int w, int h)
{
  guint k = 0;
  for (guint i = 0; i < a->len; i++) {
    BoothDetection d = g_array_index(a, BoothDetection, i);
    int x0 = MAX(d.x, 0), y0 = MAX(d.y, 0);
    int x1 = MIN(d.x + d.width, w), y1 = MIN(d.y + d.height, h);
    if (x1 <= x0 || y1 <= y0)
      continue;
    d.x = x0, d.y = y0, d.width = x1 - x0, d.height = y1 - y0;
    g_array_index(a, BoothDetection, k++) = d;
  }
  g_array_set_size(a, k);
}

/* ---------------------------------------------------------------- detection */

/* The scale factors OpenCV tries: every power of scale_factor whose window fits the image,
 * then only those within the size limits (or, when none is, the one nearest min). */
static GArray *
pick_scales(const BoothCascade *c, int w, int h, const BoothDetectParams *p)
{
  GArray *all = g_array_new(FALSE, FALSE, sizeof(float));
  GArray *scales = g_array_new(FALSE, FALSE, sizeof(float));
  int max_w = p->max_width > 0 && p->max_height > 0 ? p->max_width : w;
  int max_h = p->max_width > 0 && p->max_height > 0 ? p->max_height : h;
  if (w < c->win_w || h < c->win_h) {
    g_array_unref(all);
    return scales;
  }
  for (double f = 1;; f *= p->scale_factor) {
    /* Far past the image whatever the rounding: stop before a huge factor overflows. */
    if (f > 2.0 * MAX(w, h))
      break;
    long ww = lrint(c->win_w * f), wh = lrint(c->win_h * f);
    if (ww > w || wh > h)
      break;
    float ff = (float)f;
    g_array_append_val(all, ff);
  }
  for (guint i = 0; i < all->len; i++) {
    float f = g_array_index(all, float, i);
    long ww = lrintf((float)c->win_w * f), wh = lrintf((float)c->win_h * f);
    if (ww > max_w || wh > max_h)
      break;
    if (ww < p->min_width || wh < p->min_height)
      continue;
    g_array_append_val(scales, f);
  }
  if (scales->len == 0 && all->len > 0) {
    guint best = 0;
    double best_d = G_MAXDOUBLE;
    for (guint i = 0; i < all->len; i++) {
      float f = g_array_index(all, float, i);
      long ww = lrintf((float)c->win_w * f), wh = lrintf((float)c->win_h * f);
      double d = (double)(p->min_width - ww) * (double)(p->min_width - ww) +
                 (double)(p->min_height - wh) * (double)(p->min_height - wh);
      if (d < best_d)
        best_d = d, best = i;
    }
    g_array_append_val(scales, g_array_index(all, float, best));
  }
  g_array_unref(all);
  return scales;
}

GArray *
booth_cascade_detect_scratch(const BoothCascade *c, BoothCascadeScratch *s, const guint8 *luma,
                             int width, int height, int stride, const BoothDetectParams *p)
{
  g_assert(c && s && luma && p);
  g_assert(width > 0 && height > 0 && stride >= width);
  /* A frame, not a poster: keeps every integral offset well inside int. */
  g_assert(width <= 16384 && height <= 16384 && (gint64)width * height <= 100000000);
  g_assert(p->scale_factor > 1.0 && p->min_neighbors >= 0);

  g_array_set_size(s->raw, 0);
  g_autoptr(GArray) scales = pick_scales(c, width, height, p);
  if (scales->len == 0)
    return g_array_new(FALSE, FALSE, sizeof(BoothDetection));

  float s0 = g_array_index(scales, float, 0);
  int w0 = (int)lrintf((float)width / s0), h0 = (int)lrintf((float)height / s0);
  const Program *pg = scratch_prepare(s, c, w0, h0);
  gsize plane = scratch_plane(s);
  Eval e = {.c = c, .pg = pg, .sq = plane, .area = (double)(c->win_w - 2) * (c->win_h - 2)};
  offsets_upright(e.nofs, 1, 1, c->win_w - 2, c->win_h - 2, s->stride, 0);
  /* OpenCV hands each level's rows out in as many stripes as the first level has 32-column
   * blocks, each rounded to whole steps; rows past the last whole stripe are never scanned. */
  int nstripes = (MAX(w0 + 1 - c->win_w, 0) + 31) / 32;

  for (guint i = 0; i < scales->len; i++) {
    float sc = g_array_index(scales, float, i);
    int lw = (int)lrintf((float)width / sc), lh = (int)lrintf((float)height / sc);
    if (lw <= 0 || lh <= 0 || lw > w0 || lh > h0)
      continue;
    const guint8 *img = luma;
    int istride = stride;
    if (lw != width || lh != height) {
      gsize need = (gsize)lw * (gsize)lh;
      if (need > s->level_size) {
        g_free(s->level);
        s->level = g_malloc(need);
        s->level_size = need;
      }
      resize_linear(&s->resize, luma, width, height, stride, s->level, lw, lh, lw);
      img = s->level;
      istride = lw;
    }
    integral_build(img, lw, lh, istride, s->ii, c->type == FEATURE_HAAR ? s->ii + plane : NULL,
                   c->tilted ? s->ii + 2 * plane : NULL, s->diag, s->stride);
    int sw = MAX(lw + 1 - c->win_w, 0), sh = MAX(lh + 1 - c->win_h, 0);
    int ystep = sc >= 2.f ? 1 : 2;
    int stripe = MAX((sh / ystep + nstripes - 1) / MAX(nstripes, 1), 1) * ystep;
    sh = MIN(sh, nstripes * stripe);
    int win_w = (int)lrintf((float)c->win_w * sc), win_h = (int)lrintf((float)c->win_h * sc);
    if (pg->bulk > 0)
      scan_level_bulk(&e, s->pass, s->ii, s->stride, lw, lh, sw, sh, ystep, sc, win_w, win_h,
                      s->raw);
    else
      scan_level(&e, s->ii, s->stride, sw, sh, ystep, sc, win_w, win_h, s->raw);
  }

  GArray *out = group_rects(s->raw, p->min_neighbors, CASCADE_GROUP_EPS);
  clip_rects(out, width, height);
  return out;
}

GArray *
booth_cascade_detect(const BoothCascade *c, const guint8 *luma, int width, int height, int stride,
                     const BoothDetectParams *p)
{
  g_assert(c && luma && p);
  g_autoptr(BoothCascadeScratch) s = booth_cascade_scratch_new();
  return booth_cascade_detect_scratch(c, s, luma, width, height, stride, p);
}
