/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "camera/camera-supervisor.h"

#include <string.h>

#include "error.h"
#include "log.h"

/* While no camera comes, a probe that fails the same way is logged at debug level, with a
 * reminder this often, so a booth left without a camera does not fill the journal. */
#define PROBE_REMINDER_US (5 * 60 * G_USEC_PER_SEC)

static const char *const state_names[] = {
    [BOOTH_CAMERA_RUNNING] = "running",     [BOOTH_CAMERA_ABSENT] = "absent",
    [BOOTH_CAMERA_UNPLUGGED] = "unplugged", [BOOTH_CAMERA_HUNG] = "hung",
    [BOOTH_CAMERA_FAILED] = "failed",
};

const char *
booth_camera_state_name(BoothCameraState state)
{
  g_assert((unsigned)state < G_N_ELEMENTS(state_names));
  return state_names[state];
}

void
booth_camera_status_copy(BoothCameraStatus *dst, const BoothCameraStatus *src)
{
  g_assert(dst && src);
  *dst = *src;
  dst->camera = src->camera ? booth_camera_ref(src->camera) : NULL;
  dst->id = g_strdup(src->id);
  dst->model = g_strdup(src->model);
  dst->streams = g_strdup(src->streams);
  dst->message = g_strdup(src->message);
}

void
booth_camera_status_clear(BoothCameraStatus *status)
{
  g_assert(status);
  g_clear_pointer(&status->camera, booth_camera_unref);
  g_clear_pointer(&status->id, g_free);
  g_clear_pointer(&status->model, g_free);
  g_clear_pointer(&status->streams, g_free);
  g_clear_pointer(&status->message, g_free);
}

void
booth_camera_timing_init(BoothCameraTiming *t)
{
  g_assert(t);
  *t = (BoothCameraTiming){
      .reprobe_ms = 2000,
      .frame_timeout_ms = 5000,
      .max_restarts = 3,
      .backoff_ms = 1000,
      .backoff_max_ms = 30000,
      .healthy_ms = 60000,
  };
}

struct BoothCameraSupervisor {
  char *spec;
  BoothCameraOptions opts; /* pixel_format owned */
  BoothCameraTiming timing;
  BoothMailbox *mailbox;
  BoothCameraStatusFunc func;
  gpointer user_data;
  GMainContext *owner; /* where statuses go */
  BoothCameraOpenFunc open_func;
  gpointer open_data;

  GMainContext *ctx; /* the supervisor thread's */
  GMainLoop *loop;
  GThread *thread;

  GMutex lock; /* what other threads read: camera, status, pending, totals, first_done */
  GCond first_cond;
  gboolean first_done;
  BoothCamera *camera;
  BoothCameraStatus status;
  GSList *pending; /* status sources attached to owner, not yet dispatched */
  guint64 closed_converted, closed_dropped;

  /* The supervisor thread's alone. */
  BoothCameraWatch *watch;
  GSource *probe_timer, *frame_timer, *restart_timer;
  guint restarts;
  gint64 started_at; /* when the running camera started */
  guint64 last_delivered;
  gint64 last_frame_at;
  char *last_id, *last_model; /* of the last camera that ran */
  guint probes;               /* failed probes since the last state change */
  gint64 probe_reminded_at;
};

/* ---- reporting ---- */

typedef struct {
  BoothCameraSupervisor *sup;
  GSource *source;
  BoothCameraStatus status;
} StatusEvent;

static void
status_event_free(gpointer p)
{
  StatusEvent *e = p;
  booth_camera_status_clear(&e->status);
  g_free(e);
}

static gboolean
status_dispatch(gpointer p)
{
  StatusEvent *e = p;
  g_mutex_lock(&e->sup->lock);
  e->sup->pending = g_slist_remove(e->sup->pending, e->source);
  g_mutex_unlock(&e->sup->lock);
  e->sup->func(&e->status, e->sup->user_data);
  g_source_unref(e->source);
  return G_SOURCE_REMOVE;
}

