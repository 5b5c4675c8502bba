/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothkiosk: the command line, the language, and the main loop. */
#include "kiosk.h"

#include <glib-unix.h>
#include <glib/gi18n.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>

#include "boothd-build.h"

static char *opt_bus;
static char *opt_language;
static gboolean opt_windowed;
static gboolean opt_self_service;
static gboolean opt_version;

static const GOptionEntry entries[] = {
    {"bus", 0, 0, G_OPTION_ARG_STRING, &opt_bus,
     "The bus boothd is on: system (default), session, or a D-Bus address", "BUS"},
    {"language", 0, 0, G_OPTION_ARG_STRING, &opt_language,
     "zh or en (default: from LANGUAGE, LC_ALL, LC_MESSAGES or LANG; Chinese otherwise)", "LANG"},
    {"windowed", 0, 0, G_OPTION_ARG_NONE, &opt_windowed, "A window instead of the full screen",
     NULL},
    {"self-service", 0, 0, G_OPTION_ARG_NONE, &opt_self_service,
     "The student takes, retakes and confirms the photo with buttons (default: the staff do)",
     NULL},
    {"version", 0, 0, G_OPTION_ARG_NONE, &opt_version, "Print the version and exit", NULL},
    G_OPTION_ENTRY_NULL,
};

/* "en" or "zh": the first language the environment names, in gettext's order; Chinese
 * for anything else, since the booths are in China. */
static const char *
language_from_environment(void)
{
  static const char *const variables[] = {"LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"};

  for (gsize i = 0; i < G_N_ELEMENTS(variables); i++) {
    const char *value = g_getenv(variables[i]);
    if (value != NULL && *value != '\0')
      return g_str_has_prefix(value, "en") ? "en" : "zh";
  }
  return "zh";
}

static void
setup_language(const char *language)
{
  /* The texts are English with a zh_CN catalogue; LANGUAGE picks it or leaves the
   * English. glibc ignores LANGUAGE in the C locale, so a booth without a locale set
   * runs in C.UTF-8, which also gives GTK its UTF-8. */
  const char *locale = setlocale(LC_ALL, "");
  if (locale == NULL || g_str_equal(locale, "C") || g_str_equal(locale, "POSIX"))
    setlocale(LC_ALL, "C.UTF-8");
  g_setenv("LANGUAGE", g_str_equal(language, "en") ? "en" : "zh_CN", TRUE);

  /* BOOTHKIOSK_LOCALEDIR runs the kiosk from its build tree, catalogue and all. */
  const char *localedir = g_getenv("BOOTHKIOSK_LOCALEDIR");
  bindtextdomain(GETTEXT_PACKAGE, localedir != NULL ? localedir : BOOTHKIOSK_LOCALEDIR);
  bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
  textdomain(GETTEXT_PACKAGE);
}

static gboolean
on_quit_signal(gpointer user_data)
{
  g_main_loop_quit(user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
on_close_request(GtkWindow *window, gpointer user_data)
{
  (void)window;
  g_main_loop_quit(user_data);
  return TRUE;
}

int
main(int argc, char **argv)
{
  g_autoptr(GOptionContext) context = g_option_context_new(NULL);
  g_autoptr(GError) error = NULL;

  g_set_prgname("boothkiosk");
  g_option_context_set_summary(context,
                               "The screen the student faces in a boothd photo booth: shows the "
                               "camera, the hints, the photo and what to do next.");
  g_option_context_add_main_entries(context, entries, NULL);
  if (!g_option_context_parse(context, &argc, &argv, &error)) {
    g_printerr("boothkiosk: %s\n", error->message);
    return 2;
  }
  if (opt_version) {
    g_print("boothkiosk %s\n", BOOTH_VERSION);
    return 0;
  }
  if (opt_language != NULL && !g_str_equal(opt_language, "zh") &&
      !g_str_equal(opt_language, "en")) {
    g_printerr("boothkiosk: --language is zh or en, not '%s'\n", opt_language);
    return 2;
  }
  setup_language(opt_language != NULL ? opt_language : language_from_environment());

  /* The locale is ours (above); GTK must not set it again from the environment. */
  gtk_disable_setlocale();
  if (!gtk_init_check()) {
    g_printerr("boothkiosk: cannot open the display\n");
    return 1;
  }

  BoothKiosk kiosk = {
      .bus_spec = opt_bus != NULL ? opt_bus : g_strdup("system"),
      .self_service = opt_self_service,
  };
  g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
  g_unix_signal_add(SIGINT, on_quit_signal, loop);
  g_unix_signal_add(SIGTERM, on_quit_signal, loop);

  kiosk_screens_build(&kiosk, opt_windowed);
  g_signal_connect(kiosk.window, "close-request", G_CALLBACK(on_close_request), loop);
  kiosk_bus_start(&kiosk);
  g_main_loop_run(loop);

  kiosk_bus_stop(&kiosk);
  gtk_window_destroy(GTK_WINDOW(kiosk.window));
  g_free(kiosk.bus_spec);
  g_free(kiosk.bus_problem);
  g_free(kiosk.session_id);
  g_free(opt_language);
  return 0;
}
