/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The libcamera shim proper: the camera manager, one camera's configuration, buffers,
 * requests and controls, behind the C API in libcamera-shim.h (formats and modes are in
 * libcamera-formats.cpp, the log bridge in libcamera-log.cpp). Written against libcamera 0.0.3
 * (Debian 12), whose API differs from later releases in places (ControlList::get returns
 * std::optional; no orientation). */
#include <glib.h>

extern "C" {
#include "camera/libcamera-shim.h"
#include "error.h"
#include "log.h"
}

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <fcntl.h>
#include <linux/dma-buf.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <libcamera/camera.h>
#include <libcamera/camera_manager.h>
#include <libcamera/control_ids.h>
#include <libcamera/formats.h>
#include <libcamera/framebuffer.h>
#include <libcamera/framebuffer_allocator.h>
#include <libcamera/property_ids.h>
#include <libcamera/request.h>
#include <libcamera/stream.h>

using namespace libcamera;

/* ---- manager ---- */

struct BoothLcManager {
  std::unique_ptr<CameraManager> cm;
  BoothLcHotplugFunc hotplug = nullptr;
  gpointer user_data = nullptr;
  /* Cameras that went away with requests in flight, kept until cm and its thread are gone. */
  std::mutex orphans_lock;
  std::vector<BoothLcCamera *> orphans;

  void on_added(std::shared_ptr<Camera> camera)
  {
    if (hotplug)
      hotplug(TRUE, camera->id().c_str(), user_data);
  }

  void on_removed(std::shared_ptr<Camera> camera)
  {
    if (hotplug)
      hotplug(FALSE, camera->id().c_str(), user_data);
  }
};

BoothLcManager *
booth_lc_manager_new(BoothLcHotplugFunc hotplug, gpointer user_data, GError **error)
{
  auto m = std::make_unique<BoothLcManager>();
  m->hotplug = hotplug;
  m->user_data = user_data;
  m->cm = std::make_unique<CameraManager>();
  int r = m->cm->start();
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                "libcamera cannot start (%s): check that /dev/media* exists and that the boothd "
                "user is in group video",
                g_strerror(-r));
    return nullptr;
  }
  m->cm->cameraAdded.connect(m.get(), &BoothLcManager::on_added);
  m->cm->cameraRemoved.connect(m.get(), &BoothLcManager::on_removed);
  return m.release();
}

static void camera_destroy(BoothLcCamera *c);

void
booth_lc_manager_free(BoothLcManager *manager)
{
  if (!manager)
    return;
  manager->cm->cameraAdded.disconnect(manager);
  manager->cm->cameraRemoved.disconnect(manager);
  /* Stops libcamera's thread, which runs the pipelines: nothing completes a request after. */
  manager->cm.reset();
  for (BoothLcCamera *c : manager->orphans)
    camera_destroy(c);
  delete manager;
}

const char *
booth_lc_version(void)
{
  return CameraManager::version().c_str();
}

/* ---- camera ---- */

namespace
{

/* A frame buffer's planes as the CPU sees them, mapped at configure time. */
struct MappedBuffer {
  struct Map {
    int fd;
    void *addr;
    size_t length;
  };
  std::vector<Map> maps;
  std::vector<const guint8 *> plane_data; /* start of each plane */
  std::vector<size_t> plane_length;
  bool single = true;           /* all planes in one mapping */
  const guint8 *base = nullptr; /* that mapping, when single */
  size_t base_length = 0;
  std::vector<guint8> scratch; /* the planes copied together, when not single */
};

enum RequestKind : uint64_t { REQUEST_VIEWFINDER = 0, REQUEST_STILL = 1 };

size_t
fd_size(int fd, size_t fallback)
{
  off_t end = lseek(fd, 0, SEEK_END);
  lseek(fd, 0, SEEK_SET);
  return end > 0 ? (size_t)end : fallback;
}

void
dmabuf_sync(const MappedBuffer &mb, bool start)
{
  /* Stale cache lines on non-coherent SoCs (the Raspberry Pi) otherwise show old pixels. A
   * V4L2 MMAP buffer that is not a dma-buf answers ENOTTY, which is fine. */
  for (const MappedBuffer::Map &m : mb.maps) {
    struct dma_buf_sync s = {};
    s.flags = DMA_BUF_SYNC_READ | (start ? DMA_BUF_SYNC_START : DMA_BUF_SYNC_END);
    while (ioctl(m.fd, DMA_BUF_IOCTL_SYNC, &s) < 0 && errno == EINTR)
      ;
  }
}

} // namespace

