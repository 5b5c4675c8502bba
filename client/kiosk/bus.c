/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The kiosk's side of the bus: one connection (reconnected if it closes), a watch on
 * org.boothd.Booth1 so the kiosk follows the daemon going and coming back, the properties
 * read whole when it appears and kept up to date from PropertiesChanged, the signals, and
 * the calls. Every call is asked of the name's current owner: an answer from a daemon that
 * has since restarted is not mixed with the new one's state. */
#include "kiosk.h"

#include "booth-names.h"

#include <gio/gunixfdlist.h>
#include <gio/gunixinputstream.h>
#include <glib/gi18n.h>

/* Capture takes a burst and encodes every profile; Commit fsyncs: seconds on a slow PC. */
#define SLOW_CALL_TIMEOUT_MS (120 * 1000)
#define RECONNECT_S 2
#define PREVIEW_RETRY_S 2
#define RECOGNISED_US (2 * G_USEC_PER_SEC)
#define DONE_US (5 * G_USEC_PER_SEC)

static void connect_bus(BoothKiosk *k);
static void open_preview(BoothKiosk *k);

const char *
kiosk_lookup_string(GVariant *dict, const char *key)
{
  const char *value = NULL;

  if (dict == NULL || !g_variant_lookup(dict, key, "&s", &value))
    return NULL;
  return value;
}

gboolean
kiosk_lookup_bool(GVariant *dict, const char *key)
{
  gboolean value = FALSE;

  if (dict != NULL)
    g_variant_lookup(dict, key, "b", &value);
  return value;
}

static gboolean
error_is(const GError *error, const char *dbus_name)
{
  g_autofree char *name = g_dbus_error_get_remote_error(error);
  return name != NULL && g_str_equal(name, dbus_name);
}

static char *
error_message(const GError *error)
{
  g_autoptr(GError) copy = g_error_copy(error);
  g_dbus_error_strip_remote_error(copy);
  return g_steal_pointer(&copy->message);
}

/* ---- the candidate: its report and its photo ---- */

/* The photo on screen belongs to one attempt; a photo still on its way when the attempt
 * changes is dropped by its serial. */
static void
forget_photo(BoothKiosk *k)
{
  g_clear_object(&k->candidate);
  k->candidate_missing = FALSE;
  k->candidate_pending = FALSE;
  k->candidate_serial++;
}

static void
forget_candidate(BoothKiosk *k)
{
  g_clear_pointer(&k->report, g_variant_unref);
  g_clear_pointer(&k->call_problem, g_free);
  forget_photo(k);
}

gboolean
kiosk_report_is_current(BoothKiosk *k)
{
  guint32 attempt;

  if (k->report == NULL || k->session_id == NULL)
    return FALSE;
  /* A report names its session and attempt (the Capture reply does); what it names must
   * be what is on screen. */
  const char *session_id = kiosk_lookup_string(k->report, "session_id");
  if (session_id != NULL && !g_str_equal(session_id, k->session_id))
    return FALSE;
  return !g_variant_lookup(k->report, "attempt", "u", &attempt) || attempt == k->attempts;
}

typedef struct {
  BoothKiosk *kiosk;
  guint serial;
} CandidateRead;

static void
on_candidate_read(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree CandidateRead *read = user_data;
  BoothKiosk *k = read->kiosk;
  g_autoptr(GError) error = NULL;
  g_autoptr(GOutputStream) out = G_OUTPUT_STREAM(source);

  if (g_output_stream_splice_finish(out, result, &error) < 0) {
    if (read->serial == k->candidate_serial) {
      g_warning("cannot read the candidate photo: %s", error->message);
      k->candidate_missing = TRUE;
      kiosk_update(k);
    }
    return;
  }
  if (read->serial != k->candidate_serial)
    return;
  g_autoptr(GBytes) bytes = g_memory_output_stream_steal_as_bytes(G_MEMORY_OUTPUT_STREAM(out));
  k->candidate = gdk_texture_new_from_bytes(bytes, &error);
  if (k->candidate == NULL) {
    g_warning("the candidate photo does not decode: %s", error->message);
    k->candidate_missing = TRUE;
  }
  kiosk_update(k);
}

