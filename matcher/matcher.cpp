#include "matcher/matcher.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <set>
#include <unordered_map>
#include <unordered_set>

namespace expertmatch {

struct Matcher::Query {
  const Problem* problem = nullptr;
  std::vector<float> vector;
  std::vector<float> coarse;  // the first coarse_dimensions() of `vector`, normalised
  // `vector` minus the index's unit mean (CorpusIndex::unit_mean, of the same
  // dimension), normalised, with the mean's dot product with it and its
  // squared norm: for the cosine around the mean.
  const float* mean = nullptr;
  std::vector<float> centered;
  float mean_dot = 0;
  float mean_norm2 = 0;
  WeightedTerms terms;
  float bm25_ceiling = 1;
  // BM25 of the query against every expert unit, when make_query scored them all.
  std::unordered_map<int64_t, float> unit_bm25;
  bool all_units_scored = false;
  // The problem's fields as tokens with their vocabulary ids, for the
  // explanations: analysed on first use, then shared by every match.
  struct FieldTokens {
    const char* field;
    std::vector<Token> tokens;
    std::vector<uint32_t> ids;
  };
  mutable std::optional<std::vector<FieldTokens>> field_tokens;
};

namespace {

float dot(const float* a, const float* b, int d) {
  float s = 0;
  for (int i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

// share * best + (1 - share) * mean(top m), of the values sorted descending.
float aggregate_top(std::vector<float> values, int m, float share) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end(), std::greater<float>());
  int n = std::min<int>(m, static_cast<int>(values.size()));
  float mean = 0;
  for (int i = 0; i < n; ++i) mean += values[i];
  mean /= n;
  return share * values[0] + (1 - share) * mean;
}

}  // namespace

float Matcher::confidence_of(float score) const {
  return 1.0f / (1.0f + std::exp(-(config_.calibration_a * score + config_.calibration_b)));
}

std::vector<float> Matcher::centroid_of(const ExpertEntry& e) const {
  const VectorIndex& vecs = index_.expert_vectors();
  const int d = vecs.dimension();
  std::vector<float> c(d, 0.0f);
  for (int64_t u : e.work_units)
    if (const float* v = vecs.vector(u))
      for (int i = 0; i < d; ++i) c[i] += v[i];
  l2_normalize(c.data(), d);
  return c;
}

Result<std::vector<Matcher::Scored>> Matcher::score_everyone(const Query& q) const {
  std::vector<Scored> all;
  for (const auto& [id, entry] : index_.experts()) {
    ComponentScores c = score_expert(q, entry, nullptr);
    all.push_back({&entry, c, fuse(c)});
  }
  if (config_.neighbor_share <= 0 || all.size() < 2) return all;
  // Each expert's work centroid, once for all pairs below.
  std::vector<std::vector<float>> centroids;
  centroids.reserve(all.size());
  for (const Scored& s : all) centroids.push_back(centroid_of(*s.entry));
  // Support from the query's best experts, weighted by centroid similarity.
  std::vector<size_t> order(all.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return all[a].score > all[b].score; });
  const size_t sources = std::min<size_t>(config_.neighbor_sources, order.size());
  const int d = index_.expert_vectors().dimension();
  std::vector<float> smoothed(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    const std::vector<float>& ci = centroids[i];
    float support = 0;
    int n = 0;
    for (size_t j = 0; j < sources; ++j) {
      if (order[j] == i) continue;
      float w = std::max(0.0f, dot(ci.data(), centroids[order[j]].data(), d));
      support += w * all[order[j]].score;
      ++n;
    }
    smoothed[i] = (1 - config_.neighbor_share) * all[i].score +
                  config_.neighbor_share * (n > 0 ? support / n : 0.0f);
  }
  for (size_t i = 0; i < all.size(); ++i) all[i].score = smoothed[i];
  return all;
}

float Matcher::fuse(const ComponentScores& c) const {
  return config_.weight_dense * c.dense + config_.weight_lexical * c.lexical +
         config_.weight_profile * c.profile;
}

