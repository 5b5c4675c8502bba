/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothctl's own words: boothd's messages with methods and option keys turned into the
 * boothctl commands that do the same, and did-you-mean for mistyped commands and options. */
#pragma once

#include <glib.h>

/* message with every D-Bus phrasing boothctl knows replaced by its command; g_free. */
char *boothctl_words(const char *message);
/* The candidate nearest to word, when near enough to be a typo of it; NULL otherwise. */
const char *boothctl_closest(const char *word, const char *const *candidates);
