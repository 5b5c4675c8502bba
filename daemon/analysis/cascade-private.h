/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Inside the cascade module: a cascade as read from its file (cascade-read.c), checked so
 * that the evaluator (cascade.c) can index everything without further tests. */
#pragma once

#include <glib.h>

#include "analysis/cascade.h"

#define LBP_SUBSET_WORDS 8
/* The row kernels count the stages a window passes in a byte, 255 meaning a window too flat. */
#define BOOTH_CASCADE_MAX_STAGES 254

typedef enum {
  FEATURE_HAAR,
  FEATURE_LBP,
} FeatureType;

typedef struct {
  int x, y, w, h;
  float weight;
} HaarRect;

/* As read: a Haar feature has 2 or 3 weighted rectangles (upright or turned 45 degrees); an
 * LBP feature is one block of a 3x3 grid of equal blocks. */
typedef struct {
  int nrects;
  HaarRect r[3];
  gboolean tilted;
  gboolean has_lbp;
  int lx, ly, lw, lh;
} Feature;

typedef struct {
  int left, right; /* > 0: a later node of the same tree; <= 0: leaf number -value */
  int feature;
  float threshold;
  guint32 subset[LBP_SUBSET_WORDS]; /* LBP: the codes that take the left branch */
} Node;

typedef struct {
  int first_node, nnodes, first_leaf;
} Tree;

typedef struct {
  float threshold;
  int first_tree, ntrees;
} Stage;

struct BoothCascade {
  FeatureType type;
  int win_w, win_h;
  gboolean stumps; /* every tree is a single split */
  gboolean tilted; /* some feature needs the tilted integral */
  guint serial;    /* tells scratch buffers which cascade their layout was made for */
  GArray *stages, *trees, *nodes, *leaves, *features;
};