/* Sets the state and tells the owner, unless nothing changed. */
static void
report(BoothCameraSupervisor *sup, BoothCameraState state, const char *message)
{
  BoothCameraStatus st = {.state = state, .restarts = sup->restarts};
  BoothCamera *cam = sup->camera; /* only this thread changes it */
  if (state == BOOTH_CAMERA_RUNNING) {
    g_assert(cam);
    st.camera = cam;
    st.id = cam->id;
    st.model = cam->model ? cam->model : "";
    st.width = cam->width;
    st.height = cam->height;
    st.fps = cam->fps;
    st.streams = cam->streams ? cam->streams : "";
    st.message = "";
  } else {
    st.id = sup->last_id ? sup->last_id : sup->spec;
    st.model = sup->last_model ? sup->last_model : "";
    st.streams = "";
    st.message = (char *)message;
  }

  g_mutex_lock(&sup->lock);
  const BoothCameraStatus *old = &sup->status;
  if (sup->first_done && old->state == st.state && old->camera == st.camera &&
      g_strcmp0(old->message, st.message) == 0 && old->restarts == st.restarts) {
    g_mutex_unlock(&sup->lock);
    return;
  }
  booth_camera_status_clear(&sup->status);
  booth_camera_status_copy(&sup->status, &st);
  if (sup->first_done) {
    StatusEvent *e = g_new0(StatusEvent, 1);
    e->sup = sup;
    booth_camera_status_copy(&e->status, &st);
    /* An idle source, not g_main_context_invoke(), which would run the callback right here
     * whenever this thread could acquire the owner's context. */
    e->source = g_idle_source_new();
    g_source_set_callback(e->source, status_dispatch, e, status_event_free);
    sup->pending = g_slist_prepend(sup->pending, e->source);
    g_source_attach(e->source, sup->owner);
  }
  g_mutex_unlock(&sup->lock);
}

/* ---- timers on the supervisor thread ---- */

static GSource *
add_timer(BoothCameraSupervisor *sup, int ms, GSourceFunc func)
{
  GSource *s = g_timeout_source_new((guint)MAX(ms, 1));
  g_source_set_callback(s, func, sup, NULL);
  g_source_attach(s, sup->ctx);
  return s;
}

static void
clear_timer(GSource **s)
{
  if (*s) {
    g_source_destroy(*s);
    g_clear_pointer(s, g_source_unref);
  }
}

static gboolean probe_tick(gpointer data);
static gboolean frame_tick(gpointer data);
static gboolean restart_tick(gpointer data);
static void attempt_open(BoothCameraSupervisor *sup, const char *why);

/* ---- the camera ---- */

typedef struct {
  BoothCameraSupervisor *sup;
  BoothCamera *camera;
  char *message; /* for hotplug, the camera's id */
  gboolean added;
} Event;

static void
event_free(gpointer p)
{
  Event *e = p;
  if (e->camera)
    booth_camera_unref(e->camera);
  g_free(e->message);
  g_free(e);
}

static void
post_event(BoothCameraSupervisor *sup, Event *e, GSourceFunc func)
{
  GSource *s = g_idle_source_new();
  g_source_set_callback(s, func, e, event_free);
  g_source_attach(s, sup->ctx);
  g_source_unref(s);
}

static void
close_camera(BoothCameraSupervisor *sup)
{
  BoothCamera *cam = sup->camera;
  if (!cam)
    return;
  /* After this no lost callback runs for it: the camera's lock is taken and released. */
  booth_camera_set_lost_func(cam, NULL, NULL);
  booth_camera_stop(cam);
  g_mutex_lock(&sup->lock);
  guint64 converted, dropped;
  booth_camera_counters(cam, &converted, &dropped);
  sup->camera = NULL;
  sup->closed_converted += converted;
  sup->closed_dropped += dropped;
  g_mutex_unlock(&sup->lock);
  clear_timer(&sup->frame_timer);
  booth_camera_unref(cam);
}

static void
set_probing(BoothCameraSupervisor *sup, gboolean on)
{
  if (on && !sup->probe_timer)
    sup->probe_timer = add_timer(sup, sup->timing.reprobe_ms, probe_tick);
  else if (!on)
    clear_timer(&sup->probe_timer);
}

static int
backoff_ms(BoothCameraSupervisor *sup)
{
  gint64 ms = sup->timing.backoff_ms;
  for (guint i = 1; i < sup->restarts && ms < sup->timing.backoff_max_ms; i++)
    ms *= 2;
  return (int)MIN(ms, (gint64)sup->timing.backoff_max_ms);
}

