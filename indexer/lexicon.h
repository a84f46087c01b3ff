// Lexicon: a set of normalised multi-character terms (industrial and academic
// vocabulary) that the TextAnalyzer keeps whole even where ICU's dictionary
// splits them (有机硅, 湿强剂, 轴承游隙 ...).
//
// Terms are stored normalised by the caller (see TextAnalyzer::normalize) as
// UTF-16 strings. Not thread-safe for writes; concurrent reads are safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace expertmatch {

class Lexicon {
 public:
  // The built-in domain lexicon written for this project (indexer/domain_terms.inc).
  static const std::vector<std::string>& builtin_terms();

  // Adds a UTF-8 term, assumed already normalised; terms shorter than 2 code
  // points or longer than kMaxTermChars are ignored. Returns true if added.
  bool add(std::string_view utf8_term);
  bool contains(const std::u16string& term) const { return terms_.count(term) > 0; }
  // Bit n set: some term of n UTF-16 units starts with `first` (n < 32).
  // Lets a longest-match scan skip the lengths no term has (most of them).
  uint32_t lengths_starting_with(char16_t first) const {
    auto it = lengths_.find(first);
    return it == lengths_.end() ? 0 : it->second;
  }
  size_t size() const { return terms_.size(); }
  // Longest term length in UTF-16 units (bounds the matcher's look-ahead).
  size_t max_length() const { return max_length_; }

  static constexpr size_t kMaxTermChars = 12;

 private:
  std::unordered_set<std::u16string> terms_;
  std::unordered_map<char16_t, uint32_t> lengths_;
  size_t max_length_ = 0;
};

}  // namespace expertmatch
