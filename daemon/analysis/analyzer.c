/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <string.h>

#include "analysis.h"
#include "code.h"
#include "json.h"
#include "qr.h"

struct BoothAnalyzer {
  BoothAnalyzerOptions options;
  char *cascade_dir;   /* the options', kept for a twin */
  BoothAnalyzer *twin; /* booth_analyzer_get_twin */
  BoothQrScanner *qr;
  BoothFaceDetector *faces;
  guint8 *luma; /* full-size luma, scratch reused between frames */
  gsize luma_size;
  guint8 *small; /* reduced luma for QR */
  gsize small_size;
  /* A stream of frames (booth_analyzer_set_stream): faces of the last frame, frames since the
   * full face search, and frames so far. */
  gboolean stream;
  GArray *last_faces;
  int last_width, last_height;
  guint since_full;
  guint64 ticks;              /* frames of the stream */
  BoothQrScanner *qr_fast;    /* zxing-cpp alone */
  guint8 *thumb, *last_thumb; /* means of THUMB_BLOCK squares of this and the last frame */
  gsize thumb_size;
};

/* A frame whose thumbnail differs from the last one's by more than SCENE_CHANGE grey levels on
 * average is a new scene: its faces come from the full search. */
#define THUMB_BLOCK 16
#define SCENE_CHANGE 12.0

/* In a stream the full face search runs on a new scene (see SCENE_CHANGE), when a tracked face
 * is lost, and otherwise on every STREAM_FULL_EVERY-th frame with a face in view (a second face
 * is found within a second at 30 frames a second) or every STREAM_EMPTY_EVERY-th with none (a
 * student who sits down too slowly to change the scene is seen within a third of a second).
 * ZBar reads every STREAM_ZBAR_EVERY-th frame unless it has the full face search, so that no
 * frame pays for both; zxing-cpp reads every frame. */
#define STREAM_FULL_EVERY 30
#define STREAM_EMPTY_EVERY 10
#define STREAM_ZBAR_EVERY 4
/* Between full searches the eyes of a face that moved are searched again on every
 * STREAM_EYES_EVERY-th frame (a head turned or tilted shows within 0.13 s), half-way between
 * ZBar's turns, and carried with the face's box on the others. */
#define STREAM_EYES_EVERY 4

void
booth_analysis_free(BoothAnalysis *r)
{
  if (!r)
    return;
  g_free(r->origin);
  if (r->frame)
    booth_frame_unref(r->frame);
  if (r->codes)
    g_ptr_array_unref(r->codes);
  if (r->faces)
    g_array_unref(r->faces);
  booth_framing_clear(&r->framing);
  g_free(r);
}

BoothAnalyzer *
booth_analyzer_new(const BoothAnalyzerOptions *options, GError **error)
{
  g_assert(options && options->qr_max_side > 0 && options->profile);
  g_autoptr(BoothFaceDetector) faces = booth_face_detector_new(options->cascade_dir, error);
  if (!faces)
    return NULL;
  BoothAnalyzer *a = g_new0(BoothAnalyzer, 1);
  a->options = *options;
  a->cascade_dir = g_strdup(options->cascade_dir);
  a->options.cascade_dir = a->cascade_dir;
  a->qr = booth_qr_scanner_new();
  a->faces = g_steal_pointer(&faces);
  return a;
}

void
booth_analyzer_free(BoothAnalyzer *a)
{
  if (!a)
    return;
  booth_analyzer_free(a->twin);
  g_free(a->cascade_dir);
  booth_qr_scanner_free(a->qr);
  booth_qr_scanner_free(a->qr_fast);
  booth_face_detector_free(a->faces);
  g_free(a->luma);
  g_free(a->small);
  if (a->last_faces)
    g_array_unref(a->last_faces);
  g_free(a->thumb);
  g_free(a->last_thumb);
  g_free(a);
}

static guint8 *
scratch(guint8 **buf, gsize *size, gsize need)
{
  if (need > *size) {
    g_free(*buf);
    *buf = g_malloc(need);
    *size = need;
  }
  return *buf;
}

