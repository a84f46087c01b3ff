// A plan's texts in the reader's language (issue 13): on the demo corpus's
// city plan and a county plan with dropped decisions and too few experts,
// every reason, summary, uncovered note and diagnosis reads as Chinese in zh
// (no English word once the data -- names, titles, ids -- is taken out) and
// has no CJK character in en; the JSON keeps the phrases as codes and renders
// them again in another language exactly as the planner's own rendering.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <set>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "corpus/exchange_format.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "matcher/plan_report.h"
#include "matcher/planner.h"

namespace expertmatch {
namespace {

using i18n::Language;

// Code points of a UTF-8 string (input is valid UTF-8: the catalogue and the corpus).
std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    char32_t cp = n == 1 ? c : c & (0xFF >> (n + 1));
    for (int k = 1; k < n && i + k < s.size(); ++k) cp = (cp << 6) | (s[i + k] & 0x3F);
    out.push_back(cp);
    i += n;
  }
  return out;
}

bool is_cjk(char32_t c) {
  return (c >= 0x3000 && c <= 0x303F) || (c >= 0x3400 && c <= 0x9FFF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0xFF00 && c <= 0xFFEF);
}

// The first English word (two or more Latin letters in a row), "" if none.
std::string english_word(const std::string& s) {
  std::string word, best;
  for (char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
      word += c;
    } else {
      if (word.size() >= 2) return word;
      word.clear();
    }
  }
  return word.size() >= 2 ? word : "";
}

// Data in the corpus: it stays as written in every language.
std::vector<std::string> data_strings(const std::vector<Expert>& experts,
                                      const std::vector<Problem>& problems) {
  std::set<std::string> s;
  for (const auto& e : experts) {
    s.insert({e.id, e.name, e.college, e.title, e.organization});
    for (const auto& c : e.counties) s.insert(c);
    for (const auto& f : e.fields) s.insert(f);
    for (const auto& w : e.works) s.insert(w.title);
  }
  for (const auto& p : problems) s.insert({p.id, p.title, p.enterprise, p.county});
  s.erase("");
  std::vector<std::string> out(s.begin(), s.end());
  // Longest first, so that a name is removed before any shorter one inside it.
  std::stable_sort(out.begin(), out.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  return out;
}

std::string without_data(std::string text, const std::vector<std::string>& data) {
  for (const auto& d : data)
    for (size_t at; (at = text.find(d)) != std::string::npos;) text.replace(at, d.size(), " ");
  return text;
}

// Every text of a plan a person reads.
std::vector<PlanText> texts_of(const WorkstationPlan& p) {
  std::vector<PlanText> out = {p.summary};
  for (const auto& m : p.team) out.push_back(m.reason);
  for (const auto& t : p.key_topics) out.push_back(t.reason);
  for (const auto& e : p.enterprises) out.push_back(e.reason);
  for (const auto& u : p.uncovered) out.push_back(u.reason);
  for (const auto& d : p.diagnoses) out.push_back(d.message);
  return out;
}

void collect_keys(const PlanPhrase& p, std::set<std::string>* keys) {
  keys->insert(p.key);
  for (const auto& [name, items] : p.lists)
    for (const auto& item : items) collect_keys(item, keys);
}

class PlanTextsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const char* dir = std::getenv("EXPERTMATCH_SOURCE_DIR");
    ASSERT_NE(dir, nullptr);
    auto experts = read_experts_file(std::string(dir) + "/corpus/quzhou/experts.jsonl");
    auto problems = read_problems_file(std::string(dir) + "/corpus/quzhou/problems.jsonl");
    ASSERT_TRUE(experts.is_ok() && problems.is_ok());
    auto index = CorpusIndex::build(*experts, *problems, IndexConfig{});
    ASSERT_TRUE(index.is_ok());
    Matcher matcher(**index);
    // Two counties keep the test short; 龙游县 has only 7 stationed experts.
    auto input = collect_planning_input(matcher, **index, {"常山县", "龙游县"});
    ASSERT_TRUE(input.is_ok());
    data_ = new std::vector<std::string>(data_strings(*experts, *problems));
    data_->insert(data_->begin(), {"zjut-999", "zjut-998"});  // ids the request names
    auto planner = WorkstationPlanner::create(*input, PlanningOptions{});
    ASSERT_TRUE(planner.is_ok());
    auto city = planner->plan_city({});
    ASSERT_TRUE(city.is_ok());
    plans_ = new std::vector<WorkstationPlan>(city->counties);
    // Decisions that no longer hold, and a team larger than the stationed pool.
    PlanningOptions only;
    only.county_policy = CountyPolicy::kOnlyStationed;
    only.min_team_size = only.max_team_size = 8;
    auto strict = WorkstationPlanner::create(*input, only);
    ASSERT_TRUE(strict.is_ok());
    CountyRequest r{"龙游县", {{"zjut-999"}, {{"ly-001", "zjut-998"}}}, {}, {}};
    auto county = strict->plan_county(r);
    ASSERT_TRUE(county.is_ok()) << county.status().to_string();
    plans_->push_back(*county);
    auto changshan = planner->plan_county({"常山县", {}, {}, {}});
    ASSERT_TRUE(changshan.is_ok());
    changshan_ = new WorkstationPlan(*changshan);
  }
  static void TearDownTestSuite() {
    delete plans_;
    delete data_;
    delete changshan_;
  }
  static std::vector<WorkstationPlan>* plans_;
  static std::vector<std::string>* data_;
  static WorkstationPlan* changshan_;  // 常山县 alone, default options
};
std::vector<WorkstationPlan>* PlanTextsTest::plans_ = nullptr;
std::vector<std::string>* PlanTextsTest::data_ = nullptr;
WorkstationPlan* PlanTextsTest::changshan_ = nullptr;

