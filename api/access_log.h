// AccessLog: one line a request, written by the HTTP server after the
// response is sent: a JSON object
//   {"time":"2026-11-29T23:20:57.123Z","who":"county:江山市","method":"GET",
//    "route":"/api/v1/problems/{id}","status":200,"ms":1.234}
// `who` is Principal::describe() of the authenticated caller ("-" when there
// was none or it failed to authenticate), `route` the route template (never
// the raw path, whose ids or query could be confidential), `ms` the time from
// the request's dispatch to its response. Tokens, cookies and bodies are
// never written.
//
// Thread safety: write() may be called from any thread; lines never interleave.
#pragma once

#include <cstdio>
#include <mutex>
#include <string>

#include "corpus/status.h"

namespace expertmatch::api {

class AccessLog {
 public:
  AccessLog() = default;
  ~AccessLog();
  AccessLog(const AccessLog&) = delete;
  AccessLog& operator=(const AccessLog&) = delete;

  // "-" = stderr, "" = off, anything else a file opened for appending
  // (kIOError if it cannot be). Call once, before any write().
  Status open(const std::string& where);
  bool enabled() const { return out_ != nullptr; }
  // Writes and flushes one line (nothing if off).
  void write(const std::string& who, const std::string& method, const std::string& route,
             int status, double seconds);

 private:
  std::mutex mu_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;  // out_ is our file (closed on destruction), not stderr
};

}  // namespace expertmatch::api
