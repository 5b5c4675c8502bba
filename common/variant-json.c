/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "variant-json.h"

#include "json.h"

#include <math.h>
#include <string.h>

static void
json_append_double(GString *out, double v)
{
  if (!isfinite(v)) {
    g_string_append(out, "null");
    return;
  }
  /* The shortest of %.15g..%.17g that reads back as the same double: 0.1 stays "0.1"
   * instead of "0.10000000000000001", and no precision is ever lost. */
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  static const char *const formats[] = {"%.15g", "%.16g", "%.17g"};
  for (gsize i = 0; i < G_N_ELEMENTS(formats); i++) {
    g_ascii_formatd(buf, sizeof buf, formats[i], v);
    if (g_ascii_strtod(buf, NULL) == v)
      break;
  }
  g_string_append(out, buf);
}

static void
json_newline(GString *out, gboolean pretty, guint depth)
{
  if (!pretty)
    return;
  g_string_append_c(out, '\n');
  for (guint i = 0; i < depth; i++)
    g_string_append(out, "  ");
}

static void json_append(GString *out, GVariant *value, gboolean pretty, guint depth);

/* JSON object keys must be strings; D-Bus dictionary keys may be any basic type, so
 * numbers and booleans are keyed by their JSON text. */
static void
json_append_key(GString *out, GVariant *key)
{
  if (g_variant_is_of_type(key, G_VARIANT_TYPE_STRING) ||
      g_variant_is_of_type(key, G_VARIANT_TYPE_OBJECT_PATH) ||
      g_variant_is_of_type(key, G_VARIANT_TYPE_SIGNATURE)) {
    gsize len;
    const char *s = g_variant_get_string(key, &len);
    booth_json_string_len(out, s, len);
    return;
  }
  g_autoptr(GString) text = g_string_new(NULL);
  json_append(text, key, FALSE, 0);
  booth_json_string_len(out, text->str, text->len);
}

static gboolean json_append_embedded(GString *out, GVariant *key, GVariant *item);

static void
json_append_container(GString *out, GVariant *value, gboolean pretty, guint depth)
{
  gboolean is_dict = g_variant_is_of_type(value, G_VARIANT_TYPE("a{?*}"));
  gsize n = g_variant_n_children(value);

  g_string_append_c(out, is_dict ? '{' : '[');
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(value, i);

    if (i > 0)
      g_string_append_c(out, ',');
    json_newline(out, pretty, depth + 1);
    if (is_dict) {
      g_autoptr(GVariant) key = g_variant_get_child_value(child, 0);
      g_autoptr(GVariant) item = g_variant_get_child_value(child, 1);
      json_append_key(out, key);
      g_string_append(out, pretty ? ": " : ":");
      if (!json_append_embedded(out, key, item))
        json_append(out, item, pretty, depth + 1);
    } else {
      json_append(out, child, pretty, depth + 1);
    }
  }
  if (n > 0)
    json_newline(out, pretty, depth);
  g_string_append_c(out, is_dict ? '}' : ']');
}

/* A record's "checks" is JSON text in a string (the store keeps the report as written): in a
 * JSON document it belongs as the object it is, not as a string to be parsed again. Only
 * well-formed JSON is copied in; anything else stays a string. */
static gboolean
json_append_embedded(GString *out, GVariant *key, GVariant *item)
{
  if (!g_variant_is_of_type(key, G_VARIANT_TYPE_STRING) ||
      g_strcmp0(g_variant_get_string(key, NULL), "checks") != 0)
    return FALSE;
  g_autoptr(GVariant) inner = g_variant_is_of_type(item, G_VARIANT_TYPE_VARIANT)
                                  ? g_variant_get_variant(item)
                                  : g_variant_ref(item);
  if (!g_variant_is_of_type(inner, G_VARIANT_TYPE_STRING))
    return FALSE;
  gsize len;
  const char *text = g_variant_get_string(inner, &len);
  if (len == 0 || (text[0] != '{' && text[0] != '[') || !booth_json_valid(text, (gssize)len))
    return FALSE;
  g_string_append_len(out, text, (gssize)len);
  return TRUE;
}

static void
json_append(GString *out, GVariant *value, gboolean pretty, guint depth)
{
  switch (g_variant_classify(value)) {
  case G_VARIANT_CLASS_BOOLEAN:
    g_string_append(out, g_variant_get_boolean(value) ? "true" : "false");
    break;
  case G_VARIANT_CLASS_BYTE:
    g_string_append_printf(out, "%u", (guint)g_variant_get_byte(value));
    break;
  case G_VARIANT_CLASS_INT16:
    g_string_append_printf(out, "%d", (int)g_variant_get_int16(value));
    break;
  case G_VARIANT_CLASS_UINT16:
    g_string_append_printf(out, "%u", (guint)g_variant_get_uint16(value));
    break;
  case G_VARIANT_CLASS_INT32:
    g_string_append_printf(out, "%" G_GINT32_FORMAT, g_variant_get_int32(value));
    break;
  case G_VARIANT_CLASS_HANDLE:
    g_string_append_printf(out, "%" G_GINT32_FORMAT, g_variant_get_handle(value));
    break;
  case G_VARIANT_CLASS_UINT32:
    g_string_append_printf(out, "%" G_GUINT32_FORMAT, g_variant_get_uint32(value));
    break;
  case G_VARIANT_CLASS_INT64:
    g_string_append_printf(out, "%" G_GINT64_FORMAT, g_variant_get_int64(value));
    break;
  case G_VARIANT_CLASS_UINT64:
    g_string_append_printf(out, "%" G_GUINT64_FORMAT, g_variant_get_uint64(value));
    break;
  case G_VARIANT_CLASS_DOUBLE:
    json_append_double(out, g_variant_get_double(value));
    break;
  case G_VARIANT_CLASS_STRING:
  case G_VARIANT_CLASS_OBJECT_PATH:
  case G_VARIANT_CLASS_SIGNATURE: {
    gsize len;
    const char *s = g_variant_get_string(value, &len);
    booth_json_string_len(out, s, len);
    break;
  }
  case G_VARIANT_CLASS_VARIANT: {
    g_autoptr(GVariant) inner = g_variant_get_variant(value);
    json_append(out, inner, pretty, depth);
    break;
  }
  case G_VARIANT_CLASS_MAYBE: {
    g_autoptr(GVariant) inner = g_variant_get_maybe(value);
    if (inner != NULL)
      json_append(out, inner, pretty, depth);
    else
      g_string_append(out, "null");
    break;
  }
  case G_VARIANT_CLASS_ARRAY:
  case G_VARIANT_CLASS_TUPLE:
  case G_VARIANT_CLASS_DICT_ENTRY:
    /* Tuples and lone dictionary entries have no JSON counterpart: positional arrays. */
    json_append_container(out, value, pretty, depth);
    break;
  default:
    g_string_append(out, "null");
    break;
  }
}

void
booth_json_append_variant(GString *out, GVariant *value, gboolean pretty)
{
  g_return_if_fail(out != NULL);
  g_return_if_fail(value != NULL);

  json_append(out, value, pretty, 0);
}

char *
booth_json_from_variant(GVariant *value, gboolean pretty)
{
  g_return_val_if_fail(value != NULL, NULL);

  GString *out = g_string_new(NULL);
  json_append(out, value, pretty, 0);
  return g_string_free(out, FALSE);
}
