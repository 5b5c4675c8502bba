/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothkiosk: the screen the student faces. A GTK 4 client of org.boothd.Booth1 that uses
 * only the documented interface, like any third-party front-end: it follows the daemon
 * on the bus (appearing, vanishing, coming back), mirrors its State, Session, Framing and
 * Camera properties and its signals into one of six screens, and in self-service mode
 * drives Capture, Retake and Commit itself. Nothing here blocks the main loop: every call
 * and every read is asynchronous. */
#pragma once

#include <gtk/gtk.h>

#include "preview.h"

typedef enum {
  KIOSK_SCREEN_IDLE,
  KIOSK_SCREEN_FRAMING,
  KIOSK_SCREEN_PROCESSING,
  KIOSK_SCREEN_REVIEW,
  KIOSK_SCREEN_DONE,
  KIOSK_SCREEN_TROUBLE,
} KioskScreen;

typedef struct {
  /* Options */
  char *bus_spec;
  gboolean self_service;

  /* Bus: the connection, who owns the name now, and the daemon's properties as last read. */
  GDBusConnection *bus;
  GCancellable *cancellable;
  guint watch_id;
  guint props_sub;
  guint signals_sub;
  guint reconnect_id;
  char *owner;
  char *bus_problem;
  char *state;
  GVariant *session;
  GVariant *framing;
  GVariant *camera;
  guint64 storage_errors;
  /* Hints and score as last heard, from FramingHints or the Framing property. */
  char **hints;
  double score;

  /* What the kiosk learned for the current candidate: its own Capture's report (the Session
   * property's summary may come later), and the photo from OpenCandidate. */
  char *session_id;
  guint attempts;
  GVariant *report;
  GdkTexture *candidate;
  gboolean candidate_missing;
  gboolean candidate_pending;
  guint candidate_serial;
  /* Why the kiosk's own Capture or Commit did not go through, for the student. */
  char *call_problem;
  /* A storage error reported by the daemon, shown until the state moves on. */
  char *storage_problem;

  /* Preview: OpenPreview's stream, or none (placeholder) where the daemon lacks it. */
  KioskPreviewReader *preview;
  gboolean preview_unsupported;
  guint preview_retry_id;

  /* Timed moments: "code recognised", the flash, the done screen, the countdown. */
  gint64 recognised_until;
  gint64 done_until;
  int countdown;
  guint countdown_id;
  guint tick_id;
  gboolean capturing;
  gboolean committing;

  /* Widgets */
  GtkWidget *window;
  GtkWidget *stack;
  GtkWidget *idle_title;
  GtkWidget *idle_preview;
  GtkWidget *idle_placeholder;
  GtkWidget *framing_preview;
  GtkWidget *framing_placeholder;
  GtkWidget *hints_box;
  GtkWidget *readiness;
  GtkWidget *readiness_label;
  GtkWidget *capture_button;
  GtkWidget *countdown_label;
  GtkWidget *processing_page;
  GtkWidget *processing_title;
  GtkWidget *photo;
  GtkWidget *photo_placeholder;
  GtkWidget *checks_title;
  GtkWidget *checks_box;
  GtkWidget *review_wait;
  GtkWidget *review_buttons;
  GtkWidget *framing_problem;
  GtkWidget *review_problem;
  GtkWidget *trouble_reason;
  KioskScreen screen;
} BoothKiosk;

/* bus.c: connection, name watch, properties, signals and the calls. */
void kiosk_bus_start(BoothKiosk *k);
void kiosk_bus_stop(BoothKiosk *k);
void kiosk_bus_capture(BoothKiosk *k);
void kiosk_bus_retake(BoothKiosk *k);
void kiosk_bus_commit(BoothKiosk *k);
/* Looks a key of a{sv} up in one of the cached properties; NULL when absent. */
const char *kiosk_lookup_string(GVariant *dict, const char *key);
gboolean kiosk_lookup_bool(GVariant *dict, const char *key);
/* The report held belongs to the session and attempt on screen. */
gboolean kiosk_report_is_current(BoothKiosk *k);

/* screens.c: the window and what it shows. */
void kiosk_screens_build(BoothKiosk *k, gboolean windowed);
/* Recomputes the screen and its texts from what the kiosk knows; cheap, call on any change. */
void kiosk_update(BoothKiosk *k);
/* A new preview frame (texture NULL: no picture). */
void kiosk_show_frame(BoothKiosk *k, GdkTexture *texture, const KioskPreviewFrame *frame);
/* The preview stream is gone or never came: the placeholder. */
void kiosk_show_no_preview(BoothKiosk *k);

/* texts.c: the daemon's names in the student's words. */
const char *kiosk_hint_text(const char *hint);
const char *kiosk_check_text(const char *check);
