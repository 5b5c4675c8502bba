/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The session state machine through the core API, with no bus: a real booth on a temporary
 * state folder and the file camera playing tests/data/frames, driven by plain calls and
 * watched through the listener table. */
#include <ftw.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "core/session.h"
#include "error.h"

#define CODE1 "XJM1:8GvQ2mZrT0c4pL7wq9YbE3sNdKfA6uHx1JtVnR5oW2iC0lM8eDgB7yPzS4hQ"
#define CODE2 "XJM1:Nw3Lk9Qf2Xr7Tz0bVc5Ym8Hd1Gs6Ja4Pe9Ku2Io7Ry3Wt0Ex5Zq8Lb1Mn6Vc2"

static const BoothCaller OPERATOR = {":1.1", 0, TRUE, FALSE};
static const BoothCaller FRONTEND = {":1.2", 0, TRUE, FALSE};
static const BoothCaller STRANGER = {":1.3", 4242, FALSE, FALSE};

typedef struct {
  char *dir;
  BoothConfig *config;
  Booth *booth;
  GPtrArray *codes;   /* GBytes of every CodeScanned */
  GPtrArray *started; /* the session each code started, "" for none */
  GPtrArray *in_session;
  guint committed;
  char *owner; /* as the listener last heard */
} Fixture;

static void
on_code(const BoothCodeEvent *ev, gpointer data)
{
  Fixture *f = data;
  g_ptr_array_add(f->codes, g_bytes_ref(ev->code));
  g_ptr_array_add(f->started, g_strdup(ev->started_session ? ev->started_session : ""));
  g_ptr_array_add(f->in_session, GINT_TO_POINTER(ev->in_session));
}

static void
on_committed(const BoothRecord *record, gpointer data)
{
  (void)record;
  ((Fixture *)data)->committed++;
}

static void
on_owner(const char *owner, gpointer data)
{
  Fixture *f = data;
  g_free(f->owner);
  f->owner = g_strdup(owner);
}

/* A booth on the built-in defaults, with the file camera playing frames (a playlist or a
 * folder); fps and frame_timeout 0 keep the defaults. */
static void
setup_camera(Fixture *f, const char *frames, gboolean auto_start, int abandon_timeout, double fps,
             int frame_timeout)
{
  g_autoptr(GError) error = NULL;
  f->dir = g_dir_make_tmp("booth-session-XXXXXX", &error);
  g_assert_no_error(error);
  f->config = booth_config_load(NULL, &error);
  g_assert_no_error(error);
  g_free(f->config->camera);
  f->config->camera = g_strdup_printf("file:%s", frames);
  g_free(f->config->state_dir);
  f->config->state_dir = g_build_filename(f->dir, "state", NULL);
  g_free(f->config->profile_dir);
  f->config->profile_dir = g_build_filename(g_getenv("BOOTH_SOURCE_ROOT"), "etc", "profiles", NULL);
  f->config->auto_start = auto_start;
  f->config->abandon_timeout = abandon_timeout;
  if (fps > 0)
    f->config->fps = fps;
  if (frame_timeout > 0)
    f->config->frame_timeout = frame_timeout;
  g_assert_true(booth_config_load_profiles(f->config, &error));
  f->booth = booth_new(f->config, &error);
  g_assert_no_error(error);
  f->codes = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
  f->started = g_ptr_array_new_with_free_func(g_free);
  f->in_session = g_ptr_array_new();
  BoothListener l = {.code_scanned = on_code, .committed = on_committed, .owner_changed = on_owner};
  booth_add_listener(f->booth, &l, f);
  booth_start_frames(f->booth);
}

static void
setup(Fixture *f, const char *frames, gboolean auto_start, int abandon_timeout)
{
  setup_camera(f, frames, auto_start, abandon_timeout, 0, 0);
}

static char *
frames(const char *name)
{
  return g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", name, NULL);
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
  (void)st, (void)flag, (void)ftw;
  return remove(path);
}

