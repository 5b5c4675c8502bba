/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A frame: packed 8-bit RGB, reference counted, immutable once delivered.
 * The mailbox holds only the latest frame: a producer never waits and never queues;
 * a consumer that is slower simply sees fewer frames (each overwritten one is counted). */
#pragma once

#include <glib.h>

typedef struct {
  gint ref;
  int width;
  int height;
  int stride;          /* bytes per row, >= width * 3 */
  guint64 seq;         /* set by the mailbox, 1-based */
  gint64 timestamp_us; /* g_get_monotonic_time() at delivery */
  char *origin;        /* where it came from (file name, camera id), for logs */
  guint8 *data;
} BoothFrame;

/* Returns NULL if w or h is not in 1..16384 (no allocation on absurd sizes). */
BoothFrame *booth_frame_new(int width, int height);
BoothFrame *booth_frame_ref(BoothFrame *frame);
void booth_frame_unref(BoothFrame *frame);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothFrame, booth_frame_unref)

/* How far ahead of a pass over a frame to ask for its bytes (__builtin_prefetch): a new frame
 * is in memory, not in cache, and a pass that computes on every byte leaves the hardware
 * prefetcher behind. 2 KB measured best for the luma (1 KB nearly as good, 4 KB no better). */
#define BOOTH_PREFETCH_AHEAD 2048

/* 8-bit luma (BT.601, with the 14-bit fixed-point weights and rounding of OpenCV's
 * cvtColor, so detections compare with its), tightly packed: into dst of width*height bytes,
 * or a new buffer. */
void booth_frame_luma_into(const BoothFrame *frame, guint8 *dst);
guint8 *booth_frame_to_luma(const BoothFrame *frame);
/* The same luma for n pixels of one row. */
void booth_luma_row(const guint8 *rgb, guint8 *out, int n);
/* n pixels, each the mean of a 3x3 block of three luma rows of 3n pixels, rounded as
 * lrintf((float)sum * (1.f / 9.f)) rounds it (OpenCV's INTER_AREA for a factor of 3). */
void booth_luma_third_row(const guint8 *r0, const guint8 *r1, const guint8 *r2, guint8 *out, int n);
/* n pixels, each the rounded mean of a 2x2 block of two luma rows of 2n pixels. */
void booth_luma_halve_row(const guint8 *r0, const guint8 *r1, guint8 *out, int n);
/* The same for a w x h image from 2w x 2h of src. */
void booth_luma_halve(const guint8 *src, int src_stride, guint8 *dst, int dst_stride, int w, int h);

typedef struct BoothMailbox BoothMailbox;

typedef struct {
  guint64 delivered; /* frames put */
  guint64 dropped;   /* frames overwritten before any consumer took them */
} BoothMailboxStats;

BoothMailbox *booth_mailbox_new(void);
void booth_mailbox_free(BoothMailbox *mb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothMailbox, booth_mailbox_free)

/* Takes ownership of the caller's reference; stamps seq and timestamp. */
void booth_mailbox_put(BoothMailbox *mb, BoothFrame *frame);
/* Waits for a frame newer than after_seq; NULL on timeout or once closed.
 * timeout_us < 0 waits forever. Returns a new reference. */
BoothFrame *booth_mailbox_wait(BoothMailbox *mb, guint64 after_seq, gint64 timeout_us);
/* The latest frame without waiting (new reference), or NULL. */
BoothFrame *booth_mailbox_peek(BoothMailbox *mb);
/* Wakes all waiters; later waits return NULL at once. */
void booth_mailbox_close(BoothMailbox *mb);
BoothMailboxStats booth_mailbox_stats(BoothMailbox *mb);
