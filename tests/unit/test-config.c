/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Configuration and profile parsing: good files load, and every kind of mistake stops
 * loading with the file, the line and the key in the message: keys set twice with both lines,
 * files that are not regular files or are too large with what they are or how large. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/config.h"
#include "error.h"

static char *tmpdir;

static char *
write_file(const char *name, const char *text)
{
  char *path = g_build_filename(tmpdir, name, NULL);
  g_assert_true(g_file_set_contents(path, text, -1, NULL));
  return path;
}

static void
test_shipped_config(void)
{
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "boothd.conf", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_true(c->auto_start);
  g_assert_cmpfloat(c->fps, ==, 15);
  g_assert_cmpint(c->abandon_timeout, ==, 300);
  g_assert_true(booth_config_load_profiles(c, &error));
  g_assert_no_error(error);
  const BoothProfile *p = booth_config_find_profile(c, "chsi-upload");
  g_assert_nonnull(p);
  g_assert_cmpint(p->width, ==, 480);
  g_assert_cmpint(p->height, ==, 640);
  g_assert_cmpint(p->min_kb, ==, 40);
  g_assert_cmpint(p->max_kb, ==, 200);
  g_assert_cmpint(p->background[1], ==, 197);
  g_assert_null(booth_config_find_profile(c, "passport"));
}

static void
test_final_profile(void)
{
  g_autofree char *path = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles",
                                           "chsi-final.profile", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothProfile) p = booth_profile_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(p->name, ==, "chsi-final");
  g_assert_cmpint(p->min_quality, ==, 60);
  g_assert_cmpint(p->min_kb, ==, 20);
  g_assert_cmpint(p->max_kb, ==, 40);
  g_assert_cmpint(p->dpi, ==, 300);
}

typedef struct {
  const char *text;
  const char *expect; /* a substring of the message */
} Bad;

static void
test_bad_configs(void)
{
  static const Bad cases[] = {
      {"[Booth]\nauto_start=true\nfoo=1\n", ":3: [Booth] foo: unknown key"},
      {"[Booth]\n\n[Cammera]\nfps=3\n", ":3: [Cammera]: unknown group"},
      {"[Camera]\nfps=fast\n", ":2: [Camera] fps: 'fast' is not a number"},
      {"[Camera]\nfps=0\n", ":2: [Camera] fps: 0 is out of range"},
      {"[Booth]\n# comment\nauto_start=maybe\n",
       ":3: [Booth] auto_start: 'maybe' is not a boolean"},
      {"[Booth]\nabandon_timeout=-5\n", ":2: [Booth] abandon_timeout: -5 is out of range"},
      {"[Booth]\nabandon_timeout=12abc\n", "'12abc' is not an integer"},
      {"[Booth]\nprofiles=chsi-upload;../../etc/passwd\n", "is not a valid name"},
      {"[Booth]\nauto_start\n", "boothd.conf"},
      {"[Booth]\nallowed_group=\n", "[Booth] allowed_group: value must be 1 to 64"},
      {"[Analysis]\ncode_max_bytes=100000\n", "code_max_bytes: 100000 is out of range"},
      {"[Camera]\nrotation=45\n", ":2: [Camera] rotation: '45' is not a rotation"},
      {"[Camera]\n\npixel_format=H264\n", ":3: [Camera] pixel_format: 'H264' is not a pixel"},
      {"[Camera]\nexposure_compensation=9\n", "exposure_compensation: 9 is out of range"},
      {"[Camera]\nwidth=1920\n", "[Camera] width and height"},
      {"[Camera]\nmax_restarts=-1\n", "max_restarts: -1 is out of range"},
      {"[Camera]\nmax_frame_pixels=100000001\n",
       ":2: [Camera] max_frame_pixels: 100000001 is out of range 100000..100000000"},
      /* A key set twice: GKeyFile alone would keep the last one without a word. */
      {"[Camera]\nfps=15\nfps=30\n", ":3: [Camera] fps: set again (first at line 2); keep one"},
      {"[Camera]\nfps=15\n[Booth]\nauto_start=true\n[Camera]\n  fps = 30\n",
       ":6: [Camera] fps: set again (first at line 2)"},
      {"[Booth]\nprofiles=a\n#profiles=b\n\n\tprofiles =b\n",
       ":5: [Booth] profiles: set again (first at line 2)"},
      {"[Camera]\r\nfps=15\r\nfps=30\r\n", ":3: [Camera] fps: set again (first at line 2)"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = write_file("boothd.conf", cases[i].text);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothConfig) c = booth_config_load(path, &error);
    g_assert_null(c);
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_test_message("case %u: %s", i, error->message);
    if (!strstr(error->message, cases[i].expect))
      g_error("case %u: '%s' does not contain '%s'", i, error->message, cases[i].expect);
    g_assert_nonnull(strstr(error->message, path));
  }
}

