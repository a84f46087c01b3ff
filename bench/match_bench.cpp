// Single-query search time: Matcher::rank_experts (top 10 and top 100, with
// explanations) and VectorIndex::search alone, over indexes of N experts
// (N = 124, the demo corpus, and 1000, replicated) built once per size.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_corpus.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"

namespace expertmatch::bench {
namespace {

struct Fixture {
  std::unique_ptr<CorpusIndex> index;
  std::vector<Problem> queries;  // the demo's own 385 problems
  std::string error;
};

// The index of `experts` experts, built on first use and kept for the run.
const Fixture& fixture(size_t experts) {
  static std::map<size_t, Fixture> cache;
  auto it = cache.find(experts);
  if (it != cache.end()) return it->second;
  Fixture& f = cache[experts];
  auto demo = load_demo_corpus();
  if (!demo) {
    f.error = demo.status().to_string();
    return f;
  }
  const DemoCorpus corpus = scaled_corpus(*demo, experts);
  auto index = CorpusIndex::build(corpus.experts, corpus.problems, IndexConfig{});
  if (!index) {
    f.error = index.status().to_string();
    return f;
  }
  f.index = std::move(*index);
  f.queries = demo->problems;
  return f;
}

// One query per iteration, cycling through the demo's problems: args are
// (experts, k). Every returned match carries its explanation.
void BM_RankExperts(benchmark::State& state) {
  const Fixture& f = fixture(static_cast<size_t>(state.range(0)));
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  Matcher matcher(*f.index);
  const MatchFilters filters;
  size_t q = 0;
  for (auto _ : state) {
    auto r = matcher.rank_experts(f.queries[q++ % f.queries.size()], filters,
                                  static_cast<int>(state.range(1)));
    if (!r) {
      state.SkipWithError(r.status().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(r->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["experts"] = static_cast<double>(f.index->experts().size());
  state.counters["units"] = static_cast<double>(f.index->unit_count());
}
BENCHMARK(BM_RankExperts)
    ->Args({124, 10})
    ->Args({1000, 10})
    ->Args({124, 100})
    ->Args({1000, 100})
    ->Unit(benchmark::kMillisecond);

// Faiss search of the expert units (profiles and works) with a stored
// problem's vector as the query: args are (experts, k).
void BM_VectorSearch(benchmark::State& state) {
  const Fixture& f = fixture(static_cast<size_t>(state.range(0)));
  if (!f.error.empty()) {
    state.SkipWithError(f.error.c_str());
    return;
  }
  std::vector<const float*> queries;
  for (const auto& [id, entry] : f.index->problems()) {
    if (const float* v = f.index->problem_vectors().vector(entry.unit)) queries.push_back(v);
  }
  if (queries.empty()) {
    state.SkipWithError("no problem vectors");
    return;
  }
  const VectorIndex& vectors = f.index->expert_vectors();
  const int k = static_cast<int>(state.range(1));
  size_t q = 0;
  for (auto _ : state) {
    auto hits = vectors.search(queries[q++ % queries.size()], k);
    if (!hits) {
      state.SkipWithError(hits.status().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(hits->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.counters["vectors"] = static_cast<double>(vectors.size());
  state.counters["dimension"] = vectors.dimension();
}
BENCHMARK(BM_VectorSearch)
    ->Args({124, 10})
    ->Args({124, 100})
    ->Args({1000, 10})
    ->Args({1000, 100})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace expertmatch::bench

BENCHMARK_MAIN();
