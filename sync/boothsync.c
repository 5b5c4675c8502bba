/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothsync: beside boothd on a booth, ships the booth's committed records and photos to the
 * central PostgreSQL (sync.h says what it promises). The main thread runs the GLib loop: the
 * bus (boothd's Committed signal and its coming back wake the worker; org.boothd.Sync1 shows
 * the progress), sd_notify and the signals. One worker thread runs the passes, which block on
 * D-Bus calls and libpq, with a growing pause after a failure. */
#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "boothd-build.h"
#include "booth-names.h"
#include "sync.h"

#define SYNC_BUS_NAME BOOTH_SYNC_BUS_NAME
#define SYNC_OBJECT_PATH BOOTH_SYNC_OBJECT_PATH
#define SYNC_INTERFACE BOOTH_SYNC_INTERFACE

static const char introspection_xml[] = "<node>"
                                        " <interface name='" SYNC_INTERFACE "'>"
                                        "  <method name='SyncNow'/>"
                                        "  <property name='State' type='s' access='read'/>"
                                        "  <property name='Progress' type='a{sv}' access='read'/>"
                                        " </interface>"
                                        "</node>";

typedef struct {
  /* settings */
  char *conninfo;
  char *state_dir;
  char *bus_spec;
  guint batch;
  guint interval;
  guint max_backoff;
  guint io_timeout;
  guint full_sweep;
  gboolean once;

  GMainLoop *loop;
  GDBusConnection *bus;
  BoothSync *sync;
  guint object_id;
  guint signal_id;
  guint watch_id;
  guint changed_idle;
  char *last_status;
  int exit_status;

  /* the worker */
  GThread *worker;
  GMutex lock;
  GCond cond;
  gboolean wake;
  gboolean now; /* SyncNow: ends even the pause after a failure */
  gboolean full;
  gboolean quit;
} App;

/* ---- configuration ---- */

static gboolean
read_uint(GKeyFile *kf, const char *path, const char *key, guint min, guint max, guint *out,
          GError **error)
{
  if (!g_key_file_has_key(kf, "Sync", key, NULL))
    return TRUE;
  g_autofree char *text = g_key_file_get_string(kf, "Sync", key, NULL);
  guint64 v;
  if (!text || !g_ascii_string_to_unsigned(g_strstrip(text), 10, min, max, &v, NULL)) {
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE,
                "%s: [Sync] %s=%s is not a whole number from %u to %u", path, key, text ? text : "",
                min, max);
    return FALSE;
  }
  *out = (guint)v;
  return TRUE;
}

static gboolean
read_config(App *app, const char *path, gboolean must_exist, GError **error)
{
  static const char *const known[] = {"database",   "batch",      "interval", "max_backoff",
                                      "io_timeout", "full_sweep", NULL};
  g_autoptr(GKeyFile) kf = g_key_file_new();
  g_autoptr(GError) e = NULL;
  if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &e)) {
    if (!must_exist && g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
      return TRUE;
    g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, e->message);
    return FALSE;
  }
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (char **g = groups; *g; g++) {
    if (!g_str_equal(*g, "Sync")) {
      g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND,
                  "%s: unknown section [%s]; boothsync reads [Sync] only", path, *g);
      return FALSE;
    }
    g_auto(GStrv) keys = g_key_file_get_keys(kf, *g, NULL, NULL);
    for (char **k = keys; k && *k; k++)
      if (!g_strv_contains(known, *k)) {
        g_autofree char *list = g_strjoinv(", ", (char **)known);
        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND,
                    "%s: unknown key [Sync] %s (known: %s)", path, *k, list);
        return FALSE;
      }
  }
  if (g_key_file_has_key(kf, "Sync", "database", NULL) && !app->conninfo)
    app->conninfo = g_key_file_get_string(kf, "Sync", "database", NULL);
  return read_uint(kf, path, "batch", 1, 1000, &app->batch, error) &&
         read_uint(kf, path, "interval", 1, 86400, &app->interval, error) &&
         read_uint(kf, path, "max_backoff", 1, 3600, &app->max_backoff, error) &&
         read_uint(kf, path, "io_timeout", 5, 3600, &app->io_timeout, error) &&
         read_uint(kf, path, "full_sweep", 60, 604800, &app->full_sweep, error);
}

/* ---- progress: the bus object, sd_notify ---- */

