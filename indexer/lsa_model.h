// LsaModel: latent semantic analysis learned from the corpus itself.
//
// fit() weights each document's terms by (1 + ln tf) * idf, L2-normalises the
// rows and finds the top `dimension` right singular vectors of that
// documents x terms matrix by randomized SVD (Halko, Martinsson, Tropp 2011),
// deterministic for a given corpus and seed. A text is embedded by folding its
// weighted term vector into that space and L2-normalising.
//
// A corpus of more than LsaOptions::max_fit_documents documents is fitted on
// a sample of that many (lsa_fit_sample: a hash rule on stable keys, so the
// same corpus always gives the same sample) and every document, sampled or
// not, is folded in the same way. The fit's memory is the sparse sample (8
// bytes an entry: term id and count; the weight is computed where read), one
// dense n x l and at most two V x l matrices of doubles (n documents fitted
// on, V terms, l = dimension + oversample): the n x l basis is
// re-orthonormalised in place (LAPACK's LQ of its transpose, dgelqf/dorglq)
// and reused by each power iteration. The sample bounds n.
//
// LsaEmbedder wraps a TermModel and an LsaModel as an Embedder.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "corpus/status.h"
#include "indexer/binary_io.h"
#include "indexer/embedder.h"
#include "indexer/term_model.h"

namespace expertmatch {

struct LsaOptions {
  int dimension = 256;       // d; capped by the corpus's rank
  int oversample = 16;       // extra random directions for accuracy
  int power_iterations = 3;  // subspace iterations; more = more exact
  uint64_t seed = 20261127;  // the random projection's seed
  uint32_t min_df = 2;       // terms in fewer documents are left out
  // Weight of each dimension is sigma^(-scale_exponent): 0 keeps the plain
  // projection, 1 is the classic Sigma^-1 fold-in.
  float scale_exponent = 0.0f;
  // Documents the fit reads at most (see above); a corpus up to this size is
  // fitted on every document, exactly as without a limit.
  size_t max_fit_documents = 50000;
};

// Which of `keys.size()` documents a fit on at most `max` reads: all of them
// if there are no more than `max`, else the `max` whose keys (stable names,
// e.g. the record id and the unit) hash lowest under `seed` (64-bit FNV-1a
// and MurmurHash3's finaliser; equal hashes by position). Ascending positions. Adding or removing
// one document changes at most two places of the sample.
std::vector<size_t> lsa_fit_sample(const std::vector<std::string>& keys, size_t max, uint64_t seed);

class LsaModel {
 public:
  // docs: term counts over `vocabulary_size` terms, taken by value and freed
  // as the fit's matrix is made from them (move them in where memory counts);
  // idf: one weight a term.
  static Result<LsaModel> fit(std::vector<TermCounts> docs, const std::vector<float>& idf,
                              size_t vocabulary_size, const LsaOptions& options);
  int dimension() const { return dimension_; }
  // Writes d floats to `out`: the L2-normalised embedding of one bag of terms
  // (all zeros if none of its terms is in the model).
  void embed(const TermCounts& counts, float* out) const;

  void save(BinaryWriter* w) const;
  static Result<LsaModel> load(BinaryReader* r);

  const std::vector<float>& singular_values() const { return sigma_; }

 private:
  int dimension_ = 0;
  std::vector<float> idf_;         // per term
  std::vector<float> projection_;  // vocabulary x d, row-major; zero rows for dropped terms
  std::vector<float> sigma_;
};

class LsaEmbedder : public Embedder {
 public:
  LsaEmbedder(std::shared_ptr<const TermModel> terms, LsaModel lsa, std::string id)
      : terms_(std::move(terms)), lsa_(std::move(lsa)), id_(std::move(id)) {}
  int dimension() const override { return lsa_.dimension(); }
  std::string model_id() const override { return id_; }
  Result<std::vector<float>> embed(const std::vector<std::string>& texts) const override;
  // The same, and each text's TermModel::counts seen share in `seen_shares`
  // (resized to texts.size()), from the one analysis.
  Result<std::vector<float>> embed(const std::vector<std::string>& texts,
                                   std::vector<float>* seen_shares) const;
  const LsaModel& lsa() const { return lsa_; }
  const TermModel& terms() const { return *terms_; }

 private:
  std::shared_ptr<const TermModel> terms_;
  LsaModel lsa_;
  std::string id_;
};

}  // namespace expertmatch
