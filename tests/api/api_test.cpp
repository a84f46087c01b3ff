// The HTTP API end to end: the real server in-process on a free loopback
// port, spoken to over HTTP. Every endpoint, each role's visibility, every
// error class; bad input changes nothing and the server stays up.
#include <gtest/gtest.h>

#include <set>
#include <string>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

std::set<std::string> ids_of(const HttpResult& r, const char* array = "items",
                             const char* key = "id") {
  std::set<std::string> out;
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember(array)) return out;
  for (const auto& v : d[array].GetArray()) out.insert(v[key].GetString());
  return out;
}

std::vector<std::string> ranked_experts(const HttpResult& r) {
  std::vector<std::string> out;
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("matches")) return out;
  for (const auto& v : d["matches"].GetArray()) out.push_back(v["expert_id"].GetString());
  return out;
}

int total_of(const HttpResult& r) {
  auto d = r.json();
  return d.IsObject() && d.HasMember("total") ? d["total"].GetInt() : -1;
}

class ApiTest : public ::testing::Test {
 protected:
  TestServer server_;
  unsigned short port() const { return server_.port(); }
  const Tokens& t() const { return server_.tokens(); }
  int problem_count() { return total_of(get(port(), "/api/v1/problems", t().admin)); }
  int expert_count() { return total_of(get(port(), "/api/v1/experts", t().admin)); }
};

// ---- health, readiness, metrics --------------------------------------------

TEST_F(ApiTest, HealthReadinessAndMetrics) {
  auto h = get(port(), "/healthz", "");
  EXPECT_EQ(h.status, 200);
  // Without a token /readyz says ready or not, and nothing about the corpus.
  auto r = get(port(), "/readyz", "");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_STREQ(r.json()["status"].GetString(), "ready");
  EXPECT_FALSE(r.json().HasMember("problems")) << r.body;
  EXPECT_FALSE(r.json().HasMember("index")) << r.body;
  auto enterprise = get(port(), "/readyz", t().enterprise_a);
  EXPECT_FALSE(enterprise.json().HasMember("problems")) << enterprise.body;
  auto admin = get(port(), "/readyz", t().admin);
  ASSERT_EQ(admin.status, 200);
  EXPECT_TRUE(admin.json()["index"].GetBool());
  EXPECT_EQ(admin.json()["problems"].GetInt(), 5);
  get(port(), "/api/v1/problems/p-a1", t().admin);
  get(port(), "/api/v1/problems/nope", t().admin);
  // /metrics moves with every tenant's activity: admin tokens only.
  EXPECT_EQ(get(port(), "/metrics", "").status, 401);
  EXPECT_EQ(get(port(), "/metrics", t().enterprise_a).status, 403);
  EXPECT_EQ(get(port(), "/metrics", t().county_jiangshan).status, 403);
  auto m = get(port(), "/metrics", t().admin);
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.headers["content-type"].find("text/plain"), std::string::npos);
  EXPECT_NE(m.body.find("expertmatch_http_requests_total{route=\"/api/v1/problems/{id}\","
                        "method=\"GET\",status=\"200\"} 1"),
            std::string::npos)
      << m.body;
  EXPECT_NE(m.body.find("route=\"/api/v1/problems/{id}\",method=\"GET\",status=\"404\"} 1"),
            std::string::npos);
  EXPECT_NE(m.body.find("expertmatch_http_request_duration_seconds_bucket{route=\"/api/v1/"
                        "problems/{id}\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(m.body.find("expertmatch_experts 6\n"), std::string::npos);
  EXPECT_NE(m.body.find("expertmatch_problems 5\n"), std::string::npos);
  EXPECT_NE(m.body.find("expertmatch_index_units "), std::string::npos);
  EXPECT_EQ(m.body.find("nope"), std::string::npos) << "raw paths must not become labels";
}

TEST_F(ApiTest, WhoAmI) {
  auto r = get(port(), "/api/v1/whoami", t().coordinator);
  ASSERT_EQ(r.status, 200);
  EXPECT_STREQ(r.json()["role"].GetString(), "coordinator");
  EXPECT_STREQ(r.json()["scope"].GetString(), "江山市/ws-1");
}

// ---- problems ------------------------------------------------------------------

TEST_F(ApiTest, ProblemCreateGetUpdateWithdraw) {
  auto c = post(port(), "/api/v1/problems", t().admin,
                new_problem_body("p-new", kEnterpriseA, "江山市", "轴承磨削表面烧伤"));
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.headers["location"], "/api/v1/problems/p-new");
  EXPECT_STREQ(c.json()["status"].GetString(), "submitted");

  auto g = get(port(), "/api/v1/problems/p-new", t().admin);
  ASSERT_EQ(g.status, 200);
  EXPECT_STREQ(g.json()["title"].GetString(), "轴承磨削表面烧伤");

  // Indexed at once: its matches are served right away.
  auto m = get(port(), "/api/v1/problems/p-new/matches?k=3", t().admin);
  ASSERT_EQ(m.status, 200) << m.body;
  ASSERT_FALSE(ranked_experts(m).empty());
  EXPECT_EQ(ranked_experts(m)[0], "e-bearing");

  Problem p = test_problems()[0];
  p.id = "p-new";
  p.title = "轴承外圈磨削后表面发黑（补充）";
  p.urgency = 4;
  p.submitted = "";  // the service's: a county may not set another date (422)
  auto u = put(port(), "/api/v1/problems/p-new", t().county_jiangshan, problem_json(p));
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_EQ(get(port(), "/api/v1/problems/p-new", t().admin).json()["urgency"].GetInt(), 4);

  // A withdrawal says why.
  auto bare = post(port(), "/api/v1/problems/p-new/withdraw", t().enterprise_a, "");
  EXPECT_EQ(bare.status, 422) << bare.body;
  EXPECT_STREQ(bare.json()["error"]["field"].GetString(), "note");
  auto w = post(port(), "/api/v1/problems/p-new/withdraw", t().enterprise_a,
                R"({"note": "已自行解决"})");
  ASSERT_EQ(w.status, 200) << w.body;
  EXPECT_STREQ(w.json()["status"].GetString(), "withdrawn");
  EXPECT_EQ(
      post(port(), "/api/v1/problems/p-new/withdraw", t().admin, R"({"note": "again"})").status,
      409);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-new/matches", t().admin).status, 409);
  EXPECT_EQ(put(port(), "/api/v1/problems/p-new", t().admin, problem_json(p)).status, 409);
  // Withdrawn problems are not proposed to experts.
  auto em = get(port(), "/api/v1/experts/e-bearing/matches?k=10", t().admin);
  ASSERT_EQ(em.status, 200);
  EXPECT_EQ(ids_of(em, "matches", "problem_id").count("p-new"), 0u);
}

