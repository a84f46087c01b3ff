#include "corpus/plan_store.h"

#include <algorithm>

#include <sqlite3.h>

#include <string>
#include <utility>

#include "corpus/names.h"

namespace expertmatch {
namespace {

// Every expert a plan names: its team and its topics' leaders.
std::vector<std::string> plan_experts(const PlanRecord& plan) {
  std::vector<std::string> out = plan.members;
  for (const auto& [problem, expert] : plan.topics)
    if (std::find(out.begin(), out.end(), expert) == out.end()) out.push_back(expert);
  return out;
}

Status sql_error(sqlite3* db, const std::string& what) {
  return Status(ErrorCode::kIOError, what + ": " + sqlite3_errmsg(db));
}

class Statement {
 public:
  Statement(sqlite3* db, const char* sql) {
    ok_ = sqlite3_prepare_v2(db, sql, -1, &s_, nullptr) == SQLITE_OK;
  }
  ~Statement() { sqlite3_finalize(s_); }
  bool ok() const { return ok_; }
  void bind(int i, const std::string& v) {
    sqlite3_bind_text(s_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, long long v) { sqlite3_bind_int64(s_, i, v); }
  int step() { return sqlite3_step(s_); }
  void reset() { sqlite3_reset(s_); }
  std::string text(int i) {
    const unsigned char* t = sqlite3_column_text(s_, i);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s_, i)) : "";
  }
  long long int64(int i) { return sqlite3_column_int64(s_, i); }

 private:
  sqlite3_stmt* s_ = nullptr;
  bool ok_ = false;
};

class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    began_ = sqlite3_exec(db, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Transaction() {
    if (began_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool began() const { return began_; }
  Status commit() {
    done_ = true;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) == SQLITE_OK) return Status::ok();
    Status s = sql_error(db_, "commit");
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    return s;
  }

 private:
  sqlite3* db_;
  bool began_ = false;
  bool done_ = false;
};

// name_key(TEXT): normalize_name(TEXT), so that SQL compares county names
// as the rest of the program does.
void name_key(sqlite3_context* context, int argc, sqlite3_value** argv) {
  if (argc != 1 || sqlite3_value_type(argv[0]) == SQLITE_NULL) return sqlite3_result_null(context);
  const unsigned char* t = sqlite3_value_text(argv[0]);
  std::string key =
      normalize_name(std::string(reinterpret_cast<const char*>(t), sqlite3_value_bytes(argv[0])));
  sqlite3_result_text(context, key.data(), static_cast<int>(key.size()), SQLITE_TRANSIENT);
}

// The count of decisions (status changes and approvals) so far, kept in
// meta: a draft records it, and an approval compares it to tell whether the
// draft has gone stale.
Result<long long> read_decision_sequence(sqlite3* db) {
  Statement seq(db, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'decision_sequence'");
  if (!seq.ok() || seq.step() != SQLITE_ROW) return sql_error(db, "read decision sequence");
  return seq.int64(0);
}

// Ends draft `id` as `to` (kApproved or kDiscarded), with who and when in
// that status's own columns (approved_by/_at, discarded_by/_at). `verb`
// names the step in an error ("prepare approve", "approve plan").
Status end_draft(sqlite3* db, long long id, const std::string& who, PlanStatus to,
                 const std::string& verb) {
  const std::string status = plan_status_name(to);
  const std::string sql = "UPDATE plans SET status = '" + status + "', " + status + "_by = ?2, " +
                          status + "_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1";
  Statement up(db, sql.c_str());
  if (!up.ok()) return sql_error(db, "prepare " + verb);
  up.bind(1, id);
  up.bind(2, who);
  if (up.step() != SQLITE_DONE) return sql_error(db, verb + " plan");
  return Status::ok();
}

PlanStatus status_of(const std::string& s) {
  if (s == "approved") return PlanStatus::kApproved;
  if (s == "superseded") return PlanStatus::kSuperseded;
  if (s == "discarded") return PlanStatus::kDiscarded;
  return PlanStatus::kDraft;
}

}  // namespace

Status draft_quota(const std::string& county, int max) {
  return Status(ErrorCode::kConflict,
                {"plan.draft_quota", {{"county", county}, {"max", std::to_string(max)}}});
}

const char* plan_status_name(PlanStatus status) {
  switch (status) {
    case PlanStatus::kDraft:
      return "draft";
    case PlanStatus::kApproved:
      return "approved";
    case PlanStatus::kSuperseded:
      return "superseded";
    case PlanStatus::kDiscarded:
      return "discarded";
  }
  return "draft";
}

Result<std::unique_ptr<PlanStore>> PlanStore::open(const Store& store,
                                                   const StoreOptions& options) {
  std::string path = store.data_dir() + "/store.sqlite";
  sqlite3* db = nullptr;
  int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_FULLMUTEX;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status(ErrorCode::kIOError, path + ": " + msg);
  }
  std::unique_ptr<PlanStore> ps(new PlanStore(db));
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  for (const char* sql : {"PRAGMA synchronous=FULL", "PRAGMA foreign_keys=ON"})
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK) return sql_error(db, sql);
  if (sqlite3_create_function(db, "name_key", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                              &name_key, nullptr, nullptr) != SQLITE_OK)
    return sql_error(db, "register name_key");
  return ps;
}

