/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The check report of a finished photo: every rule of the profile measured on the image as a
 * reader decodes it, each with its value, its bound from the profile and a verdict, and a
 * sentence a person can act on. The report is data for the D-Bus reply (aa{sv}) and for the
 * record (JSON); nothing here changes the photo.
 *
 * Checks, in this order (a face check is left out when there is no face to measure it on,
 * and one_face then says so):
 *   one_face            faces on the photo at least BOOTH_FRAMING_OTHER_FACE_SHARE as wide as
 *                       the largest: exactly 1
 *   both_eyes           eyes found on the main face: 2
 *   tilt                eye line angle, degrees (framing.h), within +-max_tilt_deg
 *   centred             face centre minus the middle column, px, within +-centre_max
 *   head_top            rows above the top of the head, px, head_top_min..max
 *   eye_line            rows above the eye line, px, eye_line_min..max
 *   face_width          cheek to cheek (box width x face_width_factor), px, face_width_min..max
 *   background_colour   CIE76 distance of the background's mean from the profile's colour
 *   background_even     RMS spread around the fitted background, at most max_spread
 *   background_gradient change of the fitted background across the photo, at most max_gradient
 *   background_clean    % of the background region that is not background (objects,
 *                       shadows), at most max_foreign (as %)
 *   face_luma           mean luma of the face, luma_min..luma_max
 *   face_clipped        % of the face at luma 250 or more, at most max_clipped (as %)
 *   sharpness           variance of the Laplacian on the face, at least min_sharpness
 *   clothing            CIE76 distance of the clothing's dominant colour from the nearest of
 *                       the background, the face's own skin and yellow tones, at least
 *                       clothing_min_distance
 *   file_size           KB (1 KB = 1024 bytes), min_kb..max_kb
 *   width, height       px, exactly the profile's
 *   aspect              width / height, the profile's within 0.0005
 *   jpeg_quality        at least min_quality
 * The background region is the photo's border: the top 5% of its rows and the outer 7% of its
 * columns, down to half a face box below the eye line (framing.h). */
#pragma once

#include <glib.h>

#include "profile.h"
#include "frame.h"

typedef struct {
  char *name;
  gboolean pass;
  double value;
  double min, max; /* NAN when unbounded on that side */
  const char *unit;
  char *message;
} BoothCheck;

/* photo: the output image as decoded from its JPEG; faces: BoothFace detected on it.
 * Returns an array of BoothCheck that frees its elements. */
GArray *booth_checks_run(const BoothFrame *photo, const GArray *faces, const BoothProfile *p,
                         gsize jpeg_bytes, int quality);
void booth_checks_free(GArray *checks);
/* The first check of that name, or NULL. */
const BoothCheck *booth_checks_find(const GArray *checks, const char *name);
/* Names of the failed checks, NULL-terminated. */
char **booth_checks_failed(const GArray *checks);
/* A JSON array of {name, pass, value, min, max, unit, message}; unbounded sides are null. */
char *booth_checks_to_json(const GArray *checks);
/* aa{sv}: name s, pass b, value d, min d and max d (only when bounded), unit s, message s.
 * A floating reference. */
GVariant *booth_checks_to_variant(const GArray *checks);
