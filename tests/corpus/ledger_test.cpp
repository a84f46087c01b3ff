// make_ledger on records built in the test: counts, waiting days, scope, and
// the worksheets' Chinese headings.
#include "corpus/ledger.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "corpus/spreadsheet.h"
#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

Problem problem(const char* id, const char* county, const char* industry, const char* submitted,
                ProblemStatus status) {
  Problem p;
  p.id = id;
  p.enterprise = std::string(county) + "企业";
  p.county = county;
  p.industry = industry;
  p.title = std::string("难题") + id;
  p.submitted = submitted;
  p.status = status;
  return p;
}

TEST(LedgerTest, CountsWaitingAndSheets) {
  std::vector<Problem> problems = {
      problem("a", "江山市", "轴承", "2025-12-30", ProblemStatus::kSubmitted),
      problem("b", "江山市", "轴承", "2026-01-02", ProblemStatus::kSolved),
      problem("c", "江山市", "造纸", "", ProblemStatus::kSubmitted),
      problem("d", "龙游县", "造纸", "2025-01-01", ProblemStatus::kSubmitted),
      problem("e", "江山", "造纸", "2025-01-01", ProblemStatus::kSubmitted),  // unknown county
  };
  Expert e;
  e.id = "x";
  e.name = "张伟";
  e.counties = {"江山市"};
  // y is stationed in 龙游县 but accepted for 江山市's c; z lists no county.
  Expert elsewhere = e, nowhere = e;
  elsewhere.id = "y";
  elsewhere.counties = {"龙游县"};
  nowhere.id = "z";
  nowhere.counties = {};
  std::vector<Expert> experts = {e, elsewhere, nowhere};
  PlanRecord plan;
  plan.county = "江山市";
  plan.status = PlanStatus::kApproved;
  plan.topics = {{"b", "x"}};
  std::vector<PlanRecord> plans = {plan};
  // b is both an accepted match and the approved plan's key topic.
  std::vector<LedgerAcceptance> accepted = {
      {"a", "x", ""}, {"d", "x", ""}, {"c", "y", ""}, {"b", "x", ""}};
  const std::vector<std::pair<std::string, std::string>> rejected;
  LedgerOptions options;
  options.as_of = "2026-01-31";
  auto l =
      make_ledger("江山市", CountyList(), {problems, experts, accepted, plans, rejected}, options);
  ASSERT_TRUE(l) << l.status().to_string();
  EXPECT_EQ(l->totals.submitted, 3);
  EXPECT_EQ(l->totals.status.at("submitted"), 2);
  EXPECT_EQ(l->totals.status.at("solved"), 1);
  ASSERT_EQ(l->by_industry.size(), 2u);
  EXPECT_EQ(l->by_industry[0].key, "轴承");
  ASSERT_EQ(l->by_month.size(), 3u);  // "" (no date), 2025-12, 2026-01
  EXPECT_EQ(l->by_month[0].key, "");
  // The county's stationed x, and y, stationed elsewhere but accepted for its
  // c (issue 10, F7: a county's ledger holds all its work); not z.
  ASSERT_EQ(l->experts.size(), 2u);
  EXPECT_EQ(l->experts[0].id, "x");
  EXPECT_EQ(l->experts[1].id, "y");
  ASSERT_EQ(l->experts[1].accepted.size(), 1u);
  EXPECT_EQ(l->experts[1].accepted[0].problem_id, "c");
  EXPECT_EQ(l->experts[1].outcomes.at("submitted"), 1);
  ASSERT_EQ(l->experts[0].key_topics.size(), 1u);
  EXPECT_EQ(l->experts[0].key_topics[0].problem_id, "b");
  ASSERT_EQ(l->experts[0].accepted.size(), 2u);  // d is 龙游县's; b is listed as accepted too
  EXPECT_EQ(l->experts[0].accepted[0].problem_id, "a");
  EXPECT_EQ(l->experts[0].accepted[1].problem_id, "b");
  EXPECT_EQ(l->experts[0].outcomes.at("solved"), 1);  // b counted once
  // a and c have accepted experts, b is solved: none waits for help
  // (LedgerTest.OnlyProblemsNobodyWorksOnWait).
  EXPECT_TRUE(l->waiting_longest.empty());

  options.year = 2025;
  auto y = make_ledger("", CountyList(), {problems, experts, accepted, plans, rejected}, options);
  ASSERT_TRUE(y);
  EXPECT_EQ(y->totals.submitted, 2);  // a and d; e's county is not configured
  EXPECT_EQ(y->by_county.size(), 7u);
  ASSERT_EQ(y->experts.size(), 3u);  // the city lists every expert
  EXPECT_EQ(y->experts[1].id, "y");
  ASSERT_EQ(y->experts[1].accepted.size(), 1u);
  EXPECT_EQ(y->experts[1].accepted[0].problem_id, "c");
  EXPECT_EQ(y->experts[2].id, "z");

  auto sheets = ledger_sheets(*l);
  ASSERT_EQ(sheets.size(), 5u);
  EXPECT_EQ(sheets[0].name, "概况");
  EXPECT_EQ(sheets[0].header[1], "提交难题数");
  EXPECT_EQ(sheets[0].rows[0][0].text, "江山市（全部）");
  EXPECT_EQ(sheets[0].rows[0][1].number, 3);

  EXPECT_EQ(make_ledger("江山", CountyList(), {problems, experts, accepted, plans, rejected}, {})
                .status()
                .field_errors()[0]
                .reason,
            "unknown county \"江山\"; did you mean \"江山市\"?");
}

