/* Configuration and profile parsing: good files load, and every kind of mistake stops
 * loading with the file, the line and the key in the message. */
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"
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
  };
  for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
    g_autofree char *path = write_file("x.profile", cases[i].text);
    g_autoptr(GError) error = NULL;
    g_autoptr(BoothProfile) p = booth_profile_load(path, &error);
    g_assert_null(p);
    g_test_message("case %u: %s", i, error->message);
    if (!strstr(error->message, cases[i].expect))
      g_error("case %u: '%s' does not contain '%s'", i, error->message, cases[i].expect);
  }
}

static void
test_missing_profile(void)
{
  g_autofree char *path = write_file("boothd.conf", "[Booth]\nprofiles=chsi-upload;nope\n");
  g_autoptr(GError) error = NULL;
  g_autoptr(BoothConfig) c = booth_config_load(path, &error);
  g_assert_no_error(error);
  g_assert_false(booth_config_load_profiles(c, &error));
  g_assert_nonnull(strstr(error->message, "profile 'chsi-upload'")); /* none beside this file */
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
