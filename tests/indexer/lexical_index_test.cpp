// Language-model scoring of LexicalIndex (query likelihood, Balog's Model 2)
// on a corpus small enough to compute every value by hand.
#include "indexer/lexical_index.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace expertmatch {
namespace {

// Term ids 1, 2, 3. Collection: d1 = {1:2, 2:1} (length 3), d2 = {2:1, 3:1}
// (2), d3 = {3:3} (3): length 8, collection frequencies 2, 2, 4, so
// p(1|C) = p(2|C) = 1/4 and p(3|C) = 1/2.
LexicalIndex tiny_corpus() {
  LexicalIndex index;
  index.add(1, {{1, 2.0f}, {2, 1.0f}});
  index.add(2, {{2, 1.0f}, {3, 1.0f}});
  index.add(3, {{3, 3.0f}});
  return index;
}

LanguageModelParams dirichlet(float mu) {
  LanguageModelParams p;
  p.smoothing = Smoothing::kDirichlet;
  p.mu = mu;
  return p;
}

LanguageModelParams jelinek_mercer(float lambda) {
  LanguageModelParams p;
  p.smoothing = Smoothing::kJelinekMercer;
  p.lambda = lambda;
  return p;
}

constexpr double kTolerance = 1e-9;

TEST(LanguageModel, QueryKeepsOnlyTermsOfTheCollectionWithTheirProbabilities) {
  LexicalIndex index = tiny_corpus();
  // Term 9 is in no document: left out, its weight too.
  LanguageModelQuery q =
      index.language_model_query({{1, 1.0f}, {3, 2.0f}, {9, 5.0f}}, dirichlet(4));
  ASSERT_EQ(q.terms.size(), 2u);
  EXPECT_EQ(q.terms[0].first, 1u);
  EXPECT_EQ(q.terms[1].first, 3u);
  EXPECT_NEAR(q.collection_prob[0], 0.25, kTolerance);
  EXPECT_NEAR(q.collection_prob[1], 0.5, kTolerance);
  EXPECT_NEAR(q.weight, 3.0, kTolerance);
}

TEST(LanguageModel, DirichletLogRatioByHand) {
  LexicalIndex index = tiny_corpus();
  LanguageModelQuery q = index.language_model_query({{1, 1.0f}, {2, 1.0f}}, dirichlet(4));
  // p(t|d) = (tf + 4 p(t|C)) / (|d| + 4).
  // d1: p(1) = (2 + 1) / 7, p(2) = (1 + 1) / 7: ratios 12/7 and 8/7, product 96/49.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 1), std::log(96.0 / 49.0), kTolerance);
  // d2: p(1) = 1/6, p(2) = 2/6: ratios 2/3 and 4/3, product 8/9 (below the collection).
  EXPECT_NEAR(index.log_likelihood_ratio(q, 2), std::log(8.0 / 9.0), kTolerance);
  // d3 lacks both: p(1) = p(2) = 1/7, ratios 4/7 each.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 3), std::log(16.0 / 49.0), kTolerance);
  // An unknown document is an empty one: it is the collection itself.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 42), 0.0, kTolerance);
}

TEST(LanguageModel, QueryWeightsCountAsTermOccurrences) {
  LexicalIndex index = tiny_corpus();
  LanguageModelQuery q = index.language_model_query({{1, 2.0f}}, dirichlet(4));
  // d1: (12/7)^2.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 1), 2 * std::log(12.0 / 7.0), kTolerance);
}

TEST(LanguageModel, JelinekMercerLogRatioByHand) {
  LexicalIndex index = tiny_corpus();
  LanguageModelQuery q = index.language_model_query({{1, 1.0f}, {2, 1.0f}}, jelinek_mercer(0.5f));
  // p(t|d) = 0.5 tf / |d| + 0.5 p(t|C).
  // d1: p(1) = 1/3 + 1/8 = 11/24, p(2) = 1/6 + 1/8 = 7/24: ratios 11/6, 7/6.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 1), std::log(77.0 / 36.0), kTolerance);
  // d2: p(1) = 1/8 (ratio 1/2), p(2) = 1/4 + 1/8 = 3/8 (ratio 3/2).
  EXPECT_NEAR(index.log_likelihood_ratio(q, 2), std::log(0.75), kTolerance);
  // Empty: 0.5 p(t|C) for both terms.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 42), 2 * std::log(0.5), kTolerance);
}

TEST(LanguageModel, ModelTwoAveragesTheDocumentsLikelihoods) {
  LexicalIndex index = tiny_corpus();
  LanguageModelQuery q = index.language_model_query({{1, 1.0f}, {2, 1.0f}}, dirichlet(4));
  // An expert with d1 and d2: p(q|e) / p(q|C) = (96/49 + 8/9) / 2 = 628/441.
  EXPECT_NEAR(index.document_centric_log_ratio(q, {1, 2}), std::log(628.0 / 441.0), kTolerance);
  // The order of the documents changes nothing, to the last bit.
  EXPECT_EQ(index.document_centric_log_ratio(q, {1, 2}),
            index.document_centric_log_ratio(q, {2, 1}));
  // One document: its own ratio. A weaker second document lowers the
  // average: d1 with d3 is (96/49 + 16/49) / 2 = 8/7.
  EXPECT_NEAR(index.document_centric_log_ratio(q, {1}), std::log(96.0 / 49.0), kTolerance);
  EXPECT_NEAR(index.document_centric_log_ratio(q, {1, 3}), std::log(8.0 / 7.0), kTolerance);
  EXPECT_EQ(index.document_centric_log_ratio(q, {}), -std::numeric_limits<double>::infinity());
}

TEST(LanguageModel, LongQueriesStayFinite) {
  // Neither document holds term 2, which the collection holds at 1000/1002:
  // smoothed with mu = 1 each has half that rate, a ratio of 2^-2000 (about
  // e^-1386) for the query, which underflows exp; the sum in log space does
  // not: two equal documents average to the same ratio.
  LexicalIndex index;
  index.add(1, {{1, 1.0f}});
  index.add(2, {{1, 1.0f}});
  index.add(3, {{2, 1000.0f}});
  LanguageModelQuery q = index.language_model_query({{2, 2000.0f}}, dirichlet(1));
  const double one = index.log_likelihood_ratio(q, 1);
  ASSERT_LT(one, -1000.0);
  EXPECT_NEAR(index.document_centric_log_ratio(q, {1, 2}), one, 1e-9 * std::fabs(one));
}

TEST(LanguageModel, RemovingADocumentUpdatesTheCollection) {
  LexicalIndex index = tiny_corpus();
  index.remove(3);
  // Length 5, collection frequencies 2, 2, 1: p(1|C) = p(2|C) = 2/5.
  LanguageModelQuery q = index.language_model_query({{1, 1.0f}, {2, 1.0f}}, dirichlet(4));
  ASSERT_EQ(q.collection_prob.size(), 2u);
  EXPECT_NEAR(q.collection_prob[0], 0.4, kTolerance);
  // d1: p(1) = (2 + 1.6) / 7, ratio 9/7; p(2) = (1 + 1.6) / 7, ratio 13/14.
  EXPECT_NEAR(index.log_likelihood_ratio(q, 1), std::log(117.0 / 98.0), kTolerance);
  // Replacing a document (add of a known id) counts it once.
  index.add(1, {{1, 2.0f}, {2, 1.0f}});
  LanguageModelQuery again = index.language_model_query({{1, 1.0f}}, dirichlet(4));
  EXPECT_NEAR(again.collection_prob[0], 0.4, kTolerance);
}

TEST(LanguageModel, SavedAndLoadedIndexScoresTheSame) {
  LexicalIndex index = tiny_corpus();
  BinaryWriter w;
  index.save(&w);
  const std::string bytes = w.finish();
  BinaryReader r(bytes);
  ASSERT_TRUE(r.ok());
  LexicalIndex loaded = LexicalIndex::load(&r);
  LanguageModelQuery q = loaded.language_model_query({{1, 1.0f}, {2, 1.0f}}, dirichlet(4));
  EXPECT_NEAR(loaded.log_likelihood_ratio(q, 1), std::log(96.0 / 49.0), kTolerance);
}

// ---- top_k: term-at-a-time MaxScore against scoring every posting ----

std::vector<std::pair<int64_t, float>> every_posting_top(const LexicalIndex& index,
                                                         const WeightedTerms& q, size_t k) {
  auto all = index.score(q);
  std::vector<std::pair<int64_t, float>> v(all.begin(), all.end());
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (v.size() > k) v.resize(k);
  return v;
}

// Ten documents of length 2 (average 2, so BM25's length normalisation is
// k1 = 1.2 and a tf of 1 scores 2.2 / 2.2 = exactly its idf): document 1
// holds the rare term 1 and the common term 2, documents 2-10 hold 2 and 3.
//   idf(1) = ln(1 + 9.5 / 1.5) = ln(22 / 3) = 1.992430
//   idf(2) = ln(1 + 0.5 / 10.5) = ln(22 / 21) = 0.046520
// so for the query {1, 2}: document 1 scores 2.038950, the others 0.046520.
TEST(TopK, HandComputedCaseSkipsTheCommonTerm) {
  LexicalIndex index;
  index.add(1, {{1, 1.0f}, {2, 1.0f}});
  for (int64_t id = 2; id <= 10; ++id) index.add(id, {{2, 1.0f}, {3, 1.0f}});
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}};
  LexicalIndex::TopKCounts counts;
  auto top = index.top_k(q, 1, &counts);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].first, 1);
  EXPECT_NEAR(top[0].second, 2.038950f, 1e-5f);
  EXPECT_EQ(top[0].second, index.score(q).at(1));  // the same float
  // The bound of term 2 (0.046520) is below document 1's partial score after
  // term 1 (1.992430): term 2's ten postings are walked for membership only.
  EXPECT_EQ(counts.postings, 11u);
  EXPECT_EQ(counts.scored, 1u);
  EXPECT_EQ(counts.exact, 1u);

  // k = 3: the second and third tie at 0.046520, the smaller ids first; no
  // threshold can be set before every posting is scored.
  top = index.top_k(q, 3, &counts);
  ASSERT_EQ(top.size(), 3u);
  EXPECT_EQ(top[1].first, 2);
  EXPECT_EQ(top[2].first, 3);
  EXPECT_NEAR(top[1].second, 0.046520f, 1e-6f);
  EXPECT_EQ(top[1].second, top[2].second);
  EXPECT_EQ(counts.scored, 11u);

  // The same scores for chosen units, in any order of the ids.
  std::vector<float> some;
  index.score_units(q, {index.idf(1), index.idf(2)}, {7, 1, 42}, &some);
  ASSERT_EQ(some.size(), 3u);
  EXPECT_EQ(some[0], index.score(q).at(7));
  EXPECT_EQ(some[1], top[0].second);
  EXPECT_EQ(some[2], 0.0f);  // unknown id
}

