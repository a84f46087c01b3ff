#include "indexer/lexical_index.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <functional>
#include <limits>

#include "indexer/best_n.h"

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

void LexicalIndex::add(int64_t id, const WeightedTerms& terms, bool in_statistics) {
  remove(id);
  if (docs_.empty() && postings_.empty()) min_id_ = max_id_ = id;
  min_id_ = std::min(min_id_, id);
  max_id_ = std::max(max_id_, id);
  docs_[id] = terms;
  const float len = length_of(terms);
  if (in_statistics) {
    total_length_ += len;
    ++counted_docs_;
  } else {
    outside_.insert(id);
  }
  for (auto& [term, w] : terms) {
    Postings& p = postings_[term];
    // Ids usually arrive in increasing order: then an append, with no search
    // (the binary search over a common term's long list was 80 % of add and
    // 6 s of a full-size build, serial: docs/performance.md). Otherwise the
    // order is kept by inserting where the id belongs.
    if (p.list.empty() || p.list.back().id < id) {
      p.list.push_back({id, w, len});
    } else {
      auto at = std::lower_bound(p.list.begin(), p.list.end(), id,
                                 [](const Posting& x, int64_t v) { return x.id < v; });
      p.list.insert(at, {id, w, len});
    }
    nonpositive_postings_ += !(w > 0);
    if (in_statistics) {
      p.occurrences += w;
      ++p.df;
    }
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
  const bool counted = outside_.erase(id) == 0;
  if (counted) {
    total_length_ -= length_of(it->second);
    --counted_docs_;
  }
  for (auto& [term, w] : it->second) {
    auto& p = postings_[term].list;
    auto at = std::lower_bound(p.begin(), p.end(), id,
                               [](const Posting& x, int64_t v) { return x.id < v; });
    if (at != p.end() && at->id == id) {
      if (counted) {
        postings_[term].occurrences -= at->tf;
        --postings_[term].df;
      }
      nonpositive_postings_ -= !(at->tf > 0);
      p.erase(at);
    }
    if (p.empty()) postings_.erase(term);
  }
  docs_.erase(it);
  // Emptied: no posting is left, so no bound need be kept (a huge id added
  // and removed must not size the per-thread arrays by id).
  if (docs_.empty()) min_id_ = max_id_ = 0;
}

float LexicalIndex::idf(uint32_t term) const {
  auto it = postings_.find(term);
  double df = it == postings_.end() ? 0 : it->second.df;
  double n = static_cast<double>(counted_docs_);
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
}

uint32_t LexicalIndex::df(uint32_t term) const {
  auto it = postings_.find(term);
  return it == postings_.end() ? 0 : it->second.df;
}

double LexicalIndex::average_length() const {
  double avg = counted_docs_ == 0 ? 1.0 : total_length_ / static_cast<double>(counted_docs_);
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

void LexicalIndex::score_units(const WeightedTerms& query, const std::vector<float>& idf,
                               const std::vector<int64_t>& ids, std::vector<float>* scores) const {
  scores->assign(ids.size(), 0.0f);
  if (idf.size() != query.size() || ids.empty()) return;
  if (!dense_ids()) {
    for (size_t i = 0; i < ids.size(); ++i) (*scores)[i] = score_one(query, idf, ids[i]);
    return;
  }
  // Each asked id's position + 1 by id (0: not asked), for this call.
  thread_local std::vector<uint32_t> slot;
  if (slot.size() <= static_cast<size_t>(max_id_)) slot.resize(max_id_ + 1, 0u);
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] >= 0 && ids[i] <= max_id_) slot[static_cast<size_t>(ids[i])] = i + 1;
  const double avg = average_length();
  for (size_t i = 0; i < query.size(); ++i) {
    auto it = postings_.find(query[i].first);
    if (it == postings_.end()) continue;
    const float qw = query[i].second;
    for (const Posting& p : it->second.list) {
      if (p.id < 0) continue;
      const uint32_t at = slot[static_cast<size_t>(p.id)];
      if (at != 0) (*scores)[at - 1] += qw * term_score(p.tf, p.doc_len, idf[i], avg);
    }
  }
  for (int64_t id : ids)
    if (id >= 0 && id <= max_id_) slot[static_cast<size_t>(id)] = 0;
}

