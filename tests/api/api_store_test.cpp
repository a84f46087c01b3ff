// The service and its data directory (issue 10): one server per directory,
// creates that never overwrite, tokens revoked or expired at once, writes and
// answers kept inside the caller's scope, and starting only on a real store.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "api/access.h"
#include "api/service.h"
#include "corpus/store.h"
#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

int total_of(const HttpResult& r) {
  auto d = r.json();
  return d.IsObject() && d.HasMember("total") ? d["total"].GetInt() : -1;
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t at = 0; (at = s.find(from, at)) != std::string::npos; at += to.size())
    s.replace(at, from.size(), to);
  return s;
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// An admin's bulk import of problems with `body` (JSON Lines).
HttpResult import_body(TestServer& server, const std::string& body) {
  Request imp;
  imp.method = "POST";
  imp.target = "/api/v1/import/problems";
  imp.token = server.tokens().admin;
  imp.content_type = "application/x-ndjson";
  imp.body = body;
  return http(server.port(), imp);
}

// ---- one writer per data directory ------------------------------------------

TEST(ApiStoreTest, ASecondServerOnTheSameDataIsRefusedAndTheFirstKeepsItsRecords) {
  TestServer first;
  auto created = post(first.port(), "/api/v1/problems", first.tokens().admin,
                      new_problem_body("p-first", kEnterpriseA, "江山市", "第一台服务器的记录"));
  ASSERT_EQ(created.status, 201) << created.body;

  auto second = api::ApiServer::start(test_config(first.dir()));
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), ErrorCode::kUnavailable);
  const std::string& why = second.status().message();
  EXPECT_TRUE(contains(why, "pid " + std::to_string(::getpid()))) << why;
  EXPECT_TRUE(contains(why, "expertmatch serve")) << why;
  EXPECT_TRUE(contains(why, "started 20")) << why;

  auto kept = get(first.port(), "/api/v1/problems/p-first", first.tokens().admin);
  ASSERT_EQ(kept.status, 200);
  EXPECT_STREQ(kept.json()["title"].GetString(), "第一台服务器的记录");
  // Once the first stops, the directory is free again.
  first.stop();
  auto third = api::ApiServer::start(test_config(first.dir()));
  ASSERT_TRUE(third.is_ok()) << third.status().to_string();
  EXPECT_EQ(get((*third)->port(), "/api/v1/problems/p-first", first.tokens().admin).status, 200);
}

TEST(ApiStoreTest, ACreateNeverReplacesAnExistingRecord) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  auto again = post(server.port(), "/api/v1/problems", admin,
                    new_problem_body("p-a1", kEnterpriseA, "江山市", "覆盖原有难题"));
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.error_code(), "already_exists");
  auto kept = get(server.port(), "/api/v1/problems/p-a1", admin);
  EXPECT_STRNE(kept.json()["title"].GetString(), "覆盖原有难题");
  Expert e = test_experts()[0];
  e.name = "冒名";
  auto expert = post(server.port(), "/api/v1/experts", admin, expert_json(e));
  EXPECT_EQ(expert.status, 409);
  EXPECT_STREQ(get(server.port(), "/api/v1/experts/e-bearing", admin).json()["name"].GetString(),
               "张伟");
}

// ---- bulk import, streamed ----------------------------------------------------

