/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A frame source. Every kind (file playback, libcamera) runs its own thread and puts each
 * frame into the mailbox it was opened with; consumers never talk to the source, except to
 * ask for full-resolution stills. A camera is reference counted, so that the main thread may
 * keep showing one that the camera supervisor has already stopped; a camera that goes away
 * (unplugged, failing) says so once through its lost callback and delivers nothing after. */
#pragma once

#include <glib.h>

#include "frame.h"

typedef struct BoothCamera BoothCamera;

typedef struct {
  const char *kind;
  gboolean (*start)(BoothCamera *cam, GError **error);
  void (*stop)(BoothCamera *cam);
  void (*destroy)(BoothCamera *cam);
  /* Optional: count full-resolution stills taken now (GPtrArray of BoothFrame). Kinds
   * without it give the next frames of the mailbox, which are full size. */
  GPtrArray *(*capture)(BoothCamera *cam, guint count, gint64 timeout_us, GError **error);
  /* Optional: frames converted and frames dropped as corrupt since it was opened. */
  void (*counters)(BoothCamera *cam, guint64 *converted, guint64 *dropped_corrupt);
} BoothCameraOps;

/* Called once, from any thread, when the camera is gone; it delivers no frame after. */
typedef void (*BoothCameraLostFunc)(BoothCamera *cam, const char *message, gpointer user_data);

struct BoothCamera {
  const BoothCameraOps *ops;
  BoothMailbox *mailbox; /* not owned */
  char *id;
  char *model;
  int width; /* the largest frame it delivers (a still, where stills are larger) */
  int height;
  double fps;
  char *streams; /* how frames are made, for the Camera property and the log */
  gint running;  /* atomic */
  gint ref;      /* atomic */

  GMutex lost_lock;
  BoothCameraLostFunc lost_func;
  gpointer lost_data;
  char *lost_message; /* set once lost */
};

/* The file camera's default limit on a frame: well above a 4K frame (8.3 megapixels) or a
 * webcam's stills, well below what would take a gigabyte or more to decode and hold. */
#define BOOTH_CAMERA_MAX_FRAME_PIXELS (24 * 1000 * 1000)

/* What the configuration asks of a camera; file playback uses fps and max_frame_pixels. */
typedef struct {
  double fps;
  int max_frame_pixels; /* file playback: larger images are refused from their header */
  int width, height;    /* capture size; 0: the largest offered */
  int viewfinder_width, viewfinder_height; /* 0: the capture's aspect, 1280 wide at most */
  const char *pixel_format;                /* libcamera's name; NULL or "auto": chosen */
  int rotation;                            /* 0, 90, 180 or 270, clockwise; never mirrored */
  double exposure_compensation;            /* EV */
  gboolean awb_lock;
  int focus_timeout_ms; /* 0: no autofocus before stills */
} BoothCameraOptions;

/* fps 15, max_frame_pixels BOOTH_CAMERA_MAX_FRAME_PIXELS, everything else automatic. */
void booth_camera_options_init(BoothCameraOptions *opts);

/* spec: "auto" (the first camera libcamera lists), "libcamera:ID" (that camera), or
 * "file:PATH" (a folder of JPEG/PNG images, a playlist, or one image). Errors: NO_CAMERA when
 * it is not there (may come later), INVALID_ARGUMENT when the spec or the options ask for
 * what it cannot do, FAILED or BUSY when it is there but cannot be used now. */
BoothCamera *booth_camera_open_full(const char *spec, const BoothCameraOptions *opts,
                                    BoothMailbox *mailbox, GError **error);
/* The same with default options and that frame rate. */
BoothCamera *booth_camera_open(const char *spec, double fps, BoothMailbox *mailbox, GError **error);
gboolean booth_camera_start(BoothCamera *cam, GError **error);
void booth_camera_stop(BoothCamera *cam);
BoothCamera *booth_camera_ref(BoothCamera *cam);
/* The last reference stops and destroys it. */
void booth_camera_unref(BoothCamera *cam);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCamera, booth_camera_unref)

/* Takes count stills: the kind's own still capture (autofocus, a full-size stream), or else
 * the next count frames newer than after_seq in the mailbox. At least one frame or an error
 * (NO_CAMERA) within timeout_us. Any thread; one capture at a time. */
GPtrArray *booth_camera_capture(BoothCamera *cam, guint count, guint64 after_seq, gint64 timeout_us,
                                GError **error);
void booth_camera_counters(BoothCamera *cam, guint64 *converted, guint64 *dropped_corrupt);

/* The supervisor's end of the lost callback; set before start. */
void booth_camera_set_lost_func(BoothCamera *cam, BoothCameraLostFunc func, gpointer user_data);
/* A kind's end: reports the loss once (later calls are ignored). */
void booth_camera_report_lost(BoothCamera *cam, const char *message);

/* Hotplug of the kind a spec names (libcamera's cameraAdded/cameraRemoved); NULL when it has
 * none (files) or this build has no libcamera. The callback runs on another thread. */
typedef struct BoothCameraWatch BoothCameraWatch;
typedef void (*BoothCameraHotplugFunc)(gboolean added, const char *id, gpointer user_data);
BoothCameraWatch *booth_camera_watch_new(const char *spec, BoothCameraHotplugFunc func,
                                         gpointer user_data);
void booth_camera_watch_free(BoothCameraWatch *watch);

/* TRUE if name is "auto" or a pixel format boothd can take from a camera. */
gboolean booth_camera_pixel_format_valid(const char *name);

/* For the kinds. */
void booth_camera_init(BoothCamera *cam, const BoothCameraOps *ops, BoothMailbox *mailbox);
BoothCamera *booth_camera_file_open(const char *path, const BoothCameraOptions *opts,
                                    BoothMailbox *mailbox, GError **error);
BoothCamera *booth_camera_libcamera_open(const char *id, const BoothCameraOptions *opts,
                                         BoothMailbox *mailbox, GError **error);
BoothCameraWatch *booth_camera_libcamera_watch(BoothCameraHotplugFunc func, gpointer user_data);
void booth_camera_libcamera_unwatch(BoothCameraWatch *watch);
