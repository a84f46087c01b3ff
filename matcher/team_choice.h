// Team choice: the members of a county's workstation team (internal to the
// planner, docs/planning.md).
//
// The planner's objective V(T) = K(T) + B(T) (planner.h) is monotone and
// submodular in the team T. It is maximised greedily, each step adding the
// candidate with the largest gain (Nemhauser, Wolsey and Fisher, "An analysis
// of approximations for maximizing submodular set functions", Math.
// Programming 14, 1978: V >= (1 - 1/e) * optimum under a size limit), then
// improved by best-improvement swaps of one member for one outsider while
// that raises V (a 1-swap local search; tests measure the remaining gap to
// brute force).
//
// Shapes: experts are indices into the planner's input (any ints); a team is
// a vector of distinct indices in the order chosen; values are V points
// (planner.h), compared with a tolerance of kTeamEpsilon.
//
// Thread safety: the functions only call the TeamSearch's callbacks, from the
// calling thread. No errors.
#pragma once

#include <functional>
#include <vector>

namespace expertmatch::planning {

constexpr double kTeamEpsilon = 1e-9;

struct TeamSearch {
  int min_size = 0;  // the team grows to this even when a member adds nothing
  int max_size = 0;  // never more
  // V of a team; called many times (it is the cost of the search).
  std::function<double(const std::vector<int>& team)> value;
  // On equal gain: whether candidate a comes before b (a strict order).
  std::function<bool(int a, int b)> preferred;
  // Members that stay whatever a swap would gain (kept or accepted).
  std::function<bool(int member)> fixed;
};

// One greedy step: adds to `team` the candidate (not yet in it) of the
// largest gain over `*current` (= V(team)), and adds that gain to `*current`.
// False, changing nothing, when the team is full, there is no candidate, or
// the team has min_size members and nobody adds anything.
bool add_best_member(const TeamSearch& search, const std::vector<int>& candidates,
                     std::vector<int>* team, double* current);

// Up to `rounds` best-improvement swaps of one unfixed member for one
// candidate outside the team; stops at the first round without improvement.
void improve_by_swaps(const TeamSearch& search, const std::vector<int>& candidates, int rounds,
                      std::vector<int>* team);

}  // namespace expertmatch::planning
