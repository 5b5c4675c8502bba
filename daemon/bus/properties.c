/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the bus shows of the booth: the properties (emitted only when they differ, Framing at
 * most every FRAMING_MIN_INTERVAL_US, Stats and Camera counters once a second), the signals,
 * and the records as a{sv}. */
#include <errno.h>
#include <string.h>

#include "analysis/code.h"
#include "booth-names.h"
#include "bus/service-private.h"
#include "core/session.h"
#include "error.h"
#include "log.h"

/* Framing and FramingHints move with every analysed frame: at most this often on the bus. */
#define FRAMING_MIN_INTERVAL_US (250 * 1000)

/* ---- property values ---- */

static GVariant *
session_value(BoothService *svc)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  const BoothSession *s = booth_get_session(svc->booth);
  if (s) {
    g_variant_dict_insert(&d, "id", "s", s->id);
    /* Properties are readable by anyone on the bus; the code identifies a student, so it
     * travels only in CodeScanned and the records, which the bus policy restricts. */
    g_variant_dict_insert(&d, "has_code", "b", s->code != NULL);
    g_variant_dict_insert(&d, "operator", "s", s->operator_name ? s->operator_name : "");
    g_variant_dict_insert(&d, "profile", "s", s->profile->name);
    g_variant_dict_insert(&d, "owner", "s", s->owner ? s->owner : "");
    /* The adapter watches the owner the core names; until the core says so they agree. */
    if (s->owner && g_strcmp0(s->owner, svc->owner) == 0 && svc->owner_pid) {
      g_variant_dict_insert(&d, "owner_pid", "u", svc->owner_pid);
      g_variant_dict_insert(&d, "owner_uid", "u", svc->owner_uid);
      g_variant_dict_insert(&d, "owner_process", "s", svc->owner_process ? svc->owner_process : "");
    }
    g_variant_dict_insert(&d, "owner_present", "b", s->owner != NULL);
    g_variant_dict_insert(&d, "detached", "b", s->owner == NULL && !s->owner_lost);
    g_variant_dict_insert(&d, "started_at", "x", s->started_at);
    g_variant_dict_insert(&d, "attempts", "u", s->attempts);
    g_variant_dict_insert(&d, "has_candidate", "b", s->candidate != NULL);
    g_variant_dict_insert(&d, "abandon_at", "x", s->abandon_at);
    if (s->candidate) {
      g_variant_dict_insert(&d, "candidate", "s", s->candidate->path ? s->candidate->path : "");
      /* So a front-end that reconnects (or boothctl after a Ctrl-C) can show it again. */
      g_variant_dict_insert(&d, "candidate_passed", "b", !s->candidate->failed[0]);
      g_variant_dict_insert_value(
          &d, "candidate_failed",
          g_variant_new_strv((const char *const *)s->candidate->failed, -1));
      g_variant_dict_insert_value(&d, "report", s->candidate->report);
    }
  }
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

