// The county's ledger and the plan exports (issue 12), through the real
// server: JSON counts by status, industry and month, stationed experts with
// key topics and accepted matches, the open problems waiting longest; the same
// as XLSX (read back from the zip with python3's zipfile) and CSV; who may
// read which ledger.
#include <gtest/gtest.h>

#include <cctype>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include <sqlite3.h>

#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

const std::string kJiangshan = "%E6%B1%9F%E5%B1%B1%E5%B8%82";  // 江山市
const std::string kLedger = "/api/v1/counties/" + kJiangshan + "/ledger";

// Cells of an .xlsx: sheet name -> cell reference ("B2") -> shown value.
using Workbook = std::map<std::string, std::map<std::string, std::string>>;

// An XLSX file is a zip of XML: python3's zipfile and ElementTree read it
// (shared strings resolved), one "SHEET<TAB>REF<TAB>VALUE" line a cell.
Workbook read_xlsx(const std::string& bytes, std::vector<std::string>* sheet_order) {
  TempDir dir;
  std::string book = dir.path() + "/book.xlsx", script = dir.path() + "/read.py";
  std::ofstream(book, std::ios::binary) << bytes;
  std::ofstream(script) << R"py(
import sys, zipfile, xml.etree.ElementTree as ET
M = '{http://schemas.openxmlformats.org/spreadsheetml/2006/main}'
R = '{http://schemas.openxmlformats.org/officeDocument/2006/relationships}'
z = zipfile.ZipFile(sys.argv[1])
strings = []
if 'xl/sharedStrings.xml' in z.namelist():
    for si in ET.fromstring(z.read('xl/sharedStrings.xml')).iter(M + 'si'):
        strings.append(''.join(t.text or '' for t in si.iter(M + 't')))
rels = {r.get('Id'): r.get('Target') for r in
        ET.fromstring(z.read('xl/_rels/workbook.xml.rels'))}
for sheet in ET.fromstring(z.read('xl/workbook.xml')).iter(M + 'sheet'):
    target = rels[sheet.get(R + 'id')]
    print('SHEET\t' + sheet.get('name'))
    for c in ET.fromstring(z.read('xl/' + target)).iter(M + 'c'):
        v = c.find(M + 'v')
        value = '' if v is None else v.text
        if c.get('t') == 's':
            value = strings[int(value)]
        print(sheet.get('name') + '\t' + c.get('r') + '\t' + value.replace('\n', ' '))
)py";
  Workbook out;
  FILE* pipe = ::popen(("python3 " + script + " " + book).c_str(), "r");
  if (!pipe) return out;
  char line[8192];
  while (std::fgets(line, sizeof line, pipe)) {
    std::string s(line);
    if (!s.empty() && s.back() == '\n') s.pop_back();
    size_t a = s.find('\t'), b = s.find('\t', a + 1);
    if (s.compare(0, a, "SHEET") == 0) {
      sheet_order->push_back(s.substr(a + 1));
      continue;
    }
    out[s.substr(0, a)][s.substr(a + 1, b - a - 1)] = s.substr(b + 1);
  }
  ::pclose(pipe);
  return out;
}

// The column letter whose row-1 heading is `heading`, "" if none.
std::string column_of(const std::map<std::string, std::string>& sheet, const std::string& heading) {
  for (const auto& [ref, value] : sheet)
    if (ref.size() == 2 && ref[1] == '1' && value == heading) return ref.substr(0, 1);
  return "";
}

HttpResult patch(unsigned short port, const std::string& target, const std::string& token,
                 const std::string& body) {
  Request r;
  r.method = "PATCH";
  r.target = target;
  r.token = token;
  r.body = body;
  r.content_type = "application/merge-patch+json";
  return http(port, r);
}

