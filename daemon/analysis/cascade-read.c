/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "analysis/cascade-private.h"

#include <math.h>
#include <string.h>

#include "error.h"

/* Far above the largest file Debian ships (2.6 MB) and any window anyone trains; bounds what a
 * hostile file can make the reader allocate. */
#define CASCADE_MAX_FILE_BYTES ((gsize)16 * 1024 * 1024)
#define CASCADE_MAX_WINDOW 256
#define CASCADE_MAX_NESTING 16
/* OpenCV lowers every stage threshold by this much when it reads a cascade. */
#define CASCADE_THRESHOLD_EPS 1e-5f

void
booth_cascade_free(BoothCascade *c)
{
  if (!c)
    return;
  g_array_unref(c->stages);
  g_array_unref(c->trees);
  g_array_unref(c->nodes);
  g_array_unref(c->leaves);
  g_array_unref(c->features);
  g_free(c);
}

void
booth_cascade_get_window(const BoothCascade *c, int *width, int *height)
{
  g_assert(c);
  if (width)
    *width = c->win_w;
  if (height)
    *height = c->win_h;
}

/* ---------------------------------------------------------------- reading the XML */

/* Where the parser is in the document; anything not listed is skipped whole. */
typedef enum {
  X_SKIP,
  X_STORAGE,
  X_CASCADE,
  X_STAGE_TYPE,
  X_FEATURE_TYPE,
  X_HEIGHT,
  X_WIDTH,
  X_FEATURE_PARAMS,
  X_MAX_CAT,
  X_STAGE_NUM,
  X_STAGES,
  X_STAGE,
  X_MAX_WEAK,
  X_STAGE_THRESHOLD,
  X_WEAKS,
  X_WEAK,
  X_INTERNAL_NODES,
  X_LEAF_VALUES,
  X_FEATURES,
  X_FEATURE,
  X_RECTS,
  X_HAAR_RECT,
  X_TILTED,
  X_LBP_RECT,
} Ctx;

typedef struct {
  Ctx parent;
  const char *name;
  Ctx ctx;
} CtxRule;

static const CtxRule ctx_rules[] = {
    {X_CASCADE, "stageType", X_STAGE_TYPE},
    {X_CASCADE, "featureType", X_FEATURE_TYPE},
    {X_CASCADE, "height", X_HEIGHT},
    {X_CASCADE, "width", X_WIDTH},
    {X_CASCADE, "featureParams", X_FEATURE_PARAMS},
    {X_FEATURE_PARAMS, "maxCatCount", X_MAX_CAT},
    {X_CASCADE, "stageNum", X_STAGE_NUM},
    {X_CASCADE, "stages", X_STAGES},
    {X_STAGES, "_", X_STAGE},
    {X_STAGE, "maxWeakCount", X_MAX_WEAK},
    {X_STAGE, "stageThreshold", X_STAGE_THRESHOLD},
    {X_STAGE, "weakClassifiers", X_WEAKS},
    {X_WEAKS, "_", X_WEAK},
    {X_WEAK, "internalNodes", X_INTERNAL_NODES},
    {X_WEAK, "leafValues", X_LEAF_VALUES},
    {X_CASCADE, "features", X_FEATURES},
    {X_FEATURES, "_", X_FEATURE},
    {X_FEATURE, "rects", X_RECTS},
    {X_RECTS, "_", X_HAAR_RECT},
    {X_FEATURE, "tilted", X_TILTED},
    {X_FEATURE, "rect", X_LBP_RECT},
};

typedef struct {
  GMarkupParseContext *ctx;
  Ctx stack[CASCADE_MAX_NESTING];
  int depth;
  GString *text;
  char *stage_type, *feature_type;
  int width, height, max_cat, stage_num; /* -1 until read */
  gboolean in_stages_seen;
  /* the stage and weak classifier being read */
  int stage_max_weak;
  gboolean stage_has_threshold;
  GArray *internal, *leaf_values; /* doubles */
  gboolean weak_has_internal, weak_has_leaves;
  Feature feature;
  BoothCascade *c;
} Parser;

