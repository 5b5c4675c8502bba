/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The window and its six screens. kiosk_update() derives the screen and every text from
 * what the kiosk knows (bus.c keeps that), so the screen is the same whatever order the
 * events came in, and after a restart of either program. Every text a person reads is a
 * GtkLabel and the key widgets carry stable accessible names, so the screen can be read
 * through the accessibility tree (the kiosk tests do). */
#include "kiosk.h"

#include "preview-view.h"

#include <glib/gi18n.h>
#include <string.h>

#define FLASH_MS 300
#define COUNTDOWN_S 3
#define MAX_HINTS_SHOWN 3

/* Type readable from a metre away on a booth's screen. */
static const char css[] = "window { background: #10151c; color: #ffffff; }\n"
                          ".title { font-size: 44pt; font-weight: bold; }\n"
                          ".hint { font-size: 32pt; }\n"
                          ".body { font-size: 24pt; }\n"
                          ".reason { font-size: 16pt; color: #c8d0da; }\n"
                          ".countdown { font-size: 96pt; font-weight: bold; }\n"
                          ".placeholder { font-size: 24pt; color: #9aa4b0; background: #202833; }\n"
                          "button { font-size: 28pt; padding: 16px 48px; }\n"
                          ".flash { background: #ffffff; color: #10151c; }\n"
                          "levelbar block.filled { background: #33cc55; }\n";

static const char *const screen_names[] = {"idle",   "framing", "processing",
                                           "review", "done",    "trouble"};

static GtkWidget *
label_new(const char *css_class, const char *text)
{
  GtkWidget *label = gtk_label_new(text);

  gtk_label_set_wrap(GTK_LABEL(label), TRUE);
  gtk_label_set_justify(GTK_LABEL(label), GTK_JUSTIFY_CENTER);
  gtk_widget_add_css_class(label, css_class);
  return label;
}

static void
set_name(GtkWidget *widget, const char *name)
{
  gtk_accessible_update_property(GTK_ACCESSIBLE(widget), GTK_ACCESSIBLE_PROPERTY_LABEL, name, -1);
}

static GtkWidget *
page_new(BoothKiosk *k, KioskScreen screen)
{
  GtkWidget *page = gtk_box_new(GTK_ORIENTATION_VERTICAL, 24);

  gtk_widget_set_margin_start(page, 32);
  gtk_widget_set_margin_end(page, 32);
  gtk_widget_set_margin_top(page, 32);
  gtk_widget_set_margin_bottom(page, 32);
  set_name(page, screen_names[screen]);
  gtk_stack_add_named(GTK_STACK(k->stack), page, screen_names[screen]);
  return page;
}

/* A preview with a placeholder label on top, shown while there is no picture. */
static GtkWidget *
preview_new(gboolean guides, GtkWidget **view, GtkWidget **placeholder)
{
  GtkWidget *overlay = gtk_overlay_new();

  *view = kiosk_preview_view_new(guides);
  set_name(*view, "preview");
  gtk_overlay_set_child(GTK_OVERLAY(overlay), *view);
  *placeholder = label_new("placeholder", _("No camera picture"));
  gtk_widget_set_hexpand(*placeholder, TRUE);
  gtk_widget_set_vexpand(*placeholder, TRUE);
  gtk_overlay_add_overlay(GTK_OVERLAY(overlay), *placeholder);
  gtk_widget_set_hexpand(overlay, TRUE);
  gtk_widget_set_vexpand(overlay, TRUE);
  return overlay;
}

/* ---- self-service buttons ---- */

static gboolean
on_countdown(gpointer user_data)
{
  BoothKiosk *k = user_data;

  if (--k->countdown > 0) {
    kiosk_update(k);
    return G_SOURCE_CONTINUE;
  }
  k->countdown_id = 0;
  kiosk_bus_capture(k);
  return G_SOURCE_REMOVE;
}

static void
on_capture_clicked(GtkButton *button, gpointer user_data)
{
  BoothKiosk *k = user_data;

  (void)button;
  if (k->countdown_id != 0 || k->capturing)
    return;
  k->countdown = COUNTDOWN_S;
  k->countdown_id = g_timeout_add_seconds(1, on_countdown, k);
  kiosk_update(k);
}