TEST_F(ApiTest, ProblemListFiltersSortAndPages) {
  auto all = get(port(), "/api/v1/problems", t().admin);
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(total_of(all), 5);
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?county=%E6%B1%9F%E5%B1%B1%E5%B8%82", t().admin)),
            (std::set<std::string>{"p-a1", "p-a2"}));
  EXPECT_EQ(ids_of(get(port(),
                       std::string("/api/v1/problems?enterprise=") +
                           "%E5%B7%A8%E5%8C%96%E9%9B%86%E5%9B%A2",
                       t().admin)),
            (std::set<std::string>{"p-d1"}));
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?urgency=4", t().admin)),
            (std::set<std::string>{"p-b1"}));
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?min_urgency=4", t().admin)),
            (std::set<std::string>{"p-a1", "p-b1"}));
  auto sorted = get(port(), "/api/v1/problems?sort=-urgency&limit=2", t().admin).json();
  ASSERT_EQ(sorted["items"].Size(), 2u);
  EXPECT_STREQ(sorted["items"][0]["id"].GetString(), "p-a1");
  EXPECT_STREQ(sorted["items"][1]["id"].GetString(), "p-b1");
  EXPECT_EQ(sorted["total"].GetInt(), 5);
  auto page2 = get(port(), "/api/v1/problems?sort=-urgency&limit=2&offset=2", t().admin).json();
  EXPECT_STREQ(page2["items"][0]["id"].GetString(), "p-a2");
  post(port(), "/api/v1/problems/p-d1/withdraw", t().admin, R"({"note": "企业撤回"})");
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?status=withdrawn", t().admin)),
            (std::set<std::string>{"p-d1"}));
  EXPECT_EQ(get(port(), "/api/v1/problems?sort=title", t().admin).status, 400);
  EXPECT_EQ(get(port(), "/api/v1/problems?limit=0", t().admin).status, 400);
  EXPECT_EQ(get(port(), "/api/v1/problems?urgency=high", t().admin).json()["error"]["field"],
            "urgency");
}

// ---- experts -------------------------------------------------------------------

TEST_F(ApiTest, ExpertCreateGetListUpdateDeactivate) {
  Expert e = test_experts()[4];  // e-tea's shape, with its own field and work
  e.id = "e-new";
  e.name = "新专家";
  e.college = "环境学院";
  e.fields = {"水处理"};
  e.counties = {"江山市"};
  e.works.resize(1);
  e.works[0].title = "印染废水深度处理";
  e.works[0].abstract = "印染废水的臭氧氧化与膜处理";
  e.works[0].keywords = {"废水", "膜处理"};
  auto c = post(port(), "/api/v1/experts", t().admin, expert_json(e));
  ASSERT_EQ(c.status, 201) << c.body;
  EXPECT_EQ(c.headers["location"], "/api/v1/experts/e-new");
  EXPECT_EQ(get(port(), "/api/v1/experts/e-new", t().enterprise_a).status, 200);
  EXPECT_EQ(expert_count(), 7);
  EXPECT_EQ(ids_of(get(port(), "/api/v1/experts?college=%E7%8E%AF%E5%A2%83%E5%AD%A6%E9%99%A2",
                       t().admin)),
            (std::set<std::string>{"e-new"}));
  EXPECT_EQ(
      ids_of(get(port(), "/api/v1/experts?field=%E6%9C%BA%E5%99%A8%E8%A7%86%E8%A7%89", t().admin)),
      (std::set<std::string>{"e-vision"}));
  EXPECT_EQ(ids_of(get(port(), "/api/v1/experts?county=%E8%A1%A2%E6%B1%9F%E5%8C%BA", t().admin)),
            (std::set<std::string>{"e-fluoro", "e-battery"}));

  e.bio = "更新后的简介";
  auto u = put(port(), "/api/v1/experts/e-new", t().county_jiangshan, expert_json(e));
  ASSERT_EQ(u.status, 200) << u.body;
  EXPECT_STREQ(u.json()["bio"].GetString(), "更新后的简介");

  // Deactivated: listed as unavailable and never proposed.
  auto before = get(port(), "/api/v1/problems/p-a1/matches?k=10", t().admin);
  ASSERT_EQ(ranked_experts(before)[0], "e-bearing");
  auto d = post(port(), "/api/v1/experts/e-bearing/deactivate", t().admin, "");
  ASSERT_EQ(d.status, 200) << d.body;
  EXPECT_FALSE(d.json()["available"].GetBool());
  EXPECT_EQ(ids_of(get(port(), "/api/v1/experts?available=false", t().admin)),
            (std::set<std::string>{"e-bearing"}));
  auto after = get(port(), "/api/v1/problems/p-a1/matches?k=10", t().admin);
  for (const auto& id : ranked_experts(after)) EXPECT_NE(id, "e-bearing");
}

TEST_F(ApiTest, ExpertWritesByRole) {
  Expert e = test_experts()[1];  // e-paper, stationed in 龙游县
  e.bio = "x";
  EXPECT_EQ(put(port(), "/api/v1/experts/e-paper", t().county_jiangshan, expert_json(e)).status,
            403);
  EXPECT_EQ(put(port(), "/api/v1/experts/e-paper", t().county_longyou, expert_json(e)).status, 200);
  EXPECT_EQ(put(port(), "/api/v1/experts/e-paper", t().enterprise_b, expert_json(e)).status, 403);
  EXPECT_EQ(put(port(), "/api/v1/experts/e-paper", t().coordinator, expert_json(e)).status, 403);
  EXPECT_EQ(post(port(), "/api/v1/experts/e-paper/deactivate", t().enterprise_b, "").status, 403);
  EXPECT_EQ(put(port(), "/api/v1/experts/e-ghost", t().admin, expert_json([] {
                  auto x = test_experts()[0];
                  x.id = "e-ghost";
                  return x;
                }()))
                .status,
            404);
}

// ---- matches -------------------------------------------------------------------

