/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The table-driven reader behind boothd.conf and the profiles: each key is declared with its
 * group, type and range; an unknown group or key, a value of the wrong type or out of range,
 * a key set twice, a file too large, not UTF-8 or not text stops loading with the file, the
 * line and the key named. Inside the core only. */
#pragma once

#include <glib.h>
#include <stddef.h>

/* The shipped boothd.conf, comments and all, is under 5 KiB: a file a hundred times that is
 * not a configuration someone wrote. */
#define BOOTH_KEYFILE_MAX_BYTES ((gsize)256 * 1024)

typedef enum {
  KEY_BOOL,
  KEY_INT,
  KEY_DOUBLE,
  KEY_STRING,
  KEY_STRV,
  KEY_RGB,
  KEY_RATIO,
  KEY_ROTATION,     /* int: 0, 90, 180 or 270 */
  KEY_PIXEL_FORMAT, /* string: auto or a format boothd takes from a camera */
  KEY_NAME,         /* string of letters, digits, '.', '-', '_', not starting with '.' */
} KeyType;

typedef struct {
  const char *group;
  const char *key;
  KeyType type;
  double min; /* for numbers; for strings the maximum length is max */
  double max;
  size_t offset;
  size_t offset2; /* second int of a ratio */
} KeySpec;

/* Reads the text (len bytes, named path in messages; what names the kind of file, e.g. "a
 * configuration file") into target, one KeySpec at a time. */
gboolean booth_keyfile_load(const char *data, gsize len, const char *path, const char *what,
                            const KeySpec *specs, size_t n_specs, void *target, GError **error);
