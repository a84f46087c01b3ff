// evaluate_ranking on a small fixture whose metric values are worked out by
// hand below (the definitions of shared/tools/trec_metrics.py).
#include "matcher/evaluation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

namespace expertmatch {
namespace {

constexpr double kTolerance = 1e-9;

// P1: e1=3, e2=2, e3=1, e4=0
// P2: e5=1, e6=1                 (no grade >= 2: MRR counts the first grade >= 1)
// P3: e7=0, e8=0                 (nothing relevant: skipped by every metric)
// P4: e9=2                       (no run at all: counts as zero)
std::vector<Judgment> fixture_qrels() {
  return {{"P1", "e1", 3}, {"P1", "e2", 2}, {"P1", "e3", 1}, {"P1", "e4", 0}, {"P2", "e5", 1},
          {"P2", "e6", 1}, {"P3", "e7", 0}, {"P3", "e8", 0}, {"P4", "e9", 2}};
}

std::map<std::string, std::vector<std::string>> fixture_run() {
  return {
      {"P1", {"e4", "e1", "x1", "e3"}},  // e2 not retrieved
      {"P2", {"x2", "x3", "e6"}},
      {"P3", {"e7", "e8"}},
      {"P9", {"e1"}},  // not judged: ignored
  };
}

TEST(EvaluationTest, MetricsMatchHandComputedValues) {
  RankingMetrics m = evaluate_ranking(fixture_qrels(), fixture_run(), 10);
  // Counted: P1, P2, P4 (P3 has no grade >= 1; P9 has no judgments).
  EXPECT_EQ(m.problems, 3);

  // nDCG@10, gain 2^g - 1, discount log2(rank + 1):
  //  P1: DCG  = 0/log2(2) + 7/log2(3) + 0/log2(4) + 1/log2(5)
  //           = 0 + 4.416508 + 0 + 0.430677 = 4.847185
  //      IDCG = 7/log2(2) + 3/log2(3) + 1/log2(4) + 0 = 7 + 1.892789 + 0.5 = 9.392789
  //      nDCG = 0.516054
  //  P2: DCG  = 1/log2(4) = 0.5;  IDCG = 1/1 + 1/log2(3) = 1.630930;  nDCG = 0.306574
  //  P4: 0
  //  mean = (0.516054 + 0.306574 + 0) / 3 = 0.274209
  const double p1 = (7 / std::log2(3.0) + 1 / std::log2(5.0)) / (7 + 3 / std::log2(3.0) + 0.5);
  const double p2 = 0.5 / (1 + 1 / std::log2(3.0));
  EXPECT_NEAR(p1, 0.516054, 1e-6);
  EXPECT_NEAR(p2, 0.306574, 1e-6);
  EXPECT_NEAR(m.ndcg, (p1 + p2) / 3, kTolerance);
  EXPECT_NEAR(m.ndcg, 0.274209, 1e-6);

  // MRR@10:
  //  P1: threshold 2 (it has grades >= 2): e4 (0) no, e1 (3) at rank 2 -> 1/2
  //  P2: threshold 1 (no grade >= 2): e6 at rank 3 -> 1/3
  //  P4: 0
  //  mean = (0.5 + 0.333333 + 0) / 3 = 0.277778
  EXPECT_NEAR(m.mrr, (0.5 + 1.0 / 3) / 3, kTolerance);

  // Recall@10 (grade >= 1 within the top 10):
  //  P1: {e1, e2, e3}, retrieved e1 and e3 -> 2/3
  //  P2: {e5, e6}, retrieved e6 -> 1/2
  //  P4: 0
  //  mean = (0.666667 + 0.5 + 0) / 3 = 0.388889
  EXPECT_NEAR(m.recall, (2.0 / 3 + 0.5) / 3, kTolerance);

  // Grade 3 in the top: only P1 has a grade-3 expert, and e1 is retrieved.
  EXPECT_EQ(m.problems_with_grade3, 1);
  EXPECT_NEAR(m.grade3_in_top, 1.0, kTolerance);
}

TEST(EvaluationTest, MrrThresholdIsTwoWhenTheProblemHasAGradeTwo) {
  // e1 (grade 1) comes first, but the problem has a grade-2 expert: MRR = 1/2.
  RankingMetrics m = evaluate_ranking({{"P", "e1", 1}, {"P", "e2", 2}}, {{"P", {"e1", "e2"}}});
  EXPECT_EQ(m.problems, 1);
  EXPECT_NEAR(m.mrr, 0.5, kTolerance);
  // Without the grade-2 expert in the judgments, e1 counts: MRR = 1.
  RankingMetrics n = evaluate_ranking({{"P", "e1", 1}, {"P", "e2", 0}}, {{"P", {"e1", "e2"}}});
  EXPECT_NEAR(n.mrr, 1.0, kTolerance);
}

TEST(EvaluationTest, OnlyTheTopKCount) {
  std::vector<std::string> ranked;
  for (int i = 0; i < 10; ++i) ranked.push_back(std::string(1, 'x').append(std::to_string(i)));
  ranked.push_back("e1");  // rank 11
  std::vector<Judgment> qrels = {{"P", "e1", 3}};
  RankingMetrics at10 = evaluate_ranking(qrels, {{"P", ranked}}, 10);
  EXPECT_EQ(at10.problems, 1);
  EXPECT_NEAR(at10.ndcg, 0.0, kTolerance);
  EXPECT_NEAR(at10.mrr, 0.0, kTolerance);
  EXPECT_NEAR(at10.recall, 0.0, kTolerance);
  EXPECT_NEAR(at10.grade3_in_top, 0.0, kTolerance);
  // At k = 11: DCG = 7/log2(12), IDCG = 7, so nDCG = 1/log2(12) = 0.278943; MRR = 1/11.
  RankingMetrics at11 = evaluate_ranking(qrels, {{"P", ranked}}, 11);
  EXPECT_NEAR(at11.ndcg, 1 / std::log2(12.0), kTolerance);
  EXPECT_NEAR(at11.mrr, 1.0 / 11, kTolerance);
  EXPECT_NEAR(at11.recall, 1.0, kTolerance);
}

TEST(EvaluationTest, IdealRankingIsCutAtK) {
  // Three grade-2 experts judged, k = 2, run retrieves two of them first:
  // DCG = 3/1 + 3/log2(3) = IDCG over the top 2 only, so nDCG = 1 (not 0.77).
  std::vector<Judgment> qrels = {{"P", "a", 2}, {"P", "b", 2}, {"P", "c", 2}};
  RankingMetrics m = evaluate_ranking(qrels, {{"P", {"a", "b", "c"}}}, 2);
  EXPECT_NEAR(m.ndcg, 1.0, kTolerance);
  // Recall is over all relevant experts: 2 of 3.
  EXPECT_NEAR(m.recall, 2.0 / 3, kTolerance);
}

TEST(EvaluationTest, ProblemsWithoutRelevantExpertsAreSkipped) {
  RankingMetrics m = evaluate_ranking({{"P3", "e7", 0}, {"P3", "e8", 0}}, {{"P3", {"e7", "e8"}}});
  EXPECT_EQ(m.problems, 0);
  EXPECT_EQ(m.ndcg, 0.0);
  EXPECT_EQ(m.mrr, 0.0);
  EXPECT_EQ(m.recall, 0.0);
  // Adding them to a judged problem leaves that problem's figures unchanged.
  RankingMetrics one = evaluate_ranking({{"P", "e1", 2}}, {{"P", {"x", "e1"}}});
  std::vector<Judgment> qrels = {{"P", "e1", 2}, {"P3", "e7", 0}, {"P3", "e8", 0}};
  RankingMetrics with_skipped = evaluate_ranking(qrels, {{"P", {"x", "e1"}}, {"P3", {"e7"}}});
  EXPECT_EQ(with_skipped.problems, 1);
  EXPECT_NEAR(with_skipped.ndcg, one.ndcg, kTolerance);
  EXPECT_NEAR(with_skipped.mrr, 0.5, kTolerance);
  EXPECT_NEAR(with_skipped.recall, 1.0, kTolerance);
}

}  // namespace
}  // namespace expertmatch
