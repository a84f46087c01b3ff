#include "matcher/evaluation.h"

#include <algorithm>
#include <cmath>
#include <set>

namespace expertmatch {

RankingMetrics evaluate_ranking(const std::vector<Judgment>& qrels,
                                const std::map<std::string, std::vector<std::string>>& run, int k) {
  std::map<std::string, std::map<std::string, int>> rel;
  for (const auto& j : qrels) rel[j.problem_id][j.expert_id] = j.grade;
  RankingMetrics m;
  for (const auto& [pid, grades] : rel) {
    int max_grade = 0;
    for (auto& [e, g] : grades) max_grade = std::max(max_grade, g);
    if (max_grade < 1) continue;
    ++m.problems;
    static const std::vector<std::string> kEmpty;
    auto it = run.find(pid);
    const auto& ranked_all = it == run.end() ? kEmpty : it->second;
    std::vector<std::string> ranked(ranked_all.begin(),
                                    ranked_all.begin() + std::min<size_t>(k, ranked_all.size()));
    auto grade_of = [&](const std::string& e) {
      auto g = grades.find(e);
      return g == grades.end() ? 0 : g->second;
    };
    double dcg = 0;
    for (size_t i = 0; i < ranked.size(); ++i)
      dcg += (std::pow(2.0, grade_of(ranked[i])) - 1) / std::log2(i + 2.0);
    std::vector<int> ideal;
    for (auto& [e, g] : grades) ideal.push_back(g);
    std::sort(ideal.rbegin(), ideal.rend());
    double idcg = 0;
    for (size_t i = 0; i < ideal.size() && i < static_cast<size_t>(k); ++i)
      idcg += (std::pow(2.0, ideal[i]) - 1) / std::log2(i + 2.0);
    m.ndcg += dcg / idcg;
    int thr = max_grade >= 2 ? 2 : 1;
    for (size_t i = 0; i < ranked.size(); ++i)
      if (grade_of(ranked[i]) >= thr) {
        m.mrr += 1.0 / (i + 1);
        break;
      }
    std::set<std::string> relevant;
    for (auto& [e, g] : grades)
      if (g >= 1) relevant.insert(e);
    int hit = 0;
    for (const auto& e : std::set<std::string>(ranked.begin(), ranked.end()))
      hit += relevant.count(e);
    m.recall += static_cast<double>(hit) / relevant.size();
    if (max_grade >= 3) {
      ++m.problems_with_grade3;
      for (const auto& e : ranked)
        if (grade_of(e) >= 3) {
          m.grade3_in_top += 1;
          break;
        }
    }
  }
  if (m.problems > 0) {
    m.ndcg /= m.problems;
    m.mrr /= m.problems;
    m.recall /= m.problems;
  }
  if (m.problems_with_grade3 > 0) m.grade3_in_top /= m.problems_with_grade3;
  return m;
}

}  // namespace expertmatch
