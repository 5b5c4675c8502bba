/* The org.boothd.Booth1 object. This vtable is the interface's single source: dbus/ holds its
 * introspection, dumped from a running daemon and compared by a test. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "booth.h"
#include "bus-util.h"
#include "error.h"
#include "log.h"

#define BOOTH_BUS_NAME "org.boothd.Booth1"
#define BOOTH_OBJECT_PATH "/org/boothd/Booth1"
#define BOOTH_INTERFACE "org.boothd.Booth1"

gboolean
booth_service_check_caller(Booth *b, sd_bus_message *call, GError **error)
{
  g_assert(b && call);
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
  if (uid == 0 || uid == geteuid())
    return TRUE;
  /* Membership is read from the group database, not the caller's process: a booth operator
   * added to the group needs no new login for the daemon to see it. */
  struct group *g = getgrnam(b->config->allowed_group);
  struct passwd *pw = getpwuid(uid);
  if (g && pw) {
    if (pw->pw_gid == g->gr_gid)
      return TRUE;
    for (char **m = g->gr_mem; *m; m++)
      if (strcmp(*m, pw->pw_name) == 0)
        return TRUE;
  }
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED,
              "user %u may not operate the booth: add the user to group '%s' (or run as root)",
              (unsigned)uid, b->config->allowed_group);
  return FALSE;
}

/* Methods: read the a{sv} (if any) into a GVariant and hand over; replies come later. */
static int
method_with_options(sd_bus_message *m, void *userdata, sd_bus_error *ret_error,
                    void (*fn)(Booth *, sd_bus_message *, GVariant *))
{
  int r;
  g_autoptr(GVariant) options = booth_bus_read(m, &r);
  if (!options)
    return sd_bus_error_set_errnof(ret_error, -r, "cannot read the options: %s", strerror(-r));
  g_variant_ref_sink(options);
  fn(userdata, m, options);
  return 1;
}

static int
method_start_session(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  return method_with_options(m, userdata, e, booth_start_session);
}

static int
method_capture(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  return method_with_options(m, userdata, e, booth_capture);
}

static int
method_commit(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  return method_with_options(m, userdata, e, booth_commit);
}

static int
method_list_records(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  return method_with_options(m, userdata, e, booth_list_records);
}

static int
method_retake(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  booth_retake(userdata, m);
  return 1;
}

static int
method_cancel(sd_bus_message *m, void *userdata, sd_bus_error *e)
{
  (void)e;
  booth_cancel(userdata, m);
  return 1;
}

static int
property_get(sd_bus *bus, const char *path, const char *interface, const char *property,
             sd_bus_message *reply, void *userdata, sd_bus_error *e)
{
  (void)bus, (void)path, (void)interface, (void)e;
  Booth *b = userdata;
  if (strcmp(property, "State") == 0)
    return sd_bus_message_append_basic(reply, 's', booth_state_name(booth_get_state(b)));
  g_autoptr(GVariant) v = NULL;
  if (strcmp(property, "Session") == 0)
    v = booth_dup_session(b);
  else if (strcmp(property, "Framing") == 0)
    v = booth_dup_framing(b);
  else if (strcmp(property, "Camera") == 0)
    v = booth_dup_camera(b);
  else
    v = booth_dup_stats(b);
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

void
booth_service_emit(Booth *b, const char *signal, GVariant *args)
{
  g_autoptr(GVariant) sunk = g_variant_ref_sink(args);
  if (!b->bus)
    return;
  sd_bus_message *m = NULL;
  int r = sd_bus_message_new_signal(b->bus, &m, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, signal);
  if (r >= 0)
    r = booth_bus_append_args(m, sunk);
  if (r >= 0)
    r = sd_bus_send(b->bus, m, NULL);
  sd_bus_message_unref(m);
  if (r < 0)
    booth_warn("bus", "cannot emit %s: %s", signal, strerror(-r));
}

void
booth_service_properties_changed(Booth *b, char **names)
{
  int r = sd_bus_emit_properties_changed_strv(b->bus, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, names);
  if (r < 0)
    booth_warn("bus", "cannot emit PropertiesChanged: %s", strerror(-r));
}

gboolean
booth_start_bus(Booth *b, const char *spec, GError **error)
{
  g_assert(b && spec);
  int r;
  if (strcmp(spec, "system") == 0)
    r = sd_bus_open_system(&b->bus);
  else if (strcmp(spec, "session") == 0)
    r = sd_bus_open_user(&b->bus);
  else {
    r = sd_bus_new(&b->bus);
    if (r >= 0)
      r = sd_bus_set_address(b->bus, spec);
    if (r >= 0)
      r = sd_bus_set_bus_client(b->bus, 1);
    if (r >= 0)
      r = sd_bus_start(b->bus);
  }
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot connect to the %s bus: %s", spec,
                strerror(-r));
    return FALSE;
  }
  /* Export first, then take the name, then tell systemd we are ready. */
  r = sd_bus_add_object_vtable(b->bus, &b->vtable_slot, BOOTH_OBJECT_PATH, BOOTH_INTERFACE,
                               booth_vtable, b);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "cannot export %s: %s", BOOTH_OBJECT_PATH,
                strerror(-r));
    return FALSE;
  }
  r = sd_bus_request_name(b->bus, BOOTH_BUS_NAME, 0);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot own %s on the %s bus: %s (is another boothd running, or does the bus "
                "policy not allow this user?)",
                BOOTH_BUS_NAME, spec, strerror(-r));
    return FALSE;
  }
  b->bus_source = booth_bus_source_attach(b->bus, NULL);
  booth_info("bus", "serving %s on the %s bus", BOOTH_BUS_NAME, spec);
  return TRUE;
}
