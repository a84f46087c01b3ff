// RemoteEmbedder against a small OpenAI-compatible embedding server started by
// the test on a free loopback port: batching, normalisation, retries and their
// limits, validation of bad responses, timeouts and rejected options; and a
// CorpusIndex configured with it (IndexConfig::remote).
#include "indexer/remote_embedder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <rapidjson/document.h>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

// What the server saw in one request.
struct SeenRequest {
  std::string target;
  std::string authorization;
  std::string model;
  std::vector<std::string> inputs;
};

// What the server answers; `hang` reads nothing more and never answers (it
// waits for the client to close the connection).
struct Answer {
  int status = 200;
  std::string body;
  std::string retry_after;
  bool hang = false;
};

// (request, 0-based number of the request) -> answer.
using Handler = std::function<Answer(const SeenRequest&, int)>;

// One connection at a time on 127.0.0.1, port chosen by the kernel.
class FakeEmbeddingServer {
 public:
  explicit FakeEmbeddingServer(Handler handler)
      : acceptor_(ioc_, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        handler_(std::move(handler)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { run(); });
  }

  ~FakeEmbeddingServer() {
    stopping_ = true;
    // Wake the blocking accept() with one last connection.
    net::io_context ioc;
    tcp::socket poke(ioc);
    beast::error_code ec;
    poke.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> requests() const {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }

 private:
  void run() {
    while (true) {
      tcp::socket socket(ioc_);
      beast::error_code ec;
      acceptor_.accept(socket, ec);
      if (stopping_) return;
      if (ec) continue;
      serve(socket);
    }
  }

  void serve(tcp::socket& socket) {
    beast::error_code ec;
    beast::flat_buffer buffer;
    bhttp::request<bhttp::string_body> req;
    bhttp::read(socket, buffer, req, ec);
    if (ec) return;
    SeenRequest seen;
    seen.target = std::string(req.target());
    seen.authorization = std::string(req[bhttp::field::authorization]);
    rapidjson::Document doc;
    doc.Parse(req.body().c_str(), req.body().size());
    if (doc.IsObject() && doc.HasMember("model") && doc["model"].IsString())
      seen.model = doc["model"].GetString();
    if (doc.IsObject() && doc.HasMember("input") && doc["input"].IsArray())
      for (const auto& t : doc["input"].GetArray())
        if (t.IsString()) seen.inputs.emplace_back(t.GetString(), t.GetStringLength());
    int number;
    {
      std::lock_guard<std::mutex> lock(mu_);
      number = static_cast<int>(seen_.size());
      seen_.push_back(seen);
    }
    Answer answer = handler_(seen, number);
    if (answer.hang) {
      char c;
      while (!ec) socket.read_some(net::buffer(&c, 1), ec);
      return;
    }
    bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(answer.status), 11};
    res.set(bhttp::field::content_type, "application/json");
    if (!answer.retry_after.empty()) res.set(bhttp::field::retry_after, answer.retry_after);
    res.keep_alive(false);
    res.body() = answer.body;
    res.prepare_payload();
    bhttp::write(socket, res, ec);
    socket.shutdown(tcp::socket::shutdown_send, ec);
  }

  net::io_context ioc_;
  tcp::acceptor acceptor_;
  unsigned short port_ = 0;
  Handler handler_;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  mutable std::mutex mu_;
  std::vector<SeenRequest> seen_;
};

// The server's deterministic, deliberately unnormalised vector for a text:
// multiples of 1/256 in [-4, 4), exactly representable in JSON and as float.
std::vector<float> raw_vector(const std::string& text, int dim) {
  std::vector<float> v(dim);
  for (int j = 0; j < dim; ++j) {
    uint64_t h = 1469598103934665603ull;  // FNV-1a of the text and j
    for (unsigned char c : text + "#" + std::to_string(j)) h = (h ^ c) * 1099511628211ull;
    v[j] = static_cast<float>(static_cast<int>(h % 2048) - 1024) / 256.0f;
  }
  return v;
}

std::vector<float> expected_row(const std::string& text, int dim) {
  auto v = raw_vector(text, dim);
  l2_normalize(v.data(), dim);
  return v;
}

