/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "file.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "error.h"

static const char *
file_kind(mode_t mode)
{
  if (S_ISDIR(mode))
    return "a directory";
  if (S_ISFIFO(mode))
    return "a FIFO";
  if (S_ISCHR(mode))
    return "a character device";
  if (S_ISBLK(mode))
    return "a block device";
  if (S_ISSOCK(mode))
    return "a socket";
  return "a special file";
}

char *
booth_file_format_size(guint64 bytes)
{
  static const char *const units[] = {"KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024)
    return g_strdup_printf("%" G_GUINT64_FORMAT " bytes", bytes);
  guint u = 0;
  guint64 unit = 1024;
  while (bytes / unit >= 1024 && u + 1 < G_N_ELEMENTS(units)) {
    unit *= 1024;
    u++;
  }
  /* A round size (a limit, mostly) reads as "256 KiB"; any other keeps its decimal, so that
   * one byte over a limit does not read as the limit itself. */
  char number[G_ASCII_DTOSTR_BUF_SIZE];
  if (bytes % unit == 0)
    g_snprintf(number, sizeof number, "%" G_GUINT64_FORMAT, bytes / unit);
  else
    g_ascii_formatd(number, sizeof number, "%.1f", (double)bytes / (double)unit);
  return g_strdup_printf("%s %s (%" G_GUINT64_FORMAT " bytes)", number, units[u], bytes);
}

static char *
file_read_fd(int fd, const char *path, gsize max_bytes, const char *what, gsize *len,
             GError **error)
{
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int e = errno;
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "%s: cannot read the file (%s)", path,
                g_strerror(e));
    return NULL;
  }
  if (!S_ISREG(st.st_mode)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: is %s, not a regular file",
                path, file_kind(st.st_mode));
    return NULL;
  }
  if ((guint64)st.st_size > max_bytes) {
    g_autofree char *size = booth_file_format_size((guint64)st.st_size);
    g_autofree char *limit = booth_file_format_size(max_bytes);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the file is %s; %s may be at most %s", path, size, what, limit);
    return NULL;
  }
  gsize want = (gsize)st.st_size + 1;
  g_autofree char *buf = g_try_malloc(want + 1);
  if (!buf) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "%s: not enough memory to read the file",
                path);
    return NULL;
  }
  gsize got = 0;
  while (got < want) {
    ssize_t n = read(fd, buf + got, want - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      int e = errno;
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "%s: cannot read the file (%s)", path,
                  g_strerror(e));
      return NULL;
    }
    if (n == 0)
      break;
    got += (gsize)n;
  }
  if (got == want) {
    /* It grew while we read: its owner is still writing it. */
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: the file changed while it was read; try again once it is complete", path);
    return NULL;
  }
  buf[got] = '\0';
  *len = got;
  return g_steal_pointer(&buf);
}

char *
booth_file_read(const char *path, gsize max_bytes, const char *what, gsize *len, GError **error)
{
  g_assert(path && what && len);
  g_assert(max_bytes > 0 && max_bytes < G_MAXSIZE - 2);
  g_assert(!error || !*error);
  /* O_NONBLOCK: opening a FIFO waits for a writer otherwise; it is refused after fstat like
   * any file that is not a regular one. O_NOCTTY: a terminal named by mistake must not become
   * the daemon's controlling terminal. */
  int fd = g_open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0);
  if (fd < 0) {
    int e = errno;
    g_set_error(error, BOOTH_ERROR, e == EIO ? BOOTH_ERROR_FAILED : BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: cannot open the file (%s)", path, g_strerror(e));
    return NULL;
  }
  char *data = file_read_fd(fd, path, max_bytes, what, len, error);
  close(fd);
  return data;
}
