/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The file camera: folders, playlists with durations, their errors, and the frame rate; a
 * bad image in a folder left out with one warning; frames over the pixel limit refused from
 * their header, before they are decoded. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "camera/camera.h"
#include "error.h"

static char *tmpdir;

static char *
frames_path(const char *name)
{
  return g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", name, NULL);
}

/* A new empty folder under tmpdir. */
static char *
make_folder(const char *name)
{
  char *dir = g_build_filename(tmpdir, name, NULL);
  g_assert_cmpint(g_mkdir(dir, 0700), ==, 0);
  return dir;
}

/* Copies the first len bytes of src (all of it for G_MAXSIZE) to dir/name. */
static void
copy_head(const char *src, const char *dir, const char *name, gsize len)
{
  g_autofree char *data = NULL;
  gsize n = 0;
  g_assert_true(g_file_get_contents(src, &data, &n, NULL));
  g_autofree char *dst = g_build_filename(dir, name, NULL);
  g_assert_true(g_file_set_contents(dst, data, (gssize)MIN(n, len), NULL));
}

/* Skips the test unless every tool is installed; returns FALSE then. */
static gboolean
have_tools(const char *const *tools, const char *packages)
{
  for (; *tools; tools++) {
    g_autofree char *p = g_find_program_in_path(*tools);
    if (!p) {
      g_autofree char *msg = g_strdup_printf("%s not installed (Debian: %s)", *tools, packages);
      g_test_skip(msg);
      return FALSE;
    }
  }
  return TRUE;
}

static void
run_sh(const char *cmd)
{
  const char *argv[] = {"/bin/sh", "-ec", cmd, NULL};
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;
  g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error(error);
  if (!g_spawn_check_wait_status(status, &error))
    g_test_message("%s: %s", cmd, err);
  g_assert_no_error(error);
}

