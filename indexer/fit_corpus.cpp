#include "indexer/fit_corpus.h"

#include <algorithm>

#include "corpus/exchange_format.h"
#include "indexer/corpus_index.h"

namespace expertmatch {

FitCorpus FitCorpus::of(const std::vector<const Expert*>& experts,
                        const std::vector<const Problem*>& problems) {
  FitCorpus out;
  for (const Expert* e : experts) {
    if (e->verified) {
      out.experts_.push_back(e);
    } else if (!e->confirmed_json.empty()) {
      auto parsed = parse_expert_json(e->confirmed_json, "confirmed version of " + e->id);
      if (!parsed) continue;
      out.parsed_experts_.push_back(std::move(*parsed));
      out.experts_.push_back(&out.parsed_experts_.back());
    }
  }
  for (const Problem* p : problems) {
    if (p->verified) {
      out.problems_.push_back(p);
    } else if (!p->confirmed_json.empty()) {
      auto parsed = parse_problem_json(p->confirmed_json, "confirmed version of " + p->id);
      if (!parsed) continue;
      out.parsed_problems_.push_back(std::move(*parsed));
      out.problems_.push_back(&out.parsed_problems_.back());
    }
  }
  return out;
}

FitCorpus FitCorpus::of(const std::vector<Expert>& experts, const std::vector<Problem>& problems) {
  std::vector<const Expert*> e;
  std::vector<const Problem*> p;
  for (const auto& x : experts) e.push_back(&x);
  for (const auto& x : problems) p.push_back(&x);
  return of(e, p);
}

FitCorpus FitCorpus::all_of(const std::vector<const Expert*>& experts,
                            const std::vector<const Problem*>& problems) {
  FitCorpus out;
  out.experts_ = experts;
  out.problems_ = problems;
  return out;
}

std::vector<uint64_t> FitCorpus::hashes() const {
  std::vector<uint64_t> out;
  out.reserve(experts_.size() + problems_.size());
  for (const Expert* e : experts_) out.push_back(CorpusIndex::fit_hash(*e));
  for (const Problem* p : problems_) out.push_back(CorpusIndex::fit_hash(*p));
  std::sort(out.begin(), out.end());
  return out;
}

size_t changed_count(const std::vector<uint64_t>& before, const std::vector<uint64_t>& after) {
  size_t common = 0;
  auto a = before.begin();
  auto b = after.begin();
  while (a != before.end() && b != after.end()) {
    if (*a < *b) {
      ++a;
    } else if (*b < *a) {
      ++b;
    } else {
      ++common, ++a, ++b;
    }
  }
  return std::max(before.size(), after.size()) - common;
}

}  // namespace expertmatch
