/* The session's life: start (by a call or a scanned code), capture, retake, commit, cancel,
 * the owner leaving and being adopted or abandoned. Every step that touches files or the
 * record store runs as a job; the reply goes out when the job is done, so a reply always
 * tells the truth about what is on disk. */
#include <string.h>

#include "analysis/code.h"
#include "analysis/qr.h"
#include "booth.h"
#include "bus/bus-util.h"
#include "capture.h"
#include "error.h"
#include "log.h"

#define OPERATOR_MAX 128

/* ---- options ---- */

typedef struct {
  const char *key;
  const char *type;
} OptionSpec;

/* Unknown keys and wrong types are refused by name, so a typo never silently does nothing. */
static gboolean
options_check(GVariant *options, const char *method, const OptionSpec *specs, GError **error)
{
  GVariantIter it;
  const char *key;
  GVariant *value;
  g_variant_iter_init(&it, options);
  while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
    g_autoptr(GVariant) v = value;
    const OptionSpec *s = specs;
    while (s->key && strcmp(s->key, key) != 0)
      s++;
    if (!s->key) {
      g_autofree char *shown = booth_utf8_prefix(key, 64);
      g_autoptr(GString) known = g_string_new(NULL);
      for (s = specs; s->key; s++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", s->key);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s has no option '%s' (known: %s)", method, shown,
                  known->len ? known->str : "none");
      return FALSE;
    }
    if (!g_variant_is_of_type(v, G_VARIANT_TYPE(s->type))) {
      g_autofree char *type = booth_utf8_prefix(g_variant_get_type_string(v), 64);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s option '%s' must be of type '%s', not '%s'", method, key, s->type, type);
      return FALSE;
    }
  }
  return TRUE;
}