struct BoothLcCamera {
  BoothLcManager *manager = nullptr;
  std::shared_ptr<Camera> cam;
  bool acquired = false;
  std::string id, model;

  std::unique_ptr<CameraConfiguration> config;
  Stream *still = nullptr;      /* the capture stream; with one stream, the only one */
  Stream *viewfinder = nullptr; /* NULL with one stream */
  BoothPixelLayout still_layout = {}, viewfinder_layout = {};
  std::unique_ptr<FrameBufferAllocator> allocator;
  std::map<const FrameBuffer *, MappedBuffer> mapped;
  std::vector<std::unique_ptr<Request>> requests;
  bool configured = false;
  bool has_frame_durations = false;
  int64_t frame_duration_us = 0;

  std::mutex callback_lock; /* held while frame or lost runs, and to unset them */
  BoothLcFrameFunc frame = nullptr;
  BoothLcLostFunc lost = nullptr;
  gpointer user_data = nullptr;
  bool in_flight = false; /* stop() failed (disconnected): requests may still complete */
  std::atomic<bool> running{false};
  std::atomic<bool> lost_reported{false};
  BoothLcControls controls = {};

  /* Shared between libcamera's thread and the callers of capture_still. */
  std::mutex lock;
  std::condition_variable cond;
  std::vector<Request *> idle_stills; /* still requests not queued */
  guint stills_wanted = 0;            /* stills still to come */
  ControlList pending;                /* controls for the next request queued */
  bool af_trigger_pending = false;
  bool af_waiting = false;
  bool af_triggered = false; /* the request with the trigger has completed */
  int af_state = -1;
  uint64_t awb_since_ns = 0;
  bool awb_locked = false;
  unsigned consecutive_errors = 0;

  void on_request(Request *request);
  void on_disconnected();
  void deliver(const Stream *stream, FrameBuffer *fb, bool for_still);
  void requeue(Request *request);
  void report_lost(const char *message);
  void note_metadata(Request *request);
};

BoothLcCamera *
booth_lc_camera_open(BoothLcManager *manager, const char *id, GError **error)
{
  g_assert(manager);
  std::vector<std::shared_ptr<Camera>> cams = manager->cm->cameras();
  std::shared_ptr<Camera> cam;
  if (!id) {
    if (cams.empty()) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                  "no camera found: plug in the USB camera or check that the boothd user is in "
                  "group video; `cam -l` lists cameras");
      return nullptr;
    }
    cam = cams.front();
  } else {
    cam = manager->cm->get(id);
    if (!cam) {
      g_autoptr(GString) list = g_string_new(NULL);
      for (const std::shared_ptr<Camera> &c : cams)
        g_string_append_printf(list, "%s'%s'", list->len ? ", " : "", c->id().c_str());
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                  "camera '%s' not found (libcamera lists %s): plug it in, or check camera= in "
                  "boothd.conf; `cam -l` lists cameras",
                  id, list->len ? list->str : "none");
      return nullptr;
    }
  }
  int r = cam->acquire();
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, r == -EBUSY ? BOOTH_ERROR_BUSY : BOOTH_ERROR_FAILED,
                "camera '%s' cannot be acquired (%s)%s", cam->id().c_str(), g_strerror(-r),
                r == -EBUSY ? ": another program is using it; close it (fuser -v /dev/video*)"
                            : "");
    return nullptr;
  }
  auto c = new BoothLcCamera();
  c->manager = manager;
  c->cam = cam;
  c->acquired = true;
  c->id = cam->id();
  std::optional<std::string> model = cam->properties().get(properties::Model);
  c->model = model && !model->empty() ? *model : c->id;
  cam->requestCompleted.connect(c, &BoothLcCamera::on_request);
  cam->disconnected.connect(c, &BoothLcCamera::on_disconnected);
  return c;
}

/* Everything but the callbacks, which booth_lc_camera_free() has unset. */
static void
camera_destroy(BoothLcCamera *c)
{
  c->cam->requestCompleted.disconnect(c);
  c->cam->disconnected.disconnect(c);
  c->requests.clear();
  for (auto &entry : c->mapped)
    for (const MappedBuffer::Map &m : entry.second.maps)
      munmap(m.addr, m.length);
  c->mapped.clear();
  c->allocator.reset();
  c->config.reset();
  if (c->acquired)
    c->cam->release();
  c->cam.reset();
  delete c;
}

