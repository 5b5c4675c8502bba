/* SPDX-License-Identifier: GPL-2.0-or-later */
/* From a burst of full-resolution frames to a candidate: the best framed frame is kept, and
 * each profile gets its photo from it: the crop its geometry asks for, scaled with the area
 * filter, encoded into its size window, then decoded and checked again as a file. Pure: no
 * bus, no store, no session; runs on the job thread with that thread's analyzer, and on a
 * helper thread with the analyzer's twin (booth_analyzer_get_twin) for every second burst
 * frame and profile, so a capture uses both cores and gives what one thread would. */
#pragma once

#include "analysis/analysis.h"
#include "core/config.h"

/* One profile's photo of a candidate. */
typedef struct {
  const BoothProfile *profile;
  GBytes *jpeg;
  int width, height, quality;
  gboolean fits;     /* the JPEG landed in the profile's size window */
  GVariant *checks;  /* aa{sv} */
  char *checks_json; /* a JSON array */
  char **failed;     /* names of failed checks */
} BoothPhoto;

void booth_photo_free(BoothPhoto *p);

/* A capture: one photo per configured profile, all from the same frame. */
typedef struct {
  GPtrArray *photos; /* BoothPhoto*; [0] is the session's profile */
  char *path;        /* photos[0]'s durable copy in candidates/ (each photo has one) */
  GVariant *report;  /* a{sv}: what Capture answers */
  char *checks_json; /* {"profile": [checks...], ...} */
  char **failed;     /* "profile/check" for every failed check */
} BoothCandidate;

void booth_candidate_free(BoothCandidate *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothCandidate, booth_candidate_free)

/* profiles[0] is the session's. Errors: NoFace (no face and not force), BadState (the
 * geometry cannot be met, with which band and by how much; not with force). */
BoothCandidate *booth_capture_process(BoothAnalyzer *analyzer, BoothFrame *const *burst,
                                      guint n_burst, const BoothProfile *const *profiles,
                                      guint n_profiles, const char *session_id, guint attempt,
                                      gboolean force, GError **error);
