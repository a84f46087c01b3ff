// One normalised form for names (corpus/names.h), and the import's warning
// about two spellings of one name. The spellings of
// ../shared/cases/ranking/conflict_spelling_* are copied in.
#include "corpus/names.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "corpus/exchange_format.h"

namespace expertmatch {
namespace {

TEST(NamesTest, SpellingsOfOneNameNormaliseAlike) {
  const std::string canonical = "恒拓压缩机(衢州)有限公司";
  struct Case {
    const char* spelling;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"恒拓压缩机（衢州）有限公司", "full-width parentheses"},
           {"恒拓压缩机(衢州)有限公司", "ASCII parentheses"},
           {"恒拓压缩机（衢州）有限公司 ", "a trailing space"},
           {"  恒拓压缩机 (衢州) 有限公司", "leading and inner spaces"},
           {"恒拓压缩机　（衢州）有限公司", "an ideographic space"},
           {"恆拓壓縮機（衢州）有限公司", "Traditional characters"},
           {"恒拓压缩机〔衢州〕有限公司", "tortoise-shell brackets"},
       }) {
    SCOPED_TRACE(c.why);
    EXPECT_EQ(normalize_name(c.spelling), canonical);
    EXPECT_TRUE(same_name(c.spelling, "恒拓压缩机（衢州）有限公司"));
  }
  EXPECT_EQ(normalize_name("衢州市恒拓压缩机有限公司 "), "衢州市恒拓压缩机有限公司");
  EXPECT_EQ(normalize_name("Quzhou  Hengtuo   Co., Ltd. "), "quzhou hengtuo co., ltd.");
  EXPECT_EQ(normalize_name("柯城區"), "柯城区");
  EXPECT_EQ(normalize_name(""), "");
  EXPECT_EQ(normalize_name("   "), "");
}

TEST(NamesTest, DifferentNamesStayDifferent) {
  EXPECT_FALSE(same_name("恒拓压缩机（衢州）有限公司", "衢州市恒拓压缩机有限公司"));
  EXPECT_FALSE(same_name("柯城区", "衢江区"));
  EXPECT_FALSE(same_name("巨化集团", "巨化集团有限公司"));
  EXPECT_FALSE(contains_name({"江山市", "柯城区"}, "衢江区"));
  EXPECT_TRUE(contains_name({"江山市", "柯城区 "}, "柯城区"));
  EXPECT_FALSE(contains_name({}, ""));
}

TEST(NamesTest, SpellingWarningsNameBothSpellingsAndLines) {
  std::vector<NameSpelling> names = {
      {"恒拓压缩机（衢州）有限公司", "enterprise", "problems.jsonl", 1},
      {"衢州市恒拓压缩机有限公司", "enterprise", "problems.jsonl", 2},
      {"恒拓压缩机(衢州)有限公司", "conflicts", "experts.jsonl", 1},
      {"衢州市恒拓压缩机有限公司 ", "conflicts", "experts.jsonl", 2},
      {"衢州市恒拓压缩机有限公司", "conflicts", "experts.jsonl", 3},
      {"恒拓压缩机(衢州)有限公司", "conflicts", "experts.jsonl", 4},  // a spelling already seen
  };
  auto w = spelling_warnings(names);
  ASSERT_EQ(w.size(), 2u) << ::testing::PrintToString(w);
  EXPECT_EQ(w[0],
            "experts.jsonl:1: conflicts: name \"恒拓压缩机(衢州)有限公司\" is another spelling of "
            "\"恒拓压缩机（衢州）有限公司\" (problems.jsonl:1, enterprise); both are read as one "
            "name");
  EXPECT_EQ(w[1],
            "experts.jsonl:2: conflicts: name \"衢州市恒拓压缩机有限公司 \" is another spelling "
            "of \"衢州市恒拓压缩机有限公司\" (problems.jsonl:2, enterprise); both are read as one "
            "name");
  EXPECT_TRUE(
      spelling_warnings({{"柯城区", "county", "p", 1}, {"柯城区", "county", "p", 2}}).empty());
}

// The import reads every name with its line; the case's two files give two
// warnings, each naming both spellings and their lines.
TEST(NamesTest, ReadingFilesCollectsNamesWithTheirLines) {
  const std::string problems =
      "{\"id\": \"coi-p1\", \"enterprise\": \"恒拓压缩机（衢州）有限公司\", \"county\": "
      "\"柯城区\", \"title\": \"螺杆空压机排气温度过高停机\", \"description\": \"\"}\n"
      "\n"
      "{\"id\": \"coi-p2\", \"enterprise\": \"衢州市恒拓压缩机有限公司\", \"county\": "
      "\"柯城区\", \"title\": \"螺杆空压机排气温度过高停机\", \"description\": \"\"}\n";
  const std::string experts =
      "{\"id\": \"coi-a\", \"name\": \"甲\", \"conflicts\": [\"恒拓压缩机(衢州)有限公司\"], "
      "\"works\": [{\"kind\": \"paper\", \"title\": \"螺杆空压机\"}]}\n"
      "{\"id\": \"coi-b\", \"name\": \"乙\", \"conflicts\": [\"衢州市恒拓压缩机有限公司 \"], "
      "\"works\": [{\"kind\": \"paper\", \"title\": \"螺杆空压机\"}]}\n";
  std::vector<NameSpelling> names;
  ReadOptions options;
  options.names = &names;
  ASSERT_TRUE(parse_problems_jsonl(problems, "problems.jsonl", options).is_ok());
  ASSERT_TRUE(parse_experts_jsonl(experts, "experts.jsonl", options).is_ok());
  auto w = spelling_warnings(names);
  ASSERT_EQ(w.size(), 2u) << ::testing::PrintToString(w);
  EXPECT_EQ(w[0].rfind("experts.jsonl:1: conflicts: name \"恒拓压缩机(衢州)有限公司\"", 0), 0u)
      << w[0];
  EXPECT_NE(w[0].find("(problems.jsonl:1, enterprise)"), std::string::npos) << w[0];
  EXPECT_EQ(w[1].rfind("experts.jsonl:2: conflicts: name \"衢州市恒拓压缩机有限公司 \"", 0), 0u)
      << w[1];
  EXPECT_NE(w[1].find("(problems.jsonl:3, enterprise)"), std::string::npos) << w[1];
}

}  // namespace
}  // namespace expertmatch