Result<Matcher::Query> Matcher::make_query(const Problem& problem, bool score_all_units) const {
  Query q;
  q.problem = &problem;
  auto v = index_.embedder().embed({CorpusIndex::problem_text(problem)});
  if (!v) return v.status();
  q.vector = std::move(*v);
  const int d = static_cast<int>(q.vector.size());
  if (index_.unit_mean().size() != q.vector.size())
    return Status(ErrorCode::kInternal, "the index's unit mean does not match the query vector");
  q.mean = index_.unit_mean().data();
  q.centered.resize(d);
  for (int i = 0; i < d; ++i) q.centered[i] = q.vector[i] - q.mean[i];
  l2_normalize(q.centered.data(), d);
  q.mean_dot = dot(q.mean, q.centered.data(), d);
  q.mean_norm2 = dot(q.mean, q.mean, d);
  if (int k = coarse_dimensions(); k > 0) {
    q.coarse.assign(q.vector.begin(), q.vector.begin() + k);
    l2_normalize(q.coarse.data(), k);
  }
  auto t = index_.problem_terms(problem);
  if (!t) return t.status();
  q.terms = std::move(*t);
  const LexicalIndex& lex = index_.expert_lexical();
  const float k1 = index_.config().bm25.k1;
  double ceiling = 0;
  for (auto& [term, w] : q.terms) ceiling += w * lex.idf(term) * (k1 + 1);
  q.bm25_ceiling = ceiling > 0 ? static_cast<float>(ceiling) : 1.0f;
  if (score_all_units) {
    q.unit_bm25 = lex.score(q.terms);
    q.all_units_scored = true;
  }
  return q;
}

ComponentScores Matcher::score_expert(const Query& q, const ExpertEntry& e,
                                      std::vector<std::pair<int, float>>* per_work) const {
  const VectorIndex& vecs = index_.expert_vectors();
  const LexicalIndex& lex = index_.expert_lexical();
  const int d = vecs.dimension();
  auto bm25 = [&](int64_t unit) -> float {
    if (q.all_units_scored) {
      auto it = q.unit_bm25.find(unit);
      return it == q.unit_bm25.end() ? 0.0f : it->second;
    }
    return lex.score_one(q.terms, unit);
  };
  const int k = coarse_dimensions();
  const float* m = q.mean;
  std::vector<float> dense, coarse, lexical;
  std::vector<float> centroid(d, 0.0f), coarse_centroid(k, 0.0f);
  for (size_t w = 0; w < e.work_units.size(); ++w) {
    const float* v = vecs.vector(e.work_units[w]);
    float ds = 0;
    if (v) {
      // The cosine around the corpus mean: what every text shares is left out.
      float n2 = dot(v, v, d) - 2 * dot(v, m, d) + q.mean_norm2;
      float inv = n2 > 1e-12f ? 1.0f / std::sqrt(n2) : 0.0f;
      ds = std::max(0.0f, (dot(q.centered.data(), v, d) - q.mean_dot) * inv);
      for (int i = 0; i < d; ++i) centroid[i] += (v[i] - m[i]) * inv;
    }
    float ls = std::min(1.0f, bm25(e.work_units[w]) / q.bm25_ceiling);
    dense.push_back(ds);
    lexical.push_back(ls);
    if (k > 0) {
      // The cosine in the first k (strongest) LSA dimensions, not centred: broad topic.
      float c2 = v ? dot(v, v, k) : 0.0f;
      float inv = c2 > 0 ? 1.0f / std::sqrt(c2) : 0.0f;
      coarse.push_back(inv > 0 ? std::max(0.0f, dot(q.coarse.data(), v, k) * inv) : 0.0f);
      for (int i = 0; i < k && v; ++i) coarse_centroid[i] += v[i] * inv;
    }
    if (per_work) per_work->emplace_back(static_cast<int>(w), 0.5f * ds + 0.5f * ls);
  }
  ComponentScores c;
  c.dense = aggregate_top(dense, config_.top_works, config_.best_work_share);
  if (config_.centroid_share > 0 && !e.work_units.empty()) {
    l2_normalize(centroid.data(), d);
    float cs = std::max(0.0f, dot(q.centered.data(), centroid.data(), d));
    c.dense = (1 - config_.centroid_share) * c.dense + config_.centroid_share * cs;
  }
  if (k > 0 && !e.work_units.empty()) {
    float broad = aggregate_top(coarse, config_.top_works, config_.best_work_share);
    if (config_.centroid_share > 0) {
      l2_normalize(coarse_centroid.data(), k);
      float cs = std::max(0.0f, dot(q.coarse.data(), coarse_centroid.data(), k));
      broad = (1 - config_.centroid_share) * broad + config_.centroid_share * cs;
    }
    c.dense = (1 - config_.coarse_share) * c.dense + config_.coarse_share * broad;
  }
  c.lexical = aggregate_top(lexical, config_.top_works, config_.best_work_share);
  const float* pv = vecs.vector(e.profile_unit);
  float pd = pv ? std::max(0.0f, dot(q.vector.data(), pv, d)) : 0.0f;
  float pl = std::min(1.0f, bm25(e.profile_unit) / q.bm25_ceiling);
  c.profile = 0.5f * pd + 0.5f * pl;
  return c;
}

