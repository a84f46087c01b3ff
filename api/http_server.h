// HttpServer: HTTP/1.1 over TCP on Boost.Beast, the only place that does
// network I/O. I/O threads read and write sockets; every complete request is
// handed to a separate worker pool, whose answer is written back in order.
//
// Every request head is read strictly (api/request_reader.h); a head that
// RFC 9112 says to reject is answered 400 (431, 501, 505) and the connection
// closed.
//
// A head announcing a body is judged before any byte of the body is read:
// the HeadCheck (on a worker thread) resolves the route and the caller from
// the head and either refuses the request, answered at once and the
// connection closed after a brief drain, or gives the body's limit.
//
// Limits (all from ServerConfig): header block size (431), body size (413;
// the HeadCheck's limit), concurrent connections and connections from one
// client address (503 beyond either), requests read ahead per connection
// (pipelining; reading pauses at the cap). A connection closed after an error
// response is drained briefly so the client reads the response instead of a reset.
// At the connection cap a new client is let in if some connection only
// holds a slot: reading a request (head or body) with nothing in flight, or
// waiting for its client to read an answer, or lingering after its last
// answer. Lingering closes go first; then connections with no request
// invested (between requests, half a head) with the least slack; then
// bodies and unread answers that have stalled (no byte received or read
// for a second), with the least slack, counted at most as
// header_timeout_ms plus 4 s per second of the connection's age; then
// those still moving, with the lowest recent rate (bytes a second over the
// last 2 to 4 s). A body cut so is answered 408. Slack is the time left
// before the connection's own deadline would cut it, which for a body
// grows with each byte at body_min_rate and for an answer with each byte
// its client reads; for bodies and answers slack and rate are divided by
// the connections its client address (IPv6: /64) holds. Only when every
// connection is being served is the new one 503.
//
// A body cut (to make room, or past its deadline) is answered 408, then
// the connection shuts down its sending side and reads what the client
// still sends (an evicted body: the rest it announced, while it keeps
// coming with gaps under 2 s, within read_timeout_ms of the body's start;
// otherwise up to 2 s), so that a client still sending reads the 408
// rather than a reset. Meanwhile it no longer counts against
// max_connections nor its address's limit, and is never evicted (at most
// max_connections such closes at once; beyond, a cut body keeps its slot).
//
// Answers are held in memory until their sockets have taken them whole:
// all together at most unsent_budget_bytes (Metrics::unsent_bytes). An
// answer that would go past it first cuts the connections slowest to drain
// what they hold (stalled readers first, then the most bytes held per byte
// a second read lately); one larger than the whole budget is answered 503
// with Retry-After: 1.
//
// Timers: idle_timeout_ms runs only while a connection waits for a request
// with nothing in flight (a new connection waits header_timeout_ms for its
// first byte); header_timeout_ms bounds a request's whole header block from
// its first byte; a body must arrive within header_timeout_ms plus one second
// per body_min_rate bytes received, and read_timeout_ms in all (408 past
// either, after Apache's mod_reqtimeout MinRate). Answers are written a piece
// at a time against a credit of waiting time (at most read_timeout_ms): each
// wait for the client to read spends it, each byte read earns a second per
// send_min_rate bytes; at zero the connection is cut. No timer runs while a
// request is with a handler or its head is being judged: however long it
// takes, its answer is written.
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
  // Judges a request from its head (`head` has every field and no body),
  // on a worker thread, before its body is read: refuse it now, or read a
  // body of at most the verdict's limit. Called only for requests with a
  // body. Empty: every body is held to config.body_limit_bytes.
  using HeadCheck = std::function<HeadVerdict(const ApiRequest& head)>;

  // `metrics` must outlive the server.
  HttpServer(const ServerConfig& config, Metrics& metrics, Handler handler, HeadCheck head_check,
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
