#include "corpus/store.h"

#include <sodium.h>

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>
#include <string_view>

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "corpus/data_dir_lock.h"
#include "corpus/names.h"

namespace expertmatch {
namespace {

// Forward migrations, in rising order: a store at a lower version runs every
// step above it. A step touches only tables of earlier steps it needs (v6, the
// workflow, reads nothing of v5, token expiry), so steps from branches merged
// in either order are renumbered, not rewritten. Once released, no step is
// edited and no number is reused.
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
    // v4 -> v5: tokens may expire ("" = never).
    {5, R"sql(
ALTER TABLE tokens ADD COLUMN expires_at TEXT NOT NULL DEFAULT '';
)sql"},
    // v5 -> v6: a problem's whole life (issue 12). Every status change is a
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
    // v6 -> v7: reviews and plans get unguessable ids (new_record_id); their
    // order, which ids gave until now, is kept by a sequence of its own.
    {7, R"sql(
ALTER TABLE reviews ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE reviews SET seq = id;
CREATE INDEX reviews_by_seq ON reviews (problem_id, seq);
ALTER TABLE plans ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;
UPDATE plans SET seq = id;
)sql"},
    // v7 -> v8: whether the city confirmed an expert (Expert::verified). Every
    // expert stored so far was imported or written under the old rules and
    // counts as confirmed.
    {8, R"sql(
ALTER TABLE experts ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
)sql"},
    // v8 -> v9: whether the city confirmed a problem (Problem::verified).
    // Every problem stored so far counts as confirmed, as experts did at v8.
    {9, R"sql(
ALTER TABLE problems ADD COLUMN verified INTEGER NOT NULL DEFAULT 1;
)sql"},
    // v9 -> v10: the version of a record the city last confirmed, kept while
    // someone else's edit leaves it unconfirmed (Expert::confirmed_json,
    // Problem::confirmed_json). Records edited so at v9 lost that version:
    // they count as never confirmed.
    {10, R"sql(
ALTER TABLE experts ADD COLUMN confirmed TEXT NOT NULL DEFAULT '';
ALTER TABLE problems ADD COLUMN confirmed TEXT NOT NULL DEFAULT '';
)sql"},
    // v10 -> v11: what each decision concerns (DecisionScope), so that a
    // draft is made stale only by decisions about its county or its experts.
    // Decisions made before concern every county ("*"), as they did.
    {11, R"sql(
CREATE TABLE IF NOT EXISTS decision_scopes (
  seq INTEGER NOT NULL,
  county TEXT NOT NULL,
  expert TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS decision_scopes_by_seq ON decision_scopes (seq);
INSERT INTO decision_scopes (seq, county, expert)
  SELECT CAST(value AS INTEGER), '*', '' FROM meta WHERE key = 'decision_sequence';
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

// fsyncs `tmp`, renames it to `path` and fsyncs the directory, so `path` is
// either the old file (or absent) or the complete new one, also after a
// crash. Without `may_replace` an existing `path` is never replaced, even
// one that appeared after the caller looked (kAlreadyExists).
Status sync_and_rename(const std::string& tmp, const std::string& path, bool may_replace) {
  int fd = ::open(tmp.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    Status s(ErrorCode::kIOError, tmp + ": fsync: " + std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return s;
  }
  ::close(fd);
  int rc = may_replace
               ? ::rename(tmp.c_str(), path.c_str())
               : ::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE);
  if (rc != 0 && !may_replace && (errno == EINVAL || errno == ENOSYS)) {
    // A file system without RENAME_NOREPLACE: link(2) fails on an existing name too.
    rc = ::link(tmp.c_str(), path.c_str());
    if (rc == 0) ::unlink(tmp.c_str());
  }
  if (rc != 0) {
    if (errno == EEXIST)
      return Status(ErrorCode::kAlreadyExists, path + " exists (it appeared during the backup)");
    return Status(ErrorCode::kIOError, path + ": rename: " + std::strerror(errno));
  }
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (dir.empty()) dir = "/";
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return Status::ok();
}

// Stamped on every backup (PRAGMA application_id, "emba"): with the
// rollback-journal mode a backup has and a live store never has (WAL), it
// tells a file `backup` made, which a later backup may replace, from
// anything else, which it never does.
constexpr uint32_t kBackupApplicationId = 0x656d6261;

bool is_backup_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return false;
  unsigned char h[100];
  ssize_t n = ::pread(fd, h, sizeof h, 0);
  ::close(fd);
  // The header: https://www.sqlite.org/fileformat.html#the_database_header
  if (n != static_cast<ssize_t>(sizeof h) || std::memcmp(h, "SQLite format 3", 16) != 0)
    return false;
  bool rollback_journal = h[18] == 1 && h[19] == 1;
  uint32_t app = (uint32_t{h[68]} << 24) | (uint32_t{h[69]} << 16) | (uint32_t{h[70]} << 8) | h[71];
  return rollback_journal && app == kBackupApplicationId;
}

// Where a backup may be written (see Store::backup_to); `replaces` says that
// `path` holds an earlier backup.
Status check_backup_target(const std::string& path, bool* replaces) {
  // Else "" reads as a file in the working folder and fails at the rename.
  if (path.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "refused to write the backup: its path is empty; name the file to write");
  auto refuse = [&](const std::string& why) {
    return Status(ErrorCode::kInvalidArgument,
                  "refused to write the backup to " + path + ": " + why);
  };
  std::string folder = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/'));
  if (folder.empty()) folder = "/";
  char real[PATH_MAX];
  if (!::realpath(folder.c_str(), real))
    return Status(ErrorCode::kIOError, folder + ": " + std::strerror(errno));
  // Every folder up to the root: DATA/index/x is inside DATA as much as DATA/x.
  for (std::string d = real;;) {
    std::string marker;
    if (looks_like_data_directory(d, &marker))
      return refuse(d + " is a data directory (it holds " + marker +
                    "); a file written there could replace the store or its lock; write backups "
                    "outside every data directory");
    if (d == "/") break;
    size_t slash = d.rfind('/');
    d = slash == 0 ? "/" : d.substr(0, slash);
  }
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT) return Status(ErrorCode::kIOError, path + ": " + std::strerror(errno));
    *replaces = false;
    return Status::ok();
  }
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1 || !is_backup_file(path))
    return refuse(
        "it exists and is not a backup made by expertmatch backup (a backup replaces only an "
        "earlier backup); choose a new name");
  *replaces = true;
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
  // One store, one name: reached through a link it would have two data
  // directories, two locks and, for a hard link, two WALs (data_dir_lock.h).
  // Checked first, so that a link, dangling or not, is named as what it is
  // rather than as a missing store.
  Status files = check_store_files(data_dir);
  if (!files) return files;
  if (!options.create_if_missing && (::stat(path.c_str(), &st) != 0 || st.st_size == 0))
    return Status(ErrorCode::kNotFound, "no store at " + path);
  int flags = (options.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) |
              SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW;
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
  store->busy_timeout_ms_ = options.busy_timeout_ms;
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
  Status s = store->migrate(options.create_if_missing);
  if (!s) return s;
  s = store->exec("PRAGMA foreign_keys=ON");
  if (!s) return s;
  if (sqlite3_open_v2(path.c_str(), &store->token_db_,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_FULLMUTEX | SQLITE_OPEN_NOFOLLOW,
                      nullptr) != SQLITE_OK)
    return Status(ErrorCode::kIOError, path + ": " + sqlite3_errmsg(store->token_db_));
  sqlite3_busy_timeout(store->token_db_, options.busy_timeout_ms);
  if (sqlite3_prepare_v2(store->token_db_,
                         "SELECT hash, role, scope, label, created_at, revoked, expires_at "
                         "FROM tokens WHERE hash = ?1",
                         -1, &store->token_stmt_, nullptr) != SQLITE_OK)
    return Status(ErrorCode::kIOError,
                  path + ": prepare token query: " + sqlite3_errmsg(store->token_db_));
  if (options.checkpoint_interval_ms > 0) {
    int interval = options.checkpoint_interval_ms;
    store->checkpointer_ =
        std::thread([raw = store.get(), interval] { raw->checkpoint_loop(interval); });
  }
  return store;
}

