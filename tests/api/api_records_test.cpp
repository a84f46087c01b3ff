// Records that are checked (issue 12), through the real server: counties from
// the configured list, registered enterprises, PUT that replaces and PATCH
// that merges, reactivation, unknown query parameters, search; and the
// operations around them: the access log, read-only CLI commands, the CLI and
// the API planning alike, serve binding its port first.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "corpus/store.h"
#include "tests/api/test_server.h"

#ifndef EXPERTMATCH_BINARY
#error "EXPERTMATCH_BINARY must name the built expertmatch binary"
#endif

namespace expertmatch::apitest {
namespace {

namespace fs = std::filesystem;

// URL-encoded county names.
const char* kJiangshanQ = "%E6%B1%9F%E5%B1%B1%E5%B8%82";  // 江山市

HttpResult patch(unsigned short port, const std::string& target, const std::string& token,
                 const std::string& body,
                 const std::string& type = "application/merge-patch+json") {
  Request r;
  r.method = "PATCH";
  r.target = target;
  r.token = token;
  r.body = body;
  r.content_type = type;
  return http(port, r);
}

std::set<std::string> ids_of(const HttpResult& r) {
  std::set<std::string> out;
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("items")) return {"<not a list: " + r.body + ">"};
  for (const auto& p : d["items"].GetArray()) out.insert(p["id"].GetString());
  return out;
}

std::string message(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("error")) return "<no error: " + r.body + ">";
  return d["error"]["message"].GetString();
}

std::string field(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("error")) return "<no error>";
  return d["error"]["field"].GetString();
}

