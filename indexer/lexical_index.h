// LexicalIndex: an inverted index with Okapi BM25 scoring over documents
// given as weighted term frequencies (a field-weighted BM25F: the caller adds
// each field's terms with the field's weight).
//
// Documents are identified by int64 ids chosen by the caller; add() of a known
// id replaces it. Collection statistics (df, average length) follow every
// change. Thread safety: none; callers synchronise.
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

  Bm25Params params_;
  std::unordered_map<int64_t, WeightedTerms> docs_;
  std::unordered_map<uint32_t, std::vector<Posting>> postings_;
  double total_length_ = 0;
};

// Adds `counts` scaled by `weight` into `into` (both sorted by term id).
void add_weighted(const TermCounts& counts, float weight, WeightedTerms* into);

}  // namespace expertmatch
