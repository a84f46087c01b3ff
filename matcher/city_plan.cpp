#include "matcher/city_plan.h"

#include <algorithm>
#include <set>
#include <utility>

#include "matcher/planner_impl.h"

namespace expertmatch {
namespace planning {

SharedCapacity::SharedCapacity(std::vector<int> residual, size_t counties)
    : residual_(std::move(residual)), tentative_(counties, std::vector<int>(residual_.size(), 0)) {}

std::vector<int> SharedCapacity::for_county(size_t k) const {
  std::vector<int> cap = residual_;
  for (size_t j = 0; j < tentative_.size(); ++j)
    if (j != k)
      for (size_t e = 0; e < cap.size(); ++e) cap[e] -= tentative_[j][e];
  for (int& x : cap) x = std::max(0, x);
  return cap;
}

void SharedCapacity::set_tentative(size_t k, std::vector<int> topics) {
  tentative_[k] = std::move(topics);
}

void CityKeyTopics::add_county(int k, const KeyTopicInstance& county,
                               const std::vector<int>& experts, const std::vector<int>& problems,
                               const std::vector<int>& residual) {
  KeyTopicInstance& f = instance;
  int ent_offset = static_cast<int>(f.enterprises.size());
  int prob_offset = static_cast<int>(f.problem_enterprise.size());
  f.enterprises.insert(f.enterprises.end(), county.enterprises.begin(), county.enterprises.end());
  for (size_t i = 0; i < county.problem_enterprise.size(); ++i) {
    f.problem_enterprise.push_back(county.problem_enterprise[i] + ent_offset);
    problem_of_flow.emplace_back(k, problems[i]);
  }
  for (const auto& a : county.arcs) {
    int e = experts[a.expert];
    if (flow_expert_of_[e] < 0) {
      flow_expert_of_[e] = static_cast<int>(expert_of_flow.size());
      expert_of_flow.push_back(e);
      f.expert_capacity.push_back(residual[e]);
    }
    f.arcs.push_back({a.problem + prob_offset, flow_expert_of_[e], a.gain});
  }
}

}  // namespace planning

std::vector<int> WorkstationPlanner::Impl::base_capacity(
    const std::vector<CountyRequest>& requests) const {
  std::vector<int> cap(in.experts.size());
  for (size_t e = 0; e < in.experts.size(); ++e) {
    int used = 0;
    for (const auto& r : requests) {
      auto it = r.used_capacity.find(expert(e).id);
      if (it != r.used_capacity.end()) used = std::max(used, it->second);
    }
    cap[e] = std::max(0, expert(e).capacity - used);
  }
  return cap;
}

std::vector<int> WorkstationPlanner::Impl::used_after_kept(
    const std::vector<CountyRequest>& requests) const {
  // Engagements elsewhere, like used_capacity, are one city's: the largest
  // count any request gives, not their sum.
  std::vector<int> used(in.experts.size(), 0);
  for (const auto& r : requests)
    for (const auto& [id, n] : r.used_after_kept)
      if (auto it = pl.expert_index_.find(id); it != pl.expert_index_.end())
        used[it->second] = std::max(used[it->second], n);
  return used;
}

void WorkstationPlanner::Impl::take_acceptances(const std::vector<CountyRequest>& requests,
                                                const std::vector<int>& accepted,
                                                std::vector<int>* residual) const {
  std::vector<int> elsewhere = used_after_kept(requests);
  for (size_t e = 0; e < residual->size(); ++e)
    (*residual)[e] = std::max(0, (*residual)[e] - accepted[e] - elsewhere[e]);
}

Result<CityPlan> WorkstationPlanner::Impl::plan(const std::vector<CountyRequest>& requests) const {
  std::vector<int> residual = base_capacity(requests);
  std::vector<int> accepted(in.experts.size(), 0);
  // What the plan explains as used elsewhere includes what was accepted there.
  std::vector<int> declared_left = residual;
  std::vector<int> elsewhere = used_after_kept(requests);
  for (size_t e = 0; e < declared_left.size(); ++e)
    declared_left[e] = std::max(0, declared_left[e] - elsewhere[e]);
  std::vector<County> counties;
  std::set<std::string> names;
  for (const auto& r : requests) {
    if (!names.insert(r.county).second)
      return Status(ErrorCode::kInvalidArgument, "county \"" + r.county + "\" requested twice");
    auto c = make_county(r, &residual, &accepted);
    if (!c) return c.status();
    counties.push_back(std::move(*c));
  }
  // Every county's kept topics first, then what was accepted
  // (CountyRequest's order of claims).
  take_acceptances(requests, accepted, &residual);
  const size_t n = counties.size();
  // Teams in turns: each county adds one expert per round, seeing the
  // capacity the other counties' tentative topics leave.
  planning::SharedCapacity shared(residual, n);
  std::vector<char> growing(n, 1);
  for (bool any = true; any;) {
    any = false;
    for (size_t k = 0; k < n; ++k) {
      if (!growing[k]) continue;
      std::vector<int> cap = shared.for_county(k);
      double current = value(counties[k], counties[k].team, cap);
      growing[k] = greedy_step(counties[k], cap, &current);
      any = any || growing[k];
      // A county's tentative topics only limit the others: none when alone.
      if (n > 1) shared.set_tentative(k, tentative_topics(counties[k], cap));
    }
  }
  for (size_t k = 0; k < n; ++k) {
    std::vector<int> cap = shared.for_county(k);
    local_search(counties[k], cap);
    if (n > 1) shared.set_tentative(k, tentative_topics(counties[k], cap));
  }
  // Key topics of the whole city in one flow.
  planning::CityKeyTopics city_topics(in.experts.size());
  for (size_t k = 0; k < n; ++k) {
    std::vector<int> experts, problems;
    planning::KeyTopicInstance fk =
        county_flow(counties[k], counties[k].team, residual, &experts, &problems);
    city_topics.add_county(static_cast<int>(k), fk, experts, problems, residual);
  }
  const planning::KeyTopicInstance& f = city_topics.instance;
  const auto& problem_of_flow = city_topics.problem_of_flow;
  const auto& expert_of_flow = city_topics.expert_of_flow;
  planning::KeyTopicAssignment sol = planning::assign_key_topics(f);
  // assigned[k][local problem] = expert leading a new topic
  std::vector<std::vector<int>> assigned(n);
  for (size_t k = 0; k < n; ++k) assigned[k].assign(counties[k].problems.size(), -1);
  CityPlan city;
  std::vector<int> topics_total(in.experts.size(), 0);
  for (size_t k = 0; k < n; ++k)
    for (int e : counties[k].kept_topic_expert)
      if (e >= 0) ++topics_total[e];
  for (size_t i = 0; i < sol.arc_of_problem.size(); ++i) {
    int a = sol.arc_of_problem[i];
    if (a < 0) continue;
    auto [k, p] = problem_of_flow[i];
    int e = expert_of_flow[f.arcs[a].expert];
    assigned[k][counties[k].local.at(p)] = e;
    ++topics_total[e];
  }
  for (size_t e = 0; e < in.experts.size(); ++e)
    if (topics_total[e] > 0) city.topics_per_expert[expert(e).id] = topics_total[e];
  for (size_t k = 0; k < n; ++k)
    city.counties.push_back(
        explain(counties[k], assigned[k], shared.for_county(k), declared_left, topics_total));
  return city;
}

}  // namespace expertmatch
