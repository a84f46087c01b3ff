#include "corpus/store.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace expertmatch {
namespace {

// Forward migrations, in rising order: a store at a lower version runs every
// step above it. Numbers may skip: v5 is reserved for token expiry and
// revocation (branch tokens), and v6 (the workflow) touches only tables of v4
// and earlier, so it runs the same with or without v5 and a later merge only
// slots v5 in. Once released, no step is edited and no number is reused (a
// store that reached v6 without v5 would never run a v5 added afterwards).
struct Migration {
  int version;      // the schema version after this step
  const char* sql;  // run in the migration's transaction, foreign keys off
};
constexpr Migration kMigrations[] = {
    // v0 -> v1: experts, works, problems.
    {1, R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta (key, value) VALUES ('change_sequence', '0');
CREATE TABLE experts (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  organization TEXT NOT NULL DEFAULT '',
  college TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  birth_year INTEGER,
  fields TEXT NOT NULL DEFAULT '[]',
  bio TEXT NOT NULL DEFAULT '',
  capacity INTEGER NOT NULL DEFAULT 2,
  available INTEGER NOT NULL DEFAULT 1,
  counties TEXT NOT NULL DEFAULT '[]',
  conflicts TEXT NOT NULL DEFAULT '[]',
  extra TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE works (
  expert_id TEXT NOT NULL REFERENCES experts(id) ON DELETE CASCADE,
  ord INTEGER NOT NULL,
  kind TEXT NOT NULL,
  title TEXT NOT NULL,
  abstract TEXT NOT NULL DEFAULT '',
  keywords TEXT NOT NULL DEFAULT '[]',
  year INTEGER,
  extra TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (expert_id, ord)
);
CREATE TABLE problems (
  id TEXT PRIMARY KEY,
  enterprise TEXT NOT NULL,
  county TEXT NOT NULL,
  industry TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  keywords TEXT NOT NULL DEFAULT '[]',
  urgency INTEGER NOT NULL DEFAULT 3,
  submitted TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'open',
  extra TEXT NOT NULL DEFAULT '',
  updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE INDEX problems_by_county ON problems (county);
CREATE INDEX problems_by_enterprise ON problems (enterprise);
)sql"},
    // v1 -> v2: the HTTP service's access tokens (hashed) and match reviews.
    {2, R"sql(
CREATE TABLE tokens (
  hash TEXT PRIMARY KEY,
  role TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  label TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  revoked INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE reviews (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id TEXT NOT NULL,
  expert_id TEXT NOT NULL,
  decision TEXT NOT NULL CHECK (decision IN ('accept', 'reject')),
  note TEXT NOT NULL DEFAULT '',
  reviewer TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX reviews_by_problem ON reviews (problem_id, id);
)sql"},
    // v2 -> v3: registered enterprises and their county; existing problems
    // register theirs (an enterprise filed under two counties keeps the first
    // by name order: the service refuses such a mix from now on).
    {3, R"sql(
CREATE TABLE enterprises (
  name TEXT PRIMARY KEY,
  county TEXT NOT NULL,
  registered_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
INSERT OR IGNORE INTO enterprises (name, county)
  SELECT enterprise, MIN(county) FROM problems GROUP BY enterprise;
)sql"},
    // v3 -> v4: accounts that sign in with a password (Argon2id hash), and
    // their sessions (only a hash of the session id is kept).
    {4, R"sql(
CREATE TABLE accounts (
  username TEXT PRIMARY KEY,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL,
  scope TEXT NOT NULL DEFAULT '',
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now'))
);
CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,
  username TEXT NOT NULL REFERENCES accounts(username) ON DELETE CASCADE,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (username);
)sql"},
    // v4 (or v5) -> v6: a problem's whole life (issue 12). Every status change is a
    // row of problem_transitions; an acceptance beyond capacity carries its
    // override; plans may be discarded and remember the decisions they saw.
    // The plan tables were created by PlanStore before v6 (they may be absent):
    // created here in their old shape if need be, then rebuilt (SQLite cannot
    // change a CHECK in place; Store::open runs migrations with foreign keys
    // off, so dropping the old table leaves plan_assignments alone).
    {6, R"sql(
CREATE TABLE problem_transitions (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  problem_id TEXT NOT NULL,
  from_status TEXT NOT NULL,
  to_status TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  note TEXT NOT NULL DEFAULT '',
  outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX problem_transitions_by_problem ON problem_transitions (problem_id, id);
INSERT INTO meta (key, value) VALUES ('decision_sequence', '0');
ALTER TABLE reviews ADD COLUMN override INTEGER NOT NULL DEFAULT 0;
UPDATE problems SET status = 'submitted' WHERE status = 'open';
CREATE TABLE IF NOT EXISTS plans (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  county TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  approved_at TEXT NOT NULL DEFAULT '',
  approved_by TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS plan_assignments (
  plan_id INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
  expert_id TEXT NOT NULL,
  problem_id TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (plan_id, expert_id, problem_id)
);
CREATE TABLE plans_v6 (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  county TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('draft', 'approved', 'superseded', 'discarded')),
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ','now')),
  approved_at TEXT NOT NULL DEFAULT '',
  approved_by TEXT NOT NULL DEFAULT '',
  body TEXT NOT NULL,
  decisions_seen INTEGER NOT NULL DEFAULT 0,
  discarded_at TEXT NOT NULL DEFAULT '',
  discarded_by TEXT NOT NULL DEFAULT ''
);
INSERT INTO plans_v6 (id, county, status, created_at, approved_at, approved_by, body)
  SELECT id, county, status, created_at, approved_at, approved_by, body FROM plans;
DROP TABLE plans;
ALTER TABLE plans_v6 RENAME TO plans;
CREATE INDEX IF NOT EXISTS plans_by_county ON plans (county, status);
)sql"},
};
constexpr bool migrations_ordered() {
  int last = 0;
  for (const Migration& m : kMigrations) {
    if (m.version <= last) return false;
    last = m.version;
  }
  return last == Store::kSchemaVersion;
}
static_assert(migrations_ordered(), "migrations must rise and end at kSchemaVersion");

std::string encode_strings(const std::vector<std::string>& values) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartArray();
  for (const auto& s : values) w.String(s.c_str(), static_cast<rapidjson::SizeType>(s.size()));
  w.EndArray();
  return buf.GetString();
}

std::vector<std::string> decode_strings(const char* json) {
  std::vector<std::string> out;
  if (!json) return out;
  rapidjson::Document d;
  // Iterative: a stored row is not trusted to be shallow. Its strings are
  // checked with the record (check_record in exchange_format.h).
  d.Parse<rapidjson::kParseIterativeFlag>(json);
  if (d.HasParseError() || !d.IsArray()) return out;
  for (const auto& v : d.GetArray())
    if (v.IsString()) out.emplace_back(v.GetString(), v.GetStringLength());
  return out;
}

// RAII prepared statement with typed binding by position (1-based).
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : db_(db) {
    rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
  }
  ~Statement() { sqlite3_finalize(stmt_); }
  bool prepared() const { return rc_ == SQLITE_OK; }
  void bind(int i, const std::string& s) {
    sqlite3_bind_text(stmt_, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
  }
  void bind(int i, int v) { sqlite3_bind_int(stmt_, i, v); }
  void bind(int i, const std::optional<int>& v) {
    if (v)
      sqlite3_bind_int(stmt_, i, *v);
    else
      sqlite3_bind_null(stmt_, i);
  }
  int step() { return sqlite3_step(stmt_); }
  sqlite3_stmt* get() { return stmt_; }
  Status error(const std::string& what) const {
    return Status(ErrorCode::kIOError, what + ": " + sqlite3_errmsg(db_));
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

std::string text_col(sqlite3_stmt* s, int i) {
  const unsigned char* t = sqlite3_column_text(s, i);
  return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(s, i))
           : std::string();
}

std::optional<int> int_col(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int(s, i);
}

Status make_dirs(const std::string& dir) {
  std::string path;
  for (size_t i = 0; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') {
      if (!path.empty() && ::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST)
        return Status(ErrorCode::kIOError, path + ": mkdir: " + std::strerror(errno));
    }
    if (i < dir.size()) path += dir[i];
  }
  return Status::ok();
}

// Commits on success, rolls back otherwise.
class Transaction {
 public:
  explicit Transaction(sqlite3* db) : db_(db) {
    ok_ = sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK;
  }
  ~Transaction() {
    if (ok_ && !done_) sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
  }
  bool began() const { return ok_; }
  Status commit() {
    done_ = true;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) {
      Status s(ErrorCode::kIOError, std::string("commit: ") + sqlite3_errmsg(db_));
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      return s;
    }
    return Status::ok();
  }

 private:
  sqlite3* db_;
  bool ok_ = false;
  bool done_ = false;
};

}  // namespace

Result<std::unique_ptr<Store>> Store::open(const std::string& data_dir,
                                           const StoreOptions& options) {
  struct stat st;
  if (::stat(data_dir.c_str(), &st) != 0) {
    if (!options.create_if_missing)
      return Status(ErrorCode::kNotFound, data_dir + ": no such data directory");
    Status s = make_dirs(data_dir);
    if (!s) return s;
  } else if (!S_ISDIR(st.st_mode)) {
    return Status(ErrorCode::kIOError, data_dir + ": not a directory");
  }
  std::string path = data_dir + "/store.sqlite";
  int flags =
      (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_FULLMUTEX;
  if (options.create_if_missing && !options.read_only) flags |= SQLITE_OPEN_CREATE;
  if (options.read_only && ::stat(path.c_str(), &st) != 0)
    return Status(ErrorCode::kNotFound, data_dir + ": no store (store.sqlite) there");
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, flags, nullptr) != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    return Status(ErrorCode::kIOError, path + ": " + msg);
  }
  sqlite3_busy_timeout(db, options.busy_timeout_ms);
  std::unique_ptr<Store> store(new Store(db, data_dir));
  if (options.read_only) {
    int version = store->schema_version();
    if (version != kSchemaVersion)
      return Status(ErrorCode::kConflict,
                    path + ": schema version " + std::to_string(version) + ", this program reads " +
                        std::to_string(kSchemaVersion) +
                        "; a writing command (e.g. expertmatch index) migrates it");
    return store;
  }
  // WAL with synchronous=FULL: a commit is fsynced before it is acknowledged.
  // Foreign keys are off while migrating: a migration may rebuild a table
  // (https://www.sqlite.org/lang_altertable.html#otheralter), and dropping the
  // old one must not cascade into the rows that reference it.
  for (const char* pragma :
       {"PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=OFF"}) {
    Status s = store->exec(pragma);
    if (!s) return s;
  }
  Status s = store->migrate();
  if (!s) return s;
  s = store->exec("PRAGMA foreign_keys=ON");
  if (!s) return s;
  return store;
}

Store::~Store() { sqlite3_close(db_); }

Status Store::exec(const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db_);
    sqlite3_free(err);
    return Status(ErrorCode::kIOError, msg);
  }
  return Status::ok();
}

int Store::schema_version() {
  std::lock_guard lock(mu_);
  Statement st(db_, "PRAGMA user_version");
  return st.step() == SQLITE_ROW ? sqlite3_column_int(st.get(), 0) : -1;
}

Status Store::migrate() {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  int version;
  {
    Statement st(db_, "PRAGMA user_version");
    if (st.step() != SQLITE_ROW) return st.error("read schema version");
    version = sqlite3_column_int(st.get(), 0);
  }
  if (version > kSchemaVersion)
    return Status(ErrorCode::kCorruption, "store schema version " + std::to_string(version) +
                                              " is newer than this program's " +
                                              std::to_string(kSchemaVersion));
  for (const Migration& m : kMigrations) {
    if (m.version <= version) continue;
    Status s = exec(m.sql);
    if (!s)
      return Status(ErrorCode::kIOError,
                    "migration to v" + std::to_string(m.version) + ": " + s.message());
  }
  if (version != kSchemaVersion) {
    std::string sql = "PRAGMA user_version=" + std::to_string(kSchemaVersion);
    Status s = exec(sql.c_str());
    if (!s) return s;
  }
  return tx.commit();
}

Status Store::bump_sequence_locked() {
  return exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'change_sequence'");
}

Status Store::put_expert_locked(const Expert& e) {
  Statement st(db_,
               "INSERT INTO experts (id, name, organization, college, title, birth_year, fields, "
               "bio, capacity, available, counties, conflicts, extra, updated_at) "
               "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
               "strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
               "ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
               "organization=excluded.organization, college=excluded.college, "
               "title=excluded.title, birth_year=excluded.birth_year, fields=excluded.fields, "
               "bio=excluded.bio, capacity=excluded.capacity, available=excluded.available, "
               "counties=excluded.counties, conflicts=excluded.conflicts, extra=excluded.extra, "
               "updated_at=excluded.updated_at");
  if (!st.prepared()) return st.error("prepare expert insert");
  st.bind(1, e.id);
  st.bind(2, e.name);
  st.bind(3, e.organization);
  st.bind(4, e.college);
  st.bind(5, e.title);
  st.bind(6, e.birth_year);
  st.bind(7, encode_strings(e.fields));
  st.bind(8, e.bio);
  st.bind(9, e.capacity);
  st.bind(10, e.available ? 1 : 0);
  st.bind(11, encode_strings(e.counties));
  st.bind(12, encode_strings(e.conflicts));
  st.bind(13, e.extra_json);
  if (st.step() != SQLITE_DONE) return st.error("insert expert");
  Statement del(db_, "DELETE FROM works WHERE expert_id = ?1");
  del.bind(1, e.id);
  if (del.step() != SQLITE_DONE) return del.error("delete works");
  Statement ins(db_,
                "INSERT INTO works (expert_id, ord, kind, title, abstract, keywords, year, extra) "
                "VALUES (?1,?2,?3,?4,?5,?6,?7,?8)");
  if (!ins.prepared()) return ins.error("prepare work insert");
  for (size_t i = 0; i < e.works.size(); ++i) {
    const Work& w = e.works[i];
    sqlite3_reset(ins.get());
    ins.bind(1, e.id);
    ins.bind(2, static_cast<int>(i));
    ins.bind(3, std::string(work_kind_name(w.kind)));
    ins.bind(4, w.title);
    ins.bind(5, w.abstract);
    ins.bind(6, encode_strings(w.keywords));
    ins.bind(7, w.year);
    ins.bind(8, w.extra_json);
    if (ins.step() != SQLITE_DONE) return ins.error("insert work");
  }
  return Status::ok();
}

Status Store::put_problem_locked(const Problem& p) {
  Statement st(db_,
               "INSERT INTO problems (id, enterprise, county, industry, title, description, "
               "keywords, urgency, submitted, status, extra, updated_at) "
               "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,"
               "strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
               "ON CONFLICT(id) DO UPDATE SET enterprise=excluded.enterprise, "
               "county=excluded.county, industry=excluded.industry, title=excluded.title, "
               "description=excluded.description, keywords=excluded.keywords, "
               "urgency=excluded.urgency, submitted=excluded.submitted, status=excluded.status, "
               "extra=excluded.extra, updated_at=excluded.updated_at");
  if (!st.prepared()) return st.error("prepare problem insert");
  st.bind(1, p.id);
  st.bind(2, p.enterprise);
  st.bind(3, p.county);
  st.bind(4, p.industry);
  st.bind(5, p.title);
  st.bind(6, p.description);
  st.bind(7, encode_strings(p.keywords));
  st.bind(8, p.urgency);
  st.bind(9, p.submitted);
  st.bind(10, std::string(problem_status_name(p.status)));
  st.bind(11, p.extra_json);
  if (st.step() != SQLITE_DONE) return st.error("insert problem");
  Statement reg(db_, "INSERT OR IGNORE INTO enterprises (name, county) VALUES (?1, ?2)");
  if (!reg.prepared()) return reg.error("prepare enterprise insert");
  reg.bind(1, p.enterprise);
  reg.bind(2, p.county);
  if (reg.step() != SQLITE_DONE) return reg.error("register enterprise");
  return Status::ok();
}

Status Store::import(const std::vector<Expert>& experts, const std::vector<Problem>& problems) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  for (const auto& e : experts) {
    Status s = put_expert_locked(e);
    if (!s) return s;
  }
  for (const auto& p : problems) {
    Status s = put_problem_locked(p);
    if (!s) return s;
  }
  Status s = bump_sequence_locked();
  if (!s) return s;
  return tx.commit();
}

