/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothctl: the operator's command line for boothd. A plain GDBus client of the
 * org.boothd.Booth1 contract, sharing no code with the daemon, so what it can do any
 * front-end can do. Exit codes are part of its interface (see --help). */
#include "boothctl.h"

#include "export.h"
#include "print.h"
#include "variant-json.h"
#include "words.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "boothd-build.h"

typedef struct BoothctlCommand {
  const char *name;
  const char *synopsis;
  const char *brief;
  const char *description;
  const GOptionEntry *entries;
  int (*run)(Boothctl *ctl);
} BoothctlCommand;

/* Global options; accepted before the command and after it. */
static char *opt_bus;
static gboolean opt_json;
static gboolean opt_version;

/* Per-command options. Strings are taken as bytes (G_OPTION_ARG_FILENAME) and checked
 * here: a code is opaque and must reach the daemon byte for byte, whatever the locale. */
static char *opt_code;
static char *opt_operator;
static char *opt_profile;
static gboolean opt_adopt;
static gboolean opt_force;
static gboolean opt_override;
/* G_MININT: not given, so the daemon's default applies. */
static int opt_limit = G_MININT;
static char *opt_status;
/* info's argument. */
static const char *opt_session;
/* check's arguments. */
static char **opt_files;
static const char *opt_dir;
static char *opt_since;
static char **opt_sessions;
static gboolean opt_all;
static char *opt_day;
static char *opt_svg;

/* What a record's status may be (store.h). */
static const char *const record_statuses[] = {
    "active", "committed", "cancelled", "abandoned", "interrupted", "recovered", NULL,
};