TEST_F(ApiTest, ProblemMatchesRankAndExplain) {
  auto r = get(port(), "/api/v1/problems/p-a1/matches?k=3", t().admin);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  ASSERT_EQ(d["matches"].Size(), 3u);
  const auto& top = d["matches"][0];
  EXPECT_STREQ(top["expert_id"].GetString(), "e-bearing");
  EXPECT_STREQ(top["name"].GetString(), "张伟");
  EXPECT_GT(top["score"].GetDouble(), d["matches"][1]["score"].GetDouble());
  EXPECT_TRUE(top["components"].HasMember("dense"));
  EXPECT_GT(top["works"].Size(), 0u);
  EXPECT_GT(top["terms"].Size(), 0u);
  EXPECT_EQ(top["remaining_capacity"].GetInt(), 1);
  EXPECT_TRUE(top["review"].IsNull());
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches?k=0", t().admin).status, 400);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches?k=x", t().admin).status, 400);
  // Conflict of interest: e-fluoro is never proposed to 巨化集团.
  auto f = get(port(), "/api/v1/problems/p-d1/matches?k=10", t().admin);
  ASSERT_EQ(f.status, 200);
  for (const auto& id : ranked_experts(f)) EXPECT_NE(id, "e-fluoro");
}

// A problem's matches asked again are served from a cache until the next
// write of any kind: a change of the problem's own text is seen at once.
TEST_F(ApiTest, ProblemMatchesFollowTheProblemsNewText) {
  auto first = get(port(), "/api/v1/problems/p-a1/matches?k=3", t().admin);
  ASSERT_EQ(first.status, 200) << first.body;
  ASSERT_EQ(ranked_experts(first)[0], "e-bearing");
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches?k=3", t().admin).body, first.body);
  Problem p = test_problems()[0];
  ASSERT_EQ(p.id, "p-a1");
  p.title = "锂电池正极材料循环寿命差";
  p.description = "锂电池正极材料循环寿命差，容量衰减快";
  p.keywords = {"锂电池", "正极材料"};
  ASSERT_EQ(put(port(), "/api/v1/problems/p-a1", t().admin, problem_json(p)).status, 200);
  auto again = get(port(), "/api/v1/problems/p-a1/matches?k=3", t().admin);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(ranked_experts(again)[0], "e-battery");
}

TEST_F(ApiTest, ExpertMatchesAndAdHocMatch) {
  auto r = get(port(), "/api/v1/experts/e-paper/matches?k=2", t().admin);
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  ASSERT_GE(d["matches"].Size(), 1u);
  EXPECT_STREQ(d["matches"][0]["problem_id"].GetString(), "p-b1");
  EXPECT_EQ(get(port(), "/api/v1/experts/e-nobody/matches", t().admin).status, 404);

  auto m = post(port(), "/api/v1/match", t().enterprise_b,
                R"({"text": "锂电池正极材料循环寿命差", "k": 2})");
  ASSERT_EQ(m.status, 200) << m.body;
  ASSERT_FALSE(ranked_experts(m).empty());
  EXPECT_EQ(ranked_experts(m)[0], "e-battery");
  EXPECT_EQ(problem_count(), 5) << "POST /match stores nothing";
  auto filtered = post(port(), "/api/v1/match", t().admin,
                       R"({"title": "轴承磨削", "filters": {"county": "柯城区"}})");
  ASSERT_EQ(filtered.status, 200);
  for (const auto& id : ranked_experts(filtered))
    EXPECT_TRUE(id == "e-bearing" || id == "e-vision") << id;
  EXPECT_EQ(post(port(), "/api/v1/match", t().admin, R"({"k": 3})").status, 422);
  EXPECT_EQ(post(port(), "/api/v1/match", t().admin, R"({"text": 5})").json()["error"]["field"],
            "text");
  EXPECT_EQ(post(port(), "/api/v1/match", t().admin, R"({"text": "x", "k": 1000})").status, 422);
  // A filter on a county that does not exist, or a misspelt filter, is a 422
  // naming it, not an empty or unfiltered answer (found by an attack trial).
  auto unknown_county = post(port(), "/api/v1/match", t().admin,
                             R"({"text": "轴承磨削", "filters": {"county": "江山"}})");
  EXPECT_EQ(unknown_county.status, 422) << unknown_county.body;
  EXPECT_EQ(unknown_county.json()["error"]["field"], "filters.county");
  EXPECT_NE(unknown_county.body.find("江山市"), std::string::npos) << unknown_county.body;
  auto misspelt = post(port(), "/api/v1/match", t().admin,
                       R"({"text": "轴承磨削", "filters": {"countie": "柯城区"}})");
  EXPECT_EQ(misspelt.status, 422) << misspelt.body;
  EXPECT_EQ(misspelt.json()["error"]["field"], "filters.countie");
}

// ---- why no match is good ------------------------------------------------------

// The reason an answer with no good match gives, "<null>" when it has none
// ("<missing>" when the answer lacks the member).
std::string reason_of(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("no_good_match")) return "<missing>";
  if (d["no_good_match"].IsNull()) return "<null>";
  return d["no_good_match"]["reason"].GetString();
}
std::string why_message_of(const HttpResult& r) {
  auto d = r.json();
  if (!d.IsObject() || !d.HasMember("no_good_match") || !d["no_good_match"].IsObject())
    return "<none>";
  return d["no_good_match"]["message"].GetString();
}

class NoGoodMatchTest : public ApiTest {
 protected:
  // Submits a problem as enterprise A (江山市); its id.
  std::string submit(const std::string& title, const std::string& description) {
    rapidjson::Document d(rapidjson::kObjectType);
    auto& a = d.GetAllocator();
    d.AddMember("county", "江山市", a);
    d.AddMember("title", rapidjson::Value(title.c_str(), a), a);
    d.AddMember("description", rapidjson::Value(description.c_str(), a), a);
    rapidjson::StringBuffer buf;
    rapidjson::Writer<rapidjson::StringBuffer> w(buf);
    d.Accept(w);
    auto c = post(port(), "/api/v1/problems", t().enterprise_a, buf.GetString());
    EXPECT_EQ(c.status, 201) << c.body;
    return c.status == 201 ? c.json()["id"].GetString() : "";
  }
  HttpResult matches(const std::string& id, const std::string& token,
                     const std::string& language = "") {
    Request r;
    r.target = "/api/v1/problems/" + id + "/matches";
    r.token = token;
    if (!language.empty()) r.headers["Accept-Language"] = language;
    return http(port(), r);
  }
};

