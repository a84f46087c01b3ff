#include "api/access.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <random>
#include <set>

#include "api/sha256.h"
#include "corpus/exchange_format.h"
#include "corpus/names.h"

namespace expertmatch::api {

const char* role_name(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kCounty:
      return "county";
    case Role::kCoordinator:
      return "coordinator";
    case Role::kEnterprise:
      return "enterprise";
  }
  return "unknown";
}

std::optional<Role> parse_role(const std::string& name) {
  for (Role r : {Role::kAdmin, Role::kCounty, Role::kCoordinator, Role::kEnterprise})
    if (name == role_name(r)) return r;
  return std::nullopt;
}

std::string Principal::county() const {
  if (role == Role::kCounty) return scope;
  if (role == Role::kCoordinator) return scope.substr(0, scope.find('/'));
  return "";
}

std::string Principal::describe() const {
  std::string out = role_name(role);
  if (!scope.empty()) out += ":" + scope;
  return out;
}

i18n::Message actor_in_words(const std::string& recorded) {
  const size_t colon = recorded.find(':');
  const std::string role = recorded.substr(0, colon);
  const std::string scope = colon == std::string::npos ? "" : recorded.substr(colon + 1);
  for (const char* known : {"admin", "county", "coordinator", "enterprise"})
    if (role == known)
      return i18n::Message(std::string("actor.") + known + (scope.empty() ? "" : ".scoped"),
                           {{"scope", scope}});
  return i18n::Message("actor.other", {{"who", recorded}});
}

std::optional<Problem> confirmed_version_seen_by(const Principal& who, const Problem& problem) {
  if (problem.verified || problem.confirmed_json.empty()) return std::nullopt;
  auto version = parse_problem_json(problem.confirmed_json, "confirmed version");
  if (!version || !can_see_problem(who, *version)) return std::nullopt;
  return std::move(*version);
}

bool can_see_problem(const Principal& who, const Problem& p) {
  switch (who.role) {
    case Role::kAdmin:
      return true;
    case Role::kCounty:
    case Role::kCoordinator:
      return same_name(p.county, who.county());
    case Role::kEnterprise:
      return same_name(p.enterprise, who.scope);
  }
  return false;
}

bool can_write_problem(const Principal& who, const Problem& p) {
  // Coordinators review matches; they do not edit the problem bank.
  return who.role != Role::kCoordinator && can_see_problem(who, p);
}

bool can_write_expert(const Principal& who, const Expert& e) {
  if (who.role == Role::kAdmin) return true;
  return who.role == Role::kCounty && contains_name(e.counties, who.scope);
}

namespace {

Status expert_refused(const std::string& field, const i18n::Message& why) {
  return Status::about_field(ErrorCode::kPermissionDenied, field, why);
}

// Counties of `e` other than `own`, normalised.
std::set<std::string> other_counties(const Expert& e, const std::string& own) {
  std::set<std::string> out;
  for (const auto& c : e.counties)
    if (!same_name(c, own)) out.insert(normalize_name(c));
  return out;
}

}  // namespace

Status check_expert_write(const Principal& who, const Expert* current, const Expert& next) {
  if (who.role == Role::kAdmin) return Status::ok();
  if (who.role != Role::kCounty)
    return Status(ErrorCode::kPermissionDenied,
                  i18n::Message("access.expert_write", {{"role", role_name(who.role)}}));
  const std::string& own = who.scope;
  const i18n::Message not_own("access.county_own_experts", {{"scope", own}});
  const i18n::Message city_confirms("access.county_expert_verified", {{"scope", own}});
  if (!current) {
    if (next.counties.empty() || !other_counties(next, own).empty())
      return expert_refused("counties",
                            i18n::Message("access.county_expert_create", {{"scope", own}}));
    if (next.verified) return expert_refused("verified", city_confirms);
    return Status::ok();
  }
  if (!can_write_expert(who, *current)) return Status(ErrorCode::kPermissionDenied, not_own);
  if (next.verified != current->verified) return expert_refused("verified", city_confirms);
  if (other_counties(*current, own) != other_counties(next, own))
    return expert_refused("counties",
                          i18n::Message("access.county_expert_counties", {{"scope", own}}));
  // Taking itself out of an expert stationed nowhere else would leave a
  // record no county may write and every ranking may still show.
  if (!contains_name(next.counties, own) && other_counties(next, own).empty())
    return expert_refused("counties",
                          i18n::Message("access.county_expert_last_county", {{"scope", own}}));
  if (other_counties(*current, own).empty()) return Status::ok();  // its own expert
  // Shared: nothing but its own entry in `counties` may differ.
  rapidjson::Document a, b;
  to_json_value(*current, &a, a.GetAllocator());
  to_json_value(next, &b, b.GetAllocator());
  std::set<std::string> names;
  for (const auto* d : {&a, &b})
    for (const auto& m : d->GetObject()) names.insert(m.name.GetString());
  for (const auto& name : names) {
    if (name == "counties" || name == "id") continue;
    auto x = a.FindMember(name.c_str()), y = b.FindMember(name.c_str());
    bool in_a = x != a.MemberEnd(), in_b = y != b.MemberEnd();
    if (in_a != in_b || (in_a && x->value != y->value))
      return expert_refused(
          name, i18n::Message("access.county_expert_shared", {{"field", name}, {"scope", own}}));
  }
  return Status::ok();
}

