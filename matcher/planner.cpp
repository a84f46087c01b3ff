#include "matcher/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

#include <boost/graph/adjacency_list.hpp>
#include <boost/graph/successive_shortest_path_nonnegative_weights.hpp>

#include "corpus/names.h"

namespace expertmatch {
namespace {

// Points of the key-topic objective. One topic is worth
// kUrgencyPoints * urgency + kQualityPoints * score * preference (< 5100), and
// an enterprise's first topic kFirstTopicPoints more, so that covering one
// more enterprise beats any urgency or quality, and one urgency level beats
// any quality difference.
constexpr double kFirstTopicPoints = 10000;
constexpr double kUrgencyPoints = 1000;
constexpr double kQualityPoints = 100;
// Costs in the flow are kTopicBase - gain >= 0 so that BGL's successive
// shortest paths (non-negative weights) applies; a bypass arc worth kTopicBase
// lets a slot stay empty.
constexpr double kTopicBase = 6000;
constexpr double kEps = 1e-9;

// ---- The assignment as a min-cost flow -------------------------------------

struct FlowInstance {
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

struct FlowSolution {
  std::vector<int> arc_of_problem;  // index into arcs, -1 if unassigned
  double value = 0;                 // sum of gains + first-topic points
};

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

// Exact: the flow saturates every enterprise's slots (through topics or
// bypasses), so a min-cost maximum flow is a maximum-value assignment. Costs
// are integral doubles: exact, and unreachable vertices (whose distance BGL
// leaves at the maximum) cannot overflow as a signed integer would.
FlowSolution solve_assignment(const FlowInstance& in) {
  FlowSolution out;
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

std::string fmt_score(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", s);
  return buf;
}

// Every name here (county, enterprise, conflict) compares normalised (corpus/names.h).
bool contains(const std::vector<std::string>& v, const std::string& s) {
  return contains_name(v, s);
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

}  // namespace

const char* county_policy_name(CountyPolicy policy) {
  switch (policy) {
    case CountyPolicy::kPreferStationed:
      return "prefer";
    case CountyPolicy::kOnlyStationed:
      return "only";
    case CountyPolicy::kAnyCounty:
      return "any";
  }
  return "prefer";
}

std::optional<CountyPolicy> parse_county_policy(const std::string& name) {
  if (name == "prefer") return CountyPolicy::kPreferStationed;
  if (name == "only") return CountyPolicy::kOnlyStationed;
  if (name == "any") return CountyPolicy::kAnyCounty;
  return std::nullopt;
}

const char* diagnosis_kind_name(DiagnosisKind kind) {
  switch (kind) {
    case DiagnosisKind::kNoOpenProblems:
      return "no_open_problems";
    case DiagnosisKind::kTooFewExperts:
      return "too_few_experts";
    case DiagnosisKind::kEnterpriseUnhelpable:
      return "enterprise_unhelpable";
    case DiagnosisKind::kEnterpriseBeyondTeam:
      return "enterprise_beyond_team";
    case DiagnosisKind::kCapacityExhausted:
      return "capacity_exhausted";
    case DiagnosisKind::kKeptAssignmentDropped:
      return "kept_assignment_dropped";
  }
  return "unknown";
}

Status validate(const PlanningOptions& o) {
  std::vector<FieldError> errors;
  auto bad = [&](const char* field, const std::string& reason) {
    errors.push_back({"", 0, field, reason});
  };
  if (o.max_team_size < 1) bad("max_team_size", "must be at least 1");
  if (o.min_team_size < 0 || o.min_team_size > o.max_team_size)
    bad("min_team_size", "must be from 0 to max_team_size");
  if (o.max_topics_per_enterprise < 1 || o.max_topics_per_enterprise > 2)
    bad("max_topics_per_enterprise", "must be 1 or 2");
  if (!(o.unattached_preference > 0 && o.unattached_preference <= 1))
    bad("unattached_preference", "must be in (0, 1]");
  if (!(o.elsewhere_preference > 0 && o.elsewhere_preference <= 1))
    bad("elsewhere_preference", "must be in (0, 1]");
  if (o.local_search_rounds < 0) bad("local_search_rounds", "must be >= 0");
  if (errors.empty()) return Status::ok();
  return Status::invalid(std::move(errors));
}

Result<PlanningInput> collect_planning_input(const Matcher& matcher, const CorpusIndex& index,
                                             const std::vector<std::string>& counties) {
  PlanningInput in;
  in.good_match_confidence = matcher.config().good_match_confidence;
  for (const auto& [id, e] : index.experts()) in.experts.push_back(e.expert);
  for (const auto& [id, p] : index.problems()) {
    if (!is_open(p.problem.status)) continue;
    if (!counties.empty() && !contains(counties, p.problem.county)) continue;
    in.problems.push_back(p.problem);
  }
  for (const Problem& p : in.problems) {
    auto ranked = matcher.rank_experts(p, MatchFilters{}, -1);
    if (!ranked) return ranked.status();
    for (const ExpertMatch& m : *ranked) {
      if (!m.good_match) break;  // best first
      PairScore s;
      s.problem_id = p.id;
      s.expert_id = m.expert_id;
      s.score = m.score;
      if (!m.works.empty())
        s.evidence = m.works.front().title;
      else if (!m.matched_fields.empty())
        s.evidence = "research field " + m.matched_fields.front();
      in.good_matches.push_back(std::move(s));
    }
  }
  return in;
}

// ---- Planning ---------------------------------------------------------------

WorkstationPlanner::WorkstationPlanner(PlanningInput input, PlanningOptions options)
    : input_(std::move(input)), options_(options) {}

Result<WorkstationPlanner> WorkstationPlanner::create(PlanningInput input,
                                                      PlanningOptions options) {
  Status s = validate(options);
  if (!s) return s;
  WorkstationPlanner p(std::move(input), options);
  std::map<std::string, int> problem_index;
  for (size_t i = 0; i < p.input_.experts.size(); ++i) {
    if (!p.expert_index_.emplace(p.input_.experts[i].id, static_cast<int>(i)).second)
      return Status(ErrorCode::kInvalidArgument,
                    "duplicate expert id \"" + p.input_.experts[i].id + "\"");
  }
  for (size_t i = 0; i < p.input_.problems.size(); ++i)
    if (!problem_index.emplace(p.input_.problems[i].id, static_cast<int>(i)).second)
      return Status(ErrorCode::kInvalidArgument,
                    "duplicate problem id \"" + p.input_.problems[i].id + "\"");
  p.good_by_expert_.resize(p.input_.experts.size());
  p.good_by_problem_.resize(p.input_.problems.size());
  std::set<std::pair<int, int>> seen;
  const std::set<std::pair<std::string, std::string>> rejected(p.input_.rejected.begin(),
                                                               p.input_.rejected.end());
  for (size_t m = 0; m < p.input_.good_matches.size(); ++m) {
    const PairScore& s = p.input_.good_matches[m];
    if (rejected.count({s.problem_id, s.expert_id})) continue;  // a decision, not a score
    auto e = p.expert_index_.find(s.expert_id);
    auto q = problem_index.find(s.problem_id);
    if (e == p.expert_index_.end() || q == problem_index.end() ||
        !seen.emplace(e->second, q->second).second)
      continue;  // a pair about an unknown record, or repeated: ignore
    if (!(s.score >= 0 && s.score <= 1))
      return Status(ErrorCode::kInvalidArgument,
                    "score of " + s.problem_id + "/" + s.expert_id + " is outside [0, 1]");
    p.good_by_expert_[e->second].emplace_back(q->second, static_cast<int>(m));
    p.good_by_problem_[q->second].emplace_back(e->second, static_cast<int>(m));
  }
  auto by_score = [&](const std::pair<int, int>& a, const std::pair<int, int>& b) {
    float sa = p.input_.good_matches[a.second].score, sb = p.input_.good_matches[b.second].score;
    return sa != sb ? sa > sb : a.first < b.first;
  };
  for (auto& v : p.good_by_expert_) std::sort(v.begin(), v.end(), by_score);
  for (auto& v : p.good_by_problem_) std::sort(v.begin(), v.end(), by_score);
  return p;
}

struct WorkstationPlanner::Impl {
  const WorkstationPlanner& pl;
  const PlanningInput& in;
  const PlanningOptions& opt;

  explicit Impl(const WorkstationPlanner& p) : pl(p), in(p.input_), opt(p.options_) {}

  // One county's planning state.
  struct County {
    std::string name;
    std::vector<int> problems;  // open problems of the county, by urgency desc, then id
    std::map<int, int> local;   // problem index -> position in `problems`
    std::vector<std::string> enterprises;
    std::vector<int> enterprise_of;      // per local problem
    std::vector<double> pref;            // per expert; 0 = not admitted to the team
    std::vector<char> kept_member;       // per expert: fixed on the team (approved or accepted)
    std::vector<char> approved_member;   // per expert: kept from the approved plan
    std::vector<char> accepted_member;   // per expert: leads an accepted match
    std::vector<int> kept_topic_expert;  // per local problem: expert leading it, or -1
    std::vector<char> accepted_topic;    // per local problem: the kept topic is an accepted match
    std::vector<int> kept_slots;         // per enterprise
    std::vector<Diagnosis> diagnoses;
    std::vector<int> team;  // expert indices, in the order chosen
  };

  const Expert& expert(int e) const { return in.experts[e]; }
  const Problem& problem(int p) const { return in.problems[p]; }
  const PairScore& match(int m) const { return in.good_matches[m]; }

  bool conflicted(int e, int p) const {
    return contains(expert(e).conflicts, problem(p).enterprise);
  }
  // A good match this county may use: admitted expert, available, no conflict.
  bool usable(const County& c, int e, int p) const {
    return c.pref[e] > 0 && expert(e).available && !conflicted(e, p);
  }
  double gain(const County& c, int e, int p, float score) const {
    return kUrgencyPoints * problem(p).urgency + std::round(kQualityPoints * score * c.pref[e]);
  }

  double preference(const Expert& x, const std::string& county) const {
    bool stationed = contains(x.counties, county);
    switch (opt.county_policy) {
      case CountyPolicy::kOnlyStationed:
        return stationed ? 1.0 : 0.0;
      case CountyPolicy::kAnyCounty:
        return 1.0;
      case CountyPolicy::kPreferStationed:
        if (stationed) return 1.0;
        return x.counties.empty() ? opt.unattached_preference : opt.elsewhere_preference;
    }
    return 0;
  }

  // Builds the county's state; residual capacity (capacity - used - kept
  // topics) is updated in `residual`.
  Result<County> make_county(const CountyRequest& r, std::vector<int>* residual) const {
    County c;
    c.name = r.county;
    bool known = false;
    for (size_t p = 0; p < in.problems.size(); ++p) {
      if (!same_name(problem(p).county, r.county)) continue;
      known = true;
      if (is_open(problem(p).status)) c.problems.push_back(static_cast<int>(p));
    }
    for (const auto& x : in.experts) known = known || contains(x.counties, r.county);
    if (!known)
      return Status(ErrorCode::kNotFound, "no problem or expert in county \"" + r.county + "\"");
    std::stable_sort(c.problems.begin(), c.problems.end(), [&](int a, int b) {
      if (problem(a).urgency != problem(b).urgency) return problem(a).urgency > problem(b).urgency;
      return problem(a).id < problem(b).id;
    });
    // One enterprise per normalised name, shown in its first spelling.
    std::map<std::string, std::pair<std::string, int>> ent;
    for (int p : c.problems)
      ent.emplace(normalize_name(problem(p).enterprise), std::make_pair(problem(p).enterprise, 0));
    for (auto& [key, named] : ent) {
      named.second = static_cast<int>(c.enterprises.size());
      c.enterprises.push_back(named.first);
    }
    for (size_t i = 0; i < c.problems.size(); ++i) {
      c.local[c.problems[i]] = static_cast<int>(i);
      c.enterprise_of.push_back(ent[normalize_name(problem(c.problems[i]).enterprise)].second);
    }
    c.pref.assign(in.experts.size(), 0);
    for (size_t e = 0; e < in.experts.size(); ++e)
      if (expert(e).available) c.pref[e] = preference(expert(e), r.county);
    c.kept_member.assign(in.experts.size(), 0);
    c.approved_member.assign(in.experts.size(), 0);
    c.accepted_member.assign(in.experts.size(), 0);
    c.kept_topic_expert.assign(c.problems.size(), -1);
    c.accepted_topic.assign(c.problems.size(), 0);
    c.kept_slots.assign(c.enterprises.size(), 0);
    if (c.problems.empty())
      c.diagnoses.push_back({DiagnosisKind::kNoOpenProblems, r.county,
                             r.county + " has no open problems; there is nothing to plan"});

    auto drop = [&](const std::string& subject, const std::string& why) {
      c.diagnoses.push_back({DiagnosisKind::kKeptAssignmentDropped, subject, why});
    };
    // `decided`: a coordinator accepted this expert, so the county policy
    // does not keep them out.
    auto keep_member = [&](const std::string& id, const std::string& what,
                           const std::string& subject, bool decided = false) -> int {
      auto it = pl.expert_index_.find(id);
      if (it == pl.expert_index_.end()) {
        drop(subject, what + ": expert " + id + " no longer exists");
        return -1;
      }
      const Expert& x = expert(it->second);
      if (!x.available) {
        drop(subject, what + ": " + x.name + " (" + id + ") is no longer available");
        return -1;
      }
      if (!decided && c.pref[it->second] <= 0) {
        drop(subject, what + ": " + x.name + " (" + id + ") is not admitted by the county policy");
        return -1;
      }
      return it->second;
    };
    for (const auto& id : r.keep.members) {
      int e = keep_member(id, "approved team member", id);
      if (e >= 0) c.kept_member[e] = c.approved_member[e] = 1;
    }
    auto local_problem = [&](const std::string& pid) {
      auto pit = std::find_if(c.problems.begin(), c.problems.end(),
                              [&](int p) { return problem(p).id == pid; });
      return pit == c.problems.end() ? -1 : *pit;
    };
    // Accepted matches first: they are fixed whatever the capacity says (an
    // acceptance beyond it was an explicit, logged override).
    for (const auto& [pid, eid] : r.accepted) {
      std::string what = "accepted match " + pid + "/" + eid;
      int p = local_problem(pid);
      if (p < 0) {
        drop(pid, what + ": the problem is not open in " + r.county);
        continue;
      }
      int e = keep_member(eid, what, pid, true);
      if (e < 0) continue;
      int lp = c.local[p];
      if (c.kept_topic_expert[lp] >= 0) continue;  // one expert leads it; the first accepted
      if ((*residual)[e] > 0) --(*residual)[e];
      c.kept_topic_expert[lp] = e;
      c.accepted_topic[lp] = 1;
      c.kept_member[e] = c.accepted_member[e] = 1;
      ++c.kept_slots[c.enterprise_of[lp]];
    }
    // Kept topics, most urgent first so that a capacity cut drops the least urgent.
    std::vector<std::pair<int, int>> topics;  // (local problem, expert)
    for (const auto& [pid, eid] : r.keep.topics) {
      std::string what = "approved key topic " + pid;
      int p = local_problem(pid);
      if (p < 0) {
        drop(pid, what + ": the problem is no longer open in " + r.county);
        continue;
      }
      if (std::find(in.rejected.begin(), in.rejected.end(), std::pair(pid, eid)) !=
          in.rejected.end()) {
        drop(pid, what + ": a coordinator rejected " + eid + " for it since");
        continue;
      }
      int e = keep_member(eid, what, pid);
      if (e < 0) continue;
      if (conflicted(e, p)) {
        drop(pid, what + ": " + expert(e).name + " now has a conflict of interest with " +
                      problem(p).enterprise);
        continue;
      }
      topics.emplace_back(c.local[p], e);
    }
    std::sort(topics.begin(), topics.end());
    for (const auto& [lp, e] : topics) {
      if (c.kept_topic_expert[lp] >= 0) continue;
      if ((*residual)[e] <= 0) {
        drop(problem(c.problems[lp]).id, "approved key topic " + problem(c.problems[lp]).id + ": " +
                                             expert(e).name + " has no capacity left for it");
        continue;
      }
      --(*residual)[e];
      c.kept_topic_expert[lp] = e;
      c.kept_member[e] = c.approved_member[e] = 1;
      ++c.kept_slots[c.enterprise_of[lp]];
    }
    // Never more kept members than the team may have: members leading kept
    // topics first, in expert order; the rest are dropped with their topics.
    // Leaders of accepted matches come before those of kept topics.
    std::vector<int> rank(in.experts.size(), 2);  // 0: accepted, 1: kept topic, 2: member
    for (size_t lp = 0; lp < c.problems.size(); ++lp)
      if (int e = c.kept_topic_expert[lp]; e >= 0)
        rank[e] = std::min(rank[e], c.accepted_topic[lp] ? 0 : 1);
    for (int pass = 0; pass < 3; ++pass)
      for (size_t e = 0; e < in.experts.size(); ++e) {
        if (!c.kept_member[e] || rank[e] != pass) continue;
        if (static_cast<int>(c.team.size()) < opt.max_team_size) {
          c.team.push_back(static_cast<int>(e));
          continue;
        }
        c.kept_member[e] = c.approved_member[e] = c.accepted_member[e] = 0;
        drop(expert(e).id, "approved team member " + who(static_cast<int>(e)) +
                               ": the team may have at most " + std::to_string(opt.max_team_size) +
                               " members");
        for (size_t lp = 0; lp < c.problems.size(); ++lp) {
          if (c.kept_topic_expert[lp] != static_cast<int>(e)) continue;
          c.kept_topic_expert[lp] = -1;
          c.accepted_topic[lp] = 0;
          --c.kept_slots[c.enterprise_of[lp]];
          ++(*residual)[e];
        }
      }
    return c;
  }

  // The county's key-topic instance for `team`, with `capacity` per expert.
  // `experts` receives the expert index of each flow expert.
  FlowInstance county_flow(const County& c, const std::vector<int>& team,
                           const std::vector<int>& capacity, std::vector<int>* experts,
                           std::vector<int>* problems) const {
    FlowInstance f;
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
        if (it == c.local.end() || flow_problem[it->second] < 0 || !usable(c, e, p)) continue;
        f.arcs.push_back({flow_problem[it->second], x, gain(c, e, p, match(m).score)});
      }
    }
    return f;
  }

