// Planning at county scale (issue 14: "Planning a county with 2,000 open
// problems and 300 candidate experts finishes in seconds"). A program that
// prints figures, not a timed test.
//
// The county is made from the demo corpus's text, deterministically
// (bench_corpus.h: perturbed copies from a fixed seed): 300 experts (the
// demo's 124, then copies; all available with capacity >= 1, so every one is
// a candidate under the default policy, and those stationed in 常山县 count in
// full) and 2,000 open problems, all filed in 常山县 by enterprises named
// after the demo's (copy r of a problem is filed by "<enterprise>（r）" so the
// county has several hundred enterprises).
//
// Prints, each with the 1-minute load average beside it (the machine is
// shared): the index build, the matching that collects the good matches
// (every problem ranked against every expert), and the planning itself
// (WorkstationPlanner::plan_county: team choice, key topics, explanations),
// each best of --repeat runs; the plan's size for a sanity check. Also the
// matching again after one expert's write, with the Matcher kept and with a
// new one (what a write cost the next plan before: docs/performance.md, "A
// plan after a write").
//
// usage: plan_bench [--problems N] [--experts N] [--repeat N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

#include "bench/bench_corpus.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "matcher/planner.h"

namespace expertmatch::bench {
namespace {

constexpr const char* kCounty = "常山县";

std::string load_average() {
  std::ifstream f("/proc/loadavg");
  std::string one;
  f >> one;
  return one.empty() ? "?" : one;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void figure(const char* what, double seconds) {
  std::printf("%-44s %9.3f s   (load average %s)\n", what, seconds, load_average().c_str());
  std::fflush(stdout);
}

DemoCorpus county_corpus(const DemoCorpus& demo, size_t n_problems, size_t n_experts) {
  DemoCorpus out;
  out.experts = replicate(demo.experts, n_experts);
  for (Expert& e : out.experts) {
    e.available = true;
    e.capacity = std::max(e.capacity, 1);
    e.conflicts.clear();
  }
  out.problems = replicate(demo.problems, n_problems);
  for (size_t i = 0; i < out.problems.size(); ++i) {
    Problem& p = out.problems[i];
    size_t round = i / demo.problems.size();
    if (round > 0) p.enterprise += "（" + std::to_string(round) + "）";
    p.county = kCounty;
    p.status = ProblemStatus::kSubmitted;
  }
  return out;
}

int run(size_t n_problems, size_t n_experts, int repeat) {
  auto demo = load_demo_corpus();
  if (!demo) {
    std::fprintf(stderr, "plan_bench: %s\n", demo.status().to_string().c_str());
    return 1;
  }
  const DemoCorpus corpus = county_corpus(*demo, n_problems, n_experts);
  std::printf("county %s: %zu open problems, %zu experts\n", kCounty, corpus.problems.size(),
              corpus.experts.size());

  auto t0 = std::chrono::steady_clock::now();
  auto index = CorpusIndex::build(corpus.experts, corpus.problems, IndexConfig{});
  if (!index) {
    std::fprintf(stderr, "plan_bench: %s\n", index.status().to_string().c_str());
    return 1;
  }
  figure("index build", seconds_since(t0));

  Matcher matcher(**index);
  t0 = std::chrono::steady_clock::now();
  auto input = collect_planning_input(matcher, **index, {kCounty});
  if (!input) {
    std::fprintf(stderr, "plan_bench: %s\n", input.status().to_string().c_str());
    return 1;
  }
  figure("matching (collect_planning_input)", seconds_since(t0));
  std::printf("good matches: %zu\n", input->good_matches.size());
  // The matching again with the caches warm, then after one expert's write
  // (its bio changed, as a PATCH does): with the Matcher kept, which
  // re-derives that expert only, and with a new Matcher, which is what the
  // service did after each write before (attack trial F2).
  auto matching = [&](const Matcher& m, const char* what) {
    const Matcher::CacheCounts before = m.cache_counts();
    auto t = std::chrono::steady_clock::now();
    auto again = collect_planning_input(m, **index, {kCounty});
    if (!again) {
      std::fprintf(stderr, "plan_bench: %s\n", again.status().to_string().c_str());
      std::exit(1);
    }
    figure(what, seconds_since(t));
    const Matcher::CacheCounts after = m.cache_counts();
    std::printf("  aggregates made %llu, texts analysed %llu\n",
                static_cast<unsigned long long>(after.preps_made - before.preps_made),
                static_cast<unsigned long long>(after.units_analysed - before.units_analysed));
  };
  matching(matcher, "matching again, caches warm");
  Expert edited = (*index)->experts().begin()->second.expert;
  edited.bio += "（已更新）";
  if (Status s = (*index)->upsert_expert(edited); !s) {
    std::fprintf(stderr, "plan_bench: %s\n", s.to_string().c_str());
    return 1;
  }
  matching(matcher, "matching after one expert write, kept Matcher");
  matching(Matcher(**index), "matching after one expert write, new Matcher");

  auto planner = WorkstationPlanner::create(std::move(*input), PlanningOptions{});
  if (!planner) {
    std::fprintf(stderr, "plan_bench: %s\n", planner.status().to_string().c_str());
    return 1;
  }
  double best = -1;
  for (int r = 0; r < repeat; ++r) {
    t0 = std::chrono::steady_clock::now();
    auto plan = planner->plan_county({kCounty, {}, {}, {}, {}});
    double s = seconds_since(t0);
    if (!plan) {
      std::fprintf(stderr, "plan_bench: %s\n", plan.status().to_string().c_str());
      return 1;
    }
    figure("planning (plan_county)", s);
    if (best < 0 || s < best) best = s;
    if (r == 0)
      std::printf("plan: team %zu, key topics %zu of %d enterprises, %d of %d problems solvable\n",
                  plan->team.size(), plan->key_topics.size(), plan->score.enterprises,
                  plan->score.solvable_by_team, plan->score.open_problems);
  }
  figure("planning, best of runs", best);
  return 0;
}

}  // namespace
}  // namespace expertmatch::bench

int main(int argc, char** argv) {
  size_t problems = 2000, experts = 300;
  int repeat = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--problems"))
      problems = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--experts"))
      experts = std::strtoul(argv[i + 1], nullptr, 10);
    else if (!std::strcmp(argv[i], "--repeat"))
      repeat = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: plan_bench [--problems N] [--experts N] [--repeat N]\n");
      return 2;
    }
  }
  return expertmatch::bench::run(problems, experts, repeat);
}
