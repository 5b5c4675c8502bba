/* The file camera: folders, playlists with durations, their errors, and the frame rate. */
#include <glib/gstdio.h>
#include <string.h>

#include "camera/camera.h"
#include "error.h"

static char *tmpdir;

static char *
frames_path(const char *name)
{
  return g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", name, NULL);
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

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("booth-camera-XXXXXX", NULL);
  g_test_add_func("/camera/playlist-rate", test_playlist_plays_at_rate);
  g_test_add_func("/camera/folder", test_folder);
  g_test_add_func("/camera/errors", test_errors);
  int r = g_test_run();
  g_autofree char *p = g_build_filename(tmpdir, "test.playlist", NULL);
  g_unlink(p);
  g_rmdir(tmpdir);
  return r;
}