static void
teardown(Fixture *f)
{
  booth_free(f->booth); /* and the configuration it was given */
  nftw(f->dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
  g_free(f->dir);
  g_ptr_array_unref(f->codes);
  g_ptr_array_unref(f->started);
  g_ptr_array_unref(f->in_session);
  g_free(f->owner);
}

/* ---- waiting ---- */

static gboolean
wake(gpointer data)
{
  (void)data;
  return G_SOURCE_CONTINUE;
}

/* Runs the main loop until the state is want, for at most timeout_s. */
static void
wait_state(Fixture *f, BoothState want, int timeout_s)
{
  guint tick = g_timeout_add(20, wake, NULL);
  gint64 deadline = g_get_monotonic_time() + timeout_s * G_USEC_PER_SEC;
  while (booth_get_state(f->booth) != want && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, TRUE);
  g_source_remove(tick);
  g_assert_cmpstr(booth_state_name(booth_get_state(f->booth)), ==, booth_state_name(want));
}

static void
run_for(int ms)
{
  gint64 until = g_get_monotonic_time() + ms * 1000;
  guint tick = g_timeout_add(20, wake, NULL);
  while (g_get_monotonic_time() < until)
    g_main_context_iteration(NULL, TRUE);
  g_source_remove(tick);
}

/* An answer: the method's value (copied) or error, once it came. */
typedef struct {
  gboolean came;
  char *id;
  GVariant *report;
  BoothRecord *record; /* the first, for lists */
  GError *error;
} Answer;

static void
answer_clear(Answer *a)
{
  g_free(a->id);
  g_clear_pointer(&a->report, g_variant_unref);
  g_clear_pointer(&a->record, booth_record_free);
  g_clear_error(&a->error);
}

static void
answer_take(Answer *a, const GError *error)
{
  a->came = TRUE;
  a->error = error ? g_error_copy(error) : NULL;
}

static void
got_id(const char *id, const GError *error, gpointer data)
{
  ((Answer *)data)->id = g_strdup(id);
  answer_take(data, error);
}

static void
got_report(GVariant *report, const GError *error, gpointer data)
{
  ((Answer *)data)->report = report ? g_variant_ref(report) : NULL;
  answer_take(data, error);
}

static void
got_done(const GError *error, gpointer data)
{
  answer_take(data, error);
}

static BoothRecord *
record_copy(const BoothRecord *r)
{
  BoothRecord *c = booth_record_new();
  c->session_id = g_strdup(r->session_id);
  c->code = r->code ? g_bytes_ref(r->code) : NULL;
  c->status = g_strdup(r->status);
  c->attempts = r->attempts;
  c->overrides = g_strdup(r->overrides);
  for (guint i = 0; r->files && i < r->files->len; i++) {
    const BoothRecordFile *f = g_ptr_array_index(r->files, i);
    BoothRecordFile *cf = booth_record_file_new();
    cf->profile = g_strdup(f->profile);
    cf->path = g_strdup(f->path);
    g_ptr_array_add(c->files, cf);
  }
  return c;
}

static void
got_record(const BoothRecord *record, const GError *error, gpointer data)
{
  ((Answer *)data)->record = record ? record_copy(record) : NULL;
  answer_take(data, error);
}

static void
got_records(GPtrArray *records, const GError *error, gpointer data)
{
  ((Answer *)data)->record =
      records && records->len ? record_copy(g_ptr_array_index(records, 0)) : NULL;
  answer_take(data, error);
}

/* Runs the main loop until the answer came; FALSE and its error in error when it failed. */
static gboolean
await(Answer *a, GError **error)
{
  while (!a->came)
    g_main_context_iteration(NULL, TRUE);
  if (!a->error)
    return TRUE;
  g_propagate_error(error, g_steal_pointer(&a->error));
  return FALSE;
}

/* ---- calls ---- */

static char *
start(Fixture *f, const BoothCaller *caller, const char *code, gboolean adopt, gboolean detach,
      GError **error)
{
  g_autoptr(GBytes) bytes = code ? g_bytes_new(code, strlen(code)) : NULL;
  BoothStartOptions o = {bytes, NULL, NULL, adopt, detach};
  Answer a = {0};
  booth_session_start(f->booth, caller, &o, got_id, &a);
  await(&a, error);
  return a.id;
}

static GVariant *
capture(Fixture *f, const BoothCaller *caller, gboolean force, GError **error)
{
  Answer a = {0};
  booth_session_capture(f->booth, caller, force, got_report, &a);
  await(&a, error);
  return a.report;
}

static gboolean
retake(Fixture *f, const BoothCaller *caller, GError **error)
{
  Answer a = {0};
  booth_session_retake(f->booth, caller, got_done, &a);
  return await(&a, error);
}

static BoothRecord *
commit(Fixture *f, const BoothCaller *caller, gboolean override, GError **error)
{
  Answer a = {0};
  booth_session_commit(f->booth, caller, override, NULL, got_record, &a);
  await(&a, error);
  return a.record;
}

static gboolean
cancel(Fixture *f, const BoothCaller *caller, GError **error)
{
  Answer a = {0};
  booth_session_cancel(f->booth, caller, got_done, &a);
  return await(&a, error);
}

static BoothRecord *
record_of(Fixture *f, const char *id)
{
  Answer a = {0};
  booth_records_list(f->booth, &OPERATOR, 1, NULL, id, -1, got_records, &a);
  await(&a, NULL);
  g_assert_nonnull(a.record);
  return a.record;
}

static void
assert_code(GBytes *code, const char *want)
{
  g_assert_nonnull(code);
  g_assert_cmpmem(g_bytes_get_data(code, NULL), g_bytes_get_size(code), want, strlen(want));
}

/* ---- cases ---- */

/* By call: capture -> retake -> capture -> commit of a failing candidate, refused without
 * override and recorded with it. */
static void
test_call_capture_retake_commit(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("no-code.playlist");
  setup(&f, pl, FALSE, 30);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = start(&f, &OPERATOR, CODE1, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_FRAMING);
  g_autoptr(GVariant) first = capture(&f, &OPERATOR, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_REVIEWING);
  g_assert_true(retake(&f, &OPERATOR, &error));
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_FRAMING);
  g_autoptr(GVariant) second = capture(&f, &OPERATOR, FALSE, &error);
  g_assert_no_error(error);
  gboolean passed = TRUE;
  g_assert_true(g_variant_lookup(second, "passed", "b", &passed));
  g_assert_false(passed); /* the sample's backdrop is grey */
  g_assert_null(commit(&f, &OPERATOR, FALSE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_CHECKS_FAILED);
  g_assert_nonnull(strstr(error->message, "background_colour"));
  g_clear_error(&error);
  g_autoptr(BoothRecord) rec = commit(&f, &OPERATOR, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(rec->session_id, ==, id);
  g_assert_cmpstr(rec->status, ==, "committed");
  assert_code(rec->code, CODE1);
  g_assert_cmpuint(rec->attempts, ==, 2);
  g_assert_nonnull(strstr(rec->overrides, "background_colour"));
  g_assert_cmpuint(rec->files->len, ==, f.config->loaded_profiles->len);
  g_assert_cmpuint(f.committed, ==, 1);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_IDLE);
  /* Committing again: the session is over. */
  g_assert_null(commit(&f, &OPERATOR, TRUE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_SESSION);
  teardown(&f);
}

/* By code: the code starts the session and is its code; held in view it starts no other. */
static void
test_code_starts_once(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("no-face.playlist"); /* code 2 held up */
  setup(&f, pl, TRUE, 30);
  wait_state(&f, BOOTH_STATE_FRAMING, 10);
  const BoothSession *s = booth_get_session(f.booth);
  g_autofree char *id = g_strdup(s->id);
  assert_code(s->code, CODE2);
  g_assert_null(s->owner); /* a scanned code's session is detached */
  run_for(1500);
  g_assert_cmpuint(f.codes->len, ==, 1);
  g_assert_cmpstr(g_ptr_array_index(f.started, 0), ==, id);
  g_assert_cmpstr(booth_get_session(f.booth)->id, ==, id);
  /* Captured and committed (forced: nobody sits there), the code in view starts nothing. */
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) report = capture(&f, &FRONTEND, FALSE, &error);
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_FACE);
  g_clear_error(&error);
  g_autoptr(GVariant) forced = capture(&f, &FRONTEND, TRUE, &error);
  g_assert_no_error(error);
  g_autoptr(BoothRecord) rec = commit(&f, &FRONTEND, TRUE, &error);
  g_assert_no_error(error);
  run_for(1000);
  g_assert_null(booth_get_session(f.booth));
  /* A session by hand while the committed code is in view takes no code. */
  g_autofree char *id2 = start(&f, &OPERATOR, NULL, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_SCANNING);
  g_assert_null(capture(&f, &OPERATOR, FALSE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BAD_STATE);
  g_assert_nonnull(strstr(error->message, "no capture code yet"));
  g_clear_error(&error);
  g_assert_true(cancel(&f, &OPERATOR, &error));
  teardown(&f);
}

/* Another student's code during a session is signalled and changes nothing. */
static void
test_other_code_in_session(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("two-codes.playlist");
  setup(&f, pl, TRUE, 30);
  wait_state(&f, BOOTH_STATE_FRAMING, 10);
  g_autofree char *id = g_strdup(booth_get_session(f.booth)->id);
  guint tick = g_timeout_add(20, wake, NULL);
  gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
  while (f.codes->len < 2 && g_get_monotonic_time() < deadline)
    g_main_context_iteration(NULL, TRUE);
  g_source_remove(tick);
  g_assert_cmpuint(f.codes->len, ==, 2);
  assert_code(g_ptr_array_index(f.codes, 1), CODE2);
  g_assert_true(GPOINTER_TO_INT(g_ptr_array_index(f.in_session, 1)));
  g_assert_cmpstr(g_ptr_array_index(f.started, 1), ==, "");
  g_assert_cmpstr(booth_get_session(f.booth)->id, ==, id);
  assert_code(booth_get_session(f.booth)->code, CODE1);
  teardown(&f);
}

/* Owners: another caller gets NotOwner, a stranger Denied; the owner leaves, another adopts;
 * the next owner leaves and nobody adopts: abandoned after the timeout. Cancel ends it. */
static void
test_owner_adopt_abandon(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("no-code.playlist");
  setup(&f, pl, FALSE, 1);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = start(&f, &FRONTEND, CODE1, FALSE, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(f.owner, ==, FRONTEND.name);
  g_assert_false(cancel(&f, &OPERATOR, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NOT_OWNER);
  g_clear_error(&error);
  g_assert_false(cancel(&f, &STRANGER, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_DENIED);
  g_clear_error(&error);
  g_assert_null(start(&f, &OPERATOR, CODE2, FALSE, FALSE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BUSY);
  g_clear_error(&error);

  booth_session_owner_left(f.booth, FRONTEND.name);
  g_assert_null(f.owner);
  g_assert_true(booth_get_session(f.booth)->owner_lost);
  g_autofree char *adopted = start(&f, &OPERATOR, NULL, TRUE, FALSE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(adopted, ==, id);
  g_assert_cmpstr(f.owner, ==, OPERATOR.name);
  g_autoptr(GVariant) report = capture(&f, &OPERATOR, FALSE, &error);
  g_assert_no_error(error);

  booth_session_owner_left(f.booth, OPERATOR.name);
  wait_state(&f, BOOTH_STATE_IDLE, 5); /* abandon_timeout is 1 s */
  g_autoptr(BoothRecord) rec = record_of(&f, id);
  g_assert_cmpstr(rec->status, ==, "abandoned");
  /* Every profile's candidate, kept. */
  g_assert_cmpuint(rec->files->len, ==, f.config->loaded_profiles->len);
  for (guint i = 0; i < f.config->loaded_profiles->len; i++) {
    const BoothProfile *p = g_ptr_array_index(f.config->loaded_profiles, i);
    g_autofree char *kept = g_strconcat("candidate/", p->name, NULL);
    gboolean found = FALSE;
    for (guint j = 0; j < rec->files->len; j++)
      found |= g_str_equal(((BoothRecordFile *)g_ptr_array_index(rec->files, j))->profile, kept);
    g_assert_true(found);
  }

  g_autofree char *again = start(&f, &OPERATOR, CODE2, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_true(cancel(&f, &FRONTEND, &error)); /* detached: anyone authorized */
  g_autoptr(BoothRecord) cancelled = record_of(&f, again);
  g_assert_cmpstr(cancelled->status, ==, "cancelled");
  teardown(&f);
}

/* A session opened before any code takes the first code shown after, and its record holds it. */
static void
test_code_shown_after_start(void)
{
  Fixture f = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("booth-playlist-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *student = frames("student.jpg");
  g_autofree char *code = frames("code-2.png");
  g_autofree char *text = g_strdup_printf("%s 2\n%s 600\n", student, code);
  g_autofree char *pl = g_build_filename(dir, "later.playlist", NULL);
  g_assert_true(g_file_set_contents(pl, text, -1, &error));
  setup(&f, pl, FALSE, 30);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autofree char *id = start(&f, &OPERATOR, NULL, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_SCANNING);
  wait_state(&f, BOOTH_STATE_FRAMING, 10);
  g_assert_cmpstr(booth_get_session(f.booth)->id, ==, id);
  assert_code(booth_get_session(f.booth)->code, CODE2);
  g_autoptr(BoothRecord) rec = record_of(&f, id);
  assert_code(rec->code, CODE2);
  g_assert_true(cancel(&f, &OPERATOR, &error));
  teardown(&f);
  g_remove(pl);
  g_rmdir(dir);
}

/* A session opened without a code takes the one the operator gives by adopting it; once it
 * has a code, another is refused and the record keeps the first. */
static void
test_adopt_gives_code(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("no-code.playlist");
  setup(&f, pl, FALSE, 30);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autoptr(GError) error = NULL;
  g_autofree char *id = start(&f, &OPERATOR, NULL, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(booth_get_state(f.booth), ==, BOOTH_STATE_SCANNING);
  g_autofree char *same = start(&f, &OPERATOR, CODE1, TRUE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(same, ==, id);
  assert_code(booth_get_session(f.booth)->code, CODE1);
  g_assert_null(start(&f, &OPERATOR, CODE2, TRUE, TRUE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_BUSY);
  g_clear_error(&error);
  assert_code(booth_get_session(f.booth)->code, CODE1);
  g_autoptr(GVariant) report = capture(&f, &OPERATOR, FALSE, &error);
  g_assert_no_error(error);
  g_autoptr(BoothRecord) rec = commit(&f, &OPERATOR, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpstr(rec->session_id, ==, id);
  assert_code(rec->code, CODE1);
  g_autoptr(BoothRecord) stored = record_of(&f, id);
  assert_code(stored->code, CODE1);
  teardown(&f);
}

/* Calls sent back to back, before the first is answered, run in order. */
static void
test_calls_wait_their_turn(void)
{
  Fixture f = {0};
  g_autofree char *pl = frames("no-code.playlist");
  setup(&f, pl, FALSE, 30);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autoptr(GBytes) code = g_bytes_new_static(CODE1, strlen(CODE1));
  BoothStartOptions o = {code, NULL, NULL, FALSE, FALSE};
  Answer a1 = {0}, a2 = {0}, a3 = {0};
  booth_session_start(f.booth, &FRONTEND, &o, got_id, &a1);
  booth_session_capture(f.booth, &FRONTEND, FALSE, got_report, &a2);
  booth_session_cancel(f.booth, &FRONTEND, got_done, &a3);
  await(&a3, NULL);
  g_assert_true(a1.came && a2.came);
  g_assert_no_error(a1.error);
  g_assert_no_error(a2.error);
  g_assert_no_error(a3.error);
  g_assert_nonnull(a2.report);
  g_autofree char *id = g_strdup(a1.id);
  answer_clear(&a1);
  answer_clear(&a2);
  answer_clear(&a3);
  g_autoptr(BoothRecord) rec = record_of(&f, id);
  g_assert_cmpstr(rec->status, ==, "cancelled");
  g_assert_cmpuint(rec->attempts, ==, 1);
  teardown(&f);
}

/* The camera goes during a session: the session stays, Capture answers NoCamera; it comes
 * back and the same session goes on. The file camera stands in: one frame every 10 s
 * against a frame timeout of 2 s looks hung, and its folder, moved away, is not found. */
static void
test_camera_lost_and_back(void)
{
  Fixture f = {0};
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp("booth-cam-XXXXXX", &error);
  g_assert_no_error(error);
  g_autofree char *cam = g_build_filename(dir, "cam", NULL);
  g_autofree char *away = g_build_filename(dir, "away", NULL);
  g_autofree char *student = frames("student.jpg");
  g_autofree char *copy = g_build_filename(cam, "student.jpg", NULL);
  g_autofree char *data = NULL;
  gsize len;
  g_assert_cmpint(g_mkdir(cam, 0700), ==, 0);
  g_assert_true(g_file_get_contents(student, &data, &len, &error));
  g_assert_true(g_file_set_contents(copy, data, (gssize)len, &error));

  setup_camera(&f, cam, FALSE, 30, 0.1, 2);
  wait_state(&f, BOOTH_STATE_IDLE, 5);
  g_autofree char *id = start(&f, &OPERATOR, CODE1, FALSE, TRUE, &error);
  g_assert_no_error(error);
  g_assert_cmpint(g_rename(cam, away), ==, 0);
  wait_state(&f, BOOTH_STATE_ERROR, 15);
  g_assert_cmpstr(booth_get_session(f.booth)->id, ==, id);
  g_assert_null(capture(&f, &OPERATOR, FALSE, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA);
  g_clear_error(&error);
  g_assert_cmpint(g_rename(away, cam), ==, 0);
  wait_state(&f, BOOTH_STATE_FRAMING, 20);
  g_assert_cmpstr(booth_get_session(f.booth)->id, ==, id);
  g_assert_true(cancel(&f, &OPERATOR, &error));
  teardown(&f);
  g_remove(copy);
  g_rmdir(cam);
  g_rmdir(dir);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
  g_test_add_func("/session/call-capture-retake-commit", test_call_capture_retake_commit);
  g_test_add_func("/session/code-starts-once", test_code_starts_once);
  g_test_add_func("/session/other-code-in-session", test_other_code_in_session);
  g_test_add_func("/session/owner-adopt-abandon", test_owner_adopt_abandon);
  g_test_add_func("/session/code-shown-after-start", test_code_shown_after_start);
  g_test_add_func("/session/adopt-gives-code", test_adopt_gives_code);
  g_test_add_func("/session/calls-wait-their-turn", test_calls_wait_their_turn);
  g_test_add_func("/session/camera-lost-and-back", test_camera_lost_and_back);
  return g_test_run();
}
