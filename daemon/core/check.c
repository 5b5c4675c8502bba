/* SPDX-License-Identifier: GPL-2.0-or-later */
/* CheckPhoto's core: a photo made elsewhere (a phone album's, for the online path) checked
 * against a profile as it is: its own size, file size and JPEG quality, the face found in it
 * and every check of the profile. Nothing is stored and no session is needed. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/checks.h"
#include "core/booth-private.h"
#include "error.h"
#include "photo/image.h"
#include "photo/jpeg.h"

/* A photo file is small; a larger one is not a photo for these standards. */
#define CHECK_MAX_BYTES ((gsize)32 * 1024 * 1024)

typedef struct {
  int fd;
  const BoothProfile *profile;
  BoothCaptureDone done;
  gpointer data;
  GVariant *report;
  GError *error;
} CheckJob;

static GBytes *
read_photo(int fd, GError **error)
{
  struct stat st;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the photo must be a regular file (a file opened for reading)");
    return NULL;
  }
  if ((gsize)st.st_size > CHECK_MAX_BYTES || st.st_size == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the photo is %lld bytes; a photo to check has 1 byte to %zu MiB",
                (long long)st.st_size, CHECK_MAX_BYTES / 1024 / 1024);
    return NULL;
  }
  gsize len = (gsize)st.st_size, done = 0;
  guint8 *buf = g_malloc(len);
  while (done < len) {
    ssize_t n = pread(fd, buf + done, len - done, (off_t)done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      g_free(buf);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "cannot read the photo: %s",
                  n < 0 ? g_strerror(errno) : "it ended early");
      return NULL;
    }
    done += (gsize)n;
  }
  return g_bytes_new_take(buf, len);
}

static void
check_work(Booth *b, gpointer data)
{
  CheckJob *j = data;
  g_autoptr(GBytes) bytes = read_photo(j->fd, &j->error);
  if (!bytes)
    return;
  gsize len;
  const guint8 *p = g_bytes_get_data(bytes, &len);
  int quality = booth_jpeg_estimate_quality(p, len);
  if (quality == 0) {
    g_set_error(&j->error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the photo is not a JPEG file: the standards ask for JPEG");
    return;
  }
  g_autoptr(GError) local = NULL;
  g_autoptr(BoothFrame) photo =
      booth_image_decode_max(p, len, "photo", (guint64)b->config->max_frame_pixels, &local);
  if (!photo) {
    g_set_error(&j->error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "the photo cannot be read: %s", local->message);
    return;
  }
  g_autoptr(GArray) faces = booth_analyzer_faces(b->capture_analyzer, photo);
  GArray *checks = booth_checks_run(photo, faces, j->profile, len, quality);
  g_auto(GStrv) failed = booth_checks_failed(checks);
  GVariantDict d;
  g_variant_dict_init(&d, NULL);
  g_variant_dict_insert(&d, "profile", "s", j->profile->name);
  g_variant_dict_insert(&d, "width", "i", photo->width);
  g_variant_dict_insert(&d, "height", "i", photo->height);
  g_variant_dict_insert(&d, "bytes", "t", (guint64)len);
  g_variant_dict_insert(&d, "quality", "i", quality);
  g_variant_dict_insert(&d, "fits", "b",
                        len >= (gsize)j->profile->min_kb * 1024 &&
                            len <= (gsize)j->profile->max_kb * 1024);
  g_variant_dict_insert(&d, "passed", "b", failed[0] == NULL);
  g_variant_dict_insert_value(&d, "checks", booth_checks_to_variant(checks));
  booth_checks_free(checks);
  j->report = g_variant_ref_sink(g_variant_dict_end(&d));
}

static void
check_done(Booth *b, gpointer data)
{
  (void)b;
  CheckJob *j = data;
  j->done(j->report, j->error, j->data);
  close(j->fd);
  g_clear_pointer(&j->report, g_variant_unref);
  g_clear_error(&j->error);
  g_free(j);
}

void
booth_photo_check(Booth *b, const BoothCaller *caller, int fd, const char *profile_name,
                  BoothCaptureDone done, gpointer data)
{
  g_assert(b && caller && fd >= 0 && done);
  g_autoptr(GError) error = NULL;
  const BoothProfile *profile = g_ptr_array_index(b->config->loaded_profiles, 0);
  if (booth_caller_check(b, caller, &error) && profile_name &&
      !(profile = booth_config_find_profile(b->config, profile_name))) {
    g_autofree char *known = g_strjoinv(", ", b->config->profiles);
    g_autofree char *shown = booth_utf8_prefix(profile_name, 64);
    g_set_error(&error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "unknown profile '%s' (this booth has: %s)", shown, known);
  }
  if (error) {
    close(fd);
    done(NULL, error, data);
    return;
  }
  CheckJob *j = g_new0(CheckJob, 1);
  *j = (CheckJob){fd, profile, done, data, NULL, NULL};
  booth_job_run(b, check_work, check_done, j);
}
