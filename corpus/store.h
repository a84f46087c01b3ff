// Store: the durable home of experts (with works) and problems, in SQLite.
//
// One database file, DATA_DIR/store.sqlite, in WAL mode with synchronous=FULL:
// when a write method returns ok, the write is on disk and survives a crash of
// the process or the machine. The schema is versioned (PRAGMA user_version);
// forward migrations run inside one transaction at open.
//
// Until a checkpoint copies them into store.sqlite, committed writes live in
// store.sqlite-wal: the database is the two files together, and deleting the
// -wal file loses those writes. With options.checkpoint_interval_ms > 0 a
// background thread checkpoints (TRUNCATE) whenever the -wal file is not
// empty, so at most about one interval of acknowledged writes lives only
// there (docs/operations.md).
//
// Thread safety: all methods may be called from any thread; they are
// serialised on one connection, except find_token, which reads on a second
// connection of its own so that authenticating never waits for a write's
// fsync (WAL readers do not block on writers).
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace expertmatch {

struct StoreOptions {
  // Create DATA_DIR and the database if absent. When false, a missing
  // store.sqlite, or one that holds no expertmatch schema (e.g. an empty
  // file), is kNotFound.
  bool create_if_missing = true;
  int busy_timeout_ms = 5000;  // wait this long for another process's lock
  // > 0: checkpoint the WAL in the background this often when it is not
  // empty (a long-running server sets it); 0: only SQLite's own automatic
  // checkpoints and the one at close.
  int checkpoint_interval_ms = 0;
  // Opens the database read-only (for commands that must change nothing:
  // `plan --dry-run`, `plans`, `demo`): nothing is created or migrated, and
  // every write method fails with kIOError. A store whose schema is not
  // kSchemaVersion is kConflict (a writing command migrates it first).
  bool read_only = false;
};

// A bearer token as stored: only its SHA-256, never the token itself.
struct TokenRecord {
  std::string hash;        // lowercase hex SHA-256 of the token
  std::string role;        // "admin", "county", "coordinator", "enterprise"
  std::string scope;       // county, workstation or enterprise name; "" for admin
  std::string label;       // free text for operators
  std::string created_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ" (set by the store)
  std::string expires_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ"; "" = never (schema v4)
  bool revoked = false;

  // The public name of a token: the first kIdLength hex digits of its hash.
  // Safe to print and log; `token revoke --id` takes it.
  static constexpr size_t kIdLength = 12;
  std::string id() const { return hash.substr(0, kIdLength); }
};

// A new scope for one stored token or account (Store::rewrite_scopes).
struct ScopeRewrite {
  enum class Kind { kToken, kAccount };
  Kind kind = Kind::kToken;
  std::string key;    // the token's hash, or the account's user name
  std::string scope;  // its new scope
};

// One coordinator decision on a proposed (problem, expert) match. The history
// is append-only; the latest decision for a pair is the one in force.
// A new id for a review or a plan: uniformly random in [2^40, 2^53) from
// libsodium's CSPRNG (randombytes), so it reveals no count and stays exact
// in JSON numbers (IEEE doubles hold integers up to 2^53). Ids below 2^40
// are the sequential ones of records made before schema v7.
long long new_record_id();

struct Review {
  // Assigned by the store: unguessable (new_record_id()), so that ids tell
  // nobody how many reviews other counties made; reviews made before schema
  // v7 keep their small sequential ids. Order is kept by a hidden sequence.
  long long id = 0;
  std::string problem_id;
  std::string expert_id;
  std::string decision;  // "accept" or "reject"
  std::string note;
  std::string reviewer;    // who decided (e.g. "coordinator:柯城区")
  std::string created_at;  // UTC, "YYYY-MM-DDTHH:MM:SS.SSSZ" (set by the store)
  // An acceptance the expert's capacity did not allow, made anyway on the
  // reviewer's explicit request (schema v6); kept so that it stays on record.
  bool capacity_override = false;
};

// A change of a problem's status, requested (StatusChange) and as recorded
// (ProblemTransition). The history is append-only (schema v6).
struct StatusChange {
  std::string problem_id;
  ProblemStatus from = ProblemStatus::kSubmitted;  // must be the current status
  ProblemStatus to = ProblemStatus::kSubmitted;
  std::string by;       // who (Principal::describe(), e.g. "county:江山市")
  std::string note;     // why; the reason of closed and withdrawn
  std::string outcome;  // solved: what was done, by whom, when
};

struct ProblemTransition {
  // Assigned by the store: unguessable (new_record_id()), so that ids tell
  // nobody how many reviews other counties made; reviews made before schema
  // v7 keep their small sequential ids. Order is kept by a hidden sequence.
  long long id = 0;
  StatusChange change;
  std::string at;  // UTC, "YYYY-MM-DDTHH:MM:SS.SSSZ" (set by the store)
};

// An enterprise of a county's problem bank (schema v3). Registered by the
// county department, or on its first problem (by import or by a county or
// admin submission); its problems are filed under this county.
struct EnterpriseRecord {
  std::string name;           // as problems name it, exactly
  std::string county;         // the county whose bank holds its problems
  std::string registered_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ" (set by the store)
};

// An account that signs in with a password (schema v4). Same roles and scopes
// as tokens; the password is kept only as an Argon2id hash string
// (libsodium's crypto_pwhash_str format, which names its own parameters).
struct AccountRecord {
  std::string username;
  std::string password_hash;
  std::string role;
  std::string scope;
  bool disabled = false;
  std::string created_at;  // UTC, "YYYY-MM-DDTHH:MM:SSZ" (set by the store)
};

// A signed-in session (schema v4): the SHA-256 of its random id, never the id.
// Times are seconds since the Unix epoch.
struct SessionRecord {
  std::string id_hash;
  std::string username;
  std::string csrf_token;
  long long created_at = 0;
  long long last_seen = 0;
};

struct StoreCounts {
  int experts = 0;
  int works = 0;
  int problems = 0;
};

// What a decision (a review, a status change, a plan's approval) concerns:
// the county whose problems or plan it changed (empty: none), and an expert
// whose remaining capacity it may change (empty: none). A draft plan is made
// stale only by decisions that concern its county or one of its experts
// (decisions_touching): an attack trial had one enterprise's withdrawal of
// its own problem make every county's drafts unapprovable, and tell each
// county how many decisions other counties made.
struct DecisionScope {
  std::string county;
  std::string expert;
};

// One step of the decision sequence (and the change sequence when
// `changed_records`), on `db` inside the caller's open transaction, with what
// the decision concerns recorded under the new number (schema v11).
Status record_decision(sqlite3* db, const std::vector<DecisionScope>& scopes, bool changed_records);

// How many decisions after `since` concern `county` (names compared as names,
// corpus/names.h) or one of `experts`; decisions made before schema v11
// concern every county.
Result<long long> decisions_touching(sqlite3* db, long long since, const std::string& county,
                                     const std::vector<std::string>& experts);

// Applies `changes` on `db` inside the caller's open transaction: each
// problem's status (checked against `from`), its transition row, and one step
// of the change and decision sequences, the decision concerning each
// problem's county and `also`. For PlanStore, whose approval changes
// problems' statuses in its own transaction. kConflict / kNotFound as
// Store::change_status; `recorded` (if not null) receives the rows.
Status apply_status_changes(sqlite3* db, const std::vector<StatusChange>& changes,
                            std::vector<ProblemTransition>* recorded,
                            const std::vector<DecisionScope>& also = {});

class Store {
 public:
  // Opens (and migrates) DATA_DIR/store.sqlite.
  static Result<std::unique_ptr<Store>> open(const std::string& data_dir,
                                             const StoreOptions& options = {});
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  const std::string& data_dir() const { return data_dir_; }
  // The schema version after migrations (kSchemaVersion).
  int schema_version();
  static constexpr int kSchemaVersion = 11;

  // Inserts or replaces every record in one transaction: all or nothing.
  // A known id is updated (an expert's works are replaced as a whole). The
  // enterprise of each problem is registered under the problem's county if it
  // is not registered yet in any spelling (normalize_name; an existing
  // registration is left as it is: the caller checks consistency, see
  // api::Service).
  Status import(const std::vector<Expert>& experts, const std::vector<Problem>& problems);
  // An import written as it is read, for imports too large to hold whole:
  // one write transaction (BEGIN IMMEDIATE) begun by begin_import(), rows
  // written one at a time by put() exactly as import() writes them, and kept
  // only by commit() (durable when it returns ok). Destroyed without a
  // successful commit, it rolls everything back: all or nothing. It holds
  // the Store's connection while it lives: every other call on this Store
  // waits for it, so the caller commits or drops it promptly. Not itself
  // thread-safe; it must not outlive the Store.
  class ImportWriter {
   public:
    ~ImportWriter();
    ImportWriter(const ImportWriter&) = delete;
    ImportWriter& operator=(const ImportWriter&) = delete;
    Status put(const Expert& expert);
    Status put(const Problem& problem);
    Status commit();

   private:
    friend class Store;
    struct State;
    explicit ImportWriter(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;
  };
  // kIOError if the transaction cannot begin (another process holds the
  // database's write lock beyond the busy timeout, or a full disk).
  Result<std::unique_ptr<ImportWriter>> begin_import();
  // Upsert of one record (as import).
  Status put_expert(const Expert& expert);
  Status put_problem(const Problem& problem);
  // A create never overwrites: kAlreadyExists if the id is taken.
  Status insert_expert(const Expert& expert);
  Status insert_problem(const Problem& problem);
  // An update never creates: kNotFound if the id is absent.
  Status update_expert(const Expert& expert);
  Status update_problem(const Problem& problem);

  // kNotFound if absent.
  Result<Expert> get_expert(const std::string& id);
  Result<Problem> get_problem(const std::string& id);
  Status delete_expert(const std::string& id);
  Status delete_problem(const std::string& id);

  // Every record, ordered by id.
  Result<std::vector<Expert>> list_experts();
  Result<std::vector<Problem>> list_problems();
  Result<StoreCounts> counts();

  // A number that grows with every committed change to experts or problems;
  // lets derived data (the index) tell whether it is stale.
  Result<long long> change_sequence();
  // The meta value under `key`, storing `initial` first if there is none, so
  // every caller, concurrent ones and later starts included, gets the first
  // value ever stored (a server's secret, e.g. the device-token key).
  Result<std::string> meta_value_or_insert(const std::string& key, const std::string& initial);

  // Enterprises (schema v3), ordered by county then name.
  Result<std::vector<EnterpriseRecord>> list_enterprises();
  // Registers one; kAlreadyExists if the name is registered (in any county).
  Result<EnterpriseRecord> add_enterprise(const std::string& name, const std::string& county);

  // Access tokens (schema v2). kAlreadyExists if the hash is taken.
  Status put_token(const TokenRecord& token);
  // kNotFound if no token has this hash (revoked tokens are returned, marked).
  // Reads the committed state at the time of the call, including changes made
  // by other processes (a `token revoke` beside a running server).
  Result<TokenRecord> find_token(const std::string& hash);
  // Every token, oldest first.
  Result<std::vector<TokenRecord>> list_tokens();
  // Marks the token whose id (hash prefix, at least 8 hex digits) is `id`
  // revoked, durably, and returns it. kNotFound if none matches,
  // kInvalidArgument if the prefix is too short or matches several.
  // Revoking a revoked token is ok (idempotent).
  Result<TokenRecord> revoke_token(const std::string& id);

  // Copies the whole database to `path` with SQLite's online backup API
  // (sqlite3_backup_*): a consistent snapshot of the committed state, taken
  // while other connections (a running server) go on writing. The copy is
  // written to a new PATH.tmp-XXXXXX (mkstemp), stamped as a backup (PRAGMA
  // application_id, rollback-journal mode), fsynced, checked (PRAGMA
  // quick_check) and renamed to `path`.
  // kInvalidArgument, writing nothing, if `path` is inside a data directory
  // (its folder or any folder above holds a store file or a lock:
  // looks_like_data_directory, corpus/data_dir_lock.h), this store's or any
  // other's, or if `path` exists and is not an earlier backup (a backup
  // replaces only a backup, never a file it did not make).
  // kAlreadyExists if `path` appeared while the copy was made; kIOError on
  // any other failure. On failure `path` is left as it was.
  Status backup_to(const std::string& path);
  // PRAGMA wal_checkpoint(TRUNCATE): copies the WAL into store.sqlite and
  // empties it, without waiting for other connections. kUnavailable if a
  // reader or writer kept it from completing (what could be copied is).
  Status checkpoint();

  // Reviews (schema v2). Appends one decision durably; returns it with id and
  // created_at filled in. With `change`, the problem's status changes in the
  // same transaction (e.g. submitted -> matched on an acceptance). Reviews do
  // not change change_sequence() (unless `change` does); they advance
  // decision_sequence(). kConflict if `change->from` is not the status.
  Result<Review> add_review(const Review& review, const StatusChange* change = nullptr);
  // The history of one problem ("" = every problem), oldest first.
  Result<std::vector<Review>> list_reviews(const std::string& problem_id);

  // Sets the scope of each token (by hash) and account (by user name) named
  // in `rewrites`, all in one transaction: all or nothing. kNotFound (and
  // nothing changed) if one of them is not in the store.
  Status rewrite_scopes(const std::vector<ScopeRewrite>& rewrites);

  // Accounts (schema v4). kAlreadyExists if the user name is taken, or if it
  // looks like an existing account's, disabled ones included (names.h
  // lookalike_keys: case, width, accents and other combining marks, lookalike
  // letters such as Cyrillic "а" for Latin "a" or "I" for "l"); the message
  // (account.lookalike) names the existing account.
  Status put_account(const AccountRecord& account);
  // kNotFound if there is no such account (disabled ones are returned, marked).
  Result<AccountRecord> find_account(const std::string& username);
  // Ordered by user name.
  Result<std::vector<AccountRecord>> list_accounts();
  // Marks the account disabled and deletes its sessions, in one transaction.
  Status disable_account(const std::string& username);

  // Sessions (schema v4). A session of a deleted account goes with it.
  Status put_session(const SessionRecord& session);
  // kNotFound if no session has this id hash.
  Result<SessionRecord> find_session(const std::string& id_hash);
  Status touch_session(const std::string& id_hash, long long last_seen);
  Status delete_session(const std::string& id_hash);
  Status delete_sessions_seen_before(long long last_seen);
  // Deletes the sessions of `username` but its `keep` newest (by created_at).
  Status keep_newest_sessions(const std::string& username, int keep);
  // Problem statuses (schema v6): sets the status and records the transition
  // in one transaction. kNotFound for an unknown problem, kConflict if its
  // status is not `change.from` (someone changed it meanwhile).
  Result<ProblemTransition> change_status(const StatusChange& change);
  // The transitions of one problem ("" = every problem), oldest first.
  Result<std::vector<ProblemTransition>> list_transitions(const std::string& problem_id);
  // A number that grows with every decision: reviews, status changes and plan
  // approvals. A plan remembers the value it was made with; one made before
  // a later decision is stale.
  Result<long long> decision_sequence();

 private:
  Store(sqlite3* db, std::string data_dir) : db_(db), data_dir_(std::move(data_dir)) {}
  Status migrate(bool create_if_missing);
  void checkpoint_loop(int interval_ms);
  Status write_one(const Expert* expert, const Problem* problem, int mode);
  Status exec(const char* sql);
  Status put_expert_locked(const Expert& expert);
  // `registered`: normalize_name of every registered enterprise (from
  // registered_enterprises_locked); the problem's enterprise is registered
  // only if its normalised name is not in it yet, and then added.
  Status put_problem_locked(const Problem& problem, std::set<std::string>* registered);
  Result<std::set<std::string>> registered_enterprises_locked();
  Status bump_sequence_locked();
  // One record by id, or every record when `id` is null.
  Result<std::vector<Expert>> query_experts_locked(const std::string* id);
  Result<std::vector<Problem>> query_problems_locked(const std::string* id);

  sqlite3* db_;
  std::string data_dir_;
  std::mutex mu_;
  int busy_timeout_ms_ = 5000;
  sqlite3* token_db_ = nullptr;         // find_token's own connection
  sqlite3_stmt* token_stmt_ = nullptr;  // its prepared query (guarded by token_mu_)
  std::mutex token_mu_;
  // The background checkpointer (options.checkpoint_interval_ms > 0).
  std::thread checkpointer_;
  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace expertmatch
