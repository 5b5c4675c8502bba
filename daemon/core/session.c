/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session state machine (core/session.h). Every method becomes a Call; a Call runs at
 * once when the session is not busy and waits in b->pending otherwise; it finishes by calling
 * its done callback, exactly once. Steps that touch the store run as jobs and finish in their
 * _done. */
#include "core/session.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "analysis/code.h"
#include "core/booth-private.h"
#include "error.h"
#include "log.h"

#define OPERATOR_MAX 128
#define PENDING_MAX 64

typedef enum { CALL_START, CALL_CAPTURE, CALL_RETAKE, CALL_COMMIT, CALL_CANCEL } CallKind;

static const char *const call_names[] = {
    [CALL_START] = "StartSession", [CALL_CAPTURE] = "Capture", [CALL_RETAKE] = "Retake",
    [CALL_COMMIT] = "Commit",      [CALL_CANCEL] = "Cancel",
};

/* Any of the Booth*Done types; call_answer() calls it as the one its kind has. */
typedef void (*CallDone)(void);

/* One method call, from its arrival to its answer. */
struct BoothPending {
  CallKind kind;
  char *caller;
  guint32 uid;
  gboolean authorized;
  CallDone done; /* the method's Booth*Done type, by kind */
  gpointer data;
  /* arguments */
  GBytes *code;
  char *operator_name, *profile, *session_id;
  gboolean adopt, detach, force, override;
};
typedef struct BoothPending Call;

static Call *
call_new(CallKind kind, const BoothCaller *caller, CallDone done, gpointer data)
{
  g_assert(caller && caller->name && done);
  Call *c = g_new0(Call, 1);
  c->kind = kind;
  c->caller = g_strdup(caller->name);
  c->uid = caller->uid;
  c->authorized = caller->authorized;
  c->done = done;
  c->data = data;
  return c;
}

static void
call_free(Call *c)
{
  g_free(c->caller);
  if (c->code)
    g_bytes_unref(c->code);
  g_free(c->operator_name);
  g_free(c->profile);
  g_free(c->session_id);
  g_free(c);
}

