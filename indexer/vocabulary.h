// Vocabulary: term strings <-> dense ids, with document frequencies, learned
// from a tokenised corpus. Used by the LSA model (dense) and the lexical index.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
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

  // Counts the terms of one text (unknown terms are skipped unless `grow`).
  TermCounts count(const std::vector<std::string>& terms, bool grow = false);
  // The same without growing; the terms not in the vocabulary are appended
  // to `unknown` (if given), once per occurrence, pointing into `terms`.
  TermCounts count(const std::vector<std::string>& terms,
                   std::vector<std::string_view>* unknown = nullptr) const;

  // The bag of a text's term ids (kUnknown left out by the caller): sorts
  // `ids` and counts each.
  static TermCounts collapse(std::vector<uint32_t>& ids);

  static constexpr uint32_t kUnknown = UINT32_MAX;

 private:
  std::vector<std::string> terms_;
  std::unordered_map<std::string, uint32_t> ids_;
};

}  // namespace expertmatch