Store::~Store() {
  if (checkpointer_.joinable()) {
    {
      std::lock_guard lock(stop_mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    checkpointer_.join();
  }
  sqlite3_finalize(token_stmt_);
  sqlite3_close(token_db_);
  // Closing the last connection checkpoints the WAL and removes it.
  sqlite3_close(db_);
}

void Store::checkpoint_loop(int interval_ms) {
  std::string wal = data_dir_ + "/store.sqlite-wal";
  std::unique_lock lock(stop_mu_);
  while (!stop_cv_.wait_for(lock, std::chrono::milliseconds(interval_ms),
                            [this] { return stopping_; })) {
    // A stat is cheap; checkpoint only when some connection (ours or another
    // process's) left frames in the WAL since the last TRUNCATE.
    struct stat st;
    if (::stat(wal.c_str(), &st) != 0 || st.st_size == 0) continue;
    lock.unlock();
    Status s = checkpoint();
    if (!s && s.code() != ErrorCode::kUnavailable)
      std::fprintf(stderr, "expertmatch: WAL checkpoint failed: %s\n", s.to_string().c_str());
    lock.lock();
  }
}

Status Store::checkpoint() {
  std::lock_guard lock(mu_);
  int log_frames = 0, done = 0;
  // Never wait for readers while holding mu_ (a long `backup` or `export` in
  // another process would stall our writers): copy what can be copied now and
  // leave the rest for the next round.
  sqlite3_busy_timeout(db_, 0);
  int rc = sqlite3_wal_checkpoint_v2(db_, nullptr, SQLITE_CHECKPOINT_TRUNCATE, &log_frames, &done);
  sqlite3_busy_timeout(db_, busy_timeout_ms_);
  if (rc == SQLITE_BUSY)
    return Status(ErrorCode::kUnavailable, "checkpoint: the WAL is in use by a reader");
  if (rc != SQLITE_OK)
    return Status(ErrorCode::kIOError, std::string("checkpoint: ") + sqlite3_errmsg(db_));
  return Status::ok();
}

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

Status Store::migrate(bool create_if_missing) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  int version;
  {
    Statement st(db_, "PRAGMA user_version");
    if (st.step() != SQLITE_ROW) return st.error("read schema version");
    version = sqlite3_column_int(st.get(), 0);
  }
  // Version 0 is a database without our schema: a fresh file, or an empty one
  // left by a mistyped path. Only a caller that asked to create a store gets one.
  if (version == 0 && !create_if_missing)
    return Status(ErrorCode::kNotFound, "no store at " + data_dir_ +
                                            "/store.sqlite (the file holds no expertmatch data)");
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
               "bio, capacity, available, counties, conflicts, extra, verified, confirmed, "
               "updated_at) "
               "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,"
               "strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
               "ON CONFLICT(id) DO UPDATE SET name=excluded.name, "
               "organization=excluded.organization, college=excluded.college, "
               "title=excluded.title, birth_year=excluded.birth_year, fields=excluded.fields, "
               "bio=excluded.bio, capacity=excluded.capacity, available=excluded.available, "
               "counties=excluded.counties, conflicts=excluded.conflicts, extra=excluded.extra, "
               "verified=excluded.verified, confirmed=excluded.confirmed, "
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
  st.bind(14, e.verified ? 1 : 0);
  st.bind(15, e.verified ? std::string() : e.confirmed_json);
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

Result<std::set<std::string>> Store::registered_enterprises_locked() {
  Statement st(db_, "SELECT name FROM enterprises");
  if (!st.prepared()) return st.error("prepare enterprise query");
  std::set<std::string> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.insert(normalize_name(text_col(st.get(), 0)));
  if (rc != SQLITE_DONE) return st.error("read enterprises");
  return out;
}

Status Store::put_problem_locked(const Problem& p, std::set<std::string>* registered) {
  Statement st(db_,
               "INSERT INTO problems (id, enterprise, county, industry, title, description, "
               "keywords, urgency, submitted, status, extra, verified, confirmed, updated_at) "
               "VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,"
               "strftime('%Y-%m-%dT%H:%M:%SZ','now')) "
               "ON CONFLICT(id) DO UPDATE SET enterprise=excluded.enterprise, "
               "county=excluded.county, industry=excluded.industry, title=excluded.title, "
               "description=excluded.description, keywords=excluded.keywords, "
               "urgency=excluded.urgency, submitted=excluded.submitted, status=excluded.status, "
               "extra=excluded.extra, verified=excluded.verified, confirmed=excluded.confirmed, "
               "updated_at=excluded.updated_at");
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
  st.bind(12, p.verified ? 1 : 0);
  st.bind(13, p.verified ? std::string() : p.confirmed_json);
  if (st.step() != SQLITE_DONE) return st.error("insert problem");
  // One enterprise, one registration: another spelling of a registered name
  // (names.h) is that enterprise, not a second, lookalike one.
  if (!registered->insert(normalize_name(p.enterprise)).second) return Status::ok();
  Statement reg(db_, "INSERT OR IGNORE INTO enterprises (name, county) VALUES (?1, ?2)");
  if (!reg.prepared()) return reg.error("prepare enterprise insert");
  reg.bind(1, p.enterprise);
  reg.bind(2, p.county);
  if (reg.step() != SQLITE_DONE) return reg.error("register enterprise");
  return Status::ok();
}

struct Store::ImportWriter::State {
  State(Store* s, sqlite3* db) : store(s), lock(s->mu_), tx(db) {}
  Store* store;
  std::unique_lock<std::mutex> lock;  // the Store's connection, for the writer's life
  Transaction tx;
  std::set<std::string> registered;  // as registered_enterprises_locked, kept up to date
  bool failed = false;               // a put failed: the transaction may hold part of a row
};

Store::ImportWriter::ImportWriter(std::unique_ptr<State> state) : state_(std::move(state)) {}
Store::ImportWriter::~ImportWriter() = default;  // Transaction rolls back unless committed

Status Store::ImportWriter::put(const Expert& expert) {
  if (state_->failed) return Status(ErrorCode::kIOError, "import: an earlier write failed");
  Status s = state_->store->put_expert_locked(expert);
  state_->failed = !s;
  return s;
}

Status Store::ImportWriter::put(const Problem& problem) {
  if (state_->failed) return Status(ErrorCode::kIOError, "import: an earlier write failed");
  Status s = state_->store->put_problem_locked(problem, &state_->registered);
  state_->failed = !s;
  return s;
}

Status Store::ImportWriter::commit() {
  if (state_->failed) return Status(ErrorCode::kIOError, "import: an earlier write failed");
  Status s = state_->store->bump_sequence_locked();
  if (!s) return s;
  return state_->tx.commit();
}

Result<std::unique_ptr<Store::ImportWriter>> Store::begin_import() {
  auto state = std::make_unique<ImportWriter::State>(this, db_);
  if (!state->tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  auto registered = registered_enterprises_locked();
  if (!registered) return registered.status();
  state->registered = std::move(*registered);
  return std::unique_ptr<ImportWriter>(new ImportWriter(std::move(state)));
}

Status Store::import(const std::vector<Expert>& experts, const std::vector<Problem>& problems) {
  auto writer = begin_import();
  if (!writer) return writer.status();
  for (const auto& e : experts) {
    Status s = (*writer)->put(e);
    if (!s) return s;
  }
  for (const auto& p : problems) {
    Status s = (*writer)->put(p);
    if (!s) return s;
  }
  return (*writer)->commit();
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
    return Status(ErrorCode::kAlreadyExists, {"enterprise.exists", {{"name", name}}});
  if (rc != SQLITE_ROW) return st.error("insert enterprise");
  EnterpriseRecord r{name, county, text_col(st.get(), 0)};
  if (st.step() != SQLITE_DONE) return st.error("insert enterprise");
  return r;
}
Status Store::put_problem(const Problem& problem) { return import({}, {problem}); }

namespace {
enum WriteMode { kUpsert, kInsert, kUpdate };
}  // namespace

// Checks existence inside the write transaction (BEGIN IMMEDIATE holds the
// database's write lock), so no other connection can slip a row in between.
Status Store::write_one(const Expert* expert, const Problem* problem, int mode) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  const std::string& id = expert ? expert->id : problem->id;
  Statement q(
      db_, expert ? "SELECT 1 FROM experts WHERE id = ?1" : "SELECT 1 FROM problems WHERE id = ?1");
  if (!q.prepared()) return q.error("prepare existence check");
  q.bind(1, id);
  int rc = q.step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return q.error("existence check");
  bool exists = rc == SQLITE_ROW;
  if (mode == kInsert && exists)
    return Status(ErrorCode::kAlreadyExists,
                  {expert ? "expert.exists" : "problem.exists", {{"id", id}}});
  if (mode == kUpdate && !exists)
    return Status(ErrorCode::kNotFound,
                  {expert ? "expert.not_found" : "problem.not_found", {{"id", id}}});
  Status s;
  if (expert) {
    s = put_expert_locked(*expert);
  } else {
    auto registered = registered_enterprises_locked();
    s = registered ? put_problem_locked(*problem, &*registered) : registered.status();
  }
  if (!s) return s;
  s = bump_sequence_locked();
  if (!s) return s;
  return tx.commit();
}

Status Store::insert_expert(const Expert& e) { return write_one(&e, nullptr, kInsert); }
Status Store::insert_problem(const Problem& p) { return write_one(nullptr, &p, kInsert); }
Status Store::update_expert(const Expert& e) { return write_one(&e, nullptr, kUpdate); }
Status Store::update_problem(const Problem& p) { return write_one(nullptr, &p, kUpdate); }

Result<std::vector<Expert>> Store::query_experts_locked(const std::string* where_id) {
  std::string sql =
      "SELECT id, name, organization, college, title, birth_year, fields, bio, capacity, "
      "available, counties, conflicts, extra, verified, confirmed FROM experts";
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
    e.verified = sqlite3_column_int(s, 13) != 0;
    e.confirmed_json = text_col(s, 14);
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
      "submitted, status, extra, verified, confirmed FROM problems";
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
    p.verified = sqlite3_column_int(s, 11) != 0;
    p.confirmed_json = text_col(s, 12);
    out.push_back(std::move(p));
  }
  if (rc != SQLITE_DONE) return st.error("query problems");
  return out;
}

Result<Expert> Store::get_expert(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = query_experts_locked(&id);
  if (!r) return r.status();
  if (r->empty()) return Status(ErrorCode::kNotFound, {"expert.not_found", {{"id", id}}});
  return std::move(r->front());
}

Result<Problem> Store::get_problem(const std::string& id) {
  std::lock_guard lock(mu_);
  auto r = query_problems_locked(&id);
  if (!r) return r.status();
  if (r->empty()) return Status(ErrorCode::kNotFound, {"problem.not_found", {{"id", id}}});
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
    return Status(ErrorCode::kNotFound,
                  {std::string(what) + ".not_found", {{"id", id}}});  // expert / problem.not_found
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

Result<std::string> Store::meta_value_or_insert(const std::string& key,
                                                const std::string& initial) {
  std::lock_guard lock(mu_);
  // INSERT OR IGNORE: a second server start (or a racing one) keeps the first value.
  Statement insert(db_, "INSERT OR IGNORE INTO meta (key, value) VALUES (?1, ?2)");
  if (!insert.prepared()) return insert.error("prepare meta insert");
  insert.bind(1, key);
  insert.bind(2, initial);
  if (insert.step() != SQLITE_DONE) return insert.error("insert meta value");
  Statement st(db_, "SELECT value FROM meta WHERE key = ?1");
  if (!st.prepared()) return st.error("prepare meta query");
  st.bind(1, key);
  if (st.step() != SQLITE_ROW) return st.error("read meta value");
  return std::string(reinterpret_cast<const char*>(sqlite3_column_text(st.get(), 0)));
}

Status Store::put_token(const TokenRecord& t) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "INSERT INTO tokens (hash, role, scope, label, revoked, expires_at) "
               "VALUES (?1,?2,?3,?4,?5,?6)");
  if (!st.prepared()) return st.error("prepare token insert");
  st.bind(1, t.hash);
  st.bind(2, t.role);
  st.bind(3, t.scope);
  st.bind(4, t.label);
  st.bind(5, t.revoked ? 1 : 0);
  st.bind(6, t.expires_at);
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status(ErrorCode::kAlreadyExists, "token hash already stored");
  if (rc != SQLITE_DONE) return st.error("insert token");
  return Status::ok();
}