static void
luma_full(BoothAnalyzer *a, const BoothFrame *f)
{
  booth_frame_luma_into(f, scratch(&a->luma, &a->luma_size, (gsize)f->width * (gsize)f->height));
}

/* The full-size luma and its 2x2 means for QR in one pass, each pair of rows halved
 * while it is still in cache. */
static const guint8 *
luma_full_halved(BoothAnalyzer *a, const BoothFrame *f, int *ow, int *oh)
{
  guint8 *luma = scratch(&a->luma, &a->luma_size, (gsize)f->width * (gsize)f->height);
  int w = f->width / 2, h = f->height / 2;
  guint8 *out = scratch(&a->small, &a->small_size, (gsize)w * (gsize)h);
  for (int y = 0; y < f->height; y++) {
    guint8 *row = luma + (gsize)y * (gsize)f->width;
    booth_luma_row(f->data + (gsize)y * (gsize)f->stride, row, f->width);
    if (y % 2 == 1 && y / 2 < h)
      booth_luma_halve_row(row - f->width, row, out + (gsize)(y / 2) * (gsize)w, w);
  }
  *ow = w, *oh = h;
  return out;
}

/* The full luma reduced by an integer factor with a box filter, for QR. */
static const guint8 *
luma_reduce(BoothAnalyzer *a, int width, int height, int k, int *ow, int *oh)
{
  if (k == 1) {
    *ow = width, *oh = height;
    return a->luma;
  }
  /* A factor of 2 (1080p) is luma_full_halved()'s. */
  g_assert(k != 2);
  int w = width / k, h = height / k;
  guint8 *out = scratch(&a->small, &a->small_size, (gsize)w * (gsize)h);
  g_autofree guint32 *row = g_new(guint32, w);
  guint32 div = (guint32)(k * k);
  for (int y = 0; y < h; y++) {
    memset(row, 0, sizeof(guint32) * (gsize)w);
    for (int dy = 0; dy < k; dy++) {
      const guint8 *p = a->luma + (gsize)(y * k + dy) * (gsize)width;
      for (int x = 0; x < w; x++)
        for (int dx = 0; dx < k; dx++)
          row[x] += *p++;
    }
    for (int x = 0; x < w; x++)
      out[(gsize)y * (gsize)w + (gsize)x] = (guint8)((row[x] + div / 2) / div);
  }
  *ow = w, *oh = h;
  return out;
}

BoothAnalyzer *
booth_analyzer_get_twin(BoothAnalyzer *a, GError **error)
{
  g_assert(a);
  if (!a->twin)
    a->twin = booth_analyzer_new(&a->options, error);
  if (a->twin)
    booth_analyzer_set_profile(a->twin, a->options.profile);
  return a->twin;
}

void
booth_analyzer_set_stream(BoothAnalyzer *a, gboolean stream)
{
  g_assert(a);
  a->stream = stream;
  g_clear_pointer(&a->last_faces, g_array_unref);
  a->since_full = 0;
  a->ticks = 0;
  if (stream && !a->qr_fast)
    a->qr_fast = booth_qr_scanner_new_full(BOOTH_QR_ZXING);
}

/* The frame's thumbnail into a->thumb (the last one kept in a->last_thumb): the mean luma of
 * each THUMB_BLOCK square, from two of its rows of a->luma, just made and still in cache (read
 * from the colours, rows far apart in a frame not yet in cache cost 0.25-0.4 ms at 1080p).
 * Returns the mean absolute difference between the two thumbnails, or G_MAXDOUBLE when there is
 * no last one of the same size. */