static gboolean parse_fail(Parser *ps, GError **error, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

static gboolean
parse_fail(Parser *ps, GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  g_autofree char *msg = g_strdup_vprintf(fmt, ap);
  va_end(ap);
  int line = 0, col = 0;
  g_markup_parse_context_get_position(ps->ctx, &line, &col);
  g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "line %d: %s", line, msg);
  return FALSE;
}

/* Whitespace-separated numbers, as OpenCV's FileStorage writes them. */
static gboolean
parse_numbers(Parser *ps, const char *text, GArray *out, GError **error)
{
  const char *p = text;
  for (;;) {
    while (g_ascii_isspace(*p))
      p++;
    if (!*p)
      return TRUE;
    char *end = NULL;
    double v = g_ascii_strtod(p, &end);
    if (end == p || (*end && !g_ascii_isspace(*end)))
      return parse_fail(ps, error, "\"%.20s\" is not a number", p);
    if (!isfinite(v))
      return parse_fail(ps, error, "number out of range");
    g_array_append_val(out, v);
    p = end;
  }
}

static gboolean
number_to_int(Parser *ps, double v, double lo, double hi, int *out, GError **error)
{
  if (v != floor(v) || v < lo || v > hi)
    return parse_fail(ps, error, "%g is not a whole number in %.0f..%.0f", v, lo, hi);
  *out = (int)v;
  return TRUE;
}

static gboolean
text_int(Parser *ps, double lo, double hi, int *out, GError **error)
{
  g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
  if (!parse_numbers(ps, ps->text->str, v, error))
    return FALSE;
  if (v->len != 1)
    return parse_fail(ps, error, "expected one number, found %u", v->len);
  return number_to_int(ps, g_array_index(v, double, 0), lo, hi, out, error);
}

static void
on_start(GMarkupParseContext *ctx, const char *name, const char **attr_names,
         const char **attr_values, gpointer user_data, GError **error)
{
  Parser *ps = user_data;
  (void)ctx;
  if (ps->depth >= CASCADE_MAX_NESTING) {
    parse_fail(ps, error, "elements nested too deeply");
    return;
  }
  Ctx parent = ps->depth > 0 ? ps->stack[ps->depth - 1] : X_SKIP;
  Ctx cur = X_SKIP;
  if (ps->depth == 0) {
    if (strcmp(name, "opencv_storage") != 0) {
      parse_fail(ps, error, "not an OpenCV storage file (root <%s>)", name);
      return;
    }
    cur = X_STORAGE;
  } else if (parent == X_STORAGE) {
    for (int i = 0; attr_names[i]; i++)
      if (strcmp(attr_names[i], "type_id") == 0 &&
          strcmp(attr_values[i], "opencv-haar-classifier") == 0) {
        parse_fail(ps, error,
                   "old-format Haar cascade <%s>; only the new format (<cascade>) is read", name);
        return;
      }
    if (strcmp(name, "cascade") != 0) {
      parse_fail(ps, error, "expected <cascade>, found <%s>", name);
      return;
    }
    if (ps->c->stages->len > 0 || ps->stage_type) {
      parse_fail(ps, error, "more than one <cascade>");
      return;
    }
    cur = X_CASCADE;
  } else if (parent != X_SKIP) {
    for (gsize i = 0; i < G_N_ELEMENTS(ctx_rules); i++)
      if (ctx_rules[i].parent == parent && strcmp(ctx_rules[i].name, name) == 0)
        cur = ctx_rules[i].ctx;
  }
  ps->stack[ps->depth++] = cur;
  g_string_truncate(ps->text, 0);

  switch (cur) {
  case X_STAGES:
    if (ps->in_stages_seen) {
      parse_fail(ps, error, "more than one <stages>");
      return;
    }
    ps->in_stages_seen = TRUE;
    break;
  case X_STAGE: {
    Stage st = {.first_tree = (int)ps->c->trees->len};
    g_array_append_val(ps->c->stages, st);
    ps->stage_max_weak = -1;
    ps->stage_has_threshold = FALSE;
    break;
  }
  case X_WEAK:
    g_array_set_size(ps->internal, 0);
    g_array_set_size(ps->leaf_values, 0);
    ps->weak_has_internal = ps->weak_has_leaves = FALSE;
    break;
  case X_FEATURE:
    memset(&ps->feature, 0, sizeof ps->feature);
    break;
  default:
    break;
  }
}

