// Issue 10, availability faults found by an attack trial on main (8eb8288),
// each kept as a test through the real server: a list search whose cost grew
// with repeated words while writers waited (F1), plan drafts without end that
// every ledger and plan list read whole (F3), and an open-problem quota that a
// create-then-withdraw loop and a county registering enterprises without end
// went around (F4). Work is asserted bounded by counts, limits and statuses,
// never by time.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "api/config.h"
#include "api/service.h"
#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

const std::string kJiangshanPlans = "/api/v1/counties/%E6%B1%9F%E5%B1%B1%E5%B8%82/plans";  // 江山市
const std::string kLongyouPlans = "/api/v1/counties/%E9%BE%99%E6%B8%B8%E5%8E%BF/plans";  // 龙游县

// A GET in English, so that messages can be compared.
HttpResult get_en(unsigned short port, const std::string& target, const std::string& token) {
  Request r;
  r.target = target;
  r.token = token;
  r.headers["Accept-Language"] = "en";
  return http(port, r);
}

HttpResult post_en(unsigned short port, const std::string& target, const std::string& token,
                   const std::string& body) {
  Request r;
  r.method = "POST";
  r.target = target;
  r.token = token;
  r.body = body;
  r.headers["Accept-Language"] = "en";
  return http(port, r);
}

int total_of(const HttpResult& r) {
  auto d = r.json();
  return d.IsObject() && d.HasMember("total") ? d["total"].GetInt() : -1;
}

std::string first_id(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("items") || d["items"].Empty()) return "";
  return d["items"][0]["id"].GetString();
}

// `word` `times` times, joined by '+' (a space in a query string).
std::string repeated(const std::string& word, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += (i ? "+" : "") + word;
  return out;
}

// ---- F1: list search ----------------------------------------------------------------

// The attack: a problem whose description is "z" x 65,000 then "q", then a
// search for "zq" 5,000 times (15 KB of URL) took 5.5 s under the lock every
// writer needs. A repeated word is one condition: it finds the record once.
TEST(AvailabilitySearchTest, RepeatedWordsAreOneConditionOnTheProblemList) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->body_limit_bytes = 1 << 20;
    c->header_limit_bytes = 16 << 10;  // the default: the attack's URL fits
  });
  const Tokens& t = server.tokens();
  const std::string body =
      R"({"title": "长文", "description": ")" + std::string(65000, 'z') + "q\"}";
  auto made = post(server.port(), "/api/v1/problems", t.enterprise_a, body);
  ASSERT_EQ(made.status, 201) << made.body.substr(0, 300);
  const std::string id = made.json()["id"].GetString();
  const std::string q = repeated("zq", 5000);
  ASSERT_GT(q.size(), 14000u);
  auto found = get(server.port(), "/api/v1/problems?limit=1&q=" + q, t.enterprise_a);
  ASSERT_EQ(found.status, 200) << found.body.substr(0, 300);
  EXPECT_EQ(total_of(found), 1);
  EXPECT_EQ(first_id(found), id);
  // Another county's write goes through meanwhile and after.
  auto other = post(server.port(), "/api/v1/problems", t.county_longyou,
                    new_problem_body("", kEnterpriseB, "龙游县", "纸机断纸"));
  EXPECT_EQ(other.status, 201) << other.body;
  // Words absent from the record find nothing; the record's own word does.
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?q=zq+%E8%BD%B4%E6%89%BF",  // zq 轴承
                         t.enterprise_a)),
            0);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?q=%E9%95%BF%E6%96%87",  // 长文
                         t.enterprise_a)),
            1);
}

