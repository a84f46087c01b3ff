// The HTTP transport under load and abuse: no timer cuts a request being
// handled, health checks do not queue behind the worker pool, work for a
// client that has gone is skipped, metric labels come from a closed set,
// counts are for admins and the operator listener, per-address connection
// limits and the header deadline. Event ordering, never wall-clock asserts.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>

#include "api/access_log.h"
#include "api/http_server.h"
#include "api/routes.h"
#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

std::string get_request(const std::string& target, const std::string& token = "") {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
}

std::string post_request(const std::string& target, const std::string& token,
                         const std::string& content_type, const std::string& body) {
  return "POST " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token +
         "\r\nContent-Type: " + content_type +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
}

// A gate handlers wait at until the test opens it.
class Gate {
 public:
  void open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  void wait() {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(30), [&] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

// Polls `done` (a safety limit against hanging, not an assertion on time).
bool eventually(const std::function<bool()>& done) {
  for (int i = 0; i < 3000; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

// The real route table on the test server's service, served by an
// HttpServer whose worker-side handler first waits at `gate` for requests to
// /api/v1/match, so a test decides when the "slow" work ends.
struct GatedServer {
  GatedServer(TestServer& test, int workers, int idle_timeout_ms = 60000) {
    config = test_config(test.dir());
    config.worker_threads = workers;
    // No threads for expensive requests or sign-ins waiting for a slot: the
    // pool is exactly `workers` (config.h, worker_pool_size).
    config.expensive_queue = 0;
    config.password_hash_queue = 0;
    config.idle_timeout_ms = idle_timeout_ms;
    sessions = std::move(*api::Sessions::open(test.dir(), api::SessionSettings{}));
    context = std::make_unique<api::RequestContext>(api::RequestContext{
        test.server().service(), metrics, config, draining, *sessions, expensive, ranking});
    http = std::make_unique<api::HttpServer>(
        config, metrics,
        [this](api::ApiRequest& r) {
          if (r.target == "/api/v1/match") {
            ++slow_started;
            gate.wait();
            // The handler sees its client go (the test resets the connection).
            if (r.target == "/api/v1/match" && wait_for_gone) {
              bool gone = eventually([&] { return r.client_gone(); });
              saw_gone = gone;
            }
          }
          ++handled;
          return api::handle_request(*context, r);
        },
        [this](const api::ApiRequest& head) { return api::check_head(*context, head); },
        [this](const api::ApiRequest& r) { return api::handle_without_queueing(*context, r); });
    log_path = test.dir() + "/gated-access.log";
    EXPECT_TRUE(access_log.open(log_path));
    http->set_access_log(&access_log);
    EXPECT_TRUE(http->start());
  }
  ~GatedServer() {
    gate.open();
    http->shutdown();
  }
  unsigned short port() const { return http->port(); }

  api::ServerConfig config;
  api::Metrics metrics;
  api::AccessLog access_log;  // outlives http (declared before it)
  std::string log_path;
  std::atomic<bool> draining{false};
  api::ExpensiveSlots expensive{1, 1};
  api::ExpensiveSlots ranking{64, 64};
  std::unique_ptr<api::Sessions> sessions;
  std::unique_ptr<api::RequestContext> context;
  std::unique_ptr<api::HttpServer> http;
  Gate gate;
  std::atomic<int> slow_started{0};
  std::atomic<int> handled{0};
  std::atomic<bool> wait_for_gone{false};
  std::atomic<bool> saw_gone{false};
};

std::string match_body() { return R"({"title":"轴承磨削表面烧伤","description":"磨削工艺"})"; }

TEST(ApiTransportTest, HealthChecksAnswerWhileEveryWorkerIsBusy) {
  TestServer test;
  GatedServer server(test, /*workers=*/1);
  const auto& admin = test.tokens().admin;
  // Two slow /match requests: one with the only worker, one queued behind it.
  RawConnection a(server.port()), b(server.port());
  ASSERT_TRUE(a.send(post_request("/api/v1/match", admin, "application/json", match_body())));
  ASSERT_TRUE(b.send(post_request("/api/v1/match", admin, "application/json", match_body())));
  ASSERT_TRUE(eventually([&] { return server.slow_started == 1; }));
  // Answered while both are unanswered (the gate is still closed).
  auto h = get(server.port(), "/healthz", "");
  EXPECT_EQ(h.status, 200);
  auto r = get(server.port(), "/readyz", "");
  EXPECT_EQ(r.status, 200);
  EXPECT_STREQ(r.json()["status"].GetString(), "ready");
  EXPECT_EQ(server.handled, 0);
  server.gate.open();
  EXPECT_EQ(a.read_response().status, 200);
  EXPECT_EQ(b.read_response().status, 200);
  EXPECT_EQ(server.handled, 2);
}

TEST(ApiTransportTest, NoTimerCutsARequestBeingHandled) {
  TestServer test;
  // The idle timer is 100 ms; the handler is held for several times that.
  GatedServer server(test, 1, /*idle_timeout_ms=*/100);
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(
      post_request("/api/v1/match", test.tokens().admin, "application/json", match_body())));
  ASSERT_TRUE(eventually([&] { return server.slow_started == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  server.gate.open();
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 200) << r.error;
  // Once answered, the idle timer runs again and closes the idle connection.
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(ApiTransportTest, RequestsOfAClientThatHasGoneAreNotRun) {
  TestServer test;
  GatedServer server(test, 1);
  server.wait_for_gone = true;
  const auto& admin = test.tokens().admin;
  RawConnection conn(server.port());
  // The first is with the handler, the second queued behind it on the connection.
  ASSERT_TRUE(conn.send(post_request("/api/v1/match", admin, "application/json", match_body()) +
                        get_request("/api/v1/problems", admin)));
  ASSERT_TRUE(eventually([&] { return server.slow_started == 1; }));
  conn.reset();
  // The queued request is dropped when the server notices, counted as 499.
  ASSERT_TRUE(eventually(
      [&] { return server.metrics.render({}).find("status=\"499\"} 1") != std::string::npos; }));
  server.gate.open();
  // The handler in hand sees client_gone(); the queued one never ran.
  ASSERT_TRUE(eventually([&] { return server.handled == 1; }));
  EXPECT_TRUE(server.saw_gone);
  // The one handled is counted and logged with the status it got, marked
  // unsent: an attack trial's writes from clients that left at once were
  // stored, counted as 499 ("not run") and never logged.
  EXPECT_TRUE(eventually([&] {
    return server.metrics.render({}).find(
               "{route=\"/api/v1/match\",method=\"POST\",status=\"200\"} 1") != std::string::npos;
  })) << server.metrics.render({});
  EXPECT_EQ(
      server.metrics.render({}).find("{route=\"/api/v1/match\",method=\"POST\",status=\"499\"}"),
      std::string::npos);
  EXPECT_EQ(server.handled, 1);
  server.http->shutdown();
  std::ifstream in(server.log_path);
  const std::string log((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(log.find(R"("route":"/api/v1/match","status":200,)"), std::string::npos) << log;
  EXPECT_NE(log.find(R"("sent":false})"), std::string::npos) << log;
  EXPECT_EQ(log.find("/api/v1/problems"), std::string::npos) << log;  // never run: not logged
}

TEST(ApiTransportTest, ALongImportIsAnsweredAfterTheIdleTimeout) {
  // Through the real server: the idle timer (100 ms) is shorter than the
  // import, which used to lose its answer though it committed.
  TestServer server(false, [](api::ServerConfig* c) {
    c->idle_timeout_ms = 100;
    c->import_limit_bytes = 32 << 20;
  });
  std::string body;
  for (int i = 0; i < 3000; ++i)
    body += problem_json([&] {
              Problem p = test_problems()[i % 5];
              p.id = "p-bulk-" + std::to_string(i);
              return p;
            }()) +
            "\n";
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(post_request("/api/v1/import/problems", server.tokens().admin,
                                     "application/x-ndjson", body)));
  auto r = conn.read_response();
  ASSERT_EQ(r.status, 200) << r.error << r.body;
  EXPECT_EQ(r.json()["imported"]["problems"].GetInt(), 3000);
}

TEST(ApiTransportTest, MetricLabelsComeFromAClosedSet) {
  TestServer server;
  for (int i = 0; i < 40; ++i) {
    RawConnection conn(server.port());
    conn.send("MADEUP" + std::to_string(i) + " /nowhere/" + std::to_string(i) +
              " HTTP/1.1\r\nHost: x\r\n\r\n");
    EXPECT_EQ(conn.read_response().status, 404);
  }
  auto m = get(server.port(), "/metrics", server.tokens().admin);
  ASSERT_EQ(m.status, 200);
  EXPECT_EQ(m.body.find("MADEUP"), std::string::npos);
  EXPECT_EQ(m.body.find("nowhere"), std::string::npos);
  EXPECT_NE(m.body.find("{route=\"unmatched\",method=\"other\",status=\"404\"} 40"),
            std::string::npos)
      << m.body;
}

TEST(ApiTransportTest, OperatorListenerServesCountsWithoutAToken) {
  TestServer server(false, [](api::ServerConfig* c) { c->metrics_listen = "127.0.0.1:0"; });
  unsigned short op = server.server().operator_port();
  ASSERT_NE(op, 0);
  auto m = get(op, "/metrics", "");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("expertmatch_problems 5\n"), std::string::npos);
  auto r = get(op, "/readyz", "");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["problems"].GetInt(), 5);
  // Nothing else is served there, even with a token.
  EXPECT_EQ(get(op, "/api/v1/problems", server.tokens().admin).status, 404);
  // The public listener still wants an admin token for /metrics.
  EXPECT_EQ(get(server.port(), "/metrics", "").status, 401);
}

// An address at its limit whose connections are all invested in requests
// (here: bodies arriving) is refused; once one closes it may connect again.
TEST(ApiTransportTest, ConnectionsPerClientAddressAreLimited) {
  TestServer server(false, [](api::ServerConfig* c) { c->max_connections_per_client = 2; });
  const std::string head = "POST /api/v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                           server.tokens().admin +
                           "\r\nContent-Type: application/json\r\nContent-Length: 40\r\n"
                           "Expect: 100-continue\r\n\r\n";
  auto a = std::make_unique<RawConnection>(server.port());
  RawConnection b(server.port());
  // Both heads read and accepted (100 Continue), both bodies begun.
  for (RawConnection* c : {a.get(), &b}) {
    ASSERT_TRUE(c->send(head));
    ASSERT_EQ(c->read_response().status, 100);
    ASSERT_TRUE(c->send("{\"text\": "));
  }
  {
    RawConnection c(server.port());
    c.send(get_request("/healthz"));
    auto r = c.read_response();
    EXPECT_EQ(r.status, 503);
    EXPECT_EQ(r.error_code(), "unavailable");
    EXPECT_NE(r.body.find("来自这个地址的连接太多"), std::string::npos) << r.body;
  }
  // Once one closes, the address may connect again.
  a.reset();
  EXPECT_TRUE(eventually([&] {
    RawConnection d(server.port());
    d.send(get_request("/healthz"));
    return d.read_response().status == 200;
  }));
}

// Attack trial 10: one client (or many behind one NAT address) holding its
// address's limit in idle keep-alive connections locked itself out: a new
// connection was refused though none of its own was doing anything. A new
// connection now takes the place of one of its address's idle ones.
TEST(ApiTransportTest, AnAddressAtItsLimitReplacesItsOwnIdleConnection) {
  TestServer server(false, [](api::ServerConfig* c) { c->max_connections_per_client = 2; });
  RawConnection a(server.port());
  RawConnection b(server.port());
  ASSERT_TRUE(a.send(get_request("/healthz")));
  ASSERT_EQ(a.read_response().status, 200);
  ASSERT_TRUE(b.send(get_request("/healthz")));
  ASSERT_EQ(b.read_response().status, 200);
  // (eventually: for a moment after its client has read the answer, the
  // server may not yet have seen its write complete; the connection then
  // counts as an answer being read, which is never cut for this.)
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(eventually([&] {
      RawConnection c(server.port());
      return c.send(get_request("/healthz")) && c.read_response().status == 200;
    })) << "new connection "
        << i;
  }
  // The idle ones gave way (at least one of them was closed by the server).
  EXPECT_TRUE(a.closed_by_server(3000) || b.closed_by_server(3000));
}

// Found by an attack trial: chunk lines ended by a bare LF never end a line
// for Beast, so the body never completed and the connection was dropped at
// the read deadline without an answer. It gets a 408 and is closed.
TEST(ApiTransportTest, ABodyNotWholeByTheReadDeadlineIs408) {
  TestServer server(false, [](api::ServerConfig* c) { c->read_timeout_ms = 300; });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send("POST /api/v1/match HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
                        server.tokens().admin +
                        "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                        "\r\nc\n{\"text\":\"x\"}\n0\n\n"));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 408) << r.body;
  EXPECT_EQ(r.error_code(), "request_timeout");
  EXPECT_TRUE(conn.closed_by_server());
  EXPECT_EQ(get(server.port(), "/healthz", "").status, 200);
}

TEST(ApiTransportTest, AHeaderBlockMustArriveWithinItsDeadline) {
  // The idle timer is long; only the header deadline can close this one.
  TestServer server(false, [](api::ServerConfig* c) {
    c->header_timeout_ms = 300;
    c->idle_timeout_ms = 600000;
    c->read_timeout_ms = 600000;
  });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: a"));
  EXPECT_TRUE(conn.closed_by_server());
  // A new connection that never sends a byte is closed after it too.
  RawConnection silent(server.port());
  EXPECT_TRUE(silent.closed_by_server());
  // An idle connection (no byte of a request yet) is not cut by it.
  RawConnection idle(server.port());
  ASSERT_TRUE(idle.send(get_request("/healthz")));
  ASSERT_EQ(idle.read_response().status, 200);
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(idle.send(get_request("/healthz")));
  EXPECT_EQ(idle.read_response().status, 200);
}

}  // namespace
}  // namespace expertmatch::apitest