Status Store::put_expert(const Expert& expert) { return import({expert}, {}); }

Result<std::vector<EnterpriseRecord>> Store::list_enterprises() {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT name, county, registered_at FROM enterprises ORDER BY county, name");
  if (!st.prepared()) return st.error("prepare enterprise query");
  std::vector<EnterpriseRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW)
    out.push_back({text_col(st.get(), 0), text_col(st.get(), 1), text_col(st.get(), 2)});
  if (rc != SQLITE_DONE) return st.error("read enterprises");
  return out;
}

Result<EnterpriseRecord> Store::add_enterprise(const std::string& name, const std::string& county) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO enterprises (name, county) VALUES (?1, ?2) ON CONFLICT(name) DO "
               "NOTHING RETURNING registered_at");
  if (!st.prepared()) return st.error("prepare enterprise insert");
  st.bind(1, name);
  st.bind(2, county);
  int rc = st.step();
  if (rc == SQLITE_DONE)
    return Status(ErrorCode::kAlreadyExists, "enterprise \"" + name + "\" is already registered");
  if (rc != SQLITE_ROW) return st.error("insert enterprise");
  EnterpriseRecord r{name, county, text_col(st.get(), 0)};
  if (st.step() != SQLITE_DONE) return st.error("insert enterprise");
  return r;
}
Status Store::put_problem(const Problem& problem) { return import({}, {problem}); }

