// Matcher on the shared fixture: hard constraints, filters, determinism, the
// explanations' faithfulness to the records, and rank_problems.
#include "matcher/matcher.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::sample_experts;
using fixture::sample_problems;

class MatcherTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = CorpusIndex::build(sample_experts(), sample_problems(), IndexConfig{});
    ASSERT_TRUE(built.is_ok()) << built.status().to_string();
    index_ = std::move(*built).release();
  }
  static void TearDownTestSuite() {
    delete index_;
    index_ = nullptr;
  }

  static Problem problem(const std::string& id) {
    for (const auto& p : sample_problems())
      if (p.id == id) return p;
    ADD_FAILURE() << "no problem " << id;
    return {};
  }

  // Every eligible expert, best first.
  static std::vector<ExpertMatch> rank_all(const Matcher& m, const Problem& p,
                                           const MatchFilters& f = {}) {
    auto r = m.rank_experts(p, f, -1);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? *r : std::vector<ExpertMatch>{};
  }

  static std::vector<std::string> ids(const std::vector<ExpertMatch>& matches) {
    std::vector<std::string> out;
    for (const auto& m : matches) out.push_back(m.expert_id);
    return out;
  }

  static std::set<std::string> id_set(const std::vector<ExpertMatch>& matches) {
    auto v = ids(matches);
    return {v.begin(), v.end()};
  }

  static CorpusIndex* index_;
};

CorpusIndex* MatcherTest::index_ = nullptr;

TEST_F(MatcherTest, EachProblemFindsItsDomainExpertFirst) {
  Matcher matcher(*index_);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"p-bearing", "bearing-zhang"}, {"p-paper", "paper-li"}, {"p-battery", "battery-chen"},
      {"p-vision", "vision-liu"},     {"p-tea", "tea-zhao"},   {"p-wood", "wood-sun"},
  };
  for (const auto& [pid, expert] : cases) {
    auto r = matcher.rank_experts(problem(pid), {}, 3);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_FALSE(r->empty()) << pid;
    EXPECT_EQ((*r)[0].expert_id, expert) << pid;
    EXPECT_TRUE((*r)[0].good_match) << pid << " score " << (*r)[0].score;
    EXPECT_LE(r->size(), 3u);
  }
}

TEST_F(MatcherTest, ScoresAreSortedAndInRange) {
  Matcher matcher(*index_);
  for (const auto& p : sample_problems()) {
    auto all = rank_all(matcher, p);
    ASSERT_FALSE(all.empty());
    // The confidence is relative to the best score of any expert for this
    // problem before filters (unavailable too).
    auto everyone = matcher.score_all(p);
    ASSERT_TRUE(everyone.is_ok());
    float best = 0;
    for (const auto& [id, score] : *everyone) best = std::max(best, score);
    for (size_t i = 0; i < all.size(); ++i) {
      const ExpertMatch& m = all[i];
      SCOPED_TRACE(p.id + " " + m.expert_id);
      for (float x : {m.score, m.confidence, m.components.dense, m.components.lexical,
                      m.components.profile}) {
        EXPECT_GE(x, 0.0f);
        EXPECT_LE(x, 1.0f);
      }
      EXPECT_FLOAT_EQ(m.confidence, matcher.confidence_of(m.score, best));
      // good_match and confidence agree.
      EXPECT_EQ(m.good_match, m.confidence >= matcher.config().good_match_confidence);
      if (i > 0) {
        EXPECT_GE(all[i - 1].score, m.score);
        EXPECT_GE(all[i - 1].confidence, m.confidence);
      }
      // score() of the pair agrees with the ranking (no filters are involved).
      auto s = matcher.score(p, m.expert_id);
      ASSERT_TRUE(s.is_ok());
      EXPECT_NEAR(*s, m.score, 1e-5);
    }
  }
  auto unknown = matcher.score(problem("p-tea"), "nobody");
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
}

