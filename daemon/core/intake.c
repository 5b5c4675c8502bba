/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Code intake: the codes the camera has shown and what the sessions made of them. */
#include "intake.h"

typedef struct {
  GBytes *code;
  gint64 last_seen;
  guint64 order; /* when it first appeared, as a count: ties in last_seen keep this order */
  gboolean in_view;
  gboolean used;      /* a session took it */
  gboolean committed; /* a session with it was committed */
  gboolean refused;   /* not a valid capture code */
} Entry;

struct BoothIntake {
  GHashTable *codes; /* GBytes -> Entry*, the Entry owns nothing of the key */
  gint64 forget_us;
  guint64 next_order;
  guint in_view;
};

static void
entry_free(gpointer p)
{
  Entry *e = p;
  g_bytes_unref(e->code);
  g_free(e);
}

BoothIntake *
booth_intake_new(gint64 forget_us)
{
  g_assert(forget_us >= 0);
  BoothIntake *in = g_new0(BoothIntake, 1);
  in->codes = g_hash_table_new_full(g_bytes_hash, g_bytes_equal, NULL, entry_free);
  in->forget_us = forget_us;
  return in;
}

void
booth_intake_free(BoothIntake *in)
{
  if (!in)
    return;
  g_hash_table_unref(in->codes);
  g_free(in);
}

static Entry *
entry_get(BoothIntake *in, GBytes *code, gint64 now, gboolean *created)
{
  Entry *e = g_hash_table_lookup(in->codes, code);
  if (created)
    *created = e == NULL;
  if (!e) {
    e = g_new0(Entry, 1);
    e->code = g_bytes_ref(code);
    e->last_seen = now;
    e->order = in->next_order++;
    g_hash_table_insert(in->codes, e->code, e);
  }
  return e;
}

GPtrArray *
booth_intake_frame(BoothIntake *in, GBytes *const *codes, guint n_codes, gint64 now)
{
  g_assert(in && (codes || n_codes == 0));
  GHashTableIter it;
  Entry *e;
  g_hash_table_iter_init(&it, in->codes);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e)) {
    e->in_view = FALSE;
    if (now - e->last_seen > in->forget_us)
      g_hash_table_iter_remove(&it);
  }
  GPtrArray *fresh = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  in->in_view = 0;
  for (guint i = 0; i < n_codes; i++) {
    gboolean created;
    e = entry_get(in, codes[i], now, &created);
    if (created)
      g_ptr_array_add(fresh, g_bytes_ref(e->code));
    e->last_seen = now;
    if (!e->in_view)
      in->in_view++;
    e->in_view = TRUE;
  }
  return fresh;
}

/* Unused before used, then the most recently seen, then the first to appear. */
static gboolean
better(const Entry *a, const Entry *b)
{
  if (!b)
    return TRUE;
  if (a->used != b->used)
    return !a->used;
  if (a->last_seen != b->last_seen)
    return a->last_seen > b->last_seen;
  return a->order < b->order;
}

GBytes *
booth_intake_pick_for_session(BoothIntake *in, gint64 now)
{
  g_assert(in);
  GHashTableIter it;
  Entry *e, *best = NULL;
  g_hash_table_iter_init(&it, in->codes);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e))
    if (!e->committed && !e->refused && now - e->last_seen <= in->forget_us && better(e, best))
      best = e;
  return best ? g_bytes_ref(best->code) : NULL;
}

GBytes *
booth_intake_pick_to_start(BoothIntake *in)
{
  g_assert(in);
  GHashTableIter it;
  Entry *e, *best = NULL;
  g_hash_table_iter_init(&it, in->codes);
  while (g_hash_table_iter_next(&it, NULL, (gpointer *)&e))
    if (e->in_view && !e->used && !e->committed && !e->refused && better(e, best))
      best = e;
  return best ? g_bytes_ref(best->code) : NULL;
}

void
booth_intake_mark_used(BoothIntake *in, GBytes *code, gint64 now)
{
  g_assert(in && code);
  entry_get(in, code, now, NULL)->used = TRUE;
}

void
booth_intake_mark_committed(BoothIntake *in, GBytes *code, gint64 now)
{
  g_assert(in && code);
  Entry *e = entry_get(in, code, now, NULL);
  e->used = e->committed = TRUE;
}

void
booth_intake_mark_refused(BoothIntake *in, GBytes *code, gint64 now)
{
  g_assert(in && code);
  entry_get(in, code, now, NULL)->refused = TRUE;
}

guint
booth_intake_in_view(BoothIntake *in)
{
  g_assert(in);
  return in->in_view;
}