/* The camera was there and is gone. */
static void
camera_lost(BoothCameraSupervisor *sup, const char *message)
{
  close_camera(sup);
  g_autofree char *msg = g_strdup_printf(
      "%s: plug it back in, boothd reopens it by itself (`cam -l` lists cameras)", message);
  booth_warn("camera", "%s", msg);
  booth_notice("camera", "watching for the camera to come back: %s, and a re-probe every %.1f s",
               sup->watch ? "libcamera hotplug events" : "no hotplug events for this kind",
               sup->timing.reprobe_ms / 1000.0);
  sup->probes = 0;
  sup->probe_reminded_at = g_get_monotonic_time();
  report(sup, BOOTH_CAMERA_UNPLUGGED, msg);
  set_probing(sup, TRUE);
}

static gboolean
lost_dispatch(gpointer p)
{
  Event *e = p;
  if (e->camera == e->sup->camera)
    camera_lost(e->sup, e->message);
  return G_SOURCE_REMOVE;
}

/* On the camera's thread: the rest happens on the supervisor's. */
static void
on_lost(BoothCamera *cam, const char *message, gpointer data)
{
  BoothCameraSupervisor *sup = data;
  Event *e = g_new0(Event, 1);
  e->sup = sup;
  e->camera = booth_camera_ref(cam);
  e->message = g_strdup(message);
  post_event(sup, e, lost_dispatch);
}

static void
no_camera(BoothCameraSupervisor *sup, const GError *error)
{
  /* A camera that went away stays "unplugged" until it comes back: that says more than
   * "absent" to the operator who saw it work. */
  BoothCameraState prev = sup->status.state;
  gboolean gone = prev == BOOTH_CAMERA_UNPLUGGED || prev == BOOTH_CAMERA_HUNG ||
                  (prev == BOOTH_CAMERA_FAILED && sup->last_id);
  BoothCameraState state = gone ? BOOTH_CAMERA_UNPLUGGED : BOOTH_CAMERA_ABSENT;
  g_autofree char *msg = NULL;
  if (prev == BOOTH_CAMERA_UNPLUGGED)
    msg = g_strdup(sup->status.message);
  else if (gone)
    msg = g_strdup_printf("camera %s is gone (%s): plug it back in, boothd reopens it by itself",
                          sup->last_id, error->message);
  else
    msg = g_strdup(error->message);

  gint64 now = g_get_monotonic_time();
  if (prev != state || g_strcmp0(sup->status.message, msg) != 0 || !sup->first_done) {
    booth_warn("camera", "%s", msg);
    booth_notice("camera", "watching for a camera: %s, and a re-probe every %.1f s",
                 sup->watch ? "libcamera hotplug events" : "no hotplug events for this kind",
                 sup->timing.reprobe_ms / 1000.0);
    sup->probes = 0;
    sup->probe_reminded_at = now;
  } else {
    sup->probes++;
    booth_debug("camera", "re-probe %u: %s", sup->probes, error->message);
    if (now - sup->probe_reminded_at >= PROBE_REMINDER_US) {
      booth_info("camera", "still no camera after %u re-probes: %s", sup->probes, msg);
      sup->probe_reminded_at = now;
    }
  }
  report(sup, state, msg);
  set_probing(sup, TRUE);
}

static void
attempt_failed(BoothCameraSupervisor *sup, const GError *error)
{
  set_probing(sup, FALSE);
  if (g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT)) {
    /* The configuration asks for what the camera cannot do: trying again will not help. */
    g_autofree char *msg =
        g_strdup_printf("%s (%s)", error->message,
                        sup->watch ? "boothd tries again when a camera is plugged in"
                                   : "change the configuration and restart boothd");
    booth_warn("camera", "%s", msg);
    report(sup, BOOTH_CAMERA_FAILED, msg);
    return;
  }
  sup->restarts++;
  g_autofree char *msg = NULL;
  if (sup->restarts > sup->timing.max_restarts) {
    msg = g_strdup_printf("%s; gave up after %u attempts: unplug and replug the camera, or "
                          "restart boothd",
                          error->message, sup->restarts);
    booth_warn("camera", "%s", msg);
    report(sup, BOOTH_CAMERA_FAILED, msg);
    return;
  }
  int ms = backoff_ms(sup);
  msg = g_strdup_printf("%s; trying again in %.1f s (attempt %u of %u)", error->message,
                        ms / 1000.0, sup->restarts, sup->timing.max_restarts);
  booth_warn("camera", "%s", msg);
  report(sup, BOOTH_CAMERA_FAILED, msg);
  clear_timer(&sup->restart_timer);
  sup->restart_timer = add_timer(sup, ms, restart_tick);
}