void
booth_lc_camera_free(BoothLcCamera *c)
{
  if (!c)
    return;
  booth_lc_camera_stop(c);
  {
    std::lock_guard<std::mutex> l(c->callback_lock);
    c->frame = nullptr;
    c->lost = nullptr;
  }
  /* A disconnected camera does not cancel its requests when stopped, and may still complete
   * them: its requests and buffers must outlive libcamera's thread. */
  if (c->in_flight) {
    std::lock_guard<std::mutex> l(c->manager->orphans_lock);
    c->manager->orphans.push_back(c);
    return;
  }
  camera_destroy(c);
}

const char *
booth_lc_camera_get_id(BoothLcCamera *c)
{
  g_assert(c);
  return c->id.c_str();
}

const char *
booth_lc_camera_get_model(BoothLcCamera *c)
{
  g_assert(c);
  return c->model.c_str();
}

static GArray *
modes_from(const StreamConfiguration &cfg)
{
  GArray *modes = g_array_new(FALSE, TRUE, sizeof(BoothLcMode));
  const StreamFormats &sf = cfg.formats();
  for (const PixelFormat &pf : sf.pixelformats()) {
    SizeRange range = sf.range(pf);
    /* A range with steps is what the pipeline states; a range without steps is only the
     * bounds of a list of discrete sizes, which sizes() gives. */
    if (range.min != range.max && (range.hStep || range.vStep)) {
      BoothLcMode m = {pf.fourcc(),          (int)range.min.width,  (int)range.min.height,
                       (int)range.max.width, (int)range.max.height, (int)range.hStep,
                       (int)range.vStep};
      g_array_append_val(modes, m);
      continue;
    }
    for (const Size &s : sf.sizes(pf)) {
      BoothLcMode m = {pf.fourcc(), (int)s.width, (int)s.height, (int)s.width, (int)s.height, 0, 0};
      g_array_append_val(modes, m);
    }
  }
  return modes;
}

GArray *
booth_lc_camera_list_modes(BoothLcCamera *c, BoothLcRole role)
{
  g_assert(c);
  std::unique_ptr<CameraConfiguration> cfg = c->cam->generateConfiguration(
      {role == BOOTH_LC_ROLE_STILL ? StreamRole::StillCapture : StreamRole::Viewfinder});
  if (!cfg || cfg->empty())
    return g_array_new(FALSE, TRUE, sizeof(BoothLcMode));
  return modes_from(cfg->at(0));
}

/* The converter's layout for a configured stream; offsets are filled per buffer. */
static void
layout_for(const StreamConfiguration &sc, BoothPixelLayout *layout)
{
  BoothPixelFormat f = BOOTH_PIX_MJPEG;
  booth_lc_fourcc_to_format(sc.pixelFormat.fourcc(), &f);
  *layout = {};
  layout->format = f;
  layout->width = (int)sc.size.width;
  layout->height = (int)sc.size.height;
  BoothPixelLayout packed;
  booth_pixel_layout_init(&packed, f, 2, 2); /* for its number of planes */
  layout->n_planes = packed.n_planes;
  /* libcamera gives one stride; the chroma plane of NV12 and NV21 shares it. */
  for (int p = 0; p < layout->n_planes; p++)
    layout->stride[p] = (int)sc.stride;
  /* Without a colour space the converter's default (BT.601, limited) is V4L2's. */
  layout->matrix = BOOTH_YUV_BT601;
  layout->full_range = f == BOOTH_PIX_MJPEG;
  if (sc.colorSpace) {
    layout->matrix = sc.colorSpace->ycbcrEncoding == ColorSpace::YcbcrEncoding::Rec709
                         ? BOOTH_YUV_BT709
                         : BOOTH_YUV_BT601;
    layout->full_range = sc.colorSpace->range == ColorSpace::Range::Full;
  }
}

/* A viewfinder of the capture's aspect, so analysis and the still see the same field. */
static Size
viewfinder_size(const BoothLcRequest *req, int still_w, int still_h)
{
  if (req->viewfinder_width > 0 && req->viewfinder_height > 0)
    return Size((unsigned)req->viewfinder_width, (unsigned)req->viewfinder_height);
  int w = MIN(1280, still_w);
  int h = (int)((gint64)w * still_h / still_w) & ~1;
  return Size((unsigned)(w & ~1), (unsigned)MAX(h, 2));
}

static bool
pick_viewfinder_format(StreamConfiguration &sc)
{
  guint32 best = 0;
  int best_rank = G_MAXINT;
  for (const PixelFormat &pf : sc.formats().pixelformats()) {
    int rank = booth_lc_fourcc_rank(pf.fourcc(), BOOTH_LC_ROLE_VIEWFINDER);
    if (rank < best_rank)
      best = pf.fourcc(), best_rank = rank;
  }
  if (!best)
    return false;
  sc.pixelFormat = PixelFormat(best);
  return true;
}

