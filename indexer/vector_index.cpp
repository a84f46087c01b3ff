#include "indexer/vector_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVF.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_factory.h>
#include <faiss/index_io.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstring>
#include <unordered_set>

#include "corpus/exchange_format.h"
#include "indexer/binary_io.h"

namespace expertmatch {
namespace {

// Sets the calling thread's OpenMP team size for one call and restores it:
// the setting is per thread, so concurrent searches on other threads (the
// server's workers) are not affected.
class OmpThreads {
 public:
  explicit OmpThreads(int n) : saved_(omp_get_max_threads()) {
    if (n > 0) omp_set_num_threads(n);
  }
  ~OmpThreads() { omp_set_num_threads(saved_); }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
};

// "CEV2": the vector table, version 2 (with the hash of the Faiss file).
constexpr uint32_t kVectorTableMagic = 0x32564543;

// Faiss's writer interface over a BinaryWriter: the Faiss file is streamed to
// disk and hashed as it is written (its checksum goes into the vector table).
struct StreamingFaissWriter : faiss::IOWriter {
  explicit StreamingFaissWriter(BinaryWriter* out) : out_(out) { name = "expertmatch stream"; }
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    out_->raw(ptr, size * nitems);
    return nitems;
  }
  BinaryWriter* out_;
};

// Faiss's reader interface over bytes already in memory (no second copy of
// the file, as faiss::VectorIOReader would make).
// Reads a Faiss file from an open stream, from where the stream stands. The
// file's checksum is verified (file_hash) before Faiss reads a byte of it, so
// that damaged bytes never reach Faiss's reader; reading from the stream, not
// from a copy of the file in memory, keeps the index's bytes once in memory
// while it loads (100 MB at 100,000 problems).
struct FileFaissReader : faiss::IOReader {
  explicit FileFaissReader(std::FILE* f) : f_(f) { name = "expertmatch file"; }
  size_t operator()(void* ptr, size_t size, size_t nitems) override {
    // Faiss asks for 0 items into a null buffer (an empty direct map).
    if (size == 0 || nitems == 0) return 0;
    return std::fread(ptr, size, nitems, f_);
  }
  std::FILE* f_;
};

// fnv1a64 of the rest of an open stream, read in pieces; false on a read error.
bool file_hash(std::FILE* f, uint64_t* hash) {
  uint64_t h = BinaryWriter::kFnvOffset;
  char piece[1 << 16];
  size_t n;
  while ((n = std::fread(piece, 1, sizeof(piece), f)) > 0) h = fnv1a64({piece, n}, h);
  if (std::ferror(f)) return false;
  *hash = h;
  return true;
}

// The flat storage that holds the vectors as they were added, in the order
// of the IDMap2's internal numbering (a flat index, or HNSW's storage), or
// null for any other structure.
const faiss::IndexFlat* flat_storage_of(const faiss::Index* index) {
  auto* map = dynamic_cast<const faiss::IndexIDMap2*>(index);
  if (!map) return nullptr;
  if (auto* flat = dynamic_cast<const faiss::IndexFlat*>(map->index)) return flat;
  if (auto* hnsw = dynamic_cast<const faiss::IndexHNSW*>(map->index))
    return dynamic_cast<const faiss::IndexFlat*>(hnsw->storage);
  return nullptr;
}

// The inverted-lists index inside an IDMap2, or null.
faiss::IndexIVF* ivf_of(faiss::Index* index) {
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(index);
  return dynamic_cast<faiss::IndexIVF*>(map ? map->index : index);
}

Result<std::unique_ptr<faiss::Index>> make_index(int d, const std::string& factory) {
  try {
    if (factory == "Flat" || factory.empty()) {
      auto* idmap = new faiss::IndexIDMap2(new faiss::IndexFlatIP(d));
      idmap->own_fields = true;
      return std::unique_ptr<faiss::Index>(idmap);
    }
    std::unique_ptr<faiss::Index> index(
        faiss::index_factory(d, factory.c_str(), faiss::METRIC_INNER_PRODUCT));
    // Inverted lists keep the ids they are given. Under an IDMap2 they would
    // number vectors themselves, and a removal leaves that numbering and
    // the map's out of step (the next add reuses numbers still in the lists,
    // and a later removal aborts the process in a Faiss assertion).
    if (dynamic_cast<faiss::IndexIVF*>(index.get())) return index;
    auto* idmap = new faiss::IndexIDMap2(index.release());
    idmap->own_fields = true;
    return std::unique_ptr<faiss::Index>(idmap);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInvalidArgument,
                  "faiss index \"" + factory + "\": " + std::string(e.what()));
  }
}

}  // namespace