Result<std::vector<Expert>> Store::query_experts_locked(const std::string* where_id) {
  std::string sql =
      "SELECT id, name, organization, college, title, birth_year, fields, bio, capacity, "
      "available, counties, conflicts, extra FROM experts";
  if (where_id) sql += " WHERE id = ?1";
  sql += " ORDER BY id";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare expert query");
  if (where_id) st.bind(1, *where_id);
  std::vector<Expert> out;
  std::map<std::string, size_t> index;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = st.get();
    Expert e;
    e.id = text_col(s, 0);
    e.name = text_col(s, 1);
    e.organization = text_col(s, 2);
    e.college = text_col(s, 3);
    e.title = text_col(s, 4);
    e.birth_year = int_col(s, 5);
    e.fields = decode_strings(reinterpret_cast<const char*>(sqlite3_column_text(s, 6)));
    e.bio = text_col(s, 7);
    e.capacity = sqlite3_column_int(s, 8);
    e.available = sqlite3_column_int(s, 9) != 0;
    e.counties = decode_strings(reinterpret_cast<const char*>(sqlite3_column_text(s, 10)));
    e.conflicts = decode_strings(reinterpret_cast<const char*>(sqlite3_column_text(s, 11)));
    e.extra_json = text_col(s, 12);
    index[e.id] = out.size();
    out.push_back(std::move(e));
  }
  if (rc != SQLITE_DONE) return st.error("query experts");
  std::string wsql = "SELECT expert_id, kind, title, abstract, keywords, year, extra FROM works";
  if (where_id) wsql += " WHERE expert_id = ?1";
  wsql += " ORDER BY expert_id, ord";
  Statement ws(db_, wsql.c_str());
  if (!ws.prepared()) return ws.error("prepare works query");
  if (where_id) ws.bind(1, *where_id);
  while ((rc = ws.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = ws.get();
    auto it = index.find(text_col(s, 0));
    if (it == index.end()) continue;
    Work w;
    w.kind = parse_work_kind(text_col(s, 1)).value_or(WorkKind::kOther);
    w.title = text_col(s, 2);
    w.abstract = text_col(s, 3);
    w.keywords = decode_strings(reinterpret_cast<const char*>(sqlite3_column_text(s, 4)));
    w.year = int_col(s, 5);
    w.extra_json = text_col(s, 6);
    out[it->second].works.push_back(std::move(w));
  }
  if (rc != SQLITE_DONE) return ws.error("query works");
  return out;
}