  double kept_value(const County& c) const {
    double v = 0;
    std::vector<char> covered(c.enterprises.size(), 0);
    for (size_t lp = 0; lp < c.problems.size(); ++lp) {
      int e = c.kept_topic_expert[lp];
      if (e < 0) continue;
      float s = 0;
      for (const auto& [p, m] : pl.good_by_expert_[e])
        if (p == c.problems[lp]) s = match(m).score;
      v += gain(c, e, c.problems[lp], s);
      if (!covered[c.enterprise_of[lp]]) v += kFirstTopicPoints;
      covered[c.enterprise_of[lp]] = 1;
    }
    return v;
  }

  double breadth(const County& c, const std::vector<int>& team) const {
    std::vector<double> best(c.problems.size(), 0);
    for (int e : team)
      for (const auto& [p, m] : pl.good_by_expert_[e]) {
        auto it = c.local.find(p);
        if (it == c.local.end() || !usable(c, e, p)) continue;
        best[it->second] = std::max(best[it->second], match(m).score * c.pref[e]);
      }
    double b = 0;
    for (size_t lp = 0; lp < c.problems.size(); ++lp)
      b += problem(c.problems[lp]).urgency * best[lp];
    return b;
  }

  // V(team) = K(team) + B(team), K including kept topics.
  double value(const County& c, const std::vector<int>& team,
               const std::vector<int>& capacity) const {
    std::vector<int> experts, problems;
    FlowSolution s = solve_assignment(county_flow(c, team, capacity, &experts, &problems));
    return s.value + kept_value(c) + breadth(c, team);
  }