static void call_fail(Call *c, BoothErrorCode code, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* The call ends: with value (of the kind's type; NULL for Retake and Cancel) or error. */
static void
call_answer(Call *c, gpointer value, const GError *error)
{
  switch (c->kind) {
  case CALL_START:
    ((BoothStartDone)c->done)(value, error, c->data);
    break;
  case CALL_CAPTURE:
    ((BoothCaptureDone)c->done)(value, error, c->data);
    break;
  case CALL_RETAKE:
  case CALL_CANCEL:
    ((BoothDone)c->done)(error, c->data);
    break;
  case CALL_COMMIT:
    ((BoothRecordDone)c->done)(value, error, c->data);
    break;
  }
  call_free(c);
}

static void
call_fail_with(Call *c, const GError *error)
{
  call_answer(c, NULL, error);
}

/* The call ends with an error. */
static void
call_fail(Call *c, BoothErrorCode code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autoptr(GError) error = g_error_new_valist(BOOTH_ERROR, code, fmt, ap);
  va_end(ap);
  call_fail_with(c, error);
}

/* ---- session helpers ---- */

static char *
session_new_id(void)
{
  /* Sortable by time, unique by the random tail; only [0-9A-Za-z-], so it is a safe file name. */
  g_autoptr(GDateTime) now = g_date_time_new_now_utc();
  g_autofree char *ts = g_date_time_format(now, "%Y%m%dT%H%M%SZ");
  return g_strdup_printf("%s-%08x", ts, g_random_int());
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
  g_clear_handle_id(&s->abandon_timer, g_source_remove);
  g_clear_handle_id(&s->idle_timer, g_source_remove);
  booth_candidate_free(s->candidate);
  g_free(s);
}

static BoothRecord *
session_record(BoothSession *s)
{
  BoothRecord *r = booth_record_new();
  r->session_id = g_strdup(s->id);
  r->code = s->code ? g_bytes_ref(s->code) : NULL;
  r->operator_name = g_strdup(s->operator_name);
  r->profile = g_strdup(s->profile->name);
  r->status = g_strdup("active");
  r->started_at = s->started_at;
  r->attempts = s->attempts;
  return r;
}

static gboolean
caller_authorized(Booth *b, Call *c)
{
  if (c->authorized)
    return TRUE;
  call_fail(c, BOOTH_ERROR_DENIED,
            "user %u may not operate the booth: add the user to group '%s' (or run as root)",
            (unsigned)c->uid, b->config->allowed_group);
  return FALSE;
}

/* Authorized, and the owner; a detached session (started by a scanned code, or with
 * detach=true by a one-shot client such as boothctl) may be driven by any authorized caller.
 * Fails the call and returns NULL otherwise. */
static BoothSession *
session_for_call(Booth *b, Call *c)
{
  if (!caller_authorized(b, c))
    return NULL;
  BoothSession *s = b->session;
  if (!s) {
    call_fail(c, BOOTH_ERROR_NO_SESSION,
              "no session: show a capture code to the camera or call StartSession first");
    return NULL;
  }
  if (s->owner && g_strcmp0(s->owner, c->caller) != 0) {
    call_fail(c, BOOTH_ERROR_NOT_OWNER,
              "session %s belongs to %s; only its owner can do this (or StartSession with "
              "adopt=true to take it over)",
              s->id, s->owner);
    return NULL;
  }
  if (!s->owner && s->owner_lost) {
    call_fail(c, BOOTH_ERROR_NOT_OWNER,
              "session %s lost its owner and waits for adoption: call StartSession with "
              "adopt=true to continue it",
              s->id);
    return NULL;
  }
  g_assert(s->op == BOOTH_OP_NONE); /* calls wait while it is busy: call_run() */
  return s;
}

/* Records a code that reached a session after it was recorded. */
static void
update_work(Booth *b, gpointer data)
{
  g_autoptr(GError) error = NULL;
  if (!booth_store_update(b->store, data, &error))
    booth_warn("store", "cannot record the code for session %s: %s",
               ((BoothRecord *)data)->session_id, error->message);
}

static void
update_done(Booth *b, gpointer data)
{
  (void)b;
  booth_record_free(data);
}

static void
session_set_code(Booth *b, BoothSession *s, GBytes *code, gint64 now)
{
  s->code = g_bytes_ref(code);
  booth_intake_mark_used(b->intake, code, now);
  /* Jobs run in order: after the start job when the session is still starting. */
  booth_job_run(b, update_work, update_done, session_record(s));
}

/* ---- detached sessions left idle ---- */

static void session_end_with(Booth *b, const char *status, const char *note, Call *c);
static void session_touch(Booth *b);

/* A detached session has no owner whose leaving ends it: one that a scanned code or a
 * boothctl start opened and nobody drove for idle_timeout, with nothing captured, would keep
 * the booth busy for the next student. With a candidate it stays: that is a photo. */
static gboolean
idle_timeout(gpointer data)
{
  Booth *b = data;
  BoothSession *s = b->session;
  g_assert(s);
  s->idle_timer = 0;
  if (s->op != BOOTH_OP_NONE || s->candidate || s->owner || s->owner_lost) {
    session_touch(b);
    return G_SOURCE_REMOVE;
  }
  g_autofree char *note =
      g_strdup_printf("detached and idle for %d s with nothing captured", b->config->idle_timeout);
  booth_notice("session", "session %s: %s; cancelled", s->id, note);
  b->counters.cancels++;
  session_end_with(b, "cancelled", note, NULL);
  return G_SOURCE_REMOVE;
}

/* Something happened to the session: its idle time starts again. */
static void
session_touch(Booth *b)
{
  BoothSession *s = b->session;
  if (!s)
    return;
  g_clear_handle_id(&s->idle_timer, g_source_remove);
  if (b->config->idle_timeout > 0)
    s->idle_timer = g_timeout_add_seconds((guint)b->config->idle_timeout, idle_timeout, b);
}

/* ---- calls that arrive while the session is busy ---- */

static void call_dispatch(Booth *b, Call *c);

/* Calls that drive the session run one at a time, in the order they arrived: a call that
 * comes while the session is starting, capturing, committing or ending (a front-end that
 * captures as soon as it sees the session, or sends Capture and Cancel back to back) waits
 * for that step instead of failing. The queue is bounded, so a caller that floods it gets
 * Busy rather than making the daemon grow. */
static void
call_run(Booth *b, Call *c)
{
  session_touch(b);
  BoothSession *s = b->session;
  if (!s || s->op == BOOTH_OP_NONE) {
    call_dispatch(b, c);
    return;
  }
  if (b->pending.length >= PENDING_MAX) {
    call_fail(c, BOOTH_ERROR_BUSY,
              "%u calls already wait for session %s to finish %s; try again when it is done",
              b->pending.length, s->id, booth_state_name(booth_get_state(b)));
    return;
  }
  booth_debug("session", "%s from %s waits for session %s (%s)", call_names[c->kind], c->caller,
              s->id, booth_state_name(booth_get_state(b)));
  g_queue_push_tail(&b->pending, c);
}

/* A step has finished: the waiting calls run in arrival order. One that starts a step makes
 * every later one wait again, queued anew behind it in the same order. */
static void
pending_replay(Booth *b)
{
  GQueue waiting = b->pending;
  g_queue_init(&b->pending);
  Call *c;
  while ((c = g_queue_pop_head(&waiting)))
    call_run(b, c);
}

void
booth_session_fail_pending(Booth *b, const GError *error)
{
  Call *c;
  while ((c = g_queue_pop_head(&b->pending)))
    call_fail_with(c, error);
}

/* ---- owner ---- */

static gboolean
abandon_timeout(gpointer data)
{
  Booth *b = data;
  BoothSession *s = b->session;
  g_assert(s);
  s->abandon_timer = 0;
  if (s->op != BOOTH_OP_NONE) /* a job is running; look again shortly */
    return (s->abandon_timer = g_timeout_add_seconds(1, abandon_timeout, b)), G_SOURCE_REMOVE;
  booth_warn("session", "session %s: nobody adopted it within %d s; recorded as abandoned%s", s->id,
             b->config->abandon_timeout,
             s->candidate ? " with its candidate kept in abandoned/" : "");
  b->counters.abandoned++;
  session_end_with(b, "abandoned", "owner left the bus and nobody adopted the session", NULL);
  return G_SOURCE_REMOVE;
}

void
booth_session_owner_left(Booth *b, const char *owner)
{
  g_assert(b && owner);
  BoothSession *s = b->session;
  if (!s || g_strcmp0(s->owner, owner) != 0)
    return;
  booth_notice("session", "session %s: owner %s left; waiting %d s for adoption", s->id, s->owner,
               b->config->abandon_timeout);
  g_clear_pointer(&s->owner, g_free);
  s->owner_lost = TRUE;
  s->abandon_at = g_get_real_time() + (gint64)b->config->abandon_timeout * G_USEC_PER_SEC;
  s->abandon_timer = g_timeout_add_seconds((guint)b->config->abandon_timeout, abandon_timeout, b);
  booth_emit_owner_changed(b, NULL);
  booth_changed(b, BOOTH_CHANGE_SESSION);
}

/* owner NULL: detached, any authorized caller may drive the session. */
static void
session_set_owner(Booth *b, const char *owner)
{
  BoothSession *s = b->session;
  g_assert(s);
  g_clear_handle_id(&s->abandon_timer, g_source_remove);
  s->abandon_at = 0;
  s->owner_lost = FALSE;
  g_free(s->owner);
  s->owner = g_strdup(owner);
  booth_emit_owner_changed(b, owner);
}

/* ---- start ---- */

typedef struct {
  BoothRecord *record;
  GError *error;
  Call *call; /* NULL when a scanned code started it */
} StartJob;

static void
start_work(Booth *b, gpointer data)
{
  StartJob *j = data;
  booth_store_begin(b->store, j->record, &j->error);
}

static void
start_done(Booth *b, gpointer data)
{
  StartJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_STARTING);
  s->op = BOOTH_OP_NONE;
  if (j->error) {
    b->counters.storage_errors++;
    booth_warn("session", "cannot record session %s: %s", s->id, j->error->message);
    if (s->owner)
      booth_emit_owner_changed(b, NULL);
    booth_session_free(g_steal_pointer(&b->session));
    if (j->call)
      call_fail_with(j->call, j->error);
    /* What waited for this session cannot go on: it never was. */
    booth_session_fail_pending(b, j->error);
  } else {
    s->recorded = TRUE;
    b->counters.sessions_started++;
    g_autofree char *code = booth_code_to_display(s->code, 48);
    booth_info("session", "session %s started (code %s, owner %s)", s->id, s->code ? code : "none",
               s->owner ? s->owner : "none");
    if (j->call)
      call_answer(j->call, s->id, NULL);
    pending_replay(b);
  }
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  booth_record_free(j->record);
  g_clear_error(&j->error);
  g_free(j);
}

static void
session_begin(Booth *b, GBytes *code, const char *operator_name, const BoothProfile *profile,
              Call *c)
{
  BoothSession *s = g_new0(BoothSession, 1);
  s->id = session_new_id();
  gint64 now = g_get_monotonic_time();
  /* The code in view when the session starts is its code, unless the caller gave one. */
  s->code = code ? g_bytes_ref(code) : booth_intake_pick_for_session(b->intake, now);
  if (s->code)
    booth_intake_mark_used(b->intake, s->code, now);
  s->operator_name = g_strdup(operator_name);
  s->profile = profile;
  s->started_at = g_get_real_time();
  s->op = BOOTH_OP_STARTING;
  b->session = s;
  session_touch(b);
  if (c && !c->detach)
    session_set_owner(b, c->caller);
  StartJob *j = g_new0(StartJob, 1);
  j->record = session_record(s);
  j->call = c;
  booth_job_run(b, start_work, start_done, j);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
}

static void
start_dispatch(Booth *b, Call *c)
{
  g_autoptr(GError) error = NULL;
  if (!caller_authorized(b, c))
    return;
  if (c->code && !booth_code_validate(c->code, (gsize)b->config->code_max_bytes, &error)) {
    call_fail_with(c, error);
    return;
  }
  if (c->operator_name && strlen(c->operator_name) > OPERATOR_MAX) {
    call_fail(c, BOOTH_ERROR_INVALID_ARGUMENT,
              "operator name is %zu bytes long; at most %d are allowed", strlen(c->operator_name),
              OPERATOR_MAX);
    return;
  }
  const BoothProfile *profile = g_ptr_array_index(b->config->loaded_profiles, 0);
  if (c->profile && !(profile = booth_config_find_profile(b->config, c->profile))) {
    g_autofree char *known = g_strjoinv(", ", b->config->profiles);
    g_autofree char *shown = booth_utf8_prefix(c->profile, 64);
    call_fail(c, BOOTH_ERROR_INVALID_ARGUMENT, "unknown profile '%s' (this booth has: %s)", shown,
              known);
    return;
  }

  BoothSession *s = b->session;
  if (s && c->adopt) {
    if (c->code && s->code && !g_bytes_equal(c->code, s->code)) {
      call_fail(c, BOOTH_ERROR_BUSY,
                "session %s belongs to another capture code; Cancel it to start a new one", s->id);
      return;
    }
    booth_notice("session", "session %s adopted by %s%s (was %s)", s->id, c->caller,
                 c->detach ? ", detached" : "", s->owner ? s->owner : "nobody");
    session_set_owner(b, c->detach ? NULL : c->caller);
    if (c->code && !s->code)
      session_set_code(b, s, c->code, g_get_monotonic_time());
    booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
    call_answer(c, s->id, NULL);
    return;
  }
  if (s) {
    call_fail(c, BOOTH_ERROR_BUSY,
              "session %s is active (%s, owner %s): Commit or Cancel it first, or pass "
              "adopt=true to take it over",
              s->id, booth_state_name(booth_get_state(b)), s->owner ? s->owner : "none");
    return;
  }
  if (!b->camera) {
    call_fail(c, BOOTH_ERROR_NO_CAMERA, "no camera: %s",
              b->camera_error ? b->camera_error : "check the camera connection");
    return;
  }
  session_begin(b, c->code, c->operator_name, profile, c);
}

void
booth_session_take_code(Booth *b, gint64 now)
{
  BoothSession *s = b->session;
  if (!s && b->config->auto_start) {
    g_autoptr(GBytes) code = booth_intake_pick_to_start(b->intake);
    if (code)
      session_begin(b, code, NULL, g_ptr_array_index(b->config->loaded_profiles, 0), NULL);
  } else if (s && !s->code && s->op != BOOTH_OP_ENDING) {
    g_autoptr(GBytes) code = booth_intake_pick_for_session(b->intake, now);
    if (!code)
      return;
    session_set_code(b, s, code, now);
    g_autofree char *shown = booth_code_to_display(code, 48);
    booth_info("qr", "code %s attached to session %s", shown, s->id);
    booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  }
}

/* ---- end: cancel, abandon ---- */

typedef struct {
  char *id, *status, *note;
  guint attempts;
  Call *call;
  GError *error;
} EndJob;

static void
end_work(Booth *b, gpointer data)
{
  EndJob *j = data;
  booth_store_end(b->store, j->id, j->status, j->note, j->attempts, &j->error);
}

static void
end_done(Booth *b, gpointer data)
{
  EndJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_ENDING);
  if (j->error) {
    /* The session stays as it was: nothing is lost, the caller can try again. */
    s->op = BOOTH_OP_NONE;
    b->counters.storage_errors++;
    booth_warn("session", "session %s: cannot record it as %s: %s", s->id, j->status,
               j->error->message);
    if (j->call)
      call_fail_with(j->call, j->error);
    session_touch(b); /* an idle session that could not be ended is tried again later */
  } else {
    booth_info("session", "session %s %s", s->id, j->status);
    if (j->call)
      call_answer(j->call, NULL, NULL);
    if (s->owner)
      booth_emit_owner_changed(b, NULL);
    booth_session_free(g_steal_pointer(&b->session));
  }
  pending_replay(b);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j->status);
  g_free(j->note);
  g_free(j);
}