static void
on_text(GMarkupParseContext *ctx, const char *text, gsize len, gpointer user_data, GError **error)
{
  Parser *ps = user_data;
  (void)ctx;
  (void)error;
  if (ps->depth > 0 && ps->stack[ps->depth - 1] != X_SKIP)
    g_string_append_len(ps->text, text, (gssize)len);
}

/* The tree just read: node layout depends on the feature kind, which featureParams gave. */
static gboolean
finish_weak(Parser *ps, GError **error)
{
  BoothCascade *c = ps->c;
  if (!ps->weak_has_internal || !ps->weak_has_leaves)
    return parse_fail(ps, error, "weak classifier without internalNodes and leafValues");
  if (ps->max_cat < 0)
    return parse_fail(ps, error, "stages come before featureParams/maxCatCount");
  int step = ps->max_cat > 0 ? 3 + LBP_SUBSET_WORDS : 4;
  guint n = ps->internal->len;
  if (n == 0 || n % (guint)step != 0)
    return parse_fail(ps, error, "internalNodes has %u numbers, not a multiple of %d", n, step);
  int nnodes = (int)(n / (guint)step);
  if (ps->leaf_values->len != (guint)nnodes + 1)
    return parse_fail(ps, error, "%d nodes need %d leafValues, found %u", nnodes, nnodes + 1,
                      ps->leaf_values->len);
  Tree t = {.first_node = (int)c->nodes->len, .nnodes = nnodes, .first_leaf = (int)c->leaves->len};
  const double *v = (const double *)(void *)ps->internal->data;
  for (int i = 0; i < nnodes; i++, v += step) {
    Node nd = {0};
    if (!number_to_int(ps, v[0], -nnodes, nnodes - 1, &nd.left, error) ||
        !number_to_int(ps, v[1], -nnodes, nnodes - 1, &nd.right, error) ||
        !number_to_int(ps, v[2], 0, G_MAXINT32, &nd.feature, error))
      return FALSE;
    /* Children after their parent: the walk always ends. */
    if ((nd.left > 0 && nd.left <= i) || (nd.right > 0 && nd.right <= i))
      return parse_fail(ps, error, "tree node %d points back to an earlier node", i);
    if (ps->max_cat > 0) {
      for (int k = 0; k < LBP_SUBSET_WORDS; k++) {
        int word = 0;
        if (!number_to_int(ps, v[3 + k], G_MININT32, G_MAXINT32, &word, error))
          return FALSE;
        nd.subset[k] = (guint32)word;
      }
    } else {
      nd.threshold = (float)v[3];
    }
    g_array_append_val(c->nodes, nd);
  }
  for (guint i = 0; i < ps->leaf_values->len; i++) {
    float leaf = (float)g_array_index(ps->leaf_values, double, i);
    g_array_append_val(c->leaves, leaf);
  }
  g_array_append_val(c->trees, t);
  g_array_index(c->stages, Stage, c->stages->len - 1).ntrees++;
  return TRUE;
}