std::string file_bytes(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class ApiRecordsTest : public ::testing::Test {
 protected:
  TestServer server_;
  unsigned short port() const { return server_.port(); }
  const Tokens& t() const { return server_.tokens(); }
  size_t problem_total() {
    return get(port(), "/api/v1/problems", t().admin).json()["total"].GetUint64();
  }
};

// ---- counties ------------------------------------------------------------------

TEST_F(ApiRecordsTest, CountiesComeFromTheConfiguredList) {
  auto r = get(port(), "/api/v1/counties", t().enterprise_a);
  ASSERT_EQ(r.status, 200) << r.body;
  std::vector<std::string> names;
  const rapidjson::Document r_doc = r.json();
  for (const auto& c : r_doc["items"].GetArray()) names.push_back(c["name"].GetString());
  EXPECT_EQ(names, (std::vector<std::string>{"柯城区", "衢江区", "龙游县", "江山市", "常山县",
                                             "开化县", "衢州智造新城"}));
}

TEST_F(ApiRecordsTest, UnknownCountyIs422WithTheNearestKnownName) {
  size_t before = problem_total();
  // The issue's example: "江山" is not a county; 江山市 is.
  auto r = post(port(), "/api/v1/problems", t().admin,
                new_problem_body("p-x1", "江山新企业", "江山", "轴承异响"));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(field(r), "county");
  EXPECT_EQ(message(r), "没有“江山”这个县（市、区），您是不是要找“江山市”？");
  // Padding is not the county either; 常山 means 常山县.
  r = post(port(), "/api/v1/problems", t().admin,
           new_problem_body("p-x2", "常山新企业", " 常山县 ", "轴承异响"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(message(r), "没有“ 常山县 ”这个县（市、区），您是不是要找“常山县”？");
  r = post(port(), "/api/v1/problems", t().admin,
           new_problem_body("p-x3", "常山新企业", "常山", "轴承异响"));
  EXPECT_EQ(message(r), "没有“常山”这个县（市、区），您是不是要找“常山县”？");
  // Nothing near: the known names are listed.
  r = post(port(), "/api/v1/problems", t().admin,
           new_problem_body("p-x4", "杭州企业", "杭州市", "轴承异响"));
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(message(r),
            "没有“杭州市”这个县（市、区）；可选的有：柯城区, 衢江区, 龙游县, 江山市, 常山县, "
            "开化县, 衢州智造新城");
  EXPECT_EQ(problem_total(), before);  // nothing stored
  // Experts' stations are checked the same way.
  Expert e = test_experts()[0];
  e.id = "e-new";
  e.counties = {"江山"};
  r = post(port(), "/api/v1/experts", t().admin, expert_json(e));
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(field(r), "counties[0]");
  EXPECT_EQ(get(port(), "/api/v1/experts/e-new", t().admin).status, 404);
  // Admin cannot plan a fake county.
  r = post(port(), "/api/v1/counties/%E6%B1%9F%E5%B1%B1/plans", t().admin, "");  // 江山
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(message(r), "没有“江山”这个县（市、区），您是不是要找“江山市”？");
}

TEST(ApiRecordsConfigTest, ASettingReplacesTheCountyList) {
  TestServer server(false, [](api::ServerConfig* c) { c->counties = "江山市, 龙游县"; });
  auto r = get(server.port(), "/api/v1/counties", server.tokens().admin);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.json()["items"].Size(), 2u);
  auto refused = post(server.port(), "/api/v1/problems", server.tokens().admin,
                      new_problem_body("p-k1", "柯城新企业", "柯城区", "划痕检测"));
  EXPECT_EQ(refused.status, 422) << refused.body;
  EXPECT_EQ(message(refused), "没有“柯城区”这个县（市、区）；可选的有：江山市, 龙游县");
  EXPECT_EQ(post(server.port(), "/api/v1/problems", server.tokens().admin,
                 new_problem_body("p-j1", "江山新企业", "江山市", "轴承异响"))
                .status,
            201);
}

// ---- enterprises ---------------------------------------------------------------

// Attack trial 9: a county's filings were learned from by the next refit
// (Problem::verified). What an enterprise or a county files is unconfirmed
// until the city confirms it; a non-admin's change of a confirmed problem's
// text unconfirms it; only an admin sets the flag.
TEST_F(ApiRecordsTest, OnlyTheCityConfirmsAProblem) {
  auto filed = post(port(), "/api/v1/problems", t().enterprise_a,
                    new_problem_body("", kEnterpriseA, "江山市", "轴承磨削后表面发黑"));
  ASSERT_EQ(filed.status, 201) << filed.body;
  const std::string id = filed.json()["id"].GetString();
  EXPECT_FALSE(filed.json()["verified"].GetBool());
  // Nobody but the city confirms it.
  auto self = send(port(), "PATCH", "/api/v1/problems/" + id, t().enterprise_a,
                   R"({"verified": true})", "application/merge-patch+json");
  EXPECT_EQ(self.status, 422) << self.body;
  EXPECT_EQ(field(self), "verified");
  // Said in words that name what to send (a new-user trial read "由服务设定").
  EXPECT_NE(message_of(self).find("是否确认由市里决定：请省略此项，或原样带回当前值 false"),
            std::string::npos)
      << self.body;
  auto county = post(
      port(), "/api/v1/problems", t().county_jiangshan,
      R"({"enterprise": ")" + std::string(kEnterpriseA) +
          R"(", "title": "轴承异响", "description": "装机以后有异响和振动", "verified": true})");
  EXPECT_EQ(county.status, 422) << county.body;
  EXPECT_FALSE(get(port(), "/api/v1/problems/" + id, t().admin).json()["verified"].GetBool());

  auto confirmed = send(port(), "PATCH", "/api/v1/problems/" + id, t().admin,
                        R"({"verified": true})", "application/merge-patch+json");
  ASSERT_EQ(confirmed.status, 200) << confirmed.body;
  EXPECT_TRUE(confirmed.json()["verified"].GetBool());
  // Sent back as it was read (GET then PUT), the flag is no change.
  auto urgency = send(port(), "PATCH", "/api/v1/problems/" + id, t().enterprise_a,
                      R"({"urgency": 2, "verified": true})", "application/merge-patch+json");
  ASSERT_EQ(urgency.status, 200) << urgency.body;
  EXPECT_TRUE(urgency.json()["verified"].GetBool());  // the text did not change
  auto reworded = send(port(), "PATCH", "/api/v1/problems/" + id, t().enterprise_a,
                       R"({"description": "外圈沟道磨削以后发黑发蓝，砂轮换过"})",
                       "application/merge-patch+json");
  ASSERT_EQ(reworded.status, 200) << reworded.body;
  EXPECT_FALSE(reworded.json()["verified"].GetBool());
  // The city finds what awaits its confirmation.
  auto waiting = get(port(), "/api/v1/problems?verified=false", t().admin);
  ASSERT_EQ(waiting.status, 200) << waiting.body;
  ASSERT_EQ(waiting.json()["total"].GetUint64(), 1u);
  EXPECT_EQ(std::string(waiting.json()["items"][0]["id"].GetString()), id);
  EXPECT_EQ(get(port(), "/api/v1/problems?verified=maybe", t().admin).status, 400);
  // Reworded again, and back to the text the city confirmed (attack trial
  // 11: an edit undone left it unconfirmed until admin came): confirmed.
  const std::string confirmed_description =
      confirmed.json()["description"].IsString() ? confirmed.json()["description"].GetString() : "";
  ASSERT_EQ(send(port(), "PATCH", "/api/v1/problems/" + id, t().enterprise_a,
                 R"({"description": "外圈发黑"})", "application/merge-patch+json")
                .status,
            200);
  rapidjson::StringBuffer back;
  rapidjson::Writer<rapidjson::StringBuffer> w(back);
  w.StartObject();
  w.Key("description");
  w.String(confirmed_description.c_str());
  w.EndObject();
  auto undone = send(port(), "PATCH", "/api/v1/problems/" + id, t().enterprise_a, back.GetString(),
                     "application/merge-patch+json");
  ASSERT_EQ(undone.status, 200) << undone.body;
  EXPECT_TRUE(undone.json()["verified"].GetBool()) << undone.body;
  EXPECT_EQ(get(port(), "/api/v1/problems?verified=false", t().admin).json()["total"].GetUint64(),
            0u);
  // An admin's filing and the imported records are confirmed.
  auto admin = post(port(), "/api/v1/problems", t().admin,
                    new_problem_body("p-admin-1", kEnterpriseA, "江山市", "轴承保持架断裂"));
  ASSERT_EQ(admin.status, 201) << admin.body;
  EXPECT_TRUE(admin.json()["verified"].GetBool());
  EXPECT_TRUE(get(port(), "/api/v1/problems/p-a1", t().admin).json()["verified"].GetBool());
}

