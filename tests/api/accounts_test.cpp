// Accounts and sessions without the HTTP layer: password hashing, idle
// expiry and the sign-in failure window, on a clock the test moves.
#include "api/accounts.h"

#include <gtest/gtest.h>

#include <memory>

#include "tests/api/test_server.h"

namespace expertmatch::api {
namespace {

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SessionSettings settings;
    settings.idle_seconds = 3600;
    settings.max_failures_per_user = 2;
    settings.max_failures_per_address = 100;
    settings.window_seconds = 600;
    auto s = Sessions::open(dir_.path(), settings, [this] { return now_; });
    ASSERT_TRUE(s) << s.status().to_string();
    sessions_ = std::move(*s);
    auto a = create_account(sessions_->store(), "chen", "a long password", "county", "江山市");
    ASSERT_TRUE(a) << a.status().to_string();
  }

  apitest::TempDir dir_;
  long long now_ = 1'800'000'000;
  std::unique_ptr<Sessions> sessions_;
};

TEST_F(AccountsTest, StoresAnArgon2idHashNeverThePassword) {
  auto a = sessions_->store().find_account("chen");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->password_hash.rfind("$argon2id$", 0), 0u) << a->password_hash;
  EXPECT_EQ(a->password_hash.find("a long password"), std::string::npos);
  EXPECT_EQ(a->role, "county");
  EXPECT_EQ(a->scope, "江山市");
}

// The rules are given in characters (account.password_length), so they are
// checked in characters: 7 Chinese characters (21 bytes) are too short.
TEST_F(AccountsTest, LengthsAreCountedInCharacters) {
  Store& store = sessions_->store();
  auto too_short = create_account(store, "zhou", "密码密码密码密", "county", "江山市");
  ASSERT_FALSE(too_short);
  ASSERT_EQ(too_short.status().field_errors().size(), 1u);
  EXPECT_EQ(too_short.status().field_errors()[0].field, "password");
  EXPECT_EQ(too_short.status().field_errors()[0].reason, "a password is 8 to 1024 characters long");
  EXPECT_TRUE(create_account(store, "zhou", "密码密码密码密码", "county", "江山市"));
  // 64 characters (192 bytes) make a user name, 65 do not.
  std::string name;
  for (int i = 0; i < 64; ++i) name += "周";
  EXPECT_TRUE(create_account(store, name, "a long password", "county", "江山市"));
  auto too_long = create_account(store, name + "周", "a long password", "county", "江山市");
  ASSERT_FALSE(too_long);
  EXPECT_EQ(too_long.status().field_errors()[0].field, "username");
  // Not UTF-8 (an overlong '/'): refused, whatever its length.
  EXPECT_FALSE(create_account(store, "wu\xc0\xaf", "a long password", "county", "江山市"));
}

TEST_F(AccountsTest, SessionEndsAfterTheIdleTimeButNotWhileUsed) {
  auto in = sessions_->sign_in("chen", "a long password", "10.0.0.1");
  ASSERT_TRUE(in.status) << in.status.to_string();
  EXPECT_EQ(in.caller.who.role, Role::kCounty);
  // Used every 50 minutes for 4 hours: stays alive (each use moves last_seen).
  for (int i = 0; i < 5; ++i) {
    now_ += 50 * 60;
    ASSERT_TRUE(sessions_->authenticate(in.session_id)) << "use " << i;
  }
  now_ += 3600;  // idle for the whole timeout
  auto gone = sessions_->authenticate(in.session_id);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.status().code(), ErrorCode::kPermissionDenied);
  // The store keeps only the id's hash.
  EXPECT_FALSE(sessions_->store().find_session(in.session_id));
}

