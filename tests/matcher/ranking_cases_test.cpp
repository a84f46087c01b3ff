// The ranking cases of issue 11 (inversions, repeated works, experts with no
// works) as tables of literal records with their right answers, and the
// dominance property over the demo corpus and randomised small corpora.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "matcher/matcher.h"

namespace expertmatch {
namespace {

struct Built {
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  std::unique_ptr<CorpusIndex> index;
};

Built build(const std::string& experts_jsonl, const std::string& problems_jsonl) {
  Built b;
  auto e = parse_experts_jsonl(experts_jsonl, "experts");
  EXPECT_TRUE(e.is_ok()) << e.status().to_string();
  auto p = parse_problems_jsonl(problems_jsonl, "problems");
  EXPECT_TRUE(p.is_ok()) << p.status().to_string();
  if (!e.is_ok() || !p.is_ok()) return b;
  b.experts = *e;
  b.problems = *p;
  auto idx = CorpusIndex::build(b.experts, b.problems, IndexConfig{});
  EXPECT_TRUE(idx.is_ok()) << idx.status().to_string();
  if (idx.is_ok()) b.index = std::move(*idx);
  return b;
}

std::vector<ExpertMatch> rank_all(const Matcher& m, const Problem& p) {
  auto r = m.rank_experts(p, MatchFilters{}, -1);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? *r : std::vector<ExpertMatch>{};
}

const ExpertMatch* find(const std::vector<ExpertMatch>& v, const std::string& id) {
  for (const auto& m : v)
    if (m.expert_id == id) return &m;
  return nullptr;
}

bool dominates_strictly(const ComponentScores& a, const ComponentScores& b) {
  return a.dense >= b.dense && a.lexical >= b.lexical && a.profile >= b.profile &&
         (a.dense > b.dense || a.lexical > b.lexical || a.profile > b.profile);
}

bool equal(const ComponentScores& a, const ComponentScores& b) {
  return a.dense == b.dense && a.lexical == b.lexical && a.profile == b.profile;
}

// No expert ranks after one it strictly dominates; equal components, equal scores.
void expect_no_inversion(const std::vector<ExpertMatch>& ranked, const std::string& what) {
  for (size_t i = 0; i < ranked.size(); ++i)
    for (size_t j = i + 1; j < ranked.size(); ++j) {
      const ExpertMatch& a = ranked[i];
      const ExpertMatch& b = ranked[j];
      EXPECT_FALSE(dominates_strictly(b.components, a.components))
          << what << ": " << b.expert_id << " dominates " << a.expert_id << " but ranks after it";
      if (equal(a.components, b.components)) {
        EXPECT_EQ(a.score, b.score) << what << ": " << a.expert_id << " / " << b.expert_id;
        EXPECT_LT(a.expert_id, b.expert_id) << what;
      }
    }
}

// ---- The cases (copied from the issue's small inputs) -----------------------

const char* kInversionExperts =
    R"({"id": "inv-a", "name": "甲", "works": [{"kind": "paper", "title": "SUS316不锈钢焊缝晶间腐蚀", "abstract": "研究SUS316焊接热影响区晶间腐蚀与层间温度。"}]}
{"id": "inv-b", "name": "乙", "works": [{"kind": "paper", "title": "SUS304不锈钢焊缝晶间腐蚀", "abstract": "研究SUS304焊接热影响区晶间腐蚀与层间温度。"}]}
)";
const char* kInversionProblems =
    R"({"id": "inv-p1", "enterprise": "衢州某管业有限公司", "county": "柯城区", "title": "SUS304不锈钢焊缝晶间腐蚀", "description": "SUS304不锈钢管道焊后热影响区发生晶间腐蚀。", "urgency": 5}
)";

const std::string kBearing =
    R"({"kind": "paper", "title": "深沟球轴承润滑脂高速渗漏机理与密封结构改进", "abstract": "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因，分析温升、脂稠度与唇口过盈量的影响，提出密封唇结构改进方案。"})";
const std::string kBattery =
    R"({"kind": "paper", "title": "锂离子电池三元正极材料的表面包覆改性", "abstract": "采用氧化铝包覆提高三元正极材料的循环稳定性和热稳定性。"})";
