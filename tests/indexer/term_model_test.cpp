// TermModel: the counts of a text's parts from one analysis of the whole.
#include "indexer/term_model.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace expertmatch {
namespace {

uint32_t count_of(const TermCounts& counts, uint32_t id) {
  for (auto [t, n] : counts)
    if (t == id) return n;
  return 0;
}

// Three fields joined by newlines: each term counts in the part where it
// begins, and no term spans the newline between two parts (no bigram 承磨
// from 轴承 | 磨损, no word from "bearing" | "wear").
TEST(TermModelTest, APartsCountsAreItsOwnTermsFromOneAnalysisOfTheWhole) {
  auto model = TermModel::fit({"滚动轴承\n磨损 bearing\nwear 检测", "承磨"}, {});
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  const TermModel& m = **model;
  const std::string text = "滚动轴承\n磨损 bearing\nwear 检测 轴承";
  const std::vector<size_t> ends = {std::string("滚动轴承").size(),
                                    std::string("滚动轴承\n磨损 bearing").size(), text.size()};
  std::vector<TermCounts> parts;
  float share = 0;
  auto whole = m.counts(text, ends, &parts, &share);
  ASSERT_TRUE(whole.is_ok()) << whole.status().to_string();
  ASSERT_EQ(parts.size(), 3u);
  const uint32_t bearing_zh = m.vocabulary().find("轴承");
  const uint32_t across = m.vocabulary().find("承磨");
  ASSERT_NE(bearing_zh, Vocabulary::kUnknown);
  ASSERT_NE(across, Vocabulary::kUnknown);  // known from the second text
  // 滚动轴承 is one word (its bigrams give 轴承 once); the lone 轴承 at the
  // end is a word and a bigram, twice.
  EXPECT_EQ(count_of(parts[0], bearing_zh), 1u);
  EXPECT_EQ(count_of(parts[1], bearing_zh), 0u);
  EXPECT_EQ(count_of(parts[2], bearing_zh), 2u);
  EXPECT_EQ(count_of(*whole, bearing_zh), 3u);
  EXPECT_EQ(count_of(*whole, across), 0u);
  // Every term of the whole is in exactly one part, and each part is what
  // analysing that field alone counts.
  size_t in_parts = 0, in_whole = 0;
  for (const auto& p : parts)
    for (auto [t, n] : p) in_parts += n;
  for (auto [t, n] : *whole) in_whole += n;
  EXPECT_EQ(in_parts, in_whole);
  const std::vector<std::string> fields = {"滚动轴承", "磨损 bearing", "wear 检测 轴承"};
  for (size_t i = 0; i < fields.size(); ++i) {
    auto alone = m.counts(fields[i]);
    ASSERT_TRUE(alone.is_ok());
    EXPECT_EQ(parts[i], *alone) << "part " << i;
  }
  // The whole and its seen share are what counts(text, share) gives.
  float plain_share = 0;
  auto plain = m.counts(text, &plain_share);
  ASSERT_TRUE(plain.is_ok());
  EXPECT_EQ(*whole, *plain);
  EXPECT_EQ(share, plain_share);
  EXPECT_EQ(share, 1.0f);  // every term was seen in the fit
  // A term beginning past the last end counts in no part.
  std::vector<TermCounts> first_only;
  ASSERT_TRUE(m.counts(text, {ends[0]}, &first_only, nullptr).is_ok());
  ASSERT_EQ(first_only.size(), 1u);
  EXPECT_EQ(first_only[0], parts[0]);
}

// The fit gives the counts of the texts asked for from its own analysis:
// what counts() of the fitted model gives them, in the order asked.
TEST(TermModelTest, TheFitKeepsTheCountsOfTheTextsAskedFor) {
  const std::vector<std::string> texts = {"轴承磨损检测", "bearing wear 轴承", "造纸湿强剂",
                                          "轴承 轴承 润滑"};
  std::vector<TermCounts> kept;
  auto model = TermModel::fit(texts, {}, {}, 2, {3, 0}, &kept);
  ASSERT_TRUE(model.is_ok()) << model.status().to_string();
  ASSERT_EQ(kept.size(), 2u);
  for (auto [i, text] : {std::pair<size_t, size_t>{0, 3}, {1, 0}}) {
    auto c = (*model)->counts(texts[text]);
    ASSERT_TRUE(c.is_ok());
    EXPECT_EQ(kept[i], *c) << "text " << text;
  }
  // 轴承 twice as a word and twice as its bigram in the last text.
  const uint32_t bearing = (*model)->vocabulary().find("轴承");
  EXPECT_EQ(count_of(kept[0], bearing), 4u);
}

}  // namespace
}  // namespace expertmatch
