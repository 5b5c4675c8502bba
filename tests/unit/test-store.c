/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The record store against a real file system and a real SQLite database, each test in a
 * fresh temporary folder. Crashes are reproduced by building the on-disk state a crash at
 * that point leaves, then reopening and reconciling. A full disk and a read-only file system
 * are real tmpfs mounts in a private mount namespace; where the system forbids that, those
 * tests are skipped, never simulated. */
#include "error.h"
#include "manifest.h"
#include "store-private.h"
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <sched.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

/* ---- helpers ---- */

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)flag;
  (void)ftw;
  remove(path);
  return 0;
}

static void
rm_rf(const char *path)
{
  nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Bytes laid out as a JPEG stream up to its frame header (SOI, APP0, DHT, SOF0), padded to
 * `size` and closed by EOI. The store treats photos as opaque bytes and only reads the frame
 * header, so this is all it can tell apart from a real photo. */
static GBytes *
jpeg_like(int width, int height, gsize size, guint8 fill)
{
  static const guint8 head[] = {
      0xff, 0xd8,                                                      /* SOI */
      0xff, 0xe0, 0x00, 0x10, 'J',  'F',  'I',  'F', 0x00, 0x01, 0x01, /* APP0 */
      0x01, 0x01, 0x2c, 0x01, 0x2c, 0x00, 0x00,                        /* 300 dpi */
      0xff, 0xc4, 0x00, 0x05, 0x00, 0x00, 0x00,                        /* DHT (shares C0-CF) */
  };
  g_assert_cmpuint(size, >=, sizeof head + 19 + 2);
  guint8 *d = g_malloc(size);
  memset(d, fill, size);
  memcpy(d, head, sizeof head);
  guint8 *sof = d + sizeof head;
  const guint8 frame[] = {0xff,
                          0xc0,
                          0x00,
                          0x11,
                          0x08,
                          (guint8)(height >> 8),
                          (guint8)height,
                          (guint8)(width >> 8),
                          (guint8)width,
                          0x03,
                          0x01,
                          0x22,
                          0x00,
                          0x02,
                          0x11,
                          0x01,
                          0x03,
                          0x11,
                          0x01};
  memcpy(sof, frame, sizeof frame);
  d[size - 2] = 0xff;
  d[size - 1] = 0xd9;
  return g_bytes_new_take(d, size);
}

static GBytes *
read_bytes(const char *path)
{
  char *data;
  gsize len;
  g_autoptr(GError) error = NULL;
  g_assert_true(g_file_get_contents(path, &data, &len, &error));
  return g_bytes_new_take(data, len);
}

static void
write_bytes(const char *path, GBytes *bytes)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(
      g_file_set_contents(path, g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), &error));
}

static guint
count_files(const char *dir)
{
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  guint n = 0;
  while (g_dir_read_name(d))
    n++;
  return n;
}

static gboolean
report_has(GPtrArray *report, const char *needle)
{
  for (guint i = 0; i < report->len; i++)
    if (strstr(report->pdata[i], needle))
      return TRUE;
  return FALSE;
}

static BoothRecord *
new_record(const char *id, GBytes *code)
{
  BoothRecord *rec = booth_record_new();
  rec->session_id = g_strdup(id);
  rec->code = code ? g_bytes_ref(code) : NULL;
  rec->operator_name = g_strdup("desk 2");
  rec->profile = g_strdup("chsi-upload");
  return rec;
}

static void
begin(BoothStore *store, const char *id, GBytes *code, gint64 started_at)
{
  g_autoptr(BoothRecord) rec = new_record(id, code);
  rec->started_at = started_at;
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_store_begin(store, rec, &error));
  g_assert_no_error(error);
}

static void
commit_one(BoothStore *store, const char *id, GBytes *jpeg)
{
  g_autoptr(BoothRecord) rec = new_record(id, NULL);
  BoothPhotoOut photo = {.profile = "chsi-upload", .jpeg = jpeg, 480, 640, 90};
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_store_commit(store, rec, &photo, 1, &error));
  g_assert_no_error(error);
}

/* A capture's candidates: chsi-upload's (the session's profile) and, unless NULL,
 * chsi-final's. */
static gboolean
save_candidates(BoothStore *store, const char *id, GBytes *upload, GBytes *final, char **path,
                GError **error)
{
  BoothPhotoOut photos[] = {{"chsi-upload", upload, 480, 640, 90},
                            {"chsi-final", final, 390, 567, 75}};
  return booth_store_save_candidate(store, id, photos, final ? 2 : 1, path, error);
}

static void
save_both(BoothStore *store, const char *id, GBytes *upload, GBytes *final)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(save_candidates(store, id, upload, final, NULL, &error));
  g_assert_no_error(error);
}

static GPtrArray *
reconcile(BoothStore *store)
{
  GPtrArray *report = g_ptr_array_new_with_free_func(g_free);
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_store_reconcile(store, report, &error));
  g_assert_no_error(error);
  return report;
}

static BoothRecordFile *
file_of(BoothRecord *rec, const char *profile)
{
  for (guint i = 0; i < rec->files->len; i++) {
    BoothRecordFile *f = rec->files->pdata[i];
    if (g_str_equal(f->profile, profile))
      return f;
  }
  return NULL;
}

static void
assert_file_matches(const BoothRecordFile *f, GBytes *expected)
{
  g_assert_nonnull(f);
  g_autoptr(GBytes) got = read_bytes(f->path);
  g_assert_true(g_bytes_equal(got, expected));
  g_autofree char *sha = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, expected);
  g_assert_cmpstr(f->sha256, ==, sha);
  g_assert_cmpint(f->bytes, ==, (gint64)g_bytes_get_size(expected));
}

typedef struct {
  char *tmp;
  char *state;
  BoothStore *store;
} Fixture;

static void
fixture_open(Fixture *f)
{
  g_autoptr(GError) error = NULL;
  f->store = booth_store_open(f->state, &error);
  g_assert_no_error(error);
  g_assert_nonnull(f->store);
}

static void
fixture_reopen(Fixture *f)
{
  g_clear_pointer(&f->store, booth_store_free);
  fixture_open(f);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  f->tmp = g_dir_make_tmp("boothd-store-XXXXXX", &error);
  g_assert_no_error(error);
  f->state = g_build_filename(f->tmp, "state", NULL);
  fixture_open(f);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
  (void)data;
  g_clear_pointer(&f->store, booth_store_free);
  rm_rf(f->tmp);
  g_free(f->state);
  g_free(f->tmp);
}

static char *
state_path(Fixture *f, const char *folder, const char *name)
{
  return g_build_filename(f->state, folder, name, NULL);
}

static guint
count_in(Fixture *f, const char *folder)
{
  g_autofree char *dir = g_build_filename(f->state, folder, NULL);
  return count_files(dir);
}

/* ---- sessions and commits ---- */

static const char hostile_code[] = "\0\xff../../etc/passwd\0\xc3(\n'; DROP TABLE sessions; --";

static void
test_round_trip(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) code = g_bytes_new_static(hostile_code, sizeof hostile_code - 1);
  g_autoptr(GError) error = NULL;
  begin(f->store, "s-1", code, 0);

  g_autoptr(BoothRecord) upd = new_record("s-1", NULL);
  upd->attempts = 2;
  g_assert_true(booth_store_update(f->store, upd, &error));
  g_assert_no_error(error);

  g_autoptr(GBytes) candidate = jpeg_like(480, 640, 3000, 0x11);
  g_autoptr(GBytes) candidate2 = jpeg_like(390, 567, 2000, 0x12);
  g_autofree char *cpath = NULL;
  g_assert_true(save_candidates(f->store, "s-1", candidate, candidate2, &cpath, &error));
  g_assert_no_error(error);
  /* One file per profile; the path given is the first photo's, the session's profile. */
  g_autofree char *cexpect = state_path(f, "candidates", "s-1_chsi-upload.jpg");
  g_assert_cmpstr(cpath, ==, cexpect);
  g_autofree char *cexpect2 = state_path(f, "candidates", "s-1_chsi-final.jpg");
  g_autoptr(GBytes) saved2 = read_bytes(cexpect2);
  g_assert_true(g_bytes_equal(saved2, candidate2));
  g_assert_cmpuint(count_in(f, "candidates"), ==, 2);

  g_autoptr(GBytes) upload = jpeg_like(480, 640, 50000, 0x22);
  g_autoptr(GBytes) final = jpeg_like(480, 640, 30000, 0x33);
  BoothPhotoOut photos[] = {{"chsi-upload", upload, 480, 640, 92},
                            {"chsi-final", final, 480, 640, 75}};
  g_autoptr(BoothRecord) rec = new_record("s-1", NULL);
  rec->attempts = 3;
  rec->checks_json = g_strdup("{\"background\":{\"pass\":false}}");
  rec->overrides = g_strdup("background");
  g_assert_true(booth_store_commit(f->store, rec, photos, 2, &error));
  g_assert_no_error(error);
  g_assert_cmpstr(rec->status, ==, "committed");
  g_assert_cmpint(rec->ended_at, >, 0);
  g_assert_cmpuint(rec->files->len, ==, 2);

  /* File names come from the id and profile only; the candidates are gone. */
  g_autofree char *upath = state_path(f, "photos", "s-1_chsi-upload.jpg");
  g_assert_cmpstr(file_of(rec, "chsi-upload")->path, ==, upath);
  g_assert_cmpuint(count_in(f, "photos"), ==, 2);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);
  g_autofree char *escaped = g_build_filename(f->tmp, "etc", NULL);
  g_assert_false(g_file_test(escaped, G_FILE_TEST_EXISTS));
  struct stat st;
  g_assert_cmpint(stat(upath, &st), ==, 0);
  g_assert_cmpint(st.st_mode & 0137, ==, 0); /* never more open than 0640 */

  g_autoptr(BoothRecord) got = booth_store_get(f->store, "s-1", &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got->code, code)); /* byte for byte, NUL and 0xFF included */
  g_assert_cmpstr(got->status, ==, "committed");
  g_assert_cmpstr(got->operator_name, ==, "desk 2");
  g_assert_cmpstr(got->profile, ==, "chsi-upload");
  g_assert_cmpuint(got->attempts, ==, 3);
  g_assert_cmpstr(got->checks_json, ==, rec->checks_json);
  g_assert_cmpstr(got->overrides, ==, "background");
  g_assert_cmpint(got->ended_at, ==, rec->ended_at);
  g_assert_cmpint(got->started_at, >, 0);
  g_assert_cmpint(got->started_at, <=, got->ended_at);
  g_assert_cmpuint(got->files->len, ==, 2);
  assert_file_matches(file_of(got, "chsi-upload"), upload);
  assert_file_matches(file_of(got, "chsi-final"), final);
  g_assert_cmpint(file_of(got, "chsi-final")->quality, ==, 75);
  g_assert_cmpint(file_of(got, "chsi-final")->width, ==, 480);

  /* Nothing is left to repair after a clean commit. */
  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_cmpuint(report->len, ==, 0);
}