TEST(AvailabilitySearchTest, TooManyOrTooLongWordsAre400NamingQ) {
  TestServer server;
  const Tokens& t = server.tokens();
  for (const char* list : {"/api/v1/problems", "/api/v1/experts"}) {
    SCOPED_TRACE(list);
    // 17 different words: one over kMaxSearchWords.
    std::string many;
    for (int i = 0; i < 17; ++i) many += (i ? "+w" : "w") + std::to_string(i);
    auto over = get_en(server.port(), std::string(list) + "?q=" + many, t.county_jiangshan);
    EXPECT_EQ(over.status, 400) << over.body;
    EXPECT_EQ(field_of(over), "q");
    EXPECT_EQ(message_of(over), "has more than 16 different words; search with fewer");
    // 16 are searched (none of them occurs).
    std::string sixteen;
    for (int i = 0; i < 16; ++i) sixteen += (i ? "+w" : "w") + std::to_string(i);
    auto ok = get(server.port(), std::string(list) + "?q=" + sixteen, t.county_jiangshan);
    EXPECT_EQ(ok.status, 200) << ok.body;
    EXPECT_EQ(total_of(ok), 0);
    // 17 words of which two are the same are 16 different words.
    auto same = get(server.port(), std::string(list) + "?q=" + sixteen + "+w3", t.county_jiangshan);
    EXPECT_EQ(same.status, 200) << same.body;
    // A word of 257 bytes: one over kMaxSearchWordBytes; 256 are searched.
    auto long_word = get_en(server.port(), std::string(list) + "?q=" + std::string(257, 'z'),
                            t.county_jiangshan);
    EXPECT_EQ(long_word.status, 400) << long_word.body;
    EXPECT_EQ(field_of(long_word), "q");
    EXPECT_EQ(message_of(long_word), "has a word of 257 bytes; a search word has at most 256");
    EXPECT_EQ(
        get(server.port(), std::string(list) + "?q=" + std::string(256, 'z'), t.county_jiangshan)
            .status,
        200);
    // Found by an attack trial: at 64 bytes a Chinese phrase of 22 characters
    // (a pasted title, one word since it has no spaces) was a 400. 25 of them
    // (75 bytes, percent-encoded here) are searched.
    std::string phrase;
    for (int i = 0; i < 25; ++i) phrase += "%E8%BD%B4";  // 轴
    EXPECT_EQ(get(server.port(), std::string(list) + "?q=" + phrase, t.county_jiangshan).status,
              200);
  }
  EXPECT_EQ(api::kMaxSearchWords, 16u);
  EXPECT_EQ(api::kMaxSearchWordBytes, 256u);
}

// A county made a 510 KB expert; another county's search for "zq" x 1,000
// took 9.4 s and another tenant's write waited behind it.
TEST(AvailabilitySearchTest, RepeatedWordsAreOneConditionOnTheExpertList) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->body_limit_bytes = 1 << 20;
    c->header_limit_bytes = 16 << 10;
  });
  const Tokens& t = server.tokens();
  std::string body = R"({"id": "e-big", "name": "大专家", "counties": ["江山市"], "works": [)";
  for (int i = 0; i < 8; ++i)
    body += std::string(i ? "," : "") + R"({"title": "t)" + std::to_string(i) +
            R"(", "abstract": ")" + std::string(63000, 'z') + "q\"}";
  body += "]}";
  ASSERT_GT(body.size(), 500000u);
  auto made = post(server.port(), "/api/v1/experts", t.county_jiangshan, body);
  ASSERT_EQ(made.status, 201) << made.body.substr(0, 300);
  auto found =
      get(server.port(), "/api/v1/experts?limit=1&q=" + repeated("zq", 1000), t.county_longyou);
  ASSERT_EQ(found.status, 200) << found.body.substr(0, 300);
  EXPECT_EQ(total_of(found), 1);
  EXPECT_EQ(first_id(found), "e-big");
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.enterprise_b,
                 R"({"title": "纸机断纸", "description": "湿部断纸频繁"})")
                .status,
            201);
}

// Each record's search text is made when it is written: a change, an import
// and a restart are all searched as they now read.
TEST(AvailabilitySearchTest, TheSearchTextFollowsEveryWrite) {
  TestServer server;
  const Tokens& t = server.tokens();
  const std::string old_word = "%E7%A3%A8%E5%89%8A%E7%83%A7%E4%BC%A4";  // 磨削烧伤
  const std::string new_word = "%E6%BC%8F%E6%B2%B9%E4%B8%A5%E9%87%8D";  // 漏油严重
  auto made = post(server.port(), "/api/v1/problems", t.enterprise_a,
                   R"({"title": "轴承磨削烧伤", "description": "磨削后表面发蓝"})");
  ASSERT_EQ(made.status, 201) << made.body;
  const std::string id = made.json()["id"].GetString();
  auto mine = [&](const std::string& word) {
    return total_of(get(server.port(),
                        "/api/v1/problems?enterprise=" +
                            std::string("%E6%B1%9F%E5%B1%B1%E6%81%92%E9%94%90%E8%BD%B4"
                                        "%E6%89%BF%E6%9C%89%E9%99%90%E5%85%AC%E5%8F%B8") +
                            "&q=" + word,
                        t.admin));
  };
  const int before = mine(old_word);
  ASSERT_GE(before, 1);
  auto patched =
      send(server.port(), "PATCH", "/api/v1/problems/" + id, t.enterprise_a,
           R"({"title": "减速机", "description": "漏油严重"})", "application/merge-patch+json");
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_EQ(mine(old_word), before - 1);
  EXPECT_EQ(mine(new_word), 1);
  // An imported expert is searched as imported.
  Request imp;
  imp.method = "POST";
  imp.target = "/api/v1/import/experts";
  imp.token = t.admin;
  imp.content_type = "application/x-ndjson";
  imp.body = R"({"id": "e-imported", "name": "导入专家", "bio": "研究漏油严重的密封件"})"
             "\n";
  ASSERT_EQ(http(server.port(), imp).status, 200);
  auto experts = get(server.port(), "/api/v1/experts?q=" + new_word, t.county_jiangshan);
  EXPECT_EQ(total_of(experts), 1) << experts.body;
  EXPECT_EQ(first_id(experts), "e-imported");
  // After a restart the texts are made from the store.
  server.restart();
  EXPECT_EQ(mine(new_word), 1);
  EXPECT_EQ(mine(old_word), before - 1);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/experts?q=" + new_word, t.county_jiangshan)), 1);
}

