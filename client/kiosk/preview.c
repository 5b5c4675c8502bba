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
  /* The header read so far: version 1's fields, then whatever a later version appends. */
  guint8 header[BOOTH_PREVIEW_HEADER_LEN + MAX_EXTRA];
  gsize header_have;
  gsize header_part;
  KioskPreviewFrame frame;
  guint8 *body;
};

static void
parse_hints(const guint8 *data, gsize len, KioskPreviewFrame *frame)
{
  g_autoptr(GPtrArray) hints = g_ptr_array_new_with_free_func(g_free);

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

static void read_header(KioskPreviewReader *r, gsize from, gsize to);

static void
reader_end(KioskPreviewReader *r, const GError *error)
{
  g_cancellable_cancel(r->cancellable);
  r->on_end(error, r->data);
}

/* A read's end: FALSE when it failed, and then the stream has ended unless it was cancelled
 * (the reader may be gone then: it is not touched). */
static gboolean
read_finished(GObject *source, GAsyncResult *result, KioskPreviewReader *r, gsize *got)
{
  g_autoptr(GError) error = NULL;
  if (g_input_stream_read_all_finish(G_INPUT_STREAM(source), result, got, &error))
    return TRUE;
  if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    reader_end(r, error);
  return FALSE;
}

static void
on_body(GObject *source, GAsyncResult *result, gpointer user_data)
{
  KioskPreviewReader *r = user_data;
  gsize got = 0;

  if (!read_finished(source, result, r, &got))
    return;
  const BoothPreviewHeader *h = &r->frame.header;
  if (got < (gsize)h->hints_len + h->jpeg_len) {
    reader_end(r, NULL);
    return;
  }

  parse_hints(r->body, h->hints_len, &r->frame);
  g_autoptr(GdkTexture) texture = NULL;
  if (h->jpeg_len > 0 && !(h->flags & BOOTH_PREVIEW_NO_CAMERA)) {
    g_autoptr(GBytes) jpeg = g_bytes_new(r->body + h->hints_len, h->jpeg_len);
    g_autoptr(GError) decode_error = NULL;
    texture = gdk_texture_new_from_bytes(jpeg, &decode_error);
    /* One bad picture is not a broken stream: the next frame may be fine. */
    if (texture == NULL)
      g_warning("preview frame %" G_GUINT64_FORMAT ": %s", (guint64)h->sequence,
                decode_error->message);
  }
  g_clear_pointer(&r->body, g_free);
  r->on_frame(texture, &r->frame, r->data);
  g_clear_pointer(&r->frame.hints, g_strfreev);
  if (!g_cancellable_is_cancelled(r->cancellable))
    read_header(r, 0, BOOTH_PREVIEW_HEADER_LEN);
}

static void
on_header(GObject *source, GAsyncResult *result, gpointer user_data)
{
  KioskPreviewReader *r = user_data;
  gsize got = 0;

  if (!read_finished(source, result, r, &got))
    return;
  if (got < r->header_part) {
    /* A clean end between frames, or a cut one: either way the daemon closed it. */
    reader_end(r, NULL);
    return;
  }
  BoothPreviewHeader *h = &r->frame.header;
  long need = booth_preview_header_parse(r->header, r->header_have, h);
  if (need < 0 || (gsize)need > sizeof r->header) {
    g_autoptr(GError) error = NULL;
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "not a BPV1 preview stream (magic, version or header length)");
    reader_end(r, error);
    return;
  }
  if (need > 0) {
    /* A later version's longer header: its fields are read and left alone. */
    read_header(r, r->header_have, (gsize)need);
    return;
  }
  if (h->width > MAX_SIDE || h->height > MAX_SIDE || h->hints_len > MAX_HINTS ||
      h->jpeg_len > MAX_JPEG) {
    g_autoptr(GError) error = NULL;
    g_set_error(&error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                "preview frame out of bounds (%ux%u, %u bytes of hints, %u of JPEG)",
                (unsigned)h->width, (unsigned)h->height, (unsigned)h->hints_len,
                (unsigned)h->jpeg_len);
    reader_end(r, error);
    return;
  }
  gsize want = (gsize)h->hints_len + h->jpeg_len;
  r->body = g_malloc(MAX(want, 1));
  g_input_stream_read_all_async(r->stream, r->body, want, G_PRIORITY_DEFAULT, r->cancellable,
                                on_body, r);
}

/* Reads the header's bytes from..to into r->header. */
static void
read_header(KioskPreviewReader *r, gsize from, gsize to)
{
  r->header_have = to;
  r->header_part = to - from;
  g_input_stream_read_all_async(r->stream, r->header + from, to - from, G_PRIORITY_DEFAULT,
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
  read_header(r, 0, BOOTH_PREVIEW_HEADER_LEN);
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
  g_strfreev(r->frame.hints);
  g_free(r->body);
  g_free(r);
}