bool keeps_confirmation(const Expert& current, const Expert& next) {
  // Availability and conflicts only narrow where an expert is ranked, a
  // county leaving a shared expert leaves it where the city stationed it,
  // and capacity is the county's planning (how many topics the expert takes
  // on), not what the expert is: none of them is text anyone is ranked by.
  Expert a = current, b = next;
  for (Expert* e : {&a, &b}) {
    e->available = true;
    e->capacity = 0;
    e->conflicts.clear();
    e->counties.clear();
    e->verified = true;
  }
  return to_json(a) == to_json(b);
}

bool can_read_plans(const Principal& who, const std::string& county) {
  if (who.role == Role::kAdmin) return true;
  return (who.role == Role::kCounty || who.role == Role::kCoordinator) &&
         same_name(who.county(), county);
}

bool can_write_plans(const Principal& who, const std::string& county) {
  if (who.role == Role::kAdmin) return true;
  return who.role == Role::kCounty && same_name(who.scope, county);
}

namespace {

Status bad_scope(i18n::Message why) { return Status::invalid("scope", std::move(why)); }

Status check_county(const std::string& county, const CountyList& counties) {
  if (counties.contains(county)) return Status::ok();
  std::string known;
  for (const auto& c : counties.names()) known += (known.empty() ? "" : ", ") + c;
  auto nearest = counties.nearest(county);
  if (nearest)
    return bad_scope({"access.scope_county_nearest",
                      {{"county", county}, {"nearest", *nearest}, {"known", known}}});
  return bad_scope({"access.scope_county_unknown", {{"county", county}, {"known", known}}});
}

}  // namespace

Status check_role_scope(Role role, const std::string& scope, const CountyList& counties) {
  if (role == Role::kAdmin && !scope.empty()) return bad_scope("access.admin_no_scope");
  if (role != Role::kAdmin && scope.empty())
    return bad_scope(role == Role::kEnterprise ? "access.scope_enterprise"
                     : role == Role::kCounty   ? "access.scope_county"
                                               : "access.scope_coordinator");
  if (role == Role::kAdmin) return Status::ok();
  // A padded name would never equal the records' names: the token would see nothing.
  if (std::isspace(static_cast<unsigned char>(scope.front())) ||
      std::isspace(static_cast<unsigned char>(scope.back())) ||
      scope.rfind("\xe3\x80\x80", 0) == 0 ||
      (scope.size() >= 3 && scope.compare(scope.size() - 3, 3, "\xe3\x80\x80") == 0))
    return bad_scope({"access.scope_padded", {{"scope", scope}}});
  for (unsigned char c : scope)
    if (c < 0x20 || c == 0x7f) return bad_scope("access.scope_control");
  if (auto f = find_refused_char(scope))
    return bad_scope({"field.name_invisible",
                      {{"code", code_point_name(f->code)}, {"offset", std::to_string(f->offset)}}});
  if (role == Role::kCounty) return check_county(scope, counties);
  if (role == Role::kCoordinator) {
    size_t slash = scope.find('/');
    if (slash == 0) return bad_scope("access.scope_coordinator_county");
    if (slash != std::string::npos && slash + 1 == scope.size())
      return bad_scope("access.scope_workstation");
    return check_county(scope.substr(0, slash), counties);
  }
  return Status::ok();
}

Status check_scope_registered(Store& store, Role role, const std::string& scope,
                              std::string* registered_name) {
  if (registered_name) *registered_name = scope;
  if (role != Role::kEnterprise) return Status::ok();
  auto registered = store.list_enterprises();
  if (!registered) return registered.status();
  for (const auto& e : *registered)
    if (same_name(e.name, scope)) {
      if (registered_name) *registered_name = e.name;
      return Status::ok();
    }
  // A token for a name nobody registered sees nothing and can submit nothing;
  // worse, it would own whatever problem later names that enterprise.
  return bad_scope({"access.scope_enterprise_unregistered", {{"scope", scope}}});
}

std::optional<std::string> registered_scope(Role role, const std::string& scope,
                                            const CountyList& counties,
                                            const std::vector<EnterpriseRecord>& enterprises) {
  auto county = [&](const std::string& name) -> std::optional<std::string> {
    for (const auto& c : counties.names())
      if (same_name(c, name)) return c;
    return std::nullopt;
  };
  switch (role) {
    case Role::kAdmin:
      return scope;
    case Role::kCounty:
      return county(scope);
    case Role::kCoordinator: {
      const size_t slash = scope.find('/');
      auto c = county(scope.substr(0, slash));
      if (!c) return std::nullopt;
      return slash == std::string::npos ? *c : *c + scope.substr(slash);
    }
    case Role::kEnterprise:
      for (const auto& e : enterprises)
        if (same_name(e.name, scope)) return e.name;
      return std::nullopt;
  }
  return std::nullopt;
}

