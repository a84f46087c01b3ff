// PlanStore: the durable home of workstation plans (drafts and approved ones)
// in the Store's database, DATA_DIR/store.sqlite.
//
// A plan is a JSON body (matcher/plan_report.h, opaque here) plus the
// assignments it makes: team members and (problem, expert) key topics, kept in
// their own table so that re-planning can keep approved ones without parsing
// the body. Lifecycle: draft -> approved -> superseded (when a later plan of
// the same county is approved), or draft -> discarded. At most one approved
// plan per county. A draft is stale, and cannot be approved, when it is older
// than the county's approved plan or was made before a later decision that
// concerns its county or one of its experts (Store::decision_sequence(): a
// review, a status change, an approval; DecisionScope), or when its records
// changed while it was being made (kInputChanged).
//
// The tables (plans, plan_assignments) are part of the Store's schema
// (migration v4); this class uses a connection of its own to the same file.
// SQLite (WAL, busy timeout) serialises this connection with the Store's.
// Writes are durable when they return ok, like the Store's.
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "corpus/status.h"
#include "corpus/store.h"

struct sqlite3;

namespace expertmatch {

enum class PlanStatus { kDraft, kApproved, kSuperseded, kDiscarded };
// "draft", "approved", "superseded", "discarded"
const char* plan_status_name(PlanStatus status);

struct PlanRecord {
  long long id = 0;
  std::string county;
  PlanStatus status = PlanStatus::kDraft;
  std::string created_at;   // UTC, 2026-07-14T08:00:00Z
  std::string approved_at;  // "" unless approved or superseded
  std::string approved_by;
  std::string discarded_at;  // "" unless discarded
  std::string discarded_by;
  // Store::decision_sequence() when the plan was made, or kInputChanged.
  long long decisions_seen = 0;
  std::string body_json;
  std::vector<std::string> members;                         // expert ids
  std::vector<std::pair<std::string, std::string>> topics;  // (problem id, expert id)
};

// Which plans list() returns.
struct PlanFilter {
  std::optional<PlanStatus> status;  // unset: every status
  // Without: body_json is "" (members and topics are read all the same).
  // Lists that show summaries or count topics need no bodies, which are
  // tens of KB each.
  bool with_bodies = true;
};

class PlanStore {
 public:
  // decisions_seen of a draft whose records changed while it was being made
  // (the API ranks a county in chunks and lets writes in between): stale from
  // the start, never approvable (kConflict, plan.stale_input).
  static constexpr long long kInputChanged = -1;

  // Opens the database of `store` (same file) and creates the plan tables if absent.
  static Result<std::unique_ptr<PlanStore>> open(const Store& store,
                                                 const StoreOptions& options = {});
  ~PlanStore();
  PlanStore(const PlanStore&) = delete;
  PlanStore& operator=(const PlanStore&) = delete;

  // Stores a new draft, made with the decisions up to `decisions_seen`;
  // returns it with its id and creation time. kConflict (plan.draft_quota)
  // if `max_drafts` > 0 and the county already has that many drafts.
  Result<PlanRecord> add_draft(const std::string& county, const std::vector<std::string>& members,
                               const std::vector<std::pair<std::string, std::string>>& topics,
                               const std::string& body_json, long long decisions_seen = 0,
                               int max_drafts = 0);
  // kNotFound if absent.
  Result<PlanRecord> get(long long id);
  // Plans of `county` ("" = every county), newest first, with their bodies.
  Result<std::vector<PlanRecord>> list(const std::string& county);
  // The same, only those `filter` selects; the county is compared as a name
  // (corpus/names.h) in SQL, so other counties' plans are never read.
  Result<std::vector<PlanRecord>> list(const std::string& county, const PlanFilter& filter);
  // Drafts of `county` (compared as a name).
  Result<int> count_drafts(const std::string& county);
  // The county's approved plan, or nullopt.
  Result<std::optional<PlanRecord>> approved(const std::string& county);
  // Draft -> approved, by `approver`; the county's previously approved plan
  // becomes superseded and `changes` (e.g. its key topics' problems ->
  // in_progress) are applied, all in one transaction, which also advances
  // the decision sequence. kNotFound; kConflict if the plan is not a draft,
  // or is stale (see above), or a change's `from` is no longer the status.
  Result<PlanRecord> approve(long long id, const std::string& approver,
                             const std::vector<StatusChange>& changes = {});
  // Why approve() would refuse `plan` as stale, read now: kConflict with
  // plan.stale_approved, plan.stale_input or plan.stale_decisions (the
  // message a county reads); ok if it would not, or if `plan` is no draft.
  Status staleness(const PlanRecord& plan);
  // Store::decision_sequence(), read on this connection.
  Result<long long> decision_sequence();
  // How many decisions since `plan` was made concern its county or one of
  // its experts (members and topic leaders): a draft with any is stale
  // (corpus/store.h, decisions_touching).
  Result<long long> decisions_touching(const PlanRecord& plan);
  // Draft -> discarded, by `who`. kNotFound; kConflict if not a draft.
  Result<PlanRecord> discard(long long id, const std::string& who);

 private:
  explicit PlanStore(sqlite3* db) : db_(db) {}
  Result<PlanRecord> get_locked(long long id);
  // Plans matching `where` (an SQL condition without parameters; "" = all)
  // and, unless empty, of `county` compared as a name (corpus/names.h);
  // body_json only `with_bodies`.
  Result<std::vector<PlanRecord>> query_locked(const std::string& where, const std::string& county,
                                               bool with_bodies);
  Result<int> count_drafts_locked(const std::string& county);
  Status staleness_locked(const PlanRecord& plan);

  sqlite3* db_;
  std::mutex mu_;
};

}  // namespace expertmatch
