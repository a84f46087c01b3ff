#include "api/routes.h"

#include <algorithm>
#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include <sodium.h>

#include "api/handlers/handlers.h"
#include "api/request_reader.h"

namespace expertmatch::api {
namespace {

using handlers::Call;

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// ---- the route table -------------------------------------------------------------

using namespace handlers;

// Who may call a route: anyone; any valid token (the handler checks role and
// scope); an admin token, or anyone on the operator listener.
enum class Access { kPublic, kToken, kOperator };
constexpr Access kPublic = Access::kPublic, kToken = Access::kToken, kOperator = Access::kOperator;

struct Route {
  const char* method;
  const char* pattern;  // "{id}" matches one path segment
  ApiResponse (*handler)(const Call&);
  Access access;
  // The query parameters the route reads, space separated; any other is a
  // 400 (a misspelt filter must not silently return everything).
  const char* query = "";
  // Bulk import: admin only, and its body may be up to import_limit_bytes
  // (every other request's is held to body_limit_bytes).
  bool bulk = false;
};
constexpr bool kBulk = true;
// The body limit of a public route: a sign-in is a user name and a password
// of at most 1,024 code points (accounts.cpp), up to 12 bytes each as JSON
// escapes of surrogate pairs, with room to spare.
constexpr size_t kPublicBodyLimit = 16 * 1024;

// Paging (offset, limit) is the same on every list.
#define PAGED "offset limit "

const Route kRoutes[] = {
    {"GET", "/healthz", healthz, kPublic},
    {"GET", "/readyz", readyz, kPublic},
    {"GET", "/metrics", metrics, kOperator},
    {"GET", "/api/v1/whoami", whoami, kToken},
    {"GET", "/api/v1/counties", list_counties, kToken},
    {"GET", "/api/v1/counties/{id}/ledger", county_ledger, kToken, "year format"},
    {"GET", "/api/v1/ledger", city_ledger, kToken, "year format"},
    {"GET", "/api/v1/enterprises", list_enterprises, kToken, PAGED "county"},
    {"POST", "/api/v1/enterprises", create_enterprise, kToken},
    {"GET", "/api/v1/problems", list_problems, kToken,
     PAGED "q industry status enterprise county urgency min_urgency verified sort"},
    {"POST", "/api/v1/problems", create_problem, kToken},
    {"GET", "/api/v1/problems/{id}", get_problem, kToken},
    {"PUT", "/api/v1/problems/{id}", update_problem, kToken},
    {"PATCH", "/api/v1/problems/{id}", patch_problem, kToken},
    {"POST", "/api/v1/problems/{id}/withdraw", withdraw_problem, kToken},
    {"POST", "/api/v1/problems/{id}/status", change_problem_status, kToken},
    {"GET", "/api/v1/problems/{id}/history", problem_history, kToken},
    {"GET", "/api/v1/problems/{id}/changes", problem_changes, kToken},
    {"GET", "/api/v1/problems/{id}/matches", problem_matches, kToken, "k"},
    {"GET", "/api/v1/problems/{id}/reviews", list_reviews, kToken},
    {"POST", "/api/v1/problems/{id}/reviews", create_review, kToken},
    {"GET", "/api/v1/review-queue", review_queue, kToken, PAGED "county"},
    {"GET", "/api/v1/experts", list_experts, kToken,
     PAGED "q college field county available verified"},
    {"POST", "/api/v1/experts", create_expert, kToken},
    {"GET", "/api/v1/experts/{id}", get_expert, kToken},
    {"PUT", "/api/v1/experts/{id}", update_expert, kToken},
    {"PATCH", "/api/v1/experts/{id}", patch_expert, kToken},
    {"GET", "/api/v1/experts/{id}/changes", expert_changes, kToken},
    {"POST", "/api/v1/experts/{id}/deactivate", deactivate_expert, kToken},
    {"POST", "/api/v1/experts/{id}/reactivate", reactivate_expert, kToken},
    {"GET", "/api/v1/experts/{id}/matches", expert_matches, kToken, "k"},
    {"POST", "/api/v1/match", match_text, kToken},
    {"POST", "/api/v1/import/experts", import_experts, kToken, "", kBulk},
    {"POST", "/api/v1/import/problems", import_problems, kToken, "", kBulk},
    {"GET", "/api/v1/export/experts", export_experts, kToken},
    {"GET", "/api/v1/export/problems", export_problems, kToken},
    {"GET", "/api/v1/skipped-records", list_skipped_records, kToken},
    {"GET", "/api/v1/counties/{id}/plans", list_plans, kToken, PAGED},
    {"POST", "/api/v1/counties/{id}/plans", create_plan, kToken},
    {"GET", "/api/v1/plans/{id}", get_plan, kToken, "format"},
    {"POST", "/api/v1/plans/{id}/approve", approve_plan, kToken},
    {"POST", "/api/v1/plans/{id}/discard", discard_plan, kToken},
    {"POST", "/api/v1/sessions", create_session, kPublic},
    {"DELETE", "/api/v1/sessions/current", delete_session, kToken},
    {"GET", "/api/v1/accounts", list_accounts, kToken, PAGED},
    {"POST", "/api/v1/accounts", create_account, kToken},
    {"POST", "/api/v1/accounts/{id}/disable", disable_account, kToken},
    {"GET", "/", static_file, kPublic, "lang"},  // ?lang=en: the pages in English (web/i18n)
    {"GET", "/favicon.ico", favicon, kPublic},
    {"GET", "/web/messages/{id}", page_messages, kPublic},
    {"GET", "/web/{*}", static_file, kPublic},
};

#undef PAGED

// The first query parameter `route` does not read, or "".
std::string unknown_parameter(const Route& route, const std::map<std::string, std::string>& query) {
  std::string known = std::string(" ") + route.query + " ";
  for (const auto& [name, value] : query)
    if (name.empty() || known.find(" " + name + " ") == std::string::npos)
      return name.empty() ? "=" : name;
  return "";
}

bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::vector<std::string>* params) {
  bool rest = !pattern.empty() && pattern.back() == "{*}";
  if (rest ? path.size() < pattern.size() : pattern.size() != path.size()) return false;
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{*}" && i + 1 == pattern.size()) {
      // The rest of the path, one or more segments, as one parameter.
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) rest += (j > i ? "/" : "") + path[j];
      params->push_back(rest);
      return true;
    }
    if (pattern[i] == "{id}") {
      if (path[i].empty()) return false;
      params->push_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

bool safe_method(const std::string& method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

ApiResponse unauthenticated(const i18n::Message& message) {
  ApiResponse r = error_response(401, "unauthenticated", message);
  r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"expertmatch\"");
  return r;
}

// A bearer token if the request has an Authorization header, else the session
// cookie; a cookie-authenticated unsafe method must also carry the session's
// CSRF token and, if it sends an Origin, come from this host.
bool authenticate(const RequestContext& context, const ApiRequest& req, Principal* who_out,
                  std::optional<SessionCaller>* session_out, ApiResponse* refused) {
  std::string session_id = cookie_value(req.cookie, kSessionCookie);
  // An Authorization header, even an empty one, is the credential: a request
  // that sends one is never also read as its cookie's session.
  if (req.has_authorization || !req.authorization.empty() || session_id.empty()) {
    auto who = context.service.authenticate(req.authorization);
    if (!who) {
      if (who.status().code() != ErrorCode::kPermissionDenied)
        *refused = from_status(who.status());
      else
        *refused = unauthenticated(who.status().user_message().empty()
                                       ? i18n::Message(who.status().message())
                                       : who.status().user_message());
      return false;
    }
    *who_out = *who;
    who_out->reauthenticate = [&service = context.service,
                               authorization = req.authorization]() -> Result<Principal> {
      return service.authenticate(authorization);
    };
    return true;
  }
  auto caller = context.sessions.authenticate(session_id);
  if (!caller) {
    if (caller.status().code() != ErrorCode::kPermissionDenied) {
      *refused = from_status(caller.status());
    } else {
      *refused = unauthenticated(caller.status().user_message());
      refused->headers.emplace_back("Set-Cookie", session_cookie(context.config, ""));
    }
    return false;
  }
  if (!safe_method(req.method)) {
    const std::string& sent = req.csrf_token;
    bool token_ok = sent.size() == caller->csrf_token.size() &&
                    sodium_memcmp(sent.data(), caller->csrf_token.data(), sent.size()) == 0;
    if (!token_ok) {
      *refused = error_response(403, "csrf", "auth.csrf_token");
      return false;
    }
    if (!origin_allowed(req)) {
      *refused = error_response(403, "csrf", {"auth.csrf_origin", {{"origin", req.origin}}});
      return false;
    }
  }
  *who_out = caller->who;
  who_out->reauthenticate = [&sessions = context.sessions, session_id]() -> Result<Principal> {
    auto again = sessions.authenticate(session_id);
    if (!again) return again.status();
    return again->who;
  };
  *session_out = *caller;
  return true;
}

// A target decode_target refused: `why`, or the parameter given twice.
ApiResponse bad_target_response(const i18n::Message& why, const std::string& repeated) {
  if (!repeated.empty())
    return error_response(400, "bad_request", {"request.query_repeated", {{"name", repeated}}},
                          repeated);
  return error_response(400, "bad_request", why);
}

// What the route table decides from a request's head alone: the route, its
// parameters and the authenticated caller.
struct Resolved {
  const Route* route = nullptr;
  std::string path;
  std::map<std::string, std::string> query;
  std::vector<std::string> params;
  Principal who;
  std::optional<SessionCaller> session;
  bool authenticated = false;
};

// Resolves the route and the caller of `req` from its method, target and
// fields (never its body): the refusal (400, 401, 403, 404, 405) if there is
// one. The server calls it on a head before reading the body (check_head),
// and every handler's dispatch calls it again, so both read a request alike.
std::optional<ApiResponse> resolve(const RequestContext& context, const ApiRequest& req,
                                   Resolved* out) {
  RequestTarget target;
  i18n::Message why;
  std::string repeated;
  if (!decode_target(req.target, &target, &why, &repeated))
    return bad_target_response(why, repeated);
  std::string& path = target.path;
  auto& query = target.query;
  auto segments = split_path(path);
  const Route* found = nullptr;
  std::string allow;
  std::vector<std::string> params;
  for (const auto& r : kRoutes) {
    // The operator listener has only the public and operator routes.
    if (context.operator_listener && r.access == kToken) continue;
    std::vector<std::string> p;
    if (!match_pattern(split_path(r.pattern), segments, &p)) continue;
    // HEAD is GET without the body (RFC 9110 9.3.2): the same route, the
    // same checks; the server leaves the body out when it writes the answer.
    if (req.method == r.method || (req.method == "HEAD" && std::string(r.method) == "GET")) {
      found = &r;
      params = std::move(p);
      break;
    }
    allow += allow.empty() ? r.method : std::string(", ") + r.method;
    if (std::string(r.method) == "GET") allow += ", HEAD";
  }
  if (!found) {
    if (allow.empty())
      return error_response(404, "not_found", {"request.no_route", {{"path", path}}});
    ApiResponse r =
        error_response(405, "method_not_allowed",
                       {"request.method_not_allowed", {{"method", req.method}, {"allow", allow}}});
    r.headers.emplace_back("Allow", allow);
    for (const auto& route : kRoutes) {
      std::vector<std::string> p;
      if (context.operator_listener && route.access == kToken) continue;
      if (match_pattern(split_path(route.pattern), segments, &p)) {
        r.route = route.pattern;
        break;
      }
    }
    return r;
  }
  if (std::string bad = unknown_parameter(*found, query); !bad.empty()) {
    std::string known = found->query;
    while (!known.empty() && known.back() == ' ') known.pop_back();
    ApiResponse r = error_response(
        400, "bad_request",
        known.empty() ? i18n::Message("query.unknown_none", {{"name", bad}})
                      : i18n::Message("query.unknown", {{"name", bad}, {"known", known}}),
        bad);
    r.route = found->pattern;
    return r;
  }
  out->route = found;
  out->path = std::move(path);
  out->query = std::move(query);
  out->params = std::move(params);
  out->authenticated =
      found->access == kToken || (found->access == kOperator && !context.operator_listener);
  if (out->authenticated) {
    ApiResponse refused;
    if (!authenticate(context, req, &out->who, &out->session, &refused)) {
      refused.route = found->pattern;
      return refused;
    }
    if (found->access == kOperator && out->who.role != Role::kAdmin) {
      ApiResponse r = error_response(403, "forbidden", "access.admin_route");
      r.route = found->pattern;
      return r;
    }
    if (found->bulk && out->who.role != Role::kAdmin) {
      ApiResponse r = error_response(403, "forbidden", "access.import_admin_only");
      r.route = found->pattern;
      r.who = out->who.describe();
      return r;
    }
  }
  return std::nullopt;
}

ApiResponse dispatch(const RequestContext& context, ApiRequest& req, i18n::Language language) {
  Resolved resolved;
  if (auto refused = resolve(context, req, &resolved)) return std::move(*refused);
  Call call{req,
            context,
            resolved.who,
            std::move(resolved.path),
            std::move(resolved.query),
            std::move(resolved.params),
            std::move(resolved.session),
            language};
  ApiResponse r = resolved.route->handler(call);
  r.route = resolved.route->pattern;
  if (resolved.authenticated) r.who = call.who.describe();
  return r;
}

// Puts an answer's error in the caller's language and adds the headers every
// answer carries.
void finish(ApiResponse* r, i18n::Language language) {
  if (r->error) {
    if (language != i18n::Language::kZh) localize(r, language);  // error_response wrote Chinese
    r->headers.emplace_back("Content-Language", i18n::language_tag(language));
  }
  r->headers.emplace_back("X-Content-Type-Options", "nosniff");
}

i18n::Language language_of(const RequestContext& context, const ApiRequest& request) {
  return i18n::negotiate(
      request.accept_language,
      i18n::parse_language(context.config.language).value_or(i18n::Language::kZh));
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const i18n::Message& message,
                           const std::string& field) {
  ApiResponse r;
  r.status = status;
  r.error = ApiError{code, message, field, {}};
  localize(&r, i18n::Language::kZh);
  return r;
}

namespace {

bool in_catalogue(const i18n::Message& m, i18n::Language language) {
  if (!i18n::Catalogue::builtin().has(language, m.key)) return false;
  for (const auto& [name, inner] : m.parts)
    if (!in_catalogue(inner, language)) return false;
  return true;
}

// The words of `m` in `language`. Text that is not a catalogue message (a
// Status made from plain text below the API, e.g. by the store) is not shown
// to a person in whatever language it happens to be: it is logged, and the
// answer says what its HTTP status means.
std::string words(const i18n::Message& m, int status, i18n::Language language) {
  if (in_catalogue(m, language)) return i18n::tr(language, m);
  if (language == i18n::Language::kZh)  // every error is rendered in Chinese first: log once
    std::fprintf(stderr, "expertmatch serve: a %d answer's message is not in the catalogue: %s\n",
                 status, utf8_or_replaced(m.key).c_str());
  return i18n::tr(language, {"error.generic", {{"status", std::to_string(status)}}});
}

}  // namespace

void localize(ApiResponse* r, i18n::Language language) {
  if (!r->error) return;
  const ApiError& err = *r->error;
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value e(rapidjson::kObjectType);
  // Messages may echo what a client sent (a path, a media type): the body
  // must stay valid UTF-8 JSON whatever those bytes were.
  e.AddMember("code", str(utf8_or_replaced(err.code), a), a);
  e.AddMember("message", str(utf8_or_replaced(words(err.message, r->status, language)), a), a);
  e.AddMember("field", str(utf8_or_replaced(err.field), a), a);
  if (!err.details.empty()) {
    rapidjson::Value details(rapidjson::kArrayType);
    for (const auto& fe : err.details) {
      rapidjson::Value v(rapidjson::kObjectType);
      v.AddMember("field", str(utf8_or_replaced(fe.field), a), a);
      v.AddMember("reason", str(utf8_or_replaced(words(fe.reason, r->status, language)), a), a);
      if (fe.line > 0) v.AddMember("line", fe.line, a);
      details.PushBack(v, a);
    }
    e.AddMember("details", details, a);
  }
  d.AddMember("error", e, a);
  r->content_type = "application/json";
  r->body = dump(d);
}

ApiResponse handle_request(const RequestContext& context, ApiRequest& request) {
  i18n::Language language = language_of(context, request);
  ApiResponse r;
  try {
    r = dispatch(context, request, language);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expertmatch serve: handler failed: %s\n", e.what());
    r = error_response(500, "internal", "error.internal");
  } catch (...) {
    std::fprintf(stderr, "expertmatch serve: handler failed\n");
    r = error_response(500, "internal", "error.internal");
  }
  finish(&r, language);
  return r;
}

std::optional<ApiResponse> handle_without_queueing(const RequestContext& context,
                                                   const ApiRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") return std::nullopt;
  RequestTarget target;
  i18n::Message why;
  // Anything the router would refuse (a bad target, unknown query
  // parameters) is left to it, so both lanes read a request the same way.
  if (!decode_target(request.target, &target, &why) || !target.query.empty()) return std::nullopt;
  // The operator listener answers /readyz with counts: that needs the lock.
  bool status_only =
      !request.has_authorization && request.authorization.empty() && !context.operator_listener;
  ApiResponse r;
  if (target.path == "/healthz") {
    r = healthz_response();
    r.route = "/healthz";
  } else if (target.path == "/readyz" && status_only) {
    r = readiness_response(context, false);
    r.route = "/readyz";
  } else {
    return std::nullopt;
  }
  return r;
}

HeadVerdict check_head(const RequestContext& context, const ApiRequest& head) {
  HeadVerdict verdict;
  verdict.body_limit = context.config.body_limit_bytes;
  i18n::Language language = language_of(context, head);
  Resolved resolved;
  try {
    if (auto refused = resolve(context, head, &resolved)) {
      finish(&*refused, language);
      verdict.refusal = std::move(*refused);
      return verdict;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expertmatch serve: reading a request head failed: %s\n", e.what());
    ApiResponse r = error_response(500, "internal", "error.internal");
    finish(&r, language);
    verdict.refusal = std::move(r);
    return verdict;
  } catch (...) {
    std::fprintf(stderr, "expertmatch serve: reading a request head failed\n");
    ApiResponse r = error_response(500, "internal", "error.internal");
    finish(&r, language);
    verdict.refusal = std::move(r);
    return verdict;
  }
  // resolve() let a bulk route through for an admin only.
  if (resolved.route->bulk) verdict.body_limit = context.config.import_limit_bytes;
  // A route open to anyone (signing in) takes what it needs, not
  // body_limit_bytes: 256 anonymous connections must not each hold a megabyte.
  if (resolved.route->access == Access::kPublic)
    verdict.body_limit = std::min(verdict.body_limit, kPublicBodyLimit);
  return verdict;
}

ApiResponse handle_while_starting(const ServerConfig& config, const ApiRequest& request) {
  i18n::Language language = i18n::negotiate(
      request.accept_language, i18n::parse_language(config.language).value_or(i18n::Language::kZh));
  RequestTarget target;
  i18n::Message why;
  std::string repeated;
  bool get = request.method == "GET" || request.method == "HEAD";
  ApiResponse r;
  if (!decode_target(request.target, &target, &why, &repeated)) {
    r = bad_target_response(why, repeated);
    r.route = "unmatched";
  } else if (get && target.query.empty() && target.path == "/healthz") {
    r = healthz_response();
    r.route = "/healthz";
  } else if (get && target.query.empty() && target.path == "/readyz") {
    r = starting_readiness_response();
    r.route = "/readyz";
  } else {
    r = error_response(503, "unavailable",
                       {"service.starting", {{"seconds", std::to_string(kStartingRetrySeconds)}}});
    r.headers.emplace_back("Retry-After", std::to_string(kStartingRetrySeconds));
    // One label for all of them: the route table is not consulted yet.
    r.route = "starting";
  }
  if (r.error) {
    if (language != i18n::Language::kZh) localize(&r, language);
    r.headers.emplace_back("Content-Language", i18n::language_tag(language));
  }
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace expertmatch::api