Result<std::vector<Problem>> Store::query_problems_locked(const std::string* where_id) {
  std::string sql =
      "SELECT id, enterprise, county, industry, title, description, keywords, urgency, "
      "submitted, status, extra FROM problems";
  if (where_id) sql += " WHERE id = ?1";
  sql += " ORDER BY id";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare problem query");
  if (where_id) st.bind(1, *where_id);
  std::vector<Problem> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = st.get();
    Problem p;
    p.id = text_col(s, 0);
    p.enterprise = text_col(s, 1);
    p.county = text_col(s, 2);
    p.industry = text_col(s, 3);
    p.title = text_col(s, 4);
    p.description = text_col(s, 5);
    p.keywords = decode_strings(reinterpret_cast<const char*>(sqlite3_column_text(s, 6)));
    p.urgency = sqlite3_column_int(s, 7);
    p.submitted = text_col(s, 8);
    p.status = parse_problem_status(text_col(s, 9)).value_or(ProblemStatus::kSubmitted);
    p.extra_json = text_col(s, 10);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return st.error("query problems");
  return out;
}

Result<Expert> Store::get_expert(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = query_experts_locked(&id);
  if (!r) return r.status();
  if (r->empty()) return Status(ErrorCode::kNotFound, "no expert with id \"" + id + "\"");
  return std::move(r->front());
}

