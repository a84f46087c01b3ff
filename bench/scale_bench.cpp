// scale_bench: on a saved index (expertmatch index --data DIR, or the one
// `serve` saves), the time of one two-stage ranking (Matcher::rank_experts,
// k = 10, explanations included) beside a bare Faiss search over the same
// expert vectors (the index's own structure, and exact flat search), in one
// run, with the two-stage ranking's recall@10 against the exhaustive one.
//
// usage: scale_bench --index DIR [--queries N] [--recall-queries M]
//                    [--expert-queries E] [--dense-units N] [--lexical-units N]
//                    [--rankings FILE] [--pruned-lexical-min-units N]
//                    [--units-per-root X] [--rare-term-min-units N]
//                    [--rare-term-share X]
// --expert-queries: experts whose problems (rank_problems, k = 10) are ranked
// from candidates and from every open problem (default 20), for recall@10.
// --pruned-lexical-min-units: MatchConfig::pruned_lexical_min_units of the
// two-stage Matcher (0: always the pruned BM25 path; a huge value: never).
// --units-per-root: MatchConfig::candidate_units_per_root (0: the unit counts
// given alone; default 2, so at least 2 sqrt(expert units) of each).
// --rare-term-min-units: MatchConfig::rare_term_candidates_min_units (a huge
// value: the BM25 candidates from every posting, as before that option).
// --rare-term-share: MatchConfig::rare_term_max_df_share (default 0.05).
// Prints one table; figures are CPU times of the calling thread (the index
// load's is wall-clock). The two-stage ranking is timed twice over the same
// problems with one Matcher: first with its caches cold, then warm. --rankings writes each sampled
// problem's two-stage top 10 (problem, rank, expert, score to 9 digits) to FILE, to compare two
// builds' rankings.
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include "matcher/matcher.h"

namespace {

using namespace expertmatch;

// CPU time of the calling thread: on a shared machine wall-clock time
// measures the other load as much as this code.
struct Clock {
  using time_point = double;
  static double now() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
  }
};

double ms_since(double t) { return Clock::now() - t; }

struct Summary {
  double mean, p50, p99;
};

Summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  double sum = 0;
  for (double x : v) sum += x;
  auto at = [&](double q) { return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))]; };
  return {sum / v.size(), at(0.5), at(0.99)};
}

long peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir, rankings;
  size_t queries = 300, recall_queries = 40, expert_queries = 20;
  MatchConfig two_config;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string a = argv[i];
    if (a == "--index")
      dir = argv[i + 1];
    else if (a == "--queries")
      queries = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--recall-queries")
      recall_queries = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--dense-units")
      two_config.candidate_dense_units = std::atoi(argv[i + 1]);
    else if (a == "--lexical-units")
      two_config.candidate_lexical_units = std::atoi(argv[i + 1]);
    else if (a == "--pruned-lexical-min-units")
      two_config.pruned_lexical_min_units = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--rare-term-min-units")
      two_config.rare_term_candidates_min_units = std::strtoull(argv[i + 1], nullptr, 10);
    else if (a == "--rare-term-share")
      two_config.rare_term_max_df_share = std::strtof(argv[i + 1], nullptr);
    else if (a == "--units-per-root")
      two_config.candidate_units_per_root = std::strtof(argv[i + 1], nullptr);
    else if (a == "--expert-queries")
      expert_queries = std::strtoul(argv[i + 1], nullptr, 10);
    else if (a == "--rankings")
      rankings = argv[i + 1];
  }
  if (dir.empty() || queries == 0) {
    std::fputs(
        "usage: scale_bench --index DIR [--queries N] [--recall-queries M]\n                   "
        "[--expert-queries E] [--dense-units N] [--lexical-units N] [--rankings FILE]\n"
        "                   [--pruned-lexical-min-units N] [--units-per-root X]\n"
        "                   [--rare-term-min-units N] [--rare-term-share X]\n",
        stderr);
    return 2;
  }
  auto t0 = std::chrono::steady_clock::now();
  auto loaded = CorpusIndex::load(dir, IndexConfig{}, 0);
  if (!loaded) {
    std::fprintf(stderr, "scale_bench: %s\n", loaded.status().to_string().c_str());
    return 1;
  }
  const CorpusIndex& index = **loaded;
  std::printf(
      "index: %zu experts, %zu expert units (%s), %zu problems; loaded in %.1f s, "
      "peak RSS %ld MB\n",
      index.experts().size(), index.expert_vectors().size(),
      index.expert_vectors().factory().c_str(), index.problems().size(),
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), peak_rss_mb());
  std::vector<const Problem*> sample;
  const size_t step = std::max<size_t>(1, index.problems().size() / queries);
  size_t i = 0;
  for (const auto& [id, p] : index.problems())
    if (i++ % step == 0 && sample.size() < queries) sample.push_back(&p.problem());
  // The query vectors, centred as the two-stage search uses them, outside the timing.
  const int d = index.expert_vectors().dimension();
  std::vector<std::vector<float>> vecs;
  for (const Problem* p : sample) {
    auto v = index.embedder().embed({CorpusIndex::problem_text(*p)});
    if (!v) return 1;
    for (int j = 0; j < d; ++j) (*v)[j] -= index.unit_mean()[j];
    l2_normalize(v->data(), d);
    vecs.push_back(std::move(*v));
  }
  // An exact flat index over the same vectors.
  auto flat = VectorIndex::create(d, "Flat");
  std::vector<int64_t> ids;
  std::vector<float> all;
  for (const auto& [id, e] : index.experts()) {
    std::vector<int64_t> units = {e.profile_unit};
    units.insert(units.end(), e.work_units.begin(), e.work_units.end());
    for (int64_t u : units)
      if (const float* v = index.expert_vectors().vector(u)) {
        ids.push_back(u);
        all.insert(all.end(), v, v + d);
      }
  }
  if (!flat || !(*flat)->add(ids, all.data())) return 1;
  std::vector<double> t_index, t_flat, t_two, t_warm, t_exh, t_wand, t_bm25, t_rare;
  FILE* out = rankings.empty() ? nullptr : std::fopen(rankings.c_str(), "w");
  std::vector<float> dense_bm25;
  double topk_postings = 0, topk_scored = 0, topk_exact = 0;
  std::vector<int64_t> touched;
  Matcher two(index, two_config);
  const size_t expert_units = index.expert_lexical().size();
  std::printf("candidates: %d dense units, %d BM25 units\n",
              two.candidate_units(two_config.candidate_dense_units, expert_units),
              two.candidate_units(two_config.candidate_lexical_units, expert_units));
  MatchConfig exhaustive_config;
  exhaustive_config.exhaustive_max_experts = SIZE_MAX;
  Matcher exhaustive(index, exhaustive_config);
  for (size_t q = 0; q < sample.size(); ++q) {
    auto t = Clock::now();
    auto a = index.expert_vectors().search(vecs[q].data(), 10);
    t_index.push_back(ms_since(t));
    t = Clock::now();
    auto b = (*flat)->search(vecs[q].data(), 10);
    t_flat.push_back(ms_since(t));
    t = Clock::now();
    auto r = two.rank_experts(*sample[q], MatchFilters{}, 10);
    t_two.push_back(ms_since(t));
    if (!a || !b || !r) return 1;
    for (size_t j = 0; out && j < r->size(); ++j)
      std::fprintf(out, "%s\t%zu\t%s\t%.9g\t%.9g\n", sample[q]->id.c_str(), j + 1,
                   (*r)[j].expert_id.c_str(), (*r)[j].score, (*r)[j].confidence);
    auto terms = index.problem_terms(*sample[q]);
    if (!terms) return 1;
    t = Clock::now();
    LexicalIndex::TopKCounts counts;
    auto top = index.expert_lexical().top_k(*terms, two_config.candidate_lexical_units, &counts);
    topk_postings += counts.postings;
    topk_scored += counts.scored;
    topk_exact += counts.exact;
    t_wand.push_back(ms_since(t));
    // What the walk over every posting costs: accumulate into a dense array,
    // then the best units (the ranking's path below rare_term_candidates_min_units).
    t = Clock::now();
    const LexicalIndex& lex = index.expert_lexical();
    std::vector<float> idf;
    for (auto& [term, w] : *terms) idf.push_back(lex.idf(term));
    lex.accumulate(*terms, idf, &dense_bm25, &touched);
    std::vector<std::pair<float, int64_t>> v;
    for (int64_t u : touched) v.emplace_back(-dense_bm25[u], u);
    size_t kk = std::min<size_t>(v.size(), two_config.candidate_lexical_units);
    std::nth_element(v.begin(), v.begin() + kk, v.end());
    t_bm25.push_back(ms_since(t));
    for (int64_t u : touched) dense_bm25[u] = 0;
    touched.clear();
    // The rare terms' pass (the ranking's path above rare_term_candidates_min_units).
    t = Clock::now();
    const auto rare_units = lex.rare_term_top(
        *terms, idf,
        static_cast<uint32_t>(two_config.rare_term_max_df_share * static_cast<double>(lex.size())),
        two_config.candidate_lexical_units);
    t_rare.push_back(ms_since(t));
    (void)rare_units;
  }
  // The same queries again on the same Matcher: its caches (per-expert
  // aggregates, explanation words) warm, as in a server that keeps one.
  for (size_t q = 0; q < sample.size(); ++q) {
    auto t = Clock::now();
    auto r = two.rank_experts(*sample[q], MatchFilters{}, 10);
    t_warm.push_back(ms_since(t));
    if (!r) return 1;
  }
  double recall = 0;
  size_t n = std::min(recall_queries, sample.size());
  for (size_t q = 0; q < n; ++q) {
    auto fast = two.rank_experts(*sample[q], MatchFilters{}, 10);
    auto t = Clock::now();
    auto full = exhaustive.rank_experts(*sample[q], MatchFilters{}, 10);
    t_exh.push_back(ms_since(t));
    if (!fast || !full) return 1;
    std::set<std::string> want;
    for (const auto& m : *full) want.insert(m.expert_id);
    int hit = 0;
    for (const auto& m : *fast) hit += want.count(m.expert_id);
    recall += full->empty() ? 1.0 : static_cast<double>(hit) / full->size();
  }
  recall = n ? recall / n : 0;
  // An expert's problems (GET /experts/{id}/matches?k=10): candidates against
  // every open problem, for every (experts / expert_queries)-th expert.
  std::vector<double> t_problems, t_problems_all;
  double problem_recall = 0;
  size_t pn = 0;
  {
    MatchConfig all_problems = two_config;
    all_problems.exhaustive_max_problems = SIZE_MAX;
    Matcher every(index, all_problems);
    const size_t estep =
        std::max<size_t>(1, index.experts().size() / std::max<size_t>(1, expert_queries));
    size_t j = 0;
    for (const auto& [id, e] : index.experts()) {
      if (j++ % estep != 0 || pn >= expert_queries) continue;
      auto t = Clock::now();
      auto fast = two.rank_problems(id, MatchFilters{}, 10);
      t_problems.push_back(ms_since(t));
      t = Clock::now();
      auto full = every.rank_problems(id, MatchFilters{}, 10);
      t_problems_all.push_back(ms_since(t));
      if (!fast || !full) return 1;
      std::set<std::string> want;
      for (const auto& m : *full) want.insert(m.problem_id);
      int hit = 0;
      for (const auto& m : *fast) hit += want.count(m.problem_id);
      problem_recall += full->empty() ? 1.0 : static_cast<double>(hit) / full->size();
      ++pn;
    }
    problem_recall = pn ? problem_recall / pn : 0;
  }
  if (out) std::fclose(out);
  auto row = [&](const char* what, const std::vector<double>& v) {
    if (v.empty()) return;
    Summary s = summarize(v);
    std::printf("%-44s %8.3f %8.3f %8.3f  %zu\n", what, s.mean, s.p50, s.p99, v.size());
  };
  std::printf("%-44s %8s %8s %8s  %s\n", "CPU ms a query (one thread)", "mean", "p50", "p99", "n");
  row(("bare Faiss search, k=10, " + index.expert_vectors().factory()).c_str(), t_index);
  row("bare Faiss search, k=10, exact Flat", t_flat);
  row("BM25 top units, pruned (LexicalIndex::top_k)", t_wand);
  row("BM25 top units, every posting (accumulate)", t_bm25);
  row("BM25 top units, rare terms (rare_term_top)", t_rare);
  row("two-stage rank_experts, k=10, explained", t_two);
  row("the same again, one Matcher's caches warm", t_warm);
  row("exhaustive rank_experts, k=10, explained", t_exh);
  row("rank_problems (an expert's), k=10, two-stage", t_problems);
  row("rank_problems, every open problem scored", t_problems_all);
  std::printf("two-stage / bare Faiss (%s): %.1fx first, %.1fx warm; / exact Flat: %.1fx, %.1fx\n",
              index.expert_vectors().factory().c_str(),
              summarize(t_two).mean / summarize(t_index).mean,
              summarize(t_warm).mean / summarize(t_index).mean,
              summarize(t_two).mean / summarize(t_flat).mean,
              summarize(t_warm).mean / summarize(t_flat).mean);
  std::printf("recall@10 of two-stage against exhaustive: %.3f over %zu problems\n", recall, n);
  std::printf(
      "pruned top_k: %.0f postings a query, %.1f %% of them scored, %.0f units scored in full\n",
      topk_postings / sample.size(), 100 * topk_scored / std::max(1.0, topk_postings),
      topk_exact / sample.size());
  std::printf(
      "recall@10 of rank_problems' candidates against every problem: %.3f over %zu experts\n",
      problem_recall, pn);
  std::printf("peak RSS %ld MB\n", peak_rss_mb());
  return 0;
}
