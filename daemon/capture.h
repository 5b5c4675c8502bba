/* From a full-resolution frame to a candidate photo for a profile: crop, scale, encode into
 * the profile's size window, and check the result as a file (it is decoded again to measure
 * it, not trusted from what was asked). Pure: no bus, no store, any thread. */
#pragma once

#include "booth.h"

/* One photo per profile, profiles[0] first (the session's). */
BoothCandidate *booth_capture_process(const BoothFrame *frame, const BoothProfile *const *profiles,
                                      guint n_profiles, const char *session_id, guint attempt,
                                      GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCandidate, booth_candidate_free)