static gboolean
map_buffers(BoothLcCamera *c, Stream *stream, GError **error)
{
  for (const std::unique_ptr<FrameBuffer> &fb : c->allocator->buffers(stream)) {
    MappedBuffer mb;
    std::map<int, size_t> extent; /* fd -> bytes needed */
    for (const FrameBuffer::Plane &p : fb->planes()) {
      size_t off = p.offset == FrameBuffer::Plane::kInvalidOffset ? 0 : p.offset;
      extent[p.fd.get()] = std::max(extent[p.fd.get()], off + p.length);
    }
    for (auto &[fd, need] : extent) {
      size_t len = std::max(fd_size(fd, need), need);
      void *addr = mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
      if (addr == MAP_FAILED) {
        int e = errno;
        for (const MappedBuffer::Map &m : mb.maps)
          munmap(m.addr, m.length);
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                    "camera %s: cannot map a frame buffer (%s)", c->id.c_str(), g_strerror(e));
        return FALSE;
      }
      mb.maps.push_back({fd, addr, len});
    }
    mb.single = mb.maps.size() == 1;
    if (mb.single) {
      mb.base = (const guint8 *)mb.maps[0].addr;
      mb.base_length = mb.maps[0].length;
    }
    size_t total = 0;
    for (const FrameBuffer::Plane &p : fb->planes()) {
      size_t off = p.offset == FrameBuffer::Plane::kInvalidOffset ? 0 : p.offset;
      for (const MappedBuffer::Map &m : mb.maps)
        if (m.fd == p.fd.get())
          mb.plane_data.push_back((const guint8 *)m.addr + off);
      mb.plane_length.push_back(p.length);
      total += p.length;
    }
    if (!mb.single)
      mb.scratch.resize(total); /* once, so a frame costs no allocation */
    c->mapped.emplace(fb.get(), std::move(mb));
  }
  return TRUE;
}

/* Two streams if the pipeline takes them as asked (only the viewfinder's size may move),
 * else NULL and why in reason. */
static std::unique_ptr<CameraConfiguration>
try_two_streams(BoothLcCamera *c, guint32 fourcc, Size still, Size vf, std::string &reason)
{
  std::unique_ptr<CameraConfiguration> cfg =
      c->cam->generateConfiguration({StreamRole::StillCapture, StreamRole::Viewfinder});
  if (!cfg || cfg->size() != 2) {
    reason = "the pipeline gives one stream at a time";
    return nullptr;
  }
  StreamConfiguration &s = cfg->at(0), &v = cfg->at(1);
  s.pixelFormat = PixelFormat(fourcc);
  s.size = still;
  v.size = vf;
  if (!pick_viewfinder_format(v)) {
    reason = "its viewfinder offers no format boothd can convert";
    return nullptr;
  }
  PixelFormat vf_format = v.pixelFormat;
  CameraConfiguration::Status st = cfg->validate();
  if (st == CameraConfiguration::Invalid) {
    reason = "the pipeline refused a still and a viewfinder together";
    return nullptr;
  }
  if (st == CameraConfiguration::Adjusted && (s.pixelFormat.fourcc() != fourcc || s.size != still ||
                                              v.pixelFormat != vf_format || v.size.isNull())) {
    reason = "the pipeline changed the still stream to " + s.toString() + " with a viewfinder";
    return nullptr;
  }
  return cfg;
}