static void
session_end_with(Booth *b, const char *status, const char *note, Call *c)
{
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_NONE);
  s->op = BOOTH_OP_ENDING;
  EndJob *j = g_new0(EndJob, 1);
  j->id = g_strdup(s->id);
  j->status = g_strdup(status);
  j->note = g_strdup(note);
  j->attempts = s->attempts;
  j->call = c;
  booth_job_run(b, end_work, end_done, j);
}

static void
cancel_dispatch(Booth *b, Call *c)
{
  if (!session_for_call(b, c))
    return;
  b->counters.cancels++;
  g_autofree char *note = g_strdup_printf("cancelled by %s", c->caller);
  session_end_with(b, "cancelled", note, c);
}

/* ---- capture ---- */

typedef struct {
  Call *call;
  guint64 after_seq;
  gint64 timeout_us;
  GPtrArray *profiles; /* const BoothProfile*, the session's first */
  char *id;
  guint attempt;
  guint burst;
  gboolean force;
  BoothCandidate *candidate;
  GError *error;
} CaptureJob;

static void
capture_burst(Booth *b, CaptureJob *j)
{
  /* Frames after the request (the student is posed now, not a frame ago): full-size stills
   * after autofocus where the camera has them, the next frames of the stream otherwise. */
  g_autoptr(GPtrArray) burst = booth_camera_supervisor_capture(
      b->camera_supervisor, j->burst, j->after_seq, j->timeout_us, &j->error);
  if (!burst)
    return;
  gint64 t0 = g_get_monotonic_time();
  j->candidate = booth_capture_process(b->capture_analyzer, (BoothFrame *const *)burst->pdata,
                                       burst->len, (const BoothProfile *const *)j->profiles->pdata,
                                       j->profiles->len, j->id, j->attempt, j->force, &j->error);
  booth_info("capture", "session %s: %u frames processed into %u photos in %.1f ms", j->id,
             burst->len, j->profiles->len, (double)(g_get_monotonic_time() - t0) / 1000.0);
  if (!j->candidate)
    return;
  /* Every profile's photo is kept durably, so OpenCandidate hands out the stored file and a
   * crash or an abandon loses none of them. */
  GPtrArray *photos = j->candidate->photos;
  g_autofree BoothPhotoOut *out = g_new0(BoothPhotoOut, photos->len);
  for (guint i = 0; i < photos->len; i++) {
    const BoothPhoto *ph = g_ptr_array_index(photos, i);
    out[i] = (BoothPhotoOut){ph->profile->name, ph->jpeg, ph->width, ph->height, ph->quality};
  }
  if (!booth_store_save_candidate(b->store, j->id, out, photos->len, &j->candidate->path,
                                  &j->error))
    g_clear_pointer(&j->candidate, booth_candidate_free);
}

