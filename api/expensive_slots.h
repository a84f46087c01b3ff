// Admission of expensive requests: a plan run, the review queue (it ranks
// every open problem of a county), a bulk import, a ledger. Each holds a
// worker thread for a long while, so a few of them at once would leave none
// for anyone else (two large plan runs stalled every tenant on a server with
// two workers). The same class bounds ranking requests (matches) per caller,
// with no total.
//
// At most `per_caller` are admitted at once for one caller
// (Principal::describe(): a county, an enterprise, admin), running or
// waiting; one more is refused at once (the API answers 429 with
// Retry-After): that answer depends only on the caller's own requests.
// At most `global` run at once in all; the server sets it below its worker
// count, so an ordinary request always finds a worker. A request admitted
// for its caller while all `global` run waits, first come first served, for
// one to end: another tenant's activity costs it time, never a different
// answer. Only when `queue` requests already wait, or its wait passes
// `wait_ms`, is it refused as the server's overload (kServer; the API answers
// 503 like any overload), so a refusal says nothing about a tenant.
//
// Thread safety: every method may be called from any thread. A waiting
// caller blocks its thread (the server sizes its worker pool for `queue`
// waiters beyond worker_threads: config.h, worker_pool_size).
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace expertmatch::api {

class ExpensiveSlots {
 public:
  // per_caller and global at least 1; queue and wait_ms at least 0 (0: no
  // waiting, a full server refuses at once).
  ExpensiveSlots(int per_caller, int global, int queue = 0, int wait_ms = 0);
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
    std::thread::id holder_;  // the thread that acquired it
  };

  // Which limit refused a slot.
  enum class Refusal { kCaller, kServer };

  // A slot for `caller`, waiting (as above) while the server is full; or
  // nullopt with `why` set.
  std::optional<Slot> acquire(const std::string& caller, Refusal* why);
  // As acquire, never waiting (tests hold slots with it).
  std::optional<Slot> try_acquire(const std::string& caller, Refusal* why);
  // Called between the steps of a long request (a plan run's or a review
  // queue's chunks: ServiceOptions::between_chunks) by the thread holding a
  // slot. When requests wait for a slot, this one hands its slot to the
  // oldest of them and takes its turn at the back of the line, waiting as
  // long as that takes (it was admitted already: no deadline, no refusal).
  // So long requests share the slots in turns of one step, and a county's
  // ledger waits for one step of another county's plan, not for all of it.
  // Returns at once when nobody waits or the calling thread holds no slot.
  void yield();
  // Slots in use now (not counting waiters).
  int in_use() const;
  // Requests waiting for a slot now.
  int waiting() const;

 private:
  std::optional<Slot> acquire(const std::string& caller, Refusal* why, bool may_wait);
  void release(const std::string& caller, std::thread::id holder);
  // Under mu_: waits for `ticket` to be first in line with a slot free.
  bool wait_turn(std::unique_lock<std::mutex>& lock, unsigned long long ticket,
                 const std::chrono::steady_clock::time_point* deadline);

  const int per_caller_;
  const int global_;
  const int queue_;
  const int wait_ms_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::map<std::string, int> by_caller_;  // admitted: running and waiting
  int in_use_ = 0;
  std::deque<unsigned long long> queued_;   // waiting tickets, oldest first
  std::map<std::thread::id, int> holders_;  // threads holding slots, and how many
  unsigned long long next_ticket_ = 0;
};

}  // namespace expertmatch::api
