#include "indexer/lsa_model.h"

#include <algorithm>
#include <cmath>
#include <random>

#ifdef __GLIBC__
#include <malloc.h>
#endif

// LAPACK and BLAS (OpenBLAS), which Faiss links as well.
extern "C" {
void dsyev_(const char* jobz, const char* uplo, const int* n, double* a, const int* lda, double* w,
            double* work, const int* lwork, int* info);
void dgelqf_(const int* m, const int* n, double* a, const int* lda, double* tau, double* work,
             const int* lwork, int* info);
void dorglq_(const int* m, const int* n, const int* k, double* a, const int* lda, const double* tau,
             double* work, const int* lwork, int* info);
void dsyrk_(const char* uplo, const char* trans, const int* n, const int* k, const double* alpha,
            const double* a, const int* lda, const double* beta, double* c, const int* ldc);
void dgemm_(const char* transa, const char* transb, const int* m, const int* n, const int* k,
            const double* alpha, const double* a, const int* lda, const double* b, const int* ldb,
            const double* beta, double* c, const int* ldc);
}

namespace expertmatch {

void l2_normalize(float* v, int d) {
  double s = 0;
  for (int i = 0; i < d; ++i) s += static_cast<double>(v[i]) * v[i];
  if (s <= 0) return;
  float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (int i = 0; i < d; ++i) v[i] *= inv;
}

namespace {

// Sparse documents x terms matrix with weighted, row-normalised entries.
// An entry's value, (1 + ln count) * idf / row norm, is computed where it is
// read, by the same double operations that once computed it into a stored
// double: 8 bytes an entry instead of 12 (7 million entries, 28 MB, at
// 50,000 documents), and the same bits.
struct SparseRows {
  std::vector<size_t> start;  // rows + 1
  std::vector<uint32_t> col;
  std::vector<uint32_t> count;  // the term's count in the document
  std::vector<double> norm;     // per row: the L2 norm of its weights, or 1 if 0
  const std::vector<float>* idf = nullptr;
  size_t rows() const { return start.size() - 1; }
  double weight(size_t k) const {
    return (1.0 + std::log(static_cast<double>(count[k]))) * (*idf)[col[k]];
  }
  double value(size_t row, size_t k) const { return weight(k) / norm[row]; }
};

// Dense column-major matrix.
struct Dense {
  size_t rows = 0, cols = 0;
  std::vector<double> a;
  Dense(size_t r, size_t c) : rows(r), cols(c), a(r * c, 0.0) {}
  double& at(size_t i, size_t j) { return a[j * rows + i]; }
  double at(size_t i, size_t j) const { return a[j * rows + i]; }
  double* column(size_t j) { return &a[j * rows]; }
};

// Y = X * W   (X: n x V sparse, W: V x l dense, row-major) -> n x l, row-major,
// written over *y (resized; its old values are not read, so the caller may
// pass the buffer of a matrix it no longer needs and the fit holds one n x l
// matrix, not two). Both dense sides stay row-major: each nonzero then reads
// and writes one contiguous row, and no copy of a V x l matrix is made to
// change layouts.
void multiply(const SparseRows& x, const std::vector<double>& w, size_t l, std::vector<double>* y) {
  y->assign(x.rows() * l, 0.0);
  for (size_t i = 0; i < x.rows(); ++i) {
    double* yi = &(*y)[i * l];
    for (size_t k = x.start[i]; k < x.start[i + 1]; ++k) {
      const double v = x.value(i, k);
      const double* wc = &w[static_cast<size_t>(x.col[k]) * l];
      for (size_t j = 0; j < l; ++j) yi[j] += v * wc[j];
    }
  }
}

// Z = X^T * Y   (Y: n x l, row-major) -> V x l, row-major.
std::vector<double> multiply_transposed(const SparseRows& x, const std::vector<double>& y, size_t l,
                                        size_t vocab) {
  std::vector<double> z(vocab * l, 0.0);
  for (size_t i = 0; i < x.rows(); ++i) {
    const double* yi = &y[i * l];
    for (size_t k = x.start[i]; k < x.start[i + 1]; ++k) {
      const double v = x.value(i, k);
      double* zc = &z[static_cast<size_t>(x.col[k]) * l];
      for (size_t j = 0; j < l; ++j) zc[j] += v * yi[j];
    }
  }
  return z;
}

// Orthonormalises the columns of a row-major n x l matrix (n >= l) in place.
// Row-major n x l is column-major l x n, the transpose: orthonormal columns of
// the matrix are orthonormal rows of its transpose, which LAPACK's Householder
// LQ factorisation (dgelqf, dorglq) gives in place. A QR of the matrix itself
// needs a column-major copy, and copying back, of a matrix that is the fit's
// largest (n x l doubles: 109 MB at 50,000 documents); the reflectors are the
// same in exact arithmetic, so the basis is the same up to rounding.
void orthonormalize(std::vector<double>* rows, size_t n, size_t l) {
  int m = static_cast<int>(l), cols = static_cast<int>(n), info = 0;
  int k = std::min(m, cols), lwork = -1;
  std::vector<double> tau(k);
  double wq = 0;
  dgelqf_(&m, &cols, rows->data(), &m, tau.data(), &wq, &lwork, &info);
  lwork = std::max(1, static_cast<int>(wq));
  std::vector<double> work(lwork);
  dgelqf_(&m, &cols, rows->data(), &m, tau.data(), work.data(), &lwork, &info);
  lwork = -1;
  dorglq_(&k, &cols, &k, rows->data(), &m, tau.data(), &wq, &lwork, &info);
  lwork = std::max(1, static_cast<int>(wq));
  work.assign(lwork, 0.0);
  dorglq_(&k, &cols, &k, rows->data(), &m, tau.data(), work.data(), &lwork, &info);
}

}  // namespace

std::vector<size_t> lsa_fit_sample(const std::vector<std::string>& keys, size_t max,
                                   uint64_t seed) {
  std::vector<size_t> all(keys.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  if (keys.size() <= max) return all;
  // FNV-1a alone leaves keys that differ in their last bytes (P600...P699)
  // close together, so the lowest hashes would be one run of ids: its
  // result goes through MurmurHash3's finaliser, which spreads every bit.
  auto mix = [](uint64_t h) {
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 33);
  };
  std::vector<std::pair<uint64_t, size_t>> h(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) h[i] = {mix(fnv1a64(keys[i]) ^ mix(seed)), i};
  std::nth_element(h.begin(), h.begin() + static_cast<std::ptrdiff_t>(max), h.end());
  std::vector<size_t> chosen(max);
  for (size_t i = 0; i < max; ++i) chosen[i] = h[i].second;
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

Result<LsaModel> LsaModel::fit(std::vector<TermCounts> docs, const std::vector<float>& idf,
                               size_t vocab, const LsaOptions& options) {
  if (options.dimension < 1) return Status(ErrorCode::kInvalidArgument, "dimension must be >= 1");
  // Which terms take part: df >= min_df.
  std::vector<uint32_t> df(vocab, 0);
  for (const auto& d : docs)
    for (auto [id, n] : d)
      if (id < vocab) ++df[id];
  // The sparse matrix is allocated at its exact size (a growing vector holds
  // up to twice its values), reserved once; each document's counts are freed as its row is
  // filled: the counts are freed as the matrix fills (its untouched pages
  // take no memory), so the two are never both held whole.
  size_t nnz = 0;
  for (const auto& d : docs)
    for (auto [id, n] : d) nnz += id < vocab && df[id] >= options.min_df;
  SparseRows x;
  x.idf = &idf;
  x.start.reserve(docs.size() + 1);
  x.norm.reserve(docs.size());
  x.col.reserve(nnz);
  x.count.reserve(nnz);
  x.start.push_back(0);
  for (auto& d : docs) {
    size_t row_begin = x.col.size();
    for (auto [id, n] : d) {
      if (id >= vocab || df[id] < options.min_df) continue;
      x.col.push_back(id);
      x.count.push_back(n);
    }
    double norm = 0;
    for (size_t k = row_begin; k < x.col.size(); ++k) norm += x.weight(k) * x.weight(k);
    // Dividing by 1 leaves a weight as it is: a row of zero weights stays one.
    x.norm.push_back(norm > 0 ? std::sqrt(norm) : 1.0);
    x.start.push_back(x.col.size());
    TermCounts().swap(d);
  }
  std::vector<TermCounts>().swap(docs);
#ifdef __GLIBC__
  // The counts were small blocks (74 MB at 50,000 documents): freed, they are
  // holes in malloc's heap that stay resident, while the matrices below come
  // from fresh mappings and never reuse them. Handed back, the counts and the
  // sparse matrix are not both held through the power iterations.
  malloc_trim(0);
#endif
  size_t n = x.rows();
  size_t kept_terms = 0;
  for (uint32_t f : df) kept_terms += f >= options.min_df;
  size_t rank_bound = std::min(n, kept_terms);
  if (rank_bound == 0) return Status(ErrorCode::kInvalidArgument, "corpus has no usable terms");
  int d = static_cast<int>(std::min<size_t>(options.dimension, rank_bound));
  size_t l = std::min<size_t>(d + options.oversample, rank_bound);

  // Random Gaussian test matrix, fixed seed. Box-Muller on our own generator so
  // the result does not depend on the standard library's distributions. Drawn
  // column by column (the order the seed has always given) into row-major
  // storage, the layout of the sparse products.
  std::mt19937_64 rng(options.seed);
  auto uniform = [&]() { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; };
  std::vector<double> q;
  {
    std::vector<double> omega(vocab * l, 0.0);
    for (size_t j = 0; j < l; ++j)
      for (size_t t = 0; t < vocab; ++t) {
        double u1 = uniform(), u2 = uniform();
        if (df[t] >= options.min_df)
          omega[t * l + j] = std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
      }
    // Subspace iteration; only the small documents-side basis needs
    // re-orthonormalising.
    multiply(x, omega, l, &q);
  }
  orthonormalize(&q, n, l);
  for (int it = 0; it < options.power_iterations; ++it) {
    std::vector<double> z = multiply_transposed(x, q, l, vocab);
    multiply(x, z, l, &q);  // q's buffer is reused: z holds all it was needed for
    orthonormalize(&q, n, l);
  }
  // B^T = X^T Q  (V x l, row-major), which is B (l x V) column-major: BLAS
  // reads it as it is, with no copy. B B^T  (l x l) by dsyrk.
  std::vector<double> b = multiply_transposed(x, q, l, vocab);
  // Swapped with an empty vector, not assigned `{}`: that picks the
  // initializer-list assignment, which empties a vector but keeps its
  // buffer, and the basis (109 MB at 50,000 documents) and later B^T stayed
  // allocated to the end of the fit, under the projection made after them.
  std::vector<double>().swap(q);
  x = {};
  std::vector<double> gram(l * l, 0.0);
  {
    int ln = static_cast<int>(l), vn = static_cast<int>(vocab);
    const double one = 1.0, zero = 0.0;
    dsyrk_("U", "N", &ln, &vn, &one, b.data(), &ln, &zero, gram.data(), &ln);
  }
  int nn = static_cast<int>(l), lwork = -1, info = 0;
  std::vector<double> evals(l);
  double wq;
  dsyev_("V", "U", &nn, gram.data(), &nn, evals.data(), &wq, &lwork, &info);
  lwork = static_cast<int>(wq);
  std::vector<double> work(std::max(1, lwork));
  dsyev_("V", "U", &nn, gram.data(), &nn, evals.data(), work.data(), &lwork, &info);
  if (info != 0) return Status(ErrorCode::kInternal, "eigen decomposition failed");

  // Eigenvalues ascend; take the largest d. Right singular vector j of X is
  // V_j = B^T u_j / sigma_j: all d at once as one matrix product.
  Dense top(l, d);
  for (int j = 0; j < d; ++j) {
    size_t src = l - 1 - j;
    std::copy(&gram[src * l], &gram[src * l] + l, top.column(j));
  }
  Dense v(vocab, d);
  {
    int vn = static_cast<int>(vocab), ln = static_cast<int>(l);
    const double one = 1.0, zero = 0.0;
    dgemm_("T", "N", &vn, &d, &ln, &one, b.data(), &ln, top.a.data(), &ln, &zero, v.a.data(), &vn);
  }
  std::vector<double>().swap(b);
  LsaModel model;
  model.dimension_ = d;
  model.idf_ = idf;
  model.idf_.resize(vocab, 0.0f);
  model.projection_.assign(vocab * d, 0.0f);
  model.sigma_.resize(d);
  for (int j = 0; j < d; ++j) {
    double sigma = std::sqrt(std::max(evals[l - 1 - j], 0.0));
    model.sigma_[j] = static_cast<float>(sigma);
    double scale = sigma > 1e-12 ? 1.0 / sigma : 0.0;
    double weight = std::pow(sigma > 1e-12 ? sigma : 1.0, -options.scale_exponent);
    // Fix the sign so that the largest-magnitude entry is positive (determinism).
    const double* col = v.column(j);
    double best = 0;
    for (size_t t = 0; t < vocab; ++t)
      if (std::abs(col[t]) > std::abs(best)) best = col[t];
    double f = (best < 0 ? -1.0 : 1.0) * scale * weight;
    for (size_t t = 0; t < vocab; ++t)
      model.projection_[t * d + j] = static_cast<float>(col[t] * f);
  }
  for (size_t t = 0; t < vocab; ++t)
    if (df[t] < options.min_df) model.idf_[t] = 0.0f;
  return model;
}

void LsaModel::embed(const TermCounts& counts, float* out) const {
  std::fill(out, out + dimension_, 0.0f);
  for (auto [id, n] : counts) {
    if (id >= idf_.size() || idf_[id] == 0.0f) continue;
    float w = (1.0f + std::log(static_cast<float>(n))) * idf_[id];
    const float* row = &projection_[static_cast<size_t>(id) * dimension_];
    for (int j = 0; j < dimension_; ++j) out[j] += w * row[j];
  }
  l2_normalize(out, dimension_);
}

void LsaModel::save(BinaryWriter* w) const {
  w->u32(static_cast<uint32_t>(dimension_));
  w->vec(idf_);
  w->vec(projection_);
  w->vec(sigma_);
}

Result<LsaModel> LsaModel::load(BinaryReader* r) {
  LsaModel m;
  m.dimension_ = static_cast<int>(r->u32());
  m.idf_ = r->vec<float>();
  m.projection_ = r->vec<float>();
  m.sigma_ = r->vec<float>();
  if (!r->ok() || m.dimension_ <= 0 ||
      m.projection_.size() != m.idf_.size() * static_cast<size_t>(m.dimension_))
    return Status(ErrorCode::kCorruption, "LSA model is truncated or inconsistent");
  return m;
}

Result<std::vector<float>> LsaEmbedder::embed(const std::vector<std::string>& texts) const {
  return embed(texts, nullptr);
}

Result<std::vector<float>> LsaEmbedder::embed(const std::vector<std::string>& texts,
                                              std::vector<float>* seen_shares) const {
  const int d = dimension();
  std::vector<float> out(texts.size() * d);
  if (seen_shares) seen_shares->assign(texts.size(), 1.0f);
  for (size_t i = 0; i < texts.size(); ++i) {
    auto c = terms_->counts(texts[i], seen_shares ? &(*seen_shares)[i] : nullptr);
    if (!c) return c.status();
    lsa_.embed(*c, &out[i * d]);
  }
  return out;
}

}  // namespace expertmatch
