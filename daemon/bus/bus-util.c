/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "bus-util.h"

#include <errno.h>
#include <string.h>

#include "error.h"
#include "log.h"

typedef struct {
  GSource source;
  sd_bus *bus;
  gpointer tag;
  GIOCondition events; /* what the fd is polled for now */
} BusSource;

static gboolean
bus_source_prepare(GSource *source, gint *timeout)
{
  BusSource *s = (BusSource *)source;
  int got = sd_bus_get_events(s->bus);
  GIOCondition events = got > 0 ? (GIOCondition)got : 0;
  /* g_source_modify_unix_fd() wakes the main context on every call, even with the same
   * events: calling it on each prepare would make the loop spin at 100% of a core. */
  if (events != s->events) {
    g_source_modify_unix_fd(source, s->tag, events);
    s->events = events;
  }

  uint64_t usec;
  *timeout = -1;
  if (sd_bus_get_timeout(s->bus, &usec) >= 0 && usec != UINT64_MAX) {
    /* sd-bus timeouts are CLOCK_MONOTONIC, as is g_get_monotonic_time() on Linux. */
    gint64 now = g_get_monotonic_time();
    if ((gint64)usec <= now)
      return TRUE;
    *timeout = (gint)MIN(((gint64)usec - now + 999) / 1000, G_MAXINT);
  }
  return FALSE;
}

static gboolean
bus_source_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
  (void)cb;
  (void)data;
  BusSource *s = (BusSource *)source;
  for (;;) {
    int r = sd_bus_process(s->bus, NULL);
    if (r == 0)
      break;
    if (r < 0) {
      booth_warn("bus", "lost the bus connection: %s", strerror(-r));
      return G_SOURCE_REMOVE;
    }
  }
  return G_SOURCE_CONTINUE;
}

static gboolean
bus_source_check(GSource *source)
{
  BusSource *s = (BusSource *)source;
  if (g_source_query_unix_fd(source, s->tag))
    return TRUE;
  uint64_t usec;
  return sd_bus_get_timeout(s->bus, &usec) >= 0 && usec != UINT64_MAX &&
         (gint64)usec <= g_get_monotonic_time();
}

static void
bus_source_finalize(GSource *source)
{
  sd_bus_unref(((BusSource *)source)->bus);
}

static GSourceFuncs bus_source_funcs = {
    .prepare = bus_source_prepare,
    .check = bus_source_check,
    .dispatch = bus_source_dispatch,
    .finalize = bus_source_finalize,
};

GSource *
booth_bus_source_attach(sd_bus *bus, GMainContext *context)
{
  g_assert(bus);
  GSource *source = g_source_new(&bus_source_funcs, sizeof(BusSource));
  BusSource *s = (BusSource *)source;
  s->bus = sd_bus_ref(bus);
  s->events = G_IO_IN;
  s->tag = g_source_add_unix_fd(source, sd_bus_get_fd(bus), s->events);
  g_source_set_name(source, "sd-bus");
  g_source_attach(source, context);
  return source;
}