static GVariant *
progress_variant(const BoothSyncProgress *p)
{
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&b, "{sv}", "booth_id", g_variant_new_string(p->booth_id));
  g_variant_builder_add(&b, "{sv}", "synced", g_variant_new_uint64(p->synced));
  g_variant_builder_add(&b, "{sv}", "pending", g_variant_new_uint32(p->pending));
  g_variant_builder_add(&b, "{sv}", "synced_up_to", g_variant_new_int64(p->synced_up_to));
  g_variant_builder_add(&b, "{sv}", "last_sync_at", g_variant_new_int64(p->last_sync_at));
  g_variant_builder_add(&b, "{sv}", "lag", g_variant_new_int64(p->lag));
  g_variant_builder_add(&b, "{sv}", "last_error", g_variant_new_string(p->last_error));
  g_variant_builder_add(&b, "{sv}", "last_error_at", g_variant_new_int64(p->last_error_at));
  return g_variant_builder_end(&b);
}

static GVariant *
get_property(GDBusConnection *c, const char *sender, const char *path, const char *iface,
             const char *name, GError **error, gpointer data)
{
  (void)c, (void)sender, (void)path, (void)iface, (void)error;
  App *app = data;
  BoothSyncProgress p = {0};
  booth_sync_get_progress(app->sync, &p);
  GVariant *v = g_str_equal(name, "State") ? g_variant_new_string(p.state) : progress_variant(&p);
  booth_sync_progress_clear(&p);
  return v;
}

static void
wake_worker(App *app, gboolean full)
{
  g_mutex_lock(&app->lock);
  app->wake = TRUE;
  app->full = app->full || full;
  g_cond_signal(&app->cond);
  g_mutex_unlock(&app->lock);
}

static void
method_call(GDBusConnection *c, const char *sender, const char *path, const char *iface,
            const char *method, GVariant *params, GDBusMethodInvocation *inv, gpointer data)
{
  (void)c, (void)sender, (void)path, (void)iface, (void)method, (void)params;
  App *app = data;
  g_mutex_lock(&app->lock);
  app->now = TRUE;
  g_mutex_unlock(&app->lock);
  wake_worker(app, FALSE);
  g_dbus_method_invocation_return_value(inv, NULL);
}

static const GDBusInterfaceVTable vtable = {method_call, get_property, NULL, {0}};

static char *
status_line(const BoothSyncProgress *p)
{
  g_autoptr(GString) s = g_string_new(NULL);
  g_string_append_printf(s, "booth %s: %s, %" G_GUINT64_FORMAT " synced, %u pending",
                         *p->booth_id ? p->booth_id : "?", p->state, p->synced, p->pending);
  if (p->synced_up_to) {
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(p->synced_up_to / G_USEC_PER_SEC);
    g_autofree char *when = g_date_time_format(t, "%H:%M:%S");
    g_string_append_printf(s, ", synced up to %s", when);
  }
  if (*p->last_error)
    g_string_append_printf(s, "; last error: %s", p->last_error);
  return g_string_free(g_steal_pointer(&s), FALSE);
}

static gboolean
on_changed_idle(gpointer data)
{
  App *app = data;
  app->changed_idle = 0;
  BoothSyncProgress p = {0};
  booth_sync_get_progress(app->sync, &p);
  g_autofree char *line = status_line(&p);
  if (g_strcmp0(line, app->last_status) != 0) {
    sd_notifyf(0, "STATUS=%s", line);
    g_free(app->last_status);
    app->last_status = g_steal_pointer(&line);
    if (app->bus && app->object_id) {
      GVariantBuilder changed;
      g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
      g_variant_builder_add(&changed, "{sv}", "State", g_variant_new_string(p.state));
      g_variant_builder_add(&changed, "{sv}", "Progress", progress_variant(&p));
      g_dbus_connection_emit_signal(
          app->bus, NULL, SYNC_OBJECT_PATH, "org.freedesktop.DBus.Properties", "PropertiesChanged",
          g_variant_new("(sa{sv}as)", SYNC_INTERFACE, &changed, NULL), NULL);
    }
  }
  booth_sync_progress_clear(&p);
  return G_SOURCE_REMOVE;
}

/* From the worker: at most one update per loop turn, and never more than 4 a second. */
static gboolean
schedule_changed(gpointer data)
{
  App *app = data;
  if (!app->changed_idle)
    app->changed_idle = g_timeout_add(250, on_changed_idle, app);
  return G_SOURCE_REMOVE;
}

static void
on_progress(gpointer data)
{
  g_main_context_invoke(NULL, schedule_changed, data);
}

/* ---- boothd on the bus ---- */

static void
on_committed(GDBusConnection *c, const char *sender, const char *path, const char *iface,
             const char *signal, GVariant *params, gpointer data)
{
  (void)c, (void)sender, (void)path, (void)iface, (void)signal, (void)params;
  wake_worker(data, FALSE);
}

static void
on_booth_appeared(GDBusConnection *c, const char *name, const char *owner, gpointer data)
{
  (void)c, (void)name, (void)owner;
  /* boothd (re)started: it may have finished a commit at start-up. */
  wake_worker(data, TRUE);
}

