/* boothd.conf (GKeyFile) and photo profiles (one GKeyFile each under profiles/).
 * Every key is declared in a table: an unknown group or key, or a value of the wrong type
 * or out of range, stops loading with the file, the line and the key named. */
#pragma once

#include <glib.h>

typedef struct {
  char *name; /* file stem: chsi-upload */
  char *description;
  char *path;
  int width; /* output size in pixels */
  int height;
  int aspect_w; /* crop aspect, e.g. 3:4 */
  int aspect_h;
  int min_kb; /* JPEG size window, 1 KB = 1024 bytes */
  int max_kb;
  int min_quality; /* lowest JPEG quality allowed */
  int dpi;         /* JFIF density written into the file */
  guint8 background[3];
} BoothProfile;

void booth_profile_free(BoothProfile *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothProfile, booth_profile_free)
BoothProfile *booth_profile_load(const char *path, GError **error);

typedef struct {
  char *path;   /* the file read, NULL for built-in defaults */
  char *camera; /* "file:PATH" */
  char *state_dir;
  char *profile_dir;
  char **profiles;     /* names; the first is the session's default */
  gboolean auto_start; /* a scanned code starts a session when idle */
  int abandon_timeout; /* seconds a session without its owner waits for adoption */
  char *allowed_group; /* besides root, members may call the mutating methods */
  double fps;
  int qr_max_side;     /* frames are scaled down to at most this for QR scanning */
  int code_max_bytes;  /* longer capture codes are refused */
  int capture_timeout; /* seconds to wait for a frame at Capture */
  int code_forget;     /* seconds a code must be out of view before it counts as new */

  GPtrArray *loaded_profiles; /* BoothProfile*, in the order of profiles */
} BoothConfig;

void booth_config_free(BoothConfig *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothConfig, booth_config_free)

/* path NULL: built-in defaults. Profiles are not loaded here. */
BoothConfig *booth_config_load(const char *path, GError **error);
/* Loads every profile named in profiles from profile_dir. */
gboolean booth_config_load_profiles(BoothConfig *c, GError **error);
const BoothProfile *booth_config_find_profile(const BoothConfig *c, const char *name);