static void
on_retake_clicked(GtkButton *button, gpointer user_data)
{
  (void)button;
  kiosk_bus_retake(user_data);
}

static void
on_confirm_clicked(GtkButton *button, gpointer user_data)
{
  (void)button;
  kiosk_bus_commit(user_data);
}

static GtkWidget *
button_new(const char *text, const char *name, GCallback callback, BoothKiosk *k)
{
  GtkWidget *button = gtk_button_new_with_label(text);

  gtk_widget_set_name(button, name);
  g_signal_connect(button, "clicked", callback, k);
  return button;
}

/* ---- building ---- */

static void
build_idle(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_IDLE);

  k->idle_title = label_new("title", "");
  gtk_box_append(GTK_BOX(page), k->idle_title);
  gtk_box_append(GTK_BOX(page), preview_new(FALSE, &k->idle_preview, &k->idle_placeholder));
}

static void
build_framing(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_FRAMING);
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 32);
  GtkWidget *side = gtk_box_new(GTK_ORIENTATION_VERTICAL, 24);

  gtk_box_append(GTK_BOX(page), label_new("title", _("Look at the screen and follow the hints")));
  gtk_widget_set_vexpand(row, TRUE);
  gtk_box_append(GTK_BOX(page), row);
  gtk_box_append(GTK_BOX(row), preview_new(TRUE, &k->framing_preview, &k->framing_placeholder));
  gtk_widget_set_size_request(side, 480, -1);
  gtk_box_append(GTK_BOX(row), side);

  k->hints_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 16);
  set_name(k->hints_box, "hints");
  gtk_widget_set_vexpand(k->hints_box, TRUE);
  gtk_box_append(GTK_BOX(side), k->hints_box);

  k->readiness = gtk_level_bar_new_for_interval(0, 1);
  set_name(k->readiness, "readiness");
  gtk_widget_set_size_request(k->readiness, -1, 24);
  gtk_box_append(GTK_BOX(side), k->readiness);
  k->readiness_label = label_new("body", "");
  gtk_box_append(GTK_BOX(side), k->readiness_label);

  k->framing_problem = label_new("body", "");
  gtk_box_append(GTK_BOX(side), k->framing_problem);
  k->countdown_label = label_new("countdown", "");
  gtk_box_append(GTK_BOX(side), k->countdown_label);
  k->capture_button = button_new(_("Take the photo"), "capture", G_CALLBACK(on_capture_clicked), k);
  gtk_widget_set_visible(k->capture_button, k->self_service);
  gtk_box_append(GTK_BOX(side), k->capture_button);
}

static void
build_processing(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_PROCESSING);

  k->processing_page = page;
  k->processing_title = label_new("title", "");
  gtk_widget_set_vexpand(k->processing_title, TRUE);
  gtk_box_append(GTK_BOX(page), k->processing_title);
}

