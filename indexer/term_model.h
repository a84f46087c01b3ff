// TermModel: what the indexer learned about terms from its corpus: the lexicon
// (built-in domain terms plus the corpus's own keywords and research fields),
// the vocabulary and document frequencies. Shared, read-only after fit, by the
// dense LSA model and the lexical (BM25) index.
//
// Thread safety: const methods are safe from any thread (each thread gets its
// own TextAnalyzer).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "corpus/status.h"
#include "indexer/binary_io.h"
#include "indexer/lexicon.h"
#include "indexer/text_analyzer.h"
#include "indexer/vocabulary.h"

namespace expertmatch {

class TermModel {
 public:
  // Builds the lexicon from the built-in terms plus `extra_terms` (normalised
  // here), analyses `texts` and counts document frequencies over them. The
  // analysis runs on `threads` threads; term ids are given in text order
  // whatever the number, so the model is the same.
  // If `kept` is given, (*kept)[i] is set to counts(texts[keep[i]]) as the
  // fitted model gives them, from the fit's own analysis (`keep`: distinct
  // indices into `texts`, any order), so that those texts need no second one.
  static Result<std::shared_ptr<TermModel>> fit(const std::vector<std::string>& texts,
                                                const std::vector<std::string>& extra_terms,
                                                const AnalyzerOptions& options = {},
                                                int threads = 1,
                                                const std::vector<size_t>& keep = {},
                                                std::vector<TermCounts>* kept = nullptr);

  // Index terms of `text` (see TextAnalyzer); kInvalidArgument on bad UTF-8.
  Result<std::vector<Token>> tokens(const std::string& text) const;
  Result<std::vector<std::string>> terms(const std::string& text) const;
  // Term counts over the known vocabulary.
  Result<TermCounts> counts(const std::string& text) const;
  // The same, and (if `seen_share` is given) the share of the text's term
  // weight that falls on terms of the vocabulary, i.e. that the model saw
  // when it was fitted: each distinct term weighs (1 + ln tf) * idf, a term
  // never seen weighing as one of document frequency 1 (the largest idf).
  // 1 for every text the model was fitted on and for a text with no terms;
  // towards 0 as a text is made of words the model never saw, whose vector
  // then stands on the few known words left (Matcher: a dense similarity
  // counts only this far).
  Result<TermCounts> counts(const std::string& text, float* seen_share) const;
  // The same, and from the same one analysis the counts of each part of
  // `text` into `parts` (if given): part i is the bytes from part_ends[i-1]
  // (0 for the first) to part_ends[i], ascending; a term counts in the part
  // where it begins, and a term beginning past the last end in none. A text
  // made of fields joined by newlines is analysed as the fields one by one
  // would be, as the analysis breaks at every newline (Unicode UAX #29, word
  // boundary rules WB3a and WB3b): CorpusIndex indexes a unit's fields and
  // embeds its whole text from one analysis.
  Result<TermCounts> counts(const std::string& text, const std::vector<size_t>& part_ends,
                            std::vector<TermCounts>* parts, float* seen_share) const;

  const Vocabulary& vocabulary() const { return vocabulary_; }
  const Lexicon& lexicon() const { return lexicon_; }
  const AnalyzerOptions& analyzer_options() const { return options_; }
  uint32_t document_count() const { return documents_; }
  uint32_t df(uint32_t id) const { return id < df_.size() ? df_[id] : 0; }
  // Smoothed inverse document frequency: ln(1 + N / df).
  float idf(uint32_t id) const;

  void save(BinaryWriter* w) const;
  static Result<std::shared_ptr<TermModel>> load(BinaryReader* r);

 private:
  Lexicon lexicon_;
  std::vector<std::string> lexicon_terms_;  // for save()
  AnalyzerOptions options_;
  Vocabulary vocabulary_;
  std::vector<uint32_t> df_;
  uint32_t documents_ = 0;
};

}  // namespace expertmatch