static double
scene_change(BoothAnalyzer *a, const BoothFrame *frame)
{
  int tw = frame->width / THUMB_BLOCK, th = frame->height / THUMB_BLOCK;
  gsize n = (gsize)tw * (gsize)th;
  gboolean comparable = a->last_thumb && a->thumb_size == n && a->last_width == frame->width &&
                        a->last_height == frame->height;
  if (a->thumb_size != n) {
    g_free(a->thumb);
    g_free(a->last_thumb);
    a->thumb = g_malloc(MAX(n, 1));
    a->last_thumb = g_malloc(MAX(n, 1));
    a->thumb_size = n;
  } else {
    guint8 *t = a->last_thumb;
    a->last_thumb = a->thumb;
    a->thumb = t;
  }
  for (int y = 0; y < th; y++) {
    const guint8 *r0 = a->luma + (gsize)(y * THUMB_BLOCK) * (gsize)frame->width;
    const guint8 *r1 = r0 + (gsize)(THUMB_BLOCK / 2) * (gsize)frame->width;
    guint8 *t = a->thumb + (gsize)y * (gsize)tw;
    for (int x = 0; x < tw; x++, r0 += THUMB_BLOCK, r1 += THUMB_BLOCK) {
      guint sum = 0;
      for (int i = 0; i < THUMB_BLOCK; i++)
        sum += (guint)r0[i] + r1[i];
      t[x] = (guint8)((sum + THUMB_BLOCK) / (2 * THUMB_BLOCK));
    }
  }
  if (!comparable || n == 0)
    return G_MAXDOUBLE;
  guint64 diff = 0;
  for (gsize i = 0; i < n; i++)
    diff += (guint64)ABS((int)a->thumb[i] - (int)a->last_thumb[i]);
  return (double)diff / (double)n;
}

/* In a stream, whether this frame gets the full face search whatever it shows: the first, one
 * of another size, or its turn. */
static gboolean
full_search_planned(const BoothAnalyzer *a, const BoothFrame *frame)
{
  if (!a->last_faces || a->last_width != frame->width || a->last_height != frame->height)
    return TRUE;
  guint every = a->last_faces->len > 0 ? STREAM_FULL_EVERY : STREAM_EMPTY_EVERY;
  return a->since_full + 1 >= every;
}

/* In a stream, whether this frame's faces come from the full search (unless tracking fails):
 * planned, or a new scene. */
static gboolean
full_search_due(BoothAnalyzer *a, const BoothFrame *frame)
{
  if (!a->stream)
    return TRUE;
  gboolean planned = full_search_planned(a, frame);
  return scene_change(a, frame) > SCENE_CHANGE || planned;
}

/* Faces for run: in a stream, tracked from the last frame (or, with none in the last frame,
 * none) until the full search is due or tracking fails; otherwise the full search. */
static GArray *
faces_for_run(BoothAnalyzer *a, const BoothFrame *frame, gboolean full, gboolean *tracked)
{
  GArray *faces = NULL;
  if (!full && a->last_faces->len == 0)
    faces = g_array_new(FALSE, TRUE, sizeof(BoothFace));
  else if (!full)
    faces = booth_face_detector_track(a->faces, a->luma, frame->width, frame->height, frame->width,
                                      a->options.min_face, a->last_faces,
                                      a->ticks % STREAM_EYES_EVERY == STREAM_EYES_EVERY / 2);
  *tracked = faces != NULL;
  if (faces)
    a->since_full++;
  else {
    faces = booth_face_detector_run(a->faces, a->luma, frame->width, frame->height, frame->width,
                                    a->options.min_face);
    a->since_full = 0;
  }
  if (a->stream) {
    g_clear_pointer(&a->last_faces, g_array_unref);
    a->last_faces = g_array_ref(faces);
    a->last_width = frame->width, a->last_height = frame->height;
  }
  return faces;
}

void
booth_analyzer_set_profile(BoothAnalyzer *a, const BoothProfile *p)
{
  g_assert(a && p);
  a->options.profile = p;
}

void
booth_analyzer_reframe(BoothAnalyzer *a, const BoothFrame *frame, const GArray *faces,
                       const BoothProfile *p, BoothFraming *out)
{
  g_assert(a && frame && faces && p && out);
  luma_full(a, frame);
  booth_framing_measure(frame, a->luma, faces, p, out);
}

GArray *
booth_analyzer_faces(BoothAnalyzer *a, const BoothFrame *frame)
{
  g_assert(a && frame);
  luma_full(a, frame);
  return booth_face_detector_run(a->faces, a->luma, frame->width, frame->height, frame->width,
                                 a->options.min_face);
}