static void
on_open_candidate(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree CandidateRead *read = user_data;
  BoothKiosk *k = read->kiosk;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_finish(
      G_DBUS_CONNECTION(source), &fds, result, &error);

  if (read->serial != k->candidate_serial)
    return;
  k->candidate_pending = FALSE;
  gint32 handle = -1;
  int fd = -1;
  if (reply != NULL) {
    g_variant_get(reply, "(h)", &handle);
    fd = fds != NULL ? g_unix_fd_list_get(fds, handle, &error) : -1;
  }
  if (fd < 0) {
    /* A daemon without OpenCandidate (older than the interface the kiosk knows) or one
     * that refused: the review goes on with a placeholder where the photo would be. */
    if (error != NULL && !error_is(error, "org.freedesktop.DBus.Error.UnknownMethod"))
      g_warning("OpenCandidate: %s", error->message);
    k->candidate_missing = TRUE;
    kiosk_update(k);
    return;
  }
  g_autoptr(GInputStream) in = g_unix_input_stream_new(fd, TRUE);
  GOutputStream *out = g_memory_output_stream_new_resizable();
  g_output_stream_splice_async(
      out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
      G_PRIORITY_DEFAULT, k->cancellable, on_candidate_read, g_steal_pointer(&read));
}

static void
maybe_open_candidate(BoothKiosk *k)
{
  if (k->owner == NULL || g_strcmp0(k->state, "reviewing") != 0 ||
      !kiosk_lookup_bool(k->session, "has_candidate") || k->candidate != NULL ||
      k->candidate_missing || k->candidate_pending)
    return;
  /* The main profile's photo: the one the report puts first. */
  const char *profile = kiosk_lookup_string(k->session, "profile");
  if (profile == NULL)
    return;
  k->candidate_pending = TRUE;
  CandidateRead *read = g_new0(CandidateRead, 1);
  read->kiosk = k;
  read->serial = ++k->candidate_serial;
  g_dbus_connection_call_with_unix_fd_list(k->bus, k->owner, BOOTH_OBJECT_PATH, BOOTH_INTERFACE,
                                           "OpenCandidate", g_variant_new("(s)", profile),
                                           G_VARIANT_TYPE("(h)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                                           10000, NULL, k->cancellable, on_open_candidate, read);
}

/* ---- properties ---- */

static void
set_hints(BoothKiosk *k, GVariant *hints, double score)
{
  g_strfreev(k->hints);
  k->hints = g_variant_dup_strv(hints, NULL);
  k->score = score;
}

static void
set_session(BoothKiosk *k, GVariant *session)
{
  const char *id = kiosk_lookup_string(session, "id");
  guint32 attempts = 0;
  gboolean has_candidate = kiosk_lookup_bool(session, "has_candidate");

  g_variant_lookup(session, "attempts", "u", &attempts);
  if (id != NULL && g_strcmp0(id, k->session_id) != 0) {
    /* A new student: nothing of the last one's candidate stays on screen. The old id is
     * kept past the session's end, since Committed may come after Session emptied. */
    forget_candidate(k);
    g_free(k->session_id);
    k->session_id = g_strdup(id);
    k->attempts = attempts;
  } else if (id != NULL && attempts != k->attempts) {
    forget_photo(k);
    g_clear_pointer(&k->call_problem, g_free);
    k->attempts = attempts;
  } else if (id != NULL && !has_candidate && k->candidate != NULL) {
    /* Retaken. The report stays until it is outdated: our own Capture's reply may come
     * before the property that announces its attempt. */
    forget_photo(k);
  }

  g_clear_pointer(&k->session, g_variant_unref);
  k->session = g_variant_ref(session);
}

static void
set_property(BoothKiosk *k, const char *name, GVariant *value)
{
  if (g_str_equal(name, "State") && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
    const char *state = g_variant_get_string(value, NULL);
    if (g_strcmp0(state, k->state) != 0) {
      /* A storage error belongs to the step that failed; the next step clears it. */
      g_clear_pointer(&k->storage_problem, g_free);
      g_free(k->state);
      k->state = g_strdup(state);
    }
  } else if (g_str_equal(name, "Session") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT)) {
    set_session(k, value);
  } else if (g_str_equal(name, "Framing") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT)) {
    g_autoptr(GVariant) hints = g_variant_lookup_value(value, "hints", G_VARIANT_TYPE_STRING_ARRAY);
    double score = 0;
    g_variant_lookup(value, "score", "d", &score);
    if (hints != NULL)
      set_hints(k, hints, score);
    g_clear_pointer(&k->framing, g_variant_unref);
    k->framing = g_variant_ref(value);
  } else if (g_str_equal(name, "Camera") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT)) {
    g_clear_pointer(&k->camera, g_variant_unref);
    k->camera = g_variant_ref(value);
  } else if (g_str_equal(name, "Stats") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT)) {
    guint64 storage_errors = 0;
    g_variant_lookup(value, "storage_errors", "t", &storage_errors);
    /* Only a rise is news: the count since start-up is history. */
    if (k->storage_errors != G_MAXUINT64 && storage_errors > k->storage_errors) {
      g_free(k->storage_problem);
      k->storage_problem = g_strdup(_("The booth could not store the photo (storage error)"));
    }
    k->storage_errors = storage_errors;
  }
}

