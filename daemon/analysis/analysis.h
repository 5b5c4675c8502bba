/* What boothd measures on a frame. The same booth_analyzer_run() serves the live worker and
 * `boothd --analyze`, so scripts see exactly what the daemon sees. */
#pragma once

#include <glib.h>

#include "frame.h"

typedef struct {
  guint64 seq;
  int width, height;
  char *origin;
  GPtrArray *codes; /* BoothQrCode*, in frame coordinates */
  int qr_scale;     /* the frame was reduced by this factor for QR */
  gint64 qr_us;
  gint64 total_us;
} BoothAnalysis;

void booth_analysis_free(BoothAnalysis *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothAnalysis, booth_analysis_free)
/* One JSON object, no newline. file may be NULL. */
char *booth_analysis_to_json(const BoothAnalysis *r, const char *file);

typedef struct BoothAnalyzer BoothAnalyzer;
BoothAnalyzer *booth_analyzer_new(int qr_max_side);
void booth_analyzer_free(BoothAnalyzer *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothAnalyzer, booth_analyzer_free)
BoothAnalysis *booth_analyzer_run(BoothAnalyzer *a, const BoothFrame *frame);

/* The live worker: one thread takes the latest frame from the mailbox, analyses it and hands
 * the result to func in context (ownership passes). When the main loop falls behind, only the
 * newest unclaimed result is kept. */
typedef void (*BoothAnalysisFunc)(BoothAnalysis *result, gpointer user_data);
typedef struct BoothAnalysisWorker BoothAnalysisWorker;
BoothAnalysisWorker *booth_analysis_worker_start(BoothMailbox *mailbox, int qr_max_side,
                                                 GMainContext *context, BoothAnalysisFunc func,
                                                 gpointer user_data);
void booth_analysis_worker_stop(BoothAnalysisWorker *w);
/* Frames analysed, and the mean analysis time of the last 64 in microseconds. */
guint64 booth_analysis_worker_count(BoothAnalysisWorker *w, double *mean_us);
