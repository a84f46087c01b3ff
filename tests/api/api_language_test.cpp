// Every message the service sends a person is in the caller's language
// (issue 13): a table of bad requests of every kind through the real server,
// from bad fields to a refused HTTP head. Without Accept-Language each error
// message (and each detail's reason) holds Chinese text, no raw catalogue key
// and not the words that stand in for a message missing from the catalogue;
// with Accept-Language: en the same request is answered in English.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

// Any character of the CJK Unified Ideographs block (U+4E00..U+9FFF), in UTF-8.
bool has_cjk(const std::string& s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    unsigned char a = s[i], b = s[i + 1];
    if (a >= 0xE4 && a <= 0xE9 && (b & 0xC0) == 0x80) {
      uint32_t cp = ((a & 0x0F) << 12) | ((b & 0x3F) << 6) | (s[i + 2] & 0x3F);
      if (cp >= 0x4E00 && cp <= 0x9FFF) return true;
    }
  }
  return false;
}

// "field.int_range_got" and the like: a key shown instead of its words.
bool has_raw_key(const std::string& s) {
  static const std::regex kKey(
      "\\b(error|request|query|field|json|record|http|access|auth|session|account|plan|problem|"
      "expert|county|enterprise|review|transition|capacity|exclusion|standing|ledger|list|"
      "index|match|qrels)\\.[a-z_]+");
  return std::regex_search(s, kKey);
}

// Two English words in a row.
bool has_english(const std::string& s) {
  static const std::regex kWords("[A-Za-z]{2,} [A-Za-z]{2,}");
  return std::regex_search(s, kWords);
}

// The message and every detail's reason of an error answer.
std::vector<std::string> texts(const HttpResult& r) {
  std::vector<std::string> out;
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("error") || !d["error"].IsObject()) return out;
  const auto& e = d["error"];
  if (e.HasMember("message") && e["message"].IsString()) out.push_back(e["message"].GetString());
  if (e.HasMember("details") && e["details"].IsArray())
    for (const auto& x : e["details"].GetArray()) out.push_back(x["reason"].GetString());
  return out;
}

std::string message(const HttpResult& r) {
  auto t = texts(r);
  return t.empty() ? "<no error message: " + r.body + ">" : t.front();
}

// What localize() says for a message that is not in the catalogue: never
// expected here (the server also logs it).
const char* const kStandIns[] = {"请求有误",       "您无权这样做",   "没有找到",
                                 "与当前状态冲突", "提交的内容有误", "请求未能完成"};

struct Case {
  const char* name;
  int status;
  std::string method;
  std::string target;
  std::string body;
  std::string content_type;  // "" = application/json with a body
  std::string who;           // admin, county, enterprise, coordinator, none, bad
  // The Chinese message (or its detail for `field`), exactly, when written.
  std::string zh;
  // The English one, exactly, when written.
  std::string en;
};

class LanguageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new TestServer(); }
  static void TearDownTestSuite() {
    delete server_;
    server_ = nullptr;
  }

  static std::string token(const std::string& who) {
    const Tokens& t = server_->tokens();
    if (who == "admin") return t.admin;
    if (who == "county") return t.county_jiangshan;
    if (who == "enterprise") return t.enterprise_a;
    if (who == "coordinator") return t.coordinator;
    if (who == "bad") return "not-a-token";
    return "";
  }

  static HttpResult send(const Case& c, const std::string& accept_language) {
    Request r;
    r.method = c.method;
    r.target = c.target;
    r.token = token(c.who);
    r.body = c.body;
    r.content_type = c.content_type;
    if (!accept_language.empty()) r.headers["Accept-Language"] = accept_language;
    return http(server_->port(), r);
  }

  static TestServer* server_;
};

TestServer* LanguageTest::server_ = nullptr;