Result<Problem> Store::get_problem(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = query_problems_locked(&id);
  if (!r) return r.status();
  if (r->empty()) return Status(ErrorCode::kNotFound, "no problem with id \"" + id + "\"");
  return std::move(r->front());
}

Result<std::vector<Expert>> Store::list_experts() {
  std::lock_guard lock(mu_);
  return query_experts_locked(nullptr);
}

Result<std::vector<Problem>> Store::list_problems() {
  std::lock_guard lock(mu_);
  return query_problems_locked(nullptr);
}

static Status delete_row(sqlite3* db, const char* sql, const std::string& id, const char* what) {
  Statement st(db, sql);
  st.bind(1, id);
  if (st.step() != SQLITE_DONE) return st.error(what);
  if (sqlite3_changes(db) == 0)
    return Status(ErrorCode::kNotFound, std::string("no ") + what + " with id \"" + id + "\"");
  return Status::ok();
}

Status Store::delete_expert(const std::string& id) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  Status s = delete_row(db_, "DELETE FROM experts WHERE id = ?1", id, "expert");
  if (!s) return s;
  s = bump_sequence_locked();
  if (!s) return s;
  return tx.commit();
}

Status Store::delete_problem(const std::string& id) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  Status s = delete_row(db_, "DELETE FROM problems WHERE id = ?1", id, "problem");
  if (!s) return s;
  s = bump_sequence_locked();
  if (!s) return s;
  return tx.commit();
}

