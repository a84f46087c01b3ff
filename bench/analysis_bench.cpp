// Text analysis throughput (MB/s of UTF-8 input) and LSA embedding
// throughput (documents/s), on texts of the bundled demo corpus.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/bench_corpus.h"
#include "indexer/corpus_index.h"
#include "indexer/text_analyzer.h"

namespace expertmatch::bench {
namespace {

bool is_mostly_latin(const std::string& s) {
  size_t latin = 0;
  for (char c : s) latin += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
  return latin * 2 > s.size();
}

struct Inputs {
  std::unique_ptr<CorpusIndex> index;  // its term model gives the lexicon and the embedder
  std::vector<std::string> chinese;    // problem texts: plant-floor Chinese
  std::vector<std::string> mixed;      // texts of works with an English title (Chinese abstract)
  std::vector<std::string> works;      // every work text of the demo corpus, as indexed
  std::string error;
};

const Inputs& inputs() {
  static const Inputs* in = [] {
    auto* in = new Inputs;
    auto demo = load_demo_corpus();
    if (!demo) {
      in->error = demo.status().to_string();
      return in;
    }
    auto index = CorpusIndex::build(demo->experts, demo->problems, IndexConfig{});
    if (!index) {
      in->error = index.status().to_string();
      return in;
    }
    in->index = std::move(*index);
    for (const Problem& p : demo->problems) in->chinese.push_back(CorpusIndex::problem_text(p));
    for (const Expert& e : demo->experts) {
      for (const Work& w : e.works) {
        in->works.push_back(CorpusIndex::work_text(w));
        if (is_mostly_latin(w.title)) in->mixed.push_back(in->works.back());
      }
    }
    return in;
  }();
  return *in;
}

// Share of the bytes that are ASCII letters.
double latin_share(const std::vector<std::string>& texts) {
  size_t latin = 0, all = 0;
  for (const auto& t : texts) {
    for (char c : t) latin += (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
    all += t.size();
  }
  return all == 0 ? 0.0 : static_cast<double>(latin) / static_cast<double>(all);
}

size_t total_bytes(const std::vector<std::string>& texts) {
  size_t n = 0;
  for (const auto& t : texts) n += t.size();
  return n;
}

// Analyses every text of `texts` once per iteration.
void run_analysis(benchmark::State& state, const std::vector<std::string>& texts) {
  const Inputs& in = inputs();
  if (!in.error.empty() || texts.empty()) {
    state.SkipWithError(in.error.empty() ? "no texts" : in.error.c_str());
    return;
  }
  TextAnalyzer analyzer(&in.index->terms().lexicon(), in.index->terms().analyzer_options());
  size_t tokens = 0;
  for (auto _ : state) {
    for (const auto& t : texts) {
      auto r = analyzer.analyze(t);
      if (!r) {
        state.SkipWithError(r.status().to_string().c_str());
        return;
      }
      tokens += r->size();
      benchmark::DoNotOptimize(r->data());
    }
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(texts)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * texts.size()));
  state.counters["tokens/doc"] =
      static_cast<double>(tokens) / static_cast<double>(state.iterations() * texts.size());
  state.counters["bytes/doc"] =
      static_cast<double>(total_bytes(texts)) / static_cast<double>(texts.size());
  state.counters["latin_share"] = latin_share(texts);
}

void BM_AnalyzeChinese(benchmark::State& state) { run_analysis(state, inputs().chinese); }
BENCHMARK(BM_AnalyzeChinese)->Unit(benchmark::kMillisecond);

void BM_AnalyzeMixedChineseEnglish(benchmark::State& state) { run_analysis(state, inputs().mixed); }
BENCHMARK(BM_AnalyzeMixedChineseEnglish)->Unit(benchmark::kMillisecond);

// The built-in LsaEmbedder (the default IndexConfig) on every work text of the
// corpus (analysis + fold-in).
void BM_EmbedWorks(benchmark::State& state) {
  const Inputs& in = inputs();
  if (!in.error.empty()) {
    state.SkipWithError(in.error.c_str());
    return;
  }
  const Embedder& embedder = in.index->embedder();
  for (auto _ : state) {
    auto v = embedder.embed(in.works);
    if (!v) {
      state.SkipWithError(v.status().to_string().c_str());
      return;
    }
    benchmark::DoNotOptimize(v->data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * in.works.size()));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * total_bytes(in.works)));
  state.counters["dimension"] = embedder.dimension();
}
BENCHMARK(BM_EmbedWorks)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace expertmatch::bench

BENCHMARK_MAIN();