// Lists share the ranking requests' per-caller bound (ranking_per_caller):
// a flood of searches from one caller cannot fill the handler pool.
TEST(AvailabilitySearchTest, OneCallersListsAreBoundedAndOthersGoOn) {
  TestServer server;  // worker_threads 2: one ranking or list at once per caller
  const Tokens& t = server.tokens();
  api::ExpensiveSlots::Refusal why;
  auto held = server.server().ranking().try_acquire("county:江山市", &why);
  ASSERT_TRUE(held);
  for (const char* list : {"/api/v1/problems?q=x", "/api/v1/experts?q=x", "/api/v1/problems"}) {
    SCOPED_TRACE(list);
    auto busy = get(server.port(), list, t.county_jiangshan);
    EXPECT_EQ(busy.status, 429) << busy.body;
    EXPECT_EQ(busy.error_code(), "too_many_requests");
    EXPECT_EQ(busy.headers["retry-after"], "5");
    // Another tenant is not bounded by 江山市's requests.
    EXPECT_EQ(get(server.port(), list, t.county_longyou).status, 200);
  }
  held.reset();
  EXPECT_EQ(get(server.port(), "/api/v1/problems?q=x", t.county_jiangshan).status, 200);
}

// ---- F3: plan drafts ----------------------------------------------------------------

// 3,032 drafts (159 MB) made a county's ledger take 3 s and others got 503.
// A county holds at most max_plan_drafts_per_county drafts (20); one more is
// 409 naming the cap; approving or discarding one makes room.
TEST(AvailabilityPlansTest, ACountysDraftsAreCappedAndListsReadOnlyTheirCounty) {
  TestServer server;
  const Tokens& t = server.tokens();
  std::vector<long long> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})");
    ASSERT_EQ(r.status, 201) << i << ": " << r.body.substr(0, 300);
    ids.push_back(r.json()["id"].GetInt64());
  }
  auto over = post_en(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})");
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_EQ(over.error_code(), "conflict");
  EXPECT_EQ(message_of(over),
            "江山市 already has 20 draft plans, the most allowed (max_plan_drafts_per_county); "
            "approve or discard one first");
  // Another county is not held to 江山市's drafts.
  EXPECT_EQ(post(server.port(), kLongyouPlans, t.county_longyou, R"({"team_size": 1})").status,
            201);
  // The list has every plan of the county and only those; the page's
  // summaries come from the bodies read for that page.
  auto list = get(server.port(), kJiangshanPlans + "?limit=5&offset=2", t.county_jiangshan);
  ASSERT_EQ(list.status, 200) << list.body.substr(0, 300);
  auto d = list.json();
  EXPECT_EQ(d["total"].GetInt(), 20);
  ASSERT_EQ(d["items"].Size(), 5u);
  EXPECT_EQ(d["items"][0]["id"].GetInt64(), ids[17]);  // newest first
  for (const auto& item : d["items"].GetArray()) {
    EXPECT_STREQ(item["county"].GetString(), "江山市");
    EXPECT_TRUE(item.HasMember("summary") && item["summary"].IsString());
  }
  // Discarding one makes room for one.
  ASSERT_EQ(post(server.port(), "/api/v1/plans/" + std::to_string(ids[0]) + "/discard",
                 t.county_jiangshan, "")
                .status,
            200);
  EXPECT_EQ(post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})").status,
            201);
  EXPECT_EQ(post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})").status,
            409);
  // Approving one also makes room, and the ledger counts its key topics.
  auto approved = post(server.port(), "/api/v1/plans/" + std::to_string(ids[19]) + "/approve",
                       t.county_jiangshan, "");
  if (approved.status == 409) {  // stale after the discard: approve a fresh draft instead
    ASSERT_EQ(post(server.port(), "/api/v1/plans/" + std::to_string(ids[19]) + "/discard",
                   t.county_jiangshan, "")
                  .status,
              200);
    auto fresh = post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})");
    ASSERT_EQ(fresh.status, 201) << fresh.body.substr(0, 300);
    approved = post(server.port(),
                    "/api/v1/plans/" + std::to_string(fresh.json()["id"].GetInt64()) + "/approve",
                    t.county_jiangshan, "");
  }
  ASSERT_EQ(approved.status, 200) << approved.body.substr(0, 300);
  EXPECT_EQ(post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})").status,
            201);
  auto ledger =
      get(server.port(), "/api/v1/counties/%E6%B1%9F%E5%B1%B1%E5%B8%82/ledger", t.county_jiangshan);
  EXPECT_EQ(ledger.status, 200) << ledger.body.substr(0, 300);
}