namespace {

constexpr const char* kTokenColumns =
    "SELECT hash, role, scope, label, created_at, revoked, expires_at FROM tokens";

TokenRecord token_row(sqlite3_stmt* s) {
  TokenRecord t;
  t.hash = text_col(s, 0);
  t.role = text_col(s, 1);
  t.scope = text_col(s, 2);
  t.label = text_col(s, 3);
  t.created_at = text_col(s, 4);
  t.revoked = sqlite3_column_int(s, 5) != 0;
  t.expires_at = text_col(s, 6);
  return t;
}

}  // namespace

Result<TokenRecord> Store::find_token(const std::string& hash) {
  // Every request authenticates: a primary-key read on a connection of its
  // own, so it sees other processes' commits at once and never queues behind
  // this process's writes. The statement is prepared once (preparing costs
  // more than the read).
  std::lock_guard lock(token_mu_);
  sqlite3_stmt* st = token_stmt_;
  if (!st) return Status(ErrorCode::kIOError, "tokens are not read from a read-only store");
  sqlite3_reset(st);
  sqlite3_bind_text(st, 1, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE) {
    sqlite3_reset(st);
    return Status(ErrorCode::kNotFound, "no such token");
  }
  if (rc != SQLITE_ROW) {
    Status s(ErrorCode::kIOError, std::string("query token: ") + sqlite3_errmsg(token_db_));
    sqlite3_reset(st);
    return s;
  }
  TokenRecord t = token_row(st);
  // Reset now: a statement left stepping would hold a read transaction open
  // and keep checkpoints from emptying the WAL.
  sqlite3_reset(st);
  return t;
}

