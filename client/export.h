/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothctl export and boothctl report: photos and figures out of the booth. */
#pragma once

#include "boothctl.h"

/* HH:MM (today), YYYY-MM-DD, "YYYY-MM-DD HH:MM[:SS]" or ISO 8601, in local time unless it
 * says its offset -> unix microseconds. */
gboolean boothctl_parse_time(const char *text, gint64 *usec, GError **error);

/* Writes a batch into dir; since 0: any time; sessions NULL: every one. */
int boothctl_export(Boothctl *ctl, const char *dir, gint64 since, char **sessions, gboolean all);

/* The day report of day (YYYY-MM-DD; NULL: today); with svg_path, also the picture there. */
int boothctl_day_report(Boothctl *ctl, const char *day, const char *svg_path);
