// Benchmark input: the bundled Quzhou demo corpus (corpus/quzhou), replicated
// to larger sizes with deterministic id suffixes and light perturbation from a
// fixed seed. Benchmarks read nothing else (never ../shared/datasets).
//
// EXPERTMATCH_SOURCE_DIR is a compile definition (bench/CMakeLists.txt).
#pragma once

#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "corpus/model.h"
#include "corpus/status.h"

namespace expertmatch::bench {

inline constexpr uint64_t kSeed = 20260401;

struct DemoCorpus {
  std::vector<Expert> experts;
  std::vector<Problem> problems;
};

// The demo corpus as shipped: 124 experts, 385 problems.
inline Result<DemoCorpus> load_demo_corpus() {
  const std::string dir = std::string(EXPERTMATCH_SOURCE_DIR) + "/corpus/quzhou/";
  auto experts = read_experts_file(dir + "experts.jsonl");
  if (!experts) return experts.status();
  auto problems = read_problems_file(dir + "problems.jsonl");
  if (!problems) return problems.status();
  return DemoCorpus{std::move(experts).value(), std::move(problems).value()};
}

// Copy `r` (r >= 1) of a record gets the id suffix "-rR" and a light,
// seeded perturbation: its keyword lists rotated, and one of its works (or
// one problem keyword) dropped, so that copies are not byte-identical.
inline Expert perturbed_copy(const Expert& e, int r, std::mt19937_64* rng) {
  Expert c = e;
  c.id = e.id + "-r" + std::to_string(r);
  if (c.fields.size() > 1) {
    std::rotate(c.fields.begin(), c.fields.begin() + (*rng)() % c.fields.size(), c.fields.end());
  }
  for (Work& w : c.works) {
    if (w.keywords.size() > 1) {
      std::rotate(w.keywords.begin(), w.keywords.begin() + (*rng)() % w.keywords.size(),
                  w.keywords.end());
    }
  }
  if (c.works.size() > 2 && (*rng)() % 2 == 0) {
    c.works.erase(c.works.begin() + static_cast<long>((*rng)() % c.works.size()));
  }
  return c;
}

inline Problem perturbed_copy(const Problem& p, int r, std::mt19937_64* rng) {
  Problem c = p;
  c.id = p.id + "-r" + std::to_string(r);
  if (c.keywords.size() > 1) {
    c.keywords.erase(c.keywords.begin() + static_cast<long>((*rng)() % c.keywords.size()));
  }
  c.urgency = 1 + static_cast<int>((*rng)() % 5);
  return c;
}

// `n` records: the originals first, then perturbed copies round by round.
template <typename T>
std::vector<T> replicate(const std::vector<T>& base, size_t n) {
  std::vector<T> out;
  out.reserve(n);
  std::mt19937_64 rng(kSeed);
  for (int round = 0; out.size() < n && !base.empty(); ++round) {
    for (size_t i = 0; i < base.size() && out.size() < n; ++i) {
      out.push_back(round == 0 ? base[i] : perturbed_copy(base[i], round, &rng));
    }
  }
  return out;
}

// A corpus of `experts` experts and problems in the demo's proportion
// (385 problems to 124 experts).
inline DemoCorpus scaled_corpus(const DemoCorpus& demo, size_t experts) {
  size_t problems =
      demo.experts.empty()
          ? 0
          : (experts * demo.problems.size() + demo.experts.size() / 2) / demo.experts.size();
  return DemoCorpus{replicate(demo.experts, experts), replicate(demo.problems, problems)};
}

}  // namespace expertmatch::bench
