// Two-stage ranking (issue 14) on a corpus generated from the demo's text
// (bench/corpus_generator.h) above the two-stage threshold: recall@10 of the
// two-stage ranking against the exhaustive one, the invariants on the
// candidates, and the pruned BM25 top k (MaxScore) against scoring every
// posting, there and on the demo corpus.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench/corpus_generator.h"
#include "corpus/exchange_format.h"
#include "matcher/matcher.h"

namespace expertmatch {
namespace {

std::string demo_dir() {
  const char* src = std::getenv("EXPERTMATCH_SOURCE_DIR");
  return std::string(src ? src : ".") + "/corpus/quzhou/";
}

bool dominates_strictly(const ComponentScores& a, const ComponentScores& b) {
  return a.dense >= b.dense && a.lexical >= b.lexical && a.profile >= b.profile &&
         (a.dense > b.dense || a.lexical > b.lexical || a.profile > b.profile);
}

struct Generated {
  bench::GeneratedCorpus corpus;
  std::unique_ptr<CorpusIndex> index;
};

// 1,200 experts with 5 works: 7,200 expert units, above both thresholds
// (two-stage at 1,000 experts by default; inverted lists above 4,000 units here).
const Generated& generated() {
  static const Generated* g = [] {
    auto* out = new Generated;
    auto experts = read_experts_file(demo_dir() + "experts.jsonl");
    auto problems = read_problems_file(demo_dir() + "problems.jsonl");
    EXPECT_TRUE(experts.is_ok() && problems.is_ok());
    if (!experts.is_ok() || !problems.is_ok()) return out;
    bench::GeneratorOptions o;
    o.experts = 1200;
    o.works_per_expert = 5;
    o.problems = 300;
    o.seed = 14;
    out->corpus = bench::generate_corpus(*experts, *problems, o);
    IndexConfig config;
    config.exact_search_max_units = 4000;
    auto index = CorpusIndex::build(out->corpus.experts, out->corpus.problems, config);
    EXPECT_TRUE(index.is_ok()) << index.status().to_string();
    if (index.is_ok()) out->index = std::move(*index);
    return out;
  }();
  return *g;
}

TEST(CorpusGenerator, IsDeterministicAndValid) {
  auto experts = read_experts_file(demo_dir() + "experts.jsonl");
  auto problems = read_problems_file(demo_dir() + "problems.jsonl");
  ASSERT_TRUE(experts.is_ok() && problems.is_ok());
  bench::GeneratorOptions o;
  o.experts = 300;
  o.works_per_expert = 10;
  o.problems = 900;
  auto a = bench::generate_corpus(*experts, *problems, o);
  auto b = bench::generate_corpus(*experts, *problems, o);
  o.seed = 2;
  auto c = bench::generate_corpus(*experts, *problems, o);
  ASSERT_EQ(a.experts.size(), 300u);
  ASSERT_EQ(a.problems.size(), 900u);
  EXPECT_EQ(a.experts.front().id, "gx-0000001");
  EXPECT_EQ(a.problems.back().id, "gp-0000900");
  EXPECT_EQ(to_jsonl(a.experts), to_jsonl(b.experts));
  EXPECT_EQ(to_jsonl(a.problems), to_jsonl(b.problems));
  EXPECT_NE(to_jsonl(a.experts), to_jsonl(c.experts));
  EXPECT_NE(to_jsonl(a.problems), to_jsonl(c.problems));
  // What `expertmatch validate` reads: every record parses back with no error.
  auto e = parse_experts_jsonl(to_jsonl(a.experts), "experts.jsonl");
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  auto p = parse_problems_jsonl(to_jsonl(a.problems), "problems.jsonl");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  std::set<std::string> ids;
  for (const Expert& x : *e) {
    EXPECT_EQ(x.works.size(), 10u) << x.id;
    ids.insert(x.id);
  }
  EXPECT_EQ(ids.size(), 300u);
}

void check_structures() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  EXPECT_EQ(g.index->expert_vectors().factory().rfind("IVF", 0), 0u)
      << g.index->expert_vectors().factory();
  EXPECT_EQ(g.index->problem_vectors().factory(), "Flat");
  EXPECT_TRUE(Matcher(*g.index).two_stage(10));
  EXPECT_FALSE(Matcher(*g.index).two_stage(-1));
  MatchConfig exhaustive;
  exhaustive.exhaustive_max_experts = SIZE_MAX;
  EXPECT_FALSE(Matcher(*g.index, exhaustive).two_stage(10));
}

void check_recall_and_invariants() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  Matcher two(*g.index);
  MatchConfig config;
  config.exhaustive_max_experts = SIZE_MAX;
  Matcher all(*g.index, config);
  double recall = 0;
  int n = 0;
  std::vector<const Problem*> batch;
  for (size_t i = 0; i < g.corpus.problems.size(); i += 5) batch.push_back(&g.corpus.problems[i]);
  auto batched = two.rank_experts_batch(batch, MatchFilters{}, 10);
  ASSERT_TRUE(batched.is_ok()) << batched.status().to_string();
  for (size_t b = 0; b < batch.size(); ++b) {
    const Problem& p = *batch[b];
    auto fast = two.rank_experts(p, MatchFilters{}, 10);
    auto full = all.rank_experts(p, MatchFilters{}, 10);
    ASSERT_TRUE(fast.is_ok() && full.is_ok());
    ASSERT_EQ(full->size(), 10u);
    ASSERT_EQ(fast->size(), 10u);
    // The batched search gives the same answers as one search a problem.
    ASSERT_EQ((*batched)[b].size(), fast->size());
    for (size_t i = 0; i < fast->size(); ++i)
      EXPECT_EQ((*batched)[b][i].expert_id, (*fast)[i].expert_id) << p.id;
    std::set<std::string> want;
    for (const auto& m : *full) want.insert(m.expert_id);
    int hit = 0;
    for (const auto& m : *fast) hit += want.count(m.expert_id);
    recall += hit / 10.0;
    ++n;
    for (size_t i = 0; i < fast->size(); ++i) {
      const ExpertMatch& a = (*fast)[i];
      EXPECT_FALSE(a.works.empty() && a.terms.empty()) << p.id << " " << a.expert_id;
      for (size_t j = i + 1; j < fast->size(); ++j)
        EXPECT_FALSE(dominates_strictly((*fast)[j].components, a.components))
            << p.id << ": " << (*fast)[j].expert_id << " ranks below one it dominates";
    }
    // An expert in both rankings has the same components: the same scoring.
    for (const auto& m : *fast)
      for (const auto& f : *full)
        if (m.expert_id == f.expert_id) {
          EXPECT_EQ(m.components.dense, f.components.dense);
          EXPECT_EQ(m.components.lexical, f.components.lexical);
          EXPECT_EQ(m.components.profile, f.components.profile);
        }
  }
  ASSERT_GT(n, 50);
  recall /= n;
  std::printf("two-stage recall@10 against exhaustive: %.3f over %d problems\n", recall, n);
  EXPECT_GE(recall, 0.95);
}

