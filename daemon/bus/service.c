/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The org.boothd.Booth1 object. This vtable is the interface's single source: dbus/ holds its
 * introspection, dumped from a running daemon and compared by a test. Arguments are read
 * straight from the message into plain values for the core; answers are written straight
 * into the reply. */
#include "bus/service-private.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "booth-names.h"
#include "core/export.h"
#include "core/session.h"
#include "error.h"
#include "log.h"

/* ---- who calls ---- */

/* The caller's name and uid, and whether it may operate the booth: root, boothd's own user,
 * or a member of allowed_group; and whether it may read the records: those, and members of
 * boothd's own group (boothsync), which may read the photos anyway. Membership is read from
 * the group database, not the caller's process: a booth operator added to the group needs no
 * new login for the daemon to see it. */
static gboolean
caller_identify(BoothService *svc, sd_bus_message *call, BoothCaller *caller, GError **error)
{
  sd_bus_creds *creds = NULL;
  uid_t uid;
  int r = sd_bus_query_sender_creds(call, SD_BUS_CREDS_EUID | SD_BUS_CREDS_AUGMENT, &creds);
  if (r >= 0)
    r = sd_bus_creds_get_euid(creds, &uid);
  sd_bus_creds_unref(creds);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED,
                "cannot tell who is calling (%s); access denied", strerror(-r));
    return FALSE;
  }
  caller->name = sd_bus_message_get_sender(call);
  caller->uid = uid;
  caller->authorized = uid == 0 || uid == geteuid();
  const struct group *g = getgrnam(booth_get_config(svc->booth)->allowed_group);
  const struct passwd *pw = caller->authorized ? NULL : getpwuid(uid);
  if (g && pw) {
    caller->authorized = pw->pw_gid == g->gr_gid;
    for (char **m = g->gr_mem; *m && !caller->authorized; m++)
      caller->authorized = strcmp(*m, pw->pw_name) == 0;
  }
  caller->reader = caller->authorized;
  const struct group *own = caller->reader || !pw ? NULL : getgrgid(getegid());
  if (own) {
    caller->reader = pw->pw_gid == own->gr_gid;
    for (char **m = own->gr_mem; *m && !caller->reader; m++)
      caller->reader = strcmp(*m, pw->pw_name) == 0;
  }
  return TRUE;
}

/* ---- options ---- */

typedef struct {
  const char *key;
  const char *type; /* "b", "s", "u", "d", "x", "as" or "ay" */
} OptionSpec;

typedef struct {
  gboolean set;
  int b;
  guint32 u;
  double d;
  gint64 x;
  char **as;     /* owned: options_clear() frees it */
  const char *s; /* valid while the message lives */
  const void *ay;
  size_t ay_len;
} OptionValue;

/* Reads an a{sv} into values (one per spec, in spec order). Unknown keys and wrong types are
 * refused by name, so a typo never silently does nothing. */
static gboolean
options_read(sd_bus_message *m, const char *method, const OptionSpec *specs, OptionValue *values,
             GError **error)
{
  int r = sd_bus_message_enter_container(m, 'a', "{sv}");
  while (r >= 0 && (r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
    const char *key, *contents;
    char type;
    r = sd_bus_message_read_basic(m, 's', &key);
    if (r >= 0)
      r = sd_bus_message_peek_type(m, &type, &contents);
    if (r < 0)
      break;
    guint i = 0;
    while (specs[i].key && strcmp(specs[i].key, key) != 0)
      i++;
    if (!specs[i].key) {
      g_autofree char *shown = booth_utf8_prefix(key, 64);
      g_autoptr(GString) known = g_string_new(NULL);
      for (const OptionSpec *s = specs; s->key; s++)
        g_string_append_printf(known, "%s%s", known->len ? ", " : "", s->key);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s has no option '%s' (known: %s)", method, shown,
                  known->len ? known->str : "none");
      return FALSE;
    }
    if (strcmp(contents, specs[i].type) != 0) {
      g_autofree char *shown = booth_utf8_prefix(contents, 64);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s option '%s' must be of type '%s', not '%s'", method, key, specs[i].type,
                  shown);
      return FALSE;
    }
    OptionValue *v = &values[i];
    r = sd_bus_message_enter_container(m, 'v', contents);
    if (r >= 0) {
      switch (contents[0]) {
      case 'b':
        r = sd_bus_message_read_basic(m, 'b', &v->b);
        break;
      case 'u':
        r = sd_bus_message_read_basic(m, 'u', &v->u);
        break;
      case 'x':
        r = sd_bus_message_read_basic(m, 'x', &v->x);
        break;
      case 'd':
        r = sd_bus_message_read_basic(m, 'd', &v->d);
        break;
      case 's':
        r = sd_bus_message_read_basic(m, 's', &v->s);
        break;
      case 'a':
        if (contents[1] == 's') {
          g_strfreev(v->as);
          v->as = NULL;
          r = sd_bus_message_read_strv(m, &v->as);
          break;
        }
        G_GNUC_FALLTHROUGH;
      default:
        r = sd_bus_message_read_array(m, 'y', &v->ay, &v->ay_len);
        break;
      }
    }
    if (r >= 0)
      r = sd_bus_message_exit_container(m);
    if (r >= 0)
      r = sd_bus_message_exit_container(m);
    v->set = TRUE;
  }
  if (r >= 0)
    r = sd_bus_message_exit_container(m);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "cannot read the options: %s",
                strerror(-r));
    return FALSE;
  }
  return TRUE;
}