// A random corpus: skewed term frequencies (a few terms in most documents, as
// single characters are), weights from a small set and copied documents (exact
// ties), ids spread over twice the count, some documents removed.
LexicalIndex random_corpus(std::mt19937* rng, int* vocabulary) {
  std::uniform_int_distribution<int> docs_n(1, 300), vocab_n(5, 80), len_n(1, 25), pick(0, 99);
  const int n = docs_n(*rng);
  *vocabulary = vocab_n(*rng);
  const float weights[] = {0.5f, 1.0f, 1.0f, 1.5f, 2.0f, 3.0f};
  std::vector<int64_t> ids(2 * n);
  for (int i = 0; i < 2 * n; ++i) ids[i] = i;
  std::shuffle(ids.begin(), ids.end(), *rng);
  ids.resize(n);
  LexicalIndex index;
  std::vector<WeightedTerms> added;
  for (int64_t id : ids) {
    WeightedTerms t;
    if (!added.empty() && pick(*rng) < 10) {
      t = added[std::uniform_int_distribution<size_t>(0, added.size() - 1)(*rng)];
    } else {
      const int len = len_n(*rng);
      std::vector<uint32_t> terms;
      for (int j = 0; j < len; ++j) {
        // Squaring a uniform draw favours small term ids: they are common.
        const double u = std::uniform_real_distribution<double>(0, 1)(*rng);
        terms.push_back(static_cast<uint32_t>(u * u * *vocabulary));
      }
      std::sort(terms.begin(), terms.end());
      terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
      for (uint32_t term : terms) t.emplace_back(term, weights[pick(*rng) % 6]);
    }
    index.add(id, t);
    added.push_back(t);
  }
  for (int64_t id : ids)
    if (pick(*rng) < 5) index.remove(id);
  return index;
}

