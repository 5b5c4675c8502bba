#include <string.h>

#include "analysis.h"
#include "code.h"
#include "json.h"
#include "qr.h"

struct BoothAnalyzer {
  BoothQrScanner *qr;
  int qr_max_side;
  guint8 *luma; /* scratch, reused between frames */
  gsize luma_size;
};

void
booth_analysis_free(BoothAnalysis *r)
{
  if (!r)
    return;
  g_free(r->origin);
  if (r->codes)
    g_ptr_array_unref(r->codes);
  g_free(r);
}

BoothAnalyzer *
booth_analyzer_new(int qr_max_side)
{
  g_assert(qr_max_side > 0);
  BoothAnalyzer *a = g_new0(BoothAnalyzer, 1);
  a->qr = booth_qr_scanner_new();
  a->qr_max_side = qr_max_side;
  return a;
}

void
booth_analyzer_free(BoothAnalyzer *a)
{
  if (!a)
    return;
  booth_qr_scanner_free(a->qr);
  g_free(a->luma);
  g_free(a);
}

/* Luma reduced by an integer factor with a box filter: one pass over the RGB data. */
static void
luma_reduce(BoothAnalyzer *a, const BoothFrame *f, int k, int *ow, int *oh)
{
  int w = f->width / k, h = f->height / k;
  gsize need = (gsize)w * (gsize)h;
  if (need > a->luma_size) {
    g_free(a->luma);
    a->luma = g_malloc(need);
    a->luma_size = need;
  }
  g_autofree guint32 *row = g_new(guint32, w);
  for (int y = 0; y < h; y++) {
    memset(row, 0, sizeof(guint32) * (gsize)w);
    for (int dy = 0; dy < k; dy++) {
      const guint8 *p = f->data + (gsize)(y * k + dy) * (gsize)f->stride;
      for (int x = 0; x < w; x++) {
        guint32 s = 0;
        for (int dx = 0; dx < k; dx++, p += 3)
          s += 77u * p[0] + 150u * p[1] + 29u * p[2];
        row[x] += s;
      }
    }
    guint8 *o = a->luma + (gsize)y * (gsize)w;
    guint32 div = (guint32)(k * k) << 8;
    for (int x = 0; x < w; x++)
      o[x] = (guint8)((row[x] + div / 2) / div);
  }
  *ow = w;
  *oh = h;
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
  int k = (side + a->qr_max_side - 1) / a->qr_max_side;
  int w, h;
  luma_reduce(a, frame, MAX(k, 1), &w, &h);
  r->qr_scale = MAX(k, 1);
  r->codes = booth_qr_scanner_scan(a->qr, a->luma, w, h);
  for (guint i = 0; i < r->codes->len; i++) {
    BoothQrCode *c = g_ptr_array_index(r->codes, i);
    c->x *= r->qr_scale, c->y *= r->qr_scale;
    c->width *= r->qr_scale, c->height *= r->qr_scale;
  }
  gint64 t1 = g_get_monotonic_time();
  r->qr_us = t1 - t0;
  r->total_us = t1 - t0;
  return r;
}

char *
booth_analysis_to_json(const BoothAnalysis *r, const char *file)
{
  GString *s = g_string_new("{");
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
  g_string_append(s, "],\"analysis_ms\":");
  booth_json_number(s, (double)r->total_us / 1000.0);
  g_string_append_c(s, '}');
  return g_string_free(s, FALSE);
}

struct BoothAnalysisWorker {
  BoothMailbox *mailbox;
  GMainContext *context;
  BoothAnalysisFunc func;
  gpointer user_data;
  int qr_max_side;
  GThread *thread;
  gint stop;

  GMutex lock; /* guards the fields below */
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
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(w->qr_max_side);
  guint64 last = 0;
  while (!g_atomic_int_get(&w->stop)) {
    /* Bounded wait, so a stop request is seen even when no frames come. */
    g_autoptr(BoothFrame) f = booth_mailbox_wait(w->mailbox, last, 200 * 1000);
    if (!f)
      continue;
    last = f->seq;
    BoothAnalysis *r = booth_analyzer_run(an, f);
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
booth_analysis_worker_start(BoothMailbox *mailbox, int qr_max_side, GMainContext *context,
                            BoothAnalysisFunc func, gpointer user_data)
{
  g_assert(mailbox && func);
  BoothAnalysisWorker *w = g_new0(BoothAnalysisWorker, 1);
  w->mailbox = mailbox;
  w->context = context ? g_main_context_ref(context) : g_main_context_ref_thread_default();
  w->func = func;
  w->user_data = user_data;
  w->qr_max_side = qr_max_side;
  g_mutex_init(&w->lock);
  w->thread = g_thread_new("booth-analysis", worker_thread, w);
  return w;
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
