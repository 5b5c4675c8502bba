/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The booth object: its life, its camera, its listeners and what adapters read. */
#include "core/booth-private.h"

#include <string.h>

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

/* ---- jobs ---- */

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

gboolean
booth_caller_check(Booth *b, const BoothCaller *caller, GError **error)
{
  if (caller->authorized)
    return TRUE;
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED,
              "user %u may not operate the booth: add the user to group '%s' (or run as root)",
              (unsigned)caller->uid, b->config->allowed_group);
  return FALSE;
}

/* ---- listeners ---- */

void
booth_add_listener(Booth *b, const BoothListener *listener, gpointer data)
{
  g_assert(b && listener);
  BoothSubscriber s = {*listener, data};
  g_array_append_val(b->subscribers, s);
}

#define EACH_SUBSCRIBER(b, s)                                                                      \
  for (BoothSubscriber *s = (BoothSubscriber *)(void *)(b)->subscribers->data;                     \
       s < (BoothSubscriber *)(void *)(b)->subscribers->data + (b)->subscribers->len; s++)

void
booth_changed(Booth *b, BoothChange what)
{
  EACH_SUBSCRIBER(b, s)
  if (s->listener.changed)
    s->listener.changed(what, s->data);
}

void
booth_emit_code_scanned(Booth *b, const BoothCodeEvent *event)
{
  EACH_SUBSCRIBER(b, s)
  if (s->listener.code_scanned)
    s->listener.code_scanned(event, s->data);
}

void
booth_emit_committed(Booth *b, const BoothRecord *record)
{
  EACH_SUBSCRIBER(b, s)
  if (s->listener.committed)
    s->listener.committed(record, s->data);
}

void
booth_emit_owner_changed(Booth *b, const char *owner)
{
  EACH_SUBSCRIBER(b, s)
  if (s->listener.owner_changed)
    s->listener.owner_changed(owner, s->data);
}

/* ---- what adapters read ---- */

const BoothConfig *
booth_get_config(Booth *b)
{
  return b->config;
}

BoothState
booth_get_state(Booth *b)
{
  BoothSession *s = b->session;
  if (s && s->op == BOOTH_OP_CAPTURING)
    return BOOTH_STATE_PROCESSING;
  if (s && s->op == BOOTH_OP_COMMITTING)
    return BOOTH_STATE_COMMITTING;
  if (!b->camera)
    return BOOTH_STATE_ERROR;
  if (!s)
    return BOOTH_STATE_IDLE;
  if (s->candidate)
    return BOOTH_STATE_REVIEWING;
  return s->code ? BOOTH_STATE_FRAMING : BOOTH_STATE_SCANNING;
}

const BoothSession *
booth_get_session(Booth *b)
{
  return b->session;
}

GVariant *
booth_get_framing(Booth *b)
{
  return b->framing;
}

const char *const *
booth_get_hints(Booth *b)
{
  return (const char *const *)b->hints;
}

double
booth_get_score(Booth *b)
{
  return b->framing_score;
}

guint
booth_get_codes_in_view(Booth *b)
{
  return booth_intake_in_view(b->intake);
}

const BoothCameraStatus *
booth_get_camera_status(Booth *b)
{
  return &b->camera_status;
}

const char *
booth_get_camera_error(Booth *b)
{
  return b->camera_error;
}

gboolean
booth_has_camera(Booth *b)
{
  return b->camera != NULL;
}

void
booth_get_camera_counters(Booth *b, guint64 *converted, guint64 *corrupt)
{
  *converted = *corrupt = 0;
  if (b->camera_supervisor)
    booth_camera_supervisor_counters(b->camera_supervisor, converted, corrupt);
}

BoothMailboxStats
booth_get_frame_stats(Booth *b)
{
  return booth_mailbox_stats(b->mailbox);
}

guint64
booth_get_frames_analysed(Booth *b, double *mean_us)
{
  *mean_us = 0;
  return b->analysis ? booth_analysis_worker_count(b->analysis, mean_us) : 0;
}

