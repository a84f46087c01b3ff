#include "api/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>

#include "api/sha256.h"
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

Status field_error(const std::string& field, i18n::Message message) {
  return Status::invalid(field, std::move(message));
}

// Limits are in characters, as the messages say and people count them.
bool valid_username(const std::string& name) {
  if (name.empty() || !is_valid_utf8(name) || utf8_length(name) > kMaxUsername) return false;
  // A user name is a path segment of /accounts/{name}: dot segments are
  // removed from URLs before they arrive (RFC 3986 5.2.4), as with ids.
  if (name == "." || name == "..") return false;
  for (unsigned char c : name)
    if (c <= 0x20 || c == 0x7f || c == '/') return false;
  return true;
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
  if (!valid_username(username)) return field_error("username", {"account.username_invalid"});
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
  s = store.put_account(record);
  if (s.code() == ErrorCode::kAlreadyExists)
    return Status(ErrorCode::kAlreadyExists, {"account.exists", {{"username", username}}});
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
  s->hash_slots_ = std::make_unique<HashSlots>(settings.hash_concurrency);
  return s;
}

bool HashSlots::acquire(int wait_ms) {
  std::unique_lock lock(mu_);
  if (!cv_.wait_for(lock, std::chrono::milliseconds(wait_ms), [&] { return free_ > 0; }))
    return false;
  --free_;
  return true;
}

void HashSlots::release() {
  {
    std::lock_guard lock(mu_);
    ++free_;
  }
  cv_.notify_one();
}

std::deque<long long>& Sessions::failures_locked(const std::string& username, long long now) {
  auto& times = failures_[username];
  while (!times.empty() && times.front() <= now - settings_.window_seconds) times.pop_front();
  return times;
}

std::deque<std::pair<long long, std::string>>& Sessions::address_failures_locked(
    const std::string& address, long long now) {
  auto& failures = address_failures_[address];
  while (!failures.empty() && failures.front().first <= now - settings_.window_seconds)
    failures.pop_front();
  return failures;
}

void Sessions::prune_locked(long long now) {
  if (failures_.size() + address_failures_.size() <= kPruneAbove) return;
  const long long cutoff = now - settings_.window_seconds;
  std::erase_if(failures_,
                [&](const auto& f) { return f.second.empty() || f.second.back() <= cutoff; });
  std::erase_if(address_failures_,
                [&](const auto& f) { return f.second.empty() || f.second.back().first <= cutoff; });
}

SignInResult Sessions::sign_in(const std::string& username, const std::string& password,
                               const std::string& client) {
  SignInResult out;
  long long now = clock_();
  {
    std::lock_guard lock(mu_);
    prune_locked(now);
    long long until = 0;
    // The account: locked after max_failures_per_user, for lock_base_seconds
    // doubling with each further failure, at most the window.
    const auto& by_user = failures_locked(username, now);
    const int over = static_cast<int>(by_user.size()) - settings_.max_failures_per_user;
    if (over >= 0) {
      long long lock_for = settings_.lock_base_seconds << std::min(over, 20);
      until = by_user.back() + std::min(lock_for, settings_.window_seconds);
    }
    // The address: only when its failures name many different accounts
    // (guessing across them); one account's failures lock that account alone.
    const auto& by_address = address_failures_locked(client, now);
    std::map<std::string, long long> names;  // name -> its latest failure
    for (const auto& [at, name] : by_address) names[name] = at;
    if (static_cast<int>(names.size()) >= settings_.max_failures_per_address) {
      // Locked until enough names leave the window to fall below the limit.
      std::vector<long long> latest;
      for (const auto& [name, at] : names) latest.push_back(at);
      std::sort(latest.begin(), latest.end());
      const size_t leave = names.size() - settings_.max_failures_per_address;
      until = std::max(until, latest[leave] + settings_.window_seconds);
    }
    if (until > now) {
      out.retry_after_seconds = static_cast<int>(std::max(1LL, until - now));
      out.status =
          Status(ErrorCode::kUnavailable,
                 {"session.rate_limited", {{"seconds", std::to_string(out.retry_after_seconds)}}});
      return out;
    }
  }
  auto account = store_->find_account(username);
  if (!account && account.status().code() != ErrorCode::kNotFound) {
    out.status = account.status();
    return out;
  }
  // Unknown and disabled accounts verify the dummy hash: same work, same answer.
  const std::string& hash = account && !account->disabled ? account->password_hash : dummy_hash_;
  if (!hash_slots_->acquire(settings_.hash_wait_ms)) {
    out.busy = true;
    out.retry_after_seconds = 1;
    out.status = Status(ErrorCode::kUnavailable,
                        {"session.busy", {{"seconds", std::to_string(out.retry_after_seconds)}}});
    return out;
  }
  bool verified = crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0 &&
                  account && !account->disabled;
  hash_slots_->release();
  if (!verified) {
    std::lock_guard lock(mu_);
    failures_locked(username, now).push_back(now);
    address_failures_locked(client, now).emplace_back(now, username);
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
    failures_.erase(username);
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