static void
capture_work(Booth *b, gpointer data)
{
  capture_burst(b, data);
#ifdef __GLIBC__
  /* The burst's full-size frames are gone now: give their pages back, or the heap of the
   * job thread's arena stays at its high-water mark (RSS wandered 36-42 MiB in a soak). */
  malloc_trim(0);
#endif
}

static void
capture_done(Booth *b, gpointer data)
{
  CaptureJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_CAPTURING);
  s->op = BOOTH_OP_NONE;
  s->attempts++;
  if (j->error) {
    booth_warn("capture", "session %s: capture failed: %s", s->id, j->error->message);
    call_fail_with(j->call, j->error);
  } else {
    b->counters.captures++;
    GVariantDict d;
    g_variant_dict_init(&d, j->candidate->report);
    g_variant_dict_insert(&d, "file", "s", j->candidate->path);
    g_variant_unref(j->candidate->report);
    j->candidate->report = g_variant_ref_sink(g_variant_dict_end(&d));
    s->candidate = g_steal_pointer(&j->candidate);
    for (guint i = 0; i < s->candidate->photos->len; i++) {
      const BoothPhoto *ph = g_ptr_array_index(s->candidate->photos, i);
      booth_info("capture", "session %s: %s %dx%d, quality %d, %zu bytes, %s", s->id,
                 ph->profile->name, ph->width, ph->height, ph->quality, g_bytes_get_size(ph->jpeg),
                 ph->failed[0] ? "checks FAILED" : "all checks passed");
    }
    call_answer(j->call, s->candidate->report, NULL);
  }
  pending_replay(b);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  booth_candidate_free(j->candidate);
  g_ptr_array_unref(j->profiles);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j);
}