  // Experts who may join: admitted, available, capacity left (or kept).
  std::vector<int> candidates(const County& c, const std::vector<int>& capacity) const {
    std::vector<int> out;
    for (size_t e = 0; e < in.experts.size(); ++e)
      if (c.pref[e] > 0 && (capacity[e] > 0 || c.kept_member[e]))
        out.push_back(static_cast<int>(e));
    return out;
  }

  bool in_team(const std::vector<int>& team, int e) const {
    return std::find(team.begin(), team.end(), e) != team.end();
  }

  // Adds the best candidate to c.team; false when the team is full or, past
  // the minimum size, nobody adds anything.
  bool greedy_step(County& c, const std::vector<int>& capacity, double* current) const {
    if (static_cast<int>(c.team.size()) >= opt.max_team_size) return false;
    int best = -1;
    double best_gain = -1;
    for (int e : candidates(c, capacity)) {
      if (in_team(c.team, e)) continue;
      std::vector<int> t = c.team;
      t.push_back(e);
      double g = value(c, t, capacity) - *current;
      // Ties: the stronger county preference, then the lower id.
      if (best < 0 || g > best_gain + kEps ||
          (std::fabs(g - best_gain) <= kEps &&
           (c.pref[e] > c.pref[best] ||
            (c.pref[e] == c.pref[best] && expert(e).id < expert(best).id)))) {
        best = e;
        best_gain = g;
      }
    }
    if (best < 0) return false;
    if (best_gain <= kEps && static_cast<int>(c.team.size()) >= opt.min_team_size) return false;
    c.team.push_back(best);
    *current += best_gain;
    return true;
  }