static void
test_code_arrives_later(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  begin(f->store, "late", NULL, 0);
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "late", &error);
  g_assert_no_error(error);
  g_assert_null(got->code);
  g_assert_cmpint(got->code_at, ==, 0); /* no code, so no time it came */
  g_assert_cmpstr(got->status, ==, "active");
  g_assert_cmpint(got->ended_at, ==, 0);

  g_autoptr(GBytes) code = g_bytes_new_static("\0", 1);
  g_autoptr(BoothRecord) upd = new_record("late", code);
  gint64 before = g_get_real_time();
  g_assert_true(booth_store_update(f->store, upd, &error));
  g_assert_no_error(error);
  g_autoptr(BoothRecord) coded = booth_store_get(f->store, "late", &error);
  g_assert_cmpint(coded->code_at, >=, before);
  g_assert_cmpint(coded->code_at, <=, g_get_real_time());
  /* A later update without a code keeps the code. */
  g_autoptr(BoothRecord) upd2 = new_record("late", NULL);
  upd2->attempts = 4;
  g_assert_true(booth_store_update(f->store, upd2, &error));
  g_assert_no_error(error);
  g_autoptr(BoothRecord) again = booth_store_get(f->store, "late", &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(again->code, code));
  g_assert_cmpuint(again->attempts, ==, 4);
  /* The time the code came stays: later updates do not move it. */
  g_assert_cmpint(again->code_at, ==, coded->code_at);

  /* A session begun with its code got it when it began. */
  g_autoptr(GBytes) first = g_bytes_new_static("XJM1:a", 6);
  begin(f->store, "with-code", first, 1000);
  g_autoptr(BoothRecord) with = booth_store_get(f->store, "with-code", &error);
  g_assert_cmpint(with->code_at, ==, 1000);

  /* An empty code is a value, not a missing one. */
  begin(f->store, "empty", NULL, 0);
  g_autoptr(GBytes) none = g_bytes_new_static("", 0);
  g_autoptr(BoothRecord) upd3 = new_record("empty", none);
  g_assert_true(booth_store_update(f->store, upd3, &error));
  g_autoptr(BoothRecord) empty = booth_store_get(f->store, "empty", &error);
  g_assert_no_error(error);
  g_assert_nonnull(empty->code);
  g_assert_cmpuint(g_bytes_get_size(empty->code), ==, 0);
}