// A county's year of work on the test corpus: 江山市 has p-a1 (2026-03-05,
// in progress once the plan is approved), p-a2 (2026-03-03, withdrawn) and
// p-j3 (2025-11-20, matched: e-vision accepted); an approved plan and one
// accepted match.
class ApiLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto& tk = t();
    for (const char* id : {"p-a1", "p-a2"})
      ASSERT_EQ(patch(port(), std::string("/api/v1/problems/") + id, tk.admin,
                      R"({"industry": "滚动轴承制造"})")
                    .status,
                200);
    ASSERT_EQ(post(port(), "/api/v1/problems", tk.admin,
                   R"({"id": "p-j3", "enterprise": "江山新材料有限公司", "county": "江山市",
                       "industry": "涂料制造", "title": "涂层脱落", "description": "户外涂层半年就脱落",
                       "urgency": 2, "submitted": "2025-11-20"})")
                  .status,
              201);
    ASSERT_EQ(
        post(port(), "/api/v1/problems/p-a2/withdraw", tk.enterprise_a, R"({"note": "已自行解决"})")
            .status,
        200);
    plan_ = post(port(), "/api/v1/counties/" + kJiangshan + "/plans", tk.county_jiangshan,
                 R"({"team_size": 2})");
    ASSERT_EQ(plan_.status, 201) << plan_.body;
    plan_id_ = plan_.json()["id"].GetInt64();
    ASSERT_EQ(post(port(), "/api/v1/plans/" + std::to_string(plan_id_) + "/approve",
                   tk.county_jiangshan, "")
                  .status,
              200);
    ASSERT_EQ(post(port(), "/api/v1/problems/p-j3/reviews", tk.coordinator,
                   R"({"expert_id": "e-vision", "decision": "accept", "note": "检测涂层"})")
                  .status,
              201);
  }
  unsigned short port() const { return server_.port(); }
  const Tokens& t() const { return server_.tokens(); }

  TestServer server_;
  HttpResult plan_;
  long long plan_id_ = 0;
};

std::vector<std::string> strings_of(const rapidjson::Value& v) {
  std::vector<std::string> out;
  for (const auto& s : v.GetArray()) out.push_back(s.GetString());
  return out;
}

int count_of(const rapidjson::Value& counts, const char* status) {
  auto it = counts["by_status"].FindMember(status);
  return it == counts["by_status"].MemberEnd() ? 0 : it->value.GetInt();
}