const std::string kSilicone =
    R"({"kind": "project", "title": "有机硅单体合成流化床触体失活研究", "abstract": "研究甲基氯硅烷直接法合成中铜触体失活与颗粒团聚问题。"})";
const std::string kSeal =
    R"({"kind": "paper", "title": "滚动轴承密封件橡胶材料耐油老化性能", "abstract": "研究丁腈橡胶与氟橡胶密封件在润滑脂中的耐油老化与硬度变化。"})";
const std::string kRepeatedExperts =
    R"({"id": "rep-a", "name": "甲", "works": [)" + kBearing + ", " + kBattery + ", " + kSilicone +
    "]}\n" + R"({"id": "rep-b", "name": "乙", "works": [)" + kBearing + ", " + kBearing + ", " +
    kBearing + ", " + kBattery + ", " + kSilicone + "]}\n" +
    R"({"id": "rep-c", "name": "丙", "works": [)" + kBearing + ", " + kSeal + ", " + kBattery +
    "]}\n";
const char* kRepeatedProblems =
    R"({"id": "rep-p1", "enterprise": "衢州某轴承有限公司", "county": "常山县", "title": "带密封圈的轴承高速运转后往外渗油脂", "description": "6204-2RS轴承在电机里高速跑几个小时后，密封圈唇口有油脂渗出来，客户投诉。"}
)";

const char* kNoWorksExperts =
    R"({"id": "nw-a", "name": "甲", "fields": ["螺杆空压机热管理", "油冷却器设计", "压缩机排气温度控制"], "bio": "研究螺杆空气压缩机的散热与热管理，包括油冷却器换热设计、排气温度过高停机的诊断与风道改进。", "works": []}
{"id": "nw-b", "name": "乙", "fields": ["焊接工艺"], "bio": "从事低合金钢焊接工艺研究。", "works": [{"kind": "paper", "title": "Q345钢埋弧焊焊缝气孔成因分析", "abstract": "分析了埋弧焊焊剂含水量与焊缝气孔率的关系。"}]}
)";
const char* kNoWorksProblems =
    R"({"id": "nw-p1", "enterprise": "衢州某压缩机有限公司", "county": "柯城区", "title": "螺杆空压机夏天排气温度过高停机", "description": "夏季螺杆空压机排气温度升到105℃就停机，油冷却器清洗过也没用，怀疑散热风道设计有问题。", "keywords": ["螺杆空压机", "排气温度", "油冷却器"], "urgency": 4}
)";

struct RankingCase {
  const char* name;
  std::string experts;
  std::string problems;
  std::vector<std::string> order;         // the expected ranking, best first
  std::set<std::string> good;             // experts that must be good matches
  std::vector<std::string> equal_scores;  // experts that must score exactly equal
};

class RankingCaseTest : public ::testing::TestWithParam<RankingCase> {};

