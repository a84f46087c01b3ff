#include "api/http_server.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace expertmatch::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

class Session;

struct HttpServer::Impl {
  Impl(const ServerConfig& c, Metrics& m, Handler h, BodyLimit b)
      : config(c),
        metrics(m),
        handler(std::move(h)),
        body_limit(std::move(b)),
        ioc(c.io_threads),
        workers(c.worker_threads),
        acceptor(net::make_strand(ioc)) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);

  // Declared before the io_context: sessions still queued in it when it is
  // destroyed unregister themselves from these.
  const ServerConfig config;
  Metrics& metrics;
  Handler handler;
  BodyLimit body_limit;
  std::atomic<bool> stopping{false};
  std::atomic<long> sessions{0};  // live Session objects, rejected ones included
  unsigned short port = 0;
  AccessLog* access_log = nullptr;
  bool bound = false;
  bool running = false;
  std::mutex registry_mu;
  std::map<Session*, std::weak_ptr<Session>> registry;

  net::io_context ioc;
  // Keeps the I/O threads running until shutdown() has let every session
  // finish: without it they return from run() as soon as nothing is pending
  // (say, the acceptor closed and the last client gone), and the sessions'
  // stop() handlers would never run (a 5 s stall, to the grace deadline).
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  net::thread_pool workers;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
};

