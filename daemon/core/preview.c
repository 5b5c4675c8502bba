/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preview encoder thread and its clients. The thread owns the writing: it takes the latest
 * analysed frame, encodes it once per distinct setting among the clients due a frame, and
 * writes with MSG_DONTWAIT, so neither the main loop nor the analysis ever waits for a reader.
 * The lock guards the mailbox and the client list; encoding runs without it. */
#include "core/preview.h"

#include <errno.h>
#include <glib-unix.h>
#include <math.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "booth-preview.h"
#include "error.h"
#include "log.h"
#include "photo/crop.h"
#include "photo/jpeg.h"

/* Without frames for this long, clients get a NO_CAMERA frame (and again after as long). */
#define NO_PICTURE_US G_USEC_PER_SEC
/* A frame that comes this much before a client's next is due still counts as due: camera
 * timestamps jitter, and skipping it would halve the rate. */
#define FPS_SLACK_US 5000

void
booth_preview_options_init(BoothPreviewOptions *o)
{
  g_assert(o);
  *o = (BoothPreviewOptions){BOOTH_PREVIEW_DEFAULT_MAX_SIDE, BOOTH_PREVIEW_DEFAULT_FPS,
                             BOOTH_PREVIEW_DEFAULT_QUALITY, FALSE};
}

gboolean
booth_preview_options_check(const BoothPreviewOptions *o, GError **error)
{
  g_assert(o);
  if (o->max_side < 16 || o->max_side > 4096) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "max_side %u is out of range: give 16 to 4096 pixels (default %d)", o->max_side,
                BOOTH_PREVIEW_DEFAULT_MAX_SIDE);
    return FALSE;
  }
  if (!(o->fps > 0 && o->fps <= 1000)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "fps %g is out of range: give more than 0 (at most the camera's rate is sent; "
                "default %g)",
                o->fps, BOOTH_PREVIEW_DEFAULT_FPS);
    return FALSE;
  }
  if (o->quality < 1 || o->quality > 100) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "quality %u is out of range: give 1 to 100 (default %d)", o->quality,
                BOOTH_PREVIEW_DEFAULT_QUALITY);
    return FALSE;
  }
  return TRUE;
}

/* ---- one frame ---- */

void
booth_preview_overlay_init(BoothPreviewOverlay *o, const BoothFraming *f, const BoothProfile *p)
{
  g_assert(o && f && p);
  memset(o, 0, sizeof *o);
  if (f->has_face) {
    o->flags |= BOOTH_PREVIEW_HAS_FACE;
    o->face = f->face.box;
    if (f->face.eye_left.found && f->face.eye_right.found) {
      o->flags |= BOOTH_PREVIEW_HAS_EYES;
      o->left_eye[0] = f->face.eye_left.x;
      o->left_eye[1] = f->face.eye_left.y;
      o->right_eye[0] = f->face.eye_right.x;
      o->right_eye[1] = f->face.eye_right.y;
    }
  }
  const BoothRect *c = &f->geometry.crop;
  if (c->width > 0 && c->height > 0) {
    o->flags |= BOOTH_PREVIEW_HAS_CROP;
    o->crop = *c;
    /* The bands are in the profile's output pixels: one output pixel is this much frame. */
    double sy = (double)c->height / p->height, sx = (double)c->width / p->width;
    o->head_top_min = c->y + p->head_top_min * sy;
    o->head_top_max = c->y + p->head_top_max * sy;
    o->eye_line_min = c->y + p->eye_line_min * sy;
    o->eye_line_max = c->y + p->eye_line_max * sy;
    o->face_width_min = p->face_width_min * sx;
    o->face_width_max = p->face_width_max * sx;
    o->centre_x = c->x + (c->width - 1) / 2.0;
  }
  o->score = f->score;
  o->n_hints = f->n_hints;
  for (int i = 0; i < f->n_hints; i++)
    o->hints[i] = f->hints[i];
}

static gint16
to_i16(double v)
{
  if (isnan(v))
    return 0;
  return (gint16)CLAMP(lround(v), G_MININT16, G_MAXINT16);
}