static void
attempt_open(BoothCameraSupervisor *sup, const char *why)
{
  g_assert(!sup->camera);
  clear_timer(&sup->restart_timer);
  g_autoptr(GError) error = NULL;
  booth_debug("camera", "opening %s (%s)", sup->spec, why);
  BoothCamera *cam = sup->open_func(sup->spec, &sup->opts, sup->mailbox, sup->open_data, &error);
  if (cam) {
    booth_camera_set_lost_func(cam, on_lost, sup);
    if (!booth_camera_start(cam, &error)) {
      booth_camera_set_lost_func(cam, NULL, NULL);
      g_clear_pointer(&cam, booth_camera_unref);
    }
  }
  if (!cam) {
    if (g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA))
      no_camera(sup, error);
    else
      attempt_failed(sup, error);
    return;
  }

  g_mutex_lock(&sup->lock);
  sup->camera = cam;
  g_mutex_unlock(&sup->lock);
  set_probing(sup, FALSE);
  gboolean back = sup->first_done && sup->status.state != BOOTH_CAMERA_RUNNING;
  g_free(sup->last_id);
  sup->last_id = g_strdup(cam->id);
  g_free(sup->last_model);
  sup->last_model = g_strdup(cam->model);
  sup->started_at = sup->last_frame_at = g_get_monotonic_time();
  sup->last_delivered = booth_mailbox_stats(sup->mailbox).delivered;
  int tick = CLAMP(sup->timing.frame_timeout_ms / 4, 1, 1000);
  sup->frame_timer = add_timer(sup, tick, frame_tick);
  booth_notice("camera", "%s camera %s (%s), %dx%d at %.1f fps%s",
               back ? "back:" : "running:", cam->id, cam->model ? cam->model : "", cam->width,
               cam->height, cam->fps, sup->restarts ? " after a restart" : "");
  report(sup, BOOTH_CAMERA_RUNNING, NULL);
}

static gboolean
probe_tick(gpointer data)
{
  BoothCameraSupervisor *sup = data;
  if (!sup->camera)
    attempt_open(sup, "re-probe");
  return G_SOURCE_CONTINUE;
}

static gboolean
restart_tick(gpointer data)
{
  BoothCameraSupervisor *sup = data;
  g_clear_pointer(&sup->restart_timer, g_source_unref);
  if (!sup->camera)
    attempt_open(sup, "restart");
  return G_SOURCE_REMOVE;
}

static gboolean
frame_tick(gpointer data)
{
  BoothCameraSupervisor *sup = data;
  gint64 now = g_get_monotonic_time();
  guint64 delivered = booth_mailbox_stats(sup->mailbox).delivered;
  if (delivered != sup->last_delivered) {
    sup->last_delivered = delivered;
    sup->last_frame_at = now;
    if (sup->restarts && now - sup->started_at >= (gint64)sup->timing.healthy_ms * 1000) {
      booth_info("camera", "%s has run well for %.0f s: restart count cleared", sup->camera->id,
                 (now - sup->started_at) / 1e6);
      sup->restarts = 0;
      report(sup, BOOTH_CAMERA_RUNNING, NULL);
    }
    return G_SOURCE_CONTINUE;
  }
  if (now - sup->last_frame_at < (gint64)sup->timing.frame_timeout_ms * 1000)
    return G_SOURCE_CONTINUE;

  g_autofree char *id = g_strdup(sup->camera->id);
  double seconds = (now - sup->last_frame_at) / 1e6;
  GSource *self = g_steal_pointer(&sup->frame_timer); /* ends by returning G_SOURCE_REMOVE */
  close_camera(sup);
  sup->restarts++;
  g_autofree char *msg = NULL;
  if (sup->restarts > sup->timing.max_restarts) {
    msg = g_strdup_printf("camera %s delivered no frame for %.1f s and did not recover after %u "
                          "restarts: unplug and replug it, or restart boothd",
                          id, seconds, sup->timing.max_restarts);
    booth_warn("camera", "%s", msg);
    report(sup, BOOTH_CAMERA_FAILED, msg);
  } else {
    int ms = backoff_ms(sup);
    msg = g_strdup_printf("camera %s delivered no frame for %.1f s: restarting it in %.1f s "
                          "(restart %u of %u)",
                          id, seconds, ms / 1000.0, sup->restarts, sup->timing.max_restarts);
    booth_warn("camera", "%s", msg);
    report(sup, BOOTH_CAMERA_HUNG, msg);
    sup->restart_timer = add_timer(sup, ms, restart_tick);
  }
  g_source_unref(self);
  return G_SOURCE_REMOVE;
}

