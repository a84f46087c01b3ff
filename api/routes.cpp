#include "api/routes.h"

#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

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
};

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
     PAGED "q industry status enterprise county urgency min_urgency sort"},
    {"POST", "/api/v1/problems", create_problem, kToken},
    {"GET", "/api/v1/problems/{id}", get_problem, kToken},
    {"PUT", "/api/v1/problems/{id}", update_problem, kToken},
    {"PATCH", "/api/v1/problems/{id}", patch_problem, kToken},
    {"POST", "/api/v1/problems/{id}/withdraw", withdraw_problem, kToken},
    {"GET", "/api/v1/problems/{id}/matches", problem_matches, kToken, "k"},
    {"GET", "/api/v1/problems/{id}/reviews", list_reviews, kToken},
    {"POST", "/api/v1/problems/{id}/reviews", create_review, kToken},
    {"GET", "/api/v1/experts", list_experts, kToken, PAGED "q college field county available"},
    {"POST", "/api/v1/experts", create_expert, kToken},
    {"GET", "/api/v1/experts/{id}", get_expert, kToken},
    {"PUT", "/api/v1/experts/{id}", update_expert, kToken},
    {"PATCH", "/api/v1/experts/{id}", patch_expert, kToken},
    {"POST", "/api/v1/experts/{id}/deactivate", deactivate_expert, kToken},
    {"POST", "/api/v1/experts/{id}/reactivate", reactivate_expert, kToken},
    {"GET", "/api/v1/experts/{id}/matches", expert_matches, kToken, "k"},
    {"POST", "/api/v1/match", match_text, kToken},
    {"POST", "/api/v1/import/experts", import_experts, kToken},
    {"POST", "/api/v1/import/problems", import_problems, kToken},
    {"GET", "/api/v1/export/experts", export_experts, kToken},
    {"GET", "/api/v1/export/problems", export_problems, kToken},
    {"GET", "/api/v1/skipped-records", list_skipped_records, kToken},
    {"GET", "/api/v1/counties/{id}/plans", list_plans, kToken, PAGED},
    {"POST", "/api/v1/counties/{id}/plans", create_plan, kToken},
    {"GET", "/api/v1/plans/{id}", get_plan, kToken, "format"},
    {"POST", "/api/v1/plans/{id}/approve", approve_plan, kToken},
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
  if (pattern.size() != path.size()) return false;
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{id}") {
      if (path[i].empty()) return false;
      params->push_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

ApiResponse dispatch(const RequestContext& context, ApiRequest& req) {
  RequestTarget target;
  std::string why;
  if (!decode_target(req.target, &target, &why)) return error_response(400, "bad_request", why);
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
    if (req.method == r.method) {
      found = &r;
      params = std::move(p);
      break;
    }
    allow += allow.empty() ? r.method : std::string(", ") + r.method;
  }
  if (!found) {
    if (allow.empty()) return error_response(404, "not_found", "no such resource: " + path);
    ApiResponse r = error_response(405, "method_not_allowed",
                                   req.method + " is not allowed here; use " + allow);
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
        "unknown query parameter \"" + bad + "\"; " +
            (known.empty() ? std::string("this route takes none") : "this route takes: " + known),
        bad);
    r.route = found->pattern;
    return r;
  }
  Call call{req, context, Principal{}, path, std::move(query), std::move(params)};
  bool authenticated =
      found->access == kToken || (found->access == kOperator && !context.operator_listener);
  if (authenticated) {
    auto who = context.service.authenticate(req.authorization);
    if (!who) {
      if (who.status().code() != ErrorCode::kPermissionDenied) {
        ApiResponse r = from_status(who.status());
        r.route = found->pattern;
        return r;
      }
      ApiResponse r = error_response(401, "unauthenticated", who.status().message());
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"expertmatch\"");
      r.route = found->pattern;
      return r;
    }
    call.who = *who;
    if (found->access == kOperator && call.who.role != Role::kAdmin) {
      ApiResponse r = error_response(403, "forbidden", "this route is for admin tokens");
      r.route = found->pattern;
      return r;
    }
  }
  ApiResponse r = found->handler(call);
  r.route = found->pattern;
  if (authenticated) r.who = call.who.describe();
  return r;
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const std::string& message,
                           const std::string& field) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value e(rapidjson::kObjectType);
  // Messages may echo what a client sent (a path, a media type): the body
  // must stay valid UTF-8 JSON whatever those bytes were.
  e.AddMember("code", str(utf8_or_replaced(code), a), a);
  e.AddMember("message", str(utf8_or_replaced(message), a), a);
  e.AddMember("field", str(utf8_or_replaced(field), a), a);
  d.AddMember("error", e, a);
  return json(status, d);
}

ApiResponse handle_request(const RequestContext& context, ApiRequest& request) {
  try {
    return dispatch(context, request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expertmatch serve: handler failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "expertmatch serve: handler failed\n");
  }
  return error_response(500, "internal", "internal error; the operator's log has the details");
}

std::optional<ApiResponse> handle_without_queueing(const RequestContext& context,
                                                   const ApiRequest& request) {
  if (request.method != "GET") return std::nullopt;
  RequestTarget target;
  std::string why;
  // Anything the router would refuse (a bad target, unknown query
  // parameters) is left to it, so both lanes read a request the same way.
  if (!decode_target(request.target, &target, &why) || !target.query.empty()) return std::nullopt;
  // The operator listener answers /readyz with counts: that needs the lock.
  bool status_only = request.authorization.empty() && !context.operator_listener;
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

size_t body_limit_for(const ServerConfig& config, const std::string& method,
                      const std::string& target) {
  if (method == "POST" && target.rfind("/api/v1/import/", 0) == 0) return config.import_limit_bytes;
  return config.body_limit_bytes;
}

}  // namespace expertmatch::api