std::string json_array(const std::vector<float>& v) {
  std::string s = "[";
  for (size_t j = 0; j < v.size(); ++j) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.9g", v[j]);
    if (j) s += ',';
    s += buf;
  }
  return s + "]";
}

// A well-formed answer for the request's inputs; `reversed` lists the rows
// last first (their "index" says where they belong).
Answer embeddings(const SeenRequest& r, int dim, bool reversed = false) {
  std::string data;
  for (size_t k = 0; k < r.inputs.size(); ++k) {
    size_t i = reversed ? r.inputs.size() - 1 - k : k;
    data += (k ? "," : "") + std::string("{\"object\":\"embedding\",\"index\":") +
            std::to_string(i) + ",\"embedding\":" + json_array(raw_vector(r.inputs[i], dim)) + "}";
  }
  Answer a;
  a.body = "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"" + r.model +
           "\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}";
  return a;
}

Handler serve_embeddings(int dim) {
  return [dim](const SeenRequest& r, int) { return embeddings(r, dim); };
}

Answer status_answer(int status, std::string body = "{\"error\":{\"message\":\"nope\"}}") {
  Answer a;
  a.status = status;
  a.body = std::move(body);
  return a;
}

RemoteEmbedderOptions test_options(const std::string& url) {
  RemoteEmbedderOptions o;
  o.url = url;
  o.model = "test-model";
  o.timeout_ms = 5000;
  o.batch_size = 4;
  o.max_retries = 3;
  o.initial_backoff_ms = 1;
  o.max_backoff_ms = 5;
  return o;
}

std::unique_ptr<RemoteEmbedder> make(const RemoteEmbedderOptions& o) {
  auto e = RemoteEmbedder::create(o);
  EXPECT_TRUE(e.is_ok()) << e.status().to_string();
  return e.is_ok() ? std::move(*e) : nullptr;
}

std::vector<std::string> texts(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("轴承磨削烧伤 problem " + std::to_string(i));
  return out;
}

TEST(RemoteEmbedderTest, BatchesInOrderAndNormalisesRows) {
  constexpr int kDim = 8;
  FakeEmbeddingServer server(serve_embeddings(kDim));
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->dimension(), 0);  // not learned yet
  EXPECT_EQ(embedder->model_id(), "remote:test-model@" + server.url());

  auto in = texts(10);
  auto out = embedder->embed(in);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_EQ(embedder->dimension(), kDim);
  ASSERT_EQ(out->size(), in.size() * kDim);

  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 3u);  // ceil(10 / 4)
  const std::vector<std::vector<std::string>> batches = {
      {in[0], in[1], in[2], in[3]}, {in[4], in[5], in[6], in[7]}, {in[8], in[9]}};
  for (size_t b = 0; b < seen.size(); ++b) {
    EXPECT_EQ(seen[b].target, "/v1/embeddings");
    EXPECT_EQ(seen[b].model, "test-model");
    EXPECT_EQ(seen[b].authorization, "");
    EXPECT_EQ(seen[b].inputs, batches[b]);
  }
  for (size_t i = 0; i < in.size(); ++i) {
    auto want = expected_row(in[i], kDim);
    double norm = 0;
    for (int j = 0; j < kDim; ++j) {
      float got = (*out)[i * kDim + j];
      EXPECT_NEAR(got, want[j], 1e-6) << "row " << i << " component " << j;
      norm += static_cast<double>(got) * got;
    }
    EXPECT_NEAR(norm, 1.0, 1e-5) << "row " << i;
  }
}

TEST(RemoteEmbedderTest, RowsArePlacedByTheirIndex) {
  constexpr int kDim = 5;
  FakeEmbeddingServer server(
      [](const SeenRequest& r, int) { return embeddings(r, kDim, /*reversed=*/true); });
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  auto in = texts(3);
  auto out = embedder->embed(in);
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  for (size_t i = 0; i < in.size(); ++i) {
    auto want = expected_row(in[i], kDim);
    for (int j = 0; j < kDim; ++j) EXPECT_NEAR((*out)[i * kDim + j], want[j], 1e-6);
  }
}

