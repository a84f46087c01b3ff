#include "api/http_server.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
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
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "api/client_address.h"
#include "api/request_reader.h"

namespace expertmatch::api {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;

class Session;

struct HttpServer::Impl {
  Impl(const ServerConfig& c, Metrics& m, Handler h, HeadCheck b, QuickHandler q)
      : config(c),
        trusted_proxies(parsed_proxies(c)),
        metrics(m),
        handler(std::move(h)),
        head_check(std::move(b)),
        quick(std::move(q)),
        ioc(c.io_threads),
        workers(worker_pool_size(c)),
        acceptor(net::make_strand(ioc)) {}

  void do_accept();
  void on_accept(beast::error_code ec, tcp::socket socket);
  // At the connection cap: makes room with a connection that only holds a
  // slot (Session::eviction_class, then the least slack; see the
  // definition). False if there is none.
  // `retries`: how many more connections to try if the chosen one has been
  // taken up by a request by the time its close runs.
  // `of_address` (if given): only that address's connections, and only
  // those with no request invested (lingering, idle between requests, or in
  // half a head): at an address's own limit (max_connections_per_client) a
  // new connection from it takes the place of one of them, so a browser or
  // clients behind one NAT address are not locked out by their own idle
  // sockets; bodies arriving and answers being read are never cut for it.
  bool evict_slowest(int retries = 4, const std::string* of_address = nullptr);
  // Reserves `n` bytes of unsent answer for `self` within
  // config.unsent_budget_bytes, cutting the connections slowest to drain the
  // answers they hold until it fits. False if it cannot fit (larger than the
  // budget, or nothing left to cut): nothing reserved.
  bool reserve_unsent(Session* self, size_t n);
  // validate() has checked the setting; a bad one trusts nobody.
  static TrustedProxies parsed_proxies(const ServerConfig& c) {
    auto p = TrustedProxies::parse(c.trusted_proxies, "trusted_proxies");
    return p ? *p : TrustedProxies();
  }

  // Declared before the io_context: sessions still queued in it when it is
  // destroyed unregister themselves from these.
  const ServerConfig config;
  const TrustedProxies trusted_proxies;  // config.trusted_proxies, parsed once
  Metrics& metrics;
  Handler handler;
  HeadCheck head_check;
  QuickHandler quick;
  std::atomic<bool> stopping{false};
  // Set when the shutdown grace period is over: queued requests are not run.
  std::atomic<bool> abandon{false};
  std::atomic<long> sessions{0};  // live Session objects, rejected ones included
  unsigned short port = 0;
  AccessLog* access_log = nullptr;
  bool bound = false;
  bool running = false;
  std::mutex registry_mu;
  std::map<Session*, std::weak_ptr<Session>> registry;
  std::mutex clients_mu;
  std::map<std::string, int> per_client;  // open connections by client address
  // Connections cut with a 408 that no longer count against the cap while
  // they write it and linger (Session::release_slot); at most max_connections.
  std::atomic<int> released{0};
  std::mutex budget_mu;  // one reserve_unsent choosing connections to cut at a time

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
  std::shared_ptr<std::atomic<bool>> gone = std::make_shared<std::atomic<bool>>(false);
};

constexpr size_t kReadChunk = 16 * 1024;

// The time `bytes` earn at `rate` bytes a second (body_min_rate, send_min_rate; rate > 0).
Clock::duration earned_by(size_t bytes, int rate) {
  return std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(static_cast<double>(bytes) / rate));
}
constexpr int kClientClosedRequest = 499;  // nginx's status for a client that went away

// A body that has received no byte, or an answer whose client has read no
// byte, for this long is stalled: a full server closes stalled connections
// before those still moving (evict_slowest).
constexpr auto kStalledAfter = std::chrono::seconds(1);
// At the cap, the slack a body or answer has earned counts only as far as
// its connection has lived: at most header_timeout_ms plus this many
// seconds per second of its age (an upload at 5 KB/s earns 4 s a second at
// the default body_min_rate of 1 KB/s).
constexpr double kVestedPerSecond = 4.0;
// Bodies and answers still moving are ranked by their recent rate: bytes
// over the last kRateWindow / 2 to kRateWindow (or since they began), over
// at least kRateMinSpan (a body's first bytes, come with its head, do not
// count as an instant's infinite rate).
constexpr auto kRateWindow = std::chrono::seconds(4);
constexpr auto kRateMinSpan = std::chrono::milliseconds(100);
// How long a connection cut with a 408 lingers, reading what its client
// still sends, so that the client reads the 408 instead of a reset; an
// evicted body's, as long as its bytes keep coming with gaps no longer
// than this (Session::drain).
constexpr int kCutLingerMs = 2000;

}  // namespace

class Session : public std::enable_shared_from_this<Session> {
 public:
  // `reject`: answer 503 with `reject_message` and close. A session that is
  // not rejected has been counted in server.per_client under `address`.
  Session(tcp::socket&& socket, HttpServer::Impl& server, std::string address, bool reject,
          std::string reject_message)
      : stream_(std::move(socket)),
        idle_timer_(stream_.get_executor()),
        body_timer_(stream_.get_executor()),
        write_timer_(stream_.get_executor()),
        send_credit_(std::chrono::milliseconds(server.config.read_timeout_ms)),
        server_(server),
        address_(std::move(address)),
        reject_(reject),
        reject_message_(std::move(reject_message)) {
    // What the buffer holds is a head being read, or while a body is read the
    // part the parser cannot take yet: a chunk line or the chunked trailer,
    // which Beast collects without a limit of its own. Past this size a read
    // fails with buffer_overflow (431): a trailer is held to the header limit
    // (plus one read's worth, which a head being read may also need).
    buffer_.max_size(server_.config.header_limit_bytes + kReadChunk);
    ++server_.sessions;
    if (!reject_) server_.metrics.connection_opened();
  }
  ~Session() {
    drop_unsent();
    if (released_) --server_.released;
    unregister();
    {
      std::lock_guard lock(server_.registry_mu);
      server_.registry.erase(this);
    }
    --server_.sessions;
  }

  // Bytes a body has received or an answer's client has taken a second,
  // lately (kRateWindow); an answer's count starts once its first piece,
  // what the socket buffers took at once, is written. Any thread.
  double recent_rate(Clock::time_point now) const {
    auto since = Clock::time_point(Clock::duration(mark_at_[0].load()));
    double span =
        std::chrono::duration<double>(std::max<Clock::duration>(now - since, kRateMinSpan)).count();
    long long bytes =
        static_cast<long long>(moved_.load()) - static_cast<long long>(mark_bytes_[0].load());
    return bytes <= 0 ? 0.0 : static_cast<double>(bytes) / span;
  }
  // Bytes of the answer being written, held whole until its last byte is
  // taken by the socket (or the connection cut), as counted in
  // Metrics::unsent_bytes (any thread).
  size_t unsent() const { return unsent_; }

