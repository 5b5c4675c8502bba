/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "print.h"

#include <pwd.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Labels line up in one column so a person can scan a status or a report quickly. */
#define LABEL_WIDTH 11

char *
boothctl_escape(const char *data, gsize len, gboolean escape_space)
{
  if (len == 0)
    return g_strdup("");
  g_return_val_if_fail(data != NULL, NULL);

  GString *out = g_string_sized_new(len);
  const char *p = data;
  const char *end = data + len;

  while (p < end) {
    guchar c = (guchar)*p;

    if (c < 0x80) {
      if (c == '\\')
        g_string_append(out, "\\\\");
      else if (c < 0x20 || c == 0x7f || (escape_space && c == ' '))
        g_string_append_printf(out, "\\x%02x", c);
      else
        g_string_append_c(out, (char)c);
      p++;
      continue;
    }

    gunichar ch = g_utf8_get_char_validated(p, end - p);
    if (ch == (gunichar)-1 || ch == (gunichar)-2) {
      g_string_append_printf(out, "\\x%02x", c);
      p++;
      continue;
    }
    const char *next = g_utf8_next_char(p);
    /* Format characters (bidi overrides and the like) are not printable: they would
     * make a code look like something else on screen. */
    if (!g_unichar_isprint(ch) || (escape_space && g_unichar_isspace(ch))) {
      for (const char *q = p; q < next; q++)
        g_string_append_printf(out, "\\x%02x", (guchar)*q);
    } else {
      g_string_append_len(out, p, next - p);
    }
    p = next;
  }
  return g_string_free(out, FALSE);
}

const char *
boothctl_lookup_string(GVariant *dict, const char *key)
{
  const char *s = NULL;

  if (dict == NULL || !g_variant_lookup(dict, key, "&s", &s))
    return NULL;
  return s;
}

static gboolean
variant_to_int(GVariant *v, gint64 *out)
{
  switch (g_variant_classify(v)) {
  case G_VARIANT_CLASS_BYTE:
    *out = g_variant_get_byte(v);
    return TRUE;
  case G_VARIANT_CLASS_INT16:
    *out = g_variant_get_int16(v);
    return TRUE;
  case G_VARIANT_CLASS_UINT16:
    *out = g_variant_get_uint16(v);
    return TRUE;
  case G_VARIANT_CLASS_INT32:
    *out = g_variant_get_int32(v);
    return TRUE;
  case G_VARIANT_CLASS_UINT32:
    *out = g_variant_get_uint32(v);
    return TRUE;
  case G_VARIANT_CLASS_INT64:
    *out = g_variant_get_int64(v);
    return TRUE;
  case G_VARIANT_CLASS_UINT64:
    *out = (gint64)MIN(g_variant_get_uint64(v), (guint64)G_MAXINT64);
    return TRUE;
  default:
    return FALSE;
  }
}

/* The contract fixes the types, but a counter that grows from u to t should not make the
 * operator's tool go blank: any integer type is accepted where a number is expected. */
gboolean
boothctl_lookup_int(GVariant *dict, const char *key, gint64 *out)
{
  if (dict == NULL)
    return FALSE;
  g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);
  return v != NULL && variant_to_int(v, out);
}

gboolean
boothctl_lookup_double(GVariant *dict, const char *key, double *out)
{
  if (dict == NULL)
    return FALSE;
  g_autoptr(GVariant) v = g_variant_lookup_value(dict, key, NULL);
  gint64 i;

  if (v == NULL)
    return FALSE;
  if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
    *out = g_variant_get_double(v);
    return TRUE;
  }
  if (variant_to_int(v, &i)) {
    *out = (double)i;
    return TRUE;
  }
  return FALSE;
}

gboolean
boothctl_lookup_bool(GVariant *dict, const char *key, gboolean *out)
{
  return dict != NULL && g_variant_lookup(dict, key, "b", out);
}

char *
boothctl_lookup_code(GVariant *dict, gboolean escape_space)
{
  if (dict == NULL)
    return NULL;

  g_autoptr(GVariant) bytes = g_variant_lookup_value(dict, "code_bytes", G_VARIANT_TYPE_BYTESTRING);
  if (bytes != NULL) {
    gsize n = 0;
    const char *data = g_variant_get_fixed_array(bytes, &n, 1);
    return boothctl_escape(data, n, escape_space);
  }
  const char *code = boothctl_lookup_string(dict, "code");
  return code != NULL ? boothctl_escape(code, strlen(code), escape_space) : NULL;
}