  // Best-improvement swaps of one unkept member for one outsider.
  void local_search(County& c, const std::vector<int>& capacity) const {
    double current = value(c, c.team, capacity);
    std::vector<int> cand = candidates(c, capacity);
    for (int round = 0; round < opt.local_search_rounds; ++round) {
      double best = current;
      int out_pos = -1, in_e = -1;
      for (size_t i = 0; i < c.team.size(); ++i) {
        if (c.kept_member[c.team[i]]) continue;
        for (int e : cand) {
          if (in_team(c.team, e)) continue;
          std::vector<int> t = c.team;
          t[i] = e;
          double v = value(c, t, capacity);
          if (v > best + kEps) {
            best = v;
            out_pos = static_cast<int>(i);
            in_e = e;
          }
        }
      }
      if (out_pos < 0) return;
      c.team[out_pos] = in_e;
      current = best;
    }
  }

  void choose_team(County& c, const std::vector<int>& capacity) const {
    double current = value(c, c.team, capacity);
    while (greedy_step(c, capacity, &current)) {
    }
    local_search(c, capacity);
  }

  // Topics each expert leads in county c under its current team.
  std::vector<int> tentative_topics(const County& c, const std::vector<int>& capacity) const {
    std::vector<int> used(in.experts.size(), 0);
    std::vector<int> experts, problems;
    FlowInstance f = county_flow(c, c.team, capacity, &experts, &problems);
    FlowSolution s = solve_assignment(f);
    for (int a : s.arc_of_problem)
      if (a >= 0) ++used[experts[f.arcs[a].expert]];
    return used;
  }