// Found by a new user: a plan's spreadsheet showed a score as
// 0.07146429270505905. A number cell holds what it shows: 4 significant digits.
TEST(SpreadsheetTest, ANumberCellHoldsWhatItShows) {
  Cell score(0.07146429270505905);
  EXPECT_EQ(score.text, "0.07146");
  ASSERT_TRUE(score.number.has_value());
  EXPECT_EQ(*score.number, 0.07146);
  Cell big(1234567.0);
  EXPECT_EQ(big.text, "1.235e+06");
  EXPECT_EQ(*big.number, 1.235e+06);
  EXPECT_EQ(to_csv({Sheet{"s", {"score"}, {{score}}}}), "\xEF\xBB\xBFscore\r\n0.07146\r\n");
}

TEST(SpreadsheetTest, CsvQuotesAndMarksUtf8) {
  std::vector<Sheet> one = {
      {"表", {"名称", "说明"}, {{Cell("a,b"), Cell("say \"hi\"")}, {Cell(3), Cell(0.5)}}}};
  EXPECT_EQ(to_csv(one), "\xEF\xBB\xBF名称,说明\r\n\"a,b\",\"say \"\"hi\"\"\"\r\n3,0.5\r\n");
  // Found by an attack trial: an enterprise's industry "=2+3*cmd|' /C calc'!A0"
  // reached the ledger CSV as a formula. Text cells are neutralised; numbers stay.
  std::vector<Sheet> injected = {{"表",
                                  {"行业", "数"},
                                  {{Cell("=2+3*cmd|' /C calc'!A0"), Cell(-2)},
                                   {Cell("@SUM(A1)"), Cell("+1")},
                                   {Cell("-x"), Cell("a=b")}}}};
  EXPECT_EQ(to_csv(injected),
            "\xEF\xBB\xBF行业,数\r\n'=2+3*cmd|' /C calc'!A0,-2\r\n'@SUM(A1),'+1\r\n'-x,a=b\r\n");
  EXPECT_EQ(to_xlsx({{"bad/name", {}, {}}}, i18n::Language::kZh).status().code(),
            ErrorCode::kInvalidArgument);
  auto book = to_xlsx(one, i18n::Language::kZh);
  ASSERT_TRUE(book);
  EXPECT_EQ(book->compare(0, 2, "PK"), 0);  // a zip
}

