#include "indexer/lexicon.h"

#include <unicode/unistr.h>

namespace expertmatch {

const std::vector<std::string>& Lexicon::builtin_terms() {
  static const std::vector<std::string> kTerms = {
#include "indexer/domain_terms.inc"
  };
  return kTerms;
}

bool Lexicon::add(std::string_view utf8_term) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8_term.data(), static_cast<int32_t>(utf8_term.size())));
  int32_t chars = u.countChar32();
  if (chars < 2 || chars > static_cast<int32_t>(kMaxTermChars)) return false;
  std::u16string term(reinterpret_cast<const char16_t*>(u.getBuffer()), u.length());
  static_assert(2 * kMaxTermChars < 32, "a term's length must fit the mask");
  max_length_ = std::max(max_length_, term.size());
  lengths_[term[0]] |= uint32_t{1} << term.size();
  return terms_.insert(std::move(term)).second;
}

}  // namespace expertmatch