Result<std::unique_ptr<VectorIndex>> VectorIndex::create(int dimension, const std::string& factory,
                                                         int probes) {
  if (dimension <= 0) return Status(ErrorCode::kInvalidArgument, "dimension must be positive");
  auto index = make_index(dimension, factory);
  if (!index) return index.status();
  if (faiss::IndexIVF* ivf = ivf_of(index->get()); ivf && probes > 0)
    ivf->nprobe = static_cast<size_t>(probes);
  std::unique_ptr<VectorIndex> v(new VectorIndex());
  v->dimension_ = dimension;
  v->factory_ = factory.empty() ? "Flat" : factory;
  v->probes_ = probes;
  v->index_ = std::move(*index);
  v->flat_ = flat_storage_of(v->index_.get());
  v->changed();
  return v;
}

VectorIndex::~VectorIndex() = default;

void VectorIndex::changed() {
  // Process-wide, so that a new VectorIndex (a refit's) never repeats the
  // generation of the one it replaces.
  static std::atomic<uint64_t> counter{0};
  generation_ = ++counter;
}

size_t VectorIndex::size() const { return static_cast<size_t>(index_->ntotal); }

std::vector<int64_t> VectorIndex::sorted_ids() const {
  std::vector<int64_t> ids;
  if (flat_) {
    const auto& rev = static_cast<const faiss::IndexIDMap2*>(index_.get())->rev_map;
    ids.reserve(rev.size());
    for (const auto& [id, at] : rev) ids.push_back(id);
  } else {
    ids.reserve(copies_.size());
    for (const auto& [id, v] : copies_) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status VectorIndex::rebuild(const std::vector<int64_t>& drop, const std::vector<int64_t>& ids,
                            const float* vecs) {
  auto fresh = make_index(dimension_, factory_);
  if (!fresh) return fresh.status();
  faiss::IndexIVF* ivf = ivf_of(fresh->get());
  if (ivf && probes_ > 0) ivf->nprobe = static_cast<size_t>(probes_);
  // Every vector in id order: the kept ones (read before the old structure
  // goes) and the new ones (never stored: add() removed known ids first).
  const std::unordered_set<int64_t> dropped(drop.begin(), drop.end());
  std::vector<std::pair<int64_t, const float*>> rows;
  for (int64_t id : sorted_ids())
    if (!dropped.count(id)) rows.emplace_back(id, vector(id));
  for (size_t i = 0; i < ids.size(); ++i) rows.emplace_back(ids[i], vecs + i * dimension_);
  std::sort(rows.begin(), rows.end());
  std::vector<int64_t> all_ids(rows.size());
  std::vector<float> flat(rows.size() * dimension_);
  for (size_t i = 0; i < rows.size(); ++i) {
    all_ids[i] = rows[i].first;
    std::copy(rows[i].second, rows[i].second + dimension_, &flat[i * dimension_]);
  }
  std::vector<std::pair<int64_t, const float*>>().swap(rows);
  try {
    if (!(*fresh)->is_trained && !all_ids.empty()) {
      // k-means on every vector would cost far more than the search saves:
      // an evenly spaced sample (deterministic: ids are sorted) is enough.
      size_t want = ivf ? ivf->nlist * kTrainingPointsPerList : all_ids.size();
      size_t step = std::max<size_t>(1, all_ids.size() / std::max<size_t>(1, want));
      std::vector<float> sample;
      for (size_t i = 0; i < all_ids.size(); i += step)
        sample.insert(sample.end(), &flat[i * dimension_], &flat[(i + 1) * dimension_]);
      (*fresh)->train(static_cast<faiss::Index::idx_t>(sample.size() / dimension_), sample.data());
    }
    if (!all_ids.empty()) (*fresh)->add_with_ids(all_ids.size(), flat.data(), all_ids.data());
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("faiss rebuild: ") + e.what());
  }
  index_ = std::move(*fresh);
  flat_ = flat_storage_of(index_.get());
  changed();
  if (flat_) {
    copies_.clear();
  } else {
    for (int64_t id : drop) copies_.erase(id);
    for (size_t i = 0; i < ids.size(); ++i)
      copies_[ids[i]].assign(vecs + i * dimension_, vecs + (i + 1) * dimension_);
  }
  return Status::ok();
}

Status VectorIndex::add(const std::vector<int64_t>& ids, const float* vecs) {
  std::vector<int64_t> known;
  for (int64_t id : ids)
    if (vector(id)) known.push_back(id);
  if (!known.empty()) {
    Status s = remove(known);
    if (!s) return s;
  }
  if (!index_->is_trained) return rebuild({}, ids, vecs);
  try {
    index_->add_with_ids(ids.size(), vecs, ids.data());
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("faiss add: ") + e.what());
  }
  changed();
  if (!flat_)
    for (size_t i = 0; i < ids.size(); ++i)
      copies_[ids[i]].assign(vecs + i * dimension_, vecs + (i + 1) * dimension_);
  return Status::ok();
}