TEST(RemoteEmbedderTest, SendsApiKeyAndHonoursUrlPrefix) {
  FakeEmbeddingServer server(serve_embeddings(4));
  auto o = test_options(server.url() + "/openai/");
  o.api_key = "secret-key";
  auto embedder = make(o);
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->model_id(), "remote:test-model@" + server.url() + "/openai");
  auto out = embedder->embed(texts(1));
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  auto seen = server.requests();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/openai/v1/embeddings");
  EXPECT_EQ(seen[0].authorization, "Bearer secret-key");
}

TEST(RemoteEmbedderTest, EmptyInputSendsNothing) {
  FakeEmbeddingServer server(serve_embeddings(4));
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  auto out = embedder->embed({});
  ASSERT_TRUE(out.is_ok()) << out.status().to_string();
  EXPECT_TRUE(out->empty());
  EXPECT_TRUE(server.requests().empty());
}

TEST(RemoteEmbedderTest, InvalidUtf8IsRejectedBeforeSending) {
  FakeEmbeddingServer server(serve_embeddings(4));
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  auto out = embedder->embed({"fine", std::string("bad \xff\xfe byte")});
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(out.status().message().find("text 1"), std::string::npos) << out.status().message();
  EXPECT_TRUE(server.requests().empty());
}

// Retryable statuses: the first answer fails, the second succeeds.
TEST(RemoteEmbedderTest, RetriesAfterATransientFailure) {
  struct Case {
    int status;
    std::string retry_after;
  };
  for (const Case& c : std::vector<Case>{{503, ""}, {500, ""}, {502, ""}, {429, "0"}}) {
    SCOPED_TRACE("HTTP " + std::to_string(c.status));
    FakeEmbeddingServer server([&](const SeenRequest& r, int n) {
      if (n > 0) return embeddings(r, 4);
      Answer a = status_answer(c.status);
      a.retry_after = c.retry_after;
      return a;
    });
    auto embedder = make(test_options(server.url()));
    ASSERT_NE(embedder, nullptr);
    auto in = texts(3);
    auto out = embedder->embed(in);
    ASSERT_TRUE(out.is_ok()) << out.status().to_string();
    EXPECT_EQ(out->size(), 3u * 4);
    auto seen = server.requests();
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[1].inputs, in);
  }
}

TEST(RemoteEmbedderTest, GivesUpAfterMaxRetries) {
  FakeEmbeddingServer server([](const SeenRequest&, int) { return status_answer(503); });
  auto o = test_options(server.url());
  o.max_retries = 2;
  auto embedder = make(o);
  ASSERT_NE(embedder, nullptr);
  auto out = embedder->embed(texts(2));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(out.status().message().find("503"), std::string::npos) << out.status().message();
  EXPECT_NE(out.status().message().find("3 attempts"), std::string::npos) << out.status().message();
  EXPECT_EQ(server.requests().size(), 3u);
  EXPECT_EQ(embedder->dimension(), 0);
}

TEST(RemoteEmbedderTest, ClientErrorsAreNotRetried) {
  for (int status : {400, 401, 404, 413, 422}) {
    SCOPED_TRACE("HTTP " + std::to_string(status));
    FakeEmbeddingServer server([status](const SeenRequest&, int) {
      return status_answer(status, "{\"error\":{\"message\":\"model not loaded\"}}");
    });
    auto embedder = make(test_options(server.url()));
    ASSERT_NE(embedder, nullptr);
    auto out = embedder->embed(texts(2));
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(out.status().message().find(std::to_string(status)), std::string::npos);
    EXPECT_NE(out.status().message().find("model not loaded"), std::string::npos)
        << out.status().message();
    EXPECT_EQ(server.requests().size(), 1u);
  }
}

