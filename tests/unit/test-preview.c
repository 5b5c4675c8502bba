/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preview without a bus: the header's bytes, one frame's encoding (size, overlay mapping,
 * mirroring), and the writer: whole frames only, a stuck reader losing frames without
 * growing anything, a closed reader ending its client, the client cap. */
#include <glib-unix.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "booth-preview.h"
#include "core/preview.h"
#include "error.h"
#include "photo/image.h"

static void
test_header_bytes(void)
{
  BoothPreviewHeader h = {.version = 1,
                          .header_len = BOOTH_PREVIEW_HEADER_LEN,
                          .flags = BOOTH_PREVIEW_HAS_FACE,
                          .sequence = 0x0102030405060708ull,
                          .timestamp_us = -2,
                          .width = 640,
                          .face_x = -3,
                          .centre_x = 300,
                          .score = 999,
                          .hints_len = 7,
                          .jpeg_len = 0x11223344};
  guint8 b[BOOTH_PREVIEW_HEADER_LEN];
  booth_preview_header_pack(&h, b);
  g_assert_cmpmem(b, 4, "BPV1", 4);
  g_assert_cmpuint(b[4] | b[5] << 8, ==, 1);
  g_assert_cmpuint(b[6], ==, 78);
  g_assert_cmpuint(b[12], ==, 0x08); /* sequence, little-endian */
  g_assert_cmpuint(b[19], ==, 0x01);
  g_assert_cmpuint(b[20], ==, 0xfe); /* timestamp -2 */
  g_assert_cmpuint(b[27], ==, 0xff);
  g_assert_cmpuint(b[28] | b[29] << 8, ==, 640);
  g_assert_cmpuint(b[32] | b[33] << 8, ==, 0xfffd); /* face_x -3 */
  g_assert_cmpuint(b[68] | b[69] << 8, ==, 300);    /* centre_x */
  g_assert_cmpuint(b[74], ==, 0x44);                /* jpeg_len last */
  g_assert_cmpuint(b[77], ==, 0x11);
  BoothPreviewHeader back;
  g_assert_cmpint(booth_preview_header_parse(b, 10, &back), ==, BOOTH_PREVIEW_HEADER_LEN);
  g_assert_cmpint(booth_preview_header_parse(b, sizeof b, &back), ==, 0);
  /* Field by field: the struct's padding is not part of anything. */
  g_assert_cmpuint(back.flags, ==, h.flags);
  g_assert_cmpuint(back.sequence, ==, h.sequence);
  g_assert_cmpint(back.timestamp_us, ==, h.timestamp_us);
  g_assert_cmpuint(back.width, ==, h.width);
  g_assert_cmpint(back.face_x, ==, h.face_x);
  g_assert_cmpint(back.centre_x, ==, h.centre_x);
  g_assert_cmpuint(back.score, ==, h.score);
  g_assert_cmpuint(back.hints_len, ==, h.hints_len);
  g_assert_cmpuint(back.jpeg_len, ==, h.jpeg_len);
  b[0] = 'X';
  g_assert_cmpint(booth_preview_header_parse(b, sizeof b, &back), ==, -1);
}

static BoothFrame *
test_frame(int w, int h)
{
  BoothFrame *f = booth_frame_new(w, h);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) {
      guint8 *p = f->data + (gsize)y * f->stride + x * 3;
      p[0] = (guint8)(x < w / 4 ? 250 : 20); /* a red band on the left */
      p[1] = (guint8)y;
      p[2] = 100;
    }
  f->seq = 7;
  f->timestamp_us = 1234;
  return f;
}

static BoothPreviewOverlay
test_overlay(void)
{
  BoothPreviewOverlay ov = {.flags = BOOTH_PREVIEW_HAS_FACE | BOOTH_PREVIEW_HAS_EYES,
                            .face = {100, 40, 80, 80},
                            .left_eye = {120, 70},
                            .right_eye = {160, 70},
                            .score = 0.5,
                            .hints = {"closer", "too_dark"},
                            .n_hints = 2};
  return ov;
}

static void
test_encode(void)
{
  g_autoptr(BoothFrame) f = test_frame(640, 480);
  BoothPreviewOverlay ov = test_overlay();
  BoothPreviewOptions o;
  booth_preview_options_init(&o);
  o.max_side = 320;
  for (int mirror = 0; mirror < 2; mirror++) {
    o.mirror = mirror;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) bytes = booth_preview_encode(f, &ov, &o, 0, 0, &error);
    g_assert_no_error(error);
    gsize len;
    const guint8 *p = g_bytes_get_data(bytes, &len);
    BoothPreviewHeader h;
    g_assert_cmpint(booth_preview_header_parse(p, len, &h), ==, 0);
    g_assert_cmpuint(len, ==, h.header_len + h.hints_len + h.jpeg_len);
    g_assert_cmpuint(h.sequence, ==, 7);
    g_assert_cmpint(h.timestamp_us, ==, 1234);
    g_assert_cmpuint(h.width, ==, 320);
    g_assert_cmpuint(h.height, ==, 240);
    g_assert_cmpuint(h.score, ==, 500);
    g_assert_cmpuint(h.hints_len, ==, sizeof "closer" + sizeof "too_dark");
    g_assert_cmpmem(p + h.header_len, h.hints_len, "closer\0too_dark", h.hints_len);
    g_assert_cmpint(h.face_x, ==, mirror ? 320 - 50 - 40 : 50);
    g_assert_cmpint(h.face_w, ==, 40);
    g_assert_cmpint(h.face_y, ==, 20);
    g_assert_cmpint(h.left_eye_x, ==, mirror ? 319 - 60 : 60);
    g_assert_cmpuint(!!(h.flags & BOOTH_PREVIEW_MIRRORED), ==, mirror);
    g_autoptr(BoothFrame) img =
        booth_image_decode(p + h.header_len + h.hints_len, h.jpeg_len, "preview", &error);
    g_assert_no_error(error);
    g_assert_cmpint(img->width, ==, 320);
    /* The red band is on the left, or on the right when mirrored. */
    const guint8 *left = img->data + 120 * img->stride + 10 * 3;
    const guint8 *right = img->data + 120 * img->stride + 309 * 3;
    g_assert_cmpuint((mirror ? right : left)[0], >, 200);
    g_assert_cmpuint((mirror ? left : right)[0], <, 60);
  }
  /* No picture: the header alone. */
  g_autoptr(GBytes) none = booth_preview_encode(NULL, NULL, &o, 9, 42, NULL);
  BoothPreviewHeader h;
  g_assert_cmpint(
      booth_preview_header_parse(g_bytes_get_data(none, NULL), g_bytes_get_size(none), &h), ==, 0);
  g_assert_cmpuint(g_bytes_get_size(none), ==, BOOTH_PREVIEW_HEADER_LEN);
  g_assert_cmpuint(h.flags & BOOTH_PREVIEW_NO_CAMERA, !=, 0);
  g_assert_cmpuint(h.jpeg_len, ==, 0);
}