/* ---- the worker ---- */

static gboolean
quit_idle(gpointer data)
{
  App *app = data;
  g_main_loop_quit(app->loop);
  return G_SOURCE_REMOVE;
}

static gpointer
worker_main(gpointer data)
{
  App *app = data;
  guint backoff = 0;
  gint64 last_full = 0;
  for (;;) {
    g_mutex_lock(&app->lock);
    gboolean quit = app->quit;
    gboolean full =
        app->full || g_get_monotonic_time() - last_full >= (gint64)app->full_sweep * G_USEC_PER_SEC;
    app->full = FALSE;
    app->wake = FALSE;
    app->now = FALSE;
    g_mutex_unlock(&app->lock);
    if (quit)
      break;

    g_autoptr(GError) error = NULL;
    gboolean ok = booth_sync_pass(app->sync, full || last_full == 0, &error);
    if (ok && (full || last_full == 0))
      last_full = g_get_monotonic_time();
    if (!ok && app->once)
      g_printerr("boothsync: %s\n", error->message);
    else if (!ok)
      g_warning("%s", error->message);
    if (app->once) {
      app->exit_status = ok ? 0 : 1;
      g_idle_add(quit_idle, app);
      break;
    }
    backoff = ok ? 0 : backoff ? MIN(backoff * 2, app->max_backoff) : 1;
    gint64 until = g_get_monotonic_time() + (gint64)(ok ? app->interval : backoff) * G_USEC_PER_SEC;
    g_mutex_lock(&app->lock);
    /* After a failure only the pause or SyncNow ends the wait (a Committed signal does not
     * hurry a database that is down); otherwise a commit or SyncNow starts a pass at once. */
    while (!app->quit && !(ok && app->wake) && !app->now)
      if (!g_cond_wait_until(&app->cond, &app->lock, until))
        break;
    if (!ok && app->wake)
      app->wake = FALSE;
    g_mutex_unlock(&app->lock);
  }
  return NULL;
}

