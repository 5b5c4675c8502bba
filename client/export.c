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
#include "report.h"

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

/* ---- boothctl report ---- */

static void
print_counts_header(const char *first)
{
  g_print("\n%-13s %7s %9s %9s %9s %7s %5s %8s %12s\n", first, "started", "committed", "cancelled",
          "abandoned", "retakes", "/stu", "override", "code->commit");
}

static void
print_counts_line(const char *label, GVariant *d)
{
  g_autofree char *secs = booth_report_seconds(d);
  double per = 0;
  g_variant_lookup(d, "retakes_per_student", "d", &per);
  g_print("%-13s %7u %9u %9u %9u %7u %5.2f %8u %12s\n", label, booth_report_count(d, "started"),
          booth_report_count(d, "committed"), booth_report_count(d, "cancelled"),
          booth_report_count(d, "abandoned"), booth_report_count(d, "retakes"), per,
          booth_report_count(d, "overridden"), secs);
}

static void
print_name_counts(const char *label, GVariant *counts)
{
  g_autoptr(GString) line = g_string_new(NULL);
  GVariantIter it;
  const char *name;
  guint32 n;
  g_variant_iter_init(&it, counts);
  while (g_variant_iter_next(&it, "{&su}", &name, &n))
    g_string_append_printf(line, "%s%s %u", line->len ? ", " : "", name, n);
  g_print("%-13s %s\n", label, line->len ? line->str : "none");
}

static void
print_report(GVariant *r)
{
  const char *day = "", *title = "", *schedule = "", *note = "";
  g_variant_lookup(r, "day", "&s", &day);
  g_variant_lookup(r, "title", "&s", &title);
  g_variant_lookup(r, "schedule", "&s", &schedule);
  g_variant_lookup(r, "counts_note", "&s", &note);
  g_print("day report    %s, %s\n", day, title);
  g_print("schedule      %s\n", *schedule ? schedule : "none (no schedule.conf)");
  g_autofree char *secs = booth_report_seconds(r);
  g_print("sessions      %u started: %u committed, %u cancelled, %u abandoned, %u other\n",
          booth_report_count(r, "started"), booth_report_count(r, "committed"),
          booth_report_count(r, "cancelled"), booth_report_count(r, "abandoned"),
          booth_report_count(r, "other"));
  g_print("code->commit  median/90th percentile %s\n", secs);
  g_autoptr(GVariant) hist = g_variant_lookup_value(r, "retakes_histogram", G_VARIANT_TYPE("au"));
  if (hist && g_variant_n_children(hist) == 4) {
    guint32 h[4];
    for (int k = 0; k < 4; k++)
      g_variant_get_child(hist, k, "u", &h[k]);
    g_print("retakes       %u in all; students with none %u, one %u, two %u, three or more %u\n",
            booth_report_count(r, "retakes"), h[0], h[1], h[2], h[3]);
  }
  g_autoptr(GVariant) busiest = g_variant_lookup_value(r, "busiest", G_VARIANT_TYPE_VARDICT);
  if (busiest) {
    gint64 s = 0, e = 0;
    g_variant_lookup(busiest, "start", "x", &s);
    g_variant_lookup(busiest, "end", "x", &e);
    g_autofree char *a = booth_report_clock(s), *b = booth_report_clock(e);
    g_print("busiest       %s-%s: %u sessions started\n", a, b,
            booth_report_count(busiest, "started"));
  }
  g_autoptr(GVariant) ov = g_variant_lookup_value(r, "overrides_by_check", G_VARIANT_TYPE("a{su}"));
  if (ov)
    print_name_counts("overrides", ov);
  g_autoptr(GVariant) failing =
      g_variant_lookup_value(r, "failing_checks", G_VARIANT_TYPE("a{su}"));
  if (failing)
    print_name_counts("failing", failing);

  print_counts_header("slot");
  g_autoptr(GVariant) slots = g_variant_lookup_value(r, "slots", G_VARIANT_TYPE("aa{sv}"));
  for (gsize i = 0; slots && i < g_variant_n_children(slots); i++) {
    g_autoptr(GVariant) s = g_variant_get_child_value(slots, i);
    const char *name = "";
    g_variant_lookup(s, "name", "&s", &name);
    print_counts_line(name, s);
    g_autofree const char **colleges = NULL;
    if (g_variant_lookup(s, "colleges", "^a&s", &colleges) && colleges[0]) {
      g_autofree char *list = g_strjoinv(", ", (char **)colleges);
      g_print("%-13s %s\n", "", list);
    }
  }
  g_autoptr(GVariant) outside = g_variant_lookup_value(r, "outside_slots", G_VARIANT_TYPE_VARDICT);
  if (outside && booth_report_count(outside, "started") > 0)
    print_counts_line("outside slots", outside);

  print_counts_header("hour");
  g_autoptr(GVariant) hours = g_variant_lookup_value(r, "hours", G_VARIANT_TYPE("aa{sv}"));
  for (gsize i = 0; hours && i < g_variant_n_children(hours); i++) {
    g_autoptr(GVariant) h = g_variant_get_child_value(hours, i);
    gint64 start = 0;
    g_variant_lookup(h, "start", "x", &start);
    g_autofree char *label = booth_report_clock(start);
    print_counts_line(label, h);
  }
  g_print("\n%s\n", note);
}