// Answers to a request for two texts that must be rejected, not retried.
TEST(RemoteEmbedderTest, BadResponsesAreRejected) {
  struct Case {
    const char* name;
    std::string body;
    const char* message;  // part of the expected error message
  };
  const std::vector<Case> cases = {
      {"truncated JSON", R"({"data": [{"index": 0, "embedding": [1, 2)", "not valid JSON"},
      {"not JSON", "<html>hello</html>", "not valid JSON"},
      {"no data", R"({"error": "x"})", "no \"data\""},
      {"data not an array", R"({"data": {}})", "no \"data\""},
      {"too few rows", R"({"data": [{"index": 0, "embedding": [1, 2]}]})", "1 rows for 2"},
      {"too many rows",
       R"({"data": [{"index": 0, "embedding": [1, 2]}, {"index": 1, "embedding": [1, 2]},
                    {"index": 2, "embedding": [1, 2]}]})",
       "3 rows for 2"},
      {"inconsistent dimension",
       R"({"data": [{"index": 0, "embedding": [1, 2, 3]}, {"index": 1, "embedding": [1, 2]}]})",
       "dimension 2, expected 3"},
      {"NaN",
       R"({"data": [{"index": 0, "embedding": [1, NaN]}, {"index": 1, "embedding": [1, 2]}]})",
       "not a finite number"},
      {"Infinity",
       R"({"data": [{"index": 0, "embedding": [1, 2]}, {"index": 1, "embedding": [-Infinity, 2]}]})",
       "not a finite number"},
      {"too large for float",
       R"({"data": [{"index": 0, "embedding": [1, 2]}, {"index": 1, "embedding": [1e39, 2]}]})",
       "not a finite number"},
      {"string component",
       R"({"data": [{"index": 0, "embedding": [1, "2"]}, {"index": 1, "embedding": [1, 2]}]})",
       "not a finite number"},
      {"null component",
       R"({"data": [{"index": 0, "embedding": [1, null]}, {"index": 1, "embedding": [1, 2]}]})",
       "not a finite number"},
      {"base64 embedding",
       R"({"data": [{"index": 0, "embedding": "AACAPw=="}, {"index": 1, "embedding": "AACAPw=="}]})",
       "base64"},
      {"empty embedding",
       R"({"data": [{"index": 0, "embedding": []}, {"index": 1, "embedding": []}]})",
       "not a number array"},
      {"missing embedding", R"({"data": [{"index": 0}, {"index": 1, "embedding": [1]}]})",
       "no \"embedding\""},
      {"duplicate index",
       R"({"data": [{"index": 1, "embedding": [1, 2]}, {"index": 1, "embedding": [1, 2]}]})",
       "repeats index 1"},
      {"index out of range",
       R"({"data": [{"index": 0, "embedding": [1, 2]}, {"index": 2, "embedding": [1, 2]}]})",
       "\"index\""},
      {"negative index",
       R"({"data": [{"index": -1, "embedding": [1, 2]}, {"index": 1, "embedding": [1, 2]}]})",
       "\"index\""},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    FakeEmbeddingServer server([&](const SeenRequest&, int) { return status_answer(200, c.body); });
    auto embedder = make(test_options(server.url()));
    ASSERT_NE(embedder, nullptr);
    auto out = embedder->embed(texts(2));
    ASSERT_FALSE(out.is_ok());
    EXPECT_EQ(out.status().code(), ErrorCode::kCorruption) << out.status().to_string();
    EXPECT_NE(out.status().message().find(c.message), std::string::npos) << out.status().message();
    EXPECT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(embedder->dimension(), 0);
  }
}

TEST(RemoteEmbedderTest, DimensionMustMatchTheOptions) {
  FakeEmbeddingServer server(serve_embeddings(8));
  auto o = test_options(server.url());
  o.dimension = 4;
  auto embedder = make(o);
  ASSERT_NE(embedder, nullptr);
  EXPECT_EQ(embedder->dimension(), 4);
  auto out = embedder->embed(texts(2));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kCorruption);
  EXPECT_NE(out.status().message().find("dimension 8, expected 4"), std::string::npos)
      << out.status().message();
}

TEST(RemoteEmbedderTest, LearnedDimensionMustNotChange) {
  std::atomic<int> dim{8};
  FakeEmbeddingServer server([&](const SeenRequest& r, int) { return embeddings(r, dim.load()); });
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  ASSERT_TRUE(embedder->embed(texts(2)).is_ok());
  EXPECT_EQ(embedder->dimension(), 8);
  dim = 6;
  auto out = embedder->embed(texts(2));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kCorruption);
  EXPECT_EQ(embedder->dimension(), 8);
}

TEST(RemoteEmbedderTest, ConcurrentCallsAllSucceed) {
  constexpr int kDim = 6;
  FakeEmbeddingServer server(serve_embeddings(kDim));
  auto embedder = make(test_options(server.url()));
  ASSERT_NE(embedder, nullptr);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<std::string> in = {"thread " + std::to_string(t), "另一个文本"};
      auto out = embedder->embed(in);
      if (!out.is_ok()) return;
      auto want = expected_row(in[0], kDim);
      bool same = true;
      for (int j = 0; j < kDim; ++j) same = same && std::fabs((*out)[j] - want[j]) < 1e-6;
      if (same) ++ok;
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(ok.load(), 4);
  EXPECT_EQ(embedder->dimension(), kDim);
}