TEST_F(ApiRecordsTest, EnterprisesAreRegisteredWithTheirCounty) {
  // 江山恒锐轴承有限公司 is registered in 江山市 (by its imported problems): a
  // problem filing it under 龙游县 would reach the wrong department.
  auto wrong = post(port(), "/api/v1/problems", t().admin,
                    new_problem_body("p-w1", kEnterpriseA, "龙游县", "轴承异响"));
  EXPECT_EQ(wrong.status, 422) << wrong.body;
  EXPECT_EQ(field(wrong), "county");
  EXPECT_EQ(message(wrong), "企业“江山恒锐轴承有限公司”登记在“江山市”，不是“龙游县”");

  // A county department registers a new enterprise with its first problem.
  auto first = post(port(), "/api/v1/problems", t().county_jiangshan,
                    new_problem_body("", "江山新材料有限公司", "江山市", "涂层脱落"));
  ASSERT_EQ(first.status, 201) << first.body;
  auto list =
      get(port(), "/api/v1/enterprises?county=" + std::string(kJiangshanQ), t().county_jiangshan);
  ASSERT_EQ(list.status, 200) << list.body;
  std::map<std::string, std::string> registered;
  const rapidjson::Document list_doc = list.json();
  for (const auto& e : list_doc["items"].GetArray())
    registered[e["name"].GetString()] = e["county"].GetString();
  EXPECT_EQ(registered, (std::map<std::string, std::string>{{kEnterpriseA, "江山市"},
                                                            {"江山新材料有限公司", "江山市"}}));
  // Another county's department sees its own enterprises only; an enterprise itself.
  auto longyou = get(port(), "/api/v1/enterprises", t().county_longyou);
  ASSERT_EQ(longyou.status, 200);
  ASSERT_EQ(longyou.json()["total"].GetUint64(), 1u) << longyou.body;
  EXPECT_STREQ(longyou.json()["items"][0]["name"].GetString(), kEnterpriseB);
  auto self = get(port(), "/api/v1/enterprises", t().enterprise_a);
  ASSERT_EQ(self.json()["total"].GetUint64(), 1u) << self.body;
  EXPECT_STREQ(self.json()["items"][0]["name"].GetString(), kEnterpriseA);

  // An enterprise's own submission without a county goes to its registered county.
  auto own = post(port(), "/api/v1/problems", t().enterprise_a,
                  R"({"title": "保持架断裂", "description": "高速运转后保持架断裂"})");
  ASSERT_EQ(own.status, 201) << own.body;
  EXPECT_STREQ(own.json()["county"].GetString(), "江山市");

  // Registering explicitly: a county department for its county only, names checked.
  auto reg = post(port(), "/api/v1/enterprises", t().county_longyou,
                  R"({"name": "龙游新纸业", "county": "龙游县"})");
  ASSERT_EQ(reg.status, 201) << reg.body;
  EXPECT_STREQ(reg.json()["county"].GetString(), "龙游县");
  EXPECT_EQ(post(port(), "/api/v1/enterprises", t().county_longyou,
                 R"({"name": "江山另一家", "county": "江山市"})")
                .status,
            403);
  EXPECT_EQ(post(port(), "/api/v1/enterprises", t().admin,
                 R"({"name": "龙游新纸业", "county": "龙游县"})")
                .status,
            409);
  auto fake =
      post(port(), "/api/v1/enterprises", t().admin, R"({"name": "某企业", "county": "龙游"})");
  EXPECT_EQ(fake.status, 422);
  EXPECT_EQ(message(fake), "没有“龙游”这个县（市、区），您是不是要找“龙游县”？");
  EXPECT_EQ(post(port(), "/api/v1/enterprises", t().enterprise_a,
                 R"({"name": "某企业", "county": "江山市"})")
                .status,
            403);
}