TEST_F(AccountsTest, AnAccountIsLockedWithABackoffThatDoubles) {
  EXPECT_EQ(sessions_->sign_in("chen", "wrong one", "a").status.code(),
            ErrorCode::kPermissionDenied);
  now_ += 100;
  EXPECT_EQ(sessions_->sign_in("chen", "wrong two", "a").status.code(),
            ErrorCode::kPermissionDenied);
  // Two failures (max_failures_per_user): locked for lock_base_seconds (30)
  // from the last one, the right password included.
  auto limited = sessions_->sign_in("chen", "a long password", "a");
  EXPECT_EQ(limited.status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(limited.retry_after_seconds, 30);
  now_ += 30;
  // One more failure once the lock is over: twice as long.
  EXPECT_EQ(sessions_->sign_in("chen", "wrong three", "a").status.code(),
            ErrorCode::kPermissionDenied);
  EXPECT_EQ(sessions_->sign_in("chen", "a long password", "a").retry_after_seconds, 60);
  now_ += 60;
  auto again = sessions_->sign_in("chen", "a long password", "a");
  EXPECT_TRUE(again.status) << again.status.to_string();
  // A success clears the user's failures.
  EXPECT_EQ(sessions_->sign_in("chen", "wrong four", "a").status.code(),
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(sessions_->sign_in("chen", "a long password", "a").status);
}

// Found by the ASan helper reading the code: the lock's length was shifted
// as an int, so a large login_lock_seconds wrapped negative and no lock held.
TEST(AccountsLockTest, ALargeLockSettingDoublesWithoutWrapping) {
  apitest::TempDir dir;
  long long now = 1'800'000'000;
  SessionSettings settings;
  settings.max_failures_per_user = 1;
  settings.max_failures_per_address = 100;
  settings.window_seconds = 1LL << 40;  // long enough for the lock to double
  settings.lock_base_seconds = 1 << 30;
  auto s = Sessions::open(dir.path(), settings, [&now] { return now; });
  ASSERT_TRUE(s) << s.status().to_string();
  ASSERT_TRUE(create_account((*s)->store(), "chen", "a long password", "county", "江山市"));
  EXPECT_EQ((*s)->sign_in("chen", "wrong one", "a").status.code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ((*s)->sign_in("chen", "a long password", "a").retry_after_seconds, 1LL << 30);
  now += 1LL << 30;  // the first lock is over
  EXPECT_EQ((*s)->sign_in("chen", "wrong two", "a").status.code(), ErrorCode::kPermissionDenied);
  // Twice as long: 2^31 s, which an int shift wrapped to a negative length
  // (no lock at all); its Retry-After is held to the largest int.
  auto limited = (*s)->sign_in("chen", "a long password", "a");
  EXPECT_EQ(limited.status.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(limited.retry_after_seconds, 2147483647);
}

TEST_F(AccountsTest, FailuresCountWithinTheWindowOnly) {
  EXPECT_EQ(sessions_->sign_in("chen", "wrong one", "a").status.code(),
            ErrorCode::kPermissionDenied);
  now_ += 600;  // the window: the first failure no longer counts
  EXPECT_EQ(sessions_->sign_in("chen", "wrong two", "a").status.code(),
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(sessions_->sign_in("chen", "a long password", "a").status);
}

// A device token exempts from the failure locks for device_seconds from its
// issue, and not a second longer.
TEST(AccountsDeviceTest, ADeviceTokenExemptsUntilItsLifetimeEnds) {
  apitest::TempDir dir;
  long long now = 1'800'000'000;
  SessionSettings settings;
  settings.max_addresses_per_account = 2;
  settings.window_seconds = 1000;
  settings.device_seconds = 5000;
  auto s = Sessions::open(dir.path(), settings, [&now] { return now; });
  ASSERT_TRUE(s) << s.status().to_string();
  ASSERT_TRUE(create_account((*s)->store(), "chen", "a long password", "county", "江山市"));
  auto first = (*s)->sign_in("chen", "a long password", "a");
  ASSERT_TRUE(first.status) << first.status.to_string();
  EXPECT_FALSE(first.device_exempt);
  const std::string token = first.device_cookie;
  EXPECT_EQ(token.size(), 75u);
  auto lock_name = [&] {
    EXPECT_EQ((*s)->sign_in("chen", "wrong", "x").status.code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ((*s)->sign_in("chen", "wrong", "y").status.code(), ErrorCode::kPermissionDenied);
    EXPECT_EQ((*s)->sign_in("chen", "a long password", "a").status.code(), ErrorCode::kUnavailable);
  };
  lock_name();
  now += 4999;  // a second before its end, after the window: lock again
  lock_name();
  auto last = (*s)->sign_in("chen", "a long password", "a", token);
  EXPECT_TRUE(last.status) << last.status.to_string();
  EXPECT_TRUE(last.device_exempt);
  now += 1;
  auto expired = (*s)->sign_in("chen", "a long password", "a", token);
  EXPECT_EQ(expired.status.code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(expired.device_exempt);
  // Another account's token in the same cookie is kept, newest first,
  // after the fresh one; this account's older token is dropped.
  ASSERT_TRUE(create_account((*s)->store(), "wu", "a long password", "county", "龙游县"));
  auto wu = (*s)->sign_in("wu", "a long password", "b", last.device_cookie);
  ASSERT_TRUE(wu.status) << wu.status.to_string();
  EXPECT_EQ(wu.device_cookie.size(), 75u + 1 + 75u);
  EXPECT_EQ(wu.device_cookie.substr(76), last.device_cookie);
}

TEST_F(AccountsTest, UnknownAndDisabledAccountsAreBadCredentials) {
  EXPECT_EQ(sessions_->sign_in("nobody", "a long password", "b").status.code(),
            ErrorCode::kPermissionDenied);
  ASSERT_TRUE(sessions_->store().disable_account("chen"));
  EXPECT_EQ(sessions_->sign_in("chen", "a long password", "c").status.code(),
            ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace expertmatch::api