static void
build_review(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_REVIEW);
  GtkWidget *row = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 32);
  GtkWidget *side = gtk_box_new(GTK_ORIENTATION_VERTICAL, 24);
  /* The photo at its true 3:4, however the screen is shaped. */
  GtkWidget *frame = gtk_aspect_frame_new(0.5, 0.5, 3.0f / 4.0f, FALSE);
  GtkWidget *overlay = gtk_overlay_new();

  gtk_box_append(GTK_BOX(page), label_new("title", _("Please check your photo")));
  gtk_widget_set_vexpand(row, TRUE);
  gtk_box_append(GTK_BOX(page), row);

  gtk_widget_set_hexpand(frame, TRUE);
  gtk_box_append(GTK_BOX(row), frame);
  gtk_aspect_frame_set_child(GTK_ASPECT_FRAME(frame), overlay);
  k->photo = gtk_picture_new();
  gtk_picture_set_can_shrink(GTK_PICTURE(k->photo), TRUE);
  set_name(k->photo, "candidate-photo");
  gtk_overlay_set_child(GTK_OVERLAY(overlay), k->photo);
  k->photo_placeholder = label_new("placeholder", _("Photo not available"));
  gtk_overlay_add_overlay(GTK_OVERLAY(overlay), k->photo_placeholder);

  gtk_widget_set_size_request(side, 560, -1);
  gtk_box_append(GTK_BOX(row), side);
  k->checks_title = label_new("hint", "");
  gtk_box_append(GTK_BOX(side), k->checks_title);
  k->checks_box = gtk_box_new(GTK_ORIENTATION_VERTICAL, 12);
  set_name(k->checks_box, "checks");
  gtk_widget_set_vexpand(k->checks_box, TRUE);
  gtk_box_append(GTK_BOX(side), k->checks_box);
  k->review_problem = label_new("body", "");
  gtk_box_append(GTK_BOX(side), k->review_problem);

  k->review_wait = label_new("hint", _("Please wait for the staff to confirm"));
  gtk_box_append(GTK_BOX(side), k->review_wait);
  k->review_buttons = gtk_box_new(GTK_ORIENTATION_HORIZONTAL, 24);
  gtk_widget_set_halign(k->review_buttons, GTK_ALIGN_CENTER);
  gtk_box_append(GTK_BOX(k->review_buttons),
                 button_new(_("Take it again"), "retake", G_CALLBACK(on_retake_clicked), k));
  gtk_box_append(GTK_BOX(k->review_buttons),
                 button_new(_("Confirm"), "confirm", G_CALLBACK(on_confirm_clicked), k));
  gtk_box_append(GTK_BOX(side), k->review_buttons);
  gtk_widget_set_visible(k->review_wait, !k->self_service);
  gtk_widget_set_visible(k->review_buttons, k->self_service);
}

static void
build_done(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_DONE);
  GtkWidget *title = label_new("title", _("Done — please leave by the back door"));

  gtk_widget_set_vexpand(title, TRUE);
  gtk_box_append(GTK_BOX(page), title);
}

static void
build_trouble(BoothKiosk *k)
{
  GtkWidget *page = page_new(k, KIOSK_SCREEN_TROUBLE);
  GtkWidget *title = label_new("title", _("Please ask the staff for help"));

  gtk_widget_set_vexpand(title, TRUE);
  gtk_widget_set_valign(title, GTK_ALIGN_END);
  gtk_box_append(GTK_BOX(page), title);
  k->trouble_reason = label_new("reason", "");
  set_name(k->trouble_reason, "reason");
  gtk_widget_set_vexpand(k->trouble_reason, TRUE);
  gtk_widget_set_valign(k->trouble_reason, GTK_ALIGN_START);
  gtk_box_append(GTK_BOX(page), k->trouble_reason);
}

