// The city plan: several counties planned together over one capacity per
// expert (internal to the planner, docs/planning.md).
//
// An expert may be a candidate in several counties, but leads at most their
// remaining capacity of key topics in total. So the counties' teams grow in
// turns (one greedy step per county per round, team_choice.h), each county
// seeing the capacity that the others' tentative key topics leave
// (SharedCapacity); then every county's swap search runs with that capacity;
// then the key topics of the whole city are assigned in one flow
// (CityKeyTopics, topic_assignment.h), so the final assignment is exact for
// the chosen teams and never exceeds anyone's capacity. A single county is
// the same with one county.
//
// Shapes: experts are indices into the planner's input; capacity vectors
// hold topics left per expert (>= 0); counties are positions 0..n-1 in the
// request order.
//
// Thread safety: plain values, no shared state. No errors.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

#include "matcher/topic_assignment.h"

namespace expertmatch::planning {

class SharedCapacity {
 public:
  // `residual`: topics left per expert before any new topic; `counties`: n.
  SharedCapacity(std::vector<int> residual, std::size_t counties);

  // What county k may use: the residual minus the other counties' tentative
  // topics, never below 0.
  std::vector<int> for_county(std::size_t k) const;
  // County k's tentative topics per expert (as many entries as experts).
  void set_tentative(std::size_t k, std::vector<int> topics);
  const std::vector<int>& residual() const { return residual_; }

 private:
  std::vector<int> residual_;
  std::vector<std::vector<int>> tentative_;
};

// The key-topic instance of the city: the counties' instances side by side,
// each expert once with their whole residual capacity.
struct CityKeyTopics {
  KeyTopicInstance instance;
  std::vector<int> expert_of_flow;                   // flow expert -> expert index
  std::vector<std::pair<int, int>> problem_of_flow;  // flow problem -> (county, problem index)

  explicit CityKeyTopics(std::size_t experts) : flow_expert_of_(experts, -1) {}
  // Adds county k's instance, whose flow expert x is expert `experts[x]` and
  // flow problem i problem `problems[i]`; an expert seen first here gets
  // `residual[e]` capacity.
  void add_county(int k, const KeyTopicInstance& county, const std::vector<int>& experts,
                  const std::vector<int>& problems, const std::vector<int>& residual);

 private:
  std::vector<int> flow_expert_of_;  // expert index -> flow expert, or -1
};

}  // namespace expertmatch::planning
