/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reader of OpenPreview's stream: frames laid out as common/booth-preview.h says, read
 * on the main loop with asynchronous reads, the header parsed by booth_preview_header_parse,
 * the hint names split and the JPEG decoded here. A frame whose lengths no preview has is
 * taken for a broken stream, so a bad length never decides what the kiosk allocates. */
#pragma once

#include <gtk/gtk.h>

#include "booth-preview.h"

typedef struct {
  BoothPreviewHeader header;
  /* The hint names of that frame, NULL-terminated. */
  char **hints;
} KioskPreviewFrame;

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