TEST_F(ApiLedgerTest, CountyLedgerAsJson) {
  auto r = get(port(), kLedger, t().county_jiangshan);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  EXPECT_STREQ(d["county"].GetString(), "江山市");
  EXPECT_TRUE(d["year"].IsNull());
  EXPECT_EQ(d["totals"]["submitted"].GetInt(), 3);
  // Still open: p-a1 (a key topic: in progress) and p-j3 (accepted: matched, or in progress).
  EXPECT_EQ(count_of(d["totals"], "submitted") + count_of(d["totals"], "matched") +
                count_of(d["totals"], "in_progress"),
            2);
  EXPECT_EQ(count_of(d["totals"], "in_progress") >= 1, true);
  EXPECT_EQ(count_of(d["totals"], "open"), 0);  // an older name, no column of its own
  EXPECT_EQ(count_of(d["totals"], "withdrawn"), 1);
  EXPECT_EQ(count_of(d["totals"], "solved"), 0);
  EXPECT_FALSE(d.HasMember("by_county"));
  // Every status column has a Chinese label; withdrawn is 已撤回.
  std::map<std::string, std::string> labels;
  for (const auto& s : d["statuses"].GetArray())
    labels[s["status"].GetString()] = s["label"].GetString();
  EXPECT_EQ(labels["withdrawn"], "已撤回");
  EXPECT_EQ(labels["solved"], "已解决");

  ASSERT_EQ(d["by_industry"].Size(), 2u) << r.body;
  EXPECT_STREQ(d["by_industry"][0]["industry"].GetString(), "滚动轴承制造");
  EXPECT_EQ(d["by_industry"][0]["submitted"].GetInt(), 2);
  EXPECT_EQ(count_of(d["by_industry"][0], "withdrawn"), 1);
  EXPECT_STREQ(d["by_industry"][1]["industry"].GetString(), "涂料制造");
  EXPECT_EQ(d["by_industry"][1]["submitted"].GetInt(), 1);

  ASSERT_EQ(d["by_month"].Size(), 2u);
  EXPECT_STREQ(d["by_month"][0]["month"].GetString(), "2025-11");
  EXPECT_EQ(d["by_month"][0]["submitted"].GetInt(), 1);
  EXPECT_STREQ(d["by_month"][1]["month"].GetString(), "2026-03");
  EXPECT_EQ(d["by_month"][1]["submitted"].GetInt(), 2);

  // Stationed experts, their key topics (from the approved plan) and accepted matches.
  std::map<std::string, std::set<std::string>> plan_topics;
  const rapidjson::Document plan_doc = plan_.json();
  for (const auto& k : plan_doc["plan"]["key_topics"].GetArray())
    plan_topics[k["expert_id"].GetString()].insert(k["problem_id"].GetString());
  ASSERT_EQ(plan_topics["e-bearing"].count("p-a1"), 1u) << plan_.body;
  std::set<std::string> experts;
  for (const auto& e : d["experts"].GetArray()) {
    std::string id = e["id"].GetString();
    experts.insert(id);
    std::set<std::string> topics;
    for (const auto& k : e["key_topics"].GetArray()) topics.insert(k["problem_id"].GetString());
    EXPECT_EQ(topics, plan_topics[id]) << id;
    if (id == "e-vision") {
      // Accepted is listed whether or not the plan also made it a key topic.
      ASSERT_EQ(e["accepted_matches"].Size(), 1u);
      EXPECT_STREQ(e["accepted_matches"][0]["problem_id"].GetString(), "p-j3");
    }
    if (id == "e-bearing") EXPECT_EQ(e["outcomes"]["in_progress"].GetInt(), 1);
  }
  EXPECT_EQ(experts, (std::set<std::string>{"e-bearing", "e-vision"}));

  // Waiting longest for help: open problems nobody works on. p-j3 has an
  // accepted expert and p-a1 is a key topic in progress (a trial's 久候难题
  // listed such problems, 攻关中, as waiting 683 and 643 days); p-a2 is
  // withdrawn.
  EXPECT_EQ(d["waiting_longest"].Size(), 0u);
  // Rejected, the accepted expert and the key topic's leader leave both
  // waiting again: earliest submission first.
  for (auto [problem, expert] : {std::pair{"p-j3", "e-vision"}, std::pair{"p-a1", "e-bearing"}})
    ASSERT_EQ(post(port(), std::string("/api/v1/problems/") + problem + "/reviews", t().coordinator,
                   std::string(R"({"expert_id": ")") + expert +
                       R"(", "decision": "reject", "note": "企业不再接受"})")
                  .status,
              201);
  auto again = get(port(), kLedger, t().county_jiangshan).json();
  auto w = again["waiting_longest"].GetArray();
  ASSERT_EQ(w.Size(), 2u);
  EXPECT_STREQ(w[0]["id"].GetString(), "p-j3");
  EXPECT_STREQ(w[1]["id"].GetString(), "p-a1");
  EXPECT_GT(w[0]["days_waiting"].GetInt(), w[1]["days_waiting"].GetInt());
  EXPECT_EQ(w[0]["days_waiting"].GetInt() - w[1]["days_waiting"].GetInt(), 105);  // 11-20 .. 03-05
}