void check_filters() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  Matcher two(*g.index);
  const Problem& p = g.corpus.problems[7];
  auto top = two.rank_experts(p, MatchFilters{}, 10);
  ASSERT_TRUE(top.is_ok());
  ASSERT_FALSE(top->empty());
  MatchFilters f;
  f.exclude_experts.insert(top->front().expert_id);
  auto without = two.rank_experts(p, f, 10);
  ASSERT_TRUE(without.is_ok());
  for (const auto& m : *without) EXPECT_NE(m.expert_id, top->front().expert_id);
  // The others keep their places and scores: the rest of the top 10 moves up one.
  ASSERT_EQ(without->size(), 10u);
  for (size_t j = 0; j + 1 < top->size(); ++j) {
    EXPECT_EQ((*without)[j].expert_id, (*top)[j + 1].expert_id) << j;
    EXPECT_EQ((*without)[j].score, (*top)[j + 1].score) << j;
  }
  // An expert whose conflicts name the problem's enterprise is never ranked.
  for (const auto& m : *top) {
    const Expert& e = g.index->expert(m.expert_id)->expert;
    for (const auto& c : e.conflicts) EXPECT_NE(c, p.enterprise) << m.expert_id;
  }
}

void check_wand_exact() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  const LexicalIndex& lex = g.index->expert_lexical();
  for (size_t i = 0; i < g.corpus.problems.size(); i += 10) {
    auto terms = g.index->problem_terms(g.corpus.problems[i]);
    ASSERT_TRUE(terms.is_ok());
    auto all = lex.score(*terms);
    std::vector<std::pair<int64_t, float>> want(all.begin(), all.end());
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (size_t k : {1u, 10u, 200u}) {
      auto got = lex.top_k(*terms, k);
      ASSERT_EQ(got.size(), std::min(k, want.size()));
      for (size_t j = 0; j < got.size(); ++j) {
        EXPECT_EQ(got[j].first, want[j].first) << "problem " << i << " k " << k << " rank " << j;
        EXPECT_EQ(got[j].second, want[j].second);
      }
    }
  }
}