static gboolean
option_bool(GVariant *options, const char *key)
{
  gboolean v = FALSE;
  g_variant_lookup(options, key, "b", &v);
  return v;
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

static void reply_error(sd_bus_message *call, BoothErrorCode code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static void
reply_error(sd_bus_message *call, BoothErrorCode code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  g_autoptr(GError) e = g_error_new_literal(BOOTH_ERROR, code, msg);
  booth_bus_reply_error(call, e);
}

static void session_end_with(Booth *b, const char *status, const char *note, sd_bus_message *call);

/* ---- calls that arrive while the session is busy ---- */

/* Calls that drive the session run one at a time, in the order they arrived: a call that
 * comes while the session is starting, capturing, committing or ending (a front-end that
 * captures as soon as it sees the session, or sends Capture and Cancel back to back) waits
 * for that step to finish instead of failing. The queue is bounded, so a caller that floods
 * it gets Busy rather than making the daemon grow. */
#define DEFERRED_MAX 64

static gboolean
defer_while_busy(Booth *b, BoothMethod method, sd_bus_message *call, GVariant *options)
{
  if (!b->session || b->session->op == OP_NONE)
    return FALSE;
  if (b->deferred.length >= DEFERRED_MAX) {
    reply_error(call, BOOTH_ERROR_BUSY,
                "%u calls already wait for session %s to finish %s; try again when it is done",
                b->deferred.length, b->session->id, booth_state_name(booth_get_state(b)));
    return TRUE;
  }
  BoothDeferred *d = g_new0(BoothDeferred, 1);
  d->method = method;
  d->call = sd_bus_message_ref(call);
  d->options = options ? g_variant_ref(options) : NULL;
  g_queue_push_tail(&b->deferred, d);
  booth_debug("session", "%s from %s waits for session %s (%s)", sd_bus_message_get_member(call),
              sd_bus_message_get_sender(call), b->session->id,
              booth_state_name(booth_get_state(b)));
  return TRUE;
}

void
booth_deferred_flush(Booth *b, const GError *error)
{
  /* Replayed in arrival order. A replayed call that starts a step makes every later one wait
   * again, queued anew behind it in the same order. */
  GQueue waiting = b->deferred;
  g_queue_init(&b->deferred);
  BoothDeferred *d;
  while ((d = g_queue_pop_head(&waiting))) {
    if (error)
      booth_bus_reply_error(d->call, error);
    else
      d->method(b, d->call, d->options ? d->options : NULL);
    sd_bus_message_unref(d->call);
    if (d->options)
      g_variant_unref(d->options);
    g_free(d);
  }
}

/* Authorized, and the owner; a detached session (started by a scanned code, or with
 * detach=true by a one-shot client such as boothctl) may be driven by any authorized caller. */
static BoothSession *
session_for_caller(Booth *b, sd_bus_message *call)
{
  g_autoptr(GError) error = NULL;
  if (!booth_service_check_caller(b, call, &error)) {
    booth_bus_reply_error(call, error);
    return NULL;
  }
  BoothSession *s = b->session;
  if (!s) {
    reply_error(call, BOOTH_ERROR_NO_SESSION,
                "no session: show a capture code to the camera or call StartSession first");
    return NULL;
  }
  const char *sender = sd_bus_message_get_sender(call);
  if (s->owner && g_strcmp0(s->owner, sender) != 0) {
    reply_error(call, BOOTH_ERROR_NOT_OWNER,
                "session %s belongs to %s; only its owner can do this (or StartSession with "
                "adopt=true to take it over)",
                s->id, s->owner);
    return NULL;
  }
  if (!s->owner && s->owner_lost) {
    reply_error(call, BOOTH_ERROR_NOT_OWNER,
                "session %s lost its owner and waits for adoption: call StartSession with "
                "adopt=true to continue it",
                s->id);
    return NULL;
  }
  g_assert(s->op == OP_NONE); /* calls wait while it is busy: defer_while_busy() */
  return s;
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

GVariant *
booth_record_to_variant(const BoothRecord *r)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  g_variant_dict_insert(&d, "session_id", "s", r->session_id);
  g_variant_dict_insert(&d, "status", "s", r->status);
  if (r->code) {
    if (booth_code_is_text(r->code)) {
      g_autofree char *t = g_strndup(g_bytes_get_data(r->code, NULL), g_bytes_get_size(r->code));
      g_variant_dict_insert(&d, "code", "s", t);
    }
    g_variant_dict_insert_value(&d, "code_bytes", booth_code_variant(r->code));
  }
  g_variant_dict_insert(&d, "operator", "s", r->operator_name ? r->operator_name : "");
  g_variant_dict_insert(&d, "profile", "s", r->profile ? r->profile : "");
  g_variant_dict_insert(&d, "started_at", "x", r->started_at);
  g_variant_dict_insert(&d, "ended_at", "x", r->ended_at);
  g_variant_dict_insert(&d, "attempts", "u", r->attempts);
  g_auto(GStrv) ov =
      r->overrides && *r->overrides ? g_strsplit(r->overrides, ",", -1) : g_new0(char *, 1);
  g_variant_dict_insert_value(&d, "overrides", g_variant_new_strv((const char *const *)ov, -1));
  g_variant_dict_insert(&d, "note", "s", r->note ? r->note : "");
  g_variant_dict_insert(&d, "checks", "s", r->checks_json ? r->checks_json : "");
  GVariantBuilder fb;
  g_variant_builder_init(&fb, G_VARIANT_TYPE("aa{sv}"));
  for (guint i = 0; r->files && i < r->files->len; i++) {
    const BoothRecordFile *f = g_ptr_array_index(r->files, i);
    GVariantDict fd;
    g_variant_dict_init(&fd, NULL);
    g_variant_dict_insert(&fd, "profile", "s", f->profile);
    g_variant_dict_insert(&fd, "path", "s", f->path);
    g_variant_dict_insert(&fd, "sha256", "s", f->sha256 ? f->sha256 : "");
    g_variant_dict_insert(&fd, "bytes", "x", f->bytes);
    g_variant_dict_insert(&fd, "width", "i", f->width);
    g_variant_dict_insert(&fd, "height", "i", f->height);
    g_variant_dict_insert(&fd, "quality", "i", f->quality);
    g_variant_builder_add_value(&fb, g_variant_dict_end(&fd));
  }
  g_variant_dict_insert_value(&d, "files", g_variant_builder_end(&fb));
  return g_variant_dict_end(&d);
}

/* ---- owner tracking ---- */

static gboolean
abandon_timeout(gpointer data)
{
  Booth *b = data;
  BoothSession *s = b->session;
  g_assert(s);
  s->abandon_timer = 0;
  if (s->op != OP_NONE) /* a job is running; look again shortly */
    return (s->abandon_timer = g_timeout_add_seconds(1, abandon_timeout, b)), G_SOURCE_REMOVE;
  booth_warn("session", "session %s: nobody adopted it within %d s; recorded as abandoned%s", s->id,
             b->config->abandon_timeout,
             s->candidate ? " with its candidate kept in abandoned/" : "");
  b->counters.abandoned++;
  session_end_with(b, "abandoned", "owner left the bus and nobody adopted the session", NULL);
  return G_SOURCE_REMOVE;
}

static int
owner_vanished(sd_bus_track *track, void *data)
{
  Booth *b = data;
  BoothSession *s = b->session;
  if (!s || s->track != track)
    return 0;
  booth_notice("session", "session %s: owner %s left the bus; waiting %d s for adoption", s->id,
               s->owner, b->config->abandon_timeout);
  g_clear_pointer(&s->owner, g_free);
  s->track = sd_bus_track_unref(s->track);
  s->owner_lost = TRUE;
  s->abandon_at = g_get_real_time() + (gint64)b->config->abandon_timeout * G_USEC_PER_SEC;
  s->abandon_timer = g_timeout_add_seconds((guint)b->config->abandon_timeout, abandon_timeout, b);
  booth_publish(b);
  return 0;
}

/* owner NULL: detached, any authorized caller may drive the session. */
static void
session_set_owner(Booth *b, const char *owner)
{
  BoothSession *s = b->session;
  g_assert(s);
  s->track = sd_bus_track_unref(s->track);
  g_clear_handle_id(&s->abandon_timer, g_source_remove);
  s->abandon_at = 0;
  s->owner_lost = FALSE;
  g_free(s->owner);
  s->owner = g_strdup(owner);
  if (!owner)
    return;
  int r = sd_bus_track_new(b->bus, &s->track, owner_vanished, b);
  if (r >= 0)
    r = sd_bus_track_add_name(s->track, owner);
  if (r < 0) {
    /* Already gone, or the bus refused: treat it as leaving now. */
    booth_warn("session", "cannot watch owner %s: %s", owner, strerror(-r));
    owner_vanished(s->track, b);
  }
}

/* ---- start ---- */

typedef struct {
  BoothRecord *record;
  GError *error;
  sd_bus_message *call; /* NULL when a scanned code started it */
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
  g_assert(s && s->op == OP_STARTING);
  s->op = OP_NONE;
  if (j->error) {
    b->counters.storage_errors++;
    booth_warn("session", "cannot record session %s: %s", s->id, j->error->message);
    if (j->call)
      booth_bus_reply_error(j->call, j->error);
    booth_session_free(g_steal_pointer(&b->session));
    booth_deferred_flush(b, j->error);
  } else {
    s->recorded = TRUE;
    b->counters.sessions_started++;
    g_autofree char *code = booth_code_to_display(s->code, 48);
    booth_info("session", "session %s started (code %s, owner %s)", s->id, s->code ? code : "none",
               s->owner ? s->owner : "none");
    if (j->call)
      booth_bus_reply(j->call, g_variant_new("(s)", s->id));
    booth_deferred_flush(b, NULL);
  }
  booth_publish(b);
  sd_bus_message_unref(j->call);
  booth_record_free(j->record);
  g_clear_error(&j->error);
  g_free(j);
}

static void
session_begin(Booth *b, GBytes *code, const char *operator_name, const BoothProfile *profile,
              sd_bus_message *call, gboolean detach)
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
  s->op = OP_STARTING;
  b->session = s;
  if (call && !detach)
    session_set_owner(b, sd_bus_message_get_sender(call));
  StartJob *j = g_new0(StartJob, 1);
  j->record = session_record(s);
  j->call = call ? sd_bus_message_ref(call) : NULL;
  booth_job_run(b, start_work, start_done, j);
  booth_publish(b);
}

void
booth_start_session(Booth *b, sd_bus_message *call, GVariant *options)
{
  static const OptionSpec specs[] = {{"code", "s"},    {"code_bytes", "ay"}, {"operator", "s"},
                                     {"profile", "s"}, {"adopt", "b"},       {"detach", "b"},
                                     {NULL, NULL}};
  g_autoptr(GError) error = NULL;
  if (!booth_service_check_caller(b, call, &error) ||
      !options_check(options, "StartSession", specs, &error)) {
    booth_bus_reply_error(call, error);
    return;
  }
  g_autoptr(GBytes) code = NULL;
  const char *text = NULL, *op = NULL, *profile_name = NULL;
  g_autoptr(GVariant) bytes = g_variant_lookup_value(options, "code_bytes", G_VARIANT_TYPE("ay"));
  if (g_variant_lookup(options, "code", "&s", &text) && bytes) {
    reply_error(call, BOOTH_ERROR_INVALID_ARGUMENT, "give code or code_bytes, not both");
    return;
  }
  if (text)
    code = g_bytes_new(text, strlen(text));
  else if (bytes)
    code = g_variant_get_data_as_bytes(bytes);
  if (code && !booth_code_validate(code, (gsize)b->config->code_max_bytes, &error)) {
    booth_bus_reply_error(call, error);
    return;
  }
  if (g_variant_lookup(options, "operator", "&s", &op) && strlen(op) > OPERATOR_MAX) {
    reply_error(call, BOOTH_ERROR_INVALID_ARGUMENT,
                "operator name is %zu bytes long; at most %d are allowed", strlen(op),
                OPERATOR_MAX);
    return;
  }
  const BoothProfile *profile = g_ptr_array_index(b->config->loaded_profiles, 0);
  if (g_variant_lookup(options, "profile", "&s", &profile_name)) {
    profile = booth_config_find_profile(b->config, profile_name);
    if (!profile) {
      g_autofree char *known = g_strjoinv(", ", b->config->profiles);
      g_autofree char *shown = booth_utf8_prefix(profile_name, 64);
      reply_error(call, BOOTH_ERROR_INVALID_ARGUMENT, "unknown profile '%s' (this booth has: %s)",
                  shown, known);
      return;
    }
  }

  if (defer_while_busy(b, booth_start_session, call, options))
    return;
  gboolean detach = option_bool(options, "detach");
  BoothSession *s = b->session;
  if (s && option_bool(options, "adopt")) {
    if (code && s->code && !g_bytes_equal(code, s->code)) {
      reply_error(call, BOOTH_ERROR_BUSY,
                  "session %s belongs to another capture code; Cancel it to start a new one",
                  s->id);
      return;
    }
    booth_notice("session", "session %s adopted by %s%s (was %s)", s->id,
                 sd_bus_message_get_sender(call), detach ? ", detached" : "",
                 s->owner ? s->owner : "nobody");
    session_set_owner(b, detach ? NULL : sd_bus_message_get_sender(call));
    if (code && !s->code) {
      s->code = g_bytes_ref(code);
      booth_intake_mark_used(b->intake, code, g_get_monotonic_time());
      if (s->recorded)
        booth_job_run(b, update_work, update_done, session_record(s));
    }
    booth_publish(b);
    booth_bus_reply(call, g_variant_new("(s)", s->id));
    return;
  }
  if (s) {
    reply_error(call, BOOTH_ERROR_BUSY,
                "session %s is active (%s, owner %s): Commit or Cancel it first, or pass "
                "adopt=true to take it over",
                s->id, booth_state_name(booth_get_state(b)), s->owner ? s->owner : "none");
    return;
  }
  if (!b->camera) {
    reply_error(call, BOOTH_ERROR_NO_CAMERA, "no camera: %s",
                b->camera_error ? b->camera_error : "check the camera connection");
    return;
  }
  session_begin(b, code, op, profile, call, detach);
}

/* ---- end: cancel, abandon ---- */

typedef struct {
  char *id, *status, *note;
  guint attempts;
  sd_bus_message *call;
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
  g_assert(s && s->op == OP_ENDING);
  if (j->error) {
    /* The session stays as it was: nothing is lost, the caller can try again. */
    s->op = OP_NONE;
    b->counters.storage_errors++;
    booth_warn("session", "session %s: cannot record it as %s: %s", s->id, j->status,
               j->error->message);
    if (j->call)
      booth_bus_reply_error(j->call, j->error);
  } else {
    booth_info("session", "session %s %s", s->id, j->status);
    if (j->call)
      booth_bus_reply(j->call, NULL);
    booth_session_free(g_steal_pointer(&b->session));
  }
  booth_deferred_flush(b, NULL);
  booth_publish(b);
  sd_bus_message_unref(j->call);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j->status);
  g_free(j->note);
  g_free(j);
}

