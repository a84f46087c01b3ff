#include "indexer/binary_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace expertmatch {

uint64_t fnv1a64(std::string_view data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

namespace {
constexpr size_t kFlushBytes = size_t{1} << 20;

std::string_view bytes_of(const uint64_t& v) {
  return {reinterpret_cast<const char*>(&v), sizeof v};
}
}  // namespace

void BinaryWriter::raw(const void* p, size_t n) {
  std::string_view data(static_cast<const char*>(p), n);
  payload_hash_ = fnv1a64(data, payload_hash_);
  if (sink_ && !error_) return;  // the file is lost already; commit() says why
  if (mode_ == Mode::kHashOnly && !sink_) return;
  if (sink_ && n >= kFlushBytes) {
    // A large block goes straight to the file rather than through the buffer.
    error_ = flush();
    if (error_) error_ = sink_->write(data);
    return;
  }
  buf_.append(data);
  if (sink_ && buf_.size() >= kFlushBytes) error_ = flush();
}

Status BinaryWriter::flush() {
  if (!error_) return error_;
  Status s = sink_->write(buf_);
  buf_.clear();
  return s;
}

std::string BinaryWriter::finish() const {
  std::string out = buf_;
  out.append(bytes_of(payload_hash_));
  return out;
}

uint64_t BinaryWriter::file_hash() const {
  return with_checksum_ ? fnv1a64(bytes_of(payload_hash_), payload_hash_) : payload_hash_;
}

Status BinaryWriter::commit() {
  if (!sink_) return Status(ErrorCode::kInternal, "BinaryWriter::commit without a file");
  if (with_checksum_) buf_.append(bytes_of(payload_hash_));
  if (error_) error_ = flush();
  if (!error_) return error_;
  return sink_->commit();
}

BinaryReader::BinaryReader(std::string_view data) {
  if (data.size() < sizeof(uint64_t)) {
    ok_ = false;
    return;
  }
  uint64_t sum;
  std::memcpy(&sum, data.data() + data.size() - sizeof sum, sizeof sum);
  data_ = data.substr(0, data.size() - sizeof sum);
  size_ = data_.size();
  const uint64_t payload_hash = fnv1a64(data_);
  file_hash_ = fnv1a64(bytes_of(sum), payload_hash);
  ok_ = payload_hash == sum;
}

Result<FilePtr> open_regular_file(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) return Status(ErrorCode::kIOError, path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status(ErrorCode::kIOError, path + ": cannot open: not a regular file");
  }
  // Reads of a regular file never block anyway; back to ordinary reads.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  FilePtr f(::fdopen(fd, "rb"));
  if (!f) {
    ::close(fd);
    return Status(ErrorCode::kIOError, path + ": cannot open: " + std::strerror(errno));
  }
  return f;
}

Result<BinaryReader> BinaryReader::open_file(const std::string& path) {
  BinaryReader r;
  auto opened = open_regular_file(path);
  if (!opened) return opened.status();
  r.file_ = std::move(*opened);
  std::FILE* f = r.file_.get();
  r.file_buffer_.reset(new char[kFlushBytes]);
  std::setvbuf(f, r.file_buffer_.get(), _IOFBF, kFlushBytes);
  // First pass: the checksum of all but the last 8 bytes against those 8.
  // The last 8 bytes read so far are kept back until the next piece shows
  // they are not the end.
  uint64_t h = BinaryWriter::kFnvOffset;
  size_t total = 0;
  char tail[sizeof(uint64_t)];
  size_t tail_len = 0;
  std::unique_ptr<char[]> piece(new char[kFlushBytes]);
  for (;;) {
    size_t n = std::fread(piece.get(), 1, kFlushBytes, f);
    if (n == 0) break;
    total += n;
    // Hash what can no longer be part of the trailing checksum.
    std::string_view all[2] = {{tail, tail_len}, {piece.get(), n}};
    size_t keep = sizeof(uint64_t);
    size_t hashable = tail_len + n > keep ? tail_len + n - keep : 0;
    char next_tail[sizeof(uint64_t)];
    size_t next_len = 0;
    for (const auto& part : all) {
      size_t take = std::min(hashable, part.size());
      h = fnv1a64(part.substr(0, take), h);
      hashable -= take;
      for (size_t i = take; i < part.size(); ++i) next_tail[next_len++] = part[i];
    }
    std::memcpy(tail, next_tail, next_len);
    tail_len = next_len;
  }
  if (std::ferror(f)) return Status(ErrorCode::kIOError, path + ": read failed");
  if (total < sizeof(uint64_t)) {
    r.ok_ = false;
    return r;
  }
  uint64_t sum;
  std::memcpy(&sum, tail, sizeof sum);
  r.size_ = total - sizeof sum;
  r.file_hash_ = fnv1a64(bytes_of(sum), h);
  r.ok_ = h == sum;
  std::rewind(f);
  return r;
}

void BinaryReader::raw(void* p, size_t n) {
  if (!ok_ || n > size_ - pos_) {
    ok_ = false;
    return;
  }
  if (n == 0) return;
  if (file_) {
    if (std::fread(p, 1, n, file_.get()) != n) {
      ok_ = false;
      return;
    }
  } else {
    std::memcpy(p, data_.data() + pos_, n);
  }
  pos_ += n;
}

}  // namespace expertmatch
