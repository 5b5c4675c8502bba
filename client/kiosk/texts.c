/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Every hint and check name the daemon sends (daemon/analysis/framing.c and checks.c,
 * daemon/core/booth.c), as a short sentence for the student. The daemon's own messages
 * are written for the operator; the kiosk speaks in its own words. A name not listed here
 * is shown as it is, so the staff can see what the daemon said. */
#include "kiosk.h"

#include <glib/gi18n.h>

typedef struct {
  const char *name;
  const char *text;
} KioskText;

/* Left and right are the student's (the daemon says so; the preview is mirrored). */
static const KioskText hints[] = {
    {"move_left", N_("Please move a little to your left")},
    {"move_right", N_("Please move a little to your right")},
    {"move_up", N_("Please sit up a little higher")},
    {"move_down", N_("Please sit a little lower")},
    {"closer", N_("Please come a little closer")},
    {"farther", N_("Please move back a little")},
    {"straighten_head", N_("Please hold your head straight")},
    {"look_at_camera", N_("Please look at the camera")},
    {"several_faces", N_("Only one person in front of the camera, please")},
    {"too_dark", N_("It is too dark here")},
    {"too_bright", N_("It is too bright here")},
    {"no_face", N_("Please sit in front of the camera")},
    {"background_not_blue", N_("The background is not light blue: please ask the staff")},
    {"background_uneven", N_("The background is uneven: please ask the staff")},
    {"show_code", N_("Please show your image capture code")},
    {"no_frames", N_("The camera shows no picture: please ask the staff")},
};

static const KioskText checks[] = {
    {"background_colour", N_("The background is not light blue")},
    {"background_even", N_("The background has shadows or is uneven")},
    {"background_gradient", N_("The background is lighter on one side")},
    {"background_clean", N_("Something can be seen on the background")},
    {"one_face", N_("Only one person may be in the photo")},
    {"both_eyes", N_("Both eyes must be clearly visible")},
    {"tilt", N_("The head is tilted")},
    {"centred", N_("The face is not in the middle")},
    {"head_top", N_("The top of the head is too high or too low")},
    {"eye_line", N_("The eyes are too high or too low")},
    {"face_width", N_("The face is too large or too small")},
    {"face_luma", N_("The face is too dark or too bright")},
    {"face_clipped", N_("The face is overexposed")},
    {"sharpness", N_("The photo is not sharp")},
    {"clothing", N_("The clothes are too close to the background colour")},
    {"file_size", N_("The photo file does not meet the standard")},
    {"width", N_("The photo file does not meet the standard")},
    {"height", N_("The photo file does not meet the standard")},
    {"aspect", N_("The photo file does not meet the standard")},
    {"jpeg_quality", N_("The photo file does not meet the standard")},
};

static const char *
lookup(const KioskText *table, gsize n, const char *name)
{
  for (gsize i = 0; i < n; i++) {
    if (g_str_equal(table[i].name, name))
      return _(table[i].text);
  }
  return name;
}

const char *
kiosk_hint_text(const char *hint)
{
  g_return_val_if_fail(hint != NULL, "");
  return lookup(hints, G_N_ELEMENTS(hints), hint);
}

const char *
kiosk_check_text(const char *check)
{
  g_return_val_if_fail(check != NULL, "");
  return lookup(checks, G_N_ELEMENTS(checks), check);
}
