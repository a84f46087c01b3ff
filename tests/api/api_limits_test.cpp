// Connection-level behaviour of the server: keep-alive, pipelining and its
// cap, header limits, malformed HTTP, the connection cap, idle timeouts,
// concurrent submissions from many connections, and the config loader.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <thread>
#include <vector>

#include "api/config.h"
#include "api/sha256.h"
#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

std::string get_request(const std::string& target, const std::string& token, bool close = false) {
  return "GET " + target + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + token + "\r\n" +
         (close ? "Connection: close\r\n" : "") + "\r\n";
}

TEST(ApiConnectionTest, KeepAliveAndPipelinedRequestsAnsweredInOrder) {
  // A cap of 2 requests read ahead: the rest wait in the socket, none is lost.
  TestServer server(false, [](api::ServerConfig* c) { c->max_pipelined = 2; });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.connected());
  const auto& admin = server.tokens().admin;
  std::string batch;
  const char* ids[] = {"p-a1", "p-b1", "p-zz", "p-c1", "p-d1", "p-a2", "p-a1", "p-b1"};
  for (const char* id : ids) batch += get_request(std::string("/api/v1/problems/") + id, admin);
  ASSERT_TRUE(conn.send(batch));
  for (const char* id : ids) {
    auto r = conn.read_response();
    if (std::string(id) == "p-zz") {
      EXPECT_EQ(r.status, 404);
      continue;
    }
    ASSERT_EQ(r.status, 200) << id << " " << r.error;
    EXPECT_STREQ(r.json()["id"].GetString(), id);
  }
  // A write followed at once by a read on the same connection sees the write.
  std::string body = new_problem_body("p-pipe", kEnterpriseA, "江山市", "轴承磨削");
  ASSERT_TRUE(conn.send(
      "POST /api/v1/problems HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + admin +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(body.size()) +
      "\r\n\r\n" + body + get_request("/api/v1/problems/p-pipe", admin, /*close=*/true)));
  EXPECT_EQ(conn.read_response().status, 201);
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(ApiConnectionTest, MalformedHttpAndOversizedHeaders) {
  TestServer server;
  {
    RawConnection conn(server.port());
    conn.send("GARBAGE\x01 / HTTP/1.1\r\n\r\n");
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 400) << r.error;
    EXPECT_EQ(r.error_code(), "bad_request");
    EXPECT_TRUE(conn.closed_by_server());
  }
  {
    RawConnection conn(server.port());
    std::string huge(16 * 1024, 'a');  // over the test config's 8 KiB header limit
    conn.send("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Filler: " + huge + "\r\n\r\n");
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 431) << r.error;
    EXPECT_TRUE(conn.closed_by_server());
  }
  {
    // A Content-Length over the limit is refused before the body is read.
    RawConnection conn(server.port());
    conn.send("POST /api/v1/problems HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " +
              server.tokens().admin +
              "\r\nContent-Type: application/json\r\nContent-Length: 999999999\r\n\r\n{");
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 413) << r.error;
  }
  EXPECT_EQ(get(server.port(), "/healthz", "").status, 200);
  EXPECT_EQ(get(server.port(), "/api/v1/problems", server.tokens().admin).json()["total"].GetInt(),
            5);
}

TEST(ApiConnectionTest, IdleConnectionsAreClosed) {
  TestServer server(false, [](api::ServerConfig* c) { c->idle_timeout_ms = 200; });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(get_request("/healthz", "")));
  ASSERT_EQ(conn.read_response().status, 200);
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(ApiConnectionTest, ShutdownWithNothingInFlightDoesNotWaitForTheGracePeriod) {
  // With nothing in flight, shutdown closes the sessions at once instead of
  // waiting for the grace period. The I/O threads used to return from run()
  // as soon as nothing was pending, so a session still referenced by a worker
  // thread that had not yet let go of it (a heavy handler such as a plan) was
  // never stopped: a 5 s stall in about a third of the API tests' shutdowns.
  // That race depends on thread timing and this loop does not reproduce it
  // reliably; it checks the property itself. Not a speed target: the bound
  // is far above the milliseconds a shutdown takes and far below the grace.
  for (int round = 0; round < 10; ++round) {
    SCOPED_TRACE(round);
    TestServer server(false, [](api::ServerConfig* c) { c->shutdown_grace_ms = 12000; });
    // The last request before shutdown is a write (as when the stalls were seen).
    Request submit;
    submit.method = "POST";
    submit.target = "/api/v1/problems";
    submit.token = server.tokens().admin;
    submit.body = new_problem_body("p-shutdown", kEnterpriseA, "江山市", "轴承保持架断裂");
    ASSERT_EQ(http(server.port(), submit).status, 201);
    auto started = std::chrono::steady_clock::now();
    server.stop();
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - started)
                  .count();
    EXPECT_LT(ms, 6000);
  }
}

