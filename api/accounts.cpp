#include "api/accounts.h"

#include <sodium.h>
#include <unicode/uchar.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "api/client_address.h"
#include "api/sha256.h"
#include "corpus/names.h"
#include "corpus/utf8.h"

namespace expertmatch::api {
namespace {

constexpr size_t kMinPassword = 8;
constexpr size_t kMaxPassword = 1024;
constexpr size_t kMaxUsername = 64;
// Writing last_seen on every request would fsync on every read.
constexpr long long kTouchEverySeconds = 60;
// Past this many tracked keys, expired ones are dropped.
constexpr size_t kPruneAbove = 10000;
// A device token: nonce, issue time (seconds, big-endian), then the MAC of
// both and the user name (accounts.h).
constexpr size_t kDeviceNonceBytes = 16;
constexpr size_t kDevicePayloadBytes = kDeviceNonceBytes + 8;
constexpr size_t kDeviceTokenBytes = kDevicePayloadBytes + crypto_auth_BYTES;
// Separates these MACs from any other use of the key; fixed length, as is the
// payload, so the user name after them needs no delimiter.
constexpr std::string_view kDeviceContext = "expertmatch-device-token-1";
constexpr const char* kDeviceKeyMeta = "device_token_key";

Status field_error(const std::string& field, i18n::Message message) {
  return Status::invalid(field, std::move(message));
}

// Limits are in characters, as the messages say and people count them.
// A user name is a name people read and type: the project's name rules apply
// (names.h), so no invisible character, and no white space of any kind
// (U+3000 and U+00A0 look like, or are, nothing a person would type in a
// name; "without spaces" means every space).
Status check_username(const std::string& name) {
  const Status invalid = field_error("username", {"account.username_invalid"});
  if (name.empty() || !is_valid_utf8(name) || utf8_length(name) > kMaxUsername) return invalid;
  // A user name is a path segment of /accounts/{name}: dot segments are
  // removed from URLs before they arrive (RFC 3986 5.2.4), as with ids.
  if (name == "." || name == "..") return invalid;
  for (size_t at = 0; at < name.size();) {
    const Utf8Char c = decode_utf8(name, at);
    const auto code = static_cast<UChar32>(c.code_point);
    if (u_isUWhiteSpace(code))
      return field_error(
          "username", {"account.username_space",
                       {{"code", code_point_name(c.code_point)}, {"offset", std::to_string(at)}}});
    if (u_charType(code) == U_CONTROL_CHAR || code == '/') return invalid;
    at += c.length;
  }
  if (auto f = find_refused_char(name))
    return field_error(
        "username", {"field.name_invisible",
                     {{"code", code_point_name(f->code)}, {"offset", std::to_string(f->offset)}}});
  return Status::ok();
}

std::string random_hex(size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  randombytes_buf(buf.data(), buf.size());
  std::string out(bytes * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), buf.data(), buf.size());
  out.pop_back();
  return out;
}

Result<std::string> hash_password(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return Status(ErrorCode::kInternal, "crypto_pwhash_str failed (out of memory?)");
  return std::string(hash);
}

long long system_seconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Result<AccountRecord> create_account(Store& store, const std::string& username,
                                     const std::string& password, const std::string& role_text,
                                     const std::string& scope) {
  if (sodium_init() < 0) return Status(ErrorCode::kInternal, "libsodium failed to initialise");
  if (Status s = check_username(username); !s) return s;
  const size_t password_length = utf8_length(password);
  if (password_length < kMinPassword || password_length > kMaxPassword)
    return field_error("password", {"account.password_length",
                                    {{"min", std::to_string(kMinPassword)},
                                     {"max", std::to_string(kMaxPassword)}}});
  auto role = parse_role(role_text);
  if (!role) return field_error("role", {"access.role_unknown", {{"role", role_text}}});
  Status s = check_role_scope(*role, scope);
  if (!s) return s;
  std::string registered;
  s = check_scope_registered(store, *role, scope, &registered);
  if (!s) return s;
  auto hash = hash_password(password);
  if (!hash) return hash.status();
  AccountRecord record;
  record.username = username;
  record.password_hash = *hash;
  record.role = role_name(*role);
  record.scope = registered;
  s = store.put_account(record);  // kAlreadyExists names the taken or lookalike account
  if (!s) return s;
  auto stored = store.find_account(username);  // created_at comes from the store
  if (!stored) return stored.status();
  return *stored;
}

Result<std::unique_ptr<Sessions>> Sessions::open(const std::string& data_dir,
                                                 const SessionSettings& settings, Clock clock) {
  if (sodium_init() < 0) return Status(ErrorCode::kInternal, "libsodium failed to initialise");
  auto store = Store::open(data_dir);
  if (!store) return store.status();
  std::unique_ptr<Sessions> s(new Sessions());
  s->store_ = std::move(*store);
  s->settings_ = settings;
  s->clock_ = clock ? std::move(clock) : Clock(system_seconds);
  auto dummy = hash_password(random_hex(16));
  if (!dummy) return dummy.status();
  s->dummy_hash_ = *dummy;
  if (settings.device_seconds > 0) {
    // In the store, so tokens survive restarts and a backup keeps them valid.
    auto hex = s->store_->meta_value_or_insert(kDeviceKeyMeta, random_hex(crypto_auth_KEYBYTES));
    if (!hex) return hex.status();
    s->device_key_.resize(crypto_auth_KEYBYTES);
    size_t length = 0;
    if (sodium_hex2bin(s->device_key_.data(), s->device_key_.size(), hex->data(), hex->size(),
                       nullptr, &length, nullptr) != 0 ||
        length != crypto_auth_KEYBYTES)
      return Status(ErrorCode::kCorruption,
                    std::string("store meta '") + kDeviceKeyMeta + "' is not " +
                        std::to_string(crypto_auth_KEYBYTES * 2) + " hex digits");
  }
  s->hash_slots_ = std::make_unique<ExpensiveSlots>(kHashesPerClient, settings.hash_concurrency,
                                                    settings.hash_queue, settings.hash_wait_ms);
  return s;
}

std::deque<long long>& Sessions::failures_locked(const std::string& username,
                                                 const std::string& client, long long now) {
  auto& times = failures_[{username, client}];
  while (!times.empty() && times.front() <= now - settings_.window_seconds) times.pop_front();
  return times;
}

Sessions::Failures& Sessions::window_locked(std::map<std::string, Failures>& all,
                                            const std::string& key, long long now) {
  auto& failures = all[key];
  while (!failures.empty() && failures.front().first <= now - settings_.window_seconds)
    failures.pop_front();
  return failures;
}

std::deque<long long>& Sessions::device_failures_locked(const std::string& nonce, long long now) {
  auto& times = device_failures_[nonce];
  while (!times.empty() && times.front() <= now - settings_.window_seconds) times.pop_front();
  return times;
}

void Sessions::prune_locked(long long now) {
  if (failures_.size() + address_failures_.size() + account_failures_.size() +
          account_rate_.size() + address_rate_.size() + device_failures_.size() <=
      kPruneAbove)
    return;
  const long long cutoff = now - settings_.window_seconds;
  std::erase_if(failures_,
                [&](const auto& f) { return f.second.empty() || f.second.back() <= cutoff; });
  std::erase_if(device_failures_,
                [&](const auto& f) { return f.second.empty() || f.second.back() <= cutoff; });
  for (auto* all : {&address_failures_, &account_failures_})
    std::erase_if(
        *all, [&](const auto& f) { return f.second.empty() || f.second.back().first <= cutoff; });
  // A bucket untouched for a minute is full again: the same as none.
  for (auto* buckets : {&account_rate_, &address_rate_})
    std::erase_if(*buckets, [&](const auto& b) { return b.second.at <= now - 60; });
}

namespace {

// Until when the keys of `failures` lock: once `limit` different keys failed
// in the window, until enough of them leave it to fall below the limit.
long long until_fewer_than(const std::deque<std::pair<long long, std::string>>& failures, int limit,
                           long long window) {
  std::map<std::string, long long> keys;  // key -> its latest failure
  for (const auto& [at, key] : failures) keys[key] = at;
  if (static_cast<int>(keys.size()) < limit) return 0;
  std::vector<long long> latest;
  for (const auto& [key, at] : keys) latest.push_back(at);
  std::sort(latest.begin(), latest.end());
  return latest[keys.size() - limit] + window;
}

}  // namespace

long long Sessions::locked_until_locked(const std::string& username, const std::string& client,
                                        long long now) {
  long long until = 0;
  // This name from this address: after max_failures_per_user, for
  // lock_base_seconds doubling with each further failure, at most the window.
  // Per address, so that whoever knows a name cannot lock its owner out.
  const auto& mine = failures_locked(username, client, now);
  const int over = static_cast<int>(mine.size()) - settings_.max_failures_per_user;
  if (over >= 0) {
    // Shifted as 64 bits: an int setting shifted as an int wrapped negative
    // for a large login_lock_seconds and turned the lock off.
    long long lock_for = static_cast<long long>(settings_.lock_base_seconds) << std::min(over, 20);
    until = mine.back() + std::min(lock_for, settings_.window_seconds);
  }
  // The address, when its failures name many accounts (guessing across them).
  until = std::max(until,
                   until_fewer_than(window_locked(address_failures_, client, now),
                                    settings_.max_failures_per_address, settings_.window_seconds));
  // The name, for everyone, when its failures come from many addresses.
  until = std::max(until,
                   until_fewer_than(window_locked(account_failures_, username, now),
                                    settings_.max_addresses_per_account, settings_.window_seconds));
  return until;
}

std::vector<Sessions::DeviceToken> Sessions::device_tokens(const std::string& cookie) const {
  std::vector<DeviceToken> out;
  if (device_key_.empty()) return out;
  // Read a bounded number: a client's cookie is the client's, but must not
  // cost unbounded MACs.
  size_t start = 0;
  for (int read = 0; start < cookie.size() && read < 2 * kDeviceTokensPerCookie; ++read) {
    size_t end = cookie.find('.', start);
    if (end == std::string::npos) end = cookie.size();
    const std::string text = cookie.substr(start, end - start);
    start = end + 1;
    unsigned char raw[kDeviceTokenBytes];
    size_t length = 0;
    if (sodium_base642bin(raw, sizeof raw, text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        length != kDeviceTokenBytes)
      continue;
    DeviceToken t;
    t.text = text;
    char nonce[kDeviceNonceBytes * 2 + 1];
    sodium_bin2hex(nonce, sizeof nonce, raw, kDeviceNonceBytes);
    t.nonce = nonce;
    for (size_t i = kDeviceNonceBytes; i < kDevicePayloadBytes; ++i)
      t.issued_at = (t.issued_at << 8) | raw[i];
    out.push_back(std::move(t));
  }
  return out;
}

namespace {

std::string device_mac_input(const unsigned char* payload, const std::string& username) {
  std::string m(kDeviceContext);
  m.append(reinterpret_cast<const char*>(payload), kDevicePayloadBytes);
  m += username;
  return m;
}

}  // namespace

bool Sessions::device_valid(const DeviceToken& token, const std::string& username,
                            long long now) const {
  if (device_key_.empty() || token.issued_at > now ||
      now - token.issued_at >= settings_.device_seconds)
    return false;
  unsigned char raw[kDeviceTokenBytes];
  size_t length = 0;
  if (sodium_base642bin(raw, sizeof raw, token.text.data(), token.text.size(), nullptr, &length,
                        nullptr, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
      length != kDeviceTokenBytes)
    return false;
  const std::string m = device_mac_input(raw, username);
  // crypto_auth_verify compares in constant time.
  return crypto_auth_verify(raw + kDevicePayloadBytes,
                            reinterpret_cast<const unsigned char*>(m.data()), m.size(),
                            device_key_.data()) == 0;
}

std::string Sessions::issue_device_token(const std::string& username, long long now) const {
  unsigned char raw[kDeviceTokenBytes];
  randombytes_buf(raw, kDeviceNonceBytes);
  for (size_t i = 0; i < 8; ++i)
    raw[kDevicePayloadBytes - 1 - i] =
        static_cast<unsigned char>(static_cast<uint64_t>(now) >> (8 * i));
  const std::string m = device_mac_input(raw, username);
  crypto_auth(raw + kDevicePayloadBytes, reinterpret_cast<const unsigned char*>(m.data()), m.size(),
              device_key_.data());
  char text[sodium_base64_ENCODED_LEN(kDeviceTokenBytes, sodium_base64_VARIANT_URLSAFE_NO_PADDING)];
  sodium_bin2base64(text, sizeof text, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  return text;
}

bool Sessions::take_locked(std::map<std::string, Bucket>& buckets, const std::string& key,
                           int per_minute, long long now, int* retry_after) {
  const double capacity = per_minute;
  Bucket& b = buckets.try_emplace(key, Bucket{capacity, now}).first->second;
  b.tokens = std::min(capacity, b.tokens + (now - b.at) * capacity / 60.0);
  b.at = now;
  if (b.tokens >= 1) {
    b.tokens -= 1;
    return true;
  }
  *retry_after = std::max(1, static_cast<int>(std::ceil((1 - b.tokens) * 60.0 / capacity)));
  return false;
}

void Sessions::give_back_locked(std::map<std::string, Bucket>& buckets, const std::string& key,
                                int per_minute, long long now) {
  auto it = buckets.find(key);
  if (it == buckets.end()) return;
  it->second.tokens += 1;
  // Full again: forget it, so attempts with made-up names leave nothing behind.
  if (it->second.tokens + (now - it->second.at) * per_minute / 60.0 >= per_minute)
    buckets.erase(it);
}

SignInResult Sessions::sign_in(const std::string& username, const std::string& password,
                               const std::string& client_address,
                               const std::string& device_cookie) {
  SignInResult out;
  const long long now = clock_();
  const std::string client = client_limit_key(client_address);
  // The caller's device tokens for this name (normally one), before the lock:
  // MACs are cheap, and need no lock.
  const std::vector<DeviceToken> presented = device_tokens(device_cookie);
  std::vector<const DeviceToken*> mine;
  for (const auto& t : presented)
    if (device_valid(t, username, now)) mine.push_back(&t);
  std::string device;  // the nonce of the token that exempts this attempt, "" if none
  auto refuse = [&](int seconds, const char* key) {
    out.retry_after_seconds = seconds;
    out.status = Status(ErrorCode::kUnavailable, {key, {{"seconds", std::to_string(seconds)}}});
    return out;
  };
  {
    std::lock_guard lock(mu_);
    prune_locked(now);
    // A browser the owner signed in with is exempt from the failure locks
    // (others' failures must not lock her out of it) while its own failures
    // stay below the limit.
    for (const DeviceToken* t : mine)
      if (static_cast<int>(device_failures_locked(t->nonce, now).size()) <
          settings_.max_failures_per_user) {
        device = t->nonce;
        break;
      }
    out.device_exempt = !device.empty();
    const long long until = device.empty() ? locked_until_locked(username, client, now) : 0;
    if (until > now)
      // Clamped to an int: a lock of 2^31 s (a large login_lock_seconds,
      // doubled) was a negative Retry-After.
      return refuse(static_cast<int>(std::clamp(until - now, 1LL, 2147483647LL)),
                    "session.rate_limited");
    // The rates, before any hash: the account's successes (reserved now,
    // given back if the password is wrong), then the address's attempts.
    int wait = 0;
    if (!take_locked(account_rate_, username, settings_.rate_per_account, now, &wait))
      return refuse(wait, "session.too_many_sign_ins");
    if (!take_locked(address_rate_, client, settings_.rate_per_address, now, &wait)) {
      give_back_locked(account_rate_, username, settings_.rate_per_account, now);
      return refuse(wait, "session.too_many_sign_ins");
    }
  }
  auto give_back = [&](bool address_too) {
    std::lock_guard lock(mu_);
    give_back_locked(account_rate_, username, settings_.rate_per_account, now);
    if (address_too) give_back_locked(address_rate_, client, settings_.rate_per_address, now);
  };
  auto account = store_->find_account(username);
  if (!account && account.status().code() != ErrorCode::kNotFound) {
    give_back(true);
    out.status = account.status();
    return out;
  }
  // Unknown and disabled accounts verify the dummy hash: same work, same answer.
  const std::string& hash = account && !account->disabled ? account->password_hash : dummy_hash_;
  bool verified = false;
  {
    ExpensiveSlots::Refusal why;
    auto slot = hash_slots_->acquire(client, &why);
    if (!slot) {
      // Only the account's token goes back: the address spent its attempt.
      // Were a refusal free, addresses flooding a full queue would never
      // reach their own limits, and the flood would go on for ever (issue
      // 10: 20 addresses kept every real sign-in out with 270 hashes).
      give_back(false);
      if (why == ExpensiveSlots::Refusal::kCaller) return refuse(1, "session.too_many_sign_ins");
      out.busy = true;
      return refuse(1, "session.busy");
    }
    verified = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0 &&
               account && !account->disabled;
  }
  if (!verified) {
    give_back(false);
    std::lock_guard lock(mu_);
    failures_locked(username, client, now).push_back(now);
    window_locked(address_failures_, client, now).emplace_back(now, username);
    window_locked(account_failures_, username, now).emplace_back(now, client);
    // Every valid token it presented for this name, so switching among
    // several does not multiply the guesses.
    for (const DeviceToken* t : mine) device_failures_locked(t->nonce, now).push_back(now);
    out.status = Status(ErrorCode::kPermissionDenied, i18n::Message("session.bad_credentials"));
    return out;
  }
  auto role = parse_role(account->role);
  if (!role) {
    out.status = Status(ErrorCode::kCorruption, "stored account has an unknown role");
    return out;
  }
  {
    std::lock_guard lock(mu_);
    failures_.erase({username, client});
    if (!device.empty()) device_failures_.erase(device);
  }
  if (!device_key_.empty()) {
    // A fresh token for this account first, then the cookie's others (other
    // accounts signed in from this browser), newest first; this account's
    // older ones go.
    std::vector<const DeviceToken*> others;
    for (const auto& t : presented)
      if (now - t.issued_at < settings_.device_seconds && t.issued_at <= now &&
          std::find(mine.begin(), mine.end(), &t) == mine.end())
        others.push_back(&t);
    std::stable_sort(others.begin(), others.end(), [](const DeviceToken* a, const DeviceToken* b) {
      return a->issued_at > b->issued_at;
    });
    out.device_cookie = issue_device_token(account->username, now);
    for (size_t i = 0; i < others.size() && i + 1 < static_cast<size_t>(kDeviceTokensPerCookie);
         ++i)
      out.device_cookie += "." + others[i]->text;
  }
  // Expired sessions are removed here rather than by a timer: sign-ins are rare.
  Status purged = store_->delete_sessions_seen_before(now - settings_.idle_seconds);
  if (!purged) {
    out.status = purged;
    return out;
  }
  SessionRecord record;
  out.session_id = random_hex(32);
  record.id_hash = sha256_hex(out.session_id);
  record.username = account->username;
  record.csrf_token = random_hex(32);
  record.created_at = now;
  record.last_seen = now;
  out.status = store_->put_session(record);
  if (!out.status) return out;
  out.status = store_->keep_newest_sessions(account->username, settings_.max_sessions_per_account);
  if (!out.status) return out;
  out.caller = SessionCaller{Principal{*role, account->scope}, account->username, record.csrf_token,
                             record.id_hash};
  return out;
}

Result<SessionCaller> Sessions::authenticate(const std::string& session_id) {
  const i18n::Message expired("session.expired");
  // A well-formed id is 64 lowercase hex digits; anything else is not looked up.
  if (session_id.size() != 64 ||
      session_id.find_first_not_of("0123456789abcdef") != std::string::npos)
    return Status(ErrorCode::kPermissionDenied, expired);
  std::string id_hash = sha256_hex(session_id);
  auto session = store_->find_session(id_hash);
  if (!session) {
    if (session.status().code() == ErrorCode::kNotFound)
      return Status(ErrorCode::kPermissionDenied, expired);
    return session.status();
  }
  long long now = clock_();
  if (session->last_seen + settings_.idle_seconds <= now) {
    Status s = store_->delete_session(id_hash);
    if (!s) return s;
    return Status(ErrorCode::kPermissionDenied, expired);
  }
  auto account = store_->find_account(session->username);
  if (!account) {
    if (account.status().code() == ErrorCode::kNotFound)
      return Status(ErrorCode::kPermissionDenied, expired);
    return account.status();
  }
  if (account->disabled) return Status(ErrorCode::kPermissionDenied, expired);
  auto role = parse_role(account->role);
  if (!role) return Status(ErrorCode::kCorruption, "stored account has an unknown role");
  if (now - session->last_seen >= kTouchEverySeconds) {
    Status s = store_->touch_session(id_hash, now);
    if (!s) return s;
  }
  return SessionCaller{Principal{*role, account->scope}, account->username, session->csrf_token,
                       id_hash};
}

Status Sessions::sign_out(const SessionCaller& caller) {
  return store_->delete_session(caller.id_hash);
}

}  // namespace expertmatch::api
