// Vocabulary: term strings <-> dense ids, with document frequencies, learned
// from a tokenised corpus. Used by the LSA model (dense) and the lexical index.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

namespace expertmatch {

// A bag of terms: (term id, count) sorted by term id.
using TermCounts = std::vector<std::pair<uint32_t, uint32_t>>;

class Vocabulary {
 public:
  // Id of `term`, or kUnknown.
  uint32_t find(const std::string& term) const;
  // Id of `term`, adding it (with df 0) if new.
  uint32_t add(const std::string& term);
  const std::string& term(uint32_t id) const { return terms_[id]; }
  size_t size() const { return terms_.size(); }

  // The bag of a text's term ids (kUnknown left out by the caller): sorts
  // `ids` and counts each. TermModel::counts looks each term up once and
  // counts the whole text and its parts with it.
  static TermCounts collapse(std::vector<uint32_t>& ids);

  static constexpr uint32_t kUnknown = UINT32_MAX;

 private:
  std::vector<std::string> terms_;
  std::unordered_map<std::string, uint32_t> ids_;
};

}  // namespace expertmatch