  // Cuts the connection to free its unsent answer for another's
  // (HttpServer::Impl::reserve_unsent); its bytes leave the count at once.
  // False if it held none by now.
  bool cut_answer() {
    size_t held = unsent_.exchange(0);
    if (held == 0) return false;
    server_.metrics.remove_unsent(held);
    server_.metrics.answer_cut();
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->answering_ || self->closing_) return;
      // As evict() does with a slow reader: the write completes with
      // operation_aborted, or write_some() sees cut_ before the next piece.
      self->cut_ = true;
      if (self->writing_) {
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
      }
    });
    return true;
  }

  // Whether a full server may close this connection to make room, and when
  // it would be cut anyway if it made no more progress: the deadline of the
  // phase it is in (any thread).
  bool evictable() const { return evictable_; }
  Clock::time_point cut_at() const { return Clock::time_point(Clock::duration(cut_at_)); }
  // Which connections a full server closes first (evict_slowest): 0 one
  // whose close is lingering (its last answer is written), 1 one with no
  // request invested (waiting between requests, or half a head), 2 one with
  // a body arriving or an answer unread.
  int eviction_class() const { return eviction_class_; }
  const std::string& address() const { return address_; }
  // When the connection was accepted (any thread).
  Clock::time_point opened_at() const { return opened_; }
  // When the body last received a byte or the client last read a byte of an
  // answer (or the body or answer began), any thread.
  Clock::time_point progressed_at() const {
    return Clock::time_point(Clock::duration(progress_at_));
  }

  // Chosen by a full server and not yet closed: the next new client looks at
  // another one (evictable_ alone would not do: the connection's own strand
  // may set it again before the close runs, and a flood then admitted a new
  // client per eviction of the same connection).
  bool chosen() const { return chosen_; }

  // Closes the connection to make room for a new client: silently while no
  // head is whole or while its client leaves an answer unread, with a 408
  // once its body is being read. `retries`: see evict_slowest.
  void evict(int retries) {
    chosen_ = true;
    // Chosen, it stops counting at once: the client it makes room for is
    // let in on its slot, and once that client has come and gone the next
    // one is not refused for a connection whose close is still on its way
    // (CI, at a cap of 1: the chosen connection, its answer's last piece
    // already read, had not yet seen its eviction). Spared, it counts again.
    unregister();
    net::dispatch(stream_.get_executor(), [self = shared_from_this(), retries] {
      if (self->released_) return;  // cut already, its slot given up
      if (self->draining_) return self->close_now();
      if (self->closing_) return;  // closing anyway
      // Chosen while it only held a slot; what it is doing now decides. A
      // request with a handler (or queued for one) is never cut: another
      // connection makes the room (a few tries; past them the cap is
      // overshot until one closes). Anything less (its head arrived and is
      // being judged, its body is arriving) is cut: the new client is
      // already in, and sparing such a connection let a flood of heads with
      // stalled bodies keep 4,000 sockets open at a cap of 8 (attack trial 6).
      if (!self->writing_ && self->in_flight() > 0) {
        self->chosen_ = false;  // may be chosen again once it only holds a slot
        self->recount();
        self->note_evictable();
        if (retries > 0)
          net::post(self->server_.acceptor.get_executor(), [&server = self->server_, retries] {
            // Still over the cap (nothing closed meanwhile)?
            if (!server.stopping &&
                server.metrics.open_connections() > server.config.max_connections)
              server.evict_slowest(retries - 1);
          });
        return;
      }
      if (self->checking_) {
        // The head's verdict comes back to a closed connection (on_head_checked).
        self->read_closed_ = true;
        self->do_close(false);
        return;
      }
      if (self->writing_) {
        // The write completes with operation_aborted: the client is gone.
        // (If it has completed and its handler waits to run, write_some()
        // sees cut_ before writing the next piece.)
        self->cut_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
        return;
      }
      if (self->parser_ && self->head_read_) {
        // The body's read completes with operation_aborted: answered 408.
        // (If no read is outstanding yet, its 100 Continue being written or
        // just written, read_body() sees evicted_.)
        self->evicted_ = true;
        beast::error_code ignored;
        self->stream_.socket().cancel(ignored);
        return;
      }
      self->read_closed_ = true;
      self->do_close(false);
    });
  }

  void run() {
    {
      std::lock_guard lock(server_.registry_mu);
      server_.registry[this] = weak_from_this();
    }
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] {
      if (self->reject_) {
        auto p = std::make_shared<Pending>();
        p->ready = error_response(503, "unavailable", self->reject_message_);
        self->in_language(&*p->ready);
        p->keep_alive = false;
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

  // Gives up the connection's place under the cap and its address's limit;
  // once only (a closed socket, a released slot or the destructor).
  void unregister() {
    if (!counted_.exchange(false)) return;
    server_.metrics.connection_closed();
    std::lock_guard lock(server_.clients_mu);
    auto it = server_.per_client.find(address_);
    if (it != server_.per_client.end() && --it->second <= 0) server_.per_client.erase(it);
  }

  // Counts the connection again: chosen to make room, it was spared (evict()).
  void recount() {
    if (counted_.exchange(true)) return;
    server_.metrics.connection_recounted();
    std::lock_guard lock(server_.clients_mu);
    ++server_.per_client[address_];
  }

  // A body cut (evicted, or past its deadline) is answered 408 and the
  // connection lingers so that its client, still sending, reads the answer
  // rather than a reset. It stops counting against the cap and its
  // address's limit now: the new client it made room for, or any other, is
  // not kept out by its farewell, and no further eviction cuts that short.
  // Bounded: at most max_connections connections linger so; past that a cut
  // body keeps its slot until closed (and may be evicted, as before).
  void release_slot() {
    if (reject_ || released_) return;
    if (++server_.released > server_.config.max_connections) {
      --server_.released;
      return;
    }
    released_ = true;
    unregister();
    // The 408 is small; a client that does not take it is not waited for long.
    send_credit_ = std::min<Clock::duration>(send_credit_, std::chrono::milliseconds(kCutLingerMs));
    note_evictable();
  }

  // A body or an answer begins: its rate is counted from here.
  void start_moving() {
    const auto now = Clock::now().time_since_epoch().count();
    moved_ = 0;
    for (int i = 0; i < 2; ++i) {
      mark_at_[i] = now;
      mark_bytes_[i] = 0;
    }
  }
  // `n` bytes received or taken: the marks move on every kRateWindow / 2.
  void moved(size_t n) {
    moved_ += n;
    const auto now = Clock::now();
    if (now - Clock::time_point(Clock::duration(mark_at_[1].load())) >= kRateWindow / 2) {
      mark_at_[0] = mark_at_[1].load();
      mark_bytes_[0] = mark_bytes_[1].load();
      mark_at_[1] = now.time_since_epoch().count();
      mark_bytes_[1] = moved_.load();
    }
  }

  void drop_unsent() {
    if (size_t held = unsent_.exchange(0)) server_.metrics.remove_unsent(held);
  }

  // A connection reading a request (head or body) for which nothing is
  // being done (no request in flight, no head being judged), or one whose
  // answer waits for its client to read it, only holds a slot. (While a
  // write is outstanding no handler runs for the connection: answers are
  // written one at a time, after their handler has returned.)
  bool can_evict() const {
    // A refused connection (503) is not counted against the cap: closing it
    // would make no room.
    if (reject_ || released_) return false;
    if (draining_) return true;
    if (closing_ || checking_) return false;
    if (writing_) return true;  // even its last answer: a slow reader only holds a slot
    return !read_closed_ && reading_ && in_flight() == 0;
  }

  // Keeps evictable_, eviction_class_ and cut_at_ right; called after
  // every change of those states and deadlines, on the connection's strand.
  // cut_at_ is the deadline that would really cut the connection, caps
  // included: ranked by what a body or a reading earned without the cap,
  // an attacker sending a 1 MiB body at once and then stalling outranked
  // every smaller honest upload (attack trial 6).
  void note_evictable() {
    evictable_ = can_evict();
    eviction_class_ = draining_ ? 0 : (!writing_ && !head_read_) ? 1 : 2;
    Clock::time_point at = Clock::time_point::max();
    if (writing_)
      at = write_deadline_;
    else if (parser_ && head_read_ && reading_)
      at = body_deadline_;
    else if (head_started_ && reading_)
      at = head_deadline_;
    else if (waiting_)
      at = idle_deadline_;
    cut_at_ = at.time_since_epoch().count();
  }

  void do_read() {
    if (reading_ || read_closed_ || closing_) return;
    if (in_flight() >= static_cast<size_t>(server_.config.max_pipelined)) return;  // paused
    reading_ = true;
    head_started_ = false;
    accept_language_.clear();
    head_read_ = false;
    scanned_ = 0;
    read_head();
    note_evictable();
  }

  std::string_view buffered() const {
    auto data = buffer_.data();
    return {static_cast<const char*>(data.data()), data.size()};
  }

  // Reads until the buffer holds a whole head. Its bytes are checked as they
  // are before Beast's parser sees them (it unfolds obs-fold, for one).
  void read_head() {
    // RFC 9112 2.2: empty lines before a request-line are ignored.
    if (scanned_ == 0)
      while (buffered().substr(0, 2) == "\r\n") buffer_.consume(2);
    std::string_view bytes = buffered();
    // Only the bytes not yet looked at are searched: a head trickling in a
    // byte at a time costs linear, not quadratic, work.
    size_t from = scanned_ > 3 ? scanned_ - 3 : 0;
    if (size_t n = head_length(bytes.substr(from))) return on_head(from + n);
    for (size_t i = scanned_; i < bytes.size(); ++i)
      if (bytes[i] == '\n' && (i == 0 || bytes[i - 1] != '\r'))
        return reject_read(400, "bad_request", "http.no_crlf");
    // A request starts with a method: anything else (a TLS handshake on the
    // plain port, binary noise) is refused at once, not at the head deadline.
    if (!bytes.empty() && !is_method_char(static_cast<unsigned char>(bytes[0])))
      return reject_read(400, "bad_request", "http.no_method_start");
    scanned_ = bytes.size();
    if (bytes.size() > server_.config.header_limit_bytes)
      return reject_read(431, "header_too_large", "http.header_too_large");
    if (bytes.empty()) {
      // Waiting for a next request: the idle timer runs only when nothing is in flight.
      waiting_ = true;
      stream_.expires_never();
      arm_idle_timer();
    } else if (!head_started_) {
      // One deadline for the whole head, however slowly it trickles in.
      head_started_ = true;
      waiting_ = false;
      head_deadline_ = Clock::now() + std::chrono::milliseconds(server_.config.header_timeout_ms);
      stream_.expires_at(head_deadline_);
      note_evictable();
    }
    stream_.async_read_some(buffer_.prepare(kReadChunk),
                            beast::bind_front_handler(&Session::on_head_bytes, shared_from_this()));
  }

  void on_head_bytes(beast::error_code ec, std::size_t n) {
    ++idle_generation_;
    idle_timer_.cancel();
    if (ec || closing_) return on_read_error(ec ? ec : net::error::operation_aborted);
    buffer_.commit(n);
    read_head();
  }

  void arm_idle_timer() {
    if (!waiting_ || in_flight() > 0 || closing_) return;
    // A new connection gets the header deadline for its first byte: an idle
    // socket that never sends anything holds a slot for seconds, not a minute.
    int ms = read_any_ ? server_.config.idle_timeout_ms : server_.config.header_timeout_ms;
    idle_deadline_ = Clock::now() + std::chrono::milliseconds(ms);
    idle_timer_.expires_at(idle_deadline_);
    note_evictable();
    idle_timer_.async_wait(
        [self = shared_from_this(), generation = ++idle_generation_](beast::error_code ec) {
          if (ec || generation != self->idle_generation_ || !self->waiting_ ||
              self->in_flight() > 0 || self->closing_)
            return;
          // The outstanding read completes with operation_aborted and closes.
          beast::error_code ignored;
          self->stream_.socket().cancel(ignored);
        });
  }

  void on_head(size_t n) {
    waiting_ = false;
    if (n > server_.config.header_limit_bytes)
      return reject_read(431, "header_too_large", "http.header_too_large");
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(n + 1));
    // The route's own limit is applied once the head names the target; a
    // Content-Length over the largest one is refused while parsing the head.
    parser_->body_limit(
        std::max(server_.config.body_limit_bytes, server_.config.import_limit_bytes));
    accept_language_ = raw_field_value(buffered().substr(0, n), "accept-language");
    // Until the head is judged and the body's own deadline set, it has the head's.
    body_deadline_ = Clock::now() + std::chrono::milliseconds(server_.config.header_timeout_ms);
    head_read_ = true;
    note_evictable();  // a whole head: being served from here
    auto error = read_request_head(buffered().substr(0, n), *parser_);
    buffer_.consume(n);
    if (error) return reject_read(error->status, error->code.c_str(), error->message);
    auto& req = parser_->get();
    // The request's fields are the head's, taken now: Beast adds a chunked
    // body's trailer fields to the same container, and RFC 9110 6.5.1 says a
    // trailer must not be merged into the header section (nor carry
    // credentials). The trailer is read for framing and then ignored.
    head_fields_ = std::make_shared<Pending>();
    ApiRequest& h = head_fields_->request;
    h.authorization = std::string(req[http::field::authorization]);
    h.has_authorization = req.count(http::field::authorization) > 0;
    h.content_type = std::string(req[http::field::content_type]);
    h.cookie = std::string(req[http::field::cookie]);
    h.origin = std::string(req[http::field::origin]);
    h.host = std::string(req[http::field::host]);
    h.accept_language = std::string(req[http::field::accept_language]);
    h.csrf_token = std::string(req["X-CSRF-Token"]);
    beast::error_code peer_ec;
    auto peer = stream_.socket().remote_endpoint(peer_ec);
    if (!peer_ec) {
      // Read only when the peer is a trusted proxy (client_address.h).
      auto joined = [&](std::string_view name) {
        std::string out;
        for (auto [it, end] =
                 req.base().equal_range(boost::beast::string_view(name.data(), name.size()));
             it != end; ++it)
          out += (out.empty() ? "" : ",") + std::string(it->value());
        return out;
      };
      // Only the header the operator named: the other one is the client's.
      const bool rfc7239 = server_.config.trusted_proxy_header == "Forwarded";
      h.client_address =
          resolve_client_address(server_.trusted_proxies, peer.address().to_string(),
                                 rfc7239 ? joined("Forwarded") : std::string(),
                                 rfc7239 ? std::string() : joined("X-Forwarded-For"));
    }
    head_fields_->keep_alive = req.keep_alive();
    if (parser_->is_done()) return on_read({}, 0);  // no body: nothing to hold
    // A body is owed. Whether it will be read, and up to what size, depends
    // on the route and the caller, which may need the store: the head is
    // judged on a worker, and no byte of the body is read before.
    h.method = std::string(req.method_string());
    h.target = std::string(req.target());
    stream_.expires_never();
    checking_ = true;
    note_evictable();
    net::post(server_.workers, [self = shared_from_this(), head = h] {
      HeadVerdict verdict;
      verdict.body_limit = self->server_.config.body_limit_bytes;
      if (self->server_.head_check && !self->server_.abandon)
        verdict = self->server_.head_check(head);
      net::post(self->stream_.get_executor(), [self, verdict = std::move(verdict)]() mutable {
        self->on_head_checked(std::move(verdict));
      });
    });
  }

  void on_head_checked(HeadVerdict verdict) {
    checking_ = false;
    if (closing_) return close_now();  // closed meanwhile; no read was outstanding
    auto& req = parser_->get();
    if (verdict.refusal) {
      // Refused whatever the body: answered now, the body never read; the
      // connection closes after the answer (drained briefly, then cut).
      reading_ = false;
      read_closed_ = true;
      auto p = std::move(head_fields_);
      p->version = req.version();
      p->request.method = std::string(req.method_string());
      p->ready = std::move(*verdict.refusal);
      p->keep_alive = false;
      parser_.reset();
      pending_.push_back(std::move(p));
      maybe_dispatch();
      note_evictable();
      return;
    }
    size_t limit = verdict.body_limit;
    auto length = parser_->content_length();
    if (length && *length > limit)
      return reject_read(413, "payload_too_large",
                         {"http.body_over_limit", {{"limit", std::to_string(limit)}}});
    parser_->body_limit(limit);
    note_evictable();
    // The body's deadline is our own timer, not the stream's: a stream that
    // expires closes its socket, and the client should get a 408 first.
    // header_timeout_ms of grace, then body_min_rate bytes a second on
    // average, and read_timeout_ms in all (config.h).
    body_start_ = Clock::now();
    progress_at_ = body_start_.time_since_epoch().count();
    start_moving();
    body_bytes_ = 0;
    body_timed_out_ = false;
    extend_body_deadline();
    arm_body_timer(++body_generation_);
    if (beast::iequals(req[http::field::expect], "100-continue")) {
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

  void extend_body_deadline() {
    using std::chrono::milliseconds;
    auto cap = body_start_ + milliseconds(server_.config.read_timeout_ms);
    int rate = server_.config.body_min_rate;
    if (rate <= 0) {
      body_deadline_ = cap;
    } else {
      body_deadline_ = std::min(cap, body_start_ + milliseconds(server_.config.header_timeout_ms) +
                                         earned_by(body_bytes_, rate));
    }
    note_evictable();
  }

  void arm_body_timer(unsigned long generation) {
    body_timer_.expires_at(body_deadline_);
    body_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->body_generation_ || !self->reading_ || !self->parser_) return;
      // Bytes that arrived meanwhile moved the deadline.
      if (Clock::now() < self->body_deadline_) return self->arm_body_timer(generation);
      self->body_timed_out_ = true;
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);  // the read completes with operation_aborted
    });
  }

  // The body is read a piece at a time, so that each piece moves its deadline.
  void read_body() {
    if (evicted_) return on_read(net::error::operation_aborted, 0);  // cut meanwhile (evict)
    http::async_read_some(stream_, buffer_, *parser_,
                          beast::bind_front_handler(&Session::on_body_bytes, shared_from_this()));
  }

  void on_body_bytes(beast::error_code ec, std::size_t n) {
    if (ec || closing_) return on_read(ec ? ec : net::error::operation_aborted, 0);
    // Only the body's own bytes are progress: chunk sizes, extensions and
    // trailers are framing (an attack trial kept a body alive on chunk
    // extensions alone). The string body holds exactly the data bytes
    // parsed so far.
    const size_t data = parser_->get().body().size();
    if (n > 0 && data > body_bytes_) {
      progress_at_ = Clock::now().time_since_epoch().count();
      moved(data - body_bytes_);
      body_bytes_ = data;
      extend_body_deadline();
    }
    if (parser_->is_done()) return on_read({}, 0);
    read_body();
  }

  void on_read(beast::error_code ec, std::size_t) {
    ++body_generation_;
    body_timer_.cancel();
    if (ec || closing_) return on_read_error(ec ? ec : net::error::operation_aborted);
    reading_ = false;
    read_any_ = true;
    auto req = parser_->release();
    parser_.reset();
    auto p = std::move(head_fields_);
    p->version = req.version();
    p->request.method = std::string(req.method_string());
    p->request.target = std::string(req.target());
    // Moved, never copied: an import body is tens of megabytes.
    p->request.body = std::move(req.body());
    p->request.gone = p->gone;
    if (!p->keep_alive) read_closed_ = true;
    pending_.push_back(std::move(p));
    maybe_dispatch();
    do_read();
    note_evictable();
  }

  // An error answer to a request that could not be read completely; the
  // connection closes after it (the rest of the stream cannot be trusted).
  void reject_read(int status, const char* code, const i18n::Message& message) {
    reading_ = false;
    waiting_ = false;
    read_closed_ = true;
    auto p = std::make_shared<Pending>();
    p->version = parser_ && parser_->is_header_done() ? parser_->get().version() : 11;
    p->request.method = parser_ && parser_->is_header_done()
                            ? std::string(parser_->get().method_string())
                            : std::string("-");
    p->ready = error_response(status, code, message);
    // A head refused before it was whole: the language it asks for, if the
    // line saying so has arrived.
    if (!head_read_) accept_language_ = raw_field_value(buffered(), "accept-language");
    in_language(&*p->ready);
    p->keep_alive = false;
    parser_.reset();
    pending_.push_back(std::move(p));
    maybe_dispatch();
    note_evictable();
  }

  // Renders an error answered by the server itself (not a handler) in the
  // language of accept_language_, else the server's `language` setting.
  void in_language(ApiResponse* r) const {
    i18n::Language language = i18n::negotiate(
        accept_language_,
        i18n::parse_language(server_.config.language).value_or(i18n::Language::kZh));
    if (language != i18n::Language::kZh) localize(r, language);  // error_response wrote Chinese
    r->headers.emplace_back("Content-Language", i18n::language_tag(language));
  }

  void on_read_error(beast::error_code ec) {
    ++body_generation_;
    body_timer_.cancel();
    reading_ = false;
    waiting_ = false;
    if (closing_) return close_now();
    if (ec == http::error::body_limit)
      return reject_read(413, "payload_too_large", "http.body_too_large");
    if (ec == http::error::buffer_overflow)
      return reject_read(431, "header_too_large", "request.trailer_too_large");
    // A body that did not arrive whole within read_timeout_ms (a slow client,
    // or chunk lines ended by a bare LF, which never end a line) gets a 408
    // (RFC 9110 15.5.9) rather than a silent close.
    if (body_timed_out_ && parser_ && parser_->is_header_done()) {
      body_timed_out_ = false;
      release_slot();
      return reject_read(408, "request_timeout", "http.body_timeout");
    }
    // Cut to make room for a new client on a full server: the slowest body.
    if (evicted_ && parser_ && parser_->is_header_done()) {
      evicted_ = false;
      release_slot();
      // Its client, cut through no fault of pace, may still be sending: the
      // linger reads the rest of the body it announced (drain()).
      if (released_)
        if (auto left = parser_->content_length_remaining()) cut_remaining_ = *left;
      return reject_read(408, "request_timeout", "http.body_evicted");
    }
    if (ec.category() == beast::error_code(http::error::bad_chunk).category() &&
        ec != http::error::end_of_stream && ec != http::error::partial_message)
      return reject_read(400, "bad_request", malformed_request(ec));
    // The client closed, reset or was cut by a read deadline: no answer can
    // reach it, so nothing queued for it runs and the one in hand may stop.
    read_closed_ = true;
    client_gone();
    if (!busy_) do_close(false);
  }

  void client_gone() {
    for (auto& p : pending_) {
      if (!p->ready)
        server_.metrics.observe("unmatched", p->request.method, kClientClosedRequest, 0);
      *p->gone = true;
    }
    pending_.clear();
    if (current_) *current_->gone = true;
  }

  void maybe_dispatch() {
    if (busy_ || pending_.empty() || closing_) return;
    busy_ = true;
    note_evictable();
    current_ = std::move(pending_.front());
    pending_.pop_front();
    started_ = Clock::now();
    auto p = current_;
    if (p->ready) return send(p, std::move(*p->ready));
    if (server_.quick)
      if (auto r = server_.quick(p->request)) return send(p, std::move(*r));
    net::post(server_.workers, [self = shared_from_this(), p] {
      std::optional<ApiResponse> r;
      // A request whose client has gone, or queued past the shutdown grace, is not run.
      if (!p->request.client_gone() && !self->server_.abandon)
        r = self->server_.handler(p->request);
      net::post(self->stream_.get_executor(),
                [self, p, r = std::move(r)]() mutable { self->on_handled(p, std::move(r)); });
    });
  }

  void on_handled(const std::shared_ptr<Pending>& p, std::optional<ApiResponse> r) {
    if (r && !p->request.client_gone() && !closing_) return send(p, std::move(*r));
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    const std::string method = p->request.method.empty() ? "-" : p->request.method;
    if (r) {
      // Handled, but nobody is left to read the answer: what was done (a
      // write may have been stored) is counted and logged with the status it
      // got, marked unsent. An attack trial's writes from clients that left
      // at once were stored, counted as 499 ("not run") and never logged.
      server_.metrics.observe(r->route, method, r->status, seconds);
      if (server_.access_log)
        server_.access_log->write(r->who, p->request.method.empty() ? "-" : method_label(method),
                                  r->route, r->status, seconds, /*sent=*/false);
    } else {
      server_.metrics.observe("unmatched", method, kClientClosedRequest, seconds);
    }
    busy_ = false;
    current_.reset();
    client_gone();
    do_close(false);
  }

  void send(const std::shared_ptr<Pending>& p, ApiResponse r) {
    // The answer is held until its client's socket takes it: within the
    // budget for unsent answers, made by cutting the slowest readers.
    const size_t held = p->request.method == "HEAD" ? 0 : r.body.size();
    if (held > 0 && !server_.reserve_unsent(this, held)) {
      // Larger than the whole budget, or nothing left to cut.
      ApiResponse busy = error_response(503, "unavailable", "http.unsent_budget");
      busy.route = r.route;
      busy.who = r.who;
      busy.headers.emplace_back("Retry-After", "1");
      in_language(&busy);
      r = std::move(busy);
    } else {
      unsent_ = held;
    }
    double seconds = std::chrono::duration<double>(Clock::now() - started_).count();
    server_.metrics.observe(r.route, p->request.method.empty() ? "-" : p->request.method, r.status,
                            seconds);
    if (server_.access_log)
      server_.access_log->write(r.who,
                                p->request.method.empty() ? "-" : method_label(p->request.method),
                                r.route, r.status, seconds);
    auto res = std::make_shared<http::response<http::string_body>>(
        static_cast<http::status>(r.status), p->version);
    res->set(http::field::server, "expertmatch");
    res->set(http::field::content_type, r.content_type);
    // Set-Cookie is the one field sent once per value (RFC 6265 3: a sign-in
    // sets the session and the device cookie); the others replace.
    for (const auto& [name, value] : r.headers) {
      if (beast::iequals(name, "Set-Cookie"))
        res->insert(name, value);
      else
        res->set(name, value);
    }
    bool keep = p->keep_alive && !server_.stopping && !(read_closed_ && pending_.empty());
    res->keep_alive(keep);
    if (p->request.method == "HEAD") {
      // The GET answer's head, its Content-Length included, and no body (RFC 9110 9.3.2).
      res->content_length(r.body.size());
    } else {
      res->body() = std::move(r.body);
      res->prepare_payload();
    }
    answering_ = true;
    first_piece_ = true;
    auto out = std::make_shared<Outgoing>(std::move(res));
    write_some(out, keep);
  }

  // An answer being written: the message and its serializer, which refers to it.
  struct Outgoing {
    explicit Outgoing(std::shared_ptr<http::response<http::string_body>> r)
        : res(std::move(r)), serializer(*res) {}
    std::shared_ptr<http::response<http::string_body>> res;
    http::response_serializer<http::string_body> serializer;
  };

  // Writes an answer a piece at a time, so that the time the client leaves
  // it unread is measured against what it does read. The connection holds a
  // credit of waiting time: each wait for the socket spends it, each byte
  // taken earns 1 / send_min_rate seconds, and it never exceeds
  // read_timeout_ms. At zero the connection is cut: a client reading a few
  // bytes now and then (or pipelining requests it never reads) cannot hold
  // a slot for long by letting each answer through just before its timer.
  void write_some(const std::shared_ptr<Outgoing>& out, bool keep) {
    if (cut_) return on_write(net::error::operation_aborted, !keep);  // evicted meanwhile
    writing_ = true;
    write_started_ = Clock::now();
    // Each piece is written once the client has read the last (or is an
    // answer's first): progress.
    progress_at_ = write_started_.time_since_epoch().count();
    write_deadline_ = write_started_ + send_credit_;
    note_evictable();
    arm_write_timer(++write_generation_);
    // The stream's own timer as a backstop (a read outstanding meanwhile keeps its own).
    stream_.expires_after(std::chrono::milliseconds(server_.config.read_timeout_ms));
    http::async_write_some(
        stream_, out->serializer,
        [self = shared_from_this(), out, keep](beast::error_code ec, std::size_t n) {
          self->on_write_some(ec, n, out, keep);
        });
  }

  void arm_write_timer(unsigned long generation) {
    write_timer_.expires_at(write_deadline_);
    write_timer_.async_wait([self = shared_from_this(), generation](beast::error_code ec) {
      if (ec || generation != self->write_generation_ || !self->writing_) return;
      // The write completes with operation_aborted: the client is gone.
      beast::error_code ignored;
      self->stream_.socket().cancel(ignored);
    });
  }

  void on_write_some(beast::error_code ec, std::size_t n, const std::shared_ptr<Outgoing>& out,
                     bool keep) {
    writing_ = false;
    ++write_generation_;
    write_timer_.cancel();
    if (n > 0) progress_at_ = Clock::now().time_since_epoch().count();
    // The first piece is what the socket buffers took at once: the rate
    // counts what the client reads after it.
    if (first_piece_)
      start_moving();
    else
      moved(n);
    first_piece_ = false;
    const auto cap = std::chrono::duration_cast<Clock::duration>(
        std::chrono::milliseconds(server_.config.read_timeout_ms));
    int rate = server_.config.send_min_rate;
    if (rate <= 0) {
      send_credit_ = cap;  // no rate: each piece gets read_timeout_ms
    } else {
      send_credit_ -= Clock::now() - write_started_;
      send_credit_ += earned_by(n, rate);
      send_credit_ = std::clamp(send_credit_, Clock::duration::zero(), cap);
    }
    // The last piece: on_write publishes what the connection does next (a
    // state published in between, with the handler's answer still counted
    // in flight, made it unevictable for a moment).
    if (ec || out->serializer.is_done()) return on_write(ec, !keep);
    note_evictable();
    write_some(out, keep);
  }

  void on_write(beast::error_code ec, bool close) {
    busy_ = false;
    answering_ = false;
    drop_unsent();
    current_.reset();
    if (ec) {
      client_gone();
      return do_close(false);
    }
    // Evicted while its last piece was already written (the cancel came too
    // late to abort it): closed now, not left lingering, chosen and so
    // unevictable, while a full server refused newcomers (CI, cap of 1).
    if (cut_) return do_close(false);
    if (close) return do_close(true);
    maybe_dispatch();
    if (!busy_ && pending_.empty() && read_closed_ && !reading_) return do_close(true);
    arm_idle_timer();  // if a read now waits with nothing in flight
    do_read();
    note_evictable();  // a read outstanding since before the answer now waits alone
  }

  // Closes the connection. `linger`: shut down our side, then read and discard
  // what the client still sends (briefly), so it sees our last response.
  void do_close(bool linger) {
    if (closing_) return;
    closing_ = true;
    // The connection's new state is published whole: a connection that
    // stops counting does so at once, and one that will linger is
    // evictable from the start. (In between, a full server found nothing
    // to evict and refused a client arriving just then: CI, at a cap of 1.
    // A client counted just before the close still finds nothing to evict:
    // on_accept counts again before refusing it.)
    // A connection closing without a linger has nothing more to say (with
    // a read outstanding it closes once the read is cancelled): it stops
    // counting now, not when its last handler lets it go.
    if (!linger || reading_)
      unregister();
    else
      draining_ = true;
    note_evictable();
    ++idle_generation_;
    idle_timer_.cancel();
    body_timer_.cancel();
    ++write_generation_;
    write_timer_.cancel();
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
        std::chrono::milliseconds(std::min(server_.config.read_timeout_ms, kCutLingerMs)));
    // An evicted body's whole remainder, as long as it keeps coming, within
    // the time its body had anyway: a client that sends its body before
    // reading (an attack trial's uploads, cut by eviction) went on sending
    // past the 2 s and saw a reset instead of its 408.
    linger_until_ = body_start_ + std::chrono::milliseconds(server_.config.read_timeout_ms);
    // A courtesy to the client: a full server may cut it (evict()).
    draining_ = true;
    note_evictable();
    drain();
  }

  void close_now() {
    unregister();
    beast::error_code ec;
    stream_.socket().close(ec);
  }

  void drain() {
    drain_buffer_.resize(64 * 1024);
    if (cut_remaining_ > 0)
      stream_.expires_at(
          std::min(linger_until_, Clock::now() + std::chrono::milliseconds(kCutLingerMs)));
    stream_.async_read_some(net::buffer(drain_buffer_), [self = shared_from_this()](
                                                            beast::error_code ec, std::size_t n) {
      self->drained_ += n;
      if (ec || self->drained_ > 16 * (1u << 20)) return self->close_now();
      // All of it: closing now leaves nothing unread, so no reset.
      if (self->cut_remaining_ > 0 && self->drained_ >= self->cut_remaining_)
        return self->close_now();
      self->drain();
    });
  }

  beast::tcp_stream stream_;
  net::steady_timer idle_timer_;
  net::steady_timer body_timer_;        // the deadline of a body being read
  net::steady_timer write_timer_;       // the deadline of a piece of an answer being written
  unsigned long write_generation_ = 0;  // invalidates write timer waits of earlier pieces
  Clock::duration send_credit_;         // waiting time left for the client to read (write_some)
  Clock::time_point write_started_;     // of the piece being written
  Clock::time_point write_deadline_;    // write_started_ + send_credit_
  Clock::time_point head_deadline_;     // of the head being read, from its first byte
  Clock::time_point idle_deadline_;     // of the wait for a next request
  bool writing_ = false;                // a piece of an answer is being written
  bool cut_ = false;                    // evicted while writing: write no more
  bool body_timed_out_ = false;         // body_timer_ cut the read: answer 408
  bool evicted_ = false;                // evict() cut the body's read: answer 408
  unsigned long body_generation_ = 0;   // invalidates body timer waits of earlier bodies
  Clock::time_point body_start_;
  Clock::time_point body_deadline_;  // moves later as bytes arrive (extend_body_deadline)
  size_t body_bytes_ = 0;            // data bytes of the body being read (not chunk framing)
  beast::flat_buffer buffer_;
  HttpServer::Impl& server_;
  std::string address_;
  bool reject_;
  std::string reject_message_;
  std::shared_ptr<Pending> head_fields_;  // the head's fields, kept while its body is read
  std::string accept_language_;           // of the head being read, for refusals
  bool head_read_ = false;                // the head is whole and out of buffer_
  std::optional<RequestParser> parser_;
  std::deque<std::shared_ptr<Pending>> pending_;
  std::shared_ptr<Pending> current_;  // with a handler or being written
  bool busy_ = false;                 // a request is with a handler or its answer being written
  bool reading_ = false;              // a read is outstanding
  bool waiting_ = false;              // ... for the first byte of a next request
  bool head_started_ = false;         // the current head's deadline is set
  size_t scanned_ = 0;                // bytes of the current head searched so far
  bool read_any_ = false;             // a whole request has been read on this connection
  bool read_closed_ = false;          // read no more requests
  bool closing_ = false;
  bool checking_ = false;  // the head is with server_.head_check on a worker
  // Read from other threads (evict_slowest): see note_evictable.
  std::atomic<bool> evictable_{false};
  std::atomic<Clock::rep> cut_at_{Clock::time_point::max().time_since_epoch().count()};
  std::atomic<int> eviction_class_{1};
  std::atomic<bool> chosen_{false};         // see chosen()
  std::atomic<Clock::rep> progress_at_{0};  // see progressed_at()
  // See recent_rate(): bytes of the body or answer, and two marks of
  // (time, bytes) at least kRateWindow / 2 apart.
  std::atomic<size_t> moved_{0};
  std::atomic<Clock::rep> mark_at_[2] = {0, 0};
  std::atomic<size_t> mark_bytes_[2] = {0, 0};
  std::atomic<size_t> unsent_{0};        // see unsent()
  bool answering_ = false;               // an answer is being written (send to on_write)
  bool first_piece_ = false;             // its first piece is next
  bool released_ = false;                // see release_slot()
  std::atomic<bool> counted_{!reject_};  // under the cap: see unregister()
  // Of an evicted body: bytes its client announced and had not sent, which
  // the linger reads while they keep coming, until linger_until_ (drain()).
  size_t cut_remaining_ = 0;
  Clock::time_point linger_until_;
  const Clock::time_point opened_ = Clock::now();
  bool draining_ = false;              // closing: reading what the client still sends, briefly
  unsigned long idle_generation_ = 0;  // invalidates idle timer waits
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
    beast::error_code addr_ec;
    // IPv6 counts by its /64, as the sign-in limits do: one host commonly
    // holds a whole /64 and could take a fresh address per connection.
    std::string address = client_limit_key(socket.remote_endpoint(addr_ec).address().to_string());
    std::string why;
    // At the cap a new client still gets in if a connection can make room:
    // many addresses each holding a few sockets that never finish a head
    // would otherwise keep everyone out (the per-address limit cannot).
    // Counted again after a failed eviction: a connection that closed since
    // the first count (its client's end of stream handled on another thread:
    // unregistered, then published unevictable) has freed its slot, though
    // there is nothing left to evict. (At a cap of 1, beside a CI build,
    // SlowClientsTest.AClosedConnectionMakesRoomAtOnce saw a 503 among its
    // 400 requests in 2, then 9, of 100 runs.)
    if (metrics.open_connections() >= config.max_connections && !evict_slowest() &&
        metrics.open_connections() >= config.max_connections) {
      why = "http.too_many_connections";
    } else {
      bool at_limit = false;
      {
        std::lock_guard lock(clients_mu);
        int& open = per_client[address];
        at_limit =
            config.max_connections_per_client > 0 && open >= config.max_connections_per_client;
        if (!at_limit) ++open;
      }
      // The chosen connection stops counting when chosen (Session::evict),
      // so its address has room again at once.
      if (at_limit) {
        const bool evicted = evict_slowest(0, &address);
        std::lock_guard lock(clients_mu);
        int& open = per_client[address];
        // As above: one of the address's connections may have closed meanwhile.
        if (evicted || open < config.max_connections_per_client)
          ++open;
        else
          why = "http.too_many_from_address";
      }
    }
    if (!why.empty()) metrics.connection_rejected();
    bool reject = !why.empty();
    std::make_shared<Session>(std::move(socket), *this, std::move(address), reject, std::move(why))
        ->run();
  } else if (ec == net::error::operation_aborted) {
    return;
  }
  do_accept();
}

