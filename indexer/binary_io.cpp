#include "indexer/binary_io.h"

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
  ok_ = fnv1a64(data_) == sum;
}

}  // namespace expertmatch