static void
on_end(GMarkupParseContext *ctx, const char *name, gpointer user_data, GError **error)
{
  Parser *ps = user_data;
  (void)ctx;
  (void)name;
  Ctx cur = ps->stack[--ps->depth];
  const char *text = ps->text->str;
  switch (cur) {
  case X_STAGE_TYPE:
    g_free(ps->stage_type);
    ps->stage_type = g_strstrip(g_strdup(text));
    break;
  case X_FEATURE_TYPE:
    g_free(ps->feature_type);
    ps->feature_type = g_strstrip(g_strdup(text));
    break;
  case X_HEIGHT:
    text_int(ps, 1, CASCADE_MAX_WINDOW, &ps->height, error);
    break;
  case X_WIDTH:
    text_int(ps, 1, CASCADE_MAX_WINDOW, &ps->width, error);
    break;
  case X_MAX_CAT:
    text_int(ps, 0, 256, &ps->max_cat, error);
    break;
  case X_STAGE_NUM:
    text_int(ps, 0, G_MAXINT32, &ps->stage_num, error);
    break;
  case X_MAX_WEAK:
    text_int(ps, 0, G_MAXINT32, &ps->stage_max_weak, error);
    break;
  case X_STAGE_THRESHOLD: {
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    if (!parse_numbers(ps, text, v, error))
      break;
    if (v->len != 1 || ps->stage_has_threshold) {
      parse_fail(ps, error, "a stage needs exactly one threshold");
      break;
    }
    Stage *st = &g_array_index(ps->c->stages, Stage, ps->c->stages->len - 1);
    st->threshold = (float)g_array_index(v, double, 0) - CASCADE_THRESHOLD_EPS;
    ps->stage_has_threshold = TRUE;
    break;
  }
  case X_STAGE: {
    const Stage *st = &g_array_index(ps->c->stages, Stage, ps->c->stages->len - 1);
    if (!ps->stage_has_threshold)
      parse_fail(ps, error, "stage %u has no stageThreshold", ps->c->stages->len - 1);
    else if (st->ntrees == 0)
      parse_fail(ps, error, "stage %u has no weak classifiers", ps->c->stages->len - 1);
    else if (ps->stage_max_weak >= 0 && ps->stage_max_weak != st->ntrees)
      parse_fail(ps, error, "stage %u: maxWeakCount %d but %d weak classifiers",
                 ps->c->stages->len - 1, ps->stage_max_weak, st->ntrees);
    break;
  }
  case X_INTERNAL_NODES:
    if (ps->weak_has_internal) {
      parse_fail(ps, error, "internalNodes given twice");
      break;
    }
    ps->weak_has_internal = TRUE;
    parse_numbers(ps, text, ps->internal, error);
    break;
  case X_LEAF_VALUES:
    if (ps->weak_has_leaves) {
      parse_fail(ps, error, "leafValues given twice");
      break;
    }
    ps->weak_has_leaves = TRUE;
    parse_numbers(ps, text, ps->leaf_values, error);
    break;
  case X_WEAK:
    finish_weak(ps, error);
    break;
  case X_HAAR_RECT: {
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    if (!parse_numbers(ps, text, v, error))
      break;
    if (v->len != 5 || ps->feature.nrects >= 3) {
      parse_fail(ps, error, "a Haar rectangle is \"x y width height weight\", at most 3");
      break;
    }
    HaarRect *r = &ps->feature.r[ps->feature.nrects++];
    const double *d = (const double *)(void *)v->data;
    if (!number_to_int(ps, d[0], -CASCADE_MAX_WINDOW, CASCADE_MAX_WINDOW, &r->x, error) ||
        !number_to_int(ps, d[1], -CASCADE_MAX_WINDOW, CASCADE_MAX_WINDOW, &r->y, error) ||
        !number_to_int(ps, d[2], 1, CASCADE_MAX_WINDOW, &r->w, error) ||
        !number_to_int(ps, d[3], 1, CASCADE_MAX_WINDOW, &r->h, error))
      break;
    r->weight = (float)d[4];
    break;
  }
  case X_TILTED: {
    int t;
    if (text_int(ps, 0, 1, &t, error))
      ps->feature.tilted = t != 0;
    break;
  }
  case X_LBP_RECT: {
    g_autoptr(GArray) v = g_array_new(FALSE, FALSE, sizeof(double));
    if (!parse_numbers(ps, text, v, error))
      break;
    const double *d = (const double *)(void *)v->data;
    if (v->len != 4 || ps->feature.has_lbp) {
      parse_fail(ps, error, "an LBP feature is one \"x y width height\"");
      break;
    }
    ps->feature.has_lbp = TRUE;
    if (number_to_int(ps, d[0], 0, CASCADE_MAX_WINDOW, &ps->feature.lx, error) &&
        number_to_int(ps, d[1], 0, CASCADE_MAX_WINDOW, &ps->feature.ly, error) &&
        number_to_int(ps, d[2], 1, CASCADE_MAX_WINDOW, &ps->feature.lw, error))
      number_to_int(ps, d[3], 1, CASCADE_MAX_WINDOW, &ps->feature.lh, error);
    break;
  }
  case X_FEATURE:
    g_array_append_val(ps->c->features, ps->feature);
    break;
  default:
    break;
  }
  g_string_truncate(ps->text, 0);
}