static const GOptionEntry global_entries[] = {
    {"bus", 0, 0, G_OPTION_ARG_STRING, &opt_bus,
     "The bus boothd is on: system (default), session, or a D-Bus address such as "
     "unix:path=/run/boothd-test/bus",
     "BUS"},
    {"json", 0, 0, G_OPTION_ARG_NONE, &opt_json, "Print machine-readable JSON on standard output",
     NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry version_entries[] = {
    {"version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry start_entries[] = {
    {"code", 0, 0, G_OPTION_ARG_FILENAME, &opt_code,
     "The student's capture code, when typed or scanned elsewhere", "TEXT"},
    {"operator", 0, 0, G_OPTION_ARG_FILENAME, &opt_operator, "Who runs the booth", "NAME"},
    {"profile", 0, 0, G_OPTION_ARG_FILENAME, &opt_profile,
     "Photo profile, e.g. chsi-final (default: the daemon's)", "NAME"},
    {"adopt", 0, 0, G_OPTION_ARG_NONE, &opt_adopt,
     "Take over the active session (for example when its owner left the bus)", NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry capture_entries[] = {
    {"force", 0, 0, G_OPTION_ARG_NONE, &opt_force, "Capture even when no face is found", NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry commit_entries[] = {
    {"override", 0, 0, G_OPTION_ARG_NONE, &opt_override,
     "Commit a photo that failed a check (the override is recorded)", NULL},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry sessions_entries[] = {
    {"limit", 0, 0, G_OPTION_ARG_INT, &opt_limit,
     "Show at most N records, newest first (0: all, up to 10000)", "N"},
    {"status", 0, 0, G_OPTION_ARG_FILENAME, &opt_status,
     "Only records with this status: active, committed, cancelled, abandoned, interrupted or "
     "recovered",
     "STATUS"},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry check_entries[] = {
    {"profile", 0, 0, G_OPTION_ARG_FILENAME, &opt_profile,
     "Check against this photo profile, e.g. chsi-upload (default: the daemon's first)", "NAME"},
    G_OPTION_ENTRY_NULL,
};

static const GOptionEntry export_entries[] = {
    {"since", 0, 0, G_OPTION_ARG_STRING, &opt_since,
     "Only sessions committed at or after TIME (HH:MM today, YYYY-MM-DD, 'YYYY-MM-DD HH:MM')",
     "TIME"},
    {"session", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_sessions,
     "Only this session (repeat for more); exported again even if exported before", "ID"},
    {"all", 0, 0, G_OPTION_ARG_NONE, &opt_all,
     "Every committed session, also those in an earlier batch", NULL},
    G_OPTION_ENTRY_NULL};

static const GOptionEntry report_entries[] = {
    {"day", 0, 0, G_OPTION_ARG_STRING, &opt_day, "The day to report on (default: today)",
     "YYYY-MM-DD"},
    {"svg", 0, 0, G_OPTION_ARG_FILENAME, &opt_svg,
     "Also draw students per 10 minutes over the day, with the slots, into FILE (SVG)", "FILE"},
    G_OPTION_ENTRY_NULL};

static const GOptionEntry no_entries[] = {G_OPTION_ENTRY_NULL};

static const char exit_status_help[] =
    "Exit status:\n"
    "  0  success\n"
    "  1  boothd refused the request (an org.boothd.Error such as Busy or NoSession, or\n"
    "     the bus policy denied it); the message says why\n"
    "  2  usage error: unknown command or option, bad argument\n"
    "  3  boothd cannot be reached: no bus, boothd not running, or no answer in time\n"
    "  4  capture: the photo did not pass its checks (the report is still printed)";

GVariant *
boothctl_call(Boothctl *ctl, const char *interface_name, const char *method, GVariant *parameters,
              const char *reply_type, int timeout_ms, GError **error)
{
  g_return_val_if_fail(ctl != NULL && ctl->bus != NULL, NULL);

  return g_dbus_connection_call_sync(ctl->bus, BOOTH_BUS_NAME, BOOTH_OBJECT_PATH, interface_name,
                                     method, parameters, G_VARIANT_TYPE(reply_type),
                                     G_DBUS_CALL_FLAGS_NONE, timeout_ms, NULL, error);
}

/* Errors that mean "nobody answered", as opposed to "boothd answered no". */
static gboolean
dbus_error_is_unreachable(const char *name)
{
  static const char *const names[] = {
      "org.freedesktop.DBus.Error.ServiceUnknown",
      "org.freedesktop.DBus.Error.NameHasNoOwner",
      "org.freedesktop.DBus.Error.NoReply",
      "org.freedesktop.DBus.Error.Timeout",
      "org.freedesktop.DBus.Error.TimedOut",
      "org.freedesktop.DBus.Error.Disconnected",
      "org.freedesktop.DBus.Error.NoServer",
      "org.freedesktop.DBus.Error.NoNetwork",
      NULL,
  };

  /* Bus activation was tried and the daemon did not come up. */
  if (g_str_has_prefix(name, "org.freedesktop.DBus.Error.Spawn."))
    return TRUE;
  return g_strv_contains(names, name);
}

static void
print_json_error(Boothctl *ctl, const char *name, const char *message, int code)
{
  g_auto(GVariantBuilder) error = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(
      &error, "{sv}", "name",
      g_variant_new_maybe(G_VARIANT_TYPE_STRING, name != NULL ? g_variant_new_string(name) : NULL));
  g_variant_builder_add(&error, "{sv}", "message", g_variant_new_string(message));
  g_variant_builder_add(&error, "{sv}", "exit", g_variant_new_int32(code));

  g_auto(GVariantBuilder) top = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&top, "{sv}", "error", g_variant_builder_end(&error));
  g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_builder_end(&top));
  boothctl_print_json(ctl, value);
}

/* boothctl's own refusal (name: the D-Bus error it stands for, or NULL): said on stderr, and
 * as the --json error object. */
static int
refuse(Boothctl *ctl, const char *name, const char *message)
{
  g_printerr("boothctl: %s\n", message);
  if (ctl->json)
    print_json_error(ctl, name, message, BOOTHCTL_EXIT_REFUSED);
  return BOOTHCTL_EXIT_REFUSED;
}

int
boothctl_report_error(Boothctl *ctl, const GError *error)
{
  g_autofree char *name = NULL;
  g_autofree char *message = NULL;
  int code;

  g_return_val_if_fail(error != NULL, BOOTHCTL_EXIT_UNREACHABLE);

  if (g_dbus_error_is_remote_error(error)) {
    g_autoptr(GError) stripped = g_error_copy(error);

    name = g_dbus_error_get_remote_error(error);
    g_dbus_error_strip_remote_error(stripped);
    if (g_str_equal(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
        g_str_equal(name, "org.freedesktop.DBus.Error.NameHasNoOwner"))
      message = g_strdup("boothd is not running on this bus (nobody owns " BOOTH_BUS_NAME ")");
    else if (g_str_equal(name, "org.freedesktop.DBus.Error.NoReply"))
      message = g_strdup_printf("boothd did not answer: %s", stripped->message);
    else
      message = boothctl_words(*stripped->message != '\0' ? stripped->message : name);
    code = dbus_error_is_unreachable(name) ? BOOTHCTL_EXIT_UNREACHABLE : BOOTHCTL_EXIT_REFUSED;
  } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT)) {
    message = g_strdup("boothd did not answer in time");
    code = BOOTHCTL_EXIT_UNREACHABLE;
  } else if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT)) {
    /* GDBus checked the reply against the contract's signature: boothd answered, but
     * with something this boothctl does not understand. */
    message = g_strdup_printf("unexpected answer from boothd: %s", error->message);
    code = BOOTHCTL_EXIT_REFUSED;
  } else {
    message = g_strdup_printf("lost the bus: %s", error->message);
    code = BOOTHCTL_EXIT_UNREACHABLE;
  }

  g_printerr("boothctl: %s\n", message);
  if (ctl->json)
    print_json_error(ctl, name, message, code);
  return code;
}

void
boothctl_print_json(Boothctl *ctl, GVariant *value)
{
  g_autoptr(GString) out = g_string_new(NULL);

  booth_json_append_variant(out, value, ctl->pretty);
  g_string_append_c(out, '\n');
  fwrite(out->str, 1, out->len, stdout);
  fflush(stdout);
}

static int usage_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

static int
usage_error(const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_printerr("boothctl: %s\n"
             "Commands: status, start, capture, retake, commit, cancel, report, check, info, "
             "watch, sessions.\n"
             "Run 'boothctl --help' for usage.\n",
             message);
  return BOOTHCTL_EXIT_USAGE;
}

static int command_usage_error(const BoothctlCommand *command, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

/* An argument the daemon receives as D-Bus string (s) must be UTF-8; saying so here is
 * clearer than the bus rejecting the message. */
static gboolean
check_utf8_option(const char *option, const char *value)
{
  if (value == NULL || g_utf8_validate(value, -1, NULL))
    return TRUE;
  usage_error("%s must be UTF-8 text", option);
  return FALSE;
}

static int
run_status(Boothctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      boothctl_call(ctl, "org.freedesktop.DBus.Properties", "GetAll",
                    g_variant_new("(s)", BOOTH_INTERFACE), "(a{sv})", -1, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);

  g_autoptr(GVariant) properties = g_variant_get_child_value(reply, 0);
  /* boothsync's progress, when it runs beside boothd: shown as one more property, Sync. */
  g_autoptr(GVariant) sync = g_dbus_connection_call_sync(
      ctl->bus, BOOTH_SYNC_BUS_NAME, BOOTH_SYNC_OBJECT_PATH, "org.freedesktop.DBus.Properties",
      "GetAll", g_variant_new("(s)", BOOTH_SYNC_INTERFACE), G_VARIANT_TYPE("(a{sv})"),
      G_DBUS_CALL_FLAGS_NO_AUTO_START, 2000, NULL, NULL);
  if (sync != NULL) {
    g_auto(GVariantBuilder) all = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    GVariantIter it;
    const char *key;
    GVariant *value;
    g_variant_iter_init(&it, properties);
    while (g_variant_iter_next(&it, "{&sv}", &key, &value)) {
      g_variant_builder_add(&all, "{sv}", key, value);
      g_variant_unref(value);
    }
    g_variant_builder_add(&all, "{sv}", "Sync", g_variant_get_child_value(sync, 0));
    g_variant_unref(properties);
    properties = g_variant_ref_sink(g_variant_builder_end(&all));
  }
  if (ctl->json)
    boothctl_print_json(ctl, properties);
  else
    boothctl_print_status(properties);
  return BOOTHCTL_EXIT_OK;
}

static int
run_start(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;
  const char *session_id;

  if (!check_utf8_option("--operator", opt_operator) ||
      !check_utf8_option("--profile", opt_profile))
    return BOOTHCTL_EXIT_USAGE;

  if (opt_code != NULL) {
    /* The contract has code (s) for text and code_bytes (ay) for anything else; a code
     * that is not UTF-8 is still a code. */
    if (g_utf8_validate(opt_code, -1, NULL))
      g_variant_builder_add(&options, "{sv}", "code", g_variant_new_string(opt_code));
    else
      g_variant_builder_add(
          &options, "{sv}", "code_bytes",
          g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, opt_code, strlen(opt_code), 1));
  }
  if (opt_operator != NULL)
    g_variant_builder_add(&options, "{sv}", "operator", g_variant_new_string(opt_operator));
  if (opt_profile != NULL)
    g_variant_builder_add(&options, "{sv}", "profile", g_variant_new_string(opt_profile));
  if (opt_adopt)
    g_variant_builder_add(&options, "{sv}", "adopt", g_variant_new_boolean(TRUE));
  /* boothctl leaves the bus when it returns: a session bound to this connection would wait
   * for adoption at once. Detached, the next boothctl command (or any authorized caller)
   * drives it. */
  g_variant_builder_add(&options, "{sv}", "detach", g_variant_new_boolean(TRUE));

  g_autoptr(GVariant) reply = boothctl_call(ctl, BOOTH_INTERFACE, "StartSession",
                                            g_variant_new("(a{sv})", &options), "(s)", -1, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);

  g_variant_get(reply, "(&s)", &session_id);
  if (ctl->json) {
    g_auto(GVariantBuilder) out = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(&out, "{sv}", "session_id", g_variant_new_string(session_id));
    g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_builder_end(&out));
    boothctl_print_json(ctl, value);
  } else {
    g_print("%s\n", session_id);
  }
  return BOOTHCTL_EXIT_OK;
}

/* A capture's report, in words or JSON; exit 4 when a check failed. */
static int
show_report(Boothctl *ctl, GVariant *report)
{
  if (ctl->json)
    boothctl_print_json(ctl, report);
  else
    boothctl_print_report(report);
  return boothctl_report_passed(report) ? BOOTHCTL_EXIT_OK : BOOTHCTL_EXIT_CHECK_FAILED;
}

static int
run_capture(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;

  if (opt_force)
    g_variant_builder_add(&options, "{sv}", "force", g_variant_new_boolean(TRUE));

  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "Capture", g_variant_new("(a{sv})", &options), "(a{sv})",
                    BOOTHCTL_SLOW_CALL_TIMEOUT_MS, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);

  g_autoptr(GVariant) report = g_variant_get_child_value(reply, 0);
  return show_report(ctl, report);
}

/* Retake and Cancel return nothing; --json still prints a value so a script reading
 * stdout always gets one JSON document. */
static int
run_void_method(Boothctl *ctl, const char *method, const char *done)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = boothctl_call(ctl, BOOTH_INTERFACE, method, NULL, "()", -1, &error);

  if (reply == NULL)
    return boothctl_report_error(ctl, error);
  if (ctl->json) {
    g_autoptr(GVariant) empty = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
    boothctl_print_json(ctl, empty);
  } else {
    g_print("%s\n", done);
  }
  return BOOTHCTL_EXIT_OK;
}

/* The last record, when boothd answered NoSession to a command on "the" session: the
 * operator wants to know whether there was nothing to do, or it was already done. */
static GVariant *
last_record(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&options, "{sv}", "limit", g_variant_new_uint32(1));
  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "ListRecords", g_variant_new("(a{sv})", &options),
                    "(aa{sv})", -1, NULL);
  if (reply == NULL)
    return NULL;
  g_autoptr(GVariant) records = g_variant_get_child_value(reply, 0);
  return g_variant_n_children(records) ? g_variant_get_child_value(records, 0) : NULL;
}

