/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Code intake: which capture code belongs to which session. The booth feeds it every code it
 * decodes and asks it which code a session takes; it decides nothing else and knows nothing of
 * the bus, the camera or the clock (times are passed in, monotonic microseconds).
 *
 * The rules it keeps (DESIGN.md, "the one promise"):
 * - A code is "recent" while it has been seen within `forget` microseconds, and "in view"
 *   while it was in the latest analysed frame. A code out of view for `forget` is forgotten:
 *   shown again, it is new.
 * - A session started without a code takes the recent code when it starts, or the first code
 *   that appears after; never one that a committed session used (the previous student's code
 *   still on the desk), and never once the session's first capture has begun.
 * - A code that started or was given to a session is "used": it never auto-starts another
 *   session while it stays remembered. The next student's code, seen during a session, is not
 *   used: it starts the next session when this one ends, if it is still in view.
 * - Where several codes qualify, an unused one wins over a used one, then the most recently
 *   seen; equal times keep the order in which the codes first appeared. */
#pragma once

#include <glib.h>

typedef struct BoothIntake BoothIntake;

BoothIntake *booth_intake_new(gint64 forget_us);
void booth_intake_free(BoothIntake *in);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(BoothIntake, booth_intake_free)

/* One analysed frame: forgets what was out of view too long, then records each code of the
 * frame (codes may be empty). Returns the codes that are new (not remembered before), in
 * frame order, as a GPtrArray of GBytes (the caller unrefs); these are the ones to signal. */
GPtrArray *booth_intake_frame(BoothIntake *in, GBytes *const *codes, guint n_codes, gint64 now);

/* The code a session without one should take now: a recent code, not committed; NULL when
 * there is none. The reference is the caller's. */
GBytes *booth_intake_pick_for_session(BoothIntake *in, gint64 now);

/* The code that should start a session now (auto start): in view, never used; or NULL. */
GBytes *booth_intake_pick_to_start(BoothIntake *in);

/* A session took code (by scan, by StartSession or by adoption). A code not seen yet (typed
 * by the operator) is remembered from now. */
void booth_intake_mark_used(BoothIntake *in, GBytes *code, gint64 now);
/* A session with code was committed: the code attaches to no later session until it has been
 * out of view for `forget` and is shown again. */
void booth_intake_mark_committed(BoothIntake *in, GBytes *code, gint64 now);
/* The code is not a valid capture code: it attaches to nothing while remembered. */
void booth_intake_mark_refused(BoothIntake *in, GBytes *code, gint64 now);

/* Number of codes in the latest frame. */
guint booth_intake_in_view(BoothIntake *in);
