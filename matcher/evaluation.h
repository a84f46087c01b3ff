// Ranking quality: nDCG@k, MRR@k and Recall@k of a run against graded
// judgments, defined exactly as shared/tools/trec_metrics.py defines them:
//  - problems without any judgment of grade >= 1 are skipped;
//  - gain 2^grade - 1, discount log2(rank + 1); the ideal ranking is the
//    judged grades sorted descending;
//  - MRR: first expert of grade >= 2 (>= 1 if the problem has none of 2+);
//  - Recall: share of grade >= 1 experts within the top k.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "corpus/model.h"

namespace expertmatch {

struct RankingMetrics {
  double ndcg = 0;
  double mrr = 0;
  double recall = 0;
  int problems = 0;  // judged problems counted
  // Share of counted problems with a grade-3 expert in the top k (0 if none has grade 3).
  double grade3_in_top = 0;
  int problems_with_grade3 = 0;
};

// run: problem id -> expert ids, best first.
RankingMetrics evaluate_ranking(const std::vector<Judgment>& qrels,
                                const std::map<std::string, std::vector<std::string>>& run,
                                int k = 10);

}  // namespace expertmatch