PlanStore::~PlanStore() { sqlite3_close(db_); }

Result<PlanRecord> PlanStore::add_draft(
    const std::string& county, const std::vector<std::string>& members,
    const std::vector<std::pair<std::string, std::string>>& topics, const std::string& body_json,
    long long decisions_seen, int max_drafts) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return sql_error(db_, "begin");
  if (max_drafts > 0) {
    // In the transaction: two plan runs cannot both take the last place.
    auto drafts = count_drafts_locked(county);
    if (!drafts) return drafts.status();
    if (*drafts >= max_drafts) return draft_quota(county, max_drafts);
  }
  Statement ins(db_,
                "INSERT INTO plans (id, seq, county, status, body, decisions_seen) "
                "VALUES (?4, (SELECT COALESCE(MAX(seq), 0) + 1 FROM plans), ?1, 'draft', ?2, ?3)");
  if (!ins.ok()) return sql_error(db_, "prepare plan insert");
  ins.bind(1, county);
  ins.bind(2, body_json);
  ins.bind(3, decisions_seen);
  const long long id = new_record_id();  // unguessable: counts nothing (store.h)
  ins.bind(4, id);
  if (ins.step() != SQLITE_DONE) return sql_error(db_, "insert plan");
  Statement a(db_,
              "INSERT OR IGNORE INTO plan_assignments (plan_id, expert_id, problem_id) "
              "VALUES (?1, ?2, ?3)");
  if (!a.ok()) return sql_error(db_, "prepare assignment insert");
  auto add = [&](const std::string& expert, const std::string& problem) {
    a.reset();
    a.bind(1, id);
    a.bind(2, expert);
    a.bind(3, problem);
    return a.step() == SQLITE_DONE;
  };
  for (const auto& m : members)
    if (!add(m, "")) return sql_error(db_, "insert plan member");
  for (const auto& [p, e] : topics)
    if (!add(e, p)) return sql_error(db_, "insert plan topic");
  Status s = tx.commit();
  if (!s) return s;
  return get_locked(id);
}