int
booth_bus_append(sd_bus_message *m, GVariant *v)
{
  const char *sig = g_variant_get_type_string(v);
  int r;
  switch (sig[0]) {
  case 'b': {
    int b = g_variant_get_boolean(v);
    return sd_bus_message_append_basic(m, 'b', &b);
  }
  case 'y': {
    guint8 x = g_variant_get_byte(v);
    return sd_bus_message_append_basic(m, 'y', &x);
  }
  case 'n': {
    gint16 x = g_variant_get_int16(v);
    return sd_bus_message_append_basic(m, 'n', &x);
  }
  case 'q': {
    guint16 x = g_variant_get_uint16(v);
    return sd_bus_message_append_basic(m, 'q', &x);
  }
  case 'i': {
    gint32 x = g_variant_get_int32(v);
    return sd_bus_message_append_basic(m, 'i', &x);
  }
  case 'u': {
    guint32 x = g_variant_get_uint32(v);
    return sd_bus_message_append_basic(m, 'u', &x);
  }
  case 'x': {
    gint64 x = g_variant_get_int64(v);
    return sd_bus_message_append_basic(m, 'x', &x);
  }
  case 't': {
    guint64 x = g_variant_get_uint64(v);
    return sd_bus_message_append_basic(m, 't', &x);
  }
  case 'd': {
    double x = g_variant_get_double(v);
    return sd_bus_message_append_basic(m, 'd', &x);
  }
  case 's':
  case 'o':
  case 'g':
    return sd_bus_message_append_basic(m, sig[0], g_variant_get_string(v, NULL));
  case 'v': {
    g_autoptr(GVariant) inner = g_variant_get_variant(v);
    r = sd_bus_message_open_container(m, 'v', g_variant_get_type_string(inner));
    if (r >= 0)
      r = booth_bus_append(m, inner);
    return r < 0 ? r : sd_bus_message_close_container(m);
  }
  case 'a':
    if (sig[1] == 'y') {
      gsize n;
      const void *p = g_variant_get_fixed_array(v, &n, 1);
      return sd_bus_message_append_array(m, 'y', p, n);
    }
    r = sd_bus_message_open_container(m, 'a', sig + 1);
    break;
  case '(': {
    g_autofree char *inner = g_strndup(sig + 1, strlen(sig) - 2);
    r = sd_bus_message_open_container(m, 'r', inner);
    break;
  }
  case '{': {
    g_autofree char *inner = g_strndup(sig + 1, strlen(sig) - 2);
    r = sd_bus_message_open_container(m, 'e', inner);
    break;
  }
  default:
    return -EINVAL;
  }
  if (r < 0)
    return r;
  gsize n = g_variant_n_children(v);
  for (gsize i = 0; i < n && r >= 0; i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(v, i);
    r = booth_bus_append(m, child);
  }
  return r < 0 ? r : sd_bus_message_close_container(m);
}

int
booth_bus_append_args(sd_bus_message *m, GVariant *tuple)
{
  g_assert(g_variant_is_of_type(tuple, G_VARIANT_TYPE_TUPLE));
  gsize n = g_variant_n_children(tuple);
  for (gsize i = 0; i < n; i++) {
    g_autoptr(GVariant) child = g_variant_get_child_value(tuple, i);
    int r = booth_bus_append(m, child);
    if (r < 0)
      return r;
  }
  return 0;
}

/* The last resort when a reply cannot be built: the caller still gets an answer. */
static int
reply_failed(sd_bus_message *call, const char *what, int r)
{
  booth_warn("bus", "cannot send the %s to %s.%s from %s: %s; answering Failed instead", what,
             sd_bus_message_get_interface(call), sd_bus_message_get_member(call),
             sd_bus_message_get_sender(call), strerror(-r));
  int r2 = sd_bus_reply_method_errorf(call, booth_error_dbus_name(BOOTH_ERROR_FAILED),
                                      "boothd could not send its answer (%s); see its log",
                                      strerror(-r));
  if (r2 < 0)
    booth_warn("bus", "cannot answer %s from %s at all: %s", sd_bus_message_get_member(call),
               sd_bus_message_get_sender(call), strerror(-r2));
  return r;
}

int
booth_bus_reply(sd_bus_message *call, GVariant *tuple)
{
  g_autoptr(GVariant) sunk = tuple ? g_variant_ref_sink(tuple) : NULL;
  sd_bus_message *reply = NULL;
  int r = sd_bus_message_new_method_return(call, &reply);
  if (r >= 0 && sunk)
    r = booth_bus_append_args(reply, sunk);
  if (r >= 0)
    r = sd_bus_send(NULL, reply, NULL);
  sd_bus_message_unref(reply);
  return r < 0 ? reply_failed(call, "reply", r) : r;
}

int
booth_bus_reply_error(sd_bus_message *call, const GError *error)
{
  g_assert(error);
  /* A message that is not valid UTF-8, or too long for a reader, would make the reply fail. */
  g_autofree char *message = booth_utf8_prefix(error->message, 4096);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  /* sd_bus_error_set() returns the error's errno, not whether it worked: ask the error. */
  sd_bus_error_set(&e, booth_error_dbus_name_for(error), message);
  int r = sd_bus_error_is_set(&e) ? sd_bus_reply_method_error(call, &e) : -ENOMEM;
  sd_bus_error_free(&e);
  return r < 0 ? reply_failed(call, "error reply", r) : r;
}
