// LsaModel on a synthetic corpus of three topics built from a fixed recipe:
// deterministic for a seed, unit-norm output, dimension capped by the rank,
// and documents of one topic closer to each other than to other topics.
#include "indexer/lsa_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "indexer/term_model.h"

namespace expertmatch {
namespace {

constexpr uint32_t kTermsPerTopic = 10;

// Document j of topic t: a window of six of the topic's ten terms starting at
// j (mod 10), with counts 1-3, plus (for even j) one term shared by every
// topic. Any two documents of a topic share at least two terms.
TermCounts topic_document(int topic, int j, bool shared_term) {
  TermCounts doc;
  for (int k = 0; k < 6; ++k)
    doc.emplace_back(topic * kTermsPerTopic + (j + k) % kTermsPerTopic, 1 + (j + k) % 3);
  if (shared_term) doc.emplace_back(3 * kTermsPerTopic, 1);
  std::sort(doc.begin(), doc.end());
  return doc;
}

struct Corpus {
  std::vector<TermCounts> docs;
  std::vector<int> topic;  // per document
  std::vector<float> idf;
  size_t vocabulary = 0;
};

// `per_topic` documents for each of three topics; terms 0-29 are topical,
// 30 is shared, 31-35 appear in one document each (df 1).
Corpus make_corpus(int per_topic) {
  Corpus c;
  c.vocabulary = 3 * kTermsPerTopic + 1 + 5;
  for (int t = 0; t < 3; ++t)
    for (int j = 0; j < per_topic; ++j) {
      TermCounts d = topic_document(t, j, j % 2 == 0);
      if (j == 0) d.emplace_back(3 * kTermsPerTopic + 1 + t, 1);  // a df-1 term, last id
      c.docs.push_back(d);
      c.topic.push_back(t);
    }
  std::vector<uint32_t> df(c.vocabulary, 0);
  for (const auto& d : c.docs)
    for (auto [id, n] : d) ++df[id];
  for (size_t t = 0; t < c.vocabulary; ++t)
    c.idf.push_back(static_cast<float>(
        std::log(1.0 + static_cast<double>(c.docs.size()) / std::max(1u, df[t]))));
  return c;
}

std::vector<float> embed(const LsaModel& m, const TermCounts& counts) {
  std::vector<float> v(m.dimension());
  m.embed(counts, v.data());
  return v;
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

std::string saved_bytes(const LsaModel& m) {
  BinaryWriter w;
  m.save(&w);
  return w.finish();
}

TEST(LsaModelTest, SameCorpusAndSeedGiveBitwiseIdenticalVectors) {
  Corpus c = make_corpus(8);
  LsaOptions options;
  options.dimension = 6;
  auto a = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  auto b = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(saved_bytes(*a), saved_bytes(*b));
  for (const auto& d : c.docs) {
    auto va = embed(*a, d), vb = embed(*b, d);
    ASSERT_EQ(va.size(), vb.size());
    EXPECT_EQ(std::memcmp(va.data(), vb.data(), va.size() * sizeof(float)), 0);
  }
  // Another seed is a different random projection, but finds the same subspace
  // here (the corpus has an exact rank-3 topic structure plus small parts).
  options.seed = 7;
  auto other = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(other.is_ok());
  EXPECT_EQ(other->dimension(), a->dimension());
  for (int j = 0; j < 3; ++j)
    EXPECT_NEAR(other->singular_values()[j], a->singular_values()[j], 1e-3);
}

// The fit's sparse matrix computes each entry where it is read instead of
// storing it (12 bytes an entry down to 8): the model must be the one the
// stored entries gave. The values are those the fit made when it stored its
// entries (commit aa4e583), on a corpus with large counts, terms left out
// (df 1, idf 0) and a document with no kept term (a row of zeros). Compared
// to a tolerance, not bit for bit: a hash of the saved bytes held on one
// machine and failed on another whose BLAS takes other kernels (AVX-512).
// The last two singular values are 0.1 % apart, so the directions of those
// two dimensions may turn slightly with rounding: 2e-3.
TEST(LsaModelTest, FitGivesTheModelOfStoredEntries) {
  Corpus c = make_corpus(8);
  c.docs[3].front().second = 100000;
  c.docs[5].back().second = 977;
  c.idf[4] = 0.0f;
  c.docs.push_back({{3 * kTermsPerTopic + 5, 2}});  // only a df-1 term: no entry kept
  LsaOptions options;
  options.dimension = 6;
  auto m = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  const std::vector<double> singular = {2.21537876, 2.19331694, 2.00351834,
                                        1.31885171, 1.27653086, 1.27546251};
  ASSERT_EQ(m->singular_values().size(), singular.size());
  for (size_t j = 0; j < singular.size(); ++j)
    EXPECT_NEAR(m->singular_values()[j], singular[j], 1e-5) << "singular value " << j;
  const std::vector<std::pair<int, std::vector<double>>> embedded = {
      {0, {0.0897174701, 0, 0.873854697, -0.477829039, 0.00286341226, 0}},
      {3, {0.0533126816, 0, 0.721435249, -0.69033885, 0.0110088671, 0}},
      {5, {0.0502972789, 0, 0.678261936, 0.733089805, 0.0032039918, 0}},
      {8, {0.60082978, -0.583931565, -0.0342230275, -0.00178487296, -0.386047632, 0.384474099}},
  };
  for (const auto& [d, expected] : embedded) {
    auto v = embed(*m, c.docs[d]);
    ASSERT_EQ(v.size(), expected.size());
    for (size_t j = 0; j < v.size(); ++j)
      EXPECT_NEAR(v[j], expected[j], 2e-3) << "document " << d << ", dimension " << j;
  }
  // The document with no kept term embeds to zeros.
  for (float x : embed(*m, c.docs.back())) EXPECT_EQ(x, 0.0f);
}

TEST(LsaModelTest, EmbeddingsHaveUnitNormOrAreZero) {
  Corpus c = make_corpus(8);
  LsaOptions options;
  options.dimension = 5;
  auto m = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(m.is_ok());
  for (const auto& d : c.docs) {
    auto v = embed(*m, d);
    EXPECT_NEAR(std::sqrt(dot(v, v)), 1.0, 1e-5);
  }
  // Terms outside the vocabulary, or below min_df, give the zero vector.
  for (const TermCounts& unknown :
       {TermCounts{}, TermCounts{{1000, 2}}, TermCounts{{31, 1}, {33, 4}}}) {
    auto v = embed(*m, unknown);
    for (float x : v) EXPECT_EQ(x, 0.0f);
  }
  // Singular values come largest first and are not negative.
  const auto& sigma = m->singular_values();
  ASSERT_EQ(sigma.size(), static_cast<size_t>(m->dimension()));
  for (size_t j = 1; j < sigma.size(); ++j) EXPECT_GE(sigma[j - 1], sigma[j]);
  EXPECT_GE(sigma.back(), 0.0f);
}

TEST(LsaModelTest, DimensionIsCappedByTheCorpusRank) {
  LsaOptions options;
  options.dimension = 256;
  // 3 x 3 = 9 documents over 31 terms with df >= 2: at most 9 dimensions.
  Corpus few_docs = make_corpus(3);
  auto a = LsaModel::fit(few_docs.docs, few_docs.idf, few_docs.vocabulary, options);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->dimension(), 9);
  // 3 x 20 = 60 documents: capped by the 31 terms of df >= 2 (the five df-1
  // terms do not count).
  Corpus many_docs = make_corpus(20);
  auto b = LsaModel::fit(many_docs.docs, many_docs.idf, many_docs.vocabulary, options);
  ASSERT_TRUE(b.is_ok()) << b.status().to_string();
  EXPECT_EQ(b->dimension(), 31);
  // Below the cap, the requested dimension is kept.
  options.dimension = 4;
  auto c = LsaModel::fit(many_docs.docs, many_docs.idf, many_docs.vocabulary, options);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->dimension(), 4);
}

TEST(LsaModelTest, DocumentsOfOneTopicAreCloserThanOfAnother) {
  Corpus c = make_corpus(8);
  LsaOptions options;
  options.dimension = 3;
  auto m = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(m.is_ok());
  std::vector<std::vector<float>> v;
  for (const auto& d : c.docs) v.push_back(embed(*m, d));
  for (size_t i = 0; i < v.size(); ++i) {
    double worst_same = 1, best_other = -1;
    for (size_t j = 0; j < v.size(); ++j) {
      if (i == j) continue;
      double s = dot(v[i], v[j]);
      if (c.topic[i] == c.topic[j])
        worst_same = std::min(worst_same, s);
      else
        best_other = std::max(best_other, s);
    }
    EXPECT_GT(worst_same, best_other) << "document " << i;
    EXPECT_GT(worst_same, 0.5) << "document " << i;
  }
  // A new text of two topic-1 terms folds in next to topic 1.
  auto q = embed(*m, TermCounts{{kTermsPerTopic + 2, 1}, {kTermsPerTopic + 7, 1}});
  for (size_t i = 0; i < v.size(); ++i) {
    if (c.topic[i] != 1) continue;
    for (size_t j = 0; j < v.size(); ++j) {
      if (c.topic[j] != 1) {
        EXPECT_GT(dot(q, v[i]), dot(q, v[j])) << i << " vs " << j;
      }
    }
  }
}

TEST(LsaModelTest, RejectsUnusableInput) {
  LsaOptions options;
  options.dimension = 0;
  Corpus c = make_corpus(4);
  auto zero = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_FALSE(zero.is_ok());
  EXPECT_EQ(zero.status().code(), ErrorCode::kInvalidArgument);

  options.dimension = 8;
  auto empty = LsaModel::fit({}, {}, 0, options);
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);