  std::vector<int> base_capacity(const std::vector<CountyRequest>& requests) const {
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

  Result<CityPlan> plan(const std::vector<CountyRequest>& requests) const {
    std::vector<int> residual = base_capacity(requests);
    const std::vector<int> declared_left = residual;
    std::vector<County> counties;
    std::set<std::string> names;
    for (const auto& r : requests) {
      if (!names.insert(r.county).second)
        return Status(ErrorCode::kInvalidArgument, "county \"" + r.county + "\" requested twice");
      auto c = make_county(r, &residual);
      if (!c) return c.status();
      counties.push_back(std::move(*c));
    }
    const size_t n = counties.size();
    // Teams in turns: each county adds one expert per round, seeing the
    // capacity the other counties' tentative topics leave.
    std::vector<std::vector<int>> used(n, std::vector<int>(in.experts.size(), 0));
    auto capacity_for = [&](size_t k) {
      std::vector<int> cap = residual;
      for (size_t j = 0; j < n; ++j)
        if (j != k)
          for (size_t e = 0; e < cap.size(); ++e) cap[e] -= used[j][e];
      for (int& x : cap) x = std::max(0, x);
      return cap;
    };
    std::vector<char> growing(n, 1);
    for (bool any = true; any;) {
      any = false;
      for (size_t k = 0; k < n; ++k) {
        if (!growing[k]) continue;
        std::vector<int> cap = capacity_for(k);
        double current = value(counties[k], counties[k].team, cap);
        growing[k] = greedy_step(counties[k], cap, &current);
        any = any || growing[k];
        used[k] = tentative_topics(counties[k], cap);
      }
    }
    for (size_t k = 0; k < n; ++k) {
      std::vector<int> cap = capacity_for(k);
      local_search(counties[k], cap);
      used[k] = tentative_topics(counties[k], cap);
    }
    // Key topics of the whole city in one flow.
    FlowInstance f;
    std::vector<int> flow_expert_of(in.experts.size(), -1), expert_of_flow;
    std::vector<std::pair<int, int>> problem_of_flow;  // (county, problem index)
    for (size_t k = 0; k < n; ++k) {
      std::vector<int> experts, problems;
      FlowInstance fk = county_flow(counties[k], counties[k].team, residual, &experts, &problems);
      int ent_offset = static_cast<int>(f.enterprises.size());
      int prob_offset = static_cast<int>(f.problem_enterprise.size());
      f.enterprises.insert(f.enterprises.end(), fk.enterprises.begin(), fk.enterprises.end());
      for (size_t i = 0; i < fk.problem_enterprise.size(); ++i) {
        f.problem_enterprise.push_back(fk.problem_enterprise[i] + ent_offset);
        problem_of_flow.emplace_back(static_cast<int>(k), problems[i]);
      }
      for (const auto& a : fk.arcs) {
        int e = experts[a.expert];
        if (flow_expert_of[e] < 0) {
          flow_expert_of[e] = static_cast<int>(expert_of_flow.size());
          expert_of_flow.push_back(e);
          f.expert_capacity.push_back(residual[e]);
        }
        f.arcs.push_back({a.problem + prob_offset, flow_expert_of[e], a.gain});
      }
    }
    FlowSolution sol = solve_assignment(f);
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
          explain(counties[k], assigned[k], capacity_for(k), declared_left, topics_total));
    return city;
  }

  // ---- Explanations ---------------------------------------------------------

  std::string who(int e) const { return expert(e).name + " (" + expert(e).id + ")"; }

  std::string station(const County& c, int e) const {
    const Expert& x = expert(e);
    if (contains(x.counties, c.name)) return "stationed in " + c.name;
    if (x.counties.empty()) return "lists no county";
    return "stationed in " + join(x.counties, "/") + ", not " + c.name;
  }