/* Maps the overlay into the w x h preview of a fw x fh frame, mirrored or not. */
static void
overlay_map(BoothPreviewHeader *h, const BoothPreviewOverlay *ov, int fw, int fh, int w, int h_px,
            gboolean mirror)
{
  double sx = (double)w / fw, sy = (double)h_px / fh;
#define BOX_X(r) (mirror ? w - lround(((r).x + (r).width) * sx) : lround((r).x * sx))
#define POINT_X(x) (mirror ? w - 1 - (x)*sx : (x)*sx)
  if (ov->flags & BOOTH_PREVIEW_HAS_FACE) {
    h->face_x = to_i16((double)BOX_X(ov->face));
    h->face_y = to_i16(ov->face.y * sy);
    h->face_w = to_i16(ov->face.width * sx);
    h->face_h = to_i16(ov->face.height * sy);
  }
  if (ov->flags & BOOTH_PREVIEW_HAS_EYES) {
    h->left_eye_x = to_i16(POINT_X(ov->left_eye[0]));
    h->left_eye_y = to_i16(ov->left_eye[1] * sy);
    h->right_eye_x = to_i16(POINT_X(ov->right_eye[0]));
    h->right_eye_y = to_i16(ov->right_eye[1] * sy);
  }
  if (ov->flags & BOOTH_PREVIEW_HAS_CROP) {
    h->crop_x = to_i16((double)BOX_X(ov->crop));
    h->crop_y = to_i16(ov->crop.y * sy);
    h->crop_w = to_i16(ov->crop.width * sx);
    h->crop_h = to_i16(ov->crop.height * sy);
    h->head_top_min_y = to_i16(ov->head_top_min * sy);
    h->head_top_max_y = to_i16(ov->head_top_max * sy);
    h->eye_line_min_y = to_i16(ov->eye_line_min * sy);
    h->eye_line_max_y = to_i16(ov->eye_line_max * sy);
    h->face_width_min = to_i16(ov->face_width_min * sx);
    h->face_width_max = to_i16(ov->face_width_max * sx);
    h->centre_x = to_i16(POINT_X(ov->centre_x));
  }
#undef BOX_X
#undef POINT_X
}

static void
mirror_rows(BoothFrame *img)
{
  for (int y = 0; y < img->height; y++) {
    guint8 *a = img->data + (gsize)y * img->stride, *b = a + (img->width - 1) * 3;
    for (; a < b; a += 3, b -= 3)
      for (int k = 0; k < 3; k++) {
        guint8 t = a[k];
        a[k] = b[k];
        b[k] = t;
      }
  }
}

GBytes *
booth_preview_encode(const BoothFrame *frame, const BoothPreviewOverlay *ov,
                     const BoothPreviewOptions *o, guint64 seq, gint64 timestamp_us, GError **error)
{
  g_assert(o && (!frame || ov));
  BoothPreviewHeader h = {
      .version = BOOTH_PREVIEW_VERSION,
      .header_len = BOOTH_PREVIEW_HEADER_LEN,
      .flags = o->mirror ? BOOTH_PREVIEW_MIRRORED : 0,
      .sequence = frame ? frame->seq : seq,
      .timestamp_us = frame ? frame->timestamp_us : timestamp_us,
  };
  g_autoptr(GBytes) jpeg = NULL;
  g_autoptr(GString) hints = g_string_new(NULL);
  if (!frame) {
    h.flags |= BOOTH_PREVIEW_NO_CAMERA;
  } else {
    /* The longer side at max_side, never enlarged. */
    int side = MAX(frame->width, frame->height);
    double s = MIN(1.0, (double)o->max_side / side);
    int w = MAX(1, (int)lround(frame->width * s)), hh = MAX(1, (int)lround(frame->height * s));
    BoothRect all = {0, 0, frame->width, frame->height};
    g_autoptr(BoothFrame) small = booth_image_crop_scale(frame, all, w, hh);
    if (!small) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "out of memory scaling a preview");
      return NULL;
    }
    if (o->mirror)
      mirror_rows(small);
    jpeg = booth_jpeg_encode(small, (int)o->quality, 0, error);
    if (!jpeg)
      return NULL;
    h.width = (guint16)w;
    h.height = (guint16)hh;
    h.flags |=
        ov->flags & (BOOTH_PREVIEW_HAS_FACE | BOOTH_PREVIEW_HAS_EYES | BOOTH_PREVIEW_HAS_CROP);
    overlay_map(&h, ov, frame->width, frame->height, w, hh, o->mirror);
    h.score = (guint16)CLAMP(lround(ov->score * 1000), 0, 1000);
    for (int i = 0; i < ov->n_hints; i++)
      g_string_append_len(hints, ov->hints[i], (gssize)strlen(ov->hints[i]) + 1);
    h.hints_len = (guint16)MIN(hints->len, G_MAXUINT16);
    h.jpeg_len = (guint32)g_bytes_get_size(jpeg);
  }
  GByteArray *out = g_byte_array_sized_new(BOOTH_PREVIEW_HEADER_LEN + h.hints_len + h.jpeg_len);
  g_byte_array_set_size(out, BOOTH_PREVIEW_HEADER_LEN);
  booth_preview_header_pack(&h, out->data);
  g_byte_array_append(out, (const guint8 *)hints->str, h.hints_len);
  if (jpeg)
    g_byte_array_append(out, g_bytes_get_data(jpeg, NULL), h.jpeg_len);
  return g_byte_array_free_to_bytes(out);
}

