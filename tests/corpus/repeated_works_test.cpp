// find_repeated_works: a table of literal work pairs and whether the second
// repeats the first; the warnings of validate and import.
#include "corpus/repeated_works.h"

#include <gtest/gtest.h>

namespace expertmatch {
namespace {

Work work(std::string title, std::string abstract) {
  Work w;
  w.kind = WorkKind::kPaper;
  w.title = std::move(title);
  w.abstract = std::move(abstract);
  return w;
}

const char* kTitle = "深沟球轴承润滑脂高速渗漏机理与密封结构改进";
const char* kAbstract =
    "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因，分析温升、脂稠度与唇口过盈量的"
    "影响，提出密封唇结构改进方案。";

struct PairCase {
  const char* name;
  Work first, second;
  bool repeated;
};

class RepeatedWorksTest : public ::testing::TestWithParam<PairCase> {};

TEST_P(RepeatedWorksTest, ClassifiesThePair) {
  const PairCase& c = GetParam();
  Expert e;
  e.id = "x";
  e.works = {c.first, c.second};
  auto r = find_repeated_works(e);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0], -1);
  EXPECT_EQ(r[1], c.repeated ? 0 : -1);
}

INSTANTIATE_TEST_SUITE_P(
    Table, RepeatedWorksTest,
    ::testing::Values(
        PairCase{"identical", work(kTitle, kAbstract), work(kTitle, kAbstract), true},
        PairCase{
            "spacing_and_punctuation", work(kTitle, kAbstract),
            work(std::string(" ") + kTitle + " ",
                 "研究带密封圈深沟球轴承在高速运转时润滑脂从密封唇口渗出的原因,分析温升,脂稠度与"
                 "唇口过盈量的影响;提出密封唇结构改进方案."),
            true},
        PairCase{"numbered_draft", work(kTitle, kAbstract),
                 work(std::string(kTitle) + "（第2稿）", kAbstract), true},
        PairCase{"latin_case", work("Bearing grease leakage at high speed", "Seal lip design."),
                 work("BEARING GREASE LEAKAGE AT HIGH SPEED", "Seal lip design"), true},
        PairCase{"same_topic_other_work", work(kTitle, kAbstract),
                 work("滚动轴承密封件橡胶材料耐油老化性能",
                      "研究丁腈橡胶与氟橡胶密封件在润滑脂中的耐油老化与硬度变化。"),
                 false},
        PairCase{
            "sus316_vs_sus304_same_expert",
            work("SUS316不锈钢焊缝晶间腐蚀", "研究SUS316焊接热影响区晶间腐蚀。"),
            work("SUS304不锈钢管道应力腐蚀开裂", "研究SUS304管道在氯离子环境下的应力腐蚀开裂。"),
            false}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(RepeatedWorks, ThreeCopiesPointToTheFirst) {
  Expert e;
  e.id = "rep-b";
  e.works = {work(kTitle, kAbstract), work(kTitle, kAbstract), work("锂离子电池三元正极材料", ""),
             work(kTitle, kAbstract)};
  EXPECT_EQ(find_repeated_works(e), (std::vector<int>{-1, 0, -1, 0}));
  auto warnings = repeated_work_warnings({e});
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0], std::string("expert \"rep-b\": work 2 (\"") + kTitle +
                             "\") repeats work 1 (\"" + kTitle +
                             "\"), identical or nearly so; it counts once");
}

}  // namespace
}  // namespace expertmatch
