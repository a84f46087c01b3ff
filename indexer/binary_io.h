// Little helpers to write and read the index's binary files: length-prefixed
// strings and vectors, with an FNV-1a checksum over the payload so that a
// truncated or corrupted file is detected at load instead of silently used.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace expertmatch {

class BinaryWriter {
 public:
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
  void raw(const void* p, size_t n) { buf_.append(static_cast<const char*>(p), n); }
  // The payload followed by its checksum.
  std::string finish() const;

 private:
  std::string buf_;
};

class BinaryReader {
 public:
  // Verifies the trailing checksum; ok() is false if it does not match.
  explicit BinaryReader(std::string_view data);
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
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return {};
    }
    std::string s(data_.substr(pos_, n));
    pos_ += n;
    return s;
  }
  template <typename T>
  std::vector<T> vec() {
    uint64_t n = u64();
    if (!ok_ || n > (data_.size() - pos_) / sizeof(T)) {
      ok_ = false;
      return {};
    }
    std::vector<T> v(n);
    raw(v.data(), n * sizeof(T));
    return v;
  }
  void raw(void* p, size_t n) {
    if (!ok_ || n > data_.size() - pos_) {
      ok_ = false;
      return;
    }
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }
  bool at_end() const { return pos_ == data_.size(); }

 private:
  std::string_view data_;
  size_t pos_ = 0;
  bool ok_ = true;
};

uint64_t fnv1a64(std::string_view data, uint64_t seed = 1469598103934665603ULL);

}  // namespace expertmatch