Result<std::vector<PlanRecord>> PlanStore::query_locked(const std::string& where,
                                                        const std::string& county,
                                                        bool with_bodies) {
  // County names compare normalised (corpus/names.h): name_key() is
  // normalize_name, registered on this connection. Filtered here, not after
  // reading, and without the bodies unless asked: a county's list must not
  // read every county's plans (3,032 drafts of 45 KB made a ledger take 3 s).
  std::string sql =
      std::string("SELECT id, county, status, created_at, approved_at, approved_by, ") +
      (with_bodies ? "body" : "''") +
      ", decisions_seen, discarded_at, discarded_by FROM plans WHERE (" +
      (where.empty() ? "1" : where) +
      ") AND (?1 = '' OR county = ?1 OR name_key(county) = ?2) ORDER BY seq DESC";
  Statement st(db_, sql.c_str());
  if (!st.ok()) return sql_error(db_, "prepare plan query");
  st.bind(1, county);
  st.bind(2, county.empty() ? std::string() : normalize_name(county));
  std::vector<PlanRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    PlanRecord r;
    r.id = st.int64(0);
    r.county = st.text(1);
    r.status = status_of(st.text(2));
    r.created_at = st.text(3);
    r.approved_at = st.text(4);
    r.approved_by = st.text(5);
    r.body_json = st.text(6);
    r.decisions_seen = st.int64(7);
    r.discarded_at = st.text(8);
    r.discarded_by = st.text(9);
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return sql_error(db_, "query plans");
  Statement a(db_,
              "SELECT expert_id, problem_id FROM plan_assignments WHERE plan_id = ?1 "
              "ORDER BY problem_id, expert_id");
  if (!a.ok()) return sql_error(db_, "prepare assignment query");
  for (auto& r : out) {
    a.reset();
    a.bind(1, r.id);
    while ((rc = a.step()) == SQLITE_ROW) {
      std::string expert = a.text(0), problem = a.text(1);
      if (problem.empty())
        r.members.push_back(expert);
      else
        r.topics.emplace_back(problem, expert);
    }
    if (rc != SQLITE_DONE) return sql_error(db_, "query plan assignments");
  }
  return out;
}

Result<PlanRecord> PlanStore::get_locked(long long id) {
  auto r = query_locked("id = " + std::to_string(id), "", true);
  if (!r) return r.status();
  if (r->empty())
    return Status(ErrorCode::kNotFound, {"plan.not_found", {{"id", std::to_string(id)}}});
  return std::move(r->front());
}

Result<PlanRecord> PlanStore::get(long long id) {
  std::lock_guard lock(mu_);
  return get_locked(id);
}

Result<std::vector<PlanRecord>> PlanStore::list(const std::string& county) {
  return list(county, PlanFilter{});
}

Result<std::vector<PlanRecord>> PlanStore::list(const std::string& county,
                                                const PlanFilter& filter) {
  std::lock_guard lock(mu_);
  std::string where;
  if (filter.status) where = std::string("status = '") + plan_status_name(*filter.status) + "'";
  return query_locked(where, county, filter.with_bodies);
}

Result<int> PlanStore::count_drafts(const std::string& county) {
  std::lock_guard lock(mu_);
  return count_drafts_locked(county);
}

Result<int> PlanStore::count_drafts_locked(const std::string& county) {
  Statement st(db_,
               "SELECT COUNT(*) FROM plans WHERE status = 'draft' AND "
               "(county = ?1 OR name_key(county) = ?2)");
  if (!st.ok()) return sql_error(db_, "prepare draft count");
  st.bind(1, county);
  st.bind(2, normalize_name(county));
  if (st.step() != SQLITE_ROW) return sql_error(db_, "count drafts");
  return static_cast<int>(st.int64(0));
}

Result<std::optional<PlanRecord>> PlanStore::approved(const std::string& county) {
  std::lock_guard lock(mu_);
  auto r = query_locked("status = 'approved'", county, true);
  if (!r) return r.status();
  if (r->empty()) return std::optional<PlanRecord>();
  return std::optional<PlanRecord>(std::move(r->front()));
}

Status PlanStore::staleness(const PlanRecord& plan) {
  std::lock_guard lock(mu_);
  if (plan.status != PlanStatus::kDraft) return Status::ok();
  return staleness_locked(plan);
}