static void
test_bad_profiles(void)
{
  static const Bad cases[] = {
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\nmin_kb=300\n", "min_kb 300 is above"},
      {"[Profile]\nwidth=480\nheight=600\nmax_kb=200\n", "is not of aspect 3:4"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\naspect=3x4\n", ":5: [Profile] aspect"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\n[Background]\ncolor=100,197\n",
       ":6: [Background] color"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\n[Background]\ncolor=100,197,256\n",
       "each of R,G,B is 0..255"},
      {"[Profile]\nwidth=480\n", "needs width, height and max_kb"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\nmirror=true\n",
       ":5: [Profile] mirror: unknown key"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\nwidth=600\n",
       ":5: [Profile] width: set again (first at line 2); keep one of the two"},
      {"[Profile]\nwidth=480\nheight=640\nmax_kb=200\n[Checks]\nluma_min=90\n[Profile]\n"
       "dpi=300\n[Checks]\nluma_min=80\n",
       ":10: [Checks] luma_min: set again (first at line 6)"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = write_file("x.profile", cases[i].text);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothProfile) p = booth_profile_load(path, &error);
    g_assert_null(p);
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_test_message("case %u: %s", i, error->message);
    if (!strstr(error->message, cases[i].expect))
      g_error("case %u: '%s' does not contain '%s'", i, error->message, cases[i].expect);
    g_assert_true(g_str_has_prefix(error->message, path));
  }
}

/* A group may be named twice (GKeyFile joins them); only a key set twice in it is refused. */
static void
test_group_twice(void)
{
  g_autofree char *path =
      write_file("boothd.conf", "[Camera]\nfps=10\n[Booth]\nauto_start=false\n[Camera]\n"
                                "capture_timeout=7\n# fps=20\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpfloat(c->fps, ==, 10);
  g_assert_cmpint(c->capture_timeout, ==, 7);
  g_assert_false(c->auto_start);
}

/* Only regular files: a device never ends and a FIFO blocks its reader until someone writes.
 * Run in a child with a time limit, so that a reader that blocks fails instead of hanging. */
static void
test_not_regular(void)
{
  if (!g_test_subprocess()) {
    g_test_trap_subprocess(NULL, 10 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_INHERIT_STDERR);
    g_test_trap_assert_passed();
    return;
  }
  g_autofree char *fifo = g_build_filename(tmpdir, "fifo.conf", NULL);
  g_assert_cmpint(mkfifo(fifo, 0600), ==, 0);
  const struct {
    const char *path;
    const char *what;
  } cases[] = {
      {"/dev/zero", "a character device"},
      {"/dev/urandom", "a character device"},
      {fifo, "a FIFO"},
      {tmpdir, "a directory"},
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *expect =
        g_strdup_printf("%s: is %s, not a regular file", cases[i].path, cases[i].what);
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothConfig) c = booth_config_load(cases[i].path, &error);
    g_assert_null(c);
    g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr(error->message, ==, expect);
    g_clear_error(&error);
    g_autoptr(BoothProfile) p = booth_profile_load(cases[i].path, &error);
    g_assert_null(p);
    g_assert_cmpstr(error->message, ==, expect);
    g_test_message("%s: refused in %.1f ms", cases[i].path,
                   (double)(g_get_monotonic_time() - t0) / 1000);
  }
  g_unlink(fifo);
}