Status normalize_stored_scopes(Store& store, const CountyList& counties,
                               std::vector<std::string>* log) {
  auto enterprises = store.list_enterprises();
  if (!enterprises) return enterprises.status();
  auto tokens = store.list_tokens();
  if (!tokens) return tokens.status();
  auto accounts = store.list_accounts();
  if (!accounts) return accounts.status();
  std::vector<ScopeRewrite> rewrites;
  std::vector<std::string> notes;
  const std::string now = utc_now();
  // What to call the holder in a message, and whether it still authenticates.
  auto check = [&](ScopeRewrite::Kind kind, const std::string& key, const std::string& who,
                   const std::string& role_text, const std::string& scope) -> Status {
    auto role = parse_role(role_text);
    if (!role)
      return Status(ErrorCode::kCorruption,
                    who + " has an unknown role \"" + role_text + "\" in the store");
    auto registered = registered_scope(*role, scope, counties, *enterprises);
    if (!registered)
      return Status(
          ErrorCode::kCorruption,
          who + " has scope \"" + scope + "\" (" + role_text + "), which names no registered " +
              (*role == Role::kEnterprise ? "enterprise" : "county") +
              "; register it, or revoke or disable the " +
              (kind == ScopeRewrite::Kind::kToken ? "token (expertmatch token revoke --id)"
                                                  : "account") +
              ", then start again");
    if (*registered != scope) {
      rewrites.push_back({kind, key, *registered});
      notes.push_back(who + ": scope \"" + scope + "\" rewritten to its registered spelling \"" +
                      *registered + "\"");
    }
    return Status::ok();
  };
  for (const auto& t : *tokens) {
    if (t.revoked || (!t.expires_at.empty() && t.expires_at <= now)) continue;
    std::string who = "token " + t.id() + (t.label.empty() ? "" : " (\"" + t.label + "\")");
    Status s = check(ScopeRewrite::Kind::kToken, t.hash, who, t.role, t.scope);
    if (!s) return s;
  }
  for (const auto& a : *accounts) {
    if (a.disabled) continue;
    Status s = check(ScopeRewrite::Kind::kAccount, a.username, "account \"" + a.username + "\"",
                     a.role, a.scope);
    if (!s) return s;
  }
  if (rewrites.empty()) return Status::ok();
  Status s = store.rewrite_scopes(rewrites);
  if (!s) return s;
  if (log) log->insert(log->end(), notes.begin(), notes.end());
  return Status::ok();
}

std::string new_token() {
  // std::random_device reads the kernel's CSPRNG (getrandom / /dev/urandom) on Linux.
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  std::string out = "emt_";
  for (int i = 0; i < 8; ++i) {
    uint32_t v = rd();
    for (int j = 0; j < 8; ++j) out += kHex[(v >> (4 * j)) & 15];
  }
  return out;
}

std::string token_hash(const std::string& token) { return sha256_hex(token); }

Result<std::string> create_token(Store& store, Role role, const std::string& scope,
                                 const std::string& label, const std::string& expires_at) {
  Status s = check_role_scope(role, scope);
  if (!s) return s;
  std::string registered;
  s = check_scope_registered(store, role, scope, &registered);
  if (!s) return s;
  std::string token = new_token();
  TokenRecord record;
  record.hash = token_hash(token);
  record.role = role_name(role);
  record.scope = registered;
  record.label = label;
  record.expires_at = expires_at;
  s = store.put_token(record);
  if (!s) return s;
  return token;
}

Result<Principal> authenticate(Store& store, const std::string& authorization) {
  const std::string prefix = "Bearer ";
  if (authorization.empty())
    return Status(ErrorCode::kPermissionDenied, i18n::Message("auth.required"));
  if (authorization.size() <= prefix.size() ||
      !std::equal(prefix.begin(), prefix.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); }))
    return Status(ErrorCode::kPermissionDenied, i18n::Message("auth.malformed"));
  std::string token = authorization.substr(prefix.size());
  while (!token.empty() && token.back() == ' ') token.pop_back();
  auto record = store.find_token(token_hash(token));
  if (!record) {
    if (record.status().code() == ErrorCode::kNotFound)
      return Status(ErrorCode::kPermissionDenied, i18n::Message("auth.token_invalid"));
    return record.status();
  }
  if (record->revoked)
    return Status(ErrorCode::kPermissionDenied, i18n::Message("auth.token_revoked"));
  // Both are "YYYY-MM-DDTHH:MM:SSZ" in UTC, so text order is time order.
  if (!record->expires_at.empty() && record->expires_at <= utc_now())
    return Status(ErrorCode::kPermissionDenied,
                  {"auth.token_expired", {{"expires_at", record->expires_at}}});
  auto role = parse_role(record->role);
  if (!role) return Status(ErrorCode::kCorruption, "stored token has an unknown role");
  return Principal{*role, record->scope};
}

}  // namespace expertmatch::api
