// Explanations in real words (issue 11 item 6) and bounded explanation work
// (issue 10 item 3), on small corpora written here. The cases of
// ../shared/cases/ranking/fragment_terms_* are copied in, not read.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "indexer/corpus_index.h"
#include "matcher/matcher.h"

namespace expertmatch {
namespace {

Expert expert(std::string id, std::vector<Work> works, std::vector<std::string> fields = {},
              std::string bio = "") {
  Expert e;
  e.id = std::move(id);
  e.name = e.id;
  e.works = std::move(works);
  e.fields = std::move(fields);
  e.bio = std::move(bio);
  return e;
}

Work paper(std::string title, std::vector<std::string> keywords = {}, std::string abstract = "") {
  Work w;
  w.kind = WorkKind::kPaper;
  w.title = std::move(title);
  w.keywords = std::move(keywords);
  w.abstract = std::move(abstract);
  return w;
}

Problem problem(std::string id, std::string title, std::string description = "",
                std::vector<std::string> keywords = {}) {
  Problem p;
  p.id = std::move(id);
  p.enterprise = "衢州某有限公司";
  p.county = "柯城区";
  p.title = std::move(title);
  p.description = std::move(description);
  p.keywords = std::move(keywords);
  return p;
}

std::unique_ptr<CorpusIndex> build(const std::vector<Expert>& experts,
                                   const std::vector<Problem>& problems) {
  auto built = CorpusIndex::build(experts, problems, IndexConfig{});
  EXPECT_TRUE(built.is_ok()) << built.status().to_string();
  return built.is_ok() ? std::move(*built) : nullptr;
}

const ExpertMatch* find(const std::vector<ExpertMatch>& matches, const std::string& id) {
  for (const auto& m : matches)
    if (m.expert_id == id) return &m;
  return nullptr;
}

std::set<std::string> named(const ExpertMatch& m) {
  std::set<std::string> out;
  for (const auto& t : m.terms) out.insert(t.term);
  return out;
}

// fragment_terms_*: ICU cuts 排气温度过高 as 排|气温|度过|高; 气温 and 度过
// straddle two words and are not words of the problem. In this two-expert
// corpus nothing shows which cut is right, so only 空压机 (a word no other cut
// touches) is named.
TEST(ExplanationTest, NamesWholeWordsNeverBigramsAcrossWordBoundaries) {
  auto index = build({expert("frag-a", {paper("螺杆空压机排气温度过高的原因分析")}),
                      expert("frag-b", {paper("造纸湿强剂低氯化改性")})},
                     {problem("frag-p1", "空压机夏天排气温度过高停机")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("frag-p1")->problem(), {}, -1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_FALSE(r->empty());
  EXPECT_EQ((*r)[0].expert_id, "frag-a");
  const std::set<std::string> terms = named((*r)[0]);
  EXPECT_EQ(terms, (std::set<std::string>{"空压机"})) << ::testing::PrintToString(terms);
  EXPECT_EQ((*r)[0].informative_terms, 1);
  const std::string title = "空压机夏天排气温度过高停机";
  for (const auto& t : (*r)[0].terms) {
    EXPECT_EQ(t.field, "title");
    for (auto [b, e] : t.positions) EXPECT_EQ(title.substr(b, e - b), t.term);
  }
  const ExpertMatch* b = find(*r, "frag-b");
  ASSERT_NE(b, nullptr);
  EXPECT_TRUE(b->terms.empty());
  EXPECT_EQ(b->informative_terms, 0);
}

// The same problem in a corpus where 排气 and 温度 occur on their own: the
// corpus now shows the right cut, and the real words are named.
TEST(ExplanationTest, TheCorpusShowsWhichCutIsRight) {
  auto index =
      build({expert("frag-a", {paper("螺杆空压机排气温度过高的原因分析")}),
             expert("frag-b", {paper("造纸湿强剂低氯化改性")}),
             expert("exhaust", {paper("汽车排气系统消声器设计"), paper("柴油机排气污染物")}),
             expert("heat", {paper("窑炉温度测量"), paper("锂电池温度场仿真")})},
            {problem("frag-p1", "空压机夏天排气温度过高停机")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("frag-p1")->problem(), {}, 1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].expert_id, "frag-a");
  EXPECT_EQ(named((*r)[0]), (std::set<std::string>{"空压机", "排气", "温度"}))
      << ::testing::PrintToString(named((*r)[0]));
}

// A land lawsuit's 隔壁 (next door) is not the 隔壁 of 隔壁塔 (a dividing-wall
// column): a shared term must be a word in both texts.
TEST(ExplanationTest, AWordInsideALongerWordIsNotShared) {
  auto index =
      build({expert("column", {paper("隔壁塔节能精馏流程设计", {"隔壁塔", "精馏"})}),
             expert("law", {paper("农村土地承包纠纷的诉讼研究", {"土地纠纷"})})},
            {problem("land", "与隔壁工厂的土地纠纷诉讼", "隔壁工厂占用我们的土地，已经起诉")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("land")->problem(), {}, -1);
  ASSERT_TRUE(r.is_ok());
  const ExpertMatch* column = find(*r, "column");
  ASSERT_NE(column, nullptr);
  EXPECT_EQ(named(*column).count("隔壁"), 0u) << ::testing::PrintToString(named(*column));
  EXPECT_EQ(column->informative_terms, 0);
  EXPECT_FALSE(column->good_match);
  const ExpertMatch* law = find(*r, "law");
  ASSERT_NE(law, nullptr);
  EXPECT_EQ(named(*law).count("诉讼"), 1u) << ::testing::PrintToString(named(*law));
}

// A compound that splits wholly into known words is also those words: a
// problem's 螺杆空压机 (螺杆 + 空压机) shares 空压机 with 空压机压力 (found on
// the pages: the right expert was shown with no shared word at all). Where
// the compound itself is shared, only it is named (WordsInMostDocuments...).
TEST(ExplanationTest, ACompoundSharesTheWordsItIsMadeOf) {
  auto index = build({expert("compressor", {paper("螺杆压缩机机组噪声治理", {"螺杆压缩机"}),
                                            paper("一种多台空压机压力带联控装置", {"空压机"})}),
                      expert("tea", {paper("茶叶加工工艺", {"茶叶"})})},
                     {problem("p-screw", "螺杆空压机夏季排气温度高跳停", "螺杆空压机每天下午停机",
                              {"螺杆空压机", "排气温度"})});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("p-screw")->problem(), {}, -1);
  ASSERT_TRUE(r.is_ok());
  const ExpertMatch* c = find(*r, "compressor");
  ASSERT_NE(c, nullptr);
  std::set<std::string> words = named(*c);
  EXPECT_EQ(words.count("空压机"), 1u) << ::testing::PrintToString(words);
  EXPECT_GE(c->informative_terms, 1);
}

// Latin words are shown as the problem spells them, not as stems (nois, bear).
TEST(ExplanationTest, LatinWordsAreShownAsWrittenNotStemmed) {
  auto index = build({expert("en", {paper("Bearing noise diagnosis of rolling bearings")}),
                      expert("other", {paper("Tea polyphenol extraction")})},
                     {problem("p-en", "Noise from the Bearings of a gearbox")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("p-en")->problem(), {}, 1);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].expert_id, "en");
  EXPECT_EQ(named((*r)[0]), (std::set<std::string>{"Noise", "Bearings"}));
}

// A shared quantity ("6" of 6台返修, "0.2") or a piece of a web address
// (https, www, example, com) says nothing about what the texts are about:
// never shown. They still count in informative_terms (scores and good_match
// do not move); a word shared outside the address (spindle) is shown.
TEST(ExplanationTest, NumbersAloneAndWebAddressesAreNotShown) {
  auto index = build(
      {expert("spindle", {paper("数控机床主轴返修 spindle 精度分析", {"主轴", "返修"},
                                "6台机床主轴精度0.2 mm，资料见 https://www.example.com/spindle")}),
       expert("other", {paper("造纸湿强剂低氯化改性")})},
      {problem("p-num", "主轴6台返修",
               "spindle 精度0.2超差，说明书在 https://www.example.com/spindle/x")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("p-num")->problem(), {}, 1);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 1u);
  const ExpertMatch& m = (*r)[0];
  EXPECT_EQ(m.expert_id, "spindle");
  const std::set<std::string> terms = named(m);
  EXPECT_EQ(terms, (std::set<std::string>{"主轴", "返修", "精度", "spindle"}))
      << ::testing::PrintToString(terms);
  // "spindle" is shown where it stands outside the address only.
  const std::string description = "spindle 精度0.2超差，说明书在 https://www.example.com/spindle/x";
  for (const auto& t : m.terms)
    if (t.term == "spindle") {
      EXPECT_EQ(t.field, "description");
      EXPECT_EQ(t.positions, (std::vector<std::pair<uint32_t, uint32_t>>{{0, 7}}));
    }
  // 6, 0.2 and the address's words count, unseen: more informative words than shown.
  EXPECT_GT(m.informative_terms, static_cast<int>(terms.size()));
}

// Generic words (明显, 原因, 建立, 客户, 十年, 产品) are filler: never named,
// and a match that shares only filler is no good match.
TEST(ExplanationTest, FillerIsNotEvidenceAndAFillerOnlyMatchIsNotGood) {
  auto index = build(
      {expert("tea", {paper("绿茶摊青工艺与香气形成", {"绿茶", "香气"})}),
       expert("crm", {paper("电商客户关系管理与产品营销", {"客户关系管理"}),
                      paper("建立十年客户档案的原因与明显成效")}),
       expert("pump", {paper("离心泵叶轮汽蚀机理与抗汽蚀设计", {"离心泵", "汽蚀"})})},
      {problem("p-tea", "绿茶香气不明显", "客户反映十年来产品香气不明显，原因不明，想建立标准"),
       problem("p-pump", "离心泵叶轮汽蚀严重")});
  ASSERT_TRUE(index);
  Matcher matcher(*index);
  auto r = matcher.rank_experts(index->problem("p-tea")->problem(), {}, -1);
  ASSERT_TRUE(r.is_ok());
  const ExpertMatch* tea = find(*r, "tea");
  ASSERT_NE(tea, nullptr);
  EXPECT_EQ(named(*tea), (std::set<std::string>{"绿茶", "香气"}));
  EXPECT_EQ(tea->informative_terms, 2);
  const ExpertMatch* crm = find(*r, "crm");
  ASSERT_NE(crm, nullptr);
  EXPECT_TRUE(crm->terms.empty()) << ::testing::PrintToString(named(*crm));
  EXPECT_EQ(crm->informative_terms, 0);
  // In this three-expert corpus the filler-only pair is good by its score; it
  // stops being good as soon as its dense similarity is below the bar for
  // matches without informative words, and no other pair changes.
  ASSERT_TRUE(crm->good_match);
  MatchConfig strict;
  strict.good_match_min_dense_without_terms = crm->components.dense + 0.01f;
  Matcher strict_matcher(*index, strict);
  auto s = strict_matcher.rank_experts(index->problem("p-tea")->problem(), {}, -1);
  ASSERT_TRUE(s.is_ok());
  ASSERT_EQ(s->size(), r->size());
  for (size_t i = 0; i < s->size(); ++i) {
    SCOPED_TRACE((*s)[i].expert_id);
    EXPECT_EQ((*s)[i].expert_id, (*r)[i].expert_id);
    EXPECT_EQ((*s)[i].score, (*r)[i].score);  // the rule never changes a score
    EXPECT_EQ((*s)[i].good_match, (*s)[i].expert_id == "crm" ? false : (*r)[i].good_match);
  }
  // An informative match keeps its words and stays good.
  auto pump = matcher.rank_experts(index->problem("p-pump")->problem(), {}, 1);
  ASSERT_TRUE(pump.is_ok());
  ASSERT_EQ(pump->size(), 1u);
  EXPECT_EQ((*pump)[0].expert_id, "pump");
  EXPECT_TRUE(named((*pump)[0]).count("汽蚀")) << ::testing::PrintToString(named((*pump)[0]));
  EXPECT_GE((*pump)[0].informative_terms, 2);
  EXPECT_TRUE((*pump)[0].good_match);
}

// Filler is learned from the corpus: a word in more than
// Matcher::kFillerDocumentShare of the documents is not named, whatever it is.
TEST(ExplanationTest, WordsInMostDocumentsAreFillerLearnedFromTheCorpus) {
  std::vector<Expert> experts;
  const std::vector<std::string> topics = {"轴承", "砂轮", "涂料", "电池", "茶叶",
                                           "木门", "胶水", "钢管", "水泥", "纸浆"};
  // 120 experts, every work says 工艺 (df 120 of 240+ documents).
  for (int i = 0; i < 120; ++i)
    experts.push_back(expert("e" + std::to_string(i),
                             {paper(topics[i % topics.size()] + "工艺" + std::to_string(i))}));
  experts.push_back(expert("kiln", {paper("回转窑耐火材料工艺", {"回转窑", "耐火材料"})}));
  auto index = build(experts, {problem("p-kiln", "回转窑耐火材料工艺寿命短")});
  ASSERT_TRUE(index);
  ASSERT_GE(index->terms().document_count(), Matcher::kFillerMinDocuments);
  Matcher matcher(*index);
  uint32_t id = index->terms().vocabulary().find("工艺");
  ASSERT_NE(id, Vocabulary::kUnknown);
  EXPECT_TRUE(matcher.is_filler("工艺", id));
  EXPECT_FALSE(matcher.is_filler("回转窑", index->terms().vocabulary().find("回转窑")));
  auto r = matcher.rank_experts(index->problem("p-kiln")->problem(), {}, 1);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].expert_id, "kiln");
  EXPECT_EQ(named((*r)[0]), (std::set<std::string>{"回转窑", "耐火材料"}));
}

// Issue 10: one word repeated 170,000 times (about 1 MB) is explained with a
// bounded output: at most kMaxSpansPerTerm spans a term, explain_terms terms.
TEST(ExplanationTest, RepeatedWordsGiveBoundedExplanations) {
  auto index = build({expert("bearing", {paper("滚动轴承故障诊断", {"轴承"})}),
                      expert("tea", {paper("茶叶加工", {"茶叶"})})},
                     {problem("small", "轴承")});
  ASSERT_TRUE(index);
  Problem big = problem("big", "轴承磨损");
  for (int i = 0; i < 170000; ++i) big.description += "轴承";
  ASSERT_GE(big.description.size(), 1000000u);
  Problem keywords = problem("kw", "轴承磨损");
  for (int i = 0; i < 60000; ++i) keywords.keywords.push_back("轴承");  // about 400 KB
  Matcher matcher(*index);
  for (const Problem* p : {&big, &keywords}) {
    SCOPED_TRACE(p->id);
    auto r = matcher.rank_experts(*p, {}, 10);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    ASSERT_FALSE(r->empty());
    EXPECT_EQ((*r)[0].expert_id, "bearing");
    size_t spans = 0;
    for (const auto& m : *r) {
      EXPECT_LE(m.terms.size(), static_cast<size_t>(matcher.config().explain_terms));
      for (const auto& t : m.terms) {
        EXPECT_LE(t.positions.size(), kMaxSpansPerTerm);
        spans += t.positions.size();
      }
    }
    // 轴承 in the title (1 span) and in the description or keywords (capped at 20).
    EXPECT_EQ(spans, 1u + kMaxSpansPerTerm);
  }
  // Only the analysed part is read: the same problem cut to the bound scores the same.
  auto whole = matcher.score(big, "bearing");
  auto cut = matcher.score(CorpusIndex::analysed_part(big), "bearing");
  ASSERT_TRUE(whole.is_ok() && cut.is_ok());
  EXPECT_EQ(*whole, *cut);
}

}  // namespace
}  // namespace expertmatch