Result<StoreCounts> Store::counts() {
  std::lock_guard lock(mu_);
  StoreCounts c;
  Statement st(db_,
               "SELECT (SELECT COUNT(*) FROM experts), (SELECT COUNT(*) FROM works), "
               "(SELECT COUNT(*) FROM problems)");
  if (st.step() != SQLITE_ROW) return st.error("count");
  c.experts = sqlite3_column_int(st.get(), 0);
  c.works = sqlite3_column_int(st.get(), 1);
  c.problems = sqlite3_column_int(st.get(), 2);
  return c;
}

Result<long long> Store::change_sequence() {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'change_sequence'");
  if (st.step() != SQLITE_ROW) return st.error("read change sequence");
  return static_cast<long long>(sqlite3_column_int64(st.get(), 0));
}

Status Store::put_token(const TokenRecord& t) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO tokens (hash, role, scope, label, revoked) VALUES (?1,?2,?3,?4,?5)");
  if (!st.prepared()) return st.error("prepare token insert");
  st.bind(1, t.hash);
  st.bind(2, t.role);
  st.bind(3, t.scope);
  st.bind(4, t.label);
  st.bind(5, t.revoked ? 1 : 0);
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status(ErrorCode::kAlreadyExists, "token hash already stored");
  if (rc != SQLITE_DONE) return st.error("insert token");
  return Status::ok();
}

Result<TokenRecord> Store::find_token(const std::string& hash) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT hash, role, scope, label, created_at, revoked FROM tokens WHERE hash = ?1");
  if (!st.prepared()) return st.error("prepare token query");
  st.bind(1, hash);
  int rc = st.step();
  if (rc == SQLITE_DONE) return Status(ErrorCode::kNotFound, "no such token");
  if (rc != SQLITE_ROW) return st.error("query token");
  sqlite3_stmt* s = st.get();
  TokenRecord t;
  t.hash = text_col(s, 0);
  t.role = text_col(s, 1);
  t.scope = text_col(s, 2);
  t.label = text_col(s, 3);
  t.created_at = text_col(s, 4);
  t.revoked = sqlite3_column_int(s, 5) != 0;
  return t;
}

Status apply_status_changes(sqlite3* db, const std::vector<StatusChange>& changes,
                            std::vector<ProblemTransition>* recorded) {
  for (const auto& c : changes) {
    Statement up(db, "UPDATE problems SET status = ?1 WHERE id = ?2 AND status = ?3");
    if (!up.prepared()) return up.error("prepare status update");
    up.bind(1, std::string(problem_status_name(c.to)));
    up.bind(2, c.problem_id);
    up.bind(3, std::string(problem_status_name(c.from)));
    if (up.step() != SQLITE_DONE) return up.error("update problem status");
    if (sqlite3_changes(db) != 1) {
      Statement q(db, "SELECT status FROM problems WHERE id = ?1");
      q.bind(1, c.problem_id);
      if (q.step() != SQLITE_ROW)
        return Status(ErrorCode::kNotFound, "no problem with id \"" + c.problem_id + "\"");
      return Status(ErrorCode::kConflict, "problem \"" + c.problem_id + "\" is " +
                                              text_col(q.get(), 0) + ", not " +
                                              problem_status_name(c.from));
    }
    Statement ins(
        db,
        "INSERT INTO problem_transitions (problem_id, from_status, to_status, changed_by, "
        "note, outcome) VALUES (?1,?2,?3,?4,?5,?6) RETURNING id, changed_at");
    if (!ins.prepared()) return ins.error("prepare transition insert");
    ins.bind(1, c.problem_id);
    ins.bind(2, std::string(problem_status_name(c.from)));
    ins.bind(3, std::string(problem_status_name(c.to)));
    ins.bind(4, c.by);
    ins.bind(5, c.note);
    ins.bind(6, c.outcome);
    if (ins.step() != SQLITE_ROW) return ins.error("insert transition");
    ProblemTransition t{sqlite3_column_int64(ins.get(), 0), c, text_col(ins.get(), 1)};
    if (ins.step() != SQLITE_DONE) return ins.error("insert transition");
    if (recorded) recorded->push_back(std::move(t));
  }
  if (changes.empty()) return Status::ok();
  for (const char* key : {"change_sequence", "decision_sequence"}) {
    Statement bump(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?1");
    bump.bind(1, std::string(key));
    if (bump.step() != SQLITE_DONE) return bump.error("bump sequence");
  }
  return Status::ok();
}

Result<Review> Store::add_review(const Review& r, const StatusChange* change) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  Statement st(db_,
               "INSERT INTO reviews (problem_id, expert_id, decision, note, reviewer, override) "
               "VALUES (?1,?2,?3,?4,?5,?6) RETURNING id, created_at");
  if (!st.prepared()) return st.error("prepare review insert");
  st.bind(1, r.problem_id);
  st.bind(2, r.expert_id);
  st.bind(3, r.decision);
  st.bind(4, r.note);
  st.bind(5, r.reviewer);
  st.bind(6, r.capacity_override ? 1 : 0);
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status(ErrorCode::kInvalidArgument, "decision must be \"accept\" or \"reject\"");
  if (rc != SQLITE_ROW) return st.error("insert review");
  Review out = r;
  out.id = sqlite3_column_int64(st.get(), 0);
  out.created_at = text_col(st.get(), 1);
  if (st.step() != SQLITE_DONE) return st.error("insert review");
  if (change) {
    Status s = apply_status_changes(db_, {*change}, nullptr);
    if (!s) return s;
  } else {
    Status s =
        exec("UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'decision_sequence'");
    if (!s) return s;
  }
  Status s = tx.commit();
  if (!s) return s;
  return out;
}