gboolean
booth_lc_camera_configure(BoothLcCamera *c, const BoothLcRequest *req, BoothLcSetup *setup,
                          GError **error)
{
  g_assert(c && req && setup);
  g_assert(!c->configured);
  *setup = {};
  g_autofree char *who = g_strdup_printf("'%s'", c->id.c_str());

  g_autoptr(GArray) modes = booth_lc_camera_list_modes(c, BOOTH_LC_ROLE_STILL);
  guint32 fourcc;
  int w, h;
  if (!booth_lc_modes_choose((const BoothLcMode *)(void *)modes->data, modes->len, who, req->fourcc,
                             req->width, req->height, &fourcc, &w, &h, error))
    return FALSE;

  const ControlInfoMap &ctl = c->cam->controls();
  auto fdl = ctl.find(&controls::FrameDurationLimits);
  if (fdl != ctl.end() && fdl->second.min().type() == ControlTypeInteger64 &&
      fdl->second.max().type() == ControlTypeInteger64) {
    int64_t min_us = fdl->second.min().get<int64_t>();
    int64_t max_us = fdl->second.max().get<int64_t>();
    if (min_us > 0)
      setup->fps_max = 1e6 / (double)min_us;
    if (max_us > 0)
      setup->fps_min = 1e6 / (double)max_us;
    if (req->fps > 0) {
      int64_t want = (int64_t)(1e6 / req->fps + 0.5);
      if ((min_us > 0 && want < min_us) || (max_us > 0 && want > max_us)) {
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                    "camera %s runs at %.1f to %.1f fps, not %.1f: set [Camera] fps in that range",
                    who, setup->fps_min, setup->fps_max, req->fps);
        return FALSE;
      }
      c->has_frame_durations = true;
      c->frame_duration_us = want;
      setup->fps = req->fps;
    }
  }

  Size still((unsigned)w, (unsigned)h);
  Size vf = viewfinder_size(req, w, h);
  std::string reason;
  std::unique_ptr<CameraConfiguration> cfg = try_two_streams(c, fourcc, still, vf, reason);
  char name[32];
  if (!cfg) {
    g_snprintf(setup->fallback, sizeof setup->fallback,
               "%s, so one stream at %dx%d %s with analysis on a downscaled copy", reason.c_str(),
               w, h, booth_lc_fourcc_name(fourcc, name));
    cfg = c->cam->generateConfiguration({StreamRole::StillCapture});
    if (!cfg || cfg->empty()) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                  "camera %s offers no still stream (libcamera %s)", who, booth_lc_version());
      return FALSE;
    }
    StreamConfiguration &s = cfg->at(0);
    s.pixelFormat = PixelFormat(fourcc);
    s.size = still;
    /* One stream runs continuously: enough buffers to keep it going while one converts. */
    s.bufferCount = std::max(s.bufferCount, 4u);
    CameraConfiguration::Status st = cfg->validate();
    BoothPixelFormat converted;
    if (st == CameraConfiguration::Invalid ||
        !booth_lc_fourcc_to_format(s.pixelFormat.fourcc(), &converted)) {
      g_autofree char *offers =
          booth_lc_modes_describe((const BoothLcMode *)(void *)modes->data, modes->len);
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_INVALID_ARGUMENT,
                  "camera %s refused %dx%d %s; it offers %s", who, w, h,
                  booth_lc_fourcc_name(fourcc, name), offers);
      return FALSE;
    }
    if (st == CameraConfiguration::Adjusted && (s.size != still || s.pixelFormat != fourcc))
      booth_warn("camera", "camera %s adjusted the stream from %dx%d %s to %s", who, w, h,
                 booth_lc_fourcc_name(fourcc, name), s.toString().c_str());
  }

  int r = c->cam->configure(cfg.get());
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "camera %s: configuration %s failed (%s)",
                who, cfg->at(0).toString().c_str(), g_strerror(-r));
    return FALSE;
  }
  c->config = std::move(cfg);
  c->still = c->config->at(0).stream();
  c->viewfinder = c->config->size() == 2 ? c->config->at(1).stream() : nullptr;
  layout_for(c->config->at(0), &c->still_layout);
  if (c->viewfinder)
    layout_for(c->config->at(1), &c->viewfinder_layout);

  c->allocator = std::make_unique<FrameBufferAllocator>(c->cam);
  for (const StreamConfiguration &sc : *c->config) {
    r = c->allocator->allocate(sc.stream());
    if (r < 0) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED,
                  "camera %s: cannot allocate frame buffers (%s)", who, g_strerror(-r));
      return FALSE;
    }
    if (!map_buffers(c, sc.stream(), error))
      return FALSE;
  }

  /* One request per buffer, made once and reused for the life of the camera. */
  for (const StreamConfiguration &sc : *c->config) {
    bool is_still = sc.stream() == c->still && c->viewfinder;
    for (const std::unique_ptr<FrameBuffer> &fb : c->allocator->buffers(sc.stream())) {
      std::unique_ptr<Request> rq =
          c->cam->createRequest(is_still ? REQUEST_STILL : REQUEST_VIEWFINDER);
      if (!rq || rq->addBuffer(sc.stream(), fb.get()) < 0) {
        g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "camera %s: cannot create requests",
                    who);
        return FALSE;
      }
      c->requests.push_back(std::move(rq));
    }
  }

  const StreamConfiguration &s = c->config->at(0);
  setup->two_streams = c->viewfinder != nullptr;
  setup->still_fourcc = s.pixelFormat.fourcc();
  setup->still_width = (int)s.size.width;
  setup->still_height = (int)s.size.height;
  setup->still_buffers = (guint)c->allocator->buffers(c->still).size();
  if (c->viewfinder) {
    const StreamConfiguration &v = c->config->at(1);
    setup->viewfinder_fourcc = v.pixelFormat.fourcc();
    setup->viewfinder_width = (int)v.size.width;
    setup->viewfinder_height = (int)v.size.height;
    setup->viewfinder_buffers = (guint)c->allocator->buffers(c->viewfinder).size();
  }
  setup->has_autofocus = ctl.count(&controls::AfTrigger) > 0;
  c->configured = true;
  return TRUE;
}

