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
// Limits (docs/api.md, Sign-in limits), all checked before any password is
// hashed, so a refused attempt costs no hash. The client address is the
// peer's, or the one a trusted proxy names (api/client_address.h); an IPv6
// client counts as its /64 (client_limit_key).
//  - Failures of one user name from one client address: after
//    `max_failures_per_user` within the window that name is locked for that
//    address, for `lock_base_seconds`, doubling with every further failure
//    (at most the window); while locked every attempt for it from there, the
//    right password included, is refused unhashed. Others, the account's
//    owner at her own address included, still sign in: whoever knows a name
//    cannot lock its owner out from elsewhere.
//  - Guessing across accounts: a client address is locked when its failures
//    name `max_failures_per_address` different user names in the window
//    (unknown names count too).
//  - Guessing spread over many addresses: a user name is locked for every
//    address when failures for it come from `max_addresses_per_account`
//    different client addresses in the window, until enough of them leave
//    it. One address (or a few) can never cause this.
//  - A device token (OWASP Authentication Cheat Sheet, "device cookies"):
//    after a successful sign-in the browser gets a token bound to that user
//    name (a random 128-bit nonce and the issue time, with their HMAC under a
//    server key: libsodium crypto_auth, HMAC-SHA-512-256, key kept in the
//    store's meta table). While it is valid (`device_seconds` from issue)
//    and not itself locked, an attempt for that name presenting it is exempt
//    from the three locks above, so a distributed lock of a name (or a lock
//    from a shared address) never keeps the owner out of a browser she has
//    signed in with. Its own failures count as before and also against the
//    token: after `max_failures_per_user` of them in the window it exempts
//    nothing until they leave the window. Only a correct password yields
//    a token, so the exemption gives a guesser nothing.
//  - Rates (token buckets refilled evenly over a minute): successful
//    sign-ins of one user name, `rate_per_account` a minute (a token is taken
//    before the hash and given back if the password is wrong, so only who
//    knows the password spends them); and hashed attempts from one client
//    address, `rate_per_address` a minute. Beyond either: refused with a
//    Retry-After, unhashed. A loop of correct sign-ins thus costs at most a
//    few hashes a minute, and cannot keep the hash slots from others.
// An unknown user name is verified against a dummy hash, so it costs the same
// time and gets the same answer as a wrong password. The counters are kept in
// memory: they only need to slow an attack in progress, and a restart (which
// an attacker cannot cause) clearing them costs nothing; the maps are pruned
// so a flood of names cannot grow them without bound.
//
// Password hashing (Argon2id, 64 MiB and tens of ms of CPU each) runs at
// most `hash_concurrency` at once. A sign-in that finds every slot in use
// waits its turn (ExpensiveSlots, keyed by client_limit_key) up to
// `hash_wait_ms`, with at most `hash_queue` waiting and at most
// kHashesPerClient running or waiting for one client address; past the
// queue or the wait it is refused as busy (kUnavailable, Retry-After 1 s),
// past the per-client bound as too many at once (429), both unhashed. So
// pipelined sign-ins cannot take every core, every worker and gigabytes of
// memory, and a sign-in arriving while others hash is delayed, not refused.
// Both refusals spend the address's attempt (`rate_per_address`): addresses
// that flood a full queue reach their limit like any others. The queue is
// shared fairly between addresses: the next slot goes to the waiting address
// that has asked least in the last minutes, and a full queue gives way to an
// address that asks clearly less often than a waiting one (ExpensiveSlots).
// So while many addresses flood, a person signing in from her own address
// waits at most for the hashes in progress.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "api/access.h"
#include "api/expensive_slots.h"
#include "corpus/status.h"
#include "corpus/store.h"