void
kiosk_screens_build(BoothKiosk *k, gboolean windowed)
{
  g_autoptr(GtkCssProvider) provider = gtk_css_provider_new();

  gtk_css_provider_load_from_data(provider, css, -1);
  gtk_style_context_add_provider_for_display(gdk_display_get_default(),
                                             GTK_STYLE_PROVIDER(provider),
                                             GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  k->window = gtk_window_new();
  gtk_window_set_title(GTK_WINDOW(k->window), _("Photo booth"));
  k->stack = gtk_stack_new();
  gtk_stack_set_transition_type(GTK_STACK(k->stack), GTK_STACK_TRANSITION_TYPE_NONE);
  gtk_window_set_child(GTK_WINDOW(k->window), k->stack);
  build_idle(k);
  build_framing(k);
  build_processing(k);
  build_review(k);
  build_done(k);
  build_trouble(k);

  if (windowed)
    gtk_window_set_default_size(GTK_WINDOW(k->window), 1280, 800);
  else
    gtk_window_fullscreen(GTK_WINDOW(k->window));
  k->screen = KIOSK_SCREEN_TROUBLE;
  kiosk_update(k);
  gtk_window_present(GTK_WINDOW(k->window));
}

/* ---- what the screens show ---- */

static void
set_text(GtkWidget *label, const char *text)
{
  if (g_strcmp0(gtk_label_get_text(GTK_LABEL(label)), text != NULL ? text : "") != 0)
    gtk_label_set_text(GTK_LABEL(label), text != NULL ? text : "");
  gtk_widget_set_visible(label, text != NULL && *text != '\0');
}

/* Replaces the labels of box by texts, unless they already read so. */
static void
set_lines(GtkWidget *box, GPtrArray *texts, const char *css_class)
{
  GtkWidget *child = gtk_widget_get_first_child(box);
  guint i = 0;

  for (; child != NULL && i < texts->len; child = gtk_widget_get_next_sibling(child), i++) {
    if (g_strcmp0(gtk_label_get_text(GTK_LABEL(child)), g_ptr_array_index(texts, i)) != 0)
      break;
  }
  if (child == NULL && i == texts->len)
    return;
  while ((child = gtk_widget_get_first_child(box)) != NULL)
    gtk_box_remove(GTK_BOX(box), child);
  for (i = 0; i < texts->len; i++)
    gtk_box_append(GTK_BOX(box), label_new(css_class, g_ptr_array_index(texts, i)));
}

static void
add_unique(GPtrArray *texts, const char *text)
{
  for (guint i = 0; i < texts->len; i++) {
    if (g_str_equal(g_ptr_array_index(texts, i), text))
      return;
  }
  g_ptr_array_add(texts, (gpointer)text);
}

static void
update_framing(BoothKiosk *k)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new();

  for (char **h = k->hints; h != NULL && *h != NULL && texts->len < MAX_HINTS_SHOWN; h++)
    add_unique(texts, kiosk_hint_text(*h));
  if (texts->len == 0)
    g_ptr_array_add(texts, _("Good — hold still"));
  set_lines(k->hints_box, texts, "hint");

  double score = CLAMP(k->score, 0, 1);
  gtk_level_bar_set_value(GTK_LEVEL_BAR(k->readiness), score);
  set_text(k->readiness_label, score >= 0.8   ? _("Ready")
                               : score >= 0.5 ? _("Almost ready")
                                              : _("Not ready yet"));
  set_text(k->framing_problem, k->call_problem);

  g_autofree char *count =
      k->countdown_id != 0 ? g_strdup_printf(_("Photo in %d…"), k->countdown) : NULL;
  set_text(k->countdown_label, count);
  gtk_widget_set_sensitive(k->capture_button, k->countdown_id == 0 && !k->capturing);
}

/* The failed checks as "profile/check", NULL while unknown: the Session property's summary
 * of the candidate (in either mode), else the kiosk's own Capture reply, which may come
 * before the property. */
static GVariant *
failed_checks(BoothKiosk *k)
{
  if (kiosk_lookup_bool(k->session, "has_candidate")) {
    GVariant *failed = g_variant_lookup_value(k->session, "candidate_failed", G_VARIANT_TYPE("as"));
    if (failed != NULL)
      return failed;
  }
  if (kiosk_report_is_current(k))
    return g_variant_lookup_value(k->report, "failed", G_VARIANT_TYPE("as"));
  return NULL;
}

static void
update_review(BoothKiosk *k)
{
  g_autoptr(GPtrArray) texts = g_ptr_array_new();
  g_autoptr(GVariant) failed = failed_checks(k);

  gtk_picture_set_paintable(GTK_PICTURE(k->photo), GDK_PAINTABLE(k->candidate));
  set_text(k->photo_placeholder, k->candidate != NULL   ? NULL
                                 : k->candidate_missing ? _("Photo not available")
                                                        : _("Loading the photo…"));

  /* Each check said once in words: both profiles usually fail the same one. */
  for (gsize i = 0; failed != NULL && i < g_variant_n_children(failed); i++) {
    const char *entry;
    g_variant_get_child(failed, i, "&s", &entry);
    const char *slash = strrchr(entry, '/');
    add_unique(texts, kiosk_check_text(slash != NULL ? slash + 1 : entry));
  }
  set_text(k->checks_title, failed == NULL   ? NULL
                            : texts->len > 0 ? _("The photo did not pass these checks:")
                                             : _("The photo meets the standard"));
  set_lines(k->checks_box, texts, "body");
  set_text(k->review_problem, k->call_problem);
  gtk_widget_set_sensitive(k->review_buttons, !k->committing);
}

static gboolean
on_flash_end(gpointer user_data)
{
  gtk_widget_remove_css_class(user_data, "flash");
  return G_SOURCE_REMOVE;
}

