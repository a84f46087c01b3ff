#include "matcher/team_choice.h"

#include "matcher/planner_impl.h"

#include <algorithm>
#include <cmath>

namespace expertmatch::planning {
namespace {

bool in_team(const std::vector<int>& team, int e) {
  return std::find(team.begin(), team.end(), e) != team.end();
}

}  // namespace

bool add_best_member(const TeamSearch& s, const std::vector<int>& candidates,
                     std::vector<int>* team, double* current) {
  if (static_cast<int>(team->size()) >= s.max_size) return false;
  int best = -1;
  double best_gain = -1;
  for (int e : candidates) {
    if (in_team(*team, e)) continue;
    std::vector<int> t = *team;
    t.push_back(e);
    double g = s.value(t) - *current;
    if (best < 0 || g > best_gain + kTeamEpsilon ||
        (std::fabs(g - best_gain) <= kTeamEpsilon && s.preferred(e, best))) {
      best = e;
      best_gain = g;
    }
  }
  if (best < 0) return false;
  if (best_gain <= kTeamEpsilon && static_cast<int>(team->size()) >= s.min_size) return false;
  team->push_back(best);
  *current += best_gain;
  return true;
}

void improve_by_swaps(const TeamSearch& s, const std::vector<int>& candidates, int rounds,
                      std::vector<int>* team) {
  double current = s.value(*team);
  for (int round = 0; round < rounds; ++round) {
    double best = current;
    int out_pos = -1, in_e = -1;
    for (size_t i = 0; i < team->size(); ++i) {
      if (s.fixed((*team)[i])) continue;
      for (int e : candidates) {
        if (in_team(*team, e)) continue;
        std::vector<int> t = *team;
        t[i] = e;
        double v = s.value(t);
        if (v > best + kTeamEpsilon) {
          best = v;
          out_pos = static_cast<int>(i);
          in_e = e;
        }
      }
    }
    if (out_pos < 0) return;
    (*team)[out_pos] = in_e;
    current = best;
  }
}

}  // namespace expertmatch::planning

namespace expertmatch {

double WorkstationPlanner::Impl::breadth(const County& c, const std::vector<int>& team) const {
  std::vector<double> best(c.problems.size(), 0);
  for (int e : team)
    for (const auto& [p, m] : pl.good_by_expert_[e]) {
      auto it = c.local.find(p);
      if (it == c.local.end() || !usable(c, e, p)) continue;
      best[it->second] = std::max(best[it->second], match(m).score * c.pref[e]);
    }
  double b = 0;
  for (size_t lp = 0; lp < c.problems.size(); ++lp) b += problem(c.problems[lp]).urgency * best[lp];
  return b;
}

// V(team) = K(team) + B(team), K including kept topics.
double WorkstationPlanner::Impl::value(const County& c, const std::vector<int>& team,
                                       const std::vector<int>& capacity) const {
  // Only the value matters here (the search calls this for every candidate
  // team): the fast exact solver; the plan's assignment comes from
  // assign_key_topics, once the teams are chosen.
  std::vector<int> experts, problems;
  return planning::best_key_topic_value(county_flow(c, team, capacity, &experts, &problems)) +
         kept_value(c) + breadth(c, team);
}

// Experts who may join: admitted, available, capacity left (or kept).
std::vector<int> WorkstationPlanner::Impl::candidates(const County& c,
                                                      const std::vector<int>& capacity) const {
  std::vector<int> out;
  for (size_t e = 0; e < in.experts.size(); ++e)
    if (c.pref[e] > 0 && (capacity[e] > 0 || c.kept_member[e])) out.push_back(static_cast<int>(e));
  return out;
}

planning::TeamSearch WorkstationPlanner::Impl::team_search(const County& c,
                                                           const std::vector<int>& capacity) const {
  planning::TeamSearch s;
  s.min_size = opt.min_team_size;
  s.max_size = opt.max_team_size;
  s.value = [this, &c, &capacity](const std::vector<int>& team) {
    return value(c, team, capacity);
  };
  // Ties: the stronger county preference, then the lower id.
  s.preferred = [this, &c](int a, int b) {
    return c.pref[a] > c.pref[b] || (c.pref[a] == c.pref[b] && expert(a).id < expert(b).id);
  };
  s.fixed = [&c](int e) { return c.kept_member[e] != 0; };
  return s;
}

bool WorkstationPlanner::Impl::greedy_step(County& c, const std::vector<int>& capacity,
                                           double* current) const {
  return planning::add_best_member(team_search(c, capacity), candidates(c, capacity), &c.team,
                                   current);
}

void WorkstationPlanner::Impl::local_search(County& c, const std::vector<int>& capacity) const {
  planning::improve_by_swaps(team_search(c, capacity), candidates(c, capacity),
                             opt.local_search_rounds, &c.team);
}

void WorkstationPlanner::Impl::choose_team(County& c, const std::vector<int>& capacity) const {
  double current = value(c, c.team, capacity);
  while (greedy_step(c, capacity, &current)) {
  }
  local_search(c, capacity);
}

}  // namespace expertmatch
