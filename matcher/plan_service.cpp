#include "matcher/plan_service.h"

#include <map>
#include <set>

#include "corpus/names.h"
#include "matcher/plan_report.h"

namespace expertmatch {
namespace {

KeptAssignments kept_from(const PlanRecord& r) { return {r.members, r.topics}; }

Result<PlanRecord> save(PlanStore& plans, const WorkstationPlan& plan, long long decisions) {
  std::vector<std::string> members;
  std::vector<std::pair<std::string, std::string>> topics;
  for (const auto& m : plan.team) members.push_back(m.expert_id);
  for (const auto& t : plan.key_topics) topics.emplace_back(t.problem_id, t.expert_id);
  return plans.add_draft(plan.county, members, topics, plan_to_json(plan), decisions);
}

}  // namespace

std::map<std::pair<std::string, std::string>, Review> latest_reviews(
    const std::vector<Review>& history) {
  std::map<std::pair<std::string, std::string>, Review> latest;
  for (const auto& r : history) latest[{r.problem_id, r.expert_id}] = r;
  return latest;
}

std::vector<std::pair<std::string, std::string>> accepted_matches(
    const std::map<std::pair<std::string, std::string>, Review>& latest,
    const std::function<const Problem*(const std::string&)>& problem) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [pair, review] : latest) {
    if (review.decision != "accept") continue;
    const Problem* p = problem(pair.first);
    // Capacity is "at once": only open problems hold an expert.
    if (!p || !is_open(p->status)) continue;
    out.push_back(pair);
  }
  return out;
}

void add_decisions(const std::vector<Review>& reviews, const std::vector<Problem>& problems,
                   PlanRunOptions* options) {
  std::map<std::string, const Problem*> by_id;
  for (const auto& p : problems) {
    by_id[p.id] = &p;
    if (!is_open(p.status)) options->closed_problems.insert(p.id);
  }
  const auto latest = latest_reviews(reviews);
  for (const auto& [pair, review] : latest)
    if (review.decision == "reject") options->rejected_matches.push_back(pair);
  // The same pairs as the service's (Service::accepted_pairs_locked).
  for (auto& pair : accepted_matches(latest, [&](const std::string& id) -> const Problem* {
         auto it = by_id.find(id);
         return it == by_id.end() ? nullptr : it->second;
       }))
    options->accepted_matches.push_back(std::move(pair));
}

std::vector<StatusChange> approval_changes(const PlanRecord& plan,
                                           const std::vector<Problem>& problems,
                                           const std::vector<Expert>& experts,
                                           const std::string& by) {
  std::map<std::string, const Problem*> problem;
  for (const auto& p : problems) problem[p.id] = &p;
  std::map<std::string, std::string> name;
  for (const auto& e : experts) name[e.id] = e.name;
  std::vector<StatusChange> out;
  for (const auto& [pid, eid] : plan.topics) {
    auto p = problem.find(pid);
    if (p == problem.end() || (p->second->status != ProblemStatus::kSubmitted &&
                               p->second->status != ProblemStatus::kMatched))
      continue;
    auto n = name.find(eid);
    out.push_back({pid, p->second->status, ProblemStatus::kInProgress, by,
                   i18n::to_stored({"transition.note_key_topic",
                                    {{"plan", std::to_string(plan.id)},
                                     {"name", n == name.end() ? eid : n->second},
                                     {"expert_id", eid}}}),
                   ""});
  }
  return out;
}

namespace {

// Reads the decision sequence first (when saving): a decision made while the
// plan is made leaves the draft stale.
Result<long long> decisions_before(PlanStore& plans, const PlanRunOptions& options) {
  if (!options.save) return 0LL;
  return plans.decision_sequence();
}

Result<MadePlan> county_plan_from(PlanStore& plans, PlanningInput in, const std::string& county,
                                  const PlanRunOptions& options, long long decisions);

}  // namespace

Result<MadePlan> make_county_plan(PlanStore& plans, const Matcher& matcher,
                                  const CorpusIndex& index, const std::string& county,
                                  const PlanRunOptions& options) {
  Status valid = validate(options.planning);
  if (!valid) return valid;
  auto decisions = decisions_before(plans, options);
  if (!decisions) return decisions.status();
  auto input = collect_planning_input(matcher, index, {county});
  if (!input) return input.status();
  return county_plan_from(plans, std::move(*input), county, options, *decisions);
}

Result<MadePlan> make_county_plan(PlanStore& plans, PlanningInput input, const std::string& county,
                                  const PlanRunOptions& options) {
  Status valid = validate(options.planning);
  if (!valid) return valid;
  auto decisions = decisions_before(plans, options);
  if (!decisions) return decisions.status();
  return county_plan_from(plans, std::move(input), county, options, *decisions);
}

