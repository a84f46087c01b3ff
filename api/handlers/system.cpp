// Health, readiness, metrics and the caller's own identity.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "api/handlers/values.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

ApiResponse healthz_response() { return json(200, rapidjson::Document().SetObject()); }

ApiResponse healthz(const Call&) { return healthz_response(); }

ApiResponse readiness_response(const RequestContext& context, bool with_counts) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  bool draining = context.draining.load();
  // Ready = accepting work: an empty corpus has no index yet but takes writes.
  bool ready = !draining && context.service.ready_without_waiting();
  d.AddMember("status", str(ready ? "ready" : "not_ready", a), a);
  if (draining)
    d.AddMember("reason", "shutting down", a);
  else if (!ready)
    d.AddMember("reason", "the index could not be built", a);
  if (with_counts) {
    // Counts move with every tenant's writes: admins and operators only.
    ServiceStats s = context.service.stats();
    d.AddMember("index", s.index_ready, a);
    d.AddMember("experts", static_cast<uint64_t>(s.experts), a);
    d.AddMember("problems", static_cast<uint64_t>(s.problems), a);
  }
  return json(ready ? 200 : 503, d);
}

ApiResponse starting_readiness_response() {
  rapidjson::Document d(rapidjson::kObjectType);
  d.AddMember("status", "not_ready", d.GetAllocator());
  d.AddMember("reason", "starting: loading the records and the index", d.GetAllocator());
  return json(503, d);
}

ApiResponse readyz(const Call& c) {
  bool with_counts = c.context.operator_listener;
  if (!with_counts && !c.request.authorization.empty()) {
    auto who = c.context.service.authenticate(c.request.authorization);
    with_counts = who && who->role == Role::kAdmin;
  }
  return readiness_response(c.context, with_counts);
}

ApiResponse metrics(const Call& c) {
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = c.context.metrics.render(c.context.service.stats());
  return r;
}

ApiResponse whoami(const Call& c) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("role", str(role_name(c.who.role), a), a);
  d.AddMember("scope", str(c.who.scope, a), a);
  if (c.session) {
    d.AddMember("username", str(c.session->username, a), a);
    d.AddMember("csrf_token", str(c.session->csrf_token, a), a);
  }
  ApiResponse r = json(200, d);
  if (c.session) r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}
}  // namespace expertmatch::api::handlers
