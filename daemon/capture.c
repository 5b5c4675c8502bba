#include "capture.h"

#include <math.h>

#include "error.h"
#include "json.h"
#include "photo/crop.h"
#include "photo/image.h"
#include "photo/jpeg.h"

typedef struct {
  const char *name;
  gboolean pass;
  double value;
  double min, max; /* NAN when unbounded */
  const char *unit;
  char *message;
} Check;

static void
check_add(GArray *checks, const char *name, double value, double min, double max, const char *unit)
{
  Check c = {name, TRUE, value, min, max, unit, NULL};
  if (!isnan(min) && value < min)
    c.pass = FALSE;
  if (!isnan(max) && value > max)
    c.pass = FALSE;
  const char *sp = *unit ? " " : "";
  if (isnan(min))
    c.message = g_strdup_printf("%s %g%s%s, at most %g", name, value, sp, unit, max);
  else if (isnan(max))
    c.message = g_strdup_printf("%s %g%s%s, at least %g", name, value, sp, unit, min);
  else if (min == max)
    c.message = g_strdup_printf("%s %g%s%s, must be %g", name, value, sp, unit, min);
  else
    c.message = g_strdup_printf("%s %g%s%s, must be %g..%g", name, value, sp, unit, min, max);
  g_array_append_val(checks, c);
}

static void
check_clear(gpointer p)
{
  g_free(((Check *)p)->message);
}

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

/* The checks as D-Bus (aa{sv}) and as JSON for the record, and the names that failed. */
static void
checks_export(GArray *checks, BoothPhoto *photo)
{
  GVariantBuilder cb;
  g_variant_builder_init(&cb, G_VARIANT_TYPE("aa{sv}"));
  g_autoptr(GPtrArray) failed = g_ptr_array_new();
  GString *js = g_string_new("[");
  for (guint i = 0; i < checks->len; i++) {
    const Check *k = &g_array_index(checks, Check, i);
    GVariantDict d;
    g_variant_dict_init(&d, NULL);
    g_variant_dict_insert(&d, "name", "s", k->name);
    g_variant_dict_insert(&d, "pass", "b", k->pass);
    g_variant_dict_insert(&d, "value", "d", k->value);
    if (!isnan(k->min))
      g_variant_dict_insert(&d, "min", "d", k->min);
    if (!isnan(k->max))
      g_variant_dict_insert(&d, "max", "d", k->max);
    g_variant_dict_insert(&d, "unit", "s", k->unit);
    g_variant_dict_insert(&d, "message", "s", k->message);
    g_variant_builder_add_value(&cb, g_variant_dict_end(&d));
    if (!k->pass)
      g_ptr_array_add(failed, g_strdup(k->name));

    g_string_append(js, i ? ",{\"name\":" : "{\"name\":");
    booth_json_string(js, k->name);
    g_string_append_printf(js, ",\"pass\":%s,\"value\":", k->pass ? "true" : "false");
    booth_json_number(js, k->value);
    g_string_append(js, ",\"min\":");
    booth_json_number(js, k->min);
    g_string_append(js, ",\"max\":");
    booth_json_number(js, k->max);
    g_string_append(js, ",\"unit\":");
    booth_json_string(js, k->unit);
    g_string_append_c(js, '}');
  }
  g_string_append_c(js, ']');
  photo->checks = g_variant_ref_sink(g_variant_builder_end(&cb));
  photo->checks_json = g_string_free(js, FALSE);
  g_ptr_array_add(failed, NULL);
  photo->failed = (char **)g_ptr_array_steal(failed, NULL);
}