int Matcher::coarse_dimensions() const {
  // Only the LSA space orders its dimensions by strength; a remote model's do not.
  if (!index_.lsa() || config_.coarse_share <= 0) return 0;
  const int d = index_.expert_vectors().dimension();
  return config_.coarse_dimensions < d ? config_.coarse_dimensions : 0;
}

std::string Matcher::exclusion_reason(const Expert& e, const Problem& p,
                                      const MatchFilters& f) const {
  if (!e.available) return "unavailable";
  for (const auto& c : e.conflicts)
    if (!c.empty() && c == p.enterprise) return "conflict of interest with " + p.enterprise;
  if (f.exclude_experts.count(e.id)) return "excluded (rejected for this problem)";
  if (f.county && std::find(e.counties.begin(), e.counties.end(), *f.county) == e.counties.end())
    return "not stationed in " + *f.county;
  if (f.college && e.college != *f.college) return "not of college " + *f.college;
  if (f.title && e.title != *f.title) return "title is not " + *f.title;
  if (f.young_within_years &&
      (!e.birth_year || *e.birth_year < f.reference_year - *f.young_within_years))
    return "not young or mid-career";
  if (f.require_capacity) {
    auto it = f.used_capacity.find(e.id);
    int used = it == f.used_capacity.end() ? 0 : it->second;
    if (used >= e.capacity) return "no remaining capacity";
  }
  return "";
}

