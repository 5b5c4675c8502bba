/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The camera supervisor with short timings, driven by a fake camera that can be absent, stop
 * delivering frames, be unplugged, refuse to open, and come back; and the file camera through
 * the same supervisor. Statuses must arrive on the main context, never inline. */
#include <string.h>

#include "camera/camera-supervisor.h"
#include "error.h"

/* ---- a world with at most one fake camera in it ---- */

typedef struct {
  GMutex lock;
  gboolean present;         /* an open finds the camera */
  BoothErrorCode error;     /* how an open fails when it is not */
  gboolean deliver;         /* cameras deliver frames */
  guint opens;              /* attempts */
  GArray *open_times;       /* gint64, monotonic */
  struct FakeCamera *alive; /* the one open, if any */
} World;

typedef struct FakeCamera {
  BoothCamera base;
  World *world;
  GThread *thread;
  gint stop;
} FakeCamera;

static gpointer
fake_thread(gpointer data)
{
  FakeCamera *fc = data;
  while (!g_atomic_int_get(&fc->stop)) {
    g_mutex_lock(&fc->world->lock);
    gboolean deliver = fc->world->deliver;
    g_mutex_unlock(&fc->world->lock);
    if (deliver)
      booth_mailbox_put(fc->base.mailbox, booth_frame_new(32, 24));
    g_usleep(5000);
  }
  return NULL;
}

static gboolean
fake_start(BoothCamera *cam, GError **error)
{
  FakeCamera *fc = (FakeCamera *)cam;
  (void)error;
  g_atomic_int_set(&fc->stop, 0);
  fc->thread = g_thread_new("fake-camera", fake_thread, fc);
  return TRUE;
}

static void
fake_stop(BoothCamera *cam)
{
  FakeCamera *fc = (FakeCamera *)cam;
  g_atomic_int_set(&fc->stop, 1);
  g_clear_pointer(&fc->thread, g_thread_join);
}

static void
fake_destroy(BoothCamera *cam)
{
  FakeCamera *fc = (FakeCamera *)cam;
  g_mutex_lock(&fc->world->lock);
  if (fc->world->alive == fc)
    fc->world->alive = NULL;
  g_mutex_unlock(&fc->world->lock);
  g_free(fc);
}

static const BoothCameraOps fake_ops = {
    .kind = "fake",
    .start = fake_start,
    .stop = fake_stop,
    .destroy = fake_destroy,
};

static BoothCamera *
fake_open(const char *spec, const BoothCameraOptions *opts, BoothMailbox *mailbox,
          gpointer user_data, GError **error)
{
  World *w = user_data;
  g_assert_cmpstr(spec, ==, "fake");
  g_assert_cmpfloat(opts->fps, ==, 15);
  g_mutex_lock(&w->lock);
  w->opens++;
  gint64 now = g_get_monotonic_time();
  g_array_append_val(w->open_times, now);
  if (!w->present) {
    g_set_error(error, BOOTH_ERROR, w->error, "fake: no camera (%s)",
                w->error == BOOTH_ERROR_NO_CAMERA ? "not there" : "refused");
    g_mutex_unlock(&w->lock);
    return NULL;
  }
  FakeCamera *fc = g_new0(FakeCamera, 1);
  booth_camera_init(&fc->base, &fake_ops, mailbox);
  fc->world = w;
  fc->base.id = g_strdup("fake:1");
  fc->base.model = g_strdup("Fake Cam");
  fc->base.width = 32;
  fc->base.height = 24;
  fc->base.fps = 200;
  w->alive = fc;
  g_mutex_unlock(&w->lock);
  return &fc->base;
}

static void
world_set(World *w, gboolean present, gboolean deliver)
{
  g_mutex_lock(&w->lock);
  w->present = present;
  w->deliver = deliver;
  g_mutex_unlock(&w->lock);
}

static guint
world_opens(World *w)
{
  g_mutex_lock(&w->lock);
  guint n = w->opens;
  g_mutex_unlock(&w->lock);
  return n;
}

/* ---- what the main context hears ---- */

typedef struct {
  World world;
  GPtrArray *seen; /* BoothCameraStatus* */
  guint next;      /* the first not yet waited for */
  GThread *main_thread;
  BoothMailbox *mailbox;
  BoothCameraSupervisor *sup;
} Fixture;

static void
status_free(gpointer p)
{
  booth_camera_status_clear(p);
  g_free(p);
}

static void
on_status(const BoothCameraStatus *st, gpointer data)
{
  Fixture *f = data;
  /* On the main context's thread, from its loop: never inline on the supervisor's. */
  g_assert_true(g_thread_self() == f->main_thread);
  BoothCameraStatus *copy = g_new0(BoothCameraStatus, 1);
  booth_camera_status_copy(copy, st);
  g_test_message("status %s (%u restarts): %s", booth_camera_state_name(st->state), st->restarts,
                 st->message);
  g_ptr_array_add(f->seen, copy);
}