  WorkstationPlan explain(const County& c, const std::vector<int>& assigned,
                          const std::vector<int>& capacity, const std::vector<int>& declared_left,
                          const std::vector<int>& topics_total) const {
    WorkstationPlan plan;
    plan.county = c.name;
    plan.options = opt;
    const size_t np = c.problems.size();
    std::vector<int> leader(np, -1);
    std::vector<char> kept_topic(np, 0);
    for (size_t lp = 0; lp < np; ++lp) {
      if (c.kept_topic_expert[lp] >= 0) {
        leader[lp] = c.kept_topic_expert[lp];
        kept_topic[lp] = 1;
      } else {
        leader[lp] = assigned[lp];
      }
    }
    auto score_of = [&](int e, int p) -> const PairScore* {
      for (const auto& [q, m] : pl.good_by_problem_[p])
        if (q == e) return &match(m);
      return nullptr;
    };
    // Team members who solve each problem well, best first.
    std::vector<std::vector<int>> solvers(np);
    for (size_t lp = 0; lp < np; ++lp)
      for (const auto& [e, m] : pl.good_by_problem_[c.problems[lp]])
        if (in_team(c.team, e) && usable(c, e, c.problems[lp])) solvers[lp].push_back(e);

    // Score.
    PlanScore& sc = plan.score;
    sc.open_problems = static_cast<int>(np);
    sc.enterprises = static_cast<int>(c.enterprises.size());
    sc.breadth = breadth(c, c.team);
    std::vector<int> ent_topics(c.enterprises.size(), 0), ent_open(c.enterprises.size(), 0),
        ent_solvable(c.enterprises.size(), 0);
    for (size_t lp = 0; lp < np; ++lp) {
      int ent = c.enterprise_of[lp];
      ++ent_open[ent];
      if (!solvers[lp].empty()) {
        ++ent_solvable[ent];
        ++sc.solvable_by_team;
      }
      if (leader[lp] < 0) continue;
      const PairScore* s = score_of(leader[lp], c.problems[lp]);
      sc.key_topic_value += gain(c, leader[lp], c.problems[lp], s ? s->score : 0);
      if (ent_topics[ent]++ == 0) sc.key_topic_value += kFirstTopicPoints;
      ++sc.key_topics;
    }
    for (int t : ent_topics) sc.enterprises_with_topics += t > 0;
    sc.value = sc.key_topic_value + sc.breadth;

    // Key topics.
    for (size_t ent = 0; ent < c.enterprises.size(); ++ent) {
      int rank = 0;
      for (size_t lp = 0; lp < np; ++lp) {
        if (c.enterprise_of[lp] != static_cast<int>(ent) || leader[lp] < 0) continue;
        int p = c.problems[lp], e = leader[lp];
        const PairScore* s = score_of(e, p);
        KeyTopic t;
        t.enterprise = c.enterprises[ent];
        t.problem_id = problem(p).id;
        t.title = problem(p).title;
        t.urgency = problem(p).urgency;
        t.expert_id = expert(e).id;
        t.expert_name = expert(e).name;
        t.score = s ? s->score : 0;
        t.evidence = s ? s->evidence : "";
        t.accepted = c.accepted_topic[lp];
        t.kept = kept_topic[lp] && !t.accepted;
        ++rank;
        // Which more urgent problems of the enterprise were passed over, and why.
        std::vector<std::string> passed;
        for (size_t lq = 0; lq < np; ++lq) {
          if (c.enterprise_of[lq] != static_cast<int>(ent) || leader[lq] >= 0 ||
              problem(c.problems[lq]).urgency <= t.urgency)
            continue;
          const Problem& q = problem(c.problems[lq]);
          std::string why = solvers[lq].empty()
                                ? "no team member solves it well"
                                : "the team members who solve it (" + who(solvers[lq][0]) +
                                      (solvers[lq].size() > 1 ? ", ..." : "") +
                                      ") have no capacity left";
          passed.push_back(q.id + " (urgency " + std::to_string(q.urgency) + "): " + why);
        }
        if (t.accepted)
          t.reason =
              "a coordinator accepted " + who(e) + " for it (score " + fmt_score(t.score) + ")";
        else
          t.reason = std::string(rank == 1 ? "the most urgent" : "the next most urgent") +
                     " open problem of " + t.enterprise + " that the team can solve (urgency " +
                     std::to_string(t.urgency) + "); led by " + who(e) + ", score " +
                     fmt_score(t.score) +
                     (t.evidence.empty() ? "" : " (evidence: " + t.evidence + ")");
        if (solvers[lp].size() > 1)
          t.reason += "; " + std::to_string(solvers[lp].size() - 1) +
                      " other team member(s) could also solve it";
        if (!passed.empty()) t.reason += "; passed over: " + join(passed, "; ");
        if (t.kept) t.reason += "; kept from the approved plan";
        plan.key_topics.push_back(std::move(t));
      }
    }

    // Team members.
    std::vector<int> led(in.experts.size(), 0);
    for (size_t lp = 0; lp < np; ++lp)
      if (leader[lp] >= 0) ++led[leader[lp]];
    const double full = value(c, c.team, capacity);
    for (int e : c.team) {
      const Expert& x = expert(e);
      TeamMember m;
      m.expert_id = x.id;
      m.name = x.name;
      m.title = x.title;
      m.college = x.college;
      m.stationed = contains(x.counties, c.name);
      m.kept = c.approved_member[e];
      m.capacity = x.capacity;
      m.key_topics = led[e];
      m.capacity_used_elsewhere = topics_total[e] - led[e] + (x.capacity - declared_left[e]);
      for (const auto& [p, mi] : pl.good_by_expert_[e]) {
        auto it = c.local.find(p);
        if (it == c.local.end() || !usable(c, e, p)) continue;
        m.can_solve.push_back({problem(p).id, problem(p).title, problem(p).enterprise,
                               problem(p).urgency, match(mi).score, leader[it->second] == e});
      }
      std::vector<int> without;
      for (int o : c.team)
        if (o != e) without.push_back(o);
      m.gain = full - value(c, without, capacity);
      // Problems only this member solves well within the team.
      int only = 0;
      for (size_t lp = 0; lp < np; ++lp)
        if (solvers[lp].size() == 1 && solvers[lp][0] == e) ++only;
      std::string r = station(c, e) + "; solves " + std::to_string(m.can_solve.size()) + " of " +
                      std::to_string(np) + " open problems well";
      if (!m.can_solve.empty())
        r += " (best: " + m.can_solve[0].problem_id + " " + m.can_solve[0].title + ", score " +
             fmt_score(m.can_solve[0].score) + ")";
      if (only > 0) r += ", " + std::to_string(only) + " of them no other member solves";
      if (m.key_topics > 0) {
        std::vector<std::string> ids;
        for (const auto& s : m.can_solve)
          if (s.key_topic) ids.push_back(s.problem_id);
        r += "; leads " + std::to_string(m.key_topics) + " key topic(s): " + join(ids, ", ");
      } else {
        r += "; leads no key topic here";
      }
      if (m.capacity_used_elsewhere > 0)
        r += "; " + std::to_string(m.capacity_used_elsewhere) + " of capacity " +
             std::to_string(m.capacity) + " used elsewhere";
      if (m.kept) r += "; kept from the approved plan";
      if (c.accepted_member[e]) r += "; leads a match a coordinator accepted";
      if (m.gain <= kEps && !c.kept_member[e])
        r += "; adds nothing the others do not (fills the minimum team size)";
      m.reason = std::move(r);
      plan.team.push_back(std::move(m));
    }

    // Who, outside the team, could solve a problem (for uncovered problems and enterprises).
    auto outsiders = [&](int p) {
      std::vector<std::string> names;
      for (const auto& [e, m] : pl.good_by_problem_[p]) {
        if (in_team(c.team, e) || !expert(e).available || conflicted(e, p)) continue;
        std::string s = who(e) + " " + fmt_score(match(m).score);
        if (c.pref[e] <= 0)
          s += " (not admitted: " + station(c, e) + ")";
        else if (capacity[e] <= 0)
          s += " (no capacity left)";
        names.push_back(s);
        if (names.size() == 3) break;
      }
      return names;
    };
    auto blocked = [&](int p) {  // good matches that only unavailable or conflicted experts have
      int n = 0;
      for (const auto& [e, m] : pl.good_by_problem_[p])
        n += !expert(e).available || conflicted(e, p);
      return n;
    };

    // Enterprises.
    for (size_t ent = 0; ent < c.enterprises.size(); ++ent) {
      EnterpriseOutcome o;
      o.enterprise = c.enterprises[ent];
      o.open_problems = ent_open[ent];
      o.solvable_by_team = ent_solvable[ent];
      o.key_topics = ent_topics[ent];
      if (o.key_topics > 0) {
        std::vector<std::string> ids;
        for (size_t lp = 0; lp < np; ++lp)
          if (c.enterprise_of[lp] == static_cast<int>(ent) && leader[lp] >= 0)
            ids.push_back(problem(c.problems[lp]).id);
        o.reason = std::to_string(o.key_topics) + " key topic(s): " + join(ids, ", ");
        if (o.key_topics < opt.max_topics_per_enterprise && o.solvable_by_team > o.key_topics)
          o.reason += "; its other solvable problems wait for free capacity";
      } else if (o.solvable_by_team > 0) {
        std::set<std::string> busy;
        for (size_t lp = 0; lp < np; ++lp)
          if (c.enterprise_of[lp] == static_cast<int>(ent))
            for (int e : solvers[lp]) busy.insert(who(e));
        o.reason = "team members who could help (" +
                   join(std::vector<std::string>(busy.begin(), busy.end()), ", ") +
                   ") have no capacity left: it is taken by other enterprises' topics";
        plan.diagnoses.push_back(
            {DiagnosisKind::kCapacityExhausted, o.enterprise, o.enterprise + ": " + o.reason});
      } else {
        std::vector<std::string> help;
        int blocked_pairs = 0;
        for (size_t lp = 0; lp < np; ++lp) {
          if (c.enterprise_of[lp] != static_cast<int>(ent)) continue;
          for (const auto& s : outsiders(c.problems[lp])) help.push_back(s);
          blocked_pairs += blocked(c.problems[lp]);
        }
        if (!help.empty()) {
          if (help.size() > 3) help.resize(3);
          o.reason = "no team member solves any of its " + std::to_string(o.open_problems) +
                     " open problem(s) well; outside the team: " + join(help, ", ");
          plan.diagnoses.push_back(
              {DiagnosisKind::kEnterpriseBeyondTeam, o.enterprise, o.enterprise + ": " + o.reason});
        } else {
          o.reason = "no available expert is a good match (confidence >= " +
                     fmt_score(in.good_match_confidence) + ") for any of its " +
                     std::to_string(o.open_problems) + " open problem(s)";
          if (blocked_pairs > 0)
            o.reason += " (" + std::to_string(blocked_pairs) +
                        " good match(es) are with unavailable or conflicted experts)";
          plan.diagnoses.push_back({DiagnosisKind::kEnterpriseUnhelpable, o.enterprise,
                                    o.enterprise + ": no one can help: " + o.reason});
        }
      }
      plan.enterprises.push_back(std::move(o));
    }

    // Uncovered problems (urgency order already).
    for (size_t lp = 0; lp < np; ++lp) {
      if (!solvers[lp].empty() || leader[lp] >= 0) continue;
      int p = c.problems[lp];
      UncoveredProblem u{problem(p).id, problem(p).title, problem(p).enterprise, problem(p).urgency,
                         ""};
      auto help = outsiders(p);
      u.reason = help.empty()
                     ? "no available expert solves it well"
                     : "no team member solves it well; outside the team: " + join(help, ", ");
      plan.uncovered.push_back(std::move(u));
    }

    // Too few experts.
    int stationed = 0, unattached = 0, total = 0;
    for (size_t e = 0; e < in.experts.size(); ++e) {
      if (c.pref[e] <= 0 || (capacity[e] <= 0 && !c.kept_member[e])) continue;
      ++total;
      stationed += contains(expert(e).counties, c.name);
      unattached += expert(e).counties.empty();
    }
    if (total < opt.min_team_size)
      plan.diagnoses.insert(
          plan.diagnoses.begin(),
          {DiagnosisKind::kTooFewExperts, c.name,
           "only " + std::to_string(total) + " available expert(s) with capacity left may join " +
               c.name + "'s team (" + std::to_string(stationed) + " stationed there, " +
               std::to_string(unattached) + " listing no county; county policy \"" +
               county_policy_name(opt.county_policy) + "\"); a team of " +
               std::to_string(opt.min_team_size) + "-" + std::to_string(opt.max_team_size) +
               " was requested"});
    plan.diagnoses.insert(plan.diagnoses.begin(), c.diagnoses.begin(), c.diagnoses.end());

    int team_stationed = 0;
    for (const auto& m : plan.team) team_stationed += m.stationed;
    plan.summary = c.name + ": team of " + std::to_string(plan.team.size()) + " (" +
                   std::to_string(team_stationed) + " stationed there); " +
                   std::to_string(sc.enterprises_with_topics) + " of " +
                   std::to_string(sc.enterprises) + " enterprises get key topics (" +
                   std::to_string(sc.key_topics) + " topics); the team solves " +
                   std::to_string(sc.solvable_by_team) + " of " + std::to_string(np) +
                   " open problems well, " + std::to_string(plan.uncovered.size()) +
                   " stay uncovered; " + std::to_string(plan.diagnoses.size()) + " diagnosis(es).";
    return plan;
  }