static BoothPhoto *
photo_make(const BoothFrame *frame, const BoothProfile *p, BoothRect crop, GError **error)
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

  /* Measure the file as a reader will see it. */
  gsize len;
  const guint8 *data = g_bytes_get_data(jr.data, &len);
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothFrame) back = booth_image_decode(data, len, "candidate", &local);
  if (!back) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "the encoded %s photo does not decode: %s",
                p->name, local->message);
    return NULL;
  }
  g_autoptr(GArray) checks = g_array_new(FALSE, FALSE, sizeof(Check));
  g_array_set_clear_func(checks, check_clear);
  check_add(checks, "width", back->width, p->width, p->width, "px");
  check_add(checks, "height", back->height, p->height, p->height, "px");
  check_add(checks, "aspect", round((double)back->width / back->height * 1e4) / 1e4,
            (double)p->aspect_w / p->aspect_h - 5e-4, (double)p->aspect_w / p->aspect_h + 5e-4,
            "w/h");
  check_add(checks, "file_size", round((double)len / 1024.0 * 10) / 10, p->min_kb, p->max_kb, "KB");
  check_add(checks, "jpeg_quality", jr.quality, p->min_quality, 100, "");

  BoothPhoto *photo = g_new0(BoothPhoto, 1);
  photo->profile = p;
  photo->jpeg = g_bytes_ref(jr.data);
  photo->width = back->width;
  photo->height = back->height;
  photo->quality = jr.quality;
  photo->fits = jr.fits;
  checks_export(checks, photo);
  return photo;
}

static GVariant *
photo_summary(const BoothPhoto *ph)
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
  g_variant_dict_insert_value(&d, "checks", ph->checks);
  return g_variant_dict_end(&d);
}

BoothCandidate *
booth_capture_process(const BoothFrame *frame, const BoothProfile *const *profiles,
                      guint n_profiles, const char *session_id, guint attempt, GError **error)
{
  g_assert(frame && profiles && n_profiles > 0 && session_id);
  g_autoptr(BoothCandidate) c = g_new0(BoothCandidate, 1);
  c->photos = g_ptr_array_new_with_free_func((GDestroyNotify)booth_photo_free);
  BoothRect crop0 = {0, 0, 0, 0};
  for (guint i = 0; i < n_profiles; i++) {
    const BoothProfile *p = profiles[i];
    BoothRect crop = booth_crop_centered(frame->width, frame->height, p->aspect_w, p->aspect_h);
    if (i == 0)
      crop0 = crop;
    BoothPhoto *ph = photo_make(frame, p, crop, error);
    if (!ph)
      return NULL;
    g_ptr_array_add(c->photos, ph);
  }

  const BoothPhoto *main = g_ptr_array_index(c->photos, 0);
  g_autoptr(GPtrArray) failed = g_ptr_array_new();
  GString *js = g_string_new("{");
  GVariantBuilder pb, wb;
  g_variant_builder_init(&pb, G_VARIANT_TYPE("aa{sv}"));
  g_variant_builder_init(&wb, G_VARIANT_TYPE("as"));
  for (guint i = 0; i < c->photos->len; i++) {
    const BoothPhoto *ph = g_ptr_array_index(c->photos, i);
    for (char **f = ph->failed; *f; f++)
      g_ptr_array_add(failed, g_strdup_printf("%s/%s", ph->profile->name, *f));
    g_string_append(js, i ? "," : "");
    booth_json_string(js, ph->profile->name);
    g_string_append_printf(js, ":%s", ph->checks_json);
    g_variant_builder_add_value(&pb, photo_summary(ph));
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
  g_variant_dict_insert(&r, "source", "s", frame->origin ? frame->origin : "");
  g_variant_dict_insert(&r, "source_width", "i", frame->width);
  g_variant_dict_insert(&r, "source_height", "i", frame->height);
  g_variant_dict_insert(&r, "crop", "(iiii)", crop0.x, crop0.y, crop0.width, crop0.height);
  g_variant_dict_insert_value(&r, "checks", main->checks);
  g_variant_dict_insert_value(&r, "photos", g_variant_builder_end(&pb));
  g_variant_dict_insert_value(&r, "failed", g_variant_new_strv((const char *const *)c->failed, -1));
  g_variant_dict_insert_value(&r, "warnings", g_variant_builder_end(&wb));
  c->report = g_variant_ref_sink(g_variant_dict_end(&r));
  return g_steal_pointer(&c);
}