// A bulk import is read and stored a line at a time: a bad line late in a
// big body still stores nothing, and the answer names that line and field.
TEST(ApiStoreTest, AStreamedImportWithABadLineLateStoresNothingAndNamesTheLine) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  const int before = total_of(get(server.port(), "/api/v1/problems?limit=1", admin));
  ASSERT_GT(before, 0);
  constexpr int kLines = 3000;
  // Every line valid on its own: a test problem under a new id.
  auto line = [](int i) {
    Problem p = test_problems()[i % 4];
    p.id = "imp-" + std::to_string(i);
    return problem_json(p);
  };
  auto with = [](std::string json, const std::string& from, const std::string& to) {
    size_t at = json.find(from);
    return at == std::string::npos ? std::string() : json.replace(at, from.size(), to);
  };
  auto import_problems = [&](const std::string& body) { return import_body(server, body); };
  struct Case {
    int line;
    std::string text;  // the bad line
    std::string field;
  };
  Problem p2998 = test_problems()[2998 % 4];
  const std::vector<Case> cases = {
      {2999, with(line(2999), "\"urgency\":", "\"urgency\":9,\"x_was\":"), "urgency"},
      // Known to the JSON reader, refused by the county check: named all the same.
      {2998, with(line(2998), "\"county\":\"" + p2998.county + "\"", "\"county\":\"杭州市\""),
       "county"},
      {3000, line(1), "id"},  // the id of line 1 again
      {2997, "{\"id\": ", ""},
      // Not UTF-8 (attack trial 21: the whole body was refused, no line named).
      {2996, with(line(2996), "\"title\":\"", "\"title\":\"\xff"), ""},
  };
  for (const auto& c : cases) {
    ASSERT_FALSE(c.text.empty()) << c.line;
    std::string body;
    for (int i = 1; i <= kLines; ++i) body += (i == c.line ? c.text : line(i)) + "\n";
    auto bad = import_problems(body);
    ASSERT_EQ(bad.status, 422) << c.line << ": " << bad.body.substr(0, 300);
    auto d = bad.json();
    ASSERT_TRUE(d["error"]["details"].IsArray() && d["error"]["details"].Size() == 1)
        << bad.body.substr(0, 300);
    EXPECT_EQ(d["error"]["details"][0]["line"].GetInt(), c.line) << bad.body.substr(0, 300);
    EXPECT_EQ(std::string(d["error"]["details"][0]["field"].GetString()), c.field)
        << bad.body.substr(0, 300);
    // Nothing stored, not even the 2,996 good lines before it; still up.
    EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?limit=1", admin)), before);
    EXPECT_EQ(get(server.port(), "/api/v1/problems/imp-1", admin).status, 404);
    EXPECT_EQ(get(server.port(), "/healthz", "").status, 200);
  }
  // The same body without the bad line: every record, durable and matched.
  std::string body;
  for (int i = 1; i <= kLines; ++i) body += line(i) + "\n";
  auto ok = import_problems(body);
  ASSERT_EQ(ok.status, 200) << ok.body.substr(0, 300);
  EXPECT_EQ(ok.json()["imported"]["problems"].GetInt(), kLines);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?limit=1", admin)), before + kLines);
  auto last = get(server.port(), "/api/v1/problems/imp-3000", admin);
  ASSERT_EQ(last.status, 200);
  EXPECT_EQ(std::string(last.json()["title"].GetString()), test_problems()[3000 % 4].title);
  EXPECT_EQ(get(server.port(), "/api/v1/problems/imp-2999/matches?k=1", admin).status, 200);
  server.restart();
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems?limit=1", admin)), before + kLines);
}