char *
boothctl_format_time(gint64 usec)
{
  if (usec <= 0)
    return g_strdup("-");

  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(usec / G_USEC_PER_SEC);
  if (t == NULL)
    return g_strdup_printf("%" G_GINT64_FORMAT, usec);
  return g_date_time_format(t, "%Y-%m-%d %H:%M:%S");
}

static char *
format_double(double d)
{
  if (isnan(d))
    return g_strdup("nan");
  if (isinf(d))
    return g_strdup(d > 0 ? "inf" : "-inf");
  /* Pixel counts and byte sizes arrive as doubles in checks; show them as integers. */
  if (d == floor(d) && fabs(d) < 1e15)
    return g_strdup_printf("%.0f", d);
  /* Measurements: two decimals at most, which is more than any of them is worth; shares and
   * ratios below 1 keep four significant digits (an aspect bound is 0.7495). */
  if (fabs(d) < 1)
    return g_strdup_printf("%.4g", d);
  char *text = g_strdup_printf("%.2f", d);
  char *end = text + strlen(text) - 1;
  while (*end == '0')
    *end-- = '\0';
  if (*end == '.')
    *end = '\0';
  return text;
}

char *
boothctl_join_strv(GVariant *strv, const char *separator)
{
  if (strv == NULL || !g_variant_is_of_type(strv, G_VARIANT_TYPE_STRING_ARRAY))
    return g_strdup("");

  g_autofree const char **items = g_variant_get_strv(strv, NULL);
  g_autoptr(GString) out = g_string_new(NULL);
  for (gsize i = 0; items[i] != NULL; i++) {
    g_autofree char *item = boothctl_escape(items[i], strlen(items[i]), FALSE);
    if (i > 0)
      g_string_append(out, separator);
    g_string_append(out, item);
  }
  return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
boothctl_format_value(GVariant *value)
{
  gint64 i;

  if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT)) {
    g_autoptr(GVariant) inner = g_variant_get_variant(value);
    return boothctl_format_value(inner);
  }
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING)) {
    gsize len;
    const char *s = g_variant_get_string(value, &len);
    return boothctl_escape(s, len, FALSE);
  }
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup(g_variant_get_boolean(value) ? "yes" : "no");
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_DOUBLE))
    return format_double(g_variant_get_double(value));
  if (variant_to_int(value, &i))
    return g_strdup_printf("%" G_GINT64_FORMAT, i);
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_STRING_ARRAY)) {
    char *joined = boothctl_join_strv(value, ", ");
    if (*joined != '\0')
      return joined;
    g_free(joined);
    return g_strdup("none");
  }
  if (g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING)) {
    gsize n = 0;
    const char *data = g_variant_get_fixed_array(value, &n, 1);
    return boothctl_escape(data, n, FALSE);
  }
  /* A dictionary reads as "key value, key value"; a tuple or an array as "(a, b)"; each
   * value formatted like the rest, so nothing prints in GVariant's own notation. */
  gboolean dict = g_variant_is_of_type(value, G_VARIANT_TYPE_VARDICT);
  if (dict || g_variant_is_container(value)) {
    g_autoptr(GString) out = g_string_new(dict ? "" : "(");
    for (gsize k = 0; k < g_variant_n_children(value); k++) {
      g_autoptr(GVariant) child = g_variant_get_child_value(value, k);
      if (k)
        g_string_append(out, ", ");
      if (dict) {
        const char *key;
        g_autoptr(GVariant) v = NULL;
        g_variant_get(child, "{&sv}", &key, &v);
        g_autofree char *text = boothctl_format_value(v);
        g_string_append_printf(out, "%s %s", key, text);
      } else {
        g_autofree char *text = boothctl_format_value(child);
        g_string_append(out, text);
      }
    }
    if (!dict)
      g_string_append_c(out, ')');
    return g_string_free(g_steal_pointer(&out), FALSE);
  }
  g_autofree char *printed = g_variant_print(value, FALSE);
  return boothctl_escape(printed, strlen(printed), FALSE);
}

static void
print_field(guint indent, const char *label, const char *value)
{
  if (*value == '\0')
    g_print("%*s%s\n", (int)indent, "", label);
  else
    g_print("%*s%-*s %s\n", (int)indent, "", LABEL_WIDTH, label, value);
}

