// LexicalIndex: an inverted index with Okapi BM25 scoring over documents
// given as weighted term frequencies (a field-weighted BM25F: the caller adds
// each field's terms with the field's weight).
//
// Documents are identified by int64 ids chosen by the caller; add() of a known
// id replaces it. Each term's postings are kept in id order with bounds on
// their scores, so that top_k() can skip what cannot reach the top (WAND). Collection statistics
// (df, average length) follow every change. Thread safety: none; callers synchronise.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "indexer/binary_io.h"
#include "indexer/vocabulary.h"

namespace expertmatch {

using WeightedTerms = std::vector<std::pair<uint32_t, float>>;  // sorted by term id

struct Bm25Params {
  float k1 = 1.2f;
  float b = 0.75f;
};

class LexicalIndex {
 public:
  explicit LexicalIndex(Bm25Params params = {}) : params_(params) {}

  void add(int64_t id, const WeightedTerms& terms);
  void remove(int64_t id);
  size_t size() const { return docs_.size(); }

  // BM25 score of every document sharing a term with the query; the query's
  // own term weights multiply each term's contribution.
  std::unordered_map<int64_t, float> score(const WeightedTerms& query) const;
  // The k documents of highest score() (ties by smaller id), best first, with
  // exactly the scores score() gives them, found by WAND (Broder, Carmel,
  // Herscovici, Soffer, Zien: "Efficient query evaluation using a two-level
  // retrieval process", CIKM 2003): the postings are walked in document order
  // and a document is scored only when the upper bounds of the terms it may
  // contain could lift it into the current top k; the postings of common
  // terms (a frequent character) are skipped by binary search past documents
  // that cannot make it. Safe: the result is that of scoring everything.
  std::vector<std::pair<int64_t, float>> top_k(const WeightedTerms& query, size_t k) const;
  // BM25 score of one document (0 if unknown).
  float score_one(const WeightedTerms& query, int64_t id) const;
  // BM25 idf of a term: ln(1 + (N - df + 0.5) / (df + 0.5)).
  float idf(uint32_t term) const;
  const WeightedTerms* terms_of(int64_t id) const;

  void save(BinaryWriter* w) const;
  static LexicalIndex load(BinaryReader* r);

 private:
  float term_score(float tf, float doc_len, float idf, double avg_len) const;
  double average_length() const;

  // One document in a term's postings, with what BM25 needs of it, so that
  // scoring a query never looks the document up.
  struct Posting {
    int64_t id;
    float tf;
    float doc_len;
  };

  // A term's postings in id order, with the largest tf and the smallest
  // document length among them (kept, not lowered, on removal: still a bound):
  // BM25 rises with tf and falls with length, so these bound every posting's
  // score whatever the collection's average length.
  struct Postings {
    std::vector<Posting> list;
    float max_tf = 0;
    float min_len = 0;
  };

  Bm25Params params_;
  std::unordered_map<int64_t, WeightedTerms> docs_;
  std::unordered_map<uint32_t, Postings> postings_;
  double total_length_ = 0;
};

// Adds `counts` scaled by `weight` into `into` (both sorted by term id).
void add_weighted(const TermCounts& counts, float weight, WeightedTerms* into);

}  // namespace expertmatch
