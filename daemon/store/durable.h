/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Durable file operations inside one folder of the state directory.
 * A file written here is either absent or complete after a crash: the data goes to a
 * temporary "<name>.<random>.tmp", is fsynced, renamed into place, and the folder is fsynced.
 * A rename never replaces an existing name unless the caller asks for it.
 * Every failure is BOOTH_ERROR_STORAGE with the full path, the errno text and advice. */
#pragma once

#include <glib.h>
#include <sys/types.h>

typedef struct {
  int fd;     /* the folder itself (O_DIRECTORY); names are resolved against it */
  char *path; /* absolute, for messages and records */
} BoothDir;

/* Creates the folder with `mode` if it is missing, then opens it. */
BoothDir *booth_dir_open(const char *path, mode_t mode, GError **error);
void booth_dir_free(BoothDir *dir);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothDir, booth_dir_free)

/* The absolute path of `name` in the folder. */
char *booth_dir_build(const BoothDir *dir, const char *name);

/* Proves that data written here reaches the disk: creates, fsyncs and removes a probe file. */
gboolean booth_dir_probe(BoothDir *dir, GError **error);
/* The same probe: 0 when it succeeds, otherwise the errno that stopped it. */
int booth_dir_probe_errno(BoothDir *dir);

/* Writes `data` to a new temporary file (O_EXCL, mode 0640) for `name` and fsyncs it.
 * Returns the temporary name; the folder is not synced and `name` is not touched. */
char *booth_dir_write_tmp(BoothDir *dir, const char *name, const void *data, gsize len,
                          GError **error);

/* Writes `name` durably: temporary file, fsync, rename, fsync of the folder. */
gboolean booth_dir_write(BoothDir *dir, const char *name, GBytes *data, gboolean replace,
                         GError **error);

/* Renames from/from_name to to/to_name. Without `replace` an existing target is an error and
 * is left untouched. Neither folder is synced. */
gboolean booth_dir_rename(BoothDir *from, const char *from_name, BoothDir *to, const char *to_name,
                          gboolean replace, GError **error);

gboolean booth_dir_sync(BoothDir *dir, GError **error);

/* Removes `name`; a name that does not exist is success. The folder is not synced. */
gboolean booth_dir_unlink(BoothDir *dir, const char *name, GError **error);

/* TRUE unless the name certainly does not exist: an unreadable entry counts as present, so
 * a permission problem is never mistaken for a lost file. */
gboolean booth_dir_has(BoothDir *dir, const char *name);

/* The whole content of a regular file (at most 64 MiB). */
GBytes *booth_dir_read(BoothDir *dir, const char *name, GError **error);

/* The names of the regular files in the folder, sorted. */
GPtrArray *booth_dir_list(BoothDir *dir, GError **error);

/* What an operator can do about errno `errsv` on the state directory. */
const char *booth_dir_advice(int errsv);