std::string problem_with(const std::string& member) {
  return std::string("{\"id\":\"p-lang\",\"enterprise\":\"") + kEnterpriseA +
         "\",\"county\":\"江山市\",\"title\":\"轴承异响\",\"description\":\"高速运转时异响明显\"" +
         (member.empty() ? "" : "," + member) + "}";
}

std::string expert_with(const std::string& member) {
  return "{\"id\":\"e-lang\",\"name\":\"李明\"" + (member.empty() ? "" : "," + member) + "}";
}

const std::vector<Case>& cases() {
  static const std::vector<Case> kCases = {
      // The validators' field reasons (corpus/exchange_format.cpp), as the API's 422.
      {"urgency not an integer", 422, "POST", "/api/v1/problems",
       problem_with("\"urgency\":\"high\""), "", "admin",
       "必须是 1 到 5 之间的整数，收到的是 \"high\"",
       "must be an integer from 1 to 5, got \"high\""},
      {"urgency out of range", 422, "POST", "/api/v1/problems", problem_with("\"urgency\":9"), "",
       "admin", "必须是 1 到 5 之间的整数，收到的是 9", "must be an integer from 1 to 5, got 9"},
      {"title missing", 422, "POST", "/api/v1/problems",
       std::string("{\"id\":\"p-lang\",\"enterprise\":\"") + kEnterpriseA +
           "\",\"county\":\"江山市\",\"description\":\"d\"}",
       "", "admin", "必须填写", "is required"},
      {"title blank", 422, "POST", "/api/v1/problems",
       std::string("{\"id\":\"p-lang\",\"enterprise\":\"") + kEnterpriseA +
           "\",\"county\":\"江山市\",\"title\":\"  \",\"description\":\"d\"}",
       "", "admin", "不能为空", "must not be empty"},
      {"keywords not a list", 422, "POST", "/api/v1/problems", problem_with("\"keywords\":5"), "",
       "admin", "必须是文字列表，收到的是 5", "must be an array of strings, got 5"},
      {"submitted not a date", 422, "POST", "/api/v1/problems",
       problem_with("\"submitted\":\"2024-13-01\""), "", "admin",
       "必须是 YYYY-MM-DD 格式的日期，收到的是“2024-13-01”",
       "must be a date YYYY-MM-DD, got \"2024-13-01\""},
      {"bad id", 422, "POST", "/api/v1/experts", "{\"id\":\"a b\",\"name\":\"李明\"}", "", "admin",
       "必须是 1 到 64 个字符，只能用 A-Z a-z 0-9 . _ ~ -，收到的是“a b”",
       "must be 1-64 characters of A-Z a-z 0-9 . _ ~ -, got \"a b\""},
      {"birth year", 422, "POST", "/api/v1/experts", expert_with("\"birth_year\":1800"), "",
       "admin", "必须是 1900 到 2100 之间的年份（整数），收到的是 1800",
       "must be an integer year from 1900 to 2100, got 1800"},
      {"capacity not a number", 422, "POST", "/api/v1/experts", expert_with("\"capacity\":\"x\""),
       "", "admin", "", ""},
      {"available not a boolean", 422, "POST", "/api/v1/experts",
       expert_with("\"available\":\"yes\""), "", "admin", "只能是 true 或 false，收到的是 \"yes\"",
       "must be true or false, got \"yes\""},
      {"work kind", 422, "POST", "/api/v1/experts",
       expert_with("\"works\":[{\"kind\":\"poem\",\"title\":\"t\"}]"), "", "admin", "", ""},
      {"works not a list", 422, "POST", "/api/v1/experts", expert_with("\"works\":{}"), "", "admin",
       "", ""},
      // Counties and enterprises.
      {"unknown county", 422, "POST", "/api/v1/problems",
       std::string("{\"id\":\"p-lang\",\"enterprise\":\"") + kEnterpriseA +
           "\",\"county\":\"江山\",\"title\":\"t\",\"description\":\"d\"}",
       "", "admin", "没有“江山”这个县（市、区），您是不是要找“江山市”？",
       "unknown county \"江山\"; did you mean \"江山市\"?"},
      {"enterprise in another county", 422, "POST", "/api/v1/problems",
       std::string("{\"id\":\"p-lang\",\"enterprise\":\"") + kEnterpriseA +
           "\",\"county\":\"龙游县\",\"title\":\"t\",\"description\":\"d\"}",
       "", "admin", "", ""},
      {"enterprise registered twice", 409, "POST", "/api/v1/enterprises",
       std::string("{\"name\":\"") + kEnterpriseA + "\",\"county\":\"江山市\"}", "", "admin",
       std::string("企业“") + kEnterpriseA + "”已登记",
       std::string("enterprise \"") + kEnterpriseA + "\" is already registered"},
      {"enterprise of another county", 403, "POST", "/api/v1/enterprises",
       "{\"name\":\"新企业\",\"county\":\"龙游县\"}", "", "county", "县区只能登记“江山市”的企业",
       "a county token registers enterprises of \"江山市\" only"},
      {"enterprise name missing", 422, "POST", "/api/v1/enterprises", "{\"county\":\"江山市\"}", "",
       "admin", "", ""},
      // Ledgers.
      {"ledger of an unknown county", 422, "GET", "/api/v1/counties/%E6%B1%9F%E5%B1%B1/ledger", "",
       "", "admin", "", ""},
      {"ledger of another county", 403, "GET",
       "/api/v1/counties/%E9%BE%99%E6%B8%B8%E5%8E%BF/ledger", "", "", "county",
       "只能查看“江山市”的台账", "reads the ledger of \"江山市\" only"},
      {"enterprise reads a ledger", 403, "GET", "/api/v1/ledger", "", "", "enterprise",
       "企业不能查看台账", "enterprise tokens read no ledgers"},
      {"ledger format", 400, "GET", "/api/v1/ledger?format=pdf", "", "", "admin",
       "参数 format 只能是 json、xlsx 或 csv，收到的是“pdf”",
       "format must be json, xlsx or csv, got \"pdf\""},
      // Reviews, transitions, plans.
      {"review decision", 422, "POST", "/api/v1/problems/p-a1/reviews",
       "{\"expert_id\":\"e-bearing\",\"decision\":\"maybe\"}", "", "coordinator",
       "只能是 accept 或 reject，收到的是“maybe”",
       "must be \"accept\" or \"reject\", got \"maybe\""},
      {"reject without a note", 422, "POST", "/api/v1/problems/p-a1/reviews",
       "{\"expert_id\":\"e-bearing\",\"decision\":\"reject\"}", "", "coordinator", "", ""},
      {"review of an unknown expert", 422, "POST", "/api/v1/problems/p-a1/reviews",
       "{\"expert_id\":\"e-none\",\"decision\":\"accept\"}", "", "coordinator",
       "没有编号为“e-none”的专家", "no expert with id \"e-none\""},
      {"status set to matched", 422, "POST", "/api/v1/problems/p-a1/status",
       "{\"status\":\"matched\"}", "", "county", "", ""},
      {"solved without an expert", 422, "POST", "/api/v1/problems/p-a1/status",
       "{\"status\":\"solved\"}", "", "county", "已解决的难题需要写明结果：做了什么、由谁、何时",
       "a solved problem needs its outcome: what was done, by whom, when"},
      {"in progress without an expert", 409, "POST", "/api/v1/problems/p-a1/status",
       "{\"status\":\"in_progress\"}", "", "county", "难题“p-a1”还没有采纳的专家，请先采纳一位",
       "problem \"p-a1\" has no accepted expert yet: accept one first"},
      {"team too large", 422, "POST", "/api/v1/counties/%E6%B1%9F%E5%B1%B1%E5%B8%82/plans",
       "{\"team_size\":20}", "", "county", "", ""},
      {"no such plan", 404, "POST", "/api/v1/plans/999/approve", "{}", "", "county",
       "没有编号为 999 的方案", "no plan with id 999"},
      {"put missing fields", 422, "PUT", "/api/v1/problems/p-a1", "{\"title\":\"只改标题\"}", "",
       "admin", "", ""},
      {"no such problem", 404, "GET", "/api/v1/problems/p-none", "", "", "admin",
       "没有编号为“p-none”的难题", "no problem with id \"p-none\""},
      // The request itself.
      {"not JSON", 400, "POST", "/api/v1/problems", "{\"title\":", "", "admin", "", ""},
      {"duplicate key", 422, "POST", "/api/v1/problems", "{\"title\":\"a\",\"title\":\"b\"}", "",
       "admin", "在同一个对象中出现了不止一次", "appears more than once in the object"},
      {"too deep", 400, "POST", "/api/v1/match", std::string(70, '[') + std::string(70, ']'), "",
       "admin", "请求内容嵌套超过 64 层", "the body is nested deeper than 64 levels"},
      {"wrong media type", 415, "POST", "/api/v1/problems", "title=x", "text/plain", "admin", "",
       ""},
      {"unknown query parameter", 400, "GET", "/api/v1/problems?page_size=5", "", "", "admin", "",
       ""},
      {"query out of range", 400, "GET", "/api/v1/problems?limit=0", "", "", "admin", "", ""},
      {"no route", 404, "GET", "/api/v1/nothing", "", "", "admin", "没有这个地址：/api/v1/nothing",
       "no such resource: /api/v1/nothing"},
      {"method not allowed", 405, "DELETE", "/api/v1/problems", "", "", "admin", "", ""},
      {"no credentials", 401, "GET", "/api/v1/problems", "", "", "none", "", ""},
      {"bad token", 401, "GET", "/api/v1/problems", "", "", "bad", "令牌无效",
       "the token is not valid"},
      {"admin route", 403, "GET", "/api/v1/skipped-records", "", "", "county", "", ""},
      {"bad percent escape", 400, "GET", "/api/v1/problems/%zz", "", "", "admin",
       "路径中的百分号转义有误", "the path has a malformed percent-escape"},
  };
  return kCases;
}

