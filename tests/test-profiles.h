/* SPDX-License-Identifier: GPL-2.0-or-later */
/* For unit tests and benches: a profile shipped in etc/profiles, by name, from the source tree
 * (BOOTH_SOURCE_ROOT); a profile that does not load fails the test. */
#pragma once

#include <glib.h>

#include "core/config.h"

static inline BoothProfile *
load_profile(const char *name)
{
  g_autofree char *file = g_strconcat(name, ".profile", NULL);
  g_autofree char *path =
      g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles", file, NULL);
  g_autoptr(GError) error = NULL;
  BoothProfile *p = booth_profile_load(path, &error);
  g_assert_no_error(error);
  return p;
}
