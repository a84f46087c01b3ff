#include "corpus/plan_store.h"

#include <sqlite3.h>

#include <string>
#include <utility>

#include "corpus/names.h"

namespace expertmatch {
namespace {

// IF NOT EXISTS: the same statements can later become a Store migration
// without failing on databases that already have the tables.
const char* const kSchema = R"sql(
CREATE TABLE IF NOT EXISTS plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  county TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  approved_at TEXT NOT NULL DEFAULT '',
  approved_by TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plans_by_county ON plans (county, status);
CREATE TABLE IF NOT EXISTS plan_assignments (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  expert_id TEXT NOT NULL,
  problem_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, expert_id, problem_id)
);
)sql";

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

PlanStatus status_of(const std::string& s) {
  if (s == "approved") return PlanStatus::kApproved;
  if (s == "superseded") return PlanStatus::kSuperseded;
  return PlanStatus::kDraft;
}

}  // namespace

const char* plan_status_name(PlanStatus status) {
  switch (status) {
    case PlanStatus::kDraft:
      return "draft";
    case PlanStatus::kApproved:
      return "approved";
    case PlanStatus::kSuperseded:
      return "superseded";
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
  if (options.read_only) {
    // A store never planned has no plan tables, and a read-only connection
    // may not make them: empty temporary ones stand in (gone on close).
    Statement exists(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'plans'");
    if (exists.step() == SQLITE_ROW) return ps;
    std::string temp = kSchema;
    for (auto [from, to] : {std::pair<std::string, std::string>{"CREATE TABLE IF NOT EXISTS ",
                                                                "CREATE TEMP TABLE IF NOT EXISTS "},
                            {"CREATE INDEX IF NOT EXISTS ", "CREATE INDEX IF NOT EXISTS temp."}})
      for (size_t at = temp.find(from); at != std::string::npos; at = temp.find(from, at))
        temp.replace(at, from.size(), to), at += to.size();
    if (sqlite3_exec(db, temp.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK)
      return sql_error(db, "create temporary plan tables");
    return ps;
  }
  Transaction tx(db);
  if (!tx.began()) return sql_error(db, "begin");
  char* err = nullptr;
  if (sqlite3_exec(db, kSchema, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return Status(ErrorCode::kIOError, "create plan tables: " + msg);
  }
  Status s = tx.commit();
  if (!s) return s;
  return ps;
}

PlanStore::~PlanStore() { sqlite3_close(db_); }

Result<PlanRecord> PlanStore::add_draft(
    const std::string& county, const std::vector<std::string>& members,
    const std::vector<std::pair<std::string, std::string>>& topics, const std::string& body_json) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return sql_error(db_, "begin");
  Statement ins(db_, "INSERT INTO plans (county, status, body) VALUES (?1, 'draft', ?2)");
  if (!ins.ok()) return sql_error(db_, "prepare plan insert");
  ins.bind(1, county);
  ins.bind(2, body_json);
  if (ins.step() != SQLITE_DONE) return sql_error(db_, "insert plan");
  long long id = sqlite3_last_insert_rowid(db_);
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
                                                        const std::string& county) {
  std::string sql =
      "SELECT id, county, status, created_at, approved_at, approved_by, body FROM plans " + where +
      " ORDER BY id DESC";
  Statement st(db_, sql.c_str());
  if (!st.ok()) return sql_error(db_, "prepare plan query");
  std::vector<PlanRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    PlanRecord r;
    r.id = st.int64(0);
    r.county = st.text(1);
    // County names compare normalised (corpus/names.h), which SQL cannot do;
    // a store holds few plans.
    if (!county.empty() && !same_name(r.county, county)) continue;
    r.status = status_of(st.text(2));
    r.created_at = st.text(3);
    r.approved_at = st.text(4);
    r.approved_by = st.text(5);
    r.body_json = st.text(6);
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
  auto r = query_locked("WHERE id = " + std::to_string(id), "");
  if (!r) return r.status();
  if (r->empty()) return Status(ErrorCode::kNotFound, "no plan with id " + std::to_string(id));
  return std::move(r->front());
}

Result<PlanRecord> PlanStore::get(long long id) {
  std::lock_guard lock(mu_);
  return get_locked(id);
}

Result<std::vector<PlanRecord>> PlanStore::list(const std::string& county) {
  std::lock_guard lock(mu_);
  return query_locked("", county);
}

Result<std::optional<PlanRecord>> PlanStore::approved(const std::string& county) {
  std::lock_guard lock(mu_);
  auto r = query_locked("WHERE status = 'approved'", county);
  if (!r) return r.status();
  if (r->empty()) return std::optional<PlanRecord>();
  return std::optional<PlanRecord>(std::move(r->front()));
}

Result<PlanRecord> PlanStore::approve(long long id, const std::string& approver) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return sql_error(db_, "begin");
  auto plan = get_locked(id);
  if (!plan) return plan.status();
  if (plan->status != PlanStatus::kDraft)
    return Status(ErrorCode::kConflict, "plan " + std::to_string(id) + " is " +
                                            plan_status_name(plan->status) + ", not a draft");
  auto approved = query_locked("WHERE status = 'approved'", plan->county);
  if (!approved) return approved.status();
  Statement old(db_, "UPDATE plans SET status = 'superseded' WHERE id = ?1");
  if (!old.ok()) return sql_error(db_, "prepare supersede");
  for (const auto& a : *approved) {
    old.reset();
    old.bind(1, a.id);
    if (old.step() != SQLITE_DONE) return sql_error(db_, "supersede approved plan");
  }
  Statement up(db_,
               "UPDATE plans SET status = 'approved', approved_by = ?2, "
               "approved_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?1");
  if (!up.ok()) return sql_error(db_, "prepare approve");
  up.bind(1, id);
  up.bind(2, approver);
  if (up.step() != SQLITE_DONE) return sql_error(db_, "approve plan");
  Status s = tx.commit();
  if (!s) return s;
  return get_locked(id);
}

}  // namespace expertmatch