static void
session_end_with(Booth *b, const char *status, const char *note, sd_bus_message *call)
{
  BoothSession *s = b->session;
  g_assert(s && s->op == OP_NONE);
  s->op = OP_ENDING;
  EndJob *j = g_new0(EndJob, 1);
  j->id = g_strdup(s->id);
  j->status = g_strdup(status);
  j->note = g_strdup(note);
  j->attempts = s->attempts;
  j->call = call ? sd_bus_message_ref(call) : NULL;
  booth_job_run(b, end_work, end_done, j);
}

static void
cancel_method(Booth *b, sd_bus_message *call, GVariant *options)
{
  (void)options;
  booth_cancel(b, call);
}

void
booth_cancel(Booth *b, sd_bus_message *call)
{
  if (defer_while_busy(b, cancel_method, call, NULL))
    return;
  BoothSession *s = session_for_caller(b, call);
  if (!s)
    return;
  b->counters.cancels++;
  g_autofree char *note = g_strdup_printf("cancelled by %s", sd_bus_message_get_sender(call));
  session_end_with(b, "cancelled", note, call);
}

/* ---- capture ---- */

typedef struct {
  sd_bus_message *call;
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
capture_work(Booth *b, gpointer data)
{
  CaptureJob *j = data;
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
  const BoothPhoto *main = j->candidate ? g_ptr_array_index(j->candidate->photos, 0) : NULL;
  if (main &&
      !booth_store_save_candidate(b->store, j->id, main->jpeg, &j->candidate->path, &j->error))
    g_clear_pointer(&j->candidate, booth_candidate_free);
}

static void
capture_done(Booth *b, gpointer data)
{
  CaptureJob *j = data;
  BoothSession *s = b->session;
  g_assert(s && s->op == OP_CAPTURING);
  s->op = OP_NONE;
  s->attempts++;
  if (j->error) {
    booth_warn("capture", "session %s: capture failed: %s", s->id, j->error->message);
    booth_bus_reply_error(j->call, j->error);
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
    booth_bus_reply(j->call, g_variant_new("(@a{sv})", s->candidate->report));
  }
  booth_deferred_flush(b, NULL);
  booth_publish(b);
  sd_bus_message_unref(j->call);
  booth_candidate_free(j->candidate);
  g_ptr_array_unref(j->profiles);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j);
}