static void
spin(int ms)
{
  gint64 end = g_get_monotonic_time() + ms * 1000;
  while (g_get_monotonic_time() < end)
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
}

/* The next status in that state, skipping none but states listed as passing. */
static const BoothCameraStatus *
wait_for(Fixture *f, BoothCameraState state, int timeout_ms)
{
  gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
  for (;;) {
    while (f->next < f->seen->len) {
      const BoothCameraStatus *st = g_ptr_array_index(f->seen, f->next++);
      if (st->state == state)
        return st;
    }
    if (g_get_monotonic_time() > end)
      g_error("no '%s' status within %d ms (%u statuses seen)", booth_camera_state_name(state),
              timeout_ms, f->seen->len);
    if (!g_main_context_iteration(NULL, FALSE))
      g_usleep(1000);
  }
}

static BoothCameraTiming
short_timing(void)
{
  BoothCameraTiming t;
  booth_camera_timing_init(&t);
  t.reprobe_ms = 50;
  t.frame_timeout_ms = 100;
  t.max_restarts = 2;
  t.backoff_ms = 200;
  t.backoff_max_ms = 1000;
  t.healthy_ms = 60000;
  return t;
}

static void
fixture_setup(Fixture *f, gconstpointer data)
{
  (void)data;
  g_mutex_init(&f->world.lock);
  f->world.error = BOOTH_ERROR_NO_CAMERA;
  f->world.open_times = g_array_new(FALSE, FALSE, sizeof(gint64));
  f->seen = g_ptr_array_new_with_free_func(status_free);
  f->main_thread = g_thread_self();
  f->mailbox = booth_mailbox_new();
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
  (void)data;
  g_clear_pointer(&f->sup, booth_camera_supervisor_free);
  while (g_main_context_iteration(NULL, FALSE))
    ;
  g_ptr_array_unref(f->seen);    /* statuses hold references to cameras */
  g_assert_null(f->world.alive); /* every camera was closed and destroyed */
  g_array_unref(f->world.open_times);
  booth_mailbox_free(f->mailbox);
  g_mutex_clear(&f->world.lock);
}

static void
start(Fixture *f, const char *spec, const BoothCameraTiming *t, BoothCameraStatus *first)
{
  BoothCameraOptions opts;
  booth_camera_options_init(&opts);
  f->sup = booth_camera_supervisor_new(spec, &opts, t, f->mailbox, on_status, f);
  if (g_str_equal(spec, "fake"))
    booth_camera_supervisor_set_open_func(f->sup, fake_open, &f->world);
  booth_camera_supervisor_start(f->sup, first);
  /* The first attempt's status is returned, not called back. */
  g_assert_cmpuint(f->seen->len, ==, 0);
}

/* ---- cases ---- */

static void
test_absent_then_plugged(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_ABSENT);
  g_assert_null(first.camera);
  g_assert_cmpstr(first.message, ==, "fake: no camera (not there)");
  g_assert_cmpstr(first.id, ==, "fake");
  booth_camera_status_clear(&first);

  /* It keeps probing, and the same answer is no news. */
  spin(400);
  g_assert_cmpuint(world_opens(&f->world), >=, 4);
  g_assert_cmpuint(f->seen->len, ==, 0);
  g_assert_null(booth_camera_supervisor_dup_camera(f->sup));
  g_autoptr(GError) error = NULL;
  g_assert_null(booth_camera_supervisor_capture(f->sup, 1, 0, G_USEC_PER_SEC, &error));
  g_assert_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA);
  g_assert_cmpstr(error->message, ==, "no camera: fake: no camera (not there)");
  g_clear_error(&error);

  world_set(&f->world, TRUE, TRUE);
  const BoothCameraStatus *st = wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
  g_assert_nonnull(st->camera);
  g_assert_cmpstr(st->id, ==, "fake:1");
  g_assert_cmpstr(st->model, ==, "Fake Cam");
  g_assert_cmpint(st->width, ==, 32);
  g_assert_cmpstr(st->message, ==, "");
  guint opens = world_opens(&f->world);

  /* Stills from a camera without its own still capture: the next frames of the mailbox. */
  g_autoptr(GPtrArray) frames =
      booth_camera_supervisor_capture(f->sup, 3, 0, G_USEC_PER_SEC, &error);
  g_assert_no_error(error);
  g_assert_cmpuint(frames->len, ==, 3);
  spin(200);
  g_assert_cmpuint(world_opens(&f->world), ==, opens); /* no probing while it runs */
}

