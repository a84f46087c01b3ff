// TermVectorStore: term vectors come back exactly as added, and are saved in
// the bytes LexicalIndex saves.
#include "indexer/term_vector_store.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "indexer/lexical_index.h"

namespace expertmatch {
namespace {

// Bit for bit: -0.0 and NaN must survive too.
bool same_bits(const WeightedTerms& a, const WeightedTerms& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].first != b[i].first || std::memcmp(&a[i].second, &b[i].second, sizeof(float)) != 0)
      return false;
  return true;
}

TEST(TermVectorStoreTest, EveryVectorComesBackBitForBit) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<WeightedTerms> cases = {
      {},
      {{0, 1.0f}},
      {{3, 2.0f}, {4, 3.0f}, {90000, 1.0f}},             // whole weights: counts x 1 or 2
      {{7, 0.5f}, {8, 2.75f}, {9, 1e-7f}},               // fractional field weights
      {{1, 0.0f}, {2, -0.0f}, {3, -4.0f}, {4, nan}},     // signs, zero, NaN
      {{5, 1048575.0f}, {6, 1048576.0f}, {7, 3.0e38f}},  // around and far above 2^20
      {{0, 1.0f}, {4294967295u, 2.0f}},                  // the largest term id
      {{9, 1.0f}, {2, 1.0f}},                            // unsorted still round-trips
  };
  TermVectorStore store;
  for (size_t i = 0; i < cases.size(); ++i) store.add(static_cast<int64_t>(i) * 7, cases[i]);
  EXPECT_EQ(store.size(), cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    auto got = store.terms_of(static_cast<int64_t>(i) * 7);
    ASSERT_TRUE(got.has_value()) << i;
    EXPECT_TRUE(same_bits(*got, cases[i])) << "case " << i;
  }
  EXPECT_FALSE(store.terms_of(1).has_value());
  // Replaced, then removed.
  store.add(0, {{11, 4.0f}});
  EXPECT_TRUE(same_bits(*store.terms_of(0), {{11, 4.0f}}));
  store.remove(0);
  EXPECT_FALSE(store.terms_of(0).has_value());
  EXPECT_EQ(store.size(), cases.size() - 1);
}

TEST(TermVectorStoreTest, WholeWeightsTakeAFewBytesATerm) {
  // 200 terms a few ids apart with counts 1-4 times field weights 1 or 2.
  WeightedTerms terms;
  for (uint32_t t = 0; t < 200; ++t) terms.emplace_back(1000 + t * 37, static_cast<float>(t % 8));
  TermVectorStore store;
  store.add(1, terms);
  // A varint for the count, then a byte for each gap (37) and each weight.
  EXPECT_EQ(store.encoded_bytes(), 2u + 2 * 200 + 1);  // the first id, 1000, takes two bytes
}

TEST(TermVectorStoreTest, SavesTheBytesOfALexicalIndexAndLoadsThem) {
  const Bm25Params params{1.5f, 0.6f};
  const std::vector<std::pair<int64_t, WeightedTerms>> docs = {
      {42, {{1, 2.0f}, {5, 1.0f}}}, {7, {{2, 0.25f}}}, {1000000000000, {{3, 3.0f}, {9, 6.0f}}}};
  LexicalIndex lexical(params);
  TermVectorStore store(params);
  for (const auto& [id, terms] : docs) {
    lexical.add(id, terms);
    store.add(id, terms);
  }
  BinaryWriter a, b;
  lexical.save(&a);
  store.save(&b);
  const std::string bytes = b.finish();
  ASSERT_EQ(a.finish(), bytes);
  BinaryReader r(bytes);
  TermVectorStore loaded = TermVectorStore::load(&r);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(loaded.size(), docs.size());
  for (const auto& [id, terms] : docs) EXPECT_TRUE(same_bits(*loaded.terms_of(id), terms)) << id;
}

}  // namespace
}  // namespace expertmatch