Result<std::vector<TokenRecord>> Store::list_tokens() {
  std::lock_guard lock(mu_);
  Statement st(db_, (std::string(kTokenColumns) + " ORDER BY created_at, hash").c_str());
  if (!st.prepared()) return st.error("prepare token list");
  std::vector<TokenRecord> out;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) out.push_back(token_row(st.get()));
  if (rc != SQLITE_DONE) return st.error("list tokens");
  return out;
}

Result<TokenRecord> Store::revoke_token(const std::string& id) {
  if (id.size() < 8 || id.size() > 64 ||
      id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status(
        ErrorCode::kInvalidArgument,
        "a token id is 8 to 64 lowercase hex digits (as `token list` prints), got \"" + id + "\"");
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  // The id is hex only (checked above), so a LIKE prefix pattern is exact.
  Statement st(db_, (std::string(kTokenColumns) + " WHERE hash LIKE ?1 || '%'").c_str());
  if (!st.prepared()) return st.error("prepare token lookup");
  st.bind(1, id);
  std::vector<TokenRecord> found;
  int rc;
  while ((rc = st.step()) == SQLITE_ROW) found.push_back(token_row(st.get()));
  if (rc != SQLITE_DONE) return st.error("token lookup");
  if (found.empty()) return Status(ErrorCode::kNotFound, "no token with id " + id);
  if (found.size() > 1)
    return Status(ErrorCode::kInvalidArgument, "token id " + id + " matches " +
                                                   std::to_string(found.size()) +
                                                   " tokens; give more digits");
  Statement up(db_, "UPDATE tokens SET revoked = 1 WHERE hash = ?1");
  up.bind(1, found[0].hash);
  if (up.step() != SQLITE_DONE) return up.error("revoke token");
  Status s = tx.commit();
  if (!s) return s;
  found[0].revoked = true;
  return found[0];
}

Status Store::backup_to(const std::string& path) {
  bool replaces = false;
  Status target = check_backup_target(path, &replaces);
  if (!target) return target;
  // A name of our own (O_EXCL), never someone else's file: PATH.tmp-XXXXXX.
  std::string tmp = path + ".tmp-XXXXXX";
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) return Status(ErrorCode::kIOError, tmp + ": " + std::strerror(errno));
  ::close(fd);
  sqlite3* dest = nullptr;
  if (sqlite3_open_v2(tmp.c_str(), &dest, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW, nullptr) !=
      SQLITE_OK) {
    std::string msg = dest ? sqlite3_errmsg(dest) : "out of memory";
    sqlite3_close(dest);
    ::unlink(tmp.c_str());
    return Status(ErrorCode::kIOError, tmp + ": " + msg);
  }
  auto fail = [&](const std::string& what) {
    Status s(ErrorCode::kIOError, what);
    sqlite3_close(dest);
    ::unlink(tmp.c_str());
    return s;
  };
  {
    // The source is read through our connection; holding mu_ keeps our own
    // writes out for the copy's duration (other processes' writes restart
    // the copy, which step(-1) handles by copying again).
    std::lock_guard lock(mu_);
    sqlite3_backup* b = sqlite3_backup_init(dest, "main", db_, "main");
    if (!b) return fail(std::string("backup: ") + sqlite3_errmsg(dest));
    int rc;
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_OK || rc == SQLITE_BUSY ||
           rc == SQLITE_LOCKED)
      sqlite3_sleep(10);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE) return fail(std::string("backup: ") + sqlite3_errstr(rc));
  }
  // The copy is a self-contained database: no WAL beside it. The stamp marks
  // it as a backup (check_backup_target).
  std::string stamp = "PRAGMA application_id=" + std::to_string(kBackupApplicationId);
  for (const char* sql : {"PRAGMA journal_mode=DELETE", stamp.c_str()}) {
    char* err = nullptr;
    if (sqlite3_exec(dest, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errmsg(dest);
      sqlite3_free(err);
      return fail("backup: " + msg);
    }
  }
  {
    Statement check(dest, "PRAGMA quick_check");
    if (check.step() != SQLITE_ROW || text_col(check.get(), 0) != "ok")
      return fail("backup: the copy failed its integrity check");
  }
  sqlite3_close(dest);
  Status s = sync_and_rename(tmp, path, replaces);
  if (!s) ::unlink(tmp.c_str());
  return s;
}