// Found by an attack trial: a city ledger's accepted-matches cell of 36,999
// characters was missing from the XLSX (libxlsxwriter refuses a string over
// Excel's 32,767 and the return value was not read). A cell over the limit
// keeps its beginning and ends with a note naming the CSV; one at the limit
// is written whole. Read back with python3's zipfile: the cell's length in
// UTF-16 code units, its first character and its last 19.
TEST(SpreadsheetTest, AnXlsxCellOverExcelsLimitIsCutWithANoteNotDropped) {
  std::string at_limit, over, emoji_over;
  for (int i = 0; i < 32767; ++i) at_limit += "轴";
  for (int i = 0; i < 40000; ++i) over += "承";
  for (int i = 0; i < 20000; ++i) emoji_over += "\xF0\x9F\x94\xA7";  // U+1F527: 2 units each
  std::vector<Sheet> sheets = {
      {"表", {"a", "b", "c"}, {{Cell(at_limit), Cell(over), Cell(emoji_over)}}}};
  auto book = to_xlsx(sheets, i18n::Language::kZh);
  ASSERT_TRUE(book) << book.status().to_string();
  fixture::TempDir dir;
  const std::string path = dir.file("book.xlsx"), script = dir.file("read.py");
  std::ofstream(path, std::ios::binary) << *book;
  std::ofstream(script) << R"py(
import sys, zipfile, xml.etree.ElementTree as ET
M = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
z = zipfile.ZipFile(sys.argv[1])
strings = [''.join(t.text or '' for t in si.iter(M + 't'))
           for si in ET.fromstring(z.read('xl/sharedStrings.xml')).iter(M + 'si')]
for c in ET.fromstring(z.read('xl/worksheets/sheet1.xml')).iter(M + 'c'):
    if c.get('r')[1] != '2': continue
    s = strings[int(c.find(M + 'v').text)]
    print(c.get('r'), len(s.encode('utf-16-le')) // 2, s[0], s[-19:])
)py";
  FILE* pipe = ::popen(("python3 " + script + " " + path).c_str(), "r");
  ASSERT_NE(pipe, nullptr);
  std::string out;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) out += line;
  ::pclose(pipe);
  EXPECT_EQ(out, "A2 32767 轴 " + std::string([] {
                   std::string s;
                   for (int i = 0; i < 19; ++i) s += "轴";
                   return s;
                 }()) +
                     "\n"
                     "B2 32767 承 以下已截去；完整内容见 CSV 导出）\n"
                     "C2 32767 \xF0\x9F\x94\xA7 以下已截去；完整内容见 CSV 导出）\n");
  // The CSV holds every character.
  EXPECT_NE(to_csv(sheets).find(over), std::string::npos);
}

// The trial's 久候难题 sheet listed problems already 攻关中 (issue: flow2):
// only problems nobody works on wait, and a key topic whose leader a
// coordinator rejected is in no expert's list and waits again.
TEST(LedgerTest, OnlyProblemsNobodyWorksOnWait) {
  std::vector<Problem> problems = {
      problem("new", "常山县", "", "2025-01-10", ProblemStatus::kSubmitted),
      problem("undated", "常山县", "", "", ProblemStatus::kSubmitted),
      problem("matched", "常山县", "", "2024-12-01", ProblemStatus::kMatched),
      problem("topic", "常山县", "", "2024-12-02", ProblemStatus::kInProgress),
      problem("lost", "常山县", "", "2024-12-03", ProblemStatus::kInProgress),
      problem("imported", "常山县", "", "2024-12-04", ProblemStatus::kInProgress),
      problem("relieved", "常山县", "", "2024-12-05", ProblemStatus::kInProgress),
  };
  Expert pan, luo;
  pan.id = "pan";
  pan.name = "潘俊杰";
  pan.counties = {"常山县"};
  luo.id = "luo";
  luo.name = "骆文瑾";
  luo.counties = {"开化县"};
  std::vector<Expert> experts = {pan, luo};
  PlanRecord plan;
  plan.county = "常山县";
  plan.status = PlanStatus::kApproved;
  plan.topics = {{"topic", "pan"}, {"lost", "pan"}, {"relieved", "pan"}};
  std::vector<PlanRecord> plans = {plan};
  // pan was rejected for "lost" and "relieved"; luo was accepted for
  // "relieved" (and for "matched").
  std::vector<LedgerAcceptance> accepted = {{"matched", "luo", ""}, {"relieved", "luo", ""}};
  std::vector<std::pair<std::string, std::string>> rejected = {{"lost", "pan"},
                                                               {"relieved", "pan"}};
  LedgerOptions options;
  options.as_of = "2025-02-09";
  auto l =
      make_ledger("常山县", CountyList(), {problems, experts, accepted, plans, rejected}, options);
  ASSERT_TRUE(l) << l.status().to_string();
  ASSERT_EQ(l->waiting_longest.size(), 3u);
  EXPECT_EQ(l->waiting_longest[0].id, "lost");
  EXPECT_EQ(l->waiting_longest[0].days_waiting, 68);  // 2024-12-03 .. 2025-02-09
  EXPECT_EQ(l->waiting_longest[1].id, "new");
  EXPECT_EQ(l->waiting_longest[1].days_waiting, 30);
  EXPECT_EQ(l->waiting_longest[2].id, "undated");
  EXPECT_FALSE(l->waiting_longest[2].days_waiting.has_value());
  // pan leads only "topic"; luo (stationed elsewhere) is listed for his two.
  ASSERT_EQ(l->experts.size(), 2u);
  EXPECT_EQ(l->experts[0].id, "luo");
  ASSERT_EQ(l->experts[0].accepted.size(), 2u);
  EXPECT_EQ(l->experts[0].accepted[1].problem_id, "relieved");
  EXPECT_EQ(l->experts[1].id, "pan");
  ASSERT_EQ(l->experts[1].key_topics.size(), 1u);
  EXPECT_EQ(l->experts[1].key_topics[0].problem_id, "topic");
  EXPECT_EQ(l->experts[1].outcomes.at("in_progress"), 1);
}