static void
show_screen(BoothKiosk *k, KioskScreen screen)
{
  if (screen == KIOSK_SCREEN_PROCESSING && k->screen != KIOSK_SCREEN_PROCESSING) {
    /* The flash tells the student the picture was taken. */
    gtk_widget_add_css_class(k->processing_page, "flash");
    g_timeout_add(FLASH_MS, on_flash_end, k->processing_page);
  }
  if (screen != k->screen)
    g_message("screen %s", screen_names[screen]);
  k->screen = screen;
  /* Only the screen on view is visible, so the accessibility tree holds what the student
   * sees and nothing of the other screens (GtkStack alone keeps them all in the tree). */
  GtkWidget *page = gtk_stack_get_child_by_name(GTK_STACK(k->stack), screen_names[screen]);
  gtk_widget_set_visible(page, TRUE);
  gtk_stack_set_visible_child(GTK_STACK(k->stack), page);
  for (GtkWidget *child = gtk_widget_get_first_child(k->stack); child != NULL;
       child = gtk_widget_get_next_sibling(child))
    gtk_widget_set_visible(child, child == page);
}

/* The reason for the staff, in smaller type under "please ask the staff". */
static char *
trouble_reason(BoothKiosk *k)
{
  if (k->bus_problem != NULL)
    return g_strdup(k->bus_problem);
  if (k->owner == NULL)
    return g_strdup(_("The booth service (boothd) is not running"));
  if (k->storage_problem != NULL)
    return g_strdup(k->storage_problem);
  const char *message = kiosk_lookup_string(k->camera, "message");
  if (message != NULL && *message != '\0')
    return g_strdup_printf(_("Camera: %s"), message);
  return g_strdup_printf(_("The booth reports an error (camera %s)"),
                         kiosk_lookup_string(k->camera, "state") ?: "?");
}

void
kiosk_update(BoothKiosk *k)
{
  gint64 now = g_get_monotonic_time();
  const char *state = k->state != NULL ? k->state : "";
  KioskScreen screen;

  if (k->window == NULL)
    return;
  if (k->bus_problem != NULL || k->owner == NULL)
    screen = KIOSK_SCREEN_TROUBLE;
  else if (now < k->done_until)
    screen = KIOSK_SCREEN_DONE;
  else if (k->storage_problem != NULL || g_str_equal(state, "error"))
    screen = KIOSK_SCREEN_TROUBLE;
  else if (now < k->recognised_until && !g_str_equal(state, "reviewing"))
    screen = KIOSK_SCREEN_IDLE;
  else if (g_str_equal(state, "framing"))
    screen = k->capturing ? KIOSK_SCREEN_PROCESSING : KIOSK_SCREEN_FRAMING;
  else if (g_str_equal(state, "processing") || g_str_equal(state, "committing"))
    screen = KIOSK_SCREEN_PROCESSING;
  else if (g_str_equal(state, "reviewing"))
    screen = KIOSK_SCREEN_REVIEW;
  else
    screen = KIOSK_SCREEN_IDLE;

  set_text(k->idle_title, now < k->recognised_until
                              ? _("Code recognised")
                              : _("Please show your CHSI image capture code"));
  set_text(k->processing_title, g_str_equal(state, "committing") ? _("Saving…") : _("Processing…"));
  update_framing(k);
  update_review(k);
  g_autofree char *reason = screen == KIOSK_SCREEN_TROUBLE ? trouble_reason(k) : NULL;
  set_text(k->trouble_reason, reason);
  show_screen(k, screen);
}

void
kiosk_show_frame(BoothKiosk *k, GdkTexture *texture, const KioskPreviewFrame *frame)
{
  kiosk_preview_view_set_frame(KIOSK_PREVIEW_VIEW(k->idle_preview), texture, frame);
  kiosk_preview_view_set_frame(KIOSK_PREVIEW_VIEW(k->framing_preview), texture, frame);
  set_text(k->idle_placeholder, texture == NULL ? _("No camera picture") : NULL);
  set_text(k->framing_placeholder, texture == NULL ? _("No camera picture") : NULL);
}

void
kiosk_show_no_preview(BoothKiosk *k)
{
  if (k->window != NULL)
    kiosk_show_frame(k, NULL, NULL);
}
