/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Code intake: the rules that keep the right code on the right photo, without a bus or a
 * camera. Times are microseconds; forget is 3 s as in the shipped configuration. */
#include "core/intake.h"

#define S G_USEC_PER_SEC
#define FORGET (3 * S)

static GBytes *A, *B;

/* frame(in, now, codes...): one analysed frame; returns how many codes were new. */
static guint
frame(BoothIntake *in, gint64 now, GBytes *c1, GBytes *c2)
{
  GBytes *codes[2] = {c1, c2};
  guint n = c2 ? 2 : c1 ? 1 : 0;
  g_autoptr(GPtrArray) fresh = booth_intake_frame(in, codes, n, now);
  return fresh->len;
}

static gboolean
is(GBytes *got, GBytes *want)
{
  g_autoptr(GBytes) owned = got;
  return got == want || (got && want && g_bytes_equal(got, want));
}

static void
test_new_codes(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  g_assert_cmpuint(frame(in, 0, A, NULL), ==, 1);
  g_assert_cmpuint(frame(in, S, A, NULL), ==, 0);        /* held in view: not new */
  g_assert_cmpuint(frame(in, 3 * S, NULL, NULL), ==, 0); /* out of view 2 s: remembered */
  g_assert_cmpuint(booth_intake_in_view(in), ==, 0);
  g_assert_cmpuint(frame(in, 3 * S + 1, A, B), ==, 1); /* only B is new */
  g_assert_cmpuint(booth_intake_in_view(in), ==, 2);
  g_assert_cmpuint(frame(in, 7 * S, NULL, NULL), ==, 0); /* both forgotten */
  g_assert_cmpuint(frame(in, 7 * S + 1, A, NULL), ==, 1);
}

static void
test_session_takes_code_in_view(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  g_assert_true(is(booth_intake_pick_for_session(in, 0), NULL));
  frame(in, 0, A, NULL);
  frame(in, S, NULL, NULL);
  /* Shown 2 s ago, within forget: the session started now takes it. */
  g_assert_true(is(booth_intake_pick_for_session(in, 2 * S), A));
  /* Out of view longer than forget: it belongs to nobody now. */
  g_assert_true(is(booth_intake_pick_for_session(in, 4 * S), NULL));
}

static void
test_committed_code_never_moves(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  frame(in, 0, A, NULL);
  booth_intake_mark_used(in, A, 0);
  booth_intake_mark_committed(in, A, S);
  frame(in, 2 * S, A, NULL);
  /* Still on the desk: neither starts nor attaches. */
  g_assert_true(is(booth_intake_pick_to_start(in), NULL));
  g_assert_true(is(booth_intake_pick_for_session(in, 2 * S), NULL));
  /* The next student's code attaches; the committed one stays out. */
  frame(in, 2 * S + 1, A, B);
  g_assert_true(is(booth_intake_pick_for_session(in, 2 * S + 1), B));
  /* Gone for longer than forget and shown again: a new showing, free again. */
  frame(in, 6 * S, NULL, NULL);
  g_assert_cmpuint(frame(in, 6 * S + 1, A, NULL), ==, 1);
  g_assert_true(is(booth_intake_pick_to_start(in), A));
}

static void
test_cancelled_code_attaches_by_hand_only(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  frame(in, 0, A, NULL);
  g_assert_true(is(booth_intake_pick_to_start(in), A));
  booth_intake_mark_used(in, A, 0); /* auto-started, then cancelled */
  frame(in, S, A, NULL);
  g_assert_true(is(booth_intake_pick_to_start(in), NULL));
  g_assert_true(is(booth_intake_pick_for_session(in, S), A));
}

static void
test_next_student_waits_in_view(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  frame(in, 0, A, NULL);
  booth_intake_mark_used(in, A, 0);
  frame(in, 5 * S, B, NULL); /* during A's session: not used by it */
  booth_intake_mark_committed(in, A, 6 * S);
  frame(in, 6 * S, B, NULL);
  g_assert_true(is(booth_intake_pick_to_start(in), B));
  /* Out of view now: it no longer starts a session, though a session by hand may take it. */
  frame(in, 7 * S, NULL, NULL);
  g_assert_true(is(booth_intake_pick_to_start(in), NULL));
  g_assert_true(is(booth_intake_pick_for_session(in, 7 * S), B));
}

static void
test_unused_wins(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  frame(in, 0, A, B);
  booth_intake_mark_used(in, B, 0);
  frame(in, S, B, NULL); /* B seen more recently, but used */
  g_assert_true(is(booth_intake_pick_for_session(in, S), A));
  booth_intake_mark_refused(in, A, S);
  g_assert_true(is(booth_intake_pick_for_session(in, S), B));
  g_assert_true(is(booth_intake_pick_to_start(in), NULL));
}

static void
test_typed_code_remembered(void)
{
  g_autoptr(BoothIntake) in = booth_intake_new(FORGET);
  booth_intake_mark_committed(in, A, 0); /* typed by the operator, never seen */
  g_assert_cmpuint(frame(in, S, A, NULL), ==, 0);
  g_assert_true(is(booth_intake_pick_to_start(in), NULL));
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  A = g_bytes_new_static("XJM1:student-a", 14);
  B = g_bytes_new_static("XJM1:student-b", 14);
  g_test_add_func("/intake/new-codes", test_new_codes);
  g_test_add_func("/intake/session-takes-code-in-view", test_session_takes_code_in_view);
  g_test_add_func("/intake/committed-code-never-moves", test_committed_code_never_moves);
  g_test_add_func("/intake/cancelled-code-attaches-by-hand-only",
                  test_cancelled_code_attaches_by_hand_only);
  g_test_add_func("/intake/next-student-waits-in-view", test_next_student_waits_in_view);
  g_test_add_func("/intake/unused-wins", test_unused_wins);
  g_test_add_func("/intake/typed-code-remembered", test_typed_code_remembered);
  int r = g_test_run();
  g_bytes_unref(A);
  g_bytes_unref(B);
  return r;
}
