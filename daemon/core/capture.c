/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "core/capture.h"

#include <math.h>

#include "analysis/checks.h"
#include "error.h"
#include "json.h"
#include "log.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "photo/jpeg.h"

void
booth_photo_free(BoothPhoto *p)
{
  if (!p)
    return;
  g_bytes_unref(p->jpeg);
  if (p->checks)
    g_variant_unref(p->checks);
  g_free(p->checks_json);
  g_strfreev(p->failed);
  g_free(p);
}

void
booth_candidate_free(BoothCandidate *c)
{
  if (!c)
    return;
  if (c->photos)
    g_ptr_array_unref(c->photos);
  g_free(c->path);
  if (c->report)
    g_variant_unref(c->report);
  g_free(c->checks_json);
  g_strfreev(c->failed);
  g_free(c);
}

/* Crop, scale with the area filter, encode into the size window, then measure the file as a
 * reader will see it: decoded again, faces found again, every check of the profile. */
static BoothPhoto *
photo_make(BoothAnalyzer *an, const BoothFrame *frame, const BoothProfile *p, BoothRect crop,
           GError **error)
{
  g_autoptr(BoothFrame) scaled = booth_image_crop_scale(frame, crop, p->width, p->height);
  if (!scaled) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "out of memory scaling the capture");
    return NULL;
  }
  g_auto(BoothJpegResult) jr = {0};
  if (!booth_jpeg_encode_to_window(scaled, (gsize)p->min_kb * 1024, (gsize)p->max_kb * 1024,
                                   p->min_quality, p->dpi, &jr, error))
    return NULL;
  gsize len;
  const guint8 *data = g_bytes_get_data(jr.data, &len);
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothFrame) back = booth_image_decode(data, len, "candidate", &local);
  if (!back) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "the encoded %s photo does not decode: %s",
                p->name, local->message);
    return NULL;
  }
  g_autoptr(GArray) faces = booth_analyzer_faces(an, back);
  GArray *checks = booth_checks_run(back, faces, p, len, jr.quality);

  BoothPhoto *photo = g_new0(BoothPhoto, 1);
  photo->profile = p;
  photo->jpeg = g_bytes_ref(jr.data);
  photo->width = back->width;
  photo->height = back->height;
  photo->quality = jr.quality;
  photo->fits = jr.fits;
  photo->checks = g_variant_ref_sink(booth_checks_to_variant(checks));
  photo->checks_json = booth_checks_to_json(checks);
  photo->failed = booth_checks_failed(checks);
  booth_checks_free(checks);
  return photo;
}

static GVariant *
photo_summary(const BoothPhoto *ph, BoothRect crop)
{
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  g_variant_dict_insert(&d, "profile", "s", ph->profile->name);
  g_variant_dict_insert(&d, "width", "i", ph->width);
  g_variant_dict_insert(&d, "height", "i", ph->height);
  g_variant_dict_insert(&d, "bytes", "t", (guint64)g_bytes_get_size(ph->jpeg));
  g_variant_dict_insert(&d, "quality", "i", ph->quality);
  g_variant_dict_insert(&d, "fits", "b", ph->fits);
  g_variant_dict_insert(&d, "passed", "b", ph->failed[0] == NULL);
  g_variant_dict_insert(&d, "crop", "(iiii)", crop.x, crop.y, crop.width, crop.height);
  g_variant_dict_insert_value(&d, "checks", ph->checks);
  return g_variant_dict_end(&d);
}

/* Where each profile crops the chosen frame. Without force, a face is needed and the
 * profile's geometry must be met; with force, the nearest crop (or the centred one) is
 * taken and the checks say what fails. */
static gboolean
choose_crop(BoothAnalyzer *an, const BoothFrame *frame, const GArray *faces, const BoothProfile *p,
            gboolean force, BoothRect *crop, GString *problems, GError **error)
{
  g_auto(BoothFraming) framing = {0};
  booth_analyzer_reframe(an, frame, faces, p, &framing);
  const BoothFraming *f = &framing;
  if (f->has_face && f->crop_ok) {
    *crop = f->geometry.crop;
    return TRUE;
  }
  if (!force) {
    if (!f->has_face)
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_FACE,
                  "no face in the frame: the student should sit facing the camera (Capture with "
                  "force=true takes the photo anyway)");
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE,
                  "the %s photo cannot be framed: %s (Capture with force=true takes it anyway)",
                  p->name, f->crop_problem ? f->crop_problem : "unknown problem");
    return FALSE;
  }
  if (f->has_face) {
    *crop = f->geometry.crop;
    g_string_append_printf(problems, "%s%s: %s", problems->len ? "; " : "", p->name,
                           f->crop_problem);
  } else {
    BoothRect r = booth_crop_centered(frame->width, frame->height, p->aspect_w, p->aspect_h);
    *crop = (BoothRect){r.x, r.y, r.width, r.height};
    g_string_append_printf(problems, "%s%s: no face, centred crop", problems->len ? "; " : "",
                           p->name);
  }
  return TRUE;
}

