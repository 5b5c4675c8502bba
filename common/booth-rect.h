/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One rectangle type for everything boothd measures and draws: face and eye boxes, crops,
 * background regions; in pixels of the image it belongs to, x and y its top-left corner. */
#pragma once

typedef struct {
  int x, y, width, height;
} BoothRect;
