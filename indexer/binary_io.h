// Little helpers to write and read the index's binary files: length-prefixed
// strings and vectors, with an FNV-1a checksum over the payload so that a
// truncated or corrupted file is detected at load instead of silently used.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/atomic_file.h"
#include "corpus/status.h"

namespace expertmatch {

// Writes the payload and then its checksum (8 bytes, fnv1a64 of the payload).
// Three kinds of writer, same bytes:
// - BinaryWriter(): keeps the bytes; finish() returns them;
// - BinaryWriter(kHashOnly): keeps nothing, only file_hash() (a model id);
// - BinaryWriter(AtomicFile*): streams them to the file through a 1 MiB
//   buffer, so a large index file is never held whole in memory; commit()
//   writes the checksum and commits the file (kIOError on any write error).
//   With with_checksum false the file is the payload alone (a Faiss file,
//   whose hash is kept elsewhere).
// Thread safety: one thread per writer.
class BinaryWriter {
 public:
  enum class Mode { kBuffer, kHashOnly };
  BinaryWriter() = default;
  explicit BinaryWriter(Mode mode) : mode_(mode) {}
  explicit BinaryWriter(AtomicFile* sink, bool with_checksum = true)  // sink not owned
      : sink_(sink), with_checksum_(with_checksum) {}

  void u32(uint32_t v) { raw(&v, sizeof v); }
  void u64(uint64_t v) { raw(&v, sizeof v); }
  void f32(float v) { raw(&v, sizeof v); }
  void str(std::string_view s) {
    u64(s.size());
    raw(s.data(), s.size());
  }
  template <typename T>
  void vec(const std::vector<T>& v) {
    u64(v.size());
    raw(v.data(), v.size() * sizeof(T));
  }
  void raw(const void* p, size_t n);
  // kBuffer only: the payload followed by its checksum.
  std::string finish() const;
  // fnv1a64 of the whole file (payload and checksum), in every mode.
  uint64_t file_hash() const;
  // Streaming only: the checksum, then AtomicFile::commit().
  Status commit();

 private:
  Status flush();

  Mode mode_ = Mode::kBuffer;
  AtomicFile* sink_ = nullptr;
  bool with_checksum_ = true;
  std::string buf_;
  uint64_t payload_hash_ = kFnvOffset;
  Status error_ = Status::ok();

 public:
  static constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};
using FilePtr = std::unique_ptr<std::FILE, FileCloser>;

// Opens `path` for reading only if it is a regular file: not through a
// symbolic link (O_NOFOLLOW on the last component), and without blocking on
// a FIFO or a device (O_NONBLOCK, then fstat). An index file replaced by a
// link to /dev/zero or by a pipe must fail its load, not hang it (attack
// trial 4). kIOError naming the path and why otherwise.
Result<FilePtr> open_regular_file(const std::string& path);

// Reads what BinaryWriter wrote, from bytes in memory or from a file. Every
// read past the payload's end (or after a failed one) sets ok() false and
// yields zeros or empty values, so a loader checks ok() once at its end.
// - BinaryReader(data): `data` (not owned) must outlive the reader.
// - BinaryReader::open_file(path): reads the file once to verify its
//   checksum, then again as the values are read, through a 1 MiB stdio
//   buffer (the file must be a regular file: open_regular_file): a large index file (units.bin, a
//   vector table: 100-200 MB at 100,000 problems) is never held whole in memory. Both passes read
//   the one open file, so a file renamed over the path meanwhile is not mixed in; the index's files
//   are only ever replaced by rename (AtomicFile).
// Thread safety: one thread per reader.
class BinaryReader {
 public:
  // Verifies the trailing checksum; ok() is false if it does not match.
  explicit BinaryReader(std::string_view data);
  // kIOError (naming the path) if the file cannot be opened or read; else a
  // reader whose ok() says whether the checksum matches.
  static Result<BinaryReader> open_file(const std::string& path);
  BinaryReader(BinaryReader&&) = default;
  BinaryReader& operator=(BinaryReader&&) = default;

  bool ok() const { return ok_; }
  uint32_t u32() {
    uint32_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  uint64_t u64() {
    uint64_t v = 0;
    raw(&v, sizeof v);
    return v;
  }
  float f32() {
    float v = 0;
    raw(&v, sizeof v);
    return v;
  }
  std::string str() {
    uint64_t n = u64();
    if (!ok_ || n > size_ - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(n, '\0');
    raw(s.data(), n);
    return s;
  }
  template <typename T>
  std::vector<T> vec() {
    uint64_t n = u64();
    if (!ok_ || n > (size_ - pos_) / sizeof(T)) {
      ok_ = false;
      return {};
    }
    std::vector<T> v(n);
    raw(v.data(), n * sizeof(T));
    return v;
  }
  // p may be null when n is 0 (an empty vector's data()).
  void raw(void* p, size_t n);
  bool at_end() const { return pos_ == size_; }
  // fnv1a64 of the whole file or bytes (payload and checksum), as
  // BinaryWriter::file_hash() gives it.
  uint64_t file_hash() const { return file_hash_; }

 private:
  BinaryReader() = default;

  std::string_view data_;                // in memory: the payload
  FilePtr file_;                         // from a file: the open file
  std::unique_ptr<char[]> file_buffer_;  // the file's stdio buffer
  size_t size_ = 0;                      // the payload's bytes
  size_t pos_ = 0;
  uint64_t file_hash_ = 0;
  bool ok_ = true;
};

uint64_t fnv1a64(std::string_view data, uint64_t seed = BinaryWriter::kFnvOffset);

}  // namespace expertmatch