// One Matcher shared by two threads (as the service shares one) ranks every
// problem exactly as a fresh Matcher per problem, two-stage and exhaustive.
void check_shared_matcher() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  MatchConfig exhaustive;
  exhaustive.exhaustive_max_experts = SIZE_MAX;
  for (const MatchConfig& config : {MatchConfig{}, exhaustive}) {
    const Matcher shared(*g.index, config);
    std::vector<const Problem*> sample;
    for (size_t i = 0; i < g.corpus.problems.size(); i += 15)
      sample.push_back(&g.corpus.problems[i]);
    std::vector<std::vector<ExpertMatch>> got(sample.size());
    std::vector<std::thread> threads;
    for (int t = 0; t < 2; ++t)
      threads.emplace_back([&, t] {
        for (size_t i = static_cast<size_t>(t); i < sample.size(); i += 2) {
          auto r = shared.rank_experts(*sample[i], MatchFilters{}, 10);
          if (r.is_ok()) got[i] = std::move(*r);
        }
      });
    for (auto& t : threads) t.join();
    for (size_t i = 0; i < sample.size(); ++i) {
      auto fresh = Matcher(*g.index, config).rank_experts(*sample[i], MatchFilters{}, 10);
      ASSERT_TRUE(fresh.is_ok());
      ASSERT_EQ(got[i].size(), 10u) << sample[i]->id;
      ASSERT_EQ(fresh->size(), 10u);
      for (size_t j = 0; j < 10; ++j) {
        EXPECT_EQ(got[i][j].expert_id, (*fresh)[j].expert_id) << sample[i]->id << " rank " << j;
        EXPECT_EQ(got[i][j].score, (*fresh)[j].score);
        EXPECT_EQ(got[i][j].informative_terms, (*fresh)[j].informative_terms);
        EXPECT_EQ(got[i][j].matched_fields, (*fresh)[j].matched_fields);
      }
    }
  }
}

// The two-stage ranking with its BM25 candidates from the pruned top_k and
// BM25 computed only for the pool's units ranks exactly as with one pass over
// every posting: the same experts, the same floats (scores, components,
// confidences), for an expert's problems too (their confidences come from
// each problem's two-stage ranking).
void check_pruned_lexical_same() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  MatchConfig pruned, walked;
  pruned.pruned_lexical_min_units = 0;
  walked.pruned_lexical_min_units = SIZE_MAX;
  const Matcher a(*g.index, pruned), b(*g.index, walked);
  for (size_t i = 0; i < g.corpus.problems.size(); i += 6) {
    const Problem& p = g.corpus.problems[i];
    auto x = a.rank_experts(p, MatchFilters{}, 10);
    auto y = b.rank_experts(p, MatchFilters{}, 10);
    ASSERT_TRUE(x.is_ok() && y.is_ok());
    ASSERT_EQ(x->size(), y->size()) << p.id;
    ASSERT_EQ(x->size(), 10u) << p.id;
    for (size_t j = 0; j < x->size(); ++j) {
      EXPECT_EQ((*x)[j].expert_id, (*y)[j].expert_id) << p.id << " rank " << j;
      EXPECT_EQ((*x)[j].score, (*y)[j].score);
      EXPECT_EQ((*x)[j].confidence, (*y)[j].confidence);
      EXPECT_EQ((*x)[j].components.lexical, (*y)[j].components.lexical);
      EXPECT_EQ((*x)[j].components.profile, (*y)[j].components.profile);
      EXPECT_EQ((*x)[j].informative_terms, (*y)[j].informative_terms);
    }
  }
  MatchConfig pruned_problems = pruned, walked_problems = walked;
  pruned_problems.exhaustive_max_problems = walked_problems.exhaustive_max_problems = 50;
  const Matcher c(*g.index, pruned_problems), d(*g.index, walked_problems);
  for (size_t i = 0; i < g.corpus.experts.size(); i += 200) {
    const std::string& id = g.corpus.experts[i].id;
    auto x = c.rank_problems(id, MatchFilters{}, 10);
    auto y = d.rank_problems(id, MatchFilters{}, 10);
    ASSERT_TRUE(x.is_ok() && y.is_ok());
    ASSERT_EQ(x->size(), y->size()) << id;
    for (size_t j = 0; j < x->size(); ++j) {
      EXPECT_EQ((*x)[j].problem_id, (*y)[j].problem_id) << id;
      EXPECT_EQ((*x)[j].confidence, (*y)[j].confidence) << id;
    }
  }
}