namespace expertmatch::api {

// Checks the fields and stores a new account with the password's Argon2id
// hash. kInvalidArgument (with the field) for a bad user name (1-64
// characters of UTF-8, no white space of any kind (Unicode White_Space:
// U+3000, U+00A0 ... account.username_space names it), no control character
// or '/', no invisible character (corpus/names.h find_refused_char:
// field.name_invisible)), a password outside 8-1024 characters (code points,
// corpus/utf8.h utf8_length) or a bad role/scope pair; kAlreadyExists if the
// name is taken, or is the same name as an existing account's under
// normalize_name (a lookalike: Cyrillic "аdm" beside "adm"; the message names
// the existing account).
Result<AccountRecord> create_account(Store& store, const std::string& username,
                                     const std::string& password, const std::string& role,
                                     const std::string& scope);

struct SessionSettings {
  long long idle_seconds = 12 * 3600;
  int max_failures_per_user = 5;       // of one user name from one client address
  int max_failures_per_address = 20;   // different user names failing from one address
  int max_addresses_per_account = 20;  // different addresses failing for one user name
  long long window_seconds = 900;
  long long lock_base_seconds = 30;  // a lock's first length; doubles per further failure
  int max_sessions_per_account = 10;
  int rate_per_account = 5;   // successful sign-ins of one user name per minute
  int rate_per_address = 30;  // hashed attempts from one client address per minute
  int hash_concurrency = 1;   // password hashes at once
  int hash_queue = 4;         // sign-ins waiting for a hash slot (each holds a worker)
  int hash_wait_ms = 2000;    // a sign-in's longest wait for a hash slot
  // How long a device token exempts its browser from the failure locks
  // (seconds from issue); 0 = no device tokens.
  long long device_seconds = 90LL * 86400;
};

// Device tokens one device cookie keeps (each ~75 bytes): one per account
// signed in from that browser, the newest first.
inline constexpr int kDeviceTokensPerCookie = 4;

// Sign-ins of one client address hashing or waiting for a hash at once.
inline constexpr int kHashesPerClient = 2;

// A signed-in caller: who it is and the session's CSRF token.
struct SessionCaller {
  Principal who;
  std::string username;
  std::string csrf_token;
  std::string id_hash;
};

struct SignInResult {
  // ok, kPermissionDenied (bad credentials) or kUnavailable (locked by too
  // many failures, over a rate, or `busy`)
  Status status;
  bool busy = false;            // the server's hash slots stayed full (not the caller's doing)
  int retry_after_seconds = 0;  // > 0 when locked, over a rate or busy
  std::string session_id;       // the cookie's value (ok only); never stored
  SessionCaller caller;         // ok only
  // ok only, and only with device tokens on: the device cookie's new value,
  // a fresh token for this account before the cookie's tokens of others
  // (kDeviceTokensPerCookie at most, '.'-separated, base64url).
  std::string device_cookie;
  bool device_exempt = false;  // a valid, unlocked device token lifted the failure locks
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
  // address, for the per-address limit. `device_cookie` is the value of the
  // caller's device cookie ("" if none); malformed, expired or other names'
  // tokens in it are ignored, and at most 2 * kDeviceTokensPerCookie are read.
  SignInResult sign_in(const std::string& username, const std::string& password,
                       const std::string& client, const std::string& device_cookie = "");
  // The caller of a session cookie value. kPermissionDenied if the session is
  // unknown, expired or its account disabled.
  Result<SessionCaller> authenticate(const std::string& session_id);
  Status sign_out(const SessionCaller& caller);

  Store& store() { return *store_; }
  // The password hash slots, callers keyed by client_limit_key (tests hold
  // them to see a sign-in wait or be refused as busy).
  ExpensiveSlots& hash_slots() { return *hash_slots_; }

 private:
  Sessions() = default;
  // A token bucket of sign-ins: `tokens` (of `per_minute`) at time `at`.
  struct Bucket {
    double tokens = 0;
    long long at = 0;
  };
  using Failures = std::deque<std::pair<long long, std::string>>;  // (time, other key)
  // Failures still in the window (drops older ones); caller holds mu_.
  std::deque<long long>& failures_locked(const std::string& username, const std::string& client,
                                         long long now);
  Failures& window_locked(std::map<std::string, Failures>& all, const std::string& key,
                          long long now);
  // The time until which the attempt is locked out (0: it is not); caller holds mu_.
  long long locked_until_locked(const std::string& username, const std::string& client,
                                long long now);
  // Takes a token from `key`'s bucket; false (and the seconds until one is
  // there) if it is empty. Caller holds mu_.
  bool take_locked(std::map<std::string, Bucket>& buckets, const std::string& key, int per_minute,
                   long long now, int* retry_after);
  void give_back_locked(std::map<std::string, Bucket>& buckets, const std::string& key,
                        int per_minute, long long now);
  void prune_locked(long long now);
  // A device token in `cookie` is valid for `username` at `now`.
  struct DeviceToken {
    std::string text;   // as in the cookie
    std::string nonce;  // hex: the key its failures are counted under
    long long issued_at = 0;
  };
  std::vector<DeviceToken> device_tokens(const std::string& cookie) const;
  bool device_valid(const DeviceToken& token, const std::string& username, long long now) const;
  std::string issue_device_token(const std::string& username, long long now) const;
  // The device's failures still in the window (drops older ones); caller holds mu_.
  std::deque<long long>& device_failures_locked(const std::string& nonce, long long now);

  std::unique_ptr<Store> store_;
  SessionSettings settings_;
  Clock clock_;
  std::string dummy_hash_;  // verified for unknown users, so they cost the same
  std::mutex mu_;
  std::unique_ptr<ExpensiveSlots> hash_slots_;
  // (user name, client key) -> failure times
  std::map<std::pair<std::string, std::string>, std::deque<long long>> failures_;
  std::map<std::string, Failures> address_failures_;              // client key -> (time, user name)
  std::map<std::string, Failures> account_failures_;              // user name -> (time, client key)
  std::map<std::string, Bucket> account_rate_;                    // user name -> successes
  std::map<std::string, Bucket> address_rate_;                    // client key -> hashed attempts
  std::map<std::string, std::deque<long long>> device_failures_;  // token nonce -> failure times
  std::vector<unsigned char> device_key_;  // crypto_auth_KEYBYTES; empty: device tokens off
};

}  // namespace expertmatch::api
