/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothctl export: the folder is opened here, with this user's rights, and handed to boothd
 * as a descriptor, so boothd writes the batch where the operator may write and nowhere else. */
#include "export.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "print.h"

/* Writing a day's photos to a slow stick takes minutes. */
#define EXPORT_TIMEOUT_MS (30 * 60 * 1000)

gboolean
boothctl_parse_time(const char *text, gint64 *usec, GError **error)
{
  g_autoptr(GTimeZone) local = g_time_zone_new_local();
  g_autoptr(GDateTime) t = NULL;
  int h, m, n = 0;
  if (sscanf(text, "%2d:%2d%n", &h, &m, &n) == 2 && text[n] == 0) {
    g_autoptr(GDateTime) now = g_date_time_new_now(local);
    t = g_date_time_new(local, g_date_time_get_year(now), g_date_time_get_month(now),
                        g_date_time_get_day_of_month(now), h, m, 0);
  } else {
    g_autofree char *iso = g_strdup(text);
    char *space = strchr(iso, ' ');
    if (space)
      *space = 'T';
    if (strlen(iso) == 10) {
      g_autofree char *day = g_strconcat(iso, "T00:00:00", NULL);
      t = g_date_time_new_from_iso8601(day, local);
    } else {
      t = g_date_time_new_from_iso8601(iso, local);
      if (!t) {
        g_autofree char *with_seconds = g_strconcat(iso, ":00", NULL);
        t = g_date_time_new_from_iso8601(with_seconds, local);
      }
    }
  }
  if (!t) {
    g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                "'%s' is not a time: write HH:MM (today), YYYY-MM-DD or 'YYYY-MM-DD HH:MM'", text);
    return FALSE;
  }
  *usec = g_date_time_to_unix(t) * G_USEC_PER_SEC;
  return TRUE;
}

static void
print_size(const char *label, guint64 bytes)
{
  if (bytes >= 1024 * 1024)
    g_print("%-11s %.1f MiB\n", label, bytes / (1024.0 * 1024.0));
  else
    g_print("%-11s %.1f KiB\n", label, bytes / 1024.0);
}

int
boothctl_export(Boothctl *ctl, const char *dir, gint64 since, char **sessions, gboolean all)
{
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    g_printerr("boothctl: cannot open the folder %s: %s\n", dir, g_strerror(errno));
    return errno == ENOENT || errno == ENOTDIR ? BOOTHCTL_EXIT_USAGE : BOOTHCTL_EXIT_REFUSED;
  }
  g_autoptr(GUnixFDList) fds = g_unix_fd_list_new_from_array(&fd, 1);
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  if (since > 0)
    g_variant_builder_add(&options, "{sv}", "since", g_variant_new_int64(since));
  if (sessions && *sessions)
    g_variant_builder_add(&options, "{sv}", "sessions",
                          g_variant_new_strv((const char *const *)sessions, -1));
  if (all)
    g_variant_builder_add(&options, "{sv}", "all", g_variant_new_boolean(TRUE));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync(
      ctl->bus, BOOTH_BUS_NAME, BOOTH_OBJECT_PATH, BOOTH_INTERFACE, "Export",
      g_variant_new("(ha{sv})", 0, &options), G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
      EXPORT_TIMEOUT_MS, fds, NULL, NULL, &error);
  if (!reply)
    return boothctl_report_error(ctl, error);
  g_autoptr(GVariant) batch = g_variant_get_child_value(reply, 0);
  if (ctl->json) {
    boothctl_print_json(ctl, batch);
    return BOOTHCTL_EXIT_OK;
  }
  g_autofree const char **cleaned = NULL;
  if (g_variant_lookup(batch, "cleaned", "^a&s", &cleaned))
    for (const char **c = cleaned; *c; c++)
      g_print("removed %s, an unfinished batch left by an interrupted export\n", *c);
  const char *name = boothctl_lookup_string(batch, "batch");
  if (!name || !*name) {
    g_print("nothing to export: %s\n",
            all || since > 0 ? "no committed session matches"
                             : "every committed session is in an earlier batch ('boothctl "
                               "export --all' writes them all again)");
    return BOOTHCTL_EXIT_OK;
  }
  gint64 n = 0;
  double seconds = 0;
  g_print("%-11s %s\n", "batch", name);
  g_print("%-11s %s/%s\n", "folder", dir, name);
  if (boothctl_lookup_int(batch, "sessions", &n))
    g_print("%-11s %" G_GINT64_FORMAT "\n", "sessions", n);
  if (boothctl_lookup_int(batch, "photos", &n))
    g_print("%-11s %" G_GINT64_FORMAT "\n", "photos", n);
  if (boothctl_lookup_int(batch, "bytes", &n))
    print_size("size", (guint64)n);
  if (boothctl_lookup_double(batch, "seconds", &seconds))
    g_print("%-11s %.1f s\n", "took", seconds);
  g_print("check it with: cd '%s/%s' && sha256sum -c SHA256SUMS\n", dir, name);
  return BOOTHCTL_EXIT_OK;
}