static void
capture_dispatch(Booth *b, Call *c)
{
  BoothSession *s = session_for_call(b, c);
  if (!s)
    return;
  if (!s->code) {
    /* The code is fixed before the first capture, so a photo is never taken for nobody. */
    call_fail(c, BOOTH_ERROR_BAD_STATE,
              "session %s has no capture code yet: the student shows the QR capture code to "
              "the camera (or StartSession with adopt=true and code gives it)",
              s->id);
    return;
  }
  if (!b->camera) {
    call_fail(c, BOOTH_ERROR_NO_CAMERA, "no camera: %s",
              b->camera_error ? b->camera_error : "check the camera connection");
    return;
  }
  if (s->candidate) {
    call_fail(c, BOOTH_ERROR_BAD_STATE,
              "session %s already has a candidate waiting for review: Commit it or Retake", s->id);
    return;
  }
  CaptureJob *j = g_new0(CaptureJob, 1);
  j->call = c;
  g_autoptr(BoothFrame) latest = booth_mailbox_peek(b->mailbox);
  j->after_seq = latest ? latest->seq : 0;
  j->timeout_us = (gint64)b->config->capture_timeout * G_USEC_PER_SEC;
  /* The session's profile first, then every other profile of the booth, from one frame. */
  j->profiles = g_ptr_array_new();
  g_ptr_array_add(j->profiles, (gpointer)s->profile);
  for (guint i = 0; i < b->config->loaded_profiles->len; i++) {
    const BoothProfile *p = g_ptr_array_index(b->config->loaded_profiles, i);
    /* By name: after a reload the session's profile is the old configuration's copy. */
    if (strcmp(p->name, s->profile->name) != 0)
      g_ptr_array_add(j->profiles, (gpointer)p);
  }
  j->id = g_strdup(s->id);
  j->attempt = s->attempts + 1;
  j->burst = (guint)MAX(s->profile->burst, 1);
  j->force = c->force;
  s->op = BOOTH_OP_CAPTURING;
  booth_job_run(b, capture_work, capture_done, j);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
}