void
booth_capture(Booth *b, sd_bus_message *call, GVariant *options)
{
  static const OptionSpec specs[] = {{"force", "b"}, {NULL, NULL}};
  g_autoptr(GError) error = NULL;
  if (!options_check(options, "Capture", specs, &error)) {
    booth_bus_reply_error(call, error);
    return;
  }
  if (defer_while_busy(b, booth_capture, call, options))
    return;
  BoothSession *s = session_for_caller(b, call);
  if (!s)
    return;
  if (!s->code) {
    /* The code is fixed before the first capture, so a photo is never taken for nobody. */
    reply_error(call, BOOTH_ERROR_BAD_STATE,
                "session %s has no capture code yet: the student shows the QR capture code to "
                "the camera (or StartSession with adopt=true and code gives it)",
                s->id);
    return;
  }
  if (!b->camera) {
    reply_error(call, BOOTH_ERROR_NO_CAMERA, "no camera: %s",
                b->camera_error ? b->camera_error : "check the camera connection");
    return;
  }
  if (s->candidate) {
    reply_error(call, BOOTH_ERROR_BAD_STATE,
                "session %s already has a candidate waiting for review: Commit it or Retake",
                s->id);
    return;
  }
  CaptureJob *j = g_new0(CaptureJob, 1);
  j->call = sd_bus_message_ref(call);
  g_autoptr(BoothFrame) latest = booth_mailbox_peek(b->mailbox);
  j->after_seq = latest ? latest->seq : 0;
  j->timeout_us = (gint64)b->config->capture_timeout * G_USEC_PER_SEC;
  /* The session's profile first, then every other profile of the booth, from one frame. */
  j->profiles = g_ptr_array_new();
  g_ptr_array_add(j->profiles, (gpointer)s->profile);
  for (guint i = 0; i < b->config->loaded_profiles->len; i++)
    if (g_ptr_array_index(b->config->loaded_profiles, i) != s->profile)
      g_ptr_array_add(j->profiles, g_ptr_array_index(b->config->loaded_profiles, i));
  j->id = g_strdup(s->id);
  j->attempt = s->attempts + 1;
  j->burst = (guint)MAX(s->profile->burst, 1);
  j->force = option_bool(options, "force");
  s->op = OP_CAPTURING;
  booth_job_run(b, capture_work, capture_done, j);
  booth_publish(b);
}

