// LexicalIndex: an inverted index with Okapi BM25 scoring over documents
// given as weighted term frequencies (a field-weighted BM25F: the caller adds
// each field's terms with the field's weight).
//
// Documents are identified by int64 ids chosen by the caller; add() of a known
// id replaces it. Each term's postings are kept in id order with a bound on
// their scores, so that top_k() can skip what cannot reach the top (MaxScore).
// Collection statistics (N, df, average length, collection frequencies)
// follow every change, over the documents added `in_statistics` only: a
// document outside them is found and scored like any other, against the
// statistics of the rest, and moves no other document's score (the experts
// a county has written but the city not confirmed: CorpusIndex). Thread
// safety: const methods may run concurrently; add/remove need exclusive access.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "indexer/binary_io.h"
#include "indexer/vocabulary.h"

namespace expertmatch {

using WeightedTerms = std::vector<std::pair<uint32_t, float>>;  // sorted by term id

struct Bm25Params {
  float k1 = 1.2f;
  float b = 0.75f;
};

// Smoothing of a document's language model against the collection's
// (Zhai, Lafferty: "A study of smoothing methods for language models applied
// to ad hoc information retrieval", SIGIR 2001).
enum class Smoothing : uint8_t {
  // p(t|d) = (tf + mu p(t|C)) / (|d| + mu)
  kDirichlet,
  // p(t|d) = (1 - lambda) tf / |d| + lambda p(t|C)
  kJelinekMercer,
};

struct LanguageModelParams {
  Smoothing smoothing = Smoothing::kDirichlet;
  float mu = 1000.0f;   // Dirichlet prior, in (weighted) term occurrences; > 0
  float lambda = 0.5f;  // Jelinek-Mercer weight of the collection, in (0, 1]
};

// A query prepared for language-model scoring against one LexicalIndex: its
// terms that occur in the collection, with p(t|C) of each (the collection
// frequency over the collection's length, both in weighted occurrences).
// Terms the collection never holds are left out: their probability is the
// same for every document, so they change no comparison.
struct LanguageModelQuery {
  LanguageModelParams params;
  WeightedTerms terms;                  // sorted by term id, weights > 0
  std::vector<double> collection_prob;  // p(t|C), parallel to `terms`
  double weight = 0;                    // the sum of the weights of `terms`
};

class LexicalIndex {
 public:
  explicit LexicalIndex(Bm25Params params = {}) : params_(params) {}

  void add(int64_t id, const WeightedTerms& terms, bool in_statistics = true);
  void remove(int64_t id);
  size_t size() const { return docs_.size(); }