void Matcher::explain(const Query& q, const ExpertEntry& e,
                      const std::vector<std::pair<int, float>>& per_work,
                      std::vector<WorkEvidence>* works, std::vector<std::string>* fields,
                      std::vector<TermEvidence>* terms) const {
  // Best works.
  auto sorted = per_work;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](auto& a, auto& b) { return a.second > b.second; });
  std::vector<int64_t> evidence_units = {e.profile_unit};
  for (int i = 0; i < std::min<int>(config_.explain_works, static_cast<int>(sorted.size())); ++i) {
    if (sorted[i].second <= 0) break;
    const Work& w = e.expert.works[sorted[i].first];
    works->push_back({sorted[i].first, w.title, work_kind_name(w.kind), sorted[i].second});
    evidence_units.push_back(e.work_units[sorted[i].first]);
  }
  // Shared terms: query terms present in the profile or the best works.
  const LexicalIndex& lex = index_.expert_lexical();
  std::unordered_set<uint32_t> expert_terms;
  for (int64_t u : evidence_units)
    if (const WeightedTerms* t = lex.terms_of(u))
      for (auto& [id, w] : *t) expert_terms.insert(id);
  const TermModel& tm = index_.terms();
  struct Found {
    TermEvidence ev;
    TokenKind kind;
  };
  std::vector<Found> found;
  std::unordered_map<std::string, size_t> by_term;
  if (!q.field_tokens) {
    const Problem& p = *q.problem;
    std::string keywords;
    for (const auto& k : p.keywords) keywords += (keywords.empty() ? "" : "，") + k;
    q.field_tokens.emplace();
    for (auto [field, text] : {std::pair<const char*, const std::string*>{"title", &p.title},
                               {"keywords", &keywords},
                               {"description", &p.description}}) {
      auto toks = tm.tokens(*text);
      if (!toks) continue;
      Query::FieldTokens ft{field, std::move(*toks), {}};
      for (const Token& t : ft.tokens) ft.ids.push_back(tm.vocabulary().find(t.term));
      q.field_tokens->push_back(std::move(ft));
    }
  }
  for (const Query::FieldTokens& ft : *q.field_tokens) {
    const char* field = ft.field;
    for (size_t k = 0; k < ft.tokens.size(); ++k) {
      const Token& t = ft.tokens[k];
      uint32_t id = ft.ids[k];
      if (id == Vocabulary::kUnknown || !expert_terms.count(id)) continue;
      std::string key = std::string(field) + "\x1f" + t.term;
      auto it = by_term.find(key);
      if (it == by_term.end()) {
        by_term[key] = found.size();
        found.push_back({{t.term, field, {{t.begin, t.end}}, lex.idf(id)}, t.kind});
      } else {
        // A two-character word and its bigram share one span: name it once.
        auto& positions = found[it->second].ev.positions;
        std::pair<uint32_t, uint32_t> span(t.begin, t.end);
        if (std::find(positions.begin(), positions.end(), span) == positions.end())
          positions.push_back(span);
      }
    }
  }
  // Prefer whole words. Single Han characters say little, and bigrams often
  // straddle two words (沟道磨 -> 道磨): a bigram is named only while fewer
  // than three words are, and never when it lies inside a shared word.
  auto single_han = [](const Found& f) {
    return f.kind == TokenKind::kWord && f.ev.term.size() <= 3;
  };
  std::vector<Found> kept;
  std::set<std::string> word_terms;
  for (const auto& f : found)
    if (f.kind != TokenKind::kBigram && f.kind != TokenKind::kChar && !single_han(f)) {
      kept.push_back(f);
      word_terms.insert(f.ev.term);
    }
  for (const auto& f : found) {
    if (f.kind != TokenKind::kBigram || word_terms.size() >= 3) continue;
    bool inside = false;
    for (const auto& w : word_terms)
      if (w.size() > f.ev.term.size() && w.find(f.ev.term) != std::string::npos) inside = true;
    if (!inside) kept.push_back(f);
  }
  std::stable_sort(kept.begin(), kept.end(),
                   [](const Found& a, const Found& b) { return a.ev.weight > b.ev.weight; });
  float total = 0;
  for (const auto& f : kept) total += f.ev.weight;
  for (int i = 0; i < std::min<int>(config_.explain_terms, static_cast<int>(kept.size())); ++i) {
    TermEvidence ev = kept[i].ev;
    ev.weight = total > 0 ? ev.weight / total : 0;
    terms->push_back(std::move(ev));
  }
  // Research fields that share a term with the query.
  std::unordered_set<uint32_t> query_terms;
  for (auto& [id, w] : q.terms) query_terms.insert(id);
  for (const auto& field : e.expert.fields) {
    auto c = tm.counts(field);
    if (!c) continue;
    for (auto& [id, n] : *c)
      if (query_terms.count(id)) {
        fields->push_back(field);
        break;
      }
  }
}

