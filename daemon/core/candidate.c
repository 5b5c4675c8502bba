/* SPDX-License-Identifier: GPL-2.0-or-later */
/* OpenCandidate's core: the candidate photo of one profile as a read-only fd, so a front-end
 * shows the very bytes a Commit would store without any access to the state folder. The fd is
 * the store's durable file itself: it is opened on the main thread, which the store allows
 * for booth_store_open_candidate() alone (one name resolved against a folder descriptor that
 * never changes, no database), so the call needs no job and never waits behind a capture. */
#include "core/booth-private.h"
#include "error.h"

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
  return booth_store_open_candidate(b->store, s->id, profile, error);
}