/* ---- retake ---- */

typedef struct {
  sd_bus_message *call;
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
  g_assert(s && s->op == OP_RETAKING);
  s->op = OP_NONE;
  if (j->error) {
    booth_bus_reply_error(j->call, j->error);
  } else {
    g_clear_pointer(&s->candidate, booth_candidate_free);
    b->counters.retakes++;
    booth_info("session", "session %s: candidate discarded for a retake (attempt %u done)", s->id,
               s->attempts);
    booth_bus_reply(j->call, NULL);
  }
  booth_deferred_flush(b, NULL);
  booth_publish(b);
  sd_bus_message_unref(j->call);
  g_clear_error(&j->error);
  g_free(j->id);
  g_free(j);
}

static void
retake_method(Booth *b, sd_bus_message *call, GVariant *options)
{
  (void)options;
  booth_retake(b, call);
}

void
booth_retake(Booth *b, sd_bus_message *call)
{
  if (defer_while_busy(b, retake_method, call, NULL))
    return;
  BoothSession *s = session_for_caller(b, call);
  if (!s)
    return;
  if (!s->candidate) {
    reply_error(call, BOOTH_ERROR_BAD_STATE, "session %s has no candidate to retake: Capture first",
                s->id);
    return;
  }
  RetakeJob *j = g_new0(RetakeJob, 1);
  j->call = sd_bus_message_ref(call);
  j->id = g_strdup(s->id);
  s->op = OP_RETAKING;
  booth_job_run(b, retake_work, retake_done, j);
}