TEST(TopK, RandomCorporaGiveTheTopOfEveryPostingBitForBit) {
  size_t postings = 0, scored = 0, compared = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    std::mt19937 rng(seed);
    int vocabulary = 0;
    const LexicalIndex index = random_corpus(&rng, &vocabulary);
    std::uniform_int_distribution<int> q_len(1, 40), term(0, vocabulary - 1), w(0, 3);
    const float qweights[] = {0.5f, 1.0f, 2.0f, 3.5f};
    for (int query = 0; query < 10; ++query) {
      std::vector<uint32_t> terms;
      for (int j = q_len(rng); j > 0; --j) terms.push_back(static_cast<uint32_t>(term(rng)));
      terms.push_back(static_cast<uint32_t>(vocabulary + 5));  // a term no document holds
      std::sort(terms.begin(), terms.end());
      terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
      WeightedTerms q;
      for (uint32_t t : terms) q.emplace_back(t, qweights[w(rng)]);
      for (size_t k : {1u, 2u, 5u, 10u, 50u, 400u}) {
        LexicalIndex::TopKCounts counts;
        const auto got = index.top_k(q, k, &counts);
        const auto want = every_posting_top(index, q, k);
        ASSERT_EQ(got.size(), want.size()) << "seed " << seed << " query " << query << " k " << k;
        for (size_t r = 0; r < got.size(); ++r) {
          ASSERT_EQ(got[r].first, want[r].first) << "seed " << seed << " k " << k << " rank " << r;
          ASSERT_EQ(got[r].second, want[r].second) << "seed " << seed << " k " << k;
        }
        postings += counts.postings;
        scored += counts.scored;
        ++compared;
      }
      // score_units: the floats of score() for any ids, known or not.
      std::vector<int64_t> ids;
      for (int64_t id = 0; id < 700; id += 3) ids.push_back(id);
      std::vector<float> idf, got;
      for (auto& [t, x] : q) idf.push_back(index.idf(t));
      index.score_units(q, idf, ids, &got);
      const auto all = index.score(q);
      for (size_t i = 0; i < ids.size(); ++i) {
        auto it = all.find(ids[i]);
        ASSERT_EQ(got[i], it == all.end() ? 0.0f : it->second) << "seed " << seed;
      }
    }
  }
  EXPECT_EQ(compared, 40u * 10u * 6u);
  // Pruning did skip work on these corpora (it need not on each query).
  EXPECT_LT(scored, postings * 9 / 10);
}

