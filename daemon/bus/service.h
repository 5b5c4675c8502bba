/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The D-Bus adapter: org.boothd.Booth1 on a bus, for one booth. It is the only part of boothd
 * that names sd-bus. It reads and checks every argument and option key, tells who calls and
 * whether they may, watches the session's owner (and tells the core when it leaves), calls the
 * core, and replies; it turns the core's changes into PropertiesChanged (only what differs,
 * Framing at most 4 times a second, Stats and Camera once a second) and into the signals
 * CodeScanned, FramingHints (at most 4 times a second) and Committed. */
#pragma once

#include <glib.h>

#include "core/booth.h"

typedef struct BoothService BoothService;

/* Connects to spec ("system", "session" or an address), before boothd touches any state, so
 * a missing bus is said in words and changes nothing. NULL and the error on failure. */
BoothService *booth_service_connect(const char *spec, GError **error);
/* Exports the booth's object and takes the name. FALSE and an error that says what to check
 * (another boothd, the bus policy). */
gboolean booth_service_export(BoothService *service, Booth *booth, GError **error);
/* Takes no more calls; replies still go out. Before booth_free(), which finishes the calls
 * the booth is working on. */
void booth_service_stop(BoothService *service);
/* Sends what is queued and leaves the bus. After booth_free(). */
void booth_service_free(BoothService *service);