TEST_F(MatcherTest, DenseSimilarityIsCentredAndTheCoarseOneUsesLeadingDimensions) {
  // Dense only, best work only, no centroid and no smoothing: the score is the
  // best work's cosine, in all dimensions around the index's unit mean
  // (coarse_share 0), or in the first k, renormalised and not centred
  // (coarse_share 1). Computed here by hand from the index.
  MatchConfig config;
  config.weight_dense = 1;
  config.weight_lexical = 0;
  config.weight_profile = 0;
  config.top_works = 1;
  config.best_work_share = 1;
  config.centroid_share = 0;
  config.neighbor_share = 0;
  config.coarse_dimensions = 8;
  const Problem p = problem("p-bearing");
  auto q = index_->embedder().embed({CorpusIndex::problem_text(p)});
  ASSERT_TRUE(q.is_ok());
  const int d = index_->expert_vectors().dimension();
  ASSERT_GT(d, 8);
  const std::vector<float>& mean = index_->unit_mean();
  ASSERT_EQ(mean.size(), static_cast<size_t>(d));
  const std::vector<float> zero(d, 0.0f);
  auto cosine = [](const float* a, const float* b, const float* m, int k) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < k; ++i) {
      double x = a[i] - m[i], y = b[i] - m[i];
      ab += x * y;
      aa += x * x;
      bb += y * y;
    }
    return aa > 0 && bb > 0 ? static_cast<float>(ab / std::sqrt(aa * bb)) : 0.0f;
  };
  for (float share : {0.0f, 1.0f}) {
    config.coarse_share = share;
    Matcher matcher(*index_, config);
    for (const auto& [id, entry] : index_->experts()) {
      SCOPED_TRACE(id + " share " + std::to_string(share));
      float best = 0;
      for (int64_t u : entry.work_units) {
        const float* v = index_->expert_vectors().vector(u);
        best = std::max(best, share > 0 ? cosine(q->data(), v, zero.data(), 8)
                                        : cosine(q->data(), v, mean.data(), d));
      }
      auto s = matcher.score(p, id);
      ASSERT_TRUE(s.is_ok());
      EXPECT_NEAR(*s, best, 1e-4);
    }
  }
}

TEST_F(MatcherTest, UnavailableExpertsAreNeverRanked) {
  Matcher matcher(*index_);
  for (const auto& p : sample_problems())
    EXPECT_EQ(id_set(rank_all(matcher, p)).count("bearing-zhou"), 0u) << p.id;
  EXPECT_EQ(
      matcher.exclusion_reason(index_->expert("bearing-zhou")->expert, problem("p-bearing"), {}),
      "unavailable");

  // The same expert, available, would be among the best for the bearing problem:
  // the exclusion above is the constraint at work, not a low score.
  auto experts = sample_experts();
  for (auto& e : experts)
    if (e.id == "bearing-zhou") e.available = true;
  auto other = CorpusIndex::build(experts, sample_problems(), IndexConfig{});
  ASSERT_TRUE(other.is_ok());
  Matcher with_zhou(**other);
  auto top = with_zhou.rank_experts(problem("p-bearing"), {}, 2);
  ASSERT_TRUE(top.is_ok());
  EXPECT_EQ(id_set(*top).count("bearing-zhou"), 1u);
}

TEST_F(MatcherTest, ConflictsOfInterestExclude) {
  Matcher matcher(*index_);
  Problem fluoro = problem("p-fluoro");  // from 巨化集团, named in fluoro-wang's conflicts
  EXPECT_EQ(id_set(rank_all(matcher, fluoro)).count("fluoro-wang"), 0u);
  EXPECT_NE(
      matcher.exclusion_reason(index_->expert("fluoro-wang")->expert, fluoro, {}).find("conflict"),
      std::string::npos);
  // The same problem from another enterprise: fluoro-wang is the best expert.
  fluoro.enterprise = "衢州氟材料有限公司";
  auto r = matcher.rank_experts(fluoro, {}, 1);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].expert_id, "fluoro-wang");
}