/* ---- retake ---- */

typedef struct {
  Call *call;
  char *id;
  GError *error;
} RetakeJob;

static void
retake_work(Booth *b, gpointer data)
{
  RetakeJob *j = data;
  booth_store_discard_candidate(b->store, j->id, &j->error);
}

static void
retake_done(Booth *b, gpointer data)
{
  RetakeJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_RETAKING);
  s->op = BOOTH_OP_NONE;
  if (j->error) {
    call_fail_with(j->call, j->error);
  } else {
    g_clear_pointer(&s->candidate, booth_candidate_free);
    b->counters.retakes++;
    booth_info("session", "session %s: candidate discarded for a retake (attempt %u done)", s->id,
               s->attempts);
    call_answer(j->call, NULL, NULL);
  }
  pending_replay(b);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j);
}

static void
retake_dispatch(Booth *b, Call *c)
{
  BoothSession *s = session_for_call(b, c);
  if (!s)
    return;
  if (!s->candidate) {
    call_fail(c, BOOTH_ERROR_BAD_STATE, "session %s has no candidate to retake: Capture first",
              s->id);
    return;
  }
  RetakeJob *j = g_new0(RetakeJob, 1);
  j->call = c;
  j->id = g_strdup(s->id);
  s->op = BOOTH_OP_RETAKING;
  booth_job_run(b, retake_work, retake_done, j);
}

/* ---- commit ---- */

typedef struct {
  Call *call;
  BoothRecord *record;
  GArray *photos; /* BoothPhotoOut, jpeg owned */
  GError *error;
} CommitJob;

static void
commit_work(Booth *b, gpointer data)
{
  CommitJob *j = data;
  booth_store_commit(b->store, j->record, (BoothPhotoOut *)(void *)j->photos->data, j->photos->len,
                     &j->error);
}

