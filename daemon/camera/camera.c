#include "camera.h"

#include "error.h"

BoothCamera *
booth_camera_open(const char *spec, double fps, BoothMailbox *mailbox, GError **error)
{
  g_assert(spec && mailbox);
  if (g_str_has_prefix(spec, "file:"))
    return booth_camera_file_open(spec + 5, fps, mailbox, error);
  g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
              "camera '%s' is not supported by this build: use file:PATH (a folder of JPEG or "
              "PNG frames, a playlist, or one image)",
              spec);
  return NULL;
}

gboolean
booth_camera_start(BoothCamera *cam, GError **error)
{
  g_assert(cam);
  if (g_atomic_int_get(&cam->running))
    return TRUE;
  if (!cam->ops->start(cam, error))
    return FALSE;
  g_atomic_int_set(&cam->running, 1);
  return TRUE;
}

void
booth_camera_stop(BoothCamera *cam)
{
  g_assert(cam);
  if (!g_atomic_int_get(&cam->running))
    return;
  cam->ops->stop(cam);
  g_atomic_int_set(&cam->running, 0);
}

void
booth_camera_free(BoothCamera *cam)
{
  if (!cam)
    return;
  booth_camera_stop(cam);
  g_free(cam->id);
  g_free(cam->model);
  cam->ops->destroy(cam);
}