static void G_GNUC_PRINTF(3, 4)
    print_fieldf(guint indent, const char *label, const char *format, ...)
{
  va_list args;
  va_start(args, format);
  g_autofree char *value = g_strdup_vprintf(format, args);
  va_end(args);
  print_field(indent, label, value);
}

static void
print_time_field(guint indent, const char *label, GVariant *dict, const char *key)
{
  gint64 usec;

  if (boothctl_lookup_int(dict, key, &usec)) {
    g_autofree char *t = boothctl_format_time(usec);
    print_field(indent, label, t);
  }
}

static int
compare_keys(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keys this tool has no special layout for are still shown, sorted, so a newer daemon's
 * additions are visible without a newer boothctl. */
static void
print_other_keys(guint indent, GVariant *dict, const char *const *known)
{
  if (dict == NULL)
    return;

  g_autoptr(GPtrArray) keys = g_ptr_array_new();
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init(&iter, dict);
  while (g_variant_iter_next(&iter, "{&sv}", &key, &value)) {
    if (!g_strv_contains(known, key))
      g_ptr_array_add(keys, (gpointer)key);
    g_variant_unref(value);
  }
  g_ptr_array_sort(keys, compare_keys);

  for (guint i = 0; i < keys->len; i++) {
    g_autoptr(GVariant) v = g_variant_lookup_value(dict, keys->pdata[i], NULL);
    g_autofree char *text = boothctl_format_value(v);
    print_field(indent, keys->pdata[i], text);
  }
}

static void
print_session(GVariant *session)
{
  static const char *const known[] = {
      "id",         "code",          "code_bytes", "operator",  "profile",
      "owner",      "owner_present", "started_at", "attempts",  "has_candidate",
      "abandon_at", "detached",      "has_code",   "candidate", "owner_pid",
      "owner_uid",  "owner_process", NULL};
  const char *id = boothctl_lookup_string(session, "id");
  const char *s;
  gint64 n;
  gboolean b;

  if (session == NULL || g_variant_n_children(session) == 0) {
    print_field(0, "Session:", "none");
    return;
  }
  print_field(0, "Session:", id != NULL ? id : "(no id)");

  g_autofree char *code = boothctl_lookup_code(session, TRUE);
  if (code != NULL)
    print_field(2, "code", *code != '\0' ? code : "(empty)");
  if ((s = boothctl_lookup_string(session, "operator")) != NULL && *s != '\0')
    print_field(2, "operator", s);
  if ((s = boothctl_lookup_string(session, "profile")) != NULL)
    print_field(2, "profile", s);
  gboolean detached = FALSE;
  boothctl_lookup_bool(session, "detached", &detached);
  if (detached) {
    print_field(2, "owner", "none (detached: any authorized client may drive it)");
  } else if ((s = boothctl_lookup_string(session, "owner")) != NULL) {
    gboolean present = TRUE;
    gint64 abandon_at = 0;

    boothctl_lookup_bool(session, "owner_present", &present);
    boothctl_lookup_int(session, "abandon_at", &abandon_at);
    gint64 pid = 0, uid = 0;
    const char *process = boothctl_lookup_string(session, "owner_process");
    if (present && boothctl_lookup_int(session, "owner_pid", &pid) &&
        boothctl_lookup_int(session, "owner_uid", &uid)) {
      const struct passwd *pw = getpwuid((uid_t)uid);
      g_autofree char *user =
          pw ? g_strdup(pw->pw_name) : g_strdup_printf("uid %" G_GINT64_FORMAT, uid);
      print_fieldf(2, "owner", "%s, pid %" G_GINT64_FORMAT ", user %s (%s)",
                   process && *process ? process : "a process", pid, user, s);
    } else if (present) {
      print_fieldf(2, "owner", "%s", s);
    } else {
      g_autofree char *when = boothctl_format_time(abandon_at);
      print_fieldf(2, "owner", "gone; the session waits for adoption until %s", when);
    }
  }
  if (boothctl_lookup_bool(session, "has_code", &b))
    print_field(2, "code",
                b ? "scanned (shown in the records)" : "none yet: show it to the camera");
  print_time_field(2, "started", session, "started_at");
  if (boothctl_lookup_int(session, "attempts", &n))
    print_fieldf(2, "attempts", "%" G_GINT64_FORMAT, n);
  if (boothctl_lookup_bool(session, "has_candidate", &b))
    print_field(2, "candidate", b ? "yes, awaiting commit or retake" : "no");
  print_other_keys(2, session, known);
}

static void
print_camera(GVariant *camera)
{
  static const char *const known[] = {"id",    "model",  "width",   "height", "fps",
                                      "state", "frames", "dropped", NULL};
  const char *id = boothctl_lookup_string(camera, "id");
  const char *model = boothctl_lookup_string(camera, "model");
  const char *state = boothctl_lookup_string(camera, "state");
  gint64 width, height, frames, dropped;
  double fps;

  if (camera == NULL || g_variant_n_children(camera) == 0) {
    print_field(0, "Camera:", "none");
    return;
  }
  if (model != NULL && *model != '\0')
    print_fieldf(0, "Camera:", "%s (%s)", id != NULL ? id : "?", model);
  else
    print_field(0, "Camera:", id != NULL ? id : "?");
  if (boothctl_lookup_int(camera, "width", &width) &&
      boothctl_lookup_int(camera, "height", &height)) {
    if (boothctl_lookup_double(camera, "fps", &fps))
      print_fieldf(2, "resolution", "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " @ %.4g fps", width,
                   height, fps);
    else
      print_fieldf(2, "resolution", "%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, width, height);
  }
  if (state != NULL)
    print_field(2, "state", state);
  if (boothctl_lookup_int(camera, "frames", &frames)) {
    if (boothctl_lookup_int(camera, "dropped", &dropped))
      print_fieldf(2, "frames", "%" G_GINT64_FORMAT " (%" G_GINT64_FORMAT " dropped)", frames,
                   dropped);
    else
      print_fieldf(2, "frames", "%" G_GINT64_FORMAT, frames);
  }
  print_other_keys(2, camera, known);
}

static void
print_framing(GVariant *framing)
{
  static const char *const known[] = {"score", "hints", NULL};
  double score;

  if (framing == NULL || g_variant_n_children(framing) == 0) {
    print_field(0, "Framing:", "nothing measured yet");
    return;
  }
  if (boothctl_lookup_double(framing, "score", &score))
    print_fieldf(0, "Framing:", "score %.2f", score);
  else
    print_field(0, "Framing:", "");

  g_autoptr(GVariant) hints = g_variant_lookup_value(framing, "hints", G_VARIANT_TYPE_STRING_ARRAY);
  g_autofree char *joined = boothctl_join_strv(hints, ", ");
  print_field(2, "hints", *joined != '\0' ? joined : "none");
  print_other_keys(2, framing, known);
}

static void
print_duration_field(guint indent, const char *label, gint64 usec)
{
  gint64 s = usec / G_USEC_PER_SEC;
  if (s >= 3600)
    print_fieldf(indent, label, "%" G_GINT64_FORMAT " h %02" G_GINT64_FORMAT " min", s / 3600,
                 s / 60 % 60);
  else if (s >= 60)
    print_fieldf(indent, label, "%" G_GINT64_FORMAT " min %02" G_GINT64_FORMAT " s", s / 60,
                 s % 60);
  else
    print_fieldf(indent, label, "%" G_GINT64_FORMAT " s", s);
}

/* boothsync's State and Progress, when it runs. */
static void
print_sync(GVariant *sync)
{
  static const char *const known[] = {"booth_id",     "synced",        "pending",
                                      "synced_up_to", "last_sync_at",  "lag",
                                      "last_error",   "last_error_at", NULL};
  if (sync == NULL)
    return;
  const char *state = boothctl_lookup_string(sync, "State");
  g_autoptr(GVariant) p = g_variant_lookup_value(sync, "Progress", G_VARIANT_TYPE_VARDICT);
  if (p == NULL) {
    print_field(0, "Sync:", state != NULL ? state : "?");
    return;
  }
  const char *booth = boothctl_lookup_string(p, "booth_id");
  print_fieldf(0, "Sync:", "%s (booth %s)", state != NULL ? state : "?",
               booth != NULL && *booth ? booth : "not yet known");
  gint64 synced = 0, pending = 0, lag = 0;
  boothctl_lookup_int(p, "synced", &synced);
  boothctl_lookup_int(p, "pending", &pending);
  print_fieldf(2, "synced", "%" G_GINT64_FORMAT " sessions", synced);
  print_time_field(2, "synced up to", p, "synced_up_to");
  print_fieldf(2, "pending", "%" G_GINT64_FORMAT " sessions", pending);
  if (boothctl_lookup_int(p, "lag", &lag) && lag > 0)
    print_duration_field(2, "lag", lag);
  print_time_field(2, "last sync", p, "last_sync_at");
  const char *err = boothctl_lookup_string(p, "last_error");
  print_field(2, "last error", err != NULL && *err ? err : "none");
  print_other_keys(2, p, known);
}

void
boothctl_print_status(GVariant *properties)
{
  static const char *const none[] = {NULL};
  const char *state = boothctl_lookup_string(properties, "State");

  print_field(0, "State:", state != NULL ? state : "unknown");

  g_autoptr(GVariant) session =
      g_variant_lookup_value(properties, "Session", G_VARIANT_TYPE_VARDICT);
  print_session(session);
  g_autoptr(GVariant) camera = g_variant_lookup_value(properties, "Camera", G_VARIANT_TYPE_VARDICT);
  print_camera(camera);
  g_autoptr(GVariant) framing =
      g_variant_lookup_value(properties, "Framing", G_VARIANT_TYPE_VARDICT);
  print_framing(framing);
  g_autoptr(GVariant) stats = g_variant_lookup_value(properties, "Stats", G_VARIANT_TYPE_VARDICT);
  if (stats != NULL && g_variant_n_children(stats) > 0) {
    print_field(0, "Stats:", "");
    print_other_keys(2, stats, none);
  }
  g_autoptr(GVariant) sync = g_variant_lookup_value(properties, "Sync", G_VARIANT_TYPE_VARDICT);
  print_sync(sync);
}

static char *
format_bound(GVariant *check)
{
  double min, max;
  gboolean has_min = boothctl_lookup_double(check, "min", &min);
  gboolean has_max = boothctl_lookup_double(check, "max", &max);
  g_autofree char *lo = has_min ? format_double(min) : NULL;
  g_autofree char *hi = has_max ? format_double(max) : NULL;

  if (has_min && has_max)
    return g_strdup_printf("%s..%s", lo, hi);
  if (has_min)
    return g_strdup_printf(">= %s", lo);
  if (has_max)
    return g_strdup_printf("<= %s", hi);
  return g_strdup("-");
}

static char *
format_check_value(GVariant *check)
{
  const char *unit = boothctl_lookup_string(check, "unit");
  double value;

  if (!boothctl_lookup_double(check, "value", &value))
    return g_strdup("-");
  g_autofree char *number = format_double(value);
  if (unit == NULL || *unit == '\0')
    return g_steal_pointer(&number);
  return g_strdup_printf("%s %s", number, unit);
}

static void
print_checks(GVariant *checks)
{
  gsize n = checks != NULL ? g_variant_n_children(checks) : 0;
  int name_width = 4;
  int value_width = 5;
  int bound_width = 5;
  g_autoptr(GPtrArray) values = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GPtrArray) bounds = g_ptr_array_new_with_free_func(g_free);

  if (n == 0) {
    print_field(0, "checks", "none reported");
    return;
  }
  /* Columns are sized to the widest entry so the verdicts line up. */
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) check = g_variant_get_child_value(checks, i);
    const char *name = boothctl_lookup_string(check, "name");
    char *value = format_check_value(check);
    char *bound = format_bound(check);

    name_width = MAX(name_width, name != NULL ? (int)g_utf8_strlen(name, -1) : 1);
    value_width = MAX(value_width, (int)g_utf8_strlen(value, -1));
    bound_width = MAX(bound_width, (int)g_utf8_strlen(bound, -1));
    g_ptr_array_add(values, value);
    g_ptr_array_add(bounds, bound);
  }

  g_print("checks\n");
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) check = g_variant_get_child_value(checks, i);
    const char *name = boothctl_lookup_string(check, "name");
    const char *message = boothctl_lookup_string(check, "message");
    gboolean pass = FALSE;

    boothctl_lookup_bool(check, "pass", &pass);
    g_autoptr(GString) line = g_string_new("  ");
    g_string_append_printf(line, "%-*s  %s  %-*s  %-*s", name_width, name != NULL ? name : "?",
                           pass ? "PASS" : "FAIL", value_width, (const char *)values->pdata[i],
                           bound_width, (const char *)bounds->pdata[i]);
    /* A passing check's message restates the pass; a failing one's says what to fix. */
    if (!pass && message != NULL && *message != '\0')
      g_string_append_printf(line, "  %s", message);
    while (line->len > 0 && line->str[line->len - 1] == ' ')
      g_string_truncate(line, line->len - 1);
    g_print("%s\n", line->str);
  }
}