TEST_F(NoGoodMatchTest, AProblemWithAGoodMatchHasNoReason) {
  auto r = matches("p-a1", t().enterprise_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(r.json()["good_match_found"].GetBool()) << r.body;
  EXPECT_EQ(reason_of(r), "<null>") << r.body;
  auto m =
      post(port(), "/api/v1/match", t().enterprise_b, R"({"text": "锂电池正极材料循环寿命差"})");
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_EQ(reason_of(m), "<null>") << m.body;
}

TEST_F(NoGoodMatchTest, NotATechnicalProblem) {
  std::string id = submit("申请银行贷款", "企业扩大生产需要银行贷款，想了解怎样申请贴息贷款");
  auto r = matches(id, t().enterprise_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json()["good_match_found"].GetBool()) << r.body;
  EXPECT_EQ(reason_of(r), "not_technical") << r.body;
  EXPECT_EQ(why_message_of(r), "不是我们专家研究覆盖的技术问题");
  auto en = matches(id, t().enterprise_a, "en");
  EXPECT_EQ(reason_of(en), "not_technical") << en.body;
  EXPECT_EQ(why_message_of(en), "not a technical problem our experts' research covers");
  auto hiring = post(port(), "/api/v1/match", t().enterprise_a,
                     R"({"title": "招聘熟练工人", "text": "车间招不到熟练的磨床工人"})");
  ASSERT_EQ(hiring.status, 200) << hiring.body;
  EXPECT_EQ(reason_of(hiring), "not_technical") << hiring.body;
  EXPECT_EQ(why_message_of(hiring), "不是我们专家研究覆盖的技术问题");
}

TEST_F(NoGoodMatchTest, NobodysResearch) {
  std::string id = submit("船舶螺旋桨空泡腐蚀", "船用螺旋桨叶片运行半年就出现空泡腐蚀和剥落");
  auto r = matches(id, t().enterprise_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reason_of(r), "no_research") << r.body;
  EXPECT_EQ(why_message_of(r), "没有专家的研究覆盖这个问题");
  auto en = matches(id, t().enterprise_a, "en");
  EXPECT_EQ(why_message_of(en), "no expert's research covers this problem");
}

// A stored problem always has words (field.no_words refuses one without);
// an ad-hoc text need not.
TEST_F(NoGoodMatchTest, NoWords) {
  auto r = post(port(), "/api/v1/match", t().enterprise_a, R"({"title": "！！！😀😭🔥"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.json()["good_match_found"].GetBool()) << r.body;
  EXPECT_EQ(reason_of(r), "no_words") << r.body;
  EXPECT_EQ(why_message_of(r),
            "标题和描述中没有可供匹配的文字（只有标点、符号或表情），无法判断哪位专家合适；"
            "请企业用文字描述难题");
}

// e-fluoro, the one expert of 含氟聚合, has a conflict of interest with 巨化集团.
TEST_F(NoGoodMatchTest, OnlyExcludedExperts) {
  auto r = matches("p-d1", t().admin);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reason_of(r), "only_excluded") << r.body;
  EXPECT_EQ(why_message_of(r), "有与之匹配良好的专家，但都与该企业有利益冲突或暂不可用");
  auto en = matches("p-d1", t().admin, "en");
  EXPECT_EQ(why_message_of(en),
            "good experts exist, but each has a conflict of interest with the enterprise or is "
            "unavailable");
  // The same problem from another enterprise is covered by e-fluoro.
  auto other = post(
      port(), "/api/v1/match", t().enterprise_a,
      R"({"title": "含氟聚合反应釜放大困难", "text": "含氟单体聚合从小试放大到反应釜时转化率下降"})");
  ASSERT_EQ(other.status, 200) << other.body;
  EXPECT_EQ(reason_of(other), "<null>") << other.body;
}

// e-bearing (capacity 1) accepted for p-a1 has no capacity left for p-a2.
TEST_F(NoGoodMatchTest, TheGoodExpertHasNoCapacityLeft) {
  auto before = matches("p-a2", t().enterprise_a);
  ASSERT_EQ(reason_of(before), "<null>") << before.body;
  ASSERT_EQ(post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                 R"({"expert_id": "e-bearing", "decision": "accept"})")
                .status,
            201);
  auto r = matches("p-a2", t().enterprise_a);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reason_of(r), "busy") << r.body;
  EXPECT_EQ(why_message_of(r), "能很好解决的专家都已没有余力承接，或已被退回");
  auto en = matches("p-a2", t().enterprise_a, "en");
  EXPECT_EQ(why_message_of(en),
            "the experts who would solve it well have no capacity left or were rejected for it");
  // p-a1 itself has its accepted expert: a good match.
  EXPECT_EQ(reason_of(matches("p-a1", t().enterprise_a)), "<null>");
}

// An ad-hoc query's own filters can leave the good expert out: "filtered",
// not "busy" (the expert is not spoken for); require_capacity with the
// expert's capacity used is "busy".
TEST_F(NoGoodMatchTest, AnAdHocQuerysFiltersLeftTheGoodExpertOut) {
  const std::string text = R"("title": "轴承外圈磨削烧伤", "text": "轴承沟道磨削后表面发黑")";
  auto plain = post(port(), "/api/v1/match", t().admin, "{" + text + "}");
  ASSERT_EQ(plain.status, 200) << plain.body;
  ASSERT_EQ(reason_of(plain), "<null>") << plain.body;
  auto other_college = post(port(), "/api/v1/match", t().admin,
                            "{" + text + R"(, "filters": {"college": "信息工程学院"}})");
  ASSERT_EQ(other_college.status, 200) << other_college.body;
  EXPECT_EQ(reason_of(other_college), "filtered") << other_college.body;
  EXPECT_EQ(why_message_of(other_college),
            "能很好解决的专家不符合所选的筛选条件（县、学院、职称或年龄）");
  Request en;
  en.method = "POST";
  en.target = "/api/v1/match";
  en.token = t().admin;
  en.body = "{" + text + R"(, "filters": {"college": "信息工程学院"}})";
  en.headers["Accept-Language"] = "en";
  EXPECT_EQ(why_message_of(http(port(), en)),
            "the experts who would solve it well are left out by the filters chosen (county, "
            "college, title or age)");
  ASSERT_EQ(post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                 R"({"expert_id": "e-bearing", "decision": "accept"})")
                .status,
            201);
  auto capacity = post(port(), "/api/v1/match", t().admin,
                       "{" + text + R"(, "filters": {"require_capacity": true}})");
  ASSERT_EQ(capacity.status, 200) << capacity.body;
  EXPECT_EQ(reason_of(capacity), "busy") << capacity.body;
  // A filter e-bearing passes (its own college) with its capacity used: busy.
  auto both =
      post(port(), "/api/v1/match", t().admin,
           "{" + text + R"(, "filters": {"require_capacity": true, "college": "机械工程学院"}})");
  ASSERT_EQ(both.status, 200) << both.body;
  EXPECT_EQ(reason_of(both), "busy") << both.body;
}