static void
set_properties(BoothKiosk *k, GVariant *properties)
{
  GVariantIter iter;
  const char *name;
  GVariant *value;

  g_variant_iter_init(&iter, properties);
  while (g_variant_iter_next(&iter, "{&sv}", &name, &value)) {
    set_property(k, name, value);
    g_variant_unref(value);
  }
  maybe_open_candidate(k);
  kiosk_update(k);
}

static void
forget_daemon(BoothKiosk *k)
{
  g_clear_pointer(&k->owner, g_free);
  g_clear_pointer(&k->state, g_free);
  g_clear_pointer(&k->session, g_variant_unref);
  g_clear_pointer(&k->framing, g_variant_unref);
  g_clear_pointer(&k->camera, g_variant_unref);
  g_clear_pointer(&k->hints, g_strfreev);
  g_clear_pointer(&k->storage_problem, g_free);
  k->storage_errors = G_MAXUINT64;
  g_clear_pointer(&k->preview, kiosk_preview_reader_free);
  g_clear_handle_id(&k->preview_retry_id, g_source_remove);
  k->preview_unsupported = FALSE;
  k->capturing = k->committing = FALSE;
  forget_candidate(k);
  kiosk_show_no_preview(k);
}

static void
on_get_all(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      g_warning("cannot read boothd's properties: %s", error->message);
    return;
  }
  g_autoptr(GVariant) properties = g_variant_get_child_value(reply, 0);
  set_properties(user_data, properties);
}

static void
fetch_properties(BoothKiosk *k)
{
  g_dbus_connection_call(k->bus, k->owner, BOOTH_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                         "GetAll", g_variant_new("(s)", BOOTH_INTERFACE), G_VARIANT_TYPE("(a{sv})"),
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, k->cancellable, on_get_all, k);
}

static void
on_properties_changed(GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface_name, const char *signal_name, GVariant *parameters,
                      gpointer user_data)
{
  BoothKiosk *k = user_data;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;

  (void)connection;
  (void)path;
  (void)interface_name;
  (void)signal_name;
  if (k->owner == NULL || g_strcmp0(sender, k->owner) != 0 ||
      !g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
    return;
  g_variant_get(parameters, "(s@a{sv}^a&s)", NULL, &changed, &invalidated);
  set_properties(k, changed);
  /* A property announced without its value: read them all again rather than go stale. */
  if (invalidated[0] != NULL)
    fetch_properties(k);
}

/* ---- signals ---- */

static gboolean
on_tick(gpointer user_data)
{
  BoothKiosk *k = user_data;

  k->tick_id = 0;
  kiosk_update(k);
  return G_SOURCE_REMOVE;
}

/* kiosk_update again when a timed moment ends. */
static void
update_at(BoothKiosk *k, gint64 until)
{
  gint64 ms = (until - g_get_monotonic_time()) / 1000 + 1;
  g_clear_handle_id(&k->tick_id, g_source_remove);
  k->tick_id = g_timeout_add(MAX(ms, 1), on_tick, k);
}

static void
on_booth_signal(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface_name, const char *signal_name, GVariant *parameters,
                gpointer user_data)
{
  BoothKiosk *k = user_data;

  (void)connection;
  (void)path;
  (void)interface_name;
  if (k->owner == NULL || g_strcmp0(sender, k->owner) != 0)
    return;
  /* Signatures are checked before use: a signal off the contract is ignored. */
  if (g_str_equal(signal_name, "CodeScanned") &&
      g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv})"))) {
    g_autoptr(GVariant) info = g_variant_get_child_value(parameters, 1);
    gboolean in_session = kiosk_lookup_bool(info, "in_session");
    /* The code itself identifies the student: it is never shown, only that it was read.
     * A code shown during someone else's session is not theirs to see recognised. */
    if (kiosk_lookup_string(info, "session_id") != NULL || !in_session) {
      k->recognised_until = g_get_monotonic_time() + RECOGNISED_US;
      update_at(k, k->recognised_until);
    }
  } else if (g_str_equal(signal_name, "FramingHints") &&
             g_variant_is_of_type(parameters, G_VARIANT_TYPE("(asd)"))) {
    g_autoptr(GVariant) hints = g_variant_get_child_value(parameters, 0);
    double score;
    g_variant_get_child(parameters, 1, "d", &score);
    set_hints(k, hints, score);
  } else if (g_str_equal(signal_name, "Committed") &&
             g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv})"))) {
    const char *session_id;
    g_variant_get_child(parameters, 0, "&s", &session_id);
    if (g_strcmp0(session_id, k->session_id) == 0) {
      k->done_until = g_get_monotonic_time() + DONE_US;
      k->recognised_until = 0;
      update_at(k, k->done_until);
    }
  } else {
    return;
  }
  kiosk_update(k);
}

