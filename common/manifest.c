/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "manifest.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "error.h"
#include "json.h"

struct BoothManifest {
  char *batch;
  gint64 created_at;
  GPtrArray *rows; /* BoothManifestRow* */
};

static const char *const fixed_columns[] = {
    "booth",   "room",     "session",  "code_text", "code_hex",     "profile",
    "file",    "bytes",    "sha256",   "started",   "code_scanned", "committed",
    "seconds", "attempts", "operator", "overrides",
};

static void
check_free(gpointer p)
{
  BoothManifestCheck *c = p;
  g_free(c->name);
  g_free(c->unit);
  g_free(c);
}

BoothManifestRow *
booth_manifest_row_new(void)
{
  BoothManifestRow *row = g_new0(BoothManifestRow, 1);
  row->checks = g_ptr_array_new_with_free_func(check_free);
  return row;
}

void
booth_manifest_row_free(BoothManifestRow *row)
{
  if (!row)
    return;
  g_free(row->booth);
  g_free(row->room);
  g_free(row->session_id);
  g_clear_pointer(&row->code, g_bytes_unref);
  g_free(row->profile);
  g_free(row->file);
  g_free(row->sha256);
  g_free(row->operator_name);
  g_free(row->source);
  g_ptr_array_unref(row->checks);
  g_free(row);
}

void
booth_manifest_row_add_check(BoothManifestRow *row, const char *name, gboolean has_value,
                             double value, const char *unit, BoothVerdict verdict)
{
  BoothManifestCheck *c = g_new0(BoothManifestCheck, 1);
  c->name = g_strdup(name);
  c->has_value = has_value;
  c->value = value;
  c->unit = g_strdup(unit ? unit : "");
  c->verdict = verdict;
  g_ptr_array_add(row->checks, c);
}

const char *
booth_verdict_name(BoothVerdict v)
{
  switch (v) {
  case BOOTH_VERDICT_PASS:
    return "pass";
  case BOOTH_VERDICT_FAIL:
    return "fail";
  case BOOTH_VERDICT_OVERRIDDEN:
    return "overridden";
  }
  return "fail";
}

char *
booth_manifest_code_text(GBytes *code)
{
  if (!code)
    return NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data(code, &len);
  if (len == 0 || !g_utf8_validate(data, (gssize)len, NULL))
    return NULL;
  if (strchr("=+-@", data[0]))
    return NULL;
  for (const char *p = data; p < data + len; p = g_utf8_next_char(p)) {
    gunichar ch = g_utf8_get_char(p);
    if (g_unichar_iscntrl(ch) || ch == 0x2028 || ch == 0x2029)
      return NULL;
  }
  return g_strndup(data, len);
}

char *
booth_iso_time(gint64 unix_us)
{
  if (unix_us <= 0)
    return g_strdup("");
  g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(unix_us / G_USEC_PER_SEC);
  return t ? g_date_time_format(t, "%Y-%m-%dT%H:%M:%S%:z") : g_strdup("");
}

BoothManifest *
booth_manifest_new(const char *batch, gint64 created_at)
{
  g_autoptr(GPtrArray) rows =
      g_ptr_array_new_with_free_func((GDestroyNotify)booth_manifest_row_free);
  return booth_manifest_new_with_rows(batch, created_at, rows);
}

BoothManifest *
booth_manifest_new_with_rows(const char *batch, gint64 created_at, GPtrArray *rows)
{
  BoothManifest *m = g_new0(BoothManifest, 1);
  m->batch = g_strdup(batch);
  m->created_at = created_at;
  m->rows = g_ptr_array_ref(rows);
  return m;
}

void
booth_manifest_free(BoothManifest *m)
{
  if (!m)
    return;
  g_free(m->batch);
  g_ptr_array_unref(m->rows);
  g_free(m);
}

void
booth_manifest_add(BoothManifest *m, BoothManifestRow *row)
{
  g_ptr_array_add(m->rows, row);
}

