#include "indexer/binary_io.h"

namespace expertmatch {

uint64_t fnv1a64(std::string_view data, uint64_t h) {
  for (unsigned char c : data) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

std::string BinaryWriter::finish() const {
  std::string out = buf_;
  uint64_t sum = fnv1a64(buf_);
  out.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  return out;
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
