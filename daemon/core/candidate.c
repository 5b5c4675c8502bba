/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenCandidate's core: the candidate photo of one profile as a read-only fd, so a front-end
 * shows the very bytes a Commit would store without any access to the state folder. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/booth-private.h"
#include "error.h"

/* The bytes in a sealed memory file, handed out through a read-only descriptor: the reader
 * can neither change them nor reach anything else. */
static int
sealed_copy(GBytes *bytes, const char *name, GError **error)
{
  gsize len;
  const guint8 *p = g_bytes_get_data(bytes, &len);
  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  gsize done = 0;
  while (fd >= 0 && done < len) {
    ssize_t n = write(fd, p + done, len - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    done += (gsize)n;
  }
  int ro = -1;
  if (fd >= 0 && done == len &&
      fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) == 0) {
    g_autofree char *path = g_strdup_printf("/proc/self/fd/%d", fd);
    ro = open(path, O_RDONLY | O_CLOEXEC);
  }
  int saved = errno;
  if (fd >= 0)
    close(fd);
  if (ro < 0)
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                "cannot hand out the candidate: %s (see boothd's memory and file limits)",
                g_strerror(saved));
  return ro;
}

int
booth_session_open_candidate(Booth *b, const BoothCaller *caller, const char *profile,
                             GError **error)
{
  g_assert(b && caller && profile);
  if (!caller->authorized) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED,
                "user %u may not see the candidate: add the user to group '%s' (or run as root)",
                (unsigned)caller->uid, b->config->allowed_group);
    return -1;
  }
  if (!booth_config_find_profile(b->config, profile)) {
    g_autofree char *shown = booth_utf8_prefix(profile, 64);
    g_autofree char *known = g_strjoinv(", ", b->config->profiles);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "no profile '%s' in this booth (profiles: %s)", shown, known);
    return -1;
  }
  const BoothSession *s = b->session;
  if (!s) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION,
                "no session, so no candidate: start a session and Capture first");
    return -1;
  }
  if (s->owner ? g_strcmp0(s->owner, caller->name) != 0 : s->owner_lost) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NOT_OWNER,
                "session %s belongs to %s; only its owner can see its candidate (or StartSession "
                "with adopt=true to take it over)",
                s->id, s->owner ? s->owner : "an owner that left");
    return -1;
  }
  if (!s->candidate) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
                "session %s has no candidate yet (state %s): Capture first", s->id,
                booth_state_name(booth_get_state(b)));
    return -1;
  }
  for (guint i = 0; i < s->candidate->photos->len; i++) {
    const BoothPhoto *ph = g_ptr_array_index(s->candidate->photos, i);
    if (strcmp(ph->profile->name, profile) == 0) {
      g_autofree char *name = g_strdup_printf("%s_%s.jpg", s->id, profile);
      return sealed_copy(ph->jpeg, name, error);
    }
  }
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
              "session %s's candidate has no photo for profile %s", s->id, profile);
  return -1;
}