static void
test_hung_restarts_then_fails(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  world_set(&f->world, TRUE, TRUE);
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_RUNNING);
  booth_camera_status_clear(&first);
  spin(250); /* frames flow longer than frame_timeout: no restart */
  g_assert_cmpuint(f->seen->len, ==, 0);

  world_set(&f->world, TRUE, FALSE);
  const BoothCameraStatus *st = wait_for(f, BOOTH_CAMERA_HUNG, 2000);
  g_assert_nonnull(strstr(st->message, "camera fake:1 delivered no frame for"));
  g_assert_nonnull(strstr(st->message, "restarting it in 0.2 s (restart 1 of 2)"));
  g_assert_null(st->camera);
  st = wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
  g_assert_cmpuint(st->restarts, ==, 1);
  st = wait_for(f, BOOTH_CAMERA_HUNG, 2000);
  g_assert_nonnull(strstr(st->message, "restarting it in 0.4 s (restart 2 of 2)"));
  st = wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
  g_assert_cmpuint(st->restarts, ==, 2);
  st = wait_for(f, BOOTH_CAMERA_FAILED, 2000);
  g_assert_nonnull(strstr(st->message, "did not recover after 2 restarts: unplug and replug it"));
  g_assert_cmpuint(world_opens(&f->world), ==, 3);

  /* The pause before a restart doubles, 0.2 s then 0.4 s: the second restart comes 0.1 s
   * (frame timeout) + 0.4 s after the first, which came 0.25 s (frames) + 0.1 + 0.2 s after
   * the start. */
  g_mutex_lock(&f->world.lock);
  gint64 *ts = (gint64 *)(void *)f->world.open_times->data;
  gint64 gap1 = ts[1] - ts[0], gap2 = ts[2] - ts[1];
  g_mutex_unlock(&f->world.lock);
  g_test_message("gaps between opens: %" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT " ms",
                 gap1 / 1000, gap2 / 1000);
  g_assert_cmpint(gap1, >=, 550 * 1000);
  g_assert_cmpint(gap2, >=, 500 * 1000);
  g_assert_cmpint(gap2, <, 1000 * 1000);

  /* Given up: no more attempts, until a camera is plugged in. */
  spin(600);
  g_assert_cmpuint(world_opens(&f->world), ==, 3);
  g_assert_null(booth_camera_supervisor_dup_camera(f->sup));
  world_set(&f->world, TRUE, TRUE);
  booth_camera_supervisor_hotplug(f->sup, TRUE, "1");
  st = wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
  g_assert_cmpuint(st->restarts, ==, 0);
}

static void
test_unplug_and_back(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  world_set(&f->world, TRUE, TRUE);
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_RUNNING);
  booth_camera_status_clear(&first);

  /* The camera says it is gone (libcamera's disconnected signal, or failing requests). */
  world_set(&f->world, FALSE, FALSE);
  g_autoptr(BoothCamera) cam = booth_camera_supervisor_dup_camera(f->sup);
  g_assert_nonnull(cam);
  booth_camera_report_lost(cam, "camera fake:1 was disconnected");
  booth_camera_report_lost(cam, "reported twice, heard once");
  g_clear_pointer(&cam, booth_camera_unref);
  const BoothCameraStatus *st = wait_for(f, BOOTH_CAMERA_UNPLUGGED, 2000);
  g_assert_cmpstr(st->message, ==,
                  "camera fake:1 was disconnected: plug it back in, boothd reopens it by itself "
                  "(`cam -l` lists cameras)");
  g_assert_cmpstr(st->id, ==, "fake:1");

  /* Probes that find nothing keep it "unplugged", with no new status. */
  guint seen = f->seen->len, opens = world_opens(&f->world);
  spin(300);
  g_assert_cmpuint(world_opens(&f->world), >=, opens + 3);
  g_assert_cmpuint(f->seen->len, ==, seen);

  world_set(&f->world, TRUE, TRUE);
  wait_for(f, BOOTH_CAMERA_RUNNING, 2000);

  /* Hotplug says it left (the id without the kind's prefix), then that it is back. */
  world_set(&f->world, FALSE, TRUE);
  booth_camera_supervisor_hotplug(f->sup, FALSE, "someone-else");
  booth_camera_supervisor_hotplug(f->sup, FALSE, "1");
  st = wait_for(f, BOOTH_CAMERA_UNPLUGGED, 2000);
  g_assert_nonnull(strstr(st->message, "camera fake:1 was unplugged: plug it back in"));
  world_set(&f->world, TRUE, TRUE);
  booth_camera_supervisor_hotplug(f->sup, TRUE, "1");
  wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
}

