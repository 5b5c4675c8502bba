/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Geometry and resampling for the ID photo: the largest centred crop of a given aspect, and
 * a crop-and-resize that averages exactly over the source area when shrinking (so fine
 * detail does not alias into moiré) and interpolates bilinearly when enlarging. Images are
 * never mirrored: the photo shows the person as others see them. */
#pragma once

#include "booth-rect.h"
#include "frame.h"

/* Largest crop of aspect aw:ah centred in a w x h image. The ratio is exact whenever the
 * image holds at least one aw:ah block (after reducing the ratio): width is then a multiple
 * of aw and height = width / aw * ah. Smaller images get the nearest ratio that fits. */
BoothRect booth_crop_centered(int w, int h, int aw, int ah);

/* Crops src to r (which must lie inside src) and resamples to out_w x out_h (each 1..16384).
 * Returns NULL only when memory runs out. */
BoothFrame *booth_image_crop_scale(const BoothFrame *src, BoothRect r, int out_w, int out_h);
