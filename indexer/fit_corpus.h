// FitCorpus: the records the matching model is learned from.
//
// The model (term statistics and LSA, CorpusIndex) is shared by every
// county, so what it learns from is what the city controls: each record of
// the store as the city last confirmed it, whatever its status now. A
// confirmed record counts as it is; an unconfirmed one as its confirmed
// version (Expert::confirmed_json, Problem::confirmed_json), if it ever had
// one; a record never confirmed not at all. A problem withdrawn or closed
// stays in, as confirmed: an enterprise withdrawing or editing its own
// problems, or a county editing its own experts, changes nobody's model, now
// or at the next relearn (attack trial 10).
//
// The corpus the index ranks (the open problems, every expert) is another
// set; CorpusIndex folds a record outside the fit in with its seen share.
//
// Ownership: the corpus points into the records it was made from (which
// must outlive it) and owns the confirmed versions it parsed. Move-only.
// Thread safety: none needed; made, read, then dropped by one thread.
#pragma once

#include <cstdint>
#include <deque>
#include <vector>

#include "corpus/model.h"

namespace expertmatch {

class FitCorpus {
 public:
  FitCorpus() = default;
  FitCorpus(FitCorpus&&) = default;
  FitCorpus& operator=(FitCorpus&&) = default;
  FitCorpus(const FitCorpus&) = delete;
  FitCorpus& operator=(const FitCorpus&) = delete;

  // From every record the store holds (problems of any status). A confirmed
  // version that no longer parses (written by another version) is left out.
  static FitCorpus of(const std::vector<const Expert*>& experts,
                      const std::vector<const Problem*>& problems);
  static FitCorpus of(const std::vector<Expert>& experts, const std::vector<Problem>& problems);

  // Every record as it is, confirmed or not: what the model learns from when
  // nothing at all is confirmed (a corpus no admin has touched).
  static FitCorpus all_of(const std::vector<const Expert*>& experts,
                          const std::vector<const Problem*>& problems);

  const std::vector<const Expert*>& experts() const { return experts_; }
  const std::vector<const Problem*>& problems() const { return problems_; }
  bool empty() const { return experts_.empty() && problems_.empty(); }

  // The sorted hashes (CorpusIndex::fit_hash) of its records: what
  // a saved model says it learned from, so that a restart can tell how much
  // of it changed (IndexConfig::refit_changed_share).
  std::vector<uint64_t> hashes() const;

 private:
  std::vector<const Expert*> experts_;
  std::vector<const Problem*> problems_;
  std::deque<Expert> parsed_experts_;  // confirmed versions; a deque keeps their addresses
  std::deque<Problem> parsed_problems_;
};

// How many records changed between two sorted hash lists: the larger of the
// counts only in `before` (gone or edited) and only in `after` (new or
// edited), so that an edited record counts once.
size_t changed_count(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after);

}  // namespace expertmatch
