// BestN: the n best (id, score) pairs, ties by the smaller id, whatever the
// order of the offers.

#include "indexer/best_n.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace expertmatch {
namespace {

using Pairs = std::vector<std::pair<int64_t, float>>;

Pairs best_of(const Pairs& offers, size_t n) {
  BestN best(n);
  for (const auto& [id, score] : offers) best.offer(id, score);
  return best.take_sorted();
}

TEST(BestN, KeepsTheHighestScoresTiesByTheSmallerId) {
  const Pairs offers = {{7, 0.5f}, {3, 2.0f}, {9, 0.5f}, {1, 0.25f}, {4, 2.0f}, {2, 0.5f}};
  EXPECT_EQ(best_of(offers, 1), (Pairs{{3, 2.0f}}));
  EXPECT_EQ(best_of(offers, 3), (Pairs{{3, 2.0f}, {4, 2.0f}, {2, 0.5f}}));
  EXPECT_EQ(best_of(offers, 4), (Pairs{{3, 2.0f}, {4, 2.0f}, {2, 0.5f}, {7, 0.5f}}));
  // More asked than offered: all of them, best first.
  EXPECT_EQ(best_of(offers, 10),
            (Pairs{{3, 2.0f}, {4, 2.0f}, {2, 0.5f}, {7, 0.5f}, {9, 0.5f}, {1, 0.25f}}));
  EXPECT_TRUE(best_of(offers, 0).empty());
  // Any n: nothing is reserved beyond what is offered.
  EXPECT_EQ(best_of(offers, std::numeric_limits<size_t>::max()).size(), offers.size());
  BestN wide(size_t{1} << 40, 3);
  wide.offer(2, 1.0f);
  EXPECT_EQ(wide.take_sorted(), (Pairs{{2, 1.0f}}));
  // An id offered twice is two pairs.
  EXPECT_EQ(best_of({{4, 1.0f}, {4, 1.0f}, {2, 0.5f}}, 2), (Pairs{{4, 1.0f}, {4, 1.0f}}));
  EXPECT_TRUE(best_of({}, 3).empty());
  // Negative scores rank below positive ones and by value among themselves.
  EXPECT_EQ(best_of({{5, -1.0f}, {6, -0.5f}, {8, 0.0f}}, 2), (Pairs{{8, 0.0f}, {6, -0.5f}}));
}

TEST(BestN, TheOrderOfTheOffersDoesNotMatter) {
  std::mt19937 rng(7);
  Pairs offers;
  // Scores from a few values: many ties, decided by the id.
  for (int64_t id = 0; id < 500; ++id)
    offers.emplace_back(id * 3 + 1, static_cast<float>(rng() % 17) / 4.0f);
  Pairs sorted = offers;
  std::sort(sorted.begin(), sorted.end(), BestN::before);
  for (size_t n : {1u, 16u, 100u, 499u, 500u, 600u}) {
    Pairs want(sorted.begin(), sorted.begin() + std::min(n, sorted.size()));
    for (int shuffle = 0; shuffle < 5; ++shuffle) {
      std::shuffle(offers.begin(), offers.end(), rng);
      EXPECT_EQ(best_of(offers, n), want) << n;
    }
  }
}

TEST(BestN, TakingLeavesItEmptyForTheNextSelection) {
  BestN best(2);
  best.offer(1, 1.0f);
  best.offer(2, 3.0f);
  EXPECT_EQ(best.take_sorted(), (Pairs{{2, 3.0f}, {1, 1.0f}}));
  EXPECT_TRUE(best.take_sorted().empty());
  best.offer(5, 0.5f);
  EXPECT_EQ(best.take_sorted(), (Pairs{{5, 0.5f}}));
}

}  // namespace
}  // namespace expertmatch