/* ---- clients ---- */

typedef struct {
  guint id;
  int fd;
  BoothPreviewOptions o;
  gint64 next_due_us; /* the timestamp from which the next frame is due */
  GBytes *tail;       /* the frame being sent, when the socket took only part of it */
  gsize tail_sent;
  guint64 frames, dropped;
  gboolean dead;
  GBytes *now; /* this round's encoding for the client, borrowed */
} Client;

static void
client_free(Client *c)
{
  if (c->tail)
    g_bytes_unref(c->tail);
  close(c->fd);
  g_free(c);
}

struct BoothPreview {
  GMutex lock;
  GCond wake;
  gboolean stop;
  BoothFrame *frame; /* the mailbox: the latest frame the encoder has not taken */
  BoothPreviewOverlay overlay;
  GPtrArray *clients; /* Client* */
  guint max_clients, next_id;
  double camera_fps;
  guint64 frames, dropped; /* of ended clients and the live ones, as last counted */
  GThread *thread;
};

/* Sends what the socket takes now; FALSE when the peer is gone. */
static gboolean
client_send(Client *c, GBytes *bytes, gsize *sent)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(bytes, &len);
  while (*sent < len) {
    ssize_t n = send(c->fd, p + *sent, len - *sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      *sent += (gsize)n;
      continue;
    }
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
      return TRUE;
    if (errno != EPIPE && errno != ECONNRESET)
      booth_warn("preview", "client %u: cannot write: %s; its stream ends", c->id, strerror(errno));
    return FALSE;
  }
  return TRUE;
}

/* Finishes the frame in flight, if any; FALSE while part of it is still unsent. */
static gboolean
client_flush(Client *c)
{
  if (!c->tail)
    return TRUE;
  if (!client_send(c, c->tail, &c->tail_sent)) {
    c->dead = TRUE;
    return FALSE;
  }
  if (c->tail_sent < g_bytes_get_size(c->tail))
    return FALSE;
  g_clear_pointer(&c->tail, g_bytes_unref);
  return TRUE;
}

/* One whole frame or none: a frame that cannot start now is dropped, one that started is
 * finished before any other. */
static void
client_offer(Client *c, GBytes *bytes)
{
  if (!client_flush(c)) {
    c->dropped += !c->dead;
    return;
  }
  gsize sent = 0;
  if (!client_send(c, bytes, &sent)) {
    c->dead = TRUE;
    return;
  }
  if (sent == 0) {
    c->dropped++;
    return;
  }
  c->frames++;
  if (sent < g_bytes_get_size(bytes)) {
    c->tail = g_bytes_ref(bytes);
    c->tail_sent = sent;
  }
}

/* A frame at ts is due for c; moves its schedule on. */
static gboolean
client_due(Client *c, gint64 ts, double camera_fps)
{
  if (ts + FPS_SLACK_US < c->next_due_us)
    return FALSE;
  gint64 period = (gint64)(G_USEC_PER_SEC / MIN(c->o.fps, camera_fps));
  /* Keep the average rate: the next is due a period after this one was due, not after it
   * came; after a gap (no frames, dropped ones) start again from now. */
  c->next_due_us += period;
  if (c->next_due_us < ts)
    c->next_due_us = ts + period;
  return TRUE;
}