// The demo's plan for 常山县 as the planner made it before the split by job,
// the texts from the catalogue and the faster team search (bench/plan_bench):
// written down, so that none of them may change a plan.
TEST_F(PlanTextsTest, TheDemoPlanIsTheOneMadeBeforeTheseChanges) {
  ASSERT_NE(changshan_, nullptr);
  std::vector<std::string> team;
  for (const auto& m : changshan_->team) team.push_back(m.expert_id);
  EXPECT_EQ(team, (std::vector<std::string>{"zjut-075", "zjut-081", "zjut-020", "zjut-024",
                                            "zjut-057", "zjut-102", "zjut-068", "zjut-048"}));
  std::vector<std::pair<std::string, std::string>> topics;
  for (const auto& t : changshan_->key_topics) topics.emplace_back(t.problem_id, t.expert_id);
  EXPECT_EQ(topics, (std::vector<std::pair<std::string, std::string>>{{"cs-054", "zjut-057"},
                                                                      {"cs-018", "zjut-102"},
                                                                      {"cs-008", "zjut-048"},
                                                                      {"cs-035", "zjut-068"},
                                                                      {"cs-001", "zjut-024"},
                                                                      {"cs-015", "zjut-020"},
                                                                      {"cs-029", "zjut-075"},
                                                                      {"cs-020", "zjut-075"},
                                                                      {"cs-036", "zjut-057"},
                                                                      {"cs-045", "zjut-048"},
                                                                      {"cs-040", "zjut-081"},
                                                                      {"cs-043", "zjut-081"},
                                                                      {"cs-053", "zjut-102"},
                                                                      {"cs-031", "zjut-068"},
                                                                      {"cs-041", "zjut-081"},
                                                                      {"cs-011", "zjut-020"},
                                                                      {"cs-005", "zjut-024"},
                                                                      {"cs-026", "zjut-075"}}));
  EXPECT_EQ(changshan_->score.solvable_by_team, 34);
  EXPECT_EQ(changshan_->score.open_problems, 55);
  EXPECT_EQ(changshan_->uncovered.size(), 21u);
}