static void
commit_done(Booth *b, gpointer data)
{
  CommitJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == BOOTH_OP_COMMITTING);
  s->op = BOOTH_OP_NONE;
  if (j->error) {
    b->counters.storage_errors++;
    booth_warn("store", "session %s: commit failed, candidate kept: %s", s->id, j->error->message);
    call_fail_with(j->call, j->error);
  } else {
    b->counters.commits++;
    const BoothRecordFile *f =
        j->record->files->len ? g_ptr_array_index(j->record->files, 0) : NULL;
    booth_notice("store", "session %s committed: %s", s->id, f ? f->path : "(no file)");
    booth_intake_mark_committed(b->intake, s->code, g_get_monotonic_time());
    if (s->owner)
      booth_emit_owner_changed(b, NULL);
    booth_session_free(g_steal_pointer(&b->session));
    call_answer(j->call, j->record, NULL);
    booth_emit_committed(b, j->record);
  }
  pending_replay(b);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
  booth_record_free(j->record);
  for (guint i = 0; i < j->photos->len; i++)
    g_bytes_unref(g_array_index(j->photos, BoothPhotoOut, i).jpeg);
  g_array_unref(j->photos);
  g_clear_error(&j->error);
  g_free(j);
}

static void commit_retry(Booth *b, Call *c);

static void
commit_dispatch(Booth *b, Call *c)
{
  /* A Commit that names a session no longer active is a retry after a lost answer: the
   * record answers, so a front-end can tell "committed" from "lost". */
  if (c->session_id && (!b->session || strcmp(b->session->id, c->session_id) != 0)) {
    if (caller_authorized(b, c))
      commit_retry(b, c);
    return;
  }
  BoothSession *s = session_for_call(b, c);
  if (!s)
    return;
  if (!s->candidate) {
    call_fail(c, BOOTH_ERROR_BAD_STATE, "session %s has no candidate to commit: Capture first",
              s->id);
    return;
  }
  if (!s->code) {
    /* Capture refuses a session without a code, so this guards the promise, not the flow. */
    call_fail(c, BOOTH_ERROR_BAD_STATE,
              "session %s has no capture code, and a photo must be linked to one: the student "
              "shows the QR capture code to the camera, or StartSession with adopt=true and "
              "code gives it",
              s->id);
    return;
  }
  g_autofree char *failed = g_strjoinv(",", s->candidate->failed);
  if (*failed && !c->override) {
    call_fail(c, BOOTH_ERROR_CHECKS_FAILED,
              "the candidate failed these checks: %s. Retake, or Commit with override=true to "
              "keep it anyway (the override is recorded)",
              failed);
    return;
  }
  CommitJob *j = g_new0(CommitJob, 1);
  j->call = c;
  j->record = session_record(s);
  j->record->checks_json = g_strdup(s->candidate->checks_json);
  j->record->overrides = *failed ? g_steal_pointer(&failed) : NULL;
  j->photos = g_array_new(FALSE, TRUE, sizeof(BoothPhotoOut));
  for (guint i = 0; i < s->candidate->photos->len; i++) {
    const BoothPhoto *ph = g_ptr_array_index(s->candidate->photos, i);
    BoothPhotoOut out = {ph->profile->name, g_bytes_ref(ph->jpeg), ph->width, ph->height,
                         ph->quality};
    g_array_append_val(j->photos, out);
  }
  s->op = BOOTH_OP_COMMITTING;
  booth_job_run(b, commit_work, commit_done, j);
  booth_changed(b, BOOTH_CHANGE_STATE | BOOTH_CHANGE_SESSION);
}

/* ---- records ---- */

typedef struct {
  BoothRecordsDone done;
  gpointer data;
  Call *retry; /* or a Commit retry, answered from the record */
  guint limit;
  char *status;
  char *session_id;     /* one session's record, or none */
  gint64 started_after; /* oldest first from there; negative: newest first */
  GPtrArray *records;
  GError *error;
} ListJob;

static void
list_work(Booth *b, gpointer data)
{
  ListJob *j = data;
  if (!j->session_id) {
    j->records = j->started_after >= 0 ? booth_store_list_after(b->store, j->started_after,
                                                                j->limit, j->status, &j->error)
                                       : booth_store_list(b->store, j->limit, j->status, &j->error);
    return;
  }
  j->records = g_ptr_array_new_with_free_func((GDestroyNotify)booth_record_free);
  g_autoptr(GError) error = NULL;
  BoothRecord *r = booth_store_get(b->store, j->session_id, &error);
  if (r && (!j->status || g_strcmp0(r->status, j->status) == 0))
    g_ptr_array_add(j->records, r);
  else if (r)
    booth_record_free(r);
  else if (!g_error_matches(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION)) {
    j->error = g_steal_pointer(&error);
    g_clear_pointer(&j->records, g_ptr_array_unref);
  }
}