static gboolean
options_equal(const BoothPreviewOptions *a, const BoothPreviewOptions *b)
{
  return a->max_side == b->max_side && a->quality == b->quality && !a->mirror == !b->mirror;
}

/* Ends clients whose peer hung up, and those a write found dead. Under the lock. */
static void
reap(BoothPreview *pv)
{
  g_autofree struct pollfd *fds = g_new0(struct pollfd, pv->clients->len + 1);
  for (guint i = 0; i < pv->clients->len; i++)
    fds[i] = (struct pollfd){((Client *)pv->clients->pdata[i])->fd, 0, 0};
  if (pv->clients->len && poll(fds, pv->clients->len, 0) < 0)
    return;
  for (guint i = pv->clients->len; i-- > 0;) {
    Client *c = pv->clients->pdata[i];
    if (!c->dead && !(fds[i].revents & (POLLHUP | POLLERR | POLLNVAL)))
      continue;
    booth_info("preview",
               "client %u ended (its reader closed): %" G_GUINT64_FORMAT
               " frames sent, %" G_GUINT64_FORMAT " dropped",
               c->id, c->frames, c->dropped);
    pv->frames += c->frames;
    pv->dropped += c->dropped;
    g_ptr_array_remove_index(pv->clients, i);
  }
}

/* Encodes frame (NULL: no picture) once per distinct setting among clients and offers it to
 * them. Enters and leaves with the lock held, drops it while encoding. */
static void
deliver(BoothPreview *pv, BoothFrame *frame, const BoothPreviewOverlay *ov, guint64 seq, gint64 now)
{
  g_autoptr(GPtrArray) wanted = g_ptr_array_new(); /* Client*, due this round */
  gint64 ts = frame ? frame->timestamp_us : now;
  for (guint i = 0; i < pv->clients->len; i++) {
    Client *c = pv->clients->pdata[i];
    c->now = NULL;
    if (!frame || client_due(c, ts, pv->camera_fps))
      g_ptr_array_add(wanted, c);
  }
  /* One encoding per setting; a client added meanwhile waits for the next frame. */
  g_autoptr(GArray) settings = g_array_new(FALSE, FALSE, sizeof(BoothPreviewOptions));
  for (guint i = 0; i < wanted->len; i++) {
    const Client *c = wanted->pdata[i];
    guint k = 0;
    while (k < settings->len &&
           !options_equal(&g_array_index(settings, BoothPreviewOptions, k), &c->o))
      k++;
    if (k == settings->len)
      g_array_append_val(settings, c->o);
  }
  g_autoptr(GPtrArray) encoded = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  g_mutex_unlock(&pv->lock);
  for (guint k = 0; k < settings->len; k++) {
    g_autoptr(GError) error = NULL;
    GBytes *bytes = booth_preview_encode(
        frame, ov, &g_array_index(settings, BoothPreviewOptions, k), seq, now, &error);
    if (!bytes)
      booth_warn("preview", "frame %" G_GUINT64_FORMAT " not sent: %s", seq, error->message);
    g_ptr_array_add(encoded, bytes);
  }
  g_mutex_lock(&pv->lock);
  for (guint i = 0; i < wanted->len; i++) {
    Client *c = wanted->pdata[i];
    guint k = 0;
    while (!options_equal(&g_array_index(settings, BoothPreviewOptions, k), &c->o))
      k++;
    c->now = encoded->pdata[k];
  }
  /* Clients not due still get their unsent tail on its way. */
  for (guint i = 0; i < pv->clients->len; i++) {
    Client *c = pv->clients->pdata[i];
    if (c->now)
      client_offer(c, c->now);
    else
      client_flush(c);
    c->now = NULL;
  }
  reap(pv);
}