// BM25 candidates from the query's rare terms (MatchConfig::
// rare_term_candidates_min_units; the generated corpus is below the default
// threshold, so it is set to 0 here).
//  - With every term counted as rare the candidates are those of the pass
//    over every posting: the same experts and the same floats, however many
//    queries one Matcher (one thread's scratch arrays) has answered before.
//  - With the default share the scores stay exact (an expert in both the
//    rare-term and the exhaustive top 10 has the same components), and
//    recall@10 against the exhaustive ranking is within 0.03 of that of the
//    pass over every posting.
//  - With no term rare (share 0) every ranking is still full, and recall
//    stays above 0.5 (the dense candidates carry most of it; which units the
//    rarest terms give is checked in lexical_index_test, RareTermTop).
void check_rare_term_candidates() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  MatchConfig walked, every_rare, rare, none_rare, all;
  walked.rare_term_candidates_min_units = SIZE_MAX;
  every_rare.rare_term_candidates_min_units = rare.rare_term_candidates_min_units =
      none_rare.rare_term_candidates_min_units = 0;
  every_rare.rare_term_max_df_share = 1.0f;
  none_rare.rare_term_max_df_share = 0.0f;
  all.exhaustive_max_experts = SIZE_MAX;
  const Matcher m_walked(*g.index, walked), m_every(*g.index, every_rare), m_rare(*g.index, rare),
      m_none(*g.index, none_rare), m_all(*g.index, all);
  double recall_walked = 0, recall_rare = 0, recall_none = 0;
  int n = 0;
  for (size_t i = 0; i < g.corpus.problems.size(); i += 4) {
    const Problem& p = g.corpus.problems[i];
    auto w = m_walked.rank_experts(p, MatchFilters{}, 10);
    auto e = m_every.rank_experts(p, MatchFilters{}, 10);
    auto r = m_rare.rank_experts(p, MatchFilters{}, 10);
    auto z = m_none.rank_experts(p, MatchFilters{}, 10);
    auto full = m_all.rank_experts(p, MatchFilters{}, 10);
    ASSERT_TRUE(w.is_ok() && e.is_ok() && r.is_ok() && z.is_ok() && full.is_ok()) << p.id;
    ASSERT_EQ(w->size(), 10u) << p.id;
    ASSERT_EQ(e->size(), 10u) << p.id;
    ASSERT_EQ(r->size(), 10u) << p.id;
    ASSERT_EQ(z->size(), 10u) << p.id;
    for (size_t j = 0; j < 10; ++j) {
      EXPECT_EQ((*e)[j].expert_id, (*w)[j].expert_id) << p.id << " rank " << j;
      EXPECT_EQ((*e)[j].score, (*w)[j].score) << p.id << " rank " << j;
      EXPECT_EQ((*e)[j].confidence, (*w)[j].confidence) << p.id << " rank " << j;
      EXPECT_EQ((*e)[j].components.lexical, (*w)[j].components.lexical) << p.id;
      EXPECT_EQ((*e)[j].informative_terms, (*w)[j].informative_terms) << p.id;
    }
    std::map<std::string, ComponentScores> want;
    for (const auto& m : *full) want[m.expert_id] = m.components;
    for (const auto& m : *w) recall_walked += want.count(m.expert_id) / 10.0;
    for (const auto& m : *z) recall_none += want.count(m.expert_id) / 10.0;
    for (const auto& m : *r) {
      auto it = want.find(m.expert_id);
      if (it == want.end()) continue;
      recall_rare += 0.1;
      EXPECT_EQ(m.components.dense, it->second.dense) << p.id << " " << m.expert_id;
      EXPECT_EQ(m.components.lexical, it->second.lexical) << p.id << " " << m.expert_id;
      EXPECT_EQ(m.components.profile, it->second.profile) << p.id << " " << m.expert_id;
    }
    ++n;
  }
  ASSERT_GT(n, 50);
  std::printf(
      "recall@10 against exhaustive over %d problems: BM25 candidates from every posting %.3f, "
      "from rare terms %.3f, from the rarest terms alone %.3f\n",
      n, recall_walked / n, recall_rare / n, recall_none / n);
  EXPECT_GE(recall_rare / n, recall_walked / n - 0.03);
  EXPECT_GE(recall_none / n, 0.5);
  // The same Matcher's answers after all those queries are those of a fresh
  // one on a fresh thread (fresh per-thread scratch arrays), for every
  // problem asked above.
  std::vector<std::vector<ExpertMatch>> again, fresh;
  for (size_t i = 0; i < g.corpus.problems.size(); i += 4) {
    auto r = m_rare.rank_experts(g.corpus.problems[i], MatchFilters{}, 10);
    ASSERT_TRUE(r.is_ok());
    again.push_back(std::move(*r));
  }
  std::thread([&] {
    const Matcher m(*g.index, rare);
    for (size_t i = 0; i < g.corpus.problems.size(); i += 4) {
      auto r = m.rank_experts(g.corpus.problems[i], MatchFilters{}, 10);
      fresh.push_back(r.is_ok() ? std::move(*r) : std::vector<ExpertMatch>{});
    }
  }).join();
  ASSERT_EQ(again.size(), fresh.size());
  for (size_t i = 0; i < again.size(); ++i) {
    ASSERT_EQ(again[i].size(), fresh[i].size()) << i;
    for (size_t j = 0; j < again[i].size(); ++j) {
      EXPECT_EQ(again[i][j].expert_id, fresh[i][j].expert_id) << i << " rank " << j;
      EXPECT_EQ(again[i][j].score, fresh[i][j].score) << i << " rank " << j;
    }
  }
}