static void
options_clear(OptionValue *values, gsize n)
{
  for (gsize i = 0; i < n; i++)
    g_clear_pointer(&values[i].as, g_strfreev);
}

/* ---- calls in flight ---- */

/* A method call the core is working on: the reply goes out when it finishes. */
typedef struct {
  BoothService *svc;
  sd_bus_message *call;
} Request;

static Request *
request_new(BoothService *svc, sd_bus_message *call)
{
  Request *q = g_new0(Request, 1);
  q->svc = svc;
  q->call = sd_bus_message_ref(call);
  return q;
}

static void
request_free(Request *q)
{
  sd_bus_message_unref(q->call);
  g_free(q);
}

/* Reads the caller (and the options, when specs is not NULL); on failure replies the error
 * itself and returns FALSE. */
static gboolean
request_begin(BoothService *svc, sd_bus_message *m, const OptionSpec *specs, OptionValue *values,
              BoothCaller *caller)
{
  g_autoptr(GError) error = NULL;
  if ((specs && !options_read(m, sd_bus_message_get_member(m), specs, values, &error)) ||
      !caller_identify(svc, m, caller, &error)) {
    booth_bus_reply_error(m, error);
    return FALSE;
  }
  return TRUE;
}

/* Replies with nothing, or the error, and ends the request (Retake, Cancel). */
static void
request_done(const GError *error, gpointer data)
{
  Request *q = data;
  if (!error)
    booth_bus_reply(q->call, NULL);
  else
    booth_bus_reply_error(q->call, error);
  request_free(q);
}

/* ---- StartSession ---- */

static void
start_done(const char *id, const GError *error, gpointer data)
{
  Request *q = data;
  if (id)
    booth_bus_reply(q->call, g_variant_new("(s)", id));
  else
    booth_bus_reply_error(q->call, error);
  request_free(q);
}

static int
method_start_session(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {{"code", "s"},    {"code_bytes", "ay"}, {"operator", "s"},
                                     {"profile", "s"}, {"adopt", "b"},       {"detach", "b"},
                                     {NULL, NULL}};
  enum { CODE, CODE_BYTES, OPERATOR, PROFILE, ADOPT, DETACH };
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (!request_begin(svc, m, specs, v, &caller))
    return 1;
  if (v[CODE].set && v[CODE_BYTES].set) {
    sd_bus_reply_method_errorf(m, booth_error_dbus_name(BOOTH_ERROR_INVALID_ARGUMENT),
                               "give code or code_bytes, not both");
    return 1;
  }
  g_autoptr(GBytes) code = v[CODE].set         ? g_bytes_new(v[CODE].s, strlen(v[CODE].s))
                           : v[CODE_BYTES].set ? g_bytes_new(v[CODE_BYTES].ay, v[CODE_BYTES].ay_len)
                                               : NULL;
  BoothStartOptions o = {code, v[OPERATOR].s, v[PROFILE].s, v[ADOPT].b, v[DETACH].b};
  booth_session_start(svc->booth, &caller, &o, start_done, request_new(svc, m));
  return 1;
}

/* ---- Capture ---- */

/* Capture's and CheckPhoto's answer: a report. */
static void
report_done(GVariant *report, const GError *error, gpointer data)
{
  Request *q = data;
  if (report)
    booth_bus_reply(q->call, g_variant_new("(@a{sv})", report));
  else
    booth_bus_reply_error(q->call, error);
  request_free(q);
}