bool HttpServer::Impl::evict_slowest(int retries, const std::string* of_address) {
  // Only at the cap (or an address's limit), once per new client: a scan of
  // every connection.
  std::vector<std::shared_ptr<Session>> live;
  {
    std::lock_guard lock(registry_mu);
    live.reserve(registry.size());
    for (auto& [ptr, weak] : registry)
      if (auto session = weak.lock()) live.push_back(std::move(session));
  }
  std::map<std::string, int> open;
  {
    std::lock_guard lock(clients_mu);
    open = per_client;
  }
  // Lingering closes go first, then connections with no request invested
  // (between requests or in half a head: closing one loses nothing, a
  // browser opens another), by slack alone; then those with a body arriving
  // or an answer unread: first those stalled (no byte for kStalledAfter),
  // by slack, then those still moving, by their recent rate. Each is
  // divided among the connections their address holds. Slack is how long a
  // connection could go on without progress before its own deadline cuts
  // it (a body's grows with every byte at body_min_rate, an answer's with
  // what its client reads), not the time since the last byte: a byte every
  // 40 ms buys an attacker's socket 40 ms. A stalled body's slack counts at
  // most as far as it has vested with age (kVestedPerSecond): 400 addresses
  // each sending 20 KB at once and then nothing had outranked honest
  // uploads (attack trial 7). Moving ones go by rate, not slack: slack
  // vested with age made a new upload at 6 KB/s the one cut beside 15 older
  // bodies trickling at 4 KB/s (1 success in 7, attack trial 10); by rate
  // the slowest movers go first, and holding a slot costs an attacker as
  // much bandwidth as the uploads it would push out.
  const auto now = Clock::now();
  std::shared_ptr<Session> slowest;
  int least_class = 0;
  double least = 0;
  for (auto& session : live) {
    if (!session->evictable() || session->chosen()) continue;
    if (of_address && session->address() != *of_address) continue;
    int cls = session->eviction_class();
    if (of_address && cls > 1) continue;  // a body arriving or an answer unread: never for this
    // Classes 2 (stalled) and 3 (moving) of bodies and unread answers.
    if (cls == 2 && now - session->progressed_at() < kStalledAfter) cls = 3;
    double key = 0;
    if (cls == 3) {
      key = session->recent_rate(now);
    } else {
      auto at = session->cut_at();
      key = at <= now ? 0.0 : std::chrono::duration<double>(at - now).count();
      if (cls == 2) {
        const double age = std::chrono::duration<double>(now - session->opened_at()).count();
        key = std::min(key, config.header_timeout_ms / 1000.0 + kVestedPerSecond * age);
      }
    }
    if (cls >= 2) {
      auto it = open.find(session->address());
      if (it != open.end() && it->second > 1) key /= it->second;
    }
    if (!slowest || cls < least_class || (cls == least_class && key < least)) {
      slowest = session;
      least = key;
      least_class = cls;
    }
  }
  if (!slowest) return false;
  slowest->evict(retries);
  return true;  // `live` is let go outside the lock: a last reference may destroy a session
}