/* Reads what is there now and counts whole frames; fails on anything else. */
static guint
read_frames(int fd, GByteArray *buf)
{
  guint8 chunk[65536];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0)
    g_byte_array_append(buf, chunk, (guint)n);
  guint frames = 0;
  for (;;) {
    BoothPreviewHeader h;
    long r = booth_preview_header_parse(buf->data, buf->len, &h);
    g_assert_cmpint(r, >=, 0);
    if (r > 0 || buf->len < (gsize)h.header_len + h.hints_len + h.jpeg_len)
      return frames;
    g_byte_array_remove_range(buf, 0, h.header_len + h.hints_len + h.jpeg_len);
    frames++;
  }
}

static void
test_writer(void)
{
  g_autoptr(BoothPreview) pv = booth_preview_new(2, 100);
  BoothPreviewOptions o;
  booth_preview_options_init(&o);
  o.fps = 100;
  o.quality = 100; /* large frames, so the socket fills soon */
  int a[2], b[2], c[2];
  g_assert_no_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));
  g_assert_no_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, b));
  g_assert_no_errno(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, c));
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_preview_add_client(pv, a[0], &o, &error));
  g_assert_true(booth_preview_add_client(pv, b[0], &o, &error));
  g_assert_false(booth_preview_add_client(pv, c[0], &o, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BUSY);
  close(c[0]);
  close(c[1]);
  g_unix_set_fd_nonblocking(a[1], TRUE, NULL);
  g_unix_set_fd_nonblocking(b[1], TRUE, NULL);
  BoothPreviewOverlay ov = test_overlay();
  g_autoptr(GByteArray) abuf = g_byte_array_new();
  g_autoptr(GByteArray) bbuf = g_byte_array_new();
  guint a_frames = 0;
  /* a reads along, b never does. */
  for (int i = 0; i < 60; i++) {
    g_autoptr(BoothFrame) f = test_frame(640, 480);
    f->seq = (guint64)i + 1;
    f->timestamp_us = i * 10000;
    booth_preview_push(pv, f, &ov);
    g_usleep(20000);
    a_frames += read_frames(a[1], abuf);
  }
  BoothPreviewStats st = booth_preview_get_stats(pv);
  g_test_message("reader: %u frames; stats: %" G_GUINT64_FORMAT " sent, %" G_GUINT64_FORMAT
                 " dropped",
                 a_frames, st.frames, st.dropped);
  g_assert_cmpuint(a_frames, >, 30);
  g_assert_cmpuint(st.dropped, >, 10); /* b's */
  /* b catches up: what it finds is whole frames, then nothing half. */
  guint b_frames = read_frames(b[1], bbuf);
  g_assert_cmpuint(b_frames, >, 0);
  g_assert_cmpuint(b_frames, <, 40);
  g_assert_cmpuint(bbuf->len, <, 300 * 1024); /* at most the tail of one frame */
  /* A closed reader ends its client. */
  close(b[1]);
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while (booth_preview_get_stats(pv).clients > 1 && g_get_monotonic_time() < end)
    g_usleep(10000);
  g_assert_cmpuint(booth_preview_get_stats(pv).clients, ==, 1);
  /* No frames: a NO_CAMERA frame about once a second. */
  read_frames(a[1], abuf);
  g_byte_array_set_size(abuf, 0);
  g_usleep(1300 * 1000);
  guint8 hb[BOOTH_PREVIEW_HEADER_LEN];
  g_assert_cmpint(read(a[1], hb, sizeof hb), ==, sizeof hb);
  BoothPreviewHeader h;
  g_assert_cmpint(booth_preview_header_parse(hb, sizeof hb, &h), ==, 0);
  g_assert_cmpuint(h.flags & BOOTH_PREVIEW_NO_CAMERA, !=, 0);
  close(a[1]);
}

static void
test_options(void)
{
  BoothPreviewOptions o;
  booth_preview_options_init(&o);
  g_assert_true(booth_preview_options_check(&o, NULL));
  o.fps = 0;
  g_autoptr(GError) error = NULL;
  g_assert_false(booth_preview_options_check(&o, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull(strstr(error->message, "fps"));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/preview/header-bytes", test_header_bytes);
  g_test_add_func("/preview/encode", test_encode);
  g_test_add_func("/preview/options", test_options);
  g_test_add_func("/preview/writer", test_writer);
  return g_test_run();
}
