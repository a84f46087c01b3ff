// HttpServer: HTTP/1.1 over TCP on Boost.Beast, the only place that does
// network I/O. I/O threads read and write sockets; every complete request is
// handed to a separate worker pool, whose answer is written back in order.
//
// Every request head is read strictly (api/request_reader.h); a head that
// RFC 9112 says to reject is answered 400 (431, 501, 505) and the connection
// closed.
//
// Limits (all from ServerConfig): header block size (431), body size (413,
// larger for bulk import), concurrent connections and connections from one
// client address (503 beyond either), requests read ahead per connection
// (pipelining; reading pauses at the cap). A connection closed after an error
// response is drained briefly so the client reads the response instead of a reset.
//
// Timers: idle_timeout_ms runs only while a connection waits for a request
// with nothing in flight (a new connection waits header_timeout_ms for its
// first byte); header_timeout_ms bounds a request's whole header block from
// its first byte; read_timeout_ms its body, and the writing of
// each response. No timer runs while a request is with a handler: however
// long it takes, its answer is written.
//
// A client that closes or resets its connection before its answers are
// written is gone: its requests still queued are dropped without running
// (counted with status 499), and ApiRequest::client_gone() turns true for
// the one being handled. Like nginx, a half-close (the client shuts down its
// sending side) counts as gone.
//
// Thread safety: start() and shutdown() from one controlling thread; the
// handler is called concurrently from the worker threads, the quick handler
// from the I/O threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/access_log.h"
#include "api/config.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "corpus/status.h"

namespace expertmatch::api {

class HttpServer {
 public:
  // The request is the handler's: it may move the body out (bulk import
  // does, to free it before the import makes its own copies).
  using Handler = std::function<ApiResponse(ApiRequest&)>;
  // Answers a request on the I/O thread when it can without blocking (health
  // checks), nullopt to hand it to the worker pool. May be empty.
  using QuickHandler = std::function<std::optional<ApiResponse>(const ApiRequest&)>;
  // The body limit of a request, from its method and target, before the body is read.
  using BodyLimit = std::function<size_t(const std::string& method, const std::string& target)>;

  // `metrics` must outlive the server.
  HttpServer(const ServerConfig& config, Metrics& metrics, Handler handler, BodyLimit body_limit,
             QuickHandler quick = {});
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