/* The helper's share of the burst: frames 1, 3, ... */
typedef struct {
  BoothAnalyzer *an;
  BoothFrame *const *burst;
  guint n;
  BoothAnalysis **out;
} BurstJob;

static gpointer
burst_job(gpointer data)
{
  BurstJob *j = data;
  for (guint i = 1; i < j->n; i += 2)
    j->out[i] = booth_analyzer_run(j->an, j->burst[i]);
  return NULL;
}

/* One profile's crop and photo. */
typedef struct {
  BoothAnalyzer *an;
  const BoothFrame *frame;
  const GArray *faces;
  const BoothProfile *profile;
  gboolean force;
  GString *problems;
  BoothRect crop;
  BoothPhoto *photo; /* NULL: error says why */
  GError *error;
} ProfileJob;

static void
profile_job_run(ProfileJob *j)
{
  if (choose_crop(j->an, j->frame, j->faces, j->profile, j->force, &j->crop, j->problems,
                  &j->error))
    j->photo = photo_make(j->an, j->frame, j->profile, j->crop, &j->error);
}

typedef struct {
  ProfileJob *jobs;
  guint n;
} ProfileJobs;

/* The helper's share of the profiles: 1, 3, ... */
static gpointer
profile_jobs(gpointer data)
{
  ProfileJobs *pj = data;
  for (guint i = 1; i < pj->n; i += 2)
    profile_job_run(&pj->jobs[i]);
  return NULL;
}

