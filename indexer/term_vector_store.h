// TermVectorStore: the field-weighted term vectors of documents, by id, kept
// compactly and only for reading back whole (no postings: nothing searches
// them). The index keeps one per stored problem, so that ranking a stored
// problem needs no new text analysis (matcher/); an inverted index of the
// problems would cost three times the memory for searches nobody makes.
//
// Each vector is held as bytes: term ids as LEB128 varints of their
// differences (vectors are sorted by term id), weights as varints when they
// are whole numbers below 2^20 (a count times whole field weights, the usual
// case) and as the float's 4 bytes otherwise. terms_of() gives back exactly
// the vector added, bit for bit (-0.0 and NaN included). About 3 bytes a term
// instead of the 24 of a term vector plus postings.
//
// save()/load() write and read the same bytes as LexicalIndex::save/load
// (BM25 parameters, then each id with its vector in id order), so an index
// file does not change with the choice.
//
// Thread safety: const methods may run concurrently; add/remove need
// exclusive access.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>

#include "indexer/binary_io.h"
#include "indexer/lexical_index.h"

namespace expertmatch {

class TermVectorStore {
 public:
  explicit TermVectorStore(Bm25Params params = {}) : params_(params) {}

  // `terms` sorted by term id (as WeightedTerms always are); a known id is replaced.
  void add(int64_t id, const WeightedTerms& terms);
  void remove(int64_t id);
  size_t size() const { return docs_.size(); }
  // The vector added under `id`, or nullopt.
  std::optional<WeightedTerms> terms_of(int64_t id) const;
  // Bytes held for the vectors themselves (not the table around them).
  size_t encoded_bytes() const;

  void save(BinaryWriter* w) const;
  // Reads what save() (or LexicalIndex::save) wrote.
  static TermVectorStore load(BinaryReader* r);

 private:
  Bm25Params params_;  // kept only to be saved where LexicalIndex saves them
  std::unordered_map<int64_t, std::string> docs_;
};

}  // namespace expertmatch
