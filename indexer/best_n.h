// The n best of a stream of (id, score) pairs, for the candidate selections
// of the two-stage ranking (LexicalIndex::rare_term_top, Matcher's BM25
// candidates), which pick the best few hundred of up to a few hundred
// thousand scored documents.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace expertmatch {

// Keeps the `n` best pairs offered: the higher score first, ties by the
// smaller id (a strict total order, so the result does not depend on the
// order of the offers when no score is NaN; an id offered twice is two pairs,
// each kept on its own merit). A heap of the best so far with its worst on
// top: most offers fall below the worst at once (one comparison, no move),
// so n best of m offers cost O(m + k log n) for the k offers that enter.
// Memory grows with the pairs kept, at most min(n, offers) (`offers`, if
// known, is reserved up front); any n is accepted. Not thread-safe: one
// object per selection.
class BestN {
 public:
  explicit BestN(size_t n, size_t offers = 0) : n_(n) { heap_.reserve(std::min(n, offers)); }

  // a ranks before b: the higher score, ties by the smaller id.
  static bool before(const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  }

  void offer(int64_t id, float score) {
    const std::pair<int64_t, float> x{id, score};
    if (heap_.size() < n_) {
      heap_.push_back(x);
      std::push_heap(heap_.begin(), heap_.end(), before);
    } else if (n_ > 0 && before(x, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), before);
      heap_.back() = x;
      std::push_heap(heap_.begin(), heap_.end(), before);
    }
  }

  // The pairs kept, best first (at most n). Leaves this object empty.
  std::vector<std::pair<int64_t, float>> take_sorted() {
    std::sort_heap(heap_.begin(), heap_.end(), before);
    std::vector<std::pair<int64_t, float>> out = std::move(heap_);
    heap_.clear();
    return out;
  }

 private:
  size_t n_;
  std::vector<std::pair<int64_t, float>> heap_;
};

}  // namespace expertmatch