void VectorIndex::reserve(size_t n) {
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(index_.get());
  if (!map) return;
  auto* flat = dynamic_cast<faiss::IndexFlat*>(map->index);
  if (!flat) return;
  flat->codes.reserve(n * flat->code_size);
  map->id_map.reserve(n);
}

Status VectorIndex::remove(const std::vector<int64_t>& ids) {
  try {
    faiss::IDSelectorBatch sel(ids.size(), ids.data());
    index_->remove_ids(sel);
  } catch (const std::exception&) {
    // Some structures (HNSW) cannot delete: rebuild without them.
    return rebuild(ids);
  }
  changed();
  for (int64_t id : ids) copies_.erase(id);
  return Status::ok();
}

Result<std::vector<SearchHit>> VectorIndex::search(const float* query, int k) const {
  auto rows = search_batch(1, query, k, 1);
  if (!rows) return rows.status();
  return rows->empty() ? std::vector<SearchHit>{} : std::move(rows->front());
}

Result<std::vector<std::vector<SearchHit>>> VectorIndex::search_batch(size_t n,
                                                                      const float* queries, int k,
                                                                      int threads) const {
  std::vector<std::vector<SearchHit>> rows(n);
  if (k <= 0 || n == 0 || index_->ntotal == 0) return rows;
  k = static_cast<int>(std::min<int64_t>(k, index_->ntotal));
  std::vector<float> d(n * k);
  std::vector<faiss::Index::idx_t> l(n * k);
  try {
    OmpThreads team(threads);
    index_->search(static_cast<faiss::Index::idx_t>(n), queries, k, d.data(), l.data());
  } catch (const std::exception& e) {
    return Status(ErrorCode::kInternal, std::string("faiss search: ") + e.what());
  }
  for (size_t q = 0; q < n; ++q)
    for (int i = 0; i < k; ++i)
      if (l[q * k + i] >= 0) rows[q].push_back({l[q * k + i], d[q * k + i]});
  return rows;
}

const float* VectorIndex::vector(int64_t id) const {
  if (flat_) {
    const auto& rev = static_cast<const faiss::IndexIDMap2*>(index_.get())->rev_map;
    auto it = rev.find(id);
    return it == rev.end() ? nullptr : flat_->get_xb() + it->second * dimension_;
  }
  auto it = copies_.find(id);
  return it == copies_.end() ? nullptr : it->second.data();
}

