// Issue 10, fifth attack trial, through the real server: sign-ins from 20
// addresses kept every real sign-in out, because a refusal for a full hash
// queue cost the flooding address nothing; user names took spaces of other
// widths, invisible characters and lookalikes of existing accounts; and a
// problem of punctuation and emoji was stored and given "good" experts.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "api/accounts.h"
#include "api/client_address.h"
#include "api/config.h"
#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

constexpr const char* kPassword = "correct horse 9";

// A sign-in from `address`, as a trusted reverse proxy (the test's own
// 127.0.0.1) names it in X-Forwarded-For.
HttpResult sign_in(unsigned short port, const std::string& username, const std::string& password,
                   const std::string& address) {
  Request r;
  r.method = "POST";
  r.target = "/api/v1/sessions";
  r.body = R"({"username": ")" + username + R"(", "password": ")" + password + R"("})";
  r.headers["Accept-Language"] = "en";
  r.headers["X-Forwarded-For"] = address;
  return http(port, r);
}

HttpResult create_account(unsigned short port, const std::string& admin,
                          const std::string& username) {
  Request r;
  r.method = "POST";
  r.target = "/api/v1/accounts";
  r.token = admin;
  r.body = R"({"username": ")" + username + R"(", "password": ")" + kPassword +
           R"(", "role": "county", "scope": "江山市"})";
  r.headers["Accept-Language"] = "en";
  return http(port, r);
}

void adjust_for_proxy(api::ServerConfig* c) {
  c->trusted_proxies = "127.0.0.1";
  c->worker_threads = 4;
  c->password_hash_concurrency = 1;
  c->max_connections_per_client = 128;  // every request arrives from the proxy, 127.0.0.1
}

// ---- the hash queue -------------------------------------------------------------

