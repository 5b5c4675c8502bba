/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One table maps each boothd error to its D-Bus name and an operator-facing message. */
#pragma once

#include <glib.h>

#define BOOTH_ERROR (booth_error_quark())
GQuark booth_error_quark(void);

typedef enum {
  BOOTH_ERROR_FAILED,
  BOOTH_ERROR_BUSY,
  BOOTH_ERROR_NOT_OWNER,
  BOOTH_ERROR_NO_SESSION,
  BOOTH_ERROR_BAD_STATE,
  BOOTH_ERROR_NO_CAMERA,
  BOOTH_ERROR_NO_FACE,
  BOOTH_ERROR_INVALID_ARGUMENT,
  BOOTH_ERROR_STORAGE,
  BOOTH_ERROR_DENIED,
  BOOTH_ERROR_CHECKS_FAILED, /* Commit of a candidate that failed checks, without override */
  BOOTH_ERROR_N,
} BoothErrorCode;

/* "org.boothd.Error.Busy" etc. */
const char *booth_error_dbus_name(BoothErrorCode code);
/* Maps any GError to the D-Bus error name to send (unknown domains -> Failed). */
const char *booth_error_dbus_name_for(const GError *error);

/* text as valid UTF-8 (invalid bytes become U+FFFD) and at most max_bytes long, cut on a
 * character boundary and marked with "…" when cut: safe to put in any bus message. */
char *booth_utf8_prefix(const char *text, gsize max_bytes);
