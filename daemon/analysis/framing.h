/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Framing: what the booth tells the student on every analysed frame. From the detected faces
 * and the frame it measures the main face (eyes, tilt, head top, offset), the crop the
 * profile would take, the background (colour, evenness, foreign objects), the face's exposure
 * and sharpness, and turns them into hints from a fixed vocabulary and a score in 0..1.
 * It runs next to face detection on every frame: a few milliseconds at 1080p, because the
 * colour work is done on a sampled border and the face region only.
 *
 * Colour distances are CIE76 (Euclidean in CIELAB, sRGB D65). The background model is a
 * smooth colour plane fitted robustly to the border strips of the crop: the top 5% of its
 * rows and the outer 7% of its columns on each side, down to half a face box below the eye
 * line (lower down, shoulders and long hair reach the sides). The same measures serve the
 * checks on the finished photo (checks.h). */
#pragma once

#include <glib.h>

#include "analysis/faces.h"
#include "analysis/geometry.h"
#include "profile.h"
#include "frame.h"

/* A sample whose colour is this far (CIE76) from the fitted background is foreign: another
 * object, a shadow's core, hair. */
#define BOOTH_BACKGROUND_FOREIGN_DE 20.0
/* A face is one of "several" when its box is at least this share of the main face's width:
 * smaller detections are posters, reflections or false alarms, not a second person. */
#define BOOTH_FRAMING_OTHER_FACE_SHARE 0.5
/* move_left / move_right also when the face centre is this share of the frame width off the
 * frame's middle column, before the crop reaches an edge. */
#define BOOTH_FRAMING_OFFSET_HINT 0.10
/* A face pixel is clipped at this luma and above. */
#define BOOTH_FRAMING_CLIPPED_LUMA 250

typedef struct {
  int samples;     /* border samples measured */
  double rgb[3];   /* mean colour of the samples that fit the background (inliers) */
  double lab[3];   /* the same in CIELAB */
  double distance; /* of lab from the profile's colour */
  double spread;   /* RMS distance from the plane of the samples that are not foreign */
  double gradient; /* largest change of the fitted plane across the photo's width or height */
  double foreign;  /* share of samples further than BOOTH_BACKGROUND_FOREIGN_DE from the plane */
  /* The plane: lab = c[0] + c[1] * u + c[2] * v, with u, v running -0.5..0.5 over rect. */
  double plane[3][3];
  BoothRect rect;
} BoothBackground;

/* The median of v[0..n-1], its n / 2-th smallest (v is reordered), exactly; for the
 * background's robust fit. */
float booth_framing_median(float *v, int n);

/* Fits the background on the border strips of rect (inside frame), side strips down to row
 * side_bottom. colour is the profile's reference RGB. */
void booth_background_measure(const BoothFrame *frame, BoothRect rect, int side_bottom,
                              const guint8 colour[3], BoothBackground *out);
/* CIE76 distance of the pixel at (x, y) from the fitted background there. */
double booth_background_residual(const BoothBackground *bg, const BoothFrame *frame, int x, int y);
/* The top of the head: going up from 0.3 box heights above the face box (past the
 * forehead), the highest row of the face's middle columns that is not background, with gaps
 * of a few rows bridged (stray hairs, highlights). Returns the frame row; 0 with *at_edge set
 * when the head reaches the frame's top; -1 when it cannot be told: non-background goes on
 * for more than 2 box heights (a wall, a hood; a tall bun reaches 1.6), or background starts
 * right above the forehead. */
int booth_framing_find_head_top(const BoothFrame *frame, const BoothBackground *bg,
                                const BoothRect *face, gboolean *at_edge);
/* Mean luma and the share at BOOTH_FRAMING_CLIPPED_LUMA or above, over the face box's inner
 * part (the middle 70% of its width, 10-90% of its height: skin, eyes, nose, mouth). */
void booth_framing_measure_exposure(const guint8 *luma, int width, int height,
                                    const BoothRect *face, double *mean, double *clipped);
/* Variance of the 4-neighbour Laplacian of luma over the same inner face region, after
 * area-averaging it by 1/scale (rounded to whole pixels) so the figure is that of the photo
 * at the profile's size: sharpness depends on the scale it is looked at. */
double booth_framing_measure_sharpness(const guint8 *luma, int width, int height,
                                       const BoothRect *face, double scale);
/* sRGB (0-255) to CIELAB (D65). */
void booth_color_to_lab(const guint8 rgb[3], double lab[3]);
double booth_color_distance(const double a[3], const double b[3]);

#define BOOTH_FRAMING_MAX_HINTS 16

