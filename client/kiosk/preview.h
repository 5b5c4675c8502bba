/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reader of OpenPreview's stream ("BPV1"): frames of a fixed little-endian header,
 * NUL-terminated hint names and a JPEG, read on the main loop with asynchronous reads and
 * handed over decoded. Written against the stream's specification until
 * common/booth-preview.h lands; the parser is separate from the reader so a test can feed
 * it bytes. */
#pragma once

#include <gtk/gtk.h>

#define KIOSK_PREVIEW_MAGIC "BPV1"
#define KIOSK_PREVIEW_VERSION 1
/* The fixed header's size in version 1; a larger header_len carries fields we skip. */
#define KIOSK_PREVIEW_HEADER_SIZE 78

enum {
  KIOSK_PREVIEW_NO_CAMERA = 1 << 0,
  KIOSK_PREVIEW_MIRRORED = 1 << 1,
  KIOSK_PREVIEW_HAS_FACE = 1 << 2,
  KIOSK_PREVIEW_HAS_EYES = 1 << 3,
  KIOSK_PREVIEW_HAS_CROP = 1 << 4,
};

typedef struct {
  int x, y, width, height;
} KioskPreviewBox;

typedef struct {
  guint32 flags;
  guint64 sequence;
  gint64 timestamp_us;
  int width, height;
  KioskPreviewBox face;
  int left_eye_x, left_eye_y, right_eye_x, right_eye_y;
  KioskPreviewBox crop;
  int head_top_min_y, head_top_max_y, eye_line_min_y, eye_line_max_y;
  int face_width_min, face_width_max;
  int centre_x;
  double score;
  /* Lengths of what follows the fixed header. */
  gsize extra_len;
  gsize hints_len;
  gsize jpeg_len;
  char **hints;
} KioskPreviewFrame;

/* Parses the fixed header (KIOSK_PREVIEW_HEADER_SIZE bytes) into frame, hints left NULL.
 * FALSE with error for a stream that is not BPV1 or whose lengths are out of bounds. */
gboolean kiosk_preview_parse_header(const guint8 *data, gsize len, KioskPreviewFrame *frame,
                                    GError **error);
/* Splits hints_len bytes of NUL-terminated names into frame->hints. */
void kiosk_preview_parse_hints(const guint8 *data, gsize len, KioskPreviewFrame *frame);
void kiosk_preview_frame_clear(KioskPreviewFrame *frame);

typedef struct KioskPreviewReader KioskPreviewReader;
/* texture is NULL for a frame without a picture (NO_CAMERA) or one that did not decode. */
typedef void (*KioskPreviewFrameFunc)(GdkTexture *texture, const KioskPreviewFrame *frame,
                                      gpointer data);
/* The stream ended (error NULL: closed by the daemon) or broke; the reader stops. */
typedef void (*KioskPreviewEndFunc)(const GError *error, gpointer data);

/* Takes ownership of fd. */
KioskPreviewReader *kiosk_preview_reader_new(int fd, KioskPreviewFrameFunc on_frame,
                                             KioskPreviewEndFunc on_end, gpointer data);
/* Stops reading (no callback after this) and closes the fd. */
void kiosk_preview_reader_free(KioskPreviewReader *reader);
