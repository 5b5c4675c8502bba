/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The names of boothd's D-Bus interface, shared by the daemon, boothctl and the kiosk, and
 * of boothsync's. */
#pragma once

#define BOOTH_BUS_NAME "org.boothd.Booth1"
#define BOOTH_OBJECT_PATH "/org/boothd/Booth1"
#define BOOTH_INTERFACE "org.boothd.Booth1"
/* boothsync's progress, beside boothd on the same bus. */
#define BOOTH_SYNC_BUS_NAME "org.boothd.Sync1"
#define BOOTH_SYNC_OBJECT_PATH "/org/boothd/Sync1"
#define BOOTH_SYNC_INTERFACE "org.boothd.Sync1"
/* Every error is BOOTH_ERROR_PREFIX followed by its name (error.h): "org.boothd.Error.Busy". */
#define BOOTH_ERROR_PREFIX "org.boothd.Error."
