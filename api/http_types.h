// The HTTP request and response as handlers see them: plain values, no
// sockets, no Boost. http_server.cpp converts from and to Beast messages.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace expertmatch::api {

struct ApiRequest {
  std::string method;         // "GET", "POST", ...
  std::string target;         // as sent: path and query
  std::string authorization;  // the Authorization header, "" if absent
  std::string content_type;   // the Content-Type header, "" if absent
  std::string body;
  // Set by the server when the client has gone away (closed or reset its
  // connection) before the answer was written; null for requests made in
  // code. Long handlers check client_gone() where stopping is safe (before
  // they start writing), and the server skips queued requests whose client
  // has gone. Written by an I/O thread, read by a worker: atomic.
  std::shared_ptr<const std::atomic<bool>> gone;
  bool client_gone() const { return gone && gone->load(); }
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
};

// {"error": {"code": CODE, "message": MESSAGE, "field": FIELD}} with `status`.
ApiResponse error_response(int status, const std::string& code, const std::string& message,
                           const std::string& field = "");

}  // namespace expertmatch::api