static GVariant *
framing_value(BoothService *svc)
{
  GVariantDict d;
  g_variant_dict_init(&d, booth_get_framing(svc->booth));
  /* Timing moves on every frame without meaning a change of framing. */
  g_variant_dict_remove(&d, "elapsed_us");
  g_variant_dict_insert_value(&d, "hints", g_variant_new_strv(booth_get_hints(svc->booth), -1));
  g_variant_dict_insert(&d, "score", "d", booth_get_score(svc->booth));
  g_variant_dict_insert(&d, "codes_in_view", "u", booth_get_codes_in_view(svc->booth));
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

static GVariant *
camera_value(BoothService *svc)
{
  Booth *b = svc->booth;
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  BoothMailboxStats ms = booth_get_frame_stats(b);
  const BoothCameraStatus *st = booth_get_camera_status(b);
  const char *error = booth_get_camera_error(b);
  g_variant_dict_insert(&d, "id", "s", st->id ? st->id : booth_get_config(b)->camera);
  g_variant_dict_insert(&d, "model", "s", st->model ? st->model : "");
  g_variant_dict_insert(&d, "state", "s", booth_camera_state_name(st->state));
  /* What the operator should check, while it does not run. */
  if (error)
    g_variant_dict_insert(&d, "message", "s", error);
  if (booth_has_camera(b)) {
    g_variant_dict_insert(&d, "width", "i", st->width);
    g_variant_dict_insert(&d, "height", "i", st->height);
    g_variant_dict_insert(&d, "fps", "d", st->fps);
    g_variant_dict_insert(&d, "streams", "s", st->streams ? st->streams : "");
  }
  g_variant_dict_insert(&d, "restarts", "u", st->restarts);
  guint64 converted, corrupt;
  booth_get_camera_counters(b, &converted, &corrupt);
  g_variant_dict_insert(&d, "converted", "t", converted);
  g_variant_dict_insert(&d, "dropped_corrupt", "t", corrupt);
  g_variant_dict_insert(&d, "frames", "t", ms.delivered);
  g_variant_dict_insert(&d, "dropped", "t", ms.dropped);
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

static GVariant *
stats_value(BoothService *svc, gboolean with_uptime)
{
  Booth *b = svc->booth;
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  double mean_us;
  guint64 analysed = booth_get_frames_analysed(b, &mean_us);
  BoothMailboxStats ms = booth_get_frame_stats(b);
  const BoothCounters *c = booth_get_counters(b);
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
  BoothPreviewStats ps = booth_get_preview_stats(b);
  g_variant_dict_insert(&d, "preview_clients", "u", ps.clients);
  g_variant_dict_insert(&d, "preview_frames", "t", ps.frames);
  g_variant_dict_insert(&d, "preview_dropped", "t", ps.dropped);
  /* uptime alone is not a change worth a signal */
  if (with_uptime)
    g_variant_dict_insert(&d, "uptime_s", "t", (guint64)(booth_get_uptime_us(b) / G_USEC_PER_SEC));
  return g_variant_ref_sink(g_variant_dict_end(&d));
}

GVariant *
booth_service_property_value(BoothService *svc, const char *name)
{
  if (strcmp(name, "Session") == 0)
    return session_value(svc);
  if (strcmp(name, "Framing") == 0)
    return framing_value(svc);
  if (strcmp(name, "Camera") == 0)
    return camera_value(svc);
  g_assert(strcmp(name, "Stats") == 0);
  return stats_value(svc, TRUE);
}

/* ---- PropertiesChanged ---- */

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
properties_changed(BoothService *svc, char **names)
{
  if (!names[0])
    return;
  int r = sd_bus_emit_properties_changed_strv(svc->bus, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, names);
  if (r < 0)
    booth_warn("bus", "cannot emit PropertiesChanged: %s", strerror(-r));
}

static gboolean
framing_deferred(gpointer data)
{
  BoothService *svc = data;
  svc->framing_timer = 0;
  booth_service_on_changed(BOOTH_CHANGE_FRAMING, svc);
  return G_SOURCE_REMOVE;
}

static void
publish(BoothService *svc, BoothChange what)
{
  const char *names[5];
  int n = 0;
  BoothState st = booth_get_state(svc->booth);
  if (st != svc->published_state) {
    booth_info("session", "state %s -> %s", booth_state_name(svc->published_state),
               booth_state_name(st));
    svc->published_state = st;
    names[n++] = "State";
  }
  if (replace_if_changed(&svc->published_session, session_value(svc)))
    names[n++] = "Session";
  gint64 now = g_get_monotonic_time();
  if (now - svc->framing_published_mono >= FRAMING_MIN_INTERVAL_US) {
    if (replace_if_changed(&svc->published_framing, framing_value(svc))) {
      names[n++] = "Framing";
      svc->framing_published_mono = now;
    }
  } else if (!svc->framing_timer) {
    /* Too soon: look again when the interval is over, so the last change is not lost. */
    svc->framing_timer = g_timeout_add(
        (guint)((FRAMING_MIN_INTERVAL_US - (now - svc->framing_published_mono)) / 1000) + 1,
        framing_deferred, svc);
  }
  /* The camera's own property changes with its state, not only once a second. */
  if ((what & BOOTH_CHANGE_CAMERA) && replace_if_changed(&svc->published_camera, camera_value(svc)))
    names[n++] = "Camera";
  names[n] = NULL;
  properties_changed(svc, (char **)names);
}

void
booth_service_on_changed(BoothChange what, gpointer data)
{
  publish(data, what);
}

/* Counters move with every frame: they are published at most once a second. */
static gboolean
stats_tick(gpointer data)
{
  BoothService *svc = data;
  const char *names[3];
  int n = 0;
  if (replace_if_changed(&svc->published_stats, stats_value(svc, FALSE)))
    names[n++] = "Stats";
  if (replace_if_changed(&svc->published_camera, camera_value(svc)))
    names[n++] = "Camera";
  names[n] = NULL;
  properties_changed(svc, (char **)names);
  return G_SOURCE_CONTINUE;
}

void
booth_service_properties_init(BoothService *svc)
{
  svc->published_state = BOOTH_STATE_IDLE;
  svc->stats_timer = g_timeout_add_seconds(1, stats_tick, svc);
}

void
booth_service_properties_clear(BoothService *svc)
{
  g_clear_handle_id(&svc->stats_timer, g_source_remove);
  g_clear_handle_id(&svc->framing_timer, g_source_remove);
  g_clear_handle_id(&svc->hints_timer, g_source_remove);
  g_clear_pointer(&svc->published_session, g_variant_unref);
  g_clear_pointer(&svc->published_framing, g_variant_unref);
  g_clear_pointer(&svc->published_camera, g_variant_unref);
  g_clear_pointer(&svc->published_stats, g_variant_unref);
}

/* ---- signals ---- */

static void
emit(BoothService *svc, sd_bus_message *m, const char *signal, int r)
{
  if (r >= 0)
    r = sd_bus_send(svc->bus, m, NULL);
  if (r < 0)
    booth_warn("bus", "cannot emit %s: %s", signal, strerror(-r));
}

static int
append_code(sd_bus_message *m, const char *key, GBytes *code)
{
  gsize n;
  const void *p = g_bytes_get_data(code, &n);
  int r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append_basic(m, 's', key);
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'v', "ay");
  if (r >= 0)
    r = sd_bus_message_append_array(m, 'y', p, n);
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  return r < 0 ? r : sd_bus_message_close_container(m);
}

void
booth_service_on_code_scanned(const BoothCodeEvent *ev, gpointer data)
{
  BoothService *svc = data;
  sd_bus_message *m = NULL;
  /* The payload string is the code itself when it is text; binary codes travel in code_bytes. */
  g_autofree char *text = booth_code_is_text(ev->code) ? g_strndup(g_bytes_get_data(ev->code, NULL),
                                                                   g_bytes_get_size(ev->code))
                                                       : g_strdup("");
  int r =
      sd_bus_message_new_signal(svc->bus, &m, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "CodeScanned");
  if (r >= 0)
    r = sd_bus_message_append(m, "s", text);
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0)
    r = append_code(m, "code_bytes", ev->code);
  if (r >= 0)
    r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}", "x", "i", ev->x, "y", "i", ev->y, "width",
                              "i", ev->width, "height", "i", ev->height, "in_session", "b",
                              ev->in_session);
  if (r >= 0 && ev->started_session)
    r = sd_bus_message_append(m, "{sv}", "session_id", "s", ev->started_session);
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  emit(svc, m, "CodeScanned", r);
  sd_bus_message_unref(m);
}

