// Index build time: CorpusIndex::build (term model, LSA fit, Faiss and BM25
// indexes) for N experts with their works plus problems in the demo's
// proportion, N = 124 (the demo corpus itself) and 1000 (replicated).
#include <benchmark/benchmark.h>

#include <string>

#include "bench/bench_corpus.h"
#include "indexer/corpus_index.h"

namespace expertmatch::bench {
namespace {

void BM_BuildIndex(benchmark::State& state) {
  auto demo = load_demo_corpus();
  if (!demo) {
    state.SkipWithError(demo.status().to_string().c_str());
    return;
  }
  const DemoCorpus corpus = scaled_corpus(*demo, static_cast<size_t>(state.range(0)));
  size_t works = 0;
  for (const Expert& e : corpus.experts) works += e.works.size();
  size_t units = 0;
  for (auto _ : state) {
    auto index = CorpusIndex::build(corpus.experts, corpus.problems, IndexConfig{});
    if (!index) {
      state.SkipWithError(index.status().to_string().c_str());
      return;
    }
    units = (*index)->unit_count();
    benchmark::DoNotOptimize(units);
  }
  state.counters["experts"] = static_cast<double>(corpus.experts.size());
  state.counters["works"] = static_cast<double>(works);
  state.counters["problems"] = static_cast<double>(corpus.problems.size());
  state.counters["units"] = static_cast<double>(units);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * units));
}
BENCHMARK(BM_BuildIndex)->Arg(124)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace expertmatch::bench

BENCHMARK_MAIN();