// Found by a new user: the ledger's expert table listed all 19 experts
// stationed in the county where the workstation's team is 8, and choosing a
// year changed nothing in it. Each expert has a standing (team, worked,
// stationed; team first), and with a year the team, key topics and
// acceptances are those of that year: plans in force at some time in it (a
// plan is in force until the next approval for its county), acceptances
// decided by its end.
TEST(LedgerTest, TheTeamAndTheWorkAreThoseOfThePeriod) {
  std::vector<Problem> problems = {
      problem("p1", "柯城区", "", "2025-03-01", ProblemStatus::kInProgress),
      problem("p2", "柯城区", "", "2026-02-01", ProblemStatus::kInProgress),
      problem("p3", "柯城区", "", "2026-03-01", ProblemStatus::kMatched),
  };
  auto expert = [](const char* id, const char* county) {
    Expert e;
    e.id = id;
    e.name = std::string("专家") + id;
    e.counties = {county};
    return e;
  };
  // a and b: the 2025 team; b and c: the 2026 team; d: stationed, never in
  // a team; o: stationed elsewhere, accepted for p3 in 2026.
  std::vector<Expert> experts = {expert("a", "柯城区"), expert("b", "柯城区"),
                                 expert("c", "柯城区"), expert("d", "柯城区"),
                                 expert("o", "江山市")};
  PlanRecord old_plan;
  old_plan.county = "柯城区";
  old_plan.status = PlanStatus::kSuperseded;
  old_plan.approved_at = "2025-04-01T08:00:00Z";
  old_plan.members = {"a", "b"};
  old_plan.topics = {{"p1", "a"}};
  PlanRecord new_plan = old_plan;
  new_plan.status = PlanStatus::kApproved;
  new_plan.approved_at = "2026-03-05T08:00:00Z";
  new_plan.members = {"b", "c"};
  new_plan.topics = {{"p2", "c"}};
  std::vector<PlanRecord> plans = {new_plan, old_plan};
  std::vector<LedgerAcceptance> accepted = {{"p3", "o", "2026-03-10T01:00:00.000Z"}};
  const std::vector<std::pair<std::string, std::string>> rejected;
  auto standings = [](const Ledger& l) {
    std::string out;
    for (const auto& e : l.experts)
      out += e.id + ":" + e.standing + ":" + std::to_string(e.key_topics.size()) + "+" +
             std::to_string(e.accepted.size()) + " ";
    return out;
  };
  // The ledger as of 2026-12-01, for one year or (0) every year.
  auto ledger_for = [&](int year) {
    LedgerOptions options;
    options.as_of = "2026-12-01";
    if (year) options.year = year;
    auto l = make_ledger("柯城区", CountyList(), {problems, experts, accepted, plans, rejected},
                         options);
    EXPECT_TRUE(l) << l.status().to_string();
    return l ? *l : Ledger{};
  };
  const Ledger l = ledger_for(0);
  EXPECT_EQ(standings(l), "b:team:0+0 c:team:1+0 o:worked:0+1 a:stationed:0+0 d:stationed:0+0 ");
  EXPECT_EQ(standings(ledger_for(2025)), "a:team:1+0 b:team:0+0 c:stationed:0+0 d:stationed:0+0 ");
  // 2026: the old plan was in force until 5 March, the new one since.
  EXPECT_EQ(standings(ledger_for(2026)),
            "a:team:1+0 b:team:0+0 c:team:1+0 o:worked:0+1 d:stationed:0+0 ");
  const Ledger l24 = ledger_for(2024);
  EXPECT_EQ(standings(l24), "a:stationed:0+0 b:stationed:0+0 c:stationed:0+0 d:stationed:0+0 ");
  // The years to choose from are those with submissions, whatever the year asked.
  EXPECT_EQ(l24.years, (std::vector<int>{2026, 2025}));
  EXPECT_EQ(l.years, (std::vector<int>{2026, 2025}));

  // The worksheet says each expert's standing in words.
  auto sheets = ledger_sheets(l);
  EXPECT_EQ(sheets[3].header[2], "身份");
  EXPECT_EQ(sheets[3].rows[0][2].text, "工作站成员");
  EXPECT_EQ(sheets[3].rows[2][2].text, "参与对接（非工作站成员）");
  EXPECT_EQ(sheets[3].rows[3][2].text, "派驻，未入选工作站");
}

}  // namespace
}  // namespace expertmatch