/* FramingHints on a change of hints, at most every FRAMING_MIN_INTERVAL_US: a student
 * wavering at a threshold must not flood the bus; the latest hints always go out. */
static void emit_hints(BoothService *svc);

static gboolean
hints_deferred(gpointer data)
{
  BoothService *svc = data;
  svc->hints_timer = 0;
  emit_hints(svc);
  return G_SOURCE_REMOVE;
}

static void
emit_hints(BoothService *svc)
{
  if (!svc->hints_changed)
    return;
  gint64 now = g_get_monotonic_time();
  gint64 wait = FRAMING_MIN_INTERVAL_US - (now - svc->hints_emitted_mono);
  if (wait > 0) {
    if (!svc->hints_timer)
      svc->hints_timer = g_timeout_add((guint)(wait / 1000) + 1, hints_deferred, svc);
    return;
  }
  svc->hints_changed = FALSE;
  svc->hints_emitted_mono = now;
  sd_bus_message *m = NULL;
  int r =
      sd_bus_message_new_signal(svc->bus, &m, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "FramingHints");
  if (r >= 0)
    r = sd_bus_message_append_strv(m, (char **)booth_get_hints(svc->booth));
  if (r >= 0)
    r = sd_bus_message_append(m, "d", booth_get_score(svc->booth));
  emit(svc, m, "FramingHints", r);
  sd_bus_message_unref(m);
  publish(svc, 0);
}

void
booth_service_on_hints_changed(gpointer data)
{
  BoothService *svc = data;
  svc->hints_changed = TRUE;
  emit_hints(svc);
}

/* ---- records ---- */

static int
append_file(sd_bus_message *m, const BoothRecordFile *f)
{
  return sd_bus_message_append(m, "a{sv}", 7, "profile", "s", f->profile, "path", "s", f->path,
                               "sha256", "s", f->sha256 ? f->sha256 : "", "bytes", "x", f->bytes,
                               "width", "i", f->width, "height", "i", f->height, "quality", "i",
                               f->quality);
}