static void
remove_tree(const char *path)
{
  g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
  const char *name;
  while (d && (name = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(path, name, NULL);
    if (g_file_test(p, G_FILE_TEST_IS_DIR) && !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
      remove_tree(p);
    else
      g_unlink(p);
  }
  g_rmdir(path);
}

static char *
write_playlist(const char *text)
{
  char *path = g_build_filename(tmpdir, "test.playlist", NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void
test_playlist_plays_at_rate(void)
{
  g_autofree char *code = frames_path("code-1.png");
  g_autofree char *student = frames_path("student.jpg");
  g_autofree char *text = g_strdup_printf("# comment\n%s 0.2\n\n%s 0.2\n", code, student);
  g_autofree char *path = write_playlist(text);
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(path, 0, mb, &error); /* no "file:" */
  g_assert_null(cam);
  /* A spec of no known kind is a configuration error, not a camera that may come later. */
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_clear_error(&error);

  g_autofree char *spec = g_strconcat("file:", path, NULL);
  cam = booth_camera_open(spec, 20, mb, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cam->width, ==, 576); /* the largest frame */
  g_assert_cmpint(cam->height, ==, 768);
  g_assert_true(booth_camera_start(cam, &error));
  gint64 t0 = g_get_monotonic_time();
  guint64 last = 0;
  guint code_frames = 0, student_frames = 0;
  while (g_get_monotonic_time() - t0 < G_USEC_PER_SEC) {
    g_autoptr(BoothFrame) f = booth_mailbox_wait(mb, last, G_USEC_PER_SEC);
    g_assert_nonnull(f);
    last = f->seq;
    if (strcmp(f->origin, "code-1.png") == 0)
      code_frames++;
    else if (strcmp(f->origin, "student.jpg") == 0)
      student_frames++;
  }
  booth_camera_stop(cam);
  BoothMailboxStats s = booth_mailbox_stats(mb);
  g_test_message("1 s at 20 fps: %" G_GUINT64_FORMAT " frames (code %u, student %u)", s.delivered,
                 code_frames, student_frames);
  /* 0.2 s per image at 20 fps is 4 frames each, alternating: both seen, about 20 in all. */
  g_assert_cmpuint(s.delivered, >=, 15);
  g_assert_cmpuint(s.delivered, <=, 22);
  g_assert_cmpuint(code_frames, >=, 6);
  g_assert_cmpuint(student_frames, >=, 6);
}

static void
test_folder(void)
{
  g_autofree char *dir = g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", NULL);
  g_autofree char *spec = g_strconcat("file:", dir, NULL);
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(spec, 30, mb, &error);
  g_assert_no_error(error);
  g_assert_true(booth_camera_start(cam, &error));
  /* Sorted by name: code-1.png, code-2.png, code-path.png, student.jpg, one frame each. */
  const char *want[] = {"code-1.png", "code-2.png", "code-path.png", "student.jpg", "code-1.png"};
  guint64 last = 0;
  for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
    g_autoptr(BoothFrame) f = booth_mailbox_wait(mb, last, G_USEC_PER_SEC);
    g_assert_nonnull(f);
    /* A slow reader may miss frames; the order of those it sees must hold. */
    last = f->seq;
    g_assert_cmpstr(f->origin, ==, want[(f->seq - 1) % 4]);
  }
}

typedef struct {
  const char *playlist;
  const char *expect;
} Bad;

static void
test_errors(void)
{
  g_autofree char *student = frames_path("student.jpg");
  g_autofree char *webp =
      g_build_filename(g_getenv("BOOTH_TEST_DATA"), "portraits", "test1.jpg", NULL);
  g_autofree char *l1 = g_strdup_printf("%s 0\n", student);
  g_autofree char *l2 = g_strdup_printf("%s 2\n%s 5000\n", student, student);
  g_autofree char *l3 = g_strdup_printf("%s 1\n%s 1\n", student, webp);
  const Bad cases[] = {
      {l1, ":1: duration '0' must be between 0 and 3600 seconds"},
      {l2, ":2: duration '5000'"},
      {l3, ":2: file camera: test1.jpg: WebP images are not supported"},
      {"nothing.png 1\n", ":1: file camera:"},
      {"# only a comment\n", "holds no .jpg, .jpeg or .png image"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = write_playlist(cases[i].playlist);
    g_autofree char *spec = g_strconcat("file:", path, NULL);
    g_autoptr(BoothMailbox) mb = booth_mailbox_new();
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothCamera) cam = booth_camera_open(spec, 15, mb, &error);
    g_assert_null(cam);
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA);
    g_test_message("case %u: %s", i, error->message);
    if (!strstr(error->message, cases[i].expect))
      g_error("case %u: '%s' lacks '%s'", i, error->message, cases[i].expect);
  }
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_camera_open("file:/nonexistent/frames", 15, mb, &error));
  g_assert_nonnull(strstr(error->message, "does not exist"));
  g_clear_error(&error);
  g_assert_null(booth_camera_open("v4l2:/dev/video0", 15, mb, &error));
  g_assert_nonnull(strstr(error->message, "is not supported"));
}

/* Plays the camera for a while; every frame must come from one of want, and each of them
 * must be seen. */
static void
assert_plays(BoothCamera *cam, BoothMailbox *mb, const char *const *want)
{
  g_autoptr(GError) error = NULL;
  g_assert_true(booth_camera_start(cam, &error));
  g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
  guint64 last = 0;
  for (int i = 0; i < 12; i++) {
    g_autoptr(BoothFrame) f = booth_mailbox_wait(mb, last, G_USEC_PER_SEC);
    g_assert_nonnull(f);
    last = f->seq;
    g_assert_true(g_strv_contains(want, f->origin));
    g_hash_table_add(seen, g_strdup(f->origin));
  }
  booth_camera_stop(cam);
  g_assert_cmpuint(g_hash_table_size(seen), ==, g_strv_length((char **)want));
}

/* One corrupt image among good ones: left out with one warning, and the good ones play.
 * In a child, whose stderr (the log) is read. */
static void
test_folder_skips_bad(void)
{
  if (!g_test_subprocess()) {
    g_test_trap_subprocess(NULL, 20 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
    g_test_trap_assert_stderr("*warning camera: file camera: broken.jpg: truncated or corrupt "
                              "JPEG*; left out, the folder plays without it\n*");
    g_test_trap_assert_stderr_unmatched("*warning*warning*");
    g_test_trap_assert_stderr("*info camera: file camera *: 2 images (1 left out), up to 576x768*");
    return;
  }
  g_autofree char *dir = make_folder("one-bad");
  g_autofree char *student = frames_path("student.jpg");
  g_autofree char *code = frames_path("code-1.png");
  g_autofree char *student_data = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(student, &student_data, &len, NULL));
  copy_head(student, dir, "broken.jpg", len / 2); /* sorts first */
  copy_head(code, dir, "code-1.png", G_MAXSIZE);
  copy_head(student, dir, "student.jpg", G_MAXSIZE);

  g_autofree char *spec = g_strconcat("file:", dir, NULL);
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(spec, 30, mb, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cam->width, ==, 576);
  g_assert_cmpint(cam->height, ==, 768);
  const char *want[] = {"code-1.png", "student.jpg", NULL};
  assert_plays(cam, mb, want);
}

/* Only when no image in the folder can be played does the camera fail, naming the first. */
static void
test_folder_all_bad(void)
{
  g_autofree char *dir = make_folder("all-bad");
  g_autofree char *student = frames_path("student.jpg");
  copy_head(student, dir, "broken.jpg", 1000);
  g_autofree char *fifo = g_build_filename(dir, "fifo.png", NULL);
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  g_autofree char *spec = g_strconcat("file:", dir, NULL);
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(spec, 15, mb, &error);
  g_assert_null(cam);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA);
  g_test_message("%s", error->message);
  g_autofree char *expect = g_strdup_printf(
      "file camera: none of the 2 images in %s can be played; the first: broken.jpg: truncated "
      "or corrupt JPEG",
      dir);
  g_assert_true(g_str_has_prefix(error->message, expect));
}