BoothCandidate *
booth_capture_process(BoothAnalyzer *an, BoothFrame *const *burst, guint n_burst,
                      const BoothProfile *const *profiles, guint n_profiles, const char *session_id,
                      guint attempt, gboolean force, GError **error)
{
  g_assert(an && burst && n_burst > 0 && profiles && n_profiles > 0 && session_id);

  /* Both cores: a helper thread takes every second frame of the burst, and every second
   * profile, with the analyzer's twin. The results are the same as on one thread. */
  booth_analyzer_set_profile(an, profiles[0]);
  BoothAnalyzer *twin = NULL;
  if (n_burst > 1 || n_profiles > 1) {
    g_autoptr(GError) local = NULL;
    twin = booth_analyzer_get_twin(an, &local);
    if (!twin)
      booth_warn("capture", "one thread only: %s", local->message);
  }
  g_autofree BoothAnalysis **analyses = g_new0(BoothAnalysis *, n_burst);
  BurstJob bj = {twin, burst, n_burst, analyses};
  GThread *helper = twin && n_burst > 1 ? g_thread_new("booth-capture", burst_job, &bj) : NULL;
  for (guint i = 0; i < n_burst; i += helper ? 2 : 1)
    analyses[i] = booth_analyzer_run(an, burst[i]);
  if (helper)
    g_thread_join(helper);

  /* The best framed frame of the burst: sharpness, eyes and framing are all in the score. */
  guint best = 0;
  double best_score = -1;
  g_autoptr(GVariant) best_framing = NULL;
  g_autoptr(GArray) best_faces = NULL;
  for (guint i = 0; i < n_burst; i++) {
    BoothAnalysis *a = analyses[i];
    booth_debug("capture", "burst frame %u (%s): score %.3f, %d faces", i,
                burst[i]->origin ? burst[i]->origin : "camera", a->framing.score,
                a->framing.n_faces);
    if (a->framing.score > best_score) {
      best = i;
      best_score = a->framing.score;
      g_clear_pointer(&best_framing, g_variant_unref);
      best_framing = g_variant_ref_sink(booth_framing_to_variant(&a->framing));
      g_clear_pointer(&best_faces, g_array_unref);
      best_faces = g_array_ref(a->faces);
    }
  }
  for (guint i = 0; i < n_burst; i++)
    booth_analysis_free(analyses[i]);
  const BoothFrame *frame = burst[best];

  g_autoptr(BoothCandidate) c = g_new0(BoothCandidate, 1);
  c->photos = g_ptr_array_new_with_free_func((GDestroyNotify)booth_photo_free);
  g_autofree ProfileJob *jobs = g_new0(ProfileJob, n_profiles);
  for (guint i = 0; i < n_profiles; i++)
    jobs[i] = (ProfileJob){.an = i % 2 && twin ? twin : an,
                           .frame = frame,
                           .faces = best_faces,
                           .profile = profiles[i],
                           .force = force,
                           .problems = g_string_new(NULL)};
  ProfileJobs pj = {jobs, n_profiles};
  helper = twin && n_profiles > 1 ? g_thread_new("booth-capture", profile_jobs, &pj) : NULL;
  for (guint i = 0; i < n_profiles; i += helper ? 2 : 1)
    profile_job_run(&jobs[i]);
  if (helper)
    g_thread_join(helper);
  /* As one thread would have stopped: at the first profile that failed, with its error. */
  g_autoptr(GString) problems = g_string_new(NULL);
  g_autoptr(GArray) crops = g_array_new(FALSE, FALSE, sizeof(BoothRect));
  gboolean ok = TRUE;
  for (guint i = 0; i < n_profiles; i++) {
    if (ok && !jobs[i].photo) {
      g_propagate_error(error, g_steal_pointer(&jobs[i].error));
      ok = FALSE;
    }
    if (ok) {
      g_ptr_array_add(c->photos, g_steal_pointer(&jobs[i].photo));
      g_array_append_val(crops, jobs[i].crop);
      if (jobs[i].problems->len)
        g_string_append_printf(problems, "%s%s", problems->len ? "; " : "", jobs[i].problems->str);
    }
    booth_photo_free(jobs[i].photo);
    g_clear_error(&jobs[i].error);
    g_string_free(jobs[i].problems, TRUE);
  }
  if (!ok)
    return NULL;

  const BoothPhoto *main = g_ptr_array_index(c->photos, 0);
  g_autoptr(GPtrArray) failed = g_ptr_array_new();
  GString *js = g_string_new("{");
  GVariantBuilder pb, wb;
  g_variant_builder_init(&pb, G_VARIANT_TYPE("aa{sv}"));
  g_variant_builder_init(&wb, G_VARIANT_TYPE("as"));
  if (problems->len)
    g_variant_builder_add(&wb, "s", problems->str);
  for (guint i = 0; i < c->photos->len; i++) {
    const BoothPhoto *ph = g_ptr_array_index(c->photos, i);
    for (char **f = ph->failed; *f; f++)
      g_ptr_array_add(failed, g_strdup_printf("%s/%s", ph->profile->name, *f));
    g_string_append(js, i ? "," : "");
    booth_json_string(js, ph->profile->name);
    g_string_append_printf(js, ":%s", ph->checks_json);
    g_variant_builder_add_value(&pb, photo_summary(ph, g_array_index(crops, BoothRect, i)));
    if (!ph->fits)
      g_variant_builder_add_value(
          &wb, g_variant_new_take_string(g_strdup_printf(
                   "%s: no JPEG quality from %d to 100 puts the photo inside %d-%d KB",
                   ph->profile->name, ph->profile->min_quality, ph->profile->min_kb,
                   ph->profile->max_kb)));
  }
  g_string_append_c(js, '}');
  c->checks_json = g_string_free(js, FALSE);
  gboolean passed = failed->len == 0;
  g_ptr_array_add(failed, NULL);
  c->failed = (char **)g_ptr_array_steal(failed, NULL);

  BoothRect crop0 = g_array_index(crops, BoothRect, 0);
  GVariantDict r;
  g_variant_dict_init(&r, NULL);
  g_variant_dict_insert(&r, "session_id", "s", session_id);
  g_variant_dict_insert(&r, "profile", "s", main->profile->name);
  g_variant_dict_insert(&r, "width", "i", main->width);
  g_variant_dict_insert(&r, "height", "i", main->height);
  g_variant_dict_insert(&r, "bytes", "t", (guint64)g_bytes_get_size(main->jpeg));
  g_variant_dict_insert(&r, "quality", "i", main->quality);
  g_variant_dict_insert(&r, "fits", "b", main->fits);
  g_variant_dict_insert(&r, "passed", "b", passed);
  g_variant_dict_insert(&r, "attempt", "u", attempt);
  g_variant_dict_insert(&r, "forced", "b", force);
  g_variant_dict_insert(&r, "burst", "u", n_burst);
  g_variant_dict_insert(&r, "burst_best", "u", best);
  g_variant_dict_insert(&r, "score", "d", best_score);
  g_variant_dict_insert(&r, "source", "s", frame->origin ? frame->origin : "");
  g_variant_dict_insert(&r, "source_width", "i", frame->width);
  g_variant_dict_insert(&r, "source_height", "i", frame->height);
  g_variant_dict_insert(&r, "crop", "(iiii)", crop0.x, crop0.y, crop0.width, crop0.height);
  g_variant_dict_insert_value(&r, "framing", best_framing);
  g_variant_dict_insert_value(&r, "checks", main->checks);
  g_variant_dict_insert_value(&r, "photos", g_variant_builder_end(&pb));
  g_variant_dict_insert_value(&r, "failed", g_variant_new_strv((const char *const *)c->failed, -1));
  g_variant_dict_insert_value(&r, "warnings", g_variant_builder_end(&wb));
  c->report = g_variant_ref_sink(g_variant_dict_end(&r));
  return g_steal_pointer(&c);
}