guint
booth_manifest_rows(BoothManifest *m)
{
  return m->rows->len;
}

guint
booth_manifest_count_sessions(GPtrArray *rows)
{
  guint n = 0;
  for (guint i = 0; i < rows->len; i++) {
    const BoothManifestRow *row = rows->pdata[i];
    n += i == 0 || strcmp(row->session_id, ((BoothManifestRow *)rows->pdata[i - 1])->session_id);
  }
  return n;
}

/* ---- CSV ---- */

static void
csv_field(GString *out, const char *s)
{
  if (!s)
    s = "";
  if (!strpbrk(s, ",\"\r\n")) {
    g_string_append(out, s);
    return;
  }
  g_string_append_c(out, '"');
  for (; *s; s++) {
    if (*s == '"')
      g_string_append_c(out, '"');
    g_string_append_c(out, *s);
  }
  g_string_append_c(out, '"');
}

static void
csv_sep(GString *out, gboolean *first)
{
  if (!*first)
    g_string_append_c(out, ',');
  *first = FALSE;
}

/* The checks named in the batch, in the order they first appear, each with its unit. */
static GPtrArray *
check_columns(BoothManifest *m)
{
  GPtrArray *cols = g_ptr_array_new(); /* BoothManifestCheck*, borrowed */
  g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
  for (guint i = 0; i < m->rows->len; i++) {
    BoothManifestRow *row = m->rows->pdata[i];
    for (guint j = 0; j < row->checks->len; j++) {
      BoothManifestCheck *c = row->checks->pdata[j];
      if (g_hash_table_add(seen, c->name))
        g_ptr_array_add(cols, c);
    }
  }
  return cols;
}

static const BoothManifestCheck *
row_check(const BoothManifestRow *row, const char *name)
{
  for (guint j = 0; j < row->checks->len; j++) {
    const BoothManifestCheck *c = row->checks->pdata[j];
    if (strcmp(c->name, name) == 0)
      return c;
  }
  return NULL;
}

static char *
row_overrides(const BoothManifestRow *row)
{
  GString *s = g_string_new(NULL);
  for (guint j = 0; j < row->checks->len; j++) {
    const BoothManifestCheck *c = row->checks->pdata[j];
    if (c->verdict == BOOTH_VERDICT_OVERRIDDEN)
      g_string_append_printf(s, "%s%s", s->len ? ";" : "", c->name);
  }
  return g_string_free(s, FALSE);
}

