// The index build's peak memory (issue 10 item 5: a bulk import's peak is the
// build's). The LSA fit holds at once at most what lsa_model.h states, the
// sparse sample, one n x l and two V x l matrices of doubles, beside the
// per-term arrays, and the model it returns; flat vector storage filled a
// block at a time after reserve() holds its vectors once, never the old and
// the new buffer of a doubling. Its own binary: it counts every allocation
// made through operator new (LAPACK's and OpenBLAS's workspaces use malloc
// and are not counted; they are sized by l, not by n or V).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <random>
#include <vector>

#include "indexer/lsa_model.h"
#include "indexer/vector_index.h"

namespace {

std::atomic<size_t> live_bytes{0};
std::atomic<size_t> peak_bytes{0};

// Each block carries its size in front of it, so that the unsized delete
// knows what it frees.
constexpr size_t kHeader = alignof(std::max_align_t);

void* counted_new(size_t n) {
  void* p = std::malloc(n + kHeader);
  if (!p) throw std::bad_alloc();
  *static_cast<size_t*>(p) = n;
  size_t now = live_bytes.fetch_add(n) + n;
  size_t peak = peak_bytes.load();
  while (now > peak && !peak_bytes.compare_exchange_weak(peak, now)) {
  }
  return static_cast<char*>(p) + kHeader;
}

void counted_delete(void* q) {
  if (!q) return;
  void* p = static_cast<char*>(q) - kHeader;
  live_bytes.fetch_sub(*static_cast<size_t*>(p));
  std::free(p);
}

}  // namespace

void* operator new(size_t n) { return counted_new(n); }
void* operator new[](size_t n) { return counted_new(n); }
void operator delete(void* p) noexcept { counted_delete(p); }
void operator delete[](void* p) noexcept { counted_delete(p); }
void operator delete(void* p, size_t) noexcept { counted_delete(p); }
void operator delete[](void* p, size_t) noexcept { counted_delete(p); }

namespace expertmatch {
namespace {

// n documents of `per_doc` distinct terms drawn from V, counts 1-3.
std::vector<TermCounts> random_docs(size_t n, uint32_t vocab, int per_doc, size_t* nnz) {
  std::mt19937_64 rng(5);
  std::vector<TermCounts> docs(n);
  *nnz = 0;
  for (auto& d : docs) {
    std::vector<uint32_t> ids;
    while (ids.size() < static_cast<size_t>(per_doc)) {
      uint32_t t = static_cast<uint32_t>(rng() % vocab);
      if (std::find(ids.begin(), ids.end(), t) == ids.end()) ids.push_back(t);
    }
    std::sort(ids.begin(), ids.end());
    for (uint32_t t : ids) d.emplace_back(t, 1 + static_cast<uint32_t>(rng() % 3));
    *nnz += ids.size();
  }
  return docs;
}

TEST(LsaFitMemoryTest, HoldsAtMostTheSampleOneBasisAndTwoTermSideMatrices) {
  // Many terms for few documents, as a vocabulary beside a sample: the
  // term-side matrices (B^T, the right singular vectors in doubles, the
  // float projection) dominate, and holding the basis or B^T while the
  // projection is made shows as a peak above the bound.
  const size_t n = 300;
  const uint32_t vocab = 3000;
  size_t nnz = 0;
  std::vector<TermCounts> docs = random_docs(n, vocab, 40, &nnz);
  std::vector<float> idf(vocab, 1.5f);
  LsaOptions options;
  options.dimension = 96;
  options.oversample = 4;
  options.power_iterations = 2;
  const size_t l = 100, d = 96;

  const size_t sparse = (n + 1) * 8 + nnz * 8 + n * 8;
  const size_t basis = n * l * 8, term_side = vocab * l * 8;
  const size_t per_term = vocab * 4 * 2;  // document frequencies; the model's idf
  const size_t small = 3 * l * l * 8 + l * d * 8 + 64 * 1024;  // l x l work, the top vectors
  const size_t bound = sparse + basis + 2 * term_side + per_term + small;

  const size_t before = live_bytes.load();
  peak_bytes.store(before);
  auto m = LsaModel::fit(std::move(docs), idf, vocab, options);
  const size_t peak = peak_bytes.load() - before;
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  ASSERT_EQ(m->dimension(), static_cast<int>(d));
  // The count sees the fit's matrices (a basis and a term-side matrix at
  // least), and the fit stays within what lsa_model.h states.
  EXPECT_GE(peak, basis + term_side);
  EXPECT_LE(peak, bound) << "peak " << peak << " bytes, bound " << bound;
  // Whatever the fit held is freed but the model it returns.
  EXPECT_LE(live_bytes.load() - before, vocab * d * 4 + vocab * 4 + d * 4 + 4096);
}

// Vectors added a block at a time, as the build adds problems: the
// storage's peak with the room reserved first, and without.
size_t peak_of_block_adds(bool reserve, std::vector<float>* stored) {
  const int d = 64;
  const size_t n = 8192, block = 256;
  std::vector<float> vecs(n * d);
  for (size_t i = 0; i < vecs.size(); ++i) vecs[i] = static_cast<float>(i % 97) / 97.0f;
  auto index = VectorIndex::create(d);
  EXPECT_TRUE(index.is_ok());
  const size_t before = live_bytes.load();
  peak_bytes.store(before);
  if (reserve) (*index)->reserve(n);
  for (size_t at = 0; at < n; at += block) {
    std::vector<int64_t> ids;
    for (size_t i = at; i < at + block; ++i) ids.push_back(static_cast<int64_t>(i));
    EXPECT_TRUE((*index)->add(ids, vecs.data() + at * d).is_ok());
  }
  const size_t peak = peak_bytes.load() - before;
  for (size_t i = 0; i < n; i += 1001) {
    const float* v = (*index)->vector(static_cast<int64_t>(i));
    EXPECT_NE(v, nullptr);
    if (v) stored->insert(stored->end(), v, v + d);
  }
  return peak;
}

TEST(VectorStorageMemoryTest, ReservedFlatStorageHoldsItsVectorsOnceWhileFilledInBlocks) {
  const size_t vector_bytes = 8192 * 64 * 4;  // 2 MiB
  std::vector<float> grown, reserved;
  const size_t peak_grown = peak_of_block_adds(false, &grown);
  const size_t peak_reserved = peak_of_block_adds(true, &reserved);
  EXPECT_EQ(reserved, grown);  // the same vectors either way
  // Growing by doubling holds the old buffer beside the new: 1.5 times the
  // vectors at the last doubling. Reserved, the vectors plus the id tables.
  EXPECT_GE(peak_grown, vector_bytes * 3 / 2);
  EXPECT_LE(peak_reserved, vector_bytes + vector_bytes / 4);
}

}  // namespace
}  // namespace expertmatch
