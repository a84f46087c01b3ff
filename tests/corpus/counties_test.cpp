// CountyList: the configured counties and the nearest known name of a wrong one.
#include "corpus/counties.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace expertmatch {
namespace {

struct NearestCase {
  const char* input;
  std::optional<std::string> nearest;
};

TEST(CountyListTest, NearestKnownName) {
  const CountyList counties;
  const NearestCase cases[] = {
      {"江山市", "江山市"},                                // known
      {"江山", "江山市"},                                  // the example: part of a name
      {"常山", "常山县"},         {" 常山县 ", "常山县"},  // padding
      {"\u3000龙游县", "龙游县"},                          // ideographic space
      {"浙江省江山市", "江山市"},                          // a known stem inside
      {"柯城", "柯城区"},         {"开化乡", "开化县"},    // one character off
      {"杭州市", std::nullopt},                            // not a county of Quzhou
      {"", std::nullopt},
  };
  for (const auto& c : cases) EXPECT_EQ(counties.nearest(c.input), c.nearest) << c.input;
}

TEST(CountyListTest, CheckNamesTheFieldAndSuggests) {
  const CountyList counties;
  EXPECT_TRUE(counties.check("衢州智造新城", "county"));
  Status s = counties.check("江山", "county");
  ASSERT_EQ(s.code(), ErrorCode::kInvalidArgument);
  ASSERT_EQ(s.field_errors().size(), 1u);
  EXPECT_EQ(s.field_errors()[0].field, "county");
  EXPECT_EQ(s.field_errors()[0].reason, "unknown county \"江山\"; did you mean \"江山市\"?");
}

TEST(CountyListTest, ParsedFromASetting) {
  auto list = CountyList::parse("江山市, 龙游县", "counties");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->names(), (std::vector<std::string>{"江山市", "龙游县"}));
  EXPECT_FALSE(list->contains("柯城区"));
  EXPECT_EQ(CountyList::parse("江山市,,龙游县", "counties").status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(CountyList::parse("江山市,江山市", "counties").status().field_errors()[0].reason,
            "names \"江山市\" more than once");
}

}  // namespace
}  // namespace expertmatch