static gboolean
on_signal(gpointer data)
{
  App *app = data;
  sd_notify(0, "STOPPING=1");
  g_mutex_lock(&app->lock);
  app->quit = TRUE;
  g_cond_signal(&app->cond);
  g_mutex_unlock(&app->lock);
  booth_sync_stop(app->sync);
  g_main_loop_quit(app->loop);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_watchdog(gpointer data)
{
  (void)data;
  sd_notify(0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

static GDBusConnection *
bus_open(const char *spec, GError **error)
{
  if (g_str_equal(spec, "system"))
    return g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, error);
  if (g_str_equal(spec, "session"))
    return g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, error);
  if (!g_dbus_is_supported_address(spec, NULL)) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                "--bus must be system, session or a D-Bus address, not '%s'", spec);
    return NULL;
  }
  return g_dbus_connection_new_for_address_sync(spec,
                                                G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                    G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                NULL, NULL, error);
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  App app = {0};
  app.batch = 20;
  app.interval = 30;
  app.max_backoff = 60;
  app.io_timeout = 30;
  app.full_sweep = 3600;
  g_mutex_init(&app.lock);
  g_cond_init(&app.cond);

  g_autofree char *config = NULL;
  g_autofree char *database = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *bus = NULL;
  int batch = 0, interval = 0, max_backoff = 0;
  gboolean once = FALSE, verbose = FALSE, version = FALSE;
  const GOptionEntry entries[] = {
      {"config", 0, 0, G_OPTION_ARG_FILENAME, &config,
       "Configuration file (default " BOOTH_SYSCONFDIR "/boothsync.conf)", "FILE"},
      {"database", 0, 0, G_OPTION_ARG_STRING, &database,
       "libpq connection string of the central database (instead of [Sync] database)", "CONNINFO"},
      {"bus", 0, 0, G_OPTION_ARG_STRING, &bus,
       "Where boothd is: system (default), session or an address", "BUS"},
      {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
       "boothsync's own state folder (default /var/lib/boothsync)", "DIR"},
      {"batch", 0, 0, G_OPTION_ARG_INT, &batch, "Sessions per central transaction (1-1000)", "N"},
      {"interval", 0, 0, G_OPTION_ARG_INT, &interval, "Seconds between passes when idle", "S"},
      {"max-backoff", 0, 0, G_OPTION_ARG_INT, &max_backoff,
       "Longest pause after a failure, seconds", "S"},
      {"once", 0, 0, G_OPTION_ARG_NONE, &once,
       "Sync what is pending and exit: 0 when everything went, 1 otherwise", NULL},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {0}};
  g_autoptr(GOptionContext) ctx =
      g_option_context_new("- ship the booth's committed photos to the central database");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    g_printerr("boothsync: %s (boothsync --help lists the options)\n", error->message);
    return 2;
  }
  if (version) {
    printf("boothsync %s\n", BOOTH_VERSION);
    return 0;
  }
  if (verbose)
    g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
  app.conninfo = g_steal_pointer(&database);
  if (!read_config(&app, config ? config : BOOTH_SYSCONFDIR "/boothsync.conf", config != NULL,
                   &error)) {
    g_printerr("boothsync: %s\n", error->message);
    return 2;
  }
  if (batch)
    app.batch = CLAMP(batch, 1, 1000);
  if (interval > 0)
    app.interval = interval;
  if (max_backoff > 0)
    app.max_backoff = max_backoff;
  app.once = once;
  if (!app.conninfo || !*app.conninfo) {
    g_printerr("boothsync: no central database: set [Sync] database in %s (a libpq connection "
               "string, e.g. host=central.example dbname=booths user=booth_101 "
               "sslmode=verify-full) or give --database\n",
               config ? config : BOOTH_SYSCONFDIR "/boothsync.conf");
    return 2;
  }
  app.state_dir = state_dir ? g_steal_pointer(&state_dir) : g_strdup("/var/lib/boothsync");

  app.bus = bus_open(bus ? bus : "system", &error);
  if (!app.bus) {
    g_printerr("boothsync: cannot connect to the %s bus: %s\n", bus ? bus : "system",
               error->message);
    return 3;
  }
  BoothSyncOptions o = {app.conninfo, app.state_dir, app.bus, app.batch, app.io_timeout};
  app.sync = booth_sync_new(&o, &error);
  if (!app.sync) {
    g_printerr("boothsync: %s\n", error->message);
    return 1;
  }
  booth_sync_set_changed(app.sync, on_progress, &app);
  app.loop = g_main_loop_new(NULL, FALSE);

  if (!once) {
    g_autoptr(GDBusNodeInfo) node = g_dbus_node_info_new_for_xml(introspection_xml, NULL);
    app.object_id = g_dbus_connection_register_object(
        app.bus, SYNC_OBJECT_PATH, node->interfaces[0], &vtable, &app, NULL, &error);
    g_autoptr(GVariant) owned =
        app.object_id
            ? g_dbus_connection_call_sync(
                  app.bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                  "RequestName", g_variant_new("(su)", SYNC_BUS_NAME, 4), G_VARIANT_TYPE("(u)"),
                  G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error)
            : NULL;
    guint32 reply = 0;
    if (owned)
      g_variant_get(owned, "(u)", &reply);
    if (!owned || reply != 1) {
      g_printerr("boothsync: cannot take the name %s on the bus: %s\n", SYNC_BUS_NAME,
                 owned ? "another boothsync has it (one per booth)" : error->message);
      return 1;
    }
    app.signal_id = g_dbus_connection_signal_subscribe(
        app.bus, BOOTH_BUS_NAME, BOOTH_INTERFACE, "Committed", BOOTH_OBJECT_PATH, NULL,
        G_DBUS_SIGNAL_FLAGS_NONE, on_committed, &app, NULL);
    app.watch_id =
        g_bus_watch_name_on_connection(app.bus, BOOTH_BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                       on_booth_appeared, NULL, &app, NULL);
  }
  g_unix_signal_add(SIGTERM, on_signal, &app);
  g_unix_signal_add(SIGINT, on_signal, &app);
  guint64 wd_usec = 0;
  if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec)
    g_timeout_add(wd_usec / 2000, on_watchdog, NULL);

  app.worker = g_thread_new("sync", worker_main, &app);
  sd_notify(0, "READY=1\nSTATUS=starting");
  g_main_loop_run(app.loop);
  g_thread_join(app.worker);
  on_changed_idle(&app);
  if (once) {
    BoothSyncProgress p = {0};
    booth_sync_get_progress(app.sync, &p);
    g_autofree char *line = status_line(&p);
    printf("%s\n", line);
    if (p.sent_sessions)
      printf("sent %" G_GUINT64_FORMAT " sessions in %.2f s (%.1f sessions/s)\n", p.sent_sessions,
             p.sent_seconds, p.sent_sessions / MAX(p.sent_seconds, 1e-6));
    booth_sync_progress_clear(&p);
  }
  if (app.signal_id)
    g_dbus_connection_signal_unsubscribe(app.bus, app.signal_id);
  if (app.watch_id)
    g_bus_unwatch_name(app.watch_id);
  if (app.object_id)
    g_dbus_connection_unregister_object(app.bus, app.object_id);
  g_clear_handle_id(&app.changed_idle, g_source_remove);
  booth_sync_free(app.sync);
  g_main_loop_unref(app.loop);
  g_object_unref(app.bus);
  g_free(app.conninfo);
  g_free(app.state_dir);
  g_free(app.last_status);
  return app.exit_status;
}
