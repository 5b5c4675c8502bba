#include "booth.h"

#include <string.h>
#include <systemd/sd-daemon.h>

#include "analysis/code.h"
#include "error.h"
#include "log.h"

static const char *const state_names[] = {
    [BOOTH_STATE_IDLE] = "idle",           [BOOTH_STATE_SCANNING] = "scanning",
    [BOOTH_STATE_FRAMING] = "framing",     [BOOTH_STATE_PROCESSING] = "processing",
    [BOOTH_STATE_REVIEWING] = "reviewing", [BOOTH_STATE_COMMITTING] = "committing",
    [BOOTH_STATE_ERROR] = "error",
};

const char *
booth_state_name(BoothState s)
{
  return state_names[s];
}

typedef struct {
  Booth *booth;
  BoothJobFunc work, done;
  gpointer data;
} Job;

static gboolean
job_done(gpointer p)
{
  Job *j = p;
  if (j->done)
    j->done(j->booth, j->data);
  g_free(j);
  return G_SOURCE_REMOVE;
}

static void
job_thread(gpointer p, gpointer user_data)
{
  (void)user_data;
  Job *j = p;
  j->work(j->booth, j->data);
  /* An idle source, not g_main_context_invoke(): that would run job_done right here
   * whenever no thread owns the main context (before the loop runs, at shutdown). */
  GSource *src = g_idle_source_new();
  g_source_set_callback(src, job_done, j, NULL);
  g_source_attach(src, NULL);
  g_source_unref(src);
}

void
booth_job_run(Booth *b, BoothJobFunc work, BoothJobFunc done, gpointer data)
{
  g_assert(b && work);
  Job *j = g_new0(Job, 1);
  *j = (Job){b, work, done, data};
  g_thread_pool_push(b->jobs, j, NULL);
}

BoothState
booth_get_state(Booth *b)
{
  BoothSession *s = b->session;
  if (s && s->op == OP_CAPTURING)
    return BOOTH_STATE_PROCESSING;
  if (s && s->op == OP_COMMITTING)
    return BOOTH_STATE_COMMITTING;
  if (!b->camera)
    return BOOTH_STATE_ERROR;
  if (!s)
    return BOOTH_STATE_IDLE;
  if (s->candidate)
    return BOOTH_STATE_REVIEWING;
  return s->code ? BOOTH_STATE_FRAMING : BOOTH_STATE_SCANNING;
}

void
booth_session_free(BoothSession *s)
{
  if (!s)
    return;
  g_free(s->id);
  if (s->code)
    g_bytes_unref(s->code);
  g_free(s->operator_name);
  g_free(s->owner);
  sd_bus_track_unref(s->track);
  g_clear_handle_id(&s->abandon_timer, g_source_remove);
  booth_candidate_free(s->candidate);
  g_free(s);
}

GVariant *
booth_code_variant(GBytes *code)
{
  gsize n;
  const void *p = g_bytes_get_data(code, &n);
  return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, n, 1);
}

GVariant *
booth_dup_session(Booth *b)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  BoothSession *s = b->session;
  if (s) {
    g_variant_dict_insert(&d, "id", "s", s->id);
    /* Properties are readable by anyone on the bus; the code identifies a student, so it
     * travels only in CodeScanned and the records, which the bus policy restricts. */
    g_variant_dict_insert(&d, "has_code", "b", s->code != NULL);
    g_variant_dict_insert(&d, "operator", "s", s->operator_name ? s->operator_name : "");
    g_variant_dict_insert(&d, "profile", "s", s->profile->name);
    g_variant_dict_insert(&d, "owner", "s", s->owner ? s->owner : "");
    g_variant_dict_insert(&d, "owner_present", "b", s->owner != NULL);
    g_variant_dict_insert(&d, "detached", "b", s->owner == NULL && !s->owner_lost);
    g_variant_dict_insert(&d, "started_at", "x", s->started_at);
    g_variant_dict_insert(&d, "attempts", "u", s->attempts);
    g_variant_dict_insert(&d, "has_candidate", "b", s->candidate != NULL);
    g_variant_dict_insert(&d, "abandon_at", "x", s->abandon_at);
    if (s->candidate)
      g_variant_dict_insert(&d, "candidate", "s", s->candidate->path ? s->candidate->path : "");
  }
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