TEST_F(MatcherTest, FiltersAreRespected) {
  Matcher matcher(*index_);
  const Problem p = problem("p-bearing");
  const std::set<std::string> everyone = id_set(rank_all(matcher, p));
  EXPECT_EQ(everyone.size(), 8u);  // nine experts, one unavailable

  MatchFilters county;
  county.county = "江山市";
  EXPECT_EQ(id_set(rank_all(matcher, p, county)),
            (std::set<std::string>{"bearing-zhang", "bearing-wu", "vision-liu", "wood-sun"}));

  MatchFilters college;
  college.college = "机械工程学院";
  EXPECT_EQ(id_set(rank_all(matcher, p, college)),
            (std::set<std::string>{"bearing-zhang", "bearing-wu"}));

  MatchFilters title;
  title.title = "教授";
  EXPECT_EQ(id_set(rank_all(matcher, p, title)),
            (std::set<std::string>{"bearing-zhang", "vision-liu"}));

  // 中青年: born 1986 or later for 40 years before 2026; no birth year is not young.
  MatchFilters young;
  young.young_within_years = 40;
  young.reference_year = 2026;
  EXPECT_EQ(id_set(rank_all(matcher, p, young)),
            (std::set<std::string>{"bearing-wu", "paper-li", "battery-chen"}));

  // Capacity: bearing-wu (capacity 1) has used 1; bearing-zhang (capacity 2) has used 1.
  MatchFilters capacity;
  capacity.require_capacity = true;
  capacity.used_capacity = {{"bearing-wu", 1}, {"bearing-zhang", 1}};
  auto with_capacity = id_set(rank_all(matcher, p, capacity));
  EXPECT_EQ(with_capacity.count("bearing-wu"), 0u);
  EXPECT_EQ(with_capacity.count("bearing-zhang"), 1u);
  EXPECT_EQ(with_capacity.size(), everyone.size() - 1);
  // Not enforced unless asked for.
  capacity.require_capacity = false;
  EXPECT_EQ(id_set(rank_all(matcher, p, capacity)), everyone);

  MatchFilters excluded;
  excluded.exclude_experts = {"bearing-zhang"};
  auto without = rank_all(matcher, p, excluded);
  EXPECT_EQ(id_set(without).count("bearing-zhang"), 0u);
  ASSERT_FALSE(without.empty());
  EXPECT_EQ(without[0].expert_id, "bearing-wu");

  // Filters combine.
  MatchFilters both;
  both.county = "江山市";
  both.title = "教授";
  EXPECT_EQ(id_set(rank_all(matcher, p, both)),
            (std::set<std::string>{"bearing-zhang", "vision-liu"}));
}

void expect_same(const std::vector<ExpertMatch>& a, const std::vector<ExpertMatch>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    SCOPED_TRACE(a[i].expert_id);
    EXPECT_EQ(a[i].expert_id, b[i].expert_id);
    // Bitwise: the same build of the same records gives the same floats.
    EXPECT_EQ(std::memcmp(&a[i].score, &b[i].score, sizeof(float)), 0);
    EXPECT_EQ(std::memcmp(&a[i].components, &b[i].components, sizeof(ComponentScores)), 0);
    ASSERT_EQ(a[i].works.size(), b[i].works.size());
    for (size_t w = 0; w < a[i].works.size(); ++w) {
      EXPECT_EQ(a[i].works[w].work_index, b[i].works[w].work_index);
      EXPECT_EQ(a[i].works[w].similarity, b[i].works[w].similarity);
    }
    ASSERT_EQ(a[i].terms.size(), b[i].terms.size());
    for (size_t t = 0; t < a[i].terms.size(); ++t) {
      EXPECT_EQ(a[i].terms[t].term, b[i].terms[t].term);
      EXPECT_EQ(a[i].terms[t].field, b[i].terms[t].field);
      EXPECT_EQ(a[i].terms[t].positions, b[i].terms[t].positions);
      EXPECT_EQ(a[i].terms[t].weight, b[i].terms[t].weight);
    }
    EXPECT_EQ(a[i].matched_fields, b[i].matched_fields);
  }
}

