// RemoteEmbedder: an Embedder backed by an external embedding server that
// speaks the OpenAI-compatible HTTP API. Optional and off by default; the
// built-in LsaEmbedder is used unless a URL is configured.
//
// Wire protocol, one HTTP/1.1 request per batch on a new connection:
//   POST {url path}/v1/embeddings
//   {"model": MODEL, "input": ["text 0", "text 1", ...]}
// answered by
//   {"data": [{"index": 0, "embedding": [0.1, ...]}, ...], ...}
// Rows are placed by "index" (position in "data" if absent) and L2-normalised
// here, whatever the server does.
//
// Only plain http:// over TCP; an https:// URL is rejected by create() (put a
// local TLS-terminating proxy in front of a remote server).
//
// Errors (embed() never throws):
//   kInvalidArgument  a text is not valid UTF-8, or the server rejected the
//                     request with a 4xx other than 429 (not retried);
//   kUnavailable      connection errors, timeouts, 5xx and 429 that persisted
//                     through 1 + max_retries attempts;
//   kCorruption       a 2xx response that is not valid JSON of the shape above,
//                     has the wrong number of rows, rows of differing or
//                     unexpected dimension, or non-finite numbers (not retried);
//   kInternal         anything unexpected (e.g. out of memory).
//
// Thread safety: embed() may be called from several threads at once; every
// call uses its own connection and I/O context.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "corpus/status.h"
#include "indexer/embedder.h"

namespace expertmatch {

struct RemoteEmbedderOptions {
  // Base URL, "http://HOST[:PORT][/PREFIX]", e.g. "http://127.0.0.1:9000"; the
  // request goes to PREFIX + "/v1/embeddings". Empty (the default): no remote
  // embedder is used.
  std::string url;
  // Model name sent as "model"; required when url is set.
  std::string model;
  // Sent as "Authorization: Bearer API_KEY" when not empty; never logged.
  std::string api_key;
  // Limit for one attempt (connect, send and receive together), milliseconds.
  // Host name resolution is not covered; use an IP address for a strict bound.
  int timeout_ms = 30000;
  // At most this many texts per request.
  int batch_size = 64;
  // Attempts after the first one for retryable failures (network, timeout,
  // 5xx, 429). 0 = no retry.
  int max_retries = 3;
  // Wait before retry k (k = 1, 2, ...) is initial_backoff_ms * 2^(k-1),
  // capped at max_backoff_ms; a server's Retry-After (in seconds) is honoured
  // up to the same cap.
  int initial_backoff_ms = 200;
  int max_backoff_ms = 5000;
  // Expected vector length; 0 (the default) learns it from the first
  // successful response, after which every response must agree.
  int dimension = 0;
  // Largest response body accepted, bytes.
  size_t max_response_bytes = 64u << 20;

  bool enabled() const { return !url.empty(); }
};

class RemoteEmbedder : public Embedder {
 public:
  // Validates the options (kInvalidArgument naming the bad setting: empty or
  // malformed URL, https or another scheme, empty model, non-positive
  // timeout or batch size, negative retries or backoff). Does not contact the
  // server.
  static Result<std::unique_ptr<RemoteEmbedder>> create(const RemoteEmbedderOptions& options);

  // options.dimension, else the dimension of the first successful response,
  // else 0 (nothing embedded yet).
  int dimension() const override { return dimension_.load(); }
  // "remote:" + model + "@" + url (without a trailing '/').
  std::string model_id() const override;
  // n texts -> n * dimension() floats, row i for texts[i], unit L2 norm (or
  // all zeros if the server returned zeros). No request for n = 0. See the
  // file comment for the errors.
  Result<std::vector<float>> embed(const std::vector<std::string>& texts) const override;

  const RemoteEmbedderOptions& options() const { return options_; }

  // Parsed form of options.url.
  struct Endpoint {
    std::string host;         // without IPv6 brackets
    std::string port;         // "80" if not given
    std::string target;       // PREFIX + "/v1/embeddings"
    std::string host_header;  // as in the URL, e.g. "127.0.0.1:9000"
  };

 private:
  RemoteEmbedder(RemoteEmbedderOptions options, Endpoint endpoint);
  // One request body for n texts, with retries; appends n * d floats to *out.
  Status embed_batch(const std::string& body, size_t n, std::vector<float>* out) const;

  RemoteEmbedderOptions options_;
  Endpoint endpoint_;
  std::string url_;  // options_.url without trailing '/'
  mutable std::atomic<int> dimension_{0};
};

}  // namespace expertmatch
