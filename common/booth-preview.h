/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preview stream: what boothd writes into the socket OpenPreview hands out, and what a
 * front-end reads from it. A public contract shared by boothd and its clients, in plain C (no
 * GLib). It promises:
 * - frames follow each other with nothing in between: a fixed header, then hints_len bytes of
 *   hint names, then jpeg_len bytes of JPEG; a frame is never cut short or interleaved with
 *   another (a reader too slow for every frame gets fewer whole frames, never parts);
 * - every integer is little-endian, fields follow each other without padding, in the order of
 *   BoothPreviewHeader; header_len says how long the fixed header is, so a reader of this
 *   version skips fields a later one appends (the magic stays "BPV1" while that holds);
 * - the overlay (face, eyes, crop, guide lines, score, hints) is the analysis of the very
 *   frame in the picture (same sequence), in the preview picture's own pixels: after scaling,
 *   and after mirroring when the client asked for it. A mirrored box is x' = width - x - w
 *   (the same pixels, flipped), a mirrored point x' = width - 1 - x; nothing is swapped:
 *   left_eye stays the eye that was on the camera image's left (the student's right eye);
 * - while there is no picture (no camera, or no frame for a second) a frame still comes about
 *   once a second with BOOTH_PREVIEW_NO_CAMERA, width, height and jpeg_len 0;
 * - hints are the names of the framing hints of that frame (the Framing property's hints
 *   without the session's own, such as show_code), each followed by a NUL. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define BOOTH_PREVIEW_MAGIC "BPV1" /* 4 bytes, no NUL */
#define BOOTH_PREVIEW_VERSION 1
/* The fixed header of version 1, in bytes: 4 + 2 + 2 + 4 + 8 + 8 + 2 * 2 + 19 * 2 + 2 + 2 + 4. */
#define BOOTH_PREVIEW_HEADER_LEN 78

enum {
  BOOTH_PREVIEW_NO_CAMERA = 1u << 0, /* no picture: jpeg_len, width and height are 0 */
  BOOTH_PREVIEW_MIRRORED = 1u << 1,  /* the picture and the overlay are mirrored left-right */
  BOOTH_PREVIEW_HAS_FACE = 1u << 2,  /* face_* are set */
  BOOTH_PREVIEW_HAS_EYES = 1u << 3,  /* both eyes were found: left_eye_*, right_eye_* are set */
  BOOTH_PREVIEW_HAS_CROP = 1u << 4,  /* crop_* and the guide lines are set */
};

/* One frame's header, field by field as it is written (magic first, not stored here). Fields
 * whose flag is not set are 0. */
typedef struct {
  uint16_t version;
  uint16_t header_len;  /* BOOTH_PREVIEW_HEADER_LEN or more */
  uint32_t flags;       /* BOOTH_PREVIEW_* */
  uint64_t sequence;    /* the camera frame's sequence (1-based, rising) */
  int64_t timestamp_us; /* when the frame arrived, CLOCK_MONOTONIC microseconds */
  uint16_t width;       /* of the JPEG */
  uint16_t height;
  int16_t face_x, face_y, face_w, face_h;
  int16_t left_eye_x, left_eye_y; /* the eye on the camera image's left */
  int16_t right_eye_x, right_eye_y;
  int16_t crop_x, crop_y, crop_w, crop_h; /* the crop the profile would take */
  /* The profile's bands mapped through the crop: rows where the top of the head and the eye
   * line must lie, the face width's bounds (horizontal lengths), and the crop's middle column
   * (the face is centred on it). */
  int16_t head_top_min_y, head_top_max_y;
  int16_t eye_line_min_y, eye_line_max_y;
  int16_t face_width_min, face_width_max;
  int16_t centre_x;
  uint16_t score;     /* the framing score x 1000 (0..1000) */
  uint16_t hints_len; /* bytes of hint names after the header */
  uint32_t jpeg_len;  /* bytes of JPEG after the hints */
} BoothPreviewHeader;

/* Writes h as BOOTH_PREVIEW_HEADER_LEN bytes: the magic, then every field in order (version and
 * header_len as given). */
void booth_preview_header_pack(const BoothPreviewHeader *h, uint8_t out[BOOTH_PREVIEW_HEADER_LEN]);
/* Reads a header from the len bytes at in. Returns 0 when h is filled; the number of bytes
 * needed when len is too short for the header (read more and call again); -1 when the bytes are
 * not a preview header (wrong magic, a version below 1, or header_len shorter than version 1's).
 * The frame then takes h->header_len + h->hints_len + h->jpeg_len bytes in all. */
long booth_preview_header_parse(const uint8_t *in, size_t len, BoothPreviewHeader *h);
