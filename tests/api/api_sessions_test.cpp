// Accounts, sign-in sessions, CSRF, rate limiting, localized errors, the
// pages' static files and UTF-16 highlight positions, through the real server.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <string>

#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

constexpr const char* kPassword = "correct horse 9";

// The em_session value of a Set-Cookie header, "" if none.
std::string session_of(const HttpResult& r) {
  auto it = r.headers.find("set-cookie");
  if (it == r.headers.end()) return "";
  const std::string& c = it->second;
  if (c.rfind("em_session=", 0) != 0) return "";
  return c.substr(11, c.find(';') - 11);
}

struct SignedIn {
  std::string cookie;  // "em_session=..."
  std::string csrf;
};

class SessionsTest : public ::testing::Test {
 protected:
  explicit SessionsTest(std::function<void(api::ServerConfig*)> adjust = {})
      : server_(false, std::move(adjust)) {}
  unsigned short port() const { return server_.port(); }
  const Tokens& t() const { return server_.tokens(); }

  HttpResult create_account(const std::string& username, const std::string& role,
                            const std::string& scope, const std::string& password = kPassword) {
    return post(port(), "/api/v1/accounts", t().admin,
                R"({"username": ")" + username + R"(", "password": ")" + password +
                    R"(", "role": ")" + role + R"(", "scope": ")" + scope + R"("})");
  }
  HttpResult sign_in_raw(const std::string& username, const std::string& password,
                         std::map<std::string, std::string> headers = {}) {
    Request r;
    r.method = "POST";
    r.target = "/api/v1/sessions";
    r.body = R"({"username": ")" + username + R"(", "password": ")" + password + R"("})";
    r.headers = std::move(headers);
    return http(port(), r);
  }
  SignedIn sign_in(const std::string& username) {
    auto r = sign_in_raw(username, kPassword);
    EXPECT_EQ(r.status, 201) << r.body;
    auto d = r.json();
    return {"em_session=" + session_of(r),
            d.IsObject() && d.HasMember("csrf_token") ? d["csrf_token"].GetString() : ""};
  }
  HttpResult with_cookie(const std::string& method, const std::string& target, const SignedIn& s,
                         const std::string& body = "",
                         std::map<std::string, std::string> headers = {}) {
    Request r;
    r.method = method;
    r.target = target;
    r.body = body;
    r.headers = std::move(headers);
    r.headers["Cookie"] = s.cookie;
    return http(port(), r);
  }
  int problem_total() {
    return get(port(), "/api/v1/problems", t().admin).json()["total"].GetInt();
  }

  TestServer server_;
};

