/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What boothcollect's commands share: reading the central database. */
#pragma once

#include <glib.h>
#include <libpq-fe.h>

/* Runs a query with text parameters; NULL (the reason printed, in words) when the server
 * refused it. */
PGresult *collect_query(PGconn *pg, const char *sql, int n, const char *const *params);

/* boothcollect report: the day report (common/report.h) of every room and of the whole
 * collection, for day (YYYY-MM-DD, local; NULL: today), counted by schedule_path (NULL: the
 * installed schedule.conf, or none). Prints text, or JSON with json. Returns the exit status. */
int collect_report(PGconn *pg, const char *day, const char *schedule_path, gboolean json);