TEST_F(NoGoodMatchTest, TheGoodExpertWasRejectedForTheProblem) {
  ASSERT_EQ(reason_of(matches("p-b1", t().enterprise_b)), "<null>");
  ASSERT_EQ(post(port(), "/api/v1/problems/p-b1/reviews", t().coordinator_longyou,
                 R"({"expert_id": "e-paper", "decision": "reject", "note": "已在别处承接"})")
                .status,
            201);
  auto r = matches("p-b1", t().enterprise_b);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["rejected_excluded"].GetInt(), 1) << r.body;
  EXPECT_EQ(reason_of(r), "busy") << r.body;
  EXPECT_EQ(why_message_of(r), "能很好解决的专家都已没有余力承接，或已被退回");
}
// ---- reviews -------------------------------------------------------------------

TEST_F(ApiTest, ReviewsAcceptRejectHistoryAndCapacity) {
  auto a = post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                R"({"expert_id": "e-bearing", "decision": "accept", "note": "对口，已电话确认"})");
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_STREQ(a.json()["reviewer"].GetString(), "coordinator:江山市/ws-1");
  EXPECT_FALSE(std::string(a.json()["created_at"].GetString()).empty());

  // Accepted: marked in its own problem's matches, capacity used up elsewhere.
  auto own = get(port(), "/api/v1/problems/p-a1/matches?k=5", t().coordinator).json();
  EXPECT_STREQ(own["matches"][0]["expert_id"].GetString(), "e-bearing");
  EXPECT_STREQ(own["matches"][0]["review"].GetString(), "accepted");
  auto other = get(port(), "/api/v1/problems/p-a2/matches?k=10", t().coordinator);
  ASSERT_EQ(other.status, 200);
  for (const auto& id : ranked_experts(other)) EXPECT_NE(id, "e-bearing") << "capacity is 1";
  auto over = post(port(), "/api/v1/problems/p-a2/reviews", t().coordinator,
                   R"({"expert_id": "e-bearing", "decision": "accept"})");
  EXPECT_EQ(over.status, 409) << over.body;

  // Rejected: not proposed again for that problem.
  auto before = ranked_experts(get(port(), "/api/v1/problems/p-a2/matches?k=10", t().admin));
  ASSERT_FALSE(before.empty());
  std::string rejected = before[0];
  auto rj = post(port(), "/api/v1/problems/p-a2/reviews", t().coordinator,
                 R"({"expert_id": ")" + rejected + R"(", "decision": "reject", "note": "不对口"})");
  ASSERT_EQ(rj.status, 201) << rj.body;
  auto after = get(port(), "/api/v1/problems/p-a2/matches?k=10", t().admin);
  for (const auto& id : ranked_experts(after)) EXPECT_NE(id, rejected);
  EXPECT_EQ(after.json()["rejected_excluded"].GetInt(), 1);
  auto em = get(port(), "/api/v1/experts/" + rejected + "/matches?k=10", t().admin);
  EXPECT_EQ(ids_of(em, "matches", "problem_id").count("p-a2"), 0u);

  // Withdrawing p-a1 frees e-bearing's capacity.
  ASSERT_EQ(
      post(port(), "/api/v1/problems/p-a1/withdraw", t().admin, R"({"note": "企业撤回"})").status,
      200);
  auto freed = ranked_experts(get(port(), "/api/v1/problems/p-a2/matches?k=10", t().admin));
  EXPECT_NE(std::find(freed.begin(), freed.end(), "e-bearing"), freed.end());

  // History, oldest first, kept across a restart.
  server_.restart();
  auto h = get(port(), "/api/v1/problems/p-a2/reviews", t().county_jiangshan);
  ASSERT_EQ(h.status, 200) << h.body;
  auto hd = h.json();
  ASSERT_EQ(hd["reviews"].Size(), 1u) << "the refused accept left no trace";
  EXPECT_STREQ(hd["reviews"][0]["decision"].GetString(), "reject");
  EXPECT_STREQ(hd["reviews"][0]["note"].GetString(), "不对口");
  EXPECT_STREQ(hd["reviews"][0]["reviewer"].GetString(), "coordinator:江山市/ws-1");
  auto h1 = get(port(), "/api/v1/problems/p-a1/reviews", t().admin).json();
  ASSERT_EQ(h1["reviews"].Size(), 1u);
  EXPECT_STREQ(h1["reviews"][0]["decision"].GetString(), "accept");
  EXPECT_STREQ(h1["reviews"][0]["note"].GetString(), "对口，已电话确认");
  EXPECT_STREQ(hd["in_force"][rejected.c_str()].GetString(), "reject");
  auto still = get(port(), "/api/v1/problems/p-a2/matches?k=10", t().admin);
  for (const auto& id : ranked_experts(still)) EXPECT_NE(id, rejected);
}

TEST_F(ApiTest, ReviewValidationAndRoles) {
  auto body = R"({"expert_id": "e-bearing", "decision": "accept"})";
  EXPECT_EQ(post(port(), "/api/v1/problems/p-a1/reviews", t().enterprise_a, body).status, 403);
  EXPECT_EQ(post(port(), "/api/v1/problems/p-a1/reviews", t().county_jiangshan, body).status, 403);
  EXPECT_EQ(post(port(), "/api/v1/problems/p-b1/reviews", t().coordinator, body).status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-b1/reviews", t().coordinator).status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/reviews", t().enterprise_a).status, 403);
  auto bad = post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                  R"({"expert_id": "e-bearing", "decision": "maybe"})");
  EXPECT_EQ(bad.status, 422);
  EXPECT_EQ(bad.json()["error"]["field"], "decision");
  auto ghost = post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                    R"({"expert_id": "e-ghost", "decision": "reject"})");
  EXPECT_EQ(ghost.status, 422);
  EXPECT_EQ(ghost.json()["error"]["field"], "expert_id");
  auto wrong_type = post(port(), "/api/v1/problems/p-a1/reviews", t().coordinator,
                         R"({"expert_id": ["e-bearing"], "decision": "accept"})");
  EXPECT_EQ(wrong_type.status, 422);
  // e-fluoro has a conflict of interest with p-d1's enterprise: cannot be accepted.
  auto conflict = post(port(), "/api/v1/problems/p-d1/reviews", t().admin,
                       R"({"expert_id": "e-fluoro", "decision": "accept"})");
  EXPECT_EQ(conflict.status, 409);
  auto h = get(port(), "/api/v1/problems/p-a1/reviews", t().admin).json();
  EXPECT_EQ(h["reviews"].Size(), 0u) << "refused reviews leave no trace";
}

// ---- visibility ----------------------------------------------------------------