const BoothCounters *
booth_get_counters(Booth *b)
{
  return &b->counters;
}

gint64
booth_get_uptime_us(Booth *b)
{
  return g_get_monotonic_time() - b->started_mono;
}

BoothPreviewStats
booth_get_preview_stats(Booth *b)
{
  /* While boothd stops, the preview is gone before the last jobs report back, and a property
   * read then finds no stream. */
  if (!b->preview) {
    BoothPreviewStats none = {0};
    return none;
  }
  return booth_preview_get_stats(b->preview);
}

/* ---- preview ---- */

gboolean
booth_open_preview(Booth *b, const BoothCaller *caller, int fd, const BoothPreviewOptions *options,
                   GError **error)
{
  g_assert(b && caller && fd >= 0 && options);
  if (!caller->authorized) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED,
                "the preview shows the student: only root, boothd's user and members of group "
                "'%s' may open it",
                b->config->allowed_group);
    return FALSE;
  }
  return booth_preview_add_client(b->preview, fd, options, error);
}

/* ---- hints ---- */

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
  EACH_SUBSCRIBER(b, s)
  if (s->listener.hints_changed)
    s->listener.hints_changed(s->data);
}

/* Frames that stop coming send no result: look once a second. */
static gboolean
hints_tick(gpointer data)
{
  booth_update_hints(data);
  return G_SOURCE_CONTINUE;
}

/* ---- camera ---- */

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
  booth_changed(b, BOOTH_CHANGE_CAMERA | BOOTH_CHANGE_STATE);
}

/* ---- life ---- */

Booth *
booth_new(BoothConfig *config, GError **error)
{
  g_assert(config);
  Booth *b = g_new0(Booth, 1);
  b->config = config;
  b->retired = g_ptr_array_new_with_free_func((GDestroyNotify)booth_config_free);
  b->started_mono = g_get_monotonic_time();
  b->mailbox = booth_mailbox_new();
  b->hints = g_new0(char *, 1);
  b->subscribers = g_array_new(FALSE, FALSE, sizeof(BoothSubscriber));
  b->intake = booth_intake_new((gint64)config->code_forget * G_USEC_PER_SEC);
  g_queue_init(&b->pending);

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
  /* The live worker sees the camera's stream; the capture analyzer judges each frame alone. */
  if (b->live_analyzer)
    booth_analyzer_set_stream(b->live_analyzer, TRUE);
  ao.qr = FALSE;
  b->capture_analyzer = b->live_analyzer ? booth_analyzer_new(&ao, error) : NULL;
  /* Its twin, for the capture's helper thread, made now rather than at the first capture. */
  if (!b->capture_analyzer || !booth_analyzer_get_twin(b->capture_analyzer, error)) {
    booth_free(b);
    return NULL;
  }
  b->jobs = g_thread_pool_new((GFunc)job_thread, NULL, 1, TRUE, NULL);
  b->preview = booth_preview_new((guint)config->preview_max_clients, config->fps);

  /* A booth without a camera still answers: the operator sees why, and the supervisor keeps
   * watching for one. It opens the camera in booth_start_frames(). */
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
  b->hints_tick = g_timeout_add_seconds(1, hints_tick, b);
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
                                            booth_scan_on_analysis, b);
  b->last_frame_mono = g_get_monotonic_time();
  booth_changed(b, BOOTH_CHANGE_CAMERA | BOOTH_CHANGE_STATE);
}