Status apply_status_changes(sqlite3* db, const std::vector<StatusChange>& changes,
                            std::vector<ProblemTransition>* recorded,
                            const std::vector<DecisionScope>& also) {
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
        return Status(ErrorCode::kNotFound, {"problem.not_found", {{"id", c.problem_id}}});
      return Status(ErrorCode::kConflict, {"problem.status_changed",
                                           {{"id", c.problem_id},
                                            {"status", text_col(q.get(), 0)},
                                            {"expected", problem_status_name(c.from)}}});
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
  std::vector<DecisionScope> scopes = also;
  for (const auto& c : changes) {
    Statement q(db, "SELECT county FROM problems WHERE id = ?1");
    q.bind(1, c.problem_id);
    if (q.step() == SQLITE_ROW) scopes.push_back({text_col(q.get(), 0), ""});
  }
  return record_decision(db, scopes, /*changed_records=*/true);
}

Status record_decision(sqlite3* db, const std::vector<DecisionScope>& scopes,
                       bool changed_records) {
  for (const char* key : {"change_sequence", "decision_sequence"}) {
    if (!changed_records && std::string_view(key) == "change_sequence") continue;
    Statement bump(db, "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = ?1");
    bump.bind(1, std::string(key));
    if (bump.step() != SQLITE_DONE) return bump.error("bump sequence");
  }
  for (const auto& scope : scopes) {
    Statement ins(
        db,
        "INSERT INTO decision_scopes (seq, county, expert) SELECT CAST(value AS INTEGER), "
        "?1, ?2 FROM meta WHERE key = 'decision_sequence'");
    ins.bind(1, scope.county);
    ins.bind(2, scope.expert);
    if (ins.step() != SQLITE_DONE) return ins.error("record decision scope");
  }
  return Status::ok();
}