TEST_F(PlanTextsTest, TheDemoPlansUseEveryKindOfText) {
  ASSERT_NE(plans_, nullptr);
  std::set<DiagnosisKind> kinds;
  std::set<std::string> keys;
  for (const auto& p : *plans_) {
    for (const auto& d : p.diagnoses) kinds.insert(d.kind);
    for (const auto& t : texts_of(p))
      for (const auto& phrase : t) collect_keys(phrase, &keys);
  }
  // What the language checks below cover.
  EXPECT_TRUE(kinds.count(DiagnosisKind::kTooFewExperts));
  EXPECT_TRUE(kinds.count(DiagnosisKind::kKeptAssignmentDropped));
  EXPECT_TRUE(kinds.count(DiagnosisKind::kCapacityExhausted));
  EXPECT_TRUE(kinds.count(DiagnosisKind::kEnterpriseUnhelpable));
  EXPECT_GE(keys.size(), 25u);
  for (const auto& key : keys) {
    EXPECT_TRUE(i18n::Catalogue::builtin().has(Language::kZh, key)) << key;
    EXPECT_TRUE(i18n::Catalogue::builtin().has(Language::kEn, key)) << key;
  }
}

TEST_F(PlanTextsTest, ChineseHasNoEnglishAndEnglishNoChinese) {
  ASSERT_NE(plans_, nullptr);
  size_t checked = 0;
  for (const auto& p : *plans_)
    for (const auto& t : texts_of(p)) {
      std::string zh = render(t, Language::kZh), en = render(t, Language::kEn);
      ASSERT_FALSE(zh.empty());
      std::string zh_rest = without_data(zh, *data_);
      EXPECT_EQ(english_word(zh_rest), "") << zh;
      auto zh_points = code_points(zh_rest);
      EXPECT_TRUE(std::any_of(zh_points.begin(), zh_points.end(), is_cjk)) << zh;
      auto en_rest = code_points(without_data(en, *data_));
      EXPECT_FALSE(std::any_of(en_rest.begin(), en_rest.end(), is_cjk)) << en;
      ++checked;
    }
  EXPECT_GT(checked, 150u);
}

TEST_F(PlanTextsTest, JsonKeepsCodesAndRendersThemAgain) {
  ASSERT_NE(plans_, nullptr);
  const WorkstationPlan& p = plans_->front();
  std::string zh = plan_to_json(p, Language::kZh), en = plan_to_json(p, Language::kEn);
  EXPECT_NE(zh, en);
  EXPECT_EQ(localize_plan_json(zh, Language::kEn), en);
  EXPECT_EQ(localize_plan_json(en, Language::kZh), zh);
  rapidjson::Document d;
  d.Parse(zh.c_str());
  ASSERT_TRUE(d.IsObject());
  EXPECT_EQ(std::string(d["summary"].GetString()), render(p.summary, Language::kZh));
  ASSERT_TRUE(d["summary_codes"].IsArray());
  EXPECT_STREQ(d["summary_codes"][0]["key"].GetString(), "planner.summary");
  EXPECT_EQ(std::string(d["summary_codes"][0]["args"]["county"].GetString()), p.county);
  ASSERT_GT(d["team"].Size(), 0u);
  EXPECT_TRUE(d["team"][0]["reason_codes"].IsArray());
  // A text stored without codes (an older plan) stays as it was.
  EXPECT_EQ(localize_plan_json(R"({"summary":"old text"})", Language::kEn),
            R"({"summary":"old text"})");
  EXPECT_EQ(plan_status_text("approved", Language::kZh), "已批准");
  EXPECT_EQ(plan_status_text("discarded", Language::kEn), "discarded");
  EXPECT_EQ(plan_status_text("superseded", Language::kZh), "已被替代");
  EXPECT_EQ(plan_status_text("draft", Language::kZh), "草稿");
}

TEST_F(PlanTextsTest, TheReportForOfficialsIsChineseByDefault) {
  ASSERT_NE(plans_, nullptr);
  std::string zh = plan_to_text(plans_->front());
  EXPECT_EQ(english_word(without_data(zh, *data_)), "") << zh.substr(0, 400);
  std::string en = plan_to_text(plans_->front(), Language::kEn);
  auto rest = code_points(without_data(en, *data_));
  EXPECT_FALSE(std::any_of(rest.begin(), rest.end(), is_cjk)) << en.substr(0, 400);
}

}  // namespace
}  // namespace expertmatch