static void
test_commit_twice(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  begin(f->store, "twice", NULL, 0);
  g_autoptr(GBytes) first = jpeg_like(480, 640, 20000, 0x01);
  commit_one(f->store, "twice", first);

  g_autoptr(GBytes) second = jpeg_like(480, 640, 25000, 0x02);
  g_autoptr(BoothRecord) rec = new_record("twice", NULL);
  BoothPhotoOut photo = {"chsi-upload", second, 480, 640, 90};
  g_assert_false(booth_store_commit(f->store, rec, &photo, 1, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
  g_assert_cmpuint(rec->files->len, ==, 0);

  g_autofree char *path = state_path(f, "photos", "twice_chsi-upload.jpg");
  g_autoptr(GBytes) on_disk = read_bytes(path);
  g_assert_true(g_bytes_equal(on_disk, first));
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "twice", NULL);
  assert_file_matches(file_of(got, "chsi-upload"), first);
  g_assert_cmpuint(count_in(f, "photos"), ==, 1);
}

static void
test_invalid_arguments(Fixture *f, gconstpointer data)
{
  (void)data;
  const char *bad_ids[] = {
      "../x",     "",
      "a/b",      "a_b",
      "a.b",      "with space",
      "\xc3\xa9", "0123456789012345678901234567890123456789012345678901234567890123X"};
  g_autoptr(GBytes) jpeg = jpeg_like(480, 640, 1000, 0);
  for (gsize i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothRecord) rec = new_record(bad_ids[i], NULL);
    g_assert_false(booth_store_begin(f->store, rec, &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
    g_assert_false(save_candidates(f->store, bad_ids[i], jpeg, NULL, NULL, &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_clear_error(&error);
    g_assert_null(booth_store_get(f->store, bad_ids[i], &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  }
  /* 64 characters is the longest id. */
  begin(f->store, "0123456789012345678901234567890123456789012345678901234567890123", NULL, 0);

  g_autoptr(GError) error = NULL;
  begin(f->store, "ok", NULL, 0);
  g_autoptr(BoothRecord) rec = new_record("ok", NULL);
  BoothPhotoOut bad_profile = {"../etc", jpeg, 1, 1, 1};
  g_assert_false(booth_store_commit(f->store, rec, &bad_profile, 1, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  BoothPhotoOut dup[] = {{"chsi-upload", jpeg, 1, 1, 1}, {"chsi-upload", jpeg, 1, 1, 1}};
  g_assert_false(booth_store_commit(f->store, rec, dup, 2, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(booth_store_commit(f->store, rec, dup, 0, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(booth_store_end(f->store, "ok", "committed", NULL, 0, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  /* A capture's candidates are checked as a commit's photos are. */
  g_assert_false(booth_store_save_candidate(f->store, "ok", &bad_profile, 1, NULL, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(booth_store_save_candidate(f->store, "ok", dup, 2, NULL, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_false(booth_store_save_candidate(f->store, "ok", dup, 0, NULL, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_autoptr(GBytes) empty = g_bytes_new_static("", 0);
  g_assert_false(save_candidates(f->store, "ok", jpeg, empty, NULL, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_cmpint(booth_store_open_candidate(f->store, "ok", "../etc", &error), ==, -1);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_cmpint(booth_store_open_candidate(f->store, "../ok", "chsi-upload", &error), ==, -1);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);
  g_assert_cmpuint(count_in(f, "photos"), ==, 0);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);
}

static void
test_unknown_and_duplicate(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_store_get(f->store, "nobody", &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION);
  g_clear_error(&error);

  g_autoptr(BoothRecord) rec = new_record("nobody", NULL);
  g_assert_false(booth_store_update(f->store, rec, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION);
  g_clear_error(&error);
  g_autoptr(GBytes) jpeg = jpeg_like(480, 640, 1000, 0);
  g_assert_false(save_candidates(f->store, "nobody", jpeg, jpeg, NULL, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION);
  g_clear_error(&error);
  BoothPhotoOut photo = {"chsi-upload", jpeg, 1, 1, 1};
  g_assert_false(booth_store_commit(f->store, rec, &photo, 1, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION);
  g_clear_error(&error);
  g_assert_true(booth_store_discard_candidate(f->store, "nobody", &error));
  g_assert_no_error(error);

  begin(f->store, "dup", NULL, 0);
  g_autoptr(BoothRecord) again = new_record("dup", NULL);
  g_assert_false(booth_store_begin(f->store, again, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
}

static void
test_end(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cand = jpeg_like(600, 800, 4000, 0x44);
  g_autoptr(GBytes) cand2 = jpeg_like(390, 567, 3000, 0x45);

  /* Abandoned: every profile's candidate is kept in abandoned/ and recorded. */
  begin(f->store, "left", NULL, 0);
  save_both(f->store, "left", cand, cand2);
  g_assert_true(booth_store_end(f->store, "left", "abandoned", "owner left the bus", 2, &error));
  g_assert_no_error(error);
  g_autoptr(BoothRecord) left = booth_store_get(f->store, "left", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(left->status, ==, "abandoned");
  g_assert_cmpstr(left->note, ==, "owner left the bus");
  g_assert_cmpuint(left->attempts, ==, 2);
  g_assert_cmpint(left->ended_at, >, 0);
  g_assert_cmpuint(left->files->len, ==, 2);
  BoothRecordFile *kept = file_of(left, "candidate/chsi-upload");
  g_autofree char *kept_path = state_path(f, "abandoned", "left_chsi-upload.jpg");
  g_assert_nonnull(kept);
  g_assert_cmpstr(kept->path, ==, kept_path);
  assert_file_matches(kept, cand);
  g_assert_cmpint(kept->width, ==, 600);
  g_assert_cmpint(kept->height, ==, 800);
  BoothRecordFile *kept2 = file_of(left, "candidate/chsi-final");
  g_autofree char *kept2_path = state_path(f, "abandoned", "left_chsi-final.jpg");
  g_assert_nonnull(kept2);
  g_assert_cmpstr(kept2->path, ==, kept2_path);
  assert_file_matches(kept2, cand2);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);

  g_assert_false(booth_store_end(f->store, "left", "cancelled", NULL, 2, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
  g_clear_error(&error);

  /* Cancelled: every candidate is deleted. */
  begin(f->store, "nope", NULL, 0);
  save_both(f->store, "nope", cand, cand2);
  g_assert_true(booth_store_end(f->store, "nope", "cancelled", NULL, 1, &error));
  g_assert_no_error(error);
  g_autoptr(BoothRecord) nope = booth_store_get(f->store, "nope", &error);
  g_assert_cmpstr(nope->status, ==, "cancelled");
  g_assert_cmpuint(nope->files->len, ==, 0);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);

  /* Abandoning without a candidate records no file. */
  begin(f->store, "empty-handed", NULL, 0);
  g_assert_true(booth_store_end(f->store, "empty-handed", "abandoned", NULL, 0, &error));
  g_autoptr(BoothRecord) eh = booth_store_get(f->store, "empty-handed", &error);
  g_assert_cmpuint(eh->files->len, ==, 0);

  /* The single candidate of an older boothd is kept as "candidate". */
  begin(f->store, "legacy", NULL, 0);
  g_autofree char *legacy = state_path(f, "candidates", "legacy.jpg");
  write_bytes(legacy, cand);
  g_assert_true(booth_store_end(f->store, "legacy", "abandoned", NULL, 1, &error));
  g_assert_no_error(error);
  g_autoptr(BoothRecord) old = booth_store_get(f->store, "legacy", &error);
  g_assert_cmpuint(old->files->len, ==, 1);
  g_autofree char *legacy_kept = state_path(f, "abandoned", "legacy.jpg");
  g_assert_cmpstr(file_of(old, "candidate")->path, ==, legacy_kept);
  assert_file_matches(file_of(old, "candidate"), cand);

  /* Retake: a capture's candidates replace the previous capture's, all of them, even a
   * profile the new capture lacks; discard removes them all. */
  begin(f->store, "retake", NULL, 0);
  g_autoptr(GBytes) second = jpeg_like(480, 640, 5000, 0x55);
  g_autoptr(GBytes) second2 = jpeg_like(390, 567, 4500, 0x56);
  save_both(f->store, "retake", cand, cand2);
  save_both(f->store, "retake", second, second2);
  g_autofree char *rpath = state_path(f, "candidates", "retake_chsi-upload.jpg");
  g_autofree char *rpath2 = state_path(f, "candidates", "retake_chsi-final.jpg");
  g_autoptr(GBytes) on_disk = read_bytes(rpath);
  g_assert_true(g_bytes_equal(on_disk, second));
  g_autoptr(GBytes) on_disk2 = read_bytes(rpath2);
  g_assert_true(g_bytes_equal(on_disk2, second2));
  save_both(f->store, "retake", cand, NULL);
  g_assert_false(g_file_test(rpath2, G_FILE_TEST_EXISTS));
  g_assert_cmpuint(count_in(f, "candidates"), ==, 1);
  save_both(f->store, "retake", second, second2);
  g_autofree char *rlegacy = state_path(f, "candidates", "retake.jpg");
  write_bytes(rlegacy, cand);
  g_assert_true(booth_store_discard_candidate(f->store, "retake", &error));
  g_assert_no_error(error);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);
}

/* OpenCandidate's store side: the durable file itself, read-only, whole. */
static void
test_open_candidate(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) cand = jpeg_like(480, 640, 4000, 0x71);
  g_autoptr(GBytes) cand2 = jpeg_like(390, 567, 3000, 0x72);
  begin(f->store, "look", NULL, 0);
  g_assert_cmpint(booth_store_open_candidate(f->store, "look", "chsi-upload", &error), ==, -1);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
  g_assert_nonnull(strstr(error->message, "Capture first"));
  g_clear_error(&error);

  save_both(f->store, "look", cand, cand2);
  const char *profiles[] = {"chsi-upload", "chsi-final"};
  GBytes *expected[] = {cand, cand2};
  int fds[2];
  for (int i = 0; i < 2; i++) {
    fds[i] = booth_store_open_candidate(f->store, "look", profiles[i], &error);
    g_assert_no_error(error);
    g_assert_cmpint(fds[i], >=, 0);
    int fl = fcntl(fds[i], F_GETFL);
    g_assert_cmpint(fl & O_ACCMODE, ==, O_RDONLY);
    g_assert_cmpint(fl & O_NONBLOCK, ==, 0);
    g_assert_cmpint(fcntl(fds[i], F_GETFD) & FD_CLOEXEC, ==, FD_CLOEXEC);
    g_assert_cmpint(write(fds[i], "x", 1), ==, -1);
  }
  /* A retake replaces the files by rename: an fd handed out keeps the bytes it opened. */
  g_assert_true(booth_store_discard_candidate(f->store, "look", &error));
  g_autoptr(GBytes) other = jpeg_like(480, 640, 6000, 0x73);
  save_both(f->store, "look", other, other);
  for (int i = 0; i < 2; i++) {
    guint8 buf[8192];
    ssize_t n = pread(fds[i], buf, sizeof buf, 0);
    g_assert_cmpint(n, ==, (ssize_t)g_bytes_get_size(expected[i]));
    g_autoptr(GBytes) got = g_bytes_new(buf, (gsize)n);
    g_assert_true(g_bytes_equal(got, expected[i]));
    close(fds[i]);
  }

  /* Only a regular file is handed out; a FIFO does not hang the caller. */
  g_assert_true(booth_store_discard_candidate(f->store, "look", &error));
  g_autofree char *target = state_path(f, "photos", "elsewhere.jpg");
  write_bytes(target, cand);
  g_autofree char *link = state_path(f, "candidates", "look_chsi-upload.jpg");
  g_assert_cmpint(symlink(target, link), ==, 0);
  g_assert_cmpint(booth_store_open_candidate(f->store, "look", "chsi-upload", &error), ==, -1);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, "not a regular file"));
  g_clear_error(&error);
  g_autofree char *fifo = state_path(f, "candidates", "look_chsi-final.jpg");
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  g_assert_cmpint(booth_store_open_candidate(f->store, "look", "chsi-final", &error), ==, -1);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_clear_error(&error);
}

typedef struct {
  BoothStore *store;
  GBytes *captures[2][2]; /* [capture][profile] */
  gint stop;
  guint opened;
} OpenRace;

/* Opens both profiles' candidates for as long as the saves go on: whatever the other thread
 * does, an fd is either refused or reads one capture's whole file. */
static gpointer
open_race_thread(gpointer data)
{
  OpenRace *r = data;
  const char *profiles[] = {"chsi-upload", "chsi-final"};
  while (!g_atomic_int_get(&r->stop)) {
    for (int p = 0; p < 2; p++) {
      g_autoptr(GError) error = NULL;
      int fd = booth_store_open_candidate(r->store, "race", profiles[p], &error);
      if (fd < 0) {
        g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
        continue;
      }
      guint8 buf[8192];
      ssize_t n = pread(fd, buf, sizeof buf, 0);
      close(fd);
      g_autoptr(GBytes) got = g_bytes_new(buf, (gsize)MAX(n, 0));
      g_assert_true(g_bytes_equal(got, r->captures[0][p]) || g_bytes_equal(got, r->captures[1][p]));
      r->opened++;
    }
  }
  return NULL;
}

/* booth_store_open_candidate() on another thread than the one that saves and discards. */
static void
test_open_candidate_thread(Fixture *f, gconstpointer data)
{
  (void)data;
  OpenRace r = {.store = f->store};
  for (int c = 0; c < 2; c++)
    for (int p = 0; p < 2; p++)
      r.captures[c][p] = jpeg_like(480, 640, 3000 + 1000 * p + 500 * c, (guint8)(0x80 + 2 * c + p));
  begin(f->store, "race", NULL, 0);
  GThread *reader = g_thread_new("open-race", open_race_thread, &r);
  for (int i = 0; i < 200; i++) {
    save_both(f->store, "race", r.captures[i % 2][0], r.captures[i % 2][1]);
    if (i % 3 == 0)
      g_assert_true(booth_store_discard_candidate(f->store, "race", NULL));
  }
  g_atomic_int_set(&r.stop, 1);
  g_thread_join(reader);
  g_test_message("candidates opened on the other thread: %u", r.opened);
  for (int c = 0; c < 2; c++)
    for (int p = 0; p < 2; p++)
      g_bytes_unref(r.captures[c][p]);
}

static void
test_list(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) jpeg = jpeg_like(480, 640, 2000, 0);
  gint64 t0 = 1717200000000000;
  for (int i = 0; i < 6; i++) {
    g_autofree char *id = g_strdup_printf("l%d", i);
    begin(f->store, id, NULL, t0 + i * 30 * G_USEC_PER_SEC);
    if (i % 2 == 0)
      commit_one(f->store, id, jpeg);
  }
  g_autoptr(GPtrArray) all = booth_store_list(f->store, 0, NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(all->len, ==, 6);
  for (guint i = 0; i < all->len; i++) {
    g_autofree char *id = g_strdup_printf("l%u", 5 - i);
    g_assert_cmpstr(((BoothRecord *)all->pdata[i])->session_id, ==, id);
  }
  g_autoptr(GPtrArray) three = booth_store_list(f->store, 3, NULL, &error);
  g_assert_cmpuint(three->len, ==, 3);
  g_assert_cmpstr(((BoothRecord *)three->pdata[0])->session_id, ==, "l5");
  g_assert_cmpstr(((BoothRecord *)three->pdata[2])->session_id, ==, "l3");
  g_autoptr(GPtrArray) committed = booth_store_list(f->store, 2, "committed", &error);
  g_assert_cmpuint(committed->len, ==, 2);
  g_assert_cmpstr(((BoothRecord *)committed->pdata[0])->session_id, ==, "l4");
  g_assert_cmpstr(((BoothRecord *)committed->pdata[1])->session_id, ==, "l2");
  g_assert_cmpuint(((BoothRecord *)committed->pdata[0])->files->len, ==, 1);
  g_autoptr(GPtrArray) none = booth_store_list(f->store, 0, "recovered", &error);
  g_assert_cmpuint(none->len, ==, 0);
}

static void
test_reopen_and_wal(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) code = g_bytes_new_static(hostile_code, sizeof hostile_code - 1);
  g_autoptr(GBytes) jpeg = jpeg_like(480, 640, 2000, 7);
  begin(f->store, "kept", code, 0);
  commit_one(f->store, "kept", jpeg);
  g_assert_cmpstr(booth_store_get_dir(f->store), ==, f->state);
  fixture_reopen(f);

  g_autoptr(GError) error = NULL;
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "kept", &error);
  g_assert_no_error(error);
  g_assert_true(g_bytes_equal(got->code, code));
  assert_file_matches(file_of(got, "chsi-upload"), jpeg);

  g_autofree char *db_path = g_build_filename(f->state, "records.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  sqlite3_stmt *st = NULL;
  g_assert_cmpint(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "wal");
  sqlite3_finalize(st);
  /* The code is a BLOB column holding exactly the bytes. */
  g_assert_cmpint(
      sqlite3_prepare_v2(db, "SELECT typeof(code), length(code) FROM sessions", -1, &st, NULL), ==,
      SQLITE_OK);
  g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
  g_assert_cmpstr((const char *)sqlite3_column_text(st, 0), ==, "blob");
  g_assert_cmpint(sqlite3_column_int(st, 1), ==, (int)(sizeof hostile_code - 1));
  sqlite3_finalize(st);
  sqlite3_close(db);
}

/* Runs SQL on records.db from a second connection, as an administrator would. */
static void
db_exec(Fixture *f, const char *sql)
{
  g_autofree char *db_path = g_build_filename(f->state, "records.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
  char *msg = NULL;
  int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
  if (rc != SQLITE_OK)
    g_error("%s: %s", sql, msg);
  sqlite3_close(db);
}

static void
test_commit_record_failure(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GError) error = NULL;
  begin(f->store, "dbfail", NULL, 0);
  g_autoptr(GBytes) cand = jpeg_like(480, 640, 3000, 1);
  save_both(f->store, "dbfail", cand, cand);
  /* The records refuse the files row after the photos are already in place. */
  db_exec(f, "CREATE TRIGGER refuse BEFORE INSERT ON files "
             "BEGIN SELECT RAISE(ABORT, 'refused by test'); END");

  g_autoptr(GBytes) a = jpeg_like(480, 640, 9000, 2);
  g_autoptr(GBytes) b = jpeg_like(480, 640, 8000, 3);
  BoothPhotoOut photos[] = {{"chsi-upload", a, 480, 640, 90}, {"chsi-final", b, 480, 640, 70}};
  g_autoptr(BoothRecord) rec = new_record("dbfail", NULL);
  g_assert_false(booth_store_commit(f->store, rec, photos, 2, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, "records.db"));
  g_assert_nonnull(strstr(error->message, "candidate is kept"));
  g_clear_error(&error);
  g_assert_cmpuint(count_in(f, "photos"), ==, 0);
  g_assert_cmpuint(count_in(f, "commits"), ==, 0);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 2);
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "dbfail", &error);
  g_assert_cmpstr(got->status, ==, "active");
  g_assert_cmpuint(got->files->len, ==, 0);
  g_assert_null(rec->status);

  db_exec(f, "DROP TRIGGER refuse");
  g_assert_true(booth_store_commit(f->store, rec, photos, 2, &error));
  g_assert_no_error(error);
}

/* ---- reconciliation ---- */

static void
test_reconcile_tmp(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) junk = jpeg_like(480, 640, 1000, 9);
  g_autofree char *p1 = state_path(f, "photos", "s_chsi-upload.jpg.0badf00d.tmp");
  g_autofree char *p2 = state_path(f, "candidates", "s_chsi-final.jpg.12345678.tmp");
  write_bytes(p1, junk);
  write_bytes(p2, junk);
  fixture_reopen(f);
  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_cmpuint(report->len, ==, 2);
  g_assert_true(report_has(report, p1));
  g_assert_true(report_has(report, p2));
  g_assert_false(g_file_test(p1, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(p2, G_FILE_TEST_EXISTS));
  g_autoptr(GPtrArray) none = booth_store_list(f->store, 0, NULL, NULL);
  g_assert_cmpuint(none->len, ==, 0);
}

/* A photo of an active session with no intent (a store written before intents, or a hand):
 * it is kept and recorded, and the session ends as interrupted, never as committed, since
 * nothing says the commit had all its photos. */
static void
test_reconcile_photo_of_active(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) code = g_bytes_new_static("CHSI\0code", 9);
  begin(f->store, "mid", code, 0);
  g_autoptr(GBytes) cand = jpeg_like(480, 640, 2500, 4);
  g_autoptr(GBytes) cand2 = jpeg_like(390, 567, 2000, 7);
  save_both(f->store, "mid", cand, cand2);
  g_autoptr(GBytes) photo = jpeg_like(480, 640, 40000, 5);
  g_autofree char *ppath = state_path(f, "photos", "mid_chsi-upload.jpg");
  write_bytes(ppath, photo);
  fixture_reopen(f);

  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_true(report_has(report, "session mid (active): recorded"));
  g_assert_true(report_has(report, "session mid was active when the daemon stopped"));
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "mid", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(got->status, ==, "interrupted");
  g_assert_nonnull(strstr(got->note, "photo recorded at start-up"));
  g_assert_true(g_bytes_equal(got->code, code));
  BoothRecordFile *pf = file_of(got, "chsi-upload");
  assert_file_matches(pf, photo);
  g_assert_cmpstr(pf->path, ==, ppath);
  g_assert_cmpint(pf->width, ==, 480);
  g_assert_cmpint(pf->height, ==, 640);
  assert_file_matches(file_of(got, "candidate/chsi-upload"), cand);
  assert_file_matches(file_of(got, "candidate/chsi-final"), cand2);

  g_autoptr(GPtrArray) second = reconcile(f->store);
  g_assert_cmpuint(second->len, ==, 0);
}

static void
test_reconcile_photo_without_session(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) photo = jpeg_like(480, 640, 30000, 6);
  g_autofree char *ppath = state_path(f, "photos", "lost-1_chsi-final.jpg");
  write_bytes(ppath, photo);
  g_autofree char *odd = state_path(f, "photos", "holiday.jpg");
  write_bytes(odd, photo);
  fixture_reopen(f);

  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_true(report_has(report, "session lost-1: recovered"));
  g_assert_true(report_has(report, odd));
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothRecord) got = booth_store_get(f->store, "lost-1", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(got->status, ==, "recovered");
  g_assert_null(got->code);
  g_assert_nonnull(strstr(got->note, "capture code is not known"));
  g_assert_cmpstr(got->profile, ==, "chsi-final");
  assert_file_matches(file_of(got, "chsi-final"), photo);
  g_assert_true(g_file_test(odd, G_FILE_TEST_EXISTS)); /* unknown files are never touched */

  g_autoptr(GPtrArray) second = reconcile(f->store);
  g_assert_cmpuint(second->len, ==, 1);
  g_assert_true(report_has(second, odd));
}

static void
test_reconcile_missing_file(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) photo = jpeg_like(480, 640, 30000, 6);
  begin(f->store, "gone", NULL, 0);
  commit_one(f->store, "gone", photo);
  g_autofree char *ppath = state_path(f, "photos", "gone_chsi-upload.jpg");
  g_assert_cmpint(unlink(ppath), ==, 0);
  fixture_reopen(f);

  g_autofree char *expected = g_strdup_printf("file missing: %s", ppath);
  for (int round = 0; round < 2; round++) {
    g_autoptr(GPtrArray) report = reconcile(f->store);
    g_assert_cmpuint(report->len, ==, 1);
    g_assert_true(report_has(report, expected));
    g_autoptr(BoothRecord) got = booth_store_get(f->store, "gone", NULL);
    g_assert_cmpstr(got->status, ==, "committed");
    g_assert_cmpstr(got->note, ==, expected); /* noted once, reported every time */
    g_assert_cmpuint(got->files->len, ==, 1); /* the row stays */
  }
}

static void
test_reconcile_interrupted(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) cand = jpeg_like(480, 640, 3500, 8);
  g_autoptr(GBytes) cand2 = jpeg_like(390, 567, 2500, 9);
  begin(f->store, "halt", NULL, 0);
  save_both(f->store, "halt", cand, cand2);
  begin(f->store, "bare", NULL, 0);
  /* The daemon stopped between moving an abandoned candidate and recording it. */
  begin(f->store, "moved", NULL, 0);
  g_autofree char *moved = state_path(f, "abandoned", "moved_chsi-final.jpg");
  write_bytes(moved, cand2);
  /* An older boothd, one candidate per session, stopped during a session and during an
   * abandon: the booth was upgraded in between. */
  begin(f->store, "legacy", NULL, 0);
  g_autofree char *legacy = state_path(f, "candidates", "legacy.jpg");
  write_bytes(legacy, cand);
  begin(f->store, "legacy-moved", NULL, 0);
  g_autofree char *legacy_moved = state_path(f, "abandoned", "legacy-moved.jpg");
  write_bytes(legacy_moved, cand);
  fixture_reopen(f);

  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_true(report_has(report, "session halt was active"));
  g_assert_true(report_has(report, "session bare was active"));
  g_autoptr(BoothRecord) halt = booth_store_get(f->store, "halt", NULL);
  g_assert_cmpstr(halt->status, ==, "interrupted");
  g_assert_cmpint(halt->ended_at, >, 0);
  g_assert_nonnull(strstr(halt->note, "interrupted"));
  g_assert_cmpuint(halt->files->len, ==, 2);
  BoothRecordFile *kept = file_of(halt, "candidate/chsi-upload");
  g_autofree char *kept_path = state_path(f, "abandoned", "halt_chsi-upload.jpg");
  g_assert_cmpstr(kept->path, ==, kept_path);
  assert_file_matches(kept, cand);
  g_autofree char *kept2_path = state_path(f, "abandoned", "halt_chsi-final.jpg");
  g_assert_cmpstr(file_of(halt, "candidate/chsi-final")->path, ==, kept2_path);
  assert_file_matches(file_of(halt, "candidate/chsi-final"), cand2);
  g_autoptr(BoothRecord) bare = booth_store_get(f->store, "bare", NULL);
  g_assert_cmpstr(bare->status, ==, "interrupted");
  g_assert_cmpuint(bare->files->len, ==, 0);
  g_autoptr(BoothRecord) mv = booth_store_get(f->store, "moved", NULL);
  g_assert_cmpstr(mv->status, ==, "interrupted");
  assert_file_matches(file_of(mv, "candidate/chsi-final"), cand2);
  g_autoptr(BoothRecord) lg = booth_store_get(f->store, "legacy", NULL);
  g_assert_cmpstr(lg->status, ==, "interrupted");
  g_autofree char *legacy_kept = state_path(f, "abandoned", "legacy.jpg");
  g_assert_cmpstr(file_of(lg, "candidate")->path, ==, legacy_kept);
  assert_file_matches(file_of(lg, "candidate"), cand);
  g_autoptr(BoothRecord) lgm = booth_store_get(f->store, "legacy-moved", NULL);
  g_assert_cmpstr(lgm->status, ==, "interrupted");
  assert_file_matches(file_of(lgm, "candidate"), cand);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);
  g_assert_cmpuint(count_in(f, "abandoned"), ==, 5);

  g_autoptr(GPtrArray) second = reconcile(f->store);
  g_assert_cmpuint(second->len, ==, 0);
}

static void
test_reconcile_candidates(Fixture *f, gconstpointer data)
{
  (void)data;
  g_autoptr(GBytes) cand = jpeg_like(480, 640, 3500, 10);
  g_autoptr(GBytes) cand2 = jpeg_like(390, 567, 2500, 12);
  /* Candidates with no session at all, of this boothd and of an older one. */
  g_autofree char *orphan = state_path(f, "candidates", "stray_chsi-upload.jpg");
  write_bytes(orphan, cand);
  g_autofree char *orphan2 = state_path(f, "candidates", "stray_chsi-final.jpg");
  write_bytes(orphan2, cand2);
  g_autofree char *old_orphan = state_path(f, "candidates", "oldstray.jpg");
  write_bytes(old_orphan, cand);
  /* A cancelled session whose candidates were not yet deleted. */
  begin(f->store, "nah", NULL, 0);
  g_assert_true(booth_store_end(f->store, "nah", "cancelled", NULL, 1, NULL));
  g_autofree char *cancelled = state_path(f, "candidates", "nah_chsi-upload.jpg");
  write_bytes(cancelled, cand);
  g_autofree char *cancelled_old = state_path(f, "candidates", "nah.jpg");
  write_bytes(cancelled_old, cand);
  /* A committed session whose candidate was not yet deleted. */
  g_autoptr(GBytes) photo = jpeg_like(480, 640, 20000, 11);
  begin(f->store, "done", NULL, 0);
  commit_one(f->store, "done", photo);
  g_autofree char *leftover = state_path(f, "candidates", "done_chsi-final.jpg");
  write_bytes(leftover, cand2);
  fixture_reopen(f);

  g_autoptr(GPtrArray) report = reconcile(f->store);
  g_assert_cmpuint(report->len, ==, 6);
  g_autoptr(BoothRecord) stray = booth_store_get(f->store, "stray", NULL);
  g_assert_nonnull(stray);
  g_assert_cmpstr(stray->status, ==, "recovered");
  g_assert_null(stray->code);
  g_assert_cmpuint(stray->files->len, ==, 2);
  g_autofree char *stray_kept = state_path(f, "abandoned", "stray_chsi-upload.jpg");
  g_assert_cmpstr(file_of(stray, "candidate/chsi-upload")->path, ==, stray_kept);
  assert_file_matches(file_of(stray, "candidate/chsi-upload"), cand);
  assert_file_matches(file_of(stray, "candidate/chsi-final"), cand2);
  g_autoptr(BoothRecord) old_stray = booth_store_get(f->store, "oldstray", NULL);
  g_assert_cmpstr(old_stray->status, ==, "recovered");
  assert_file_matches(file_of(old_stray, "candidate"), cand);
  g_assert_false(g_file_test(cancelled, G_FILE_TEST_EXISTS));
  g_assert_false(g_file_test(cancelled_old, G_FILE_TEST_EXISTS));
  g_autoptr(BoothRecord) done = booth_store_get(f->store, "done", NULL);
  g_assert_cmpstr(done->status, ==, "committed");
  assert_file_matches(file_of(done, "chsi-upload"), photo);
  assert_file_matches(file_of(done, "candidate/chsi-final"), cand2);
  g_assert_cmpuint(count_in(f, "candidates"), ==, 0);

  g_autoptr(GPtrArray) second = reconcile(f->store);
  g_assert_cmpuint(second->len, ==, 0);
}

/* ---- crashes during a commit ---- */

/* A crash is a SIGKILL of a child that runs a store call, raised by the store's step hook
 * right after a named durable step: what is on disk then is exactly what a crash there leaves
 * (the page cache survives a SIGKILL; a power cut is not simulated). The parent reopens the
 * store, reconciles and checks that the commit is whole or undone, never half. */

#define CRASH_ID "crash-1"
#define CRASH_CHECKS "{\"background\":{\"pass\":false},\"tilt\":{\"pass\":false}}"
#define CRASH_OVERRIDES "background,tilt"
#define CRASH_NOTE "committed by desk 2"
#define CRASH_ATTEMPTS 3

typedef struct {
  GBytes *candidate;  /* chsi-upload's */
  GBytes *candidate2; /* chsi-final's */
  GBytes *upload;
  GBytes *final;
} CrashPhotos;

static void
crash_photos_init(CrashPhotos *p)
{
  p->candidate = jpeg_like(480, 640, 3000, 0x61);
  p->candidate2 = jpeg_like(390, 567, 2000, 0x64);
  p->upload = jpeg_like(480, 640, 40000, 0x62);
  p->final = jpeg_like(390, 567, 25000, 0x63);
}

static void
crash_photos_clear(CrashPhotos *p)
{
  g_bytes_unref(p->candidate);
  g_bytes_unref(p->candidate2);
  g_bytes_unref(p->upload);
  g_bytes_unref(p->final);
}

typedef struct {
  const char *step; /* die after this step; NULL for any */
  guint n;          /* ... the n-th time it is reached */
  guint seen;
  int fd; /* every step reached is written here, one per line */
} CrashAt;

static void
crash_hook(const char *step, gpointer data)
{
  CrashAt *c = data;
  g_autofree char *line = g_strdup_printf("%s\n", step);
  if (write(c->fd, line, strlen(line)) != (ssize_t)strlen(line))
    _exit(3);
  if ((!c->step || g_str_equal(step, c->step)) && ++c->seen == c->n)
    raise(SIGKILL);
}

typedef void (*StoreAction)(BoothStore *store, gconstpointer data);

/* Runs action on the state folder in a child that dies after the n-th step (named step, or
 * any when NULL). TRUE when it died there, FALSE when the action finished first; *steps
 * gets the steps it reached, one per line. */
static gboolean
run_until_crash(const char *state, const char *step, guint n, StoreAction action,
                gconstpointer data, char **steps)
{
  int fds[2];
  g_assert_cmpint(pipe(fds), ==, 0);
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    close(fds[0]);
    g_autoptr(GError) error = NULL;
    BoothStore *store = booth_store_open(state, &error);
    g_assert_no_error(error);
    CrashAt at = {.step = step, .n = n, .fd = fds[1]};
    store->step_hook = crash_hook;
    store->step_data = &at;
    action(store, data);
    booth_store_free(store);
    _exit(0);
  }
  close(fds[1]);
  g_autoptr(GString) out = g_string_new(NULL);
  char buf[256];
  ssize_t r;
  while ((r = read(fds[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
    if (r > 0)
      g_string_append_len(out, buf, r);
  close(fds[0]);
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  *steps = g_string_free(g_steal_pointer(&out), FALSE);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return FALSE;
  if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
    g_error("the child failed (status 0x%x) after the steps:\n%s", status, *steps);
  return TRUE;
}

static void
commit_action(BoothStore *store, gconstpointer data)
{
  const CrashPhotos *p = data;
  g_autoptr(BoothRecord) rec = new_record(CRASH_ID, NULL);
  rec->attempts = CRASH_ATTEMPTS;
  rec->checks_json = g_strdup(CRASH_CHECKS);
  rec->overrides = g_strdup(CRASH_OVERRIDES);
  rec->note = g_strdup(CRASH_NOTE);
  BoothPhotoOut photos[] = {{"chsi-upload", p->upload, 480, 640, 92},
                            {"chsi-final", p->final, 390, 567, 75}};
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_store_commit(store, rec, photos, G_N_ELEMENTS(photos), &error));
  g_assert_no_error(error);
}

static void
reconcile_action(BoothStore *store, gconstpointer data)
{
  (void)data;
  g_autoptr(GPtrArray) report = reconcile(store);
}

/* A fresh state folder with the active session CRASH_ID and its candidate; the store is
 * closed, for a child to open. */
static void
crash_setup(Fixture *f, const CrashPhotos *p)
{
  fixture_set_up(f, NULL);
  g_autoptr(GBytes) code = g_bytes_new_static("XJM1:code", 9);
  begin(f->store, CRASH_ID, code, 0);
  save_both(f->store, CRASH_ID, p->candidate, p->candidate2);
  g_clear_pointer(&f->store, booth_store_free);
}

static int
find_leftover(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st;
  (void)ftw;
  if (flag == FTW_F && (g_str_has_suffix(path, ".tmp") || g_str_has_suffix(path, ".intent")))
    g_error("left behind after reconciliation: %s", path);
  return 0;
}

/* After reconciliation the commit of CRASH_ID is whole (TRUE) or undone (FALSE), and
 * nothing half-done is left: no temporary file, no intent. */
static gboolean
assert_whole_or_undone(Fixture *f, const CrashPhotos *p)
{
  nftw(f->state, find_leftover, 16, FTW_PHYS);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothRecord) got = booth_store_get(f->store, CRASH_ID, &error);
  g_assert_no_error(error);
  /* The commit removes both candidates in one step: both are kept, or neither. */
  BoothRecordFile *candidate = file_of(got, "candidate/chsi-upload");
  BoothRecordFile *candidate2 = file_of(got, "candidate/chsi-final");
  g_assert_true(!candidate == !candidate2);
  if (candidate) {
    assert_file_matches(candidate, p->candidate);
    assert_file_matches(candidate2, p->candidate2);
  }
  if (g_str_equal(got->status, "committed")) {
    assert_file_matches(file_of(got, "chsi-upload"), p->upload);
    assert_file_matches(file_of(got, "chsi-final"), p->final);
    g_assert_cmpint(file_of(got, "chsi-final")->quality, ==, 75);
    g_assert_cmpint(file_of(got, "chsi-final")->width, ==, 390);
    g_assert_cmpstr(got->checks_json, ==, CRASH_CHECKS);
    g_assert_cmpstr(got->overrides, ==, CRASH_OVERRIDES);
    g_assert_nonnull(got->note);
    g_assert_nonnull(strstr(got->note, CRASH_NOTE));
    g_assert_cmpuint(got->attempts, ==, CRASH_ATTEMPTS);
    g_assert_cmpint(got->ended_at, >, 0);
    g_assert_cmpuint(count_in(f, "photos"), ==, 2);
    g_assert_cmpuint(got->files->len, ==, candidate ? 4 : 2);
    return TRUE;
  }
  /* Undone: the session ends as one the daemon stopped in, its candidates kept. */
  g_assert_cmpstr(got->status, ==, "interrupted");
  g_assert_cmpuint(count_in(f, "photos"), ==, 0);
  g_assert_nonnull(candidate);
  g_assert_cmpuint(got->files->len, ==, 2);
  return FALSE;
}

/* Reconciles twice: the second finds nothing left to repair. */
static void
reconcile_settles(Fixture *f)
{
  g_autoptr(GPtrArray) first = reconcile(f->store);
  g_autoptr(GPtrArray) second = reconcile(f->store);
  for (guint i = 0; i < second->len; i++)
    g_printerr("second reconciliation: %s\n", (char *)second->pdata[i]);
  g_assert_cmpuint(second->len, ==, 0);
}

/* A crash after every step of a two-profile commit: once the intent is durable the commit is
 * completed at start-up with its checks, overrides and note; before, it is undone. */
static void
test_crash_commit(void)
{
  CrashPhotos p;
  crash_photos_init(&p);
  guint points = 0, whole = 0, rolled_back = 0;
  for (guint n = 1;; n++) {
    Fixture f;
    crash_setup(&f, &p);
    g_autofree char *steps = NULL;
    gboolean crashed = run_until_crash(f.state, NULL, n, commit_action, &p, &steps);
    if (!crashed) {
      fixture_tear_down(&f, NULL);
      break;
    }
    points++;
    fixture_open(&f);
    reconcile_settles(&f);
    gboolean is_whole = assert_whole_or_undone(&f, &p);
    g_auto(GStrv) lines = g_strsplit(g_strstrip(steps), "\n", -1);
    g_test_message("crash after step %u (%s): %s", n, lines[g_strv_length(lines) - 1],
                   is_whole ? "committed whole" : "rolled back");
    g_assert_cmpint(is_whole, ==, g_strv_contains((const char *const *)lines, "intent-written"));
    if (is_whole)
      whole++;
    else
      rolled_back++;
    fixture_tear_down(&f, NULL);
  }
  g_test_message("crash points: %u, committed whole: %u, rolled back: %u", points, whole,
                 rolled_back);
  g_assert_cmpuint(points, >=, 10);
  crash_photos_clear(&p);
}

/* A crash during the start-up repair of a crashed commit is repaired by the next start. */
static void
test_crash_reconcile(void)
{
  CrashPhotos p;
  crash_photos_init(&p);
  guint points = 0;
  for (guint n = 1;; n++) {
    gboolean commit_crashed = TRUE;
    for (guint m = 1; commit_crashed; m++) {
      Fixture f;
      crash_setup(&f, &p);
      g_autofree char *steps = NULL, *repair_steps = NULL;
      commit_crashed = run_until_crash(f.state, NULL, n, commit_action, &p, &steps);
      gboolean repair_crashed =
          commit_crashed &&
          run_until_crash(f.state, NULL, m, reconcile_action, NULL, &repair_steps);
      if (repair_crashed) {
        points++;
        fixture_open(&f);
        reconcile_settles(&f);
        gboolean is_whole = assert_whole_or_undone(&f, &p);
        g_assert_cmpint(is_whole, ==, strstr(steps, "intent-written\n") != NULL);
      }
      fixture_tear_down(&f, NULL);
      if (!repair_crashed)
        break;
    }
    if (!commit_crashed)
      break;
  }
  g_test_message("crash points during the repair: %u", points);
  g_assert_cmpuint(points, >=, 5);
  crash_photos_clear(&p);
}

/* The name of the one file in folder whose name holds needle. */
static char *
find_in(Fixture *f, const char *folder, const char *needle)
{
  g_autofree char *dir = g_build_filename(f->state, folder, NULL);
  g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
  g_assert_nonnull(d);
  char *found = NULL;
  const char *name;
  while ((name = g_dir_read_name(d))) {
    if (strstr(name, needle)) {
      g_assert_null(found);
      found = g_build_filename(dir, name, NULL);
    }
  }
  g_assert_nonnull(found);
  return found;
}

typedef struct {
  const char *step;  /* the commit crashes after the first one */
  gboolean truncate; /* the chsi-final temporary file is damaged instead of removed */
} LostCase;

/* A crashed commit whose chsi-final photo is then lost or damaged (a disk error, a hand). */
static void
lost_setup(Fixture *f, const CrashPhotos *p, const LostCase *c)
{
  crash_setup(f, p);
  g_autofree char *steps = NULL;
  g_assert_true(run_until_crash(f->state, c->step, 1, commit_action, p, &steps));
  g_autofree char *tmp = find_in(f, "photos", "_chsi-final.jpg.");
  if (c->truncate)
    g_assert_cmpint(truncate(tmp, 1000), ==, 0);
  else
    g_assert_cmpint(unlink(tmp), ==, 0);
}

/* A photo of the commit lost or damaged after the crash: the commit cannot be completed
 * whole, so it is undone, reported, and its candidate kept; a crash during the undo is
 * finished by the next start. */
static void
test_crash_photo_lost(void)
{
  CrashPhotos p;
  crash_photos_init(&p);
  static const LostCase cases[] = {
      {"intent-written", TRUE}, {"intent-written", FALSE}, {"photo-renamed", FALSE}};
  guint points = 0;
  for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
    Fixture f;
    lost_setup(&f, &p, &cases[i]);
    fixture_open(&f);
    g_autoptr(GPtrArray) report = reconcile(f.store);
    g_assert_false(assert_whole_or_undone(&f, &p));
    g_assert_true(report_has(report, "session " CRASH_ID ": undoing its commit"));
    g_assert_true(report_has(report, cases[i].truncate ? "is damaged" : "is missing"));
    g_assert_true(report_has(report, "a photo of the undone commit"));
    g_autoptr(GPtrArray) second = reconcile(f.store);
    g_assert_cmpuint(second->len, ==, 0);
    fixture_tear_down(&f, NULL);

    for (guint m = 1;; m++) {
      lost_setup(&f, &p, &cases[i]);
      g_autofree char *steps = NULL;
      gboolean crashed = run_until_crash(f.state, NULL, m, reconcile_action, NULL, &steps);
      if (crashed) {
        points++;
        fixture_open(&f);
        reconcile_settles(&f);
        g_assert_false(assert_whole_or_undone(&f, &p));
      }
      fixture_tear_down(&f, NULL);
      if (!crashed)
        break;
    }
  }
  g_test_message("crash points during the undo: %u", points);
  g_assert_cmpuint(points, >=, 3 * G_N_ELEMENTS(cases));
  crash_photos_clear(&p);
}

/* An intent that cannot be read (a damaged disk) or that names a file boothd would not give
 * the session's photo (a hand): nothing of its session is touched, nor the file it names, its
 * photos are not taken for interrupted writes, and every start says so until it is dealt
 * with; once it is removed by hand the session ends as interrupted. */
static void
test_crash_intent_unreadable(void)
{
  CrashPhotos p;
  crash_photos_init(&p);
  for (int hostile = 0; hostile < 2; hostile++) {
    Fixture f;
    crash_setup(&f, &p);
    g_autofree char *steps = NULL;
    g_assert_true(run_until_crash(f.state, "photo-renamed", 1, commit_action, &p, &steps));
    g_autofree char *intent = state_path(&f, "commits", CRASH_ID ".intent");
    g_autofree char *victim = state_path(&f, "abandoned", "other.jpg");
    write_bytes(victim, p.candidate);
    if (hostile) {
      g_autoptr(GKeyFile) kf = g_key_file_new();
      g_assert_true(g_key_file_load_from_file(kf, intent, G_KEY_FILE_NONE, NULL));
      g_key_file_set_string(kf, "photo chsi-final", "name", "../abandoned/other.jpg");
      g_assert_true(g_key_file_save_to_file(kf, intent, NULL));
    } else {
      g_assert_true(g_file_set_contents(intent, "[commit]\nformat=1\nsession=", -1, NULL));
    }
    fixture_open(&f);
    for (int round = 0; round < 2; round++) {
      g_autoptr(GPtrArray) report = reconcile(f.store);
      g_assert_true(report_has(report, "cannot read commit intent"));
      g_assert_true(report_has(report, "left as they are"));
      g_autoptr(BoothRecord) got = booth_store_get(f.store, CRASH_ID, NULL);
      g_assert_cmpstr(got->status, ==, "active");
      g_assert_cmpuint(got->files->len, ==, 0);
      g_assert_cmpuint(count_in(&f, "photos"), ==, 2); /* one placed, one temporary */
      g_autoptr(GBytes) untouched = read_bytes(victim);
      g_assert_true(g_bytes_equal(untouched, p.candidate));
    }
    g_assert_cmpint(unlink(intent), ==, 0);
    g_autoptr(GPtrArray) report = reconcile(f.store);
    g_assert_true(report_has(report, "a write interrupted before it completed"));
    g_assert_true(report_has(report, "session " CRASH_ID " was active when the daemon stopped"));
    g_autoptr(BoothRecord) got = booth_store_get(f.store, CRASH_ID, NULL);
    g_assert_cmpstr(got->status, ==, "interrupted");
    g_assert_nonnull(file_of(got, "candidate/chsi-upload"));
    g_assert_nonnull(file_of(got, "candidate/chsi-final"));
    fixture_tear_down(&f, NULL);
  }
  crash_photos_clear(&p);
}

static void
save_action(BoothStore *store, gconstpointer data)
{
  const CrashPhotos *p = data;
  save_both(store, CRASH_ID, p->upload, p->final);
}

/* A crash after every step of a retaken capture's save over the first capture's candidates
 * (crash_setup()): start-up keeps the first capture's two, or some of the second's, never
 * one of each. */
static void
test_crash_save(void)
{
  CrashPhotos p;
  crash_photos_init(&p);
  guint points = 0, earlier = 0, later = 0;
  for (guint n = 1;; n++) {
    Fixture f;
    crash_setup(&f, &p);
    g_autofree char *steps = NULL;
    gboolean crashed = run_until_crash(f.state, NULL, n, save_action, &p, &steps);
    if (!crashed) {
      fixture_tear_down(&f, NULL);
      break;
    }
    points++;
    fixture_open(&f);
    reconcile_settles(&f);
    nftw(f.state, find_leftover, 16, FTW_PHYS);
    g_autoptr(BoothRecord) got = booth_store_get(f.store, CRASH_ID, NULL);
    g_assert_cmpstr(got->status, ==, "interrupted");
    BoothRecordFile *upload = file_of(got, "candidate/chsi-upload");
    BoothRecordFile *final = file_of(got, "candidate/chsi-final");
    g_autoptr(GBytes) first = upload ? read_bytes(upload->path) : NULL;
    g_autoptr(GBytes) second = final ? read_bytes(final->path) : NULL;
    gboolean is_earlier = (first && g_bytes_equal(first, p.candidate)) ||
                          (second && g_bytes_equal(second, p.candidate2));
    if (is_earlier) {
      assert_file_matches(upload, p.candidate);
      assert_file_matches(final, p.candidate2);
      earlier++;
    } else {
      if (upload)
        assert_file_matches(upload, p.upload);
      if (final)
        assert_file_matches(final, p.final);
      later++;
    }
    g_assert_cmpuint(got->files->len, ==, (upload != NULL) + (final != NULL));
    g_auto(GStrv) lines = g_strsplit(g_strstrip(steps), "\n", -1);
    g_test_message("crash after step %u (%s): %u candidate(s) of the %s capture kept", n,
                   lines[g_strv_length(lines) - 1], got->files->len,
                   is_earlier ? "earlier" : "later");
    g_assert_cmpint(is_earlier, ==,
                    !g_strv_contains((const char *const *)lines, "candidates-cleared"));
    fixture_tear_down(&f, NULL);
  }
  g_test_message("crash points: %u, earlier capture kept: %u, later capture kept: %u", points,
                 earlier, later);
  g_assert_cmpuint(points, >=, 6);
  crash_photos_clear(&p);
}

static void
test_jpeg_size(void)
{
  g_autoptr(GBytes) jpeg = jpeg_like(1234, 4321, 200, 0xff);
  gsize len;
  const guint8 *d = g_bytes_get_data(jpeg, &len);
  int w = 0, h = 0;
  g_assert_true(booth_jpeg_read_size(d, len, &w, &h));
  g_assert_cmpint(w, ==, 1234);
  g_assert_cmpint(h, ==, 4321);
  /* Every truncation before the end of the frame header (SOI, APP0, DHT: 27 bytes, SOF0: 19)
   * is refused without reading past the end (checked under ASan). */
  for (gsize n = 0; n < 27 + 19; n++) {
    guint8 *copy = g_memdup2(d, n);
    g_assert_false(booth_jpeg_read_size(copy, n, &w, &h));
    g_free(copy);
  }
  static const guint8 not_jpeg[] = {0x89, 'P', 'N', 'G'};
  g_assert_false(booth_jpeg_read_size(not_jpeg, sizeof not_jpeg, &w, &h));
}

/* ---- opening ---- */

static void
test_open_under_file(void)
{
  g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
  g_autofree char *file = g_build_filename(tmp, "plain-file", NULL);
  g_assert_true(g_file_set_contents(file, "x", 1, NULL));
  g_autofree char *state = g_build_filename(file, "state", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothStore) store = booth_store_open(state, &error);
  g_assert_null(store);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, state));
  g_assert_nonnull(strstr(error->message, g_strerror(ENOTDIR)));
  g_assert_nonnull(strstr(error->message, "--state-dir"));
  rm_rf(tmp);
}

static void
assert_not_writable(const char *state, int errsv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothStore) store = booth_store_open(state, &error);
  g_assert_null(store);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_autofree char *expected =
      g_strdup_printf("state folder %s is not writable: %s", state, g_strerror(errsv));
  if (!strstr(error->message, expected))
    g_error("expected \"%s\" in \"%s\"", expected, error->message);
}

/* Permission bits do not stop root, so as root the check runs as nobody in a child. */
static void
test_open_unwritable(void)
{
  if (g_test_subprocess()) {
    if (geteuid() == 0) {
      g_assert_cmpint(setgroups(0, NULL), ==, 0);
      g_assert_cmpint(setgid(65534), ==, 0);
      g_assert_cmpint(setuid(65534), ==, 0);
    }
    assert_not_writable(g_getenv("BOOTH_TEST_STATE"), EACCES);
    return;
  }
  g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
  g_autofree char *state = g_build_filename(tmp, "state", NULL);
  g_assert_cmpint(chmod(tmp, 0755), ==, 0);
  g_assert_cmpint(mkdir(state, 0555), ==, 0);
  g_assert_cmpint(chmod(state, 0555), ==, 0);
  g_setenv("BOOTH_TEST_STATE", state, TRUE);
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
  rm_rf(tmp);
}

static void
write_proc(const char *path, const char *text)
{
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd < 0)
    return;
  if (write(fd, text, strlen(text)) < 0)
    g_printerr("%s: %s\n", path, g_strerror(errno));
  close(fd);
}

/* A private mount namespace, as root or through a user namespace; FALSE if forbidden. */
static gboolean
enter_mount_namespace(void)
{
  uid_t uid = geteuid();
  gid_t gid = getegid();
  if (unshare(CLONE_NEWNS | (uid == 0 ? 0 : CLONE_NEWUSER)) < 0)
    return FALSE;
  if (uid != 0) {
    char map[64];
    write_proc("/proc/self/setgroups", "deny");
    g_snprintf(map, sizeof map, "0 %u 1", (unsigned)uid);
    write_proc("/proc/self/uid_map", map);
    g_snprintf(map, sizeof map, "0 %u 1", (unsigned)gid);
    write_proc("/proc/self/gid_map", map);
  }
  /* Our mounts must not propagate back to the host. */
  return mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
}

static gboolean
mount_tmpfs(const char *where, const char *options, unsigned long flags)
{
  return mount("tmpfs", where, "tmpfs", flags, options) == 0;
}

static gboolean
can_mount_tmpfs(void)
{
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    g_autofree char *tmp = g_dir_make_tmp("boothd-probe-XXXXXX", NULL);
    gboolean ok = tmp && enter_mount_namespace() && mount_tmpfs(tmp, "size=64k", 0);
    if (ok)
      umount2(tmp, MNT_DETACH);
    if (tmp)
      rmdir(tmp);
    _exit(ok ? 0 : 1);
  }
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
test_open_read_only(void)
{
  if (g_test_subprocess()) {
    g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
    g_autofree char *state = g_build_filename(tmp, "state", NULL);
    g_assert_cmpint(mkdir(state, 0750), ==, 0);
    g_assert_true(enter_mount_namespace());
    g_assert_true(mount_tmpfs(state, "size=1m", MS_RDONLY));
    assert_not_writable(state, EROFS);
    umount2(state, MNT_DETACH);
    rm_rf(tmp);
    return;
  }
  if (!can_mount_tmpfs()) {
    g_test_skip("cannot mount tmpfs here (needs root or unprivileged user namespaces); "
                "a read-only file system is not simulated");
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
}

/* An ext4 image on a loop device, mounted at where with errors=remount-ro (in the caller's
 * private mount namespace). Returns the file that makes the file system fail as a disk error
 * does, turning it read-only under open files: /sys/fs/ext4/<dev>/trigger_fs_error. NULL
 * when any of this is not permitted here. */
static char *
mount_ext4_image(const char *image, const char *where)
{
  int fd = open(image, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0)
    return NULL;
  gboolean sized = ftruncate(fd, 16 * 1024 * 1024) == 0;
  close(fd);
  const char *mkfs[] = {"mkfs.ext4", "-q", "-F", image, NULL};
  const char *mnt[] = {"mount", "-o", "loop,errors=remount-ro", image, where, NULL};
  int status = -1;
  if (!sized ||
      !g_spawn_sync(NULL, (char **)mkfs, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status(status, NULL))
    return NULL;
  if (!g_spawn_sync(NULL, (char **)mnt, NULL,
                    G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                    NULL, NULL, NULL, NULL, &status, NULL) ||
      !g_spawn_check_wait_status(status, NULL))
    return NULL;
  struct stat st;
  if (stat(where, &st) < 0)
    return NULL;
  g_autofree char *link =
      g_strdup_printf("/sys/dev/block/%u:%u", major(st.st_dev), minor(st.st_dev));
  g_autofree char *target = g_file_read_link(link, NULL);
  if (!target)
    return NULL;
  g_autofree char *dev = g_path_get_basename(target);
  char *trigger = g_build_filename("/sys/fs/ext4", dev, "trigger_fs_error", NULL);
  if (access(trigger, W_OK) == 0)
    return trigger;
  g_free(trigger);
  return NULL;
}

static gboolean
can_fail_ext4(void)
{
  pid_t pid = fork();
  g_assert_cmpint(pid, >=, 0);
  if (pid == 0) {
    g_autofree char *tmp = g_dir_make_tmp("boothd-probe-XXXXXX", NULL);
    g_autofree char *image = tmp ? g_build_filename(tmp, "ext4.img", NULL) : NULL;
    g_autofree char *where = tmp ? g_build_filename(tmp, "mnt", NULL) : NULL;
    g_autofree char *trigger = NULL;
    if (tmp && mkdir(where, 0700) == 0 && enter_mount_namespace())
      trigger = mount_ext4_image(image, where);
    if (trigger)
      umount2(where, MNT_DETACH);
    if (tmp)
      rm_rf(tmp);
    _exit(trigger ? 0 : 1);
  }
  int status = 0;
  g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

static void
assert_read_only_advice(const GError *error)
{
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  if (!strstr(error->message, booth_dir_advice(EROFS)))
    g_error("expected the read-only advice \"%s\" in \"%s\"", booth_dir_advice(EROFS),
            error->message);
}

/* SQLite's "disk I/O error" gets the advice for what writing to the state folder fails with,
 * as the photo files do; without such a reason it is the disk's. */
static void
test_db_advice(void)
{
  g_assert_cmpstr(booth_store_db_advice(SQLITE_IOERR_WRITE, EROFS), ==, booth_dir_advice(EROFS));
  g_assert_cmpstr(booth_store_db_advice(SQLITE_IOERR_FSYNC, ENOSPC), ==, "free disk space");
  g_assert_cmpstr(booth_store_db_advice(SQLITE_IOERR_WRITE, EIO), ==, booth_dir_advice(EIO));
  g_assert_nonnull(strstr(booth_store_db_advice(SQLITE_IOERR_WRITE, 0), "(dmesg)"));
  g_assert_cmpstr(booth_store_db_advice(SQLITE_READONLY, EROFS), ==, booth_dir_advice(EROFS));
  g_assert_nonnull(strstr(booth_store_db_advice(SQLITE_READONLY, 0), "its owner"));
  g_assert_cmpstr(booth_store_db_advice(SQLITE_FULL, 0), ==, "free disk space");
  g_assert_nonnull(strstr(booth_store_db_advice(SQLITE_CORRUPT, 0), "restore it from a backup"));
  g_assert_nonnull(strstr(booth_store_db_advice(SQLITE_BUSY, 0), "another program"));
}

/* The state folder turns read-only under a running store (a disk error on a file system
 * mounted errors=remount-ro): every call that writes says so, Cancel included. */
static void
test_read_only_later(void)
{
  if (g_test_subprocess()) {
    g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
    g_autofree char *image = g_build_filename(tmp, "ext4.img", NULL);
    g_autofree char *state = g_build_filename(tmp, "state", NULL);
    g_assert_cmpint(mkdir(state, 0750), ==, 0);
    g_assert_true(enter_mount_namespace());
    g_autofree char *trigger = mount_ext4_image(image, state);
    g_assert_nonnull(trigger);

    g_autoptr(GError) error = NULL;
    g_autoptr(BoothStore) store = booth_store_open(state, &error);
    g_assert_no_error(error);
    g_autoptr(GBytes) cand = jpeg_like(480, 640, 3000, 1);
    for (int i = 0; i < 2; i++) {
      g_autofree char *id = g_strdup_printf("ro-%d", i);
      begin(store, id, NULL, 0);
      save_both(store, id, cand, cand);
    }
    /* The kernel logs an ext4 error for this; it is the test's, not the disk's. */
    int fd = open(trigger, O_WRONLY | O_CLOEXEC);
    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(write(fd, "1", 1), ==, 1);
    close(fd);

    g_assert_false(booth_store_end(store, "ro-0", "cancelled", NULL, 1, &error));
    assert_read_only_advice(error);
    g_clear_error(&error);
    g_assert_false(booth_store_end(store, "ro-0", "abandoned", NULL, 1, &error));
    assert_read_only_advice(error);
    g_clear_error(&error);
    g_assert_false(save_candidates(store, "ro-1", cand, cand, NULL, &error));
    assert_read_only_advice(error);
    g_clear_error(&error);
    BoothPhotoOut photo = {"chsi-upload", cand, 480, 640, 90};
    g_autoptr(BoothRecord) rec = new_record("ro-1", NULL);
    g_assert_false(booth_store_commit(store, rec, &photo, 1, &error));
    assert_read_only_advice(error);
    g_clear_error(&error);

    g_clear_pointer(&store, booth_store_free);
    umount2(state, MNT_DETACH);
    rm_rf(tmp);
    return;
  }
  if (!can_fail_ext4()) {
    g_test_skip("cannot mount an ext4 image on a loop device and make it fail here (needs root, "
                "loop devices, mkfs.ext4 and /sys/fs/ext4); a read-only file system is not "
                "simulated");
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
}

static void
test_open_damaged(void)
{
  g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
  g_autofree char *state = g_build_filename(tmp, "state", NULL);
  g_autofree char *db_path = g_build_filename(state, "records.db", NULL);
  g_assert_cmpint(mkdir(state, 0750), ==, 0);
  g_autoptr(GBytes) junk = jpeg_like(10, 10, 8192, 0x5a);
  write_bytes(db_path, junk);

  g_autoptr(GError) error = NULL;
  g_autoptr(BoothStore) store = booth_store_open(state, &error);
  g_assert_null(store);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, db_path));
  g_assert_nonnull(strstr(error->message, "left untouched"));
  g_autoptr(GBytes) after = read_bytes(db_path);
  g_assert_true(g_bytes_equal(after, junk));

  /* A database from a newer boothd is refused the same way. */
  g_clear_error(&error);
  g_assert_cmpint(unlink(db_path), ==, 0);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
  sqlite3_close(db);
  store = booth_store_open(state, &error);
  g_assert_null(store);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, "schema version 99"));
  rm_rf(tmp);
}

/* ENOSPC from a real 64 KiB tmpfs mounted over photos/ and candidates/. */
static void
test_full_disk(void)
{
  if (g_test_subprocess()) {
    g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", NULL);
    g_autofree char *state = g_build_filename(tmp, "state", NULL);
    g_autofree char *photos = g_build_filename(state, "photos", NULL);
    g_autofree char *cands = g_build_filename(state, "candidates", NULL);
    g_assert_cmpint(g_mkdir_with_parents(photos, 0750), ==, 0);
    g_assert_cmpint(g_mkdir_with_parents(cands, 0750), ==, 0);
    g_assert_true(enter_mount_namespace());
    g_assert_true(mount_tmpfs(photos, "size=64k", 0));
    g_assert_true(mount_tmpfs(cands, "size=64k", 0));

    g_autoptr(GError) error = NULL;
    g_autoptr(BoothStore) store = booth_store_open(state, &error);
    g_assert_no_error(error);
    begin(store, "full", NULL, 0);

    g_autoptr(GBytes) big = jpeg_like(480, 640, 100 * 1024, 1);
    g_assert_false(save_candidates(store, "full", big, NULL, NULL, &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
    g_assert_nonnull(strstr(error->message, g_strerror(ENOSPC)));
    g_assert_nonnull(strstr(error->message, "free disk space"));
    g_clear_error(&error);
    g_assert_cmpuint(count_files(cands), ==, 0);

    g_autoptr(GBytes) cand = jpeg_like(480, 640, 8 * 1024, 2);
    save_both(store, "full", cand, NULL);

    /* The first photo fits, the second does not: neither may be left behind. */
    g_autoptr(GBytes) small = jpeg_like(480, 640, 20 * 1024, 3);
    g_assert_false(save_candidates(store, "full", small, big, NULL, &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
    g_assert_nonnull(strstr(error->message, "capture again once this is fixed"));
    g_clear_error(&error);
    g_assert_cmpuint(count_files(cands), ==, 1); /* the earlier capture's, untouched */

    BoothPhotoOut photos_out[] = {{"chsi-final", small, 480, 640, 80},
                                  {"chsi-upload", big, 480, 640, 95}};
    g_autoptr(BoothRecord) rec = new_record("full", NULL);
    g_assert_false(booth_store_commit(store, rec, photos_out, 2, &error));
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
    g_autofree char *target = g_build_filename(photos, "full_chsi-upload.jpg", NULL);
    g_autofree char *expected =
        g_strdup_printf("cannot write %s: %s — free disk space", target, g_strerror(ENOSPC));
    if (!strstr(error->message, expected))
      g_error("expected \"%s\" in \"%s\"", expected, error->message);
    g_assert_nonnull(strstr(error->message, "the candidate is kept"));
    g_clear_error(&error);
    g_assert_cmpuint(count_files(photos), ==, 0);
    g_autoptr(BoothRecord) still = booth_store_get(store, "full", &error);
    g_assert_cmpstr(still->status, ==, "active");
    g_assert_cmpuint(still->files->len, ==, 0);
    g_autofree char *cpath = g_build_filename(cands, "full_chsi-upload.jpg", NULL);
    g_autoptr(GBytes) kept = read_bytes(cpath);
    g_assert_true(g_bytes_equal(kept, cand));

    /* Once the photos fit, the same session commits. */
    g_assert_true(booth_store_commit(store, rec, photos_out, 1, &error));
    g_assert_no_error(error);

    g_clear_pointer(&store, booth_store_free);
    umount2(photos, MNT_DETACH);
    umount2(cands, MNT_DETACH);
    rm_rf(tmp);
    return;
  }
  if (!can_mount_tmpfs()) {
    g_test_skip("cannot mount a small tmpfs here (needs root or unprivileged user namespaces); "
                "a full disk is not simulated");
    return;
  }
  g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed();
}

/* ---- schema upgrade, export ---- */

/* A records.db of schema version 1, as boothd wrote it before exports: opened, it is upgraded
 * in place, keeps its sessions, and they are exported like new ones. */
static void
test_upgrade_v1(void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp("boothd-store-XXXXXX", &error);
  g_autofree char *state = g_build_filename(tmp, "state", NULL);
  g_autofree char *photos = g_build_filename(state, "photos", NULL);
  g_assert_cmpint(g_mkdir_with_parents(photos, 0750), ==, 0);
  g_autofree char *db_path = g_build_filename(state, "records.db", NULL);
  sqlite3 *db = NULL;
  g_assert_cmpint(sqlite3_open(db_path, &db), ==, SQLITE_OK);
  g_assert_cmpint(
      sqlite3_exec(
          db,
          "CREATE TABLE sessions (id TEXT PRIMARY KEY, code BLOB, operator TEXT,"
          " profile TEXT, status TEXT NOT NULL, started_at INTEGER, ended_at INTEGER,"
          " attempts INTEGER, checks TEXT, overrides TEXT, note TEXT);"
          "CREATE TABLE files (session_id TEXT NOT NULL REFERENCES sessions(id),"
          " profile TEXT NOT NULL, path TEXT NOT NULL, sha256 TEXT, bytes INTEGER,"
          " width INTEGER, height INTEGER, quality INTEGER,"
          " PRIMARY KEY (session_id, profile));"
          "CREATE INDEX sessions_by_start ON sessions (started_at);"
          "INSERT INTO sessions VALUES ('old-1', X'41', 'op', 'chsi-upload', "
          " 'committed', 1000, 2000, 2,"
          " '{\"chsi-upload\":[{\"name\":\"tilt\",\"pass\":false,\"value\":7,"
          "\"unit\":\"deg\"}]}', 'chsi-upload/tilt', NULL);"
          "INSERT INTO files VALUES ('old-1', 'chsi-upload',"
          " 'photos/old-1_chsi-upload.jpg', "
          " 'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb', 1, 0, 0, 0);"
          "PRAGMA user_version = 1;",
          NULL, NULL, NULL),
      ==, SQLITE_OK);
  sqlite3_close(db);
  g_autofree char *photo = g_build_filename(photos, "old-1_chsi-upload.jpg", NULL);
  g_assert_true(g_file_set_contents(photo, "a", 1, NULL));

  g_autoptr(BoothStore) store = booth_store_open(state, &error);
  g_assert_no_error(error);
  g_autoptr(BoothRecord) rec = booth_store_get(store, "old-1", &error);
  g_assert_no_error(error);
  g_assert_cmpint(rec->code_at, ==, 0);
  g_assert_null(rec->exported);

  BoothExportQuery q = {0, NULL, FALSE};
  g_autoptr(GPtrArray) rows = booth_store_export_rows(store, &q, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(rows->len, ==, 1);
  BoothManifestRow *row = rows->pdata[0];
  g_assert_cmpstr(row->file, ==, "old-1_chsi-upload.jpg");
  g_assert_cmpstr(row->source, ==, photo);
  g_assert_cmpuint(row->checks->len, ==, 1);
  BoothManifestCheck *c = row->checks->pdata[0];
  g_assert_cmpstr(c->name, ==, "tilt");
  g_assert_cmpint(c->verdict, ==, BOOTH_VERDICT_OVERRIDDEN);
  g_assert_cmpfloat(c->value, ==, 7);

  /* Written into a folder, then marked: the next query without all finds nothing. */
  g_autofree char *out = g_build_filename(tmp, "out", NULL);
  g_assert_cmpint(mkdir(out, 0750), ==, 0);
  int fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  g_autoptr(GPtrArray) cleaned = g_ptr_array_new_with_free_func(g_free);
  gint64 bytes = 0;
  g_assert_true(booth_export_write(fd, out, "b-1", 1, rows, cleaned, &bytes, &error));
  g_assert_no_error(error);
  g_assert_cmpint(bytes, ==, 1);
  g_assert_true(booth_store_export_mark(store, "b-1", 1, rows, &error));
  g_assert_no_error(error);
  g_autoptr(GPtrArray) again = booth_store_export_rows(store, &q, &error);
  g_assert_cmpuint(again->len, ==, 0);
  q.all = TRUE;
  g_autoptr(GPtrArray) all = booth_store_export_rows(store, &q, &error);
  g_assert_cmpuint(all->len, ==, 1);
  g_autoptr(BoothRecord) marked = booth_store_get(store, "old-1", &error);
  g_assert_cmpstr(marked->exported, ==, "b-1");

  /* The photo changed in the store: refused by name, and nothing is left in the folder. */
  g_assert_true(g_file_set_contents(photo, "b", 1, NULL));
  g_assert_false(booth_export_write(fd, out, "b-2", 1, all, cleaned, &bytes, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_STORAGE);
  g_assert_nonnull(strstr(error->message, "damaged"));
  g_autofree char *partial = g_build_filename(out, ".b-2.partial", NULL);
  g_assert_false(g_file_test(partial, G_FILE_TEST_EXISTS));
  close(fd);
  g_clear_pointer(&store, booth_store_free);
  rm_rf(tmp);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD("/store/round-trip", test_round_trip);
  ADD("/store/code-arrives-later", test_code_arrives_later);
  ADD("/store/commit-twice", test_commit_twice);
  ADD("/store/invalid-arguments", test_invalid_arguments);
  ADD("/store/unknown-and-duplicate", test_unknown_and_duplicate);
  ADD("/store/end", test_end);
  ADD("/store/open-candidate", test_open_candidate);
  ADD("/store/open-candidate-thread", test_open_candidate_thread);
  ADD("/store/list", test_list);
  ADD("/store/reopen-and-wal", test_reopen_and_wal);
  ADD("/store/commit-record-failure", test_commit_record_failure);
  ADD("/store/reconcile/tmp-files", test_reconcile_tmp);
  ADD("/store/reconcile/photo-of-active-session", test_reconcile_photo_of_active);
  ADD("/store/reconcile/photo-without-session", test_reconcile_photo_without_session);
  ADD("/store/reconcile/missing-file", test_reconcile_missing_file);
  ADD("/store/reconcile/interrupted", test_reconcile_interrupted);
  ADD("/store/reconcile/candidates", test_reconcile_candidates);
#undef ADD
  g_test_add_func("/store/crash/commit", test_crash_commit);
  g_test_add_func("/store/crash/reconcile", test_crash_reconcile);
  g_test_add_func("/store/crash/photo-lost", test_crash_photo_lost);
  g_test_add_func("/store/crash/intent-unreadable", test_crash_intent_unreadable);
  g_test_add_func("/store/crash/save-candidates", test_crash_save);
  g_test_add_func("/store/jpeg-size", test_jpeg_size);
  g_test_add_func("/store/open/under-a-file", test_open_under_file);
  g_test_add_func("/store/open/unwritable", test_open_unwritable);
  g_test_add_func("/store/open/read-only", test_open_read_only);
  g_test_add_func("/store/open/damaged", test_open_damaged);
  g_test_add_func("/store/full-disk", test_full_disk);
  g_test_add_func("/store/read-only-later", test_read_only_later);
  g_test_add_func("/store/db-advice", test_db_advice);
  g_test_add_func("/store/upgrade-v1-and-export", test_upgrade_v1);
  return g_test_run();
}
