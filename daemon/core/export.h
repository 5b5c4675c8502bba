/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Photos out of the booth: an export batch written into a folder the client opened
 * (store/store.h says what a batch holds and how it is written whole or not at all), and the
 * day report (core/report.c). Both need an authorized caller and no session; sessions go on
 * while they run: the records are read and marked on the job thread, the batch is written on
 * a thread of its own. */
#pragma once

#include <glib.h>

#include "core/booth.h"
#include "core/session.h"

typedef struct {
  const char *batch;  /* the batch's folder in DIR; NULL when there was nothing to export */
  const char *path;   /* DIR as boothd sees it */
  guint sessions;     /* sessions in the batch */
  guint photos;       /* photos in the batch */
  gint64 bytes;       /* of the photos */
  gint64 duration_us; /* from the call to the batch's rename */
  GPtrArray *cleaned; /* char*: unfinished batches of an interrupted export, removed */
} BoothExportResult;

typedef void (*BoothExportDone)(const BoothExportResult *result, const GError *error,
                                gpointer data);

/* Writes a batch of the committed sessions query selects into the folder dirfd (the booth takes
 * it, also on failure), then marks them exported. With nothing to export it writes nothing
 * and answers a result without a batch. Denied unless authorized; InvalidArgument when dirfd
 * is not a folder; Busy while another export runs; Storage (store/store.h) when the batch
 * cannot be written whole; NoSession or BadState for a named session that is unknown or not
 * committed. */
void booth_export(Booth *b, const BoothCaller *caller, int dirfd, const BoothExportQuery *query,
                  BoothExportDone done, gpointer data);

/* The day report (common/report.h) of day ("YYYY-MM-DD", local; NULL or "": today), counted
 * by the schedule file ([Booth] schedule, or schedule.conf in /etc/boothd, then the vendor's).
 * Denied unless authorized; InvalidArgument for a bad day or schedule file. */
void booth_day_report(Booth *b, const BoothCaller *caller, const char *day, BoothCaptureDone done,
                      gpointer data);
