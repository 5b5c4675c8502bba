/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon.h"

#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "analysis/analysis.h"
#include "bus/service.h"
#include "core/capture.h"
#include "core/session.h"
#include "json.h"
#include "boothd-build.h"
#include "log.h"
#include "photo/image.h"

static gboolean
on_signal(gpointer data)
{
  booth_notice("main", "stopping on a signal");
  sd_notify(0, "STOPPING=1");
  g_main_loop_quit(data);
  return G_SOURCE_REMOVE;
}

static void
print_error(const char *file, const char *message)
{
  g_autoptr(GString) s = g_string_new("{\"file\":");
  booth_json_string(s, file);
  g_string_append(s, ",\"error\":");
  booth_json_string(s, message);
  printf("%s}\n", s->str);
}

/* The live analysis on files, and with a profile what Capture would make of each: the crop
 * and every check of the photo, with force (so a photo that fails still shows why). */
/* With --profile: the crop, the photo and every check, as more members of the object. */
static gboolean
analyze_profile(GString *s, BoothAnalyzer *an, BoothFrame *frame, const BoothProfile *profile,
                GError **error)
{
  g_autoptr(BoothCandidate) c =
      booth_capture_process(an, &frame, 1, &profile, 1, "analyze", 1, TRUE, error);
  if (!c)
    return FALSE;
  const BoothPhoto *ph = g_ptr_array_index(c->photos, 0);
  gint32 cx, cy, cw, ch;
  g_variant_lookup(c->report, "crop", "(iiii)", &cx, &cy, &cw, &ch);
  g_string_append(s, ",\"profile\":");
  booth_json_string(s, profile->name);
  g_string_append_printf(s,
                         ",\"crop\":[%d,%d,%d,%d],\"photo\":{\"width\":%d,\"height\":%d,"
                         "\"bytes\":%zu,\"quality\":%d,\"passed\":%s},\"checks\":%s",
                         cx, cy, cw, ch, ph->width, ph->height, g_bytes_get_size(ph->jpeg),
                         ph->quality, ph->failed[0] ? "false" : "true", ph->checks_json);
  return TRUE;
}

static int
run_analyze(BoothConfig *config, const char *profile_name, char **files)
{
  g_autoptr(GError) error = NULL;
  const BoothProfile *profile = g_ptr_array_index(config->loaded_profiles, 0);
  if (profile_name && !(profile = booth_config_find_profile(config, profile_name))) {
    fprintf(stderr, "boothd: unknown profile '%s'\n", profile_name);
    return 2;
  }
  BoothAnalyzerOptions ao = {config->qr_max_side, config->cascade_dir, config->min_face, profile,
                             TRUE};
  g_autoptr(BoothAnalyzer) an = booth_analyzer_new(&ao, &error);
  if (!an) {
    fprintf(stderr, "boothd: %s\n", error->message);
    return 1;
  }
  int status = 0;
  for (int i = 0; files[i]; i++) {
    g_autoptr(BoothFrame) frame = booth_image_load(files[i], &error);
    if (!frame) {
      print_error(files[i], error->message);
      g_clear_error(&error);
      status = 1;
      continue;
    }
    booth_analyzer_set_profile(an, profile);
    g_autoptr(BoothAnalysis) r = booth_analyzer_run(an, frame);
    g_autoptr(GString) s = g_string_new("{");
    booth_analysis_json_members(s, r, files[i]);
    if (profile_name && !analyze_profile(s, an, frame, profile, &error)) {
      print_error(files[i], error->message);
      g_clear_error(&error);
      status = 1;
      continue;
    }
    g_string_append_c(s, '}');
    printf("%s\n", s->str);
  }
  fflush(stdout);
  return status;
}

/* What the command line says about the configuration, applied again at every reload. */
typedef struct {
  const char *config_path; /* NULL: the default files */
  const char *camera;      /* --camera, or NULL */
  const char *state_dir;   /* --state-dir, or NULL */
} Options;

