/* From a burst of full-resolution frames to a candidate: the best framed frame is kept, and
 * each profile gets its photo from it: the crop its geometry asks for, scaled with the area
 * filter, encoded into its size window, then decoded and checked again as a file. Pure: no
 * bus, no store; runs on the job thread with that thread's analyzer. */
#pragma once

#include "analysis/analysis.h"
#include "booth.h"

/* profiles[0] is the session's. Errors: NoFace (no face and not force), BadState (the
 * geometry cannot be met, with which band and by how much; not with force). */
BoothCandidate *booth_capture_process(BoothAnalyzer *analyzer, BoothFrame *const *burst,
                                      guint n_burst, const BoothProfile *const *profiles,
                                      guint n_profiles, const char *session_id, guint attempt,
                                      gboolean force, GError **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCandidate, booth_candidate_free)