namespace {

Result<MadePlan> county_plan_from(PlanStore& plans, PlanningInput in, const std::string& county,
                                  const PlanRunOptions& options, long long decisions) {
  PlanningInput* input = &in;
  std::set<std::string> county_problems;
  for (const auto& p : input->problems) county_problems.insert(p.id);
  input->rejected = options.rejected_matches;
  auto planner = WorkstationPlanner::create(std::move(*input), options.planning);
  if (!planner) return planner.status();
  // Every plan, without bodies: the approved ones' assignments are what
  // counts, and the superseded ones say since when each key topic has been
  // approved.
  auto all = plans.list("", PlanFilter{std::nullopt, false});
  if (!all) return all.status();
  CountyRequest request;
  request.county = county;
  const std::set<std::pair<std::string, std::string>> rejected(options.rejected_matches.begin(),
                                                               options.rejected_matches.end());
  const std::set<std::pair<std::string, std::string>> accepted(options.accepted_matches.begin(),
                                                               options.accepted_matches.end());
  // Since when each county's key topic has been approved: its first approval
  // in that county's approved or superseded plans (a re-approval keeps a
  // topic's place: attack trial 19). UTC timestamps of one format compare
  // as strings.
  std::map<std::pair<std::string, std::pair<std::string, std::string>>, std::string> since;
  for (const auto& r : *all) {
    if (r.status != PlanStatus::kApproved && r.status != PlanStatus::kSuperseded) continue;
    for (const auto& pair : r.topics) {
      auto [it, added] =
          since.emplace(std::make_pair(normalize_name(r.county), pair), r.approved_at);
      if (!added && r.approved_at < it->second) it->second = r.approved_at;
    }
  }
  auto approved_since = [&](const PlanRecord& r, const std::pair<std::string, std::string>& pair) {
    auto it = since.find({normalize_name(r.county), pair});
    return it == since.end() ? r.approved_at : it->second;
  };
  // By expert, since when this county's kept topics it leads have been
  // approved: another county's topic approved at that time or after comes
  // after them (CountyRequest's order of claims). A tie to the second counts
  // as after, for both counties (attack trial 19 approved within Y's second).
  std::map<std::string, std::string> own_since;
  for (const auto& r : *all)
    if (r.status == PlanStatus::kApproved && same_name(r.county, county) && options.keep_approved)
      for (const auto& pair : r.topics) {
        const std::string at = approved_since(r, pair);
        auto [it, added] = own_since.emplace(pair.second, at);
        if (!added && at < it->second) it->second = at;
      }
  for (const auto& r : *all) {
    if (r.status != PlanStatus::kApproved) continue;
    if (same_name(r.county, county)) {
      if (!options.keep_approved) continue;
      request.keep = kept_from(r);
    } else {
      for (const auto& pair : r.topics) {
        // A key topic whose pair a coordinator rejected since holds no
        // capacity (Service::engagements_locked; attack trial 16).
        if (rejected.count(pair)) continue;
        // Nor one whose problem is no longer open.
        if (options.closed_problems.count(pair.first)) continue;
        // One an acceptance also holds is counted as the acceptance, in its
        // turn (CountyRequest's order of claims; attack trial 15).
        if (accepted.count(pair)) continue;
        auto own = own_since.find(pair.second);
        const bool later = own != own_since.end() && approved_since(r, pair) >= own->second;
        ++(later ? request.used_after_kept : request.used_capacity)[pair.second];
      }
    }
  }
  // One on this county's problems is a fixed topic, counted there.
  for (const auto& pair : options.accepted_matches) {
    if (county_problems.count(pair.first))
      request.accepted.push_back(pair);
    else
      ++request.used_after_kept[pair.second];
  }
  auto plan = planner->plan_county(request);
  if (!plan) return plan.status();
  MadePlan out{std::move(*plan), std::nullopt};
  if (options.save) {
    auto rec = save(plans, out.plan, decisions);
    if (!rec) return rec.status();
    out.record = std::move(*rec);
  }
  return out;
}

}  // namespace

Result<MadeCityPlan> make_city_plan(PlanStore& plans, const Matcher& matcher,
                                    const CorpusIndex& index, const PlanRunOptions& options) {
  Status valid = validate(options.planning);
  if (!valid) return valid;
  long long decisions = 0;
  if (options.save) {
    auto seq = plans.decision_sequence();
    if (!seq) return seq.status();
    decisions = *seq;
  }
  auto input = collect_planning_input(matcher, index, {});
  if (!input) return input.status();
  // One county per normalised name, in its first spelling (corpus/names.h);
  // a problem's county is known by that normalised name too.
  std::map<std::string, std::string> by_name, county_of;
  for (const auto& p : input->problems) {
    by_name.emplace(normalize_name(p.county), p.county);
    county_of[p.id] = normalize_name(p.county);
  }
  std::vector<std::string> counties;
  for (const auto& [key, name] : by_name) counties.push_back(name);
  input->rejected = options.rejected_matches;
  auto planner = WorkstationPlanner::create(std::move(*input), options.planning);
  if (!planner) return planner.status();
  std::vector<CountyRequest> requests;
  for (const auto& c : counties) {
    CountyRequest r;
    r.county = c;
    if (options.keep_approved) {
      auto approved = plans.approved(c);
      if (!approved) return approved.status();
      if (*approved) r.keep = kept_from(**approved);
    }
    for (const auto& pair : options.accepted_matches)
      if (auto it = county_of.find(pair.first);
          it != county_of.end() && it->second == normalize_name(c))
        r.accepted.push_back(pair);
    requests.push_back(std::move(r));
  }
  auto city = planner->plan_city(requests);
  if (!city) return city.status();
  MadeCityPlan out{std::move(*city), {}};
  if (options.save)
    for (const auto& p : out.plan.counties) {
      auto rec = save(plans, p, decisions);
      if (!rec) return rec.status();
      out.records.push_back(std::move(*rec));
    }
  return out;
}

}  // namespace expertmatch
