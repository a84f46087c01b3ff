#include "api/routes.h"

#include <cstdio>
#include <exception>
#include <map>
#include <string>
#include <vector>

#include "api/handlers/handlers.h"

namespace expertmatch::api {
namespace {

using handlers::Call;

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(const std::string& in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      *out += ' ';
    } else {
      *out += in[i];
    }
  }
  return true;
}

bool parse_target(const std::string& target, std::string* path,
                  std::map<std::string, std::string>* query) {
  size_t q = target.find('?');
  if (!percent_decode(target.substr(0, q), false, path)) return false;
  if (q == std::string::npos) return true;
  std::string rest = target.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    if (amp == std::string::npos) amp = rest.size();
    std::string pair = rest.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!percent_decode(pair.substr(0, eq), true, &key)) return false;
      if (eq != std::string::npos && !percent_decode(pair.substr(eq + 1), true, &value))
        return false;
      (*query)[key] = value;
    }
    start = amp + 1;
  }
  return true;
}

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

struct Route {
  const char* method;
  const char* pattern;  // "{id}" matches one path segment
  ApiResponse (*handler)(const Call&);
  bool authenticated;
  // The query parameters the route reads, space separated; any other is a
  // 400 (a misspelt filter must not silently return everything).
  const char* query = "";
};

// Paging (offset, limit) is the same on every list.
#define PAGED "offset limit "

const Route kRoutes[] = {
    {"GET", "/healthz", healthz, false},
    {"GET", "/readyz", readyz, false},
    {"GET", "/metrics", metrics, false},
    {"GET", "/api/v1/whoami", whoami, true},
    {"GET", "/api/v1/counties", list_counties, true},
    {"GET", "/api/v1/counties/{id}/ledger", county_ledger, true, "year format"},
    {"GET", "/api/v1/ledger", city_ledger, true, "year format"},
    {"GET", "/api/v1/enterprises", list_enterprises, true, PAGED "county"},
    {"POST", "/api/v1/enterprises", create_enterprise, true},
    {"GET", "/api/v1/problems", list_problems, true,
     PAGED "q industry status enterprise county urgency min_urgency sort"},
    {"POST", "/api/v1/problems", create_problem, true},
    {"GET", "/api/v1/problems/{id}", get_problem, true},
    {"PUT", "/api/v1/problems/{id}", update_problem, true},
    {"PATCH", "/api/v1/problems/{id}", patch_problem, true},
    {"POST", "/api/v1/problems/{id}/withdraw", withdraw_problem, true},
    {"POST", "/api/v1/problems/{id}/status", change_problem_status, true},
    {"GET", "/api/v1/problems/{id}/history", problem_history, true},
    {"GET", "/api/v1/problems/{id}/matches", problem_matches, true, "k"},
    {"GET", "/api/v1/problems/{id}/reviews", list_reviews, true},
    {"POST", "/api/v1/problems/{id}/reviews", create_review, true},
    {"GET", "/api/v1/review-queue", review_queue, true, PAGED "county"},
    {"GET", "/api/v1/experts", list_experts, true, PAGED "q college field county available"},
    {"POST", "/api/v1/experts", create_expert, true},
    {"GET", "/api/v1/experts/{id}", get_expert, true},
    {"PUT", "/api/v1/experts/{id}", update_expert, true},
    {"PATCH", "/api/v1/experts/{id}", patch_expert, true},
    {"POST", "/api/v1/experts/{id}/deactivate", deactivate_expert, true},
    {"POST", "/api/v1/experts/{id}/reactivate", reactivate_expert, true},
    {"GET", "/api/v1/experts/{id}/matches", expert_matches, true, "k"},
    {"POST", "/api/v1/match", match_text, true},
    {"POST", "/api/v1/import/experts", import_experts, true},
    {"POST", "/api/v1/import/problems", import_problems, true},
    {"GET", "/api/v1/export/experts", export_experts, true},
    {"GET", "/api/v1/export/problems", export_problems, true},
    {"GET", "/api/v1/skipped-records", list_skipped_records, true},
    {"GET", "/api/v1/counties/{id}/plans", list_plans, true, PAGED},
    {"POST", "/api/v1/counties/{id}/plans", create_plan, true},
    {"GET", "/api/v1/plans/{id}", get_plan, true, "format"},
    {"POST", "/api/v1/plans/{id}/approve", approve_plan, true},
    {"POST", "/api/v1/plans/{id}/discard", discard_plan, true},
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

ApiResponse dispatch(const RequestContext& context, const ApiRequest& req) {
  std::string path;
  std::map<std::string, std::string> query;
  if (req.target.empty() || req.target[0] != '/' || !parse_target(req.target, &path, &query))
    return error_response(400, "bad_request", "the request target is not a valid path");
  auto segments = split_path(path);
  const Route* found = nullptr;
  std::string allow;
  std::vector<std::string> params;
  for (const auto& r : kRoutes) {
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
  if (found->authenticated) {
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
  }
  ApiResponse r = found->handler(call);
  r.route = found->pattern;
  if (found->authenticated) r.who = call.who.describe();
  return r;
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const std::string& message,
                           const std::string& field) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value e(rapidjson::kObjectType);
  e.AddMember("code", str(code, a), a);
  e.AddMember("message", str(message, a), a);
  e.AddMember("field", str(field, a), a);
  d.AddMember("error", e, a);
  return json(status, d);
}

ApiResponse handle_request(const RequestContext& context, const ApiRequest& request) {
  try {
    return dispatch(context, request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expertmatch serve: handler failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "expertmatch serve: handler failed\n");
  }
  return error_response(500, "internal", "internal error; the operator's log has the details");
}

size_t body_limit_for(const ServerConfig& config, const std::string& method,
                      const std::string& target) {
  if (method == "POST" && target.rfind("/api/v1/import/", 0) == 0) return config.import_limit_bytes;
  return config.body_limit_bytes;
}

}  // namespace expertmatch::api