// Found by an attack trial: registrations compared names exactly while token
// scopes compare them normalised, so a county could register 龍游金昌特種紙業
// (a Traditional lookalike of 龙游县's 龙游金昌特种纸业) under itself, and
// 龙游金昌特种纸业's token then read and moved those problems. One enterprise
// has one registration however it is spelled.
TEST_F(ApiRecordsTest, ALookalikeNameIsTheSameEnterprise) {
  for (const std::string& lookalike :
       {std::string("龍游金昌特種紙業"), std::string(kEnterpriseB) + " ",
        std::string(kEnterpriseB) + "\u200b"}) {
    SCOPED_TRACE(lookalike);
    auto filed = post(port(), "/api/v1/problems", t().county_jiangshan,
                      new_problem_body("", lookalike, "江山市", "测试吸胶"));
    EXPECT_EQ(filed.status, 422) << filed.body;
    // The name is taken in the city; which county holds it is not 江山市's to learn.
    EXPECT_EQ(field(filed), "enterprise");
    auto reg = post(port(), "/api/v1/enterprises", t().admin,
                    R"({"name": ")" + lookalike + R"(", "county": "江山市"})");
    // A name holding an invisible character is refused as such (issue 10,
    // third round); the others are taken.
    EXPECT_EQ(reg.status, lookalike.find("\u200b") != std::string::npos ? 422 : 409) << reg.body;
  }
  // Nothing new reached the enterprise's own list.
  auto own = get(port(), "/api/v1/problems", t().enterprise_b);
  ASSERT_EQ(own.status, 200);
  EXPECT_EQ(own.json()["total"].GetInt(), 1) << own.body;
}

TEST(ApiRecordsEnterpriseTest, AnUnregisteredEnterpriseTokenCannotSubmit) {
  TestServer server;
  auto store = Store::open(server.dir());
  ASSERT_TRUE(store);
  // No such token is made today (issue 10: create_token refuses the scope)...
  auto refused = api::create_token(**store, api::Role::kEnterprise, "未登记企业");
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.status().field_errors().front().field, "scope");
  // ...but one stored by an older version still submits nothing.
  TokenRecord record;
  auto token = std::optional<std::string>(api::new_token());
  record.hash = api::token_hash(*token);
  record.role = "enterprise";
  record.scope = "未登记企业";
  ASSERT_TRUE((*store)->put_token(record));
  auto r = post(server.port(), "/api/v1/problems", *token,
                R"({"county": "江山市", "title": "异响", "description": "轴承异响"})");
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(field(r), "enterprise");
}

// ---- PUT replaces, PATCH merges -------------------------------------------------

TEST_F(ApiRecordsTest, PutOfAProblemNeverLosesSubmittedOrStatusAndRefusesMissingFields) {
  // The issue's example: a PUT without keywords (and without the date).
  auto partial = put(port(), "/api/v1/problems/p-a1", t().county_jiangshan,
                     R"({"enterprise": "江山恒锐轴承有限公司", "county": "江山市",
                         "title": "轴承外圈磨削后表面发黑", "description": "补充说明",
                         "urgency": 5})");
  EXPECT_EQ(partial.status, 422) << partial.body;
  std::set<std::string> missing;
  const rapidjson::Document partial_doc = partial.json();
  for (const auto& d : partial_doc["error"]["details"].GetArray())
    missing.insert(d["field"].GetString());
  EXPECT_EQ(missing, (std::set<std::string>{"industry", "keywords"}));
  auto unchanged = get(port(), "/api/v1/problems/p-a1", t().admin).json();
  EXPECT_STREQ(unchanged["description"].GetString(),
               "外圈沟道磨削以后表面发黑发蓝，怀疑磨削烧伤，砂轮和冷却液都换过");
  EXPECT_EQ(unchanged["keywords"].Size(), 2u);

  // The whole record, as GET shows it, minus the server's fields: they stay.
  auto whole = put(port(), "/api/v1/problems/p-a1", t().county_jiangshan,
                   R"({"enterprise": "江山恒锐轴承有限公司", "county": "江山市",
                       "industry": "滚动轴承制造", "title": "轴承外圈磨削后表面发黑",
                       "description": "补充说明", "keywords": ["轴承"], "urgency": 4})");
  ASSERT_EQ(whole.status, 200) << whole.body;
  auto d = whole.json();
  EXPECT_STREQ(d["submitted"].GetString(), "2026-03-05");
  EXPECT_STREQ(d["status"].GetString(), "submitted");
  EXPECT_STREQ(d["industry"].GetString(), "滚动轴承制造");
  EXPECT_EQ(d["urgency"].GetInt(), 4);

  // GET -> PUT round-trips; a status change is not an update's business.
  auto got = get(port(), "/api/v1/problems/p-a2", t().admin);
  EXPECT_EQ(put(port(), "/api/v1/problems/p-a2", t().admin, got.body).status, 200);
  std::string solved = got.body;
  const std::string was = "\"status\":\"submitted\"";
  solved.replace(solved.find(was), was.size(), "\"status\":\"solved\"");
  auto status_change = put(port(), "/api/v1/problems/p-a2", t().admin, solved);
  EXPECT_EQ(status_change.status, 422) << status_change.body;
  EXPECT_EQ(field(status_change), "status");
  EXPECT_STREQ(get(port(), "/api/v1/problems/p-a2", t().admin).json()["status"].GetString(),
               "submitted");
}