gboolean
boothctl_report_passed(GVariant *report)
{
  gboolean passed;

  if (boothctl_lookup_bool(report, "passed", &passed))
    return passed;

  g_autoptr(GVariant) checks = g_variant_lookup_value(report, "checks", G_VARIANT_TYPE("aa{sv}"));
  gsize n = checks != NULL ? g_variant_n_children(checks) : 0;
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) check = g_variant_get_child_value(checks, i);
    gboolean pass = FALSE;
    boothctl_lookup_bool(check, "pass", &pass);
    if (!pass)
      return FALSE;
  }
  return TRUE;
}

void
boothctl_print_photo(GVariant *ph)
{
  gint64 w = 0, h = 0, q = 0, bytes = 0;
  gboolean passed = FALSE, fits = TRUE;
  boothctl_lookup_int(ph, "width", &w);
  boothctl_lookup_int(ph, "height", &h);
  boothctl_lookup_int(ph, "quality", &q);
  boothctl_lookup_int(ph, "bytes", &bytes);
  boothctl_lookup_bool(ph, "passed", &passed);
  boothctl_lookup_bool(ph, "fits", &fits);
  const char *name = boothctl_lookup_string(ph, "profile");
  /* The profiles' KB windows are 1024 bytes: KiB throughout. */
  print_fieldf(0, "photo",
               "%s: %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT ", %.1f KiB (%" G_GINT64_FORMAT
               " bytes), quality %" G_GINT64_FORMAT "%s, %s",
               name != NULL ? name : "?", w, h, (double)bytes / 1024.0, bytes, q,
               fits ? "" : ", outside its size window", passed ? "passed" : "FAILED");
  g_autoptr(GVariant) checks = g_variant_lookup_value(ph, "checks", G_VARIANT_TYPE("aa{sv}"));
  print_checks(checks);
}

void
boothctl_print_report(GVariant *report)
{
  const char *s;
  gint64 width, height, n;

  if ((s = boothctl_lookup_string(report, "session_id")) != NULL)
    print_field(0, "session", s);
  if (boothctl_lookup_int(report, "attempt", &n))
    print_fieldf(0, "attempt", "%" G_GINT64_FORMAT, n);
  if ((s = boothctl_lookup_string(report, "source")) != NULL &&
      boothctl_lookup_int(report, "source_width", &width) &&
      boothctl_lookup_int(report, "source_height", &height))
    print_fieldf(0, "frame", "%s, %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, *s ? s : "(camera)",
                 width, height);

  /* Every profile's photo, made from the same frame, in one layout. */
  g_autoptr(GVariant) photos = g_variant_lookup_value(report, "photos", G_VARIANT_TYPE("aa{sv}"));
  for (gsize i = 0; photos != NULL && i < g_variant_n_children(photos); i++) {
    g_autoptr(GVariant) ph = g_variant_get_child_value(photos, i);
    boothctl_print_photo(ph);
  }

  g_autoptr(GVariant) warnings =
      g_variant_lookup_value(report, "warnings", G_VARIANT_TYPE_STRING_ARRAY);
  gsize n_warnings = warnings != NULL ? g_variant_n_children(warnings) : 0;
  if (n_warnings > 0) {
    g_print("warnings\n");
    for (gsize i = 0; i < n_warnings; i++) {
      const char *w;
      g_variant_get_child(warnings, i, "&s", &w);
      g_autofree char *text = boothctl_escape(w, strlen(w), FALSE);
      g_print("  %s\n", text);
    }
  }
  if ((s = boothctl_lookup_string(report, "file")) != NULL) {
    g_autofree char *path = boothctl_escape(s, strlen(s), FALSE);
    print_field(0, "file", path);
  }
  print_field(0, "result",
              boothctl_report_passed(report) ? "PASSED" : "FAILED (commit needs --override)");
}

static void
print_file(GVariant *file)
{
  const char *profile = boothctl_lookup_string(file, "profile");
  const char *path = boothctl_lookup_string(file, "path");
  const char *sha256 = boothctl_lookup_string(file, "sha256");
  gint64 width, height, bytes, quality;
  g_autoptr(GString) line = g_string_new(NULL);

  g_string_append_printf(line, "  %-12s", profile != NULL ? profile : "?");
  if (boothctl_lookup_int(file, "width", &width) && boothctl_lookup_int(file, "height", &height))
    g_string_append_printf(line, "  %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT, width, height);
  if (boothctl_lookup_int(file, "quality", &quality))
    g_string_append_printf(line, "  q%" G_GINT64_FORMAT, quality);
  if (boothctl_lookup_int(file, "bytes", &bytes))
    g_string_append_printf(line, "  %" G_GINT64_FORMAT " bytes", bytes);
  if (path != NULL) {
    g_autofree char *escaped = boothctl_escape(path, strlen(path), FALSE);
    g_string_append_printf(line, "  %s", escaped);
  }
  g_print("%s\n", line->str);
  if (sha256 != NULL)
    g_print("  %-12s  sha256 %s\n", "", sha256);
}

void
boothctl_print_record(GVariant *record)
{
  const char *s;
  gint64 n;

  if ((s = boothctl_lookup_string(record, "session_id")) != NULL)
    print_field(0, "session", s);
  if ((s = boothctl_lookup_string(record, "status")) != NULL)
    print_field(0, "status", s);
  g_autofree char *code = boothctl_lookup_code(record, TRUE);
  if (code != NULL)
    print_field(0, "code", *code != '\0' ? code : "(empty)");
  if ((s = boothctl_lookup_string(record, "operator")) != NULL && *s != '\0')
    print_field(0, "operator", s);
  if ((s = boothctl_lookup_string(record, "profile")) != NULL)
    print_field(0, "profile", s);
  print_time_field(0, "started", record, "started_at");
  print_time_field(0, "ended", record, "ended_at");
  if (boothctl_lookup_int(record, "attempts", &n))
    print_fieldf(0, "attempts", "%" G_GINT64_FORMAT, n);

  g_autoptr(GVariant) overrides =
      g_variant_lookup_value(record, "overrides", G_VARIANT_TYPE_STRING_ARRAY);
  if (overrides != NULL) {
    g_autofree char *joined = boothctl_join_strv(overrides, ", ");
    print_field(0, "overrides", *joined != '\0' ? joined : "none");
  }
  if ((s = boothctl_lookup_string(record, "note")) != NULL && *s != '\0') {
    g_autofree char *note = boothctl_escape(s, strlen(s), FALSE);
    print_field(0, "note", note);
  }

  g_autoptr(GVariant) files = g_variant_lookup_value(record, "files", G_VARIANT_TYPE("aa{sv}"));
  gsize n_files = files != NULL ? g_variant_n_children(files) : 0;
  if (n_files == 0) {
    print_field(0, "files", "none");
  } else {
    g_print("files\n");
    for (gsize i = 0; i < n_files; i++) {
      g_autoptr(GVariant) file = g_variant_get_child_value(files, i);
      print_file(file);
    }
  }
}

void
boothctl_print_record_line(GVariant *record)
{
  const char *id = boothctl_lookup_string(record, "session_id");
  const char *status = boothctl_lookup_string(record, "status");
  gint64 started = 0;
  g_autofree char *code = boothctl_lookup_code(record, TRUE);
  g_autoptr(GString) paths = g_string_new(NULL);

  boothctl_lookup_int(record, "started_at", &started);
  g_autofree char *when = boothctl_format_time(started);

  g_autoptr(GVariant) files = g_variant_lookup_value(record, "files", G_VARIANT_TYPE("aa{sv}"));
  gsize n_files = files != NULL ? g_variant_n_children(files) : 0;
  for (gsize i = 0; i < n_files; i++) {
    g_autoptr(GVariant) file = g_variant_get_child_value(files, i);
    const char *path = boothctl_lookup_string(file, "path");
    if (path == NULL)
      continue;
    /* Comma-separated in the last column: spaces and commas in a path are escaped so the
     * list still splits into the paths it holds. */
    g_autofree char *escaped = boothctl_escape(path, strlen(path), TRUE);
    g_autoptr(GString) item = g_string_new(escaped);
    g_string_replace(item, ",", "\\x2c", 0);
    if (paths->len > 0)
      g_string_append_c(paths, ',');
    g_string_append(paths, item->str);
  }

  g_print("%s  %-10s  %s  %s  %s\n", id != NULL ? id : "?", status != NULL ? status : "?", when,
          code != NULL && *code != '\0' ? code : "-", paths->len > 0 ? paths->str : "-");
}