TEST_P(RankingCaseTest, RanksAsJudged) {
  const RankingCase& c = GetParam();
  Built b = build(c.experts, c.problems);
  ASSERT_TRUE(b.index);
  Matcher matcher(*b.index);
  auto ranked = rank_all(matcher, b.problems.at(0));
  ASSERT_GE(ranked.size(), c.order.size());
  for (size_t i = 0; i < c.order.size(); ++i) EXPECT_EQ(ranked[i].expert_id, c.order[i]) << i;
  for (const auto& id : c.good) {
    const ExpertMatch* m = find(ranked, id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_TRUE(m->good_match) << id << " confidence " << m->confidence;
  }
  for (size_t i = 1; i < c.equal_scores.size(); ++i) {
    const ExpertMatch* a = find(ranked, c.equal_scores[0]);
    const ExpertMatch* m = find(ranked, c.equal_scores[i]);
    ASSERT_TRUE(a && m);
    EXPECT_EQ(a->score, m->score) << c.equal_scores[i];
    EXPECT_TRUE(equal(a->components, m->components)) << c.equal_scores[i];
    EXPECT_EQ(a->confidence, m->confidence);
  }
  expect_no_inversion(ranked, c.name);
}

INSTANTIATE_TEST_SUITE_P(
    Issue11, RankingCaseTest,
    ::testing::Values(
        // The SUS304 expert's only work is exactly the problem.
        RankingCase{"inversion", kInversionExperts, kInversionProblems, {"inv-b", "inv-a"}, {}, {}},
        // rep-b lists the bearing paper three times: it counts once, so rep-b is
        // rep-a exactly; rep-c has a second related work.
        RankingCase{"repeated_work",
                    kRepeatedExperts,
                    kRepeatedProblems,
                    {"rep-c", "rep-a", "rep-b"},
                    {},
                    {"rep-a", "rep-b"}},
        // Fields and bio exactly on the problem, no works: first and good.
        RankingCase{"no_works", kNoWorksExperts, kNoWorksProblems, {"nw-a", "nw-b"}, {"nw-a"}, {}}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RankingCases, TheDominantExpertHasTheStrongerOwnEvidence) {
  Built b = build(kInversionExperts, kInversionProblems);
  ASSERT_TRUE(b.index);
  auto ranked = rank_all(Matcher(*b.index), b.problems.at(0));
  ASSERT_EQ(ranked.size(), 2u);
  EXPECT_GE(ranked[0].components.dense, ranked[1].components.dense);
  EXPECT_GT(ranked[0].components.lexical, ranked[1].components.lexical);
}

TEST(RankingCases, ARepeatedWorkIsNamedOnce) {
  Built b = build(kRepeatedExperts, kRepeatedProblems);
  ASSERT_TRUE(b.index);
  auto ranked = rank_all(Matcher(*b.index), b.problems.at(0));
  const ExpertMatch* m = find(ranked, "rep-b");
  ASSERT_NE(m, nullptr);
  std::set<std::string> titles;
  for (const auto& w : m->works) EXPECT_TRUE(titles.insert(w.title).second) << w.title;
  EXPECT_EQ(m->works.at(0).work_index, 0);  // the first of the copies is the one named
}

TEST(RankingCases, FiveHundredNearCopiesCountAsOneWork) {
  // "copies" lists the bearing paper 500 times (RecordLimits::kWorks, the
  // most one expert may have), each a numbered draft with one more sentence;
  // "single" lists it once; "broad" has it and a second, related work.
  std::string copies = R"({"id": "copies", "name": "丁", "works": [)";
  for (int i = 1; i <= static_cast<int>(RecordLimits::kWorks); ++i) {
    if (i > 1) copies += ", ";
    copies +=
        R"({"kind": "paper", "title": "深沟球轴承润滑脂高速渗漏机理与密封结构改进（第)" +
        std::to_string(i) +
        R"(稿）", "abstract": "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因，分析温升、脂稠度与唇口过盈量的影响，提出密封唇结构改进方案。"})";
  }
  copies += "]}\n";
  std::string experts = copies + R"({"id": "single", "name": "戊", "works": [)" + kBearing +
                        "]}\n" + R"({"id": "broad", "name": "己", "works": [)" + kBearing + ", " +
                        kSeal + "]}\n";
  Built b = build(experts, kRepeatedProblems);
  ASSERT_TRUE(b.index);
  const ExpertEntry* entry = b.index->expert("copies");
  ASSERT_NE(entry, nullptr);
  int distinct = 0;
  for (int r : entry->repeat_of) distinct += r < 0;
  EXPECT_EQ(distinct, 1);
  auto ranked = rank_all(Matcher(*b.index), b.problems.at(0));
  ASSERT_EQ(ranked.size(), 3u);
  EXPECT_NE(ranked[0].expert_id, "copies");
  const ExpertMatch* c = find(ranked, "copies");
  const ExpertMatch* s = find(ranked, "single");
  ASSERT_TRUE(c && s);
  // The draft numbers make the titles differ a little, so the two need not be
  // bit-identical, but the copies must add nothing.
  EXPECT_NEAR(c->score, s->score, 0.01f);
  EXPECT_LE(c->components.lexical, s->components.lexical + 0.01f);
}

// ---- Dominance as a property --------------------------------------------------

TEST(RankingProperty, NoInversionOnTheDemoCorpus) {
  const char* dir = std::getenv("EXPERTMATCH_SOURCE_DIR");
  ASSERT_NE(dir, nullptr);
  auto experts = read_experts_file(std::string(dir) + "/corpus/quzhou/experts.jsonl");
  auto problems = read_problems_file(std::string(dir) + "/corpus/quzhou/problems.jsonl");
  ASSERT_TRUE(experts.is_ok() && problems.is_ok());
  auto idx = CorpusIndex::build(*experts, *problems, IndexConfig{});
  ASSERT_TRUE(idx.is_ok());
  Matcher matcher(**idx);
  // Every fifth problem keeps the test short; each ranking holds all experts.
  for (size_t i = 0; i < problems->size(); i += 5)
    expect_no_inversion(rank_all(matcher, (*problems)[i]), (*problems)[i].id);
}