static int
method_capture(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {{"force", "b"}, {NULL, NULL}};
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (request_begin(svc, m, specs, v, &caller))
    booth_session_capture(svc->booth, &caller, v[0].b, report_done, request_new(svc, m));
  return 1;
}

/* ---- Retake, Cancel ---- */

static int
method_retake(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  BoothService *svc = userdata;
  BoothCaller caller;
  if (request_begin(svc, m, NULL, NULL, &caller))
    booth_session_retake(svc->booth, &caller, request_done, request_new(svc, m));
  return 1;
}

static int
method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  BoothService *svc = userdata;
  BoothCaller caller;
  if (request_begin(svc, m, NULL, NULL, &caller))
    booth_session_cancel(svc->booth, &caller, request_done, request_new(svc, m));
  return 1;
}

/* ---- Commit ---- */

static void
commit_done(const BoothRecord *record, const GError *error, gpointer data)
{
  Request *q = data;
  if (record)
    booth_service_reply_record(q->call, record);
  else
    booth_bus_reply_error(q->call, error);
  request_free(q);
}

static int
method_commit(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {{"override", "b"}, {"session_id", "s"}, {NULL, NULL}};
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (request_begin(svc, m, specs, v, &caller))
    booth_session_commit(svc->booth, &caller, v[0].b, v[1].s, commit_done, request_new(svc, m));
  return 1;
}

/* ---- ListRecords ---- */

static void
list_done(GPtrArray *records, const GError *error, gpointer data)
{
  Request *q = data;
  if (records)
    booth_service_reply_records(q->call, records);
  else
    booth_bus_reply_error(q->call, error);
  request_free(q);
}

static int
method_list_records(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {
      {"limit", "u"}, {"status", "s"}, {"session_id", "s"}, {"started_after", "x"}, {NULL, NULL}};
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (!request_begin(svc, m, specs, v, &caller))
    return 1;
  if (v[3].set && v[3].x < 0) {
    sd_bus_reply_method_errorf(m, booth_error_dbus_name(BOOTH_ERROR_INVALID_ARGUMENT),
                               "started_after must be 0 or more (microseconds since 1970)");
    return 1;
  }
  booth_records_list(svc->booth, &caller, v[0].set ? v[0].u : 100, v[1].s, v[2].s,
                     v[3].set ? v[3].x : -1, list_done, request_new(svc, m));
  return 1;
}

/* ---- OpenPreview ---- */

/* The core writes into one end of a socket pair; the caller gets the other. */
static int
method_open_preview(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {
      {"max_side", "u"}, {"fps", "d"}, {"quality", "u"}, {"mirror", "b"}, {NULL, NULL}};
  enum { MAX_SIDE, FPS, QUALITY, MIRROR };
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (!request_begin(svc, m, specs, v, &caller))
    return 1;
  BoothPreviewOptions o;
  booth_preview_options_init(&o);
  if (v[MAX_SIDE].set)
    o.max_side = v[MAX_SIDE].u;
  if (v[FPS].set)
    o.fps = v[FPS].d;
  if (v[QUALITY].set)
    o.quality = v[QUALITY].u;
  o.mirror = v[MIRROR].b;
  g_autoptr(GError) error = NULL;
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) < 0) {
    g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot make the preview's socket: %s (see boothd's file limit)", strerror(errno));
    booth_bus_reply_error(m, error);
    return 1;
  }
  /* The stream only flows from boothd: the caller's end never writes. */
  shutdown(fds[1], SHUT_WR);
  if (!booth_open_preview(svc->booth, &caller, fds[0], &o, &error)) {
    close(fds[0]);
    close(fds[1]);
    booth_bus_reply_error(m, error);
    return 1;
  }
  /* sd-bus sends a duplicate; ours is closed either way. */
  int r = sd_bus_reply_method_return(m, "h", fds[1]);
  close(fds[1]);
  if (r < 0)
    booth_warn("bus", "cannot send the preview to %s: %s", sd_bus_message_get_sender(m),
               strerror(-r));
  return 1;
}

/* ---- OpenCandidate ---- */

