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
// for its caller while all `global` run waits for one to end: another
// tenant's activity costs it time, never a different answer. Only when its
// wait passes `wait_ms`, or `queue` requests already wait and it cannot take
// the place of one (below), is it refused as the server's overload (kServer;
// the API answers 503 like any overload), so a refusal says nothing about a
// tenant.
//
// The queue is shared fairly between callers (fair share, not first come
// first served): every call of acquire, refused or not, adds one to its
// caller's recent use, which decays exponentially (time constant
// kUseDecaySeconds). A freed slot goes to the waiter whose caller has the
// least recent use (ties: the earliest); when the queue is full, a newcomer
// whose caller's recent use is at least one below that of the most-used
// waiting caller takes that waiter's place, and the displaced one is refused
// (kServer). So callers that flood the queue (many client addresses each
// looping sign-ins) cannot keep out one that asks now and then: it waits at
// most for the slots in use to end. Among callers that ask equally often it
// is first come first served. Recent use is kept for at most kMaxTracked
// callers (the least used are forgotten first).
//
// Thread safety: every method may be called from any thread. A waiting
// caller blocks its thread (the server sizes its worker pool for `queue`
// waiters beyond worker_threads: config.h, worker_pool_size).
#pragma once

#include <chrono>
#include <condition_variable>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>

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
  // slot. When requests wait for a slot, this one gives its slot up and
  // waits as a waiter of its caller like any other (the fair share above
  // chooses who goes next, the turn it had counting as one use; never
  // displaced, no deadline, no refusal: it was admitted already). So long requests share the slots
  // in turns of one step, and a county's ledger waits for one step of another county's plan, not
  // for all of it. Returns at once when nobody waits or the calling thread holds no slot.
  void yield();
  // Slots in use now (not counting waiters).
  int in_use() const;
  // Requests waiting for a slot now.
  int waiting() const;

  // Recent use (see above): e-folding time, and the most callers remembered.
  static constexpr double kUseDecaySeconds = 60;
  static constexpr size_t kMaxTracked = 10000;

 private:
  using Clock = std::chrono::steady_clock;
  struct Waiter {
    unsigned long long ticket;
    std::string caller;
    bool displaced = false;  // its place was taken: refuse it
    bool yielded = false;    // a running request taking its turn: never displaced
  };
  struct Use {
    double amount = 0;  // as of `at`
    Clock::time_point at;
  };
  std::optional<Slot> acquire(const std::string& caller, Refusal* why, bool may_wait);
  void release(const std::string& caller, std::thread::id holder);
  // `caller`'s recent use at `now`; caller holds mu_.
  double use_locked(const std::string& caller, Clock::time_point now) const;
  void count_use_locked(const std::string& caller, Clock::time_point now);
  // The waiter to admit next (least recent use, then earliest), end() if none.
  std::list<Waiter>::iterator next_locked(Clock::time_point now);

  const int per_caller_;
  const int global_;
  const int queue_;
  const int wait_ms_;
  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::map<std::string, int> by_caller_;  // admitted: running and waiting
  int in_use_ = 0;
  std::list<Waiter> queued_;  // oldest first
  unsigned long long next_ticket_ = 0;
  std::unordered_map<std::string, Use> use_;  // caller -> recent use
  // Threads holding slots: how many, and the caller of the latest.
  std::map<std::thread::id, std::pair<int, std::string>> holders_;
};

}  // namespace expertmatch::api