static gboolean
point_in_window(const BoothCascade *c, int x, int y)
{
  return x >= 0 && y >= 0 && x <= c->win_w && y <= c->win_h;
}

/* Everything the evaluator will index is checked here, once. */
static gboolean
cascade_validate(Parser *ps, GError **error)
{
  BoothCascade *c = ps->c;
#define FAIL(...)                                                                                  \
  (g_set_error(error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, __VA_ARGS__), FALSE)
  if (!ps->stage_type && !ps->feature_type && c->stages->len == 0)
    return FAIL("no <cascade> in the file");
  if (g_strcmp0(ps->stage_type, "BOOST") != 0)
    return FAIL("stageType \"%s\" is not BOOST", ps->stage_type ? ps->stage_type : "");
  if (g_strcmp0(ps->feature_type, "HAAR") == 0)
    c->type = FEATURE_HAAR;
  else if (g_strcmp0(ps->feature_type, "LBP") == 0)
    c->type = FEATURE_LBP;
  else
    return FAIL("featureType \"%s\" is neither HAAR nor LBP",
                ps->feature_type ? ps->feature_type : "");
  if (ps->width < 0 || ps->height < 0)
    return FAIL("window width or height missing");
  if (ps->width < 3 || ps->height < 3)
    return FAIL("window %dx%d is too small", ps->width, ps->height);
  c->win_w = ps->width;
  c->win_h = ps->height;
  if (c->type == FEATURE_LBP && ps->max_cat != 256)
    return FAIL("LBP cascade with maxCatCount %d (must be 256)", ps->max_cat);
  if (c->type == FEATURE_HAAR && ps->max_cat != 0)
    return FAIL("HAAR cascade with maxCatCount %d (must be 0)", ps->max_cat);
  if (c->stages->len == 0)
    return FAIL("no stages");
  if (c->stages->len > BOOTH_CASCADE_MAX_STAGES)
    return FAIL("%u stages (at most %d are supported)", c->stages->len, BOOTH_CASCADE_MAX_STAGES);
  if (ps->stage_num >= 0 && (guint)ps->stage_num != c->stages->len)
    return FAIL("stageNum is %d but %u stages are present", ps->stage_num, c->stages->len);
  if (c->features->len == 0)
    return FAIL("no features");

  c->stumps = TRUE;
  for (guint i = 0; i < c->trees->len; i++)
    if (g_array_index(c->trees, Tree, i).nnodes != 1)
      c->stumps = FALSE;
  if (c->type == FEATURE_LBP && !c->stumps)
    return FAIL("LBP cascades with trees deeper than one split are not supported");
  for (guint i = 0; i < c->nodes->len; i++) {
    int f = g_array_index(c->nodes, Node, i).feature;
    if ((guint)f >= c->features->len)
      return FAIL("a node uses feature %d of %u", f, c->features->len);
  }
  for (guint i = 0; i < c->features->len; i++) {
    Feature *f = &g_array_index(c->features, Feature, i);
    if (c->type == FEATURE_LBP) {
      if (!f->has_lbp || f->nrects)
        return FAIL("feature %u is not an LBP rect", i);
      if ((gint64)f->lx + 3 * (gint64)f->lw > c->win_w ||
          (gint64)f->ly + 3 * (gint64)f->lh > c->win_h)
        return FAIL("LBP feature %u reaches outside the %dx%d window", i, c->win_w, c->win_h);
      continue;
    }
    if (f->has_lbp || f->nrects < 2)
      return FAIL("Haar feature %u needs 2 or 3 rects", i);
    for (int k = 0; k < f->nrects; k++) {
      const HaarRect *r = &f->r[k];
      gboolean ok;
      if (f->tilted)
        ok = point_in_window(c, r->x, r->y) && point_in_window(c, r->x - r->h, r->y + r->h) &&
             point_in_window(c, r->x + r->w, r->y + r->w) &&
             point_in_window(c, r->x + r->w - r->h, r->y + r->w + r->h);
      else
        ok = point_in_window(c, r->x, r->y) && point_in_window(c, r->x + r->w, r->y + r->h);
      if (!ok || !isfinite(r->weight))
        return FAIL("Haar feature %u, rect %d lies outside the %dx%d window", i, k, c->win_w,
                    c->win_h);
    }
    if (f->tilted)
      c->tilted = TRUE;
  }
#undef FAIL
  return TRUE;
}