static void
commit_retry_answer(ListJob *j)
{
  Call *c = g_steal_pointer(&j->retry);
  g_autofree char *id = booth_utf8_prefix(j->session_id, 80);
  const BoothRecord *r = j->records->len ? g_ptr_array_index(j->records, 0) : NULL;
  if (r && g_strcmp0(r->status, "committed") == 0) {
    call_answer(c, (gpointer)r, NULL);
  } else if (r) {
    call_fail(c, BOOTH_ERROR_BAD_STATE,
              "session %s was not committed: it ended as %s; start a new session", id, r->status);
  } else {
    call_fail(c, BOOTH_ERROR_NO_SESSION, "no session %s: it was never started on this booth", id);
  }
}

static void
list_done(Booth *b, gpointer data)
{
  (void)b;
  ListJob *j = data;
  if (!j->records && j->retry)
    call_fail_with(g_steal_pointer(&j->retry), j->error);
  else if (j->retry)
    commit_retry_answer(j);
  else
    j->done(j->records, j->error, j->data);
  g_clear_pointer(&j->records, g_ptr_array_unref);
  g_clear_error(&j->error);
  g_free(j->status);
  g_free(j->session_id);
  g_free(j);
}

static void
commit_retry(Booth *b, Call *c)
{
  ListJob *j = g_new0(ListJob, 1);
  j->session_id = g_strdup(c->session_id);
  j->started_after = -1;
  j->retry = c;
  booth_job_run(b, list_work, list_done, j);
}

void
booth_records_list(Booth *b, const BoothCaller *caller, guint limit, const char *status,
                   const char *session_id, gint64 started_after, BoothRecordsDone done,
                   gpointer data)
{
  g_assert(b && caller && done);
  g_autoptr(GError) error = NULL;
  if (!caller->reader && !booth_caller_check(b, caller, &error)) {
    done(NULL, error, data);
    return;
  }
  ListJob *j = g_new0(ListJob, 1);
  j->done = done;
  j->data = data;
  /* 0 asks for all of them: as many as one answer carries (10000 records of a few KiB). */
  j->limit = limit == 0 ? 10000 : MIN(limit, 10000);
  j->status = g_strdup(status);
  j->session_id = g_strdup(session_id);
  j->started_after = started_after;
  booth_job_run(b, list_work, list_done, j);
}

/* ---- the methods ---- */

static void
call_dispatch(Booth *b, Call *c)
{
  switch (c->kind) {
  case CALL_START:
    start_dispatch(b, c);
    break;
  case CALL_CAPTURE:
    capture_dispatch(b, c);
    break;
  case CALL_RETAKE:
    retake_dispatch(b, c);
    break;
  case CALL_COMMIT:
    commit_dispatch(b, c);
    break;
  case CALL_CANCEL:
    cancel_dispatch(b, c);
    break;
  }
}

void
booth_session_start(Booth *b, const BoothCaller *caller, const BoothStartOptions *options,
                    BoothStartDone done, gpointer data)
{
  g_assert(b && options);
  Call *c = call_new(CALL_START, caller, (CallDone)done, data);
  c->code = options->code ? g_bytes_ref(options->code) : NULL;
  c->operator_name = g_strdup(options->operator_name);
  c->profile = g_strdup(options->profile);
  c->adopt = options->adopt;
  c->detach = options->detach;
  call_run(b, c);
}

void
booth_session_capture(Booth *b, const BoothCaller *caller, gboolean force, BoothCaptureDone done,
                      gpointer data)
{
  g_assert(b);
  Call *c = call_new(CALL_CAPTURE, caller, (CallDone)done, data);
  c->force = force;
  call_run(b, c);
}

void
booth_session_retake(Booth *b, const BoothCaller *caller, BoothDone done, gpointer data)
{
  g_assert(b);
  call_run(b, call_new(CALL_RETAKE, caller, (CallDone)done, data));
}

void
booth_session_commit(Booth *b, const BoothCaller *caller, gboolean override, const char *session_id,
                     BoothRecordDone done, gpointer data)
{
  g_assert(b);
  Call *c = call_new(CALL_COMMIT, caller, (CallDone)done, data);
  c->override = override;
  c->session_id = g_strdup(session_id);
  call_run(b, c);
}

void
booth_session_cancel(Booth *b, const BoothCaller *caller, BoothDone done, gpointer data)
{
  g_assert(b);
  call_run(b, call_new(CALL_CANCEL, caller, (CallDone)done, data));
}