/* ---- commit ---- */

static void commit_retry(Booth *b, sd_bus_message *call, const char *session_id);

typedef struct {
  sd_bus_message *call;
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
  g_assert(s && s->op == OP_COMMITTING);
  s->op = OP_NONE;
  if (j->error) {
    b->counters.storage_errors++;
    booth_warn("store", "session %s: commit failed, candidate kept: %s", s->id, j->error->message);
    booth_bus_reply_error(j->call, j->error);
  } else {
    b->counters.commits++;
    g_autoptr(GVariant) rec = g_variant_ref_sink(booth_record_to_variant(j->record));
    const BoothRecordFile *f =
        j->record->files->len ? g_ptr_array_index(j->record->files, 0) : NULL;
    booth_notice("store", "session %s committed: %s", s->id, f ? f->path : "(no file)");
    booth_intake_mark_committed(b->intake, s->code, g_get_monotonic_time());
    booth_bus_reply(j->call, g_variant_new("(@a{sv})", rec));
    booth_service_emit(b, "Committed", g_variant_new("(s@a{sv})", s->id, rec));
    booth_session_free(g_steal_pointer(&b->session));
  }
  booth_deferred_flush(b, NULL);
  booth_publish(b);
  sd_bus_message_unref(j->call);
  booth_record_free(j->record);
  for (guint i = 0; i < j->photos->len; i++)
    g_bytes_unref(g_array_index(j->photos, BoothPhotoOut, i).jpeg);
  g_array_unref(j->photos);
  g_clear_error(&j->error);
  g_free(j);
}

void
booth_commit(Booth *b, sd_bus_message *call, GVariant *options)
{
  static const OptionSpec specs[] = {{"override", "b"}, {"session_id", "s"}, {NULL, NULL}};
  g_autoptr(GError) error = NULL;
  if (!options_check(options, "Commit", specs, &error)) {
    booth_bus_reply_error(call, error);
    return;
  }
  if (defer_while_busy(b, booth_commit, call, options))
    return;
  /* A Commit that names a session no longer active is a retry after a lost reply: answer
   * from the record, so a front-end can tell "committed" from "lost". */
  const char *want = NULL;
  if (g_variant_lookup(options, "session_id", "&s", &want) &&
      (!b->session || strcmp(b->session->id, want) != 0)) {
    if (!booth_service_check_caller(b, call, &error))
      booth_bus_reply_error(call, error);
    else
      commit_retry(b, call, want);
    return;
  }
  BoothSession *s = session_for_caller(b, call);
  if (!s)
    return;
  if (!s->candidate) {
    reply_error(call, BOOTH_ERROR_BAD_STATE, "session %s has no candidate to commit: Capture first",
                s->id);
    return;
  }
  if (!s->code) {
    /* Capture refuses a session without a code, so this guards the promise, not the flow. */
    reply_error(call, BOOTH_ERROR_BAD_STATE,
                "session %s has no capture code, and a photo must be linked to one: the student "
                "shows the QR capture code to the camera, or StartSession with adopt=true and "
                "code gives it",
                s->id);
    return;
  }
  gboolean override = option_bool(options, "override");
  g_autofree char *failed = g_strjoinv(",", s->candidate->failed);
  if (*failed && !override) {
    reply_error(call, BOOTH_ERROR_BAD_STATE,
                "the candidate failed these checks: %s. Retake, or Commit with override=true to "
                "keep it anyway (the override is recorded)",
                failed);
    return;
  }
  CommitJob *j = g_new0(CommitJob, 1);
  j->call = sd_bus_message_ref(call);
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
  s->op = OP_COMMITTING;
  booth_job_run(b, commit_work, commit_done, j);
  booth_publish(b);
}