/* ---- streaming ---- */

void
BoothLcCamera::report_lost(const char *message)
{
  if (lost_reported.exchange(true))
    return;
  {
    std::lock_guard<std::mutex> l(lock);
    af_waiting = false;
  }
  cond.notify_all();
  std::lock_guard<std::mutex> l(callback_lock);
  if (lost)
    lost(message, user_data);
}

void
BoothLcCamera::on_disconnected()
{
  g_autofree char *msg = g_strdup_printf("camera '%s' was disconnected", id.c_str());
  report_lost(msg);
}

void
BoothLcCamera::deliver(const Stream *stream, FrameBuffer *fb, bool for_still)
{
  auto it = mapped.find(fb);
  if (it == mapped.end())
    return;
  MappedBuffer &mb = it->second;
  const FrameMetadata &md = fb->metadata();
  BoothLcBuffer b = {};
  b.layout = stream == viewfinder ? viewfinder_layout : still_layout;
  b.for_analysis = stream == viewfinder || !viewfinder;
  b.for_still = for_still;
  b.sequence = md.sequence;
  b.timestamp_ns = md.timestamp;
  Span<const FrameMetadata::Plane> used = md.planes();
  const std::vector<FrameBuffer::Plane> &planes = fb->planes();

  std::lock_guard<std::mutex> l(callback_lock);
  if (!frame)
    return;
  dmabuf_sync(mb, true);
  if (mb.single) {
    b.data = mb.base;
    b.length = mb.base_length;
    for (size_t p = 0; p < planes.size() && p < 3; p++)
      b.layout.offset[p] = (gsize)(mb.plane_data[p] - mb.base);
  } else {
    size_t at = 0;
    for (size_t p = 0; p < planes.size() && p < 3; p++) {
      memcpy(mb.scratch.data() + at, mb.plane_data[p], mb.plane_length[p]);
      b.layout.offset[p] = at;
      at += mb.plane_length[p];
    }
    b.data = mb.scratch.data();
    b.length = at;
  }
  /* A two-plane format in one V4L2 plane: the chroma follows the luma rows. */
  if (b.layout.n_planes == 2 && planes.size() == 1)
    b.layout.offset[1] = b.layout.offset[0] + (gsize)b.layout.stride[0] * (gsize)b.layout.height;
  gsize end = 0;
  bool all_used = true;
  for (size_t p = 0; p < used.size() && p < planes.size() && p < 3; p++) {
    if (!used[p].bytesused)
      all_used = false;
    end = std::max(end, (gsize)b.layout.offset[p] + used[p].bytesused);
  }
  /* Some drivers leave bytesused at 0 for raw planes; then the whole buffer counts. */
  b.layout.bytes_used = all_used ? std::min(end, b.length) : 0;
  frame(&b, user_data);
  dmabuf_sync(mb, false);
}

void
BoothLcCamera::note_metadata(Request *request)
{
  const ControlList &md = request->metadata();
  std::lock_guard<std::mutex> l(lock);
  if (af_waiting) {
    std::optional<int32_t> st = md.get(controls::AfState);
    if (af_trigger_pending == false && st) {
      /* Only what follows the trigger counts: before it, "focused" is the old focus. */
      if (request->controls().contains(controls::AfTrigger.id()))
        af_triggered = true;
      if (af_triggered) {
        af_state = *st;
        if (*st == controls::AfStateFocused || *st == controls::AfStateFailed)
          cond.notify_all();
      }
    }
  }
  if (controls.awb_lock && !awb_locked) {
    uint64_t now = (uint64_t)g_get_monotonic_time() * 1000;
    if (!awb_since_ns)
      awb_since_ns = now;
    std::optional<bool> settled = md.get(controls::AwbLocked);
    /* Cameras that do not say when AWB has settled get two seconds. */
    if ((settled && *settled) || now - awb_since_ns > 2000000000ull) {
      awb_locked = true;
      const ControlInfoMap &info = cam->controls();
      if (info.count(&controls::AwbEnable))
        pending.set(controls::AwbEnable, false);
      std::optional<Span<const float, 2>> gains = md.get(controls::ColourGains);
      if (gains && info.count(&controls::ColourGains)) {
        float g[2] = {(*gains)[0], (*gains)[1]};
        pending.set(controls::ColourGains, Span<const float, 2>(g));
        booth_info("camera", "camera '%s': white balance locked at red %.3f, blue %.3f", id.c_str(),
                   g[0], g[1]);
      } else {
        booth_info("camera", "camera '%s': white balance locked", id.c_str());
      }
    }
  }
}

