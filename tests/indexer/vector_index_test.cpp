// VectorIndex: the batched search gives each query exactly what a single
// search gives it, with one thread or a team, and a single search leaves the
// calling thread's OpenMP setting as it found it.
#include "indexer/vector_index.h"

#include <gtest/gtest.h>
#include <omp.h>
#include <stdlib.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace expertmatch {
namespace {

// n unit vectors of dimension d from a fixed seed.
std::vector<float> random_unit_vectors(size_t n, int d, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> v(n * d);
  for (size_t i = 0; i < n; ++i) {
    float norm = 0;
    for (int j = 0; j < d; ++j) norm += (v[i * d + j] = g(rng)) * v[i * d + j];
    for (int j = 0; j < d; ++j) v[i * d + j] /= std::sqrt(norm);
  }
  return v;
}

TEST(VectorIndex, BatchedSearchEqualsOneSearchPerQuery) {
  const int d = 16;
  auto index = VectorIndex::create(d);
  ASSERT_TRUE(index.is_ok());
  const size_t n = 500;
  auto data = random_unit_vectors(n, d, 7);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>(1000 + 3 * i);
  ASSERT_TRUE((*index)->add(ids, data.data()).is_ok());
  const size_t queries = 40;  // above Faiss's threshold for its BLAS path
  auto q = random_unit_vectors(queries, d, 8);
  for (int threads : {1, 2, 0}) {
    auto rows = (*index)->search_batch(queries, q.data(), 10, threads);
    ASSERT_TRUE(rows.is_ok());
    ASSERT_EQ(rows->size(), queries);
    for (size_t i = 0; i < queries; ++i) {
      auto one = (*index)->search(q.data() + i * d, 10);
      ASSERT_TRUE(one.is_ok());
      ASSERT_EQ(one->size(), 10u);
      ASSERT_EQ((*rows)[i].size(), 10u) << "threads " << threads;
      for (size_t j = 0; j < 10; ++j) {
        EXPECT_EQ((*rows)[i][j].id, (*one)[j].id) << "query " << i << " rank " << j;
        EXPECT_NEAR((*rows)[i][j].score, (*one)[j].score, 1e-5f);
      }
    }
  }
}

TEST(VectorIndex, SearchRestoresTheThreadsOpenMpSetting) {
  auto index = VectorIndex::create(4);
  ASSERT_TRUE(index.is_ok());
  std::vector<float> v = {1, 0, 0, 0, 0, 1, 0, 0};
  ASSERT_TRUE((*index)->add({1, 2}, v.data()).is_ok());
  omp_set_num_threads(3);
  auto hits = (*index)->search(v.data(), 2);
  ASSERT_TRUE(hits.is_ok());
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].id, 1);
  EXPECT_EQ(omp_get_max_threads(), 3);
}

}  // namespace
}  // namespace expertmatch

namespace expertmatch {
namespace {

// Every structure: vector() gives back exactly what was added (in place for
// flat storage, a copy otherwise), replaced and removed vectors are gone,
// a search for a stored vector finds its own id first, and save then load
// keeps all of it. Ids are added out of order and removed from the middle,
// so that Faiss's internal numbering shifts.
TEST(VectorIndex, StoredVectorsSurviveReplaceRemoveAndReloadInEveryStructure) {
  const int d = 16;
  const size_t n = 1200;
  auto data = random_unit_vectors(n, d, 11);
  auto other = random_unit_vectors(n, d, 12);
  std::vector<int64_t> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = static_cast<int64_t>((i * 7919) % n) * 10;
  for (const char* factory : {"Flat", "HNSW16,Flat", "IVF16,Flat"}) {
    SCOPED_TRACE(factory);
    auto index = VectorIndex::create(d, factory, 16);
    ASSERT_TRUE(index.is_ok()) << index.status().to_string();
    VectorIndex& v = **index;
    // Every add and remove gives a generation not seen before (vector()
    // pointers kept by a caller are good while it stays); searches keep it.
    std::set<uint64_t> generations = {v.generation()};
    auto expect_new_generation = [&] { EXPECT_TRUE(generations.insert(v.generation()).second); };
    ASSERT_TRUE(v.add(ids, data.data()).is_ok());
    expect_new_generation();
    // Replace the first 100 ids' vectors, remove ids 500..599 of the list.
    std::vector<int64_t> replaced(ids.begin(), ids.begin() + 100);
    ASSERT_TRUE(v.add(replaced, other.data()).is_ok());
    expect_new_generation();
    std::vector<int64_t> removed(ids.begin() + 500, ids.begin() + 600);
    ASSERT_TRUE(v.remove(removed).is_ok());
    expect_new_generation();
    const uint64_t settled = v.generation();
    ASSERT_TRUE(v.search(data.data(), 5).is_ok());
    EXPECT_EQ(v.generation(), settled);
    auto expect_contents = [&](const VectorIndex& x) {
      EXPECT_EQ(x.size(), n - 100);
      for (size_t i = 0; i < n; ++i) {
        const float* got = x.vector(ids[i]);
        if (i >= 500 && i < 600) {
          EXPECT_EQ(got, nullptr) << ids[i];
          continue;
        }
        ASSERT_NE(got, nullptr) << ids[i];
        const float* want = i < 100 ? &other[i * d] : &data[i * d];
        ASSERT_EQ(std::vector<float>(got, got + d), std::vector<float>(want, want + d)) << ids[i];
      }
      for (size_t i : {0ul, 99ul, 100ul, 499ul, 600ul, 1199ul}) {
        const float* q = i < 100 ? &other[i * d] : &data[i * d];
        auto hits = x.search(q, 1);
        ASSERT_TRUE(hits.is_ok());
        ASSERT_EQ(hits->size(), 1u);
        EXPECT_EQ(hits->front().id, ids[i]);
      }
    };
    expect_contents(v);
    char dir[] = "/tmp/vector_index_test_XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    ASSERT_TRUE(v.save(std::string(dir) + "/v").is_ok());
    auto loaded = VectorIndex::load(std::string(dir) + "/v");
    ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
    EXPECT_TRUE(generations.insert((*loaded)->generation()).second);  // another object
    expect_contents(**loaded);
    std::filesystem::remove_all(dir);
  }
}

}  // namespace
}  // namespace expertmatch
