/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table-driven key file reader (core/keyfile.h). */
#include "core/keyfile.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/faces.h"
#include "camera/camera.h"
#include "error.h"
#include "file.h"
#include "photo/image.h"

/* GKeyFile does not keep line numbers: find them in the text for the message. */
static int
find_line(const char *text, const char *group, const char *key)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  gboolean in_group = group == NULL;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (*l == ' ' || *l == '\t')
      l++;
    if (*l == '[') {
      g_autofree char *name = g_strndup(l + 1, strcspn(l + 1, "]"));
      in_group = g_strcmp0(name, group) == 0;
      if (in_group && !key)
        return i + 1;
      continue;
    }
    if (!in_group || !key)
      continue;
    size_t n = strcspn(l, "=");
    g_autofree char *k = g_strstrip(g_strndup(l, n));
    if (l[n] == '=' && strcmp(k, key) == 0)
      return i + 1;
  }
  return 0;
}

static gboolean G_GNUC_PRINTF(6, 7)
    fail_at(GError **error, const char *path, const char *text, const char *group, const char *key,
            const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int line = find_line(text, group, key);
  if (key)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s:%d: [%s] %s: %s", path, line,
                group, key, msg);
  else
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s:%d: [%s]: %s", path, line,
                group, msg);
  return FALSE;
}

static const KeySpec *
find_spec(const KeySpec *specs, size_t n, const char *group, const char *key)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(specs[i].group, group) == 0 && (!key || strcmp(specs[i].key, key) == 0))
      return &specs[i];
  return NULL;
}

static gboolean
parse_int(const char *s, gint64 *out)
{
  char *end = NULL;
  errno = 0;
  gint64 v = g_ascii_strtoll(s, &end, 10);
  if (errno || end == s || *end)
    return FALSE;
  *out = v;
  return TRUE;
}

