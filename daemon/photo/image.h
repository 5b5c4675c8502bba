/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decodes JPEG (TurboJPEG) or PNG (libpng), chosen by magic bytes, never by file extension,
 * to an RGB24 frame. Transparency is laid over white. Images with a side over 16384 pixels or
 * more than 100 megapixels (or the caller's lower limit), and files over 256 MiB, are refused
 * from the file's size and the image's header (the JPEG frame header, the PNG IHDR) before any
 * pixel is decoded or anything large is allocated. Files are read as booth_file_read() reads
 * them: regular files only. Every error names the file and says what a person can do about
 * it. */
#pragma once

#include "frame.h"

#include <glib.h>

#define BOOTH_IMAGE_MAX_SIDE 16384
#define BOOTH_IMAGE_MAX_PIXELS (100 * 1000 * 1000)
#define BOOTH_IMAGE_MAX_FILE_BYTES ((gsize)256 * 1024 * 1024)

/* name is used only in messages and for frame->origin (its basename); NULL reads "image". */
BoothFrame *booth_image_decode(const guint8 *data, gsize len, const char *name, GError **error);
BoothFrame *booth_image_load(const char *path, GError **error);
/* The same, refusing images of more than max_pixels (1 to BOOTH_IMAGE_MAX_PIXELS), such as
 * the frames of a camera that are never that large. */
BoothFrame *booth_image_decode_max(const guint8 *data, gsize len, const char *name,
                                   gint64 max_pixels, GError **error);
BoothFrame *booth_image_load_max(const char *path, gint64 max_pixels, GError **error);
