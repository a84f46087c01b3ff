// dominance_corrected: a hand-computed case, and random score sets (many
// ties, sizes around the block length) against the plain quadratic scan
// written out here, which the block skipping must reproduce bit for bit.
#include "matcher/dominance.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <numeric>
#include <random>
#include <vector>

namespace expertmatch {
namespace {

bool dominates_by_definition(const ComponentScores& a, const ComponentScores& b) {
  return a.dense >= b.dense && a.lexical >= b.lexical && a.profile >= b.profile;
}

// The definition, scanned in full: for each expert the highest score among
// those scored above it that it dominates, and the lowest among those scored
// below it that dominate it, each its own score if there is none.
std::vector<float> reference(const std::vector<ComponentScores>& c, std::vector<float> s) {
  const size_t n = s.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a] > s[b]; });
  std::vector<float> up(s), down(s);
  for (size_t i : order) {
    for (size_t j : order) {
      if (!(s[j] > s[i])) break;
      if (dominates_by_definition(c[i], c[j])) {
        up[i] = s[j];
        break;
      }
    }
    for (auto it = order.rbegin(); it != order.rend(); ++it) {
      if (!(s[*it] < s[i])) break;
      if (dominates_by_definition(c[*it], c[i])) {
        down[i] = s[*it];
        break;
      }
    }
  }
  for (size_t i = 0; i < n; ++i) s[i] = 0.5f * (up[i] + down[i]);
  return s;
}

TEST(DominanceTest, ALiftedRunnerUpAndTheExpertItPassedMeetHalfWay) {
  // B was lifted above A (by the smoothing) though A is stronger on every
  // component: each moves half the gap, to (0.45 + 0.40) / 2. C is below
  // both and dominated by both: unchanged.
  std::vector<ComponentScores> c = {{0.5f, 0.5f, 0.0f}, {0.4f, 0.4f, 0.0f}, {0.1f, 0.1f, 0.0f}};
  std::vector<float> s = {0.40f, 0.45f, 0.10f};
  dominance_corrected(c, &s);
  EXPECT_FLOAT_EQ(s[0], 0.425f);
  EXPECT_FLOAT_EQ(s[1], 0.425f);
  EXPECT_FLOAT_EQ(s[2], 0.10f);
  // Equal components, different scores: exactly equal after.
  c = {{0.3f, 0.2f, 0.1f}, {0.3f, 0.2f, 0.1f}};
  s = {0.30f, 0.20f};
  dominance_corrected(c, &s);
  EXPECT_EQ(s[0], s[1]);
  EXPECT_FLOAT_EQ(s[0], 0.25f);
}

TEST(DominanceTest, BlockSkippingGivesThePlainScansResult) {
  std::mt19937 rng(11);
  size_t checked = 0, moved = 0;
  for (size_t n : {0, 1, 2, 15, 16, 17, 33, 100, 257, 1000}) {
    for (int round = 0; round < 20; ++round) {
      // Components from a few levels (ties and equal experts are common);
      // scores their weighted sum plus a lift, as the smoothing gives.
      const int levels = 1 + round % 6;
      std::uniform_int_distribution<int> level(0, levels);
      std::uniform_real_distribution<float> lift(0.0f, round % 2 ? 0.3f : 0.05f);
      std::vector<ComponentScores> c(n);
      std::vector<float> s(n);
      for (size_t i = 0; i < n; ++i) {
        c[i] = {level(rng) / float(levels), level(rng) / float(levels),
                round % 3 ? level(rng) / float(levels) : 0.0f};
        s[i] = 0.5f * c[i].dense + 0.3f * c[i].lexical + 0.2f * c[i].profile + lift(rng);
        if (round % 4 == 0) s[i] = std::round(s[i] * 20) / 20;  // tied scores
      }
      const std::vector<float> expected = reference(c, s);
      std::vector<float> got = s;
      dominance_corrected(c, &got);
      ASSERT_EQ(got.size(), expected.size());
      for (size_t i = 0; i < n; ++i) {
        ASSERT_EQ(std::memcmp(&got[i], &expected[i], sizeof(float)), 0)
            << "n " << n << " round " << round << " expert " << i << ": " << got[i] << " vs "
            << expected[i];
        moved += got[i] != s[i];
      }
      ++checked;
    }
  }
  EXPECT_EQ(checked, 200u);
  EXPECT_GT(moved, 1000u);  // the correction did move scores: not a vacuous comparison
}

}  // namespace
}  // namespace expertmatch