TEST(AvailabilityPlansTest, TheDraftCapIsASetting) {
  TestServer server(false, [](api::ServerConfig* c) { c->max_plan_drafts_per_county = 2; });
  const Tokens& t = server.tokens();
  EXPECT_EQ(post(server.port(), kJiangshanPlans, t.county_jiangshan, R"({"team_size": 2})").status,
            201);
  EXPECT_EQ(post(server.port(), kJiangshanPlans, t.admin, R"({"team_size": 2})").status, 201);
  auto over = post_en(server.port(), kJiangshanPlans, t.admin, R"({"team_size": 2})");
  EXPECT_EQ(over.status, 409);
  EXPECT_NE(message_of(over).find("already has 2 draft plans"), std::string::npos) << over.body;
  EXPECT_EQ(total_of(get(server.port(), kJiangshanPlans, t.admin)), 2);
}

// ---- F4: problems and enterprises one caller can make the service hold -------------

std::string withdraw(unsigned short port, const std::string& token, const std::string& id) {
  auto r = post(port, "/api/v1/problems/" + id + "/withdraw", token, R"({"note": "已自行解决"})");
  return r.status == 200 ? "" : r.body;
}

// 100 POSTs, 96 withdrawn, then 5 more POSTs were all 201: create-then-
// withdraw added records without end. The open quota (100) still holds, and
// a day holds at most max_problems_per_enterprise_per_day (100) filings.
TEST(AvailabilityQuotaTest, WithdrawingDoesNotGiveBackTheDaysFilings) {
  TestServer server;  // defaults: 100 open, 100 filed a day
  const Tokens& t = server.tokens();
  const std::string body = R"({"title": "轴承磨削烧伤", "description": "磨削后表面发蓝"})";
  // Its two seeded problems out of the way: the enterprise starts with none open.
  for (const char* seeded : {"p-a1", "p-a2"})
    ASSERT_EQ(withdraw(server.port(), t.enterprise_a, seeded), "");
  std::vector<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto r = post(server.port(), "/api/v1/problems", t.enterprise_a, body);
    ASSERT_EQ(r.status, 201) << i << ": " << r.body;
    ids.push_back(r.json()["id"].GetString());
  }
  auto open_over = post_en(server.port(), "/api/v1/problems", t.enterprise_a, body);
  EXPECT_EQ(open_over.status, 409);
  EXPECT_NE(message_of(open_over).find("already has 100 open problems"), std::string::npos)
      << open_over.body;
  for (int i = 0; i < 96; ++i) ASSERT_EQ(withdraw(server.port(), t.enterprise_a, ids[i]), "") << i;
  for (int i = 0; i < 5; ++i) {
    auto again = post_en(server.port(), "/api/v1/problems", t.enterprise_a, body);
    EXPECT_EQ(again.status, 409) << i << ": " << again.body;
    EXPECT_EQ(message_of(again),
              "\"江山恒锐轴承有限公司\" has filed 100 problems in the last 24 hours, withdrawn "
              "ones included, the most allowed (max_problems_per_enterprise_per_day); try again "
              "tomorrow");
  }
  // Nothing was stored: 100 filed, 4 of them open, plus the two seeded.
  auto all = get(server.port(), "/api/v1/problems?limit=500", t.enterprise_a);
  EXPECT_EQ(total_of(all), 102);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?status=open", t.enterprise_a)), 4);
  // Another enterprise files as before; admin is not held to the quota.
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.enterprise_b, body).status, 201);
  auto admin = post(server.port(), "/api/v1/problems", t.admin,
                    R"({"id": "q-admin", "enterprise": ")" + std::string(kEnterpriseA) +
                        R"(", "county": "江山市", "title": "轴承", "description": "d"})");
  EXPECT_EQ(admin.status, 201) << admin.body;
}