/* Over 256 KiB is refused from the size fstat gives, before the file is read. */
static void
test_too_large(void)
{
  g_autofree char *shipped =
      g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "boothd.conf", NULL);
  g_autofree char *text = NULL;
  gsize len = 0;
  g_assert_true(g_file_get_contents(shipped, &text, &len, NULL));
  /* A real configuration padded with comments: its keys are fine, only its size is not. */
  g_autoptr(GString) big = g_string_new(text);
  while (big->len < 300 * 1024)
    g_string_append(big, "# padding\n");
  g_string_truncate(big, 300 * 1024);
  g_autofree char *path = write_file("big.conf", big->str);
  g_autofree char *expect = g_strconcat(
      path,
      ": the file is 300 KiB (307200 bytes); a configuration file may be at most 256 KiB "
      "(262144 bytes)",
      NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_null(c);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr(error->message, ==, expect);
  g_clear_error(&error);
  /* At the limit it loads. */
  g_string_truncate(big, 256 * 1024);
  g_autofree char *edge = write_file("edge.conf", big->str);
  c = booth_config_load(edge, &error);
  g_assert_no_error(error);
  g_assert_nonnull(c);

  g_autofree char *profile_path = write_file("big.profile", big->str);
  g_string_append_c(big, '\n');
  g_assert_true(g_file_set_contents(profile_path, big->str, (gssize)big->len, NULL));
  g_autoptr(BoothProfile) p = booth_profile_load(profile_path, &error);
  g_assert_null(p);
  g_autofree char *expect_profile = g_strconcat(
      profile_path,
      ": the file is 256.0 KiB (262145 bytes); a profile may be at most 256 KiB (262144 bytes)",
      NULL);
  g_assert_cmpstr(error->message, ==, expect_profile);
}

/* From memory: the same rules as from a file (the size limit too); a NUL byte or bytes that
 * are not UTF-8 are refused with their line. */
static void
test_from_data(void)
{
  static const char text[] = "[Camera]\nfps=12\nmax_frame_pixels=9000000\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load_data(text, strlen(text), "/etc/x/mem.conf", &error);
  g_assert_no_error(error);
  g_assert_cmpfloat(c->fps, ==, 12);
  g_assert_cmpint(c->max_frame_pixels, ==, 9000000);
  g_assert_null(c->profile_dir);
  g_assert_cmpstr(c->profile_path[0], ==, "/etc/x/profiles");
  g_autofree char *vendor = g_build_filename(booth_config_vendor_dir(), "profiles", NULL);
  g_assert_cmpstr(c->profile_path[1], ==, vendor);
  g_clear_pointer(&c, booth_config_free);

  g_autofree char *big = g_strnfill(300 * 1024, '#');
  c = booth_config_load_data(big, 300 * 1024, "mem.conf", &error);
  g_assert_null(c);
  g_assert_cmpstr(error->message, ==,
                  "mem.conf: the text is 300 KiB (307200 bytes); a configuration file may be at "
                  "most 256 KiB (262144 bytes)");
  g_clear_error(&error);

  static const char nul[] = "[Camera]\nfps=12\n\0\n";
  c = booth_config_load_data(nul, sizeof nul - 1, "mem.conf", &error);
  g_assert_null(c);
  g_assert_cmpstr(error->message, ==,
                  "mem.conf:3: a NUL byte: a configuration file is text, and this file is not");
  g_clear_error(&error);
  /* GKeyFile would take a key that is not UTF-8, and the message would quote it. */
  static const char latin1[] = "[Camera]\nfps=12\n\nd\xe9"
                               "bit=3\n";
  c = booth_config_load_data(latin1, sizeof latin1 - 1, "mem.conf", &error);
  g_assert_null(c);
  g_assert_cmpstr(error->message, ==,
                  "mem.conf:4: bytes that are not UTF-8: a configuration file is UTF-8 text (save "
                  "it as UTF-8)");
  g_clear_error(&error);

  static const char profile[] = "[Profile]\nwidth=480\nheight=640\nmax_kb=200\n";
  g_autoptr(BoothProfile) p =
      booth_profile_load_data(profile, strlen(profile), "/x/passport.profile", &error);
  g_assert_no_error(error);
  g_assert_cmpstr(p->name, ==, "passport");
  g_assert_cmpint(p->width, ==, 480);
}