Status VectorIndex::save(const std::string& path) const {
  // The Faiss file carries no checksum of its own: its hash goes into the
  // (checksummed) vector table, so that load() notices a damaged byte in it.
  auto faiss_file = AtomicFile::open(path + ".faiss");
  if (!faiss_file) return faiss_file.status();
  BinaryWriter faiss_out(faiss_file->get(), /*with_checksum=*/false);
  try {
    StreamingFaissWriter writer(&faiss_out);
    faiss::write_index(index_.get(), &writer);
  } catch (const std::exception& e) {
    return Status(ErrorCode::kIOError, std::string("faiss write: ") + e.what());
  }
  Status s = faiss_out.commit();
  if (!s) return s;
  auto table_file = AtomicFile::open(path + ".vectors");
  if (!table_file) return table_file.status();
  BinaryWriter w(table_file->get());
  w.u32(kVectorTableMagic);
  w.u32(static_cast<uint32_t>(dimension_));
  w.str(factory_);
  w.u64(faiss_out.file_hash());
  std::vector<int64_t> ids = sorted_ids();
  w.vec(ids);
  for (int64_t id : ids) w.raw(vector(id), dimension_ * sizeof(float));
  return w.commit();
}

Result<std::unique_ptr<VectorIndex>> VectorIndex::load(const std::string& path) {
  // A missing part is damage to the index as a whole, like a bad checksum.
  // Both files are read as they are parsed, not copied whole into memory
  // first: at 100,000 problems each is 100 MB.
  auto table = BinaryReader::open_file(path + ".vectors");
  if (!table) return Status(ErrorCode::kCorruption, table.status().message());
  BinaryReader& r = *table;
  if (!r.ok() || r.u32() != kVectorTableMagic)
    return Status(ErrorCode::kCorruption, path + ".vectors: bad checksum or magic");
  std::unique_ptr<VectorIndex> v(new VectorIndex());
  v->dimension_ = static_cast<int>(r.u32());
  v->factory_ = r.str();
  const uint64_t table_faiss_hash = r.u64();
  auto ids = r.vec<int64_t>();
  if (!r.ok() || v->dimension_ <= 0)
    return Status(ErrorCode::kCorruption, path + ".vectors: truncated");
  auto opened = open_regular_file(path + ".faiss");
  if (!opened) return Status(ErrorCode::kCorruption, opened.status().message());
  FilePtr faiss_file = std::move(*opened);
  uint64_t faiss_hash = 0;
  if (!file_hash(faiss_file.get(), &faiss_hash))
    return Status(ErrorCode::kCorruption, path + ".faiss: read failed");
  if (faiss_hash != table_faiss_hash)
    return Status(ErrorCode::kCorruption, path + ".faiss does not match its checksum");
  try {
    // The same open file, from its start: a file renamed over it meanwhile
    // is another file, and the bytes read are the bytes hashed.
    std::rewind(faiss_file.get());
    FileFaissReader reader(faiss_file.get());
    v->index_.reset(faiss::read_index(&reader));
  } catch (const std::exception& e) {
    return Status(ErrorCode::kCorruption, path + ".faiss: " + e.what());
  }
  faiss_file.reset();
  auto* map = dynamic_cast<faiss::IndexIDMap2*>(v->index_.get());
  if (map && dynamic_cast<faiss::IndexIVF*>(map->index))
    return Status(ErrorCode::kCorruption,
                  path + ".faiss: inverted lists under an id map (an older build; rebuilt)");
  v->flat_ = flat_storage_of(v->index_.get());
  v->changed();
  if (faiss::IndexIVF* ivf = ivf_of(v->index_.get())) v->probes_ = static_cast<int>(ivf->nprobe);
  if (v->index_->d != v->dimension_ || static_cast<size_t>(v->index_->ntotal) != ids.size())
    return Status(ErrorCode::kCorruption, path + ".faiss does not match its vector table");
  // A structure read in place must hold exactly the table's vectors; any
  // other keeps the table as its copies.
  std::vector<float> vec(v->dimension_);
  for (int64_t id : ids) {
    r.raw(vec.data(), vec.size() * sizeof(float));
    if (v->flat_) {
      const float* stored = v->vector(id);
      if (!stored || std::memcmp(stored, vec.data(), vec.size() * sizeof(float)) != 0)
        return Status(ErrorCode::kCorruption, path + ".faiss does not match its vector table");
    } else {
      v->copies_.emplace(id, vec);
    }
  }
  if (!r.ok() || !r.at_end()) return Status(ErrorCode::kCorruption, path + ".vectors: truncated");
  return v;
}

}  // namespace expertmatch