static BoothConfig *
options_load_config(const Options *o, GError **error)
{
  g_autoptr(BoothConfig) c =
      o->config_path ? booth_config_load(o->config_path, error) : booth_config_load_default(error);
  if (!c)
    return NULL;
  if (o->camera) {
    g_free(c->camera);
    c->camera = g_strdup(o->camera);
  }
  if (o->state_dir) {
    g_free(c->state_dir);
    c->state_dir = g_strdup(o->state_dir);
  } else if (g_getenv("STATE_DIRECTORY") &&
             !(o->config_path && g_strcmp0(c->state_dir, "/var/lib/boothd") != 0)) {
    g_free(c->state_dir);
    c->state_dir = g_strdup(g_getenv("STATE_DIRECTORY"));
  }
  if (!booth_config_load_profiles(c, error))
    return NULL;
  return g_steal_pointer(&c);
}

typedef struct {
  Booth *booth;
  const Options *options;
} Reload;

/* SIGHUP (systemctl reload): the configuration and the profiles read again. A bad one is
 * refused with its file, line and key, and boothd goes on with the one it has. */
static gboolean
on_reload(gpointer data)
{
  Reload *r = data;
  g_autoptr(GError) error = NULL;
  sd_notify(0, "RELOADING=1");
  BoothConfig *config = options_load_config(r->options, &error);
  if (!config) {
    booth_warn("main", "reload refused, the configuration in use stays: %s", error->message);
  } else {
    g_autofree char *files =
        config->files[0] ? g_strjoinv(", ", config->files) : g_strdup("none (built-in defaults)");
    g_auto(GStrv) later = booth_reconfigure(r->booth, config);
    g_autofree char *keys = g_strjoinv(", ", later);
    if (later[0])
      booth_notice("main",
                   "configuration reloaded from %s; these keys changed and take effect when "
                   "boothd restarts (systemctl restart boothd): %s",
                   files, keys);
    else
      booth_notice("main", "configuration reloaded from %s", files);
  }
  sd_notify(0, "READY=1");
  return G_SOURCE_CONTINUE;
}

/* What systemd sees: the state in STATUS=, and the watchdog kept alive by the main loop. */
typedef struct {
  Booth *booth;
  BoothState state;
  guint watchdog;
} Systemd;

static void
systemd_on_changed(BoothChange what, gpointer data)
{
  (void)what;
  Systemd *sd = data;
  BoothState st = booth_get_state(sd->booth);
  if (st == sd->state)
    return;
  sd->state = st;
  const BoothSession *s = booth_get_session(sd->booth);
  const char *error = booth_get_camera_error(sd->booth);
  if (s)
    sd_notifyf(0, "STATUS=Session %s: %s", s->id, booth_state_name(st));
  else if (st == BOOTH_STATE_ERROR)
    sd_notifyf(0, "STATUS=No camera: %s", error ? error : "unknown");
  else
    sd_notify(0, "STATUS=Idle, scanning for capture codes");
}

static gboolean
watchdog_tick(gpointer data)
{
  (void)data;
  sd_notify(0, "WATCHDOG=1");
  return G_SOURCE_CONTINUE;
}