/* NoSession in the operator's terms: "nothing to commit/cancel", and what happened last. */
static int
report_no_session(Boothctl *ctl, const GError *error, const char *verb)
{
  g_autofree char *name = g_dbus_error_get_remote_error(error);
  if (g_strcmp0(name, BOOTH_ERROR_PREFIX "NoSession") != 0)
    return boothctl_report_error(ctl, error);
  g_autoptr(GVariant) last = last_record(ctl);
  const char *id = last ? boothctl_lookup_string(last, "session_id") : NULL;
  const char *status = last ? boothctl_lookup_string(last, "status") : NULL;
  gint64 ended = 0;
  g_autofree char *message = NULL;
  if (id && status && g_str_equal(status, "committed") &&
      boothctl_lookup_int(last, "ended_at", &ended)) {
    g_autofree char *when = boothctl_format_time(ended);
    message = g_strdup_printf("nothing to %s: no session is open; the last one, %s, was already "
                              "committed at %s ('boothctl info %s' shows it)",
                              verb, id, when, id);
  } else {
    message = g_strdup_printf("nothing to %s: no session is open ('boothctl start' opens one, "
                              "or the student shows the capture code)",
                              verb);
  }
  return refuse(ctl, name, message);
}

static int
run_retake(Boothctl *ctl)
{
  return run_void_method(ctl, "Retake", "candidate discarded; ready to capture again");
}

