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

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "corpus/counties.h"
#include "corpus/model.h"
#include "corpus/status.h"
#include "corpus/store.h"
#include "corpus/utc_time.h"  // utc_now: token expiry compares to it

namespace expertmatch::api {

enum class Role { kAdmin, kCounty, kCoordinator, kEnterprise };
const char* role_name(Role role);
std::optional<Role> parse_role(const std::string& name);

struct Principal {
  Role role = Role::kAdmin;
  std::string scope;  // see above; "" for admin
  // Authenticates the request's credential (its bearer token or session)
  // again, against the store as it is then: the principal it names now, or
  // kPermissionDenied if it was revoked, expired, signed out or its account
  // disabled since. A write calls it once it is next in line (attack trial
  // 21, F3: a write admitted before its token was revoked, and waiting
  // behind another writer, still ran). Empty for principals that no request
  // credential made (the CLI, tests): nothing to check. Thread-safe; the
  // function refers to the server's service and sessions, which outlive
  // every request.
  std::function<Result<Principal>()> reauthenticate;

  // The county a county or coordinator principal works in ("" otherwise).
  std::string county() const;
  // "coordinator:柯城区/workstation-1", recorded as the reviewer.
  std::string describe() const;
};

// A recorded actor (Principal::describe(), e.g. a review's reviewer) in
// words for people: "coordinator:柯城区" -> 柯城区工作站联络员 (catalogue
// actor.*); a text of any other form is shown as it is. A new user read
// "coordinator:柯城区确认由……" in a problem's record.
i18n::Message actor_in_words(const std::string& recorded);

// Whether `who` may know that `problem` exists (and read it).
bool can_see_problem(const Principal& who, const Problem& problem);
// The version of `problem` the city last confirmed (Problem::confirmed_json),
// if it awaits the city and `who` could read that version as a problem; else
// none. An edit may have moved the problem to another enterprise or county:
// its new owner neither reads the first one's text (attack trial 13) nor,
// by writing a guess back, learns whether the guess was right (trial 14).
std::optional<Problem> confirmed_version_seen_by(const Principal& who, const Problem& problem);
// Whether `who` may create or change a problem with these fields.
bool can_write_problem(const Principal& who, const Problem& problem);
// Whether `who` may write this expert at all (admin, or a county principal
// for experts stationed in its county); check_expert_write says what it may
// change.
bool can_write_expert(const Principal& who, const Expert& expert);

// Whether `who` may turn expert `current` (null for a create) into `next`,
// every write path (POST, PUT, PATCH, deactivate, reactivate) alike. Admin
// may do anything. A county principal changes only what is its own:
//  - an expert stationed in its county, never another;
//  - in `counties`, only its own entry: it may take its county out; it adds
//    or removes no other county, and cannot station an expert it does not
//    have (stationing is the city's, i.e. admin's);
//  - an expert stationed only in its county is its own: it may change every
//    other field (profile, works, capacity, conflicts, available);
//  - an expert also stationed elsewhere is shared: every other field is the
//    city's, since a change would act in the other counties too;
//  - it creates experts stationed in its county only (counties = [it]);
//  - it may not take its county out of an expert stationed nowhere else
//    (deactivate instead): `counties` never ends up empty by its hand;
//  - `verified` (the city's confirmation) is admin's: a county's create is
//    unconfirmed, and on an update it must be sent back unchanged (or left
//    out); the service then withdraws it (keeps_confirmation).
// Enterprises and coordinators write no experts. kPermissionDenied, naming
// the field (a FieldError), otherwise.
Status check_expert_write(const Principal& who, const Expert* current, const Expert& next);

// Whether a county's change of `current` into `next` (one check_expert_write
// allowed) keeps the city's confirmation. The city confirmed the record as it
// was: any change but `available`, `conflicts` (both only narrow where the
// expert is ranked), `capacity` (the county's planning) and the county's own
// entry in `counties` withdraws it, so no county can have a record confirmed
// and then rewrite it. The service also applies it against the version the
// city last confirmed (Expert::confirmed_json): a record put back as it was
// confirmed is confirmed again.
bool keeps_confirmation(const Expert& current, const Expert& next);

// Workstation plans (docs/planning.md) of `county`: admin and that county's
// county and coordinator principals read them; only admin and the county
// principal make and approve them (coordinators advise; the county
// organization department decides). Enterprises see no plans.
bool can_read_plans(const Principal& who, const std::string& county);
bool can_write_plans(const Principal& who, const std::string& county);

// Checks a role and scope pair for `token create` (kInvalidArgument if, e.g.,
// a county token has no scope). A county (and a coordinator's county part)
// must be one of `counties` exactly; the error names the nearest one
// (CountyList::nearest). No
// scope may start or end with white space or hold control or format
// characters (names.h: find_refused_char).
Status check_role_scope(Role role, const std::string& scope,
                        const CountyList& counties = CountyList());

// An enterprise scope must name an enterprise registered in `store`
// (Store::list_enterprises, compared by normalize_name); kInvalidArgument
// (field "scope", access.scope_enterprise_unregistered) otherwise. Other roles
// pass. create_token and create_account (accounts.h) apply it. `registered`
// (if given) receives the registered spelling of the enterprise (else
// `scope` itself): a scope is stored in that spelling, so one enterprise is
// one caller whichever spelling its token was asked for in.
Status check_scope_registered(Store& store, Role role, const std::string& scope,
                              std::string* registered = nullptr);

// The registered spelling of a role's scope, or nullopt if it names nothing
// registered: an enterprise scope as `enterprises` spell it, a county scope
// (and a coordinator's county part; its workstation part is kept) as
// `counties` do, compared by same_name (corpus/names.h); admin's "" as is.
std::optional<std::string> registered_scope(Role role, const std::string& scope,
                                            const CountyList& counties,
                                            const std::vector<EnterpriseRecord>& enterprises);

// At the service's store open: tokens and accounts stored before scopes were
// kept in their registered spelling (check_scope_registered) get it now. Every
// live token's and account's scope that differs from registered_scope is
// rewritten, all in one transaction, each change a line in `log` (token id and
// label, or user name; old and new scope). A live one whose scope names
// nothing registered stops the start: kCorruption naming the token
// (id, label) or account and its scope, and what to do; nothing is changed
// then. Revoked or expired tokens and disabled accounts authenticate nobody:
// they are left as they are.
Status normalize_stored_scopes(Store& store, const CountyList& counties,
                               std::vector<std::string>* log);

// A new random bearer token: "emt_" and 64 hex digits from the OS's CSPRNG.
std::string new_token();
// How a token is stored: lowercase hex SHA-256.
std::string token_hash(const std::string& token);
// Creates a token with this role and scope, stores its hash and returns the
// token itself (the only time it is ever seen). `expires_at` is a UTC time
// "YYYY-MM-DDTHH:MM:SSZ" after which the token no longer authenticates, ""
// for never. Checks the scope with check_role_scope (default counties).
Result<std::string> create_token(Store& store, Role role, const std::string& scope,
                                 const std::string& label = "", const std::string& expires_at = "");
// Resolves an "Authorization" header value ("Bearer TOKEN") against the store
// as it is now: a token revoked or expired a moment ago is refused.
// kPermissionDenied (the caller maps it to 401) if it is missing, malformed,
// unknown, revoked or expired.
Result<Principal> authenticate(Store& store, const std::string& authorization);

}  // namespace expertmatch::api
