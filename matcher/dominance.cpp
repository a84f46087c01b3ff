#include "matcher/dominance.h"

#include <algorithm>
#include <cstddef>

namespace expertmatch {

bool dominates(const ComponentScores& a, const ComponentScores& b) {
  return a.dense >= b.dense && a.lexical >= b.lexical && a.profile >= b.profile;
}

void dominance_corrected(const std::vector<ComponentScores>& components,
                         std::vector<float>* scores) {
  // The smoothing lends a runner-up part of its leader's score, which can lift
  // it above an expert whose own evidence is stronger on every component.
  // Two monotone corrections bracket the smoothed score: `up`, the highest
  // score among the experts it dominates (itself included), and `down`, the
  // lowest among those that dominate it. Each is monotone in dominance, and so
  // is their mean, which moves the two experts of an inversion by half the gap
  // each instead of moving one of them all the way (on the development sets
  // the mean keeps more of the smoothing's gain than either bound alone:
  // docs/quality.md). Experts with equal components dominate each other and
  // get exactly equal scores. Only experts scored above (below) an expert can
  // move it, so each scan stops there.
  std::vector<float>& v = *scores;
  const size_t n = std::min(v.size(), components.size());
  std::vector<size_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return v[a] > v[b]; });
  // The components and scores in that order, side by side: the scans below
  // read them contiguously.
  std::vector<ComponentScores> c(n);
  std::vector<float> score(n);
  for (size_t r = 0; r < n; ++r) {
    c[r] = components[order[r]];
    score[r] = v[order[r]];
  }
  // Positions [0, above[r]) are scored strictly above r, [below[r], n)
  // strictly below: the ends of r's run of equal scores.
  std::vector<size_t> above(n), below(n);
  for (size_t r = 0; r < n; ++r) above[r] = r > 0 && score[r - 1] == score[r] ? above[r - 1] : r;
  for (size_t r = n; r-- > 0;)
    below[r] = r + 1 < n && score[r + 1] == score[r] ? below[r + 1] : r + 1;
  // Blocks of kBlock positions with each component's least and greatest
  // value. An expert that does not dominate a block's least values dominates
  // none of its experts, and one the block's greatest values do not dominate
  // is dominated by none of them: such a block is passed over whole. The
  // scans still find the same first expert in the same order, so the result
  // is the one the plain scan gives.
  constexpr size_t kBlock = 16;
  const size_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<ComponentScores> least(blocks), most(blocks);
  for (size_t k = 0; k < blocks; ++k) {
    ComponentScores lo = c[k * kBlock], hi = lo;
    for (size_t j = k * kBlock; j < std::min(n, (k + 1) * kBlock); ++j) {
      lo = {std::min(lo.dense, c[j].dense), std::min(lo.lexical, c[j].lexical),
            std::min(lo.profile, c[j].profile)};
      hi = {std::max(hi.dense, c[j].dense), std::max(hi.lexical, c[j].lexical),
            std::max(hi.profile, c[j].profile)};
    }
    least[k] = lo;
    most[k] = hi;
  }
  std::vector<float> up(score), down(score);
  for (size_t r = 0; r < n; ++r) {
    // Scored above r: the first (highest) that r dominates.
    bool found = false;
    for (size_t k = 0; !found && k * kBlock < above[r]; ++k) {
      if (!dominates(c[r], least[k])) continue;
      for (size_t j = k * kBlock; j < std::min(above[r], (k + 1) * kBlock); ++j)
        if (dominates(c[r], c[j])) {
          up[r] = score[j];
          found = true;
          break;
        }
    }
    // Scored below r: the first from the bottom (lowest) that dominates r.
    found = false;
    for (size_t k = blocks; !found && k-- > 0 && (k + 1) * kBlock > below[r];) {
      if (!dominates(most[k], c[r])) continue;
      for (size_t j = std::min(n, (k + 1) * kBlock); j-- > std::max(below[r], k * kBlock);)
        if (dominates(c[j], c[r])) {
          down[r] = score[j];
          found = true;
          break;
        }
    }
  }
  for (size_t r = 0; r < n; ++r) v[order[r]] = 0.5f * (up[r] + down[r]);
}

}  // namespace expertmatch