static int
run_cancel(Boothctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = boothctl_call(ctl, BOOTH_INTERFACE, "Cancel", NULL, "()", -1, &error);
  if (reply == NULL)
    return report_no_session(ctl, error, "cancel");
  if (ctl->json) {
    g_autoptr(GVariant) empty = g_variant_ref_sink(g_variant_new("a{sv}", NULL));
    boothctl_print_json(ctl, empty);
  } else {
    g_print("session cancelled\n");
  }
  return BOOTHCTL_EXIT_OK;
}

static int
run_commit(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;

  if (opt_override)
    g_variant_builder_add(&options, "{sv}", "override", g_variant_new_boolean(TRUE));

  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "Commit", g_variant_new("(a{sv})", &options), "(a{sv})",
                    BOOTHCTL_SLOW_CALL_TIMEOUT_MS, &error);
  if (reply == NULL)
    return report_no_session(ctl, error, "commit");

  g_autoptr(GVariant) record = g_variant_get_child_value(reply, 0);
  if (ctl->json)
    boothctl_print_json(ctl, record);
  else
    boothctl_print_record(record);
  return BOOTHCTL_EXIT_OK;
}

static int
run_sessions(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;

  if (!check_utf8_option("--status", opt_status))
    return BOOTHCTL_EXIT_USAGE;
  if (opt_limit != G_MININT)
    g_variant_builder_add(&options, "{sv}", "limit", g_variant_new_uint32((guint32)opt_limit));
  if (opt_status != NULL)
    g_variant_builder_add(&options, "{sv}", "status", g_variant_new_string(opt_status));

  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "ListRecords", g_variant_new("(a{sv})", &options),
                    "(aa{sv})", -1, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);

  g_autoptr(GVariant) records = g_variant_get_child_value(reply, 0);
  if (ctl->json) {
    boothctl_print_json(ctl, records);
    return BOOTHCTL_EXIT_OK;
  }
  for (gsize i = 0; i < g_variant_n_children(records); i++) {
    g_autoptr(GVariant) record = g_variant_get_child_value(records, i);
    boothctl_print_record_line(record);
  }
  return BOOTHCTL_EXIT_OK;
}