/* A frame of 4608 x 6144 pixels (28.3 megapixels), the test portrait enlarged eight times by
 * netpbm, over the default limit of 24 megapixels. */
#define BIG_W 4608
#define BIG_H 6144
static const char *const big_tools[] = {"djpeg", "pnmscale", "cjpeg", "pnmtopng", NULL};
#define BIG_MESSAGE                                                                                \
  ": the image is 4608 x 6144 pixels (28.3 megapixels), more than the 24000000 pixels allowed"

static void
make_big_frames(const char *dir)
{
  g_autofree char *student = frames_path("student.jpg");
  g_autofree char *q_student = g_shell_quote(student);
  g_autofree char *q_dir = g_shell_quote(dir);
  g_autofree char *cmd =
      g_strdup_printf("djpeg %s | pnmscale 8 | cjpeg -quality 50 >%s/big.jpg\n"
                      "djpeg %s | pnmscale 8 | pnmtopng -compression 1 >%s/big.png",
                      q_student, q_dir, q_student, q_dir);
  run_sh(cmd);
}

static void
assert_refused(const char *spec, const char *expect)
{
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(spec, 15, mb, &error);
  g_assert_null(cam);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA);
  g_printerr("# %s\n", error->message);
  g_assert_cmpstr(error->message, ==, expect);
}

/* Refused from the header: the files, and their first 64 KiB (the header without the
 * pixels), give the same message, and the process never holds the 85 MB the pixels would
 * take. In a child (which makes the frames with netpbm in processes of their own), so that
 * the peak RSS is this test's alone. */