/* ---- hotplug ---- */

static gboolean
camera_has_id(BoothCamera *cam, const char *id)
{
  if (strcmp(cam->id, id) == 0)
    return TRUE;
  const char *colon = strchr(cam->id, ':');
  return colon && strcmp(colon + 1, id) == 0;
}

static gboolean
hotplug_dispatch(gpointer p)
{
  Event *e = p;
  BoothCameraSupervisor *sup = e->sup;
  booth_info("camera", "hotplug: camera %s %s", e->message, e->added ? "added" : "removed");
  if (!e->added) {
    if (sup->camera && camera_has_id(sup->camera, e->message)) {
      g_autofree char *msg = g_strdup_printf("camera %s was unplugged", sup->camera->id);
      camera_lost(sup, msg);
    }
    return G_SOURCE_REMOVE;
  }
  if (sup->camera)
    return G_SOURCE_REMOVE;
  /* A new camera is a new chance, even after giving up on the old one. */
  sup->restarts = 0;
  attempt_open(sup, "hotplug");
  return G_SOURCE_REMOVE;
}

void
booth_camera_supervisor_hotplug(BoothCameraSupervisor *sup, gboolean added, const char *id)
{
  g_assert(sup && id);
  Event *e = g_new0(Event, 1);
  e->sup = sup;
  e->added = added;
  e->message = g_strdup(id);
  post_event(sup, e, hotplug_dispatch);
}

static void
on_hotplug(gboolean added, const char *id, gpointer data)
{
  booth_camera_supervisor_hotplug(data, added, id);
}

/* ---- life ---- */

static gpointer
supervisor_thread(gpointer data)
{
  BoothCameraSupervisor *sup = data;
  g_main_context_push_thread_default(sup->ctx);
  /* libcamera's objects are made and destroyed on this thread only. */
  sup->watch = booth_camera_watch_new(sup->spec, on_hotplug, sup);
  attempt_open(sup, "start");
  g_mutex_lock(&sup->lock);
  sup->first_done = TRUE;
  g_cond_broadcast(&sup->first_cond);
  g_mutex_unlock(&sup->lock);

  g_main_loop_run(sup->loop);

  clear_timer(&sup->probe_timer);
  clear_timer(&sup->restart_timer);
  close_camera(sup);
  g_clear_pointer(&sup->watch, booth_camera_watch_free);
  /* Events still queued hold camera references: drop them here, on this thread. */
  while (g_main_context_iteration(sup->ctx, FALSE))
    ;
  g_main_context_pop_thread_default(sup->ctx);
  return NULL;
}

static gboolean
quit_loop(gpointer data)
{
  BoothCameraSupervisor *sup = data;
  g_main_loop_quit(sup->loop);
  return G_SOURCE_REMOVE;
}

static BoothCamera *
default_open(const char *spec, const BoothCameraOptions *opts, BoothMailbox *mailbox,
             gpointer user_data, GError **error)
{
  (void)user_data;
  return booth_camera_open_full(spec, opts, mailbox, error);
}

