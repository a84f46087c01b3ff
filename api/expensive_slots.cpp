#include "api/expensive_slots.h"

#include <algorithm>
#include <chrono>

namespace expertmatch::api {

ExpensiveSlots::ExpensiveSlots(int per_caller, int global, int queue, int wait_ms)
    : per_caller_(std::max(1, per_caller)),
      global_(std::max(1, global)),
      queue_(std::max(0, queue)),
      wait_ms_(std::max(0, wait_ms)) {}

ExpensiveSlots::Slot::Slot(ExpensiveSlots* owner, std::string caller)
    : owner_(owner), caller_(std::move(caller)), holder_(std::this_thread::get_id()) {}

ExpensiveSlots::Slot::Slot(Slot&& other) noexcept
    : owner_(other.owner_), caller_(std::move(other.caller_)), holder_(other.holder_) {
  other.owner_ = nullptr;
}

ExpensiveSlots::Slot& ExpensiveSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->release(caller_, holder_);
    owner_ = other.owner_;
    caller_ = std::move(other.caller_);
    holder_ = other.holder_;
    other.owner_ = nullptr;
  }
  return *this;
}

ExpensiveSlots::Slot::~Slot() {
  if (owner_) owner_->release(caller_, holder_);
}

std::optional<ExpensiveSlots::Slot> ExpensiveSlots::acquire(const std::string& caller,
                                                            Refusal* why) {
  return acquire(caller, why, true);
}

std::optional<ExpensiveSlots::Slot> ExpensiveSlots::try_acquire(const std::string& caller,
                                                                Refusal* why) {
  return acquire(caller, why, false);
}

std::optional<ExpensiveSlots::Slot> ExpensiveSlots::acquire(const std::string& caller, Refusal* why,
                                                            bool may_wait) {
  std::unique_lock lock(mu_);
  // The caller's own limit first, counting its waiting requests: the answer
  // depends on nothing but the caller's own activity.
  auto it = by_caller_.find(caller);
  if (it != by_caller_.end() && it->second >= per_caller_) {
    *why = Refusal::kCaller;
    return std::nullopt;
  }
  if (in_use_ < global_ && queued_.empty()) {
    ++by_caller_[caller];
    ++in_use_;
    ++holders_[std::this_thread::get_id()];
    return Slot(this, caller);
  }
  if (!may_wait || static_cast<int>(queued_.size()) >= queue_ || wait_ms_ == 0) {
    *why = Refusal::kServer;
    return std::nullopt;
  }
  ++by_caller_[caller];
  const unsigned long long ticket = next_ticket_++;
  queued_.push_back(ticket);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(wait_ms_);
  if (!wait_turn(lock, ticket, &deadline)) {
    if (--by_caller_[caller] <= 0) by_caller_.erase(caller);
    *why = Refusal::kServer;
    return std::nullopt;
  }
  ++in_use_;
  ++holders_[std::this_thread::get_id()];
  return Slot(this, caller);
}

bool ExpensiveSlots::wait_turn(std::unique_lock<std::mutex>& lock, unsigned long long ticket,
                               const std::chrono::steady_clock::time_point* deadline) {
  auto turn = [&] { return in_use_ < global_ && queued_.front() == ticket; };
  bool admitted = true;
  if (deadline)
    admitted = freed_.wait_until(lock, *deadline, turn);
  else
    freed_.wait(lock, turn);
  queued_.erase(std::find(queued_.begin(), queued_.end(), ticket));
  // The next in line may go now, whether this one runs or gave up.
  freed_.notify_all();
  return admitted;
}

void ExpensiveSlots::yield() {
  std::unique_lock lock(mu_);
  if (queued_.empty() || !holders_.count(std::this_thread::get_id())) return;
  // The slot goes to the first in line; this thread queues behind the rest.
  --in_use_;
  const unsigned long long ticket = next_ticket_++;
  queued_.push_back(ticket);
  freed_.notify_all();
  wait_turn(lock, ticket, nullptr);
  ++in_use_;
}

int ExpensiveSlots::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

int ExpensiveSlots::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(queued_.size());
}

void ExpensiveSlots::release(const std::string& caller, std::thread::id holder) {
  {
    std::lock_guard lock(mu_);
    auto it = by_caller_.find(caller);
    if (it != by_caller_.end() && --it->second <= 0) by_caller_.erase(it);
    auto h = holders_.find(holder);
    if (h != holders_.end() && --h->second <= 0) holders_.erase(h);
    --in_use_;
  }
  freed_.notify_all();
}

}  // namespace expertmatch::api
