/* SPDX-License-Identifier: GPL-2.0-or-later */
/* sd-bus glue: one GSource drives a bus connection from the GLib main loop (and sleeps while
 * there is nothing to do); GVariant values (the properties, the capture report) go into a
 * message in one place; and every method call gets its reply, or an error when the reply
 * cannot be built, with the reason logged. */
#pragma once

#include <gio/gio.h>
#include <systemd/sd-bus.h>

/* Attaches bus to context (NULL: the default). The source holds a bus reference. */
GSource *booth_bus_source_attach(sd_bus *bus, GMainContext *context);

/* Appends v (any D-Bus type) to m. Returns a negative errno on failure. */
int booth_bus_append(sd_bus_message *m, GVariant *v);
/* Appends the children of a tuple as the message's arguments. */
int booth_bus_append_args(sd_bus_message *m, GVariant *tuple);

/* Reply to a method call from anywhere on the main thread, later than the handler. */
int booth_bus_reply(sd_bus_message *call, GVariant *tuple_or_null);
int booth_bus_reply_error(sd_bus_message *call, const GError *error);
