/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turns one camera buffer (MJPEG, packed or semi-planar YUV, packed RGB) into an RGB24
 * BoothFrame, rotated if asked, never mirrored. Every size, stride and offset is checked
 * against the buffer before a byte is read, so a bad layout or a short or corrupt frame is an
 * error, never a crash or a read past the end. A frame that is refused is never passed on.
 *
 * Format names say the order of the bytes in memory, first letter first byte, as V4L2's RGB24
 * and ffmpeg's rgb24 do. DRM and libcamera name packed RGB the other way round (a
 * little-endian word, most significant component first), so the shim must map:
 *
 *   libcamera formats::  RGB888   BGR888   XRGB8888   XBGR8888   RGBX8888   BGRX8888
 *   bytes in memory      B G R    R G B    B G R X    R G B X    X B G R    X R G B
 *   BoothPixelFormat     BGR888   RGB888   BGRX8888   RGBX8888   XBGR8888   XRGB8888
 *
 * while YUYV, UYVY, NV12, NV21 and MJPEG mean the same in V4L2, libcamera and here.
 *
 * YUV is converted with the matrix and range the layout names (zero: BT.601, limited range,
 * the V4L2 default for YUYV and NV12 and what UVC webcams send). libcamera's pipelines
 * default to sYCC (BT.601, full range) for the still and viewfinder roles and to Rec.709
 * (limited) for video recording: the shim copies StreamConfiguration::colorSpace into the
 * layout. Subsampled chroma is repeated over the pixels it covers (nearest neighbour), which
 * makes chroma siting irrelevant and keeps the inner loop to two pixels per chroma sample.
 * MJPEG is decoded by TurboJPEG, which follows JFIF (BT.601, full range) by itself. */
#pragma once

#include <glib.h>

#include "frame.h"

typedef enum {
  BOOTH_PIX_MJPEG,    /* one JPEG image per buffer; Huffman tables may be left out, as UVC does */
  BOOTH_PIX_YUYV,     /* 4:2:2, bytes Y0 U Y1 V per pair of pixels */
  BOOTH_PIX_UYVY,     /* 4:2:2, bytes U Y0 V Y1 per pair of pixels */
  BOOTH_PIX_NV12,     /* 4:2:0, plane 0 Y; plane 1 U V interleaved, half width and height */
  BOOTH_PIX_NV21,     /* 4:2:0, plane 0 Y; plane 1 V U interleaved, half width and height */
  BOOTH_PIX_RGB888,   /* bytes R G B */
  BOOTH_PIX_BGR888,   /* bytes B G R */
  BOOTH_PIX_XRGB8888, /* bytes X R G B, X ignored */
  BOOTH_PIX_XBGR8888, /* bytes X B G R */
  BOOTH_PIX_RGBX8888, /* bytes R G B X */
  BOOTH_PIX_BGRX8888, /* bytes B G R X */
  BOOTH_PIX_N,
} BoothPixelFormat;

typedef enum {
  BOOTH_YUV_BT601, /* SMPTE 170M; libcamera YcbcrEncoding::Rec601 */
  BOOTH_YUV_BT709, /* libcamera YcbcrEncoding::Rec709 */
} BoothYuvMatrix;

/* Where a frame lies in its buffer. Plane rows are stride bytes apart and start offset bytes
 * into the buffer; the last row of a plane needs only its own bytes, not a whole stride.
 * Rows hold 2 * width bytes for YUYV and UYVY (rounded up to whole pairs of pixels), width
 * for the Y plane and width rounded up to even for the chroma plane of NV12 and NV21, whose
 * chroma has (height + 1) / 2 rows. MJPEG uses offset[0] only. */
typedef struct {
  BoothPixelFormat format;
  int width;
  int height;
  int stride[3];
  gsize offset[3];
  int n_planes;
  gsize bytes_used; /* bytes of the buffer the frame fills (V4L2 bytesused); 0: all of it */
  BoothYuvMatrix matrix;
  gboolean full_range; /* YUV in 0..255 (sYCC, JPEG) rather than 16..235 / 16..240 */
} BoothPixelLayout;

/* A layout with rows back to back and planes back to back (as ffmpeg's rawvideo writes
 * them), BT.601 limited range, bytes_used 0. */
void booth_pixel_layout_init(BoothPixelLayout *layout, BoothPixelFormat format, int width,
                             int height);
/* The bytes a buffer needs for the layout (for MJPEG, 0); 0 also when the layout is invalid. */
gsize booth_pixel_layout_size(const BoothPixelLayout *layout);

/* "MJPEG", "YUYV", "NV12", ... as in the enum, any case; "MJPG" too (the V4L2 FourCC). */
gboolean booth_pixel_format_parse(const char *name, BoothPixelFormat *format);
const char *booth_pixel_format_name(BoothPixelFormat format);

/* One per camera thread: it owns the JPEG decoder and scratch memory, so that a frame costs
 * no allocation beyond the frame it returns. Not thread-safe, except for
 * booth_converter_stats(), which any thread may call. */
typedef struct BoothConverter BoothConverter;

BoothConverter *booth_converter_new(void);
void booth_converter_free(BoothConverter *conv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothConverter, booth_converter_free)

/* Converts the frame that data (len bytes) holds as layout says, turned rotation degrees
 * clockwise (0, 90, 180 or 270; 90 and 270 swap width and height). Errors are
 * BOOTH_ERROR_INVALID_ARGUMENT and say what is wrong; a frame whose bytes are bad (a corrupt
 * or truncated JPEG, a JPEG of another size than the layout, a buffer shorter than the layout)
 * is also counted in dropped_corrupt. A JPEG the decoder warns about is bad, except for
 * padding before its end marker; damage the JPEG format cannot detect (a flipped bit inside
 * the image data often decodes without complaint) is not. */
BoothFrame *booth_converter_convert(BoothConverter *conv, const guint8 *data, gsize len,
                                    const BoothPixelLayout *layout, int rotation, GError **error);

typedef struct {
  guint64 converted;       /* frames returned */
  guint64 dropped_corrupt; /* frames refused for their bytes */
} BoothConverterStats;

BoothConverterStats booth_converter_stats(BoothConverter *conv);
