/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the core: the booth's fields and what its files (booth.c, session.c, scan.c) share.
 * Nothing outside daemon/core/ includes this. */
#pragma once

#include "core/booth.h"
#include "core/preview.h"
#include "core/session.h"

typedef struct {
  BoothListener listener;
  gpointer data;
} BoothSubscriber;

/* A session call that arrived while the session was busy, replayed once it is not. */
typedef struct BoothPending BoothPending;

struct Booth {
  BoothConfig *config;
  GPtrArray *retired; /* BoothConfig* replaced by a reload: sessions and jobs may still point
                         into their profiles, so they live until boothd stops */
  BoothMailbox *mailbox;
  BoothCamera *camera; /* a reference to the running camera; NULL when none runs */
  char *camera_error;  /* why there is no camera, NULL when it runs */
  BoothCameraSupervisor *camera_supervisor; /* owns the camera; its statuses set the two above */
  BoothCameraStatus camera_status;          /* the supervisor's last word */
  BoothAnalysisWorker *analysis;
  BoothAnalyzer *live_analyzer;    /* until the worker takes it */
  BoothAnalyzer *capture_analyzer; /* used on the job thread only */
  BoothStore *store;      /* only on the job thread after start-up; booth_store_open_candidate()
                           * excepted, which is safe from any thread */
  GThreadPool *jobs;      /* one thread: capture processing and storage, in order */
  GThread *export_thread; /* writes an export batch (core/export.c) while one is written */
  gboolean exporting;     /* an export runs, from the call to its answer */
  GArray *subscribers;    /* BoothSubscriber */
  BoothPreview *preview;  /* the live preview's encoder and clients */

  BoothSession *session;
  GQueue pending;       /* BoothPending*: calls that wait for the session's step to finish */
  BoothIntake *intake;  /* which code belongs to which session */
  char **hints;         /* the session's and the framing's */
  GVariant *framing;    /* a{sv} of the latest analysed frame, NULL before the first */
  char **framing_hints; /* its hints */
  double framing_score;
  gint64 last_frame_mono;
  guint hints_tick; /* no_frames is noticed without frames */
  BoothCounters counters;
  gint64 started_mono;
};

/* Runs work on the job thread, then done on the main thread. */
typedef void (*BoothJobFunc)(Booth *b, gpointer data);
void booth_job_run(Booth *b, BoothJobFunc work, BoothJobFunc done, gpointer data);

/* FALSE and Denied, saying how to be let in, unless the caller may operate the booth. */
gboolean booth_caller_check(Booth *b, const BoothCaller *caller, GError **error);

/* To the listeners. */
void booth_changed(Booth *b, BoothChange what);
void booth_emit_code_scanned(Booth *b, const BoothCodeEvent *event);
void booth_emit_committed(Booth *b, const BoothRecord *record);
void booth_emit_owner_changed(Booth *b, const char *owner);
/* Recomputes the hints; on change tells the listeners. */
void booth_update_hints(Booth *b);

/* session.c, for scan.c: a scanned code starts a session (auto_start), or gives the open
 * session without a code its code. */
void booth_session_take_code(Booth *b, gint64 now);
/* Answers every waiting call with error (boothd stops). */
void booth_session_fail_pending(Booth *b, const GError *error);
void booth_session_free(BoothSession *s);

/* scan.c: analysis results arrive here, on the main thread. */
void booth_scan_on_analysis(BoothAnalysis *result, gpointer user_data);
