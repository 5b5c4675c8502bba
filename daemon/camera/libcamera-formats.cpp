/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pixel formats and modes for the libcamera shim: libcamera's names and fourccs, how they map
 * onto the converter's formats, boothd's preferences among them, and the choice of a mode
 * from what a camera offers. Nothing here needs a camera, so the unit tests cover all of it. */
#include <glib.h>

extern "C" {
#include "camera/libcamera-shim.h"
#include "error.h"
}

#include <algorithm>
#include <string>
#include <vector>

#include <libcamera/formats.h>
#include <libcamera/pixel_format.h>

using namespace libcamera;

/* ---- formats ---- */

namespace
{

struct FormatEntry {
  const char *name; /* libcamera's */
  PixelFormat pixel_format;
  BoothPixelFormat booth;
};

/* The converter names packed RGB by bytes in memory, libcamera by a little-endian word. */
const FormatEntry format_table[] = {
    {"MJPEG", formats::MJPEG, BOOTH_PIX_MJPEG},
    {"YUYV", formats::YUYV, BOOTH_PIX_YUYV},
    {"UYVY", formats::UYVY, BOOTH_PIX_UYVY},
    {"NV12", formats::NV12, BOOTH_PIX_NV12},
    {"NV21", formats::NV21, BOOTH_PIX_NV21},
    {"RGB888", formats::RGB888, BOOTH_PIX_BGR888},
    {"BGR888", formats::BGR888, BOOTH_PIX_RGB888},
    {"XRGB8888", formats::XRGB8888, BOOTH_PIX_BGRX8888},
    {"XBGR8888", formats::XBGR8888, BOOTH_PIX_RGBX8888},
    {"RGBX8888", formats::RGBX8888, BOOTH_PIX_XBGR8888},
    {"BGRX8888", formats::BGRX8888, BOOTH_PIX_XRGB8888},
};

/* For stills: the largest size wins first; among equals, cheap and lossless before JPEG,
 * and JPEG before YUYV, whose USB bandwidth limits it to a few frames a second at full size. */
const guint32 still_preference[] = {
    formats::NV12,     formats::NV21,     formats::MJPEG,    formats::YUYV,
    formats::UYVY,     formats::RGB888,   formats::BGR888,   formats::XRGB8888,
    formats::XBGR8888, formats::RGBX8888, formats::BGRX8888,
};

/* For the viewfinder: cheapest to convert first; JPEG decoding last. */
const guint32 viewfinder_preference[] = {
    formats::NV12,     formats::NV21,     formats::YUYV,     formats::UYVY,
    formats::XRGB8888, formats::XBGR8888, formats::RGBX8888, formats::BGRX8888,
    formats::RGB888,   formats::BGR888,   formats::MJPEG,
};

} // namespace

const char *
booth_lc_fourcc_name(guint32 fourcc, char *buf)
{
  g_assert(buf);
  for (const FormatEntry &e : format_table)
    if (e.pixel_format.fourcc() == fourcc) {
      g_strlcpy(buf, e.name, 32);
      return buf;
    }
  std::string s = PixelFormat(fourcc).toString();
  g_strlcpy(buf, s.c_str(), 32);
  return buf;
}

guint32
booth_lc_fourcc_from_name(const char *name)
{
  g_assert(name);
  for (const FormatEntry &e : format_table)
    if (g_ascii_strcasecmp(name, e.name) == 0)
      return e.pixel_format.fourcc();
  return 0;
}

gboolean
booth_lc_fourcc_to_format(guint32 fourcc, BoothPixelFormat *format)
{
  g_assert(format);
  for (const FormatEntry &e : format_table)
    if (e.pixel_format.fourcc() == fourcc) {
      *format = e.booth;
      return TRUE;
    }
  return FALSE;
}

int
booth_lc_fourcc_rank(guint32 fourcc, BoothLcRole role)
{
  BoothPixelFormat f;
  if (!booth_lc_fourcc_to_format(fourcc, &f))
    return G_MAXINT;
  const guint32 *order = role == BOOTH_LC_ROLE_STILL ? still_preference : viewfinder_preference;
  const size_t n = role == BOOTH_LC_ROLE_STILL ? G_N_ELEMENTS(still_preference)
                                               : G_N_ELEMENTS(viewfinder_preference);
  for (size_t i = 0; i < n; i++)
    if (order[i] == fourcc)
      return (int)i;
  return G_MAXINT;
}

/* ---- modes ---- */

static gboolean
mode_is_range(const BoothLcMode *m)
{
  return m->min_width != m->max_width || m->min_height != m->max_height;
}

static gboolean
mode_offers(const BoothLcMode *m, int w, int h)
{
  if (!mode_is_range(m))
    return w == m->max_width && h == m->max_height;
  if (w < m->min_width || w > m->max_width || h < m->min_height || h > m->max_height)
    return FALSE;
  return (m->hstep <= 1 || (w - m->min_width) % m->hstep == 0) &&
         (m->vstep <= 1 || (h - m->min_height) % m->vstep == 0);
}