// Attack trial 21: a bulk import set a closed problem back to submitted (the
// exchange format has no status, so a plain line meant "submitted") and set
// another solved without an outcome, none of it in the history. A held
// problem's status is the workflow's: a line naming none keeps it, a line
// naming another is refused with its line, and nothing is stored.
TEST(ApiStoreTest, AnImportLeavesAHeldProblemsStatusToTheWorkflow) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  auto import_problems = [&](const std::string& body) { return import_body(server, body); };
  auto status_of = [&](const std::string& id) {
    return std::string(
        get(server.port(), "/api/v1/problems/" + id, admin).json()["status"].GetString());
  };
  auto history_size = [&](const std::string& id) {
    return get(server.port(), "/api/v1/problems/" + id + "/history", admin).json()["items"].Size();
  };
  Problem closed = test_problems()[0], open = test_problems()[1];
  ASSERT_EQ(post(server.port(), "/api/v1/problems/" + closed.id + "/status", admin,
                 R"({"status": "closed", "note": "企业停产"})")
                .status,
            200);
  const size_t closed_history = history_size(closed.id), open_history = history_size(open.id);
  const std::string open_status = status_of(open.id);
  ASSERT_EQ(open_status, "submitted");
  // Line 1 names no status (as the exchange format writes it); line 2 names another.
  closed.status = ProblemStatus::kSubmitted;
  std::string solved_line = problem_json(open);
  solved_line.insert(solved_line.size() - 1, R"(,"status":"solved")");
  auto refused = import_problems(problem_json(closed) + "\n" + solved_line + "\n");
  ASSERT_EQ(refused.status, 422) << refused.body;
  auto d = refused.json();
  ASSERT_EQ(d["error"]["details"].Size(), 1u) << refused.body;
  EXPECT_EQ(d["error"]["details"][0]["line"].GetInt(), 2);
  EXPECT_STREQ(d["error"]["details"][0]["field"].GetString(), "status");
  EXPECT_TRUE(contains(refused.body, "现为“submitted”，导入不能把它改为“solved”")) << refused.body;
  EXPECT_EQ(status_of(closed.id), "closed");
  EXPECT_EQ(status_of(open.id), "submitted");
  // Without the second line: stored, the closed problem still closed, its history as it was.
  auto kept = import_problems(problem_json(closed) + "\n");
  ASSERT_EQ(kept.status, 200) << kept.body;
  EXPECT_EQ(status_of(closed.id), "closed");
  EXPECT_EQ(history_size(closed.id), closed_history);
  EXPECT_EQ(history_size(open.id), open_history);
  // Naming the status it holds is no change.
  std::string same = problem_json(closed);
  same.insert(same.size() - 1, R"(,"status":"closed")");
  EXPECT_EQ(import_problems(same + "\n").status, 200);
  EXPECT_EQ(status_of(closed.id), "closed");
}

// ---- tokens -------------------------------------------------------------------

TEST(ApiStoreTest, ARevokedTokenFailsOnItsNextRequest) {
  TestServer server;
  const std::string& token = server.tokens().county_jiangshan;
  ASSERT_EQ(get(server.port(), "/api/v1/problems", token).status, 200);
  // Another connection, as `expertmatch token revoke` in another process.
  auto store = Store::open(server.dir());
  ASSERT_TRUE(store.is_ok());
  auto revoked = (*store)->revoke_token(api::token_hash(token).substr(0, 12));
  ASSERT_TRUE(revoked.is_ok()) << revoked.status().to_string();
  auto after = get(server.port(), "/api/v1/problems", token);
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.error_code(), "unauthenticated");
  EXPECT_EQ(get(server.port(), "/api/v1/problems", server.tokens().county_longyou).status, 200);
}