// Issue 10, F7: 柯城区's ledger showed 6 of the 17 key topics of its approved
// plan and none of its 100 accepted matches, their experts being stationed in
// other counties. Here the city stations both experts of 江山市's work (the
// plan's e-bearing on p-a1, the accepted e-vision on p-j3) in 柯城区 alone.
TEST_F(ApiLedgerTest, ExpertsStationedElsewhereStayInTheCountysLedger) {
  for (const char* id : {"e-bearing", "e-vision"})
    ASSERT_EQ(patch(port(), std::string("/api/v1/experts/") + id, t().admin,
                    R"({"counties": ["柯城区"]})")
                  .status,
              200);
  std::map<std::string, std::set<std::string>> plan_topics;
  const rapidjson::Document plan_doc = plan_.json();
  size_t topics = 0;
  for (const auto& k : plan_doc["plan"]["key_topics"].GetArray()) {
    plan_topics[k["expert_id"].GetString()].insert(k["problem_id"].GetString());
    ++topics;
  }
  ASSERT_EQ(plan_topics["e-bearing"], std::set<std::string>{"p-a1"}) << plan_.body;

  auto r = get(port(), kLedger, t().county_jiangshan);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  std::map<std::string, std::set<std::string>> shown_topics, shown_accepted;
  size_t shown = 0;
  for (const auto& e : d["experts"].GetArray()) {
    std::string id = e["id"].GetString();
    for (const auto& k : e["key_topics"].GetArray()) {
      shown_topics[id].insert(k["problem_id"].GetString());
      EXPECT_STREQ(k["county"].GetString(), "江山市");
      ++shown;
    }
    for (const auto& k : e["accepted_matches"].GetArray()) {
      shown_accepted[id].insert(k["problem_id"].GetString());
      EXPECT_STREQ(k["county"].GetString(), "江山市");
    }
  }
  // Every key topic of the approved plan and every accepted match, whatever
  // the expert's station.
  EXPECT_EQ(shown, topics);
  EXPECT_EQ(shown_topics, plan_topics);
  EXPECT_EQ(shown_accepted, (std::map<std::string, std::set<std::string>>{{"e-vision", {"p-j3"}}}));
  for (const auto& e : d["experts"].GetArray())
    if (std::string(e["id"].GetString()) == "e-bearing") {
      EXPECT_EQ(strings_of(e["counties"]), std::vector<std::string>{"柯城区"});
      EXPECT_EQ(e["outcomes"]["in_progress"].GetInt(), 1);
    }
  // The spreadsheet lists them too.
  auto csv = get(port(), kLedger + "?format=csv", t().county_jiangshan);
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("e-bearing"), std::string::npos);
  EXPECT_NE(csv.body.find("e-vision"), std::string::npos);

  // 柯城区, where they are stationed, lists them without 江山市's records.
  auto kecheng = get(port(), "/api/v1/counties/%E6%9F%AF%E5%9F%8E%E5%8C%BA/ledger", t().admin);
  ASSERT_EQ(kecheng.status, 200) << kecheng.body;
  std::set<std::string> there;
  const auto kecheng_json = kecheng.json();  // outlives the loop (ASan)
  for (const auto& e : kecheng_json["experts"].GetArray()) {
    there.insert(e["id"].GetString());
    EXPECT_EQ(e["key_topics"].Size(), 0u) << kecheng.body;
    EXPECT_EQ(e["accepted_matches"].Size(), 0u) << kecheng.body;
  }
  EXPECT_EQ(there, (std::set<std::string>{"e-bearing", "e-vision"}));
  // A county where they neither are stationed nor work does not list them.
  auto longyou = get(port(), "/api/v1/counties/%E9%BE%99%E6%B8%B8%E5%8E%BF/ledger", t().admin);
  ASSERT_EQ(longyou.status, 200);
  const auto longyou_json = longyou.json();  // outlives the loop (ASan)
  for (const auto& e : longyou_json["experts"].GetArray())
    EXPECT_STREQ(e["id"].GetString(), "e-paper");
}

TEST_F(ApiLedgerTest, YearFilterAndTheCity) {
  auto y = get(port(), kLedger + "?year=2025", t().admin).json();
  EXPECT_EQ(y["year"].GetInt(), 2025);
  EXPECT_EQ(y["totals"]["submitted"].GetInt(), 1);
  EXPECT_EQ(get(port(), kLedger + "?year=2026", t().admin).json()["totals"]["submitted"].GetInt(),
            2);

  auto city = get(port(), "/api/v1/ledger", t().admin);
  ASSERT_EQ(city.status, 200) << city.body;
  auto c = city.json();
  EXPECT_TRUE(c["county"].IsNull());
  EXPECT_STREQ(c["name"].GetString(), "衢州市");
  EXPECT_EQ(c["totals"]["submitted"].GetInt(), 6);
  std::vector<std::pair<std::string, int>> rows;
  for (const auto& r : c["by_county"].GetArray())
    rows.emplace_back(r["county"].GetString(), r["submitted"].GetInt());
  EXPECT_EQ(rows, (std::vector<std::pair<std::string, int>>{{"柯城区", 1},
                                                            {"衢江区", 1},
                                                            {"龙游县", 1},
                                                            {"江山市", 3},
                                                            {"常山县", 0},
                                                            {"开化县", 0},
                                                            {"衢州智造新城", 0}}));
}

