/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the boothctl commands share: the bus connection and output mode, the exit codes
 * promised in --help, and one way to call boothd and to report what went wrong. */
#pragma once

#include <gio/gio.h>

#include "booth-names.h"

/* Capture takes a burst, processes and encodes it; Commit fsyncs files and the record
 * store. Both take seconds on a slow booth PC, far past GDBus's 25 s default on a bad day. */
#define BOOTHCTL_SLOW_CALL_TIMEOUT_MS (60 * 1000)

typedef enum {
  BOOTHCTL_EXIT_OK = 0,
  BOOTHCTL_EXIT_REFUSED = 1,
  BOOTHCTL_EXIT_USAGE = 2,
  BOOTHCTL_EXIT_UNREACHABLE = 3,
  BOOTHCTL_EXIT_CHECK_FAILED = 4,
} BoothctlExit;

typedef struct {
  GDBusConnection *bus;
  gboolean json;
  /* Indented JSON for a person at a terminal; one line per value for pipes and watch. */
  gboolean pretty;
} Boothctl;

GVariant *boothctl_call(Boothctl *ctl, const char *interface_name, const char *method,
                        GVariant *parameters, const char *reply_type, int timeout_ms,
                        GError **error);
/* Prints "boothctl: <message>" (and, with --json, an error object on stdout) and returns
 * the exit code the error maps to. */
int boothctl_report_error(Boothctl *ctl, const GError *error);
void boothctl_print_json(Boothctl *ctl, GVariant *value);

int boothctl_watch(Boothctl *ctl);
