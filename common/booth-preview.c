/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The preview header, byte by byte: little-endian whatever the host, no struct copying. */
#include "booth-preview.h"

#include <string.h>

static uint8_t *
put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  return p + 2;
}

static uint8_t *
put32(uint8_t *p, uint32_t v)
{
  p = put16(p, (uint16_t)v);
  return put16(p, (uint16_t)(v >> 16));
}

static uint8_t *
put64(uint8_t *p, uint64_t v)
{
  p = put32(p, (uint32_t)v);
  return put32(p, (uint32_t)(v >> 32));
}

void
booth_preview_header_pack(const BoothPreviewHeader *h, uint8_t out[BOOTH_PREVIEW_HEADER_LEN])
{
  uint8_t *p = out;
  memcpy(p, BOOTH_PREVIEW_MAGIC, 4);
  p += 4;
  p = put16(p, h->version);
  p = put16(p, h->header_len);
  p = put32(p, h->flags);
  p = put64(p, h->sequence);
  p = put64(p, (uint64_t)h->timestamp_us);
  p = put16(p, h->width);
  p = put16(p, h->height);
  const int16_t s[] = {h->face_x,         h->face_y,         h->face_w,         h->face_h,
                       h->left_eye_x,     h->left_eye_y,     h->right_eye_x,    h->right_eye_y,
                       h->crop_x,         h->crop_y,         h->crop_w,         h->crop_h,
                       h->head_top_min_y, h->head_top_max_y, h->eye_line_min_y, h->eye_line_max_y,
                       h->face_width_min, h->face_width_max, h->centre_x};
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
    p = put16(p, (uint16_t)s[i]);
  p = put16(p, h->score);
  p = put16(p, h->hints_len);
  p = put32(p, h->jpeg_len);
}

static uint16_t
get16(const uint8_t **p)
{
  uint16_t v = (uint16_t)((*p)[0] | (*p)[1] << 8);
  *p += 2;
  return v;
}

static uint32_t
get32(const uint8_t **p)
{
  uint32_t lo = get16(p);
  return lo | (uint32_t)get16(p) << 16;
}

static uint64_t
get64(const uint8_t **p)
{
  uint64_t lo = get32(p);
  return lo | (uint64_t)get32(p) << 32;
}

long
booth_preview_header_parse(const uint8_t *in, size_t len, BoothPreviewHeader *h)
{
  if (len < 8)
    return 8;
  if (memcmp(in, BOOTH_PREVIEW_MAGIC, 4) != 0)
    return -1;
  const uint8_t *p = in + 4;
  h->version = get16(&p);
  h->header_len = get16(&p);
  if (h->version < 1 || h->header_len < BOOTH_PREVIEW_HEADER_LEN)
    return -1;
  if (len < h->header_len)
    return h->header_len;
  h->flags = get32(&p);
  h->sequence = get64(&p);
  h->timestamp_us = (int64_t)get64(&p);
  h->width = get16(&p);
  h->height = get16(&p);
  int16_t *s[] = {&h->face_x,         &h->face_y,         &h->face_w,         &h->face_h,
                  &h->left_eye_x,     &h->left_eye_y,     &h->right_eye_x,    &h->right_eye_y,
                  &h->crop_x,         &h->crop_y,         &h->crop_w,         &h->crop_h,
                  &h->head_top_min_y, &h->head_top_max_y, &h->eye_line_min_y, &h->eye_line_max_y,
                  &h->face_width_min, &h->face_width_max, &h->centre_x};
  for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
    *s[i] = (int16_t)get16(&p);
  h->score = get16(&p);
  h->hints_len = get16(&p);
  h->jpeg_len = get32(&p);
  return 0;
}