  // BM25 score of every document sharing a term with the query; the query's
  // own term weights multiply each term's contribution.
  std::unordered_map<int64_t, float> score(const WeightedTerms& query) const;
  // What one top_k call did, for tests and benchmarks.
  struct TopKCounts {
    size_t postings = 0;  // postings of the query's terms
    size_t scored = 0;    // of them, those whose BM25 contribution was computed
    size_t exact = 0;     // documents scored in full at the end (score_one)
  };
  // The k documents of highest score() (ties by smaller id), best first, with
  // exactly the floats score() gives them, by term-at-a-time MaxScore
  // (Turtle, Flood: "Query evaluation: strategies and optimizations",
  // Information Processing & Management 31(6), 1995), safe:
  //  1. terms in decreasing order of their bound (the largest contribution
  //     any of their postings makes: exact, from each term's (tf, length)
  //     frontier kept at add(), so at build and load), every posting scored
  //     into per-document partial sums, until k partial scores exceed the sum
  //     of the remaining terms' bounds: no document outside the touched ones
  //     can then reach the top k (MaxScore's switch from OR to AND);
  //  2. the remaining terms' postings walked for membership only, giving
  //     each touched document the bound partial + the bounds of the remaining
  //     terms it holds; those below the k-th partial score are dropped;
  //  3. the remaining terms scored for the survivors only, highest bound
  //     first, dropping those whose bound falls below the rising k-th
  //     partial score, until k survive or the terms run out;
  //  4. the survivors scored exactly by score_one (query order: the same
  //     float sums as score() and accumulate), the best k taken.
  // Comparisons allow for the partial sums' other summation order (relative
  // slack of 2 (|query| + 8) 2^-24), so the result is exactly that of
  // scoring every posting. Queries with a weight <= 0, an index holding a
  // posting with tf <= 0 or ids too sparse for per-thread arrays (negative,
  // or above 8 x size() + 4,096) score every posting instead. `counts`, if
  // given, receives what was done. Safe for concurrent const calls (per-thread
  // scratch).
  std::vector<std::pair<int64_t, float>> top_k(const WeightedTerms& query, size_t k,
                                               TopKCounts* counts = nullptr) const;
  // score() into a dense array by document id, for callers that score many
  // documents of one query: each posting's contribution is added to
  // (*scores)[id] (grown as needed; negative ids are left out), in the same
  // order and so to the same float as score() gives when the entries start at
  // 0, and each id whose entry turns from 0 to nonzero is appended to
  // `touched` (contributions are positive: once each), so that the caller
  // can zero exactly those again. `idf` as for score_one.
  void accumulate(const WeightedTerms& query, const std::vector<float>& idf,
                  std::vector<float>* scores, std::vector<int64_t>* touched) const;
  // Candidates for a ranking that scores them in full afterwards: the n
  // documents of highest BM25 (above 0) over the query's rare terms only,
  // those held by at most `max_df` documents (df()), and, while fewer than n
  // documents have been given a nonzero score by the terms taken, the rarest
  // others one by one (ties by query position). Ties by smaller id; each with its BM25 over the
  // terms taken (summed as accumulate sums them: the rare terms in query order, then the others in
  // the order taken). With every term rare, exactly the documents and floats of top_k's that score
  // above 0. Otherwise an approximation: the common terms are most of a long query's postings and
  // little of its documents' order (docs/performance.md, "Full size, fourth round"); terms taken
  // rarest first as in Moffat and Zobel's "quit" and "continue" strategies
  // ("Self-indexing inverted files for fast text retrieval", ACM TOIS 14(4),
  // 1996). `idf` as for score_one. Documents with negative ids are left out.
  // `scores` and `touched`, if both given, are the caller's scratch as for
  // accumulate: on entry every entry of `scores` is 0 and `touched` is empty,
  // and they are left so when it returns or throws (a caller that scores the pool's documents
  // next keeps one array by id in cache instead of two). Otherwise per-thread
  // scratch. Safe for concurrent const calls given distinct scratch.
  std::vector<std::pair<int64_t, float>> rare_term_top(
      const WeightedTerms& query, const std::vector<float>& idf, uint32_t max_df, size_t n,
      std::vector<float>* scores = nullptr, std::vector<int64_t>* touched = nullptr) const;
  // score_one of each of `ids` (each once), into (*scores)[i] for ids[i]:
  // the query's postings walked in query order, BM25 computed only for the
  // asked ids, so the same floats as accumulate and score(). `idf` as for
  // score_one.
  void score_units(const WeightedTerms& query, const std::vector<float>& idf,
                   const std::vector<int64_t>& ids, std::vector<float>* scores) const;
  // BM25 score of one document (0 if unknown).
  float score_one(const WeightedTerms& query, int64_t id) const;
  // The same, given idf() of each query term (`idf`, parallel to `query`):
  // for scoring many documents against one query, each term looked up once.
  float score_one(const WeightedTerms& query, const std::vector<float>& idf, int64_t id) const;
  // The query's terms with their collection probabilities, for the two
  // scores below (the collection as it is now: prepare again after a change).
  LanguageModelQuery language_model_query(const WeightedTerms& query,
                                          const LanguageModelParams& params) const;
  // Query likelihood of one document against the collection's
  // (Ponte, Croft, SIGIR 1998), the query's weights as term counts:
  //   log p(q|theta_d) - log p(q|C) = sum_t w_t ln(p(t|theta_d) / p(t|C)),
  // natural log, with p(t|theta_d) smoothed as `q.params` says. Positive when
  // the document explains the query better than the collection does. An
  // unknown id scores as an empty document.
  double log_likelihood_ratio(const LanguageModelQuery& q, int64_t id) const;
  // Balog, Azzopardi, de Rijke, "Formal models for expert finding in
  // enterprise corpora" (SIGIR 2006), Model 2 (document-centric), with every
  // document of the candidate equally associated (p(d|e) = 1 / |docs|):
  //   ln p(q|e) - ln p(q|C) = ln( (1/|docs|) sum_d p(q|theta_d) / p(q|C) ),
  // summed stably in log space. `docs` lists the candidate's documents
  // (each once); empty gives -infinity.
  double document_centric_log_ratio(const LanguageModelQuery& q,
                                    const std::vector<int64_t>& docs) const;
  // BM25 idf of a term: ln(1 + (N - df + 0.5) / (df + 0.5)).
  float idf(uint32_t term) const;
  // The number of documents holding the term (those in the statistics).
  uint32_t df(uint32_t term) const;
  const WeightedTerms* terms_of(int64_t id) const;

  void save(BinaryWriter* w) const;
  static LexicalIndex load(BinaryReader* r);

 private:
  float term_score(float tf, float doc_len, float idf, double avg_len) const;

  double average_length() const;
  // Whether ids are small enough to index top_k's per-thread scratch arrays:
  // none negative, the largest below 8 x the documents + 4,096.
  bool dense_ids() const;

  // One document in a term's postings, with what BM25 needs of it, so that
  // scoring a query never looks the document up.
  struct Posting {
    int64_t id;
    float tf;
    float doc_len;
  };

  // A term's postings in id order, with the (tf, document length) pairs no
  // other posting beats on both (higher tf, shorter document): BM25 rises
  // with tf and falls with length, so the best of these bounds every
  // posting's score exactly, whatever the collection's average length. Kept,
  // not shrunk, on removal: then still a bound.
  struct Postings {
    std::vector<Posting> list;
    double occurrences = 0;  // the sum of the counted postings' tf (collection frequency)
    uint32_t df = 0;         // the postings of documents in the statistics
    std::vector<std::pair<float, float>> frontier;  // (tf, doc_len)
  };
  // The largest contribution any posting of `p` can make, for query weight 1.
  float bound(const Postings& p, float idf, double avg_len) const;

  Bm25Params params_;
  std::unordered_map<int64_t, WeightedTerms> docs_;
  std::unordered_map<uint32_t, Postings> postings_;
  double total_length_ = 0;              // of the documents in the statistics
  size_t counted_docs_ = 0;              // documents in the statistics
  std::unordered_set<int64_t> outside_;  // documents added outside them
  // The smallest and largest id ever added (kept on removal: still bounds;
  // back to 0 when the index is emptied).
  int64_t min_id_ = 0;
  int64_t max_id_ = 0;
  size_t nonpositive_postings_ = 0;  // postings whose tf is not > 0 (top_k's bounds need > 0)
};

// Adds `counts` scaled by `weight` into `into` (both sorted by term id).
void add_weighted(const TermCounts& counts, float weight, WeightedTerms* into);

}  // namespace expertmatch
