#include "indexer/remote_embedder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <thread>
#include <utility>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace expertmatch {

namespace {

namespace beast = boost::beast;
namespace bhttp = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

Status invalid_option(const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "remote embedder: " + what);
}

Result<RemoteEmbedder::Endpoint> parse_url(const std::string& url) {
  const std::string http = "http://";
  if (url.rfind("https://", 0) == 0)
    return invalid_option("https is not supported (url \"" + url +
                          "\"); use an http:// URL, e.g. a local TLS-terminating proxy");
  if (url.rfind(http, 0) != 0)
    return invalid_option("url must start with http://, got \"" + url + "\"");
  std::string rest = url.substr(http.size());
  size_t slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string prefix = slash == std::string::npos ? "" : rest.substr(slash);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (authority.find('@') != std::string::npos)
    return invalid_option("credentials in the url are not supported; use api_key");
  if (prefix.find_first_of("?#") != std::string::npos)
    return invalid_option("url must not have a query or fragment, got \"" + url + "\"");

  RemoteEmbedder::Endpoint e;
  e.host_header = authority;
  std::string port;
  if (!authority.empty() && authority[0] == '[') {  // [IPv6]:port
    size_t close = authority.find(']');
    if (close == std::string::npos) return invalid_option("malformed IPv6 host in \"" + url + "\"");
    e.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') return invalid_option("malformed host in \"" + url + "\"");
      port = after.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    e.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (e.host.empty()) return invalid_option("url has no host: \"" + url + "\"");
  if (port.empty()) port = "80";
  if (port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      std::stoi(port) == 0 || std::stoi(port) > 65535)
    return invalid_option("url has an invalid port: \"" + url + "\"");
  e.port = port;
  e.target = prefix + "/v1/embeddings";
  return e;
}

// {"model": MODEL, "input": [texts[first], ..., texts[first + count - 1]]};
// kInvalidArgument if a text is not UTF-8.
Result<std::string> request_body(const std::string& model, const std::vector<std::string>& texts,
                                 size_t first, size_t count) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer, rapidjson::UTF8<>, rapidjson::UTF8<>,
                    rapidjson::CrtAllocator, rapidjson::kWriteValidateEncodingFlag>
      w(buf);
  w.StartObject();
  w.Key("model");
  if (!w.String(model.data(), static_cast<rapidjson::SizeType>(model.size())))
    return Status(ErrorCode::kInvalidArgument, "remote embedder: model name is not valid UTF-8");
  w.Key("input");
  w.StartArray();
  for (size_t i = first; i < first + count; ++i)
    if (!w.String(texts[i].data(), static_cast<rapidjson::SizeType>(texts[i].size())))
      return Status(ErrorCode::kInvalidArgument,
                    "remote embedder: text " + std::to_string(i) + " is not valid UTF-8");
  w.EndArray();
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize());
}

struct Reply {
  int status = 0;
  std::string body;
  std::string retry_after;
};

// The outcome of one attempt: a reply, or a failure that may be retried.
struct Attempt {
  Status status;  // ok when `reply` holds an HTTP response
  bool retryable = false;
  Reply reply;
};

Attempt post_once(const RemoteEmbedder::Endpoint& endpoint, const RemoteEmbedderOptions& options,
                  const std::string& body) {
  Attempt out;
  net::io_context ioc;
  beast::error_code ec;
  tcp::resolver resolver(ioc);
  auto endpoints = resolver.resolve(endpoint.host, endpoint.port, ec);
  if (ec) {
    out.status =
        Status(ErrorCode::kUnavailable, "cannot resolve " + endpoint.host + ": " + ec.message());
    out.retryable = true;
    return out;
  }

  bhttp::request<bhttp::string_body> req{bhttp::verb::post, endpoint.target, 11};
  req.set(bhttp::field::host, endpoint.host_header);
  req.set(bhttp::field::user_agent, "expertmatch");
  req.set(bhttp::field::content_type, "application/json");
  req.set(bhttp::field::accept, "application/json");
  if (!options.api_key.empty()) req.set(bhttp::field::authorization, "Bearer " + options.api_key);
  req.keep_alive(false);
  req.body() = body;
  req.prepare_payload();

  // Asynchronous operations driven to completion here: Beast's stream
  // timeouts apply to asynchronous operations only. One deadline covers
  // connect, send and receive.
  beast::tcp_stream stream(ioc);
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(options.max_response_bytes);
  const char* stage = "connect";
  stream.expires_after(std::chrono::milliseconds(options.timeout_ms));
  stream.async_connect(endpoints, [&](beast::error_code e, const tcp::endpoint&) {
    if (e) {
      ec = e;
      return;
    }
    stage = "send";
    bhttp::async_write(stream, req, [&](beast::error_code e, size_t) {
      if (e) {
        ec = e;
        return;
      }
      stage = "receive";
      bhttp::async_read(stream, buffer, parser, [&](beast::error_code e, size_t) { ec = e; });
    });
  });
  ioc.run();
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);

  if (ec) {
    std::string what = std::string(stage) + " failed: " +
                       (ec == beast::error::timeout
                            ? "timed out after " + std::to_string(options.timeout_ms) + " ms"
                            : ec.message());
    if (ec == bhttp::error::body_limit) {
      out.status =
          Status(ErrorCode::kCorruption,
                 "response larger than " + std::to_string(options.max_response_bytes) + " bytes");
    } else if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category() &&
               ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message) {
      // The peer answered, but not in HTTP: retrying will not help.
      out.status = Status(ErrorCode::kCorruption, "malformed HTTP response (" + what + ")");
    } else {
      out.status = Status(ErrorCode::kUnavailable, what);
      out.retryable = true;
    }
    return out;
  }
  const auto& res = parser.get();
  out.reply.status = static_cast<int>(res.result_int());
  out.reply.body = res.body();
  if (auto it = res.find(bhttp::field::retry_after); it != res.end())
    out.reply.retry_after = std::string(it->value());
  return out;
}

