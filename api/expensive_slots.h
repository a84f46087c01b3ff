// Admission of expensive requests: a plan run, the review queue (it ranks
// every open problem of a county), a bulk import, a ledger. Each holds a
// worker thread for a long while, so a few of them at once would leave none
// for anyone else (two large plan runs stalled every tenant on a server with
// two workers).
//
// At most `per_caller` run at once for one caller (Principal::describe(): a
// county, an enterprise, admin) and at most `global` in all. The server sets
// `global` below its worker count, so an ordinary request always finds a
// worker. A request over either limit is refused at once (the API answers
// 429 with Retry-After), never queued behind the others.
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace expertmatch::api {

class ExpensiveSlots {
 public:
  // Both limits at least 1.
  ExpensiveSlots(int per_caller, int global);
  ExpensiveSlots(const ExpensiveSlots&) = delete;
  ExpensiveSlots& operator=(const ExpensiveSlots&) = delete;

  // A slot in use; given back when destroyed. Must not outlive its ExpensiveSlots.
  class Slot {
   public:
    Slot(Slot&& other) noexcept;
    Slot& operator=(Slot&& other) noexcept;
    ~Slot();

   private:
    friend class ExpensiveSlots;
    Slot(ExpensiveSlots* owner, std::string caller);
    ExpensiveSlots* owner_;
    std::string caller_;
  };

  // Which limit refused a slot.
  enum class Refusal { kCaller, kServer };

  // A slot for `caller`, or nullopt with `why` set when the caller already
  // holds per_caller slots or all `global` are in use.
  std::optional<Slot> try_acquire(const std::string& caller, Refusal* why);
  // Slots in use now.
  int in_use() const;

 private:
  void release(const std::string& caller);

  const int per_caller_;
  const int global_;
  mutable std::mutex mu_;
  std::map<std::string, int> by_caller_;
  int in_use_ = 0;
};

}  // namespace expertmatch::api