static void
test_config_error_is_final(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  f->world.error = BOOTH_ERROR_INVALID_ARGUMENT;
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_FAILED);
  g_assert_cmpstr(first.message, ==,
                  "fake: no camera (refused) (change the configuration and restart boothd)");
  booth_camera_status_clear(&first);
  spin(300);
  g_assert_cmpuint(world_opens(&f->world), ==, 1);
  world_set(&f->world, TRUE, TRUE);
  booth_camera_supervisor_hotplug(f->sup, TRUE, "1");
  wait_for(f, BOOTH_CAMERA_RUNNING, 2000);
}

static void
test_open_errors_back_off(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  t.backoff_ms = 100;
  f->world.error = BOOTH_ERROR_BUSY;
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_FAILED);
  g_assert_cmpstr(first.message, ==,
                  "fake: no camera (refused); trying again in 0.1 s (attempt 1 of 2)");
  booth_camera_status_clear(&first);
  const BoothCameraStatus *st = wait_for(f, BOOTH_CAMERA_FAILED, 2000);
  g_assert_nonnull(strstr(st->message, "trying again in 0.2 s (attempt 2 of 2)"));
  st = wait_for(f, BOOTH_CAMERA_FAILED, 2000);
  g_assert_nonnull(strstr(st->message, "gave up after 3 attempts"));
  spin(300);
  g_assert_cmpuint(world_opens(&f->world), ==, 3);
}

static void
test_no_callback_after_free(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  world_set(&f->world, TRUE, TRUE);
  BoothCameraStatus first = {0};
  start(f, "fake", &t, &first);
  booth_camera_status_clear(&first);
  world_set(&f->world, FALSE, FALSE);
  g_autoptr(BoothCamera) cam = booth_camera_supervisor_dup_camera(f->sup);
  booth_camera_report_lost(cam, "gone");
  g_clear_pointer(&cam, booth_camera_unref);
  /* The supervisor closes it and queues an "unplugged" status for this context... */
  gint64 end = g_get_monotonic_time() + 2 * G_USEC_PER_SEC;
  while ((cam = booth_camera_supervisor_dup_camera(f->sup))) {
    g_clear_pointer(&cam, booth_camera_unref);
    g_assert_cmpint(g_get_monotonic_time(), <, end);
    g_usleep(1000);
  }
  g_usleep(50000);
  /* ...which must never run once the supervisor is freed. */
  g_clear_pointer(&f->sup, booth_camera_supervisor_free);
  spin(100);
  g_assert_cmpuint(f->seen->len, ==, 0);
}

static void
test_file_camera(Fixture *f, gconstpointer data)
{
  (void)data;
  BoothCameraTiming t = short_timing();
  t.frame_timeout_ms = 1000; /* 15 fps on a loaded test machine */
  g_autofree char *frames = g_build_filename(g_getenv("BOOTH_TEST_DATA"), "frames", NULL);
  g_autofree char *spec = g_strconcat("file:", frames, NULL);
  BoothCameraStatus first = {0};
  start(f, spec, &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_RUNNING);
  g_assert_cmpstr(first.id, ==, spec);
  g_assert_cmpstr(first.model, ==, "file playback");
  g_assert_cmpint(first.width, >, 0);
  booth_camera_status_clear(&first);
  g_autoptr(BoothFrame) frame = booth_mailbox_wait(f->mailbox, 0, 2 * G_USEC_PER_SEC);
  g_assert_nonnull(frame);
  spin(300);                             /* frames keep coming... */
  g_assert_cmpuint(f->seen->len, ==, 0); /* ...so no restart */
  g_clear_pointer(&f->sup, booth_camera_supervisor_free);

  start(f, "file:/nonexistent/frames", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_ABSENT);
  g_assert_nonnull(strstr(first.message, "does not exist"));
  booth_camera_status_clear(&first);
  g_clear_pointer(&f->sup, booth_camera_supervisor_free);

  start(f, "v4l2:/dev/video0", &t, &first);
  g_assert_cmpint(first.state, ==, BOOTH_CAMERA_FAILED);
  g_assert_nonnull(strstr(first.message, "is not supported: use auto"));
  booth_camera_status_clear(&first);
}

int
main(int argc, char **argv)
{
  g_test_init(&argc, &argv, NULL);
#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD("/camera-supervisor/absent-then-plugged", test_absent_then_plugged);
  ADD("/camera-supervisor/hung-restarts-then-fails", test_hung_restarts_then_fails);
  ADD("/camera-supervisor/unplug-and-back", test_unplug_and_back);
  ADD("/camera-supervisor/config-error-is-final", test_config_error_is_final);
  ADD("/camera-supervisor/open-errors-back-off", test_open_errors_back_off);
  ADD("/camera-supervisor/no-callback-after-free", test_no_callback_after_free);
  ADD("/camera-supervisor/file-camera", test_file_camera);
  return g_test_run();
}