TEST(ApiConcurrencyTest, ManyConnectionsSubmitAtOnce) {
  // One token stands for twelve readers here: lift its bound on matching
  // (ranking_per_caller; api_abuse_test shows the bound).
  TestServer server(false, [](api::ServerConfig* c) { c->ranking_per_caller = 64; });
  constexpr int kThreads = 12, kEach = 5;
  std::atomic<int> created{0}, failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        std::string id = "p-c" + std::to_string(t) + "-" + std::to_string(i);
        auto r = post(server.port(), "/api/v1/problems", server.tokens().admin,
                      new_problem_body(id, kEnterpriseA, "江山市", "轴承磨削烧伤 " + id));
        (r.status == 201 ? created : failed)++;
        // Readers run alongside the writers.
        auto m = get(server.port(), "/api/v1/problems/p-a1/matches?k=3", server.tokens().admin);
        if (m.status != 200) failed++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(created, kThreads * kEach);
  EXPECT_EQ(failed, 0);
  auto list = get(server.port(), "/api/v1/problems?limit=500", server.tokens().admin);
  EXPECT_EQ(list.json()["total"].GetInt(), 5 + kThreads * kEach);
  auto m = get(server.port(), "/api/v1/problems/p-c3-4/matches?k=1", server.tokens().admin);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_GE(m.json()["matches"].Size(), 1u);
  // Same id from many connections at once: exactly one wins.
  std::atomic<int> wins{0}, conflicts{0};
  threads.clear();
  for (int t = 0; t < 8; ++t)
    threads.emplace_back([&] {
      auto r = post(server.port(), "/api/v1/problems", server.tokens().admin,
                    new_problem_body("p-race", kEnterpriseA, "江山市", "同一编号"));
      if (r.status == 201) wins++;
      if (r.status == 409) conflicts++;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(wins, 1);
  EXPECT_EQ(conflicts, 7);
}

// ---- configuration ---------------------------------------------------------------

TEST(ApiConfigTest, FileThenEnvironmentThenFlags) {
  TempDir dir;
  std::string path = dir.path() + "/serve.json";
  std::ofstream(path) << R"({"listen": "127.0.0.1:9000", "body_limit_bytes": 2048,
                            "max_connections": 10, "data": "/from/file"})";
  api::ServerConfig c;
  ASSERT_TRUE(api::load_config_file(path, &c).is_ok());
  EXPECT_EQ(c.listen_port, 9000);
  EXPECT_EQ(c.body_limit_bytes, 2048u);
  std::map<std::string, std::string> env = {{"EXPERTMATCH_MAX_CONNECTIONS", "20"},
                                            {"EXPERTMATCH_LISTEN", "0.0.0.0:9100"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  ASSERT_TRUE(api::apply_environment(getenv, &c).is_ok());
  EXPECT_EQ(c.max_connections, 20);
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  ASSERT_TRUE(api::set_config_value(&c, "listen", "127.0.0.1:0").is_ok());
  EXPECT_EQ(c.listen_port, 0);
  EXPECT_EQ(c.data, "/from/file");
  EXPECT_TRUE(api::validate(c).is_ok());
}

TEST(ApiConfigTest, ErrorsNameTheSetting) {
  struct Case {
    const char* name;
    const char* value;
  };
  for (const auto& c : std::initializer_list<Case>{{"listen", "localhost"},
                                                   {"listen", "127.0.0.1:70000"},
                                                   {"max_pipelined", "-1"},
                                                   {"body_limit_bytes", "1MB"},
                                                   {"no_such_setting", "1"}}) {
    api::ServerConfig config;
    Status s = api::set_config_value(&config, c.name, c.value);
    ASSERT_FALSE(s.is_ok()) << c.name << "=" << c.value;
    EXPECT_NE(s.message().find(c.name), std::string::npos) << s.message();
  }
  api::ServerConfig bad;
  EXPECT_NE(api::validate(bad).message().find("data"), std::string::npos);
  bad.data = "/x";
  bad.default_k = 1000;
  EXPECT_NE(api::validate(bad).message().find("default_k"), std::string::npos);
  TempDir dir;
  std::ofstream(dir.path() + "/bad.json") << R"({"max_k": "many"})";
  api::ServerConfig c;
  Status s = api::load_config_file(dir.path() + "/bad.json", &c);
  EXPECT_NE(s.message().find("max_k"), std::string::npos) << s.message();
  std::ofstream(dir.path() + "/notjson.json") << "{";
  EXPECT_FALSE(api::load_config_file(dir.path() + "/notjson.json", &c).is_ok());
}

TEST(ApiConfigTest, EmbeddingServerSettings) {
  api::ServerConfig c;
  c.data = "/x";
  EXPECT_FALSE(api::embedding_options(c).enabled());  // off by default
  TempDir dir;
  std::string path = dir.path() + "/serve.json";
  std::ofstream(path) << R"({"embedding_url": "http://127.0.0.1:9000/prefix",
                            "embedding_model": "bge-m3", "embedding_timeout_ms": 5000})";
  ASSERT_TRUE(api::load_config_file(path, &c).is_ok());
  std::map<std::string, std::string> env = {{"EXPERTMATCH_EMBEDDING_BATCH_SIZE", "16"},
                                            {"EXPERTMATCH_EMBEDDING_MODEL", "bge-large"}};
  auto getenv = [&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  };
  ASSERT_TRUE(api::apply_environment(getenv, &c).is_ok());
  EXPECT_TRUE(api::validate(c).is_ok()) << api::validate(c).to_string();
  RemoteEmbedderOptions o = api::embedding_options(c);
  EXPECT_TRUE(o.enabled());
  EXPECT_EQ(o.url, "http://127.0.0.1:9000/prefix");
  EXPECT_EQ(o.model, "bge-large");
  EXPECT_EQ(o.timeout_ms, 5000);
  EXPECT_EQ(o.batch_size, 16);

  struct Case {
    const char* setting;  // named in the message
    std::function<void(api::ServerConfig*)> change;
  };
  const std::vector<Case> cases = {
      {"embedding_model", [](auto* b) { b->embedding_model = ""; }},
      {"embedding_url", [](auto* b) { b->embedding_url = "https://example.org"; }},
      {"embedding_url", [](auto* b) { b->embedding_url = "127.0.0.1:9000"; }},
      {"embedding_timeout_ms", [](auto* b) { b->embedding_timeout_ms = 0; }},
      {"embedding_batch_size", [](auto* b) { b->embedding_batch_size = 0; }},
      {"embedding_model", [](auto* b) { b->embedding_url = ""; }},  // a model without a server
  };
  for (const Case& k : cases) {
    api::ServerConfig bad = c;
    k.change(&bad);
    Status s = api::validate(bad);
    ASSERT_FALSE(s.is_ok()) << k.setting;
    EXPECT_NE(s.message().find(k.setting), std::string::npos) << s.message();
  }
  EXPECT_FALSE(api::set_config_value(&c, "embedding_batch_size", "many").is_ok());
}

// ---- token hashing ------------------------------------------------------------

TEST(ApiSha256Test, KnownDigests) {
  std::string chinese;
  for (int i = 0; i < 20; ++i) chinese += "衢州专家工作站";
  struct Case {
    std::string input;
    const char* digest;
  };
  // Lengths around the padding boundaries (55, 56, 64, 119 bytes) and multi-byte UTF-8.
  const Case cases[] = {
      {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
      {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {std::string(55, 'a'), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
      {std::string(56, 'a'), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
      {std::string(64, 'a'), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
      {std::string(119, 'a'), "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
      {chinese, "15b69883c42ba1d3b15726d7073e3cc23519057f29ea4c0c53fe16693ceb1356"},
  };
  for (const auto& c : cases) EXPECT_EQ(api::sha256_hex(c.input), c.digest) << c.input.size();
}

}  // namespace
}  // namespace expertmatch::apitest
