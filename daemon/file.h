/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reading a whole file that a person names: a configuration, a profile, a playlist, an image.
 * It must be a regular file: a FIFO would hold start-up until someone writes to it, and a
 * device such as /dev/zero never ends. Its size, from fstat, is held to the caller's limit
 * before anything is allocated, and it is read with one byte to spare, so a file that grows
 * while it is read is refused rather than cut. Every error starts with the path and says what
 * the file is, or how large it is and what is allowed. */
#pragma once

#include <glib.h>

/* The file's len bytes and a NUL after them (the bytes may hold NULs of their own). what
 * names the kind of file in the size message: "a configuration file". Errors:
 * BOOTH_ERROR_INVALID_ARGUMENT for what a person can put right (missing, unreadable, not a
 * regular file, too large, still being written), BOOTH_ERROR_FAILED for I/O errors. */
char *booth_file_read(const char *path, gsize max_bytes, const char *what, gsize *len,
                      GError **error);
/* A size as a person reads it, and exactly: "17 bytes", "256 KiB (262144 bytes)",
 * "256.0 KiB (262145 bytes)", "1.5 MiB (1572864 bytes)". ASCII only, unlike
 * g_format_size(), which puts a no-break space before the unit. */
char *booth_file_format_size(guint64 bytes);