Result<long long> decisions_touching(sqlite3* db, long long since, const std::string& county,
                                     const std::vector<std::string>& experts) {
  Statement q(db, "SELECT seq, county, expert FROM decision_scopes WHERE seq > ?1");
  if (!q.prepared()) return q.error("prepare decision scopes");
  sqlite3_bind_int64(q.get(), 1, since);
  std::set<long long> touching;
  int rc;
  while ((rc = q.step()) == SQLITE_ROW) {
    const long long seq = sqlite3_column_int64(q.get(), 0);
    const std::string c = text_col(q.get(), 1);
    const std::string e = text_col(q.get(), 2);
    if (c == "*" || (!c.empty() && same_name(c, county)) ||
        (!e.empty() && std::find(experts.begin(), experts.end(), e) != experts.end()))
      touching.insert(seq);
  }
  if (rc != SQLITE_DONE) return q.error("read decision scopes");
  return static_cast<long long>(touching.size());
}

long long new_record_id() {
  constexpr uint64_t kLow = uint64_t{1} << 40, kHigh = uint64_t{1} << 53;
  uint64_t v;
  randombytes_buf(&v, sizeof v);
  return static_cast<long long>(kLow + v % (kHigh - kLow));  // bias < 2^-10: irrelevant here
}

Result<Review> Store::add_review(const Review& r, const StatusChange* change) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  Statement st(db_,
               "INSERT INTO reviews (problem_id, expert_id, decision, note, reviewer, override, "
               "id, seq) VALUES (?1,?2,?3,?4,?5,?6,?7,"
               "(SELECT COALESCE(MAX(seq), 0) + 1 FROM reviews)) RETURNING id, created_at");
  if (!st.prepared()) return st.error("prepare review insert");
  st.bind(1, r.problem_id);
  st.bind(2, r.expert_id);
  st.bind(3, r.decision);
  st.bind(4, r.note);
  st.bind(5, r.reviewer);
  st.bind(6, r.capacity_override ? 1 : 0);
  // A collision among 2^53 - 2^40 ids is not expected; the primary key would
  // refuse one, and the transaction with it.
  sqlite3_bind_int64(st.get(), 7, new_record_id());
  int rc = st.step();
  if (rc == SQLITE_CONSTRAINT)
    return Status::invalid("decision", {"review.decision_got", {{"value", r.decision}}});
  if (rc != SQLITE_ROW) return st.error("insert review");
  Review out = r;
  out.id = sqlite3_column_int64(st.get(), 0);
  out.created_at = text_col(st.get(), 1);
  if (st.step() != SQLITE_DONE) return st.error("insert review");
  // The decision concerns the problem's county and, for an acceptance, the
  // expert, whose remaining capacity it takes. A rejection takes none (nor
  // does undoing an acceptance give a draft anything it must not have):
  // attack trial 13 had one county's rejections of a public expert id make
  // another county's drafts stale, and count them.
  const std::vector<DecisionScope> expert_scope =
      r.decision == "accept" ? std::vector<DecisionScope>{{"", r.expert_id}}
                             : std::vector<DecisionScope>{};
  if (change) {
    Status s = apply_status_changes(db_, {*change}, nullptr, expert_scope);
    if (!s) return s;
  } else {
    std::string county;
    Statement q(db_, "SELECT county FROM problems WHERE id = ?1");
    q.bind(1, r.problem_id);
    if (q.step() == SQLITE_ROW) county = text_col(q.get(), 0);
    std::vector<DecisionScope> scopes = {{county, ""}};
    scopes.insert(scopes.end(), expert_scope.begin(), expert_scope.end());
    Status s = record_decision(db_, scopes, /*changed_records=*/false);
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
  sql += " ORDER BY seq";
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
  // The lookalike check and the insert in one write transaction, so that two
  // writers (the server and `expertmatch account create`) cannot both pass it.
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  {
    // Accounts are few (people, not records): a scan is cheap beside the
    // password hash that precedes every insert.
    Statement names(db_, "SELECT username FROM accounts ORDER BY username");
    if (!names.prepared()) return names.error("prepare account names");
    const std::vector<std::string> wanted = lookalike_keys(account.username);
    int rc;
    while ((rc = names.step()) == SQLITE_ROW) {
      std::string existing = text_col(names.get(), 0);
      if (existing == account.username)
        return Status(ErrorCode::kAlreadyExists,
                      {"account.exists", {{"username", account.username}}});
      // Keys are computed, not stored: a store made before a change to them
      // is checked by the same rule as a new one, disabled accounts included.
      const std::vector<std::string> keys = lookalike_keys(existing);
      if (std::any_of(keys.begin(), keys.end(), [&](const std::string& k) {
            return std::find(wanted.begin(), wanted.end(), k) != wanted.end();
          }))
        return Status(
            ErrorCode::kAlreadyExists,
            {"account.lookalike", {{"username", account.username}, {"existing", existing}}});
    }
    if (rc != SQLITE_DONE) return names.error("list account names");
  }
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
    return Status(ErrorCode::kAlreadyExists, {"account.exists", {{"username", account.username}}});
  if (rc != SQLITE_DONE) return st.error("insert account");
  return tx.commit();
}

