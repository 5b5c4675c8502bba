/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live preview: analysed frames, scaled and JPEG-encoded with the overlay of their own
 * analysis, written to clients as the stream common/booth-preview.h describes. It knows
 * nothing of D-Bus: a client is an fd (a connected stream socket) and plain options.
 *
 * What it promises:
 * - encoding never runs on the main thread nor in the analysis worker: frames go through a
 *   latest-only mailbox to one encoder thread, so a slow encoder skips frames, never queues;
 * - a frame is encoded once for all clients with the same size, quality and mirroring;
 * - a client's fps is kept by skipping frames, and never exceeds the camera's;
 * - writing never blocks: a client that cannot take a whole frame now keeps at most the unsent
 *   tail of one frame (sent first when it can take more) and loses later frames meanwhile,
 *   each counted; memory does not grow with a stuck reader;
 * - a client whose peer closed (hang-up, EPIPE, ECONNRESET) ends, its fd closed;
 * - without frames (no camera, a stalled one) each client gets a NO_CAMERA header about once
 *   a second, so the stream stays alive and says why it shows nothing. */
#pragma once

#include <glib.h>

#include "analysis/framing.h"
#include "frame.h"
#include "profile.h"

typedef struct {
  guint max_side;  /* the preview's longer side, 16..4096; a smaller frame is not enlarged */
  double fps;      /* frames a second, > 0; above the camera's rate it is the camera's */
  guint quality;   /* JPEG quality, 1..100 */
  gboolean mirror; /* the preview only: a photo is never mirrored */
} BoothPreviewOptions;

#define BOOTH_PREVIEW_DEFAULT_MAX_SIDE 640
#define BOOTH_PREVIEW_DEFAULT_FPS 15.0
#define BOOTH_PREVIEW_DEFAULT_QUALITY 70

void booth_preview_options_init(BoothPreviewOptions *o);
/* FALSE and InvalidArgument naming the option and its range when o is out of range. */
gboolean booth_preview_options_check(const BoothPreviewOptions *o, GError **error);

/* A frame's analysis as the overlay needs it, in the frame's own pixels. */
typedef struct {
  guint32 flags; /* BOOTH_PREVIEW_HAS_FACE, _HAS_EYES, _HAS_CROP */
  BoothRect face, crop;
  double left_eye[2], right_eye[2]; /* the eyes on the image's left and right */
  double head_top_min, head_top_max, eye_line_min, eye_line_max; /* rows */
  double face_width_min, face_width_max;                         /* lengths */
  double centre_x;                                               /* the crop's middle column */
  double score;
  const char *hints[BOOTH_FRAMING_MAX_HINTS]; /* static strings */
  int n_hints;
} BoothPreviewOverlay;

/* The overlay of framing f, measured for profile p (its bands mapped through the crop). */
void booth_preview_overlay_init(BoothPreviewOverlay *o, const BoothFraming *f,
                                const BoothProfile *p);

/* One frame of the stream, header, hints and JPEG, for the size, quality and mirroring of o
 * (its fps is not used); frame NULL: a NO_CAMERA frame with sequence seq and timestamp
 * timestamp_us. NULL and an error only when encoding fails. */
GBytes *booth_preview_encode(const BoothFrame *frame, const BoothPreviewOverlay *overlay,
                             const BoothPreviewOptions *o, guint64 seq, gint64 timestamp_us,
                             GError **error);

typedef struct BoothPreview BoothPreview;

typedef struct {
  guint clients;
  guint64 frames;  /* sent, to every client since start */
  guint64 dropped; /* lost by clients that could not take them */
} BoothPreviewStats;

/* At most max_clients at once; camera_fps caps every client's fps. Starts the encoder
 * thread, which sleeps while there is no client. */
BoothPreview *booth_preview_new(guint max_clients, double camera_fps);
/* Stops the thread and ends every client (their fds closed). */
void booth_preview_free(BoothPreview *pv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothPreview, booth_preview_free)

/* Adds a client writing to fd (a connected stream socket; made non-blocking here). Takes the
 * fd on success only. Busy, naming the limit, at max_clients; InvalidArgument for bad
 * options or an fd that is not a stream socket. */
gboolean booth_preview_add_client(BoothPreview *pv, int fd, const BoothPreviewOptions *o,
                                  GError **error);
/* Hands the encoder the frame (a new reference is taken) and its overlay; a frame the encoder
 * has not taken yet is replaced. */
void booth_preview_push(BoothPreview *pv, BoothFrame *frame, const BoothPreviewOverlay *overlay);
BoothPreviewStats booth_preview_get_stats(BoothPreview *pv);