TEST_F(MatcherTest, ResultsAreDeterministicAcrossRunsAndBuilds) {
  Matcher matcher(*index_);
  // A second, independent build from the same records (given in another order).
  auto experts = sample_experts();
  auto problems = sample_problems();
  std::reverse(experts.begin(), experts.end());
  std::reverse(problems.begin(), problems.end());
  auto rebuilt = CorpusIndex::build(experts, problems, IndexConfig{});
  ASSERT_TRUE(rebuilt.is_ok());
  Matcher other(**rebuilt);
  for (const auto& p : sample_problems()) {
    SCOPED_TRACE(p.id);
    auto first = rank_all(matcher, p);
    auto second = rank_all(matcher, p);
    auto third = rank_all(other, p);
    expect_same(first, second);
    expect_same(first, third);
  }
}

// One Matcher kept for many calls (as the service keeps one per index) and
// shared by threads answers exactly as a fresh Matcher per call: its caches
// (per-expert aggregates, explanation words) change nothing.
TEST_F(MatcherTest, OneSharedMatcherAnswersAsFreshOnesFromManyThreads) {
  const Matcher shared(*index_);
  const auto problems = sample_problems();
  std::vector<std::vector<ExpertMatch>> got(problems.size());
  // Two threads over the same problems, each problem twice: cold and warm caches.
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int pass = 0; pass < 2; ++pass)
        for (size_t i = 0; i < problems.size(); ++i) {
          auto r = shared.rank_experts(problems[i], {}, -1);
          if (r.is_ok() && (i % 2 == static_cast<size_t>(t))) got[i] = std::move(*r);
        }
    });
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < problems.size(); ++i) {
    SCOPED_TRACE(problems[i].id);
    ASSERT_FALSE(got[i].empty());
    expect_same(got[i], rank_all(Matcher(*index_), problems[i]));
  }
}

// A stored problem is not analysed again (its vector and terms come from the
// index): it ranks bit for bit as the same text under an id the index does
// not hold, which is analysed.
TEST_F(MatcherTest, AStoredProblemRanksAsTheSameTextAnalysedAfresh) {
  const Matcher m(*index_);
  for (const auto& p : sample_problems()) {
    SCOPED_TRACE(p.id);
    ASSERT_NE(index_->problem(p.id), nullptr);
    Problem adhoc = p;
    adhoc.id = p.id + "-adhoc";
    ASSERT_EQ(index_->problem(adhoc.id), nullptr);
    auto stored = rank_all(m, p);
    ASSERT_FALSE(stored.empty());
    expect_same(stored, rank_all(m, adhoc));
    // The same id with another text is analysed, not taken from the index.
    Problem edited = p;
    edited.title = "锂电池正极材料循环寿命差";
    edited.keywords = {"锂电池"};
    edited.description = "锂电池容量衰减";
    Problem edited_adhoc = edited;
    edited_adhoc.id = adhoc.id;
    expect_same(rank_all(m, edited), rank_all(m, edited_adhoc));
  }
}

