#include "matcher/topic_assignment.h"

#include "matcher/planner_impl.h"

#include <cmath>
#include <deque>
#include <limits>
#include <utility>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

namespace expertmatch::planning {
namespace {

// Costs in the flow are kTopicBase - gain >= 0 so that BGL's successive
// shortest paths (non-negative weights) applies; a bypass arc worth kTopicBase
// lets a slot stay empty.
constexpr double kTopicBase = 6000;

using FlowTraits = boost::adjacency_list_traits<boost::vecS, boost::vecS, boost::directedS>;
using FlowGraph = boost::adjacency_list<
    boost::vecS, boost::vecS, boost::directedS, boost::no_property,
    boost::property<
        boost::edge_capacity_t, long,
        boost::property<boost::edge_residual_capacity_t, long,
                        boost::property<boost::edge_reverse_t, FlowTraits::edge_descriptor,
                                        boost::property<boost::edge_weight_t, double>>>>>;

class FlowBuilder {
 public:
  explicit FlowBuilder(int vertices) : g_(vertices) {}
  FlowTraits::edge_descriptor add(int u, int v, long capacity, double cost) {
    auto e = boost::add_edge(u, v, g_).first;
    auto r = boost::add_edge(v, u, g_).first;
    auto cap = boost::get(boost::edge_capacity, g_);
    auto rev = boost::get(boost::edge_reverse, g_);
    auto w = boost::get(boost::edge_weight, g_);
    cap[e] = capacity;
    cap[r] = 0;
    w[e] = cost;
    w[r] = -cost;
    rev[e] = r;
    rev[r] = e;
    return e;
  }
  FlowGraph& graph() { return g_; }

