/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothd.conf (GKeyFile) and photo profiles (one GKeyFile each under profiles/), read by
 * core/keyfile.c. Every key is declared in a table: an unknown group or key, a key set twice in a
 * group (both lines named), or a value of the wrong type or out of range, stops loading with the
 * file, the line and the key named. The files are read as booth_file_read() reads them: a regular
 * file of at most 256 KiB, so a FIFO, a device or a runaway file is refused at once, saying what it
 * is or how large. */
#pragma once

#include <glib.h>

#include "profile.h"

void booth_profile_free(BoothProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothProfile, booth_profile_free)
BoothProfile *booth_profile_load(const char *path, GError **error);
/* The same from len bytes of text in memory, read as the file path would be (path names it in
 * messages and gives the profile its name). */
BoothProfile *booth_profile_load_data(const char *text, gsize len, const char *path,
                                      GError **error);

typedef struct {
  char *path;   /* the main file read (the first that exists), NULL for built-in defaults */
  char **files; /* every file read, in order: later ones override earlier keys */
  char *
      *profile_path; /* folders searched for NAME.profile, in order (profile_dir alone when set) */
  char *camera;      /* "auto", "libcamera:ID" or "file:PATH" */
  char *state_dir;
  char *profile_dir;
  char **profiles;     /* names; the first is the session's default */
  gboolean auto_start; /* a scanned code starts a session when idle */
  int abandon_timeout; /* seconds a session without its owner waits for adoption */
  int idle_timeout;    /* seconds a detached session with nothing captured lives; 0: ever */
  char *allowed_group; /* besides root, members may call the mutating methods */
  char *booth_id;      /* names the booth in exports and in the collection */
  char *room;          /* where the booth stands, as people call it; "" when not set */
  char *schedule;      /* the day's schedule file; NULL: schedule.conf, site then vendor */
  double fps;
  int qr_max_side;     /* frames are scaled down to at most this for QR scanning */
  int code_max_bytes;  /* longer capture codes are refused */
  int capture_timeout; /* seconds to wait for a frame at Capture */
  /* [Camera] for libcamera cameras (the file camera uses fps alone) */
  int camera_width, camera_height;         /* capture size; 0: the largest the camera offers */
  int viewfinder_width, viewfinder_height; /* 0: the capture's aspect, 1280 wide at most */
  char *pixel_format;                      /* libcamera's name, or "auto" */
  int rotation;                            /* 0, 90, 180 or 270 degrees clockwise */
  double exposure_compensation;            /* EV */
  gboolean awb_lock;                       /* fix white balance once it has settled */
  int focus_timeout;                       /* ms a still waits for autofocus; 0: none */
  int frame_timeout;                       /* s without a frame before a restart */
  int max_restarts;                        /* restarts of a hung camera before giving up */
  int max_frame_pixels;                    /* the file camera refuses larger images */
  int code_forget;         /* seconds a code must be out of view before it counts as new */
  char *cascade_dir;       /* the face and eye cascades (opencv-data) */
  double min_face;         /* smallest face searched, share of the frame's shorter side */
  int preview_max_clients; /* [Preview] max_clients: preview streams open at once */

  GPtrArray *loaded_profiles; /* BoothProfile*, in the order of profiles */
} BoothConfig;

void booth_config_free(BoothConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothConfig, booth_config_free)

/* Where the vendor defaults are: datadir/boothd when installed, the source tree's etc/ when
 * boothd runs from its build tree (so a fresh build works without flags). */
const char *booth_config_vendor_dir(void);

/* The configuration boothd runs with when no file is named: the built-in defaults, then the
 * vendor's boothd.conf, the site's /etc/boothd/boothd.conf and its drop-ins
 * /etc/boothd/boothd.conf.d/ *.conf in name order, each where it exists; a later file overrides
 * the keys it sets. Profiles are searched in /etc/boothd/profiles, then the vendor's. */
BoothConfig *booth_config_load_default(GError **error);
/* path NULL: built-in defaults; otherwise path (it must exist) and its drop-ins path.d/ *.conf;
 * profiles beside path (its folder's profiles/), then the vendor's. Profiles are not loaded
 * here. */
BoothConfig *booth_config_load(const char *path, GError **error);
/* The same from len bytes of text in memory, read as the file path would be (path names it in
 * messages, and the default profile_dir lies beside it). */
BoothConfig *booth_config_load_data(const char *text, gsize len, const char *path, GError **error);
/* Loads every profile named in profiles, each from the first folder of profile_path that has
 * it. */
gboolean booth_config_load_profiles(BoothConfig *c, GError **error);
/* "[Group] key" of every key whose value differs between a and b (NULL-terminated; g_strfreev). */
char **booth_config_changed_keys(const BoothConfig *a, const BoothConfig *b);
const BoothProfile *booth_config_find_profile(const BoothConfig *c, const char *name);
