#include "matcher/plan_service.h"

#include <map>
#include <set>

#include "corpus/names.h"
#include "matcher/plan_report.h"

namespace expertmatch {
namespace {

KeptAssignments kept_from(const PlanRecord& r) { return {r.members, r.topics}; }

Result<PlanRecord> save(PlanStore& plans, const WorkstationPlan& plan) {
  std::vector<std::string> members;
  std::vector<std::pair<std::string, std::string>> topics;
  for (const auto& m : plan.team) members.push_back(m.expert_id);
  for (const auto& t : plan.key_topics) topics.emplace_back(t.problem_id, t.expert_id);
  return plans.add_draft(plan.county, members, topics, plan_to_json(plan));
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
    if (!p || p->status != ProblemStatus::kOpen) continue;
    out.push_back(pair);
  }
  return out;
}

Result<MadePlan> make_county_plan(PlanStore& plans, const Matcher& matcher,
                                  const CorpusIndex& index, const std::string& county,
                                  const PlanRunOptions& options) {
  Status valid = validate(options.planning);
  if (!valid) return valid;
  auto input = collect_planning_input(matcher, index, {county});
  if (!input) return input.status();
  auto planner = WorkstationPlanner::create(std::move(*input), options.planning);
  if (!planner) return planner.status();
  auto all = plans.list("");
  if (!all) return all.status();
  CountyRequest request;
  request.county = county;
  std::set<std::pair<std::string, std::string>> counted;  // topics holding capacity already
  for (const auto& r : *all) {
    if (r.status != PlanStatus::kApproved) continue;
    if (same_name(r.county, county)) {
      if (!options.keep_approved) continue;
      request.keep = kept_from(r);
    } else {
      for (const auto& [problem, expert] : r.topics) ++request.used_capacity[expert];
    }
    counted.insert(r.topics.begin(), r.topics.end());
  }
  // An accepted match that is also a counted key topic is one engagement, not two.
  for (const auto& pair : options.accepted_matches)
    if (!counted.count(pair)) ++request.used_capacity[pair.second];
  auto plan = planner->plan_county(request);
  if (!plan) return plan.status();
  MadePlan out{std::move(*plan), std::nullopt};
  if (options.save) {
    auto rec = save(plans, out.plan);
    if (!rec) return rec.status();
    out.record = std::move(*rec);
  }
  return out;
}

Result<MadeCityPlan> make_city_plan(PlanStore& plans, const Matcher& matcher,
                                    const CorpusIndex& index, const PlanRunOptions& options) {
  Status valid = validate(options.planning);
  if (!valid) return valid;
  auto input = collect_planning_input(matcher, index, {});
  if (!input) return input.status();
  // One county per normalised name, in its first spelling (corpus/names.h).
  std::map<std::string, std::string> by_name;
  for (const auto& p : input->problems) by_name.emplace(normalize_name(p.county), p.county);
  std::vector<std::string> counties;
  for (const auto& [key, name] : by_name) counties.push_back(name);
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
    requests.push_back(std::move(r));
  }
  auto city = planner->plan_city(requests);
  if (!city) return city.status();
  MadeCityPlan out{std::move(*city), {}};
  if (options.save)
    for (const auto& p : out.plan.counties) {
      auto rec = save(plans, p);
      if (!rec) return rec.status();
      out.records.push_back(std::move(*rec));
    }
  return out;
}

}  // namespace expertmatch