static int
method_open_candidate(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  BoothService *svc = userdata;
  const char *profile;
  g_autoptr(GError) error = NULL;
  int r = sd_bus_message_read_basic(m, 's', &profile);
  if (r < 0) {
    g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "cannot read the profile: %s",
                strerror(-r));
    booth_bus_reply_error(m, error);
    return 1;
  }
  BoothCaller caller;
  if (!request_begin(svc, m, NULL, NULL, &caller))
    return 1;
  int fd = booth_session_open_candidate(svc->booth, &caller, profile, &error);
  if (fd < 0) {
    booth_bus_reply_error(m, error);
    return 1;
  }
  r = sd_bus_reply_method_return(m, "h", fd);
  close(fd);
  if (r < 0)
    booth_warn("bus", "cannot send the candidate to %s: %s", sd_bus_message_get_sender(m),
               strerror(-r));
  return 1;
}

/* request_begin() for a method whose first argument is a file descriptor (what names it in
 * messages): *own gets a copy of it, which the caller owns, since the message's own closes with
 * the message and the work reads it later. On failure replies the error itself. */
static gboolean
request_begin_fd(BoothService *svc, sd_bus_message *m, const char *what, const OptionSpec *specs,
                 OptionValue *values, BoothCaller *caller, int *own)
{
  int fd = -1;
  int r = sd_bus_message_read_basic(m, 'h', &fd);
  if (r < 0) {
    g_autoptr(GError) error =
        g_error_new(BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                    "cannot read %s's file descriptor: %s", what, strerror(-r));
    booth_bus_reply_error(m, error);
    return FALSE;
  }
  if (!request_begin(svc, m, specs, values, caller))
    return FALSE;
  *own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
  if (*own < 0) {
    g_autoptr(GError) error =
        g_error_new(BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot keep %s's file descriptor: %s", what,
                    strerror(errno));
    booth_bus_reply_error(m, error);
    return FALSE;
  }
  return TRUE;
}

/* ---- CheckPhoto ---- */

static int
method_check_photo(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {{"profile", "s"}, {NULL, NULL}};
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  int own = -1;
  if (!request_begin_fd(svc, m, "the photo", specs, v, &caller, &own))
    return 1;
  booth_photo_check(svc->booth, &caller, own, v[0].s, report_done, request_new(svc, m));
  return 1;
}

/* ---- Export ---- */

static void
export_done(const BoothExportResult *result, const GError *error, gpointer data)
{
  Request *q = data;
  if (!result) {
    booth_bus_reply_error(q->call, error);
    request_free(q);
    return;
  }
  GVariantBuilder b;
  g_variant_builder_init(&b, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add(&b, "{sv}", "batch",
                        g_variant_new_string(result->batch ? result->batch : ""));
  g_variant_builder_add(&b, "{sv}", "path", g_variant_new_string(result->path ? result->path : ""));
  g_variant_builder_add(&b, "{sv}", "sessions", g_variant_new_uint32(result->sessions));
  g_variant_builder_add(&b, "{sv}", "photos", g_variant_new_uint32(result->photos));
  g_variant_builder_add(&b, "{sv}", "bytes", g_variant_new_uint64((guint64)result->bytes));
  g_variant_builder_add(&b, "{sv}", "seconds", g_variant_new_double(result->duration_us / 1e6));
  g_variant_builder_add(
      &b, "{sv}", "cleaned",
      g_variant_new_strv((const char *const *)result->cleaned->pdata, result->cleaned->len));
  booth_bus_reply(q->call, g_variant_new("(a{sv})", &b));
  request_free(q);
}

static int
method_export(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {
      {"since", "x"}, {"sessions", "as"}, {"all", "b"}, {NULL, NULL}};
  enum { SINCE, SESSIONS, ALL };
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  int own = -1;
  if (request_begin_fd(svc, m, "the export folder", specs, v, &caller, &own)) {
    BoothExportQuery query = {v[SINCE].x > 0 ? v[SINCE].x : 0, v[SESSIONS].as, v[ALL].b};
    booth_export(svc->booth, &caller, own, &query, export_done, request_new(svc, m));
  }
  options_clear(v, G_N_ELEMENTS(v));
  return 1;
}

/* ---- Report ---- */

static int
method_report(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  static const OptionSpec specs[] = {{"day", "s"}, {NULL, NULL}};
  BoothService *svc = userdata;
  OptionValue v[G_N_ELEMENTS(specs)] = {0};
  BoothCaller caller;
  if (request_begin(svc, m, specs, v, &caller))
    booth_day_report(svc->booth, &caller, v[0].s, report_done, request_new(svc, m));
  return 1;
}

/* ---- the object ---- */

static int
property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
             sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
  (void)bus, (void)path, (void)interface, (void)e;
  BoothService *svc = userdata;
  if (strcmp(property, "State") == 0)
    return sd_bus_message_append_basic(reply, 's', booth_state_name(booth_get_state(svc->booth)));
  g_autoptr(GVariant) v = booth_service_property_value(svc, property);
  return booth_bus_append(reply, v);
}

