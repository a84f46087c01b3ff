// The API's one route table and its handlers: functions from a request to a
// response, doing no I/O of their own (the Service does the storage).
//
// Errors are mapped to HTTP here and only here:
//   400 bad_request        malformed JSON, invalid UTF-8, bad query parameters
//   401 unauthenticated    no, malformed or unknown bearer token or session cookie;
//                          wrong user name or password at sign-in
//   403 forbidden          the role or scope does not allow the action
//   403 csrf               a cookie-authenticated POST/PUT/PATCH/DELETE without the
//                          session's X-CSRF-Token, or from another Origin
//   404 not_found          unknown route, or a record the caller may not know exists
//   405 method_not_allowed the path exists with other methods (see Allow)
//   409 already_exists / conflict
//   413 payload_too_large  (sent by the server before a handler runs)
//   415 unsupported_media_type
//   429 rate_limited       too many failed sign-ins (see Retry-After)
//   429 too_many_requests  an expensive or ranking request over the caller's own
//                          limit (api/expensive_slots.h; see Retry-After)
//   422 invalid_argument   the body is JSON but fails validation (see "field")
//   500 internal / io_error, 503 unavailable (e.g. no index yet; the server
//                          overloaded: an expensive request's wait for a slot,
//                          or a sign-in's for a password hash slot, ran out)
#pragma once

#include <atomic>
#include <optional>

#include "api/accounts.h"
#include "api/config.h"
#include "api/expensive_slots.h"
#include "api/http_types.h"
#include "api/metrics.h"
#include "api/service.h"

namespace expertmatch::api {

struct RequestContext {
  Service& service;
  Metrics& metrics;
  const ServerConfig& config;
  const std::atomic<bool>& draining;  // true once shutdown began: /readyz says so
  Sessions& sessions;                 // accounts' sign-in sessions (cookie authentication)
  ExpensiveSlots& expensive;          // admission of plan runs, queues, imports, ledgers
  ExpensiveSlots& ranking;            // per-caller bound of matching requests
  // The operator listener (config.metrics_listen): serves only /healthz,
  // /readyz and /metrics, with counts and without a token.
  bool operator_listener = false;
};

// Answers one request. Never throws; a handler's exception becomes a 500.
// Error messages are in the request's Accept-Language (zh or en), else in
// the `language` setting; error codes are always English.
// The request is the handler's to consume (a bulk import moves its body out).
ApiResponse handle_request(const RequestContext& context, ApiRequest& request);
// Answers, on the server's I/O thread, the requests that need neither the
// worker pool nor the service's lock: GET /healthz, and GET /readyz without
// an Authorization header (ready or not, no counts). nullopt: every other
// request, for handle_request() on a worker. Never blocks, never throws.
std::optional<ApiResponse> handle_without_queueing(const RequestContext& context,
                                                   const ApiRequest& request);

// Judges a request from its head alone (method, target and fields; `head`
// has no body), before the server reads its body: the refusal if the route
// table would refuse it whatever the body (400 bad target or query
// parameter, 401, 403 for a role or CSRF, 404, 405), rendered like
// handle_request's; else the body limit: import_limit_bytes for an admin's
// request to a bulk import route, body_limit_bytes for every other one.
// handle_request() later checks the whole request again the same way (a
// token revoked in between is refused then). May read the store (token and
// session look-ups): call it on a worker thread. Never throws.
HeadVerdict check_head(const RequestContext& context, const ApiRequest& head);

// Answers a request while the service is still opening (ApiServer::listen
// done, open() not yet: the records and the index are loading), on the I/O
// thread, without the service: GET/HEAD /healthz 200 (alive), /readyz 503
// {"status": "not_ready", "reason": "starting: ..."}, a target the router
// would refuse 400 as it would, anything else 503 unavailable with
// Retry-After (nothing is read or written before the service is whole).
// Never blocks, never throws.
ApiResponse handle_while_starting(const ServerConfig& config, const ApiRequest& request);
// The Retry-After of those 503s, in seconds.
inline constexpr int kStartingRetrySeconds = 5;

}  // namespace expertmatch::api
