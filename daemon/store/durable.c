/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "durable.h"

#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define DIR_READ_MAX (64 * 1024 * 1024)

const char *
booth_dir_advice(int errsv)
{
  switch (errsv) {
  case ENOSPC:
  case EDQUOT:
    return "free disk space";
  case EACCES:
  case EPERM:
    return "check --state-dir or StateDirectory= and its owner";
  case EROFS:
    return "the file system is read-only; check --state-dir or StateDirectory= and the mounts";
  case EIO:
    return "the disk reported an I/O error; check it (dmesg) before going on";
  case ENOTDIR:
  case ENOENT:
    return "check --state-dir or StateDirectory=";
  case EEXIST:
    return "a file of that name is already there and was left untouched; check the state folder";
  default:
    return "check the state folder and the disk";
  }
}

static void
set_errno_error(GError **error, int errsv, const char *doing, const char *path)
{
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot %s %s: %s — %s", doing, path,
              g_strerror(errsv), booth_dir_advice(errsv));
}

BoothDir *
booth_dir_open(const char *path, mode_t mode, GError **error)
{
  g_assert(path);
  g_assert(g_path_is_absolute(path));

  if (mkdir(path, mode) < 0 && errno != EEXIST) {
    int errsv = errno;
    if (errsv == EACCES || errsv == EPERM || errsv == EROFS) {
      g_autofree char *parent = g_path_get_dirname(path);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                  "state folder %s is not writable: %s — %s", parent, g_strerror(errsv),
                  booth_dir_advice(errsv));
    } else {
      set_errno_error(error, errsv, "create folder", path);
    }
    return NULL;
  }
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    set_errno_error(error, errno, "open folder", path);
    return NULL;
  }
  BoothDir *dir = g_new0(BoothDir, 1);
  dir->fd = fd;
  dir->path = g_strdup(path);
  return dir;
}

void
booth_dir_free(BoothDir *dir)
{
  if (!dir)
    return;
  if (dir->fd >= 0)
    close(dir->fd);
  g_free(dir->path);
  g_free(dir);
}

char *
booth_dir_build(const BoothDir *dir, const char *name)
{
  g_assert(dir);
  g_assert(name);
  return g_build_filename(dir->path, name, NULL);
}

static gboolean
write_all(int fd, const guint8 *data, gsize len)
{
  while (len > 0) {
    ssize_t n = write(fd, data, MIN(len, (gsize)G_MAXSSIZE));
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return FALSE;
    if (n == 0) {
      /* write(2) returning 0 for a non-empty buffer means the device took nothing. */
      errno = EIO;
      return FALSE;
    }
    data += n;
    len -= (gsize)n;
  }
  return TRUE;
}

static int
fsync_fd(int fd)
{
  int r;
  do
    r = fsync(fd);
  while (r < 0 && errno == EINTR);
  return r;
}

char *
booth_dir_write_tmp(BoothDir *dir, const char *name, const void *data, gsize len, GError **error)
{
  g_assert(dir);
  g_assert(name);
  g_assert(data || len == 0);

  g_autofree char *path = booth_dir_build(dir, name);
  g_autofree char *tmp = NULL;
  int fd = -1;
  for (int tries = 0; fd < 0 && tries < 64; tries++) {
    g_free(tmp);
    tmp = g_strdup_printf("%s.%08x.tmp", name, g_random_int());
    fd = openat(dir->fd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0640);
    if (fd < 0 && errno != EEXIST)
      break;
  }
  if (fd < 0) {
    set_errno_error(error, errno, "write", path);
    return NULL;
  }
  gboolean ok = write_all(fd, data, len) && fsync_fd(fd) == 0;
  int errsv = errno;
  /* close(2) can report a delayed write error (NFS); it counts. EINTR still closed it. */
  if (close(fd) < 0 && errno != EINTR && ok) {
    ok = FALSE;
    errsv = errno;
  }
  if (!ok) {
    unlinkat(dir->fd, tmp, 0);
    set_errno_error(error, errsv, "write", path);
    return NULL;
  }
  return g_steal_pointer(&tmp);
}

gboolean
booth_dir_write(BoothDir *dir, const char *name, GBytes *data, gboolean replace, GError **error)
{
  g_assert(dir);
  g_assert(name);
  g_assert(data);

  gsize len;
  const void *bytes = g_bytes_get_data(data, &len);
  g_autofree char *tmp = booth_dir_write_tmp(dir, name, bytes, len, error);
  if (!tmp)
    return FALSE;
  if (!booth_dir_rename(dir, tmp, dir, name, replace, error)) {
    unlinkat(dir->fd, tmp, 0);
    return FALSE;
  }
  return booth_dir_sync(dir, error);
}

static int
rename_noreplace(int from_fd, const char *from, int to_fd, const char *to)
{
  if (renameat2(from_fd, from, to_fd, to, RENAME_NOREPLACE) == 0)
    return 0;
  if (errno != EINVAL && errno != ENOSYS)
    return -1;
  /* A file system without RENAME_NOREPLACE: link(2) refuses an existing name just the same. */
  if (linkat(from_fd, from, to_fd, to, 0) < 0)
    return -1;
  if (unlinkat(from_fd, from, 0) < 0) {
    int errsv = errno;
    unlinkat(to_fd, to, 0);
    errno = errsv;
    return -1;
  }
  return 0;
}