Result<std::vector<ExpertMatch>> Matcher::rank_experts(const Problem& problem,
                                                       const MatchFilters& filters, int k) const {
  auto q = make_query(problem, /*score_all_units=*/true);
  if (!q) return q.status();
  auto everyone = score_everyone(*q);
  if (!everyone) return everyone.status();
  // The bar for a good match is relative to the best expert for this problem
  // before any filter: one far below that expert is no real solver, even when
  // the filters (a conflict, a county) have removed the better ones.
  float best = 0;
  for (const Scored& s : *everyone) best = std::max(best, s.score);
  const float bar = std::max(config_.good_match_threshold, config_.good_match_relative * best);
  std::vector<Scored> scored;
  for (const Scored& s : *everyone)
    if (exclusion_reason(s.entry->expert, problem, filters).empty()) scored.push_back(s);
  std::stable_sort(scored.begin(), scored.end(), [](const Scored& a, const Scored& b) {
    return a.score > b.score;  // map order already sorts ties by id
  });
  if (k >= 0 && static_cast<int>(scored.size()) > k) scored.resize(k);
  std::vector<ExpertMatch> out;
  for (const auto& s : scored) {
    ExpertMatch m;
    m.expert_id = s.entry->expert.id;
    m.expert_name = s.entry->expert.name;
    m.score = s.score;
    m.components = s.components;
    m.confidence = confidence_of(s.score);
    m.good_match = s.score >= bar;
    std::vector<std::pair<int, float>> per_work;
    score_expert(*q, *s.entry, &per_work);
    explain(*q, *s.entry, per_work, &m.works, &m.matched_fields, &m.terms);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::vector<ProblemMatch>> Matcher::rank_problems(const std::string& expert_id,
                                                         const MatchFilters& filters, int k) const {
  const ExpertEntry* e = index_.expert(expert_id);
  if (!e) return Status(ErrorCode::kNotFound, "no expert with id \"" + expert_id + "\"");
  // Each problem's query and per-work scores are kept for the explanations of
  // the top k, so that nothing is analysed or embedded twice.
  struct ScoredProblem {
    const ProblemEntry* entry;
    Query query;
    std::vector<std::pair<int, float>> per_work;
    ComponentScores c;
    float score;
  };
  std::vector<ScoredProblem> scored;
  const MatchFilters expert_filters;  // the expert-side filters do not apply per problem
  for (const auto& [id, p] : index_.problems()) {
    if (!is_open(p.problem.status)) continue;
    if (filters.county && p.problem.county != *filters.county) continue;
    if (!exclusion_reason(e->expert, p.problem, expert_filters).empty()) continue;
    auto q = make_query(p.problem);
    if (!q) return q.status();
    std::vector<std::pair<int, float>> per_work;
    ComponentScores c = score_expert(*q, *e, &per_work);
    scored.push_back({&p, std::move(*q), std::move(per_work), c, fuse(c)});
  }
  std::stable_sort(
      scored.begin(), scored.end(),
      [](const ScoredProblem& a, const ScoredProblem& b) { return a.score > b.score; });
  if (k >= 0 && static_cast<int>(scored.size()) > k) scored.resize(k);
  std::vector<ProblemMatch> out;
  for (const auto& s : scored) {
    ProblemMatch m;
    m.problem_id = s.entry->problem.id;
    m.title = s.entry->problem.title;
    m.score = s.score;
    m.components = s.c;
    m.confidence = confidence_of(s.score);
    m.good_match = s.score >= config_.good_match_threshold;
    std::vector<std::string> fields;
    explain(s.query, *e, s.per_work, &m.works, &fields, &m.terms);
    out.push_back(std::move(m));
  }
  return out;
}

Result<std::map<std::string, float>> Matcher::score_all(const Problem& problem) const {
  auto q = make_query(problem, /*score_all_units=*/true);
  if (!q) return q.status();
  auto everyone = score_everyone(*q);
  if (!everyone) return everyone.status();
  std::map<std::string, float> out;
  for (const Scored& s : *everyone) out[s.entry->expert.id] = s.score;
  return out;
}

Result<float> Matcher::score(const Problem& problem, const std::string& expert_id) const {
  if (!index_.expert(expert_id))
    return Status(ErrorCode::kNotFound, "no expert with id \"" + expert_id + "\"");
  auto all = score_all(problem);
  if (!all) return all.status();
  return all->at(expert_id);
}

}  // namespace expertmatch
