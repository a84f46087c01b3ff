#include "indexer/fit_corpus.h"

#include <algorithm>

#include "corpus/exchange_format.h"
#include "indexer/corpus_index.h"

namespace expertmatch {

namespace {

// Each record as the city last confirmed it into `out`: a confirmed one as
// it is, an unconfirmed one as its confirmed version (parsed into `parsed`,
// whose elements keep their addresses), a never-confirmed one not at all.
template <typename Record, typename Parse>
void take_confirmed(const std::vector<const Record*>& records, Parse parse,
                    std::vector<const Record*>* out, std::deque<Record>* parsed) {
  for (const Record* r : records) {
    if (r->verified) {
      out->push_back(r);
    } else if (!r->confirmed_json.empty()) {
      auto version = parse(r->confirmed_json, "confirmed version of " + r->id);
      if (!version) continue;
      parsed->push_back(std::move(*version));
      out->push_back(&parsed->back());
    }
  }
}

}  // namespace

FitCorpus FitCorpus::of(const std::vector<const Expert*>& experts,
                        const std::vector<const Problem*>& problems) {
  FitCorpus out;
  take_confirmed(experts, parse_expert_json, &out.experts_, &out.parsed_experts_);
  take_confirmed(problems, parse_problem_json, &out.problems_, &out.parsed_problems_);
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
