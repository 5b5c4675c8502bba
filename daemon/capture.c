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
booth_candidate_free(BoothCandidate *c)
{
  if (!c)
    return;
  g_bytes_unref(c->jpeg);
  g_free(c->path);
  if (c->report)
    g_variant_unref(c->report);
  g_free(c->checks_json);
  g_strfreev(c->failed);
  g_free(c);
}

BoothCandidate *
booth_capture_process(const BoothFrame *frame, const BoothProfile *p, const char *session_id,
                      guint attempt, GError **error)
{
  g_assert(frame && p && session_id);
  BoothRect crop = booth_crop_centered(frame->width, frame->height, p->aspect_w, p->aspect_h);
  g_autoptr(BoothFrame) scaled = booth_image_crop_scale(frame, crop, p->width, p->height);
  if (!scaled) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "out of memory scaling the capture");
    return NULL;
  }
  BoothJpegResult jr = {0};
  if (!booth_jpeg_encode_to_window(scaled, (gsize)p->min_kb * 1024, (gsize)p->max_kb * 1024,
                                   p->min_quality, p->dpi, &jr, error))
    return NULL;

  /* Measure the file as a reader will see it. */
  gsize len;
  const guint8 *data = g_bytes_get_data(jr.data, &len);
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothFrame) back = booth_image_decode(data, len, "candidate", &local);
  if (!back) {
    booth_jpeg_result_clear(&jr);
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "the encoded photo does not decode: %s",
                local->message);
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

  BoothCandidate *c = g_new0(BoothCandidate, 1);
  c->jpeg = g_bytes_ref(jr.data);
  c->width = back->width;
  c->height = back->height;
  c->quality = jr.quality;

  GVariantBuilder cb, fb;
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
  c->checks_json = g_string_free(js, FALSE);
  g_ptr_array_add(failed, NULL);
  c->failed = (char **)g_ptr_array_steal(failed, NULL);

  g_variant_builder_init(&fb, G_VARIANT_TYPE("as"));
  if (!jr.fits)
    g_variant_builder_add(&fb, "s",
                          "no JPEG quality puts this photo inside the profile's size window");

  GVariantDict r;
  g_variant_dict_init(&r, NULL);
  g_variant_dict_insert(&r, "session_id", "s", session_id);
  g_variant_dict_insert(&r, "profile", "s", p->name);
  g_variant_dict_insert(&r, "width", "i", back->width);
  g_variant_dict_insert(&r, "height", "i", back->height);
  g_variant_dict_insert(&r, "bytes", "t", (guint64)len);
  g_variant_dict_insert(&r, "quality", "i", jr.quality);
  g_variant_dict_insert(&r, "fits", "b", jr.fits);
  g_variant_dict_insert(&r, "passed", "b", c->failed[0] == NULL);
  g_variant_dict_insert(&r, "attempt", "u", attempt);
  g_variant_dict_insert(&r, "encodes", "i", jr.encodes);
  g_variant_dict_insert(&r, "source", "s", frame->origin ? frame->origin : "");
  g_variant_dict_insert(&r, "source_width", "i", frame->width);
  g_variant_dict_insert(&r, "source_height", "i", frame->height);
  g_variant_dict_insert(&r, "crop", "(iiii)", crop.x, crop.y, crop.width, crop.height);
  g_variant_dict_insert_value(&r, "checks", g_variant_builder_end(&cb));
  g_variant_dict_insert_value(&r, "warnings", g_variant_builder_end(&fb));
  c->report = g_variant_ref_sink(g_variant_dict_end(&r));
  booth_jpeg_result_clear(&jr);
  return c;
}