TEST(RemoteEmbedderTest, ServerThatNeverAnswersTimesOut) {
  FakeEmbeddingServer server([](const SeenRequest&, int) {
    Answer a;
    a.hang = true;
    return a;
  });
  auto o = test_options(server.url());
  o.timeout_ms = 300;
  o.max_retries = 1;
  auto embedder = make(o);
  ASSERT_NE(embedder, nullptr);
  auto out = embedder->embed(texts(2));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(out.status().message().find("timed out"), std::string::npos) << out.status().message();
}

TEST(RemoteEmbedderTest, RefusedConnectionIsUnavailable) {
  // A loopback port that was free a moment ago and has no listener now.
  unsigned short port;
  {
    net::io_context ioc;
    tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }
  auto o = test_options("http://127.0.0.1:" + std::to_string(port));
  o.max_retries = 2;
  auto embedder = make(o);
  ASSERT_NE(embedder, nullptr);
  auto out = embedder->embed(texts(1));
  ASSERT_FALSE(out.is_ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(out.status().message().find("connect"), std::string::npos) << out.status().message();
}

TEST(RemoteEmbedderTest, InvalidOptionsAreRejected) {
  struct Case {
    const char* name;
    std::function<void(RemoteEmbedderOptions*)> change;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"https", [](auto* o) { o->url = "https://127.0.0.1:9000"; }, "https is not supported"},
      {"other scheme", [](auto* o) { o->url = "ftp://127.0.0.1:9000"; }, "http://"},
      {"empty url", [](auto* o) { o->url = ""; }, "url is empty"},
      {"no host", [](auto* o) { o->url = "http://:9000"; }, "no host"},
      {"bad port", [](auto* o) { o->url = "http://127.0.0.1:99999"; }, "invalid port"},
      {"port not a number", [](auto* o) { o->url = "http://127.0.0.1:abc"; }, "invalid port"},
      {"query", [](auto* o) { o->url = "http://127.0.0.1:9000/x?y=1"; }, "query"},
      {"empty model", [](auto* o) { o->model = ""; }, "model"},
      {"zero batch", [](auto* o) { o->batch_size = 0; }, "batch_size"},
      {"zero timeout", [](auto* o) { o->timeout_ms = 0; }, "timeout_ms"},
      {"negative retries", [](auto* o) { o->max_retries = -1; }, "max_retries"},
      {"negative dimension", [](auto* o) { o->dimension = -3; }, "dimension"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    auto o = test_options("http://127.0.0.1:9000");
    c.change(&o);
    auto e = RemoteEmbedder::create(o);
    ASSERT_FALSE(e.is_ok());
    EXPECT_EQ(e.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(e.status().message().find(c.message), std::string::npos) << e.status().message();
  }
}

TEST(RemoteEmbedderTest, AcceptsIpv6LoopbackAndDefaultPort) {
  auto o = test_options("http://[::1]");
  auto e = RemoteEmbedder::create(o);
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ((*e)->model_id(), "remote:test-model@http://[::1]");
  EXPECT_FALSE(RemoteEmbedderOptions().enabled());  // off by default
}

// ---- CorpusIndex with IndexConfig::remote ------------------------------------

using fixture::sample_experts;
using fixture::sample_problems;
using fixture::TempDir;

constexpr int kServerDim = 24;

void expect_row(const float* got, const std::string& text, const char* what) {
  ASSERT_NE(got, nullptr) << what;
  auto want = expected_row(text, kServerDim);
  for (int j = 0; j < kServerDim; ++j)
    EXPECT_NEAR(got[j], want[j], 1e-6) << what << " [" << j << "]";
}

bool server_saw(const FakeEmbeddingServer& server, const std::string& text) {
  for (const auto& r : server.requests())
    for (const auto& in : r.inputs)
      if (in == text) return true;
  return false;
}

// A loopback port that was free a moment ago and has no listener now.
std::string dead_url() {
  net::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return "http://127.0.0.1:" + std::to_string(a.local_endpoint().port());
}

TEST(RemoteCorpusIndexTest, UnitAndQueryVectorsComeFromTheServer) {
  FakeEmbeddingServer server(serve_embeddings(kServerDim));
  IndexConfig config;
  config.remote = test_options(server.url());
  auto built = CorpusIndex::build(sample_experts(), sample_problems(), config);
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  const CorpusIndex& index = **built;

  EXPECT_EQ(index.embedder().model_id(), "remote:test-model@" + server.url());
  EXPECT_EQ(index.embedder().dimension(), kServerDim);
  EXPECT_EQ(index.lsa(), nullptr);
  EXPECT_EQ(index.expert_vectors().dimension(), kServerDim);
  EXPECT_EQ(index.problem_vectors().dimension(), kServerDim);
  for (const auto& r : server.requests()) {
    EXPECT_EQ(r.model, "test-model");
    EXPECT_LE(r.inputs.size(), 4u);  // test_options' batch size
  }

  // Every unit's stored vector is the server's (normalised) row for its text.
  for (const auto& [id, e] : index.experts()) {
    expect_row(index.expert_vectors().vector(e.profile_unit), CorpusIndex::profile_text(e.expert),
               id.c_str());
    for (size_t w = 0; w < e.work_units.size(); ++w)
      expect_row(index.expert_vectors().vector(e.work_units[w]),
                 CorpusIndex::work_text(e.expert.works[w]), id.c_str());
  }
  for (const auto& [id, p] : index.problems())
    expect_row(index.problem_vectors().vector(p.unit), CorpusIndex::problem_text(p.problem()),
               id.c_str());

  // A query goes through the same Embedder, to the server.
  const std::string query = "烘干机温度控制 query never indexed";
  auto q = index.embedder().embed({query});
  ASSERT_TRUE(q.is_ok()) << q.status().to_string();
  ASSERT_EQ(q->size(), static_cast<size_t>(kServerDim));
  expect_row(q->data(), query, "query");
  EXPECT_TRUE(server_saw(server, query));

  // The term model is still learned from the corpus (BM25 and explanations).
  EXPECT_GT(index.terms().vocabulary().size(), 0u);
  auto terms = index.problem_terms(sample_problems().front());
  ASSERT_TRUE(terms.is_ok());
  EXPECT_FALSE(terms->empty());

  // The matcher's coarse similarity needs dimensions ordered by strength (LSA),
  // which a remote model's are not: there it is off, whatever its share.
  MatchConfig with_coarse, without_coarse;
  with_coarse.coarse_share = 0.9f;
  with_coarse.coarse_dimensions = 4;
  without_coarse.coarse_share = 0.0f;
  Matcher a(index, with_coarse), b(index, without_coarse);
  for (const auto& [id, e] : index.experts()) {
    auto sa = a.score(sample_problems().front(), id);
    auto sb = b.score(sample_problems().front(), id);
    ASSERT_TRUE(sa.is_ok() && sb.is_ok());
    EXPECT_EQ(*sa, *sb) << id;
  }

  // An upsert embeds the new record through the server as well.
  auto mutable_index = std::move(*built);
  Problem added = sample_problems().front();
  added.id = "P-REMOTE-NEW";
  added.title = "新问题 remote upsert";
  ASSERT_TRUE(mutable_index->upsert_problem(added).is_ok());
  expect_row(mutable_index->problem_vectors().vector(mutable_index->problem(added.id)->unit),
             CorpusIndex::problem_text(added), "upsert");
}

TEST(RemoteCorpusIndexTest, SwitchingEmbeddersMakesTheSavedIndexStale) {
  FakeEmbeddingServer server(serve_embeddings(kServerDim));
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.file("index");
  const auto experts = sample_experts();
  const auto problems = sample_problems();
  const uint64_t checksum = CorpusIndex::checksum_of(experts, problems);
  IndexConfig remote;
  remote.remote = test_options(server.url());
  const IndexConfig lsa;

  std::string reason;
  auto first = CorpusIndex::open(path, experts, problems, remote, &reason);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_FALSE(reason.empty());  // nothing to load: built and saved

  // Loading with the same settings asks the server nothing and keeps its dimension.
  size_t requests = server.requests().size();
  auto loaded = CorpusIndex::load(path, remote, checksum);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(server.requests().size(), requests);
  EXPECT_EQ((*loaded)->embedder().model_id(), "remote:test-model@" + server.url());
  EXPECT_EQ((*loaded)->embedder().dimension(), kServerDim);
  EXPECT_EQ((*loaded)->lsa(), nullptr);
  EXPECT_EQ((*loaded)->terms().vocabulary().size(), (*first)->terms().vocabulary().size());
  const Problem& p = problems.front();
  const float* stored = (*loaded)->problem_vectors().vector((*loaded)->problem(p.id)->unit);
  expect_row(stored, CorpusIndex::problem_text(p), "loaded");
  auto q = (*loaded)->embedder().embed({"查询 after load"});
  ASSERT_TRUE(q.is_ok()) << q.status().to_string();
  expect_row(q->data(), "查询 after load", "query after load");

  // Back to the built-in model: load() refuses, open() rebuilds with LSA.
  auto refused = CorpusIndex::load(path, lsa, checksum);
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kConflict) << refused.status().to_string();
  requests = server.requests().size();
  auto rebuilt = CorpusIndex::open(path, experts, problems, lsa, &reason);
  ASSERT_TRUE(rebuilt.is_ok()) << rebuilt.status().to_string();
  EXPECT_FALSE(reason.empty());
  EXPECT_EQ(server.requests().size(), requests);  // the LSA build asks no server
  EXPECT_EQ((*rebuilt)->embedder().model_id().rfind("lsa1-", 0), 0u)
      << (*rebuilt)->embedder().model_id();
  ASSERT_NE((*rebuilt)->lsa(), nullptr);
  EXPECT_EQ(&(*rebuilt)->embedder(), static_cast<const Embedder*>((*rebuilt)->lsa()));
  auto lsa_loaded = CorpusIndex::load(path, lsa, checksum);
  ASSERT_TRUE(lsa_loaded.is_ok()) << lsa_loaded.status().to_string();

  // And the other way: the LSA index is stale for the server, or for another model of it.
  auto refused_again = CorpusIndex::load(path, remote, checksum);
  ASSERT_FALSE(refused_again.is_ok());
  EXPECT_EQ(refused_again.status().code(), ErrorCode::kConflict);
  ASSERT_TRUE(CorpusIndex::open(path, experts, problems, remote, &reason).is_ok());
  EXPECT_FALSE(reason.empty());
  IndexConfig other_model = remote;
  other_model.remote.model = "other-model";
  auto other = CorpusIndex::load(path, other_model, checksum);
  ASSERT_FALSE(other.is_ok());
  EXPECT_EQ(other.status().code(), ErrorCode::kConflict);
  // Timeout and batch size do not change the vectors: still loadable.
  IndexConfig slower = remote;
  slower.remote.timeout_ms = 9000;
  slower.remote.batch_size = 16;
  EXPECT_TRUE(CorpusIndex::load(path, slower, checksum).is_ok());
}

TEST(RemoteCorpusIndexTest, FailingServerFailsTheBuild) {
  IndexConfig config;
  config.remote = test_options(dead_url());
  config.remote.max_retries = 1;
  auto down = CorpusIndex::build(sample_experts(), sample_problems(), config);
  ASSERT_FALSE(down.is_ok());
  EXPECT_EQ(down.status().code(), ErrorCode::kUnavailable) << down.status().to_string();

  // open() reports the same and saves nothing.
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto opened = CorpusIndex::open(dir.file("index"), sample_experts(), sample_problems(), config);
  ASSERT_FALSE(opened.is_ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(std::ifstream(dir.file("index/manifest.json")).good());

  // A server that starts failing halfway through the build: no partial index.
  FakeEmbeddingServer flaky([](const SeenRequest& r, int n) {
    return n < 3 ? embeddings(r, kServerDim) : status_answer(503);
  });
  config.remote = test_options(flaky.url());
  config.remote.max_retries = 1;
  auto half = CorpusIndex::build(sample_experts(), sample_problems(), config);
  ASSERT_FALSE(half.is_ok());
  EXPECT_EQ(half.status().code(), ErrorCode::kUnavailable) << half.status().to_string();
}

}  // namespace
}  // namespace expertmatch
