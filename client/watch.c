/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothctl watch: one line per event, flushed, until SIGINT or SIGTERM. Signals are
 * subscribed before the first property read, so the first state line also tells a script
 * that nothing after it can be missed. */
#include "boothctl.h"

#include "print.h"

#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  Boothctl *ctl;
  GMainLoop *loop;
  GCancellable *cancellable;
  int exit_code;
  /* Last values printed: PropertiesChanged may repeat a value (after GetAll, or when a
   * sibling key changed), and a repeat is not an event. */
  char *state;
  GVariant *session;
  char *framing_hints;
} BoothctlWatch;

static void
watch_forget(BoothctlWatch *w)
{
  g_clear_pointer(&w->state, g_free);
  g_clear_pointer(&w->session, g_variant_unref);
  g_clear_pointer(&w->framing_hints, g_free);
}

static void
watch_print_line(const char *text)
{
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *stamp = g_date_time_format(now, "%H:%M:%S");

  printf("%s.%03d %s\n", stamp, g_date_time_get_microsecond(now) / 1000, text);
  fflush(stdout);
}

static void G_GNUC_PRINTF(2, 3) watch_printf(BoothctlWatch *w, const char *format, ...)
{
  va_list args;

  (void)w;
  va_start(args, format);
  g_autofree char *text = g_strdup_vprintf(format, args);
  va_end(args);
  watch_print_line(text);
}

static void
watch_json_begin(GVariantBuilder *b, const char *event)
{
  g_variant_builder_init(b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(b, "{sv}", "time", g_variant_new_int64(g_get_real_time()));
  g_variant_builder_add(b, "{sv}", "event", g_variant_new_string(event));
}

static void
watch_json_end(BoothctlWatch *w, GVariantBuilder *b)
{
  g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_builder_end(b));
  boothctl_print_json(w->ctl, value);
}

static void
watch_state(BoothctlWatch *w, GVariant *value)
{
  const char *state = g_variant_get_string(value, NULL);

  if (g_strcmp0(state, w->state) == 0)
    return;
  g_free(w->state);
  w->state = g_strdup(state);

  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "State");
    g_variant_builder_add(&b, "{sv}", "state", value);
    watch_json_end(w, &b);
  } else {
    watch_printf(w, "state %s", state);
  }
}

static void
watch_session(BoothctlWatch *w, GVariant *session)
{
  if (w->session != NULL && g_variant_equal(w->session, session))
    return;
  g_clear_pointer(&w->session, g_variant_unref);
  w->session = g_variant_ref(session);

  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "Session");
    g_variant_builder_add(&b, "{sv}", "session", session);
    watch_json_end(w, &b);
    return;
  }

  const char *id = boothctl_lookup_string(session, "id");
  if (g_variant_n_children(session) == 0 || id == NULL) {
    watch_printf(w, "session none");
    return;
  }

  g_autoptr(GString) line = g_string_new("session ");
  g_autofree char *code = boothctl_lookup_code(session, TRUE);
  const char *s;
  gint64 n;
  gboolean b;

  g_string_append(line, id);
  if (code != NULL)
    g_string_append_printf(line, " code=%s", *code != '\0' ? code : "-");
  if ((s = boothctl_lookup_string(session, "profile")) != NULL)
    g_string_append_printf(line, " profile=%s", s);
  if ((s = boothctl_lookup_string(session, "owner")) != NULL)
    g_string_append_printf(line, " owner=%s", s);
  if (boothctl_lookup_bool(session, "owner_present", &b) && !b) {
    gint64 abandon_at = 0;
    boothctl_lookup_int(session, "abandon_at", &abandon_at);
    g_autofree char *when = boothctl_format_time(abandon_at);
    g_string_append_printf(line, " owner-gone abandon-at=\"%s\"", when);
  }
  if (boothctl_lookup_int(session, "attempts", &n))
    g_string_append_printf(line, " attempts=%" G_GINT64_FORMAT, n);
  if (boothctl_lookup_bool(session, "has_candidate", &b))
    g_string_append_printf(line, " candidate=%s", b ? "yes" : "no");
  watch_print_line(line->str);
}

static void
watch_print_hints(BoothctlWatch *w, const char *what, GVariant *hints, double score)
{
  g_autofree char *joined = boothctl_join_strv(hints, ", ");

  watch_printf(w, "%s %s (score %.2f)", what, *joined != '\0' ? joined : "none", score);
}

