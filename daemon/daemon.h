/* SPDX-License-Identifier: GPL-2.0-or-later */
/* boothd's command line: the daemon itself, or --analyze on files. */
#pragma once

int booth_main(int argc, char **argv);
