// Planning against the stores: what the CLI `plan` command and the HTTP API
// call to make, keep and approve workstation plans.
//
// make_county_plan keeps the county's approved assignments (team members and
// key topics) unless `keep_approved` is false, and counts the key topics of
// other counties' approved plans (but pairs rejected since), and
// `accepted_matches`, as capacity used, in CountyRequest's order of claims;
// the county's own accepted matches are fixed key topics, and rejected pairs
// are no candidates at all. make_city_plan plans every county together,
// keeping each county's approved assignments and honouring the same decisions.
// With `save`, each plan is stored as a draft (PlanStore) made with the
// store's decision sequence as read before planning; approve with
// PlanStore::approve.
//
// Thread safety: as the arguments (the CorpusIndex must not change meanwhile).
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "corpus/plan_store.h"
#include "corpus/store.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "matcher/planner.h"

namespace expertmatch {

struct PlanRunOptions {
  PlanningOptions planning;
  bool keep_approved = true;  // re-planning keeps approved assignments
  bool save = true;           // store the result as a draft
  // (problem id, expert id) matches a coordinator accepted on open problems.
  // Those of the planned county are fixed key topics with their experts on
  // the team (CountyRequest::accepted); the others hold one unit of capacity
  // each (a pair that is also a key topic of an approved plan counts once).
  std::vector<std::pair<std::string, std::string>> accepted_matches;
  // (problem id, expert id) pairs a coordinator rejected: never proposed,
  // kept, or suggested, also when `keep_approved` is false.
  std::vector<std::pair<std::string, std::string>> rejected_matches;
  // Problems (of any county) no longer open: other counties' approved key
  // topics on them hold no capacity, as in the service's ledger.
  std::set<std::string> closed_problems;
};

// The coordinators' decisions in force (the latest review of each pair):
// accepted pairs on open problems and every rejected pair, and the problems
// no longer open, into `options`.
void add_decisions(const std::vector<Review>& reviews, const std::vector<Problem>& problems,
                   PlanRunOptions* options);

// What approving `plan` changes, by `by`: its key topics' submitted or matched
// problems become in_progress (for PlanStore::approve).
std::vector<StatusChange> approval_changes(const PlanRecord& plan,
                                           const std::vector<Problem>& problems,
                                           const std::vector<Expert>& experts,
                                           const std::string& by);

struct MadePlan {
  WorkstationPlan plan;
  std::optional<PlanRecord> record;  // set when saved
};

// The latest review of each (problem, expert) pair, from a review history in
// store order (oldest first).
std::map<std::pair<std::string, std::string>, Review> latest_reviews(
    const std::vector<Review>& history);

// The pairs that hold an expert's capacity besides key topics: the latest
// review is "accept" and the problem (looked up by `problem`, null if gone)
// is still open. The API and the CLI plan with exactly these, so the same
// store gives the same plan.
std::vector<std::pair<std::string, std::string>> accepted_matches(
    const std::map<std::pair<std::string, std::string>, Review>& latest,
    const std::function<const Problem*(const std::string&)>& problem);

// kNotFound if the county is unknown; kInvalidArgument for bad options.
Result<MadePlan> make_county_plan(PlanStore& plans, const Matcher& matcher,
                                  const CorpusIndex& index, const std::string& county,
                                  const PlanRunOptions& options);
// The same from a PlanningInput already scored (planning_records of the
// county, then add_good_matches for each problem): what the API calls after
// ranking in chunks. Needs no index: it may run while the index changes.
Result<MadePlan> make_county_plan(PlanStore& plans, PlanningInput input, const std::string& county,
                                  const PlanRunOptions& options);

struct MadeCityPlan {
  CityPlan plan;
  std::vector<PlanRecord> records;  // one per county when saved, in plan order
};

// All counties of the open problems, in name order.
Result<MadeCityPlan> make_city_plan(PlanStore& plans, const Matcher& matcher,
                                    const CorpusIndex& index, const PlanRunOptions& options);

}  // namespace expertmatch