// Where the bounds do not hold or the ids are not dense, every posting is
// scored: the same answers.
TEST(TopK, FallsBackToEveryPostingWhereBoundsDoNotApply) {
  LexicalIndex sparse;
  sparse.add(5, {{1, 1.0f}, {2, 2.0f}});
  sparse.add(int64_t{1} << 40, {{1, 2.0f}});
  sparse.add(-3, {{2, 1.0f}});
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}};
  LexicalIndex::TopKCounts counts;
  auto top = sparse.top_k(q, 2, &counts);
  EXPECT_EQ(top, every_posting_top(sparse, q, 2));
  EXPECT_EQ(counts.scored, counts.postings);

  LexicalIndex zero;
  zero.add(1, {{1, 0.0f}, {2, 1.0f}});
  zero.add(2, {{1, 1.0f}});
  EXPECT_EQ(zero.top_k(q, 5), every_posting_top(zero, q, 5));
  EXPECT_EQ(zero.top_k(q, 5).size(), 2u);
  LexicalIndex dense;
  dense.add(1, {{1, 1.0f}, {2, 1.0f}});
  dense.add(2, {{1, 3.0f}});
  const WeightedTerms negative = {{1, -1.0f}, {2, 1.0f}};
  EXPECT_EQ(dense.top_k(negative, 1), every_posting_top(dense, negative, 1));
  EXPECT_EQ(dense.top_k(negative, 1).front().first, 1);
}

}  // namespace
}  // namespace expertmatch

