/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "preview.h"

#include <gio/gunixinputstream.h>
#include <string.h>

/* Bounds that no sane preview exceeds; past them the stream is corrupt, and reading on
 * would allocate whatever a broken length says. */
#define MAX_SIDE 8192
#define MAX_EXTRA 4096
#define MAX_HINTS 4096
#define MAX_JPEG (16 * 1024 * 1024)

struct KioskPreviewReader {
  GInputStream *stream;
  GCancellable *cancellable;
  KioskPreviewFrameFunc on_frame;
  KioskPreviewEndFunc on_end;
  gpointer data;
  guint8 header[KIOSK_PREVIEW_HEADER_SIZE];
  KioskPreviewFrame frame;
  guint8 *body;
};

static guint16
u16_at(const guint8 *p)
{
  return (guint16)(p[0] | p[1] << 8);
}

static gint16
i16_at(const guint8 *p)
{
  return (gint16)u16_at(p);
}

static guint32
u32_at(const guint8 *p)
{
  return (guint32)u16_at(p) | (guint32)u16_at(p + 2) << 16;
}

static guint64
u64_at(const guint8 *p)
{
  return (guint64)u32_at(p) | (guint64)u32_at(p + 4) << 32;
}

gboolean
kiosk_preview_parse_header(const guint8 *data, gsize len, KioskPreviewFrame *frame, GError **error)
{
  g_return_val_if_fail(data != NULL && frame != NULL, FALSE);

  if (len < KIOSK_PREVIEW_HEADER_SIZE || memcmp(data, KIOSK_PREVIEW_MAGIC, 4) != 0) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "not a BPV1 preview frame");
    return FALSE;
  }
  guint version = u16_at(data + 4);
  guint header_len = u16_at(data + 6);
  if (version != KIOSK_PREVIEW_VERSION) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "preview stream version %u", version);
    return FALSE;
  }
  if (header_len < KIOSK_PREVIEW_HEADER_SIZE ||
      header_len - KIOSK_PREVIEW_HEADER_SIZE > MAX_EXTRA) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "preview header length %u", header_len);
    return FALSE;
  }

  memset(frame, 0, sizeof *frame);
  frame->extra_len = header_len - KIOSK_PREVIEW_HEADER_SIZE;
  frame->flags = u32_at(data + 8);
  frame->sequence = u64_at(data + 12);
  frame->timestamp_us = (gint64)u64_at(data + 20);
  frame->width = u16_at(data + 28);
  frame->height = u16_at(data + 30);
  frame->face =
      (KioskPreviewBox){i16_at(data + 32), i16_at(data + 34), i16_at(data + 36), i16_at(data + 38)};
  frame->left_eye_x = i16_at(data + 40);
  frame->left_eye_y = i16_at(data + 42);
  frame->right_eye_x = i16_at(data + 44);
  frame->right_eye_y = i16_at(data + 46);
  frame->crop =
      (KioskPreviewBox){i16_at(data + 48), i16_at(data + 50), i16_at(data + 52), i16_at(data + 54)};
  frame->head_top_min_y = i16_at(data + 56);
  frame->head_top_max_y = i16_at(data + 58);
  frame->eye_line_min_y = i16_at(data + 60);
  frame->eye_line_max_y = i16_at(data + 62);
  frame->face_width_min = i16_at(data + 64);
  frame->face_width_max = i16_at(data + 66);
  frame->centre_x = i16_at(data + 68);
  frame->score = u16_at(data + 70) / 1000.0;
  frame->hints_len = u16_at(data + 72);
  frame->jpeg_len = u32_at(data + 74);

  if (frame->width > MAX_SIDE || frame->height > MAX_SIDE || frame->hints_len > MAX_HINTS ||
      frame->jpeg_len > MAX_JPEG) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "preview frame out of bounds (%dx%d, %zu bytes of hints, %zu of JPEG)",
                frame->width, frame->height, frame->hints_len, frame->jpeg_len);
    return FALSE;
  }
  return TRUE;
}

void
kiosk_preview_parse_hints(const guint8 *data, gsize len, KioskPreviewFrame *frame)
{
  g_autoptr(GPtrArray) hints = g_ptr_array_new_with_free_func(g_free);

  g_return_if_fail(frame != NULL);
  for (gsize start = 0; start < len;) {
    const guint8 *nul = memchr(data + start, '\0', len - start);
    gsize end = nul != NULL ? (gsize)(nul - data) : len;
    /* A name is shown to the staff as it is: only valid UTF-8 gets that far. */
    if (end > start && g_utf8_validate((const char *)data + start, end - start, NULL))
      g_ptr_array_add(hints, g_strndup((const char *)data + start, end - start));
    start = end + 1;
  }
  g_ptr_array_add(hints, NULL);
  g_strfreev(frame->hints);
  frame->hints = (char **)g_ptr_array_free(g_steal_pointer(&hints), FALSE);
}

