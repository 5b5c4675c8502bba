/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The booth: one camera, at most one session, and what an adapter shows of them. It knows
 * nothing of D-Bus. Callers come in as a BoothCaller (a name, a uid, whether they may operate
 * the booth); methods (core/session.h) finish through a done callback with a value or a
 * GError from the one error table (error.h); changes go out through the listener table below,
 * which any adapter (the bus adapter, a test) subscribes to.
 *
 * All of it lives on the main thread; frames, analysis, capture processing and storage run on
 * their own threads and report back here. */
#pragma once

#include <glib.h>

#include "analysis/analysis.h"
#include "camera/camera-supervisor.h"
#include "camera/camera.h"
#include "core/config.h"
#include "core/intake.h"
#include "core/preview.h"
#include "frame.h"
#include "store/store.h"

typedef enum {
  BOOTH_STATE_IDLE,       /* no session */
  BOOTH_STATE_SCANNING,   /* a session waits for the student's capture code */
  BOOTH_STATE_FRAMING,    /* a session with a code, no candidate yet */
  BOOTH_STATE_PROCESSING, /* a capture is being taken and processed */
  BOOTH_STATE_REVIEWING,  /* a candidate waits for Commit or Retake */
  BOOTH_STATE_COMMITTING, /* the candidate is being written */
  BOOTH_STATE_ERROR,      /* the camera is unavailable */
} BoothState;

const char *booth_state_name(BoothState s);

/* Who calls a method. name identifies the caller for ownership (a unique bus name, or any
 * stable id); authorized says whether it may operate the booth; reader, whether it may read
 * the records without operating the booth (a member of boothd's own group, which reads the
 * photos anyway: boothsync). */
typedef struct {
  const char *name;
  guint32 uid;
  gboolean authorized;
  gboolean reader;
} BoothCaller;

/* What changed, for listeners that show it. */
typedef enum {
  BOOTH_CHANGE_STATE = 1 << 0,
  BOOTH_CHANGE_SESSION = 1 << 1,
  BOOTH_CHANGE_FRAMING = 1 << 2,
  BOOTH_CHANGE_CAMERA = 1 << 3,
} BoothChange;

/* A code the camera shows for the first time (or again after code_forget out of view). */
typedef struct {
  GBytes *code;
  int x, y, width, height;     /* where, in the frame */
  gboolean in_session;         /* a session was open when it appeared */
  const char *started_session; /* the session it started, or NULL */
} BoothCodeEvent;

typedef struct BoothSession BoothSession;

/* Every callback is optional and runs on the main thread. */
typedef struct {
  void (*changed)(BoothChange what, gpointer data);
  void (*code_scanned)(const BoothCodeEvent *event, gpointer data);
  /* The hints changed (at most once per analysed frame). */
  void (*hints_changed)(gpointer data);
  void (*committed)(const BoothRecord *record, gpointer data);
  /* The session's owner is now owner (NULL: nobody to watch, detached or no session). The
   * adapter watches it and calls booth_session_owner_left() when it goes. */
  void (*owner_changed)(const char *owner, gpointer data);
} BoothListener;

typedef struct {
  guint64 codes_scanned, sessions_started, captures, retakes, commits, cancels, abandoned;
  guint64 storage_errors;
} BoothCounters;

typedef struct Booth Booth;

/* Opens the store, reconciles, sets up the camera supervisor; NULL and a clear error on
 * failure. A missing camera is no failure: it is a state the adapter shows. The booth takes
 * config (with its profiles loaded) and frees it, also on failure. */
Booth *booth_new(BoothConfig *config, GError **error);
/* A configuration read again (SIGHUP): what can change while boothd runs changes now, for the
 * calls and sessions that start from now on (the session in progress keeps its profile); keys
 * that need a restart (the camera, the state folder, the analysis) are returned, and keep
 * their old values until boothd restarts (NULL-terminated; g_strfreev). Takes config. */
char **booth_reconfigure(Booth *b, BoothConfig *config);
void booth_free(Booth *b);
/* Opens and starts the camera (waiting for the first attempt, so the state is known) and the
 * analysis worker: after the adapters subscribed, so no scan goes unseen. */
void booth_start_frames(Booth *b);

void booth_add_listener(Booth *b, const BoothListener *listener, gpointer data);

/* What adapters read. Pointers stay valid until the next change is reported. */
const BoothConfig *booth_get_config(Booth *b);
BoothState booth_get_state(Booth *b);
const BoothSession *booth_get_session(Booth *b);
/* The latest analysed frame's framing (a{sv} from analysis/framing.h), NULL before the first;
 * its hints as the booth gives them (with the session's own, such as show_code), and score. */
GVariant *booth_get_framing(Booth *b);
const char *const *booth_get_hints(Booth *b);
double booth_get_score(Booth *b);
guint booth_get_codes_in_view(Booth *b);
/* The camera: the supervisor's last word, and why there is none (NULL while it runs). */
const BoothCameraStatus *booth_get_camera_status(Booth *b);
const char *booth_get_camera_error(Booth *b);
gboolean booth_has_camera(Booth *b);
void booth_get_camera_counters(Booth *b, guint64 *converted, guint64 *corrupt);
BoothMailboxStats booth_get_frame_stats(Booth *b);
guint64 booth_get_frames_analysed(Booth *b, double *mean_us);
const BoothCounters *booth_get_counters(Booth *b);
gint64 booth_get_uptime_us(Booth *b);
BoothPreviewStats booth_get_preview_stats(Booth *b);

/* A live preview stream (core/preview.h) written to fd, a connected stream socket the adapter
 * made; the booth takes it on success. Denied unless the caller is authorized (the picture
 * shows the student); Busy at [Preview] max_clients; InvalidArgument for bad options. */
gboolean booth_open_preview(Booth *b, const BoothCaller *caller, int fd,
                            const BoothPreviewOptions *options, GError **error);