void
booth_free(Booth *b)
{
  if (!b)
    return;
  g_clear_handle_id(&b->hints_tick, g_source_remove);
  booth_mailbox_close(b->mailbox);
  g_clear_pointer(&b->analysis, booth_analysis_worker_stop);
  g_clear_pointer(&b->preview, booth_preview_free);
  if (b->export_thread) {
    /* An export being written finishes; its sessions are marked by the jobs below. */
    g_thread_join(g_steal_pointer(&b->export_thread));
    while (g_main_context_iteration(NULL, FALSE))
      ;
  }
  if (b->jobs)
    g_thread_pool_free(b->jobs, FALSE, TRUE); /* finish queued storage work */
  /* After the jobs, which may be taking stills from the camera. */
  g_clear_pointer(&b->camera_supervisor, booth_camera_supervisor_free);
  g_clear_pointer(&b->live_analyzer, booth_analyzer_free);
  g_clear_pointer(&b->capture_analyzer, booth_analyzer_free);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  /* Every job has finished, so nothing should wait; if a call still did, it gets an answer
   * rather than none. */
  g_autoptr(GError) stopping =
      g_error_new_literal(BOOTH_ERROR, BOOTH_ERROR_FAILED, "boothd is stopping; try again");
  booth_session_fail_pending(b, stopping);
  g_clear_pointer(&b->camera, booth_camera_unref);
  booth_camera_status_clear(&b->camera_status);
  booth_session_free(b->session);
  booth_store_free(b->store);
  booth_mailbox_free(b->mailbox);
  booth_intake_free(b->intake);
  g_array_unref(b->subscribers);
  g_strfreev(b->hints);
  g_free(b->camera_error);
  g_clear_pointer(&b->framing, g_variant_unref);
  g_strfreev(b->framing_hints);
  g_clear_pointer(&b->retired, g_ptr_array_unref);
  booth_config_free(b->config);
  g_free(b);
}

static void
swap_values(void *a, void *b, size_t n)
{
  guint8 t[sizeof(double)];
  g_assert(n <= sizeof t);
  memcpy(t, a, n);
  memcpy(a, b, n);
  memcpy(b, t, n);
}

/* Keys read where they are used (so a new value counts from the next use); every other key
 * needs a restart. */
static const char *const live_keys[] = {
    "[Booth] profiles",          "[Booth] profile_dir",
    "[Booth] auto_start",        "[Booth] abandon_timeout",
    "[Booth] allowed_group",     "[Camera] capture_timeout",
    "[Analysis] code_max_bytes", NULL,
};

char **
booth_reconfigure(Booth *b, BoothConfig *config)
{
  g_assert(b && config && config->loaded_profiles);
  g_auto(GStrv) changed = booth_config_changed_keys(b->config, config);
  g_autoptr(GPtrArray) later = g_ptr_array_new();
  for (char **k = changed; *k; k++)
    if (!g_strv_contains(live_keys, *k))
      g_ptr_array_add(later, g_strdup(*k));
  g_ptr_array_add(later, NULL);
  /* The keys that need a restart keep their running values (swapped over from the old
   * configuration), so the booth never runs half on the old value and half on the new. */
  BoothConfig *old = b->config;
#define KEEP(field) swap_values(&config->field, &old->field, sizeof config->field)
  KEEP(camera);
  KEEP(state_dir);
  KEEP(fps);
  KEEP(camera_width);
  KEEP(camera_height);
  KEEP(viewfinder_width);
  KEEP(viewfinder_height);
  KEEP(pixel_format);
  KEEP(rotation);
  KEEP(exposure_compensation);
  KEEP(awb_lock);
  KEEP(focus_timeout);
  KEEP(frame_timeout);
  KEEP(max_restarts);
  KEEP(max_frame_pixels);
  KEEP(qr_max_side);
  KEEP(code_forget);
  KEEP(cascade_dir);
  KEEP(min_face);
  KEEP(preview_max_clients);
#undef KEEP
  b->config = config;
  g_ptr_array_add(b->retired, old);
  /* The live framing measures for the new first profile from the next frame on. */
  if (b->analysis)
    booth_analysis_worker_set_profile(b->analysis, g_ptr_array_index(config->loaded_profiles, 0));
  booth_changed(b, BOOTH_CHANGE_SESSION);
  return (char **)g_ptr_array_free(g_steal_pointer(&later), FALSE);
}
