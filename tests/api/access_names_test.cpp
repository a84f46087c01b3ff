// Token scopes compare names in the one normalised form of corpus/names.h:
// a scope and a record that spell one county or enterprise differently agree,
// and different names still do not (issue 11 item 4).
#include <gtest/gtest.h>

#include "api/access.h"

namespace expertmatch::api {
namespace {

TEST(AccessNamesTest, ScopesCompareNormalisedNames) {
  Problem p;
  p.id = "coi-p1";
  p.enterprise = "恒拓压缩机（衢州）有限公司";
  p.county = "柯城区";
  const Principal ascii{Role::kEnterprise, "恒拓压缩机(衢州)有限公司"};
  const Principal traditional{Role::kEnterprise, "恆拓壓縮機（衢州）有限公司 "};
  const Principal other{Role::kEnterprise, "衢州市恒拓压缩机有限公司"};
  EXPECT_TRUE(can_see_problem(ascii, p));
  EXPECT_TRUE(can_see_problem(traditional, p));
  EXPECT_FALSE(can_see_problem(other, p));

  const Principal county{Role::kCounty, "柯城區"};
  const Principal coordinator{Role::kCoordinator, "柯城区 /ws-1"};
  const Principal elsewhere{Role::kCounty, "衢江区"};
  EXPECT_TRUE(can_see_problem(county, p));
  EXPECT_TRUE(can_see_problem(coordinator, p));
  EXPECT_FALSE(can_write_problem(coordinator, p));
  EXPECT_TRUE(can_write_problem(county, p));
  EXPECT_FALSE(can_see_problem(elsewhere, p));
  EXPECT_TRUE(can_read_plans(county, "柯城区"));
  EXPECT_TRUE(can_write_plans(county, "柯城区"));
  EXPECT_FALSE(can_write_plans(elsewhere, "柯城区"));

  Expert e;
  e.id = "coi-a";
  e.counties = {"柯城区 "};
  EXPECT_TRUE(can_write_expert(county, e));
  EXPECT_FALSE(can_write_expert(elsewhere, e));
}

}  // namespace
}  // namespace expertmatch::api