// The pruned top k on the demo corpus's own index, every problem's query,
// against scoring every posting: the same units, the same floats.
void check_demo_top_k() {
  auto experts = read_experts_file(demo_dir() + "experts.jsonl");
  auto problems = read_problems_file(demo_dir() + "problems.jsonl");
  ASSERT_TRUE(experts.is_ok() && problems.is_ok());
  auto index = CorpusIndex::build(*experts, *problems, IndexConfig{});
  ASSERT_TRUE(index.is_ok()) << index.status().to_string();
  const LexicalIndex& lex = (*index)->expert_lexical();
  size_t postings = 0, scored = 0;
  for (const Problem& p : *problems) {
    auto terms = (*index)->problem_terms(p);
    ASSERT_TRUE(terms.is_ok());
    auto all = lex.score(*terms);
    std::vector<std::pair<int64_t, float>> want(all.begin(), all.end());
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    for (size_t k : {1u, 10u, 50u}) {
      LexicalIndex::TopKCounts counts;
      auto got = lex.top_k(*terms, k, &counts);
      ASSERT_EQ(got.size(), std::min(k, want.size())) << p.id;
      for (size_t j = 0; j < got.size(); ++j) {
        EXPECT_EQ(got[j].first, want[j].first) << p.id << " k " << k << " rank " << j;
        EXPECT_EQ(got[j].second, want[j].second) << p.id;
      }
      postings += counts.postings;
      scored += counts.scored;
    }
  }
  EXPECT_LT(scored, postings);  // some postings were skipped
}