// The caches are keyed by unit id, which an upsert never reuses: a Matcher
// kept across an expert's change ranks with the new record, as a new one does.
TEST_F(MatcherTest, AMatcherKeptAcrossAnExpertUpsertSeesTheNewRecord) {
  auto built = CorpusIndex::build(sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(built.is_ok());
  CorpusIndex& index = **built;
  const Matcher kept(index);
  const Problem p = sample_problems().front();
  auto before = rank_all(kept, p);
  ASSERT_GE(before.size(), 2u);
  // The best expert loses every work and gets another field: the profile stands in for the works.
  Expert changed = index.expert(before[0].expert_id)->expert;
  changed.works.clear();
  changed.fields = {"古典文学"};
  ASSERT_TRUE(index.upsert_expert(changed).is_ok());
  auto after = rank_all(kept, p);
  expect_same(after, rank_all(Matcher(index), p));
  auto it = std::find_if(after.begin(), after.end(),
                         [&](const ExpertMatch& m) { return m.expert_id == changed.id; });
  ASSERT_NE(it, after.end());
  // Scored on the profile alone now (stale aggregates would keep the old works).
  EXPECT_TRUE(it->works.empty());
  EXPECT_NE(std::memcmp(&it->components, &before[0].components, sizeof(ComponentScores)), 0);
}

// Attack trial F2: after any expert write a county plan re-analysed every
// expert's texts (a new Matcher per write), 45 s instead of 4 s with 3,000
// long records. A kept Matcher re-derives the changed expert only: its
// aggregates and its units' words, nothing of the others', and answers bit
// for bit as a fresh Matcher on the same index.
TEST_F(MatcherTest, AnExpertsChangeCostsThatExpertsWorkOnly) {
  auto built = CorpusIndex::build(sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(built.is_ok());
  CorpusIndex& index = **built;
  const Matcher kept(index);
  const auto problems = sample_problems();
  auto rank_every_problem = [&](const Matcher& m) {
    std::vector<std::vector<ExpertMatch>> out;
    for (const auto& p : problems) out.push_back(rank_all(m, p));
    return out;
  };
  rank_every_problem(kept);
  const Matcher::CacheCounts warm = kept.cache_counts();
  const size_t experts = index.experts().size();
  ASSERT_GE(experts, 3u);
  EXPECT_EQ(warm.tables_made, 1u);
  EXPECT_EQ(warm.preps_made, experts);        // every expert was ranked
  ASSERT_GT(warm.units_with_words, experts);  // profiles and works explained

  // A second pass with no write derives nothing.
  rank_every_problem(kept);
  const Matcher::CacheCounts again = kept.cache_counts();
  EXPECT_EQ(again.tables_made, 1u);
  EXPECT_EQ(again.preps_made, warm.preps_made);
  EXPECT_EQ(again.units_analysed, warm.units_analysed);

  // One expert's bio changes (the PATCH of the trial): new units for its
  // profile and its works, the same texts for the works.
  Expert changed = index.expert("bearing-zhang")->expert;
  ASSERT_FALSE(changed.works.empty());
  changed.bio += "，近年也研究滚动轴承的润滑。";
  ASSERT_TRUE(index.upsert_expert(changed).is_ok());
  const auto after = rank_every_problem(kept);
  const Matcher::CacheCounts written = kept.cache_counts();
  EXPECT_EQ(written.tables_made, 2u);
  EXPECT_EQ(written.preps_made, warm.preps_made + 1);  // the changed expert only
  const uint64_t analysed = written.units_analysed - warm.units_analysed;
  EXPECT_GE(analysed, 1u);                        // its profile at least
  EXPECT_LE(analysed, 1 + changed.works.size());  // its units and no other
  const Matcher fresh(index);
  const auto fresh_ranks = rank_every_problem(fresh);
  ASSERT_EQ(after.size(), fresh_ranks.size());
  for (size_t i = 0; i < after.size(); ++i) {
    SCOPED_TRACE(problems[i].id);
    expect_same(after[i], fresh_ranks[i]);
  }
  // The replaced units' words are gone: the kept Matcher holds the words of
  // the same units as the fresh one, which never saw the old record.
  EXPECT_EQ(written.units_with_words, fresh.cache_counts().units_with_words);

  // Removing an expert drops its words and re-derives no other expert.
  ASSERT_TRUE(index.remove_expert("vision-liu").is_ok());
  const auto removed = rank_every_problem(kept);
  const Matcher::CacheCounts gone = kept.cache_counts();
  EXPECT_EQ(gone.preps_made, written.preps_made);
  EXPECT_EQ(gone.units_analysed, written.units_analysed);
  EXPECT_LT(gone.units_with_words, written.units_with_words);
  const Matcher fresh_after_removal(index);
  for (size_t i = 0; i < problems.size(); ++i) {
    SCOPED_TRACE(problems[i].id);
    expect_same(removed[i], rank_all(fresh_after_removal, problems[i]));
  }
  EXPECT_EQ(gone.units_with_words, fresh_after_removal.cache_counts().units_with_words);
}

// The byte ranges of a term evidence point into the named field of the
// problem; "keywords" is the keywords joined with "，", as the matcher reads them.
std::string field_text(const Problem& p, const std::string& field) {
  if (field == "title") return p.title;
  if (field == "description") return p.description;
  if (field == "keywords") {
    std::string out;
    for (const auto& k : p.keywords) out += (out.empty() ? "" : "，") + k;
    return out;
  }
  ADD_FAILURE() << "unknown field " << field;
  return "";
}

TEST_F(MatcherTest, ExplanationsAreFaithfulToTheRecords) {
  Matcher matcher(*index_);
  const TermModel& terms = index_->terms();
  TextAnalyzer analyzer(&terms.lexicon(), terms.analyzer_options());
  int term_evidence = 0, work_evidence = 0;
  for (const auto& p : sample_problems()) {
    for (const ExpertMatch& m : rank_all(matcher, p)) {
      SCOPED_TRACE(p.id + " -> " + m.expert_id);
      const ExpertEntry* entry = index_->expert(m.expert_id);
      ASSERT_NE(entry, nullptr);
      const Expert& e = entry->expert;
      EXPECT_EQ(m.expert_name, e.name);
      EXPECT_LE(m.works.size(), static_cast<size_t>(matcher.config().explain_works));
      for (const WorkEvidence& w : m.works) {
        ++work_evidence;
        ASSERT_GE(w.work_index, 0);
        ASSERT_LT(w.work_index, static_cast<int>(e.works.size()));
        EXPECT_EQ(w.title, e.works[w.work_index].title);
        EXPECT_EQ(w.kind, work_kind_name(e.works[w.work_index].kind));
        EXPECT_GT(w.similarity, 0.0f);
        EXPECT_LE(w.similarity, 1.0f);
      }
      for (size_t i = 1; i < m.works.size(); ++i)
        EXPECT_GE(m.works[i - 1].similarity, m.works[i].similarity);
      for (const auto& f : m.matched_fields)
        EXPECT_NE(std::find(e.fields.begin(), e.fields.end(), f), e.fields.end()) << f;
      EXPECT_LE(m.terms.size(), static_cast<size_t>(matcher.config().explain_terms));
      float total = 0;
      for (const TermEvidence& t : m.terms) {
        ++term_evidence;
        SCOPED_TRACE(t.field + ":" + t.term);
        EXPECT_GE(t.weight, 0.0f);
        EXPECT_LE(t.weight, 1.0f);
        total += t.weight;
        const std::string text = field_text(p, t.field);
        ASSERT_FALSE(t.positions.empty());
        EXPECT_LE(t.positions.size(), kMaxSpansPerTerm);
        // The term is the problem's own spelling at its first position (not a
        // stem, not normalised); every position holds the same word.
        auto first = analyzer.normalize(t.term);
        ASSERT_TRUE(first.is_ok());
        EXPECT_EQ(text.substr(t.positions[0].first, t.positions[0].second - t.positions[0].first),
                  t.term);
        for (auto [b, end] : t.positions) {
          ASSERT_LT(b, end);
          ASSERT_LE(end, text.size());
          const std::string slice = text.substr(b, end - b);
          auto norm = analyzer.normalize(slice);
          ASSERT_TRUE(norm.is_ok()) << "slice cut a character: " << slice;
          // The same word, or for Latin words the same stem (bearings, bearing).
          bool same = *norm == *first;
          if (!same) {
            auto a = analyzer.analyze(slice), b2 = analyzer.analyze(t.term);
            same = a.is_ok() && b2.is_ok() && a->size() == 1 && b2->size() == 1 &&
                   (*a)[0].kind == TokenKind::kLatin && (*a)[0].term == (*b2)[0].term;
          }
          EXPECT_TRUE(same) << "slice \"" << slice << "\" for term \"" << t.term << "\"";
        }
      }
      EXPECT_LE(total, 1.0f + 1e-5f);
    }
  }
  // The checks above ran on real evidence.
  EXPECT_GT(work_evidence, 20);
  EXPECT_GT(term_evidence, 20);

  // The paper problem's best match names its shared key terms.
  auto r = matcher.rank_experts(problem("p-paper"), {}, 1);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1u);
  std::set<std::string> named;
  for (const auto& t : (*r)[0].terms) named.insert(t.term);
  EXPECT_TRUE(named.count("湿强剂") || named.count("湿强度")) << ::testing::PrintToString(named);
  ASSERT_FALSE((*r)[0].works.empty());
  EXPECT_EQ((*r)[0].works[0].title, "湿强剂对装饰原纸湿强度的影响");
}

TEST_F(MatcherTest, RankProblemsReturnsOnlyOpenProblems) {
  Matcher matcher(*index_);
  // tea-zhao's 胡柚 work matches p-withdrawn best, but it is withdrawn.
  auto tea = matcher.rank_problems("tea-zhao", {}, -1);
  ASSERT_TRUE(tea.is_ok()) << tea.status().to_string();
  ASSERT_FALSE(tea->empty());
  EXPECT_EQ((*tea)[0].problem_id, "p-tea");
  // wood-sun's problem is solved.
  auto wood = matcher.rank_problems("wood-sun", {}, -1);
  ASSERT_TRUE(wood.is_ok());
  for (const auto* r : {&*tea, &*wood}) {
    for (const ProblemMatch& m : *r) {
      const ProblemEntry* entry = index_->problem(m.problem_id);
      ASSERT_NE(entry, nullptr);
      EXPECT_EQ(entry->problem().status, ProblemStatus::kSubmitted) << m.problem_id;
      EXPECT_EQ(m.title, entry->problem().title);
      EXPECT_GE(m.score, 0.0f);
      EXPECT_LE(m.score, 1.0f);
    }
  }
  std::set<std::string> open;
  for (const auto& p : sample_problems())
    if (is_open(p.status)) open.insert(p.id);
  std::set<std::string> got;
  for (const auto& m : *wood) got.insert(m.problem_id);
  EXPECT_EQ(got, open);

  // Best first, and k limits the count.
  auto two = matcher.rank_problems("paper-li", {}, 2);
  ASSERT_TRUE(two.is_ok());
  ASSERT_EQ(two->size(), 2u);
  EXPECT_EQ((*two)[0].problem_id, "p-paper");
  EXPECT_GE((*two)[0].score, (*two)[1].score);
  // Their confidence and good_match are those of the pair in rank_experts.
  for (const auto& m : *two) {
    auto experts = rank_all(matcher, index_->problem(m.problem_id)->problem());
    auto it = std::find_if(experts.begin(), experts.end(),
                           [](const ExpertMatch& x) { return x.expert_id == "paper-li"; });
    ASSERT_NE(it, experts.end()) << m.problem_id;
    EXPECT_EQ(m.confidence, it->confidence) << m.problem_id;
    EXPECT_EQ(m.good_match, it->good_match) << m.problem_id;
  }

  // A county limits the problems; a conflict excludes its enterprise's problems.
  MatchFilters county;
  county.county = "衢江区";
  auto in_county = matcher.rank_problems("battery-chen", county, -1);
  ASSERT_TRUE(in_county.is_ok());
  std::set<std::string> county_ids;
  for (const auto& m : *in_county) county_ids.insert(m.problem_id);
  EXPECT_EQ(county_ids, (std::set<std::string>{"p-battery", "p-fluoro"}));
  auto fluoro = matcher.rank_problems("fluoro-wang", {}, -1);
  ASSERT_TRUE(fluoro.is_ok());
  for (const auto& m : *fluoro) EXPECT_NE(m.problem_id, "p-fluoro");
  EXPECT_EQ(fluoro->size(), open.size() - 1);

  auto unknown = matcher.rank_problems("nobody", {}, 5);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace expertmatch