 private:
  FlowGraph g_;
};

}  // namespace

// Exact: the flow saturates every enterprise's slots (through topics or
// bypasses), so a min-cost maximum flow is a maximum-value assignment. Costs
// are integral doubles: exact, and unreachable vertices (whose distance BGL
// leaves at the maximum) cannot overflow as a signed integer would.
KeyTopicAssignment assign_key_topics(const KeyTopicInstance& in) {
  KeyTopicAssignment out;
  out.arc_of_problem.assign(in.problem_enterprise.size(), -1);
  const int n_ent = static_cast<int>(in.enterprises.size());
  const int n_prob = static_cast<int>(in.problem_enterprise.size());
  const int n_exp = static_cast<int>(in.expert_capacity.size());
  const int source = 0, sink = 1, ent0 = 2, prob0 = ent0 + n_ent, exp0 = prob0 + n_prob;
  FlowBuilder b(exp0 + n_exp);
  std::vector<char> problem_used(n_prob, 0);
  for (const auto& a : in.arcs)
    if (in.expert_capacity[a.expert] > 0) problem_used[a.problem] = 1;
  for (int i = 0; i < n_ent; ++i) {
    const auto& e = in.enterprises[i];
    if (e.slots <= 0) continue;
    b.add(source, ent0 + i, e.slots, 0);
    b.add(ent0 + i, sink, 1, kTopicBase + (e.first_bonus ? kFirstTopicPoints : 0));
    if (e.slots > 1) b.add(ent0 + i, sink, e.slots - 1, kTopicBase);
  }
  for (int p = 0; p < n_prob; ++p)
    if (problem_used[p] && in.enterprises[in.problem_enterprise[p]].slots > 0)
      b.add(ent0 + in.problem_enterprise[p], prob0 + p, 1, 0);
  std::vector<std::pair<FlowTraits::edge_descriptor, int>> topic_edges;
  for (size_t i = 0; i < in.arcs.size(); ++i) {
    const auto& a = in.arcs[i];
    if (in.expert_capacity[a.expert] <= 0) continue;
    topic_edges.emplace_back(b.add(prob0 + a.problem, exp0 + a.expert, 1, kTopicBase - a.gain),
                             static_cast<int>(i));
  }
  for (int x = 0; x < n_exp; ++x)
    if (in.expert_capacity[x] > 0) b.add(exp0 + x, sink, in.expert_capacity[x], 0);
  FlowGraph& g = b.graph();
  boost::successive_shortest_path_nonnegative_weights(g, source, sink);
  auto residual = boost::get(boost::edge_residual_capacity, g);
  std::vector<char> covered(n_ent, 0);
  for (const auto& [edge, arc] : topic_edges) {
    if (residual[edge] != 0) continue;
    const auto& a = in.arcs[arc];
    out.arc_of_problem[a.problem] = arc;
    out.value += a.gain;
    covered[in.problem_enterprise[a.problem]] = 1;
  }
  for (int i = 0; i < n_ent; ++i)
    if (covered[i] && in.enterprises[i].first_bonus) out.value += kFirstTopicPoints;
  return out;
}

// Gains are integral points: exact as integers, and the flow stops at the
// first augmenting path that no longer gains (costs are convex in the flow).
double best_key_topic_value(const KeyTopicInstance& in) {
  const int n_ent = static_cast<int>(in.enterprises.size());
  const int n_prob = static_cast<int>(in.problem_enterprise.size());
  // Dense ids for what an arc touches: enterprises, problems, experts.
  std::vector<int> ent_id(n_ent, -1), prob_id(n_prob, -1), exp_id(in.expert_capacity.size(), -1);
  std::vector<int> ents, probs, exps;
  for (const auto& a : in.arcs) {
    if (in.expert_capacity[a.expert] <= 0) continue;
    int e = in.problem_enterprise[a.problem];
    if (in.enterprises[e].slots <= 0) continue;
    if (ent_id[e] < 0) {
      ent_id[e] = static_cast<int>(ents.size());
      ents.push_back(e);
    }
    if (prob_id[a.problem] < 0) {
      prob_id[a.problem] = static_cast<int>(probs.size());
      probs.push_back(a.problem);
    }
    if (exp_id[a.expert] < 0) {
      exp_id[a.expert] = static_cast<int>(exps.size());
      exps.push_back(a.expert);
    }
  }
  if (ents.empty()) return 0;
  const int source = 0, sink = 1, ent0 = 2, prob0 = ent0 + static_cast<int>(ents.size()),
            exp0 = prob0 + static_cast<int>(probs.size()), n = exp0 + static_cast<int>(exps.size());
  struct Edge {
    int to;
    int cap;
    long long cost;
  };
  std::vector<Edge> edges;
  std::vector<std::vector<int>> out(n);
  auto add = [&](int u, int v, int cap, long long cost) {
    out[u].push_back(static_cast<int>(edges.size()));
    edges.push_back({v, cap, cost});
    out[v].push_back(static_cast<int>(edges.size()));
    edges.push_back({u, 0, -cost});
  };
  const auto bonus = static_cast<long long>(kFirstTopicPoints);
  for (size_t i = 0; i < ents.size(); ++i) {
    const auto& e = in.enterprises[ents[i]];
    const int v = ent0 + static_cast<int>(i);
    if (e.first_bonus) {
      add(source, v, 1, -bonus);
      if (e.slots > 1) add(source, v, e.slots - 1, 0);
    } else {
      add(source, v, e.slots, 0);
    }
  }
  for (size_t i = 0; i < probs.size(); ++i)
    add(ent0 + ent_id[in.problem_enterprise[probs[i]]], prob0 + static_cast<int>(i), 1, 0);
  for (const auto& a : in.arcs)
    if (in.expert_capacity[a.expert] > 0 && prob_id[a.problem] >= 0 &&
        in.enterprises[in.problem_enterprise[a.problem]].slots > 0)
      add(prob0 + prob_id[a.problem], exp0 + exp_id[a.expert], 1, -std::llround(a.gain));
  for (size_t i = 0; i < exps.size(); ++i)
    add(exp0 + static_cast<int>(i), sink, in.expert_capacity[exps[i]], 0);

  constexpr long long kInf = std::numeric_limits<long long>::max() / 4;
  long long cost = 0;
  std::vector<long long> dist(n);
  std::vector<int> via(n);
  std::vector<char> queued(n);
  while (true) {
    std::fill(dist.begin(), dist.end(), kInf);
    std::fill(via.begin(), via.end(), -1);
    std::deque<int> queue = {source};
    dist[source] = 0;
    queued.assign(n, 0);
    queued[source] = 1;
    while (!queue.empty()) {
      int u = queue.front();
      queue.pop_front();
      queued[u] = 0;
      for (int id : out[u]) {
        const Edge& e = edges[id];
        if (e.cap <= 0 || dist[u] + e.cost >= dist[e.to]) continue;
        dist[e.to] = dist[u] + e.cost;
        via[e.to] = id;
        if (!queued[e.to]) {
          queued[e.to] = 1;
          queue.push_back(e.to);
        }
      }
    }
    if (dist[sink] >= 0) break;  // no path that gains: the optimum
    for (int v = sink; v != source; v = edges[via[v] ^ 1].to) {
      --edges[via[v]].cap;
      ++edges[via[v] ^ 1].cap;
    }
    cost += dist[sink];
  }
  return static_cast<double>(-cost);
}

}  // namespace expertmatch::planning