  Result<County> single(const CountyRequest& r, std::vector<int>* capacity) const {
    *capacity = base_capacity({r});
    return make_county(r, capacity);
  }

  Result<std::vector<int>> team_of(const std::vector<std::string>& ids) const {
    std::vector<int> out;
    for (const auto& id : ids) {
      auto it = pl.expert_index_.find(id);
      if (it == pl.expert_index_.end())
        return Status(ErrorCode::kNotFound, "no expert with id \"" + id + "\"");
      out.push_back(it->second);
    }
    return out;
  }

  std::vector<std::string> ids_of(const std::vector<int>& team) const {
    std::vector<std::string> out;
    for (int e : team) out.push_back(expert(e).id);
    return out;
  }
};

Result<WorkstationPlan> WorkstationPlanner::plan_county(const CountyRequest& request) const {
  auto city = Impl(*this).plan({request});
  if (!city) return city.status();
  return std::move(city->counties.front());
}

Result<CityPlan> WorkstationPlanner::plan_city(const std::vector<CountyRequest>& requests) const {
  if (!requests.empty()) return Impl(*this).plan(requests);
  std::set<std::string> counties;
  for (const auto& p : input_.problems) counties.insert(p.county);
  std::vector<CountyRequest> all;
  for (const auto& c : counties) all.push_back({c, {}, {}, {}});
  return Impl(*this).plan(all);
}

Result<double> WorkstationPlanner::team_value(const CountyRequest& request,
                                              const std::vector<std::string>& team) const {
  Impl impl(*this);
  std::vector<int> capacity;
  auto c = impl.single(request, &capacity);
  if (!c) return c.status();
  auto t = impl.team_of(team);
  if (!t) return t.status();
  for (int e : c->team)
    if (!impl.in_team(*t, e)) t->push_back(e);
  return impl.value(*c, *t, capacity);
}

Result<std::vector<std::string>> WorkstationPlanner::choose_team(
    const CountyRequest& request) const {
  Impl impl(*this);
  std::vector<int> capacity;
  auto c = impl.single(request, &capacity);
  if (!c) return c.status();
  impl.choose_team(*c, capacity);
  return impl.ids_of(c->team);
}

Result<std::vector<std::string>> WorkstationPlanner::optimal_team(const CountyRequest& request,
                                                                  long long max_teams) const {
  Impl impl(*this);
  std::vector<int> capacity;
  auto c = impl.single(request, &capacity);
  if (!c) return c.status();
  std::vector<int> pool;
  for (int e : impl.candidates(*c, capacity))
    if (!impl.in_team(c->team, e)) pool.push_back(e);
  const int n = static_cast<int>(pool.size());
  // V is monotone: some optimum has the largest size allowed.
  const int k = std::max(0, std::min(n, options_.max_team_size - static_cast<int>(c->team.size())));
  long double count = 1;
  for (int i = 0; i < k; ++i) count = count * (n - i) / (i + 1);
  if (count > static_cast<long double>(max_teams))
    return Status(ErrorCode::kInvalidArgument,
                  "enumerating the optimum means " + std::to_string(static_cast<long long>(count)) +
                      " teams, more than " + std::to_string(max_teams));
  std::vector<int> pick(k);
  std::iota(pick.begin(), pick.end(), 0);
  std::vector<int> best = c->team;
  double best_value = -1;
  while (true) {
    std::vector<int> t = c->team;
    for (int i : pick) t.push_back(pool[i]);
    double v = impl.value(*c, t, capacity);
    if (v > best_value + kEps) {
      best_value = v;
      best = t;
    }
    int i = k - 1;
    while (i >= 0 && pick[i] == n - k + i) --i;
    if (i < 0) break;
    ++pick[i];
    for (int j = i + 1; j < k; ++j) pick[j] = pick[j - 1] + 1;
  }
  return impl.ids_of(best);
}

}  // namespace expertmatch