static gpointer
encoder_thread(gpointer data)
{
  BoothPreview *pv = data;
  guint64 last_seq = 0;
  gint64 last_picture = g_get_monotonic_time();
  g_mutex_lock(&pv->lock);
  while (!pv->stop) {
    gint64 now = g_get_monotonic_time();
    if (!pv->frame) {
      if (pv->clients->len == 0) {
        /* Nobody to write to: sleep until a client or a frame comes. */
        g_cond_wait(&pv->wake, &pv->lock);
        continue;
      }
      if (now - last_picture < NO_PICTURE_US) {
        /* Wake for hang-ups too, so a closed client ends within a frame or so. */
        g_cond_wait_until(&pv->wake, &pv->lock, MIN(last_picture + NO_PICTURE_US, now + 100000));
        if (!pv->frame)
          reap(pv);
        continue;
      }
      last_picture = now;
      deliver(pv, NULL, NULL, last_seq, now);
      continue;
    }
    g_autoptr(BoothFrame) frame = g_steal_pointer(&pv->frame);
    BoothPreviewOverlay ov = pv->overlay;
    last_seq = frame->seq;
    last_picture = now;
    deliver(pv, frame, &ov, frame->seq, now);
  }
  g_mutex_unlock(&pv->lock);
  return NULL;
}

BoothPreview *
booth_preview_new(guint max_clients, double camera_fps)
{
  g_assert(max_clients > 0 && camera_fps > 0);
  BoothPreview *pv = g_new0(BoothPreview, 1);
  g_mutex_init(&pv->lock);
  g_cond_init(&pv->wake);
  pv->clients = g_ptr_array_new_with_free_func((GDestroyNotify)client_free);
  pv->max_clients = max_clients;
  pv->camera_fps = camera_fps;
  pv->thread = g_thread_new("booth-preview", encoder_thread, pv);
  return pv;
}

void
booth_preview_free(BoothPreview *pv)
{
  if (!pv)
    return;
  g_mutex_lock(&pv->lock);
  pv->stop = TRUE;
  g_cond_signal(&pv->wake);
  g_mutex_unlock(&pv->lock);
  g_thread_join(pv->thread);
  g_clear_pointer(&pv->frame, booth_frame_unref);
  g_ptr_array_unref(pv->clients);
  g_cond_clear(&pv->wake);
  g_mutex_clear(&pv->lock);
  g_free(pv);
}

gboolean
booth_preview_add_client(BoothPreview *pv, int fd, const BoothPreviewOptions *o, GError **error)
{
  g_assert(pv && fd >= 0 && o);
  if (!booth_preview_options_check(o, error))
    return FALSE;
  int type = 0;
  socklen_t len = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0 || type != SOCK_STREAM) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the preview is written to a stream socket only");
    return FALSE;
  }
  if (!g_unix_set_fd_nonblocking(fd, TRUE, NULL)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot make the preview socket "
                "non-blocking: %s",
                strerror(errno));
    return FALSE;
  }
  g_mutex_lock(&pv->lock);
  if (pv->clients->len >= pv->max_clients) {
    guint n = pv->clients->len;
    g_mutex_unlock(&pv->lock);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BUSY,
                "%u preview streams are open already (max_clients in [Preview]); close one", n);
    return FALSE;
  }
  Client *c = g_new0(Client, 1);
  c->id = ++pv->next_id;
  c->fd = fd;
  c->o = *o;
  g_ptr_array_add(pv->clients, c);
  g_cond_signal(&pv->wake);
  g_mutex_unlock(&pv->lock);
  booth_info("preview", "client %u: %u px, %g fps, quality %u%s", c->id, o->max_side,
             MIN(o->fps, pv->camera_fps), o->quality, o->mirror ? ", mirrored" : "");
  return TRUE;
}

void
booth_preview_push(BoothPreview *pv, BoothFrame *frame, const BoothPreviewOverlay *overlay)
{
  g_assert(pv && frame && overlay);
  g_mutex_lock(&pv->lock);
  if (pv->clients->len > 0) {
    if (pv->frame)
      booth_frame_unref(pv->frame);
    pv->frame = booth_frame_ref(frame);
    pv->overlay = *overlay;
    g_cond_signal(&pv->wake);
  }
  g_mutex_unlock(&pv->lock);
}

BoothPreviewStats
booth_preview_get_stats(BoothPreview *pv)
{
  g_assert(pv);
  g_mutex_lock(&pv->lock);
  BoothPreviewStats st = {pv->clients->len, pv->frames, pv->dropped};
  for (guint i = 0; i < pv->clients->len; i++) {
    const Client *c = pv->clients->pdata[i];
    st.frames += c->frames;
    st.dropped += c->dropped;
  }
  g_mutex_unlock(&pv->lock);
  return st;
}
