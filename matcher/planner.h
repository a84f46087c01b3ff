// WorkstationPlanner: staffs each county's expert workstation and chooses
// every enterprise's key R&D topics (docs/planning.md).
//
// Input is a PlanningInput: experts, problems and the scores of the pairs
// that are good matches (confidence >= the Matcher's good_match_confidence;
// only a good match counts as "able to solve"). collect_planning_input() fills it
// from a Matcher; tests build it by hand.
//
// A county plan is made in two steps:
//  1. Team. Candidates are available experts with remaining capacity whom the
//     county policy admits. The team T (min_team_size..max_team_size experts)
//     maximises V(T) = K(T) + B(T), where
//       K(T) is the value of the best key-topic assignment with experts of T
//            (step 2's objective, solved exactly), and
//       B(T) = sum over open problems p of urgency(p) * max over e in T of
//            score(e, p) * preference(e), over good matches only (breadth).
//     V is monotone and submodular; the team is chosen greedily (each step
//     adds the expert with the largest gain), then improved by swapping one
//     member for one outsider while that raises V. The greedy step alone
//     guarantees V >= (1 - 1/e) * optimum; tests measure the real gap.
//  2. Key topics. Each enterprise gets up to max_topics_per_enterprise of its
//     open problems, each led by one team expert who solves it well, no expert
//     beyond their remaining capacity. Solved exactly as a min-cost flow
//     (Boost Graph Library, successive shortest paths) whose costs rank, in
//     this order: enterprises with at least one key topic (as many as
//     possible), then urgency of the chosen problems, then match quality times
//     county preference.
// A city plan builds the teams of all counties in turns (one expert per county
// per round) and then assigns the key topics of the whole city in one flow, so
// an expert on several counties' teams never leads more topics than their
// capacity in total.
//
// Constraints that are never violated: unavailable experts and experts whose
// `conflicts` name the enterprise never lead its topic (nor, when
// unavailable, join a team); capacity (minus `used_capacity` and kept topics);
// county policy; team size <= max_team_size.
//
// Every plan explains itself (reasons on members, topics, enterprises and
// uncovered problems) and lists diagnoses of what could not be done. These
// are PlanText, in no language yet: keys of the message catalogue
// (i18n/messages, the "planner." block) with their arguments, rendered in
// the reader's language by plan_report.h.
//
// Thread safety: a WorkstationPlanner is immutable after create(); its const
// methods may run concurrently.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"
#include "matcher/matcher.h"

