// Issue 11, item 5: a problem that asks for something no research provides
// (a person, a sales channel, money, a permit or legal remedy, a translation,
// siting, a name) is "not a technical problem our experts' research covers";
// a technical problem that names a customer, a supermarket or a subsidy in
// passing is not. Tables of literal texts with their right answers, then the
// demo corpus with the out-of-scope cases and the held-out set
// tests/matcher/data/request_type_heldout.jsonl (written before the lexicon).
#include "matcher/request_type.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "indexer/text_analyzer.h"
#include "matcher/matcher.h"

namespace expertmatch {
namespace {

// ---- The classifier alone -------------------------------------------------------

struct TextCase {
  const char* title;
  const char* description;
  RequestKind expected;
  const char* ask;  // the ask type with the most evidence
};

class RequestTypeText : public ::testing::TestWithParam<TextCase> {};

TEST_P(RequestTypeText, TellsWhatTheProblemAsksFor) {
  const TextCase& c = GetParam();
  TextAnalyzer analyzer(nullptr);
  auto title = analyzer.normalize(c.title);
  auto description = analyzer.normalize(c.description);
  ASSERT_TRUE(title.is_ok() && description.is_ok());
  RequestAssessment a = RequestClassifier().classify(*title, *description, nullptr);
  EXPECT_EQ(a.kind, c.expected) << c.title << " ask " << a.ask_evidence << " technical "
                                << a.technical_evidence;
  EXPECT_EQ(a.ask, c.ask) << c.title;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RequestTypeText,
    ::testing::Values(
        // The six out-of-scope problems of shared/cases/out_of_scope.
        TextCase{"商标被人抢注了怎么办",
                 "我们用了十几年的胡柚产品商标，去年发现被外省一家公司抢先注册了，现在对方发律师"
                 "函要求我们停止使用，想知道怎么维权。",
                 RequestKind::kNonTechnical, "legal"},
        TextCase{"新厂大门朝哪个方向好",
                 "新厂房马上要动工，老板想请人看看大门朝南还是朝东更旺，围墙和大门的位置怎么定。",
                 RequestKind::kNonTechnical, "siting"},
        TextCase{"产品想进大型连锁超市",
                 "我们的木门质量不错，但一直进不了大型连锁商超，不知道需要找什么渠道、交多少进场"
                 "费、怎么谈账期。",
                 RequestKind::kNonTechnical, "channel"},
        TextCase{"招不到年轻工人",
                 "车间一线工人平均年龄五十多岁，年轻人不愿意来，工资提了也招不到，想了解有没有好"
                 "的招工办法。",
                 RequestKind::kNonTechnical, "person"},
        TextCase{"日文合同需要翻译",
                 "从日本进口一台二手纸机，对方发来四十多页的日文合同，需要尽快翻译成中文并看看有"
                 "没有坑。",
                 RequestKind::kNonTechnical, "translation"},
        TextCase{"银行贷款批不下来",
                 "想扩建茶叶加工车间，向银行申请三百万贷款，一直说抵押物不够，不知道还有什么融资"
                 "办法。",
                 RequestKind::kNonTechnical, "money"},
        // Traditional characters and full-width letters are normalised first.
        TextCase{"銀行貸款批不下來", "向銀行申請貸款，抵押物不夠。", RequestKind::kNonTechnical,
                 "money"},
        // Technical problems with business words in passing.
        TextCase{"超市退回的胡柚果脯表面返砂",
                 "供给超市的胡柚果脯放两个月后表面析出白色糖晶，口感发硬，被客户大批退货，想知道"
                 "糖液浓度和干燥工艺怎么改。",
                 RequestKind::kTechnical, "channel"},
        TextCase{"客户起诉我们的钢管爆管，需要做失效分析",
                 "客户说我们供的无缝钢管在使用中爆裂，要打官司，想请专家分析断口，判断是材料缺陷"
                 "、焊接问题还是使用压力过高。",
                 RequestKind::kTechnical, "legal"},
        TextCase{"想申请补贴上茶叶自动化生产线，杀青温度控制不稳",
                 "滚筒杀青机温度波动大，茶叶有的焦边有的杀不透，想做温度自动控制，改造后可以申报"
                 "技改补贴。",
                 RequestKind::kTechnical, "money"},
        TextCase{"进口设备说明书翻译后参数调不对，电机温升高",
                 "按翻译的说明书设置了变频器参数，电机运行半小时外壳温度超过90℃，想知道参数和散"
                 "热怎么调整。",
                 RequestKind::kTechnical, "translation"},
        // A technical problem in plant-floor words, no cue either way.
        TextCase{"钛白粉留不住，一大半跟白水跑了",
                 "装饰原纸要加大量钛白粉，但留在纸上的只有六七成，剩下的跟着白水跑掉了。",
                 RequestKind::kTechnical, ""},
        // One weak ask cue is not enough.
        TextCase{"合同到期", "想问问。", RequestKind::kTechnical, "legal"},
        TextCase{"", "", RequestKind::kTechnical, ""}),
    [](const auto& info) { return std::to_string(info.index); });

TEST(RequestType, MeasuredValuesAreNumbersWithUnits) {
  struct Case {
    const char* text;
    int expected;
  };
  for (const Case& c : {Case{"温度超过90°c", 1}, Case{"0.5mm 和 50mg/m3", 2}, Case{"4级", 1},
                        Case{"3 mpa", 1}, Case{"三百万贷款", 0}, Case{"8%的利息", 0},
                        Case{"1880纸机", 0}, Case{"", 0}, Case{"90", 0}})
    EXPECT_EQ(RequestClassifier::measurements(c.text), c.expected) << c.text;
}

TEST(RequestType, AnAskTheExpertsResearchUsesIsResearchContent) {
  // 融资 and 贷款 asked by a problem: outside research when no expert text
  // uses them, research content when many do (an economics faculty).
  TextAnalyzer analyzer(nullptr);
  auto title = analyzer.normalize("中小企业融资难");
  auto description = analyzer.normalize("银行贷款抵押物不够，融资渠道少。");
  ASSERT_TRUE(title.is_ok() && description.is_ok());
  RequestClassifier classifier;
  RequestAssessment outside = classifier.classify(*title, *description, nullptr);
  EXPECT_EQ(outside.kind, RequestKind::kNonTechnical);
  EXPECT_EQ(outside.ask, "money");
  EXPECT_FLOAT_EQ(outside.ask_evidence,
                  2 * 2 + 2 + 2 + 1 + 2);  // 融资 (title), 贷款, 抵押, 渠道, 银行
  RequestAssessment researched =
      classifier.classify(*title, *description, [](std::string_view) { return 3u; });
  EXPECT_EQ(researched.kind, RequestKind::kTechnical);
  EXPECT_FLOAT_EQ(researched.ask_evidence, 11.0f / 4);
  EXPECT_FLOAT_EQ(researched.technical_evidence, 11.0f * 3 / 4);
}

// research_word_weight counts the problem's lexicon words that the experts'
// research uses as technical evidence; 0 (the default, as measured) leaves
// them out. Until it was tested the weight was ignored whatever its value.
TEST(RequestType, ResearchWordsCountOnlyAtTheirWeight) {
  TextAnalyzer analyzer(nullptr);
  auto title = analyzer.normalize("想申请银行贷款");
  auto description = analyzer.normalize("扩建车间缺资金，银行要抵押。");
  ASSERT_TRUE(title.is_ok() && description.is_ok());
  RequestAssessment off = RequestClassifier().classify(*title, *description, nullptr, 5);
  RequestAssessment none = RequestClassifier().classify(*title, *description, nullptr, 0);
  EXPECT_EQ(off.technical_evidence, none.technical_evidence);
  EXPECT_EQ(off.kind, RequestKind::kNonTechnical);
  RequestConfig weighted;
  weighted.research_word_weight = 1.5f;
  RequestAssessment on = RequestClassifier(weighted).classify(*title, *description, nullptr, 5);
  EXPECT_FLOAT_EQ(on.technical_evidence, none.technical_evidence + 7.5f);
  EXPECT_EQ(on.ask_evidence, none.ask_evidence);
}

// ---- The demo corpus --------------------------------------------------------------

std::vector<Problem> read_jsonl(const std::string& path) {
  auto p = read_problems_file(path);
  return p.is_ok() ? *p : std::vector<Problem>{};
}

struct Demo {
  std::unique_ptr<CorpusIndex> index;
  std::vector<Problem> held_out;
};

// The demo experts, with the demo bank, the out-of-scope cases and the held-out set.
const Demo* demo() {
  static const std::unique_ptr<Demo> d = []() -> std::unique_ptr<Demo> {
    const char* dir = std::getenv("EXPERTMATCH_SOURCE_DIR");
    if (!dir) return nullptr;
    auto out = std::make_unique<Demo>();
    auto e = read_experts_file(std::string(dir) + "/corpus/quzhou/experts.jsonl");
    std::vector<Problem> all = read_jsonl(std::string(dir) + "/corpus/quzhou/problems.jsonl");
    out->held_out = read_jsonl(std::string(dir) + "/tests/matcher/data/request_type_heldout.jsonl");
    if (!e.is_ok() || all.empty() || out->held_out.size() != 48) return nullptr;
    all.insert(all.end(), out->held_out.begin(), out->held_out.end());
    auto idx = CorpusIndex::build(*e, all, IndexConfig{});
    if (!idx.is_ok()) return nullptr;
    out->index = std::move(*idx);
    return out;
  }();
  return d.get();
}

struct DemoCase {
  const char* problem_id;
  ProblemCoverage expected;
  const char* what;
};

class DemoRequestType : public ::testing::TestWithParam<DemoCase> {};

TEST_P(DemoRequestType, NonTechnicalProblemsHaveNoGoodExpert) {
  const Demo* d = demo();
  ASSERT_NE(d, nullptr) << "EXPERTMATCH_SOURCE_DIR must point at the source tree";
  const DemoCase& c = GetParam();
  Matcher matcher(*d->index);
  const ProblemEntry* entry = d->index->problem(c.problem_id);
  ASSERT_NE(entry, nullptr) << c.problem_id;
  auto coverage = matcher.coverage(entry->problem());
  ASSERT_TRUE(coverage.is_ok());
  EXPECT_STREQ(coverage_name(*coverage), coverage_name(c.expected))
      << c.problem_id << " " << c.what;
  auto ranked = matcher.rank_experts(entry->problem(), MatchFilters{}, 10);
  ASSERT_TRUE(ranked.is_ok());
  if (c.expected == ProblemCoverage::kNotTechnical)
    for (const auto& m : *ranked) EXPECT_FALSE(m.good_match) << c.problem_id << " " << m.expert_id;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, DemoRequestType,
    ::testing::Values(
        // The seven judged unanswerable problems of the demo.
        DemoCase{"kc-037", ProblemCoverage::kNotTechnical, "bank loan renewal"},
        DemoCase{"qj-048", ProblemCoverage::kNotTechnical, "unpaid receivables after a lawsuit"},
        DemoCase{"ly-051", ProblemCoverage::kNotTechnical, "into membership supermarkets"},
        DemoCase{"js-050", ProblemCoverage::kNotTechnical, "Amazon store suspended"},
        DemoCase{"cs-051", ProblemCoverage::kNotTechnical, "trademark squatting"},
        DemoCase{"kh-004", ProblemCoverage::kNotTechnical, "seasonal tea pickers"},
        DemoCase{"zz-034", ProblemCoverage::kNotTechnical, "approvals and energy quota"},
        // Technical problems with business words, answerable (qrels grade 3).
        DemoCase{"cs-021", ProblemCoverage::kCovered,
                 "pomelo paste darkens, supermarkets refuse it (unjudged, technical)"},
        DemoCase{"zz-036", ProblemCoverage::kCovered, "titanium dioxide retention"}),
    [](const auto& info) {
      std::string id = info.param.problem_id;
      for (char& ch : id)
        if (ch == '-') ch = '_';
      return id;
    });

TEST(DemoRequestType, HeldOutSetWrittenBeforeTheLexicon) {
  const Demo* d = demo();
  ASSERT_NE(d, nullptr) << "EXPERTMATCH_SOURCE_DIR must point at the source tree";
  Matcher matcher(*d->index);
  int non_technical_flagged = 0;
  std::string missed;
  for (const Problem& p : d->held_out) {
    auto r = matcher.request_type(p);
    ASSERT_TRUE(r.is_ok());
    const bool asks_non_technical = p.id.rfind("nt-", 0) == 0;
    if (!asks_non_technical) {
      // Technical problems with a customer, a lawsuit, a subsidy in passing.
      EXPECT_EQ(r->kind, RequestKind::kTechnical) << p.id << " " << p.title;
    } else if (r->kind == RequestKind::kNonTechnical) {
      ++non_technical_flagged;
    } else {
      missed += " " + p.id;
    }
  }
  // 23 of the 24 non-technical asks: nt-15 (locking a raw-material price by
  // contract) uses words the lexicon does not have. (nt-17, truck drivers,
  // was missed until the third revision named drivers and freight.)
  EXPECT_EQ(non_technical_flagged, 23) << "missed:" << missed;
  EXPECT_EQ(missed, " nt-15");
}

// The fourth held-out set, written by an engineer who had not seen the
// lexicon, after its third revision was frozen (20 non-technical asks, 20
// technical problems in the same enterprises' words): what the method
// catches on asks it was not written for. The second revision caught 9 of
// the 20; the misses below use words no revision lists (an approval stuck
// in offices, premises, a haulier's rates, an injured worker's family, a
// certified safety officer, a general manager).
TEST(DemoRequestType, FourthHeldOutSetWrittenAfterTheThirdRevision) {
  const Demo* d = demo();
  ASSERT_NE(d, nullptr) << "EXPERTMATCH_SOURCE_DIR must point at the source tree";
  const std::vector<Problem> set = read_jsonl(std::string(std::getenv("EXPERTMATCH_SOURCE_DIR")) +
                                              "/tests/matcher/data/request_type_heldout4.jsonl");
  ASSERT_EQ(set.size(), 40u);
  Matcher matcher(*d->index);
  int flagged = 0;
  std::string missed, mistaken;
  for (const Problem& p : set) {
    auto r = matcher.request_type(p);
    ASSERT_TRUE(r.is_ok());
    const bool asks_non_technical = p.id.rfind("nw-", 0) == 0;
    const bool non_technical = r->kind == RequestKind::kNonTechnical;
    if (asks_non_technical && non_technical) ++flagged;
    if (asks_non_technical && !non_technical) missed += " " + p.id;
    if (!asks_non_technical && non_technical) mistaken += " " + p.id;
  }
  EXPECT_EQ(flagged, 14) << "missed:" << missed;
  EXPECT_EQ(missed, " nw-05 nw-08 nw-11 nw-12 nw-17 nw-19");
  EXPECT_EQ(mistaken, "") << "technical problems taken for other asks";
}

}  // namespace
}  // namespace expertmatch
