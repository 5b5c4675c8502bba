/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Human-readable rendering of what boothd sends. Codes and other untrusted text are
 * escaped so a terminal never interprets them; numbers are read whatever integer type
 * carried them; times are shown in local time. Missing keys are skipped, never guessed. */
#pragma once

#include <glib.h>

/* Printable UTF-8 is kept, backslash and everything else becomes \xNN per byte; with
 * escape_space, spaces too, so the result is one word in a column of text. */
char *boothctl_escape(const char *data, gsize len, gboolean escape_space);
/* The code of a record, session or scan: code_bytes when present (the exact bytes),
 * else code; NULL when neither is there. */
char *boothctl_lookup_code(GVariant *dict, gboolean escape_space);
/* Local "YYYY-MM-DD HH:MM:SS" from unix microseconds, "-" for 0. */
char *boothctl_format_time(gint64 usec);
char *boothctl_format_value(GVariant *value);
char *boothctl_join_strv(GVariant *strv, const char *separator);

const char *boothctl_lookup_string(GVariant *dict, const char *key);
gboolean boothctl_lookup_int(GVariant *dict, const char *key, gint64 *out);
gboolean boothctl_lookup_double(GVariant *dict, const char *key, double *out);
gboolean boothctl_lookup_bool(GVariant *dict, const char *key, gboolean *out);

/* The capture report's verdict: its passed key, else whether every check passed. */
gboolean boothctl_report_passed(GVariant *report);

void boothctl_print_status(GVariant *properties);
void boothctl_print_report(GVariant *report);
/* One profile's photo (an entry of a report's photos, or CheckPhoto's answer): a line with its
 * size, file size, quality and verdict, then its checks. */
void boothctl_print_photo(GVariant *photo);
void boothctl_print_record(GVariant *record);
void boothctl_print_record_line(GVariant *record);
