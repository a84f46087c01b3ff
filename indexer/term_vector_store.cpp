#include "indexer/term_vector_store.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace expertmatch {
namespace {

constexpr uint32_t kWholeLimit = 1u << 20;

void put_varint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7F) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

uint64_t get_varint(const std::string& in, size_t* at) {
  uint64_t v = 0;
  for (int shift = 0; *at < in.size() && shift < 64; shift += 7) {
    const auto byte = static_cast<unsigned char>(in[(*at)++]);
    v |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) break;
  }
  return v;
}

// A weight as a tagged varint: (n << 1) for a whole number n below
// kWholeLimit (stored exactly: such floats are integers), 1 and the float's
// bytes for anything else.
void put_weight(float w, std::string* out) {
  if (w >= 0 && !std::signbit(w) && w < static_cast<float>(kWholeLimit) && std::floor(w) == w) {
    put_varint(static_cast<uint64_t>(w) << 1, out);
    return;
  }
  put_varint(1, out);
  char bytes[sizeof w];
  std::memcpy(bytes, &w, sizeof w);
  out->append(bytes, sizeof w);
}

float get_weight(const std::string& in, size_t* at) {
  const uint64_t tag = get_varint(in, at);
  if ((tag & 1) == 0) return static_cast<float>(tag >> 1);
  float w = 0;
  if (*at + sizeof w <= in.size()) std::memcpy(&w, in.data() + *at, sizeof w);
  *at += sizeof w;
  return w;
}

std::string encode(const WeightedTerms& terms) {
  std::string out;
  out.reserve(terms.size() * 3 + 4);
  put_varint(terms.size(), &out);
  uint32_t previous = 0;
  for (const auto& [term, weight] : terms) {
    put_varint(term - previous, &out);  // modulo 2^32: exact even if unsorted
    previous = term;
    put_weight(weight, &out);
  }
  out.shrink_to_fit();
  return out;
}

WeightedTerms decode(const std::string& bytes) {
  size_t at = 0;
  const uint64_t n = get_varint(bytes, &at);
  WeightedTerms out;
  out.reserve(n);
  uint32_t term = 0;
  for (uint64_t i = 0; i < n && at < bytes.size(); ++i) {
    term += static_cast<uint32_t>(get_varint(bytes, &at));
    const float weight = get_weight(bytes, &at);
    out.emplace_back(term, weight);
  }
  return out;
}

}  // namespace

void TermVectorStore::add(int64_t id, const WeightedTerms& terms) { docs_[id] = encode(terms); }

void TermVectorStore::remove(int64_t id) { docs_.erase(id); }

std::optional<WeightedTerms> TermVectorStore::terms_of(int64_t id) const {
  auto it = docs_.find(id);
  if (it == docs_.end()) return std::nullopt;
  return decode(it->second);
}

size_t TermVectorStore::encoded_bytes() const {
  size_t n = 0;
  for (const auto& [id, bytes] : docs_) n += bytes.size();
  return n;
}

void TermVectorStore::save(BinaryWriter* w) const {
  w->f32(params_.k1);
  w->f32(params_.b);
  std::vector<int64_t> ids;
  ids.reserve(docs_.size());
  for (const auto& [id, bytes] : docs_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  w->u64(ids.size());
  for (int64_t id : ids) {
    w->u64(static_cast<uint64_t>(id));
    w->vec(decode(docs_.at(id)));
    w->u32(1);  // in the statistics, as LexicalIndex::save writes it
  }
}

TermVectorStore TermVectorStore::load(BinaryReader* r) {
  Bm25Params p;
  p.k1 = r->f32();
  p.b = r->f32();
  TermVectorStore store(p);
  const uint64_t n = r->u64();
  for (uint64_t i = 0; i < n && r->ok(); ++i) {
    const auto id = static_cast<int64_t>(r->u64());
    auto terms = r->vec<std::pair<uint32_t, float>>();
    r->u32();  // LexicalIndex's statistics flag: no statistics are kept here
    store.add(id, terms);
  }
  return store;
}

}  // namespace expertmatch
