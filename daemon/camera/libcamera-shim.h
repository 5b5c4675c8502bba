/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A plain C view of libcamera (0.0.3 and later), so that the rest of boothd stays C. It
 * promises: one camera manager at a time with hotplug callbacks; a camera opened by id or
 * the first listed; the modes it offers, and a choice among them checked against the
 * configuration with an error that lists them; a configuration of two streams (a viewfinder
 * for analysis and a StillCapture at full size) where the pipeline accepts both at once, else
 * one stream at the capture size; buffers mapped once and requests reused; AE and AWB on,
 * exposure compensation and a white-balance lock; autofocus before stills where the camera
 * has it. Buffers reach the caller through a callback on libcamera's own thread, described
 * as a BoothPixelLayout for the converter. Errors are GErrors in BOOTH_ERROR: NO_CAMERA (not
 * there), INVALID_ARGUMENT (the configuration asks for what the camera does not offer) and
 * FAILED (it is there but refuses: busy, or an I/O error). Nothing of C++ or libcamera shows
 * through this header. */
#pragma once

#include <glib.h>

#include "camera/convert.h"

G_BEGIN_DECLS

/* ---- pixel formats and modes: pure, no camera needed ---- */

/* libcamera's name for a fourcc (its formats:: name, e.g. "RGB888"); unknown codes are
 * spelled as four characters. Returns buf, which must hold 32 bytes. */
const char *booth_lc_fourcc_name(guint32 fourcc, char *buf);
/* libcamera's fourcc for one of the names boothd can convert ("MJPEG", "YUYV", "NV12", ...,
 * libcamera's spelling, any case); 0 for any other name. */
guint32 booth_lc_fourcc_from_name(const char *name);
/* The converter's format for a libcamera fourcc; FALSE if boothd cannot convert it. Packed
 * RGB is renamed on the way: libcamera's RGB888 holds B G R in memory. */
gboolean booth_lc_fourcc_to_format(guint32 fourcc, BoothPixelFormat *format);

typedef enum {
  BOOTH_LC_ROLE_STILL,      /* full-size stills; with one stream, everything */
  BOOTH_LC_ROLE_VIEWFINDER, /* frames for analysis, beside the stills */
} BoothLcRole;

/* boothd's preference for a format in a stream of that role, lower first (stills: NV12, NV21,
 * MJPEG, YUYV, ...; viewfinder: the cheapest to convert, MJPEG last); G_MAXINT for a format
 * it cannot convert. */
int booth_lc_fourcc_rank(guint32 fourcc, BoothLcRole role);

/* What a stream offers: one discrete size (min == max, steps 0) or a range with steps. */
typedef struct {
  guint32 fourcc;
  int min_width, min_height;
  int max_width, max_height;
  int hstep, vstep;
} BoothLcMode;

/* Picks a format and size from modes for a stream: want_fourcc 0 chooses (the largest size,
 * then boothd's preference: NV12, NV21, MJPEG, YUYV, ...); want_width/height 0 take the
 * largest size of the format. On error (INVALID_ARGUMENT) the message names the camera and
 * lists what it offers. */
gboolean booth_lc_modes_choose(const BoothLcMode *modes, guint n_modes, const char *camera,
                               guint32 want_fourcc, int want_width, int want_height,
                               guint32 *fourcc, int *width, int *height, GError **error);
/* "MJPEG 1920x1080, 1280x720; NV12 64x64 to 4056x3040" (formats boothd cannot convert are
 * named apart at the end). */
char *booth_lc_modes_describe(const BoothLcMode *modes, guint n_modes);

/* ---- libcamera's log, into boothd's ---- */

/* Sends libcamera's messages to boothd's log: errors as warnings, everything else as debug,
 * so that a re-probe every few seconds stays quiet. Does nothing when LIBCAMERA_LOG_FILE is
 * set, which then wins. Call once, before the first manager. */
void booth_lc_log_redirect(void);

/* ---- the camera manager ---- */

typedef struct BoothLcManager BoothLcManager;

/* Runs on libcamera's thread: copy what you need and return. */
typedef void (*BoothLcHotplugFunc)(gboolean added, const char *id, gpointer user_data);

/* Starts libcamera, which enumerates the cameras present. Only one may exist at a time. */
BoothLcManager *booth_lc_manager_new(BoothLcHotplugFunc hotplug, gpointer user_data,
                                     GError **error);
