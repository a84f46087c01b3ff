// The dominance correction of a ranking's scores: no expert may rank below
// one whose own evidence is weaker on every component (issue 11's first
// rule). Used by Matcher after the neighbour smoothing (matcher.h).
#pragma once

#include <vector>

namespace expertmatch {

// An expert's evidence for one problem, each component in [0, 1]: dense
// (LSA cosine of the works around the corpus mean, with the broad-topic
// share), lexical (BM25 of the works over the query's ceiling, with the
// language model's share) and profile (the research profile's dense and
// lexical means). Rounded to 1e-6 by the matcher, so equal evidence is equal.
struct ComponentScores {
  float dense = 0;
  float lexical = 0;
  float profile = 0;
};

// Expert a dominates b when a's every component is >= b's (so experts with
// equal components dominate each other).
bool dominates(const ComponentScores& a, const ComponentScores& b);

// Replaces each (*scores)[i], the score of the expert whose components are
// components[i], by the mean of
//   up   = the highest score among the experts it dominates, itself included;
//   down = the lowest score among the experts that dominate it, itself included.
// Both are monotone in dominance, so afterwards a dominating expert scores
// at least as high as every expert it dominates, and equal components give
// exactly equal scores. Scores and components must not be NaN. Only the first
// min(sizes) entries are read and changed.
// Cost: O(n log n) for the order, then about n^2 / 16 block tests plus the
// experts of the blocks not passed over (each block's least and greatest
// component values tell whether any of its experts can be dominated by, or
// dominate, the expert at hand); the result is that of the plain quadratic
// scan. Thread safety: touches only its arguments.
void dominance_corrected(const std::vector<ComponentScores>& components,
                         std::vector<float>* scores);

}  // namespace expertmatch