/* The picture: sessions started per 10 minutes over the day (committed darker), the schedule's
 * slots as bands with their names and colleges. Plain SVG, readable in any browser. */
static GString *
report_svg(GVariant *r)
{
  g_autoptr(GVariant) bins = g_variant_lookup_value(r, "bins", G_VARIANT_TYPE("a(xuu)"));
  g_autoptr(GVariant) slots = g_variant_lookup_value(r, "slots", G_VARIANT_TYPE("aa{sv}"));
  gsize n = bins ? g_variant_n_children(bins) : 0;
  gint64 t0 = G_MAXINT64, t1 = G_MININT64;
  guint32 top = 1;
  for (gsize i = 0; i < n; i++) {
    gint64 t;
    guint32 started, committed;
    g_variant_get_child(bins, i, "(xuu)", &t, &started, &committed);
    t0 = MIN(t0, t);
    t1 = MAX(t1, t + (gint64)600 * G_USEC_PER_SEC);
    top = MAX(top, started);
  }
  for (gsize i = 0; slots && i < g_variant_n_children(slots); i++) {
    g_autoptr(GVariant) s = g_variant_get_child_value(slots, i);
    gint64 a = 0, b = 0;
    g_variant_lookup(s, "start", "x", &a);
    g_variant_lookup(s, "end", "x", &b);
    t0 = MIN(t0, a);
    t1 = MAX(t1, b);
  }
  const gint64 hour = (gint64)3600 * G_USEC_PER_SEC;
  const char *day = "", *title = "";
  g_variant_lookup(r, "day", "&s", &day);
  g_variant_lookup(r, "title", "&s", &title);
  if (t0 >= t1) { /* nothing at all: an empty day, drawn from 08:00 to 18:00 */
    g_autofree char *morning = g_strconcat(day, "T08:00:00", NULL);
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    g_autoptr(GDateTime) t = g_date_time_new_from_iso8601(morning, local);
    t0 = t ? g_date_time_to_unix(t) * G_USEC_PER_SEC : 0;
    t1 = t0 + 10 * hour;
  }
  /* whole hours */
  t0 -= ((t0 % hour) + hour) % hour;
  if (t1 % hour)
    t1 += hour - ((t1 % hour) + hour) % hour;
  const double W = 960, H = 440, L = 60, R = 20, T = 90, B = 60;
  double pw = W - L - R, ph = H - T - B;
#define X(t) (L + pw * (double)((t)-t0) / (double)(t1 - t0))
#define Y(v) (T + ph - ph * (double)(v) / (double)top)
  GString *out = g_string_new(NULL);
  g_string_append_printf(out,
                         "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                         "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" "
                         "height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" "
                         "font-size=\"12\">\n<rect width=\"100%%\" height=\"100%%\" "
                         "fill=\"white\"/>\n",
                         W, H, W, H);
  g_autofree char *head = g_markup_printf_escaped(
      "<text x=\"%.0f\" y=\"24\" font-size=\"16\" font-weight=\"bold\">Students per 10 minutes, "
      "%s, %s</text>\n",
      L, day, title);
  g_string_append(out, head);
  g_string_append_printf(out,
                         "<text x=\"%.0f\" y=\"44\" fill=\"#555\">bars: sessions started "
                         "(light) and committed (dark); bands: the schedule's slots</text>\n",
                         L);
  for (gsize i = 0; slots && i < g_variant_n_children(slots); i++) {
    g_autoptr(GVariant) s = g_variant_get_child_value(slots, i);
    gint64 a = 0, b = 0;
    const char *name = "";
    g_variant_lookup(s, "start", "x", &a);
    g_variant_lookup(s, "end", "x", &b);
    g_variant_lookup(s, "name", "&s", &name);
    g_autofree const char **colleges = NULL;
    g_variant_lookup(s, "colleges", "^a&s", &colleges);
    g_autofree char *list = colleges ? g_strjoinv(", ", (char **)colleges) : g_strdup("");
    /* The colleges under the slot's name, cut to the band's width (a CJK character is about
     * as wide as the font is high); all of them in the tooltip. */
    glong fit = MAX((glong)((X(b) - X(a) - 6) / 10), 1);
    g_autofree char *cut = g_utf8_substring(list, 0, MIN(g_utf8_strlen(list, -1), fit - 1));
    g_autofree char *shown =
        g_utf8_strlen(list, -1) > fit ? g_strconcat(cut, "…", NULL) : g_strdup(list);
    g_autofree char *band = g_markup_printf_escaped(
        "<rect x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\">"
        "<title>%s: %s</title></rect>\n"
        "<text x=\"%.1f\" y=\"%.0f\" font-size=\"11\">%s</text>\n"
        "<text x=\"%.1f\" y=\"%.0f\" font-size=\"10\" fill=\"#555\">%s</text>\n",
        X(a), T, X(b) - X(a), ph, i % 2 ? "#eef4fb" : "#e2ecf8", name, list, X(a) + 3, T - 18, name,
        X(a) + 3, T - 5, shown);
    g_string_append(out, band);
  }
  for (gsize i = 0; i < n; i++) {
    gint64 t;
    guint32 started, committed;
    g_variant_get_child(bins, i, "(xuu)", &t, &started, &committed);
    double x = X(t) + 1, w = X(t + (gint64)600 * G_USEC_PER_SEC) - X(t) - 2;
    g_string_append_printf(out,
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                           "fill=\"#9cc3e6\"><title>%u started</title></rect>\n"
                           "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                           "fill=\"#2f6ea5\"><title>%u committed</title></rect>\n",
                           x, Y(started), w, T + ph - Y(started), started, x, Y(committed), w,
                           T + ph - Y(committed), committed);
  }
  /* axes */
  g_string_append_printf(
      out,
      "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n"
      "<line x1=\"%.0f\" y1=\"%.0f\" x2=\"%.0f\" y2=\"%.0f\" stroke=\"black\"/>\n",
      L, T + ph, L + pw, T + ph, L, T, L, T + ph);
  for (gint64 t = t0; t <= t1; t += hour) {
    g_autofree char *label = booth_report_clock(t);
    g_string_append_printf(
        out,
        "<line x1=\"%.1f\" y1=\"%.0f\" x2=\"%.1f\" y2=\"%.0f\" stroke=\"black\"/>"
        "<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%s</text>\n",
        X(t), T + ph, X(t), T + ph + 5, X(t), T + ph + 20, label);
  }
  guint step = top <= 10 ? 1 : top <= 50 ? 5 : 10;
  for (guint v = 0; v <= top; v += step)
    g_string_append_printf(out, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%u</text>\n",
                           L - 6, Y(v) + 4, v);
  g_string_append_printf(out,
                         "<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"middle\">time of day</text>\n"
                         "<text x=\"16\" y=\"%.0f\" transform=\"rotate(-90 16 %.0f)\" "
                         "text-anchor=\"middle\">students per 10 minutes</text>\n</svg>\n",
                         L + pw / 2, H - 12, T + ph / 2, T + ph / 2);
#undef X
#undef Y
  return out;
}

int
boothctl_day_report(Boothctl *ctl, const char *day, const char *svg_path)
{
  g_auto(GVariantBuilder) options = G_VARIANT_BUILDER_INIT(G_VARIANT_TYPE_VARDICT);
  if (day)
    g_variant_builder_add(&options, "{sv}", "day", g_variant_new_string(day));
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply =
      boothctl_call(ctl, BOOTH_INTERFACE, "Report", g_variant_new("(a{sv})", &options), "(a{sv})",
                    BOOTHCTL_SLOW_CALL_TIMEOUT_MS, &error);
  if (!reply)
    return boothctl_report_error(ctl, error);
  g_autoptr(GVariant) report = g_variant_get_child_value(reply, 0);
  if (svg_path) {
    g_autoptr(GString) svg = report_svg(report);
    if (!g_file_set_contents(svg_path, svg->str, (gssize)svg->len, &error)) {
      g_printerr("boothctl report: cannot write the picture: %s\n", error->message);
      return BOOTHCTL_EXIT_REFUSED;
    }
  }
  if (ctl->json)
    boothctl_print_json(ctl, report);
  else
    print_report(report);
  return BOOTHCTL_EXIT_OK;
}