namespace expertmatch {

// One phrase of a plan's explanation: a message catalogue key ("planner.*")
// and its named arguments. `args` are text as it is (ids, names, numbers
// already formatted); `lists` are arguments made of phrases, rendered each
// and joined with the language's list separator ("planner.list_separator").
struct PlanPhrase {
  std::string key;
  std::vector<std::pair<std::string, std::string>> args;
  std::vector<std::pair<std::string, std::vector<PlanPhrase>>> lists;
};
// A reason: phrases (clauses) joined with "planner.clause_separator" ("；").
using PlanText = std::vector<PlanPhrase>;

// Which experts may join a county's team.
enum class CountyPolicy {
  // Everyone available; experts stationed in the county (their `counties`
  // include it) count in full, others at a discount (see PlanningOptions), so
  // an outsider is chosen only where they solve what stationed experts cannot.
  kPreferStationed,
  kOnlyStationed,  // only experts whose `counties` include the county
  kAnyCounty,      // everyone available, no preference
};
const char* county_policy_name(CountyPolicy policy);
// "prefer", "only", "any"; nullopt for anything else.
std::optional<CountyPolicy> parse_county_policy(const std::string& name);

struct PlanningOptions {
  int min_team_size = 6;              // the team grows to this even when extra experts add nothing
  int max_team_size = 8;              // never more
  int max_topics_per_enterprise = 2;  // 1 or 2
  CountyPolicy county_policy = CountyPolicy::kPreferStationed;
  // Under kPreferStationed: the weight of a match by an expert who lists no
  // county at all, and by one stationed only in other counties (1 = stationed).
  float unattached_preference = 0.8f;
  float elsewhere_preference = 0.6f;
  // Swap rounds after the greedy team choice (0 = greedy only).
  int local_search_rounds = 20;
};

// Checks ranges; kInvalidArgument with field errors.
Status validate(const PlanningOptions& options);

// One good match: `expert_id` solves `problem_id` with `score` in [0, 1].
struct PairScore {
  std::string problem_id;
  std::string expert_id;
  float score = 0;
  std::string evidence;  // the expert's best matching work, or a research field; "" if none
  bool evidence_is_field = false;
};

struct PlanningInput {
  std::vector<Expert> experts;
  std::vector<Problem> problems;  // only open problems are planned
  // Good matches only (pairs below the threshold are left out; a pair not
  // listed cannot be assigned). Unavailable or conflicted pairs are ignored.
  std::vector<PairScore> good_matches;
  // (problem id, expert id) pairs a coordinator rejected: as if they were no
  // good match, and never kept from an approved plan (a diagnosis says so).
  std::vector<std::pair<std::string, std::string>> rejected;
  float good_match_confidence = 0.25f;  // recorded for explanations
  // Problems with no good match among eligible experts, by id, and why
  // (Matcher::coverage: no expert's research covers it, or every good expert
  // is excluded); the explanation of an uncovered problem says so.
  std::map<std::string, ProblemCoverage> coverage;
};

// Scores every open problem of `counties` (all counties if empty) against all
// experts with matcher.rank_experts and keeps the good matches. Experts and
// problems come from the matcher's index. The same as planning_records, then
// add_good_matches for each of its problems.
Result<PlanningInput> collect_planning_input(const Matcher& matcher, const CorpusIndex& index,
                                             const std::vector<std::string>& counties);

// The records of a PlanningInput without any scores: every expert of
// `index`, and its open problems of `counties` (all counties if empty), in
// id order. Cheap (copies only); the scoring is add_good_matches.
PlanningInput planning_records(const CorpusIndex& index, const std::vector<std::string>& counties);

// Ranks `problem` against every expert of the matcher's index and appends its
// good matches to in->good_matches (and, when it has none, why to
// in->coverage). Problems may be scored one at a time, by different Matchers
// of the same records (the API ranks in chunks between which it releases its
// lock; a caller that lets the records change meanwhile must say so itself).
Status add_good_matches(const Matcher& matcher, const Problem& problem, PlanningInput* in);

// Assignments an approved plan fixes; re-planning keeps them.
struct KeptAssignments {
  std::vector<std::string> members;  // expert ids that stay on the team
  // (problem id, expert id) key topics that stay, with the same expert.
  std::vector<std::pair<std::string, std::string>> topics;
};

struct CountyRequest {
  std::string county;
  KeptAssignments keep;
  // Capacity already used elsewhere, by expert id: key topics of other
  // counties' plans approved before this county's (all of them if it has
  // none). Not counted again for `keep` or `accepted`.
  std::map<std::string, int> used_capacity;
  // (problem id, expert id) matches a coordinator accepted on the county's
  // open problems. Each is a fixed key topic led by that expert, who is on
  // the team whatever the county policy: a decision, not a proposal; it
  // stays whatever the capacity says.
  std::vector<std::pair<std::string, std::string>> accepted;
  // Capacity held elsewhere that came after this county's approved plan, by
  // expert id: every match accepted elsewhere, and key topics of plans
  // approved after this county's.
  //
  // Capacity is claimed in this order: `used_capacity`, every planned
  // county's kept topics, then acceptances (`accepted`) and
  // `used_after_kept`, then new topics. Each of the later claims was checked
  // against the capacity the earlier ones held, so it exceeds capacity only
  // by an override or by a capacity raised for it and cut since, and then
  // it is the one beyond: nothing pushes an approved key topic out of a
  // plan but a plan approved before it (attack trials 14-17: one county's
  // overrides, and acceptances or a plan approved while it had raised its
  // own expert's capacity for a moment, dropped another county's approved
  // key topics at its next plan).
  std::map<std::string, int> used_after_kept;
};

struct SolvableProblem {
  std::string problem_id;
  std::string title;
  std::string enterprise;
  int urgency = 3;
  float score = 0;
  bool key_topic = false;  // this member leads it
};

struct TeamMember {
  std::string expert_id;
  std::string name;
  std::string title;
  std::string college;
  bool stationed = false;  // the county is among the expert's `counties`
  bool kept = false;       // kept from an approved plan
  int capacity = 0;        // as declared
  int capacity_used_elsewhere = 0;
  int key_topics = 0;  // topics led in this county
  double gain = 0;     // what removing this member would cost the plan (V points)
  std::vector<SolvableProblem> can_solve;  // good matches in the county, best first
  PlanText reason;
};

struct KeyTopic {
  std::string enterprise;
  std::string problem_id;
  std::string title;
  int urgency = 3;
  std::string expert_id;
  std::string expert_name;
  float score = 0;
  std::string evidence;  // as PairScore
  bool evidence_is_field = false;
  bool kept = false;
  bool accepted = false;  // a match a coordinator accepted
  // The problem awaited the city's confirmation when the plan was made
  // (Problem::verified false): only an expert stationed in the county leads
  // it (may_lead_for), and the county sees it marked.
  bool awaits_city = false;
  PlanText reason;
};

struct EnterpriseOutcome {
  std::string enterprise;
  int open_problems = 0;
  int solvable_by_team = 0;
  int key_topics = 0;
  PlanText reason;
};

struct UncoveredProblem {
  std::string problem_id;
  std::string title;
  std::string enterprise;
  int urgency = 3;
  PlanText reason;  // why no team member solves it, and who could
};

enum class DiagnosisKind {
  kNoOpenProblems,         // the county has no open problems
  kTooFewExperts,          // fewer available candidates than min_team_size
  kEnterpriseUnhelpable,   // no available expert solves any of its problems well
  kEnterpriseBeyondTeam,   // someone could help, but not a team member
  kCapacityExhausted,      // team members could help but their capacity is used
  kKeptAssignmentDropped,  // an approved assignment no longer holds
};
const char* diagnosis_kind_name(DiagnosisKind kind);

struct Diagnosis {
  DiagnosisKind kind;
  std::string subject;  // enterprise, expert or county it concerns
  PlanText message;
};

struct PlanScore {
  double value = 0;  // V(T) = key_topic_value + breadth
  double key_topic_value = 0;
  double breadth = 0;
  int enterprises = 0;
  int enterprises_with_topics = 0;
  int open_problems = 0;
  int solvable_by_team = 0;  // open problems some member solves well
  int key_topics = 0;
};

struct WorkstationPlan {
  std::string county;
  PlanningOptions options;
  std::vector<TeamMember> team;      // in the order chosen
  std::vector<KeyTopic> key_topics;  // by enterprise, then urgency
  std::vector<EnterpriseOutcome> enterprises;
  std::vector<UncoveredProblem> uncovered;  // by urgency, then id
  std::vector<Diagnosis> diagnoses;
  PlanScore score;
  PlanText summary;  // one paragraph
};

struct CityPlan {
  std::vector<WorkstationPlan> counties;         // in the requested order
  std::map<std::string, int> topics_per_expert;  // over all counties
};

class WorkstationPlanner {
 public:
  // kInvalidArgument for bad options.
  static Result<WorkstationPlanner> create(PlanningInput input, PlanningOptions options);