Status PlanStore::staleness_locked(const PlanRecord& plan) {
  const std::string plan_id = std::to_string(plan.id);
  // Counties compare normalised, as in query_locked.
  auto newer = query_locked(
      "status IN ('approved', 'superseded') AND seq > (SELECT seq FROM plans WHERE id = " +
          plan_id + ")",
      plan.county, false);
  if (!newer) return newer.status();
  if (!newer->empty())
    return Status(
        ErrorCode::kConflict,
        {"plan.stale_approved",
         {{"id", plan_id}, {"newer", std::to_string(newer->front().id)}, {"county", plan.county}}});
  if (plan.decisions_seen == kInputChanged)
    return Status(ErrorCode::kConflict,
                  {"plan.stale_input", {{"id", plan_id}, {"county", plan.county}}});
  auto later =
      expertmatch::decisions_touching(db_, plan.decisions_seen, plan.county, plan_experts(plan));
  if (!later) return later.status();
  if (*later > 0)
    return Status(ErrorCode::kConflict,
                  {"plan.stale_decisions", {{"id", plan_id}, {"count", std::to_string(*later)}}});
  return Status::ok();
}

Result<PlanRecord> PlanStore::approve(long long id, const std::string& approver,
                                      const std::vector<StatusChange>& changes) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return sql_error(db_, "begin");
  auto plan = get_locked(id);
  if (!plan) return plan.status();
  const std::string plan_id = std::to_string(id);
  if (plan->status != PlanStatus::kDraft)
    return Status(
        ErrorCode::kConflict,
        {"plan.not_draft", {{"id", plan_id}, {"status", plan_status_name(plan->status)}}});
  // Read inside the transaction: no approval or decision can slip in between.
  Status fresh = staleness_locked(*plan);
  if (!fresh) return fresh;
  auto approved = query_locked("status = 'approved'", plan->county, false);
  if (!approved) return approved.status();
  Statement old(db_, "UPDATE plans SET status = 'superseded' WHERE id = ?1");
  if (!old.ok()) return sql_error(db_, "prepare supersede");
  for (const auto& a : *approved) {
    old.reset();
    old.bind(1, a.id);
    if (old.step() != SQLITE_DONE) return sql_error(db_, "supersede approved plan");
  }
  Status s = end_draft(db_, id, approver, PlanStatus::kApproved, "approve");
  if (!s) return s;
  // The approval itself is a decision: the county's other drafts made before
  // it are stale, and so is any draft with one of its experts (whose
  // remaining capacity it changes).
  std::vector<DecisionScope> scopes = {{plan->county, ""}};
  for (const auto& e : plan_experts(*plan)) scopes.push_back({"", e});
  s = changes.empty() ? record_decision(db_, scopes, /*changed_records=*/false)
                      : apply_status_changes(db_, changes, nullptr, scopes);
  if (!s) return s;
  s = tx.commit();
  if (!s) return s;
  return get_locked(id);
}

Result<long long> PlanStore::decision_sequence() {
  std::lock_guard lock(mu_);
  return read_decision_sequence(db_);
}

Result<long long> PlanStore::decisions_touching(const PlanRecord& plan) {
  std::lock_guard lock(mu_);
  return expertmatch::decisions_touching(db_, plan.decisions_seen, plan.county, plan_experts(plan));
}

Result<PlanRecord> PlanStore::discard(long long id, const std::string& who) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return sql_error(db_, "begin");
  auto plan = get_locked(id);
  if (!plan) return plan.status();
  if (plan->status != PlanStatus::kDraft)
    return Status(ErrorCode::kConflict,
                  {"plan.discard_not_draft",
                   {{"id", std::to_string(id)}, {"status", plan_status_name(plan->status)}}});
  Status s = end_draft(db_, id, who, PlanStatus::kDiscarded, "discard");
  if (!s) return s;
  s = tx.commit();
  if (!s) return s;
  return get_locked(id);
}

}  // namespace expertmatch
