/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kiosk's reader of OpenPreview's stream, fed bytes written to the specification by
 * hand (not by booth_preview_header_pack, whose parser the reader uses): fields at their
 * offsets, a later version's longer header skipped, hints split, the JPEG decoded, a frame
 * without a picture, a clean end, and the streams it refuses: not BPV1, a version or header
 * length the format does not have, lengths past the reader's bounds. No display is needed. */
#include "preview.h"

#include <string.h>
#include <unistd.h>

typedef struct {
  GMainLoop *loop;
  GPtrArray *frames;
  GPtrArray *sizes;
  gboolean ended;
  GError *error;
} Run;

static void
put16(GByteArray *b, guint v)
{
  guint8 p[2] = {v & 0xff, (v >> 8) & 0xff};
  g_byte_array_append(b, p, 2);
}

static void
put32(GByteArray *b, guint32 v)
{
  put16(b, v & 0xffff);
  put16(b, v >> 16);
}

static void
put64(GByteArray *b, guint64 v)
{
  put32(b, v & 0xffffffffu);
  put32(b, v >> 32);
}

static void
put_frame(GByteArray *b, guint version, guint header_len, guint32 flags, guint64 sequence,
          const char *hints, gsize hints_len, GBytes *jpeg)
{
  gsize jpeg_len = jpeg != NULL ? g_bytes_get_size(jpeg) : 0;

  g_byte_array_append(b, (const guint8 *)"BPV1", 4);
  put16(b, version);
  put16(b, header_len);
  put32(b, flags);
  put64(b, sequence);
  put64(b, (guint64)(gint64)-5); /* timestamp_us: signed */
  put16(b, 576);
  put16(b, 768);
  const gint16 fields[] = {10,  20,  100, 120, /* face */
                           40,  60,  80,  -2,  /* eyes: a negative one */
                           0,   7,   576, 768, /* crop */
                           50,  110, 200, 300, /* head top, eye line bands */
                           180, 300, 288};     /* face width, centre */
  for (gsize i = 0; i < G_N_ELEMENTS(fields); i++)
    put16(b, (guint16)fields[i]);
  put16(b, 850);
  put16(b, hints_len);
  put32(b, jpeg_len);
  for (guint i = BOOTH_PREVIEW_HEADER_LEN; i < header_len; i++)
    g_byte_array_append(b, (const guint8 *)"\xee", 1);
  g_byte_array_append(b, (const guint8 *)hints, hints_len);
  if (jpeg != NULL)
    g_byte_array_append(b, g_bytes_get_data(jpeg, NULL), jpeg_len);
}

static void
on_frame(GdkTexture *texture, const KioskPreviewFrame *frame, gpointer data)
{
  Run *run = data;
  KioskPreviewFrame *copy = g_memdup2(frame, sizeof *frame);

  copy->hints = g_strdupv(frame->hints);
  g_ptr_array_add(run->frames, copy);
  g_ptr_array_add(run->sizes, texture != NULL
                                  ? g_strdup_printf("%dx%d", gdk_texture_get_width(texture),
                                                    gdk_texture_get_height(texture))
                                  : g_strdup("none"));
}

static void
on_end(const GError *error, gpointer data)
{
  Run *run = data;

  run->ended = TRUE;
  run->error = error != NULL ? g_error_copy(error) : NULL;
  g_main_loop_quit(run->loop);
}

static void
frame_free(gpointer p)
{
  KioskPreviewFrame *f = p;
  g_strfreev(f->hints);
  g_free(f);
}

typedef struct {
  int fd;
  GByteArray *bytes;
} Write;

static gpointer
write_all(gpointer data)
{
  Write *w = data;
  gsize done = 0;

  /* A thread, so a stream larger than the pipe's buffer does not block the test. */
  while (done < w->bytes->len) {
    ssize_t n = write(w->fd, w->bytes->data + done, w->bytes->len - done);
    g_assert_cmpint(n, >, 0);
    done += n;
  }
  close(w->fd);
  return NULL;
}

static void
run_stream(GByteArray *bytes, Run *run)
{
  int fds[2];

  g_assert_no_errno(pipe(fds));
  run->loop = g_main_loop_new(NULL, FALSE);
  run->frames = g_ptr_array_new_with_free_func(frame_free);
  run->sizes = g_ptr_array_new_with_free_func(g_free);
  Write w = {fds[1], bytes};
  GThread *thread = g_thread_new("writer", write_all, &w);
  KioskPreviewReader *reader = kiosk_preview_reader_new(fds[0], on_frame, on_end, run);
  g_main_loop_run(run->loop);
  kiosk_preview_reader_free(reader);
  g_thread_join(thread);
}

static void
run_clear(Run *run)
{
  g_clear_pointer(&run->loop, g_main_loop_unref);
  g_clear_pointer(&run->frames, g_ptr_array_unref);
  g_clear_pointer(&run->sizes, g_ptr_array_unref);
  g_clear_error(&run->error);
}

static GBytes *
sample_jpeg(void)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "tests", "data", "frames",
                                           "student.jpg", NULL);
  char *data;
  gsize len;

  g_assert_true(g_file_get_contents(path, &data, &len, NULL));
  return g_bytes_new_take(data, len);
}