BoothAnalysis *
booth_analyzer_run(BoothAnalyzer *a, const BoothFrame *frame)
{
  g_assert(a && frame);
  gint64 t0 = g_get_monotonic_time();
  BoothAnalysis *r = g_new0(BoothAnalysis, 1);
  r->seq = frame->seq;
  r->width = frame->width;
  r->height = frame->height;
  r->origin = g_strdup(frame->origin);

  int side = MAX(frame->width, frame->height);
  r->qr_scale = MAX((side + a->options.qr_max_side - 1) / a->options.qr_max_side, 1);
  int k = r->qr_scale, w = 0, h = 0;
  const guint8 *small = NULL;
  if (k == 2 && a->options.qr) {
    small = luma_full_halved(a, frame, &w, &h);
  } else {
    luma_full(a, frame);
    if (a->options.qr)
      small = luma_reduce(a, frame->width, frame->height, k, &w, &h);
  }
  gboolean full = full_search_due(a, frame);
  gint64 t1 = g_get_monotonic_time();
  r->luma_us = t1 - t0;

  if (a->options.qr) {
    gboolean zbar = !a->stream || (!full && a->ticks % STREAM_ZBAR_EVERY == 0);
    r->codes = booth_qr_scanner_scan(zbar ? a->qr : a->qr_fast, small, w, h);

    for (guint i = 0; i < r->codes->len; i++) {
      BoothQrCode *c = g_ptr_array_index(r->codes, i);
      c->x *= r->qr_scale, c->y *= r->qr_scale;
      c->width *= r->qr_scale, c->height *= r->qr_scale;
    }
  } else {
    r->codes = g_ptr_array_new_with_free_func((GDestroyNotify)booth_qr_code_free);
  }
  gint64 t2 = g_get_monotonic_time();
  r->qr_us = t2 - t1;

  r->faces = faces_for_run(a, frame, full, &r->faces_tracked);
  gint64 t3 = g_get_monotonic_time();
  r->face_us = t3 - t2;

  booth_framing_measure(frame, a->luma, r->faces, a->options.profile, &r->framing);
  gint64 t4 = g_get_monotonic_time();
  r->framing_us = t4 - t3;
  r->total_us = t4 - t0;
  a->ticks++;
  return r;
}

void
booth_analysis_json_members(GString *s, const BoothAnalysis *r, const char *file)
{
  if (file) {
    g_string_append(s, "\"file\":");
    booth_json_string(s, file);
    g_string_append_c(s, ',');
  }
  g_string_append_printf(s, "\"width\":%d,\"height\":%d,\"qr_scale\":%d,\"codes\":[", r->width,
                         r->height, r->qr_scale);
  for (guint i = 0; i < r->codes->len; i++) {
    const BoothQrCode *c = g_ptr_array_index(r->codes, i);
    gsize n;
    const guint8 *p = g_bytes_get_data(c->data, &n);
    g_string_append(s, i ? ",{\"text\":" : "{\"text\":");
    if (booth_code_is_text(c->data)) {
      g_autofree char *t = g_strndup((const char *)p, n);
      booth_json_string(s, t);
    } else {
      g_string_append(s, "null");
    }
    g_string_append(s, ",\"hex\":");
    booth_json_hex(s, p, n);
    g_string_append_printf(s, ",\"bytes\":%zu,\"x\":%d,\"y\":%d,\"width\":%d,\"height\":%d}", n,
                           c->x, c->y, c->width, c->height);
  }
  g_string_append(s, "],\"framing\":");
  g_autofree char *framing = booth_framing_to_json(&r->framing);
  g_string_append(s, framing);
  g_string_append(s, ",\"ms\":{\"luma\":");
  booth_json_number(s, (double)r->luma_us / 1000.0);
  g_string_append(s, ",\"qr\":");
  booth_json_number(s, (double)r->qr_us / 1000.0);
  g_string_append(s, ",\"faces\":");
  booth_json_number(s, (double)r->face_us / 1000.0);
  g_string_append(s, ",\"framing\":");
  booth_json_number(s, (double)r->framing_us / 1000.0);
  g_string_append(s, ",\"total\":");
  booth_json_number(s, (double)r->total_us / 1000.0);
  g_string_append_c(s, '}');
}