bool HttpServer::Impl::reserve_unsent(Session* self, size_t n) {
  const size_t budget = config.unsent_budget_bytes;
  if (n > budget) return false;
  if (metrics.try_add_unsent(n, budget)) return true;
  std::lock_guard choosing(budget_mu);
  if (metrics.try_add_unsent(n, budget)) return true;
  std::vector<std::shared_ptr<Session>> holders;
  {
    std::lock_guard lock(registry_mu);
    for (auto& [ptr, weak] : registry)
      if (ptr != self)
        if (auto session = weak.lock(); session && session->unsent() > 0)
          holders.push_back(std::move(session));
  }
  // Who goes first: the slowest to drain what it holds. Stalled readers
  // (nothing taken for kStalledAfter) by the bytes they hold, then the
  // others by the seconds their recent rate needs for the rest. Cutting
  // the new answer instead (503) would let slow readers holding the budget
  // keep every other client from large answers; cutting the slowest keeps
  // those who read served.
  const auto now = Clock::now();
  auto drain_seconds = [&](const Session& s) {
    const double held = static_cast<double>(s.unsent());
    if (now - s.progressed_at() >= kStalledAfter) return 1e18 + held;
    return held / std::max(s.recent_rate(now), 1.0);
  };
  std::vector<std::pair<double, Session*>> order;
  order.reserve(holders.size());
  for (auto& h : holders) order.emplace_back(drain_seconds(*h), h.get());
  std::sort(order.begin(), order.end(), [](auto& a, auto& b) { return a.first > b.first; });
  bool fits = false;
  for (auto& [seconds, session] : order) {
    session->cut_answer();
    if ((fits = metrics.try_add_unsent(n, budget))) break;
  }
  holders.clear();  // a last reference may destroy a session: outside registry_mu
  return fits;
}