TEST(AvailabilityQuotaTest, TheDailyCapCountsFilingsForTheEnterpriseWhoeverFiles) {
  TestServer server(false,
                    [](api::ServerConfig* c) { c->max_problems_per_enterprise_per_day = 2; });
  const Tokens& t = server.tokens();
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.enterprise_a,
                 R"({"title": "异响", "description": "轴承异响"})")
                .status,
            201);
  // The county files for the same enterprise: the same count.
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.county_jiangshan,
                 new_problem_body("", kEnterpriseA, "江山市", "轴承发热"))
                .status,
            201);
  auto over = post_en(server.port(), "/api/v1/problems", t.county_jiangshan,
                      new_problem_body("", kEnterpriseA, "江山市", "轴承漏油"));
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_NE(message_of(over).find("has filed 2 problems in the last 24 hours"), std::string::npos);
  // An edit is not a filing.
  EXPECT_EQ(send(server.port(), "PATCH", "/api/v1/problems/p-a1", t.enterprise_a,
                 R"({"urgency": 2})", "application/merge-patch+json")
                .status,
            200);
}

// Withdrawn, solved and closed problems are never ranked: they leave the
// index (its vectors, in /metrics), and it does not grow with them.
TEST(AvailabilityQuotaTest, ProblemsNoLongerOpenLeaveTheIndex) {
  TestServer server;
  const Tokens& t = server.tokens();
  auto vectors = [&]() {
    auto m = get(server.port(), "/metrics", t.admin);
    const std::string name = "\nexpertmatch_index_vectors ";
    size_t at = m.body.find(name);
    return at == std::string::npos ? -1.0 : std::stod(m.body.substr(at + name.size()));
  };
  const double before = vectors();
  ASSERT_GT(before, 0);
  auto made = post(server.port(), "/api/v1/problems", t.enterprise_a,
                   R"({"title": "轴承磨削烧伤", "description": "磨削后表面发蓝"})");
  ASSERT_EQ(made.status, 201);
  const std::string id = made.json()["id"].GetString();
  EXPECT_EQ(vectors(), before + 1);
  ASSERT_EQ(withdraw(server.port(), t.enterprise_a, id), "");
  EXPECT_EQ(vectors(), before);
  ASSERT_EQ(withdraw(server.port(), t.enterprise_a, "p-a2"), "");
  EXPECT_EQ(vectors(), before - 1);
  // Not among any expert's matches; still listed for its enterprise.
  auto matches = get(server.port(), "/api/v1/experts/e-bearing/matches?k=100", t.admin);
  ASSERT_EQ(matches.status, 200) << matches.body;
  EXPECT_EQ(matches.body.find("\"" + id + "\""), std::string::npos);
  EXPECT_EQ(matches.body.find("\"p-a2\""), std::string::npos);
  auto listed = get(server.port(), "/api/v1/problems?status=withdrawn", t.enterprise_a);
  EXPECT_EQ(total_of(listed), 2);
  // After a restart the index is built without them too.
  server.restart();
  EXPECT_EQ(vectors(), before - 1);
}

