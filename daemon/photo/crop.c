/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "photo/crop.h"

#include <string.h>

static int
crop_gcd(int a, int b)
{
  while (b) {
    int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

BoothRect
booth_crop_centered(int w, int h, int aw, int ah)
{
  g_assert(w > 0 && h > 0);
  g_assert(aw > 0 && ah > 0);
  int g = crop_gcd(aw, ah);
  aw /= g;
  ah /= g;

  gint64 cw, ch;
  gint64 k = MIN(w / aw, h / ah);
  if (k >= 1) {
    cw = k * aw;
    ch = k * ah;
  } else if ((gint64)w * ah <= (gint64)h * aw) {
    /* Narrower than the ratio and too small for an exact block: keep the width. */
    cw = w;
    ch = CLAMP(((gint64)w * ah * 2 + aw) / (2 * (gint64)aw), 1, h);
  } else {
    ch = h;
    cw = CLAMP(((gint64)h * aw * 2 + ah) / (2 * (gint64)ah), 1, w);
  }
  return (BoothRect){
      .x = (int)((w - cw) / 2), .y = (int)((h - ch) / 2), .width = (int)cw, .height = (int)ch};
}

/* For each output index along one axis: which source samples it reads and with what weight.
 * Computed once per call from exact integer ratios, so the same crop always gives the same
 * pixels, and a shrink by an integer factor gets weights that are exact in binary. */
typedef struct {
  int *start;
  int *count;
  int *offset; /* into weights */
  float *weights;
  int max_count;
} ScaleAxis;

static void
scale_axis_clear(ScaleAxis *ax)
{
  g_free(ax->start);
  g_free(ax->count);
  g_free(ax->offset);
  g_free(ax->weights);
  memset(ax, 0, sizeof *ax);
}

static gint64
floor_div(gint64 a, gint64 b)
{
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

static gboolean
scale_axis_init(ScaleAxis *ax, int src, int out)
{
  g_assert(src > 0 && out > 0);
  memset(ax, 0, sizeof *ax);
  /* A shrink reads at most ceil(src/out) + 1 samples per output; bilinear reads 2. */
  gsize per = src > out ? (gsize)(src / out) + 2 : 2;
  ax->start = g_try_new(int, out);
  ax->count = g_try_new(int, out);
  ax->offset = g_try_new(int, out);
  ax->weights = g_try_new(float, (gsize)out *per);
  if (!ax->start || !ax->count || !ax->offset || !ax->weights) {
    scale_axis_clear(ax);
    return FALSE;
  }

  int n = 0;
  for (int i = 0; i < out; i++) {
    ax->offset[i] = n;
    if (src > out) {
      /* Output i covers source [i*src/out, (i+1)*src/out); in units of 1/out that is
       * [a, b), and each sample j covers [j*out, (j+1)*out). */
      gint64 a = (gint64)i * src, b = (gint64)(i + 1) * src;
      gint64 s = a / out, e = (b + out - 1) / out;
      ax->start[i] = (int)s;
      ax->count[i] = (int)(e - s);
      for (gint64 j = s; j < e; j++) {
        gint64 covered = MIN((j + 1) * out, b) - MAX(j * out, a);
        ax->weights[n++] = (float)((double)covered / (double)src);
      }
    } else if (src == out) {
      ax->start[i] = i;
      ax->count[i] = 1;
      ax->weights[n++] = 1.0f;
    } else {
      /* Pixel centres aligned: source position (i + 0.5) * src/out - 0.5, in units of
       * 1/(2*out); clamped at the borders rather than extrapolated. */
      gint64 den = 2 * (gint64)out;
      gint64 pos = (2 * (gint64)i + 1) * src - out;
      gint64 x0 = floor_div(pos, den);
      gint64 frac = pos - x0 * den;
      if (x0 < 0) {
        x0 = 0;
        frac = 0;
      } else if (x0 >= src - 1) {
        x0 = src - 1;
        frac = 0;
      }
      ax->start[i] = (int)x0;
      ax->weights[n++] = (float)((double)(den - frac) / (double)den);
      ax->count[i] = 1;
      if (frac > 0) {
        ax->weights[n++] = (float)((double)frac / (double)den);
        ax->count[i] = 2;
      }
    }
    ax->max_count = MAX(ax->max_count, ax->count[i]);
    g_assert((gsize)n <= (gsize)out * per);
  }
  return TRUE;
}

/* Horizontal pass of one source row (already offset to the crop's left edge). */
static void
scale_row(const guint8 *src, const ScaleAxis *ax, int out_w, float *out)
{
  for (int i = 0; i < out_w; i++, out += 3) {
    const guint8 *p = src + (gsize)ax->start[i] * 3;
    const float *w = ax->weights + ax->offset[i];
    float r = 0.f, g = 0.f, b = 0.f;
    for (int k = 0; k < ax->count[i]; k++, p += 3) {
      r += w[k] * p[0];
      g += w[k] * p[1];
      b += w[k] * p[2];
    }
    out[0] = r;
    out[1] = g;
    out[2] = b;
  }
}

static void
store_row(const float *acc, guint8 *dst, int n)
{
  for (int i = 0; i < n; i++) {
    float v = acc[i] + 0.5f;
    dst[i] = v <= 0.f ? 0 : v >= 255.f ? 255 : (guint8)v;
  }
}

static void
add_row(float *acc, const float *row, float w, int n)
{
  for (int i = 0; i < n; i++)
    acc[i] += w * row[i];
}

static const guint8 *
crop_row(const BoothFrame *src, BoothRect r, int row)
{
  return src->data + (gsize)(r.y + row) * (gsize)src->stride + (gsize)r.x * 3;
}

/* Vertical shrink: every source row is filtered horizontally once and added into the one or
 * two output rows that cover it, so memory stays at three rows whatever the factor. */
static void
scale_shrink_rows(const BoothFrame *src, BoothRect r, const ScaleAxis *hx, const ScaleAxis *vy,
                  BoothFrame *dst, float *row, float *acc, float *next)
{
  gsize n = (gsize)dst->width * 3;
  memset(acc, 0, n * sizeof(float));
  memset(next, 0, n * sizeof(float));
  int y = 0;
  for (int j = 0; j < r.height && y < dst->height; j++) {
    scale_row(crop_row(src, r, j), hx, dst->width, row);
    add_row(acc, row, vy->weights[vy->offset[y] + j - vy->start[y]], (int)n);
    if (y + 1 < dst->height && j >= vy->start[y + 1])
      add_row(next, row, vy->weights[vy->offset[y + 1] + j - vy->start[y + 1]], (int)n);
    if (j == vy->start[y] + vy->count[y] - 1) {
      store_row(acc, dst->data + (gsize)y * (gsize)dst->stride, (int)n);
      float *t = acc;
      acc = next;
      next = t;
      memset(next, 0, n * sizeof(float));
      y++;
    }
  }
  g_assert(y == dst->height);
}

/* Vertical enlarge or same height: each output row reads at most two source rows, which
 * neighbouring output rows share, so the last two filtered rows are kept. */
static void
scale_grow_rows(const BoothFrame *src, BoothRect r, const ScaleAxis *hx, const ScaleAxis *vy,
                BoothFrame *dst, float *rows[2], float *acc)
{
  gsize n = (gsize)dst->width * 3;
  int tag[2] = {-1, -1};
  for (int y = 0; y < dst->height; y++) {
    memset(acc, 0, n * sizeof(float));
    for (int k = 0; k < vy->count[y]; k++) {
      int j = vy->start[y] + k;
      int slot = tag[0] == j ? 0 : tag[1] == j ? 1 : -1;
      if (slot < 0) {
        /* Rows only move forward: the older of the two is no longer needed. */
        slot = tag[0] < tag[1] ? 0 : 1;
        if (tag[slot] == vy->start[y])
          slot ^= 1;
        scale_row(crop_row(src, r, j), hx, dst->width, rows[slot]);
        tag[slot] = j;
      }
      add_row(acc, rows[slot], vy->weights[vy->offset[y] + k], (int)n);
    }
    store_row(acc, dst->data + (gsize)y * (gsize)dst->stride, (int)n);
  }
}

BoothFrame *
booth_image_crop_scale(const BoothFrame *src, BoothRect r, int out_w, int out_h)
{
  g_assert(src && src->data);
  g_assert(r.x >= 0 && r.y >= 0 && r.width > 0 && r.height > 0);
  g_assert(r.x <= src->width - r.width && r.y <= src->height - r.height);
  g_assert(out_w > 0 && out_h > 0);

  g_autoptr(BoothFrame) dst = booth_frame_new(out_w, out_h);
  if (!dst)
    return NULL;
  dst->origin = g_strdup(src->origin);

  if (r.width == out_w && r.height == out_h) {
    for (int y = 0; y < out_h; y++)
      memcpy(dst->data + (gsize)y * (gsize)dst->stride, crop_row(src, r, y), (gsize)out_w * 3);
    return g_steal_pointer(&dst);
  }

  ScaleAxis hx, vy;
  if (!scale_axis_init(&hx, r.width, out_w))
    return NULL;
  if (!scale_axis_init(&vy, r.height, out_h)) {
    scale_axis_clear(&hx);
    return NULL;
  }
  gsize n = (gsize)out_w * 3;
  float *buf = g_try_new(float, n * 3);
  gboolean ok = buf != NULL;
  if (ok && r.height > out_h) {
    scale_shrink_rows(src, r, &hx, &vy, dst, buf, buf + n, buf + 2 * n);
  } else if (ok) {
    float *rows[2] = {buf, buf + n};
    scale_grow_rows(src, r, &hx, &vy, dst, rows, buf + 2 * n);
  }
  g_free(buf);
  scale_axis_clear(&hx);
  scale_axis_clear(&vy);
  return ok ? g_steal_pointer(&dst) : NULL;
}