TEST_F(ApiRecordsTest, PatchOfAProblemChangesOnlyWhatItNames) {
  auto r = patch(port(), "/api/v1/problems/p-a1", t().county_jiangshan, R"({"urgency": 3})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  EXPECT_EQ(d["urgency"].GetInt(), 3);
  EXPECT_EQ(d["keywords"].Size(), 2u);
  EXPECT_STREQ(d["submitted"].GetString(), "2026-03-05");
  EXPECT_STREQ(d["title"].GetString(), "轴承外圈磨削后表面发黑");
  // null removes a member (RFC 7396): the keywords go, the date cannot.
  r = patch(port(), "/api/v1/problems/p-a1", t().admin,
            R"({"keywords": null, "submitted": null, "industry": "滚动轴承制造"})",
            "application/json");
  ASSERT_EQ(r.status, 200) << r.body;
  d = r.json();
  EXPECT_EQ(d["keywords"].Size(), 0u);
  EXPECT_STREQ(d["submitted"].GetString(), "2026-03-05");
  EXPECT_STREQ(d["industry"].GetString(), "滚动轴承制造");
  // Validated as a whole record: a bad value or another id changes nothing.
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().admin, R"({"urgency": 9})").status, 422);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().admin, R"({"id": "p-zz"})").status, 422);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().admin, R"({"county": "江山"})").status, 422);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().admin, R"({"status": "solved"})").status,
            422);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().admin, "{}", "text/plain").status, 415);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1", t().admin).json()["urgency"].GetInt(), 3);
  // Another enterprise's problem does not exist for it, whatever the body.
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().enterprise_b, R"({"urgency": 1})").status,
            404);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().enterprise_b, R"({"urgency": 9})").status,
            404);
  EXPECT_EQ(patch(port(), "/api/v1/problems/p-a1", t().coordinator, R"({"urgency": 1})").status,
            403);
}

TEST_F(ApiRecordsTest, PutOfAnExpertShapedLikeTheOldDocsExampleIsRefused) {
  // The old docs' example: it wiped works, bio, title and organisation and answered 200.
  auto r = put(port(), "/api/v1/experts/e-bearing", t().county_jiangshan,
               R"({"name": "张伟", "college": "机械工程学院", "fields": ["轴承"],
                   "counties": ["江山市"], "capacity": 2})");
  EXPECT_EQ(r.status, 422) << r.body;
  std::set<std::string> missing;
  const rapidjson::Document r_doc = r.json();
  for (const auto& d : r_doc["error"]["details"].GetArray()) missing.insert(d["field"].GetString());
  EXPECT_EQ(missing, (std::set<std::string>{"organization", "title", "birth_year", "bio", "works",
                                            "available", "conflicts"}));
  auto e = get(port(), "/api/v1/experts/e-bearing", t().admin).json();
  EXPECT_EQ(e["works"].Size(), 3u);
  EXPECT_STREQ(e["title"].GetString(), "教授");

  // PATCH changes what it names and keeps the rest. (e-bearing is stationed
  // in 柯城区 too: its capacity and bio are the city's, not 江山市's.)
  EXPECT_EQ(patch(port(), "/api/v1/experts/e-bearing", t().county_jiangshan,
                  R"({"capacity": 2, "bio": "轴承磨削专家"})")
                .status,
            403);
  auto p = patch(port(), "/api/v1/experts/e-bearing", t().admin,
                 R"({"capacity": 2, "bio": "轴承磨削专家"})");
  ASSERT_EQ(p.status, 200) << p.body;
  auto d = p.json();
  EXPECT_EQ(d["capacity"].GetInt(), 2);
  EXPECT_STREQ(d["bio"].GetString(), "轴承磨削专家");
  EXPECT_EQ(d["works"].Size(), 3u);
  EXPECT_STREQ(d["title"].GetString(), "教授");
  // GET -> PUT round-trips.
  auto got = get(port(), "/api/v1/experts/e-bearing", t().admin);
  EXPECT_EQ(put(port(), "/api/v1/experts/e-bearing", t().admin, got.body).status, 200);
  // County scope: 龙游县 may not patch an expert stationed elsewhere.
  EXPECT_EQ(
      patch(port(), "/api/v1/experts/e-bearing", t().county_longyou, R"({"bio": "x"})").status,
      403);
}