static void
test_frame_limit(void)
{
  if (!g_test_subprocess()) {
    if (!have_tools(big_tools, "libjpeg-turbo-progs, netpbm"))
      return;
    g_test_trap_subprocess(NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
    return;
  }
  g_autofree char *dir = make_folder("big");
  make_big_frames(dir);
  const char *names[] = {"big.jpg", "big.png"};
  for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
    g_autofree char *path = g_build_filename(dir, names[i], NULL);
    g_autofree char *spec = g_strconcat("file:", path, NULL);
    g_autofree char *expect = g_strconcat("file camera: ", names[i], BIG_MESSAGE, NULL);
    assert_refused(spec, expect);

    g_autofree char *head_name = g_strconcat("head-", names[i], NULL);
    copy_head(path, tmpdir, head_name, 64 * 1024);
    g_autofree char *head = g_build_filename(tmpdir, head_name, NULL);
    g_autofree char *head_spec = g_strconcat("file:", head, NULL);
    g_autofree char *head_expect = g_strconcat("file camera: ", head_name, BIG_MESSAGE, NULL);
    assert_refused(head_spec, head_expect);
  }
  struct rusage ru;
  g_assert_cmpint(getrusage(RUSAGE_SELF, &ru), ==, 0);
  const gint64 pixel_bytes = (gint64)BIG_W * BIG_H * 3;
  /* To stderr: a child's g_test_message() does not reach the log. */
  g_printerr("# peak RSS %ld KiB; the pixels of one frame would take %" G_GINT64_FORMAT " KiB\n",
             ru.ru_maxrss, pixel_bytes / 1024);
  g_assert_cmpint((gint64)ru.ru_maxrss * 1024, <, pixel_bytes);

  /* In a folder they are left out, and the portrait beside them plays. */
  g_autofree char *student = frames_path("student.jpg");
  copy_head(student, dir, "student.jpg", G_MAXSIZE);
  g_autofree char *spec = g_strconcat("file:", dir, NULL);
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open(spec, 30, mb, &error);
  g_assert_no_error(error);
  const char *want[] = {"student.jpg", NULL};
  assert_plays(cam, mb, want);
}

/* The limit is the camera's option ([Camera] max_frame_pixels): an image exactly at it plays,
 * one pixel more is refused. */
static void
test_frame_limit_option(void)
{
  g_autofree char *student = frames_path("student.jpg"); /* 576 x 768 = 442368 pixels */
  g_autofree char *spec = g_strconcat("file:", student, NULL);
  BoothCameraOptions opts;
  booth_camera_options_init(&opts);
  g_assert_cmpint(opts.max_frame_pixels, ==, 24000000);
  opts.max_frame_pixels = 576 * 768 - 1;
  g_autoptr(BoothMailbox) mb = booth_mailbox_new();
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothCamera) cam = booth_camera_open_full(spec, &opts, mb, &error);
  g_assert_null(cam);
  g_assert_cmpstr(error->message, ==,
                  "file camera: student.jpg: the image is 576 x 768 pixels (0.4 megapixels), more "
                  "than the 442367 pixels allowed");
  g_clear_error(&error);
  opts.max_frame_pixels = 576 * 768;
  cam = booth_camera_open_full(spec, &opts, mb, &error);
  g_assert_no_error(error);
  g_assert_cmpint(cam->width, ==, 576);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("booth-camera-XXXXXX", NULL);
  g_test_add_func("/camera/playlist-rate", test_playlist_plays_at_rate);
  g_test_add_func("/camera/folder", test_folder);
  g_test_add_func("/camera/errors", test_errors);
  g_test_add_func("/camera/folder-skips-bad", test_folder_skips_bad);
  g_test_add_func("/camera/folder-all-bad", test_folder_all_bad);
  g_test_add_func("/camera/frame-limit", test_frame_limit);
  g_test_add_func("/camera/frame-limit-option", test_frame_limit_option);
  int r = g_test_run();
  remove_tree(tmpdir);
  return r;
}