TEST_F(ApiTest, EnterpriseSeesOnlyItsOwnProblems) {
  const std::string& a = t().enterprise_a;
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems", a)), (std::set<std::string>{"p-a1", "p-a2"}));
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems?county=%E9%BE%99%E6%B8%B8%E5%8E%BF", a)),
            (std::set<std::string>{}));
  // Another enterprise's problem answers exactly like one that does not exist.
  auto other = get(port(), "/api/v1/problems/p-b1", a);
  auto none = get(port(), "/api/v1/problems/p-zz", a);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(none.status, 404);
  EXPECT_EQ(other.error_code(), none.error_code());
  for (const char* suffix : {"/matches", "/withdraw", "/reviews"}) {
    bool is_post = std::string(suffix) == "/withdraw";
    auto o = is_post ? post(port(), std::string("/api/v1/problems/p-b1") + suffix, a, "")
                     : get(port(), std::string("/api/v1/problems/p-b1") + suffix, a);
    auto n = is_post ? post(port(), std::string("/api/v1/problems/p-zz") + suffix, a, "")
                     : get(port(), std::string("/api/v1/problems/p-zz") + suffix, a);
    EXPECT_EQ(o.status, n.status) << suffix;
    EXPECT_EQ(o.error_code(), n.error_code()) << suffix;
    EXPECT_EQ(o.body.find("龙游"), std::string::npos) << suffix;
  }
  Problem p = test_problems()[2];
  auto u = put(port(), "/api/v1/problems/p-b1", a, problem_json(p));
  EXPECT_EQ(u.status, 404);
  auto bad_body = put(port(), "/api/v1/problems/p-b1", a, R"({"title": 5})");
  EXPECT_EQ(bad_body.status, 404) << "no validation details about a problem it cannot see";
  // Its own problem's matches are served; the experts' problem lists are not.
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches", a).status, 200);
  EXPECT_EQ(get(port(), "/api/v1/experts/e-paper/matches", a).status, 403);
  EXPECT_EQ(get(port(), "/api/v1/export/problems", a).status, 403);
  // Its problem's text never reaches another enterprise.
  for (const auto& target : {"/api/v1/problems", "/api/v1/experts", "/api/v1/experts/e-bearing"}) {
    auto r = get(port(), target, t().enterprise_b);
    EXPECT_EQ(r.body.find("p-a1"), std::string::npos) << target;
    EXPECT_EQ(r.body.find("怀疑"), std::string::npos) << target;
  }
}

TEST_F(ApiTest, EnterpriseSubmitsUnderItsOwnName) {
  const std::string& a = t().enterprise_a;
  auto c = post(port(), "/api/v1/problems", a,
                new_problem_body("", kEnterpriseA, "江山市", "轴承保持架断裂"));
  ASSERT_EQ(c.status, 201) << c.body;
  std::string id = c.json()["id"].GetString();
  EXPECT_EQ(id.rfind("p-", 0), 0u);
  EXPECT_EQ(get(port(), "/api/v1/problems/" + id, a).status, 200);
  EXPECT_EQ(get(port(), "/api/v1/problems/" + id, t().enterprise_b).status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/" + id, t().county_longyou).status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/" + id, t().county_jiangshan).status, 200);
  // Not under another enterprise's name, and it may not pick ids.
  EXPECT_EQ(
      post(port(), "/api/v1/problems", a, new_problem_body("", kEnterpriseB, "龙游县", "x")).status,
      403);
  auto with_id =
      post(port(), "/api/v1/problems", a, new_problem_body("p-b1", kEnterpriseA, "江山市", "x"));
  EXPECT_EQ(with_id.status, 422);
  EXPECT_EQ(with_id.json()["error"]["field"], "id");
  EXPECT_EQ(post(port(), "/api/v1/experts", a, expert_json(test_experts()[0])).status, 403);
  EXPECT_EQ(problem_count(), 6);
}

TEST_F(ApiTest, CountyAndCoordinatorScopes) {
  const std::string& county = t().county_jiangshan;
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems", county)),
            (std::set<std::string>{"p-a1", "p-a2"}));
  EXPECT_EQ(get(port(), "/api/v1/problems/p-b1", county).status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-b1/matches", county).status, 404);
  // Expert matches list only the county's problems.
  auto em = get(port(), "/api/v1/experts/e-paper/matches?k=10", county);
  ASSERT_EQ(em.status, 200);
  for (const auto& id : ids_of(em, "matches", "problem_id"))
    EXPECT_TRUE(id == "p-a1" || id == "p-a2") << id;
  EXPECT_EQ(
      post(port(), "/api/v1/problems", county, new_problem_body("", "某企业", "龙游县", "不在本县"))
          .status,
      403);
  auto own = post(port(), "/api/v1/problems", county,
                  new_problem_body("", "某企业", "江山市", "本县问题"));
  ASSERT_EQ(own.status, 201) << own.body;
  std::string own_id = own.json()["id"].GetString();
  const std::string& coord = t().coordinator;
  EXPECT_EQ(ids_of(get(port(), "/api/v1/problems", coord)),
            (std::set<std::string>{"p-a1", "p-a2", own_id}));
  EXPECT_EQ(post(port(), "/api/v1/problems", coord,
                 new_problem_body("p-c", "某企业", "江山市", "协调员不提交"))
                .status,
            403);
  EXPECT_EQ(post(port(), "/api/v1/problems/p-a1/withdraw", coord, R"({"note": "x"})").status, 403);
  EXPECT_EQ(post(port(), "/api/v1/problems/p-b1/withdraw", coord, R"({"note": "x"})").status, 404);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1/matches", coord).status, 200);
}

// ---- errors --------------------------------------------------------------------

TEST_F(ApiTest, AuthenticationErrors) {
  auto none = get(port(), "/api/v1/problems", "");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.error_code(), "unauthenticated");
  EXPECT_EQ(none.headers["www-authenticate"].rfind("Bearer", 0), 0u);
  EXPECT_EQ(get(port(), "/api/v1/problems", "emt_0000").status, 401);
  Request basic;
  basic.target = "/api/v1/problems";
  basic.headers["Authorization"] = "Basic YWRtaW46YWRtaW4=";
  EXPECT_EQ(http(port(), basic).status, 401);
  EXPECT_EQ(
      post(port(), "/api/v1/problems", "", new_problem_body("p-x", "e", "江山市", "t")).status,
      401);
  EXPECT_EQ(problem_count(), 5);
}

TEST_F(ApiTest, RoutingErrors) {
  auto r = get(port(), "/api/v1/nothing", t().admin);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.error_code(), "not_found");
  Request del;
  del.method = "DELETE";
  del.target = "/api/v1/problems/p-a1";
  del.token = t().admin;
  auto m = http(port(), del);
  EXPECT_EQ(m.status, 405);
  EXPECT_EQ(m.error_code(), "method_not_allowed");
  EXPECT_EQ(m.headers["allow"], "GET, HEAD, PUT, PATCH");
  EXPECT_EQ(get(port(), "/api/v1/problems/p-a1", t().admin).status, 200);
  EXPECT_EQ(get(port(), "/api/v1/problems/%zz", t().admin).status, 400);
}

