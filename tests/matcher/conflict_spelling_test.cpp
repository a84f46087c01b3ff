// Conflicts of interest hold whatever the spelling of the enterprise's name
// (issue 11 item 4): the case ../shared/cases/ranking/conflict_spelling_* is
// copied in, with a Traditional-character spelling added.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "indexer/corpus_index.h"
#include "matcher/matcher.h"
#include "matcher/planner.h"

namespace expertmatch {
namespace {

Expert coi_expert(std::string id, std::string conflict) {
  Expert e;
  e.id = std::move(id);
  e.name = e.id;
  e.conflicts = {std::move(conflict)};
  e.counties = {"柯城区"};
  Work w;
  w.kind = WorkKind::kPaper;
  w.title = "螺杆空压机油冷却器换热强化与排气温度控制";
  e.works = {w};
  return e;
}

Problem coi_problem(std::string id, std::string enterprise, std::string county = "柯城区") {
  Problem p;
  p.id = std::move(id);
  p.enterprise = std::move(enterprise);
  p.county = std::move(county);
  p.title = "螺杆空压机排气温度过高停机";
  return p;
}

std::vector<Expert> coi_experts() {
  return {coi_expert("coi-a", "恒拓压缩机(衢州)有限公司"),   // ASCII parentheses
          coi_expert("coi-b", "衢州市恒拓压缩机有限公司 "),  // a trailing space
          coi_expert("coi-c", "衢州市恒拓压缩机有限公司"),
          coi_expert("coi-d", "衢州市恆拓壓縮機有限公司")};  // Traditional characters
}

std::vector<Problem> coi_problems() {
  return {coi_problem("coi-p1", "恒拓压缩机（衢州）有限公司"),
          coi_problem("coi-p2", "衢州市恒拓压缩机有限公司")};
}

TEST(ConflictSpellingTest, ConflictsExcludeWhateverTheSpelling) {
  auto index = CorpusIndex::build(coi_experts(), coi_problems(), IndexConfig{});
  ASSERT_TRUE(index.is_ok()) << index.status().to_string();
  Matcher matcher(**index);
  const std::map<std::string, std::set<std::string>> eligible = {
      {"coi-p1", {"coi-b", "coi-c", "coi-d"}},  // coi-a is in conflict
      {"coi-p2", {"coi-a"}},                    // coi-b, coi-c and coi-d are
  };
  for (const auto& [pid, want] : eligible) {
    SCOPED_TRACE(pid);
    const Problem& p = (*index)->problem(pid)->problem();
    auto r = matcher.rank_experts(p, {}, -1);
    ASSERT_TRUE(r.is_ok());
    std::set<std::string> got;
    for (const auto& m : *r) got.insert(m.expert_id);
    EXPECT_EQ(got, want);
    for (const auto& e : coi_experts())
      EXPECT_EQ(matcher.exclusion_reason(e, p, {}).empty(), want.count(e.id) == 1) << e.id;
  }
  // rank_problems applies the same rule from the expert's side.
  auto a = matcher.rank_problems("coi-a", {}, -1);
  ASSERT_TRUE(a.is_ok());
  ASSERT_EQ(a->size(), 1u);
  EXPECT_EQ((*a)[0].problem_id, "coi-p2");
  // Filters compare names the same way.
  MatchFilters county;
  county.county = "柯城區 ";
  auto in_county = matcher.rank_experts((*index)->problem("coi-p2")->problem(), county, -1);
  ASSERT_TRUE(in_county.is_ok());
  EXPECT_EQ(in_county->size(), 1u);
}

TEST(ConflictSpellingTest, PlansNeverGiveAConflictedExpertTheEnterprisesTopic) {
  PlanningInput in;
  in.experts = coi_experts();
  in.problems = coi_problems();
  in.problems[1].county = "柯城區";  // the county spelled in Traditional characters
  for (const auto& p : in.problems)
    for (const auto& e : in.experts) in.good_matches.push_back({p.id, e.id, 0.8f, ""});
  PlanningOptions o;
  o.min_team_size = 1;
  o.max_team_size = 4;
  auto planner = WorkstationPlanner::create(in, o);
  ASSERT_TRUE(planner.is_ok()) << planner.status().to_string();
  auto plan = planner->plan_county({"柯城区", {}, {}});
  ASSERT_TRUE(plan.is_ok()) << plan.status().to_string();
  // Both problems are the county's, and each topic goes to an unconflicted expert.
  ASSERT_EQ(plan->key_topics.size(), 2u);
  for (const auto& t : plan->key_topics) {
    SCOPED_TRACE(t.problem_id);
    if (t.problem_id == "coi-p1") EXPECT_NE(t.expert_id, "coi-a");
    if (t.problem_id == "coi-p2") EXPECT_EQ(t.expert_id, "coi-a");
  }
}

}  // namespace
}  // namespace expertmatch
