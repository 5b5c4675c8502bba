/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Makes a booth's state folder as a day in a room leaves it, through the daemon's own store
 * (booth_store_begin, booth_store_commit): N committed sessions, each with a chsi-upload and a
 * chsi-final photo made from two real JPEGs (each given a COM segment that names the session,
 * so every photo's bytes and SHA-256 differ), a capture code (every seventh one binary, with
 * NUL and 0xff bytes), a check report with a failed check and its override on every fifth.
 * Sessions start 25 s apart from --start (unix seconds), or follow the ones already there.
 *
 *     make-store STATE_DIR N UPLOAD.jpg FINAL.jpg [--tag TAG] [--start SECONDS]
 *
 * Prints one line: the number of committed sessions in the store. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "store.h"

/* The JPEG with a COM segment after SOI carrying text: still a valid JPEG, other bytes. */
static GBytes *
jpeg_tagged(GBytes *jpeg, const char *text)
{
  gsize n;
  const guint8 *p = g_bytes_get_data(jpeg, &n);
  gsize len = strlen(text) + 2;
  GByteArray *out = g_byte_array_sized_new(n + len + 2);
  g_byte_array_append(out, p, 2);
  guint8 marker[4] = {0xff, 0xfe, (guint8)(len >> 8), (guint8)len};
  g_byte_array_append(out, marker, 4);
  g_byte_array_append(out, (const guint8 *)text, strlen(text));
  g_byte_array_append(out, p + 2, n - 2);
  return g_byte_array_free_to_bytes(out);
}

static GBytes *
read_jpeg(const char *path)
{
  g_autoptr(GError) error = NULL;
  char *data;
  gsize n;
  if (!g_file_get_contents(path, &data, &n, &error)) {
    fprintf(stderr, "make-store: %s\n", error->message);
    exit(1);
  }
  if (n < 4 || (guint8)data[0] != 0xff || (guint8)data[1] != 0xd8) {
    fprintf(stderr, "make-store: %s is not a JPEG\n", path);
    exit(1);
  }
  return g_bytes_new_take(data, n);
}

int
main(int argc, char **argv)
{
  const char *tag = "booth";
  gint64 start = 0;
  int pos = 0;
  const char *args[4] = {0};
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--tag") == 0 && i + 1 < argc)
      tag = argv[++i];
    else if (strcmp(argv[i], "--start") == 0 && i + 1 < argc)
      start = g_ascii_strtoll(argv[++i], NULL, 10);
    else if (pos < 4)
      args[pos++] = argv[i];
  }
  if (pos != 4) {
    fprintf(stderr,
            "usage: make-store STATE_DIR N UPLOAD.jpg FINAL.jpg [--tag TAG] [--start SECONDS]\n");
    return 2;
  }
  guint n = (guint)g_ascii_strtoull(args[1], NULL, 10);
  g_autoptr(GBytes) upload = read_jpeg(args[2]);
  g_autoptr(GBytes) final = read_jpeg(args[3]);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothStore) store = booth_store_open(args[0], &error);
  if (!store) {
    fprintf(stderr, "make-store: %s\n", error->message);
    return 1;
  }
  g_autoptr(GPtrArray) before = booth_store_list(store, 0, "committed", &error);
  if (!before) {
    fprintf(stderr, "make-store: %s\n", error->message);
    return 1;
  }
  guint first = before->len;
  gint64 t0 =
      (start ? start : g_get_real_time() / G_USEC_PER_SEC - (gint64)n * 25) * G_USEC_PER_SEC;
  if (before->len) {
    const BoothRecord *newest = before->pdata[0];
    t0 = newest->started_at + 25 * G_USEC_PER_SEC;
  }
  for (guint i = 0; i < n; i++) {
    guint k = first + i;
    gint64 started = t0 + (gint64)i * 25 * G_USEC_PER_SEC;
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(started / G_USEC_PER_SEC);
    g_autofree char *stamp = g_date_time_format(dt, "%Y%m%dT%H%M%SZ");
    g_autoptr(BoothRecord) rec = booth_record_new();
    rec->session_id = g_strdup_printf("%s-%08x", stamp, g_str_hash(tag) ^ (k * 2654435761u));
    if (k % 7 == 3) {
      guint8 raw[24];
      for (guint j = 0; j < sizeof raw; j++)
        raw[j] = (guint8)(j * 37 + k);
      raw[0] = 0xff;
      raw[5] = 0;
      rec->code = g_bytes_new(raw, sizeof raw);
    } else {
      g_autofree char *code = g_strdup_printf("XJM1:%s:%06u:8GvQ2mZrT0c4pL7wq9YbE3sNdKfA", tag, k);
      rec->code = g_bytes_new(code, strlen(code));
    }
    rec->operator_name = g_strdup(k % 2 ? "desk 1" : "desk 2");
    rec->profile = g_strdup("chsi-upload");
    rec->started_at = started;
    if (!booth_store_begin(store, rec, &error)) {
      fprintf(stderr, "make-store: %s\n", error->message);
      return 1;
    }
    gboolean override = k % 5 == 0;
    rec->attempts = 1 + k % 3;
    rec->checks_json = g_strdup_printf(
        "{\"chsi-upload\": [{\"name\": \"background_colour\", \"pass\": %s, \"value\": %.2f,"
        " \"max\": 12, \"unit\": \"dE\", \"message\": \"backdrop\"}, {\"name\": \"file_size\","
        " \"pass\": true, \"value\": %.1f, \"min\": 40, \"max\": 200, \"unit\": \"KiB\","
        " \"message\": \"size\"}], \"chsi-final\": [{\"name\": \"sharpness\", \"pass\": true,"
        " \"value\": null, \"unit\": \"\", \"message\": \"sharp\"}]}",
        override ? "false" : "true", override ? 17.25 : 6.5,
        (double)g_bytes_get_size(upload) / 1024);
    rec->overrides = override ? g_strdup("chsi-upload/background_colour") : NULL;
    g_autofree char *text = g_strdup_printf("%s %s", tag, rec->session_id);
    g_autoptr(GBytes) a = jpeg_tagged(upload, text);
    g_autoptr(GBytes) b = jpeg_tagged(final, text);
    BoothPhotoOut photos[] = {{"chsi-upload", a, 480, 640, 90}, {"chsi-final", b, 480, 640, 75}};
    if (!booth_store_commit(store, rec, photos, 2, &error)) {
      fprintf(stderr, "make-store: %s\n", error->message);
      return 1;
    }
  }
  printf("%u\n", first + n);
  return 0;
}
