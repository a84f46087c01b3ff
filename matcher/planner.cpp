#include "matcher/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <set>

#include "corpus/names.h"
#include "matcher/planner_impl.h"

namespace expertmatch {
using planning::contains;

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

PlanningInput planning_records(const CorpusIndex& index, const std::vector<std::string>& counties) {
  PlanningInput in;
  for (const auto& [id, e] : index.experts()) in.experts.push_back(e.expert);
  for (const auto& [id, p] : index.problems()) {
    if (!is_open(p.problem().status)) continue;
    if (!counties.empty() && !contains(counties, p.problem().county)) continue;
    in.problems.push_back(p.problem());
  }
  return in;
}

Status add_good_matches(const Matcher& matcher, const Problem& p, PlanningInput* in) {
  in->good_match_confidence = matcher.config().good_match_confidence;
  // The good matches are a prefix of the ranking (best first, up to the
  // first that is not good), and a ranking's first k are the same for any
  // k: ask for a few, and for more only while all of them are good, so
  // that only the good matches (and one more) are explained.
  std::vector<ExpertMatch> good;
  for (int k = 16;; k *= 4) {
    auto ranked = matcher.rank_experts(p, MatchFilters{}, k);
    if (!ranked) return ranked.status();
    good.clear();
    for (ExpertMatch& m : *ranked) {
      if (!m.good_match) break;
      good.push_back(std::move(m));
    }
    if (good.size() < ranked->size() || static_cast<int>(ranked->size()) < k) break;
  }
  // Why no eligible expert is good: asked only for those problems (one more
  // scoring each), so that the plan can tell the county.
  if (good.empty()) {
    auto coverage = matcher.coverage(p);
    if (!coverage) return coverage.status();
    if (*coverage != ProblemCoverage::kCovered) in->coverage[p.id] = *coverage;
  }
  for (const ExpertMatch& m : good) {
    PairScore s;
    s.problem_id = p.id;
    s.expert_id = m.expert_id;
    s.score = m.score;
    if (!m.works.empty()) {
      s.evidence = m.works.front().title;
    } else if (!m.matched_fields.empty()) {
      s.evidence = m.matched_fields.front();
      s.evidence_is_field = true;
    }
    in->good_matches.push_back(std::move(s));
  }
  return Status::ok();
}

Result<PlanningInput> collect_planning_input(const Matcher& matcher, const CorpusIndex& index,
                                             const std::vector<std::string>& counties) {
  PlanningInput in = planning_records(index, counties);
  in.good_match_confidence = matcher.config().good_match_confidence;
  for (const Problem& p : in.problems) {
    Status s = add_good_matches(matcher, p, &in);
    if (!s) return s;
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

// ---- A county's state from the request -------------------------------------

double WorkstationPlanner::Impl::preference(const Expert& x, const std::string& county) const {
  bool stationed = planning::contains(x.counties, county);
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
Result<WorkstationPlanner::Impl::County> WorkstationPlanner::Impl::make_county(
    const CountyRequest& r, std::vector<int>* residual, std::vector<int>* accepted) const {
  County c;
  c.name = r.county;
  bool known = false;
  for (size_t p = 0; p < in.problems.size(); ++p) {
    if (!same_name(problem(p).county, r.county)) continue;
    known = true;
    if (is_open(problem(p).status)) c.problems.push_back(static_cast<int>(p));
  }
  for (const auto& x : in.experts) known = known || planning::contains(x.counties, r.county);
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
  // Numbered in the order of their shown spellings: the key is a confusable
  // skeleton (names.h), whose order means nothing to a reader ("E1" is "el").
  std::vector<std::pair<std::string, int>*> by_spelling;
  for (auto& [key, named] : ent) by_spelling.push_back(&named);
  std::sort(by_spelling.begin(), by_spelling.end(),
            [](const auto* a, const auto* b) { return a->first < b->first; });
  for (auto* named : by_spelling) {
    named->second = static_cast<int>(c.enterprises.size());
    c.enterprises.push_back(named->first);
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
    c.diagnoses.push_back({DiagnosisKind::kNoOpenProblems,
                           r.county,
                           {{"planner.diagnosis.no_open_problems", {{"county", r.county}}, {}}}});

  // What was kept (`what`), and why it is dropped now.
  auto drop = [&](const std::string& subject, const PlanPhrase& what, PlanPhrase why) {
    c.diagnoses.push_back({DiagnosisKind::kKeptAssignmentDropped, subject, {what, std::move(why)}});
  };
  // `decided`: a coordinator accepted this expert, so the county policy
  // does not keep them out.
  auto keep_member = [&](const std::string& id, const PlanPhrase& what, const std::string& subject,
                         bool decided = false) -> int {
    auto it = pl.expert_index_.find(id);
    if (it == pl.expert_index_.end()) {
      drop(subject, what, {"planner.dropped.no_expert", {{"id", id}}, {}});
      return -1;
    }
    const Expert& x = expert(it->second);
    if (!x.available) {
      drop(subject, what, {"planner.dropped.unavailable", {{"name", x.name}, {"id", id}}, {}});
      return -1;
    }
    // The same rule as Matcher::exclusion_message, also for a coordinator's
    // acceptance: an expert another county rewrote after the pair was
    // accepted is unconfirmed and leads nothing outside its own counties
    // (found by an attack trial: it led a key topic of the approved plan).
    if (!may_serve_county(x, r.county)) {
      drop(subject, what, {"planner.dropped.unconfirmed", {{"name", x.name}, {"id", id}}, {}});
      return -1;
    }
    if (!decided && c.pref[it->second] <= 0) {
      drop(subject, what, {"planner.dropped.not_admitted", {{"name", x.name}, {"id", id}}, {}});
      return -1;
    }
    return it->second;
  };
  for (const auto& id : r.keep.members) {
    int e = keep_member(id, {"planner.kept.member", {{"id", id}}, {}}, id);
    if (e >= 0) c.kept_member[e] = c.approved_member[e] = 1;
  }
  auto local_problem = [&](const std::string& pid) {
    auto pit = std::find_if(c.problems.begin(), c.problems.end(),
                            [&](int p) { return problem(p).id == pid; });
    return pit == c.problems.end() ? -1 : *pit;
  };
  // Accepted matches first: they lead their problems whatever the capacity
  // says; their capacity is taken after every county's kept topics
  // (CountyRequest's order of claims).
  for (const auto& [pid, eid] : r.accepted) {
    PlanPhrase what{"planner.kept.accepted", {{"problem", pid}, {"expert", eid}}, {}};
    int p = local_problem(pid);
    if (p < 0) {
      drop(pid, what, {"planner.dropped.not_open", {{"county", r.county}}, {}});
      continue;
    }
    int e = keep_member(eid, what, pid, true);
    if (e < 0) continue;
    int lp = c.local[p];
    if (c.kept_topic_expert[lp] >= 0) continue;  // one expert leads it; the first accepted
    ++(*accepted)[e];                            // after every county's kept topics
    c.kept_topic_expert[lp] = e;
    c.accepted_topic[lp] = 1;
    c.kept_member[e] = c.accepted_member[e] = 1;
    ++c.kept_slots[c.enterprise_of[lp]];
  }
  // Kept topics, most urgent first so that a capacity cut drops the least urgent.
  std::vector<std::pair<int, int>> topics;  // (local problem, expert)
  for (const auto& [pid, eid] : r.keep.topics) {
    PlanPhrase what{"planner.kept.topic", {{"problem", pid}}, {}};
    int p = local_problem(pid);
    if (p < 0) {
      drop(pid, what, {"planner.dropped.not_open", {{"county", r.county}}, {}});
      continue;
    }
    if (std::find(in.rejected.begin(), in.rejected.end(), std::pair(pid, eid)) !=
        in.rejected.end()) {
      drop(pid, what, {"planner.dropped.rejected", {{"expert", eid}}, {}});
      continue;
    }
    int e = keep_member(eid, what, pid);
    if (e < 0) continue;
    if (conflicted(e, p)) {
      drop(pid, what,
           {"planner.dropped.conflict",
            {{"name", expert(e).name}, {"enterprise", problem(p).enterprise}},
            {}});
      continue;
    }
    // An edit since the approval left the problem unconfirmed: an expert
    // stationed elsewhere may not lead it now (may_lead), and keeping it
    // made every new draft stale at birth (a new user's trial).
    if (!may_lead_for(expert(e), problem(p), r.county)) {
      drop(pid, what, {"planner.dropped.awaits_city", {{"name", expert(e).name}}, {}});
      continue;
    }
    topics.emplace_back(c.local[p], e);
  }
  std::sort(topics.begin(), topics.end());
  for (const auto& [lp, e] : topics) {
    if (c.kept_topic_expert[lp] >= 0) continue;
    if ((*residual)[e] <= 0) {
      const std::string& pid = problem(c.problems[lp]).id;
      drop(pid, {"planner.kept.topic", {{"problem", pid}}, {}},
           {"planner.dropped.no_capacity", {{"name", expert(e).name}}, {}});
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
      drop(expert(e).id,
           {"planner.kept.member_named", {{"name", expert(e).name}, {"id", expert(e).id}}, {}},
           {"planner.dropped.team_full", {{"max", std::to_string(opt.max_team_size)}}, {}});
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

Result<WorkstationPlanner::Impl::County> WorkstationPlanner::Impl::single(
    const CountyRequest& r, std::vector<int>* capacity) const {
  *capacity = base_capacity({r});
  std::vector<int> accepted(in.experts.size(), 0);
  auto c = make_county(r, capacity, &accepted);
  if (c) take_acceptances({r}, accepted, capacity);
  return c;
}

Result<std::vector<int>> WorkstationPlanner::Impl::team_of(
    const std::vector<std::string>& ids) const {
  std::vector<int> out;
  for (const auto& id : ids) {
    auto it = pl.expert_index_.find(id);
    if (it == pl.expert_index_.end())
      return Status(ErrorCode::kNotFound, "no expert with id \"" + id + "\"");
    out.push_back(it->second);
  }
  return out;
}

std::vector<std::string> WorkstationPlanner::Impl::ids_of(const std::vector<int>& team) const {
  std::vector<std::string> out;
  for (int e : team) out.push_back(expert(e).id);
  return out;
}

// ---- Entry points ------------------------------------------------------------

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
    if (v > best_value + planning::kTeamEpsilon) {
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
