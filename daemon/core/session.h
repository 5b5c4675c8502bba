/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session state machine: start (by a call or a scanned code), capture, retake, commit,
 * cancel, the owner leaving and being adopted or abandoned. Every step that touches files or
 * the record store runs as a job; a method finishes (its done callback runs, on the main
 * thread) when the job is done, so an answer always tells the truth about what is on disk.
 *
 * Calls that drive the session run one at a time, in the order they arrived: one that comes
 * while the session is starting, capturing, committing or ending waits for that step (at most
 * 64 wait; more get Busy). Each method checks the caller: authorized, and the owner unless
 * the session is detached.
 *
 * Which code goes with which session is core/intake.h's rule: fixed before the first capture,
 * never moved to another session; Capture and Commit refuse a session without one. */
#pragma once

#include <glib.h>

#include "core/booth.h"
#include "core/capture.h"

typedef enum {
  BOOTH_OP_NONE,
  BOOTH_OP_STARTING,
  BOOTH_OP_CAPTURING,
  BOOTH_OP_RETAKING,
  BOOTH_OP_COMMITTING,
  BOOTH_OP_ENDING,
} BoothOp;

/* Adapters read it (booth_get_session()); only core/session.c writes it. */
struct BoothSession {
  char *id;
  GBytes *code; /* NULL until one is given or scanned */
  char *operator_name;
  const BoothProfile *profile;
  char *owner;         /* the caller that owns it; NULL: detached, or the owner was lost */
  gboolean owner_lost; /* the owner left: only adoption continues it */
  gint64 started_at;   /* wall clock, microseconds */
  gint64 abandon_at;   /* wall clock, 0 unless waiting for adoption */
  guint abandon_timer;
  guint idle_timer; /* a detached session with nothing captured ends when it fires */
  guint attempts;
  BoothCandidate *candidate;
  BoothOp op;
  gboolean recorded; /* the active row exists in the store */
};

typedef struct {
  GBytes *code; /* NULL: the code in view, or the first shown */
  const char *operator_name;
  const char *profile; /* NULL: the booth's first */
  gboolean adopt;      /* take over the active session instead of starting one */
  gboolean detach;     /* nobody owns it: any authorized caller may drive it */
} BoothStartOptions;

/* How a method finishes: exactly once, on the main thread, with its value or an error (the
 * other NULL). Values are lent for the call; take a reference to keep them. */
typedef void (*BoothStartDone)(const char *session_id, const GError *error, gpointer data);
typedef void (*BoothCaptureDone)(GVariant *report, const GError *error, gpointer data);
typedef void (*BoothDone)(const GError *error, gpointer data);
typedef void (*BoothRecordDone)(const BoothRecord *record, const GError *error, gpointer data);
typedef void (*BoothRecordsDone)(GPtrArray *records, const GError *error, gpointer data);

/* -> the session id. Busy while another session is active (unless adopt). */
void booth_session_start(Booth *b, const BoothCaller *caller, const BoothStartOptions *options,
                         BoothStartDone done, gpointer data);

/* -> the report, a{sv}. */
void booth_session_capture(Booth *b, const BoothCaller *caller, gboolean force,
                           BoothCaptureDone done, gpointer data);

void booth_session_retake(Booth *b, const BoothCaller *caller, BoothDone done, gpointer data);

/* session_id NULL: the active session. A session_id that is not active is a retry after a
 * lost answer: the record answers (committed: the record; ended otherwise: BadState naming
 * how; unknown: NoSession). -> the record. */
void booth_session_commit(Booth *b, const BoothCaller *caller, gboolean override,
                          const char *session_id, BoothRecordDone done, gpointer data);

void booth_session_cancel(Booth *b, const BoothCaller *caller, BoothDone done, gpointer data);

/* Records, newest first: at most limit (0 or more than 10000: 10000); status and session_id
 * NULL for any. With started_after 0 or more, only those that started after it, oldest first
 * (a reader pages forward); negative leaves it out. Needs an authorized caller, or a reader
 * (the records only). -> BoothRecord*. */
void booth_records_list(Booth *b, const BoothCaller *caller, guint limit, const char *status,
                        const char *session_id, gint64 started_after, BoothRecordsDone done,
                        gpointer data);

/* The candidate photo of profile (one of the booth's) for the caller's session: its durable
 * file in candidates/ opened read-only (O_RDONLY|O_CLOEXEC|O_NOFOLLOW), the very bytes a
 * Commit stores; -1 and an error: Denied, InvalidArgument (unknown profile), NoSession,
 * NotOwner (as for Capture), BadState (no candidate yet, or it is gone: retaken, committed,
 * ended), Storage (the file cannot be opened). core/candidate.c. */
int booth_session_open_candidate(Booth *b, const BoothCaller *caller, const char *profile,
                                 GError **error);

/* A photo made elsewhere checked as it is against a profile (NULL: the booth's first): the
 * report of one photo (profile, width, height, bytes, quality, fits, passed, checks). Takes
 * fd, a regular file; needs an authorized caller, no session. */
void booth_photo_check(Booth *b, const BoothCaller *caller, int fd, const char *profile,
                       BoothCaptureDone done, gpointer data);

/* The owner of the session left: it waits abandon_timeout for adoption, then is recorded as
 * abandoned with its candidate kept. */
void booth_session_owner_left(Booth *b, const char *owner);