Result<ProblemTransition> Store::change_status(const StatusChange& change) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  std::vector<ProblemTransition> recorded;
  Status s = apply_status_changes(db_, {change}, &recorded);
  if (!s) return s;
  s = tx.commit();
  if (!s) return s;
  return std::move(recorded.front());
}

Result<std::vector<ProblemTransition>> Store::list_transitions(const std::string& problem_id) {
  std::lock_guard lock(mu_);
  std::string sql =
      "SELECT id, problem_id, from_status, to_status, changed_by, changed_at, note, outcome "
      "FROM problem_transitions";
  if (!problem_id.empty()) sql += " WHERE problem_id = ?1";
  sql += " ORDER BY id";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare transition query");
  if (!problem_id.empty()) st.bind(1, problem_id);
  std::vector<ProblemTransition> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = st.get();
    ProblemTransition t;
    t.id = sqlite3_column_int64(s, 0);
    t.change.problem_id = text_col(s, 1);
    t.change.from = parse_problem_status(text_col(s, 2)).value_or(ProblemStatus::kSubmitted);
    t.change.to = parse_problem_status(text_col(s, 3)).value_or(ProblemStatus::kSubmitted);
    t.change.by = text_col(s, 4);
    t.at = text_col(s, 5);
    t.change.note = text_col(s, 6);
    t.change.outcome = text_col(s, 7);
    out.push_back(std::move(t));
  }
  if (rc != SQLITE_DONE) return st.error("query transitions");
  return out;
}

Result<long long> Store::decision_sequence() {
  std::lock_guard lock(mu_);
  Statement st(db_, "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'decision_sequence'");
  if (st.step() != SQLITE_ROW) return st.error("read decision sequence");
  return static_cast<long long>(sqlite3_column_int64(st.get(), 0));
}

Result<std::vector<Review>> Store::list_reviews(const std::string& problem_id) {
  std::lock_guard lock(mu_);
  std::string sql =
      "SELECT id, problem_id, expert_id, decision, note, reviewer, created_at, override "
      "FROM reviews";
  if (!problem_id.empty()) sql += " WHERE problem_id = ?1";
  sql += " ORDER BY id";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare review query");
  if (!problem_id.empty()) st.bind(1, problem_id);
  std::vector<Review> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) {
    sqlite3_stmt* s = st.get();
    Review r;
    r.id = sqlite3_column_int64(s, 0);
    r.problem_id = text_col(s, 1);
    r.expert_id = text_col(s, 2);
    r.decision = text_col(s, 3);
    r.note = text_col(s, 4);
    r.reviewer = text_col(s, 5);
    r.created_at = text_col(s, 6);
    r.capacity_override = sqlite3_column_int(s, 7) != 0;
    out.push_back(std::move(r));
  }
  if (rc != SQLITE_DONE) return st.error("query reviews");
  return out;
}

// ---- accounts and sessions (schema v4) ----------------------------------------

namespace {

AccountRecord account_row(sqlite3_stmt* s) {
  AccountRecord a;
  a.username = text_col(s, 0);
  a.password_hash = text_col(s, 1);
  a.role = text_col(s, 2);
  a.scope = text_col(s, 3);
  a.disabled = sqlite3_column_int(s, 4) != 0;
  a.created_at = text_col(s, 5);
  return a;
}

constexpr const char* kAccountColumns =
    "SELECT username, password_hash, role, scope, disabled, created_at FROM accounts";

}  // namespace