/* A record as the a{sv} of Commit, ListRecords and Committed. */
static int
append_record(sd_bus_message *m, const BoothRecord *rec)
{
  int r = sd_bus_message_open_container(m, 'a', "{sv}");
  if (r >= 0)
    r = sd_bus_message_append(m, "{sv}{sv}", "session_id", "s", rec->session_id, "status", "s",
                              rec->status);
  if (r >= 0 && rec->code && booth_code_is_text(rec->code)) {
    g_autofree char *t = g_strndup(g_bytes_get_data(rec->code, NULL), g_bytes_get_size(rec->code));
    r = sd_bus_message_append(m, "{sv}", "code", "s", t);
  }
  if (r >= 0 && rec->code)
    r = append_code(m, "code_bytes", rec->code);
  if (r >= 0)
    r = sd_bus_message_append(m, "{sv}{sv}{sv}{sv}{sv}", "operator", "s",
                              rec->operator_name ? rec->operator_name : "", "profile", "s",
                              rec->profile ? rec->profile : "", "started_at", "x", rec->started_at,
                              "ended_at", "x", rec->ended_at, "attempts", "u", rec->attempts);
  if (r >= 0 && rec->code_at > 0)
    r = sd_bus_message_append(m, "{sv}", "code_at", "x", rec->code_at);
  if (r >= 0)
    r = sd_bus_message_append(m, "{sv}", "exported", "s", rec->exported ? rec->exported : "");
  g_auto(GStrv) ov =
      rec->overrides && *rec->overrides ? g_strsplit(rec->overrides, ",", -1) : g_new0(char *, 1);
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append_basic(m, 's', "overrides");
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'v', "as");
  if (r >= 0)
    r = sd_bus_message_append_strv(m, ov);
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_message_close_container(m);
  if (r >= 0)
    r = sd_bus_message_append(m, "{sv}{sv}", "note", "s", rec->note ? rec->note : "", "checks", "s",
                              rec->checks_json ? rec->checks_json : "");
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'e', "sv");
  if (r >= 0)
    r = sd_bus_message_append_basic(m, 's', "files");
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'v', "aa{sv}");
  if (r >= 0)
    r = sd_bus_message_open_container(m, 'a', "a{sv}");
  for (guint i = 0; r >= 0 && rec->files && i < rec->files->len; i++)
    r = append_file(m, g_ptr_array_index(rec->files, i));
  for (int k = 0; k < 3 && r >= 0; k++)
    r = sd_bus_message_close_container(m);
  return r < 0 ? r : sd_bus_message_close_container(m);
}

static void
reply_built(sd_bus_message *call, sd_bus_message *reply, int r)
{
  if (r >= 0)
    r = sd_bus_send(NULL, reply, NULL);
  if (r < 0) {
    g_autoptr(GError) error =
        g_error_new(BOOTH_ERROR, BOOTH_ERROR_FAILED,
                    "boothd could not send its answer (%s); see its log", strerror(-r));
    booth_warn("bus", "cannot send the reply to %s from %s: %s", sd_bus_message_get_member(call),
               sd_bus_message_get_sender(call), strerror(-r));
    booth_bus_reply_error(call, error);
  }
}

void
booth_service_reply_record(sd_bus_message *call, const BoothRecord *record)
{
  sd_bus_message *reply = NULL;
  int r = sd_bus_message_new_method_return(call, &reply);
  if (r >= 0)
    r = append_record(reply, record);
  reply_built(call, reply, r);
  sd_bus_message_unref(reply);
}

void
booth_service_reply_records(sd_bus_message *call, GPtrArray *records)
{
  sd_bus_message *reply = NULL;
  int r = sd_bus_message_new_method_return(call, &reply);
  if (r >= 0)
    r = sd_bus_message_open_container(reply, 'a', "a{sv}");
  for (guint i = 0; r >= 0 && i < records->len; i++)
    r = append_record(reply, g_ptr_array_index(records, i));
  if (r >= 0)
    r = sd_bus_message_close_container(reply);
  reply_built(call, reply, r);
  sd_bus_message_unref(reply);
}

void
booth_service_on_committed(const BoothRecord *record, gpointer data)
{
  BoothService *svc = data;
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_signal(svc->bus, &m, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "Committed");
  if (r >= 0)
    r = sd_bus_message_append_basic(m, 's', record->session_id);
  if (r >= 0)
    r = append_record(m, record);
  emit(svc, m, "Committed", r);
  sd_bus_message_unref(m);
}