/* The candidate's report again, from the Session property: after a Ctrl-C, or on another
 * terminal. */
static int
run_review(Boothctl *ctl)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      boothctl_call(ctl, "org.freedesktop.DBus.Properties", "Get",
                    g_variant_new("(ss)", BOOTH_INTERFACE, "Session"), "(v)", -1, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);
  g_autoptr(GVariant) boxed = g_variant_get_child_value(reply, 0);
  g_autoptr(GVariant) session = g_variant_get_variant(boxed);
  g_autoptr(GVariant) report = g_variant_lookup_value(session, "report", G_VARIANT_TYPE_VARDICT);
  if (report == NULL) {
    const char *message = g_variant_n_children(session) == 0
                              ? "no session is open, so there is no report ('boothctl info "
                                "SESSION' shows a stored one)"
                              : "no candidate waits for review: 'boothctl capture' takes one";
    return refuse(ctl, NULL, message);
  }
  return show_report(ctl, report);
}

/* One file checked by boothd as it is; prints its photo report. The file is handed over as a
 * descriptor, so boothd reads what this user may read and nothing else. */
static int
check_one(Boothctl *ctl, const char *path, GVariantBuilder *json)
{
  g_autoptr(GError) error = NULL;
  /* Non-blocking, so that a FIFO given by mistake is refused by boothd rather than waited on. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    g_printerr("boothctl: cannot open %s: %s\n", path, g_strerror(errno));
    return BOOTHCTL_EXIT_USAGE;
  }
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new_from_array(&fd, 1);
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  if (opt_profile != NULL)
    g_variant_builder_add(&options, "{sv}", "profile", g_variant_new_string(opt_profile));
  g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync(
      ctl->bus, BOOTH_BUS_NAME, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "CheckPhoto",
      g_variant_new("(ha{sv})", 0, &options), G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
      BOOTHCTL_SLOW_CALL_TIMEOUT_MS, fds, NULL, NULL, &error);
  if (reply == NULL) {
    g_autofree char *name = g_dbus_error_get_remote_error(error);
    if (name && g_str_has_prefix(name, BOOTH_ERROR_PREFIX) && !ctl->json)
      g_printerr("boothctl: %s: ", path);
    return boothctl_report_error(ctl, error);
  }
  g_autoptr(GVariant) photo = g_variant_get_child_value(reply, 0);
  gboolean passed = FALSE;
  g_variant_lookup(photo, "passed", "b", &passed);
  if (json) {
    g_autoptr(GVariantBuilder) entry = g_variant_builder_new(G_VARIANT_TYPE_VARDICT);
    g_variant_builder_add(entry, "{sv}", "file", g_variant_new_string(path));
    g_variant_builder_add(entry, "{sv}", "report", photo);
    g_variant_builder_add_value(json, g_variant_builder_end(entry));
  } else {
    g_autofree char *shown = boothctl_escape(path, strlen(path), FALSE);
    g_print("file        %s\n", shown);
    boothctl_print_photo(photo);
  }
  return passed ? BOOTHCTL_EXIT_OK : BOOTHCTL_EXIT_CHECK_FAILED;
}

static int
run_check(Boothctl *ctl)
{
  if (!check_utf8_option("--profile", opt_profile))
    return BOOTHCTL_EXIT_USAGE;
  g_auto(GVariantBuilder) json = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE("aa{sv}"));
  int status = BOOTHCTL_EXIT_OK;
  for (char **f = opt_files; *f; f++) {
    int one = check_one(ctl, *f, ctl->json ? &json : NULL);
    /* A refusal outranks a failed check, which outranks a pass. */
    if (one != BOOTHCTL_EXIT_CHECK_FAILED && one != BOOTHCTL_EXIT_OK)
      return one;
    if (one == BOOTHCTL_EXIT_CHECK_FAILED)
      status = one;
  }
  if (ctl->json) {
    g_autoptr(GVariant) value = g_variant_ref_sink(g_variant_builder_end(&json));
    boothctl_print_json(ctl, value);
  }
  return status;
}