static void
test_frames(void)
{
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  g_autoptr(GBytes) jpeg = sample_jpeg();
  Run run = {0};

  /* Version 2 with a header 4 bytes longer: a later field the reader must skip. */
  put_frame(bytes, 2, BOOTH_PREVIEW_HEADER_LEN + 4,
            BOOTH_PREVIEW_MIRRORED | BOOTH_PREVIEW_HAS_FACE | BOOTH_PREVIEW_HAS_EYES, 7,
            "move_left\0closer\0", 17, jpeg);
  put_frame(bytes, 1, BOOTH_PREVIEW_HEADER_LEN, BOOTH_PREVIEW_NO_CAMERA, 8, "no_frames", 9, NULL);
  run_stream(bytes, &run);

  g_assert_true(run.ended);
  g_assert_no_error(run.error);
  g_assert_cmpuint(run.frames->len, ==, 2);
  const KioskPreviewFrame *f = g_ptr_array_index(run.frames, 0);
  const BoothPreviewHeader *h = &f->header;
  g_assert_cmpstr(g_ptr_array_index(run.sizes, 0), ==, "576x768");
  g_assert_cmpuint(h->version, ==, 2);
  g_assert_cmpuint(h->header_len, ==, BOOTH_PREVIEW_HEADER_LEN + 4);
  g_assert_cmpuint(h->sequence, ==, 7);
  g_assert_cmpint(h->timestamp_us, ==, -5);
  g_assert_cmpuint(h->flags, ==,
                   BOOTH_PREVIEW_MIRRORED | BOOTH_PREVIEW_HAS_FACE | BOOTH_PREVIEW_HAS_EYES);
  g_assert_cmpint(h->width, ==, 576);
  g_assert_cmpint(h->height, ==, 768);
  g_assert_cmpint(h->face_x, ==, 10);
  g_assert_cmpint(h->face_h, ==, 120);
  g_assert_cmpint(h->left_eye_x, ==, 40);
  g_assert_cmpint(h->right_eye_y, ==, -2);
  g_assert_cmpint(h->crop_y, ==, 7);
  g_assert_cmpint(h->crop_w, ==, 576);
  g_assert_cmpint(h->head_top_min_y, ==, 50);
  g_assert_cmpint(h->eye_line_max_y, ==, 300);
  g_assert_cmpint(h->face_width_min, ==, 180);
  g_assert_cmpint(h->centre_x, ==, 288);
  g_assert_cmpuint(h->score, ==, 850);
  g_assert_cmpuint(h->hints_len, ==, 17);
  g_assert_cmpstrv(f->hints, ((const char *const[]){"move_left", "closer", NULL}));

  f = g_ptr_array_index(run.frames, 1);
  g_assert_cmpstr(g_ptr_array_index(run.sizes, 1), ==, "none");
  g_assert_cmpuint(f->header.flags, ==, BOOTH_PREVIEW_NO_CAMERA);
  g_assert_cmpuint(f->header.sequence, ==, 8);
  /* The last name without its NUL is still a name. */
  g_assert_cmpstrv(f->hints, ((const char *const[]){"no_frames", NULL}));
  run_clear(&run);
}

/* A good frame, then one spoiled by spoil(): the reader hands over the first and ends with
 * INVALID_DATA at the second. */
static void
expect_refused(void (*spoil)(guint8 *header))
{
  g_autoptr(GByteArray) bytes = g_byte_array_new();
  Run run = {0};

  put_frame(bytes, 1, BOOTH_PREVIEW_HEADER_LEN, 0, 1, "", 0, NULL);
  put_frame(bytes, 1, BOOTH_PREVIEW_HEADER_LEN, 0, 2, "", 0, NULL);
  spoil(bytes->data + BOOTH_PREVIEW_HEADER_LEN);
  run_stream(bytes, &run);
  g_assert_cmpuint(run.frames->len, ==, 1);
  g_assert_error(run.error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
  run_clear(&run);
}

static void
spoil_magic(guint8 *header)
{
  memcpy(header, "XPV1", 4);
}

static void
spoil_version(guint8 *header)
{
  header[4] = 0;
}

static void
spoil_header_len(guint8 *header)
{
  header[6] = BOOTH_PREVIEW_HEADER_LEN - 1;
}

/* A header longer than any later version will need (64 KiB - 1). */
static void
spoil_huge_header(guint8 *header)
{
  header[6] = header[7] = 0xff;
}

/* A JPEG length no preview has (1 GiB): the reader must not allocate it. */
static void
spoil_jpeg_len(guint8 *header)
{
  header[77] = 0x40;
}

static void
test_refused(void)
{
  expect_refused(spoil_magic);
  expect_refused(spoil_version);
  expect_refused(spoil_header_len);
  expect_refused(spoil_huge_header);
  expect_refused(spoil_jpeg_len);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/kiosk/preview/frames", test_frames);
  g_test_add_func("/kiosk/preview/refused", test_refused);
  return g_test_run();
}