namespace expertmatch {
namespace {

// A document added outside the statistics (an unconfirmed expert's unit:
// CorpusIndex) is found and scored against the others' statistics, and
// moves no other document's score, nor any term's df or idf; it keeps that
// through save and load, and its removal leaves the statistics as they were.
// Five documents: term 1 in one (df 1), terms 2 and 4 in two each, term 3 in
// all five. Lengths 2, 2, 1, 3, 2 (average 2): a tf of 1 in a document of
// length 2 scores exactly its idf, in one of length 3 idf x 2.2 / 2.65.
//   idf(df 1) = ln 4 = 1.386, idf(df 2) = ln 2.4 = 0.875, idf(df 5) = 0.087
//   rare terms {1, 2, 4}: doc 4 = 2 x 0.875 x 0.830 = 1.453, doc 1 = 1.386,
//   docs 2 and 5 = 0.875 (equal floats: the smaller id first).
LexicalIndex rare_term_table() {
  LexicalIndex lex;
  lex.add(1, {{1, 1.0f}, {3, 1.0f}});
  lex.add(2, {{2, 1.0f}, {3, 1.0f}});
  lex.add(3, {{3, 1.0f}});
  lex.add(4, {{2, 1.0f}, {3, 1.0f}, {4, 1.0f}});
  lex.add(5, {{3, 1.0f}, {4, 1.0f}});
  return lex;
}

std::vector<int64_t> ids_of(const std::vector<std::pair<int64_t, float>>& v) {
  std::vector<int64_t> out;
  for (const auto& [id, s] : v) out.push_back(id);
  return out;
}

TEST(RareTermTop, TheRareTermsAloneWhileTheyHoldEnoughDocuments) {
  const LexicalIndex lex = rare_term_table();
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}, {3, 1.0f}, {4, 1.0f}};
  std::vector<float> idf;
  for (const auto& [t, w] : q) idf.push_back(lex.idf(t));
  EXPECT_NEAR(lex.idf(1), std::log(4.0), 1e-6);
  EXPECT_NEAR(lex.idf(2), std::log(2.4), 1e-6);

  // max df 2: terms 1, 2 and 4 hold documents 1, 2, 4 and 5, enough for 3.
  auto top3 = lex.rare_term_top(q, idf, 2, 3);
  EXPECT_EQ(ids_of(top3), (std::vector<int64_t>{4, 1, 2}));
  EXPECT_NEAR(top3[0].second, 2 * std::log(2.4) * 2.2 / 2.65, 1e-5);
  EXPECT_NEAR(top3[1].second, std::log(4.0), 1e-6);
  // The floats of those terms' BM25, as the pass over their postings sums them.
  const auto rare_only = lex.score({{1, 1.0f}, {2, 1.0f}, {4, 1.0f}});
  for (const auto& [id, score] : top3) EXPECT_EQ(score, rare_only.at(id)) << id;

  // Five asked, four held: the common term 3 is taken too, and document 3
  // (term 3 alone) comes last; 2 and 5 are still equal.
  auto top5 = lex.rare_term_top(q, idf, 2, 5);
  EXPECT_EQ(ids_of(top5), (std::vector<int64_t>{4, 1, 2, 5, 3}));
  const auto taken = lex.score({{1, 1.0f}, {2, 1.0f}, {4, 1.0f}, {3, 1.0f}});
  for (const auto& [id, score] : top5) EXPECT_EQ(score, taken.at(id)) << id;
  EXPECT_EQ(top5[2].second, top5[3].second);

  // No term rare: the rarest taken one by one. One document asked: term 1
  // holds it. Two: term 1, then term 2 (df 2, before term 4 by position).
  EXPECT_EQ(ids_of(lex.rare_term_top(q, idf, 0, 1)), (std::vector<int64_t>{1}));
  auto two = lex.rare_term_top(q, idf, 0, 2);
  EXPECT_EQ(ids_of(two), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(two[1].second, lex.score({{2, 1.0f}}).at(2));

  // Every term rare: exactly top_k's documents and floats.
  for (size_t k = 1; k <= 6; ++k) {
    auto all = lex.rare_term_top(q, idf, 5, k);
    EXPECT_EQ(all, lex.top_k(q, k)) << k;
  }
  EXPECT_TRUE(lex.rare_term_top(q, idf, 5, 0).empty());
  // A call after a call leaves nothing behind (per-thread scratch).
  EXPECT_EQ(ids_of(lex.rare_term_top(q, idf, 2, 3)), (std::vector<int64_t>{4, 1, 2}));
}

TEST(RareTermTop, SparseIdsGiveTheSameAnswersAndLeaveNegativeIdsOut) {
  LexicalIndex sparse;
  sparse.add(5, {{1, 1.0f}, {2, 2.0f}});
  sparse.add(int64_t{1} << 40, {{1, 2.0f}});
  sparse.add(-3, {{2, 1.0f}});
  sparse.add(7, {{3, 1.0f}});
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}, {3, 1.0f}};
  std::vector<float> idf;
  for (const auto& [t, w] : q) idf.push_back(sparse.idf(t));
  // Term 3 (df 1) is rare and holds one document; two asked: then term 1
  // (df 2, before term 2 by position), which holds 5 and 2^40.
  auto top = sparse.rare_term_top(q, idf, 1, 2);
  ASSERT_EQ(top.size(), 2u);
  const auto want = sparse.score({{3, 1.0f}, {1, 1.0f}});
  for (const auto& [id, score] : top) {
    EXPECT_NE(id, -3);
    EXPECT_EQ(score, want.at(id)) << id;
  }
  // Every term: the three documents of nonnegative id, never -3.
  auto all = sparse.rare_term_top(q, idf, 10, 10);
  EXPECT_EQ(all.size(), 3u);
  for (const auto& [id, score] : all) EXPECT_GE(id, 0);
}