static char *
number_text(double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  return g_strdup(g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

static double
row_seconds(const BoothManifestRow *row)
{
  gint64 from = row->code_at > 0 ? row->code_at : row->started_at;
  if (from <= 0 || row->committed_at < from)
    return -1;
  return (double)(row->committed_at - from) / G_USEC_PER_SEC;
}

GString *
booth_manifest_csv(BoothManifest *m)
{
  GString *out = g_string_new("\xEF\xBB\xBF");
  g_autoptr(GPtrArray) cols = check_columns(m);
  gboolean first = TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS(fixed_columns); i++) {
    csv_sep(out, &first);
    csv_field(out, fixed_columns[i]);
  }
  for (guint i = 0; i < cols->len; i++) {
    const BoothManifestCheck *c = cols->pdata[i];
    g_autofree char *head =
        *c->unit ? g_strdup_printf("%s (%s)", c->name, c->unit) : g_strdup(c->name);
    g_autofree char *verdict = g_strdup_printf("%s verdict", c->name);
    csv_sep(out, &first);
    csv_field(out, head);
    csv_sep(out, &first);
    csv_field(out, verdict);
  }
  g_string_append(out, "\r\n");

  for (guint r = 0; r < m->rows->len; r++) {
    const BoothManifestRow *row = m->rows->pdata[r];
    g_autofree char *text = booth_manifest_code_text(row->code);
    gsize len = 0;
    const guint8 *code = row->code ? g_bytes_get_data(row->code, &len) : NULL;
    g_autofree char *hex = g_malloc(len * 2 + 1);
    for (gsize i = 0; i < len; i++)
      g_snprintf(hex + i * 2, 3, "%02x", code[i]);
    hex[len * 2] = 0;
    g_autofree char *bytes = g_strdup_printf("%" G_GINT64_FORMAT, row->bytes);
    g_autofree char *started = booth_iso_time(row->started_at);
    g_autofree char *scanned = booth_iso_time(row->code_at);
    g_autofree char *committed = booth_iso_time(row->committed_at);
    double secs = row_seconds(row);
    g_autofree char *seconds = secs >= 0 ? g_strdup_printf("%.1f", secs) : g_strdup("");
    g_autofree char *attempts = g_strdup_printf("%u", row->attempts);
    g_autofree char *overrides = row_overrides(row);
    const char *fields[] = {
        row->booth, row->room, row->session_id,    text,      hex,     row->profile,
        row->file,  bytes,     row->sha256,        started,   scanned, committed,
        seconds,    attempts,  row->operator_name, overrides,
    };
    G_STATIC_ASSERT(G_N_ELEMENTS(fields) == G_N_ELEMENTS(fixed_columns));
    first = TRUE;
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
      csv_sep(out, &first);
      csv_field(out, fields[i]);
    }
    for (guint i = 0; i < cols->len; i++) {
      const BoothManifestCheck *col = cols->pdata[i];
      const BoothManifestCheck *c = row_check(row, col->name);
      g_autofree char *value = c && c->has_value ? number_text(c->value) : NULL;
      csv_sep(out, &first);
      csv_field(out, value);
      csv_sep(out, &first);
      csv_field(out, c ? booth_verdict_name(c->verdict) : NULL);
    }
    g_string_append(out, "\r\n");
  }
  return out;
}

/* ---- JSON ---- */

static void
json_key(GString *out, const char *key, gboolean *first)
{
  g_string_append(out, *first ? "\n    " : ",\n    ");
  *first = FALSE;
  booth_json_string(out, key);
  g_string_append(out, ": ");
}

static void
json_time(GString *out, gint64 us)
{
  if (us <= 0) {
    g_string_append(out, "null");
    return;
  }
  g_autofree char *t = booth_iso_time(us);
  booth_json_string(out, t);
}