TEST_F(SessionsTest, SignInSetsAStrictHttpOnlyCookieThatWhoamiAccepts) {
  auto created = create_account("zhang.san", "enterprise", kEnterpriseA);
  ASSERT_EQ(created.status, 201) << created.body;
  EXPECT_STREQ(created.json()["role"].GetString(), "enterprise");
  EXPECT_EQ(created.body.find(kPassword), std::string::npos) << "the password is never echoed";

  auto r = sign_in_raw("zhang.san", kPassword);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string cookie = set_cookie_of(r, "em_session");
  EXPECT_EQ(session_of(r).size(), 64u) << cookie;
  EXPECT_NE(cookie.find("; HttpOnly"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; SameSite=Strict"), std::string::npos) << cookie;
  EXPECT_NE(cookie.find("; Path=/"), std::string::npos) << cookie;
  auto d = r.json();
  EXPECT_STREQ(d["username"].GetString(), "zhang.san");
  EXPECT_STREQ(d["role"].GetString(), "enterprise");
  EXPECT_STREQ(d["scope"].GetString(), kEnterpriseA);
  std::string csrf = d["csrf_token"].GetString();
  EXPECT_EQ(csrf.size(), 64u);

  SignedIn s{"em_session=" + session_of(r), csrf};
  auto who = with_cookie("GET", "/api/v1/whoami", s);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_STREQ(who.json()["username"].GetString(), "zhang.san");
  EXPECT_STREQ(who.json()["role"].GetString(), "enterprise");
  EXPECT_EQ(who.json()["csrf_token"].GetString(), csrf);
  // A token caller has no user name and no CSRF token.
  auto token_who = get(port(), "/api/v1/whoami", t().enterprise_a).json();
  EXPECT_FALSE(token_who.HasMember("username"));
  EXPECT_FALSE(token_who.HasMember("csrf_token"));
  // A made-up cookie is not a session.
  auto forged = with_cookie("GET", "/api/v1/whoami", {"em_session=" + std::string(64, 'a'), ""});
  EXPECT_EQ(forged.status, 401);
}

TEST_F(SessionsTest, CookieWritesNeedTheCsrfTokenAndThisOrigin) {
  ASSERT_EQ(create_account("li.si", "enterprise", kEnterpriseA).status, 201);
  SignedIn s = sign_in("li.si");
  std::string body = new_problem_body("", kEnterpriseA, "江山市", "轴承保持架断裂");
  int before = problem_total();

  auto none = with_cookie("POST", "/api/v1/problems", s, body);
  EXPECT_EQ(none.status, 403) << none.body;
  EXPECT_EQ(none.error_code(), "csrf");
  auto wrong =
      with_cookie("POST", "/api/v1/problems", s, body, {{"X-CSRF-Token", std::string(64, '0')}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(wrong.error_code(), "csrf");
  auto foreign = with_cookie("POST", "/api/v1/problems", s, body,
                             {{"X-CSRF-Token", s.csrf}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(foreign.status, 403);
  EXPECT_EQ(foreign.error_code(), "csrf");
  EXPECT_EQ(problem_total(), before) << "a refused write changes nothing";

  auto ok = with_cookie("POST", "/api/v1/problems", s, body,
                        {{"X-CSRF-Token", s.csrf}, {"Origin", "http://127.0.0.1"}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(problem_total(), before + 1);
  // Reads need no CSRF token; bearer tokens never do.
  EXPECT_EQ(with_cookie("GET", "/api/v1/problems", s).status, 200);
  EXPECT_EQ(post(port(), "/api/v1/problems", t().enterprise_a,
                 new_problem_body("", kEnterpriseA, "江山市", "轴承游隙超差"))
                .status,
            201);
  // Signing in from another site's page is refused too (login CSRF).
  EXPECT_EQ(sign_in_raw("li.si", kPassword, {{"Origin", "http://evil.example"}}).status, 403);
}

TEST_F(SessionsTest, SignOutEndsTheSessionAndClearsTheCookie) {
  ASSERT_EQ(create_account("wang.wu", "county", "江山市").status, 201);
  SignedIn s = sign_in("wang.wu");
  EXPECT_EQ(with_cookie("DELETE", "/api/v1/sessions/current", s).status, 403)
      << "signing out is a write: it needs the CSRF token";
  auto out = with_cookie("DELETE", "/api/v1/sessions/current", s, "", {{"X-CSRF-Token", s.csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_NE(out.headers["set-cookie"].find("em_session=;"), std::string::npos);
  EXPECT_NE(out.headers["set-cookie"].find("Max-Age=0"), std::string::npos);
  EXPECT_EQ(with_cookie("GET", "/api/v1/whoami", s).status, 401);
}

// The device cookie (docs/api.md, Sign-in limits): given at sign-in, sent
// back only to the sign-in route, unreadable by scripts, kept across sign-out.
TEST_F(SessionsTest, SignInGivesAStrictHttpOnlyDeviceCookieThatOutlivesSignOut) {
  ASSERT_EQ(create_account("qian.ba", "county", "江山市").status, 201);
  auto r = sign_in_raw("qian.ba", kPassword);
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string device = set_cookie_of(r, "em_device");
  // One token: 16-byte nonce, 8-byte time, 32-byte MAC, base64url (75 characters).
  EXPECT_EQ(cookie_of(r, "em_device").size(), std::string("em_device=").size() + 75) << device;
  EXPECT_NE(device.find("; HttpOnly"), std::string::npos) << device;
  EXPECT_NE(device.find("; SameSite=Strict"), std::string::npos) << device;
  EXPECT_NE(device.find("; Path=/api/v1/sessions;"), std::string::npos) << device;
  EXPECT_NE(device.find("; Max-Age=7776000"), std::string::npos) << device;  // 90 days
  EXPECT_EQ(device.find("Secure"), std::string::npos) << device;
  // Signing in again with it replaces its token for this account.
  auto again = sign_in_raw("qian.ba", kPassword, {{"Cookie", cookie_of(r, "em_device")}});
  ASSERT_EQ(again.status, 201) << again.body;
  EXPECT_EQ(cookie_of(again, "em_device").size(), cookie_of(r, "em_device").size());
  EXPECT_NE(cookie_of(again, "em_device"), cookie_of(r, "em_device"));
  // Signing out ends the session, not the device cookie.
  SignedIn s{cookie_of(again, "em_session"), again.json()["csrf_token"].GetString()};
  auto out = with_cookie("DELETE", "/api/v1/sessions/current", s, "", {{"X-CSRF-Token", s.csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(set_cookie_of(out, "em_device"), "");
}

class SecureSessionsTest : public SessionsTest {
 protected:
  SecureSessionsTest() : SessionsTest([](api::ServerConfig* c) { c->cookie_secure = 1; }) {}
};

TEST_F(SecureSessionsTest, BehindTlsBothCookiesAreSecure) {
  ASSERT_EQ(create_account("qian.ba", "county", "江山市").status, 201);
  auto r = sign_in_raw("qian.ba", kPassword);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_NE(set_cookie_of(r, "em_session").find("; Secure"), std::string::npos);
  EXPECT_NE(set_cookie_of(r, "em_device").find("; Secure"), std::string::npos);
}

class NoDeviceSessionsTest : public SessionsTest {
 protected:
  NoDeviceSessionsTest() : SessionsTest([](api::ServerConfig* c) { c->login_device_days = 0; }) {}
};

TEST_F(NoDeviceSessionsTest, DeviceDaysZeroGivesNoDeviceCookie) {
  ASSERT_EQ(create_account("qian.ba", "county", "江山市").status, 201);
  auto r = sign_in_raw("qian.ba", kPassword);
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(session_of(r).size(), 64u);
  EXPECT_EQ(set_cookie_of(r, "em_device"), "");
}

TEST_F(SessionsTest, SessionsSurviveARestart) {
  ASSERT_EQ(create_account("zhao.liu", "coordinator", "江山市/ws-1").status, 201);
  SignedIn s = sign_in("zhao.liu");
  server_.restart();
  auto who = with_cookie("GET", "/api/v1/whoami", s);
  ASSERT_EQ(who.status, 200) << who.body;
  EXPECT_STREQ(who.json()["scope"].GetString(), "江山市/ws-1");
}

TEST_F(SessionsTest, UnknownUserAndWrongPasswordGetTheSameAnswer) {
  ASSERT_EQ(create_account("sun.qi", "admin", "").status, 201);
  auto wrong = sign_in_raw("sun.qi", "not the password");
  auto unknown = sign_in_raw("nobody.here", "not the password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(unknown.status, 401);
  EXPECT_EQ(wrong.body, unknown.body);
  EXPECT_STREQ(wrong.json()["error"]["message"].GetString(), "用户名或密码不正确");
  EXPECT_EQ(wrong.headers.count("set-cookie"), 0u);
}

TEST_F(SessionsTest, AccountsCarryRolesAndScopesExactlyLikeTokens) {
  ASSERT_EQ(create_account("ent.a", "enterprise", kEnterpriseA).status, 201);
  ASSERT_EQ(create_account("county.js", "county", "江山市").status, 201);
  SignedIn ent = sign_in("ent.a");
  SignedIn county = sign_in("county.js");

  // The same problems as the enterprise's token sees, and nothing else.
  auto by_token = get(port(), "/api/v1/problems", t().enterprise_a);
  auto by_cookie = with_cookie("GET", "/api/v1/problems", ent);
  ASSERT_EQ(by_cookie.status, 200);
  EXPECT_EQ(by_cookie.body, by_token.body);
  EXPECT_EQ(with_cookie("GET", "/api/v1/problems/p-b1", ent).status, 404);
  EXPECT_EQ(with_cookie("GET", "/api/v1/problems/p-a1", ent).status, 200);
  EXPECT_EQ(with_cookie("GET", "/api/v1/problems/p-b1", county).status, 404);
  // Admin-only endpoints refuse non-admin accounts.
  auto accounts = with_cookie("GET", "/api/v1/accounts", county);
  EXPECT_EQ(accounts.status, 403);
  EXPECT_EQ(get(port(), "/api/v1/accounts", t().county_jiangshan).status, 403);
  auto make = with_cookie("POST", "/api/v1/accounts", county,
                          R"({"username": "x1", "password": "12345678", "role": "admin"})",
                          {{"X-CSRF-Token", county.csrf}});
  EXPECT_EQ(make.status, 403);

  // Bad accounts are refused with the field; a taken name is a conflict.
  auto no_scope = create_account("ent.b", "enterprise", "");
  EXPECT_EQ(no_scope.status, 422);
  EXPECT_STREQ(no_scope.json()["error"]["field"].GetString(), "scope");
  auto short_pw = create_account("ent.c", "enterprise", kEnterpriseB, "short");
  EXPECT_EQ(short_pw.status, 422);
  EXPECT_STREQ(short_pw.json()["error"]["field"].GetString(), "password");
  auto bad_name = create_account("has space", "admin", "");
  EXPECT_EQ(bad_name.status, 422);
  EXPECT_STREQ(bad_name.json()["error"]["field"].GetString(), "username");
  EXPECT_EQ(create_account("ent.a", "admin", "").status, 409);
  // What the server sets, or a member it does not know, is refused, not
  // silently dropped (found by an attack trial).
  for (const char* extra :
       {R"("disabled": true)", R"("created_at": "2020-01-01")", R"("expires": "2030-01-01")"}) {
    auto r = post(port(), "/api/v1/accounts", t().admin,
                  std::string(R"({"username": "ent.x", "password": ")") + kPassword +
                      R"(", "role": "county", "scope": "江山市", )" + extra + "}");
    EXPECT_EQ(r.status, 422) << extra << ": " << r.body;
  }
  auto list = get(port(), "/api/v1/accounts", t().admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["total"].GetInt(), 2);
  EXPECT_EQ(list.body.find("$argon2"), std::string::npos) << "hashes never leave the server";

  // Disabling ends its sessions and its sign-ins.
  EXPECT_EQ(post(port(), "/api/v1/accounts/ent.a/disable", t().admin, "").status, 200);
  EXPECT_EQ(with_cookie("GET", "/api/v1/problems", ent).status, 401);
  EXPECT_EQ(sign_in_raw("ent.a", kPassword).status, 401);
  EXPECT_EQ(post(port(), "/api/v1/accounts/nobody/disable", t().admin, "").status, 404);
}

TEST_F(SessionsTest, ErrorMessagesComeFromTheCatalogueInChineseOrEnglish) {
  auto zh = post(port(), "/api/v1/match", t().admin, R"({"text": 5})");
  Request en_req;
  en_req.method = "POST";
  en_req.target = "/api/v1/match";
  en_req.token = t().admin;
  en_req.body = R"({"text": 5})";
  en_req.headers["Accept-Language"] = "en-US,en;q=0.9";
  auto en = http(port(), en_req);
  ASSERT_EQ(zh.status, 422);
  ASSERT_EQ(en.status, 422);
  EXPECT_EQ(zh.error_code(), "invalid_argument");
  EXPECT_EQ(en.error_code(), "invalid_argument");
  EXPECT_STREQ(zh.json()["error"]["message"].GetString(), "必须是文字");
  EXPECT_STREQ(en.json()["error"]["message"].GetString(), "must be a string");
  EXPECT_STREQ(zh.json()["error"]["field"].GetString(), "text");
  EXPECT_EQ(zh.headers["content-language"], "zh");
  EXPECT_EQ(en.headers["content-language"], "en");

  // With arguments.
  auto q = get(port(), "/api/v1/problems?limit=0", t().admin);
  EXPECT_STREQ(q.json()["error"]["message"].GetString(),
               "参数 limit 必须是 1 到 500 之间的整数，收到的是“0”");
  Request q_en;
  q_en.target = "/api/v1/problems?limit=0";
  q_en.token = t().admin;
  q_en.headers["Accept-Language"] = "en";
  EXPECT_STREQ(http(port(), q_en).json()["error"]["message"].GetString(),
               "limit must be a whole number from 1 to 500, got \"0\"");
  // A language we do not have falls back to Chinese; a preferred zh wins over en.
  q_en.headers["Accept-Language"] = "fr-FR, en;q=0.5, zh;q=0.8";
  EXPECT_STREQ(http(port(), q_en).json()["error"]["message"].GetString(),
               "参数 limit 必须是 1 到 500 之间的整数，收到的是“0”");
  // Domain (Service) errors too.
  Request nf;
  nf.target = "/api/v1/problems/p-none";
  nf.token = t().admin;
  EXPECT_STREQ(http(port(), nf).json()["error"]["message"].GetString(), "没有编号为“p-none”的难题");
  nf.headers["Accept-Language"] = "en";
  EXPECT_STREQ(http(port(), nf).json()["error"]["message"].GetString(),
               "no problem with id \"p-none\"");
  auto unauth = get(port(), "/api/v1/problems", "");
  EXPECT_STREQ(unauth.json()["error"]["message"].GetString(),
               "请先登录（或提供 Authorization: Bearer 令牌）");
}

TEST_F(SessionsTest, TermsCarryUtf16PositionsBesideBytePositions) {
  // 𠮷 (U+20BB7) is 4 bytes in UTF-8 and 2 code units in UTF-16.
  auto r = post(port(), "/api/v1/match", t().admin, R"({"title": "𠮷𠮷轴承磨削烧伤", "k": 1})");
  ASSERT_EQ(r.status, 200) << r.body;
  auto d = r.json();
  ASSERT_GE(d["matches"].Size(), 1u);
  bool found = false;
  for (const auto& term : d["matches"][0]["terms"].GetArray()) {
    ASSERT_TRUE(term.HasMember("utf16_positions"));
    ASSERT_EQ(term["positions"].Size(), term["utf16_positions"].Size());
    if (std::string(term["term"].GetString()) != "轴承") continue;
    found = true;
    EXPECT_STREQ(term["field"].GetString(), "title");
    EXPECT_EQ(term["positions"][0][0].GetInt(), 8);
    EXPECT_EQ(term["positions"][0][1].GetInt(), 14);
    EXPECT_EQ(term["utf16_positions"][0][0].GetInt(), 4);
    EXPECT_EQ(term["utf16_positions"][0][1].GetInt(), 6);
  }
  EXPECT_TRUE(found) << r.body;
}

TEST_F(SessionsTest, StaticPagesAreServedSafely) {
  auto index = get(port(), "/", "");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<form id=\"sign-in\""), std::string::npos);
  EXPECT_NE(index.headers["content-security-policy"].find("default-src 'self'"), std::string::npos);
  EXPECT_NE(index.headers["content-security-policy"].find("frame-ancestors 'none'"),
            std::string::npos);
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(index.headers["cache-control"], "no-cache");
  auto js = get(port(), "/web/app.js", "");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(js.body.find("/api/v1/sessions"), std::string::npos);
  EXPECT_EQ(get(port(), "/web/app.css", "").headers["content-type"], "text/css; charset=utf-8");
  // The request reader refuses an encoded slash or NUL in any target (400);
  // the static route answers every other escape attempt as a missing file.
  const std::pair<const char*, int> kBad[] = {{"/web/../CMakeLists.txt", 404},
                                              {"/web/%2e%2e/CMakeLists.txt", 404},
                                              {"/web/%2E%2E%2FCMakeLists.txt", 400},
                                              {"/web/..%2f..%2fCMakeLists.txt", 400},
                                              {"/web/./index.html", 404},
                                              {"/web/", 404},
                                              {"/web//etc/passwd", 404},
                                              {"/web/missing.html", 404},
                                              {"/web/%00index.html", 400}};
  for (const auto& [bad, status] : kBad) {
    auto r = get(port(), bad, "");
    EXPECT_EQ(r.status, status) << bad;
    EXPECT_EQ(r.body.find("cmake_minimum_required"), std::string::npos) << bad;
  }
}

TEST(StaticRootTest, NothingOutsideTheRootEvenThroughALink) {
  TempDir root, outside;
  std::ofstream(root.path() + "/page.html") << "<p>ok</p>";
  std::ofstream(outside.path() + "/secret.txt") << "secret";
  ASSERT_EQ(
      ::symlink((outside.path() + "/secret.txt").c_str(), (root.path() + "/link.txt").c_str()), 0);
  TestServer server(true, [&](api::ServerConfig* c) { c->web_root = root.path(); });
  EXPECT_EQ(get(server.port(), "/web/page.html", "").body, "<p>ok</p>");
  EXPECT_EQ(get(server.port(), "/web/link.txt", "").status, 404);
  EXPECT_EQ(get(server.port(), "/", "").status, 404) << "this root has no index.html";
}

class RateLimitTest : public SessionsTest {
 protected:
  RateLimitTest()
      : SessionsTest([](api::ServerConfig* c) {
          c->login_max_failures = 3;
          c->login_max_failures_per_address = 5;
        }) {}
};

TEST_F(RateLimitTest, FailedSignInsAreLimitedPerUserAndPerAddress) {
  ASSERT_EQ(create_account("zhou.ba", "admin", "").status, 201);
  ASSERT_EQ(create_account("wu.jiu", "admin", "").status, 201);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(sign_in_raw("zhou.ba", "wrong password").status, 401);
  // Limited now, even with the right password.
  auto limited = sign_in_raw("zhou.ba", kPassword);
  EXPECT_EQ(limited.status, 429) << limited.body;
  EXPECT_EQ(limited.error_code(), "rate_limited");
  ASSERT_TRUE(limited.headers.count("retry-after"));
  EXPECT_GT(std::stoi(limited.headers["retry-after"]), 0);
  // Another user from this address still signs in (3 failures < 5 per address)...
  EXPECT_EQ(sign_in_raw("wu.jiu", kPassword).status, 201);
  // ...while the address's failures name fewer than 5 accounts...
  EXPECT_EQ(sign_in_raw("wu.jiu", kPassword).status, 201);
  // ...until its failures name 5 different accounts (zhou.ba and 4 guesses).
  for (const char* name : {"guess.1", "guess.2", "guess.3"})
    EXPECT_EQ(sign_in_raw(name, "x").status, 401);
  EXPECT_EQ(sign_in_raw("wu.jiu", kPassword).status, 201);
  EXPECT_EQ(sign_in_raw("guess.4", "x").status, 401);
  EXPECT_EQ(sign_in_raw("wu.jiu", kPassword).status, 429);
}

}  // namespace
}  // namespace expertmatch::apitest
