/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the bus adapter: the service's fields and what service.c (methods, owner) and
 * properties.c (properties, signals, rate limits) share. */
#pragma once

#include <systemd/sd-bus.h>

#include "bus/bus-util.h"
#include "bus/service.h"

struct BoothService {
  Booth *booth;
  char *spec; /* the bus as given: system, session or an address */
  sd_bus *bus;
  GSource *source;
  sd_bus_slot *vtable_slot;
  sd_bus_track *owner_track; /* the session's owner, while it has one */
  char *owner;
  /* Who the owner is, from the bus's credentials when it took the session: for people. */
  guint32 owner_pid, owner_uid;
  char *owner_process;
  guint owner_idle;

  /* What the bus last saw, to emit PropertiesChanged only on change. */
  BoothState published_state;
  GVariant *published_session, *published_framing, *published_camera, *published_stats;
  gint64 framing_published_mono, hints_emitted_mono;
  guint framing_timer, hints_timer, stats_timer;
  gboolean hints_changed;
};

G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothService, booth_service_free)

/* properties.c */
void booth_service_properties_init(BoothService *svc);
void booth_service_properties_clear(BoothService *svc);
/* Session, Framing, Camera or Stats, as a{sv}. */
GVariant *booth_service_property_value(BoothService *svc, const char *name);
void booth_service_on_changed(BoothChange what, gpointer data);
void booth_service_on_code_scanned(const BoothCodeEvent *event, gpointer data);
void booth_service_on_hints_changed(gpointer data);
void booth_service_on_committed(const BoothRecord *record, gpointer data);
/* Commit's and ListRecords' answers, written straight into the reply. */
void booth_service_reply_record(sd_bus_message *call, const BoothRecord *record);
void booth_service_reply_records(sd_bus_message *call, GPtrArray *records);
