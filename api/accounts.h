// Accounts and sessions: people sign in with a user name and password and get
// a session cookie; programs keep using bearer tokens (access.h). An account
// carries a role and scope exactly like a token, and resolves to the same
// Principal, so every access rule applies to both alike.
//
// Passwords: Argon2id through libsodium's crypto_pwhash_str (RFC 9106), with
// OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (2 passes, 64 MiB); the stored
// string names its own parameters, so they can be raised later and old
// hashes still verify.
//
// Sessions: a random 256-bit id (64 hex digits) in the cookie; the store
// keeps only its SHA-256 (a stolen database yields no usable cookie), the
// user name, a per-session CSRF token (returned at sign-in and by whoami, sent
// back as X-CSRF-Token on unsafe methods) and the last time it was used.
// Sessions live in the store, so a restart signs nobody out; one unused for
// `idle_seconds` ends. last_seen is written at most once a minute, so reading
// with a cookie does not cost an fsync per request.
//
// Sessions per account are capped (`max_sessions_per_account`): a sign-in
// beyond the cap ends the account's oldest sessions, so a flood of correct
// sign-ins cannot grow the sessions table without bound.
//
// Failed sign-ins (docs/api.md, Sign-in limits): an account name is locked
// after `max_failures_per_user` failures within the window, for
// `lock_base_seconds`, doubling with every further failure (at most the
// window); while locked every attempt for it, the right password included,
// is refused without a hash. A client address is locked only when its
// failures name `max_failures_per_address` different user names within the
// window (unknown names count too): guessing across accounts. Many wrong
// passwords for one account from a shared address (a NAT) lock that
// account, not everybody behind the address. An unknown user name is
// verified against a dummy hash, so it costs the same time and gets the same
// answer as a wrong password. The counters are kept in memory: they only
// need to slow an attack in progress, and a restart (which an attacker
// cannot cause) clearing them costs nothing; the maps are pruned so a flood
// of names cannot grow them without bound.
//
// Password hashing (Argon2id, 64 MiB and tens of ms of CPU each) runs at
// most `hash_concurrency` at once; a sign-in waits up to `hash_wait_ms` for
// its turn (0: not at all), else it is refused as busy (kUnavailable with a
// Retry-After of one second) without hashing, so pipelined sign-ins cannot
// take every core, every worker and gigabytes of memory.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/access.h"
#include "corpus/status.h"
#include "corpus/store.h"

namespace expertmatch::api {

// Checks the fields and stores a new account with the password's Argon2id
// hash. kInvalidArgument (with the field) for a bad user name (1-64
// characters of UTF-8, no spaces or control characters, no '/'), a password
// outside 8-1024 characters (code points, corpus/utf8.h utf8_length) or a bad
// role/scope pair; kAlreadyExists if the name is taken.
Result<AccountRecord> create_account(Store& store, const std::string& username,
                                     const std::string& password, const std::string& role,
                                     const std::string& scope);

struct SessionSettings {
  long long idle_seconds = 12 * 3600;
  int max_failures_per_user = 5;
  int max_failures_per_address = 20;  // different user names failing from one address
  long long window_seconds = 900;
  long long lock_base_seconds = 30;  // an account's first lock; doubles per further failure
  int max_sessions_per_account = 10;
  int hash_concurrency = 1;  // password hashes at once
  int hash_wait_ms = 0;      // a sign-in's wait for a hash slot (it holds a worker meanwhile)
};

// At most `limit` holders at once; others wait up to a deadline (a counting
// semaphore). Thread-safe.
class HashSlots {
 public:
  explicit HashSlots(int limit) : free_(limit > 0 ? limit : 1) {}
  // True once a slot is held (give it back with release()), false after `wait_ms`.
  bool acquire(int wait_ms);
  void release();

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int free_;
};

// A signed-in caller: who it is and the session's CSRF token.
struct SessionCaller {
  Principal who;
  std::string username;
  std::string csrf_token;
  std::string id_hash;
};

struct SignInResult {
  // ok, kPermissionDenied (bad credentials) or kUnavailable (locked by too
  // many failures, or `busy`)
  Status status;
  bool busy = false;            // every hash slot stayed in use (not a lock)
  int retry_after_seconds = 0;  // > 0 when locked or busy
  std::string session_id;       // the cookie's value (ok only); never stored
  SessionCaller caller;         // ok only
};

class Sessions {
 public:
  // Seconds since the Unix epoch; injectable for tests.
  using Clock = std::function<long long()>;
  // Opens its own connection to DATA/store.sqlite.
  static Result<std::unique_ptr<Sessions>> open(const std::string& data_dir,
                                                const SessionSettings& settings,
                                                Clock clock = nullptr);

  // Verifies the password (or a dummy hash for an unknown or disabled
  // account) and on success stores a new session. `client` is the caller's
  // address, for the per-address limit.
  SignInResult sign_in(const std::string& username, const std::string& password,
                       const std::string& client);
  // The caller of a session cookie value. kPermissionDenied if the session is
  // unknown, expired or its account disabled.
  Result<SessionCaller> authenticate(const std::string& session_id);
  Status sign_out(const SessionCaller& caller);

  Store& store() { return *store_; }
  // The password hash slots (tests hold them to see a busy answer).
  HashSlots& hash_slots() { return *hash_slots_; }

 private:
  Sessions() = default;
  // Failures of a user name / from an address still in the window (drops
  // older ones); caller holds mu_.
  std::deque<long long>& failures_locked(const std::string& username, long long now);
  std::deque<std::pair<long long, std::string>>& address_failures_locked(const std::string& address,
                                                                         long long now);
  void prune_locked(long long now);

  std::unique_ptr<Store> store_;
  SessionSettings settings_;
  Clock clock_;
  std::string dummy_hash_;  // verified for unknown users, so they cost the same
  std::mutex mu_;
  std::unique_ptr<HashSlots> hash_slots_;
  std::map<std::string, std::deque<long long>> failures_;  // user name -> failure times
  // client address -> (time, user name) of each failure
  std::map<std::string, std::deque<std::pair<long long, std::string>>> address_failures_;
};

}  // namespace expertmatch::api
