// The message catalogue: both languages have exactly the same keys, every
// pattern is valid ICU MessageFormat, and language negotiation.
#include "i18n/messages.h"

#include <gtest/gtest.h>

namespace expertmatch::i18n {
namespace {

TEST(CatalogueTest, ChineseAndEnglishHaveTheSameKeys) {
  const Catalogue& c = Catalogue::builtin();
  auto zh = c.keys(Language::kZh);
  auto en = c.keys(Language::kEn);
  ASSERT_GT(zh.size(), 50u) << "the catalogue did not load";
  EXPECT_EQ(zh, en);
  for (const auto& key : zh) {
    // A pattern that fails to parse is returned raw; with no arguments (but
    // a status, which select patterns choose by) a valid one still renders,
    // and differs between the languages.
    Message m{key, {{"status", "418"}}};
    EXPECT_NE(c.format(Language::kZh, m), key) << key;
    EXPECT_NE(c.format(Language::kZh, m), c.format(Language::kEn, m)) << key;
  }
}

TEST(CatalogueTest, FormatsNamedArguments) {
  Message m{"query.int_range", {{"name", "k"}, {"lo", "1"}, {"hi", "100"}, {"value", "x"}}};
  EXPECT_EQ(tr(Language::kZh, m), "参数 k 必须是 1 到 100 之间的整数，收到的是“x”");
  EXPECT_EQ(tr(Language::kEn, m), "k must be a whole number from 1 to 100, got \"x\"");
  // Arguments are text, never reformatted as numbers ("1000" stays "1000").
  EXPECT_EQ(tr(Language::kEn, {"field.too_long", {{"max", "65536"}}}),
            "must be at most 65536 bytes");
  // Not a key: shown as it is.
  EXPECT_EQ(tr(Language::kZh, {"plain text"}), "plain text");
}

TEST(CatalogueTest, NegotiatesTheLanguage) {
  struct Case {
    const char* header;
    Language expected;
  } cases[] = {
      {"", Language::kZh},
      {"en", Language::kEn},
      {"en-US,en;q=0.9", Language::kEn},
      {"zh-CN,zh;q=0.9,en;q=0.8", Language::kZh},
      {"fr-FR, en;q=0.5, zh;q=0.8", Language::kZh},
      {"fr-FR, en;q=0.5", Language::kEn},
      {"de", Language::kZh},
      {"EN_gb", Language::kEn},
  };
  for (const auto& c : cases) EXPECT_EQ(negotiate(c.header), c.expected) << c.header;
  EXPECT_EQ(negotiate("de", Language::kEn), Language::kEn);
  EXPECT_EQ(parse_language("en_US.UTF-8"), Language::kEn);
  EXPECT_EQ(parse_language("C.UTF-8"), std::nullopt);
}

}  // namespace
}  // namespace expertmatch::i18n
