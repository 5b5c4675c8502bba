/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "error.h"

#include <string.h>

GQuark
booth_error_quark(void)
{
  return g_quark_from_static_string("booth-error-quark");
}

static const char *const dbus_names[BOOTH_ERROR_N] = {
    [BOOTH_ERROR_FAILED] = "org.boothd.Error.Failed",
    [BOOTH_ERROR_BUSY] = "org.boothd.Error.Busy",
    [BOOTH_ERROR_NOT_OWNER] = "org.boothd.Error.NotOwner",
    [BOOTH_ERROR_NO_SESSION] = "org.boothd.Error.NoSession",
    [BOOTH_ERROR_BAD_STATE] = "org.boothd.Error.BadState",
    [BOOTH_ERROR_NO_CAMERA] = "org.boothd.Error.NoCamera",
    [BOOTH_ERROR_NO_FACE] = "org.boothd.Error.NoFace",
    [BOOTH_ERROR_INVALID_ARGUMENT] = "org.boothd.Error.InvalidArgument",
    [BOOTH_ERROR_STORAGE] = "org.boothd.Error.Storage",
    [BOOTH_ERROR_DENIED] = "org.boothd.Error.Denied",
    [BOOTH_ERROR_CHECKS_FAILED] = "org.boothd.Error.ChecksFailed",
};

const char *
booth_error_dbus_name(BoothErrorCode code)
{
  g_return_val_if_fail(code < BOOTH_ERROR_N, dbus_names[BOOTH_ERROR_FAILED]);
  return dbus_names[code];
}

const char *
booth_error_dbus_name_for(const GError *error)
{
  g_assert(error);
  if (error->domain == BOOTH_ERROR && error->code >= 0 && error->code < BOOTH_ERROR_N)
    return dbus_names[error->code];
  if (error->domain == G_FILE_ERROR)
    return dbus_names[BOOTH_ERROR_STORAGE];
  return dbus_names[BOOTH_ERROR_FAILED];
}

char *
booth_utf8_prefix(const char *text, gsize max_bytes)
{
  g_assert(text);
  /* Valid UTF-8 first (D-Bus refuses anything else), then cut on a character boundary. */
  g_autofree char *valid = g_utf8_make_valid(text, -1);
  gsize len = strlen(valid);
  if (len <= max_bytes)
    return g_steal_pointer(&valid);
  const char *end = valid + max_bytes;
  while (end > valid && (*end & 0xc0) == 0x80)
    end--;
  return g_strdup_printf("%.*s…", (int)(end - valid), valid);
}
