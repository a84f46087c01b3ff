// Store: the durable home of experts (with works) and problems, in SQLite.
//
// One database file, DATA_DIR/store.sqlite, in WAL mode with synchronous=FULL:
// when a write method returns ok, the write is on disk and survives a crash of
// the process or the machine. The schema is versioned (PRAGMA user_version);
// forward migrations run inside one transaction at open.
//
// Thread safety: all methods may be called from any thread; they are
// serialised on one connection.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"

struct sqlite3;

namespace expertmatch {

struct StoreOptions {
  bool create_if_missing = true;  // create DATA_DIR and the database if absent
  int busy_timeout_ms = 5000;     // wait this long for another process's lock
};

struct StoreCounts {
  int experts = 0;
  int works = 0;
  int problems = 0;
};

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
  static constexpr int kSchemaVersion = 1;

  // Inserts or replaces every record in one transaction: all or nothing.
  // A known id is updated (an expert's works are replaced as a whole).
  Status import(const std::vector<Expert>& experts, const std::vector<Problem>& problems);
  Status put_expert(const Expert& expert);
  Status put_problem(const Problem& problem);

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

 private:
  Store(sqlite3* db, std::string data_dir) : db_(db), data_dir_(std::move(data_dir)) {}
  Status migrate();
  Status exec(const char* sql);
  Status put_expert_locked(const Expert& expert);
  Status put_problem_locked(const Problem& problem);
  Status bump_sequence_locked();
  Result<std::vector<Expert>> query_experts_locked(const std::string& where_id);
  Result<std::vector<Problem>> query_problems_locked(const std::string& where_id);

  sqlite3* db_;
  std::string data_dir_;
  std::mutex mu_;
};

}  // namespace expertmatch