// The start of a body for an error message: at most 200 bytes, one line.
std::string excerpt(const std::string& body) {
  std::string s = body.substr(0, 200);
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (body.size() > s.size()) s += "...";
  return s;
}

// Parses and checks a response for `n` texts; `expected_dim` 0 accepts any
// dimension common to all rows. Rows come back in input order, not normalised.
Result<std::vector<float>> parse_embeddings(const std::string& body, size_t n, int expected_dim,
                                            int* dim_out) {
  auto bad = [](const std::string& why) { return Status(ErrorCode::kCorruption, why); };
  rapidjson::Document doc;
  // NaN and Infinity are parsed so they can be reported as such.
  doc.Parse<rapidjson::kParseNanAndInfFlag | rapidjson::kParseIterativeFlag>(body.data(),
                                                                             body.size());
  if (doc.HasParseError())
    return bad("response is not valid JSON (error at offset " +
               std::to_string(doc.GetErrorOffset()) + "): " + excerpt(body));
  if (!doc.IsObject() || !doc.HasMember("data") || !doc["data"].IsArray())
    return bad("response has no \"data\" array: " + excerpt(body));
  const auto& data = doc["data"];
  if (data.Size() != n)
    return bad("response has " + std::to_string(data.Size()) + " rows for " + std::to_string(n) +
               " texts");
  int d = expected_dim;
  std::vector<float> out(n * static_cast<size_t>(d), 0.0f);
  std::vector<bool> seen(n, false);
  for (rapidjson::SizeType pos = 0; pos < data.Size(); ++pos) {
    const auto& item = data[pos];
    std::string where = "response row " + std::to_string(pos);
    if (!item.IsObject() || !item.HasMember("embedding"))
      return bad(where + " has no \"embedding\"");
    size_t row = pos;
    if (item.HasMember("index")) {
      if (!item["index"].IsUint64() || item["index"].GetUint64() >= n)
        return bad(where + " has an \"index\" that is not an integer from 0 to " +
                   std::to_string(n - 1));
      row = static_cast<size_t>(item["index"].GetUint64());
    }
    if (seen[row]) return bad(where + " repeats index " + std::to_string(row));
    seen[row] = true;
    const auto& emb = item["embedding"];
    if (emb.IsString()) return bad(where + ": base64 embeddings are not supported");
    if (!emb.IsArray() || emb.Empty()) return bad(where + ": \"embedding\" is not a number array");
    int len = static_cast<int>(emb.Size());
    if (d == 0) {
      d = len;
      out.assign(n * static_cast<size_t>(d), 0.0f);
    } else if (len != d) {
      return bad(where + " has dimension " + std::to_string(len) + ", expected " +
                 std::to_string(d));
    }
    float* dst = out.data() + row * static_cast<size_t>(d);
    for (int j = 0; j < d; ++j) {
      const auto& x = emb[static_cast<rapidjson::SizeType>(j)];
      float f = x.IsNumber() ? static_cast<float>(x.GetDouble()) : NAN;
      if (!x.IsNumber() || !std::isfinite(f))
        return bad(where + ", component " + std::to_string(j) + " is not a finite number");
      dst[j] = f;
    }
  }
  *dim_out = d;
  return out;
}