// A county created experts without limit (an attack trial: 2,700 of 120 KB,
// the store at 257 MB, a restart of 165 s). Those the city has not confirmed
// count only in their county, but every start reads them:
// max_unconfirmed_experts_per_county bounds them, per county; admin's
// confirmation makes room.
TEST(AvailabilityQuotaTest, ACountysUnconfirmedExpertsAreCapped) {
  TestServer server(false, [](api::ServerConfig* c) { c->max_unconfirmed_experts_per_county = 2; });
  const Tokens& t = server.tokens();
  auto expert = [](const std::string& id, const char* county) {
    return R"({"id": ")" + id + R"(", "name": "新专家", "counties": [")" + county +
           R"("], "fields": ["轴承润滑"], "works": [{"title": "轴承润滑研究"}]})";
  };
  for (const char* id : {"u-1", "u-2"})
    ASSERT_EQ(
        post(server.port(), "/api/v1/experts", t.county_jiangshan, expert(id, "江山市")).status,
        201)
        << id;
  auto over =
      post_en(server.port(), "/api/v1/experts", t.county_jiangshan, expert("u-3", "江山市"));
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_EQ(message_of(over),
            "江山市 already has 2 experts awaiting the city's confirmation, the most allowed "
            "(max_unconfirmed_experts_per_county); ask the administrator to confirm some first");
  EXPECT_EQ(get(server.port(), "/api/v1/experts/u-3", t.admin).status, 404);
  // In Chinese by default.
  auto over_zh =
      post(server.port(), "/api/v1/experts", t.county_jiangshan, expert("u-3", "江山市"));
  EXPECT_EQ(over_zh.status, 409);
  EXPECT_NE(message_of(over_zh).find("待市里确认"), std::string::npos) << over_zh.body;
  // Another county is not held to 江山市's count; admin creates beyond it.
  EXPECT_EQ(
      post(server.port(), "/api/v1/experts", t.county_longyou, expert("u-4", "龙游县")).status,
      201);
  EXPECT_EQ(post(server.port(), "/api/v1/experts", t.admin, expert("u-5", "江山市")).status, 201);
  // Confirming one makes room.
  EXPECT_EQ(send(server.port(), "PATCH", "/api/v1/experts/u-1", t.admin, R"({"verified": true})",
                 "application/merge-patch+json")
                .status,
            200);
  EXPECT_EQ(
      post(server.port(), "/api/v1/experts", t.county_jiangshan, expert("u-3", "江山市")).status,
      201);
}

// A county registered enterprises without limit, through POST /enterprises
// or by filing a problem for a new name. max_enterprises_per_county bounds both.
TEST(AvailabilityQuotaTest, ACountysRegisteredEnterprisesAreCapped) {
  TestServer server(false, [](api::ServerConfig* c) { c->max_enterprises_per_county = 3; });
  const Tokens& t = server.tokens();
  auto registered = [&](const std::string& token) {
    auto r = get(server.port(), "/api/v1/enterprises", token);
    auto d = r.json();
    return d.IsObject() && d.HasMember("items") ? static_cast<int>(d["items"].Size()) : -1;
  };
  const int seeded = registered(t.county_jiangshan);
  ASSERT_GE(seeded, 1);
  ASSERT_LT(seeded, 3);
  for (int i = seeded; i < 3; ++i)
    ASSERT_EQ(post(server.port(), "/api/v1/enterprises", t.county_jiangshan,
                   R"({"name": "江山新企业)" + std::to_string(i) + R"(", "county": "江山市"})")
                  .status,
              201);
  auto over = post_en(server.port(), "/api/v1/enterprises", t.county_jiangshan,
                      R"({"name": "江山又一家", "county": "江山市"})");
  EXPECT_EQ(over.status, 409) << over.body;
  EXPECT_EQ(message_of(over),
            "江山市 already has 3 registered enterprises, the most allowed "
            "(max_enterprises_per_county); ask the administrator");
  // A problem naming a new enterprise would register it: refused alike, nothing stored.
  const int problems = total_of(get(server.port(), "/api/v1/problems", t.county_jiangshan));
  auto by_problem = post_en(server.port(), "/api/v1/problems", t.county_jiangshan,
                            new_problem_body("", "江山又一家", "江山市", "新难题"));
  EXPECT_EQ(by_problem.status, 409) << by_problem.body;
  EXPECT_NE(message_of(by_problem).find("max_enterprises_per_county"), std::string::npos);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems", t.county_jiangshan)), problems);
  EXPECT_EQ(registered(t.county_jiangshan), 3);
  // A registered enterprise still files; another county is not held to 江山市's count.
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.county_jiangshan,
                 new_problem_body("", "江山新企业2", "江山市", "新难题"))
                .status,
            201);
  EXPECT_EQ(post(server.port(), "/api/v1/enterprises", t.county_longyou,
                 R"({"name": "龙游新企业", "county": "龙游县"})")
                .status,
            201);
  // Admin is not held to it.
  EXPECT_EQ(post(server.port(), "/api/v1/enterprises", t.admin,
                 R"({"name": "江山又一家", "county": "江山市"})")
                .status,
            201);
}

}  // namespace
}  // namespace expertmatch::apitest
