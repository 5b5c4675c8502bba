/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

static gboolean verbose;
static gboolean to_journal;

void
booth_log_init(void)
{
  /* JOURNAL_STREAM names the stream systemd connected us to; only then go native. */
  to_journal = g_getenv("JOURNAL_STREAM") != NULL;
}

void
booth_log_set_verbose(gboolean v)
{
  verbose = v;
}

static int
level_priority(GLogLevelFlags level)
{
  switch (level) {
  case G_LOG_LEVEL_ERROR:
    return LOG_ERR;
  case G_LOG_LEVEL_CRITICAL:
  case G_LOG_LEVEL_WARNING:
    return LOG_WARNING;
  case G_LOG_LEVEL_MESSAGE:
    return LOG_NOTICE;
  case G_LOG_LEVEL_INFO:
    return LOG_INFO;
  default:
    return LOG_DEBUG;
  }
}

void
booth_log_write(GLogLevelFlags level, const char *topic, const char *fmt, ...)
{
  int prio = level_priority(level);
  if (prio == LOG_DEBUG && !verbose)
    return;

  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);

  if (to_journal) {
    sd_journal_send("MESSAGE=%s: %s", topic, msg, "PRIORITY=%d", prio, "BOOTH_TOPIC=%s", topic,
                    "SYSLOG_IDENTIFIER=boothd", NULL);
    return;
  }
  static const char *const names[] = {"", "", "", "error", "warning", "notice", "info", "debug"};
  g_autoptr(GDateTime) now = g_date_time_new_now_local();
  g_autofree char *ts = g_date_time_format(now, "%H:%M:%S.%f");
  ts[12] = '\0'; /* milliseconds are enough */
  fprintf(stderr, "%s %s %s: %s\n", ts, names[prio], topic, msg);
}