static int
run_info(Boothctl *ctl)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  g_autoptr(GError) error = NULL;

  if (!check_utf8_option("the session id", opt_session))
    return BOOTHCTL_EXIT_USAGE;
  g_variant_builder_add(&options, "{sv}", "session_id", g_variant_new_string(opt_session));
  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "ListRecords", g_variant_new("(a{sv})", &options),
                    "(aa{sv})", -1, &error);
  if (reply == NULL)
    return boothctl_report_error(ctl, error);
  g_autoptr(GVariant) records = g_variant_get_child_value(reply, 0);
  if (g_variant_n_children(records) == 0) {
    g_autofree char *message = g_strdup_printf(
        "no session %s on this booth ('boothctl sessions' lists them)", opt_session);
    return refuse(ctl, NULL, message);
  }
  g_autoptr(GVariant) record = g_variant_get_child_value(records, 0);
  if (ctl->json)
    boothctl_print_json(ctl, record);
  else
    boothctl_print_record(record);
  return BOOTHCTL_EXIT_OK;
}

static int
run_export(Boothctl *ctl)
{
  g_autoptr(GError) error = NULL;
  gint64 since = 0;
  if (opt_since && !boothctl_parse_time(opt_since, &since, &error)) {
    g_printerr("boothctl export: --since: %s\n", error->message);
    return BOOTHCTL_EXIT_USAGE;
  }
  for (char **id = opt_sessions; id && *id; id++)
    if (!check_utf8_option("--session", *id))
      return BOOTHCTL_EXIT_USAGE;
  return boothctl_export(ctl, opt_dir, since, opt_sessions, opt_all);
}

static int
run_day_report(Boothctl *ctl)
{
  return boothctl_day_report(ctl, opt_day, opt_svg);
}

static const BoothctlCommand commands[] = {
    {"status", "", "Show state, session, camera, framing and statistics",
     "Show the state, the session, the camera, framing and statistics.", no_entries, run_status},
    {"start", "[--code TEXT] [--operator NAME] [--profile NAME] [--adopt]",
     "Start a session; prints its id",
     "Start a session and print its id. The session is detached from this command's\n"
     "bus connection, so later boothctl commands (or any authorized client) drive it.",
     start_entries, run_start},
    {"capture", "[--force]", "Take the photo; prints the check report",
     "Take the photo and print its report: size, bytes, quality, one line per check\n"
     "(name, PASS or FAIL, measured value, bound) and the candidate file.\n"
     "Exits with 4 when a check failed.",
     capture_entries, run_capture},
    {"retake", "", "Discard the candidate photo",
     "Discard the candidate photo and return to framing.", no_entries, run_retake},
    {"commit", "[--override]", "Store the candidate; prints the record",
     "Store the candidate durably and print the record.", commit_entries, run_commit},
    {"cancel", "", "End the session", "End the session without storing a photo.", no_entries,
     run_cancel},
    {"watch", "", "Follow events, one line each, until interrupted",
     "Print one line per event (code scanned, framing hints, state and session\n"
     "changes, commits) until interrupted. With --json, one JSON object per line.",
     no_entries, boothctl_watch},
    {"review", "", "Show the candidate's report again",
     "Show the report of the candidate that waits for review, as capture printed it.\n"
     "Exits with 4 when a check failed.",
     no_entries, run_review},
    {"check", "[--profile NAME] FILE...", "Check photo files against a profile",
     "Check photos made elsewhere (a phone album's, for the online upload) against a profile,\n"
     "as they are: size, aspect, file size, JPEG quality, the face and every check.\n"
     "Exits with 4 when a check failed.",
     check_entries, run_check},
    {"info", "SESSION", "Show one session's record: code, checks, files and hashes",
     "Show one session's record: its code, status and times, the checks and overrides, and\n"
     "every file with its size and SHA-256.",
     no_entries, run_info},
    {"export", "DIR [--since TIME] [--session ID]... [--all]",
     "Write the committed photos not yet exported into DIR, as one batch",
     "Write a batch into the folder DIR (a USB stick, a share): the photos\n"
     "(<session>_<profile>.jpg), manifest.csv (UTF-8, for a spreadsheet), manifest.json and\n"
     "SHA256SUMS ('sha256sum -c SHA256SUMS' checks it). The batch is a folder named by the booth\n"
     "and the time, there whole or not at all. By default every committed session that is in\n"
     "no earlier batch; --all writes them all again.",
     export_entries, run_export},
    {"report", "[--day YYYY-MM-DD] [--svg FILE]", "The day's figures, per time slot and hour",
     "The day report: sessions started, committed, cancelled and abandoned per time slot of\n"
     "the schedule and per hour; retakes per student; overrides and failing checks by name;\n"
     "median and 90th percentile seconds from code to commit; the busiest 10 minutes. --svg\n"
     "also draws students per 10 minutes over the day with the slots marked.",
     report_entries, run_day_report},
    {"sessions", "[--limit N] [--status S]", "List session records",
     "List the session records, newest first, one line each:\n"
     "id, status, started, code, files.",
     sessions_entries, run_sessions},
};