TEST_F(LanguageTest, EveryErrorIsChineseByDefaultAndEnglishOnRequest) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    HttpResult zh = send(c, "");
    ASSERT_EQ(zh.status, c.status) << zh.body;
    EXPECT_EQ(zh.headers["content-language"], "zh");
    auto zh_texts = texts(zh);
    ASSERT_FALSE(zh_texts.empty()) << zh.body;
    for (const auto& t : zh_texts) {
      EXPECT_TRUE(has_cjk(t)) << "not Chinese: " << t;
      EXPECT_FALSE(has_raw_key(t)) << "a raw key: " << t;
      for (const char* stand_in : kStandIns) EXPECT_NE(t, stand_in) << "not in the catalogue";
    }
    if (!c.zh.empty())
      EXPECT_NE(std::find(zh_texts.begin(), zh_texts.end(), c.zh), zh_texts.end())
          << "expected " << c.zh << " in " << zh.body;

    HttpResult en = send(c, "en");
    ASSERT_EQ(en.status, c.status) << en.body;
    EXPECT_EQ(en.headers["content-language"], "en");
    auto en_texts = texts(en);
    ASSERT_EQ(en_texts.size(), zh_texts.size()) << en.body;
    for (size_t i = 0; i < en_texts.size(); ++i) {
      EXPECT_NE(en_texts[i], zh_texts[i]);
      EXPECT_TRUE(has_english(en_texts[i]) || en_texts[i].find(' ') != std::string::npos)
          << "not English: " << en_texts[i];
      EXPECT_FALSE(has_raw_key(en_texts[i])) << "a raw key: " << en_texts[i];
    }
    if (!c.en.empty())
      EXPECT_NE(std::find(en_texts.begin(), en_texts.end(), c.en), en_texts.end())
          << "expected " << c.en << " in " << en.body;
  }
}

