/* The booth: one camera, at most one session, and everything the bus shows of them.
 * All of it lives on the main thread; frames, analysis, capture processing and storage run
 * on their own threads and report back here. */
#pragma once

#include <glib.h>
#include <systemd/sd-bus.h>

#include "analysis/analysis.h"
#include "camera/camera-supervisor.h"
#include "camera/camera.h"
#include "config.h"
#include "frame.h"
#include "intake.h"
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

typedef enum { OP_NONE, OP_STARTING, OP_CAPTURING, OP_RETAKING, OP_COMMITTING, OP_ENDING } BoothOp;

/* One profile's photo of a candidate. */
typedef struct {
  const BoothProfile *profile;
  GBytes *jpeg;
  int width, height, quality;
  gboolean fits;     /* the JPEG landed in the profile's size window */
  GVariant *checks;  /* aa{sv} */
  char *checks_json; /* a JSON array */
  char **failed;     /* names of failed checks */
} BoothPhoto;

void booth_photo_free(BoothPhoto *p);

/* A capture: one photo per configured profile, all from the same frame. */
typedef struct {
  GPtrArray *photos; /* BoothPhoto*; [0] is the session's profile */
  char *path;        /* durable copy of photos[0] in candidates/ */
  GVariant *report;  /* a{sv}, as Capture returned it */
  char *checks_json; /* {"profile": [checks...], ...} */
  char **failed;     /* "profile/check" for every failed check */
} BoothCandidate;

void booth_candidate_free(BoothCandidate *c);

typedef struct {
  char *id;
  GBytes *code;
  char *operator_name;
  const BoothProfile *profile;
  char *owner;         /* unique bus name; NULL: detached, or the owner was lost */
  gboolean owner_lost; /* the owner left: only adoption continues it */
  sd_bus_track *track;
  gint64 started_at; /* wall clock, microseconds */
  gint64 abandon_at; /* wall clock, 0 unless waiting for adoption */
  guint abandon_timer;
  guint attempts;
  BoothCandidate *candidate;
  BoothOp op;
  gboolean recorded; /* the active row exists in the store */
} BoothSession;

void booth_session_free(BoothSession *s);

typedef struct {
  guint64 codes_scanned, sessions_started, captures, retakes, commits, cancels, abandoned;
  guint64 storage_errors;
} BoothCounters;

typedef struct Booth Booth;
/* A method of the booth; options is NULL for the methods that take none. */
typedef void (*BoothMethod)(Booth *b, sd_bus_message *call, GVariant *options);

/* A method call that arrived while the session was starting, replayed once it has. */
typedef struct {
  BoothMethod method;
  sd_bus_message *call;
  GVariant *options; /* NULL for methods without options */
} BoothDeferred;

typedef struct Booth {
  BoothConfig *config;
  GMainLoop *loop;
  BoothMailbox *mailbox;
  BoothCamera *camera; /* a reference to the running camera; NULL when none runs */
  char *camera_error;  /* why there is no camera, NULL when it runs */
  BoothCameraSupervisor *camera_supervisor; /* owns the camera; its statuses set the two above */
  BoothCameraStatus camera_status;          /* the supervisor's last word */
  BoothAnalysisWorker *analysis;
  BoothAnalyzer *live_analyzer;    /* until the worker takes it */
  BoothAnalyzer *capture_analyzer; /* used on the job thread only */
  BoothStore *store;               /* used only on the job thread after start-up */
  GThreadPool *jobs;               /* one thread: capture processing and storage, in order */

  sd_bus *bus;
  GSource *bus_source;
  sd_bus_slot *vtable_slot;

  BoothSession *session;
  GQueue deferred;     /* BoothDeferred*: calls that wait for the session's start to settle */
  BoothIntake *intake; /* which code belongs to which session */
  guint codes_in_view;
  char **hints;         /* published: the session's and the framing's */
  GVariant *framing;    /* a{sv} of the latest analysed frame, NULL before the first */
  char **framing_hints; /* its hints */
  double framing_score;
  gint64 framing_published_mono, hints_emitted_mono;
  guint framing_timer, hints_timer;
  gboolean hints_changed;
  gint64 last_frame_mono;
  BoothCounters counters;
  gint64 started_mono;

  /* What the bus last saw, to emit PropertiesChanged only on change. */
  BoothState published_state;
  GVariant *published_session, *published_framing, *published_camera, *published_stats;
  guint stats_timer;
  guint watchdog_timer;
} Booth;

/* Opens the store, reconciles, sets up the camera supervisor; NULL and a clear error on
 * failure. A missing camera is no failure: it is a state the bus shows. */
Booth *booth_new(BoothConfig *config, GError **error);
void booth_free(Booth *b);
gboolean booth_start_bus(Booth *b, const char *bus_spec, GError **error);
/* Opens and starts the camera (waiting for the first attempt, so the state is known before
 * READY) and the analysis worker: after the bus, so no scan goes unseen. */
void booth_start_frames(Booth *b);

BoothState booth_get_state(Booth *b);
GVariant *booth_dup_session(Booth *b);
GVariant *booth_dup_framing(Booth *b);
GVariant *booth_dup_camera(Booth *b);
GVariant *booth_dup_stats(Booth *b);
/* Compares with what was published and emits PropertiesChanged for what differs. */
void booth_publish(Booth *b);

/* Recomputes the hints; on change emits FramingHints (rate-limited) and publishes. */
void booth_update_hints(Booth *b);
void booth_emit_hints(Booth *b);

/* Runs work on the job thread, then done on the main thread. */
typedef void (*BoothJobFunc)(Booth *b, gpointer data);
void booth_job_run(Booth *b, BoothJobFunc work, BoothJobFunc done, gpointer data);

/* The code as "ay"; a record as the a{sv} of Commit, ListRecords and Committed. */
GVariant *booth_code_variant(GBytes *code);
GVariant *booth_record_to_variant(const BoothRecord *r);

/* Methods, from bus/service.c. Each replies to call itself, now or later. */
void booth_start_session(Booth *b, sd_bus_message *call, GVariant *options);
void booth_capture(Booth *b, sd_bus_message *call, GVariant *options);
void booth_retake(Booth *b, sd_bus_message *call);
void booth_commit(Booth *b, sd_bus_message *call, GVariant *options);
void booth_cancel(Booth *b, sd_bus_message *call);
/* Replays the calls that waited for a session to start, or answers them with error when the
 * start failed (or boothd stops). */
void booth_deferred_flush(Booth *b, const GError *error);
void booth_list_records(Booth *b, sd_bus_message *call, GVariant *options);
/* Analysis results arrive here. */
void booth_on_analysis(BoothAnalysis *result, gpointer user_data);

/* bus/service.c */
int booth_service_export(Booth *b);
void booth_service_emit(Booth *b, const char *signal, GVariant *args);
void booth_service_properties_changed(Booth *b, char **names);
gboolean booth_service_check_caller(Booth *b, sd_bus_message *call, GError **error);