TEST_F(ApiTest, BadBodiesChangeNothing) {
  struct Case {
    const char* name;
    std::string content_type;
    std::string body;
    int status;
    const char* code;
    const char* field;
  };
  std::string valid = new_problem_body("p-ok", kEnterpriseA, "江山市", "轴承");
  std::string bad_utf8 = valid;
  bad_utf8.replace(bad_utf8.find("轴承"), 3, "\xff\xfe\x80");
  const Case cases[] = {
      {"malformed", "application/json", "{\"id\": \"p-x\",", 400, "bad_request", ""},
      {"trailing garbage", "application/json", valid + "}", 400, "bad_request", ""},
      {"not an object", "application/json", "[1,2]", 400, "bad_request", ""},
      {"invalid utf-8", "application/json", bad_utf8, 400, "bad_request", ""},
      {"empty", "application/json", "", 400, "bad_request", ""},
      {"wrong media type", "text/plain", valid, 415, "unsupported_media_type", ""},
      {"no media type", "", valid, 415, "unsupported_media_type", ""},
      {"wrong type", "application/json",
       R"({"id": "p-x", "enterprise": "e", "county": "江山市", "title": "t", "description": "", "urgency": "high"})",
       422, "invalid_argument", "urgency"},
      {"missing field", "application/json",
       R"({"id": "p-x", "enterprise": "e", "county": "江山市"})", 422, "invalid_argument", "title"},
      {"bad id", "application/json",
       R"({"id": "p x/1", "enterprise": "e", "county": "江山市", "title": "t", "description": ""})",
       422, "invalid_argument", "id"},
      {"duplicate id", "application/json", new_problem_body("p-a1", kEnterpriseA, "江山市", "重复"),
       409, "already_exists", ""},
  };
  for (const auto& c : cases) {
    Request r;
    r.method = "POST";
    r.target = "/api/v1/problems";
    r.token = t().admin;
    r.body = c.body;
    r.content_type = c.content_type;
    if (c.content_type.empty()) r.headers["Content-Type"] = "";
    auto res = http(port(), r);
    EXPECT_EQ(res.status, c.status) << c.name << ": " << res.body;
    EXPECT_EQ(res.error_code(), c.code) << c.name;
    auto d = res.json();
    ASSERT_TRUE(d.IsObject() && d["error"].HasMember("message")) << c.name;
    EXPECT_EQ(std::string(d["error"]["field"].GetString()), c.field) << c.name;
  }
  EXPECT_EQ(problem_count(), 5);
  EXPECT_STREQ(get(port(), "/api/v1/problems/p-a1", t().admin).json()["title"].GetString(),
               "轴承外圈磨削后表面发黑");
  EXPECT_EQ(get(port(), "/healthz", "").status, 200);
  // Expert bodies too.
  EXPECT_EQ(post(port(), "/api/v1/experts", t().admin, R"({"id": "e-x", "name": 3})").status, 422);
  EXPECT_EQ(post(port(), "/api/v1/experts", t().admin, expert_json(test_experts()[0])).status, 409);
  EXPECT_EQ(
      put(port(), "/api/v1/experts/e-paper", t().admin, expert_json(test_experts()[0])).status, 422)
      << "the body's id must match the path";
  EXPECT_EQ(expert_count(), 6);
}

TEST_F(ApiTest, BodyLimitGives413AndServerStaysUp) {
  std::string big(70 * 1024, 'x');  // over the test config's 64 KiB
  auto r = post(
      port(), "/api/v1/problems", t().admin,
      R"({"id": "p-big", "enterprise": "e", "county": "江山市", "title": "t", "description": ")" +
          big + "\"}");
  EXPECT_EQ(r.status, 413) << r.error;
  EXPECT_EQ(r.error_code(), "payload_too_large");
  // Chunked bodies are held to the same limit.
  RawConnection raw(port());
  ASSERT_TRUE(raw.connected());
  std::string chunk(40 * 1024, 'y');
  char size[16];
  std::snprintf(size, sizeof size, "%zx", chunk.size());
  raw.send("POST /api/v1/problems HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + t().admin +
           "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + size +
           "\r\n" + chunk + "\r\n" + size + "\r\n" + chunk + "\r\n0\r\n\r\n");
  auto cr = raw.read_response();
  EXPECT_EQ(cr.status, 413) << cr.error;
  EXPECT_EQ(problem_count(), 5);
  EXPECT_EQ(get(port(), "/healthz", "").status, 200);
}

// ---- bulk ----------------------------------------------------------------------

