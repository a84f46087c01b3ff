// The message catalogue: both languages have exactly the same keys, every
// pattern is valid ICU MessageFormat, and language negotiation.
#include "i18n/messages.h"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

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

// One word for one state: a problem's status reads the same in the pages'
// filter (web.statuses), the ledger (ledger.status) and every message that
// names a status (an ICU select, here transition.same), in each language.
TEST(CatalogueTest, EachStatusHasOneWordEverywhere) {
  const Catalogue& c = Catalogue::builtin();
  for (Language language : {Language::kZh, Language::kEn}) {
    for (const char* status :
         {"submitted", "matched", "in_progress", "solved", "withdrawn", "closed"}) {
      std::string page = c.format(language, {std::string("web.statuses.") + status});
      std::string ledger = c.format(language, {std::string("ledger.status.") + status});
      // English capitalises a filter's option, not the ledger's column.
      if (language == Language::kEn && !page.empty())
        page[0] = static_cast<char>(std::tolower(page[0]));
      EXPECT_EQ(page, ledger) << status;
      if (language == Language::kZh) {
        std::string said =
            c.format(language, {"transition.same", {{"id", "p"}, {"status", status}}});
        EXPECT_NE(said.find("“" + ledger + "”"), std::string::npos) << said;
      }
    }
  }
  EXPECT_EQ(c.format(Language::kZh, {"ledger.status.submitted"}), "待匹配");
  EXPECT_EQ(c.format(Language::kZh, {"ledger.status.closed"}), "未解决（已关闭）");
}

// Chinese text takes full-width brackets: no message of the Chinese bundle
// holds an ASCII one.
TEST(CatalogueTest, ChineseUsesFullWidthBrackets) {
  const Catalogue& c = Catalogue::builtin();
  for (const auto& key : c.keys(Language::kZh)) {
    std::string text = c.format(Language::kZh, {key, {{"status", "418"}}});
    EXPECT_EQ(text.find_first_of("()"), std::string::npos) << key << ": " << text;
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