  // Plans one county. kNotFound if no problem or expert mentions the county.
  Result<WorkstationPlan> plan_county(const CountyRequest& request) const;
  // Plans the counties together (all counties of the input's problems, in
  // name order, when `requests` is empty).
  Result<CityPlan> plan_city(const std::vector<CountyRequest>& requests) const;

  // For measurement (tests, docs/planning.md): V of a given team, and the
  // team chosen by the method (greedy + local search), and the exact optimum
  // found by enumerating every team of the largest allowed size;
  // kInvalidArgument if that means more than `max_teams` teams.
  Result<double> team_value(const CountyRequest& request,
                            const std::vector<std::string>& team) const;
  Result<std::vector<std::string>> choose_team(const CountyRequest& request) const;
  Result<std::vector<std::string>> optimal_team(const CountyRequest& request,
                                                long long max_teams = 2000000) const;

  const PlanningOptions& options() const { return options_; }
  const PlanningInput& input() const { return input_; }

 private:
  WorkstationPlanner(PlanningInput input, PlanningOptions options);
  struct Impl;
  friend struct Impl;
  PlanningInput input_;
  PlanningOptions options_;
  std::map<std::string, int> expert_index_;
  // Good matches as (problem index, index into input_.good_matches), best first,
  // and as (expert index, match index).
  std::vector<std::vector<std::pair<int, int>>> good_by_expert_;
  std::vector<std::vector<std::pair<int, int>>> good_by_problem_;
};

}  // namespace expertmatch