// Attack trial 21, F3: a write admitted before its token was revoked, and
// waiting behind another writer, still ran. Every write entry point checks
// the credential again once it is next in line: the principal here stands
// for a request whose token was revoked (or whose scope changed) meanwhile.
TEST(ApiStoreTest, AWriteWhoseCredentialLapsedWhileItWaitedWritesNothing) {
  TestServer server;
  api::Service& service = server.server().service();
  api::Principal admin{api::Role::kAdmin, ""};
  // A draft plan and the counts to compare, made while the credential holds.
  auto draft = service.create_plan(admin, "江山市", {});
  ASSERT_TRUE(draft.is_ok()) << draft.status().to_string();
  auto problems_before = get(server.port(), "/api/v1/problems?limit=100", server.tokens().admin);
  auto experts_before = get(server.port(), "/api/v1/experts?limit=100", server.tokens().admin);
  auto plans_before = get(server.port(), "/api/v1/counties/%E6%B1%9F%E5%B1%B1%E5%B8%82/plans",
                          server.tokens().admin);
  ASSERT_EQ(problems_before.status, 200);

  api::Principal revoked = admin;
  revoked.reauthenticate = []() -> Result<api::Principal> {
    return Status(ErrorCode::kPermissionDenied, i18n::Message("auth.token_revoked"));
  };
  api::Principal narrowed = admin;  // the account now has a county's scope
  narrowed.reauthenticate = []() -> Result<api::Principal> {
    return api::Principal{api::Role::kCounty, "江山市"};
  };
  Problem fresh = test_problems()[0];
  fresh.id = "p-late";
  Expert late = test_experts()[0];
  late.id = "e-late";
  const std::string line = problem_json(fresh) + "\n";
  struct Case {
    const char* write;
    std::function<Status(const api::Principal&)> run;
  };
  auto status_of = [](const auto& result) {
    return result.is_ok() ? Status::ok() : result.status();
  };
  const std::vector<Case> cases = {
      {"create_problem",
       [&](const auto& who) { return status_of(service.create_problem(who, fresh, true)); }},
      {"update_problem",
       [&](const auto& who) {
         return status_of(
             service.update_problem(who, "p-a1", [](const Problem& p) -> Result<Problem> {
               Problem q = p;
               q.title = "改写的标题";
               return q;
             }));
       }},
      {"create_expert",
       [&](const auto& who) { return status_of(service.create_expert(who, late)); }},
      {"deactivate_expert",
       [&](const auto& who) { return status_of(service.deactivate_expert(who, "e-bearing")); }},
      {"register_enterprise",
       [&](const auto& who) {
         return status_of(service.register_enterprise(who, "新登记企业", "江山市"));
       }},
      {"import_jsonl",
       [&](const auto& who) {
         return status_of(service.import_jsonl(who, api::Service::ImportKind::kProblems, line));
       }},
      {"add_review",
       [&](const auto& who) {
         return status_of(service.add_review(who, "p-a1", "e-bearing", "rejected", "不合适"));
       }},
      {"change_status",
       [&](const auto& who) {
         return status_of(
             service.change_status(who, "p-a1", {ProblemStatus::kClosed, "企业已自行解决", ""}));
       }},
      {"create_plan",
       [&](const auto& who) { return status_of(service.create_plan(who, "江山市", {})); }},
      {"approve_plan",
       [&](const auto& who) { return status_of(service.approve_plan(who, draft->id)); }},
      {"discard_plan",
       [&](const auto& who) { return status_of(service.discard_plan(who, draft->id)); }},
  };
  for (const auto& c : cases) {
    for (const api::Principal* who : {&revoked, &narrowed}) {
      Status s = c.run(*who);
      EXPECT_EQ(s.code(), ErrorCode::kUnauthenticated)
          << c.write << (who == &revoked ? " (revoked)" : " (scope changed)") << ": "
          << s.to_string();
    }
  }
  // Nothing was written: the same records, plans and history as before.
  EXPECT_EQ(get(server.port(), "/api/v1/problems?limit=100", server.tokens().admin).body,
            problems_before.body);
  EXPECT_EQ(get(server.port(), "/api/v1/experts?limit=100", server.tokens().admin).body,
            experts_before.body);
  EXPECT_EQ(get(server.port(), "/api/v1/counties/%E6%B1%9F%E5%B1%B1%E5%B8%82/plans",
                server.tokens().admin)
                .body,
            plans_before.body);
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-a1/history", server.tokens().admin)
                .body.find("企业已自行解决"),
            std::string::npos);
  EXPECT_FALSE(service.enterprise_county("新登记企业").has_value());
  // The same writes with a credential that still holds go through (the
  // cases above were refused for their credential, not for their content).
  api::Principal holds = admin;
  holds.reauthenticate = [admin]() -> Result<api::Principal> { return admin; };
  EXPECT_TRUE(service.create_problem(holds, fresh, true).is_ok());
  // A scope now stored in another spelling of the same name is the same
  // caller (attack trial 23: 柯城區 rewritten as 柯城区 gave a false 401).
  api::Principal county{api::Role::kCounty, "江山市"};
  county.reauthenticate = []() -> Result<api::Principal> {
    return api::Principal{api::Role::kCounty, "江山巿"};
  };
  Problem respelled = fresh;
  respelled.id = "";
  respelled.county = "江山市";
  EXPECT_TRUE(service.create_problem(county, respelled, false).is_ok());
  EXPECT_TRUE(service.discard_plan(holds, draft->id).is_ok());
}

