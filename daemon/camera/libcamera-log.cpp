/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcamera's log into boothd's: libcamera writes formatted lines to a std::ostream, which
 * here is a stream buffer that hands each line to booth_warn() or booth_debug(). */
#include <glib.h>

extern "C" {
#include "camera/libcamera-shim.h"
#include "log.h"
}

#include <mutex>
#include <ostream>
#include <streambuf>
#include <string>

#include <libcamera/logging.h>

using namespace libcamera;

namespace
{

/* libcamera writes whole lines, from several threads at once: each thread keeps its own
 * partial line, so lines never interleave. */
class LogBuffer : public std::streambuf
{
protected:
  int_type overflow(int_type c) override
  {
    if (c != traits_type::eof()) {
      char ch = (char)c;
      append(&ch, 1);
    }
    return traits_type::not_eof(c);
  }

  std::streamsize xsputn(const char *s, std::streamsize n) override
  {
    append(s, (size_t)n);
    return n;
  }

private:
  static void append(const char *s, size_t n)
  {
    thread_local std::string line;
    for (size_t i = 0; i < n; i++) {
      if (s[i] != '\n') {
        line.push_back(s[i]);
        continue;
      }
      emit(line);
      line.clear();
    }
  }

  /* "[0:40:10.78] [25822]  WARN IPAManager ipa_manager.cpp:154 No IPA found in ..." */
  static void emit(const std::string &line)
  {
    size_t p = 0;
    for (int i = 0; i < 2 && p != std::string::npos; i++) {
      p = line.find("] ", p);
      if (p != std::string::npos)
        p += 2;
    }
    if (p == std::string::npos)
      p = 0;
    std::string rest = line.substr(p);
    rest.erase(0, rest.find_first_not_of(' '));
    if (g_str_has_prefix(rest.c_str(), "ERROR") || g_str_has_prefix(rest.c_str(), "FATAL"))
      booth_warn("libcamera", "%s", rest.c_str());
    else
      booth_debug("libcamera", "%s", rest.c_str());
  }
};

} // namespace

void
booth_lc_log_redirect(void)
{
  static std::once_flag once;
  std::call_once(once, [] {
    if (g_getenv("LIBCAMERA_LOG_FILE"))
      return;
    /* Never freed: libcamera's logger may write until the process ends. */
    static LogBuffer *buffer = new LogBuffer();
    static std::ostream *stream = new std::ostream(buffer);
    logSetStream(stream, false);
  });
}
