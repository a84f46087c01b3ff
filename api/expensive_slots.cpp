#include "api/expensive_slots.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace expertmatch::api {

ExpensiveSlots::ExpensiveSlots(int per_caller, int global, int queue, int wait_ms)
    : per_caller_(std::max(1, per_caller)),
      global_(std::max(1, global)),
      queue_(std::max(0, queue)),
      wait_ms_(std::max(0, wait_ms)) {}

ExpensiveSlots::Slot::Slot(ExpensiveSlots* owner, std::string caller)
    : owner_(owner), caller_(std::move(caller)), holder_(std::this_thread::get_id()) {
  auto& held = owner_->holders_[holder_];  // the constructor runs under mu_
  ++held.first;
  held.second = caller_;
}

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

double ExpensiveSlots::use_locked(const std::string& caller, Clock::time_point now) const {
  auto it = use_.find(caller);
  if (it == use_.end()) return 0;
  const double seconds = std::chrono::duration<double>(now - it->second.at).count();
  return it->second.amount * std::exp(-std::max(0.0, seconds) / kUseDecaySeconds);
}

void ExpensiveSlots::count_use_locked(const std::string& caller, Clock::time_point now) {
  const double amount = use_locked(caller, now) + 1;
  use_[caller] = Use{amount, now};
  if (use_.size() <= kMaxTracked) return;
  // Forget the least used half (never a caller with a request in): to them
  // it makes no difference between "little" and "none", and a flood of new
  // callers cannot grow the map without bound.
  std::vector<double> amounts;
  amounts.reserve(use_.size());
  for (const auto& [c, u] : use_) amounts.push_back(use_locked(c, now));
  std::nth_element(amounts.begin(), amounts.begin() + amounts.size() / 2, amounts.end());
  const double median = amounts[amounts.size() / 2];
  std::erase_if(use_, [&](const auto& u) {
    return !by_caller_.count(u.first) && use_locked(u.first, now) <= median;
  });
}

std::list<ExpensiveSlots::Waiter>::iterator ExpensiveSlots::next_locked(Clock::time_point now) {
  auto best = queued_.end();
  double best_use = 0;
  for (auto it = queued_.begin(); it != queued_.end(); ++it) {
    if (it->displaced) continue;
    const double u = use_locked(it->caller, now);
    // Strictly less: ties keep the earlier (the list is in arrival order).
    if (best == queued_.end() || u < best_use) {
      best = it;
      best_use = u;
    }
  }
  return best;
}

std::optional<ExpensiveSlots::Slot> ExpensiveSlots::acquire(const std::string& caller, Refusal* why,
                                                            bool may_wait) {
  std::unique_lock lock(mu_);
  const auto now = Clock::now();
  // Every request counts, refused ones too: a caller that is refused again
  // and again is the one flooding.
  count_use_locked(caller, now);
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
    return Slot(this, caller);
  }
  if (!may_wait || wait_ms_ == 0) {
    *why = Refusal::kServer;
    return std::nullopt;
  }
  const auto waiting =
      std::count_if(queued_.begin(), queued_.end(), [](const Waiter& w) { return !w.displaced; });
  if (waiting >= queue_) {
    // Full: take the place of the most-used caller's latest waiter, if this
    // caller has used the slots clearly less (by a whole request).
    std::list<Waiter>::iterator worst = queued_.end();
    double worst_use = 0;
    for (auto w = queued_.begin(); w != queued_.end(); ++w) {
      if (w->displaced || w->yielded) continue;
      const double u = use_locked(w->caller, now);
      if (worst == queued_.end() || u >= worst_use) {
        worst = w;
        worst_use = u;
      }
    }
    if (queue_ == 0 || worst == queued_.end() || use_locked(caller, now) > worst_use - 1) {
      *why = Refusal::kServer;
      return std::nullopt;
    }
    worst->displaced = true;
    freed_.notify_all();
  }
  ++by_caller_[caller];
  auto me = queued_.insert(queued_.end(), Waiter{next_ticket_++, caller});
  const auto deadline = now + std::chrono::milliseconds(wait_ms_);
  bool admitted = freed_.wait_until(lock, deadline, [&] {
    return me->displaced || (in_use_ < global_ && next_locked(Clock::now()) == me);
  });
  admitted = admitted && !me->displaced;
  queued_.erase(me);
  // The next in line may go now, whether this one runs or gave up.
  freed_.notify_all();
  if (!admitted) {
    if (--by_caller_[caller] <= 0) by_caller_.erase(caller);
    *why = Refusal::kServer;
    return std::nullopt;
  }
  ++in_use_;
  return Slot(this, caller);
}

void ExpensiveSlots::yield() {
  std::unique_lock lock(mu_);
  auto held = holders_.find(std::this_thread::get_id());
  if (held == holders_.end() ||
      std::none_of(queued_.begin(), queued_.end(), [](const Waiter& w) { return !w.displaced; }))
    return;
  // The slot goes back; this request waits as its caller's waiter, chosen
  // like any other (least recent use, then arrival). The turn it had counts
  // as a use: without it, a caller whose one request began earlier (its use
  // decayed longer) would always be chosen again before a newcomer.
  count_use_locked(held->second.second, Clock::now());
  --in_use_;
  auto me = queued_.insert(queued_.end(), Waiter{next_ticket_++, held->second.second});
  me->yielded = true;
  freed_.notify_all();
  freed_.wait(lock, [&] { return in_use_ < global_ && next_locked(Clock::now()) == me; });
  queued_.erase(me);
  freed_.notify_all();
  ++in_use_;
}

int ExpensiveSlots::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

int ExpensiveSlots::waiting() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(
      std::count_if(queued_.begin(), queued_.end(), [](const Waiter& w) { return !w.displaced; }));
}

void ExpensiveSlots::release(const std::string& caller, std::thread::id holder) {
  {
    std::lock_guard lock(mu_);
    auto it = by_caller_.find(caller);
    if (it != by_caller_.end() && --it->second <= 0) by_caller_.erase(it);
    auto h = holders_.find(holder);
    if (h != holders_.end() && --h->second.first <= 0) holders_.erase(h);
    --in_use_;
  }
  freed_.notify_all();
}

}  // namespace expertmatch::api