/* The command list for --help, from the table so it cannot drift from what runs. */
static char *
commands_summary(void)
{
  g_autoptr(GString) s = g_string_new("boothd's operator tool.\n\nCommands:");

  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
    g_autofree char *usage = g_strdup_printf("%s %s", commands[i].name, commands[i].synopsis);

    g_strchomp(usage);
    /* A long synopsis gets its own line, with the summary below it. */
    if (strlen(usage) > 26)
      g_string_append_printf(s, "\n  %s\n  %-26s %s", usage, "", commands[i].brief);
    else
      g_string_append_printf(s, "\n  %-26s %s", usage, commands[i].brief);
  }
  g_string_append(s, "\n\nRun 'boothctl COMMAND --help' for a command's options.");
  return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A mistake in one command's arguments: say it, then that command's usage. */
static int
command_usage_error(const BoothctlCommand *command, const char *format, ...)
{
  va_list args;

  va_start(args, format);
  g_autofree char *message = g_strdup_vprintf(format, args);
  va_end(args);
  g_printerr("boothctl %s: %s\n"
             "Usage: boothctl %s %s\n"
             "Run 'boothctl %s --help' for its options.\n",
             command->name, message, command->name, command->synopsis, command->name);
  return BOOTHCTL_EXIT_USAGE;
}

/* GOption says "Unknown option --overide": name the option the operator meant. */
static int
option_error(const BoothctlCommand *command, const GError *error)
{
  const char *unknown = g_str_has_prefix(error->message, "Unknown option ")
                            ? error->message + strlen("Unknown option ")
                            : NULL;
  if (unknown) {
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (const GOptionEntry *e = command->entries; e->long_name; e++)
      g_ptr_array_add(names, g_strconcat("--", e->long_name, NULL));
    for (const GOptionEntry *e = global_entries; e->long_name; e++)
      g_ptr_array_add(names, g_strconcat("--", e->long_name, NULL));
    g_ptr_array_add(names, NULL);
    g_autofree char *option = g_strdup(unknown);
    char *eq = strchr(option, '=');
    if (eq)
      *eq = '\0';
    const char *near = boothctl_closest(option, (const char *const *)names->pdata);
    if (near)
      return command_usage_error(command, "unknown option %s; did you mean %s?", option, near);
    return command_usage_error(command, "unknown option %s", option);
  }
  return command_usage_error(command, "%s", error->message);
}

static const BoothctlCommand *
find_command(const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
    if (g_str_equal(commands[i].name, name))
      return &commands[i];
  }
  return NULL;
}

/* "system", "session", or anything that looks like an address (transport:key=value). */
static gboolean
bus_option_valid(const char *bus, GError **error)
{
  if (bus == NULL || g_str_equal(bus, "system") || g_str_equal(bus, "session"))
    return TRUE;
  if (strchr(bus, ':') == NULL && strchr(bus, '=') == NULL) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "--bus must be system, session or a D-Bus address, not '%s'", bus);
    return FALSE;
  }
  return g_dbus_is_supported_address(bus, error);
}