// Small corpora from a fixed vocabulary: random works, some experts that are
// exact copies of others under another id, some with their works shuffled.
// The same properties with each optional lexical model on (MatchConfig:
// Balog's Model 2 with either smoothing, RM3 feedback), whose scores are not
// the default's.
MatchConfig with_options(int variant) {
  MatchConfig c;
  if (variant == 1) c.language_model_share = 0.5f;
  if (variant == 2) {
    c.language_model_share = 1.0f;
    c.language_model.smoothing = Smoothing::kJelinekMercer;
  }
  if (variant == 3) c.feedback_units = 5;
  return c;
}

TEST(RankingProperty, NoInversionAndExactTiesOnRandomCorpora) {
  const std::vector<std::string> words = {
      "轴承",   "润滑脂", "密封圈", "渗漏",     "焊缝",     "晶间腐蚀", "不锈钢", "热处理",
      "渗碳",   "淬火",   "压缩机", "排气温度", "油冷却器", "散热",     "胡柚",   "果汁",
      "脱苦",   "保鲜",   "废水",   "膜浓缩",   "蒸发结晶", "涂料",     "固化",   "甲醛",
      "胶黏剂", "竹材",   "防霉",   "振动",     "噪声",     "故障诊断"};
  for (unsigned seed : {1u, 2u, 3u, 4u, 5u, 6u}) {
    std::mt19937 rng(seed);
    auto text = [&](int n) {
      std::string t;
      for (int i = 0; i < n; ++i) t += words[rng() % words.size()];
      return t;
    };
    std::vector<Expert> experts;
    for (int e = 0; e < 12; ++e) {
      Expert x;
      x.id = "e" + std::to_string(10 + e);
      x.name = "专家" + std::to_string(e);
      x.fields = {text(2)};
      x.bio = "研究" + text(4);
      int nw = static_cast<int>(rng() % 4);  // 0-3 works
      for (int w = 0; w < nw; ++w) {
        Work wk;
        wk.kind = WorkKind::kPaper;
        wk.title = text(3);
        wk.abstract = "研究" + text(6) + "。";
        x.works.push_back(wk);
      }
      experts.push_back(x);
    }
    std::map<std::string, std::string> copy_of;
    for (int c = 0; c < 3; ++c) {
      Expert x = experts[rng() % experts.size()];
      copy_of["c" + std::to_string(c) + x.id] = x.id;
      x.id = "c" + std::to_string(c) + x.id;
      if (c == 2) std::reverse(x.works.begin(), x.works.end());  // the same works, another order
      experts.push_back(x);
    }
    std::vector<Problem> problems;
    for (int p = 0; p < 6; ++p) {
      Problem q;
      q.id = "p" + std::to_string(p);
      q.enterprise = "衢州某公司";
      q.county = "柯城区";
      q.title = text(3);
      q.description = text(8) + "。";
      problems.push_back(q);
    }
    auto idx = CorpusIndex::build(experts, problems, IndexConfig{});
    ASSERT_TRUE(idx.is_ok()) << idx.status().to_string();
    for (int variant = 0; variant < 4; ++variant) {
      Matcher matcher(**idx, with_options(variant));
      for (const auto& p : problems) {
        std::string what =
            "seed " + std::to_string(seed) + " variant " + std::to_string(variant) + " " + p.id;
        auto ranked = rank_all(matcher, p);
        expect_no_inversion(ranked, what);
        for (const auto& [copy, original] : copy_of) {
          const ExpertMatch* a = find(ranked, copy);
          const ExpertMatch* b = find(ranked, original);
          ASSERT_TRUE(a && b);
          EXPECT_EQ(a->score, b->score) << what << " " << copy;
          EXPECT_EQ(a->confidence, b->confidence) << what << " " << copy;
        }
      }
    }
  }
}

}  // namespace
}  // namespace expertmatch
