// Key-topic assignment: which team expert leads which enterprise's open
// problem, as an exact min-cost flow (internal to the planner,
// docs/planning.md).
//
// Shapes: an instance names enterprises, problems and experts by index
// (0-based, dense): `problem_enterprise[p]` is problem p's enterprise,
// `expert_capacity[x]` expert x's topics left, and each arc (p, x, gain) says
// that x may lead p for `gain` points. An enterprise takes at most `slots`
// topics; its first earns kFirstTopicPoints more when `first_bonus` (it has no
// kept topic yet).
//
// Units: points, integral values held in doubles (exact up to 2^53). A topic
// is worth kUrgencyPoints * urgency + round(kQualityPoints * score *
// preference) < 5100, so covering one more enterprise beats any urgency or
// quality, and one urgency level beats any quality difference.
//
// Method: min-cost maximum flow by successive shortest paths with
// non-negative reduced costs (Boost Graph Library,
// successive_shortest_path_nonnegative_weights; Ahuja, Magnanti and Orlin,
// "Network Flows", 1993, ch. 9). Each enterprise's slots leave either through
// a topic or through a bypass arc, so every slot is saturated and a min-cost
// maximum flow is a maximum-value assignment: the result is an optimum, not
// an approximation.
//
// Thread safety: pure functions of their arguments. No errors: an arc naming
// an expert without capacity is ignored.
#pragma once

#include <vector>

namespace expertmatch::planning {

constexpr double kFirstTopicPoints = 10000;
constexpr double kUrgencyPoints = 1000;
constexpr double kQualityPoints = 100;

struct KeyTopicInstance {
  struct Enterprise {
    int slots = 0;
    bool first_bonus = true;  // no topic yet: the first one earns kFirstTopicPoints
  };
  struct Arc {
    int problem;  // index into problem_enterprise
    int expert;   // index into expert_capacity
    double gain;  // integral points
  };
  std::vector<Enterprise> enterprises;
  std::vector<int> problem_enterprise;
  std::vector<int> expert_capacity;
  std::vector<Arc> arcs;
};

struct KeyTopicAssignment {
  std::vector<int> arc_of_problem;  // per problem: index into arcs, -1 if unassigned
  double value = 0;                 // sum of gains + first-topic points
};

// An assignment of the largest value (see above).
KeyTopicAssignment assign_key_topics(const KeyTopicInstance& instance);

// The largest value alone: equal to assign_key_topics(instance).value, but
// computed on the part of the instance that matters (enterprises, problems
// and experts with an arc) as a min-cost flow with negative costs, one
// augmenting path (Bellman-Ford queue, SPFA) per topic and no bypass arcs,
// so it costs O(topics x arcs) rather than one shortest path per slot of
// every enterprise. The team search calls it for every candidate team;
// assign_key_topics still chooses which optimum is the plan.
double best_key_topic_value(const KeyTopicInstance& instance);

}  // namespace expertmatch::planning