HttpServer::HttpServer(const ServerConfig& config, Metrics& metrics, Handler handler,
                       HeadCheck head_check, QuickHandler quick)
    : impl_(std::make_unique<Impl>(config, metrics, std::move(handler), std::move(head_check),
                                   std::move(quick))) {}

HttpServer::~HttpServer() { shutdown(); }

unsigned short HttpServer::port() const { return impl_->port; }

void HttpServer::set_access_log(AccessLog* log) { impl_->access_log = log; }

Status HttpServer::bind() {
  auto& s = *impl_;
  if (s.bound) return Status::ok();
  beast::error_code ec;
  auto address = net::ip::make_address(s.config.listen_host, ec);
  if (ec)  // operator-facing: the `listen` setting
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
  // An exception out of an I/O handler (Beast throws std::length_error, for
  // one, on a chunked trailer field over 64 KiB) would end the process from
  // run(): it is logged and the thread runs on. The handler that threw is
  // gone, and with it the last reference to its session, which closes the
  // connection; every other connection is untouched.
  for (int i = 0; i < s.config.io_threads; ++i)
    s.threads.emplace_back([&s] {
      for (;;) {
        try {
          s.ioc.run();
          return;
        } catch (const std::exception& e) {
          std::fprintf(stderr, "expertmatch serve: a connection failed and was closed: %s\n",
                       e.what());
        } catch (...) {
          std::fprintf(stderr, "expertmatch serve: a connection failed and was closed\n");
        }
      }
    });
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
  // Past the grace period: requests still queued for a worker are not run,
  // so joining the pool waits only for the handlers already running.
  s.abandon = true;
  s.work.reset();
  s.ioc.stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  s.workers.join();
}

}  // namespace expertmatch::api