TEST_F(ApiRecordsTest, ADeactivatedExpertCanBeReactivated) {
  // e-bearing is shared by 江山市 and 柯城区: deactivating it is the city's.
  EXPECT_EQ(post(port(), "/api/v1/experts/e-bearing/deactivate", t().county_jiangshan, "").status,
            403);
  auto d = post(port(), "/api/v1/experts/e-bearing/deactivate", t().admin, "");
  ASSERT_EQ(d.status, 200);
  EXPECT_FALSE(d.json()["available"].GetBool());
  auto none = get(port(), "/api/v1/problems/p-a1/matches?k=10", t().admin);
  const rapidjson::Document none_doc = none.json();
  for (const auto& m : none_doc["matches"].GetArray())
    EXPECT_STRNE(m["expert_id"].GetString(), "e-bearing");
  EXPECT_EQ(post(port(), "/api/v1/experts/e-bearing/reactivate", t().enterprise_a, "").status, 403);
  EXPECT_EQ(post(port(), "/api/v1/experts/e-bearing/reactivate", t().county_longyou, "").status,
            403);
  EXPECT_EQ(post(port(), "/api/v1/experts/nobody/reactivate", t().admin, "").status, 404);
  EXPECT_EQ(post(port(), "/api/v1/experts/e-bearing/reactivate", t().county_jiangshan, "").status,
            403);
  auto r = post(port(), "/api/v1/experts/e-bearing/reactivate", t().admin, "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["available"].GetBool());
  EXPECT_EQ(r.json()["works"].Size(), 3u);
  auto back = get(port(), "/api/v1/problems/p-a1/matches?k=1", t().admin);
  EXPECT_STREQ(back.json()["matches"][0]["expert_id"].GetString(), "e-bearing") << back.body;
}

// ---- query parameters and search --------------------------------------------------

TEST_F(ApiRecordsTest, UnknownQueryParametersAre400) {
  // The demo's old suggested curl used page_size.
  auto r = get(port(), "/api/v1/problems?county=" + std::string(kJiangshanQ) + "&page_size=5",
               t().admin);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(field(r), "page_size");
  EXPECT_EQ(message(r),
            "不认识查询参数“page_size”；这个地址接受：offset limit q industry "
            "status enterprise county urgency min_urgency verified sort");
  EXPECT_EQ(get(port(), "/api/v1/experts?name=x", t().admin).status, 400);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches?limit=3", t().admin).status, 400);
  auto none = get(port(), "/api/v1/whoami?x=1", t().admin);
  EXPECT_EQ(none.status, 400);
  EXPECT_EQ(message(none), "不认识查询参数“x”；这个地址不接受任何参数");
  // One paging convention: offset and limit.
  auto page = get(port(), "/api/v1/problems?offset=1&limit=2&sort=id", t().admin);
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(ids_of(page), (std::set<std::string>{"p-a2", "p-b1"}));
  EXPECT_EQ(page.json()["total"].GetUint64(), 5u);
  EXPECT_EQ(page.json()["offset"].GetUint64(), 1u);
  EXPECT_EQ(page.json()["limit"].GetUint64(), 2u);
}

TEST_F(ApiRecordsTest, KeywordSearchAndIndustryFilter) {
  // 轴承 in titles and keywords; traditional 軸承 and full-width spaces match as well.
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?q=%E8%BD%B4%E6%89%BF", t().admin)),
            (std::set<std::string>{"p-a1", "p-a2"}));
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?q=%E8%BB%B8%E6%89%BF", t().admin)),  // 軸承
            (std::set<std::string>{"p-a1", "p-a2"}));
  // Every word must occur: 轴承 振动 -> only p-a2 (its description).
  EXPECT_EQ(
      ids_of(get(port(), "/api/v1/problems?q=%E8%BD%B4%E6%89%BF+%E6%8C%AF%E5%8A%A8", t().admin)),
      (std::set<std::string>{"p-a2"}));
  // Scope still applies: 龙游县 finds none of 江山市's bearings.
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?q=%E8%BD%B4%E6%89%BF", t().county_longyou)),
            (std::set<std::string>{}));
  // Experts: by a work's title (湿强剂) and a research field (机器视觉).
  EXPECT_EQ(ids_of(get(port(), "/api/v1/experts?q=%E6%B9%BF%E5%BC%BA%E5%89%82", t().admin)),
            (std::set<std::string>{"e-paper"}));
  EXPECT_EQ(
      ids_of(get(port(), "/api/v1/experts?q=%E6%9C%BA%E5%99%A8%E8%A7%86%E8%A7%89", t().admin)),
      (std::set<std::string>{"e-vision"}));
  // Industry filter, exact.
  ASSERT_EQ(
      patch(port(), "/api/v1/problems/p-b1", t().admin, R"({"industry": "机制纸制造"})").status,
      200);
  EXPECT_EQ(
      ids_of(get(port(), "/api/v1/problems?industry=%E6%9C%BA%E5%88%B6%E7%BA%B8%E5%88%B6%E9%80%A0",
                 t().admin)),
      (std::set<std::string>{"p-b1"}));
}

// ---- operations ------------------------------------------------------------------