static gboolean
fourcc_supported(guint32 fourcc)
{
  BoothPixelFormat f;
  return booth_lc_fourcc_to_format(fourcc, &f);
}

char *
booth_lc_modes_describe(const BoothLcMode *modes, guint n_modes)
{
  g_assert(modes || n_modes == 0);
  GString *s = g_string_new(NULL);
  std::vector<guint32> order, unsupported;
  for (guint i = 0; i < n_modes; i++) {
    guint32 f = modes[i].fourcc;
    std::vector<guint32> &list = fourcc_supported(f) ? order : unsupported;
    if (std::find(list.begin(), list.end(), f) == list.end())
      list.push_back(f);
  }
  char name[32];
  for (guint32 f : order) {
    if (s->len)
      g_string_append(s, "; ");
    g_string_append(s, booth_lc_fourcc_name(f, name));
    /* Largest first: that is what a booth wants to see. */
    std::vector<const BoothLcMode *> list;
    for (guint i = 0; i < n_modes; i++)
      if (modes[i].fourcc == f)
        list.push_back(&modes[i]);
    std::stable_sort(list.begin(), list.end(), [](const BoothLcMode *a, const BoothLcMode *b) {
      return (gint64)a->max_width * a->max_height > (gint64)b->max_width * b->max_height;
    });
    for (size_t i = 0; i < list.size(); i++) {
      const BoothLcMode *m = list[i];
      g_string_append(s, i ? ", " : " ");
      if (mode_is_range(m))
        g_string_append_printf(s, "%dx%d to %dx%d", m->min_width, m->min_height, m->max_width,
                               m->max_height);
      else
        g_string_append_printf(s, "%dx%d", m->max_width, m->max_height);
    }
  }
  if (order.empty() && unsupported.empty())
    g_string_append(s, "nothing");
  if (!unsupported.empty()) {
    g_string_append(s, order.empty() ? "only " : " (also ");
    for (size_t i = 0; i < unsupported.size(); i++)
      g_string_append_printf(s, "%s%s", i ? ", " : "", booth_lc_fourcc_name(unsupported[i], name));
    g_string_append(s, order.empty() ? ", which boothd cannot convert"
                                     : ", which boothd cannot convert)");
  }
  return g_string_free(s, FALSE);
}

gboolean
booth_lc_modes_choose(const BoothLcMode *modes, guint n_modes, const char *camera,
                      guint32 want_fourcc, int want_width, int want_height, guint32 *fourcc,
                      int *width, int *height, GError **error)
{
  g_assert(modes || n_modes == 0);
  g_assert(camera && fourcc && width && height);
  g_assert(want_width >= 0 && want_height >= 0);
  g_autofree char *offers = booth_lc_modes_describe(modes, n_modes);
  char name[32];

  if (want_fourcc) {
    gboolean found = FALSE;
    for (guint i = 0; i < n_modes && !found; i++)
      found = modes[i].fourcc == want_fourcc;
    if (!found || !fourcc_supported(want_fourcc)) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "camera %s does not offer pixel format %s; it offers %s: set [Camera] "
                  "pixel_format to one of these, or auto",
                  camera, booth_lc_fourcc_name(want_fourcc, name), offers);
      return FALSE;
    }
  }

  /* The best candidate: the size asked for (or the largest), then the preferred format. */
  const BoothLcMode *best = nullptr;
  int best_w = 0, best_h = 0;
  for (guint i = 0; i < n_modes; i++) {
    const BoothLcMode *m = &modes[i];
    if (!fourcc_supported(m->fourcc) || (want_fourcc && m->fourcc != want_fourcc))
      continue;
    int w = m->max_width, h = m->max_height;
    if (want_width && want_height) {
      if (!mode_offers(m, want_width, want_height))
        continue;
      w = want_width, h = want_height;
    }
    if (best) {
      gint64 area = (gint64)w * h, best_area = (gint64)best_w * best_h;
      if (area < best_area)
        continue;
      if (area == best_area && booth_lc_fourcc_rank(m->fourcc, BOOTH_LC_ROLE_STILL) >=
                                   booth_lc_fourcc_rank(best->fourcc, BOOTH_LC_ROLE_STILL))
        continue;
    }
    best = m, best_w = w, best_h = h;
  }
  if (!best) {
    if (want_width && want_height)
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "camera %s does not offer %dx%d%s%s; it offers %s: set [Camera] width and "
                  "height to one of these, or 0 for the largest",
                  camera, want_width, want_height, want_fourcc ? " in " : "",
                  want_fourcc ? booth_lc_fourcc_name(want_fourcc, name) : "", offers);
    else
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "camera %s offers no pixel format boothd can convert: it offers %s", camera,
                  offers);
    return FALSE;
  }
  *fourcc = best->fourcc;
  *width = best_w;
  *height = best_h;
  return TRUE;
}
