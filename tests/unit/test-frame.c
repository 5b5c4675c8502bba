/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "frame.h"

#include <math.h>
#include <string.h>

static void
test_mailbox_drops_old(void)
{
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  for (int i = 0; i < 5; i++)
    booth_mailbox_put(mb, booth_frame_new(4, 4));
  BoothMailboxStats s = booth_mailbox_stats(mb);
  g_assert_cmpuint(s.delivered, ==, 5);
  g_assert_cmpuint(s.dropped, ==, 4);
  g_autoptr(BoothFrame) f = booth_mailbox_wait(mb, 0, 0);
  g_assert_nonnull(f);
  g_assert_cmpuint(f->seq, ==, 5);
  /* Nothing newer: a bounded wait returns NULL. */
  g_assert_null(booth_mailbox_wait(mb, 5, 1000));
  booth_mailbox_put(mb, booth_frame_new(4, 4));
  s = booth_mailbox_stats(mb);
  g_assert_cmpuint(s.dropped, ==, 4); /* seq 5 was taken */
}

static gpointer
producer(gpointer data)
{
  BoothMailbox *mb = data;
  for (int i = 0; i < 1000; i++)
    booth_mailbox_put(mb, booth_frame_new(16, 16));
  booth_mailbox_close(mb);
  return NULL;
}

static void
test_mailbox_threads(void)
{
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  GThread *t = g_thread_new("producer", producer, mb);
  guint64 last = 0, got = 0;
  for (;;) {
    g_autoptr(BoothFrame) f = booth_mailbox_wait(mb, last, -1);
    if (!f)
      break;
    g_assert_cmpuint(f->seq, >, last);
    last = f->seq;
    got++;
  }
  g_thread_join(t);
  BoothMailboxStats s = booth_mailbox_stats(mb);
  g_assert_cmpuint(s.delivered, ==, 1000);
  g_assert_cmpuint(s.dropped + got, >=, 1000 - 1);
  g_assert_null(booth_mailbox_wait(mb, 0, -1)); /* closed */
}

static void
test_frame_limits(void)
{
  g_assert_null(booth_frame_new(0, 10));
  g_assert_null(booth_frame_new(100000, 10));
  g_autoptr(BoothFrame) f = booth_frame_new(2, 1);
  guint8 px[] = {255, 255, 255, 0, 0, 0};
  memcpy(f->data, px, sizeof px);
  g_autofree guint8 *y = booth_frame_to_luma(f);
  g_assert_cmpuint(y[0], ==, 255);
  g_assert_cmpuint(y[1], ==, 0);
}

/* The row kernel (sixteen pixels at a time, a scalar tail) against the formula, on every width
 * up to three blocks and a 1080p row, over random colours and the extremes. */
static void
test_frame_luma_rows(void)
{
  GRand *rand = g_rand_new_with_seed(1080);
  for (int w = 1; w <= 1920; w = w < 50 ? w + 1 : w * 2 + 1) {
    g_autoptr(BoothFrame) f = booth_frame_new(w, 3);
    for (int i = 0; i < f->stride * 3; i++)
      f->data[i] = i < f->stride ? 255 : i < 2 * f->stride ? 0 : (guint8)g_rand_int(rand);
    g_autofree guint8 *y = booth_frame_to_luma(f);
    for (int i = 0; i < w * 3; i++) {
      const guint8 *p = f->data + (i / w) * f->stride + (i % w) * 3;
      guint want = (4899u * p[0] + 9617u * p[1] + 1868u * p[2] + 8192u) >> 14;
      g_assert_cmpuint(y[i], ==, want);
    }
  }
  g_rand_free(rand);
}

/* 2x2 means, sixteen at a time and a scalar tail, against the formula. */
static void
test_frame_luma_halve(void)
{
  GRand *rand = g_rand_new_with_seed(540);
  for (int n = 1; n <= 960; n = n < 40 ? n + 1 : n * 2 + 3) {
    g_autofree guint8 *r0 = g_malloc(2 * (gsize)n), *r1 = g_malloc(2 * (gsize)n);
    g_autofree guint8 *out = g_malloc((gsize)n);
    for (int i = 0; i < 2 * n; i++) {
      r0[i] = n % 3 == 0 ? 255 : (guint8)g_rand_int(rand);
      r1[i] = n % 3 == 0 ? 254 : (guint8)g_rand_int(rand);
    }
    booth_luma_halve_row(r0, r1, out, n);
    for (int x = 0; x < n; x++)
      g_assert_cmpuint(out[x], ==,
                       (r0[2 * x] + r0[2 * x + 1] + r1[2 * x] + r1[2 * x + 1] + 2u) >> 2);
  }
  g_rand_free(rand);
}

/* 3x3 means, sixteen at a time and a scalar tail, against the float formula OpenCV's INTER_AREA
 * uses for a factor of 3; every sum from 0 to 9 * 255 comes up. */
static void
test_frame_luma_third(void)
{
  GRand *rand = g_rand_new_with_seed(1080);
  for (int n = 1; n <= 2400; n = n < 40 ? n + 1 : n * 2 + 3) {
    g_autofree guint8 *rows = g_malloc(9 * (gsize)n);
    guint8 *r[3] = {rows, rows + 3 * (gsize)n, rows + 6 * (gsize)n};
    g_autofree guint8 *out = g_malloc((gsize)n);
    for (int x = 0; x < n; x++) {
      /* Block x sums to x (wrapping at 2296) when n is large enough, else random bytes. */
      int want = x % 2296;
      for (int i = 0; i < 9; i++) {
        int b = n >= 2296 ? MIN(want, 255) : (int)g_rand_int_range(rand, 0, 256);
        want -= n >= 2296 ? b : 0;
        r[i / 3][3 * x + i % 3] = (guint8)b;
      }
    }
    booth_luma_third_row(r[0], r[1], r[2], out, n);
    for (int x = 0; x < n; x++) {
      guint sum = 0;
      for (int i = 0; i < 9; i++)
        sum += r[i / 3][3 * x + i % 3];
      g_assert_cmpuint(out[x], ==, (guint)lrintf((float)sum * (1.f / 9.f)));
    }
  }
  g_rand_free(rand);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/frame/mailbox-drops-old", test_mailbox_drops_old);
  g_test_add_func("/frame/mailbox-threads", test_mailbox_threads);
  g_test_add_func("/frame/limits", test_frame_limits);
  g_test_add_func("/frame/luma-rows", test_frame_luma_rows);
  g_test_add_func("/frame/luma-halve", test_frame_luma_halve);
  g_test_add_func("/frame/luma-third", test_frame_luma_third);
  return g_test_run();
}