/* ---- preview ---- */

static gboolean
on_preview_retry(gpointer user_data)
{
  BoothKiosk *k = user_data;

  k->preview_retry_id = 0;
  open_preview(k);
  return G_SOURCE_REMOVE;
}

static void
retry_preview(BoothKiosk *k)
{
  if (k->owner != NULL && k->preview_retry_id == 0 && !k->preview_unsupported)
    k->preview_retry_id = g_timeout_add_seconds(PREVIEW_RETRY_S, on_preview_retry, k);
}

static void
on_preview_frame(GdkTexture *texture, const KioskPreviewFrame *frame, gpointer user_data)
{
  kiosk_show_frame(user_data, texture, frame);
}

static void
on_preview_end(const GError *error, gpointer user_data)
{
  BoothKiosk *k = user_data;

  if (error != NULL)
    g_warning("preview stream: %s", error->message);
  g_clear_pointer(&k->preview, kiosk_preview_reader_free);
  kiosk_show_no_preview(k);
  retry_preview(k);
}

static void
on_open_preview(GObject *source, GAsyncResult *result, gpointer user_data)
{
  BoothKiosk *k = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GUnixFDList) fds = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_finish(
      G_DBUS_CONNECTION(source), &fds, result, &error);
  gint32 handle = -1;
  int fd = -1;

  if (reply == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  if (reply != NULL) {
    g_variant_get(reply, "(h)", &handle);
    fd = fds != NULL ? g_unix_fd_list_get(fds, handle, &error) : -1;
  }
  if (fd < 0) {
    /* A boothd older than OpenPreview: the screens go on without a picture, and
     * the kiosk asks again when a daemon (perhaps a newer one) next appears. */
    if (error != NULL && error_is(error, "org.freedesktop.DBus.Error.UnknownMethod")) {
      g_message("boothd has no preview stream: showing the screens without a picture");
      k->preview_unsupported = TRUE;
    } else {
      g_warning("OpenPreview: %s", error != NULL ? error->message : "no file descriptor");
      retry_preview(k);
    }
    kiosk_show_no_preview(k);
    return;
  }
  g_clear_pointer(&k->preview, kiosk_preview_reader_free);
  k->preview = kiosk_preview_reader_new(fd, on_preview_frame, on_preview_end, k);
}

static void
open_preview(BoothKiosk *k)
{
  GVariantDict options;

  if (k->owner == NULL || k->preview != NULL || k->preview_unsupported)
    return;
  g_variant_dict_init(&options, NULL);
  /* Mirrored, as people expect to see themselves; about a 1080p screen's worth. */
  g_variant_dict_insert(&options, "max_side", "u", 960);
  g_variant_dict_insert(&options, "fps", "d", 15.0);
  g_variant_dict_insert(&options, "quality", "u", 80);
  g_variant_dict_insert(&options, "mirror", "b", TRUE);
  g_dbus_connection_call_with_unix_fd_list(
      k->bus, k->owner, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "OpenPreview",
      g_variant_new("(@a{sv})", g_variant_dict_end(&options)), G_VARIANT_TYPE("(h)"),
      G_DBUS_CALL_FLAGS_NO_AUTO_START, 10000, NULL, k->cancellable, on_open_preview, k);
}