TEST(ApiStoreTest, AnExpiredTokenIsRefused) {
  TestServer server;
  auto store = Store::open(server.dir());
  ASSERT_TRUE(store.is_ok());
  auto past = api::create_token(**store, api::Role::kAdmin, "", "old", "2001-01-01T00:00:00Z");
  auto future = api::create_token(**store, api::Role::kAdmin, "", "new", "2999-01-01T00:00:00Z");
  ASSERT_TRUE(past.is_ok() && future.is_ok());
  auto old = get(server.port(), "/api/v1/whoami", *past);
  EXPECT_EQ(old.status, 401);
  EXPECT_TRUE(contains(old.body, "过期")) << old.body;
  EXPECT_EQ(get(server.port(), "/api/v1/whoami", *future).status, 200);
}

TEST(ApiStoreTest, TokenScopesNameAKnownCounty) {
  using api::Role;
  struct Case {
    Role role;
    std::string scope;
    bool ok;
    std::string says;  // part of the error message
  };
  const std::vector<Case> cases = {
      {Role::kCounty, "常山县", true, ""},
      {Role::kCounty, "衢州智造新城", true, ""},
      {Role::kCounty, "常山", false, "did you mean \"常山县\""},
      {Role::kCounty, "杭州市", false, "unknown county \"杭州市\""},
      {Role::kCounty, " 常山县", false, "white space"},
      {Role::kCounty, "常山县 ", false, "white space"},
      {Role::kCounty, "常山县\xe3\x80\x80", false, "white space"},
      {Role::kCoordinator, "常山县/ws-1", true, ""},
      {Role::kCoordinator, "江山市", true, ""},
      {Role::kCoordinator, "江山/ws-1", false, "did you mean \"江山市\""},
      {Role::kCoordinator, "江山市/", false, "workstation"},
      {Role::kEnterprise, "某企业", true, ""},
      {Role::kEnterprise, "某企业\t", false, "white space"},
      {Role::kEnterprise, "某\n企业", false, "control character"},
      {Role::kAdmin, "", true, ""},
      {Role::kAdmin, "江山市", false, "no scope"},
      {Role::kCounty, "", false, "needs a scope: the county's name"},
  };
  for (const auto& c : cases) {
    Status s = api::check_role_scope(c.role, c.scope);
    EXPECT_EQ(s.is_ok(), c.ok) << c.scope << ": " << s.to_string();
    if (!c.ok) EXPECT_TRUE(contains(s.message(), c.says)) << c.scope << ": " << s.message();
  }
  // A setting may replace the list; the check follows it.
  CountyList other({"杭州市"});
  EXPECT_TRUE(api::check_role_scope(Role::kCounty, "杭州市", other).is_ok());
  EXPECT_FALSE(api::check_role_scope(Role::kCounty, "常山县", other).is_ok());
}

// ---- scope: what a caller may write and learn ---------------------------------

