// DataDirLock: at most one process at a time changes the records of a data
// directory (`expertmatch serve`, `import`, `index --data`).
//
// The lock is flock(2) LOCK_EX on DATA_DIR/lock, taken without waiting and
// held until the DataDirLock is destroyed or the process ends: the kernel
// releases it when the holder exits or crashes, so a stale lock file never
// blocks a restart. The file's content only describes the holder (pid,
// command, start time) for the refusal message; it is not the lock.
//
// flock locks belong to an open file description, so two DataDirLocks on the
// same directory conflict inside one process too (tests rely on this). They do
// not work across machines on NFS: keep DATA_DIR on a local file system.
//
// Thread safety: a DataDirLock is immutable after acquire().
#pragma once

#include <memory>
#include <string>

#include "corpus/status.h"

namespace expertmatch {

class DataDirLock {
 public:
  // The lock file's name inside the data directory.
  static constexpr const char* kFileName = "lock";

  // Takes the lock of `data_dir` (which must exist) for `command` (e.g.
  // "expertmatch serve") and records the holder in the lock file.
  // kUnavailable if another holder has it; the message names that holder
  // ("pid 123, expertmatch serve, started 2026-11-29T23:50:00Z").
  // kIOError if the lock file cannot be opened or locked.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& data_dir,
                                                      const std::string& command);

  ~DataDirLock();  // releases the lock; the file stays (removing it would race)
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  explicit DataDirLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace expertmatch
