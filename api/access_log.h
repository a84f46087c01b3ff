// AccessLog: one line a request, written by the HTTP server after the
// response is sent: a JSON object
//   {"time":"2026-11-29T23:20:57.123Z","who":"county:江山市","method":"GET",
//    "route":"/api/v1/problems/{id}","status":200,"ms":1.234}
// and "sent":false when the client had gone before its answer could be sent
// (the request was handled all the same: a write may have been stored).
// `who` is Principal::describe() of the authenticated caller ("-" when there
// was none or it failed to authenticate), `route` the route template (never
// the raw path, whose ids or query could be confidential), `ms` the time from
// the request's dispatch to its response. Tokens, cookies and bodies are
// never written.
//
// A file is kept to a size: once a line takes it past `max_bytes`, it is
// renamed to the same path with ".1" (replacing an earlier one) and a new
// file is started, so a flood of cheap requests cannot fill the disk (at
// most about twice max_bytes). stderr is the caller's to bound.
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
  // (kIOError if it cannot be), kept to `max_bytes` (0 = unbounded). Call
  // once, before any write().
  Status open(const std::string& where, size_t max_bytes = 0);
  bool enabled() const { return out_ != nullptr; }
  // Writes and flushes one line (nothing if off). `sent` false: the request
  // was handled but its client had gone before the answer could be sent
  // (the line then carries "sent":false; the status is the one it got).
  void write(const std::string& who, const std::string& method, const std::string& route,
             int status, double seconds, bool sent = true);

 private:
  void rotate();  // with mu_ held

  std::mutex mu_;
  std::FILE* out_ = nullptr;
  bool owned_ = false;  // out_ is our file (closed on destruction), not stderr
  std::string path_;    // of out_, when owned_
  size_t max_bytes_ = 0;
  size_t size_ = 0;  // of the file at path_, as far as we wrote it
};

}  // namespace expertmatch::api