void
BoothLcCamera::requeue(Request *request)
{
  request->reuse(Request::ReuseBuffers);
  {
    std::lock_guard<std::mutex> l(lock);
    if (request->cookie() == REQUEST_STILL) {
      if (!stills_wanted) {
        idle_stills.push_back(request);
        return;
      }
      stills_wanted--;
    }
    if (!pending.empty()) {
      request->controls().merge(pending);
      pending.clear();
    }
    if (af_trigger_pending && request->cookie() == REQUEST_VIEWFINDER) {
      request->controls().set(controls::AfTrigger, (int32_t)controls::AfTriggerStart);
      af_trigger_pending = false;
    }
  }
  if (!running)
    return;
  int r = cam->queueRequest(request);
  if (r < 0 && running) {
    g_autofree char *msg =
        g_strdup_printf("camera '%s' stopped taking requests (%s)", id.c_str(), g_strerror(-r));
    report_lost(msg);
  }
}

void
BoothLcCamera::on_request(Request *request)
{
  if (request->status() == Request::RequestCancelled) {
    if (request->cookie() == REQUEST_STILL) {
      std::lock_guard<std::mutex> l(lock);
      idle_stills.push_back(request);
    }
    return;
  }
  note_metadata(request);
  bool failed = false;
  for (const auto &[stream, fb] : request->buffers()) {
    if (fb->metadata().status != FrameMetadata::FrameSuccess) {
      failed = true;
      continue;
    }
    bool for_still = stream == still && viewfinder;
    if (!viewfinder) {
      std::lock_guard<std::mutex> l(lock);
      if (stills_wanted) {
        stills_wanted--;
        for_still = true;
      }
    }
    deliver(stream, fb, for_still);
  }
  if (failed) {
    /* A few bad frames happen (a USB hiccup); a camera that fails every one is gone. */
    if (++consecutive_errors == 30) {
      g_autofree char *msg =
          g_strdup_printf("camera '%s' failed 30 frames in a row: check its cable", id.c_str());
      report_lost(msg);
      return;
    }
  } else {
    consecutive_errors = 0;
  }
  requeue(request);
}