struct BoothAnalysisWorker {
  BoothMailbox *mailbox;
  GMainContext *context;
  BoothAnalysisFunc func;
  gpointer user_data;
  BoothAnalyzer *analyzer;
  GThread *thread;
  gint stop;

  GMutex lock;                      /* guards the fields below */
  const BoothProfile *next_profile; /* taken up before the next frame */
  BoothAnalysis *pending;
  guint64 count;
  gint64 recent_us[64];
};

static gboolean
worker_deliver(gpointer data)
{
  BoothAnalysisWorker *w = data;
  g_mutex_lock(&w->lock);
  BoothAnalysis *r = g_steal_pointer(&w->pending);
  g_mutex_unlock(&w->lock);
  if (r)
    w->func(r, w->user_data);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_thread(gpointer data)
{
  BoothAnalysisWorker *w = data;
  BoothAnalyzer *an = w->analyzer;
  guint64 last = 0;
  while (!g_atomic_int_get(&w->stop)) {
    /* Bounded wait, so a stop request is seen even when no frames come. */
    g_autoptr(BoothFrame) f = booth_mailbox_wait(w->mailbox, last, 200 * 1000);
    if (!f)
      continue;
    last = f->seq;
    g_mutex_lock(&w->lock);
    const BoothProfile *next = g_steal_pointer(&w->next_profile);
    g_mutex_unlock(&w->lock);
    if (next)
      booth_analyzer_set_profile(an, next);
    BoothAnalysis *r = booth_analyzer_run(an, f);
    r->frame = g_steal_pointer(&f);
    g_mutex_lock(&w->lock);
    w->recent_us[w->count % G_N_ELEMENTS(w->recent_us)] = r->total_us;
    w->count++;
    gboolean schedule = w->pending == NULL;
    booth_analysis_free(w->pending);
    w->pending = r;
    g_mutex_unlock(&w->lock);
    if (schedule) {
      /* Always dispatched by the thread running the context, never inline here. */
      GSource *src = g_idle_source_new();
      g_source_set_callback(src, worker_deliver, w, NULL);
      g_source_attach(src, w->context);
      g_source_unref(src);
    }
  }
  return NULL;
}

BoothAnalysisWorker *
booth_analysis_worker_start(BoothMailbox *mailbox, BoothAnalyzer *analyzer, GMainContext *context,
                            BoothAnalysisFunc func, gpointer user_data)
{
  g_assert(mailbox && analyzer && func);
  BoothAnalysisWorker *w = g_new0(BoothAnalysisWorker, 1);
  w->mailbox = mailbox;
  w->context = context ? g_main_context_ref(context) : g_main_context_ref_thread_default();
  w->func = func;
  w->user_data = user_data;
  w->analyzer = analyzer;
  g_mutex_init(&w->lock);
  w->thread = g_thread_new("booth-analysis", worker_thread, w);
  return w;
}

void
booth_analysis_worker_set_profile(BoothAnalysisWorker *w, const BoothProfile *profile)
{
  g_assert(w && profile);
  g_mutex_lock(&w->lock);
  w->next_profile = profile;
  g_mutex_unlock(&w->lock);
}

void
booth_analysis_worker_stop(BoothAnalysisWorker *w)
{
  if (!w)
    return;
  g_atomic_int_set(&w->stop, 1);
  g_thread_join(w->thread);
  /* A delivery may still be queued in the context: drain it so it cannot touch freed memory. */
  while (g_main_context_iteration(w->context, FALSE))
    ;
  booth_analysis_free(w->pending);
  booth_analyzer_free(w->analyzer);
  g_mutex_clear(&w->lock);
  g_main_context_unref(w->context);
  g_free(w);
}

guint64
booth_analysis_worker_count(BoothAnalysisWorker *w, double *mean_us)
{
  g_mutex_lock(&w->lock);
  guint64 n = w->count;
  guint m = (guint)MIN(n, G_N_ELEMENTS(w->recent_us));
  gint64 sum = 0;
  for (guint i = 0; i < m; i++)
    sum += w->recent_us[i];
  g_mutex_unlock(&w->lock);
  if (mean_us)
    *mean_us = m ? (double)sum / m : 0;
  return n;
}