// A JSON Lines import: each refused line is a detail with its line, in the
// caller's language.
TEST_F(LanguageTest, ImportErrorsNameTheLineInTheCallersLanguage) {
  std::string body = problem_with("\"urgency\":\"high\"") + "\n" + "[1]\n";
  Case c{"import", 422, "POST", "/api/v1/import/problems", body, "application/x-ndjson",
         "admin",  "",  ""};
  HttpResult zh = send(c, "");
  ASSERT_EQ(zh.status, 422) << zh.body;
  auto d = zh.json();
  const auto& details = d["error"]["details"];
  ASSERT_EQ(details.Size(), 2u) << zh.body;
  EXPECT_EQ(details[0]["line"].GetInt(), 1);
  EXPECT_STREQ(details[0]["field"].GetString(), "urgency");
  EXPECT_STREQ(details[0]["reason"].GetString(), "必须是 1 到 5 之间的整数，收到的是 \"high\"");
  EXPECT_EQ(details[1]["line"].GetInt(), 2);
  EXPECT_STREQ(details[1]["reason"].GetString(), "必须是一个 JSON 对象，收到的是 [1]");
  HttpResult en = send(c, "en-US,en;q=0.9");
  auto e = en.json();
  EXPECT_STREQ(e["error"]["details"][1]["reason"].GetString(), "must be a JSON object, got [1]");
}