typedef struct {
  int n_faces;       /* every detection, any size */
  int n_other_faces; /* detections of at least BOOTH_FRAMING_OTHER_FACE_SHARE of the main */
  gboolean has_face;
  BoothFace face;            /* the main (largest) face; eyes as the detector found them */
  double tilt_deg;           /* NAN unless both eyes are found; see booth_framing_tilt() */
  double eye_line;           /* frame row (eyes, or estimated from the box) */
  double face_width;         /* frame pixels, cheek to cheek */
  int head_top;              /* frame row, -1 unknown */
  gboolean head_top_at_edge; /* the head reaches the frame's top */
  /* Face centre minus the frame's middle, in pixels and as a share of the frame's width
   * and height; x > 0 on the image's right, y > 0 below the middle. */
  double offset_x, offset_y;
  double offset_x_share, offset_y_share;

  BoothGeometry geometry; /* the crop the profile would take (geometry.crop), and where */
  gboolean crop_ok;
  char *crop_problem; /* NULL when crop_ok */

  BoothBackground background;
  double face_luma;    /* mean, 0-255 */
  double face_clipped; /* share */
  double sharpness;    /* at the profile's output scale */

  const char *hints[BOOTH_FRAMING_MAX_HINTS]; /* static strings, see below */
  int n_hints;
  double score;
  gint64 elapsed_us;
} BoothFraming;

/* Hints, each a static string, for the student in front of the camera. Left and right are the
 * STUDENT's own: "move_left" means "move toward your left hand", which moves the face toward
 * the image's right (the stored photo is never mirrored; a front-end that shows a mirrored
 * preview can show the hint as it stands).
 *   no_face             no face detected
 *   several_faces       another face at least BOOTH_FRAMING_OTHER_FACE_SHARE of the main one
 *   move_left           the face is on the image's left: the crop leaves the frame there, or
 *                       the face centre is BOOTH_FRAMING_OFFSET_HINT of the width off middle
 *   move_right          the same on the image's right
 *   move_up             the crop leaves the frame at the bottom (face too low)
 *   move_down           the crop leaves the frame at the top (face too high, head cut)
 *   closer              face narrower than face_width_min at the profile's max_enlarge
 *   farther             face wider than face_width_max in the largest crop the frame holds
 *   straighten_head     eye line tilted more than max_tilt_deg
 *   too_dark            face luma below luma_min
 *   too_bright          face luma above luma_max, or more than max_clipped of it clipped
 *   background_uneven   background spread above max_spread, gradient above max_gradient,
 *                       or foreign share above max_foreign (an object or a shadow)
 *   background_not_blue background mean further than max_distance from the profile's colour
 *
 * Score, 0 without a face, otherwise the weighted sum
 *   0.30 geometry   1 when every band is met, 0.5 when only the head top misses, else 0
 *   0.15 tilt       1 - |tilt| / (2 max_tilt_deg), clamped to 0..1; 0.5 when unknown
 *   0.20 sharpness  v / (v + min_sharpness): 0.5 at the bound, rising without limit to 1
 *   0.15 exposure   1 at the middle of luma_min..luma_max, 0.5 at its ends, 0 half a band
 *                   beyond; times 1 - clipped / (2 max_clipped), clamped
 *   0.10 background the least of 1 - x / (2 bound) over distance, spread, gradient, foreign
 *   0.10 one face   1 when no other face counts, else 0
 * so among frames with the same framing the sharper one wins (the capture burst uses it).
 * luma is the frame's packed luma (booth_frame_to_luma()), or NULL to have it made here;
 * faces holds BoothFace, largest first (the largest is taken as the main face in any case). */
void booth_framing_measure(const BoothFrame *frame, const guint8 *luma, const GArray *faces,
                           const BoothProfile *p, BoothFraming *out);
void booth_framing_clear(BoothFraming *f);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(BoothFraming, booth_framing_clear)
/* Degrees the line from the image-left eye to the image-right eye turns below horizontal:
 * > 0 when the eye on the image's right is lower (the head leans toward the image's right,
 * the student's left shoulder). NAN unless both eyes are found. */
double booth_framing_tilt(const BoothFace *face);
gboolean booth_framing_has_hint(const BoothFraming *f, const char *hint);

/* One JSON object. */
char *booth_framing_to_json(const BoothFraming *f);
/* a{sv} for the Framing property: n_faces i, face (iiii), eyes (dddd) (left x, y, right x,
 * y; only when both are found), eye_line d, face_width d, tilt d (when known), head_top i
 * (when known), offset (dd) in pixels, offset_share (dd), crop (iiii), crop_ok b,
 * crop_problem s (when not ok), hints as, score d, background a{sv} (rgb (ddd), distance,
 * spread, gradient, foreign d), exposure a{sv} (luma, clipped d), sharpness d, elapsed_us x.
 * Face-dependent keys are absent without a face. A floating reference. */
GVariant *booth_framing_to_variant(const BoothFraming *f);