/* ---- records ---- */

typedef struct {
  sd_bus_message *call;
  guint limit;
  char *status;
  char *session_id; /* one session's record, or none */
  gboolean commit;  /* a Commit for a session that is no longer active */
  GPtrArray *records;
  GError *error;
} ListJob;

static void
list_work(Booth *b, gpointer data)
{
  ListJob *j = data;
  if (!j->session_id) {
    j->records = booth_store_list(b->store, j->limit, j->status, &j->error);
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

/* Commit again after a lost reply: the record answers whether the first one landed. */
static void
commit_retry_reply(ListJob *j)
{
  g_autofree char *id = booth_utf8_prefix(j->session_id, 80);
  const BoothRecord *r = j->records->len ? g_ptr_array_index(j->records, 0) : NULL;
  if (r && g_strcmp0(r->status, "committed") == 0) {
    booth_bus_reply(j->call, g_variant_new("(@a{sv})", booth_record_to_variant(r)));
  } else if (r) {
    reply_error(j->call, BOOTH_ERROR_BAD_STATE,
                "session %s was not committed: it ended as %s; start a new session", id, r->status);
  } else {
    reply_error(j->call, BOOTH_ERROR_NO_SESSION,
                "no session %s: it was never started on this booth", id);
  }
}

static void
list_done(Booth *b, gpointer data)
{
  (void)b;
  ListJob *j = data;
  if (!j->records) {
    booth_bus_reply_error(j->call, j->error);
  } else if (j->commit) {
    commit_retry_reply(j);
    g_ptr_array_unref(j->records);
  } else {
    GVariantBuilder rb;
    g_variant_builder_init(&rb, G_VARIANT_TYPE("aa{sv}"));
    for (guint i = 0; i < j->records->len; i++)
      g_variant_builder_add_value(&rb, booth_record_to_variant(g_ptr_array_index(j->records, i)));
    booth_bus_reply(j->call, g_variant_new("(aa{sv})", &rb));
    g_ptr_array_unref(j->records);
  }
  sd_bus_message_unref(j->call);
  g_clear_error(&j->error);
  g_free(j->status);
  g_free(j->session_id);
  g_free(j);
}

static void
commit_retry(Booth *b, sd_bus_message *call, const char *session_id)
{
  ListJob *j = g_new0(ListJob, 1);
  j->session_id = g_strdup(session_id);
  j->commit = TRUE;
  j->call = sd_bus_message_ref(call);
  booth_job_run(b, list_work, list_done, j);
}

void
booth_list_records(Booth *b, sd_bus_message *call, GVariant *options)
{
  static const OptionSpec specs[] = {
      {"limit", "u"}, {"status", "s"}, {"session_id", "s"}, {NULL, NULL}};
  g_autoptr(GError) error = NULL;
  if (!booth_service_check_caller(b, call, &error) ||
      !options_check(options, "ListRecords", specs, &error)) {
    booth_bus_reply_error(call, error);
    return;
  }
  ListJob *j = g_new0(ListJob, 1);
  j->limit = 100;
  g_variant_lookup(options, "limit", "u", &j->limit);
  j->limit = CLAMP(j->limit, 1, 10000);
  g_variant_lookup(options, "status", "s", &j->status);
  g_variant_lookup(options, "session_id", "s", &j->session_id);
  j->call = sd_bus_message_ref(call);
  booth_job_run(b, list_work, list_done, j);
}

/* ---- scanned codes ---- */

static void
signal_code(Booth *b, const BoothQrCode *c, gboolean in_session, const char *started)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  g_variant_dict_insert_value(&d, "code_bytes", booth_code_variant(c->data));
  g_variant_dict_insert(&d, "x", "i", c->x);
  g_variant_dict_insert(&d, "y", "i", c->y);
  g_variant_dict_insert(&d, "width", "i", c->width);
  g_variant_dict_insert(&d, "height", "i", c->height);
  g_variant_dict_insert(&d, "in_session", "b", in_session);
  if (started)
    g_variant_dict_insert(&d, "session_id", "s", started);
  /* The payload string is the code itself when it is text; binary codes travel in code_bytes. */
  g_autofree char *text = booth_code_is_text(c->data) ? g_strndup(g_bytes_get_data(c->data, NULL),
                                                                  g_bytes_get_size(c->data))
                                                      : g_strdup("");
  booth_service_emit(b, "CodeScanned", g_variant_new("(s@a{sv})", text, g_variant_dict_end(&d)));
}

/* What the codes in view do to the session: start one (auto_start), or give a session that
 * has none its code. The intake knows which code may go where. */
static void
session_take_code(Booth *b, gint64 now)
{
  BoothSession *s = b->session;
  if (!s && b->config->auto_start) {
    g_autoptr(GBytes) code = booth_intake_pick_to_start(b->intake);
    if (code)
      session_begin(b, code, NULL, g_ptr_array_index(b->config->loaded_profiles, 0), NULL, TRUE);
  } else if (s && !s->code && s->op != OP_ENDING) {
    s->code = booth_intake_pick_for_session(b->intake, now);
    if (!s->code)
      return;
    booth_intake_mark_used(b->intake, s->code, now);
    g_autofree char *shown = booth_code_to_display(s->code, 48);
    booth_info("qr", "code %s attached to session %s", shown, s->id);
    /* Jobs run in order: after the start job when the session is still starting. */
    booth_job_run(b, update_work, update_done, session_record(s));
  }
}

void
booth_on_analysis(BoothAnalysis *r, gpointer user_data)
{
  Booth *b = user_data;
  g_autoptr(BoothAnalysis) result = r;
  gint64 now = g_get_monotonic_time();
  b->last_frame_mono = now;
  b->codes_in_view = result->codes->len;
  if (b->framing)
    g_variant_unref(b->framing);
  b->framing = g_variant_ref_sink(booth_framing_to_variant(&result->framing));
  g_strfreev(b->framing_hints);
  b->framing_hints = g_new0(char *, result->framing.n_hints + 1);
  for (int i = 0; i < result->framing.n_hints; i++)
    b->framing_hints[i] = g_strdup(result->framing.hints[i]);
  b->framing_score = result->framing.score;

  g_autoptr(GPtrArray) data = g_ptr_array_new();
  for (guint i = 0; i < result->codes->len; i++)
    g_ptr_array_add(data, ((BoothQrCode *)g_ptr_array_index(result->codes, i))->data);
  g_autoptr(GPtrArray) fresh =
      booth_intake_frame(b->intake, (GBytes *const *)data->pdata, data->len, now);
  gboolean in_session = b->session != NULL;
  for (guint i = 0; i < fresh->len; i++) {
    g_autoptr(GError) error = NULL;
    g_autofree char *shown = booth_code_to_display(fresh->pdata[i], 48);
    if (!booth_code_validate(fresh->pdata[i], (gsize)b->config->code_max_bytes, &error)) {
      booth_warn("qr", "ignored a QR code (%s): %s", shown, error->message);
      booth_intake_mark_refused(b->intake, fresh->pdata[i], now);
      g_ptr_array_remove_index(fresh, i--);
      continue;
    }
    b->counters.codes_scanned++;
    if (in_session && !(b->session->code && g_bytes_equal(b->session->code, fresh->pdata[i])))
      booth_notice("qr", "code %s scanned during session %s: signalled", shown, b->session->id);
    else
      booth_info("qr", "code %s scanned", shown);
  }
  session_take_code(b, now);
  const BoothSession *s = b->session;
  for (guint i = 0; i < result->codes->len; i++) {
    const BoothQrCode *c = g_ptr_array_index(result->codes, i);
    guint at;
    if (!g_ptr_array_find_with_equal_func(fresh, c->data, g_bytes_equal, &at))
      continue;
    g_ptr_array_remove_index(fresh, at); /* once, even when a frame shows it twice */
    gboolean started = !in_session && s && s->code && g_bytes_equal(s->code, c->data);
    signal_code(b, c, in_session, started ? s->id : NULL);
  }

  booth_update_hints(b);
  booth_publish(b);
}