TEST_F(ApiTest, BulkImportAndExport) {
  Request exp;
  exp.target = "/api/v1/export/problems";
  exp.token = t().admin;
  auto e = http(port(), exp);
  ASSERT_EQ(e.status, 200);
  EXPECT_EQ(e.headers["content-type"], "application/x-ndjson");
  EXPECT_EQ(std::count(e.body.begin(), e.body.end(), '\n'), 5);

  Problem p1 = test_problems()[0], p2 = test_problems()[1];
  p1.id = "p-bulk1";
  p2.id = "p-bulk2";
  Request imp;
  imp.method = "POST";
  imp.target = "/api/v1/import/problems";
  imp.token = t().admin;
  imp.content_type = "application/x-ndjson";
  imp.body = problem_json(p1) + "\n\n" + problem_json(p2) + "\n";
  auto ok = http(port(), imp);
  ASSERT_EQ(ok.status, 200) << ok.body;
  EXPECT_EQ(ok.json()["imported"]["problems"].GetInt(), 2);
  EXPECT_EQ(problem_count(), 7);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-bulk2/matches", t().admin).status, 200);

  // An import that replaces one record and adds one between existing ids:
  // the replaced record has its new text, every other record is unchanged.
  Problem untouched = test_problems()[0];
  Problem again = p1, p0 = test_problems()[3];
  again.title = "螺杆机高温停机（修订）";
  p0.id = "p-bulk0";
  imp.body = problem_json(again) + "\n" + problem_json(p0) + "\n";
  auto re = http(port(), imp);
  ASSERT_EQ(re.status, 200) << re.body;
  EXPECT_EQ(problem_count(), 8);
  auto replaced = get(port(), "/api/v1/problems/p-bulk1", t().admin);
  ASSERT_EQ(replaced.status, 200);
  EXPECT_EQ(std::string(replaced.json()["title"].GetString()), "螺杆机高温停机（修订）");
  auto kept = get(port(), "/api/v1/problems/" + untouched.id, t().admin);
  ASSERT_EQ(kept.status, 200);
  EXPECT_EQ(std::string(kept.json()["title"].GetString()), untouched.title);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-bulk0/matches", t().admin).status, 200);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-bulk2/matches", t().admin).status, 200);

  // One bad line: nothing is imported, and the line is named.
  Problem p3 = test_problems()[2];
  p3.id = "p-bulk3";
  imp.body = problem_json(p3) + "\n" + R"({"id": "p-bulk4", "enterprise": "e"})" + "\n";
  auto bad = http(port(), imp);
  EXPECT_EQ(bad.status, 422) << bad.body;
  EXPECT_EQ(bad.json()["error"]["details"][0]["line"].GetInt(), 2);
  imp.body = problem_json(p3) + "\n" + problem_json(p3) + "\n";
  EXPECT_EQ(http(port(), imp).status, 422) << "duplicate ids within the file";
  imp.body = problem_json(p3) + "\n{not json\n";
  EXPECT_EQ(http(port(), imp).status, 422);
  imp.body = problem_json(p3) + "\n\xc3\x28\n";
  auto not_utf8 = http(port(), imp);  // named as any bad line: its line and byte
  EXPECT_EQ(not_utf8.status, 422);
  EXPECT_EQ(not_utf8.json()["error"]["details"][0]["line"].GetInt(), 2) << not_utf8.body;
  EXPECT_NE(not_utf8.body.find("第 1 字节"), std::string::npos) << not_utf8.body;
  EXPECT_EQ(problem_count(), 8);
  EXPECT_EQ(get(port(), "/api/v1/problems/p-bulk3", t().admin).status, 404);

  imp.content_type = "application/json";
  EXPECT_EQ(http(port(), imp).status, 415);
  imp.content_type = "application/x-ndjson";
  imp.token = t().county_jiangshan;
  EXPECT_EQ(http(port(), imp).status, 403);

  Expert ex = test_experts()[3];
  ex.id = "e-bulk";
  Request ie;
  ie.method = "POST";
  ie.target = "/api/v1/import/experts";
  ie.token = t().admin;
  ie.content_type = "application/x-ndjson";
  ie.body = expert_json(ex) + "\n";
  ASSERT_EQ(http(port(), ie).status, 200);
  exp.target = "/api/v1/export/experts";
  auto ee = http(port(), exp);
  EXPECT_NE(ee.body.find("\"id\":\"e-bulk\""), std::string::npos);
  EXPECT_EQ(std::count(ee.body.begin(), ee.body.end(), '\n'), 7);
}

// ---- an empty corpus -------------------------------------------------------------

// The list search's text of a problem is held in the same entry as its
// record: an import (adding and replacing), an edit and a status change each
// leave it the text of the record as it now is.
TEST_F(ApiTest, ListSearchFollowsImportsEditsAndStatusChanges) {
  auto found = [&](const std::string& q) {
    return ids_of(get(port(), "/api/v1/problems?q=" + q, t().admin));
  };
  const std::string titanium = "%E9%92%9B%E7%99%BD%E7%B2%89";  // 钛白粉
  const std::string dipping = "%E6%B5%B8%E8%83%B6";            // 浸胶
  const std::string abc = "abc123";  // the title's ＡＢＣ１２３, normalised
  Problem s1 = test_problems()[0], s2 = test_problems()[1];
  s1.id = "p-s1";
  s1.description = "钛白粉留着率只有六成";
  s2.id = "p-s2";
  s2.title = "ＡＢＣ１２３型号";
  Request imp;
  imp.method = "POST";
  imp.target = "/api/v1/import/problems";
  imp.token = t().admin;
  imp.content_type = "application/x-ndjson";
  imp.body = problem_json(s1) + "\n" + problem_json(s2) + "\n";
  ASSERT_EQ(http(port(), imp).status, 200);
  EXPECT_EQ(found(titanium), (std::set<std::string>{"p-s1"}));
  EXPECT_EQ(found(abc), (std::set<std::string>{"p-s2"}));
  EXPECT_EQ(found(dipping), (std::set<std::string>{}));

  // Imported again with another description: found by the new words only;
  // the problem not in this import keeps its text.
  s1.description = "浸胶线车速提不上去";
  imp.body = problem_json(s1) + "\n";
  ASSERT_EQ(http(port(), imp).status, 200);
  EXPECT_EQ(found(titanium), (std::set<std::string>{}));
  EXPECT_EQ(found(dipping), (std::set<std::string>{"p-s1"}));
  EXPECT_EQ(found(abc), (std::set<std::string>{"p-s2"}));

  // Edited: the new title is searched, the old one no longer.
  s2.title = "白水浓度偏高";
  s2.submitted = "";
  ASSERT_EQ(put(port(), "/api/v1/problems/p-s2", t().admin, problem_json(s2)).status, 200);
  EXPECT_EQ(found(abc), (std::set<std::string>{}));
  EXPECT_EQ(found("%E7%99%BD%E6%B0%B4"), (std::set<std::string>{"p-s2"}));  // 白水

  // A status change keeps the text.
  ASSERT_EQ(
      post(port(), "/api/v1/problems/p-s1/withdraw", t().admin, R"({"note": "已自行解决"})").status,
      200);
  EXPECT_EQ(found(dipping), (std::set<std::string>{"p-s1"}));
}

TEST(ApiEmptyCorpusTest, StartsEmptyAndIndexesTheFirstRecords) {
  TestServer server(/*empty=*/true);
  auto ready = get(server.port(), "/readyz", server.tokens().admin);
  EXPECT_EQ(ready.status, 200) << ready.body;
  ASSERT_TRUE(ready.json().HasMember("index")) << ready.body;
  EXPECT_FALSE(ready.json()["index"].GetBool());
  const auto& t = server.tokens();
  auto m = post(server.port(), "/api/v1/match", t.admin, R"({"text": "轴承"})");
  EXPECT_EQ(m.status, 503);
  EXPECT_EQ(m.error_code(), "unavailable");
  for (const auto& e : test_experts())
    ASSERT_EQ(post(server.port(), "/api/v1/experts", t.admin, expert_json(e)).status, 201);
  ASSERT_EQ(
      post(server.port(), "/api/v1/problems", t.admin, problem_json(test_problems()[0])).status,
      201);
  auto r = get(server.port(), "/api/v1/problems/p-a1/matches?k=1", t.admin);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ranked_experts(r), std::vector<std::string>{"e-bearing"});
}

}  // namespace
}  // namespace expertmatch::apitest
