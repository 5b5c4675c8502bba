/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "json.h"

#include <math.h>
#include <string.h>

void
booth_json_string_len(GString *out, const char *s, gssize len)
{
  g_return_if_fail(out != NULL);
  g_return_if_fail(s != NULL || len == 0);

  const char *p = s;
  const char *end = s + (len < 0 ? (gssize)strlen(s) : len);

  g_string_append_c(out, '"');
  while (p < end) {
    guchar c = (guchar)*p;

    if (c < 0x80) {
      switch (c) {
      case '"':
        g_string_append(out, "\\\"");
        break;
      case '\\':
        g_string_append(out, "\\\\");
        break;
      case '\b':
        g_string_append(out, "\\b");
        break;
      case '\f':
        g_string_append(out, "\\f");
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
        /* DEL is legal JSON but escaping it keeps terminals and log viewers honest. */
        if (c < 0x20 || c == 0x7f)
          g_string_append_printf(out, "\\u%04x", c);
        else
          g_string_append_c(out, (char)c);
      }
      p++;
      continue;
    }

    gunichar ch = g_utf8_get_char_validated(p, end - p);
    if (ch == (gunichar)-1 || ch == (gunichar)-2) {
      /* D-Bus strings are UTF-8 by definition, but a JSON reader must never see a stray
       * byte, whatever reached us: one replacement character per bad byte. */
      g_string_append(out, "\\ufffd");
      p++;
      continue;
    }
    const char *next = g_utf8_next_char(p);
    /* Line and paragraph separators are valid JSON but end a line in JavaScript. */
    if (ch == 0x2028 || ch == 0x2029)
      g_string_append_printf(out, "\\u%04x", ch);
    else
      g_string_append_len(out, p, next - p);
    p = next;
  }
  g_string_append_c(out, '"');
}

void
booth_json_string(GString *out, const char *s)
{
  g_assert(out);
  if (!s)
    g_string_append(out, "null");
  else
    booth_json_string_len(out, s, -1);
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

/* ---- validation ---- */

typedef struct {
  const char *p, *end;
  int depth;
} Scan;

static void
skip_space(Scan *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean scan_value(Scan *s);

static gboolean
scan_literal(Scan *s, const char *word)
{
  gsize n = strlen(word);
  if ((gsize)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
    return FALSE;
  s->p += n;
  return TRUE;
}

static gboolean
scan_string(Scan *s)
{
  if (s->p >= s->end || *s->p++ != '"')
    return FALSE;
  while (s->p < s->end) {
    unsigned char c = (unsigned char)*s->p++;
    if (c == '"')
      return TRUE;
    if (c < 0x20)
      return FALSE;
    if (c == '\\') {
      if (s->p >= s->end)
        return FALSE;
      char e = *s->p++;
      if (e == 'u') {
        for (int i = 0; i < 4; i++)
          if (s->p >= s->end || !g_ascii_isxdigit(*s->p++))
            return FALSE;
      } else if (!strchr("\"\\/bfnrt", e)) {
        return FALSE;
      }
    }
  }
  return FALSE;
}

static gboolean
scan_number(Scan *s)
{
  const char *start = s->p;
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p >= s->end || !g_ascii_isdigit(*s->p))
    return FALSE;
  if (*s->p == '0')
    s->p++;
  else
    while (s->p < s->end && g_ascii_isdigit(*s->p))
      s->p++;
  if (s->p < s->end && *s->p == '.') {
    s->p++;
    if (s->p >= s->end || !g_ascii_isdigit(*s->p))
      return FALSE;
    while (s->p < s->end && g_ascii_isdigit(*s->p))
      s->p++;
  }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
    s->p++;
    if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
      s->p++;
    if (s->p >= s->end || !g_ascii_isdigit(*s->p))
      return FALSE;
    while (s->p < s->end && g_ascii_isdigit(*s->p))
      s->p++;
  }
  return s->p > start;
}

static gboolean
scan_container(Scan *s, char close, gboolean object)
{
  if (++s->depth > 64)
    return FALSE;
  s->p++;
  skip_space(s);
  if (s->p < s->end && *s->p == close) {
    s->p++;
    s->depth--;
    return TRUE;
  }
  for (;;) {
    skip_space(s);
    if (object) {
      if (!scan_string(s))
        return FALSE;
      skip_space(s);
      if (s->p >= s->end || *s->p++ != ':')
        return FALSE;
    }
    if (!scan_value(s))
      return FALSE;
    skip_space(s);
    if (s->p >= s->end)
      return FALSE;
    char c = *s->p++;
    if (c == close) {
      s->depth--;
      return TRUE;
    }
    if (c != ',')
      return FALSE;
  }
}

static gboolean
scan_value(Scan *s)
{
  skip_space(s);
  if (s->p >= s->end)
    return FALSE;
  switch (*s->p) {
  case '{':
    return scan_container(s, '}', TRUE);
  case '[':
    return scan_container(s, ']', FALSE);
  case '"':
    return scan_string(s);
  case 't':
    return scan_literal(s, "true");
  case 'f':
    return scan_literal(s, "false");
  case 'n':
    return scan_literal(s, "null");
  default:
    return scan_number(s);
  }
}

gboolean
booth_json_valid(const char *text, gssize len)
{
  g_return_val_if_fail(text != NULL, FALSE);
  gsize n = len < 0 ? strlen(text) : (gsize)len;
  if (!g_utf8_validate_len(text, n, NULL))
    return FALSE;
  Scan s = {text, text + n, 0};
  if (!scan_value(&s))
    return FALSE;
  skip_space(&s);
  return s.p == s.end;
}