// A zero query weight gives no document a score: the sparse and the dense
// index then take the common term alike. A negative one leaves the
// documents it pulls to 0 or below out.
TEST(RareTermTop, ZeroAndNegativeWeightsAreAnsweredAlikeByDenseAndSparseIds) {
  LexicalIndex dense = rare_term_table(), sparse;
  for (int64_t id = 1; id <= 5; ++id) {
    const WeightedTerms* t = dense.terms_of(id);
    ASSERT_NE(t, nullptr);
    sparse.add(id << 40, *t);
  }
  const WeightedTerms zero = {{2, 0.0f}, {3, 1.0f}};
  std::vector<float> idf = {dense.idf(2), dense.idf(3)};
  auto d = dense.rare_term_top(zero, idf, 2, 2);
  auto s = sparse.rare_term_top(zero, idf, 2, 2);
  // Term 2 (rare) scores nothing; term 3 is taken: documents 3 (length 1)
  // and then 1 (length 2, the smallest id of the four equal ones).
  EXPECT_EQ(ids_of(d), (std::vector<int64_t>{3, 1}));
  ASSERT_EQ(s.size(), 2u);
  EXPECT_EQ(s[0].first, int64_t{3} << 40);
  EXPECT_EQ(s[0].second, d[0].second);
  const WeightedTerms negative = {{1, -1.0f}, {3, 1.0f}};
  idf = {dense.idf(1), dense.idf(3)};
  auto neg = dense.rare_term_top(negative, idf, 100, 5);
  EXPECT_EQ(neg.size(), 4u);  // document 1 scores below 0
  for (const auto& [id, score] : neg) {
    EXPECT_NE(id, 1);
    EXPECT_GT(score, 0.0f);
  }
  EXPECT_EQ(sparse.rare_term_top(negative, idf, 100, 5).size(), 4u);
}

// The caller's scratch (Matcher passes its query's array by id): the same
// documents and floats as the per-thread scratch, and the arrays handed back
// as they came, every entry 0 and nothing listed, also after a document was
// listed twice (a negative weight pulled it back to 0, a later term lifted it).
TEST(RareTermTop, TheCallersScratchGivesTheSameAnswerAndIsLeftClean) {
  const LexicalIndex lex = rare_term_table();
  std::vector<float> scores;
  std::vector<int64_t> touched;
  const WeightedTerms q = {{1, 1.0f}, {2, 1.0f}, {3, 1.0f}, {4, 1.0f}};
  std::vector<float> idf;
  for (const auto& [t, w] : q) idf.push_back(lex.idf(t));
  for (uint32_t max_df : {0u, 2u, 5u})
    for (size_t n : {1u, 3u, 5u}) {
      EXPECT_EQ(lex.rare_term_top(q, idf, max_df, n, &scores, &touched),
                lex.rare_term_top(q, idf, max_df, n))
          << max_df << " " << n;
      EXPECT_TRUE(touched.empty());
      EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](float s) { return s == 0; }));
    }
  // Document 1 holds terms 1 and 3 once each, at the same length, so the
  // weights -1 and 1 cancel to exactly 0 and it is listed again by term 3.
  const WeightedTerms back = {{1, -1.0f}, {1, 1.0f}, {3, 1.0f}};
  const std::vector<float> back_idf = {lex.idf(1), lex.idf(1), lex.idf(3)};
  auto r = lex.rare_term_top(back, back_idf, 5, 5, &scores, &touched);
  EXPECT_EQ(r, lex.rare_term_top(back, back_idf, 5, 5));
  EXPECT_TRUE(touched.empty());
  EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](float s) { return s == 0; }));
  EXPECT_EQ(ids_of(r), (std::vector<int64_t>{3, 1, 2, 5, 4}));
  // Document 1 ends below 0 (term 1's idf ln 4 outweighs term 3's): left out,
  // and its entry zeroed all the same.
  const WeightedTerms below = {{1, -1.0f}, {3, 1.0f}};
  const std::vector<float> below_idf = {lex.idf(1), lex.idf(3)};
  r = lex.rare_term_top(below, below_idf, 5, 5, &scores, &touched);
  EXPECT_EQ(ids_of(r), (std::vector<int64_t>{3, 2, 5, 4}));
  EXPECT_TRUE(touched.empty());
  EXPECT_TRUE(std::all_of(scores.begin(), scores.end(), [](float s) { return s == 0; }));
  // Any n is accepted: more than there are gives every document that scores,
  // as top_k does (a selection reserving n entries threw here).
  const size_t huge = std::numeric_limits<size_t>::max();
  EXPECT_EQ(lex.rare_term_top(q, idf, 5, huge, &scores, &touched), lex.top_k(q, huge));
  EXPECT_EQ(lex.rare_term_top(q, idf, 5, huge).size(), 5u);
  EXPECT_EQ(lex.rare_term_top(q, idf, 5, size_t{1} << 40).size(), 5u);
}