/* The Framing property changes with every analysed frame (score, face box); only a
 * change of its hints is worth a line. */
static void
watch_framing(BoothctlWatch *w, GVariant *framing)
{
  g_autoptr(GVariant) hints = g_variant_lookup_value(framing, "hints", G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree char *joined = boothctl_join_strv(hints, "\n");
  double score = 0;

  if (w->framing_hints != NULL && g_str_equal(joined, w->framing_hints))
    return;
  g_free(w->framing_hints);
  w->framing_hints = g_steal_pointer(&joined);

  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "Framing");
    g_variant_builder_add(&b, "{sv}", "framing", framing);
    watch_json_end(w, &b);
    return;
  }
  boothctl_lookup_double(framing, "score", &score);
  watch_print_hints(w, "framing", hints, score);
}

static void
watch_property(BoothctlWatch *w, const char *name, GVariant *value)
{
  if (g_str_equal(name, "State") && g_variant_is_of_type(value, G_VARIANT_TYPE_STRING))
    watch_state(w, value);
  else if (g_str_equal(name, "Session") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT))
    watch_session(w, value);
  else if (g_str_equal(name, "Framing") && g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT))
    watch_framing(w, value);
}

static void
watch_properties(BoothctlWatch *w, GVariant *properties)
{
  /* A fixed order, so the first lines after "daemon up" always read state, session,
   * framing whatever order the daemon sent them in. */
  static const char *const order[] = {"State", "Session", "Framing"};

  for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
    g_autoptr(GVariant) value = g_variant_lookup_value(properties, order[i], NULL);
    if (value != NULL)
      watch_property(w, order[i], value);
  }
}

static void
on_get_all(GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      g_dbus_connection_call_finish(G_DBUS_CONNECTION(source), result, &error);

  if (reply == NULL) {
    if (!g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
      if (g_dbus_error_is_remote_error(error))
        g_dbus_error_strip_remote_error(error);
      g_printerr("boothctl: cannot read boothd's properties: %s\n", error->message);
    }
    return;
  }
  g_autoptr(GVariant) properties = g_variant_get_child_value(reply, 0);
  watch_properties(user_data, properties);
}

static void
watch_fetch_properties(BoothctlWatch *w, const char *sender)
{
  /* Asked of the unique name that just appeared, so the answer is from that instance. */
  g_dbus_connection_call(w->ctl->bus, sender, BOOTH_OBJECT_PATH, "org.freedesktop.DBus.Properties",
                         "GetAll", g_variant_new("(s)", BOOTH_INTERFACE), G_VARIANT_TYPE("(a{sv})"),
                         G_DBUS_CALL_FLAGS_NO_AUTO_START, -1, w->cancellable, on_get_all, w);
}

static void
on_properties_changed(GDBusConnection *connection, const char *sender, const char *path,
                      const char *interface_name, const char *signal_name, GVariant *parameters,
                      gpointer user_data)
{
  BoothctlWatch *w = user_data;
  g_autoptr(GVariant) changed = NULL;
  g_autofree const char **invalidated = NULL;
  gboolean refetch = FALSE;

  (void)connection;
  (void)path;
  (void)interface_name;
  (void)signal_name;
  if (!g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv}as)")))
    return;
  g_variant_get(parameters, "(s@a{sv}^a&s)", NULL, &changed, &invalidated);
  watch_properties(w, changed);

  /* A property announced without its value: read them all again rather than go stale. */
  for (gsize i = 0; invalidated[i] != NULL; i++) {
    if (g_str_equal(invalidated[i], "State") || g_str_equal(invalidated[i], "Session") ||
        g_str_equal(invalidated[i], "Framing"))
      refetch = TRUE;
  }
  if (refetch)
    watch_fetch_properties(w, sender);
}

