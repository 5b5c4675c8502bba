/* A frame source. Every kind (file playback now, libcamera later) runs its own thread and
 * puts each frame into the mailbox it was opened with; consumers never talk to the source. */
#pragma once

#include <glib.h>

#include "frame.h"

typedef struct BoothCamera BoothCamera;

typedef struct {
  const char *kind;
  gboolean (*start)(BoothCamera *cam, GError **error);
  void (*stop)(BoothCamera *cam);
  void (*destroy)(BoothCamera *cam);
} BoothCameraOps;

struct BoothCamera {
  const BoothCameraOps *ops;
  BoothMailbox *mailbox; /* not owned */
  char *id;
  char *model;
  int width; /* the largest frame it delivers */
  int height;
  double fps;
  gint running; /* atomic */
};

/* spec: "file:PATH" (a folder of JPEG/PNG images, a playlist, or one image). */
BoothCamera *booth_camera_open(const char *spec, double fps, BoothMailbox *mailbox, GError **error);
gboolean booth_camera_start(BoothCamera *cam, GError **error);
void booth_camera_stop(BoothCamera *cam);
void booth_camera_free(BoothCamera *cam);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCamera, booth_camera_free)

/* Per kind. */
BoothCamera *booth_camera_file_open(const char *path, double fps, BoothMailbox *mailbox,
                                    GError **error);