// An expert's problems (GET /experts/{id}/matches) from candidates, above a
// threshold lowered here to 50 problems (the generated corpus has 300), with
// few candidates: the
// top 10 mostly those of scoring every open problem, each scored the same,
// with the confidence rank_experts gives the pair.
void check_rank_problems() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  MatchConfig two_config;
  two_config.exhaustive_max_problems = 50;
  // At most 90 candidates of 300 (45 nearest the centroid, 45 the profile),
  // not nearly all of them.
  two_config.candidate_dense_problems = 45;
  MatchConfig all_config;
  all_config.exhaustive_max_problems = SIZE_MAX;
  const Matcher two(*g.index, two_config), all(*g.index, all_config);
  double recall = 0;
  int n = 0, confidences = 0;
  for (size_t i = 0; i < g.corpus.experts.size(); i += 40) {
    const std::string& id = g.corpus.experts[i].id;
    auto fast = two.rank_problems(id, MatchFilters{}, 10);
    auto full = all.rank_problems(id, MatchFilters{}, 10);
    ASSERT_TRUE(fast.is_ok() && full.is_ok()) << id;
    ASSERT_EQ(full->size(), 10u) << id;
    ASSERT_EQ(fast->size(), 10u) << id;
    std::set<std::string> want;
    for (const auto& m : *full) want.insert(m.problem_id);
    int hit = 0;
    for (const auto& m : *fast) hit += want.count(m.problem_id);
    recall += hit / 10.0;
    ++n;
    for (size_t j = 0; j + 1 < fast->size(); ++j) EXPECT_GE((*fast)[j].score, (*fast)[j + 1].score);
    for (const auto& m : *fast) {
      for (const auto& f : *full)
        if (m.problem_id == f.problem_id) {
          EXPECT_EQ(m.score, f.score) << id << " " << m.problem_id;
          EXPECT_EQ(m.confidence, f.confidence) << id << " " << m.problem_id;
        }
      auto experts =
          two.rank_experts(g.index->problem(m.problem_id)->problem(), MatchFilters{}, 10);
      ASSERT_TRUE(experts.is_ok());
      for (const auto& x : *experts)
        if (x.expert_id == id) {
          EXPECT_EQ(x.confidence, m.confidence) << id << " " << m.problem_id;
          ++confidences;
        }
    }
  }
  ASSERT_GE(n, 20);
  EXPECT_GT(confidences, 0);  // the pair's confidence was compared at least once
  recall /= n;
  std::printf("rank_problems two-stage recall@10 against all problems: %.3f over %d experts\n",
              recall, n);
  EXPECT_GE(recall, 0.95);
}

// Candidates grow with the pool (MatchConfig::candidate_units_per_root): at
// full size (220,000 expert units) 200 + 200 gave recall@10 0.787. Here the
// configured counts are cut to 10 so that the rule decides: with it the
// ranking is the one of ceil(2 sqrt(units)) candidates from each retriever,
// and it finds more of the exhaustive top 10 than the 10 alone.
void check_candidates_grow_with_the_pool() {
  const Generated& g = generated();
  ASSERT_TRUE(g.index);
  const size_t units = g.index->expert_lexical().size();
  const int scaled = static_cast<int>(std::ceil(2.0 * std::sqrt(static_cast<double>(units))));
  ASSERT_GT(scaled, 10);
  MatchConfig few, rule, explicit_counts, all;
  few.candidate_dense_units = few.candidate_lexical_units = 10;
  few.candidate_units_per_root = 0;
  rule.candidate_dense_units = rule.candidate_lexical_units = 10;
  rule.candidate_units_per_root = 2;
  explicit_counts.candidate_dense_units = explicit_counts.candidate_lexical_units = scaled;
  explicit_counts.candidate_units_per_root = 0;
  all.exhaustive_max_experts = SIZE_MAX;
  Matcher m_few(*g.index, few), m_rule(*g.index, rule), m_explicit(*g.index, explicit_counts),
      m_all(*g.index, all);
  double recall_few = 0, recall_rule = 0;
  int n = 0;
  for (size_t i = 0; i < g.corpus.problems.size(); i += 10) {
    const Problem& p = g.corpus.problems[i];
    auto a = m_few.rank_experts(p, MatchFilters{}, 10);
    auto b = m_rule.rank_experts(p, MatchFilters{}, 10);
    auto c = m_explicit.rank_experts(p, MatchFilters{}, 10);
    auto full = m_all.rank_experts(p, MatchFilters{}, 10);
    ASSERT_TRUE(a.is_ok() && b.is_ok() && c.is_ok() && full.is_ok());
    ASSERT_EQ(b->size(), c->size());
    for (size_t j = 0; j < b->size(); ++j) {
      EXPECT_EQ((*b)[j].expert_id, (*c)[j].expert_id) << p.id << " rank " << j;
      EXPECT_EQ((*b)[j].score, (*c)[j].score) << p.id << " rank " << j;
    }
    std::set<std::string> want;
    for (const auto& m : *full) want.insert(m.expert_id);
    for (const auto& m : *a) recall_few += want.count(m.expert_id) / 10.0;
    for (const auto& m : *b) recall_rule += want.count(m.expert_id) / 10.0;
    ++n;
  }
  ASSERT_GT(n, 20);
  std::printf("recall@10 with 10 + 10 candidates: %.3f; with 2 sqrt(%zu) = %d: %.3f\n",
              recall_few / n, units, scaled, recall_rule / n);
  EXPECT_GT(recall_rule, recall_few);
}

