#include "indexer/lexical_index.h"

#include <algorithm>
#include <cmath>

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
  for (auto& [term, w] : terms) postings_[term].push_back({id, w, len});
}

void LexicalIndex::remove(int64_t id) {
  auto it = docs_.find(id);
  if (it == docs_.end()) return;
  total_length_ -= length_of(it->second);
  for (auto& [term, w] : it->second) {
    auto& p = postings_[term];
    p.erase(std::remove_if(p.begin(), p.end(), [id](const Posting& x) { return x.id == id; }),
            p.end());
    if (p.empty()) postings_.erase(term);
  }
  docs_.erase(it);
}

float LexicalIndex::idf(uint32_t term) const {
  auto it = postings_.find(term);
  double df = it == postings_.end() ? 0 : it->second.size();
  double n = docs_.size();
  return static_cast<float>(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
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
    for (const Posting& p : it->second) out[p.id] += qw * term_score(p.tf, p.doc_len, idf_t, avg);
  }
  return out;
}

float LexicalIndex::score_one(const WeightedTerms& query, int64_t id) const {
  auto it = docs_.find(id);
  if (it == docs_.end()) return 0;
  const WeightedTerms& d = it->second;
  float len = length_of(d), s = 0;
  const double avg = average_length();
  size_t i = 0, j = 0;
  while (i < query.size() && j < d.size()) {
    if (query[i].first < d[j].first)
      ++i;
    else if (d[j].first < query[i].first)
      ++j;
    else {
      s += query[i].second * term_score(d[j].second, len, idf(d[j].first), avg);
      ++i;
      ++j;
    }
  }
  return s;
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
