/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What boothd measures on a frame. The same booth_analyzer_run() serves the live worker, the
 * capture and `boothd --analyze`, so scripts see exactly what a capture sees; the live worker
 * takes its frames as a stream (booth_analyzer_set_stream), following faces from frame to frame
 * and sharing QR reading between the readers, where a capture judges every frame alone. */
#pragma once

#include <glib.h>

#include "analysis/faces.h"
#include "analysis/framing.h"
#include "profile.h"
#include "frame.h"

typedef struct {
  guint64 seq;
  /* The frame analysed (a reference), for results of the live worker, which hands both on
   * together so that a preview of the frame shows its own analysis; NULL otherwise. */
  BoothFrame *frame;
  int width, height;
  char *origin;
  GPtrArray *codes;       /* BoothQrCode*, in frame coordinates */
  int qr_scale;           /* the frame was reduced by this factor for QR */
  GArray *faces;          /* BoothFace, largest first, in frame coordinates */
  gboolean faces_tracked; /* from the last frame's, not the full search (a stream's) */
  BoothFraming framing;   /* for the analyzer's profile */
  gint64 luma_us, qr_us, face_us, framing_us, total_us;
} BoothAnalysis;

void booth_analysis_free(BoothAnalysis *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothAnalysis, booth_analysis_free)
/* The members of a JSON object (no braces, so a caller can add its own): file (when not
 * NULL), size, codes, framing and timings. */
void booth_analysis_json_members(GString *out, const BoothAnalysis *r, const char *file);

typedef struct {
  int qr_max_side;             /* frames are reduced to this long side for QR */
  const char *cascade_dir;     /* NULL: the system's (opencv-data) */
  double min_face;             /* smallest face searched, share of the frame's shorter side */
  const BoothProfile *profile; /* framing is measured for it; not owned, must outlive */
  gboolean qr;                 /* scan for QR codes (off for the capture burst) */
} BoothAnalyzerOptions;

typedef struct BoothAnalyzer BoothAnalyzer;
/* Loads the face cascades: NULL and a clear error when they cannot be read. */
BoothAnalyzer *booth_analyzer_new(const BoothAnalyzerOptions *options, GError **error);
void booth_analyzer_free(BoothAnalyzer *a);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothAnalyzer, booth_analyzer_free)
BoothAnalysis *booth_analyzer_run(BoothAnalyzer *a, const BoothFrame *frame);
/* A second analyzer made like a (the same options and current profile; the cascades loaded
 * again), for a helper thread to use while a works on something else: both cores on one
 * capture. Made on the first call and kept with a, which frees it; each call sets its profile
 * to a's. NULL and an error when the cascades cannot be read again. */
BoothAnalyzer *booth_analyzer_get_twin(BoothAnalyzer *a, GError **error);
/* TRUE: from the next run on, frames are a camera's stream, one much like the last. Faces are
 * then tracked from frame to frame (booth_face_detector_track), with the full search on the
 * first frame, on a new scene (the luma's 16x16 block means, from two rows of each, differ
 * from the last frame's by more than 12 grey levels on average), whenever a face is lost, on every
 * 30th frame while a face is in view and on every 10th while none is; the eyes of a face that moved
 * are searched on every 4th frame and carried with its box in between; zxing-cpp reads every frame
 * and ZBar every 4th (not one with the full face search). FALSE (the default): every frame gets
 * the full search and both readers, as a capture needs. */
void booth_analyzer_set_stream(BoothAnalyzer *a, gboolean stream);
/* Framing is measured for p from the next run on. */
void booth_analyzer_set_profile(BoothAnalyzer *a, const BoothProfile *p);
/* Framing of frame for p, from faces already found on it (no second detection). */
void booth_analyzer_reframe(BoothAnalyzer *a, const BoothFrame *frame, const GArray *faces,
                            const BoothProfile *p, BoothFraming *out);
/* Faces on an image without QR or framing (the checks' second look at a finished photo). */
GArray *booth_analyzer_faces(BoothAnalyzer *a, const BoothFrame *frame);

/* The live worker: one thread takes the latest frame from the mailbox, analyses it and hands
 * the result to func in context (ownership passes). When the main loop falls behind, only the
 * newest unclaimed result is kept. */
typedef void (*BoothAnalysisFunc)(BoothAnalysis *result, gpointer user_data);
typedef struct BoothAnalysisWorker BoothAnalysisWorker;
/* Takes ownership of analyzer, which from then on runs on the worker's thread only. */
BoothAnalysisWorker *booth_analysis_worker_start(BoothMailbox *mailbox, BoothAnalyzer *analyzer,
                                                 GMainContext *context, BoothAnalysisFunc func,
                                                 gpointer user_data);
/* The framing of frames from the next one on is measured for profile, which must outlive the
 * worker. */
void booth_analysis_worker_set_profile(BoothAnalysisWorker *w, const BoothProfile *profile);
void booth_analysis_worker_stop(BoothAnalysisWorker *w);
/* Frames analysed, and the mean analysis time of the last 64 in microseconds. */
guint64 booth_analysis_worker_count(BoothAnalysisWorker *w, double *mean_us);