static void
watch_code_scanned(BoothctlWatch *w, GVariant *parameters)
{
  const char *payload;
  g_autoptr(GVariant) info = NULL;

  g_variant_get(parameters, "(&s@a{sv})", &payload, &info);
  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "CodeScanned");
    g_variant_builder_add(&b, "{sv}", "payload", g_variant_new_string(payload));
    g_variant_builder_add(&b, "{sv}", "info", info);
    watch_json_end(w, &b);
    return;
  }

  /* The exact bytes when the daemon sent them; the payload text otherwise. */
  g_autoptr(GVariant) bytes = g_variant_lookup_value(info, "code_bytes", G_VARIANT_TYPE_BYTESTRING);
  g_autofree char *code = NULL;
  if (bytes != NULL) {
    gsize n = 0;
    const char *data = g_variant_get_fixed_array(bytes, &n, 1);
    code = boothctl_escape(data, n, TRUE);
  } else {
    code = boothctl_escape(payload, strlen(payload), TRUE);
  }

  g_autoptr(GString) line = g_string_new("code ");
  const char *session_id = boothctl_lookup_string(info, "session_id");
  gboolean in_session;
  gint64 x, y, width, height;

  g_string_append(line, *code != '\0' ? code : "-");
  if (session_id != NULL)
    g_string_append_printf(line, " started=%s", session_id);
  if (boothctl_lookup_bool(info, "in_session", &in_session) && in_session)
    g_string_append(line, " in-session");
  if (boothctl_lookup_int(info, "x", &x) && boothctl_lookup_int(info, "y", &y) &&
      boothctl_lookup_int(info, "width", &width) && boothctl_lookup_int(info, "height", &height))
    g_string_append_printf(line,
                           " at=%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT " size=%" G_GINT64_FORMAT
                           "x%" G_GINT64_FORMAT,
                           x, y, width, height);
  watch_print_line(line->str);
}

static void
watch_framing_hints(BoothctlWatch *w, GVariant *parameters)
{
  g_autoptr(GVariant) hints = g_variant_get_child_value(parameters, 0);
  double score;

  g_variant_get_child(parameters, 1, "d", &score);
  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "FramingHints");
    g_variant_builder_add(&b, "{sv}", "hints", hints);
    g_variant_builder_add(&b, "{sv}", "score", g_variant_new_double(score));
    watch_json_end(w, &b);
    return;
  }
  watch_print_hints(w, "hints", hints, score);
}

static void
watch_committed(BoothctlWatch *w, GVariant *parameters)
{
  const char *session_id;
  g_autoptr(GVariant) record = NULL;

  g_variant_get(parameters, "(&s@a{sv})", &session_id, &record);
  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "Committed");
    g_variant_builder_add(&b, "{sv}", "session_id", g_variant_new_string(session_id));
    g_variant_builder_add(&b, "{sv}", "record", record);
    watch_json_end(w, &b);
    return;
  }

  g_autoptr(GString) line = g_string_new("committed ");
  const char *status = boothctl_lookup_string(record, "status");
  g_autofree char *code = boothctl_lookup_code(record, TRUE);
  g_autoptr(GVariant) files = g_variant_lookup_value(record, "files", G_VARIANT_TYPE("aa{sv}"));
  gsize n_files = files != NULL ? g_variant_n_children(files) : 0;

  g_string_append(line, session_id);
  if (status != NULL)
    g_string_append_printf(line, " status=%s", status);
  if (code != NULL)
    g_string_append_printf(line, " code=%s", *code != '\0' ? code : "-");
  for (gsize i = 0; i < n_files; i++) {
    g_autoptr(GVariant) file = g_variant_get_child_value(files, i);
    const char *path = boothctl_lookup_string(file, "path");
    if (path != NULL) {
      g_autofree char *escaped = boothctl_escape(path, strlen(path), TRUE);
      g_string_append_printf(line, " file=%s", escaped);
    }
  }
  watch_print_line(line->str);
}

static void
on_booth_signal(GDBusConnection *connection, const char *sender, const char *path,
                const char *interface_name, const char *signal_name, GVariant *parameters,
                gpointer user_data)
{
  BoothctlWatch *w = user_data;

  (void)connection;
  (void)sender;
  (void)path;
  (void)interface_name;
  /* Signatures are checked before use: a signal that does not match the contract is
   * ignored rather than trusted. */
  if (g_str_equal(signal_name, "CodeScanned") &&
      g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv})")))
    watch_code_scanned(w, parameters);
  else if (g_str_equal(signal_name, "FramingHints") &&
           g_variant_is_of_type(parameters, G_VARIANT_TYPE("(asd)")))
    watch_framing_hints(w, parameters);
  else if (g_str_equal(signal_name, "Committed") &&
           g_variant_is_of_type(parameters, G_VARIANT_TYPE("(sa{sv})")))
    watch_committed(w, parameters);
}