// One test (one process, one index build of the generated corpus) for all
// the checks on it.
TEST(TwoStage, GeneratedCorpusAboveTheThresholds) {
  {
    SCOPED_TRACE("structures");
    check_structures();
  }
  {
    SCOPED_TRACE("recall and invariants");
    check_recall_and_invariants();
  }
  {
    SCOPED_TRACE("filters");
    check_filters();
  }
  {
    SCOPED_TRACE("WAND top k = exhaustive BM25 top k");
    check_wand_exact();
  }
  {
    SCOPED_TRACE("one shared matcher = a fresh one per problem");
    check_shared_matcher();
  }
  {
    SCOPED_TRACE("candidates grow with the pool");
    check_candidates_grow_with_the_pool();
  }
  {
    SCOPED_TRACE("an expert's problems from candidates");
    check_rank_problems();
  }
  {
    SCOPED_TRACE("pruned BM25 candidates rank as one pass over every posting");
    check_pruned_lexical_same();
  }
  {
    SCOPED_TRACE("pruned top k on the demo corpus");
    check_demo_top_k();
  }
  {
    SCOPED_TRACE("BM25 candidates from the query's rare terms");
    check_rare_term_candidates();
  }
}

// A table: five documents over three terms, with ties, an out-of-order add
// and a removal; the right answers are written out.
TEST(Wand, SmallTableWithTiesAndRemovals) {
  LexicalIndex lex;
  lex.add(5, {{1, 1.0f}, {2, 1.0f}});
  lex.add(1, {{1, 1.0f}, {2, 1.0f}});  // identical to 5: ties, smaller id first
  lex.add(3, {{2, 3.0f}});
  lex.add(9, {{3, 1.0f}});
  lex.add(7, {{1, 2.0f}, {3, 2.0f}});
  lex.remove(9);
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}};
  auto all = lex.score(q);
  ASSERT_EQ(all.size(), 4u);  // 1, 3, 5, 7 (9 removed, and it had neither term)
  auto top = lex.top_k(q, 3);
  ASSERT_EQ(top.size(), 3u);
  // BM25 (k1 1.2, b 0.75, average length 2.75, idf of terms 1 and 2
  // ln(1 + 1.5 / 3.5) = 0.35667): documents 1 and 5 score 0.80293 and tie
  // (the smaller id first), 3 scores 0.54978, 7 (term 1 only) 0.43484.
  ASSERT_EQ(top[0].first, 1);
  ASSERT_EQ(top[1].first, 5);
  ASSERT_EQ(top[2].first, 3);
  EXPECT_NEAR(top[0].second, 0.80293f, 1e-4f);
  EXPECT_EQ(top[0].second, top[1].second);
  EXPECT_NEAR(top[2].second, 0.54978f, 1e-4f);
  EXPECT_NEAR(all.at(7), 0.43484f, 1e-4f);
  EXPECT_TRUE(lex.top_k(q, 0).empty());
  EXPECT_EQ(lex.top_k(q, 100).size(), 4u);
  EXPECT_TRUE(lex.top_k({{42, 1.0f}}, 5).empty());

  // The same scores into a dense array, with the idf given, and one at a time.
  const std::vector<float> idf = {lex.idf(1), lex.idf(2)};
  EXPECT_NEAR(idf[0], 0.35667f, 1e-4f);
  std::vector<float> dense(3, 0.0f);  // shorter than the largest id: grown
  std::vector<int64_t> touched;
  lex.accumulate(q, idf, &dense, &touched);
  std::sort(touched.begin(), touched.end());
  EXPECT_EQ(touched, (std::vector<int64_t>{1, 3, 5, 7}));  // each once
  ASSERT_GE(dense.size(), 8u);
  for (int64_t id : {1, 3, 5, 7}) {
    EXPECT_EQ(dense[id], all.at(id)) << id;  // the same float, not only close
    EXPECT_EQ(lex.score_one(q, idf, id), lex.score_one(q, id)) << id;
  }
  EXPECT_NEAR(dense[7], 0.43484f, 1e-4f);
  EXPECT_EQ(dense[0] + dense[2] + dense[4] + dense[6], 0.0f);
  EXPECT_EQ(lex.score_one(q, idf, 9), 0.0f);       // removed
  EXPECT_EQ(lex.score_one(q, {idf[0]}, 1), 0.0f);  // idf not parallel to the query
}

}  // namespace
}  // namespace expertmatch
