// VectorIndex: a Faiss index of d-dimensional unit vectors under int64 ids,
// searched by inner product (= cosine similarity for unit vectors).
//
// The default structure is IndexIDMap2 around IndexFlatIP (exact); any Faiss
// index_factory string can be given instead (e.g. "HNSW32,Flat"). Each
// vector can be read by id (vector()), so that one pair can be scored exactly
// and so that index types that cannot delete are rebuilt on removal: a
// structure that stores the vectors as they are (flat storage, also under
// HNSW) is read in place, so every vector is held once; any other (inverted
// lists, compressed codes) keeps its own copy beside Faiss. Faiss exceptions
// are turned into Status here. Thread safety: search() may run concurrently with other
// search() calls; add/remove need exclusive access.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "corpus/status.h"

namespace faiss {
struct Index;
struct IndexFlat;
}  // namespace faiss

namespace expertmatch {

struct SearchHit {
  int64_t id;
  float score;  // inner product
};

class VectorIndex {
 public:
  // factory: "Flat" (exact) or a faiss::index_factory description, e.g.
  // "IVF512,Flat" (inverted lists: only the `probes` lists nearest the query
  // are searched; 0 keeps Faiss's default of 1). A structure that must be
  // trained is trained on its first add (from a sample of at most
  // kTrainingPointsPerList points per list, in id order) and keeps that
  // training for later adds.
  static Result<std::unique_ptr<VectorIndex>> create(int dimension,
                                                     const std::string& factory = "Flat",
                                                     int probes = 0);
  static constexpr size_t kTrainingPointsPerList = 40;
  ~VectorIndex();

  int dimension() const { return dimension_; }
  size_t size() const;
  const std::string& factory() const { return factory_; }

  // n ids and n * d floats; a known id is replaced.
  Status add(const std::vector<int64_t>& ids, const float* vectors);
  // Room for `n` vectors in all, for a caller that adds them a block at a
  // time: flat storage otherwise grows by doubling, and each doubling holds
  // the old and the new buffer at once (64 MB beside 128 MB at 100,000
  // vectors of d = 256). Reserved pages take no memory until written. Only a
  // hint: other structures ignore it.
  void reserve(size_t n);
  Status remove(const std::vector<int64_t>& ids);
  // Up to k hits, best first. Runs on the calling thread only (one OpenMP
  // thread for the call): a single query is far too small to repay waking
  // a thread team, which on a busy machine waits for cores others use
  // (docs/performance.md: 3-28 times slower with the default team).
  Result<std::vector<SearchHit>> search(const float* query, int k) const;
  // n queries (n * d floats) at once: row i of the result holds query i's
  // hits, best first. One Faiss call for all of them (flat indexes then use
  // a BLAS matrix product); `threads` OpenMP threads (0 = OpenMP's default),
  // worth it only for batches of many queries.
  Result<std::vector<std::vector<SearchHit>>> search_batch(size_t n, const float* queries, int k,
                                                           int threads = 1) const;
  // The stored vector of `id` (d floats), or nullptr. Valid until the next
  // add or remove.
  const float* vector(int64_t id) const;
  // Changes with every add and remove (and differs between any two
  // VectorIndex objects' states): a caller that kept vector() pointers or
  // anything derived from the stored ids may keep using them while this is
  // unchanged.
  uint64_t generation() const { return generation_; }

  // Writes PATH.faiss and PATH.vectors, the id -> vector table (atomically, via
  // rename); the table holds a checksum of both.
  Status save(const std::string& path) const;
  // kCorruption if either file is missing, damaged or does not match the other.
  static Result<std::unique_ptr<VectorIndex>> load(const std::string& path);

 private:
  VectorIndex() = default;
  // A fresh structure with every stored vector but `drop`, plus `ids` (and
  // their `vecs`), trained first if it needs to be.
  Status rebuild(const std::vector<int64_t>& drop, const std::vector<int64_t>& ids = {},
                 const float* vecs = nullptr);
  std::vector<int64_t> sorted_ids() const;

  // A fresh value from a process-wide counter on every change.
  void changed();
  uint64_t generation_ = 0;
  int dimension_ = 0;
  std::string factory_;
  int probes_ = 0;
  std::unique_ptr<faiss::Index> index_;
  bool trained_ = false;
  // index_'s flat storage when vector() reads it in place (else null).
  const faiss::IndexFlat* flat_ = nullptr;
  // Only for structures whose storage cannot be read in place.
  std::unordered_map<int64_t, std::vector<float>> copies_;
};

}  // namespace expertmatch
