/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The camera supervisor owns the booth's camera and turns every way a camera fails into a
 * state, never a crash. On its own thread it opens the camera named by the spec; with none
 * there it keeps watching (hotplug events where the kind has them, and a re-probe every few
 * seconds) and opens one when it appears; it notices an unplugged camera (the camera says so,
 * or hotplug does) and a hung one (no frame for frame_timeout), which it restarts at most
 * max_restarts times with a growing pause before it gives up. Every change reaches the
 * context that created the supervisor through the status callback, from an idle source:
 * never inline on a camera thread. A failed camera is tried again when hotplug reports a new
 * one. */
#pragma once

#include <glib.h>

#include "camera/camera.h"

typedef enum {
  BOOTH_CAMERA_RUNNING,   /* frames arrive */
  BOOTH_CAMERA_ABSENT,    /* none found (yet): watching */
  BOOTH_CAMERA_UNPLUGGED, /* it was there and went away: watching */
  BOOTH_CAMERA_HUNG,      /* no frame for frame_timeout: a restart is due */
  BOOTH_CAMERA_FAILED,    /* it cannot be used as configured, or restarts did not help */
} BoothCameraState;

/* "running", "absent", "unplugged", "hung", "failed". */
const char *booth_camera_state_name(BoothCameraState state);

typedef struct {
  BoothCameraState state;
  BoothCamera *camera; /* a reference while running, else NULL */
  char *id;            /* the camera's, else the last one seen, else the spec */
  char *model;         /* "" when unknown */
  int width, height;   /* 0 unless running */
  double fps;
  char *streams; /* how frames are made; "" unless running */
  char *message; /* "" while running; else what is wrong and what the operator can check */
  guint restarts;
} BoothCameraStatus;

void booth_camera_status_copy(BoothCameraStatus *dst, const BoothCameraStatus *src);
void booth_camera_status_clear(BoothCameraStatus *status);

typedef struct {
  int reprobe_ms;       /* between probes while no camera runs */
  int frame_timeout_ms; /* no frame this long: hung */
  guint max_restarts;   /* restarts of a hung or failing camera before giving up */
  int backoff_ms;       /* pause before the first restart, doubled for each next one */
  int backoff_max_ms;
  int healthy_ms; /* running with frames this long clears the restart count */
} BoothCameraTiming;

/* reprobe 2 s, frame_timeout 5 s, 3 restarts, back-off 1 s doubling to 30 s, healthy 60 s. */
void booth_camera_timing_init(BoothCameraTiming *timing);

typedef void (*BoothCameraStatusFunc)(const BoothCameraStatus *status, gpointer user_data);
/* How the supervisor opens a camera; booth_camera_open_full() unless told otherwise. */
typedef BoothCamera *(*BoothCameraOpenFunc)(const char *spec, const BoothCameraOptions *opts,
                                            BoothMailbox *mailbox, gpointer user_data,
                                            GError **error);

typedef struct BoothCameraSupervisor BoothCameraSupervisor;

/* Statuses go to func in the thread-default main context of the caller. */
BoothCameraSupervisor *booth_camera_supervisor_new(const char *spec, const BoothCameraOptions *opts,
                                                   const BoothCameraTiming *timing,
                                                   BoothMailbox *mailbox,
                                                   BoothCameraStatusFunc func, gpointer user_data);
/* Before start; for tests. */
void booth_camera_supervisor_set_open_func(BoothCameraSupervisor *sup, BoothCameraOpenFunc func,
                                           gpointer user_data);
/* Starts the thread and waits for the first attempt, whose status it copies into first (the
 * callback is not called for it). */
void booth_camera_supervisor_start(BoothCameraSupervisor *sup, BoothCameraStatus *first);
/* Stops and closes the camera; no callback runs after. Call it from the context's thread. */
void booth_camera_supervisor_free(BoothCameraSupervisor *sup);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCameraSupervisor, booth_camera_supervisor_free)

/* Any thread. The running camera (a new reference), or NULL. */
BoothCamera *booth_camera_supervisor_dup_camera(BoothCameraSupervisor *sup);
/* Any thread. Stills from the running camera (booth_camera_capture()); without one, NO_CAMERA
 * with the supervisor's message. */
GPtrArray *booth_camera_supervisor_capture(BoothCameraSupervisor *sup, guint count,
                                           guint64 after_seq, gint64 timeout_us, GError **error);
/* Any thread. Frames converted and dropped as corrupt, over every camera it opened. */
void booth_camera_supervisor_counters(BoothCameraSupervisor *sup, guint64 *converted,
                                      guint64 *dropped_corrupt);
/* Any thread: a camera appeared or went away (what hotplug reports). */
void booth_camera_supervisor_hotplug(BoothCameraSupervisor *sup, gboolean added, const char *id);