BoothCascade *
booth_cascade_load(const char *path, GError **error)
{
  g_assert(path);
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, &local);
  if (!map) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: %s", path, local->message);
    return NULL;
  }
  len = g_mapped_file_get_length(map);
  if (len == 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: the file is empty", path);
    return NULL;
  }
  if (len > CASCADE_MAX_FILE_BYTES) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                "%s: %" G_GSIZE_FORMAT " bytes is too large for a cascade file", path, len);
    return NULL;
  }

  static gint serials;
  BoothCascade *c = g_new0(BoothCascade, 1);
  c->serial = (guint)g_atomic_int_add(&serials, 1) + 1;
  c->stages = g_array_new(FALSE, FALSE, sizeof(Stage));
  c->trees = g_array_new(FALSE, FALSE, sizeof(Tree));
  c->nodes = g_array_new(FALSE, FALSE, sizeof(Node));
  c->leaves = g_array_new(FALSE, FALSE, sizeof(float));
  c->features = g_array_new(FALSE, FALSE, sizeof(Feature));
  g_autoptr(BoothCascade) owned = c;

  static const GMarkupParser parser = {on_start, on_end, on_text, NULL, NULL};
  Parser ps = {
      .text = g_string_new(NULL),
      .width = -1,
      .height = -1,
      .max_cat = -1,
      .stage_num = -1,
      .internal = g_array_new(FALSE, FALSE, sizeof(double)),
      .leaf_values = g_array_new(FALSE, FALSE, sizeof(double)),
      .c = c,
  };
  ps.ctx = g_markup_parse_context_new(&parser, 0, &ps, NULL);
  gboolean ok =
      g_markup_parse_context_parse(ps.ctx, g_mapped_file_get_contents(map), (gssize)len, &local) &&
      g_markup_parse_context_end_parse(ps.ctx, &local) && cascade_validate(&ps, &local);
  g_markup_parse_context_free(ps.ctx);
  g_string_free(ps.text, TRUE);
  g_array_unref(ps.internal);
  g_array_unref(ps.leaf_values);
  g_free(ps.stage_type);
  g_free(ps.feature_type);
  if (!ok) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT, "%s: not a usable cascade: %s",
                path, local->message);
    return NULL;
  }
  return g_steal_pointer(&owned);
}