// Answers the HTTP layer gives before any handler runs: too large, a bad
// head. The language comes from the head's own Accept-Language line.
TEST_F(LanguageTest, TheHttpLayersOwnAnswersAreInTheCallersLanguage) {
  struct Raw {
    const char* name;
    std::string head;  // without Accept-Language and the final CRLF
    int status;
    const char* zh;
    const char* en;
  } raws[] = {
      {"body over the limit",
       "POST /api/v1/problems HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
       "Content-Length: 99999999\r\n",
       413, nullptr, nullptr},
      {"header block too large",
       "GET /api/v1/problems HTTP/1.1\r\nHost: x\r\nX-Filler: " + std::string(9000, 'a') + "\r\n",
       431, "请求头太大", "the request header block is too large"},
      {"obs-fold", "GET /healthz HTTP/1.1\r\nHost: x\r\nX-A: a\r\n  folded\r\n", 400,
       "头字段行以空白开头（不接受折行）",
       "a field line starts with whitespace (obs-fold is not accepted)"},
      {"two hosts", "GET /healthz HTTP/1.1\r\nHost: x\r\nHost: y\r\n", 400, "Host 头字段不止一个",
       "more than one Host field"},
  };
  for (const auto& r : raws) {
    SCOPED_TRACE(r.name);
    for (bool english : {false, true}) {
      RawConnection conn(server_->port());
      ASSERT_TRUE(conn.connected());
      std::string head = r.head;
      // Accept-Language first, so a head refused before it is whole has it too.
      if (english) head.insert(head.find("\r\n") + 2, "Accept-Language: en\r\n");
      ASSERT_TRUE(conn.send(head + "\r\n"));
      HttpResult got = conn.read_response();
      ASSERT_EQ(got.status, r.status) << got.body;
      std::string m = message(got);
      EXPECT_EQ(got.headers["content-language"], english ? "en" : "zh");
      EXPECT_FALSE(has_raw_key(m)) << m;
      if (english) {
        EXPECT_TRUE(has_english(m)) << m;
        if (r.en) EXPECT_EQ(m, r.en);
      } else {
        EXPECT_TRUE(has_cjk(m)) << m;
        if (r.zh) EXPECT_EQ(m, r.zh);
      }
    }
  }
}