static void
test_missing_profile(void)
{
  g_autofree char *path = write_file("boothd.conf", "[Booth]\nprofiles=chsi-upload;nope\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_false(booth_config_load_profiles(c, &error));
  /* chsi-upload is not beside this file, but the vendor's is found; nope is nowhere. */
  g_assert_nonnull(strstr(error->message, "profile 'nope': no nope.profile in "));
}

static void
test_defaults(void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(NULL, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(c->camera, ==, "auto");
  g_assert_cmpstr(c->profiles[0], ==, "chsi-upload");
  g_assert_cmpint(c->code_max_bytes, ==, 4096);
  g_assert_cmpstr(c->pixel_format, ==, "auto");
  g_assert_cmpint(c->camera_width, ==, 0);
  g_assert_cmpint(c->rotation, ==, 0);
  g_assert_cmpint(c->frame_timeout, ==, 5);
  g_assert_cmpint(c->max_restarts, ==, 3);
  g_assert_cmpint(c->max_frame_pixels, ==, 24000000);
  g_assert_false(c->awb_lock);
}

static void
test_camera_keys(void)
{
  g_autofree char *path =
      write_file("boothd.conf", "[Camera]\nwidth=1920\nheight=1080\nviewfinder_width=960\n"
                                "viewfinder_height=540\npixel_format=mjpeg\nrotation=270\n"
                                "exposure_compensation=-1.5\nawb_lock=true\nfocus_timeout=1500\n"
                                "frame_timeout=3\nmax_restarts=0\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_cmpint(c->camera_width, ==, 1920);
  g_assert_cmpint(c->camera_height, ==, 1080);
  g_assert_cmpint(c->viewfinder_width, ==, 960);
  g_assert_cmpint(c->viewfinder_height, ==, 540);
  g_assert_cmpstr(c->pixel_format, ==, "mjpeg");
  g_assert_cmpint(c->rotation, ==, 270);
  g_assert_cmpfloat(c->exposure_compensation, ==, -1.5);
  g_assert_true(c->awb_lock);
  g_assert_cmpint(c->focus_timeout, ==, 1500);
  g_assert_cmpint(c->frame_timeout, ==, 3);
  g_assert_cmpint(c->max_restarts, ==, 0);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp("booth-config-XXXXXX", NULL);
  g_test_add_func("/config/shipped", test_shipped_config);
  g_test_add_func("/config/final-profile", test_final_profile);
  g_test_add_func("/config/bad", test_bad_configs);
  g_test_add_func("/config/bad-profiles", test_bad_profiles);
  g_test_add_func("/config/group-twice", test_group_twice);
  g_test_add_func("/config/not-regular", test_not_regular);
  g_test_add_func("/config/too-large", test_too_large);
  g_test_add_func("/config/from-data", test_from_data);
  g_test_add_func("/config/missing-profile", test_missing_profile);
  g_test_add_func("/config/defaults", test_defaults);
  g_test_add_func("/config/camera-keys", test_camera_keys);
  int r = g_test_run();
  g_autoptr(GDir) d = g_dir_open(tmpdir, 0, NULL);
  const char *n;
  while (d && (n = g_dir_read_name(d))) {
    g_autofree char *p = g_build_filename(tmpdir, n, NULL);
    g_unlink(p);
  }
  g_rmdir(tmpdir);
  return r;
}