/* Every camera opened from it must be freed first. */
void booth_lc_manager_free(BoothLcManager *manager);
const char *booth_lc_version(void);

/* ---- one camera ---- */

typedef struct BoothLcCamera BoothLcCamera;

/* id NULL: the first camera listed. Acquires it for exclusive use. */
BoothLcCamera *booth_lc_camera_open(BoothLcManager *manager, const char *id, GError **error);
/* Stops it if running, frees buffers and requests, releases it. */
void booth_lc_camera_free(BoothLcCamera *camera);
const char *booth_lc_camera_get_id(BoothLcCamera *camera);
/* The sensor's model (properties::Model), or the id when the camera does not say. */
const char *booth_lc_camera_get_model(BoothLcCamera *camera);

/* What a stream of that role offers (BoothLcMode; free with g_array_unref). */
GArray *booth_lc_camera_list_modes(BoothLcCamera *camera, BoothLcRole role);

typedef struct {
  guint32 fourcc;                          /* 0: choose */
  int width, height;                       /* capture size; 0: the largest offered */
  int viewfinder_width, viewfinder_height; /* 0: the capture's aspect, 1280 wide at most */
  double fps;                              /* 0: the camera's own rate */
} BoothLcRequest;

typedef struct {
  gboolean two_streams; /* FALSE: one stream at the capture size */
  char fallback[256];   /* why there is one stream (empty with two) */
  guint32 still_fourcc; /* the capture stream (the only one with one stream) */
  int still_width, still_height;
  guint still_buffers;
  guint32 viewfinder_fourcc; /* with two streams */
  int viewfinder_width, viewfinder_height;
  guint viewfinder_buffers;
  double fps;              /* asked of the camera; 0 when it takes no frame rate */
  double fps_min, fps_max; /* what it can do, 0 when unknown */
  gboolean has_autofocus;  /* it lists AfTrigger */
} BoothLcSetup;

/* Validates req against what the camera offers, configures the streams, allocates and maps
 * the buffers and creates the requests, once. */
gboolean booth_lc_camera_configure(BoothLcCamera *camera, const BoothLcRequest *req,
                                   BoothLcSetup *setup, GError **error);

/* One completed buffer, valid only during the callback. data holds all planes (mapped
 * memory, or a copy when the planes live in separate buffers); layout says where. */
typedef struct {
  const guint8 *data;
  gsize length; /* for MJPEG, the JPEG's bytes */
  BoothPixelLayout layout;
  gboolean for_analysis; /* the viewfinder (or, with one stream, every frame) */
  gboolean for_still;    /* asked for by booth_lc_camera_capture_still() */
  guint64 sequence;
  guint64 timestamp_ns; /* CLOCK_MONOTONIC of the sensor's start of exposure */
} BoothLcBuffer;

/* Runs on libcamera's thread for every buffer; the request is requeued when it returns. */
typedef void (*BoothLcFrameFunc)(const BoothLcBuffer *buffer, gpointer user_data);
/* Runs on libcamera's thread when the camera is gone (unplugged) or keeps failing requests;
 * no frame follows. */
typedef void (*BoothLcLostFunc)(const char *message, gpointer user_data);

typedef struct {
  double exposure_value; /* EV, where the camera lists ExposureValue */
  gboolean awb_lock;     /* fix the white balance once AWB has settled */
  int focus_timeout_ms;  /* how long a still waits for autofocus; 0: no autofocus */
} BoothLcControls;

gboolean booth_lc_camera_start(BoothLcCamera *camera, const BoothLcControls *controls,
                               BoothLcFrameFunc frame, BoothLcLostFunc lost, gpointer user_data,
                               GError **error);
/* Waits for the requests in flight; no callback runs once it returns. Not from a callback. */
void booth_lc_camera_stop(BoothLcCamera *camera);

/* Asks for count stills (the StillCapture stream, or the next frames with one stream). Where
 * the camera has autofocus it is triggered first, and this waits (focus_timeout_ms at most)
 * for it to settle. The stills arrive through the frame callback with for_still set. Any
 * thread but libcamera's. */
gboolean booth_lc_camera_capture_still(BoothLcCamera *camera, guint count, GError **error);

G_END_DECLS
