/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "preview-view.h"

#include <string.h>

struct _KioskPreviewView {
  GtkWidget parent;
  gboolean show_guides;
  GdkTexture *texture;
  /* The header of the frame on screen; its hints are the screen's to show. */
  BoothPreviewHeader frame;
};

G_DEFINE_FINAL_TYPE(KioskPreviewView, kiosk_preview_view, GTK_TYPE_WIDGET)

static const GdkRGBA head_band = {0.2, 0.8, 0.3, 0.28};
static const GdkRGBA eye_band = {0.2, 0.5, 1.0, 0.28};
static const GdkRGBA marks = {1.0, 1.0, 1.0, 0.85};
static const GdkRGBA face_good = {0.2, 0.9, 0.3, 0.9};
static const GdkRGBA face_poor = {1.0, 0.6, 0.1, 0.9};

typedef struct {
  GtkSnapshot *snapshot;
  /* Frame pixels to widget pixels, and whether x runs backwards (mirrored here). */
  float x0, y0, scale, frame_width;
  gboolean flip;
} Mapper;

static void
fill(const Mapper *m, float x, float y, float w, float h, const GdkRGBA *color)
{
  if (m->flip)
    x = m->frame_width - x - w;
  graphene_rect_t r =
      GRAPHENE_RECT_INIT(m->x0 + x * m->scale, m->y0 + y * m->scale, w * m->scale, h * m->scale);
  gtk_snapshot_append_color(m->snapshot, color, &r);
}

/* A line a few screen pixels wide whatever the scale. */
static void
vline(const Mapper *m, float x, float y0, float y1, const GdkRGBA *color)
{
  float w = 3 / m->scale;
  fill(m, x - w / 2, y0, w, y1 - y0, color);
}

static void
hline(const Mapper *m, float x0, float x1, float y, const GdkRGBA *color)
{
  float h = 3 / m->scale;
  fill(m, x0, y - h / 2, x1 - x0, h, color);
}

static void
draw_guides(KioskPreviewView *self, const Mapper *m)
{
  const BoothPreviewHeader *f = &self->frame;

  if (f->head_top_max_y > f->head_top_min_y)
    fill(m, 0, f->head_top_min_y, f->width, f->head_top_max_y - f->head_top_min_y, &head_band);
  if (f->eye_line_max_y > f->eye_line_min_y)
    fill(m, 0, f->eye_line_min_y, f->width, f->eye_line_max_y - f->eye_line_min_y, &eye_band);
  if (f->centre_x > 0) {
    vline(m, f->centre_x, 0, f->height, &marks);
    /* Face-width marks: where the cheeks should fall, the inner pair the smallest face
     * allowed and the outer pair the largest, at the eye line. */
    float y0 = MAX(0, f->eye_line_min_y - f->height / 10.0f);
    float y1 = MIN(f->height, f->eye_line_max_y + f->height / 10.0f);
    const int widths[] = {f->face_width_min, f->face_width_max};
    for (gsize i = 0; i < G_N_ELEMENTS(widths); i++) {
      if (widths[i] <= 0)
        continue;
      vline(m, f->centre_x - widths[i] / 2.0f, y0, y1, &marks);
      vline(m, f->centre_x + widths[i] / 2.0f, y0, y1, &marks);
    }
  }
  if (f->flags & BOOTH_PREVIEW_HAS_FACE) {
    /* Green once ready, as the readiness bar says (the header carries the score x 1000). */
    const GdkRGBA *c = f->score >= 800 ? &face_good : &face_poor;
    hline(m, f->face_x, f->face_x + f->face_w, f->face_y, c);
    hline(m, f->face_x, f->face_x + f->face_w, f->face_y + f->face_h, c);
    vline(m, f->face_x, f->face_y, f->face_y + f->face_h, c);
    vline(m, f->face_x + f->face_w, f->face_y, f->face_y + f->face_h, c);
  }
}

static void
kiosk_preview_view_snapshot(GtkWidget *widget, GtkSnapshot *snapshot)
{
  KioskPreviewView *self = KIOSK_PREVIEW_VIEW(widget);
  float width = gtk_widget_get_width(widget);
  float height = gtk_widget_get_height(widget);

  if (self->texture == NULL || width <= 0 || height <= 0)
    return;
  /* The header's size is the frame's; the texture's is what decoded (the same, unless a
   * daemon scales one and not the other: the header's coordinates rule the overlay). */
  float fw = self->frame.width > 0 ? self->frame.width : gdk_texture_get_width(self->texture);
  float fh = self->frame.height > 0 ? self->frame.height : gdk_texture_get_height(self->texture);
  float scale = MIN(width / fw, height / fh);
  Mapper m = {
      .snapshot = snapshot,
      .x0 = (width - fw * scale) / 2,
      .y0 = (height - fh * scale) / 2,
      .scale = scale,
      .frame_width = fw,
      /* People expect a mirror; a daemon that did not mirror is mirrored here. */
      .flip = !(self->frame.flags & BOOTH_PREVIEW_MIRRORED),
  };
  graphene_rect_t picture = GRAPHENE_RECT_INIT(0, 0, fw * scale, fh * scale);

  gtk_snapshot_save(snapshot);
  gtk_snapshot_translate(snapshot, &GRAPHENE_POINT_INIT(m.x0 + (m.flip ? fw * scale : 0), m.y0));
  if (m.flip)
    gtk_snapshot_scale(snapshot, -1, 1);
  gtk_snapshot_append_texture(snapshot, self->texture, &picture);
  gtk_snapshot_restore(snapshot);
  if (self->show_guides)
    draw_guides(self, &m);
}

static void
kiosk_preview_view_measure(GtkWidget *widget, GtkOrientation orientation, int for_size,
                           int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  (void)widget;
  (void)orientation;
  (void)for_size;
  /* As large as the screen gives it: the picture scales to fit. */
  *minimum = 64;
  *natural = 640;
  *minimum_baseline = *natural_baseline = -1;
}

static void
kiosk_preview_view_finalize(GObject *object)
{
  KioskPreviewView *self = KIOSK_PREVIEW_VIEW(object);

  g_clear_object(&self->texture);
  G_OBJECT_CLASS(kiosk_preview_view_parent_class)->finalize(object);
}

static void
kiosk_preview_view_class_init(KioskPreviewViewClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS(klass);

  G_OBJECT_CLASS(klass)->finalize = kiosk_preview_view_finalize;
  widget_class->snapshot = kiosk_preview_view_snapshot;
  widget_class->measure = kiosk_preview_view_measure;
  gtk_widget_class_set_accessible_role(widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
kiosk_preview_view_init(KioskPreviewView *self)
{
  gtk_widget_set_hexpand(GTK_WIDGET(self), TRUE);
  gtk_widget_set_vexpand(GTK_WIDGET(self), TRUE);
}

GtkWidget *
kiosk_preview_view_new(gboolean show_guides)
{
  KioskPreviewView *self = g_object_new(KIOSK_TYPE_PREVIEW_VIEW, NULL);

  self->show_guides = show_guides;
  return GTK_WIDGET(self);
}

void
kiosk_preview_view_set_frame(KioskPreviewView *self, GdkTexture *texture,
                             const KioskPreviewFrame *frame)
{
  g_return_if_fail(KIOSK_IS_PREVIEW_VIEW(self));

  g_set_object(&self->texture, texture);
  if (frame != NULL)
    self->frame = frame->header;
  else
    memset(&self->frame, 0, sizeof self->frame);
  gtk_widget_queue_draw(GTK_WIDGET(self));
}
