/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Export of 1,000 photos: a store of 500 sessions committed by the store's own commit code
 * (each with the two profiles' JPEGs: real photos from tests/data of 158 and 60 KB, about
 * the 189 and 37 KB a booth commits), then the export as boothd
 * runs it: the rows read from the records, the batch written (every photo read back and proved
 * against its SHA-256, copied, flushed; the manifests; the rename), the sessions marked.
 * Prints each step's time and, beside it, `cp -r` plus `sync` of the same photos on the same
 * disk. BENCH_DIR names where to work (default: a folder under /var/tmp). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "manifest.h"
#include "store.h"

#define SESSIONS 500

static double
now_s(void)
{
  return g_get_monotonic_time() / 1e6;
}

static GBytes *
read_data(const char *name)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_TEST_DATA"), name, NULL);
  char *data;
  gsize len;
  g_autoptr(GError) error = NULL;
  if (!g_file_get_contents(path, &data, &len, &error))
    g_error("%s", error->message);
  return g_bytes_new_take(data, len);
}

int
main(void)
{
  g_autoptr(GError) error = NULL;
  const char *base = g_getenv("BENCH_DIR") ? g_getenv("BENCH_DIR") : "/var/tmp";
  g_autofree char *tmpl = g_build_filename(base, "boothd-bench-export-XXXXXX", NULL);
  char *root = g_mkdtemp(tmpl);
  g_assert(root);
  g_autofree char *state = g_build_filename(root, "state", NULL);
  g_autofree char *out = g_build_filename(root, "out", NULL);
  g_mkdir_with_parents(out, 0750);
  g_autoptr(GBytes) upload = read_data("portraits/test4.jpg");
  g_autoptr(GBytes) final = read_data("portraits/test1.jpg");

  g_autoptr(BoothStore) store = booth_store_open(state, &error);
  g_assert_no_error(error);
  double t = now_s();
  for (int i = 0; i < SESSIONS; i++) {
    g_autoptr(BoothRecord) rec = booth_record_new();
    rec->session_id = g_strdup_printf("bench-%04d", i);
    g_autofree char *code = g_strdup_printf("XJM1:bench-%04d", i);
    rec->code = g_bytes_new(code, strlen(code));
    if (!booth_store_begin(store, rec, &error))
      g_error("%s", error->message);
    BoothPhotoOut photos[] = {{"chsi-upload", upload, 480, 640, 90},
                              {"chsi-final", final, 480, 640, 80}};
    rec->checks_json = g_strdup(
        "{\"chsi-upload\":[{\"name\":\"tilt\",\"pass\":true,\"value\":1,\"unit\":\"deg\"}],"
        "\"chsi-final\":[{\"name\":\"tilt\",\"pass\":true,\"value\":1,\"unit\":\"deg\"}]}");
    if (!booth_store_commit(store, rec, photos, 2, &error))
      g_error("%s", error->message);
  }
  printf("# %d sessions committed (%d photos, %.1f MB) in %.1f s\n", SESSIONS, 2 * SESSIONS,
         SESSIONS * (g_bytes_get_size(upload) + g_bytes_get_size(final)) / 1e6, now_s() - t);

  BoothExportQuery q = {0, NULL, FALSE};
  double t0 = now_s();
  g_autoptr(GPtrArray) rows = booth_store_export_rows(store, &q, &error);
  g_assert_no_error(error);
  double t1 = now_s();
  int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  gint64 bytes = 0;
  if (!booth_export_write(fd, out, "bench_batch", 1, rows, NULL, &bytes, &error))
    g_error("%s", error->message);
  double t2 = now_s();
  if (!booth_store_export_mark(store, "bench_batch", 1, rows, &error))
    g_error("%s", error->message);
  double t3 = now_s();
  close(fd);
  printf("# export of %u photos (%.1f MB): rows %.3f s, batch written %.2f s, marked %.3f s; "
         "in all %.2f s (%.1f MB/s)\n",
         rows->len, bytes / 1e6, t1 - t0, t2 - t1, t3 - t2, t3 - t0, bytes / 1e6 / (t3 - t0));

  /* The peer: the same photos copied by cp and made durable by sync. */
  g_autofree char *cmd = g_strdup_printf("cp -r '%s/photos' '%s/cp-copy' && sync", state, root);
  double c0 = now_s();
  if (system(cmd) != 0)
    g_error("cp failed");
  printf("# peer: cp -r of the same photos + sync: %.2f s\n", now_s() - c0);
  g_autofree char *rm = g_strdup_printf("rm -rf '%s'", root);
  if (system(rm) != 0)
    g_warning("could not remove %s", root);
  return 0;
}