int
booth_main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
  booth_log_init();

  g_autofree char *bus = NULL, *config_path = NULL, *camera = NULL, *state_dir = NULL;
  gboolean verbose = FALSE, version = FALSE, analyze = FALSE, check_config = FALSE;
  g_autofree char *profile = NULL;
  g_auto(GStrv) files = NULL;
  const GOptionEntry entries[] = {
      {"bus", 0, 0, G_OPTION_ARG_STRING, &bus, "system (default), session, or a D-Bus address",
       "BUS"},
      {"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
       "Configuration file, with its drop-ins FILE.d/*.conf (default: the vendor's, "
       "then " BOOTH_SYSCONFDIR "/boothd.conf and " BOOTH_SYSCONFDIR "/boothd.conf.d/*.conf)",
       "FILE"},
      {"check-config", 0, 0, G_OPTION_ARG_NONE, &check_config,
       "Read the configuration and the profiles, say what is wrong or list the files read, "
       "and exit (0 good, 1 bad)",
       NULL},
      {"camera", 0, 0, G_OPTION_ARG_STRING, &camera, "Camera: auto, libcamera:ID or file:PATH",
       "SPEC"},
      {"state-dir", 0, 0, G_OPTION_ARG_FILENAME, &state_dir,
       "Photos and records (default $STATE_DIRECTORY or /var/lib/boothd)", "DIR"},
      {"verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debug messages", NULL},
      {"version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version and exit", NULL},
      {"analyze", 0, 0, G_OPTION_ARG_NONE, &analyze,
       "Analyse image files (JPEG, PNG) and print one JSON object per file; no bus", NULL},
      {"profile", 0, 0, G_OPTION_ARG_STRING, &profile,
       "With --analyze: also the crop and every check of the photo for this profile", "NAME"},
      {G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &files, NULL, "[FILE...]"},
      {NULL, 0, 0, 0, NULL, NULL, NULL},
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new("- ID-photo booth camera daemon");
  g_option_context_add_main_entries(ctx, entries, NULL);
  g_option_context_set_description(
      ctx, "boothd owns the booth's camera, scans capture codes, and serves org.boothd.Booth1 on "
           "D-Bus.\nDrive it with boothctl.");
  g_autoptr(GError) error = NULL;
  if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
    fprintf(stderr, "boothd: %s (see --help)\n", error->message);
    return 2;
  }
  if (version) {
    printf("boothd %s\n", BOOTH_VERSION);
    return 0;
  }
  booth_log_set_verbose(verbose);
  if (files && !analyze) {
    fprintf(stderr, "boothd: unexpected argument '%s' (files are for --analyze)\n", files[0]);
    return 2;
  }

  if (analyze && !files) {
    fprintf(stderr, "boothd: --analyze needs at least one image file\n");
    return 2;
  }
  Options opts = {config_path, camera, state_dir};
  g_autoptr(BoothConfig) config = options_load_config(&opts, &error);
  if (!config) {
    fprintf(stderr, "boothd: %s\n", error->message);
    return 1;
  }
  if (analyze)
    return run_analyze(config, profile, files);
  g_autofree char *files_read =
      config->files[0] ? g_strjoinv(", ", config->files) : g_strdup("none (built-in defaults)");
  g_autofree char *profile_names = g_strjoinv(", ", config->profiles);
  if (check_config) {
    printf("configuration files: %s\nprofiles: %s\ncamera: %s\nstate folder: %s\n", files_read,
           profile_names, config->camera, config->state_dir);
    return 0;
  }

  if (strcmp(config->allowed_group, BOOTH_OPERATOR_GROUP) != 0)
    booth_warn("main",
               "[Booth] allowed_group is %s, but the installed bus policy lets group %s through: "
               "members of %s are refused by the bus before boothd sees them; add a bus policy "
               "for %s (/etc/dbus-1/system.d/) or build with -Doperator_group=%s",
               config->allowed_group, BOOTH_OPERATOR_GROUP, config->allowed_group,
               config->allowed_group, config->allowed_group);
  booth_notice("main", "boothd %s starting: camera %s, state %s, profiles %s, configuration %s",
               BOOTH_VERSION, config->camera, config->state_dir, profile_names, files_read);
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  /* The bus first: without one boothd says so and leaves the state folder untouched. */
  BoothService *svc = booth_service_connect(bus ? bus : "system", &error);
  if (!svc) {
    booth_warn("main", "cannot start: %s", error->message);
    fprintf(stderr, "boothd: %s\n", error->message);
    return 1;
  }
  Booth *b = booth_new(g_steal_pointer(&config), &error);
  if (!b || !booth_service_export(svc, b, &error)) {
    booth_warn("main", "cannot start: %s", error->message);
    fprintf(stderr, "boothd: %s\n", error->message);
    booth_free(b);
    booth_service_free(svc);
    return 1;
  }
  Systemd sd = {b, BOOTH_STATE_IDLE, 0};
  BoothListener listener = {.changed = systemd_on_changed};
  booth_add_listener(b, &listener, &sd);
  /* After the bus, so no scan goes unseen. */
  booth_start_frames(b);
  sd_notify(0, "READY=1");
  uint64_t wd_usec = 0;
  if (sd_watchdog_enabled(0, &wd_usec) > 0 && wd_usec > 0)
    sd.watchdog = g_timeout_add((guint)(wd_usec / 2000), watchdog_tick, NULL);
  Reload reload = {b, &opts};
  g_unix_signal_add(SIGHUP, on_reload, &reload);
  g_unix_signal_add(SIGTERM, on_signal, loop);
  g_unix_signal_add(SIGINT, on_signal, loop);
  g_main_loop_run(loop);
  g_clear_handle_id(&sd.watchdog, g_source_remove);
  /* The booth finishes the calls it works on, and the answers still reach the bus. */
  booth_service_stop(svc);
  booth_free(b);
  booth_service_free(svc);
  booth_notice("main", "stopped");
  return 0;
}
