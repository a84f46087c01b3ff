// AtomicFile: a file written under a temporary name and renamed into place,
// so that a reader sees either the old content or the whole new one, never a
// torn file, and a crash leaves the old file intact.
//
// The content is streamed: a writer of a large file (an index's units.bin,
// a Faiss table) need not hold the whole file in memory first.
//
// open() creates PATH.tmp.PID in PATH's folder; write() appends; commit()
// fsyncs, closes, renames onto PATH and fsyncs the folder. Destroying an
// AtomicFile that was not committed closes and removes the temporary file.
// Every error is kIOError naming the file and the failing call.
//
// Thread safety: one thread at a time per object; distinct objects are
// independent (two writers of one PATH in one process would share a
// temporary name: the data directory lock, corpus/data_dir_lock.h, prevents
// that across processes, and the index saves one PATH at a time).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/status.h"

namespace expertmatch {

class AtomicFile {
 public:
  static Result<std::unique_ptr<AtomicFile>> open(const std::string& path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  Status write(std::string_view data);
  // After commit() (successful or not) no more writes are accepted.
  Status commit();
  const std::string& path() const { return path_; }

 private:
  AtomicFile(std::string path, std::string tmp, int fd)
      : path_(std::move(path)), tmp_(std::move(tmp)), fd_(fd) {}
  void abandon();

  std::string path_;
  std::string tmp_;
  int fd_ = -1;
};

// The whole content at once, through an AtomicFile.
Status write_file_atomically(const std::string& path, std::string_view content);

// Removes the temporary files ("NAME.tmp.PID") that AtomicFiles of `dir`
// left when their process died before commit or abandon; returns their
// names. Only for a folder no other process writes (the caller holds the
// data directory's lock). A missing folder has none.
std::vector<std::string> remove_abandoned_temporaries(const std::string& dir);

}  // namespace expertmatch
