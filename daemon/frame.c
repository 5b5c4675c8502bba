/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "frame.h"

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

void
booth_frame_luma_into(const BoothFrame *frame, guint8 *dst)
{
  g_assert(frame && dst);
  for (int r = 0; r < frame->height; r++) {
    const guint8 *p = frame->data + (gsize)r * (gsize)frame->stride;
    guint8 *o = dst + (gsize)r * (gsize)frame->width;
    for (int c = 0; c < frame->width; c++, p += 3)
      o[c] = (guint8)((4899u * p[0] + 9617u * p[1] + 1868u * p[2] + 8192u) >> 14);
  }
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