static void
watch_print_owner(BoothctlWatch *w, const char *owner)
{
  if (w->ctl->json) {
    GVariantBuilder b;
    watch_json_begin(&b, "NameOwner");
    g_variant_builder_add(&b, "{sv}", "owner",
                          g_variant_new_maybe(G_VARIANT_TYPE_STRING,
                                              owner != NULL ? g_variant_new_string(owner) : NULL));
    watch_json_end(w, &b);
  } else if (owner != NULL) {
    watch_printf(w, "daemon up %s", owner);
  } else {
    watch_printf(w, "daemon down");
  }
}

static void
on_name_appeared(GDBusConnection *connection, const char *name, const char *owner,
                 gpointer user_data)
{
  BoothctlWatch *w = user_data;

  (void)connection;
  (void)name;
  watch_forget(w);
  watch_print_owner(w, owner);
  watch_fetch_properties(w, owner);
}

static void
on_name_vanished(GDBusConnection *connection, const char *name, gpointer user_data)
{
  BoothctlWatch *w = user_data;

  (void)name;
  /* Also called when the connection itself closed; "closed" reports that. */
  if (g_dbus_connection_is_closed(connection))
    return;
  watch_forget(w);
  watch_print_owner(w, NULL);
}

static void
on_closed(GDBusConnection *connection, gboolean remote_peer_vanished, GError *error,
          gpointer user_data)
{
  BoothctlWatch *w = user_data;

  (void)connection;
  (void)remote_peer_vanished;
  g_printerr("boothctl: lost the bus%s%s\n", error != NULL ? ": " : "",
             error != NULL ? error->message : "");
  w->exit_code = BOOTHCTL_EXIT_UNREACHABLE;
  g_main_loop_quit(w->loop);
}

static gboolean
on_quit_signal(gpointer user_data)
{
  BoothctlWatch *w = user_data;

  g_main_loop_quit(w->loop);
  return G_SOURCE_CONTINUE;
}

int
boothctl_watch(Boothctl *ctl)
{
  BoothctlWatch w = {
      .ctl = ctl,
      .loop = g_main_loop_new(NULL, FALSE),
      .cancellable = g_cancellable_new(),
      .exit_code = BOOTHCTL_EXIT_OK,
  };

  guint sigint = g_unix_signal_add(SIGINT, on_quit_signal, &w);
  guint sigterm = g_unix_signal_add(SIGTERM, on_quit_signal, &w);
  gulong closed = g_signal_connect(ctl->bus, "closed", G_CALLBACK(on_closed), &w);

  /* Subscriptions first (their AddMatch calls reach the bus before anything below), so
   * no event can fall between the first property read and the first signal. */
  guint booth_signals = g_dbus_connection_signal_subscribe(
      ctl->bus, BOOTH_BUS_NAME, BOOTH_INTERFACE, NULL, BOOTH_OBJECT_PATH, NULL,
      G_DBUS_SIGNAL_FLAGS_NONE, on_booth_signal, &w, NULL);
  guint property_signals = g_dbus_connection_signal_subscribe(
      ctl->bus, BOOTH_BUS_NAME, "org.freedesktop.DBus.Properties", "PropertiesChanged",
      BOOTH_OBJECT_PATH, BOOTH_INTERFACE, G_DBUS_SIGNAL_FLAGS_NONE, on_properties_changed, &w,
      NULL);
  guint name_watch =
      g_bus_watch_name_on_connection(ctl->bus, BOOTH_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                     on_name_appeared, on_name_vanished, &w, NULL);

  g_main_loop_run(w.loop);

  g_cancellable_cancel(w.cancellable);
  g_bus_unwatch_name(name_watch);
  g_dbus_connection_signal_unsubscribe(ctl->bus, property_signals);
  g_dbus_connection_signal_unsubscribe(ctl->bus, booth_signals);
  g_signal_handler_disconnect(ctl->bus, closed);
  g_source_remove(sigterm);
  g_source_remove(sigint);
  /* Let cancelled calls deliver their callbacks while w is still alive. */
  while (g_main_context_iteration(NULL, FALSE))
    ;
  watch_forget(&w);
  g_object_unref(w.cancellable);
  g_main_loop_unref(w.loop);
  return w.exit_code;
}
