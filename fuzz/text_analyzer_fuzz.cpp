// The text analyser (indexer/text_analyzer.h) on any bytes. Checks: nothing
// crashes; text that is not valid UTF-8 is refused, never analysed; every
// token's byte range lies inside the text and starts and ends on UTF-8
// character boundaries (explanations cut the original text there).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "corpus/utf8.h"
#include "indexer/lexicon.h"
#include "indexer/text_analyzer.h"

using namespace expertmatch;

namespace {

bool boundary(std::string_view text, size_t at) {
  return at == text.size() || (static_cast<unsigned char>(text[at]) & 0xC0) != 0x80;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Lexicon* lexicon = [] {
    auto* l = new Lexicon();
    for (const auto& t : Lexicon::builtin_terms()) l->add(t);
    return l;
  }();
  static TextAnalyzer analyzer(lexicon);
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto tokens = analyzer.analyze(text);
  if (!is_valid_utf8(text)) {
    if (tokens) std::abort();
    return 0;
  }
  if (!tokens) return 0;
  for (const Token& t : *tokens) {
    if (t.begin > t.end || t.end > text.size() || t.term.empty()) std::abort();
    if (!boundary(text, t.begin) || !boundary(text, t.end)) std::abort();
    if (!is_valid_utf8(t.term)) std::abort();
  }
  auto normal = analyzer.normalize(text);
  if (normal && !is_valid_utf8(*normal)) std::abort();
  return 0;
}
