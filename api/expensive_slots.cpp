#include "api/expensive_slots.h"

#include <algorithm>

namespace expertmatch::api {

ExpensiveSlots::ExpensiveSlots(int per_caller, int global)
    : per_caller_(std::max(1, per_caller)), global_(std::max(1, global)) {}

ExpensiveSlots::Slot::Slot(ExpensiveSlots* owner, std::string caller)
    : owner_(owner), caller_(std::move(caller)) {}

ExpensiveSlots::Slot::Slot(Slot&& other) noexcept
    : owner_(other.owner_), caller_(std::move(other.caller_)) {
  other.owner_ = nullptr;
}

ExpensiveSlots::Slot& ExpensiveSlots::Slot::operator=(Slot&& other) noexcept {
  if (this != &other) {
    if (owner_) owner_->release(caller_);
    owner_ = other.owner_;
    caller_ = std::move(other.caller_);
    other.owner_ = nullptr;
  }
  return *this;
}

ExpensiveSlots::Slot::~Slot() {
  if (owner_) owner_->release(caller_);
}

std::optional<ExpensiveSlots::Slot> ExpensiveSlots::try_acquire(const std::string& caller,
                                                                Refusal* why) {
  std::lock_guard lock(mu_);
  // The caller's own limit first: a tenant over it is told so even when the
  // server is also full, since waiting for the others would not help it.
  auto it = by_caller_.find(caller);
  if (it != by_caller_.end() && it->second >= per_caller_) {
    *why = Refusal::kCaller;
    return std::nullopt;
  }
  if (in_use_ >= global_) {
    *why = Refusal::kServer;
    return std::nullopt;
  }
  ++by_caller_[caller];
  ++in_use_;
  return Slot(this, caller);
}

int ExpensiveSlots::in_use() const {
  std::lock_guard lock(mu_);
  return in_use_;
}

void ExpensiveSlots::release(const std::string& caller) {
  std::lock_guard lock(mu_);
  auto it = by_caller_.find(caller);
  if (it != by_caller_.end() && --it->second <= 0) by_caller_.erase(it);
  --in_use_;
}

}  // namespace expertmatch::api