/* ---- the daemon on the bus ---- */

static void
on_name_appeared(GDBusConnection *connection, const char *name, const char *owner,
                 gpointer user_data)
{
  BoothKiosk *k = user_data;

  (void)connection;
  (void)name;
  g_message("boothd is on the bus (%s)", owner);
  forget_daemon(k);
  k->owner = g_strdup(owner);
  fetch_properties(k);
  open_preview(k);
  kiosk_update(k);
}

static void
on_name_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  BoothKiosk *k = user_data;

  (void)connection;
  (void)name;
  if (k->owner != NULL)
    g_message("boothd left the bus");
  forget_daemon(k);
  kiosk_update(k);
}

static gboolean
on_reconnect(gpointer user_data)
{
  BoothKiosk *k = user_data;

  k->reconnect_id = 0;
  connect_bus(k);
  return G_SOURCE_REMOVE;
}

static void
drop_bus(BoothKiosk *k)
{
  if (k->bus == NULL)
    return;
  g_clear_handle_id(&k->watch_id, g_bus_unwatch_name);
  if (k->props_sub != 0)
    g_dbus_connection_signal_unsubscribe(k->bus, k->props_sub);
  if (k->signals_sub != 0)
    g_dbus_connection_signal_unsubscribe(k->bus, k->signals_sub);
  k->props_sub = k->signals_sub = 0;
  g_signal_handlers_disconnect_by_data(k->bus, k);
  g_clear_object(&k->bus);
}

static void
on_closed(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
          gpointer user_data)
{
  BoothKiosk *k = user_data;

  (void)connection;
  (void)remote_peer_vanished;
  g_free(k->bus_problem);
  k->bus_problem = g_strdup_printf(_("Lost the bus: %s"), error != NULL ? error->message : "");
  forget_daemon(k);
  drop_bus(k);
  kiosk_update(k);
  k->reconnect_id = g_timeout_add_seconds(RECONNECT_S, on_reconnect, k);
}

static void
on_bus(GObject *source, GAsyncResult *result, gpointer user_data)
{
  BoothKiosk *k = user_data;
  g_autoptr(GError) error = NULL;
  GDBusConnection *bus = g_str_equal(k->bus_spec, "system") || g_str_equal(k->bus_spec, "session")
                             ? g_bus_get_finish(result, &error)
                             : g_dbus_connection_new_for_address_finish(result, &error);

  (void)source;
  if (bus == NULL) {
    if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      return;
    g_free(k->bus_problem);
    k->bus_problem = g_strdup_printf(_("Cannot reach the bus %s: %s"), k->bus_spec, error->message);
    kiosk_update(k);
    k->reconnect_id = g_timeout_add_seconds(RECONNECT_S, on_reconnect, k);
    return;
  }
  g_clear_pointer(&k->bus_problem, g_free);
  k->bus = bus;
  /* The kiosk outlives its bus: a closed connection is reconnected, not the end. */
  g_dbus_connection_set_exit_on_close(bus, FALSE);
  g_signal_connect(bus, "closed", G_CALLBACK(on_closed), k);
  /* Subscriptions before the watch, so nothing falls between the first read and the
   * first signal. */
  k->props_sub = g_dbus_connection_signal_subscribe(
      bus, BOOTH_BUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged",
      BOOTH_OBJECT_PATH, BOOTH_INTERFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, k, NULL);
  k->signals_sub = g_dbus_connection_signal_subscribe(
      bus, BOOTH_BUS_NAME, BOOTH_INTERFACE, NULL, BOOTH_OBJECT_PATH, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
      on_booth_signal, k, NULL);
  k->watch_id = g_bus_watch_name_on_connection(bus, BOOTH_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                               on_name_appeared, on_name_vanished, k, NULL);
  kiosk_update(k);
}

