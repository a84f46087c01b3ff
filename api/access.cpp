#include "api/access.h"

#include <algorithm>
#include <random>

#include "api/sha256.h"
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

bool can_read_plans(const Principal& who, const std::string& county) {
  if (who.role == Role::kAdmin) return true;
  return (who.role == Role::kCounty || who.role == Role::kCoordinator) &&
         same_name(who.county(), county);
}

bool can_write_plans(const Principal& who, const std::string& county) {
  if (who.role == Role::kAdmin) return true;
  return who.role == Role::kCounty && same_name(who.scope, county);
}

Status check_role_scope(Role role, const std::string& scope) {
  if (role == Role::kAdmin && !scope.empty())
    return Status::invalid("scope", "access.admin_no_scope");
  if (role != Role::kAdmin && scope.empty())
    return Status::invalid("scope", role == Role::kEnterprise ? "access.scope_enterprise"
                                    : role == Role::kCounty   ? "access.scope_county"
                                                              : "access.scope_coordinator");
  if (role == Role::kCoordinator && scope.front() == '/')
    return Status::invalid("scope", "access.scope_coordinator_county");
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
                                 const std::string& label) {
  Status s = check_role_scope(role, scope);
  if (!s) return s;
  std::string token = new_token();
  TokenRecord record;
  record.hash = token_hash(token);
  record.role = role_name(role);
  record.scope = scope;
  record.label = label;
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
  auto role = parse_role(record->role);
  if (!role) return Status(ErrorCode::kCorruption, "stored token has an unknown role");
  return Principal{*role, record->scope};
}

}  // namespace expertmatch::api
