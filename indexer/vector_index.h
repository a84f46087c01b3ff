// VectorIndex: a Faiss index of d-dimensional unit vectors under int64 ids,
// searched by inner product (= cosine similarity for unit vectors).
//
// The default structure is IndexIDMap2 around IndexFlatIP (exact); any Faiss
// index_factory string can be given instead (e.g. "HNSW32,Flat"). Vectors are
// also kept by id, so that one pair can be scored exactly and so that index
// types that cannot delete are rebuilt on removal. Faiss exceptions are turned
// into Status here. Thread safety: search() may run concurrently with other
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
}

namespace expertmatch {

struct SearchHit {
  int64_t id;
  float score;  // inner product
};

class VectorIndex {
 public:
  // factory: "Flat" (exact) or a faiss::index_factory description.
  static Result<std::unique_ptr<VectorIndex>> create(int dimension,
                                                     const std::string& factory = "Flat");
  ~VectorIndex();

  int dimension() const { return dimension_; }
  size_t size() const { return vectors_.size(); }
  const std::string& factory() const { return factory_; }

  // n ids and n * d floats; a known id is replaced.
  Status add(const std::vector<int64_t>& ids, const float* vectors);
  Status remove(const std::vector<int64_t>& ids);
  // Up to k hits, best first.
  Result<std::vector<SearchHit>> search(const float* query, int k) const;
  // The stored vector of `id`, or nullptr.
  const float* vector(int64_t id) const;

  // Writes PATH.faiss and PATH.vectors, the id -> vector table (atomically, via
  // rename); the table holds a checksum of both.
  Status save(const std::string& path) const;
  // kCorruption if either file is missing, damaged or does not match the other.
  static Result<std::unique_ptr<VectorIndex>> load(const std::string& path);

 private:
  VectorIndex() = default;
  Status rebuild();

  int dimension_ = 0;
  std::string factory_;
  std::unique_ptr<faiss::Index> index_;
  bool trained_ = false;
  std::unordered_map<int64_t, std::vector<float>> vectors_;
};

}  // namespace expertmatch