static GDBusConnection *
bus_connect(const char *bus, GError **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  const char *what;

  if (bus == NULL || g_str_equal(bus, "system")) {
    what = "the system bus";
    connection = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &local_error);
  } else if (g_str_equal(bus, "session")) {
    what = "the session bus";
    connection = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &local_error);
  } else {
    what = bus;
    connection =
        g_dbus_connection_new_for_address_sync(bus,
                                               G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                   G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                               NULL, NULL, &local_error);
  }
  if (connection == NULL) {
    g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to %s: %s", what,
                local_error->message);
    return NULL;
  }
  /* GDBus would raise SIGTERM on ourselves when the bus goes away; watch wants to say
   * what happened and exit 3 instead. */
  g_dbus_connection_set_exit_on_close(connection, FALSE);
  return g_steal_pointer(&connection);
}

int
main(int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GOptionContext) command_context = NULL;
  g_autofree char *summary = commands_summary();
  Boothctl ctl = {0};

  setlocale(LC_ALL, "");
  g_set_prgname("boothctl");

  context = g_option_context_new("COMMAND [ARGS…]");
  /* Options after the command belong to the command. */
  g_option_context_set_strict_posix(context, TRUE);
  g_option_context_add_main_entries(context, global_entries, NULL);
  g_option_context_add_main_entries(context, version_entries, NULL);
  g_option_context_set_summary(context, summary);
  g_option_context_set_description(context, exit_status_help);
  if (!g_option_context_parse(context, &argc, &argv, &error))
    return usage_error("%s", error->message);

  if (opt_version) {
    g_print("boothctl %s\n", BOOTH_VERSION);
    return BOOTHCTL_EXIT_OK;
  }
  if (argc < 2)
    return usage_error("no command given");
  if (g_str_equal(argv[1], "help")) {
    g_autofree char *help = g_option_context_get_help(context, TRUE, NULL);
    g_print("%s", help);
    return BOOTHCTL_EXIT_OK;
  }

  const BoothctlCommand *command = find_command(argv[1]);
  if (command == NULL) {
    const char *names[G_N_ELEMENTS(commands) + 1] = {NULL};
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
      names[i] = commands[i].name;
    const char *near = boothctl_closest(argv[1], names);
    if (near)
      return usage_error("unknown command '%s'; did you mean '%s'?", argv[1], near);
    return usage_error("unknown command '%s'", argv[1]);
  }

  /* Help and errors for the command read "boothctl capture …". */
  g_autofree char *prgname = g_strdup_printf("boothctl %s", command->name);
  g_set_prgname(prgname);
  command_context = g_option_context_new(NULL);
  g_option_context_set_summary(command_context, command->description);
  g_option_context_set_description(command_context, exit_status_help);
  g_option_context_add_main_entries(command_context, command->entries, NULL);
  g_option_context_add_main_entries(command_context, global_entries, NULL);
  int command_argc = argc - 1;
  char **command_argv = argv + 1;
  if (!g_option_context_parse(command_context, &command_argc, &command_argv, &error))
    return option_error(command, error);
  if (command->run == run_check) {
    if (command_argc < 2)
      return command_usage_error(command, "give one or more photo files");
    opt_files = command_argv + 1;
  } else if (command->run == run_export) {
    if (command_argc != 2)
      return command_usage_error(command, "give the folder to write the batch into");
    opt_dir = command_argv[1];
  } else if (command->run == run_info) {
    if (command_argc != 2)
      return command_usage_error(command, "give one session id (see 'boothctl sessions')");
    opt_session = command_argv[1];
  } else if (command_argc > 1) {
    return command_usage_error(command, "unexpected argument '%s'", command_argv[1]);
  }
  if (opt_limit != G_MININT && opt_limit < 0)
    return command_usage_error(command, "--limit must not be negative");
  if (opt_status != NULL && !g_strv_contains(record_statuses, opt_status)) {
    g_autofree char *known = g_strjoinv(", ", (char **)record_statuses);
    return command_usage_error(command, "--status must be one of %s, not '%s'", known, opt_status);
  }
  if (!bus_option_valid(opt_bus, &error))
    return usage_error("%s", error->message);

  ctl.json = opt_json;
  ctl.pretty = opt_json && command->run != boothctl_watch && isatty(STDOUT_FILENO);
  ctl.bus = bus_connect(opt_bus, &error);
  if (ctl.bus == NULL) {
    g_printerr("boothctl: %s\n", error->message);
    if (ctl.json)
      print_json_error(&ctl, NULL, error->message, BOOTHCTL_EXIT_UNREACHABLE);
    return BOOTHCTL_EXIT_UNREACHABLE;
  }

  int status = command->run(&ctl);
  g_object_unref(ctl.bus);
  return status;
}