static const sd_bus_vtable booth_vtable[] = {
    SD_BUS_VTABLE_START(0),
    SD_BUS_METHOD_WITH_NAMES("StartSession", "a{sv}", SD_BUS_PARAM(options), "s",
                             SD_BUS_PARAM(session_id), method_start_session,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Capture", "a{sv}", SD_BUS_PARAM(options), "a{sv}",
                             SD_BUS_PARAM(report), method_capture, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Retake", "", "", method_retake, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Commit", "a{sv}", SD_BUS_PARAM(options), "a{sv}",
                             SD_BUS_PARAM(record), method_commit, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD("Cancel", "", "", method_cancel, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("ListRecords", "a{sv}", SD_BUS_PARAM(options), "aa{sv}",
                             SD_BUS_PARAM(records), method_list_records,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("OpenPreview", "a{sv}", SD_BUS_PARAM(options), "h",
                             SD_BUS_PARAM(stream), method_open_preview, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("OpenCandidate", "s", SD_BUS_PARAM(profile), "h", SD_BUS_PARAM(photo),
                             method_open_candidate, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("CheckPhoto", "ha{sv}", SD_BUS_PARAM(photo) SD_BUS_PARAM(options),
                             "a{sv}", SD_BUS_PARAM(report), method_check_photo,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Export", "ha{sv}", SD_BUS_PARAM(folder) SD_BUS_PARAM(options),
                             "a{sv}", SD_BUS_PARAM(batch), method_export,
                             SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_METHOD_WITH_NAMES("Report", "a{sv}", SD_BUS_PARAM(options), "a{sv}",
                             SD_BUS_PARAM(report), method_report, SD_BUS_VTABLE_UNPRIVILEGED),
    SD_BUS_PROPERTY("State", "s", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Session", "a{sv}", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Framing", "a{sv}", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Camera", "a{sv}", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_PROPERTY("Stats", "a{sv}", property_get, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
    SD_BUS_SIGNAL_WITH_NAMES("CodeScanned", "sa{sv}", SD_BUS_PARAM(payload) SD_BUS_PARAM(info), 0),
    SD_BUS_SIGNAL_WITH_NAMES("FramingHints", "asd", SD_BUS_PARAM(hints) SD_BUS_PARAM(score), 0),
    SD_BUS_SIGNAL_WITH_NAMES("Committed", "sa{sv}", SD_BUS_PARAM(session_id) SD_BUS_PARAM(record),
                             0),
    SD_BUS_VTABLE_END,
};

/* ---- the session's owner ---- */

static void owner_watch(BoothService *svc, const char *owner);

static gboolean
owner_left_later(gpointer data)
{
  BoothService *svc = data;
  svc->owner_idle = 0;
  g_autofree char *owner = g_steal_pointer(&svc->owner);
  owner_watch(svc, NULL);
  if (owner)
    booth_session_owner_left(svc->booth, owner);
  return G_SOURCE_REMOVE;
}

static int
owner_vanished(sd_bus_track *track, void *data)
{
  BoothService *svc = data;
  if (track == svc->owner_track)
    owner_left_later(svc);
  return 0;
}

/* The owner's process name, pid and uid, so an operator sees "the kiosk, pid 1234" rather than
 * a bus name. Unknown parts stay 0 or NULL. */
static void
owner_identify(BoothService *svc, const char *owner)
{
  sd_bus_creds *creds = NULL;
  if (sd_bus_get_name_creds(svc->bus, owner,
                            SD_BUS_CREDS_PID | SD_BUS_CREDS_EUID | SD_BUS_CREDS_COMM |
                                SD_BUS_CREDS_AUGMENT,
                            &creds) < 0)
    return;
  pid_t pid;
  uid_t uid;
  const char *comm;
  if (sd_bus_creds_get_pid(creds, &pid) >= 0)
    svc->owner_pid = (guint32)pid;
  if (sd_bus_creds_get_euid(creds, &uid) >= 0)
    svc->owner_uid = (guint32)uid;
  if (sd_bus_creds_get_comm(creds, &comm) >= 0)
    svc->owner_process = booth_utf8_prefix(comm, 64);
  sd_bus_creds_unref(creds);
}

/* Watches owner on the bus (NULL: nobody). */
static void
owner_watch(BoothService *svc, const char *owner)
{
  svc->owner_track = sd_bus_track_unref(svc->owner_track);
  g_clear_handle_id(&svc->owner_idle, g_source_remove);
  g_free(svc->owner);
  svc->owner = g_strdup(owner);
  g_clear_pointer(&svc->owner_process, g_free);
  svc->owner_pid = svc->owner_uid = 0;
  if (!owner)
    return;
  owner_identify(svc, owner);
  int r = sd_bus_track_new(svc->bus, &svc->owner_track, owner_vanished, svc);
  if (r >= 0)
    r = sd_bus_track_add_name(svc->owner_track, owner);
  if (r < 0) {
    /* Already gone, or the bus refused: treat it as leaving now, once the core is done with
     * the step that named it. */
    booth_warn("bus", "cannot watch owner %s: %s", owner, strerror(-r));
    svc->owner_idle = g_idle_add(owner_left_later, svc);
  }
}

static void
on_owner_changed(const char *owner, gpointer data)
{
  owner_watch(data, owner);
}

/* ---- life ---- */

/* What to do about a bus boothd cannot reach, in words. */
static void
set_connect_error(GError **error, const char *spec, int r)
{
  if (strcmp(spec, "session") == 0)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "no session bus (%s): run boothd under dbus-run-session, or pass --bus ADDRESS "
                "or --bus system",
                strerror(-r));
  else if (strcmp(spec, "system") == 0)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "no system bus (%s): is dbus running (systemctl status dbus)? Or pass --bus "
                "ADDRESS",
                strerror(-r));
  else
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot connect to the bus at %s: %s; check the address (--bus)", spec,
                strerror(-r));
}

BoothService *
booth_service_connect(const char *spec, GError **error)
{
  g_assert(spec);
  g_autoptr(BoothService) svc = g_new0(BoothService, 1);
  svc->spec = g_strdup(spec);
  int r;
  if (strcmp(spec, "system") == 0)
    r = sd_bus_open_system(&svc->bus);
  else if (strcmp(spec, "session") == 0)
    r = sd_bus_open_user(&svc->bus);
  else {
    r = sd_bus_new(&svc->bus);
    if (r >= 0)
      r = sd_bus_set_address(svc->bus, spec);
    if (r >= 0)
      r = sd_bus_set_bus_client(svc->bus, 1);
    if (r >= 0)
      r = sd_bus_start(svc->bus);
  }
  if (r < 0) {
    set_connect_error(error, spec, r);
    return NULL;
  }
  return g_steal_pointer(&svc);
}

gboolean
booth_service_export(BoothService *svc, Booth *booth, GError **error)
{
  g_assert(svc && booth && !svc->booth);
  svc->booth = booth;
  /* Export first, then take the name. */
  int r = sd_bus_add_object_vtable(svc->bus, &svc->vtable_slot, BOOTH_OBJECT_PATH, BOOTH_INTERFACE,
                                   booth_vtable, svc);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot export %s: %s", BOOTH_OBJECT_PATH,
                strerror(-r));
    return FALSE;
  }
  r = sd_bus_request_name(svc->bus, BOOTH_BUS_NAME, 0);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot own %s on the %s bus: %s (is another boothd running, or does the bus "
                "policy not allow this user?)",
                BOOTH_BUS_NAME, svc->spec, strerror(-r));
    return FALSE;
  }
  svc->source = booth_bus_source_attach(svc->bus, NULL);
  booth_service_properties_init(svc);
  BoothListener listener = {
      .changed = booth_service_on_changed,
      .code_scanned = booth_service_on_code_scanned,
      .hints_changed = booth_service_on_hints_changed,
      .committed = booth_service_on_committed,
      .owner_changed = on_owner_changed,
  };
  booth_add_listener(booth, &listener, svc);
  booth_info("bus", "serving %s on the %s bus", BOOTH_BUS_NAME, svc->spec);
  return TRUE;
}

void
booth_service_stop(BoothService *svc)
{
  g_assert(svc);
  if (svc->source) {
    g_source_destroy(svc->source);
    g_clear_pointer(&svc->source, g_source_unref);
  }
}

void
booth_service_free(BoothService *svc)
{
  if (!svc)
    return;
  booth_service_stop(svc);
  booth_service_properties_clear(svc);
  owner_watch(svc, NULL);
  sd_bus_slot_unref(svc->vtable_slot);
  if (svc->bus) {
    sd_bus_flush(svc->bus);
    sd_bus_close_unref(svc->bus);
  }
  g_free(svc->spec);
  g_free(svc);
}