static void
connect_bus(BoothKiosk *k)
{
  if (g_str_equal(k->bus_spec, "system"))
    g_bus_get(G_BUS_TYPE_SYSTEM, k->cancellable, on_bus, k);
  else if (g_str_equal(k->bus_spec, "session"))
    g_bus_get(G_BUS_TYPE_SESSION, k->cancellable, on_bus, k);
  else
    g_dbus_connection_new_for_address(k->bus_spec,
                                      G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                          G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                      NULL, k->cancellable, on_bus, k);
}

void
kiosk_bus_start(BoothKiosk *k)
{
  g_return_if_fail(k != NULL && k->bus_spec != NULL);

  k->cancellable = g_cancellable_new();
  k->storage_errors = G_MAXUINT64;
  connect_bus(k);
}

void
kiosk_bus_stop(BoothKiosk *k)
{
  g_cancellable_cancel(k->cancellable);
  g_clear_handle_id(&k->reconnect_id, g_source_remove);
  g_clear_handle_id(&k->tick_id, g_source_remove);
  forget_daemon(k);
  drop_bus(k);
  g_clear_object(&k->cancellable);
}

/* ---- the calls of self-service mode ---- */

/* The student's words for a refusal; the daemon's message goes to the log for the staff. */
static void
call_failed(BoothKiosk *k, const char *method, const GError *error)
{
  g_autofree char *message = error_message(error);

  g_warning("%s: %s", method, message);
  g_free(k->call_problem);
  if (error_is(error, BOOTH_ERROR_PREFIX "NoFace"))
    k->call_problem = g_strdup(_("No face was found: please sit in front of the camera"));
  else if (error_is(error, BOOTH_ERROR_PREFIX "ChecksFailed"))
    k->call_problem =
        g_strdup(_("This photo does not meet the standard: take it again, or ask the staff"));
  else if (error_is(error, BOOTH_ERROR_PREFIX "Storage")) {
    k->call_problem = NULL;
    g_free(k->storage_problem);
    k->storage_problem = g_strdup_printf(_("Storage error: %s"), message);
  } else
    k->call_problem = g_strdup(_("That did not work: please try again or ask the staff"));
}

static void
on_capture(GObject *source, GAsyncResult *result, gpointer user_data)
{
  BoothKiosk *k = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  k->capturing = FALSE;
  if (reply == NULL) {
    call_failed(k, "Capture", error);
  } else {
    g_clear_pointer(&k->report, g_variant_unref);
    k->report = g_variant_get_child_value(reply, 0);
    maybe_open_candidate(k);
  }
  kiosk_update(k);
}

void
kiosk_bus_capture(BoothKiosk *k)
{
  if (k->owner == NULL || k->capturing)
    return;
  k->capturing = TRUE;
  g_clear_pointer(&k->call_problem, g_free);
  g_dbus_connection_call(k->bus, k->owner, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "Capture",
                         g_variant_new_parsed("(@a{sv} {},)"), G_VARIANT_TYPE("(a{sv})"),
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, SLOW_CALL_TIMEOUT_MS, k->cancellable,
                         on_capture, k);
  kiosk_update(k);
}

static void
on_retake_or_commit(GObject *source, GAsyncResult *result, gpointer user_data)
{
  BoothKiosk *k = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL && g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  const char *method = k->committing ? "Commit" : "Retake";
  k->committing = FALSE;
  if (reply == NULL)
    call_failed(k, method, error);
  kiosk_update(k);
}

void
kiosk_bus_retake(BoothKiosk *k)
{
  if (k->owner == NULL || k->committing)
    return;
  g_clear_pointer(&k->call_problem, g_free);
  g_dbus_connection_call(k->bus, k->owner, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "Retake", NULL,
                         G_VARIANT_TYPE_UNIT, G_DBUS_CALL_FLAGS_NO_AUTO_START, SLOW_CALL_TIMEOUT_MS,
                         k->cancellable, on_retake_or_commit, k);
}

void
kiosk_bus_commit(BoothKiosk *k)
{
  if (k->owner == NULL || k->committing)
    return;
  k->committing = TRUE;
  g_clear_pointer(&k->call_problem, g_free);
  g_dbus_connection_call(k->bus, k->owner, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "Commit",
                         g_variant_new_parsed("(@a{sv} {},)"), G_VARIANT_TYPE("(a{sv})"),
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, SLOW_CALL_TIMEOUT_MS, k->cancellable,
                         on_retake_or_commit, k);
  kiosk_update(k);
}