gboolean
booth_dir_rename(BoothDir *from, const char *from_name, BoothDir *to, const char *to_name,
                 gboolean replace, GError **error)
{
  g_assert(from);
  g_assert(from_name);
  g_assert(to);
  g_assert(to_name);

  int r = replace ? renameat(from->fd, from_name, to->fd, to_name)
                  : rename_noreplace(from->fd, from_name, to->fd, to_name);
  if (r < 0) {
    int errsv = errno;
    g_autofree char *src = booth_dir_build(from, from_name);
    g_autofree char *dst = booth_dir_build(to, to_name);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "cannot move %s to %s: %s — %s", src, dst,
                g_strerror(errsv), booth_dir_advice(errsv));
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_dir_sync(BoothDir *dir, GError **error)
{
  g_assert(dir);

  if (fsync_fd(dir->fd) < 0) {
    set_errno_error(error, errno, "sync folder", dir->path);
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_dir_unlink(BoothDir *dir, const char *name, GError **error)
{
  g_assert(dir);
  g_assert(name);

  if (unlinkat(dir->fd, name, 0) < 0 && errno != ENOENT) {
    int errsv = errno;
    g_autofree char *path = booth_dir_build(dir, name);
    set_errno_error(error, errsv, "remove", path);
    return FALSE;
  }
  return TRUE;
}

gboolean
booth_dir_has(BoothDir *dir, const char *name)
{
  g_assert(dir);
  g_assert(name);

  struct stat st;
  if (fstatat(dir->fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
    return TRUE;
  return errno != ENOENT && errno != ENOTDIR;
}

GBytes *
booth_dir_read(BoothDir *dir, const char *name, GError **error)
{
  g_assert(dir);
  g_assert(name);

  g_autofree char *path = booth_dir_build(dir, name);
  int fd = openat(dir->fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) {
    set_errno_error(error, errno, "read", path);
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) < 0) {
    set_errno_error(error, errno, "read", path);
    close(fd);
    return NULL;
  }
  if (!S_ISREG(st.st_mode) || st.st_size > DIR_READ_MAX) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                "cannot read %s: not a regular file of at most %d MiB — check the state folder",
                path, DIR_READ_MAX / (1024 * 1024));
    close(fd);
    return NULL;
  }
  gsize cap = (gsize)st.st_size, len = 0;
  guint8 *buf = g_malloc(cap + 1);
  for (;;) {
    if (len == cap + 1) {
      /* The file grew while being read; no writer should exist, so refuse rather than guess. */
      g_free(buf);
      close(fd);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE,
                  "cannot read %s: it changed while being read — check the state folder", path);
      return NULL;
    }
    ssize_t n = read(fd, buf + len, cap + 1 - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int errsv = errno;
      g_free(buf);
      close(fd);
      set_errno_error(error, errsv, "read", path);
      return NULL;
    }
    if (n == 0)
      break;
    len += (gsize)n;
  }
  close(fd);
  return g_bytes_new_take(buf, len);
}

static int
compare_names(gconstpointer a, gconstpointer b)
{
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

GPtrArray *
booth_dir_list(BoothDir *dir, GError **error)
{
  g_assert(dir);

  /* The duplicate shares the folder's offset, hence the rewind. */
  int fd = fcntl(dir->fd, F_DUPFD_CLOEXEC, 3);
  DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
  if (!d) {
    int errsv = errno;
    if (fd >= 0)
      close(fd);
    set_errno_error(error, errsv, "list", dir->path);
    return NULL;
  }
  rewinddir(d);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
  struct dirent *de;
  for (;;) {
    errno = 0;
    de = readdir(d);
    if (!de)
      break;
    gboolean regular = de->d_type == DT_REG;
    if (de->d_type == DT_UNKNOWN) {
      struct stat st;
      regular = fstatat(dir->fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    }
    if (regular)
      g_ptr_array_add(names, g_strdup(de->d_name));
  }
  int errsv = errno;
  closedir(d);
  if (errsv != 0) {
    set_errno_error(error, errsv, "list", dir->path);
    return NULL;
  }
  g_ptr_array_sort(names, compare_names);
  return g_steal_pointer(&names);
}

int
booth_dir_probe_errno(BoothDir *dir)
{
  g_assert(dir);

  static const char probe[] = "boothd write probe\n";
  g_autofree char *name = g_strdup_printf(".boothd-probe.%08x.tmp", g_random_int());
  int fd = openat(dir->fd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  gboolean ok =
      fd >= 0 && write_all(fd, (const guint8 *)probe, sizeof probe - 1) && fsync_fd(fd) == 0;
  int errsv = errno;
  if (fd >= 0) {
    close(fd);
    if (unlinkat(dir->fd, name, 0) < 0 && ok) {
      ok = FALSE;
      errsv = errno;
    }
  }
  return ok ? 0 : errsv;
}

gboolean
booth_dir_probe(BoothDir *dir, GError **error)
{
  int errsv = booth_dir_probe_errno(dir);
  if (errsv != 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE, "state folder %s is not writable: %s — %s",
                dir->path, g_strerror(errsv), booth_dir_advice(errsv));
    return FALSE;
  }
  return TRUE;
}