Status Store::put_account(const AccountRecord& account) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO accounts (username, password_hash, role, scope, disabled) "
               "VALUES (?1,?2,?3,?4,?5)");
  if (!st.prepared()) return st.error("prepare account insert");
  st.bind(1, account.username);
  st.bind(2, account.password_hash);
  st.bind(3, account.role);
  st.bind(4, account.scope);
  st.bind(5, account.disabled ? 1 : 0);
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status(ErrorCode::kAlreadyExists, "an account named " + account.username + " exists");
  if (rc != SQLITE_DONE) return st.error("insert account");
  return Status::ok();
}

Result<AccountRecord> Store::find_account(const std::string& username) {
  std::lock_guard lock(mu_);
  std::string sql = std::string(kAccountColumns) + " WHERE username = ?1";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare account query");
  st.bind(1, username);
  int rc = st.step();
  if (rc == SQLITE_DONE) return Status(ErrorCode::kNotFound, "no account named " + username);
  if (rc != SQLITE_ROW) return st.error("query account");
  return account_row(st.get());
}

Result<std::vector<AccountRecord>> Store::list_accounts() {
  std::lock_guard lock(mu_);
  std::string sql = std::string(kAccountColumns) + " ORDER BY username";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare account list");
  std::vector<AccountRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(account_row(st.get()));
  if (rc != SQLITE_DONE) return st.error("list accounts");
  return out;
}

Status Store::disable_account(const std::string& username) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  {
    Statement st(db_, "UPDATE accounts SET disabled = 1 WHERE username = ?1");
    if (!st.prepared()) return st.error("prepare account update");
    st.bind(1, username);
    if (st.step() != SQLITE_DONE) return st.error("disable account");
    if (sqlite3_changes(db_) == 0)
      return Status(ErrorCode::kNotFound, "no account named " + username);
  }
  // A disabled account's sessions end with it.
  Statement st(db_, "DELETE FROM sessions WHERE username = ?1");
  if (!st.prepared()) return st.error("prepare session delete");
  st.bind(1, username);
  if (st.step() != SQLITE_DONE) return st.error("delete sessions");
  return tx.commit();
}

Status Store::put_session(const SessionRecord& session) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO sessions (id_hash, username, csrf_token, created_at, last_seen) "
               "VALUES (?1,?2,?3,?4,?5)");
  if (!st.prepared()) return st.error("prepare session insert");
  st.bind(1, session.id_hash);
  st.bind(2, session.username);
  st.bind(3, session.csrf_token);
  sqlite3_bind_int64(st.get(), 4, session.created_at);
  sqlite3_bind_int64(st.get(), 5, session.last_seen);
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status(ErrorCode::kAlreadyExists, "session id hash already stored");
  if (rc != SQLITE_DONE) return st.error("insert session");
  return Status::ok();
}

Result<SessionRecord> Store::find_session(const std::string& id_hash) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "SELECT id_hash, username, csrf_token, created_at, last_seen FROM sessions "
               "WHERE id_hash = ?1");
  if (!st.prepared()) return st.error("prepare session query");
  st.bind(1, id_hash);
  int rc = st.step();
  if (rc == SQLITE_DONE) return Status(ErrorCode::kNotFound, "no such session");
  if (rc != SQLITE_ROW) return st.error("query session");
  sqlite3_stmt* s = st.get();
  SessionRecord r;
  r.id_hash = text_col(s, 0);
  r.username = text_col(s, 1);
  r.csrf_token = text_col(s, 2);
  r.created_at = sqlite3_column_int64(s, 3);
  r.last_seen = sqlite3_column_int64(s, 4);
  return r;
}

Status Store::touch_session(const std::string& id_hash, long long last_seen) {
  std::lock_guard lock(mu_);
  Statement st(db_, "UPDATE sessions SET last_seen = ?2 WHERE id_hash = ?1");
  if (!st.prepared()) return st.error("prepare session update");
  st.bind(1, id_hash);
  sqlite3_bind_int64(st.get(), 2, last_seen);
  if (st.step() != SQLITE_DONE) return st.error("update session");
  return Status::ok();
}

Status Store::delete_session(const std::string& id_hash) {
  std::lock_guard lock(mu_);
  Statement st(db_, "DELETE FROM sessions WHERE id_hash = ?1");
  if (!st.prepared()) return st.error("prepare session delete");
  st.bind(1, id_hash);
  if (st.step() != SQLITE_DONE) return st.error("delete session");
  return Status::ok();
}

Status Store::delete_sessions_seen_before(long long last_seen) {
  std::lock_guard lock(mu_);
  Statement st(db_, "DELETE FROM sessions WHERE last_seen < ?1");
  if (!st.prepared()) return st.error("prepare session purge");
  sqlite3_bind_int64(st.get(), 1, last_seen);
  if (st.step() != SQLITE_DONE) return st.error("purge sessions");
  return Status::ok();
}

}  // namespace expertmatch
