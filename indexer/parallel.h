// parallel_for: runs fn(i) for every i in [0, n) on `threads` threads (the
// calling thread one of them), in contiguous chunks handed out in order.
// fn must be safe to call concurrently for different i; what it writes for
// one i must not be touched for another. With threads <= 1 or n small it runs
// on the calling thread alone. Used by the index build (text analysis and
// embedding, which are const and per-thread: TermModel, Embedder).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace expertmatch {

template <typename Fn>
void parallel_for(size_t n, int threads, Fn&& fn) {
  constexpr size_t kChunk = 64;
  if (threads <= 1 || n <= kChunk) {
    for (size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t from; (from = next.fetch_add(kChunk)) < n;)
      for (size_t i = from; i < std::min(n, from + kChunk); ++i) fn(i);
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
}

}  // namespace expertmatch