float LexicalIndex::bound(const Postings& p, float idf, double avg_len) const {
  float best = 0;
  for (auto [tf, dl] : p.frontier) best = std::max(best, term_score(tf, dl, idf, avg_len));
  return best;
}

namespace {

// Per-thread scratch of top_k, indexed by document id: partial scores, 0 for
// a document no processed term holds (contributions are positive).
struct TopKScratch {
  std::vector<double> partial;
  std::vector<uint8_t> seen;  // 0: untouched, 1: touched, 2: a contender
  std::vector<double> upper;
  std::vector<int64_t> touched;
  std::vector<double> values;  // for selecting the k-th largest
};

TopKScratch& top_k_scratch() {
  thread_local TopKScratch s;
  return s;
}

// The k-th largest of `ids`' partial scores (ids.size() >= k >= 1).
double kth_largest(const std::vector<int64_t>& ids, const std::vector<double>& partial, size_t k,
                   std::vector<double>* values) {
  values->clear();
  for (int64_t id : ids) values->push_back(partial[static_cast<size_t>(id)]);
  auto at = values->begin() + static_cast<std::ptrdiff_t>(k - 1);
  std::nth_element(values->begin(), at, values->end(), std::greater<double>());
  return *at;
}

bool ranks_before(const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

}  // namespace

std::vector<std::pair<int64_t, float>> LexicalIndex::rare_term_top(
    const WeightedTerms& query, const std::vector<float>& idf, uint32_t max_df, size_t n,
    std::vector<float>* scores, std::vector<int64_t>* touched) const {
  if (n == 0 || idf.size() != query.size()) return {};
  // The rare terms in query order; the others rarest first (ties by query
  // position), taken one by one while fewer than n documents have been given
  // a nonzero score.
  WeightedTerms rare;
  std::vector<float> rare_idf;
  std::vector<std::pair<uint32_t, size_t>> common;  // (df, position in query)
  for (size_t i = 0; i < query.size(); ++i) {
    const uint32_t d = df(query[i].first);
    if (d <= max_df) {
      rare.push_back(query[i]);
      rare_idf.push_back(idf[i]);
    } else {
      common.push_back({d, i});
    }
  }
  std::sort(common.begin(), common.end());
  WeightedTerms one(1);
  std::vector<float> one_idf(1);
  if (!dense_ids()) {
    // Ids too sparse for an array by id: sums in a map, in the same order.
    const double avg = average_length();
    std::unordered_map<int64_t, float> sums;
    auto add = [&](const WeightedTerms& terms, const std::vector<float>& term_idf) {
      for (size_t t = 0; t < terms.size(); ++t) {
        auto it = postings_.find(terms[t].first);
        if (it == postings_.end()) continue;
        for (const Posting& p : it->second.list) {
          const float c = terms[t].second * term_score(p.tf, p.doc_len, term_idf[t], avg);
          // Listed once a contribution is nonzero, as accumulate lists it.
          if (p.id >= 0 && c != 0) sums[p.id] += c;
        }
      }
    };
    add(rare, rare_idf);
    for (size_t c = 0; c < common.size() && sums.size() < n; ++c) {
      one[0] = query[common[c].second];
      one_idf[0] = idf[common[c].second];
      add(one, one_idf);
    }
    BestN best(n, sums.size());
    for (const auto& [id, score] : sums)
      if (score > 0) best.offer(id, score);
    return best.take_sorted();
  }
  thread_local std::vector<float> own_scores;
  thread_local std::vector<int64_t> own_touched;
  if (!scores || !touched) {
    scores = &own_scores;
    touched = &own_touched;
  }
  // The scratch is handed back clean however this call ends (an allocation
  // that throws included): every touched entry 0, none listed.
  struct Clean {
    std::vector<float>* scores;
    std::vector<int64_t>* touched;
    ~Clean() {
      for (int64_t id : *touched) (*scores)[static_cast<size_t>(id)] = 0;
      touched->clear();
    }
  } clean{scores, touched};
  accumulate(rare, rare_idf, scores, touched);
  for (size_t c = 0; c < common.size() && touched->size() < n; ++c) {
    one[0] = query[common[c].second];
    one_idf[0] = idf[common[c].second];
    accumulate(one, one_idf, scores, touched);
  }
  BestN best(n, touched->size());
  for (int64_t id : *touched) {
    float& s = (*scores)[static_cast<size_t>(id)];
    // Not above 0 (a negative query weight), or listed again after it fell
    // back to 0 and was zeroed below: left out.
    if (s > 0) best.offer(id, s);
    s = 0;
  }
  touched->clear();  // every entry zeroed above: nothing left for `clean`
  return best.take_sorted();
}

bool LexicalIndex::dense_ids() const {
  return docs_.empty() ||
         (min_id_ >= 0 && static_cast<uint64_t>(max_id_) < 8 * docs_.size() + 4096);
}

std::vector<std::pair<int64_t, float>> LexicalIndex::top_k(const WeightedTerms& query, size_t k,
                                                           TopKCounts* counts) const {
  std::vector<std::pair<int64_t, float>> out;
  TopKCounts local;
  TopKCounts& count = counts ? *counts : local;
  count = {};
  if (k == 0) return out;
  const double avg = average_length();
  struct Term {
    const Posting* begin;
    const Posting* end;
    float weight, idf;
    double bound;  // no posting of the term contributes more (query weight included)
  };
  std::vector<Term> terms;
  std::vector<float> idf_at(query.size(), 0.0f);  // parallel to `query`, for score_one
  bool positive = true;
  for (size_t i = 0; i < query.size(); ++i) {
    auto it = postings_.find(query[i].first);
    if (it == postings_.end() || it->second.list.empty()) continue;
    const Postings& p = it->second;
    idf_at[i] = idf(query[i].first);
    const float qw = query[i].second;
    positive &= qw > 0;
    terms.push_back({p.list.data(), p.list.data() + p.list.size(), qw, idf_at[i],
                     static_cast<double>(qw * bound(p, idf_at[i], avg))});
    count.postings += p.list.size();
  }
  if (!positive || nonpositive_postings_ > 0 || !dense_ids()) {
    // The bounds assume positive contributions and the scratch dense ids:
    // otherwise score every posting.
    auto all = score(query);
    count.scored = count.postings;
    out.assign(all.begin(), all.end());
    const size_t n = std::min(k, out.size());
    std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n), out.end(),
                      ranks_before);
    out.resize(n);
    return out;
  }
  // Highest bound first; rest[j] = the sum of the bounds of terms [j, n).
  std::stable_sort(terms.begin(), terms.end(),
                   [](const Term& a, const Term& b) { return a.bound > b.bound; });
  const size_t n = terms.size();
  std::vector<double> rest(n + 1, 0.0);
  for (size_t j = n; j-- > 0;) rest[j] = rest[j + 1] + terms[j].bound;
  // Partial scores are summed in double in this order; a document's score is
  // the float sum of the same float contributions in query order, which
  // differs from the exact sum by at most (terms - 1) * 2^-24 of it. Every
  // comparison below allows twice that, and a margin for the bounds' own
  // rounding (BM25 is monotone in tf and length, its float evaluation only
  // to within an ulp or so).
  const double slack = (static_cast<double>(query.size()) + 8) * 0x1p-23;
  TopKScratch& s = top_k_scratch();
  if (s.partial.size() <= static_cast<size_t>(max_id_)) {
    s.partial.resize(max_id_ + 1, 0.0);
    s.seen.resize(max_id_ + 1, 0);
  }
  std::vector<double>& partial = s.partial;
  std::vector<uint8_t>& seen = s.seen;
  std::vector<int64_t>& touched = s.touched;
  auto contribution = [&](const Term& t, const Posting& p) {
    ++count.scored;
    return static_cast<double>(t.weight * term_score(p.tf, p.doc_len, t.idf, avg));
  };
  // Term at a time, every posting, until the k-th best partial score (a lower
  // bound of the k-th best score: contributions only add) exceeds what the
  // remaining terms together can give a document none of the processed terms
  // holds. From then on no new document can enter the top k (MaxScore's
  // switch from OR to AND processing).
  double threshold = 0;  // a lower bound of the k-th best score, 0 while unknown
  double best = 0;       // the largest partial score
  double next_check = std::numeric_limits<double>::infinity();
  size_t j = 0;
  while (j < n) {
    const Term& t = terms[j];
    for (const Posting* p = t.begin; p != t.end; ++p) {
      const auto at = static_cast<size_t>(p->id);
      if (!seen[at]) {
        seen[at] = 1;
        touched.push_back(p->id);
      }
      partial[at] += contribution(t, *p);
      best = std::max(best, partial[at]);
    }
    ++j;
    // Selecting the k-th partial score costs a pass over the touched
    // documents: done only once the remaining bound is below the best partial
    // score, and again only after it has fallen by a tenth.
    if (touched.size() >= k && rest[j] * (1 + slack) < best * (1 - slack) &&
        rest[j] <= next_check) {
      // Only the partial scores above the remaining bound can make the k-th
      // exceed it: the k-th of those, if there are k.
      const double bar = rest[j] * (1 + slack) / (1 - slack);
      s.values.clear();
      for (int64_t id : touched)
        if (partial[static_cast<size_t>(id)] > bar) s.values.push_back(partial[id]);
      if (s.values.size() >= k) {
        auto at = s.values.begin() + static_cast<std::ptrdiff_t>(k - 1);
        std::nth_element(s.values.begin(), at, s.values.end(), std::greater<double>());
        threshold = *at * (1 - slack);
        break;
      }
      next_check = rest[j] * 0.9;
    }
  }
  // Every document's bound: its partial score plus the bounds of the
  // remaining terms it holds (their postings walked for membership only, no
  // BM25 computed). Contenders are the documents whose bound reaches the
  // threshold; no other can be in the top k, not even tied.
  if (touched.size() >= k && threshold == 0)
    threshold = kth_largest(touched, partial, k, &s.values) * (1 - slack);
  if (s.upper.size() < partial.size()) s.upper.resize(partial.size(), 0.0);
  std::vector<double>& upper = s.upper;  // the remaining terms' bounds a document holds
  for (size_t r = j; r < n; ++r)
    for (const Posting* p = terms[r].begin; p != terms[r].end; ++p)
      if (seen[static_cast<size_t>(p->id)]) upper[static_cast<size_t>(p->id)] += terms[r].bound;
  std::vector<int64_t> contenders;
  auto prune = [&](const std::vector<int64_t>& from) {
    contenders.clear();
    for (int64_t id : from) {
      const auto at = static_cast<size_t>(id);
      const bool alive = (partial[at] + upper[at]) * (1 + slack) >= threshold;
      seen[at] = alive ? 2 : 1;
      if (alive) contenders.push_back(id);
    }
  };
  prune(touched);
  // The remaining terms, highest bound first, scored for the contenders only
  // (their postings walked, 2 marking a contender), each replacing its bound,
  // the threshold rising with the partial scores, until at most k contenders
  // remain or the terms run out.
  std::vector<int64_t> kept;
  for (; j < n && contenders.size() > k; ++j) {
    const Term& t = terms[j];
    for (const Posting* p = t.begin; p != t.end; ++p) {
      const auto at = static_cast<size_t>(p->id);
      if (seen[at] != 2) continue;
      partial[at] += contribution(t, *p);
      upper[at] -= t.bound;
    }
    threshold = std::max(threshold, kth_largest(contenders, partial, k, &s.values) * (1 - slack));
    kept.swap(contenders);
    prune(kept);
  }
  for (int64_t id : touched) {
    const auto at = static_cast<size_t>(id);
    partial[at] = 0;
    upper[at] = 0;
    seen[at] = 0;
  }
  touched.clear();
  // The contenders' scores exactly as score() gives them: query order.
  out.reserve(contenders.size());
  for (int64_t id : contenders) out.emplace_back(id, score_one(query, idf_at, id));
  count.exact = contenders.size();
  const size_t m = std::min(k, out.size());
  std::partial_sort(out.begin(), out.begin() + static_cast<std::ptrdiff_t>(m), out.end(),
                    ranks_before);
  out.resize(m);
  return out;
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
    w->u32(outside_.count(id) ? 0 : 1);  // in the statistics
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
    auto terms = r->vec<std::pair<uint32_t, float>>();
    index.add(id, terms, r->u32() != 0);
  }
  return index;
}

}  // namespace expertmatch