// Words in successful answers: where a problem stands, and the notes the
// service writes into its history.
TEST_F(LanguageTest, StandingAndHistoryNotesFollowTheLanguage) {
  // The coordinator accepts e-bearing for p-a1: a note goes into the history.
  Request accept;
  accept.method = "POST";
  accept.target = "/api/v1/problems/p-a2/reviews";
  accept.token = server_->tokens().coordinator;
  accept.body = "{\"expert_id\":\"e-bearing\",\"decision\":\"accept\",\"note\":\"合适\"}";
  HttpResult a = http(server_->port(), accept);
  ASSERT_EQ(a.status, 201) << a.body;

  Request get_problem;
  get_problem.target = "/api/v1/problems/p-a2";
  get_problem.token = server_->tokens().admin;
  auto zh = http(server_->port(), get_problem).json();
  std::string standing_zh = zh["standing"]["message"].GetString();
  EXPECT_EQ(standing_zh.rfind("已为您确定专家：", 0), 0u) << standing_zh;
  get_problem.headers["Accept-Language"] = "en";
  auto en = http(server_->port(), get_problem).json();
  std::string standing_en = en["standing"]["message"].GetString();
  EXPECT_EQ(standing_en.rfind("Expert(s) confirmed for you: ", 0), 0u) << standing_en;

  Request history;
  history.target = "/api/v1/problems/p-a2/history";
  history.token = server_->tokens().admin;
  auto hz = http(server_->port(), history).json();
  ASSERT_TRUE(hz.IsObject() && hz.HasMember("items") && hz["items"].Size() >= 1) << "history";
  // The transition to "matched" the acceptance made.
  auto note_of = [](const rapidjson::Document& d) {
    for (const auto& t : d["items"].GetArray())  // status changes beside the reviews
      if (std::string(t["kind"].GetString()) == "status" &&
          std::string(t["to"].GetString()) == "matched")
        return std::string(t["note"].GetString());
    return std::string("<no transition to matched>");
  };
  std::string note_zh = note_of(hz);
  EXPECT_EQ(note_zh.rfind("采纳了专家 ", 0), 0u) << note_zh;
  // The expert by name only: the record is the enterprise's to read (a new
  // user read "采纳了专家 孔德昭（zjut-023）"; the id stays in the JSON fields).
  EXPECT_EQ(note_zh.find("e-bearing"), std::string::npos) << note_zh;
  history.headers["Accept-Language"] = "en";
  auto he = http(server_->port(), history).json();
  std::string note_en = note_of(he);
  EXPECT_EQ(note_en.rfind("accepted ", 0), 0u) << note_en;
  EXPECT_EQ(note_en.find("e-bearing"), std::string::npos) << note_en;
}

// The pages' words come from the same catalogue; the icon is ours.
TEST_F(LanguageTest, ThePagesWordsAndIconAreServed) {
  Request r;
  r.target = "/web/messages/zh";
  auto zh = http(server_->port(), r);
  ASSERT_EQ(zh.status, 200) << zh.body;
  auto z = zh.json();
  EXPECT_STREQ(z["messages"]["nav.bank"].GetString(), "难题库");
  r.target = "/web/messages/en";
  auto e = http(server_->port(), r).json();
  EXPECT_STREQ(e["messages"]["nav.bank"].GetString(), "Problem bank");
  EXPECT_EQ(z["messages"].MemberCount(), e["messages"].MemberCount());
  r.target = "/?lang=en";  // the pages' own parameter
  EXPECT_EQ(http(server_->port(), r).status, 200);
  r.target = "/web/messages/fr";
  EXPECT_EQ(http(server_->port(), r).status, 404);
  r.target = "/favicon.ico";
  auto icon = http(server_->port(), r);
  EXPECT_EQ(icon.status, 200);
  EXPECT_EQ(icon.headers["content-type"], "image/x-icon");
  ASSERT_GE(icon.body.size(), 6u);
  EXPECT_EQ(icon.body.substr(0, 4), std::string("\0\0\1\0", 4));  // an ICO header
}

}  // namespace
}  // namespace expertmatch::apitest
