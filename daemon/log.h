/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Logging with a topic. To the journal when stderr is the journal (run by systemd),
 * to stderr otherwise; booth_log_set_verbose(TRUE) turns on debug messages. */
#pragma once

#include <glib.h>

void booth_log_init(void);
void booth_log_set_verbose(gboolean verbose);
void booth_log_write(GLogLevelFlags level, const char *topic, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

#define booth_debug(topic, ...) booth_log_write(G_LOG_LEVEL_DEBUG, topic, __VA_ARGS__)
#define booth_info(topic, ...) booth_log_write(G_LOG_LEVEL_INFO, topic, __VA_ARGS__)
#define booth_notice(topic, ...) booth_log_write(G_LOG_LEVEL_MESSAGE, topic, __VA_ARGS__)
#define booth_warn(topic, ...) booth_log_write(G_LOG_LEVEL_WARNING, topic, __VA_ARGS__)