TEST_F(ApiLedgerTest, WhoMayReadWhichLedger) {
  EXPECT_EQ(get(port(), kLedger, t().coordinator).status, 200);
  EXPECT_EQ(get(port(), kLedger, t().county_longyou).status, 403);
  EXPECT_EQ(get(port(), kLedger, t().enterprise_a).status, 403);
  EXPECT_EQ(get(port(), "/api/v1/ledger", t().county_jiangshan).status, 403);
  auto fake = get(port(), "/api/v1/counties/%E6%B1%9F%E5%B1%B1/ledger", t().admin);  // 江山
  EXPECT_EQ(fake.status, 422);
  EXPECT_EQ(std::string(fake.json()["error"]["message"].GetString()),
            "没有“江山”这个县（市、区），您是不是要找“江山市”？");
  EXPECT_EQ(get(port(), kLedger + "?format=pdf", t().admin).status, 400);
  EXPECT_EQ(get(port(), kLedger + "?year=last", t().admin).status, 400);
  EXPECT_EQ(get(port(), kLedger + "?county=x", t().admin).status, 400);
}

TEST_F(ApiLedgerTest, LedgerAsXlsxAndCsv) {
  // p-j3 waits for help once its accepted expert is rejected; p-a1, a key
  // topic in progress, does not.
  ASSERT_EQ(post(port(), "/api/v1/problems/p-j3/reviews", t().coordinator,
                 R"({"expert_id": "e-vision", "decision": "reject", "note": "企业不再接受"})")
                .status,
            201);
  auto json = get(port(), kLedger, t().admin).json();
  ASSERT_EQ(json["waiting_longest"].Size(), 1u);
  auto x = get(port(), kLedger + "?format=xlsx&year=2026", t().county_jiangshan);
  ASSERT_EQ(x.status, 200) << x.body;
  EXPECT_EQ(x.headers["content-type"],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
  // 台账-江山市-2026.xlsx, percent-encoded (RFC 8187).
  EXPECT_NE(
      x.headers["content-disposition"].find(
          "attachment; filename=\"expertmatch.xlsx\"; filename*=UTF-8''%E5%8F%B0%E8%B4%A6-%E6%B1%9F"
          "%E5%B1%B1%E5%B8%82-2026.xlsx"),
      std::string::npos)
      << x.headers["content-disposition"];
  std::vector<std::string> order;
  Workbook book = read_xlsx(x.body, &order);
  EXPECT_EQ(order, (std::vector<std::string>{"概况", "按行业", "按月份", "驻站专家", "久候难题"}));
  auto& summary = book["概况"];
  EXPECT_EQ(summary["A1"], "范围");
  EXPECT_EQ(summary["B1"], "提交难题数");
  EXPECT_EQ(summary["A2"], "江山市（2026年）");
  EXPECT_EQ(summary["B2"], "2");
  std::string withdrawn = column_of(summary, "已撤回"), working = column_of(summary, "攻关中");
  ASSERT_FALSE(withdrawn.empty());
  EXPECT_EQ(summary[withdrawn + "2"], "1");
  ASSERT_FALSE(working.empty());
  EXPECT_EQ(summary[working + "2"], "1");  // p-a1, a key topic of the approved plan
  auto& industry = book["按行业"];
  EXPECT_EQ(industry["A1"], "行业");
  EXPECT_EQ(industry["A2"], "滚动轴承制造");
  EXPECT_EQ(industry["B2"], "2");
  EXPECT_EQ(book["按月份"]["A2"], "2026-03");
  auto& experts = book["驻站专家"];
  EXPECT_EQ(experts["A1"], "专家编号");
  EXPECT_EQ(experts["C1"], "身份");
  EXPECT_EQ(experts["J1"], "重点攻关课题");
  EXPECT_EQ(experts["A2"], "e-bearing");
  EXPECT_EQ(experts["B2"], "张伟");
  EXPECT_EQ(experts["C2"], "工作站成员");  // in the team of the plan approved this year
  EXPECT_NE(experts["J2"].find("p-a1 轴承外圈磨削后表面发黑（江山恒锐轴承有限公司，攻关中）"),
            std::string::npos)
      << experts["J2"];
  auto& waiting = book["久候难题"];
  EXPECT_EQ(waiting["A2"], "p-j3");  // the backlog as it stands, whatever the year
  EXPECT_EQ(waiting["G2"], "2025-11-20");
  EXPECT_EQ(waiting["H2"], std::to_string(json["waiting_longest"][0]["days_waiting"].GetInt()));
  EXPECT_EQ(waiting.count("A3"), 0u);  // p-a1 is in progress

  auto csv = get(port(), kLedger + "?format=csv", t().admin);
  ASSERT_EQ(csv.status, 200);
  EXPECT_EQ(csv.headers["content-type"], "text/csv; charset=utf-8");
  // Every year: 台账-江山市-截至<today>.csv.
  EXPECT_NE(csv.headers["content-disposition"].find(
                std::string("%E5%8F%B0%E8%B4%A6-%E6%B1%9F%E5%B1%B1%E5%B8%82-%E6%88%AA%E8%87%B3") +
                json["as_of"].GetString() + std::string(".csv")),
            std::string::npos)
      << csv.headers["content-disposition"];
  EXPECT_EQ(csv.body.compare(0, 3, "\xEF\xBB\xBF"), 0);  // BOM: Excel reads UTF-8
  EXPECT_EQ(csv.body.compare(3, 8, "概况\r\n"), 0) << csv.body.substr(0, 80);
  EXPECT_NE(csv.body.find("\r\n江山市（全部）,3,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find("\r\n按月份\r\n提交月份,提交难题数,"), std::string::npos);
  EXPECT_NE(csv.body.find("\r\np-j3,江山新材料有限公司,江山市,涂料制造,涂层脱落,2,2025-11-20,"),
            std::string::npos);
}

TEST_F(ApiLedgerTest, PlanAsXlsxAndCsv) {
  std::string path = "/api/v1/plans/" + std::to_string(plan_id_);
  auto x = get(port(), path + "?format=xlsx", t().coordinator);
  ASSERT_EQ(x.status, 200) << x.body;
  std::vector<std::string> order;
  Workbook book = read_xlsx(x.body, &order);
  EXPECT_EQ(order, (std::vector<std::string>{"概况", "团队", "重点攻关课题", "未覆盖难题"}));
  EXPECT_EQ(book["概况"]["A2"], "江山市");
  EXPECT_EQ(book["概况"]["B2"], "已批准");  // the status as people read it
  auto plan_doc = plan_.json();
  const auto& plan = plan_doc["plan"];
  auto& team = book["团队"];
  EXPECT_EQ(team["J1"], "入选理由");
  for (rapidjson::SizeType i = 0; i < plan["team"].Size(); ++i) {
    std::string row = std::to_string(i + 2);
    EXPECT_EQ(team["B" + row], plan["team"][i]["expert_id"].GetString());
    EXPECT_EQ(team["J" + row], plan["team"][i]["reason"].GetString());
  }
  auto& topics = book["重点攻关课题"];
  EXPECT_EQ(topics["A1"], "企业");
  EXPECT_EQ(topics["I1"], "理由");
  ASSERT_GT(plan["key_topics"].Size(), 0u);
  EXPECT_EQ(topics["B2"], plan["key_topics"][0]["problem_id"].GetString());
  EXPECT_EQ(topics["F2"], plan["key_topics"][0]["expert_id"].GetString());
  EXPECT_EQ(topics["I2"], plan["key_topics"][0]["reason"].GetString());
  EXPECT_FALSE(topics["I2"].empty());

  // Chinese texts in Chinese: a reason read back, without its row's data
  // (enterprise, ids, title, expert, evidence), holds no English word.
  for (int row = 2; topics.count("I" + std::to_string(row)); ++row) {
    std::string r = std::to_string(row), reason = topics["I" + r];
    for (const char* col : {"H", "C", "A", "E", "B", "F"})
      for (size_t at;
           !topics[col + r].empty() && (at = reason.find(topics[col + r])) != std::string::npos;)
        reason.replace(at, topics[col + r].size(), " ");
    for (size_t i = 0; i + 1 < reason.size(); ++i)
      EXPECT_FALSE(std::isalpha(static_cast<unsigned char>(reason[i])) &&
                   std::isalpha(static_cast<unsigned char>(reason[i + 1])))
          << topics["I" + r];
  }

  // English on request: headings, status and reasons, no Chinese beyond the data.
  Request en;
  en.target = path + "?format=xlsx";
  en.token = t().coordinator;
  en.headers["Accept-Language"] = "en";
  auto xe = http(port(), en);
  ASSERT_EQ(xe.status, 200);
  std::vector<std::string> en_order;
  Workbook en_book = read_xlsx(xe.body, &en_order);
  EXPECT_EQ(en_order, (std::vector<std::string>{"Summary", "Team", "Key topics", "Uncovered"}));
  EXPECT_EQ(en_book["Summary"]["B2"], "approved");
  EXPECT_EQ(en_book["Team"]["J1"], "Why chosen");
  std::string reason = en_book["Key topics"]["I2"];
  EXPECT_EQ(reason.compare(0, 4, "the "), 0) << reason;  // "the most urgent open problem of ..."

  auto csv = get(port(), path + "?format=csv", t().admin);
  ASSERT_EQ(csv.status, 200);
  EXPECT_NE(csv.body.find("\r\n团队\r\n序号,专家编号,姓名,"), std::string::npos) << csv.body;
  EXPECT_NE(csv.body.find(",已批准,"), std::string::npos) << csv.body.substr(0, 300);
  // Who may not read the plan may not download it either.
  EXPECT_EQ(get(port(), path + "?format=xlsx", t().enterprise_a).status, 404);
  EXPECT_EQ(get(port(), path + "?format=doc", t().admin).status, 400);
}

// Found by an attack trial: an enterprise's industry holding U+0007 (also
// U+FFFE, U+FFFF) made the XLSX ledger unopenable. The boundary refuses such
// text now; a record stored before it did is written with U+FFFD in their
// place, and the workbook reads back.
TEST(ApiLedgerStoredTextTest, ControlCharactersOfStoredRecordsDoNotBreakTheWorkbook) {
  TestServer server;
  server.stop();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server.dir() + "/store.sqlite").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE problems SET industry = '电子' || char(7) || '元件' || "
                         "char(65535) || char(65534) WHERE id = 'p-b1';"
                         "UPDATE problems SET industry = 'a' || char(27) || char(133) WHERE id = "
                         "'p-a1';",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  server.restart();
  auto x = get(server.port(), "/api/v1/ledger?format=xlsx", server.tokens().admin);
  ASSERT_EQ(x.status, 200) << x.body;
  std::vector<std::string> order;
  Workbook book = read_xlsx(x.body, &order);
  ASSERT_EQ(order.size(), 5u) << "the workbook does not read back";
  std::set<std::string> industries;
  for (const auto& [ref, value] : book["按行业"])
    if (ref[0] == 'A' && ref != "A1") industries.insert(value);
  EXPECT_TRUE(industries.count("电子\uFFFD元件\uFFFD\uFFFD")) << *industries.begin();
  EXPECT_TRUE(industries.count("a\uFFFD\uFFFD"));
  auto csv = get(server.port(), "/api/v1/ledger?format=csv", server.tokens().admin);
  EXPECT_NE(csv.body.find("电子\uFFFD元件"), std::string::npos);
  EXPECT_EQ(csv.body.find('\x07'), std::string::npos);
}

}  // namespace
}  // namespace expertmatch::apitest