BoothCameraSupervisor *
booth_camera_supervisor_new(const char *spec, const BoothCameraOptions *opts,
                            const BoothCameraTiming *timing, BoothMailbox *mailbox,
                            BoothCameraStatusFunc func, gpointer user_data)
{
  g_assert(spec && opts && timing && mailbox && func);
  g_assert(timing->reprobe_ms > 0 && timing->frame_timeout_ms > 0 && timing->backoff_ms > 0);
  BoothCameraSupervisor *sup = g_new0(BoothCameraSupervisor, 1);
  sup->spec = g_strdup(spec);
  sup->opts = *opts;
  sup->opts.pixel_format = g_strdup(opts->pixel_format);
  sup->timing = *timing;
  sup->mailbox = mailbox;
  sup->func = func;
  sup->user_data = user_data;
  sup->owner = g_main_context_ref_thread_default();
  sup->open_func = default_open;
  sup->ctx = g_main_context_new();
  sup->loop = g_main_loop_new(sup->ctx, FALSE);
  g_mutex_init(&sup->lock);
  g_cond_init(&sup->first_cond);
  return sup;
}

void
booth_camera_supervisor_set_open_func(BoothCameraSupervisor *sup, BoothCameraOpenFunc func,
                                      gpointer user_data)
{
  g_assert(sup && func && !sup->thread);
  sup->open_func = func;
  sup->open_data = user_data;
}

void
booth_camera_supervisor_start(BoothCameraSupervisor *sup, BoothCameraStatus *first)
{
  g_assert(sup && first && !sup->thread);
  sup->thread = g_thread_new("booth-camera-sup", supervisor_thread, sup);
  g_mutex_lock(&sup->lock);
  while (!sup->first_done)
    g_cond_wait(&sup->first_cond, &sup->lock);
  booth_camera_status_copy(first, &sup->status);
  g_mutex_unlock(&sup->lock);
}

void
booth_camera_supervisor_free(BoothCameraSupervisor *sup)
{
  if (!sup)
    return;
  if (sup->thread) {
    /* Quit from inside the loop: a g_main_loop_quit() from here could come before the
     * thread's g_main_loop_run(), which would then run for ever. */
    GSource *quit = g_idle_source_new();
    g_source_set_callback(quit, quit_loop, sup, NULL);
    g_source_set_priority(quit, G_PRIORITY_HIGH);
    g_source_attach(quit, sup->ctx);
    g_source_unref(quit);
    g_thread_join(sup->thread);
  }
  g_mutex_lock(&sup->lock);
  for (GSList *l = sup->pending; l; l = l->next) {
    g_source_destroy(l->data);
    g_source_unref(l->data);
  }
  g_clear_pointer(&sup->pending, g_slist_free);
  g_mutex_unlock(&sup->lock);
  booth_camera_status_clear(&sup->status);
  g_main_loop_unref(sup->loop);
  g_main_context_unref(sup->ctx);
  g_main_context_unref(sup->owner);
  g_mutex_clear(&sup->lock);
  g_cond_clear(&sup->first_cond);
  g_free((char *)sup->opts.pixel_format);
  g_free(sup->spec);
  g_free(sup->last_id);
  g_free(sup->last_model);
  g_free(sup);
}

BoothCamera *
booth_camera_supervisor_dup_camera(BoothCameraSupervisor *sup)
{
  g_assert(sup);
  g_mutex_lock(&sup->lock);
  BoothCamera *cam = sup->camera ? booth_camera_ref(sup->camera) : NULL;
  g_mutex_unlock(&sup->lock);
  return cam;
}

GPtrArray *
booth_camera_supervisor_capture(BoothCameraSupervisor *sup, guint count, guint64 after_seq,
                                gint64 timeout_us, GError **error)
{
  g_assert(sup && count > 0);
  g_autoptr(BoothCamera) cam = booth_camera_supervisor_dup_camera(sup);
  if (!cam) {
    g_mutex_lock(&sup->lock);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "no camera: %s",
                sup->status.message && *sup->status.message ? sup->status.message
                                                            : "check the camera connection");
    g_mutex_unlock(&sup->lock);
    return NULL;
  }
  return booth_camera_capture(cam, count, after_seq, timeout_us, error);
}

void
booth_camera_supervisor_counters(BoothCameraSupervisor *sup, guint64 *converted,
                                 guint64 *dropped_corrupt)
{
  g_assert(sup && converted && dropped_corrupt);
  guint64 c = 0, d = 0;
  /* Under the lock, so a camera being closed is counted once. */
  g_mutex_lock(&sup->lock);
  if (sup->camera)
    booth_camera_counters(sup->camera, &c, &d);
  *converted = sup->closed_converted + c;
  *dropped_corrupt = sup->closed_dropped + d;
  g_mutex_unlock(&sup->lock);
}