// Wait before retry `k` (1-based), or the server's Retry-After seconds, capped.
std::chrono::milliseconds backoff(const RemoteEmbedderOptions& o, int k,
                                  const std::string& retry_after) {
  long long ms = o.initial_backoff_ms;
  for (int i = 1; i < k && ms < o.max_backoff_ms; ++i) ms *= 2;
  if (!retry_after.empty() && retry_after.size() <= 6 &&
      std::all_of(retry_after.begin(), retry_after.end(),
                  [](char c) { return c >= '0' && c <= '9'; }))
    ms = std::stoll(retry_after) * 1000;
  return std::chrono::milliseconds(std::min<long long>(ms, o.max_backoff_ms));
}

}  // namespace

Result<std::unique_ptr<RemoteEmbedder>> RemoteEmbedder::create(
    const RemoteEmbedderOptions& options) {
  if (options.url.empty()) return invalid_option("url is empty (the remote embedder is off)");
  auto endpoint = parse_url(options.url);
  if (!endpoint) return endpoint.status();
  if (options.model.empty()) return invalid_option("model is empty");
  if (options.timeout_ms <= 0) return invalid_option("timeout_ms must be positive");
  if (options.batch_size <= 0) return invalid_option("batch_size must be positive");
  if (options.max_retries < 0) return invalid_option("max_retries must not be negative");
  if (options.initial_backoff_ms < 0 || options.max_backoff_ms < 0)
    return invalid_option("backoff must not be negative");
  if (options.dimension < 0) return invalid_option("dimension must not be negative");
  if (options.max_response_bytes == 0) return invalid_option("max_response_bytes must be positive");
  return std::unique_ptr<RemoteEmbedder>(new RemoteEmbedder(options, std::move(*endpoint)));
}

RemoteEmbedder::RemoteEmbedder(RemoteEmbedderOptions options, Endpoint endpoint)
    : options_(std::move(options)), endpoint_(std::move(endpoint)), url_(options_.url) {
  while (!url_.empty() && url_.back() == '/') url_.pop_back();
  dimension_ = options_.dimension;
}

std::string RemoteEmbedder::model_id() const { return "remote:" + options_.model + "@" + url_; }

Result<std::vector<float>> RemoteEmbedder::embed(const std::vector<std::string>& texts) const {
  try {
    std::vector<float> out;
    const size_t batch = static_cast<size_t>(options_.batch_size);
    for (size_t first = 0; first < texts.size(); first += batch) {
      const size_t count = std::min(batch, texts.size() - first);
      auto body = request_body(options_.model, texts, first, count);
      if (!body) return body.status();
      Status s = embed_batch(*body, count, &out);
      if (!s) {
        std::string where = texts.size() > batch ? " (texts " + std::to_string(first) + "-" +
                                                       std::to_string(first + count - 1) + ")"
                                                 : "";
        return Status(s.code(), "embedding server " + url_ + where + ": " + s.message());
      }
    }
    return out;
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, "embedding server " + url_ + ": " + e.what());
  } catch (...) {
    return Status(ErrorCode::kInternal, "embedding server " + url_ + ": unknown exception");
  }
}

Status RemoteEmbedder::embed_batch(const std::string& body, size_t n,
                                   std::vector<float>* out) const {
  const int attempts = 1 + options_.max_retries;
  Status last;
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    Attempt a = post_once(endpoint_, options_, body);
    std::string retry_after;
    if (a.status) {
      int code = a.reply.status;
      if (code >= 200 && code < 300) {
        int d = 0;
        auto rows = parse_embeddings(a.reply.body, n, dimension_.load(), &d);
        if (!rows) return rows.status();
        // Another thread may have learned the dimension meanwhile.
        int known = 0;
        if (!dimension_.compare_exchange_strong(known, d) && known != d)
          return Status(ErrorCode::kCorruption, "response has dimension " + std::to_string(d) +
                                                    ", expected " + std::to_string(known));
        for (size_t i = 0; i < n; ++i) l2_normalize(rows->data() + i * d, d);
        out->insert(out->end(), rows->begin(), rows->end());
        return Status::ok();
      }
      std::string what = "HTTP " + std::to_string(code) + ": " + excerpt(a.reply.body);
      if (code != 429 && code < 500)
        return Status(ErrorCode::kInvalidArgument, "server rejected the request, " + what);
      last = Status(ErrorCode::kUnavailable, what);
      retry_after = a.reply.retry_after;
    } else if (!a.retryable) {
      return a.status;
    } else {
      last = a.status;
    }
    if (attempt < attempts) std::this_thread::sleep_for(backoff(options_, attempt, retry_after));
  }
  return Status(ErrorCode::kUnavailable, "gave up after " + std::to_string(attempts) +
                                             (attempts == 1 ? " attempt" : " attempts") +
                                             ", last: " + last.message());
}

}  // namespace expertmatch