namespace expertmatch {

// ---- A county's instance ----------------------------------------------------

// The county's key-topic instance for `team`, with `capacity` per expert.
// `experts` receives the expert index of each flow expert.
planning::KeyTopicInstance WorkstationPlanner::Impl::county_flow(const County& c,
                                                                 const std::vector<int>& team,
                                                                 const std::vector<int>& capacity,
                                                                 std::vector<int>* experts,
                                                                 std::vector<int>* problems) const {
  planning::KeyTopicInstance f;
  for (size_t i = 0; i < c.enterprises.size(); ++i)
    f.enterprises.push_back(
        {std::max(0, opt.max_topics_per_enterprise - c.kept_slots[i]), c.kept_slots[i] == 0});
  std::vector<int> flow_problem(c.problems.size(), -1);
  for (size_t lp = 0; lp < c.problems.size(); ++lp) {
    if (c.kept_topic_expert[lp] >= 0) continue;
    flow_problem[lp] = static_cast<int>(f.problem_enterprise.size());
    f.problem_enterprise.push_back(c.enterprise_of[lp]);
    problems->push_back(c.problems[lp]);
  }
  for (int e : team) {
    int x = static_cast<int>(f.expert_capacity.size());
    f.expert_capacity.push_back(capacity[e]);
    experts->push_back(e);
    for (const auto& [p, m] : pl.good_by_expert_[e]) {
      auto it = c.local.find(p);
      if (it == c.local.end() || flow_problem[it->second] < 0 || !may_lead(c, e, p)) continue;
      f.arcs.push_back({flow_problem[it->second], x, gain(c, e, p, match(m).score)});
    }
  }
  return f;
}

double WorkstationPlanner::Impl::kept_value(const County& c) const {
  double v = 0;
  std::vector<char> covered(c.enterprises.size(), 0);
  for (size_t lp = 0; lp < c.problems.size(); ++lp) {
    int e = c.kept_topic_expert[lp];
    if (e < 0) continue;
    float s = 0;
    for (const auto& [p, m] : pl.good_by_expert_[e])
      if (p == c.problems[lp]) s = match(m).score;
    v += gain(c, e, c.problems[lp], s);
    if (!covered[c.enterprise_of[lp]]) v += planning::kFirstTopicPoints;
    covered[c.enterprise_of[lp]] = 1;
  }
  return v;
}

// Topics each expert leads in county c under its current team.
std::vector<int> WorkstationPlanner::Impl::tentative_topics(
    const County& c, const std::vector<int>& capacity) const {
  std::vector<int> used(in.experts.size(), 0);
  std::vector<int> experts, problems;
  planning::KeyTopicInstance f = county_flow(c, c.team, capacity, &experts, &problems);
  planning::KeyTopicAssignment s = planning::assign_key_topics(f);
  for (int a : s.arc_of_problem)
    if (a >= 0) ++used[experts[f.arcs[a].expert]];
  return used;
}

}  // namespace expertmatch