namespace {

// One queued request, or an error answer decided while reading (413, 431, 400).
struct Pending {
  ApiRequest request;
  std::optional<ApiResponse> ready;
  unsigned version = 11;
  bool keep_alive = true;
};

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket&& socket, HttpServer::Impl& server, bool reject)
      : stream_(std::move(socket)), server_(server), reject_(reject) {
    ++server_.sessions;
    if (!reject_) server_.metrics.connection_opened();
  }
  ~Session() {
    if (!reject_) server_.metrics.connection_closed();
    {
      std::lock_guard lock(server_.registry_mu);
      server_.registry.erase(this);
    }
    --server_.sessions;
  }

  void run() {
    {
      std::lock_guard lock(server_.registry_mu);
      server_.registry[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reject_) {
        Pending p;
        p.ready = error_response(503, "unavailable", "too many connections; retry later");
        p.keep_alive = false;
        self->read_closed_ = true;
        self->pending_.push_back(std::move(p));
        self->maybe_dispatch();
      } else {
        self->do_read();
      }
    });
  }

  // Called on shutdown: an idle connection closes now, a busy one after its answers.
  void stop() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      self->read_closed_ = true;
      if (!self->busy_ && self->pending_.empty() && !self->closing_) self->do_close(false);
    });
  }

 private:
  size_t in_flight() const { return pending_.size() + (busy_ ? 1 : 0); }

  void do_read() {
    if (reading_ || read_closed_ || closing_) return;
    if (in_flight() >= static_cast<size_t>(server_.config.max_pipelined)) return;  // paused
    reading_ = true;
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(server_.config.header_limit_bytes));
    // The route's own limit is applied once the header names the target.
    parser_->body_limit(
        std::max(server_.config.body_limit_bytes, server_.config.import_limit_bytes));
    stream_.expires_after(std::chrono::milliseconds(server_.config.idle_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            beast::bind_front_handler(&Session::on_header, shared_from_this()));
  }

  void on_header(beast::error_code ec, std::size_t) {
    if (ec || closing_) return on_read_error(ec ? ec : net::error::operation_aborted);
    auto& req = parser_->get();
    size_t limit = server_.body_limit(std::string(req.method_string()), std::string(req.target()));
    auto length = parser_->content_length();
    if (length && *length > limit)
      return reject_read(413, "payload_too_large",
                         "the body exceeds the limit of " + std::to_string(limit) + " bytes");
    parser_->body_limit(limit);
    stream_.expires_after(std::chrono::milliseconds(server_.config.read_timeout_ms));
    if (beast::iequals(req[http::field::expect], "100-continue") && !parser_->is_done()) {
      // curl waits for this before sending a larger body.
      auto cont = std::make_shared<http::response<http::empty_body>>(http::status::continue_,
                                                                     req.version());
      http::async_write(stream_, *cont,
                        [self = shared_from_this(), cont](beast::error_code ec, std::size_t) {
                          if (ec) return self->on_read_error(ec);
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (ec || closing_) return on_read_error(ec ? ec : net::error::operation_aborted);
    reading_ = false;
    auto req = parser_->release();
    parser_.reset();
    Pending p;
    p.version = req.version();
    p.keep_alive = req.keep_alive();
    p.request.method = std::string(req.method_string());
    p.request.target = std::string(req.target());
    p.request.authorization = std::string(req[http::field::authorization]);
    p.request.content_type = std::string(req[http::field::content_type]);
    p.request.cookie = std::string(req[http::field::cookie]);
    p.request.origin = std::string(req[http::field::origin]);
    p.request.host = std::string(req[http::field::host]);
    p.request.accept_language = std::string(req[http::field::accept_language]);
    p.request.csrf_token = std::string(req["X-CSRF-Token"]);
    beast::error_code peer_ec;
    auto peer = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) p.request.client_address = peer.address().to_string();
    p.request.body = std::move(req.body());
    if (!p.keep_alive) read_closed_ = true;
    pending_.push_back(std::move(p));
    maybe_dispatch();
    do_read();
  }

  // An error answer to a request that could not be read completely; the
  // connection closes after it (the rest of the stream cannot be trusted).
  void reject_read(int status, const char* code, const std::string& message) {
    reading_ = false;
    read_closed_ = true;
    Pending p;
    p.version = parser_ ? parser_->get().version() : 11;
    p.request.method = parser_ ? std::string(parser_->get().method_string()) : "";
    p.ready = error_response(status, code, message);
    p.keep_alive = false;
    parser_.reset();
    pending_.push_back(std::move(p));
    maybe_dispatch();
  }

  void on_read_error(beast::error_code ec) {
    reading_ = false;
    if (closing_) return close_now();
    if (ec == http::error::body_limit)
      return reject_read(413, "payload_too_large", "the body exceeds the limit");
    if (ec == http::error::header_limit)
      return reject_read(431, "header_too_large", "the request header block is too large");
    bool malformed = ec != http::error::end_of_stream && ec != net::error::eof &&
                     ec != beast::error::timeout && ec != net::error::operation_aborted &&
                     ec != net::error::connection_reset && parser_ && parser_->got_some();
    if (malformed)
      return reject_read(400, "bad_request", "malformed HTTP request: " + ec.message());
    // Nothing more will be read: answer what was read, then close.
    read_closed_ = true;
    if (!busy_ && pending_.empty()) do_close(false);
  }

  void maybe_dispatch() {
    if (busy_ || pending_.empty() || closing_) return;
    busy_ = true;
    auto p = std::make_shared<Pending>(std::move(pending_.front()));
    pending_.pop_front();
    started_ = Clock::now();
    if (p->ready) return send(p, std::move(*p->ready));
    net::post(server_.workers, [self = shared_from_this(), p] {
      ApiResponse r = self->server_.handler(p->request);
      net::post(self->stream_.get_executor(),
                [self, p, r = std::move(r)]() mutable { self->send(p, std::move(r)); });
    });
  }

  void send(const std::shared_ptr<Pending>& p, ApiResponse r) {
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    server_.metrics.observe(r.route, p->request.method.empty() ? "-" : p->request.method, r.status,
                            seconds);
    if (server_.access_log)
      server_.access_log->write(r.who, p->request.method.empty() ? "-" : p->request.method, r.route,
                                r.status, seconds);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), p->version);
    res->set(http::field::server, "expertmatch");
    res->set(http::field::content_type, r.content_type);
    for (const auto& [name, value] : r.headers) res->set(name, value);
    bool keep = p->keep_alive && !server_.stopping && !(read_closed_ && pending_.empty());
    res->keep_alive(keep);
    res->body() = std::move(r.body);
    res->prepare_payload();
    stream_.expires_after(std::chrono::milliseconds(server_.config.read_timeout_ms));
    http::async_write(stream_, *res,
                      [self = shared_from_this(), res, keep](beast::error_code ec, std::size_t) {
                        self->on_write(ec, !keep);
                      });
  }

  void on_write(beast::error_code ec, bool close) {
    busy_ = false;
    if (ec) return do_close(false);
    if (close) return do_close(true);
    maybe_dispatch();
    if (!busy_ && pending_.empty() && read_closed_ && !reading_) return do_close(true);
    do_read();
  }

  // Closes the connection. `linger`: shut down our side, then read and discard
  // what the client still sends (briefly), so it sees our last response.
  void do_close(bool linger) {
    if (closing_) return;
    closing_ = true;
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (reading_) {
      // The outstanding read completes with operation_aborted and closes then.
      stream_.socket().cancel(ec);
      return;
    }
    if (!linger) return close_now();
    drained_ = 0;
    stream_.expires_after(
        std::chrono::milliseconds(std::min(server_.config.read_timeout_ms, 2000)));
    drain();
  }

  void close_now() {
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  void drain() {
    drain_buffer_.resize(64 * 1024);
    stream_.async_read_some(net::buffer(drain_buffer_),
                            [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                              self->drained_ += n;
                              if (ec || self->drained_ > 16 * (1u << 20)) return self->close_now();
                              self->drain();
                            });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  HttpServer::Impl& server_;
  bool reject_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<Pending> pending_;
  bool busy_ = false;         // a request is with a handler or its answer being written
  bool reading_ = false;      // a read is outstanding
  bool read_closed_ = false;  // read no more requests
  bool closing_ = false;
  Clock::time_point started_;
  std::vector<char> drain_buffer_;
  size_t drained_ = 0;
};

void HttpServer::Impl::do_accept() {
  acceptor.async_accept(net::make_strand(ioc),
                        beast::bind_front_handler(&HttpServer::Impl::on_accept, this));
}

void HttpServer::Impl::on_accept(beast::error_code ec, tcp::socket socket) {
  if (stopping) return;
  if (!ec) {
    bool reject = metrics.open_connections() >= config.max_connections;
    if (reject) metrics.connection_rejected();
    std::make_shared<Session>(std::move(socket), *this, reject)->run();
  } else if (ec == net::error::operation_aborted) {
    return;
  }
  do_accept();
}

HttpServer::HttpServer(const ServerConfig& config, Metrics& metrics, Handler handler,
                       BodyLimit body_limit)
    : impl_(std::make_unique<Impl>(config, metrics, std::move(handler), std::move(body_limit))) {}

HttpServer::~HttpServer() { shutdown(); }

unsigned short HttpServer::port() const { return impl_->port; }

void HttpServer::set_access_log(AccessLog* log) { impl_->access_log = log; }

Status HttpServer::bind() {
  auto& s = *impl_;
  if (s.bound) return Status::ok();
  beast::error_code ec;
  auto address = net::ip::make_address(s.config.listen_host, ec);
  if (ec)
    return Status(ErrorCode::kInvalidArgument,
                  "listen: \"" + s.config.listen_host + "\" is not an IP address");
  tcp::endpoint endpoint(address, static_cast<unsigned short>(s.config.listen_port));
  auto fail = [&](const char* what) {
    return Status(ErrorCode::kIOError, std::string("listen on ") + s.config.listen_host + ":" +
                                           std::to_string(s.config.listen_port) + ": " + what +
                                           ": " + ec.message());
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("set_option");
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  s.port = s.acceptor.local_endpoint().port();
  s.bound = true;
  return Status::ok();
}

Status HttpServer::start() {
  auto& s = *impl_;
  Status bound = bind();
  if (!bound) return bound;
  s.running = true;
  s.work.emplace(net::make_work_guard(s.ioc));
  net::dispatch(s.acceptor.get_executor(), [&s] { s.do_accept(); });
  for (int i = 0; i < s.config.io_threads; ++i) s.threads.emplace_back([&s] { s.ioc.run(); });
  return Status::ok();
}

void HttpServer::shutdown() {
  auto& s = *impl_;
  if (!s.running) return;
  s.running = false;
  s.stopping = true;
  net::dispatch(s.acceptor.get_executor(), [&s] {
    beast::error_code ec;
    s.acceptor.close(ec);
  });
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(s.registry_mu);
    for (auto& [ptr, weak] : s.registry)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  for (auto& session : live) session->stop();
  live.clear();  // outside the lock: the last reference may destroy a session
  // In-flight requests finish and their answers are written, within the grace period.
  auto deadline = Clock::now() + std::chrono::milliseconds(s.config.shutdown_grace_ms);
  while (s.sessions > 0 && Clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.workers.join();
}

}  // namespace expertmatch::api
