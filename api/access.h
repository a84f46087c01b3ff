// Who may do what: roles, scopes and bearer tokens of the HTTP service.
//
// Roles (issue 5):
//  - admin:       everything;
//  - county:      scope = a county; its problem bank, the experts stationed there;
//  - coordinator: scope = "COUNTY" or "COUNTY/WORKSTATION"; reads that county's
//                 problems and matches and reviews matches there;
//  - enterprise:  scope = one enterprise name; submits and reads only its own
//                 problems and their matches.
// Problems are confidential: a problem outside the caller's scope does not
// exist for it (kNotFound), so nothing, not even an error, tells it otherwise.
#pragma once

#include <optional>
#include <string>

#include "corpus/model.h"
#include "corpus/status.h"
#include "corpus/store.h"

namespace expertmatch::api {

enum class Role { kAdmin, kCounty, kCoordinator, kEnterprise };
const char* role_name(Role role);
std::optional<Role> parse_role(const std::string& name);

struct Principal {
  Role role = Role::kAdmin;
  std::string scope;  // see above; "" for admin

  // The county a county or coordinator principal works in ("" otherwise).
  std::string county() const;
  // "coordinator:柯城区/workstation-1", recorded as the reviewer.
  std::string describe() const;
};

// Whether `who` may know that `problem` exists (and read it).
bool can_see_problem(const Principal& who, const Problem& problem);
// Whether `who` may create or change a problem with these fields.
bool can_write_problem(const Principal& who, const Problem& problem);
// Whether `who` may create, change or deactivate this expert (admin, or a
// county principal for experts stationed in its county).
bool can_write_expert(const Principal& who, const Expert& expert);

// Workstation plans (docs/planning.md) of `county`: admin and that county's
// county and coordinator principals read them; only admin and the county
// principal make and approve them (coordinators advise; the county
// organization department decides). Enterprises see no plans.
bool can_read_plans(const Principal& who, const std::string& county);
bool can_write_plans(const Principal& who, const std::string& county);

// Checks a role and scope pair for `token create` (kInvalidArgument if, e.g.,
// a county token has no scope).
Status check_role_scope(Role role, const std::string& scope);

// A new random bearer token: "emt_" and 64 hex digits from the OS's CSPRNG.
std::string new_token();
// How a token is stored: lowercase hex SHA-256.
std::string token_hash(const std::string& token);
// Creates a token with this role and scope, stores its hash and returns the
// token itself (the only time it is ever seen).
Result<std::string> create_token(Store& store, Role role, const std::string& scope,
                                 const std::string& label = "");
// Resolves an "Authorization" header value ("Bearer TOKEN"). kPermissionDenied
// (the caller maps it to 401) if it is missing, malformed, unknown or revoked.
Result<Principal> authenticate(Store& store, const std::string& authorization);

}  // namespace expertmatch::api