// The attack (hashflood.py): addresses 127.0.0.60-79, two connections each,
// loop sign-ins with made-up user names and 1 KB passwords; meanwhile the
// admin signs in 13 times from her own address. On main all 13 got 503: the
// flood's own 503s were free, so no address reached a limit, and the queue
// was always full. Now each refusal spends the address's attempt and the
// queue gives way to an address that asks less: all 13 get in.
TEST(SignInFloodTest, TwentyFloodingAddressesDoNotKeepAPersonOut) {
  TestServer server(false, [](api::ServerConfig* c) {
    adjust_for_proxy(c);
    c->login_rate_per_account = 60;  // 13 sign-ins of one account: not the limit under test
  });
  ASSERT_EQ(create_account(server.port(), server.tokens().admin, "adm").status, 201);
  const std::string password_1kb(1024, 'x');
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::set<int> flood_statuses;
  std::set<std::string> limited;  // flood addresses that have been refused with 429
  std::vector<std::thread> flood;
  for (int a = 60; a < 80; ++a)
    for (int j = 0; j < 2; ++j)
      flood.emplace_back([&, a, j] {
        const std::string address = "127.0.0." + std::to_string(a);
        for (int n = 0; n < 100000 && !stop; ++n) {
          auto r =
              sign_in(server.port(), "u" + std::to_string(a * 10 + j) + "_" + std::to_string(n),
                      password_1kb, address);
          std::lock_guard lock(mu);
          flood_statuses.insert(r.status);
          if (r.status == 429) limited.insert(address);
        }
      });
  // Once every flooding address has reached a limit (a safety net bounds the wait)...
  auto all_limited = [&] {
    std::lock_guard lock(mu);
    return limited.size() == 20;
  };
  for (int i = 0; i < 12000 && !all_limited(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(all_limited());
  // ...the admin signs in 13 times from her own address while the flood goes on.
  std::vector<int> admin;
  for (int i = 0; i < 13; ++i)
    admin.push_back(sign_in(server.port(), "adm", kPassword, "198.51.100.7").status);
  stop = true;
  for (auto& t : flood) t.join();
  EXPECT_EQ(admin, std::vector<int>(13, 201));
  // The flood only ever got wrong-password, limited or busy answers.
  for (int s : flood_statuses) EXPECT_TRUE(s == 401 || s == 429 || s == 503) << s;
}

// With the one hash slot in use and the queue full of sign-ins from addresses
// that have asked again and again, a sign-in from an address that asks now
// and then takes the place of one of them (refused as busy, 503) and gets the
// next slot. First come first served refused it at once, however long the
// flood went on.
TEST(SignInFloodTest, AFullQueueGivesWayToAnAddressThatAsksLess) {
  TestServer server(false, [](api::ServerConfig* c) {
    adjust_for_proxy(c);
    c->password_hash_queue = 4;
    c->password_hash_wait_ms = 600000;  // a safety net only: the test releases the slot
  });
  ASSERT_EQ(create_account(server.port(), server.tokens().admin, "chen").status, 201);
  auto& slots = server.server().sessions().hash_slots();
  api::ExpensiveSlots::Refusal why;
  auto held = slots.try_acquire("another client", &why);
  ASSERT_TRUE(held);
  const std::vector<std::string> flooding = {"203.0.113.1", "203.0.113.2", "203.0.113.3",
                                             "203.0.113.4"};
  // Each flooding address has already been refused three times.
  for (const auto& address : flooding)
    for (int i = 0; i < 3; ++i) {
      EXPECT_FALSE(slots.try_acquire(api::client_limit_key(address), &why));
      EXPECT_EQ(why, api::ExpensiveSlots::Refusal::kServer);
    }
  std::vector<HttpResult> waited(flooding.size());
  std::vector<std::thread> waiting;
  for (size_t i = 0; i < flooding.size(); ++i)
    waiting.emplace_back([&, i] {
      waited[i] = sign_in(server.port(), "nobody" + std::to_string(i), "guess 1234", flooding[i]);
    });
  for (int i = 0; i < 4000 && slots.waiting() < 4; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(slots.waiting(), 4);
  HttpResult person;
  std::thread in([&] { person = sign_in(server.port(), "chen", kPassword, "198.51.100.7"); });
  // One flooding sign-in gives its place up: answered busy while the slot is still held.
  auto answered = [&] {
    int n = 0;
    for (size_t i = 0; i < waited.size(); ++i) n += waited[i].status != 0;
    return n;
  };
  for (int i = 0; i < 4000 && slots.waiting() == 4 && answered() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  held.reset();
  in.join();
  for (auto& t : waiting) t.join();
  EXPECT_EQ(person.status, 201) << person.body;
  std::map<int, int> statuses;
  for (const auto& r : waited) ++statuses[r.status];
  EXPECT_EQ(statuses, (std::map<int, int>{{401, 3}, {503, 1}}));
  for (const auto& r : waited)
    if (r.status == 503) {
      EXPECT_EQ(r.error_code(), "unavailable");
      EXPECT_EQ(r.headers.at("retry-after"), "1");
    }
}

// A refusal for a full queue (busy, 503) spends the address's attempt: with
// login_rate_per_address 2, two busy answers use it up, and the third
// sign-in, with the right password, is limited (429) without hashing. An
// IPv6 address counts as its /64, as the other limits do. Another address
// still signs in.
TEST(SignInFloodTest, ABusyRefusalCountsAgainstTheAddress) {
  TestServer server(false, [](api::ServerConfig* c) {
    adjust_for_proxy(c);
    c->password_hash_wait_ms = 0;  // a full server refuses at once
    c->login_rate_per_address = 2;
  });
  ASSERT_EQ(create_account(server.port(), server.tokens().admin, "chen").status, 201);
  auto& slots = server.server().sessions().hash_slots();
  api::ExpensiveSlots::Refusal why;
  auto held = slots.try_acquire("another client", &why);
  ASSERT_TRUE(held);
  for (const auto& [first, second] :
       {std::pair<std::string, std::string>{"203.0.113.9", "203.0.113.9"},
        std::pair<std::string, std::string>{"2001:db8:1:2::1", "2001:db8:1:2::ffff"}}) {
    EXPECT_EQ(sign_in(server.port(), "chen", kPassword, first).status, 503);
    EXPECT_EQ(sign_in(server.port(), "chen", kPassword, second).status, 503);
  }
  held.reset();
  for (const std::string address : {"203.0.113.9", "2001:db8:1:2::abcd"}) {
    auto third = sign_in(server.port(), "chen", kPassword, address);
    EXPECT_EQ(third.status, 429) << address << " " << third.body;
    EXPECT_EQ(third.error_code(), "rate_limited");
    EXPECT_GT(std::stoi(third.headers["retry-after"]), 0);
  }
  EXPECT_EQ(sign_in(server.port(), "chen", kPassword, "198.51.100.7").status, 201);
}

// ---- user names -------------------------------------------------------------------

// The trial's names: an ideographic space, a no-break space, a zero-width
// space and a Cyrillic "а" beside an existing "adm". Each is refused with the
// field and the reason; nothing is stored.
TEST(SignInNamesTest, UserNamesFollowTheNameRules) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  ASSERT_EQ(create_account(server.port(), admin, "adm").status, 201);
  struct Case {
    std::string username;
    int status;
    std::string field;
    std::string message;
  };
  const std::vector<Case> cases = {
      {"x\u3000y", 422, "username",
       "holds the white space U+3000 at byte 1; a user name has no white space of any kind "
       "(ordinary, full-width or no-break spaces, tabs, line breaks)"},
      {"a\u00a0b", 422, "username",
       "holds the white space U+00A0 at byte 1; a user name has no white space of any kind "
       "(ordinary, full-width or no-break spaces, tabs, line breaks)"},
      {"a\\tb", 422, "username",
       "holds the white space U+0009 at byte 1; a user name has no white space of any kind "
       "(ordinary, full-width or no-break spaces, tabs, line breaks)"},
      {"adm\u200b", 422, "username",
       "holds the invisible character U+200B at byte 3; a name may hold only visible text (no "
       "format characters such as zero-width or bidi controls, no private-use, unassigned, "
       "blank or placeholder symbols, no stray combining marks)"},
      {"\u0430dm", 409, "",
       "\"\u0430dm\" is too like the existing account \"adm\" (the same letters up to case, "
       "width, accents or lookalike characters); choose another user name"},
      {"ADM", 409, "",
       "\"ADM\" is too like the existing account \"adm\" (the same letters up to case, width, "
       "accents or lookalike characters); choose another user name"},
      {"\uff41\uff44\uff4d", 409, "",  // ａｄｍ, full width
       "\"\uff41\uff44\uff4d\" is too like the existing account \"adm\" (the same letters up to "
       "case, width, accents or lookalike characters); choose another user name"},
      {"adm", 409, "", "an account named \"adm\" already exists"},
  };
  for (const Case& c : cases) {
    auto r = create_account(server.port(), admin, c.username);
    EXPECT_EQ(r.status, c.status) << c.username << " " << r.body;
    EXPECT_EQ(field_of(r), c.field) << c.username;
    EXPECT_EQ(message_of(r), c.message) << c.username;
  }
  auto list = get(server.port(), "/api/v1/accounts", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["total"].GetInt(), 1);
  // Names that differ in letters are names of their own.
  EXPECT_EQ(create_account(server.port(), admin, "adm2").status, 201);
  EXPECT_EQ(create_account(server.port(), admin, "王小明").status, 201);
}

// The attack trial's names (issue 10): beside "alice", each was accepted as
// a second account. Each is refused with 409 naming "alice", a disabled
// "alice" too; nothing is stored; the listing shows lookalikes made before.
TEST(SignInNamesTest, UserNamesThatLookLikeAnAccountAreRefused) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  ASSERT_EQ(create_account(server.port(), admin, "alice").status, 201);
  for (const std::string name : {"aIice", "ali\u0307ce", "alic\u0117", "\uA4EElice"}) {
    auto r = create_account(server.port(), admin, name);
    EXPECT_EQ(r.status, 409) << name << " " << r.body;
    EXPECT_EQ(r.error_code(), "already_exists") << name;
    EXPECT_EQ(message_of(r), "\"" + name +
                                 "\" is too like the existing account \"alice\" (the same "
                                 "letters up to case, width, accents or lookalike characters); "
                                 "choose another user name")
        << name;
  }
  ASSERT_EQ(post(server.port(), "/api/v1/accounts/alice/disable", admin, "").status, 200);
  auto disabled = create_account(server.port(), admin, "aIice");
  EXPECT_EQ(disabled.status, 409) << disabled.body;
  auto list = get(server.port(), "/api/v1/accounts", admin);
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.json()["total"].GetInt(), 1);
  EXPECT_FALSE(list.json()["items"][0].HasMember("looks_like")) << list.body;
  EXPECT_EQ(create_account(server.port(), admin, "alicia").status, 201);
  EXPECT_EQ(create_account(server.port(), admin, "aiice").status, 201);  // small i: not alike

  // A lookalike an older version stored (written here past the check) is
  // shown on both accounts of each pair, and only on them: "aIice" looks
  // like "alice" and is "aiice" up to case; "aiice" and "alice" differ.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((server.dir() + "/store.sqlite").c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  ASSERT_EQ(sqlite3_exec(db,
                         "INSERT INTO accounts (username, password_hash, role, scope, disabled) "
                         "VALUES ('aIice', 'x', 'admin', '', 0)",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  list = get(server.port(), "/api/v1/accounts", admin);
  ASSERT_EQ(list.status, 200);
  auto doc = list.json();
  ASSERT_EQ(doc["total"].GetInt(), 4) << list.body;
  std::map<std::string, std::string> looks_like;
  for (const auto& item : doc["items"].GetArray()) {
    std::string alike;
    if (item.HasMember("looks_like"))
      for (const auto& n : item["looks_like"].GetArray()) alike += std::string(n.GetString()) + ";";
    looks_like[item["username"].GetString()] = alike;
  }
  const std::map<std::string, std::string> want = {
      {"aIice", "aiice;alice;"}, {"aiice", "aIice;"}, {"alice", "aIice;"}, {"alicia", ""}};
  EXPECT_EQ(looks_like, want);
}

// ---- a problem without words --------------------------------------------------------

// The trial's problem (issue 11): title "！！！", a description of emoji only.
// Refused at the boundary (nothing to match on); the same text asked through
// /match (not stored) gets no good match, not even from experts with no
// works or emoji-only works, whose vectors are as empty as the problem's.
TEST(WordlessProblemTest, IsRefusedAndNeverGoodlyMatched) {
  TestServer server;
  const std::string& admin = server.tokens().admin;
  Request r;
  r.method = "POST";
  r.target = "/api/v1/problems";
  r.token = admin;
  r.headers["Accept-Language"] = "en";
  r.body = R"({"id": "p-emoji", "enterprise": "江山恒锐轴承有限公司", "county": "江山市",
               "title": "！！！", "description": "😀😭🔥🔥👍"})";
  auto created = http(server.port(), r);
  EXPECT_EQ(created.status, 422) << created.body;
  EXPECT_EQ(field_of(created), "title");
  EXPECT_EQ(message_of(created),
            "holds no word: the title, description and keywords have no letter, digit or "
            "Chinese character (only punctuation, symbols or emoji); describe the problem in "
            "words");
  EXPECT_EQ(get(server.port(), "/api/v1/problems/p-emoji", admin).status, 404);
  // A word anywhere (here a number in the description) is enough.
  r.body = R"({"id": "p-emoji", "enterprise": "江山恒锐轴承有限公司", "county": "江山市",
               "title": "！！！", "description": "😀 3号机 🔥"})";
  EXPECT_EQ(http(server.port(), r).status, 201);
  // Circled letters are letters to the analyser (NFKC: ⓐ is "a"), so words
  // (attack trial, issue 10: refused as wordless).
  r.body = R"({"id": "p-circled", "enterprise": "江山恒锐轴承有限公司", "county": "江山市",
               "title": "ⓐⓑ", "description": ""})";
  auto circled = http(server.port(), r);
  EXPECT_EQ(circled.status, 201) << circled.body;

  // Experts as a county might make them: no works, and emoji-only works.
  ASSERT_EQ(post(server.port(), "/api/v1/experts", admin,
                 R"({"id": "e-empty", "name": "空白", "works": []})")
                .status,
            201);
  ASSERT_EQ(post(server.port(), "/api/v1/experts", admin,
                 R"({"id": "e-emoji", "name": "表情",
                     "works": [{"title": "🔥🔥", "abstract": "😀😀"}]})")
                .status,
            201);
  auto matched = post(server.port(), "/api/v1/match", admin,
                      R"({"title": "！！！", "description": "😀😭🔥🔥👍", "k": 10})");
  ASSERT_EQ(matched.status, 200) << matched.body;
  auto d = matched.json();
  EXPECT_FALSE(d["good_match_found"].GetBool());
  ASSERT_TRUE(d["matches"].IsArray());
  EXPECT_GT(d["matches"].Size(), 0u);
  for (const auto& m : d["matches"].GetArray()) EXPECT_FALSE(m["good_match"].GetBool());
}

}  // namespace
}  // namespace expertmatch::apitest