TEST(ApiStoreTest, WritesStayInsideTheWritersScope) {
  TestServer server;
  const Tokens& t = server.tokens();
  int before = total_of(get(server.port(), "/api/v1/problems", t.admin));
  // A 江山市 county token may not file a problem in 龙游县's enterprise's list,
  // even when it names its own county.
  auto other = post(server.port(), "/api/v1/problems", t.county_jiangshan,
                    new_problem_body("", kEnterpriseB, "江山市", "冒名提交"));
  EXPECT_EQ(other.status, 422) << other.body;
  // On "enterprise", without naming the county that holds it (docs/api.md).
  EXPECT_EQ(other.json()["error"]["field"], "enterprise");
  EXPECT_EQ(other.body.find("龙游县"), std::string::npos) << other.body;
  // Nor move its own problem into another county's enterprise.
  Problem p = test_problems()[0];  // p-a1 of 江山恒锐轴承 (江山市)
  p.enterprise = kEnterpriseB;
  auto moved = put(server.port(), "/api/v1/problems/p-a1", t.county_jiangshan, problem_json(p));
  EXPECT_EQ(moved.status, 422) << moved.body;
  // An enterprise keeps its county; so does an admin's write.
  auto wrong_county = post(server.port(), "/api/v1/problems", t.enterprise_a,
                           new_problem_body("", kEnterpriseA, "龙游县", "换个县提交"));
  EXPECT_EQ(wrong_county.status, 422) << wrong_county.body;
  EXPECT_EQ(wrong_county.json()["error"]["field"], "county");
  auto admin = post(server.port(), "/api/v1/problems", t.admin,
                    new_problem_body("p-admin", kEnterpriseB, "江山市", "管理员写错县"));
  EXPECT_EQ(admin.status, 422) << admin.body;
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems", t.admin)), before);
  // Its own county's enterprise, new or known, is fine.
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.county_jiangshan,
                 new_problem_body("", kEnterpriseA, "江山市", "本县企业的新难题"))
                .status,
            201);
  EXPECT_EQ(post(server.port(), "/api/v1/problems", t.county_jiangshan,
                 new_problem_body("", "江山新办企业", "江山市", "新企业"))
                .status,
            201);
  EXPECT_EQ(total_of(get(server.port(), "/api/v1/problems", t.admin)), before + 2);
}

TEST(ApiStoreTest, OnlyAdminChoosesProblemIdsSoATakenIdRevealsNothing) {
  TestServer server;
  const Tokens& t = server.tokens();
  // p-b1 exists in 龙游县; p-none does not: the 江山市 county token gets the
  // same answer for both, and nothing is stored.
  for (const std::string& token : {t.county_jiangshan, t.enterprise_a}) {
    auto taken = post(server.port(), "/api/v1/problems", token,
                      new_problem_body("p-b1", kEnterpriseA, "江山市", "占号"));
    auto free = post(server.port(), "/api/v1/problems", token,
                     new_problem_body("p-none", kEnterpriseA, "江山市", "占号"));
    EXPECT_EQ(taken.status, 422);
    EXPECT_EQ(taken.json()["error"]["field"], "id");
    EXPECT_EQ(taken.body, free.body);
  }
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-none", t.admin).status, 404);
}

TEST(ApiStoreTest, EveryAnswerAboutAnInvisibleProblemIsTheAnswerForAMissingOne) {
  TestServer server;
  const Tokens& t = server.tokens();
  // p-b1 (龙游县, 龙游金昌特种纸业) is invisible to these callers; "p-zz" does not exist.
  Problem own = test_problems()[0];
  struct Call {
    std::string method, path, body;
  };
  const std::vector<Call> calls = {
      {"GET", "/api/v1/problems/ID", ""},
      {"PUT", "/api/v1/problems/ID", problem_json(own)},
      {"PUT", "/api/v1/problems/ID", R"({"title": 5})"},
      {"POST", "/api/v1/problems/ID/withdraw", ""},
      {"GET", "/api/v1/problems/ID/matches", ""},
      {"GET", "/api/v1/problems/ID/reviews", ""},
      {"POST", "/api/v1/problems/ID/reviews", R"({"expert_id": "e-paper", "decision": "accept"})"},
      {"POST", "/api/v1/problems/ID/reviews", R"({"expert_id": "e-none", "decision": "maybe"})"},
      {"POST", "/api/v1/problems/ID/status", R"({"status": "closed", "note": "不再需要"})"},
      {"POST", "/api/v1/problems/ID/status", R"({"status": "nope"})"},
      {"GET", "/api/v1/problems/ID/history", ""},
  };
  for (const std::string& token :
       {t.county_jiangshan, t.coordinator, t.enterprise_a, t.county_longyou}) {
    // For 龙游县's own county token, p-a1 (江山市) is the invisible one.
    std::string hidden = token == t.county_longyou ? "p-a1" : "p-b1";
    for (const auto& c : calls) {
      std::string body = replace_all(c.body, "\"p-a1\"", "\"ID\"");
      Request seen{c.method, replace_all(c.path, "ID", hidden),
                   token,    replace_all(body, "\"ID\"", "\"" + hidden + "\""),
                   "",       {}};
      Request missing{c.method, replace_all(c.path, "ID", "p-zz"),
                      token,    replace_all(body, "\"ID\"", "\"p-zz\""),
                      "",       {}};
      auto a = http(server.port(), seen);
      auto b = http(server.port(), missing);
      EXPECT_EQ(a.status, b.status) << c.method << " " << seen.target << "\n" << a.body;
      EXPECT_EQ(replace_all(a.body, hidden, "ID"), replace_all(b.body, "p-zz", "ID"))
          << c.method << " " << seen.target;
    }
  }
  // Nothing changed: p-b1 is still submitted (a new problem's status), unreviewed, with no
  // status change on record.
  auto b1 = get(server.port(), "/api/v1/problems/p-b1", t.admin);
  EXPECT_STREQ(b1.json()["status"].GetString(), "submitted");
  auto b1_history = get(server.port(), "/api/v1/problems/p-b1/history", t.admin);
  ASSERT_EQ(b1_history.status, 200) << b1_history.body;
  EXPECT_EQ(b1_history.json()["items"].Size(), 0u) << b1_history.body;
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-b1/reviews", t.admin).json()["reviews"].Size(),
            0u);
}