TEST(ApiAccessLogTest, OneLineARequestWithRouteTemplateAndNoToken) {
  TempDir logs;
  std::string path = logs.path() + "/access.log";
  TestServer server(false, [&](api::ServerConfig* c) { c->access_log = path; });
  const auto& t = server.tokens();
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-a1", t.county_jiangshan).status, 200);
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-b1", t.county_jiangshan).status, 404);
  EXPECT_EQ(get(server.port(), "/api/v1/problems", "emt_wrong").status, 401);
  server.stop();
  std::string text = file_bytes(path);
  std::vector<rapidjson::Document> lines;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    lines.emplace_back();
    lines.back().Parse(text.substr(start, nl - start).c_str());
    start = nl + 1;
  }
  ASSERT_EQ(lines.size(), 3u) << text;
  EXPECT_STREQ(lines[0]["who"].GetString(), "county:江山市");
  EXPECT_STREQ(lines[0]["method"].GetString(), "GET");
  EXPECT_STREQ(lines[0]["route"].GetString(), "/api/v1/problems/{id}");
  EXPECT_EQ(lines[0]["status"].GetInt(), 200);
  EXPECT_TRUE(lines[0]["ms"].IsNumber());
  EXPECT_EQ(std::string(lines[0]["time"].GetString()).size(), 24u);  // 2026-11-29T23:20:57.123Z
  EXPECT_EQ(lines[1]["status"].GetInt(), 404);
  EXPECT_STREQ(lines[2]["who"].GetString(), "-");
  EXPECT_EQ(lines[2]["status"].GetInt(), 401);
  // Neither a token nor a problem id (which could be confidential) is written.
  EXPECT_EQ(text.find(t.county_jiangshan), std::string::npos);
  EXPECT_EQ(text.find("emt_"), std::string::npos);
  EXPECT_EQ(text.find("p-b1"), std::string::npos);
}

// Found by an attack trial: a flood of pipelined health checks wrote 625 MB
// of access log. A file log moves to "<path>.1" past access_log_max_bytes:
// 300 requests of about 120 bytes a line against a 4 KiB cap leave at most
// the cap plus one line in each file, and the newest lines in the live one.
TEST(ApiAccessLogTest, AFileLogIsKeptToItsSize) {
  TempDir logs;
  std::string path = logs.path() + "/access.log";
  const size_t cap = 4096;
  TestServer server(false, [&](api::ServerConfig* c) {
    c->access_log = path;
    c->access_log_max_bytes = cap;
  });
  for (int i = 0; i < 300; ++i) ASSERT_EQ(get(server.port(), "/healthz", "").status, 200);
  EXPECT_EQ(get(server.port(), "/api/v1/problems", "emt_wrong").status, 401);
  server.stop();
  std::string live = file_bytes(path);
  std::string previous = file_bytes(path + ".1");
  EXPECT_GT(previous.size(), cap / 2);
  EXPECT_LE(previous.size(), cap + 200);
  EXPECT_LE(live.size(), cap + 200);
  // The last request is in the live file, whole lines only in each.
  EXPECT_NE(live.find("\"status\":401"), std::string::npos) << live;
  EXPECT_EQ(previous.back(), '\n');
  EXPECT_EQ(std::filesystem::exists(path + ".2"), false);
}

// Found by attack trial 5: the access log wrote the method the client sent,
// so a 15,000-byte method made a 15 KB line per request. Methods are logged
// from the metrics' closed set.
TEST(ApiAccessLogTest, AMadeUpMethodIsLoggedAsOther) {
  TempDir logs;
  std::string path = logs.path() + "/access.log";
  TestServer server(false, [&](api::ServerConfig* c) { c->access_log = path; });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(std::string(3000, 'A') + " /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
  auto r = conn.read_response();
  EXPECT_GE(r.status, 400) << r.error;
  server.stop();
  std::string text = file_bytes(path);
  EXPECT_NE(text.find("\"method\":\"other\""), std::string::npos) << text;
  EXPECT_EQ(text.find("AAAAAAAA"), std::string::npos);
  EXPECT_LT(text.size(), 400u) << text;
}

TEST(ApiServeTest, ABusyPortFailsBeforeTheIndexIsBuilt) {
  TempDir dir;
  seed_data(dir.path());  // a store with records and no index yet
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(fd, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  std::string out;
  int code = run(std::string(EXPERTMATCH_BINARY) + " serve --data " + dir.path() +
                     " --listen 127.0.0.1:" + std::to_string(ntohs(addr.sin_port)) + " 2>&1",
                 &out);
  ::close(fd);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("bind"), std::string::npos) << out;
  // It stopped before opening the store's records: no index was built.
  EXPECT_FALSE(fs::exists(dir.path() + "/index")) << out;
}

TEST(ApiCliTest, ImportChecksCountiesAndEnterprisesLikeTheApi) {
  TempDir dir;
  seed_data(dir.path());
  std::string file = dir.path() + "/problems.jsonl";
  std::ofstream(file)
      << R"({"id": "x1", "enterprise": "某企业", "county": "江山", "title": "t", "description": ""}
{"id": "x2", "enterprise": "江山恒锐轴承有限公司", "county": "柯城区", "title": "t", "description": ""}
)";
  const std::string bin = EXPERTMATCH_BINARY, data = " --data " + dir.path();
  std::string out;
  // In English (LANG), to compare with the API's English messages.
  const std::string en = "env -u LC_ALL -u LC_MESSAGES LANG=en_US.UTF-8 ";
  EXPECT_EQ(run(en + bin + " import" + data + " --problems " + file + " 2>&1", &out), 1);
  EXPECT_NE(out.find("problems: county: \"x1\": unknown county \"江山\"; did you mean \"江山市\"?"),
            std::string::npos)
      << out;
  EXPECT_NE(
      out.find("problems: county: \"x2\": enterprise \"江山恒锐轴承有限公司\" is registered in "
               "\"江山市\", not \"柯城区\""),
      std::string::npos)
      << out;
  auto store = Store::open(dir.path());
  ASSERT_TRUE(store);
  EXPECT_EQ((*store)->counts()->problems, 5);  // nothing imported
  // A deployment's own list, as the server's `counties` setting gives it.
  std::ofstream(file)
      << R"({"id": "x3", "enterprise": "新企业", "county": "江山", "title": "t", "description": ""})";
  EXPECT_EQ(
      run(bin + " import" + data + " --problems " + file + " --counties 江山,柯城区 2>&1", &out), 0)
      << out;
}