// An index emptied of a huge id sizes no per-thread array by it (it did:
// dense_ids() holds for an empty index, and top_k and score_units then sized
// their scratch by the id removed, 2^40 entries: bad_alloc).
TEST(LexicalIndex, AnEmptiedIndexForgetsItsLargestId) {
  LexicalIndex lex;
  lex.add(int64_t{1} << 40, {{1, 1.0f}});
  lex.remove(int64_t{1} << 40);
  EXPECT_EQ(lex.size(), 0u);
  const WeightedTerms q = {{1, 1.0f}};
  EXPECT_TRUE(lex.top_k(q, 3).empty());
  std::vector<float> scores;
  lex.score_units(q, {lex.idf(1)}, {1, 2}, &scores);
  EXPECT_EQ(scores, (std::vector<float>{0.0f, 0.0f}));
  lex.add(7, {{1, 1.0f}});
  auto top = lex.top_k(q, 3);
  ASSERT_EQ(top.size(), 1u);
  EXPECT_EQ(top[0].first, 7);
}

TEST(LexicalIndexStatistics, ADocumentOutsideTheStatisticsMovesNoOtherScore) {
  LexicalIndex index = tiny_corpus();
  const WeightedTerms query = {{2, 1.0f}, {3, 1.0f}};
  const auto before = index.score(query);
  const float idf2 = index.idf(2), idf3 = index.idf(3);
  ASSERT_EQ(index.df(3), 2u);

  // Many copies of term 3 outside the statistics.
  for (int64_t id = 10; id < 60; ++id) index.add(id, {{3, 5.0f}}, /*in_statistics=*/false);
  EXPECT_EQ(index.df(3), 2u);
  EXPECT_EQ(index.idf(2), idf2);
  EXPECT_EQ(index.idf(3), idf3);
  const auto after = index.score(query);
  for (int64_t id : {1, 2, 3}) EXPECT_EQ(after.at(id), before.at(id)) << id;
  // Found and scored like a counted document of the same terms would be,
  // against the statistics of the counted ones.
  ASSERT_TRUE(after.count(10));
  EXPECT_GT(after.at(10), 0.0f);
  auto top = index.top_k(query, 3);
  ASSERT_EQ(top.size(), 3u);

  BinaryWriter w;
  index.save(&w);
  const std::string bytes = w.finish();
  BinaryReader r(bytes);
  LexicalIndex loaded = LexicalIndex::load(&r);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(loaded.df(3), 2u);
  EXPECT_EQ(loaded.idf(3), idf3);
  const auto reloaded = loaded.score(query);
  for (int64_t id : {1, 2, 3, 10}) EXPECT_EQ(reloaded.at(id), after.at(id)) << id;

  for (int64_t id = 10; id < 60; ++id) index.remove(id);
  EXPECT_EQ(index.df(3), 2u);
  EXPECT_EQ(index.idf(3), idf3);
  // A counted document does move them.
  index.add(99, {{3, 1.0f}});
  EXPECT_EQ(index.df(3), 3u);
  EXPECT_NE(index.idf(3), idf3);
}

}  // namespace
}  // namespace expertmatch