static gboolean
apply_key(const KeySpec *spec, GKeyFile *kf, void *target, const char *path, const char *text,
          GError **error)
{
  g_autofree char *raw = g_key_file_get_value(kf, spec->group, spec->key, NULL);
  g_autofree char *v = g_strstrip(g_key_file_get_string(kf, spec->group, spec->key, NULL));
  if (!v)
    return fail_at(error, path, text, spec->group, spec->key, "bad escape in value '%s'", raw);
  char *field = (char *)target + spec->offset;

  switch (spec->type) {
  case KEY_BOOL:
    if (strcmp(v, "true") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "1") == 0)
      *(gboolean *)field = TRUE;
    else if (strcmp(v, "false") == 0 || strcmp(v, "no") == 0 || strcmp(v, "0") == 0)
      *(gboolean *)field = FALSE;
    else
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a boolean (use true or false)", v);
    return TRUE;
  case KEY_INT: {
    gint64 n;
    if (!parse_int(v, &n))
      return fail_at(error, path, text, spec->group, spec->key, "'%s' is not an integer", v);
    if (n < spec->min || n > spec->max)
      return fail_at(error, path, text, spec->group, spec->key, "%s is out of range %.0f..%.0f", v,
                     spec->min, spec->max);
    *(int *)field = (int)n;
    return TRUE;
  }
  case KEY_DOUBLE: {
    char *end = NULL;
    double d = g_ascii_strtod(v, &end);
    if (end == v || *end || d != d)
      return fail_at(error, path, text, spec->group, spec->key, "'%s' is not a number", v);
    if (d < spec->min || d > spec->max)
      return fail_at(error, path, text, spec->group, spec->key, "%s is out of range %g..%g", v,
                     spec->min, spec->max);
    *(double *)field = d;
    return TRUE;
  }
  case KEY_STRING:
    if (strlen(v) < spec->min || strlen(v) > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "value must be %.0f to %.0f characters long", spec->min, spec->max);
    g_free(*(char **)field);
    *(char **)field = g_steal_pointer(&v);
    return TRUE;
  case KEY_STRV: {
    g_auto(GStrv) list = g_key_file_get_string_list(kf, spec->group, spec->key, NULL, NULL);
    guint n = list ? g_strv_length(list) : 0;
    if (n < spec->min || n > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "needs %.0f to %.0f names separated by ';'", spec->min, spec->max);
    for (guint i = 0; i < n; i++) {
      g_strstrip(list[i]);
      if (!*list[i] || strspn(list[i], "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                       "0123456789-_") != strlen(list[i]))
        return fail_at(error, path, text, spec->group, spec->key,
                       "'%s' is not a valid name (letters, digits, '-' and '_')", list[i]);
    }
    g_strfreev(*(char ***)field);
    *(char ***)field = g_steal_pointer(&list);
    return TRUE;
  }
  case KEY_RGB: {
    g_auto(GStrv) parts = g_strsplit(v, ",", -1);
    guint8 rgb[3];
    gint64 n;
    if (g_strv_length(parts) != 3)
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a colour (write R,G,B, e.g. 100,197,255)", v);
    for (int i = 0; i < 3; i++) {
      if (!parse_int(g_strstrip(parts[i]), &n) || n < 0 || n > 255)
        return fail_at(error, path, text, spec->group, spec->key,
                       "'%s' is not a colour (each of R,G,B is 0..255)", v);
      rgb[i] = (guint8)n;
    }
    memcpy(field, rgb, 3);
    return TRUE;
  }
  case KEY_ROTATION: {
    gint64 n;
    if (!parse_int(v, &n) || (n != 0 && n != 90 && n != 180 && n != 270))
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a rotation (use 0, 90, 180 or 270 degrees clockwise)", v);
    *(int *)field = (int)n;
    return TRUE;
  }
  case KEY_PIXEL_FORMAT:
    if (!booth_camera_pixel_format_valid(v))
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a pixel format boothd takes from a camera (use auto, MJPEG, "
                     "YUYV, UYVY, NV12, NV21, RGB888, BGR888, XRGB8888, XBGR8888, RGBX8888 or "
                     "BGRX8888, as libcamera names them)",
                     v);
    g_free(*(char **)field);
    *(char **)field = g_steal_pointer(&v);
    return TRUE;
  case KEY_NAME:
    if (strlen(v) < spec->min || strlen(v) > spec->max || v[0] == '.' ||
        strspn(v, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_") != strlen(v))
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not a valid name (%.0f to %.0f letters, digits, '.', '-' and '_', "
                     "not starting with '.')",
                     v, spec->min, spec->max);
    g_free(*(char **)field);
    *(char **)field = g_steal_pointer(&v);
    return TRUE;
  case KEY_RATIO: {
    g_auto(GStrv) parts = g_strsplit(v, ":", -1);
    gint64 a, b;
    if (g_strv_length(parts) != 2 || !parse_int(g_strstrip(parts[0]), &a) ||
        !parse_int(g_strstrip(parts[1]), &b) || a < spec->min || a > spec->max || b < spec->min ||
        b > spec->max)
      return fail_at(error, path, text, spec->group, spec->key,
                     "'%s' is not an aspect ratio (write W:H, e.g. 3:4)", v);
    *(int *)field = (int)a;
    *(int *)((char *)target + spec->offset2) = (int)b;
    return TRUE;
  }
  }
  g_assert_not_reached();
}

/* GKeyFile lets the last of two equal keys in a group win without a word, so a value changed
 * in one place and left in another would silently not apply. This finds the second one,
 * reading lines as GKeyFile does (it has accepted the text already): blanks before a line
 * and around a key are ignored, '#' starts a comment, and a group named twice is one group. */
static gboolean
check_duplicate_keys(const char *path, const char *text, GError **error)
{
  g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
  g_autoptr(GHashTable) first_line = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  g_autofree char *group = NULL;
  for (int i = 0; lines[i]; i++) {
    const char *l = lines[i];
    while (g_ascii_isspace(*l))
      l++;
    if (*l == '#' || *l == '\0')
      continue;
    if (*l == '[') {
      g_free(group);
      group = g_strndup(l + 1, strcspn(l + 1, "]"));
      continue;
    }
    size_t n = strcspn(l, "=");
    if (l[n] != '=' || !group)
      continue;
    g_autofree char *key = g_strstrip(g_strndup(l, n));
    /* Neither a group name nor a key holds a newline. */
    g_autofree char *id = g_strconcat(group, "\n", key, NULL);
    int first = GPOINTER_TO_INT(g_hash_table_lookup(first_line, id));
    if (first) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: [%s] %s: set again (first at line %d); keep one of the two", path, i + 1,
                  group, key, first);
      return FALSE;
    }
    g_hash_table_insert(first_line, g_steal_pointer(&id), GINT_TO_POINTER(i + 1));
  }
  return TRUE;
}

/* Parses len bytes of text into target, every key checked against specs; path names the file
 * in messages, what the kind of file ("a profile"). */
gboolean
booth_keyfile_load(const char *data, gsize len, const char *path, const char *what,
                   const KeySpec *specs, size_t n_specs, void *target, GError **error)
{
  if (len > BOOTH_KEYFILE_MAX_BYTES) {
    g_autofree char *size = booth_file_format_size(len);
    g_autofree char *limit = booth_file_format_size(BOOTH_KEYFILE_MAX_BYTES);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the text is %s; %s may be at most %s", path, size, what, limit);
    return FALSE;
  }
  /* GKeyFile checks values but not keys or group names, which the messages below quote; and
   * a NUL would end the text early for everything here. */
  const char *end = NULL;
  if (!g_utf8_validate_len(data, len, &end)) {
    int line = 1;
    for (const char *p = data; p < end; p++)
      line += *p == '\n';
    if (*end == '\0')
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: a NUL byte: %s is text, and this file is not", path, line, what);
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "%s:%d: bytes that are not UTF-8: %s is UTF-8 text (save it as UTF-8)", path,
                  line, what);
    return FALSE;
  }
  g_autofree char *text = g_strndup(data, len);
  g_autoptr(GError) local = NULL;
  g_autoptr(GKeyFile) kf = g_key_file_new();
  if (!g_key_file_load_from_data(kf, text, len, G_KEY_FILE_NONE, &local)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: %s", path, local->message);
    return FALSE;
  }
  if (!check_duplicate_keys(path, text, error))
    return FALSE;
  g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
  for (int g = 0; groups[g]; g++) {
    if (!find_spec(specs, n_specs, groups[g], NULL))
      return fail_at(error, path, text, groups[g], NULL, "unknown group");
    g_auto(GStrv) keys = g_key_file_get_keys(kf, groups[g], NULL, NULL);
    for (int k = 0; keys && keys[k]; k++) {
      const KeySpec *spec = find_spec(specs, n_specs, groups[g], keys[k]);
      if (!spec)
        return fail_at(error, path, text, groups[g], keys[k], "unknown key");
      if (!apply_key(spec, kf, target, path, text, error))
        return FALSE;
    }
  }
  return TRUE;
}