GVariant *
booth_dup_framing(Booth *b)
{
  GVariantDict d;
  g_variant_dict_init(&d, b->framing);
  /* Timing moves on every frame without meaning a change of framing. */
  g_variant_dict_remove(&d, "elapsed_us");
  g_variant_dict_insert_value(&d, "hints", g_variant_new_strv((const char *const *)b->hints, -1));
  g_variant_dict_insert(&d, "score", "d", b->framing_score);
  g_variant_dict_insert(&d, "codes_in_view", "u", b->codes_in_view);
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

GVariant *
booth_dup_camera(Booth *b)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  BoothMailboxStats ms = booth_mailbox_stats(b->mailbox);
  const BoothCameraStatus *st = &b->camera_status;
  g_variant_dict_insert(&d, "id", "s", st->id ? st->id : b->config->camera);
  g_variant_dict_insert(&d, "model", "s", st->model ? st->model : "");
  g_variant_dict_insert(&d, "state", "s", booth_camera_state_name(st->state));
  /* What the operator should check, while it does not run. */
  if (b->camera_error)
    g_variant_dict_insert(&d, "message", "s", b->camera_error);
  if (b->camera) {
    g_variant_dict_insert(&d, "width", "i", st->width);
    g_variant_dict_insert(&d, "height", "i", st->height);
    g_variant_dict_insert(&d, "fps", "d", st->fps);
    g_variant_dict_insert(&d, "streams", "s", st->streams ? st->streams : "");
  }
  g_variant_dict_insert(&d, "restarts", "u", st->restarts);
  guint64 converted = 0, corrupt = 0;
  if (b->camera_supervisor)
    booth_camera_supervisor_counters(b->camera_supervisor, &converted, &corrupt);
  g_variant_dict_insert(&d, "converted", "t", converted);
  g_variant_dict_insert(&d, "dropped_corrupt", "t", corrupt);
  g_variant_dict_insert(&d, "frames", "t", ms.delivered);
  g_variant_dict_insert(&d, "dropped", "t", ms.dropped);
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

GVariant *
booth_dup_stats(Booth *b)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  double mean_us = 0;
  guint64 analysed = b->analysis ? booth_analysis_worker_count(b->analysis, &mean_us) : 0;
  BoothMailboxStats ms = booth_mailbox_stats(b->mailbox);
  const BoothCounters *c = &b->counters;
  g_variant_dict_insert(&d, "frames_delivered", "t", ms.delivered);
  g_variant_dict_insert(&d, "frames_dropped", "t", ms.dropped);
  g_variant_dict_insert(&d, "frames_analyzed", "t", analysed);
  g_variant_dict_insert(&d, "analysis_ms", "d", mean_us / 1000.0);
  g_variant_dict_insert(&d, "codes_scanned", "t", c->codes_scanned);
  g_variant_dict_insert(&d, "sessions_started", "t", c->sessions_started);
  g_variant_dict_insert(&d, "captures", "t", c->captures);
  g_variant_dict_insert(&d, "retakes", "t", c->retakes);
  g_variant_dict_insert(&d, "commits", "t", c->commits);
  g_variant_dict_insert(&d, "cancels", "t", c->cancels);
  g_variant_dict_insert(&d, "abandoned", "t", c->abandoned);
  g_variant_dict_insert(&d, "storage_errors", "t", c->storage_errors);
  g_variant_dict_insert(&d, "uptime_s", "t",
                        (guint64)((g_get_monotonic_time() - b->started_mono) / G_USEC_PER_SEC));
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

static gboolean
replace_if_changed(GVariant **slot, GVariant *now)
{
  if (*slot && g_variant_equal(*slot, now)) {
    g_variant_unref(now);
    return FALSE;
  }
  if (*slot)
    g_variant_unref(*slot);
  *slot = now;
  return TRUE;
}

static void
update_status(Booth *b, BoothState st)
{
  g_autofree char *status = NULL;
  if (b->session)
    status = g_strdup_printf("Session %s: %s", b->session->id, booth_state_name(st));
  else if (st == BOOTH_STATE_ERROR)
    status = g_strdup_printf("No camera: %s", b->camera_error ? b->camera_error : "unknown");
  else
    status = g_strdup("Idle, scanning for capture codes");
  sd_notifyf(0, "STATUS=%s", status);
}

/* Framing moves with every analysed frame: at most this often on the bus. */
#define FRAMING_MIN_INTERVAL_US (250 * 1000)

static gboolean
framing_deferred(gpointer data)
{
  Booth *b = data;
  b->framing_timer = 0;
  booth_publish(b);
  return G_SOURCE_REMOVE;
}

void
booth_publish(Booth *b)
{
  const char *names[6];
  int n = 0;
  BoothState st = booth_get_state(b);
  if (st != b->published_state) {
    booth_info("session", "state %s -> %s", booth_state_name(b->published_state),
               booth_state_name(st));
    b->published_state = st;
    names[n++] = "State";
    update_status(b, st);
  }
  if (replace_if_changed(&b->published_session, booth_dup_session(b)))
    names[n++] = "Session";
  gint64 now = g_get_monotonic_time();
  if (now - b->framing_published_mono >= FRAMING_MIN_INTERVAL_US) {
    if (replace_if_changed(&b->published_framing, booth_dup_framing(b))) {
      names[n++] = "Framing";
      b->framing_published_mono = now;
    }
  } else if (!b->framing_timer) {
    /* Too soon: look again when the interval is over, so the last change is not lost. */
    b->framing_timer = g_timeout_add(
        (guint)((FRAMING_MIN_INTERVAL_US - (now - b->framing_published_mono)) / 1000) + 1,
        framing_deferred, b);
  }
  names[n] = NULL;
  if (n && b->bus)
    booth_service_properties_changed(b, (char **)names);
}

void
booth_update_hints(Booth *b)
{
  g_autoptr(GPtrArray) hints = g_ptr_array_new();
  if (b->camera && g_get_monotonic_time() - b->last_frame_mono > 2 * G_USEC_PER_SEC)
    g_ptr_array_add(hints, "no_frames");
  if (b->session && !b->session->code)
    g_ptr_array_add(hints, "show_code");
  /* The face hints matter once a student is expected: in a session. */
  if (b->session && b->camera)
    for (char **h = b->framing_hints; h && *h; h++)
      g_ptr_array_add(hints, *h);
  g_ptr_array_add(hints, NULL);
  if (g_strv_equal((const char *const *)b->hints, (const char *const *)hints->pdata))
    return;
  g_strfreev(b->hints);
  b->hints = g_strdupv((char **)hints->pdata);
  b->hints_changed = TRUE;
  booth_emit_hints(b);
}

/* FramingHints on a change of hints, at most every FRAMING_MIN_INTERVAL_US: a student
 * wavering at a threshold must not flood the bus; the latest hints always go out. */
static gboolean
hints_deferred(gpointer data)
{
  Booth *b = data;
  b->hints_timer = 0;
  booth_emit_hints(b);
  return G_SOURCE_REMOVE;
}

void
booth_emit_hints(Booth *b)
{
  if (!b->hints_changed)
    return;
  gint64 now = g_get_monotonic_time();
  gint64 wait = FRAMING_MIN_INTERVAL_US - (now - b->hints_emitted_mono);
  if (wait > 0) {
    if (!b->hints_timer)
      b->hints_timer = g_timeout_add((guint)(wait / 1000) + 1, hints_deferred, b);
    return;
  }
  b->hints_changed = FALSE;
  b->hints_emitted_mono = now;
  booth_service_emit(b, "FramingHints", g_variant_new("(^asd)", b->hints, b->framing_score));
  booth_publish(b);
}

/* Counters move with every frame: they are published at most once a second. */
static gboolean
stats_tick(gpointer data)
{
  Booth *b = data;
  const char *names[3];
  int n = 0;
  g_autoptr(GVariant) stats = booth_dup_stats(b);
  /* uptime alone is not a change worth a signal */
  GVariantDict d;
  g_variant_dict_init(&d, stats);
  g_variant_dict_remove(&d, "uptime_s");
  if (replace_if_changed(&b->published_stats, g_variant_ref_sink(g_variant_dict_end(&d))))
    names[n++] = "Stats";
  if (replace_if_changed(&b->published_camera, booth_dup_camera(b)))
    names[n++] = "Camera";
  names[n] = NULL;
  if (n && b->bus)
    booth_service_properties_changed(b, (char **)names);

  booth_update_hints(b);
  return G_SOURCE_CONTINUE;
}

/* The camera's own property changes with its state, not only once a second. */
static void
publish_camera(Booth *b)
{
  if (!replace_if_changed(&b->published_camera, booth_dup_camera(b)) || !b->bus)
    return;
  const char *names[] = {"Camera", NULL};
  booth_service_properties_changed(b, (char **)names);
}

static void
camera_status_apply(Booth *b, const BoothCameraStatus *st)
{
  gboolean was_running = b->camera != NULL;
  g_clear_pointer(&b->camera, booth_camera_unref);
  if (st->camera)
    b->camera = booth_camera_ref(st->camera);
  g_clear_pointer(&b->camera_error, g_free);
  if (!b->camera)
    b->camera_error =
        g_strdup(st->message && *st->message ? st->message : "check the camera connection");
  booth_camera_status_clear(&b->camera_status);
  booth_camera_status_copy(&b->camera_status, st);
  /* A camera that is back gets time for its first frame before "no_frames". */
  if (b->camera && !was_running)
    b->last_frame_mono = g_get_monotonic_time();
}

/* From the supervisor, through an idle source on this (the main) thread. The session and its
 * candidate stay whatever the camera does; State says error while there is none. */
static void
on_camera_status(const BoothCameraStatus *st, gpointer data)
{
  Booth *b = data;
  camera_status_apply(b, st);
  publish_camera(b);
  booth_publish(b);
}

static gboolean
watchdog_tick(gpointer data)
{
  (void)data;
  sd_notify(0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

Booth *
booth_new(BoothConfig *config, GError **error)
{
  g_assert(config);
  Booth *b = g_new0(Booth, 1);
  b->config = config;
  b->started_mono = g_get_monotonic_time();
  b->mailbox = booth_mailbox_new();
  b->hints = g_new0(char *, 1);
  b->published_state = BOOTH_STATE_IDLE;
  b->recent_codes =
      g_hash_table_new_full(g_bytes_hash, g_bytes_equal, (GDestroyNotify)g_bytes_unref, g_free);

  b->store = booth_store_open(config->state_dir, error);
  if (!b->store) {
    booth_free(b);
    return NULL;
  }
  g_autoptr(GPtrArray) report = g_ptr_array_new_with_free_func(g_free);
  if (!booth_store_reconcile(b->store, report, error)) {
    booth_free(b);
    return NULL;
  }
  /* The store logs each repair itself. */
  if (report->len == 0)
    booth_info("store", "records and files agree (%s)", config->state_dir);
  else
    booth_notice("store", "%u repairs at start-up in %s", report->len, config->state_dir);

  /* Two analyzers: one for the live worker, one for the capture burst on the job thread.
   * Both load the face cascades now, so a missing model stops start-up with its name. */
  BoothAnalyzerOptions ao = {
      .qr_max_side = config->qr_max_side,
      .cascade_dir = config->cascade_dir,
      .min_face = config->min_face,
      .profile = g_ptr_array_index(config->loaded_profiles, 0),
      .qr = TRUE,
  };
  b->live_analyzer = booth_analyzer_new(&ao, error);
  ao.qr = FALSE;
  b->capture_analyzer = b->live_analyzer ? booth_analyzer_new(&ao, error) : NULL;
  if (!b->capture_analyzer) {
    booth_free(b);
    return NULL;
  }
  b->jobs = g_thread_pool_new((GFunc)job_thread, NULL, 1, TRUE, NULL);

  /* A booth without a camera still answers: the operator sees why on the bus, and the
   * supervisor keeps watching for one. It opens the camera in booth_start_frames(). */
  BoothCameraOptions opts;
  booth_camera_options_init(&opts);
  opts.fps = config->fps;
  opts.width = config->camera_width;
  opts.height = config->camera_height;
  opts.viewfinder_width = config->viewfinder_width;
  opts.viewfinder_height = config->viewfinder_height;
  opts.pixel_format = config->pixel_format;
  opts.rotation = config->rotation;
  opts.exposure_compensation = config->exposure_compensation;
  opts.awb_lock = config->awb_lock;
  opts.focus_timeout_ms = config->focus_timeout;
  opts.max_frame_pixels = config->max_frame_pixels;
  BoothCameraTiming timing;
  booth_camera_timing_init(&timing);
  timing.frame_timeout_ms = config->frame_timeout * 1000;
  timing.max_restarts = (guint)config->max_restarts;
  b->camera_supervisor =
      booth_camera_supervisor_new(config->camera, &opts, &timing, b->mailbox, on_camera_status, b);
  b->camera_status.state = BOOTH_CAMERA_ABSENT;
  b->camera_error = g_strdup("the camera is being opened");
  b->last_frame_mono = g_get_monotonic_time();
  b->stats_timer = g_timeout_add_seconds(1, stats_tick, b);

  uint64_t wd_usec = 0;
  if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
    b->watchdog_timer = g_timeout_add((guint)(wd_usec / 2000), watchdog_tick, b);
  return b;
}

void
booth_start_frames(Booth *b)
{
  g_assert(b && !b->analysis);
  BoothCameraStatus first = {0};
  booth_camera_supervisor_start(b->camera_supervisor, &first);
  camera_status_apply(b, &first);
  booth_camera_status_clear(&first);
  b->analysis = booth_analysis_worker_start(b->mailbox, g_steal_pointer(&b->live_analyzer), NULL,
                                            booth_on_analysis, b);
  b->last_frame_mono = g_get_monotonic_time();
  booth_publish(b);
}

void
booth_free(Booth *b)
{
  if (!b)
    return;
  g_clear_handle_id(&b->stats_timer, g_source_remove);
  g_clear_handle_id(&b->framing_timer, g_source_remove);
  g_clear_handle_id(&b->hints_timer, g_source_remove);
  g_clear_handle_id(&b->watchdog_timer, g_source_remove);
  booth_mailbox_close(b->mailbox);
  g_clear_pointer(&b->analysis, booth_analysis_worker_stop);
  if (b->jobs)
    g_thread_pool_free(b->jobs, FALSE, TRUE); /* finish queued storage work */
  /* After the jobs, which may be taking stills from the camera. */
  g_clear_pointer(&b->camera_supervisor, booth_camera_supervisor_free);
  g_clear_pointer(&b->live_analyzer, booth_analyzer_free);
  g_clear_pointer(&b->capture_analyzer, booth_analyzer_free);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_clear_pointer(&b->camera, booth_camera_unref);
  booth_camera_status_clear(&b->camera_status);
  booth_session_free(b->session);
  sd_bus_slot_unref(b->vtable_slot);
  if (b->bus_source) {
    g_source_destroy(b->bus_source);
    g_source_unref(b->bus_source);
  }
  if (b->bus) {
    sd_bus_flush(b->bus);
    sd_bus_close_unref(b->bus);
  }
  booth_store_free(b->store);
  booth_mailbox_free(b->mailbox);
  g_hash_table_unref(b->recent_codes);
  g_strfreev(b->hints);
  g_free(b->camera_error);
  g_clear_pointer(&b->published_session, g_variant_unref);
  g_clear_pointer(&b->published_framing, g_variant_unref);
  g_clear_pointer(&b->framing, g_variant_unref);
  g_strfreev(b->framing_hints);
  g_clear_pointer(&b->published_camera, g_variant_unref);
  g_clear_pointer(&b->published_stats, g_variant_unref);
  g_free(b);
}