// Every file under `dir` (but SQLite's -wal/-shm side files) with its bytes.
std::map<std::string, std::string> snapshot(const std::string& dir) {
  std::map<std::string, std::string> out;
  for (const auto& f : fs::recursive_directory_iterator(dir)) {
    std::string name = f.path().string();
    if (!f.is_regular_file() || name.ends_with("-wal") || name.ends_with("-shm")) continue;
    out[name] = file_bytes(f.path());
  }
  return out;
}

TEST(ApiCliTest, ReadOnlyCommandsWriteNothingAndPlanAsTheApiDoes) {
  TestServer server;
  const auto& t = server.tokens();
  // A decision the plan must respect: e-bearing (capacity 1) accepted for p-a2.
  ASSERT_EQ(post(server.port(), "/api/v1/problems/p-a2/reviews", t.coordinator,
                 R"({"expert_id": "e-bearing", "decision": "accept"})")
                .status,
            201);
  auto api_plan = post(server.port(), "/api/v1/counties/" + std::string(kJiangshanQ) + "/plans",
                       t.admin, R"({"team_size": 2})");
  ASSERT_EQ(api_plan.status, 201) << api_plan.body;
  server.stop();  // saves the index; the data directory is now at rest
  const std::string bin = EXPERTMATCH_BINARY, data = " --data " + server.dir();
  // A stale index must not be rewritten by a read-only command either.
  fs::remove(server.dir() + "/index/manifest.json");
  auto before = snapshot(server.dir());
  std::string out;
  ASSERT_EQ(run(bin + " plan" + data + " --county 江山市 --team-size 2 --dry-run --json", &out), 0)
      << out;
  rapidjson::Document cli;
  cli.Parse(out.c_str());
  ASSERT_TRUE(cli.IsObject()) << out;
  std::string plans_out, plans_en, demo_out;
  const std::string no_locale = "env -u LC_ALL -u LC_MESSAGES LANG=C ";
  EXPECT_EQ(run(no_locale + bin + " plans" + data, &plans_out), 0) << plans_out;
  EXPECT_EQ(run(no_locale + bin + " plans" + data + " --lang en", &plans_en), 0) << plans_en;
  EXPECT_EQ(run(bin + " demo" + data + " 2>&1", &demo_out), 0) << demo_out;
  EXPECT_EQ(snapshot(server.dir()), before) << "a read-only command changed the data directory";
  // The status in the reader's words from the catalogue, Chinese by default.
  EXPECT_NE(plans_out.find("号方案  江山市  草稿  生成于 "), std::string::npos) << plans_out;
  EXPECT_NE(plans_out.find("团队 2 人，重点课题 "), std::string::npos) << plans_out;
  EXPECT_EQ(plans_out.find("draft"), std::string::npos) << plans_out;
  EXPECT_NE(plans_en.find("江山市  draft  created "), std::string::npos) << plans_en;
  EXPECT_NE(plans_en.find("team 2, key topics "), std::string::npos) << plans_en;

  // Same store, same settings, same plan: the accepted match holds e-bearing's capacity.
  auto api = api_plan.json();
  auto topics = [](const rapidjson::Value& plan) {
    std::set<std::pair<std::string, std::string>> out;
    for (const auto& k : plan["key_topics"].GetArray())
      out.insert({k["problem_id"].GetString(), k["expert_id"].GetString()});
    return out;
  };
  EXPECT_EQ(topics(cli), topics(api["plan"]));
  EXPECT_EQ(topics(cli).count({"p-a1", "e-bearing"}), 0u);
  EXPECT_EQ(cli["score"]["solvable_by_team"].GetInt(),
            api["plan"]["score"]["solvable_by_team"].GetInt());
  EXPECT_STREQ(cli["summary"].GetString(), api["plan"]["summary"].GetString());
}

}  // namespace
}  // namespace expertmatch::apitest
