// HttpServer: HTTP/1.1 over TCP on Boost.Beast, the only place that does
// network I/O. I/O threads read and write sockets; every complete request is
// handed to a separate worker pool, whose answer is written back in order.
//
// Limits (all from ServerConfig): header block size (431), body size (413,
// larger for bulk import), idle time of a kept-alive connection before its
// next request, time to read a body or write a response, concurrent
// connections (503 beyond), requests read ahead per connection (pipelining;
// reading pauses at the cap). A connection closed after an error response is
// drained briefly so the client reads the response instead of a reset.
//
// Thread safety: start() and shutdown() from one controlling thread; the
// handler is called concurrently from the worker threads.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "api/access_log.h"
#include "api/config.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "corpus/status.h"

namespace expertmatch::api {

class HttpServer {
 public:
  using Handler = std::function<ApiResponse(const ApiRequest&)>;
  // The body limit of a request, from its method and target, before the body is read.
  using BodyLimit = std::function<size_t(const std::string& method, const std::string& target)>;

  // `metrics` must outlive the server.
  HttpServer(const ServerConfig& config, Metrics& metrics, Handler handler, BodyLimit body_limit);
  ~HttpServer();  // shutdown() if still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds config.listen_host:listen_port and listens (connections wait in
  // the backlog until start()). kIOError if the address cannot be bound, so a
  // busy port is known before any slow work (opening the store and index).
  Status bind();
  // bind() if not done yet, then accepts and starts the threads.
  Status start();
  // Every answered request is written to `log` (must outlive the server; null
  // = none). Call before start().
  void set_access_log(AccessLog* log);
  // The bound port (the chosen one when configured as 0); 0 before start().
  unsigned short port() const;
  // Stops accepting, lets in-flight requests finish and their responses be
  // written (up to config.shutdown_grace_ms), then stops every thread.
  void shutdown();

  struct Impl;  // opaque: the Beast machinery, in http_server.cpp

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace expertmatch::api