gboolean
booth_lc_camera_start(BoothLcCamera *c, const BoothLcControls *controls, BoothLcFrameFunc frame,
                      BoothLcLostFunc lost, gpointer user_data, GError **error)
{
  g_assert(c && controls && frame);
  g_assert(c->configured && !c->running);
  c->frame = frame;
  c->lost = lost;
  c->user_data = user_data;
  c->controls = *controls;
  c->lost_reported = false;
  c->awb_since_ns = 0;
  c->awb_locked = false;
  c->consecutive_errors = 0;
  c->pending = ControlList(c->cam->controls());

  const ControlInfoMap &info = c->cam->controls();
  ControlList start(info);
  if (info.count(&controls::AeEnable))
    start.set(controls::AeEnable, true);
  if (info.count(&controls::AwbEnable))
    start.set(controls::AwbEnable, true);
  auto ev = info.find(&controls::ExposureValue);
  if (ev != info.end() && ev->second.min().type() == ControlTypeFloat &&
      ev->second.max().type() == ControlTypeFloat) {
    float v = (float)controls->exposure_value;
    v = std::clamp(v, ev->second.min().get<float>(), ev->second.max().get<float>());
    start.set(controls::ExposureValue, v);
  } else if (controls->exposure_value != 0) {
    booth_warn("camera",
               "camera '%s' has no exposure compensation: exposure_compensation=%g is "
               "ignored",
               c->id.c_str(), controls->exposure_value);
  }
  if (controls->awb_lock && !info.count(&controls::AwbEnable) &&
      !info.count(&controls::ColourGains)) {
    booth_warn("camera", "camera '%s' has no white balance controls: awb_lock is ignored",
               c->id.c_str());
    c->controls.awb_lock = FALSE;
  }
  auto af = info.find(&controls::AfMode);
  if (af != info.end() && info.count(&controls::AfTrigger)) {
    for (const ControlValue &v : af->second.values())
      if (v.type() == ControlTypeInteger32 && v.get<int32_t>() == controls::AfModeAuto)
        start.set(controls::AfMode, (int32_t)controls::AfModeAuto);
  }
  if (c->has_frame_durations) {
    const int64_t limits[2] = {c->frame_duration_us, c->frame_duration_us};
    start.set(controls::FrameDurationLimits, Span<const int64_t, 2>(limits));
  }

  {
    std::lock_guard<std::mutex> l(c->lock);
    c->idle_stills.clear();
    c->stills_wanted = 0;
    c->af_waiting = false;
    c->af_trigger_pending = false;
  }
  int r = c->cam->start(&start);
  if (r < 0) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "camera '%s' cannot start (%s)",
                c->id.c_str(), g_strerror(-r));
    return FALSE;
  }
  c->running = true;
  for (const std::unique_ptr<Request> &rq : c->requests) {
    if (rq->cookie() == REQUEST_STILL) {
      std::lock_guard<std::mutex> l(c->lock);
      c->idle_stills.push_back(rq.get());
      continue;
    }
    r = c->cam->queueRequest(rq.get());
    if (r < 0) {
      c->running = false;
      c->cam->stop();
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_FAILED, "camera '%s' refused a request (%s)",
                  c->id.c_str(), g_strerror(-r));
      return FALSE;
    }
  }
  return TRUE;
}

void
booth_lc_camera_stop(BoothLcCamera *c)
{
  g_assert(c);
  if (!c->running.exchange(false))
    return;
  {
    std::lock_guard<std::mutex> l(c->lock);
    c->af_waiting = false;
    c->stills_wanted = 0;
  }
  c->cond.notify_all();
  if (c->cam->stop() < 0) {
    c->in_flight = true;
    return;
  }
  /* Every request is back: reset them for the next start. */
  for (const std::unique_ptr<Request> &rq : c->requests)
    rq->reuse(Request::ReuseBuffers);
}

gboolean
booth_lc_camera_capture_still(BoothLcCamera *c, guint count, GError **error)
{
  g_assert(c && count > 0);
  if (!c->running || c->lost_reported) {
    g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "camera '%s' is not running",
                c->id.c_str());
    return FALSE;
  }
  const bool af =
      c->cam->controls().count(&controls::AfTrigger) > 0 && c->controls.focus_timeout_ms > 0;
  std::unique_lock<std::mutex> l(c->lock);
  if (af) {
    c->af_trigger_pending = true;
    c->af_waiting = true;
    c->af_triggered = false;
    c->af_state = -1;
    auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(c->controls.focus_timeout_ms);
    bool settled = c->cond.wait_until(l, deadline, [c] {
      return !c->af_waiting || c->af_state == controls::AfStateFocused ||
             c->af_state == controls::AfStateFailed;
    });
    bool aborted = !c->af_waiting;
    c->af_waiting = false;
    if (aborted) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA, "camera '%s' stopped while focusing",
                  c->id.c_str());
      return FALSE;
    }
    if (!settled)
      booth_warn("camera",
                 "camera '%s': autofocus did not settle within %d ms; taking the still "
                 "anyway",
                 c->id.c_str(), c->controls.focus_timeout_ms);
    else if (c->af_state == controls::AfStateFailed)
      booth_warn("camera", "camera '%s': autofocus failed; taking the still anyway", c->id.c_str());
    else
      booth_debug("camera", "camera '%s': focused", c->id.c_str());
  }
  c->stills_wanted = count;
  if (!c->viewfinder)
    return TRUE;
  /* Queue what idle still buffers there are; requeue() sends the rest as they come back. */
  std::vector<Request *> queue;
  while (c->stills_wanted && !c->idle_stills.empty()) {
    queue.push_back(c->idle_stills.back());
    c->idle_stills.pop_back();
    c->stills_wanted--;
  }
  l.unlock();
  for (Request *rq : queue) {
    int r = c->cam->queueRequest(rq);
    if (r < 0) {
      g_set_error(error, BOOTH_ERROR, BOOTH_ERROR_NO_CAMERA,
                  "camera '%s' refused a still request (%s)", c->id.c_str(), g_strerror(-r));
      return FALSE;
    }
  }
  return TRUE;
}
