#include "indexer/lexical_index.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <limits>

namespace expertmatch {

void add_weighted(const TermCounts& counts, float weight, WeightedTerms* into) {
  WeightedTerms merged;
  merged.reserve(into->size() + counts.size());
  size_t i = 0, j = 0;
  while (i < into->size() || j < counts.size()) {
    if (j == counts.size() || (i < into->size() && (*into)[i].first < counts[j].first)) {
      merged.push_back((*into)[i++]);
    } else if (i == into->size() || counts[j].first < (*into)[i].first) {
      merged.emplace_back(counts[j].first, weight * counts[j].second);
      ++j;
    } else {
      merged.emplace_back(counts[j].first, (*into)[i].second + weight * counts[j].second);
      ++i;
      ++j;
    }
  }
  *into = std::move(merged);
}

static float length_of(const WeightedTerms& t) {
  float s = 0;
  for (auto& [id, w] : t) s += w;
  return s;
}

void LexicalIndex::add(int64_t id, const WeightedTerms& terms) {
  remove(id);
  docs_[id] = terms;
  const float len = length_of(terms);
  total_length_ += len;
  for (auto& [term, w] : terms) {
    Postings& p = postings_[term];
    // Ids usually arrive in increasing order (an append); keep the order anyway.
    auto at = std::lower_bound(p.list.begin(), p.list.end(), id,
                               [](const Posting& x, int64_t v) { return x.id < v; });
    p.list.insert(at, {id, w, len});
    p.occurrences += w;
    // A copy: clang before 16 cannot capture a structured binding in a lambda.
    const float weight = w;
    bool beaten = false;
    for (auto [tf, dl] : p.frontier) beaten |= tf >= weight && dl <= len;
    if (!beaten) {
      std::erase_if(p.frontier,
                    [&](const auto& f) { return f.first <= weight && f.second >= len; });
      p.frontier.emplace_back(weight, len);
    }
  }
}

void LexicalIndex::remove(int64_t id) {
  auto it = docs_.find(id);
  if (it == docs_.end()) return;
  total_length_ -= length_of(it->second);
  for (auto& [term, w] : it->second) {
    auto& p = postings_[term].list;
    auto at = std::lower_bound(p.begin(), p.end(), id,
                               [](const Posting& x, int64_t v) { return x.id < v; });
    if (at != p.end() && at->id == id) {
      postings_[term].occurrences -= at->tf;
      p.erase(at);
    }
    if (p.empty()) postings_.erase(term);
  }
  docs_.erase(it);
}

float LexicalIndex::idf(uint32_t term) const {
  auto it = postings_.find(term);
  double df = it == postings_.end() ? 0 : it->second.list.size();
  double n = docs_.size();
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

uint32_t LexicalIndex::df(uint32_t term) const {
  auto it = postings_.find(term);
  return it == postings_.end() ? 0 : static_cast<uint32_t>(it->second.list.size());
}

double LexicalIndex::average_length() const {
  double avg = docs_.empty() ? 1.0 : total_length_ / docs_.size();
  return avg > 0 ? avg : 1.0;
}

float LexicalIndex::term_score(float tf, float doc_len, float idf, double avg_len) const {
  double norm = params_.k1 * (1.0 - params_.b + params_.b * doc_len / avg_len);
  return static_cast<float>(idf * tf * (params_.k1 + 1.0) / (tf + norm));
}

std::unordered_map<int64_t, float> LexicalIndex::score(const WeightedTerms& query) const {
  std::unordered_map<int64_t, float> out;
  const double avg = average_length();
  for (auto& [term, qw] : query) {
    auto it = postings_.find(term);
    if (it == postings_.end()) continue;
    float idf_t = idf(term);
    for (const Posting& p : it->second.list)
      out[p.id] += qw * term_score(p.tf, p.doc_len, idf_t, avg);
  }
  return out;
}

void LexicalIndex::accumulate(const WeightedTerms& query, const std::vector<float>& idf,
                              std::vector<float>* scores, std::vector<int64_t>* touched) const {
  if (idf.size() != query.size()) return;
  const double avg = average_length();
  for (size_t i = 0; i < query.size(); ++i) {
    auto it = postings_.find(query[i].first);
    if (it == postings_.end()) continue;
    const float qw = query[i].second;
    for (const Posting& p : it->second.list) {
      if (p.id < 0) continue;
      const auto at = static_cast<size_t>(p.id);
      if (at >= scores->size()) scores->resize(at + 1, 0.0f);
      float& s = (*scores)[at];
      const bool first = s == 0;
      s += qw * term_score(p.tf, p.doc_len, idf[i], avg);
      if (first && s != 0) touched->push_back(p.id);
    }
  }
}

float LexicalIndex::bound(const Postings& p, float idf, double avg_len) const {
  float best = 0;
  for (auto [tf, dl] : p.frontier) best = std::max(best, term_score(tf, dl, idf, avg_len));
  return best;
}

std::vector<std::pair<int64_t, float>> LexicalIndex::top_k(const WeightedTerms& query,
                                                           size_t k) const {
  struct Cursor {
    const Posting* at;
    const Posting* end;
    size_t term;  // index in the query: scores are summed in query order, as score() does
    float weight, idf;
    double bound;  // no posting of the term contributes more
  };
  std::vector<std::pair<int64_t, float>> heap;
  if (k == 0) return heap;
  const double avg = average_length();
  std::vector<Cursor> cursors;
  for (size_t i = 0; i < query.size(); ++i) {
    auto it = postings_.find(query[i].first);
    if (it == postings_.end() || it->second.list.empty()) continue;
    const Postings& p = it->second;
    const float idf_t = idf(query[i].first);
    const float qw = query[i].second;
    cursors.push_back({p.list.data(), p.list.data() + p.list.size(), i, qw, idf_t,
                       static_cast<double>(qw * bound(p, idf_t, avg))});
  }
  // Lowest bound first; below[i] = the sum of the bounds of cursors [0, i).
  std::sort(cursors.begin(), cursors.end(),
            [](const Cursor& a, const Cursor& b) { return a.bound < b.bound; });
  std::vector<double> below(cursors.size() + 1, 0.0);
  for (size_t i = 0; i < cursors.size(); ++i) below[i + 1] = below[i] + cursors[i].bound;
  // The k best so far as a heap whose front is the worst (lowest score, then
  // largest id).
  auto better = [](const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  };
  // Documents come in increasing id order, so one scoring exactly the current
  // k-th loses the tie (larger id): only a score above the threshold enters.
  // Float sums in another order may differ in the last bits, hence the slack.
  auto can_enter = [&](double bound) {
    return heap.size() < k || bound * (1 + 1e-5) + 1e-7 > heap.front().second;
  };
  auto seek = [](Cursor& c, int64_t doc) {
    // Galloping, then binary search: cheap for a short skip, logarithmic for a long one.
    size_t step = 1;
    const Posting* lo = c.at;
    while (lo + step < c.end && (lo + step)->id < doc) {
      lo += step;
      step *= 2;
    }
    c.at = std::lower_bound(lo, std::min(lo + step + 1, c.end), doc,
                            [](const Posting& x, int64_t v) { return x.id < v; });
  };
  // Cursors [0, essential) are non-essential: together they cannot lift a
  // document into the top k, so only documents of the others are visited and
  // the non-essential postings are sought for them (MaxScore).
  size_t essential = 0;
  std::vector<std::pair<size_t, float>> parts;  // (query index, contribution)
  while (true) {
    int64_t doc = INT64_MAX;
    for (size_t i = essential; i < cursors.size(); ++i)
      if (cursors[i].at != cursors[i].end) doc = std::min(doc, cursors[i].at->id);
    if (doc == INT64_MAX) break;
    parts.clear();
    double partial = 0;
    for (size_t i = essential; i < cursors.size(); ++i) {
      Cursor& c = cursors[i];
      if (c.at != c.end && c.at->id == doc) {
        float x = c.weight * term_score(c.at->tf, c.at->doc_len, c.idf, avg);
        parts.emplace_back(c.term, x);
        partial += x;
        ++c.at;
      }
    }
    bool pruned = false;
    for (size_t i = essential; i-- > 0;) {
      if (!can_enter(partial + below[i + 1])) {
        pruned = true;
        break;
      }
      Cursor& c = cursors[i];
      seek(c, doc);
      if (c.at != c.end && c.at->id == doc) {
        float x = c.weight * term_score(c.at->tf, c.at->doc_len, c.idf, avg);
        parts.emplace_back(c.term, x);
        partial += x;
      }
    }
    if (pruned) continue;
    // Exactly the float sum score() makes: the terms in query order.
    std::sort(parts.begin(), parts.end());
    float s = 0;
    for (auto& [term, x] : parts) s += x;
    if (heap.size() < k) {
      heap.emplace_back(doc, s);
      std::push_heap(heap.begin(), heap.end(), better);
    } else if (s > heap.front().second) {
      std::pop_heap(heap.begin(), heap.end(), better);
      heap.back() = {doc, s};
      std::push_heap(heap.begin(), heap.end(), better);
    } else {
      continue;
    }
    while (essential < cursors.size() && !can_enter(below[essential + 1])) ++essential;
  }
  std::sort(heap.begin(), heap.end(), better);
  return heap;
}

namespace {
// BM25 of one document: the sorted query and document terms merged, each
// shared term scored with `idf_at(query position, term)`.
template <typename Idf, typename TermScore>
float merge_score(const WeightedTerms& query, const WeightedTerms& d, Idf idf_at,
                  TermScore term_score) {
  float s = 0;
  size_t i = 0, j = 0;
  while (i < query.size() && j < d.size()) {
    if (query[i].first < d[j].first)
      ++i;
    else if (d[j].first < query[i].first)
      ++j;
    else {
      s += query[i].second * term_score(d[j].second, idf_at(i, d[j].first));
      ++i;
      ++j;
    }
  }
  return s;
}
}  // namespace

float LexicalIndex::score_one(const WeightedTerms& query, int64_t id) const {
  auto it = docs_.find(id);
  if (it == docs_.end()) return 0;
  const WeightedTerms& d = it->second;
  const float len = length_of(d);
  const double avg = average_length();
  return merge_score(
      query, d, [&](size_t, auto term) { return idf(term); },
      [&](float tf, float term_idf) { return term_score(tf, len, term_idf, avg); });
}

float LexicalIndex::score_one(const WeightedTerms& query, const std::vector<float>& idf,
                              int64_t id) const {
  auto it = docs_.find(id);
  if (it == docs_.end() || idf.size() != query.size()) return 0;
  const WeightedTerms& d = it->second;
  const float len = length_of(d);
  const double avg = average_length();
  return merge_score(
      query, d, [&](size_t i, auto) { return idf[i]; },
      [&](float tf, float term_idf) { return term_score(tf, len, term_idf, avg); });
}

LanguageModelQuery LexicalIndex::language_model_query(const WeightedTerms& query,
                                                      const LanguageModelParams& params) const {
  LanguageModelQuery q;
  q.params = params;
  if (total_length_ <= 0) return q;
  for (auto& [term, w] : query) {
    auto it = postings_.find(term);
    if (w <= 0 || it == postings_.end() || it->second.occurrences <= 0) continue;
    q.terms.emplace_back(term, w);
    q.collection_prob.push_back(it->second.occurrences / total_length_);
    q.weight += w;
  }
  return q;
}

double LexicalIndex::log_likelihood_ratio(const LanguageModelQuery& q, int64_t id) const {
  // Written as the matched terms' gain plus one term for all of the query
  // (the document's length for Dirichlet, the collection's weight for
  // Jelinek-Mercer):
  //   ln((tf + mu p) / ((|d| + mu) p)) = ln(1 + tf / (mu p)) + ln(mu / (|d| + mu)),
  //   ln(((1 - l) tf / |d| + l p) / p)  = ln(1 + (1 - l) tf / (l |d| p)) + ln(l),
  // so that a term the document lacks costs nothing to look up.
  auto it = docs_.find(id);
  static const WeightedTerms kEmpty;
  const WeightedTerms& d = it == docs_.end() ? kEmpty : it->second;
  const double len = length_of(d);
  const LanguageModelParams& lm = q.params;
  const bool dirichlet = lm.smoothing == Smoothing::kDirichlet;
  double s = q.weight * (dirichlet ? std::log(lm.mu / (len + lm.mu))
                                   : std::log(static_cast<double>(lm.lambda)));
  size_t i = 0, j = 0;
  while (i < q.terms.size() && j < d.size()) {
    if (q.terms[i].first < d[j].first) {
      ++i;
    } else if (d[j].first < q.terms[i].first) {
      ++j;
    } else {
      const double p = q.collection_prob[i], tf = d[j].second;
      const double gain =
          dirichlet ? tf / (lm.mu * p) : (1 - lm.lambda) * tf / (lm.lambda * len * p);
      s += q.terms[i].second * std::log1p(gain);
      ++i;
      ++j;
    }
  }
  return s;
}

double LexicalIndex::document_centric_log_ratio(const LanguageModelQuery& q,
                                                const std::vector<int64_t>& docs) const {
  if (docs.empty()) return -std::numeric_limits<double>::infinity();
  std::vector<double> r;
  r.reserve(docs.size());
  for (int64_t d : docs) r.push_back(log_likelihood_ratio(q, d));
  // ln sum exp, around the largest term: the ratios of long queries are far
  // outside exp's range. Summed in sorted order, so that the same documents
  // listed in another order give the same double.
  std::sort(r.begin(), r.end(), std::greater<double>());
  const double top = r.front();
  double sum = 0;
  for (double x : r) sum += std::exp(x - top);
  return top + std::log(sum) - std::log(static_cast<double>(docs.size()));
}

const WeightedTerms* LexicalIndex::terms_of(int64_t id) const {
  auto it = docs_.find(id);
  return it == docs_.end() ? nullptr : &it->second;
}

void LexicalIndex::save(BinaryWriter* w) const {
  w->f32(params_.k1);
  w->f32(params_.b);
  std::vector<int64_t> ids;
  for (auto& [id, t] : docs_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  w->u64(ids.size());
  for (int64_t id : ids) {
    w->u64(static_cast<uint64_t>(id));
    w->vec(docs_.at(id));
  }
}

LexicalIndex LexicalIndex::load(BinaryReader* r) {
  Bm25Params p;
  p.k1 = r->f32();
  p.b = r->f32();
  LexicalIndex index(p);
  uint64_t n = r->u64();
  for (uint64_t i = 0; i < n && r->ok(); ++i) {
    int64_t id = static_cast<int64_t>(r->u64());
    index.add(id, r->vec<std::pair<uint32_t, float>>());
  }
  return index;
}

}  // namespace expertmatch