  // Every term in one document only: nothing reaches min_df.
  auto singletons = LsaModel::fit({{{0, 1}}, {{1, 1}}}, {1.0f, 1.0f}, 2, options);
  ASSERT_FALSE(singletons.is_ok());
  EXPECT_EQ(singletons.status().code(), ErrorCode::kInvalidArgument);
}

TEST(LsaModelTest, SaveThenLoadGivesTheSameEmbedding) {
  Corpus c = make_corpus(6);
  LsaOptions options;
  options.dimension = 5;
  auto m = LsaModel::fit(c.docs, c.idf, c.vocabulary, options);
  ASSERT_TRUE(m.is_ok());
  std::string bytes = saved_bytes(*m);
  BinaryReader r(bytes);
  ASSERT_TRUE(r.ok());
  auto loaded = LsaModel::load(&r);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(loaded->dimension(), m->dimension());
  for (const auto& d : c.docs) {
    auto a = embed(*m, d), b = embed(*loaded, d);
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  }
  // A flipped byte is caught by the checksum.
  bytes[bytes.size() / 2] ^= 0x20;
  BinaryReader bad(bytes);
  EXPECT_FALSE(bad.ok());
}

// Through the TermModel, on real text: LsaEmbedder relates texts that share
// vocabulary and keeps apart those that do not.
TEST(LsaEmbedderTest, RelatedChineseTextsAreCloser) {
  const std::vector<std::string> texts = {
      "深沟球轴承套圈磨削烧伤检测", "轴承磨削烧伤与振动噪声",   "轴承振动噪声分析",
      "滚动轴承磨削工艺优化",       "湿强剂提高装饰原纸湿强度", "装饰原纸湿强剂用量",
      "特种纸湿强度与施胶剂",       "造纸湿强剂与施胶剂应用",
  };
  auto terms = TermModel::fit(texts, {"磨削烧伤"});
  ASSERT_TRUE(terms.is_ok()) << terms.status().to_string();
  std::vector<TermCounts> docs;
  for (const auto& t : texts) {
    auto c = (*terms)->counts(t);
    ASSERT_TRUE(c.is_ok());
    docs.push_back(*c);
  }
  std::vector<float> idf;
  for (size_t t = 0; t < (*terms)->vocabulary().size(); ++t)
    idf.push_back((*terms)->idf(static_cast<uint32_t>(t)));
  LsaOptions options;
  options.dimension = 2;
  auto lsa = LsaModel::fit(docs, idf, idf.size(), options);
  ASSERT_TRUE(lsa.is_ok()) << lsa.status().to_string();
  LsaEmbedder embedder(*terms, std::move(*lsa), "test");
  EXPECT_EQ(embedder.dimension(), 2);
  auto v = embedder.embed({"轴承磨削烧伤", "轴承振动", "湿强剂", "装饰原纸湿强度", "区块链"});
  ASSERT_TRUE(v.is_ok());
  ASSERT_EQ(v->size(), 5u * 2);
  auto row = [&](int i) { return std::vector<float>(v->begin() + 2 * i, v->begin() + 2 * i + 2); };
  EXPECT_GT(dot(row(0), row(1)), dot(row(0), row(2)));
  EXPECT_GT(dot(row(0), row(1)), dot(row(0), row(3)));
  EXPECT_GT(dot(row(2), row(3)), dot(row(2), row(1)));
  // No known term: the zero vector.
  EXPECT_EQ(row(4), std::vector<float>(2, 0.0f));
  // Bad UTF-8 is an error, not a crash.
  auto bad = embedder.embed({"轴承\xff"});
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace expertmatch