// ---- starting on a data directory --------------------------------------------

TEST(ApiStoreTest, AMissingOrEmptyStoreIsRefusedUnlessCreationIsAsked) {
  TempDir dir;
  std::string missing = dir.path() + "/mistyped";
  auto none = api::ApiServer::start(test_config(missing));
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
  EXPECT_FALSE(std::filesystem::exists(missing)) << "a refused start creates nothing";
  // A directory without a store, and an empty store file.
  auto no_store = api::ApiServer::start(test_config(dir.path()));
  EXPECT_EQ(no_store.status().code(), ErrorCode::kNotFound);
  std::ofstream(dir.path() + "/store.sqlite").close();
  auto empty_file = api::ApiServer::start(test_config(dir.path()));
  EXPECT_EQ(empty_file.status().code(), ErrorCode::kNotFound);

  api::ServiceOptions create;
  create.create_store = true;
  auto created = api::ApiServer::start(test_config(missing + "/nested"), create);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  EXPECT_TRUE(std::filesystem::exists(missing + "/nested/store.sqlite"));
  created->reset();
  created = api::ApiServer::start(test_config(missing), create);
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();
  EXPECT_TRUE(std::filesystem::exists(missing + "/store.sqlite"));
  created->reset();
  // Once created, it starts without being asked again.
  EXPECT_TRUE(api::ApiServer::start(test_config(missing)).is_ok());
}

TEST(ApiStoreTest, AnIndexThatCannotBeSavedIsServedFromMemory) {
  TempDir dir;
  Tokens t = seed_data(dir.path());
  // DATA/index is a file, so the rebuilt index cannot be written there (as
  // on a read-only or full disk; a file works for root too).
  std::ofstream(dir.path() + "/index") << "not a directory";
  std::vector<std::string> log;
  auto server = api::ApiServer::start(test_config(dir.path()), {}, &log);
  ASSERT_TRUE(server.is_ok()) << server.status().to_string();
  bool logged = false;
  for (const auto& line : log) logged |= contains(line, "saving the index failed");
  EXPECT_TRUE(logged);
  auto ready = get((*server)->port(), "/readyz", "");
  EXPECT_EQ(ready.status, 200) << ready.body;
  auto m = get((*server)->port(), "/api/v1/problems/p-a1/matches?k=1", t.admin);
  ASSERT_EQ(m.status, 200) << m.body;
  EXPECT_STREQ(m.json()["matches"][0]["expert_id"].GetString(), "e-bearing");
}

}  // namespace
}  // namespace expertmatch::apitest
