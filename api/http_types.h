// The HTTP request and response as handlers see them: plain values, no
// sockets, no Boost. http_server.cpp converts from and to Beast messages.
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "i18n/messages.h"

namespace expertmatch::api {

struct ApiRequest {
  std::string method;              // "GET", "POST", ...
  std::string target;              // as sent: path and query
  std::string authorization;       // the Authorization header, "" if absent
  bool has_authorization = false;  // the header is present (its value may be "")
  std::string content_type;        // the Content-Type header, "" if absent
  std::string cookie;              // the Cookie header, "" if absent
  std::string origin;              // the Origin header, "" if absent
  std::string host;                // the Host header, "" if absent
  std::string accept_language;     // the Accept-Language header, "" if absent
  std::string csrf_token;          // the X-CSRF-Token header, "" if absent
  std::string client_address;      // the peer's IP address ("127.0.0.1"), "" if unknown
  std::string body;
  // Set by the server when the client has gone away (closed or reset its
  // connection) before the answer was written; null for requests made in
  // code. Long handlers check client_gone() where stopping is safe (before
  // they start writing), and the server skips queued requests whose client
  // has gone. Written by an I/O thread, read by a worker: atomic.
  std::shared_ptr<const std::atomic<bool>> gone;
  bool client_gone() const { return gone && gone->load(); }
};

// An error answer before it is put in words: routes.cpp renders `message`
// (and each detail's reason) in the request's language into the body.
struct ApiError {
  struct Detail {
    std::string field;
    i18n::Message reason;
    int line = 0;  // 0: none
  };
  std::string code;  // machine-readable, English ("bad_request")
  i18n::Message message;
  std::string field;
  std::vector<Detail> details;
};

struct ApiResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. Allow, Location
  // The route template that answered ("/api/v1/problems/{id}"), or "unmatched";
  // metrics are labelled with it, never with raw paths.
  std::string route = "unmatched";
  // Who asked (Principal::describe()), "-" if nobody authenticated; for the
  // access log only, never sent.
  std::string who = "-";
  // Set by error_response: the error, so it can be rendered in another language.
  std::optional<ApiError> error;
};

// What the server does with a request whose head it has read, before its
// body: answer `refusal` at once (reading no body; the connection is then
// closed), or read a body of at most `body_limit` bytes (413 above).
struct HeadVerdict {
  std::optional<ApiResponse> refusal;
  size_t body_limit = 0;
};

// {"error": {"code": CODE, "message": MESSAGE, "field": FIELD}} with `status`;
// the body is rendered in Chinese, and again by localize() when the caller
// asked for another language. A `message` that is not a catalogue key is
// shown as it is.
ApiResponse error_response(int status, const std::string& code, const i18n::Message& message,
                           const std::string& field = "");
// Renders `response`'s error (if any) into its body in `language`.
void localize(ApiResponse* response, i18n::Language language);

}  // namespace expertmatch::api
