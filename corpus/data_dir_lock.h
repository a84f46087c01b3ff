// DataDirLock: at most one process at a time changes the records of a data
// directory (`expertmatch serve`, `import`, `index --data`, ...).
//
// What is locked is the store itself. A store is DATA_DIR/store.sqlite with
// SQLite's store.sqlite-wal and store.sqlite-shm beside it; each must be a
// regular file with exactly one name (no symbolic link, no second hard link:
// check_store_files), so the store is identified by the directory that holds
// it. The lock is flock(2) LOCK_EX on that directory (opened O_DIRECTORY),
// taken without waiting and held until the DataDirLock is destroyed or the
// process ends: the kernel releases it when the holder exits or crashes, so
// nothing stale ever blocks a restart.
//
// Why the directory and not a file in it: a file can be replaced under its
// holder (a copy or rename over DATA_DIR/lock left the holder locking a
// deleted inode and let a second server in), a directory holding files
// cannot. Why not the store file: SQLite holds POSIX (fcntl) locks on it, and
// any close(2) of another descriptor of that file in the same process drops
// them all (a refused second lock in one process would have). A data
// directory reached by another path (a symbolic link to it, a bind mount)
// is the same directory inode and so the same lock; a store reached by
// another directory (a symbolic or hard link to store.sqlite) is refused by
// check_store_files, here and in Store::open.
//
// DATA_DIR/lock only describes the holder (pid, command, start time), for
// the refusal message; it is not the lock, and replacing it changes nothing
// but that message.
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
  // The holder description's name inside the data directory.
  static constexpr const char* kFileName = "lock";

  // Takes the lock of `data_dir` (which must exist) for `command` (e.g.
  // "expertmatch serve"), checks its store files (check_store_files) and
  // records the holder in DATA_DIR/lock.
  // kUnavailable if another holder has it; the message names that holder
  // ("pid 123, expertmatch serve, started 2026-11-29T23:50:00Z").
  // kConflict if a store file is a link (the lock is not kept).
  // kIOError if the directory cannot be opened or locked, or the
  // description cannot be written.
  static Result<std::unique_ptr<DataDirLock>> acquire(const std::string& data_dir,
                                                      const std::string& command);

  ~DataDirLock();  // empties the description, then releases the lock
  DataDirLock(const DataDirLock&) = delete;
  DataDirLock& operator=(const DataDirLock&) = delete;

 private:
  DataDirLock(int fd, std::string description) : fd_(fd), description_(std::move(description)) {}
  int fd_;                   // the data directory, flock(LOCK_EX) held
  std::string description_;  // DATA_DIR/lock
};

// The store's file names inside a data directory.
inline constexpr const char* kStoreFileNames[] = {"store.sqlite", "store.sqlite-wal",
                                                  "store.sqlite-shm"};

// ok if each of DATA_DIR/store.sqlite, -wal and -shm is absent or a regular
// file with one name. kConflict naming the file otherwise: a symbolic link
// ("... is a symbolic link to TARGET"), a second hard link ("... has 2 names")
// or anything but a regular file. Such a store could be opened through two
// data directories at once, each with its own lock and its own records in
// memory (an acknowledged write of one was overwritten by the other), or,
// for hard links, with two WALs. kIOError if lstat fails otherwise.
Status check_store_files(const std::string& data_dir);

// True if `dir` is, or looks like, a data directory: it holds an entry named
// store.sqlite, store.sqlite-wal or store.sqlite-shm (of any kind), or a
// regular file named `lock`. `marker` (if not null) gets the entry's name.
// For commands that write files (`backup`): nothing they write may land in
// a data directory, where it could replace a store file or the lock's
// description.
bool looks_like_data_directory(const std::string& dir, std::string* marker = nullptr);

}  // namespace expertmatch