Result<AccountRecord> Store::find_account(const std::string& username) {
  std::lock_guard lock(mu_);
  std::string sql = std::string(kAccountColumns) + " WHERE username = ?1";
  Statement st(db_, sql.c_str());
  if (!st.prepared()) return st.error("prepare account query");
  st.bind(1, username);
  int rc = st.step();
  if (rc == SQLITE_DONE)
    return Status(ErrorCode::kNotFound, {"account.not_found", {{"username", username}}});
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

Status Store::rewrite_scopes(const std::vector<ScopeRewrite>& rewrites) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (!tx.began()) return Status(ErrorCode::kIOError, sqlite3_errmsg(db_));
  for (const auto& r : rewrites) {
    const bool token = r.kind == ScopeRewrite::Kind::kToken;
    Statement st(db_, token ? "UPDATE tokens SET scope = ?2 WHERE hash = ?1"
                            : "UPDATE accounts SET scope = ?2 WHERE username = ?1");
    if (!st.prepared()) return st.error("prepare scope update");
    st.bind(1, r.key);
    st.bind(2, r.scope);
    if (st.step() != SQLITE_DONE) return st.error("update scope");
    if (sqlite3_changes(db_) == 0)
      return Status(
          ErrorCode::kNotFound,
          token ? "no token " + r.key.substr(0, TokenRecord::kIdLength) : "no account " + r.key);
  }
  return tx.commit();
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
      return Status(ErrorCode::kNotFound, {"account.not_found", {{"username", username}}});
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

Status Store::keep_newest_sessions(const std::string& username, int keep) {
  std::lock_guard lock(mu_);
  Statement st(db_,
               "DELETE FROM sessions WHERE username = ?1 AND id_hash NOT IN (SELECT id_hash FROM "
               "sessions WHERE username = ?1 ORDER BY created_at DESC, rowid DESC LIMIT ?2)");
  if (!st.prepared()) return st.error("prepare session cap");
  st.bind(1, username);
  st.bind(2, keep);
  if (st.step() != SQLITE_DONE) return st.error("cap sessions");
  return Status::ok();
}

}  // namespace expertmatch
