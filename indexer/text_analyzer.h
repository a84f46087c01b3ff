// TextAnalyzer: turns Chinese / English / mixed text into index terms.
//
// Pipeline, per code point of the input: NFKC with case folding (which also
// maps full-width forms to half-width), then Traditional -> Simplified. The
// normalised text is segmented by ICU's word BreakIterator (dictionary based
// for Chinese); a domain Lexicon re-joins terms ICU splits; runs of Han
// characters also yield character bigrams (for terms no dictionary knows)
// and single characters (which still match through typos and one-character
// terms: 轴成 for 轴承 shares 轴);
// Latin words are stemmed (Snowball English) and stop words of both languages
// dropped; numbers and alphanumerics ("6205", "0.5mm") are kept as they are.
//
// Every token carries its byte range in the ORIGINAL text, for highlighting.
//
// Thread safety: a TextAnalyzer owns ICU objects and is not thread-safe. Use one
// per thread (thread_analyzer() keeps one per thread and lexicon).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/status.h"
#include "indexer/lexicon.h"

namespace expertmatch {

enum class TokenKind : uint8_t {
  kWord,    // a Chinese word (ICU or lexicon)
  kBigram,  // two adjacent Han characters
  kLatin,   // a stemmed Latin-script word
  kNumber,  // digits, possibly with letters or a decimal point: 6205, 0.5mm, m3
  kChar,    // one Han character
};

struct Token {
  std::string term;  // normalised (and for kLatin stemmed) UTF-8
  TokenKind kind;
  uint32_t begin = 0;  // byte offset in the original text
  uint32_t end = 0;    // one past the last byte
};

struct AnalyzerOptions {
  bool cjk_bigrams = true;        // emit Han character bigrams
  bool cjk_unigrams = true;       // emit single Han characters
  bool cjk_words = true;          // emit ICU / lexicon words
  bool stem = true;               // stem Latin words
  bool remove_stop_words = true;  // drop stop words of both languages
};

class TextAnalyzer {
 public:
  // `lexicon` must outlive the analyzer; may be null (no re-joining).
  explicit TextAnalyzer(const Lexicon* lexicon, AnalyzerOptions options = {});
  ~TextAnalyzer();
  TextAnalyzer(const TextAnalyzer&) = delete;
  TextAnalyzer& operator=(const TextAnalyzer&) = delete;

  // kInvalidArgument if `text` is not valid UTF-8 (the message gives the byte offset).
  Result<std::vector<Token>> analyze(std::string_view text);
  // Only the normalisation step (NFKC_Casefold, full-width -> half-width, T -> S).
  Result<std::string> normalize(std::string_view text);

  const AnalyzerOptions& options() const { return options_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  AnalyzerOptions options_;
};

// A TextAnalyzer for the calling thread, created on first use for this
// (lexicon, options) pair and reused afterwards. Each thread keeps at most
// kMaxThreadAnalyzers, dropping the least recently used: the reference is
// valid until the calling thread asks for that many other pairs.
constexpr size_t kMaxThreadAnalyzers = 8;
TextAnalyzer& thread_analyzer(const Lexicon* lexicon, const AnalyzerOptions& options = {});
// How many the calling thread keeps now (for tests).
size_t thread_analyzer_count();

}  // namespace expertmatch
