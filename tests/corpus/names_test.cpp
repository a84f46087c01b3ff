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

// A registered name plus one character that is not visible text is refused,
// not read as a second, lookalike enterprise (attack trial: each was accepted).
TEST(NamesTest, CharactersThatAreNotVisibleTextAreRefused) {
  const std::string registered = "衢州市恒拓压缩机有限公司";  // 12 Han characters, 36 bytes
  struct Case {
    const char* suffix;
    char32_t code;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"\u2800", 0x2800, "braille pattern blank (So)"},
           {"\uE000", 0xE000, "private use (Co)"},
           {"\U0001D159", 0x1D159, "musical symbol null notehead (So)"},
           {"\U00016FE4", 0x16FE4, "Khitan small script filler (Mn, not recommended)"},
           {"\uFFFC", 0xFFFC, "object replacement character (So)"},
           {"\u0332", 0x0332, "combining low line (Mn, not recommended)"},
           {"\u200B", 0x200B, "zero-width space (Cf)"},
           {"\u3164", 0x3164, "Hangul filler (default-ignorable)"},
           {"\uFE0F", 0xFE0F, "variation selector (default-ignorable)"},
           {"\u0378", 0x0378, "unassigned (Cn)"},
       }) {
    SCOPED_TRACE(c.why);
    auto found = find_refused_char(registered + c.suffix);
    ASSERT_TRUE(found.has_value());
    EXPECT_EQ(found->code, c.code);
    EXPECT_EQ(found->offset, 36u);
  }
  // The first one is named, wherever it is.
  auto inner = find_refused_char("衢州\uE000市");
  ASSERT_TRUE(inner.has_value());
  EXPECT_EQ(inner->code, 0xE000u);
  EXPECT_EQ(inner->offset, 6u);
  EXPECT_EQ(code_point_name(0x1D159), "U+1D159");
  // Visible names pass: Han, Latin with punctuation, brackets, a decomposed
  // accent (a recommended combining mark), the ideographic space, a mid dot.
  for (const char* ok :
       {"衢州市恒拓压缩机有限公司", "恒拓压缩机（衢州）有限公司", "Quzhou Hengtuo Co., Ltd.",
        "Cafe\u0301 & Sons-2", "江山　恒锐", "浙江·衢州【巨化】", "〇〇七厂"}) {
    SCOPED_TRACE(ok);
    EXPECT_FALSE(find_refused_char(ok).has_value());
  }
}

// Names that only look alike compare by their UTS #39 confusable skeleton.
TEST(NamesTest, ConfusableLookalikesAreOneName) {
  struct Case {
    const char* a;
    const char* b;
    bool same;
  };
  for (const Case& c : std::vector<Case>{
           {"Hengtuo Co., Ltd.", "H\u0435ngtu\u043E Co., Ltd.", true},        // Cyrillic е о
           {"Juhua Group", "Juhua Gr\u043Eup", true},                         // Cyrillic о
           {"l0gistics", "10gistics", true},                                  // l and 1
           {"modern", "rnodern", true},                                       // m and rn
           {"恒拓压缩机（衢州）有限公司", "恆拓壓縮機(衢州)有限公司", true},  // still folded first
           {"衢州\u5DFF", "衢州市", true},  // U+5DFF: the project's table (UTS #39 lacks it)
           {"衢州\u5DFF恒拓", "衢州市恒拓", true},
           {"Hengtuo", "Hengtao", false},
           {"柯城区", "衢江区", false},
           {"衢州市恒拓压缩机有限公司", "衢州市恒拓压缩机有限公", false},
       }) {
    SCOPED_TRACE(std::string(c.a) + " | " + c.b);
    EXPECT_EQ(same_name(c.a, c.b), c.same);
    EXPECT_EQ(normalize_name(c.a) == normalize_name(c.b), c.same);
  }
}

// User names that look like "alice" (attack trial, issue 10: each was
// accepted as a second account beside "alice").
TEST(NamesTest, UserNamesThatLookAlikeShareALookalikeKey) {
  struct Case {
    const char* name;
    bool alike;
    const char* why;
  };
  for (const Case& c : std::vector<Case>{
           {"aIice", true, "capital I (U+0049) for l"},
           {"ali\u0307ce", true, "i + U+0307 combining dot above"},
           {"alic\u0117", true, "U+0117 e with dot above (NFKC composes e + U+0307)"},
           {"alice\u0307", true, "a combining dot above at the end"},
           {"\uA4EElice", true, "U+A4EE Lisu letter A"},
           {"ALICE", true, "case"},
           {"AIice", true, "capital A and capital I"},
           {"\uFF41lice", true, "full-width a"},
           {"\u0430lice", true, "Cyrillic a"},
           {"al\u0131ce", true, "dotless i"},
           {"a1ice", true, "digit 1 for l"},
           {"alicia", false, "another name"},
           {"aiice", false, "small i is not drawn like l"},
           {"bob", false, "another name"},
       }) {
    SCOPED_TRACE(c.why);
    EXPECT_EQ(look_alike("alice", c.name), c.alike) << c.name;
    EXPECT_EQ(look_alike(c.name, "alice"), c.alike) << c.name;
  }
  // The other way round from capitals: "ALICE" stored, "aIice" wanted.
  EXPECT_TRUE(look_alike("ALICE", "aIice"));
  // Cyrillic capital En has no lower-case Latin twin: caught as written.
  EXPECT_TRUE(look_alike("Hello", "\u041Dello"));
  EXPECT_TRUE(look_alike("admin", "\u0430dmin"));
  EXPECT_TRUE(look_alike("Jos\u00E9", "jose"));
  EXPECT_TRUE(look_alike("\u5F20\u4E09", "\u5F35\u4E09"));   // 张三, 張三
  EXPECT_FALSE(look_alike("\u5F20\u4E09", "\u674E\u56DB"));  // 张三, 李四
  // Every key of a name is its own.
  EXPECT_EQ(lookalike_keys("alice").size(), 1u)
      << ::testing::PrintToString(lookalike_keys("alice"));
}

// How an admin finds lookalikes stored before the check caught them.
TEST(NamesTest, LookalikePairsNameTheEarlierName) {
  const std::vector<std::string> names = {"alice", "bob", "aIice", "b0b", "carol", "\uA4EElice"};
  const std::vector<std::pair<size_t, size_t>> want = {{0, 2}, {1, 3}, {0, 5}};
  EXPECT_EQ(lookalike_pairs(names), want);
  EXPECT_TRUE(lookalike_pairs({"alice", "bob", "carol"}).empty());
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
