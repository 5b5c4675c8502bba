#include "json.h"

#include <math.h>

void
booth_json_string(GString *out, const char *s)
{
  g_assert(out);
  if (!s) {
    g_string_append(out, "null");
    return;
  }
  g_string_append_c(out, '"');
  for (const guchar *p = (const guchar *)s; *p; p++) {
    switch (*p) {
    case '"':
      g_string_append(out, "\\\"");
      break;
    case '\\':
      g_string_append(out, "\\\\");
      break;
    case '\n':
      g_string_append(out, "\\n");
      break;
    case '\r':
      g_string_append(out, "\\r");
      break;
    case '\t':
      g_string_append(out, "\\t");
      break;
    default:
      if (*p < 0x20)
        g_string_append_printf(out, "\\u%04x", *p);
      else
        g_string_append_c(out, (char)*p);
    }
  }
  g_string_append_c(out, '"');
}

void
booth_json_number(GString *out, double v)
{
  if (!isfinite(v)) {
    g_string_append(out, "null");
    return;
  }
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (v == (double)(gint64)v && fabs(v) < 1e15)
    g_string_append_printf(out, "%" G_GINT64_FORMAT, (gint64)v);
  else
    g_string_append(out, g_ascii_formatd(buf, sizeof buf, "%.6g", v));
}

void
booth_json_hex(GString *out, const guint8 *data, gsize len)
{
  g_string_append_c(out, '"');
  for (gsize i = 0; i < len; i++)
    g_string_append_printf(out, "%02x", data[i]);
  g_string_append_c(out, '"');
}