GString *
booth_manifest_json(BoothManifest *m)
{
  GString *out = g_string_new("{\n  \"format\": \"boothd-batch/1\",\n  \"batch\": ");
  booth_json_string(out, m->batch);
  g_string_append(out, ",\n  \"created\": ");
  json_time(out, m->created_at);
  g_string_append(out, ",\n  \"rows\": [");
  for (guint r = 0; r < m->rows->len; r++) {
    const BoothManifestRow *row = m->rows->pdata[r];
    g_string_append(out, r ? ",\n  {" : "\n  {");
    gboolean first = TRUE;
    json_key(out, "booth", &first);
    booth_json_string(out, row->booth);
    json_key(out, "room", &first);
    booth_json_string(out, row->room);
    json_key(out, "session", &first);
    booth_json_string(out, row->session_id);
    g_autofree char *text = booth_manifest_code_text(row->code);
    json_key(out, "code_text", &first);
    booth_json_string(out, text);
    gsize len = 0;
    const guint8 *code = row->code ? g_bytes_get_data(row->code, &len) : NULL;
    json_key(out, "code_hex", &first);
    booth_json_hex(out, code, len);
    json_key(out, "profile", &first);
    booth_json_string(out, row->profile);
    json_key(out, "file", &first);
    booth_json_string(out, row->file);
    json_key(out, "bytes", &first);
    g_string_append_printf(out, "%" G_GINT64_FORMAT, row->bytes);
    json_key(out, "sha256", &first);
    booth_json_string(out, row->sha256);
    json_key(out, "started", &first);
    json_time(out, row->started_at);
    json_key(out, "code_scanned", &first);
    json_time(out, row->code_at);
    json_key(out, "committed", &first);
    json_time(out, row->committed_at);
    json_key(out, "seconds", &first);
    double secs = row_seconds(row);
    if (secs >= 0)
      booth_json_number(out, secs);
    else
      g_string_append(out, "null");
    json_key(out, "attempts", &first);
    g_string_append_printf(out, "%u", row->attempts);
    json_key(out, "operator", &first);
    booth_json_string(out, row->operator_name);
    json_key(out, "overrides", &first);
    g_string_append_c(out, '[');
    gboolean any = FALSE;
    for (guint j = 0; j < row->checks->len; j++) {
      const BoothManifestCheck *c = row->checks->pdata[j];
      if (c->verdict != BOOTH_VERDICT_OVERRIDDEN)
        continue;
      if (any)
        g_string_append(out, ", ");
      booth_json_string(out, c->name);
      any = TRUE;
    }
    g_string_append_c(out, ']');
    json_key(out, "checks", &first);
    g_string_append_c(out, '{');
    for (guint j = 0; j < row->checks->len; j++) {
      const BoothManifestCheck *c = row->checks->pdata[j];
      g_string_append(out, j ? ", " : "");
      booth_json_string(out, c->name);
      g_string_append(out, ": {\"value\": ");
      if (c->has_value)
        booth_json_number(out, c->value);
      else
        g_string_append(out, "null");
      g_string_append(out, ", \"unit\": ");
      booth_json_string(out, c->unit);
      g_string_append(out, ", \"verdict\": ");
      booth_json_string(out, booth_verdict_name(c->verdict));
      g_string_append_c(out, '}');
    }
    g_string_append(out, "}\n  }");
  }
  g_string_append(out, "\n  ]\n}\n");
  return out;
}

GString *
booth_manifest_sums(BoothManifest *m, const GString *csv, const GString *json)
{
  GString *out = g_string_new(NULL);
  for (guint r = 0; r < m->rows->len; r++) {
    const BoothManifestRow *row = m->rows->pdata[r];
    g_string_append_printf(out, "%s  %s\n", row->sha256, row->file);
  }
  g_autofree char *csv_sum =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)csv->str, csv->len);
  g_autofree char *json_sum =
      g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)json->str, json->len);
  g_string_append_printf(out, "%s  manifest.csv\n%s  manifest.json\n", csv_sum, json_sum);
  return out;
}

/* ---- files ---- */

static gboolean
write_new(int dirfd, const char *dir_label, const char *name, const GString *text, int *errno_out,
          GError **error)
{
  int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  int errsv = 0;
  if (fd < 0) {
    errsv = errno;
  } else {
    for (gsize done = 0; done < text->len && !errsv;) {
      ssize_t n = write(fd, text->str + done, text->len - done);
      if (n < 0 && errno != EINTR)
        errsv = errno;
      else if (n > 0)
        done += (gsize)n;
    }
    if (!errsv && fsync(fd) < 0)
      errsv = errno;
    if (close(fd) < 0 && !errsv && errno != EINTR)
      errsv = errno;
  }
  if (!errsv)
    return TRUE;
  if (errno_out)
    *errno_out = errsv;
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot write %s/%s: %s", dir_label, name,
              g_strerror(errsv));
  return FALSE;
}

gboolean
booth_manifest_write(BoothManifest *m, int dirfd, const char *dir_label, int *errno_out,
                     GError **error)
{
  g_autoptr(GString) csv = booth_manifest_csv(m);
  g_autoptr(GString) json = booth_manifest_json(m);
  g_autoptr(GString) sums = booth_manifest_sums(m, csv, json);
  return write_new(dirfd, dir_label, "manifest.csv", csv, errno_out, error) &&
         write_new(dirfd, dir_label, "manifest.json", json, errno_out, error) &&
         write_new(dirfd, dir_label, "SHA256SUMS", sums, errno_out, error);
}
