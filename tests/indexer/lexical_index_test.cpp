// Language-model scoring of LexicalIndex (query likelihood, Balog's Model 2)
// on a corpus small enough to compute every value by hand.
#include "indexer/lexical_index.h"

#include <cmath>
#include <limits>
#include <string>

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

}  // namespace
}  // namespace expertmatch
