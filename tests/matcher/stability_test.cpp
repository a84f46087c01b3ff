// Issue 11, item 7: adding unrelated records must not move the scores of
// the pairs already there. Records added to a running index (the server's
// creations, updates and bulk imports) are analysed with the model as
// fitted: the vocabulary, the experts' BM25 statistics, the LSA basis and
// the unit mean stay as they are until an explicit refit (`expertmatch
// index`), so every existing pair keeps its score, confidence and verdict
// bit for bit. (A refit moves them by a measured amount, and so does an
// added expert, through the experts' BM25 statistics and the neighbour
// smoothing's sources: docs/quality.md.)
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "corpus/exchange_format.h"
#include "matcher/matcher.h"

namespace expertmatch {
namespace {

// Problems no demo expert's research covers (a trademark dispute, hiring,
// a loan, ...) and technical ones in fields the demo bank has little of.
const char* kUnrelated =
    R"({"id": "add-01", "enterprise": "衢州某酒业有限公司", "county": "龙游县", "title": "商标被人抢注了", "description": "我们的老字号品牌在外省被人抢注了商标，现在对方反过来说我们侵权，要求赔偿。", "urgency": 4})"
    "\n"
    R"({"id": "add-02", "enterprise": "衢州某家具有限公司", "county": "江山市", "title": "招不到年轻工人", "description": "车间里都是五十岁以上的老师傅，年轻人来了干不了三个月就走，工资已经比周边高了。", "urgency": 3})"
    "\n"
    R"({"id": "add-03", "enterprise": "衢州某茶业有限公司", "county": "开化县", "title": "银行贷款批不下来", "description": "想扩建茶叶加工车间，向银行申请三百万贷款，一直说抵押物不够，不知道还有什么融资办法。", "urgency": 3})"
    "\n"
    R"({"id": "add-04", "enterprise": "衢州某电子有限公司", "county": "柯城区", "title": "回流焊后焊点发黑", "description": "贴片电阻回流焊后焊点发黑不亮，怀疑焊膏受潮或炉温曲线不对，返修率接近百分之五。", "keywords": ["回流焊", "焊膏", "炉温曲线"], "urgency": 4})"
    "\n";

struct Pair {
  float score;
  float confidence;
  bool good;
  bool operator==(const Pair& o) const {
    return score == o.score && confidence == o.confidence && good == o.good;
  }
};

// Every expert's score, confidence and verdict for every 4th demo problem.
std::map<std::pair<std::string, std::string>, Pair> all_pairs(const CorpusIndex& index,
                                                              const std::vector<Problem>& asked) {
  Matcher matcher(index);
  const int everyone = static_cast<int>(index.experts().size());
  std::map<std::pair<std::string, std::string>, Pair> out;
  for (size_t i = 0; i < asked.size(); i += 4) {
    auto ranked = matcher.rank_experts(asked[i], MatchFilters{}, everyone);
    EXPECT_TRUE(ranked.is_ok()) << ranked.status().to_string();
    if (!ranked.is_ok()) continue;
    for (const auto& m : *ranked)
      out[{asked[i].id, m.expert_id}] = Pair{m.score, m.confidence, m.good_match};
  }
  return out;
}

TEST(StabilityTest, AddingUnrelatedProblemsMovesNoExistingPair) {
  const char* dir = std::getenv("EXPERTMATCH_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  auto e = read_experts_file(std::string(dir) + "/corpus/quzhou/experts.jsonl");
  auto p = read_problems_file(std::string(dir) + "/corpus/quzhou/problems.jsonl");
  auto added = parse_problems_jsonl(kUnrelated, "unrelated");
  ASSERT_TRUE(e.is_ok() && p.is_ok() && added.is_ok());
  auto index = CorpusIndex::build(*e, *p, IndexConfig{});
  ASSERT_TRUE(index.is_ok()) << index.status().to_string();
  const auto before = all_pairs(**index, *p);
  ASSERT_GT(before.size(), 10000u);

  for (const Problem& q : *added) ASSERT_TRUE((*index)->upsert_problem(q).is_ok()) << q.id;
  // And one existing problem rewritten, as an enterprise's edit would.
  Problem edited = (*p)[1];
  edited.description += "另外，最近夜班也出现了同样的情况。";
  ASSERT_TRUE((*index)->upsert_problem(edited).is_ok());
  const auto after = all_pairs(**index, *p);

  ASSERT_EQ(after.size(), before.size());
  int moved = 0;
  for (const auto& [key, was] : before) {
    auto it = after.find(key);
    ASSERT_NE(it, after.end()) << key.first << " " << key.second;
    if (!(it->second == was)) {
      if (++moved <= 5)
        ADD_FAILURE() << key.first << " / " << key.second << ": score " << was.score << " -> "
                      << it->second.score << ", confidence " << was.confidence << " -> "
                      << it->second.confidence;
    }
  }
  EXPECT_EQ(moved, 0) << "of " << before.size() << " pairs";
}

}  // namespace
}  // namespace expertmatch
