// Signing in and out (/api/v1/sessions) and the accounts that sign in
// (/api/v1/accounts). The rules are in api/accounts.h.
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "corpus/names.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

Value account_value(const AccountRecord& r, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("username", str(r.username, a), a);
  v.AddMember("role", str(r.role, a), a);
  v.AddMember("scope", str(r.scope, a), a);
  v.AddMember("disabled", r.disabled, a);
  v.AddMember("created_at", str(r.created_at, a), a);
  return v;
}

// An account as listed: with the others whose names look like its own
// (corpus/names.h look_alike), stored before the check that refuses them.
struct ListedAccount {
  AccountRecord record;
  std::vector<std::string> looks_like;
};

Value listed_account_value(const ListedAccount& l, Alloc& a) {
  Value v = account_value(l.record, a);
  if (!l.looks_like.empty()) {
    Value names(rapidjson::kArrayType);
    for (const auto& n : l.looks_like) names.PushBack(str(n, a), a);
    v.AddMember("looks_like", names, a);
  }
  return v;
}

// A required string member.
bool required_string(const Value& obj, const char* name, std::string* out, ApiResponse* error,
                     size_t max_bytes) {
  if (!member_string(obj, name, out, error, max_bytes)) return false;
  if (out->empty()) {
    *error = error_response(422, "invalid_argument", "field.required", name);
    return false;
  }
  return true;
}

ApiResponse admin_only() { return error_response(403, "forbidden", "access.admin_only"); }

}  // namespace

ApiResponse create_session(const Call& c) {
  // A sign-in from another site's page would plant the attacker's session.
  if (!origin_allowed(c.request))
    return error_response(403, "csrf", {"auth.csrf_origin", {{"origin", c.request.origin}}});
  rapidjson::Document body;
  ApiResponse error;
  if (!parse_json_body(c.request, &body, &error)) return error;
  std::string username, password;
  if (!required_string(body, "username", &username, &error, 256)) return error;
  if (!required_string(body, "password", &password, &error, 4096)) return error;
  SignInResult result = c.context.sessions.sign_in(username, password, c.request.client_address,
                                                   cookie_value(c.request.cookie, kDeviceCookie));
  if (result.busy) {
    ApiResponse r = error_response(503, "unavailable", result.status.user_message());
    r.headers.emplace_back("Retry-After", std::to_string(result.retry_after_seconds));
    return r;
  }
  if (result.status.code() == ErrorCode::kUnavailable && result.retry_after_seconds > 0) {
    ApiResponse r = error_response(429, "rate_limited", result.status.user_message());
    r.headers.emplace_back("Retry-After", std::to_string(result.retry_after_seconds));
    return r;
  }
  if (result.status.code() == ErrorCode::kPermissionDenied)
    return error_response(401, "unauthenticated", result.status.user_message());
  if (!result.status) return from_status(result.status);
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("username", str(result.caller.username, a), a);
  d.AddMember("role", str(role_name(result.caller.who.role), a), a);
  d.AddMember("scope", str(result.caller.who.scope, a), a);
  d.AddMember("csrf_token", str(result.caller.csrf_token, a), a);
  ApiResponse r = json(201, d);
  r.headers.emplace_back("Set-Cookie", session_cookie(c.context.config, result.session_id));
  if (!result.device_cookie.empty())
    r.headers.emplace_back("Set-Cookie", device_cookie(c.context.config, result.device_cookie));
  r.headers.emplace_back("Cache-Control", "no-store");
  return r;
}

ApiResponse delete_session(const Call& c) {
  if (!c.session) return error_response(404, "not_found", "session.none");
  Status s = c.context.sessions.sign_out(*c.session);
  if (!s) return from_status(s);
  ApiResponse r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", session_cookie(c.context.config, ""));
  return r;
}

ApiResponse list_accounts(const Call& c) {
  if (c.who.role != Role::kAdmin) return admin_only();
  size_t offset = 0, limit = 0;
  ApiResponse error;
  if (!page_params(c, &offset, &limit, &error)) return error;
  auto accounts = c.context.sessions.store().list_accounts();
  if (!accounts) return from_status(accounts.status());
  // Every account's name against every other's, not only the page's: a
  // lookalike may sit on another page.
  std::vector<std::string> names;
  for (const auto& a : *accounts) names.push_back(a.username);
  std::vector<std::vector<std::string>> alike(names.size());
  for (auto [i, j] : lookalike_pairs(names)) {
    alike[i].push_back(names[j]);
    alike[j].push_back(names[i]);
  }
  Page<ListedAccount> page;
  page.total = accounts->size();
  for (size_t i = offset; i < accounts->size() && i < offset + limit; ++i)
    page.items.push_back({(*accounts)[i], std::move(alike[i])});
  return page_response(page, offset, limit, c.context.config.max_page_bytes, listed_account_value);
}

ApiResponse create_account(const Call& c) {
  if (c.who.role != Role::kAdmin) return admin_only();
  rapidjson::Document body;
  ApiResponse error;
  if (!parse_json_body(c.request, &body, &error)) return error;
  // `disabled` and `created_at` are the server's (disable has its own route).
  if (!check_members(body, {"username", "password", "role", "scope"}, {"disabled", "created_at"},
                     &error))
    return error;
  std::string username, password, role, scope;
  if (!required_string(body, "username", &username, &error, 256)) return error;
  if (!required_string(body, "password", &password, &error, 4096)) return error;
  if (!required_string(body, "role", &role, &error, 64)) return error;
  if (!member_string(body, "scope", &scope, &error, 1024)) return error;
  auto account = api::create_account(c.context.sessions.store(), username, password, role, scope);
  if (!account) return from_status(account.status());
  rapidjson::Document d(rapidjson::kObjectType);
  return record_response(201, account_value(*account, d.GetAllocator()),
                         "/api/v1/accounts/" + account->username);
}

ApiResponse disable_account(const Call& c) {
  if (c.who.role != Role::kAdmin) return admin_only();
  Status s = c.context.sessions.store().disable_account(c.params[0]);
  if (s.code() == ErrorCode::kNotFound)
    return error_response(404, "not_found", {"account.not_found", {{"username", c.params[0]}}});
  if (!s) return from_status(s);
  auto account = c.context.sessions.store().find_account(c.params[0]);
  if (!account) return from_status(account.status());
  rapidjson::Document d(rapidjson::kObjectType);
  Value v = account_value(*account, d.GetAllocator());
  return json(200, v);
}

}  // namespace expertmatch::api::handlers