void
kiosk_preview_frame_clear(KioskPreviewFrame *frame)
{
  g_clear_pointer(&frame->hints, g_strfreev);
}

static void read_header(KioskPreviewReader *r);

static void
reader_end(KioskPreviewReader *r, const GError *error)
{
  g_cancellable_cancel(r->cancellable);
  r->on_end(error, r->data);
}

static void
on_body(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), result, &got, &error)) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      reader_end(user_data, error);
    return;
  }
  KioskPreviewReader *r = user_data;
  gsize want = r->frame.extra_len + r->frame.hints_len + r->frame.jpeg_len;
  if (got < want) {
    reader_end(r, NULL);
    return;
  }

  const guint8 *hints = r->body + r->frame.extra_len;
  kiosk_preview_parse_hints(hints, r->frame.hints_len, &r->frame);
  g_autoptr(GdkTexture) texture = NULL;
  if (r->frame.jpeg_len > 0 && !(r->frame.flags & KIOSK_PREVIEW_NO_CAMERA)) {
    g_autoptr(GBytes) jpeg = g_bytes_new(hints + r->frame.hints_len, r->frame.jpeg_len);
    g_autoptr(GError) decode_error = NULL;
    texture = gdk_texture_new_from_bytes(jpeg, &decode_error);
    /* One bad picture is not a broken stream: the next frame may be fine. */
    if (texture == NULL)
      g_warning("preview frame %" G_GUINT64_FORMAT ": %s", r->frame.sequence,
                decode_error->message);
  }
  g_clear_pointer(&r->body, g_free);
  r->on_frame(texture, &r->frame, r->data);
  kiosk_preview_frame_clear(&r->frame);
  if (!g_cancellable_is_cancelled(r->cancellable))
    read_header(r);
}

static void
on_header(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  gsize got = 0;

  if (!g_input_stream_read_all_finish(G_INPUT_STREAM(source), result, &got, &error)) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      reader_end(user_data, error);
    return;
  }
  KioskPreviewReader *r = user_data;
  if (got < sizeof r->header) {
    /* A clean end between frames, or a cut one: either way the daemon closed it. */
    reader_end(r, NULL);
    return;
  }
  if (!kiosk_preview_parse_header(r->header, sizeof r->header, &r->frame, &error)) {
    reader_end(r, error);
    return;
  }
  gsize want = r->frame.extra_len + r->frame.hints_len + r->frame.jpeg_len;
  r->body = g_malloc(MAX(want, 1));
  g_input_stream_read_all_async(r->stream, r->body, want, G_PRIORITY_DEFAULT, r->cancellable,
                                on_body, r);
}

static void
read_header(KioskPreviewReader *r)
{
  g_input_stream_read_all_async(r->stream, r->header, sizeof r->header, G_PRIORITY_DEFAULT,
                                r->cancellable, on_header, r);
}

KioskPreviewReader *
kiosk_preview_reader_new(int fd, KioskPreviewFrameFunc on_frame, KioskPreviewEndFunc on_end,
                         gpointer data)
{
  g_return_val_if_fail(fd >= 0 && on_frame != NULL && on_end != NULL, NULL);

  KioskPreviewReader *r = g_new0(KioskPreviewReader, 1);
  r->stream = g_unix_input_stream_new(fd, TRUE);
  r->cancellable = g_cancellable_new();
  r->on_frame = on_frame;
  r->on_end = on_end;
  r->data = data;
  read_header(r);
  return r;
}

void
kiosk_preview_reader_free(KioskPreviewReader *r)
{
  if (r == NULL)
    return;
  /* A socket stream is pollable, so GIO reads it on this thread when the fd is ready and
   * checks the cancellable first: after the cancel nothing more lands in the buffers, and
   * the pending read's callback sees CANCELLED without touching the reader. That read
   * holds the stream; the fd closes when both references are gone. */
  g_cancellable_cancel(r->cancellable);
  g_clear_object(&r->cancellable);
  g_clear_object(&r->stream);
  kiosk_preview_frame_clear(&r->frame);
  g_free(r->body);
  g_free(r);
}
