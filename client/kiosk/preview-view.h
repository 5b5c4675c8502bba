/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The live preview: the latest frame kept at its aspect inside the widget, mirrored (by the
 * daemon, or here when the frame says it is not), and over it the guide drawn from that
 * very frame's header: head-top band, eye-line band, face-width marks and centre line. */
#pragma once

#include <gtk/gtk.h>

#include "preview.h"

#define KIOSK_TYPE_PREVIEW_VIEW (kiosk_preview_view_get_type())
G_DECLARE_FINAL_TYPE(KioskPreviewView, kiosk_preview_view, KIOSK, PREVIEW_VIEW, GtkWidget)

GtkWidget *kiosk_preview_view_new(gboolean show_guides);
/* texture NULL: no picture (the view draws nothing; the screen shows a placeholder). */
void kiosk_preview_view_set_frame(KioskPreviewView *view, GdkTexture *texture,
                                  const KioskPreviewFrame *frame);
