#include "indexer/corpus_index.h"

#include <algorithm>

#include <sys/stat.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <future>
#include <limits>
#include <optional>

#include <rapidjson/document.h>
#include <rapidjson/prettywriter.h>
#include <rapidjson/stringbuffer.h>

#include "corpus/exchange_format.h"
#include "corpus/repeated_works.h"
#include "indexer/parallel.h"

namespace expertmatch {
namespace {

// 2: units.bin ends with the unit mean; 3: each expert's record is followed
// by whether the city confirmed it (Expert::verified, not in the exchange
// format); 4: per-document BM25 statistics flag; 5: each problem's record is
// followed by Problem::verified.
constexpr int kFormatVersion = 6;

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

// A unit's fields joined into its text: a newline between each two, even
// empty ones (an expert with no research fields is "\n" + bio), as the text
// was always written: it is embedded, hashed (fit_hash, saved with a
// model) and sent to a remote embedder. `ends` (if given) gets the offset
// where each field ends.
std::string join_fields(const std::vector<std::string>& fields,
                        std::vector<size_t>* ends = nullptr) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += '\n';
    out += fields[i];
    if (ends) ends->push_back(out.size());
  }
  return out;
}

Status ensure_dir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST)
    return Status(ErrorCode::kIOError, dir + ": cannot create directory");
  return Status::ok();
}

}  // namespace

std::string index_config_id(const IndexConfig& c) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "lsa(d=%d,o=%d,q=%d,seed=%llu,min_df=%u,x=%.3f) faiss(%s) an(%d%d%d%d%d) "
                "bm25(%.3f,%.3f) w(%.2f,%.2f,%.2f,%.2f)",
                c.lsa.dimension, c.lsa.oversample, c.lsa.power_iterations,
                static_cast<unsigned long long>(c.lsa.seed), c.lsa.min_df, c.lsa.scale_exponent,
                c.faiss_factory.c_str(), c.analyzer.cjk_bigrams, c.analyzer.cjk_words,
                c.analyzer.cjk_unigrams, c.analyzer.stem, c.analyzer.remove_stop_words, c.bm25.k1,
                c.bm25.b, c.weight_title, c.weight_keywords, c.weight_text, c.weight_fields);
  std::string id = buf;
  if (c.exact_search_max_units != IndexConfig{}.exact_search_max_units ||
      c.ivf_probes != IndexConfig{}.ivf_probes)
    id += " approx(" + std::to_string(c.exact_search_max_units) + "," +
          std::to_string(c.ivf_probes) + ")";
  if (c.lsa.max_fit_documents != LsaOptions{}.max_fit_documents)
    id += " fit(" + std::to_string(c.lsa.max_fit_documents) + ")";
  // Only when set, so that the id of an LSA index stays what it was.
  if (c.remote.enabled())
    id += " remote(" + c.remote.url + "," + c.remote.model +
          ",d=" + std::to_string(c.remote.dimension) + ")";
  return id;
}

namespace {

// The longest prefix of `s` of at most `bytes` bytes that ends on a UTF-8
// character boundary.
std::string utf8_prefix(const std::string& s, size_t bytes) {
  if (s.size() <= bytes) return s;
  size_t n = bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

Problem CorpusIndex::analysed_part(const Problem& p) {
  size_t keyword_bytes = 0;
  for (const auto& k : p.keywords) keyword_bytes += k.size() + 3;  // "，" between keywords
  if (p.title.size() + keyword_bytes + p.description.size() <= kMaxAnalysedProblemBytes) return p;
  Problem out = p;
  size_t left = kMaxAnalysedProblemBytes;
  out.title = utf8_prefix(p.title, left);
  left -= out.title.size();
  out.keywords.clear();
  for (const auto& k : p.keywords) {
    if (k.size() + 3 > left) break;
    out.keywords.push_back(k);
    left -= k.size() + 3;
  }
  out.description = utf8_prefix(p.description, left);
  return out;
}

std::vector<std::string> CorpusIndex::problem_fields(const Problem& problem) {
  Problem p = analysed_part(problem);
  return {std::move(p.title), join(p.keywords, "，"), std::move(p.description)};
}

std::vector<std::string> CorpusIndex::profile_fields(const Expert& e) {
  return {join(e.fields, "，"), e.bio};
}

std::vector<std::string> CorpusIndex::work_fields(const Work& w) {
  return {w.title, join(w.keywords, "，"), w.abstract};
}

std::string CorpusIndex::problem_text(const Problem& problem) {
  return join_fields(problem_fields(problem));
}

std::string CorpusIndex::profile_text(const Expert& e) { return join_fields(profile_fields(e)); }

std::string CorpusIndex::work_text(const Work& w) { return join_fields(work_fields(w)); }

uint64_t CorpusIndex::record_hash(const Expert& e) {
  // What is indexed is what the expert is ranked as (an edit awaiting the
  // city: the confirmed version), so that is what the checksum reads.
  if (awaits_city(e)) return record_hash(ranked_version(e));
  // The confirmation is hashed too (only when withheld, so that the checksum
  // of confirmed records is what it always was): a saved index whose experts
  // are confirmed otherwise than in the store is stale.
  uint64_t h = fnv1a64(to_json(e), fnv1a64("E"));
  return e.verified ? h : fnv1a64("unconfirmed", h);
}
uint64_t CorpusIndex::record_hash(const Problem& p) {
  uint64_t h = fnv1a64(to_json(p), fnv1a64("P"));
  return p.verified ? h : fnv1a64("unconfirmed", h);
}

uint64_t CorpusIndex::fit_hash(const Expert& e) {
  uint64_t h = fnv1a64(profile_text(e), fnv1a64(e.id, fnv1a64("E")));
  for (const auto& f : e.fields) h = fnv1a64(f, fnv1a64("\x1f", h));
  for (const Work& w : e.works) {
    h = fnv1a64(work_text(w), fnv1a64("\x1e", h));
    for (const auto& k : w.keywords) h = fnv1a64(k, fnv1a64("\x1f", h));
  }
  return h;
}
uint64_t CorpusIndex::fit_hash(const Problem& p) {
  uint64_t h = fnv1a64(problem_text(p), fnv1a64(p.id, fnv1a64("P")));
  for (const auto& k : p.keywords) h = fnv1a64(k, fnv1a64("\x1f", h));
  return h;
}

uint64_t CorpusIndex::checksum_of(const std::vector<Expert>& experts,
                                  const std::vector<Problem>& problems) {
  uint64_t sum = 0;
  for (const auto& e : experts) sum ^= record_hash(e);
  for (const auto& p : problems) sum ^= record_hash(p);
  return sum;
}

uint64_t CorpusIndex::checksum_of(const std::vector<Expert>& experts,
                                  const std::vector<SharedProblem>& problems) {
  uint64_t sum = 0;
  for (const auto& e : experts) sum ^= record_hash(e);
  for (const auto& p : problems) sum ^= record_hash(*p);
  return sum;
}

Result<WeightedTerms> CorpusIndex::text_terms(const std::string& text) const {
  auto c = terms_->counts(text);
  if (!c) return c.status();
  WeightedTerms out;
  add_weighted(*c, 1.0f, &out);
  return out;
}

std::vector<float> CorpusIndex::problem_weights() const {
  return {config_.weight_title, config_.weight_keywords, config_.weight_text};
}

std::vector<float> CorpusIndex::profile_weights() const {
  return {config_.weight_fields, config_.weight_text};
}

std::vector<float> CorpusIndex::work_weights() const {
  return {config_.weight_title, config_.weight_keywords, config_.weight_text};
}

bool CorpusIndex::embeds_when_analysing() const { return lsa_ && &lsa_->terms() == terms_.get(); }

Result<WeightedTerms> CorpusIndex::analyse_unit(const std::vector<std::string>& fields,
                                                const std::vector<float>& weights, float* vector,
                                                float* seen_share) const {
  std::vector<size_t> ends;
  const std::string text = join_fields(fields, &ends);
  const bool embed = vector && embeds_when_analysing();
  std::vector<TermCounts> parts;
  auto whole = terms_->counts(text, ends, &parts, embed ? seen_share : nullptr);
  if (!whole) return whole.status();
  WeightedTerms out;
  for (size_t i = 0; i < parts.size() && i < weights.size(); ++i)
    add_weighted(parts[i], weights[i], &out);
  if (embed) lsa_->lsa().embed(*whole, vector);
  return out;
}

std::vector<Result<WeightedTerms>> CorpusIndex::analyse_expert(const Expert& e, float* vectors,
                                                               float* seen_shares,
                                                               int threads) const {
  const size_t d = static_cast<size_t>(std::max(0, embedder_->dimension()));
  std::vector<Result<WeightedTerms>> out(1 + e.works.size(), WeightedTerms{});
  parallel_for(out.size(), threads, [&](size_t u) {
    float* v = vectors ? vectors + u * d : nullptr;
    float* share = seen_shares ? seen_shares + u : nullptr;
    out[u] = u == 0 ? analyse_unit(profile_fields(e), profile_weights(), v, share)
                    : analyse_unit(work_fields(e.works[u - 1]), work_weights(), v, share);
  });
  return out;
}

Result<WeightedTerms> CorpusIndex::problem_terms(const Problem& problem) const {
  return analyse_unit(problem_fields(problem), problem_weights(), nullptr, nullptr);
}

Result<WeightedTerms> CorpusIndex::profile_terms(const Expert& e) const {
  return analyse_unit(profile_fields(e), profile_weights(), nullptr, nullptr);
}

Result<WeightedTerms> CorpusIndex::work_terms(const Work& w) const {
  return analyse_unit(work_fields(w), work_weights(), nullptr, nullptr);
}

Result<std::vector<float>> CorpusIndex::embed_one(const std::string& text) const {
  return embedder_->embed({text});
}

std::unordered_set<std::string> CorpusIndex::problems_outside_fit() const {
  // What an enterprise or a county filed and the city has not confirmed is
  // not learned from (unless nothing confirmed is there to learn from), as
  // for experts: no tenant's filings shape the model every county is matched
  // with, however many it files.
  const bool confirmed_only =
      std::any_of(problems_.begin(), problems_.end(),
                  [](const auto& p) { return p.second.problem().verified; }) ||
      std::any_of(experts_.begin(), experts_.end(),
                  [](const auto& e) { return e.second.expert.verified; });
  std::unordered_set<std::string> out;
  std::unordered_set<uint64_t> texts;
  for (const auto& [id, entry] : problems_) {
    if (confirmed_only && !entry.problem().verified) {
      out.insert(id);
      continue;
    }
    std::string text = problem_text(analysed_part(entry.problem()));
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
    if (!texts.insert(fnv1a64(text)).second) out.insert(id);
  }
  return out;
}

const FitCorpus& CorpusIndex::resolve_fit(const FitCorpus* given,
                                          const std::vector<const Expert*>& experts,
                                          const std::vector<const Problem*>& problems,
                                          FitCorpus* own) {
  if (given && !given->empty()) return *given;
  if (!given) {
    *own = FitCorpus::of(experts, problems);
    if (!own->empty()) return *own;
  }
  *own = FitCorpus::all_of(experts, problems);
  return *own;
}

std::vector<const Expert*> CorpusIndex::fit_experts(const FitCorpus& fit) {
  std::vector<const Expert*> experts = fit.experts();
  std::sort(experts.begin(), experts.end(),
            [](const Expert* a, const Expert* b) { return a->id < b->id; });
  return experts;
}

std::vector<const Problem*> CorpusIndex::fit_problems(const FitCorpus& fit) {
  std::vector<const Problem*> problems = fit.problems();
  std::sort(problems.begin(), problems.end(),
            [](const Problem* a, const Problem* b) { return a->id < b->id; });
  // The same problem posted again (white space aside) is no new evidence: it
  // weighs in the model once however often it is posted, in id order, as a
  // repeated work does.
  std::unordered_set<uint64_t> seen_texts;
  std::erase_if(problems, [&](const Problem* p) {
    std::string text = problem_text(analysed_part(*p));
    std::erase_if(text, [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; });
    return !seen_texts.insert(fnv1a64(text)).second;
  });
  return problems;
}

Status CorpusIndex::fit_model(const ProgressFn& progress, const FitCorpus& fit,
                              const std::vector<const Expert*>& learned_experts,
                              const std::vector<const Problem*>& learned_problems) {
  // What a county or an enterprise wrote and the city has not confirmed is
  // not learned from: it is folded in like a record added later
  // (Unit::seen_share), so no tenant's records shape the model every county
  // is matched with (unless nothing else is there to learn from). The
  // caller's FitCorpus also holds what the index does not (withdrawn and
  // closed problems, the confirmed versions of records edited since).
  learned_from_ = fit.hashes();
  std::vector<std::string> texts;
  std::vector<std::string> keys;  // a stable name of each text, for the fit's sample
  std::vector<std::string> extra_terms;
  for (const Expert* e : learned_experts) {
    texts.push_back(profile_text(*e));
    keys.push_back(e->id + "/E");
    for (const auto& f : e->fields) extra_terms.push_back(f);
    const std::vector<int> repeat_of = find_repeated_works(*e);
    for (size_t i = 0; i < e->works.size(); ++i) {
      // Repeated works count once in the model as in the scores.
      if (repeat_of[i] >= 0) continue;
      const Work& w = e->works[i];
      texts.push_back(work_text(w));
      keys.push_back(e->id + "/W" + std::to_string(i));
      for (const auto& k : w.keywords) extra_terms.push_back(k);
    }
  }
  for (const Problem* p : learned_problems) {
    texts.push_back(problem_text(*p));
    keys.push_back(p->id + "/P");
    for (const auto& k : p->keywords) extra_terms.push_back(k);
  }
  // The embedding is fitted on at most max_fit_documents of the texts (the
  // rest are folded in like any new text): its dense matrices grow with the
  // documents it reads. The term model counts every text, and gives the
  // sample's counts from that one analysis.
  const bool remote = config_.remote.enabled();
  std::vector<size_t> sample;
  if (!remote) sample = lsa_fit_sample(keys, config_.lsa.max_fit_documents, config_.lsa.seed);
  std::vector<std::string>().swap(keys);
  std::vector<TermCounts> docs;
  auto terms = TermModel::fit(texts, extra_terms, config_.analyzer, config_.build_threads, sample,
                              remote ? nullptr : &docs);
  if (!terms) return terms.status();
  terms_ = *terms;
  if (remote) {
    // A fresh client: an explicit refit may learn a new dimension.
    auto remote = RemoteEmbedder::create(config_.remote);
    if (!remote) return remote.status();
    embedder_ = std::move(*remote);
    lsa_ = nullptr;
    return Status::ok();
  }
  std::vector<std::string>().swap(extra_terms);
  const size_t text_count = texts.size();
  std::vector<std::string>().swap(texts);
#ifdef __GLIBC__
  // Every text was a small allocation; freed, they are holes in malloc's
  // heap that glibc keeps (60 MB at 100,000 problems) while the fit below
  // takes its matrices from fresh pages. Handed back, they do not add to the
  // build's peak.
  malloc_trim(0);
#endif
  if (progress) progress(text_count / 4, text_count);
  std::vector<float> idf(terms_->vocabulary().size());
  for (size_t t = 0; t < idf.size(); ++t) idf[t] = terms_->idf(static_cast<uint32_t>(t));
  auto lsa = LsaModel::fit(std::move(docs), idf, idf.size(), config_.lsa);
  if (!lsa) return lsa.status();
  BinaryWriter w(BinaryWriter::Mode::kHashOnly);
  terms_->save(&w);
  lsa->save(&w);
  std::string id = "lsa1-" + hex64(w.file_hash());
  auto embedder = std::make_unique<LsaEmbedder>(terms_, std::move(*lsa), id);
  lsa_ = embedder.get();
  embedder_ = std::move(embedder);
  return Status::ok();
}

Status CorpusIndex::register_expert(const Expert& e, ExpertEntry* entry, std::vector<int64_t>* ids,
                                    std::vector<std::string>* texts,
                                    std::vector<Result<WeightedTerms>>* terms) {
  if (&entry->expert != &e) entry->expert = e;
  entry->profile_unit = next_unit_++;
  units_[entry->profile_unit] = {UnitKind::kProfile, e.id, -1};
  if (texts) texts->push_back(profile_text(e));
  ids->push_back(entry->profile_unit);
  auto pt = terms ? std::move((*terms)[0]) : profile_terms(e);
  if (!pt) return pt.status();
  // An unconfirmed record is found and scored but weighs in nobody's BM25
  // statistics (N, df, lengths): a county's records move no other county's
  // scores.
  expert_lexical_.add(entry->profile_unit, *pt, e.verified);
  entry->work_units.clear();
  entry->repeat_of = find_repeated_works(e);
  for (size_t i = 0; i < e.works.size(); ++i) {
    int64_t u = next_unit_++;
    units_[u] = {UnitKind::kWork, e.id, static_cast<int>(i)};
    entry->work_units.push_back(u);
    if (texts) texts->push_back(work_text(e.works[i]));
    ids->push_back(u);
    // A repeated work is never scored, and must not weigh in the term
    // statistics (BM25's document frequencies and lengths) either.
    if (entry->repeat_of[i] >= 0) continue;
    auto wt = terms ? std::move((*terms)[1 + i]) : work_terms(e.works[i]);
    if (!wt) return wt.status();
    expert_lexical_.add(u, *wt, e.verified);
  }
  return Status::ok();
}

Status CorpusIndex::register_problem(SharedProblem p, ProblemEntry* entry,
                                     std::vector<int64_t>* ids, Result<WeightedTerms>* terms) {
  entry->unit = next_unit_++;
  units_[entry->unit] = {UnitKind::kProblem, p->id, -1};
  entry->record = std::move(p);
  auto t = std::move(*terms);
  if (!t) return t.status();
  problem_lexical_.add(entry->unit, *t);
  ids->push_back(entry->unit);
  return Status::ok();
}

Result<std::vector<float>> CorpusIndex::embed_all(const std::vector<std::string>& texts,
                                                  std::vector<float>* seen_shares) const {
  if (seen_shares) seen_shares->assign(texts.size(), 1.0f);
  if (texts.empty()) return std::vector<float>();
  if (lsa_ && seen_shares && (config_.build_threads <= 1 || texts.size() < 256))
    return lsa_->embed(texts, seen_shares);
  if (!lsa_ || config_.build_threads <= 1 || texts.size() < 256) return embedder_->embed(texts);
  // The built-in embedder analyses each text (the cost): in parallel, each
  // text's vector into its own row. A remote embedder batches by itself.
  const int d = embedder_->dimension();
  std::vector<float> vecs(texts.size() * d);
  std::vector<Status> failed(texts.size());
  parallel_for(texts.size(), config_.build_threads, [&](size_t i) {
    std::vector<float> share;
    auto v = lsa_->embed({texts[i]}, seen_shares ? &share : nullptr);
    if (v && seen_shares) (*seen_shares)[i] = share[0];
    if (v)
      std::copy(v->begin(), v->end(), vecs.begin() + static_cast<std::ptrdiff_t>(i * d));
    else
      failed[i] = v.status();
  });
  for (const Status& f : failed)
    if (!f) return f;
  return vecs;
}

Status CorpusIndex::embed_into(const std::vector<int64_t>& ids,
                               const std::vector<std::string>& texts, VectorIndex* into,
                               std::vector<float>* seen_shares) const {
  if (ids.empty()) return Status::ok();
  auto vecs = embed_all(texts, seen_shares);
  if (!vecs) return vecs.status();
  return into->add(ids, vecs->data());
}

CorpusIndex::Prepared CorpusIndex::prepare_expert(const Expert& given) const {
  std::optional<Expert> view;
  const Expert& e = awaits_city(given) ? view.emplace(ranked_version(given)) : given;
  Prepared out;
  out.model = embedder_.get();
  const size_t units = 1 + e.works.size();
  // The works of an expert with many analysed in parallel, as embed_all did.
  const int threads = units < 256 ? 1 : config_.build_threads;
  if (embeds_when_analysing()) {
    out.vectors.resize(units * static_cast<size_t>(embedder_->dimension()));
    out.seen_shares.assign(units, 1.0f);
    out.terms = analyse_expert(e, out.vectors.data(), out.seen_shares.data(), threads);
    for (const auto& t : out.terms)
      if (!t) {
        out.status = t.status();
        break;
      }
    return out;
  }
  out.terms = analyse_expert(e, nullptr, nullptr, threads);
  std::vector<std::string> texts = {profile_text(e)};
  for (const Work& w : e.works) texts.push_back(work_text(w));
  auto vecs = embed_all(texts, &out.seen_shares);
  if (vecs)
    out.vectors = std::move(*vecs);
  else
    out.status = vecs.status();
  return out;
}

CorpusIndex::Prepared CorpusIndex::prepare_problem(const Problem& p) const {
  Prepared out;
  out.model = embedder_.get();
  if (embeds_when_analysing()) {
    out.vectors.resize(static_cast<size_t>(embedder_->dimension()));
    out.seen_shares.assign(1, 1.0f);
    out.terms.push_back(analyse_unit(problem_fields(p), problem_weights(), out.vectors.data(),
                                     out.seen_shares.data()));
    if (!out.terms[0]) out.status = out.terms[0].status();
    return out;
  }
  out.terms.push_back(problem_terms(p));
  auto vecs = embed_all({problem_text(p)}, &out.seen_shares);
  if (vecs)
    out.vectors = std::move(*vecs);
  else
    out.status = vecs.status();
  return out;
}

Status CorpusIndex::reindex_all(const ProgressFn& progress,
                                const std::vector<const Expert*>& learned_experts,
                                const std::vector<const Problem*>& learned_problems) {
  if (embedder_->dimension() == 0) {
    // A remote embedder learns its dimension from its first answer, and the
    // vector indexes need it before the first vector is added.
    std::string first = !experts_.empty() ? profile_text(experts_.begin()->second.expert)
                                          : problem_text(problems_.begin()->second.problem());
    auto probe = embedder_->embed({first});
    if (!probe) return probe.status();
  }
  if (embedder_->dimension() <= 0)
    return Status(ErrorCode::kCorruption, "the embedder returned vectors of dimension 0");
  size_t expert_units = 0;
  for (const auto& [id, entry] : experts_) expert_units += 1 + entry.expert.works.size();
  std::string expert_factory = config_.faiss_factory;
  if ((expert_factory == "Flat" || expert_factory.empty()) &&
      expert_units > config_.exact_search_max_units) {
    size_t lists = 16;
    while (lists * 2 <= 2 * std::sqrt(static_cast<double>(expert_units))) lists *= 2;
    expert_factory = "IVF" + std::to_string(lists) + ",Flat";
  }
  auto ev = VectorIndex::create(embedder_->dimension(), expert_factory, config_.ivf_probes);
  if (!ev) return ev.status();
  auto pv = VectorIndex::create(embedder_->dimension(), config_.faiss_factory);
  if (!pv) return pv.status();
  expert_vectors_ = std::move(*ev);
  problem_vectors_ = std::move(*pv);
  expert_lexical_ = LexicalIndex(config_.bm25);
  problem_lexical_ = TermVectorStore(config_.bm25);
  units_.clear();
  next_unit_ = 0;
  size_t total = experts_.size() + problems_.size(), done = 0;
  // All vectors of a kind go to Faiss in one add: a structure that is trained
  // (inverted lists) is trained once, on a sample of all of them.
  std::vector<int64_t> ids;
  std::vector<std::string> texts;
  // The records' term vectors (text analysis, the cost) are computed in
  // parallel a block of records at a time; units are then numbered and
  // added in record order, as one at a time would.
  constexpr size_t kBlock = 2048;
  std::vector<ExpertEntry*> expert_block;
  std::vector<std::vector<Result<WeightedTerms>>> expert_terms;
  // With the built-in embedder each unit's text is analysed once, for its
  // terms and its vector (analyse_unit); a remote one is sent the texts.
  const bool one_analysis = embeds_when_analysing();
  const size_t d = static_cast<size_t>(embedder_->dimension());
  // Units of the fit know every word of their text (seen share 1); an
  // unconfirmed record's were left out of the fit.
  const bool any_unconfirmed = std::any_of(experts_.begin(), experts_.end(),
                                           [](const auto& e) { return !e.second.expert.verified; });
  std::vector<float> vectors;  // one_analysis: the rows of `ids`, in order
  if (one_analysis) vectors.reserve(expert_units * d);
  std::vector<float> shares;  // the same, when measured
  std::vector<std::vector<float>> block_vectors, block_shares;
  auto flush_experts = [&]() -> Status {
    const size_t n = expert_block.size();
    expert_terms.assign(n, {});
    block_vectors.assign(n, {});
    block_shares.assign(n, {});
    parallel_for(n, config_.build_threads, [&](size_t i) {
      const Expert& e = expert_block[i]->expert;
      if (!one_analysis) {
        expert_terms[i] = analyse_expert(e, nullptr, nullptr, 1);
        return;
      }
      const size_t units = 1 + e.works.size();
      block_vectors[i].resize(units * d);
      if (any_unconfirmed) block_shares[i].assign(units, 1.0f);
      expert_terms[i] = analyse_expert(e, block_vectors[i].data(),
                                       any_unconfirmed ? block_shares[i].data() : nullptr, 1);
    });
    for (size_t i = 0; i < n; ++i) {
      Status s = register_expert(expert_block[i]->expert, expert_block[i], &ids,
                                 one_analysis ? nullptr : &texts, &expert_terms[i]);
      if (!s) return s;
      vectors.insert(vectors.end(), block_vectors[i].begin(), block_vectors[i].end());
      shares.insert(shares.end(), block_shares[i].begin(), block_shares[i].end());
    }
    done += n;
    if (progress) progress(total / 2 + done / 4, total);
    expert_block.clear();
    return Status::ok();
  };
  for (auto& [id, entry] : experts_) {
    expert_block.push_back(&entry);
    if (expert_block.size() == kBlock) {
      Status s = flush_experts();
      if (!s) return s;
    }
  }
  Status s = flush_experts();
  if (!s) return s;
  std::vector<std::vector<float>>().swap(block_vectors);
  std::vector<std::vector<float>>().swap(block_shares);
  if (one_analysis) {
    if (!ids.empty()) s = expert_vectors_->add(ids, vectors.data());
  } else {
    s = embed_into(ids, texts, expert_vectors_.get(), any_unconfirmed ? &shares : nullptr);
  }
  if (!s) return s;
  std::vector<float>().swap(vectors);
  set_seen_shares(ids, shares);
  ids.clear();
  texts.clear();
  // Problems are analysed and embedded a block at a time, and a structure
  // that needs no training (flat, the default) takes each block's vectors at
  // once: neither every problem's text nor a second copy of every vector is
  // held beside the index (100 MB each at 100,000 problems). A structure that
  // is trained takes them all in one add, as the expert units do.
  // Problems left out of the fit (problems_outside_fit) know only their
  // seen share; then every problem's share is measured, as for experts.
  const std::unordered_set<std::string> outside = problems_outside_fit();
  shares.clear();
  const bool add_per_block = config_.faiss_factory == "Flat" || config_.faiss_factory.empty();
  if (add_per_block) problem_vectors_->reserve(problems_.size());
  std::vector<float> all_vectors;  // when !add_per_block
  std::vector<ProblemEntry*> problem_block;
  std::vector<Result<WeightedTerms>> problem_terms_block;
  std::vector<std::string> block_texts;
  auto flush_problems = [&]() -> Status {
    const size_t n = problem_block.size();
    problem_terms_block.assign(n, WeightedTerms{});
    const bool measure = !outside.empty();
    if (one_analysis) {
      vectors.resize(n * d);
      if (measure) shares.assign(n, 1.0f);
    } else {
      block_texts.assign(n, std::string());
    }
    parallel_for(n, config_.build_threads, [&](size_t i) {
      const Problem& p = problem_block[i]->problem();
      if (one_analysis) {
        problem_terms_block[i] =
            analyse_unit(problem_fields(p), problem_weights(), vectors.data() + i * d,
                         measure ? shares.data() + i : nullptr);
      } else {
        problem_terms_block[i] = problem_terms(p);
        block_texts[i] = problem_text(p);
      }
    });
    std::vector<int64_t> block_ids;
    for (size_t i = 0; i < problem_block.size(); ++i) {
      Status s = register_problem(problem_block[i]->record, problem_block[i], &block_ids,
                                  &problem_terms_block[i]);
      if (!s) return s;
    }
    if (!one_analysis) {
      auto embedded = embed_all(block_texts, measure ? &shares : nullptr);
      if (!embedded) return embedded.status();
      vectors = std::move(*embedded);
    }
    set_seen_shares(block_ids, shares);
    if (add_per_block) {
      Status s = problem_vectors_->add(block_ids, vectors.data());
      if (!s) return s;
    } else {
      ids.insert(ids.end(), block_ids.begin(), block_ids.end());
      all_vectors.insert(all_vectors.end(), vectors.begin(), vectors.end());
    }
    done += problem_block.size();
    if (progress) progress(total / 2 + done / 4, total);
    problem_block.clear();
    return Status::ok();
  };
  for (auto& [id, entry] : problems_) {
    problem_block.push_back(&entry);
    if (problem_block.size() == kBlock) {
      s = flush_problems();
      if (!s) return s;
    }
  }
  s = flush_problems();
  if (!s) return s;
  std::vector<std::string>().swap(block_texts);
  if (!add_per_block && !ids.empty()) {
    s = problem_vectors_->add(ids, all_vectors.data());
    if (!s) return s;
  }
  std::vector<float>().swap(all_vectors);
  // The mean of the vectors of the units the model was fitted on (the fit's
  // experts' distinct works, its distinct problems), part of the fitted
  // model: later upserts do not move it, refit() does. A fit record the
  // index holds as it is has its vectors here; the others (withdrawn
  // problems, confirmed versions of records edited since) are embedded.
  std::vector<const float*> rows;    // in order: experts' works by id, then problems by id
  std::vector<size_t> embedded_row;  // for a null in rows: its row in `embedded`
  std::vector<std::string> to_embed;
  auto stored = [&](int64_t unit, const VectorIndex& vecs) {
    if (const float* v = vecs.vector(unit)) rows.push_back(v);
  };
  auto later = [&](std::string text) {
    rows.push_back(nullptr);
    embedded_row.push_back(to_embed.size());
    to_embed.push_back(std::move(text));
  };
  for (const Expert* e : learned_experts) {
    auto it = experts_.find(e->id);
    if (it != experts_.end() && fit_hash(it->second.expert) == fit_hash(*e)) {
      const ExpertEntry& entry = it->second;
      for (size_t w = 0; w < entry.work_units.size(); ++w)
        if (entry.repeat_of[w] < 0) stored(entry.work_units[w], *expert_vectors_);
    } else {
      const std::vector<int> repeat_of = find_repeated_works(*e);
      for (size_t w = 0; w < e->works.size(); ++w)
        if (repeat_of[w] < 0) later(work_text(e->works[w]));
    }
  }
  for (const Problem* p : learned_problems) {
    auto it = problems_.find(p->id);
    // The service's fit points at the very records the index shares.
    if (it != problems_.end() &&
        (it->second.record.get() == p || fit_hash(it->second.problem()) == fit_hash(*p)))
      stored(it->second.unit, *problem_vectors_);
    else
      later(problem_text(*p));
  }
  std::vector<float> embedded;
  if (!to_embed.empty()) {
    auto vecs = embed_all(to_embed);
    if (!vecs) return vecs.status();
    embedded = std::move(*vecs);
  }
  std::vector<double> sum(d, 0.0);
  size_t next_embedded = 0;
  for (const float* v : rows) {
    if (!v) v = embedded.data() + embedded_row[next_embedded++] * d;
    for (size_t i = 0; i < d; ++i) sum[i] += v[i];
  }
  const size_t n = rows.size();
  unit_mean_.assign(d, 0.0f);
  for (size_t i = 0; i < d && n > 0; ++i) unit_mean_[i] = static_cast<float>(sum[i] / n);
  return Status::ok();
}

void CorpusIndex::unskip(const char* kind, const std::string& id) {
  std::string shown = printable_text(id);
  std::erase_if(skipped_, [&](const SkippedRecord& r) { return r.kind == kind && r.id == shown; });
}

template <typename Record>
std::string CorpusIndex::screen(const char* kind, const Record& record) {
  unskip(kind, record.id);
  // The analyser refuses text that is not valid UTF-8, and the term model is
  // fitted on all texts at once: one such record would fail the whole build.
  std::vector<FieldError> errors = check_record(record);
  if (errors.empty()) return "";
  std::string reason = errors.front().field + ": " + errors.front().reason;
  if (errors.size() > 1) reason += " (and " + std::to_string(errors.size() - 1) + " more)";
  skipped_.push_back({kind, printable_text(record.id), reason});
  return reason;
}

Result<std::unique_ptr<CorpusIndex>> CorpusIndex::build_shared(
    const std::vector<Expert>& experts, const std::vector<SharedProblem>& problems,
    const IndexConfig& config, const ProgressFn& progress, const FitCorpus* fit) {
  std::unique_ptr<CorpusIndex> index(new CorpusIndex());
  index->config_ = config;
  for (const auto& given : experts) {
    // Each as it is ranked (ranked_version): an edit awaiting the city as
    // the version the city confirmed.
    std::optional<Expert> view;
    const Expert& e = awaits_city(given) ? view.emplace(ranked_version(given)) : given;
    if (!index->screen("expert", e).empty()) continue;
    index->experts_[e.id].expert = e;
    index->checksum_ ^= record_hash(e);
  }
  for (const auto& p : problems) {
    if (!index->screen("problem", *p).empty()) continue;
    index->problems_[p->id].record = p;
    index->checksum_ ^= record_hash(*p);
  }
  Status s = index->refit(progress, fit);
  if (!s) return s;
  return index;
}

Result<std::unique_ptr<CorpusIndex>> CorpusIndex::build(const std::vector<Expert>& experts,
                                                        const std::vector<Problem>& problems,
                                                        const IndexConfig& config,
                                                        const ProgressFn& progress,
                                                        const FitCorpus* fit) {
  std::vector<SharedProblem> shared;
  shared.reserve(problems.size());
  for (const auto& p : problems) shared.push_back(std::make_shared<const Problem>(p));
  return build_shared(experts, shared, config, progress, fit);
}

Status CorpusIndex::refit(const ProgressFn& progress, const FitCorpus* given) {
  if (experts_.empty() && problems_.empty())
    return Status(ErrorCode::kInvalidArgument, "cannot index an empty corpus");
  std::vector<const Expert*> experts;
  std::vector<const Problem*> problems;
  for (const auto& [id, entry] : experts_) experts.push_back(&entry.expert);
  for (const auto& [id, entry] : problems_) problems.push_back(entry.record.get());
  FitCorpus own;
  const FitCorpus& fit = resolve_fit(given, experts, problems, &own);
  const std::vector<const Expert*> ordered_experts = fit_experts(fit);
  const std::vector<const Problem*> distinct_problems = fit_problems(fit);
  Status s = fit_model(progress, fit, ordered_experts, distinct_problems);
  if (!s) return s;
  return reindex_all(progress, ordered_experts, distinct_problems);
}

Result<size_t> CorpusIndex::catch_up(const std::vector<Expert>& experts,
                                     const std::vector<SharedProblem>& problems,
                                     double max_changed_share) {
  std::vector<const Expert*> expert_upserts;
  std::vector<std::string> expert_removals;
  std::unordered_map<std::string_view, const Expert*> given_experts;
  for (const auto& e : experts) {
    given_experts.emplace(e.id, &e);
    auto it = experts_.find(e.id);
    if (it == experts_.end() || record_hash(it->second.expert) != record_hash(e))
      expert_upserts.push_back(&e);
  }
  for (const auto& [id, entry] : experts_)
    if (!given_experts.count(id)) expert_removals.push_back(id);
  std::vector<const SharedProblem*> problem_upserts;
  std::vector<std::string> problem_removals;
  std::unordered_map<std::string_view, const SharedProblem*> given_problems;
  for (const auto& p : problems) {
    given_problems.emplace(p->id, &p);
    auto it = problems_.find(p->id);
    if (it == problems_.end() || record_hash(it->second.problem()) != record_hash(*p))
      problem_upserts.push_back(&p);
  }
  for (const auto& [id, entry] : problems_)
    if (!given_problems.count(id)) problem_removals.push_back(id);
  const size_t changed = expert_upserts.size() + expert_removals.size() + problem_upserts.size() +
                         problem_removals.size();
  const size_t records =
      std::max(experts_.size() + problems_.size(), experts.size() + problems.size());
  if (static_cast<double>(changed) > max_changed_share * static_cast<double>(records))
    return Status(ErrorCode::kConflict,
                  std::to_string(changed) + " of " + std::to_string(records) +
                      " records changed since the index was saved, more than the share a saved "
                      "model takes without a refit");
  // Removals first, then upserts in id order: the same operations a running
  // index would have seen, whatever order they came in.
  for (const auto& id : expert_removals) {
    Status s = remove_expert(id);
    if (!s) return s;
  }
  for (const auto& id : problem_removals) {
    Status s = remove_problem(id);
    if (!s) return s;
  }
  std::sort(expert_upserts.begin(), expert_upserts.end(),
            [](const Expert* a, const Expert* b) { return a->id < b->id; });
  for (const Expert* e : expert_upserts) {
    Status s = upsert_expert(*e);
    if (!s && s.code() != ErrorCode::kInvalidArgument) return s;  // kInvalidArgument: skipped
  }
  std::sort(problem_upserts.begin(), problem_upserts.end(),
            [](const SharedProblem* a, const SharedProblem* b) { return (*a)->id < (*b)->id; });
  for (const SharedProblem* p : problem_upserts) {
    Status s = upsert_problem(*p, prepare_problem(**p));
    if (!s && s.code() != ErrorCode::kInvalidArgument) return s;
  }
  return changed;
}

Status CorpusIndex::upsert_expert(const Expert& e) { return upsert_expert(e, prepare_expert(e)); }

Status CorpusIndex::upsert_expert(const Expert& given, Prepared&& prepared) {
  // Indexed as it is ranked (ranked_version): an edit awaiting the city as
  // the version the city confirmed. prepare_expert() analysed the same.
  std::optional<Expert> view;
  const Expert& e = awaits_city(given) ? view.emplace(ranked_version(given)) : given;
  auto it = experts_.find(e.id);
  if (it != experts_.end()) {
    Status s = remove_expert(e.id);
    if (!s) return s;
  }
  std::string why = screen("expert", e);
  if (!why.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "expert \"" + printable_text(e.id) + "\" left out of the index: " + why);
  if (prepared.model != embedder_.get()) prepared = prepare_expert(e);  // refitted meanwhile
  if (!prepared.status) return prepared.status;
  ExpertEntry entry;
  std::vector<int64_t> ids;
  Status s = register_expert(e, &entry, &ids, nullptr, &prepared.terms);
  if (!s) return s;
  set_seen_shares(ids, prepared.seen_shares);
  s = expert_vectors_->add(ids, prepared.vectors.data());
  if (!s) return s;
  experts_[e.id] = std::move(entry);
  checksum_ ^= record_hash(e);
  return Status::ok();
}

Status CorpusIndex::remove_expert(const std::string& id) {
  unskip("expert", id);
  auto it = experts_.find(id);
  if (it == experts_.end()) return Status(ErrorCode::kNotFound, "no expert \"" + id + "\"");
  std::vector<int64_t> ids = {it->second.profile_unit};
  ids.insert(ids.end(), it->second.work_units.begin(), it->second.work_units.end());
  Status s = expert_vectors_->remove(ids);
  if (!s) return s;
  for (int64_t u : ids) {
    expert_lexical_.remove(u);
    units_.erase(u);
  }
  checksum_ ^= record_hash(it->second.expert);
  experts_.erase(it);
  return Status::ok();
}

Status CorpusIndex::upsert_problem(const Problem& p) {
  return upsert_problem(p, prepare_problem(p));
}

Status CorpusIndex::upsert_problem(const Problem& p, Prepared&& prepared) {
  return upsert_problem(std::make_shared<const Problem>(p), std::move(prepared));
}

Status CorpusIndex::upsert_problem(SharedProblem record, Prepared&& prepared) {
  const Problem& p = *record;
  if (problems_.count(p.id)) {
    Status s = remove_problem(p.id);
    if (!s) return s;
  }
  std::string why = screen("problem", p);
  if (!why.empty())
    return Status(ErrorCode::kInvalidArgument,
                  "problem \"" + printable_text(p.id) + "\" left out of the index: " + why);
  if (prepared.model != embedder_.get()) prepared = prepare_problem(p);  // refitted meanwhile
  if (!prepared.status) return prepared.status;
  ProblemEntry entry;
  std::vector<int64_t> ids;
  const uint64_t hash = record_hash(p);
  const std::string id = p.id;
  Status s = register_problem(std::move(record), &entry, &ids, &prepared.terms[0]);
  if (!s) return s;
  set_seen_shares(ids, prepared.seen_shares);
  s = problem_vectors_->add(ids, prepared.vectors.data());
  if (!s) return s;
  problems_[id] = std::move(entry);
  checksum_ ^= hash;
  return Status::ok();
}

Status CorpusIndex::remove_problem(const std::string& id) {
  unskip("problem", id);
  auto it = problems_.find(id);
  if (it == problems_.end()) return Status(ErrorCode::kNotFound, "no problem \"" + id + "\"");
  Status s = problem_vectors_->remove({it->second.unit});
  if (!s) return s;
  problem_lexical_.remove(it->second.unit);
  units_.erase(it->second.unit);
  checksum_ ^= record_hash(it->second.problem());
  problems_.erase(it);
  return Status::ok();
}

void CorpusIndex::set_seen_shares(const std::vector<int64_t>& ids,
                                  const std::vector<float>& shares) {
  if (shares.size() != ids.size()) return;  // a remote embedder's: every text is represented
  for (size_t i = 0; i < ids.size(); ++i) units_[ids[i]].seen_share = shares[i];
}

const ExpertEntry* CorpusIndex::expert(const std::string& id) const {
  auto it = experts_.find(id);
  return it == experts_.end() ? nullptr : &it->second;
}

const ProblemEntry* CorpusIndex::problem(const std::string& id) const {
  auto it = problems_.find(id);
  return it == problems_.end() ? nullptr : &it->second;
}

const Unit* CorpusIndex::unit(int64_t id) const {
  auto it = units_.find(id);
  return it == units_.end() ? nullptr : &it->second;
}

Status CorpusIndex::save(const std::string& dir) const {
  Status s = ensure_dir(dir);
  if (!s) return s;
  // The two vector files (Faiss's own writer, 430 MB at full size) are
  // written on another thread while this one writes the model and the units:
  // the save was the build's last 10 s, one core idle (docs/performance.md).
  // The future's destructor waits for it on every return below, so nothing
  // is left writing once save() has returned.
  std::future<Status> vectors = std::async(std::launch::async, [this, &dir]() -> Status {
    Status vs = expert_vectors_->save(dir + "/experts");
    if (!vs) return vs;
    return problem_vectors_->save(dir + "/problems");
  });
  // Each file is streamed to disk as it is written (never held whole in
  // memory: units.bin of 100,000 problems is over 100 MB).
  auto model_file = AtomicFile::open(dir + "/model.bin");
  if (!model_file) return model_file.status();
  BinaryWriter model(model_file->get());
  model.u32(kFormatVersion);
  terms_->save(&model);
  if (lsa_) lsa_->lsa().save(&model);  // a remote embedder has no model to save
  model.vec(learned_from_);
  s = model.commit();
  if (!s) return s;

  auto units_file = AtomicFile::open(dir + "/units.bin");
  if (!units_file) return units_file.status();
  BinaryWriter units(units_file->get());
  units.u32(kFormatVersion);
  units.u64(static_cast<uint64_t>(next_unit_));
  units.u64(experts_.size());
  for (const auto& [id, e] : experts_) {
    units.str(to_json(e.expert));
    units.u32(e.expert.verified ? 1 : 0);
    units.u64(static_cast<uint64_t>(e.profile_unit));
    units.vec(e.work_units);
  }
  units.u64(problems_.size());
  for (const auto& [id, p] : problems_) {
    units.str(to_json(p.problem()));
    units.u32(p.problem().verified ? 1 : 0);
    units.u64(static_cast<uint64_t>(p.unit));
  }
  expert_lexical_.save(&units);
  problem_lexical_.save(&units);
  units.vec(unit_mean_);
  // The units not wholly known to the model (added after the fit), in id
  // order so that the same index saves the same bytes.
  std::vector<std::pair<int64_t, float>> partly_seen;
  for (const auto& [id, u] : units_)
    if (u.seen_share < 1.0f) partly_seen.emplace_back(id, u.seen_share);
  std::sort(partly_seen.begin(), partly_seen.end());
  units.u64(partly_seen.size());
  for (auto [id, share] : partly_seen) {
    units.u64(static_cast<uint64_t>(id));
    units.f32(share);
  }
  s = units.commit();
  if (!s) return s;

  s = vectors.get();
  if (!s) return s;

  // The manifest goes last: it names the hashes of the files it vouches for.
  rapidjson::StringBuffer buf;
  rapidjson::PrettyWriter<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("format_version");
  w.Int(kFormatVersion);
  w.Key("model_id");
  w.String(embedder_->model_id().c_str());
  w.Key("config");
  w.String(index_config_id(config_).c_str());
  w.Key("dimension");
  w.Int(embedder_->dimension());
  w.Key("corpus_checksum");
  w.String(hex64(checksum_).c_str());
  w.Key("experts");
  w.Uint64(experts_.size());
  w.Key("problems");
  w.Uint64(problems_.size());
  w.Key("units");
  w.Uint64(units_.size());
  w.Key("vocabulary");
  w.Uint64(terms_->vocabulary().size());
  w.Key("model_hash");
  w.String(hex64(model.file_hash()).c_str());
  w.Key("units_hash");
  w.String(hex64(units.file_hash()).c_str());
  w.Key("saved_at");
  w.Int64(static_cast<int64_t>(std::time(nullptr)));
  w.EndObject();
  return write_file_atomically(dir + "/manifest.json", std::string(buf.GetString()) + "\n");
}

Result<std::unique_ptr<CorpusIndex>> CorpusIndex::load(const std::string& dir,
                                                       const IndexConfig& config,
                                                       uint64_t expected_checksum,
                                                       const std::vector<SharedProblem>* share) {
  // The manifest is small, but a pipe or a device in its place must fail
  // the load, not hang it: it is read only if it is a regular file.
  std::error_code ec;
  const auto manifest_type = std::filesystem::symlink_status(dir + "/manifest.json", ec).type();
  if (manifest_type == std::filesystem::file_type::not_found)
    return Status(ErrorCode::kNotFound, "no index manifest in " + dir);
  if (manifest_type != std::filesystem::file_type::regular)
    return Status(ErrorCode::kCorruption, "index manifest is not a regular file");
  auto manifest_text = read_text_file(dir + "/manifest.json");
  if (!manifest_text) return Status(ErrorCode::kNotFound, "no index manifest in " + dir);
  rapidjson::Document m;
  m.Parse(manifest_text->c_str());
  auto str = [&](const char* k) -> std::string {
    return m.IsObject() && m.HasMember(k) && m[k].IsString() ? m[k].GetString() : "";
  };
  if (m.HasParseError() || !m.IsObject() || !m.HasMember("format_version") ||
      !m["format_version"].IsInt())
    return Status(ErrorCode::kCorruption, "index manifest is not valid JSON");
  if (m["format_version"].GetInt() != kFormatVersion)
    return Status(ErrorCode::kConflict, "index format version differs");
  if (str("config") != index_config_id(config))
    return Status(ErrorCode::kConflict, "index was built with another configuration");
  if (expected_checksum != 0 && str("corpus_checksum") != hex64(expected_checksum))
    return Status(ErrorCode::kConflict, "index was built from other records (checksum differs)");
  std::unique_ptr<RemoteEmbedder> remote;
  if (config.remote.enabled()) {
    RemoteEmbedderOptions options = config.remote;
    // Queries must come back in the dimension of the stored vectors.
    if (options.dimension == 0 && m.HasMember("dimension") && m["dimension"].IsInt())
      options.dimension = m["dimension"].GetInt();
    if (options.dimension <= 0)
      return Status(ErrorCode::kCorruption, "index manifest has no valid dimension");
    auto r = RemoteEmbedder::create(options);
    if (!r) return r.status();
    remote = std::move(*r);
    if (str("model_id") != remote->model_id())
      return Status(ErrorCode::kConflict, "index was built with another embedder (" +
                                              str("model_id") + ", not " + remote->model_id() +
                                              ")");
  } else if (str("model_id").rfind("lsa1-", 0) != 0) {
    return Status(ErrorCode::kConflict,
                  "index was built with another embedder (" + str("model_id") + ", not LSA)");
  }

  // Read as they are parsed (BinaryReader::open_file), never whole:
  // units.bin holds every indexed record (170 MB at 100,000 problems).
  auto model_file = BinaryReader::open_file(dir + "/model.bin");
  if (!model_file) return Status(ErrorCode::kCorruption, "model.bin missing");
  auto unit_file = BinaryReader::open_file(dir + "/units.bin");
  if (!unit_file) return Status(ErrorCode::kCorruption, "units.bin missing");
  if (hex64(model_file->file_hash()) != str("model_hash") ||
      hex64(unit_file->file_hash()) != str("units_hash"))
    return Status(ErrorCode::kCorruption, "index files do not match the manifest");

  std::unique_ptr<CorpusIndex> index(new CorpusIndex());
  index->config_ = config;
  BinaryReader& mr = *model_file;
  if (!mr.ok() || mr.u32() != kFormatVersion)
    return Status(ErrorCode::kCorruption, "model.bin: bad checksum or version");
  auto terms = TermModel::load(&mr);
  if (!terms) return terms.status();
  index->terms_ = *terms;
  if (remote) {
    index->embedder_ = std::move(remote);
  } else {
    auto lsa = LsaModel::load(&mr);
    if (!lsa) return lsa.status();
    auto embedder = std::make_unique<LsaEmbedder>(index->terms_, std::move(*lsa), str("model_id"));
    index->lsa_ = embedder.get();
    index->embedder_ = std::move(embedder);
  }
  index->learned_from_ = mr.vec<uint64_t>();
  if (!mr.ok()) return Status(ErrorCode::kCorruption, "model.bin: truncated");

  BinaryReader& ur = *unit_file;
  if (!ur.ok() || ur.u32() != kFormatVersion)
    return Status(ErrorCode::kCorruption, "units.bin: bad checksum or version");
  index->next_unit_ = static_cast<int64_t>(ur.u64());
  uint64_t ne = ur.u64();
  for (uint64_t i = 0; i < ne && ur.ok(); ++i) {
    auto e = parse_expert_json(ur.str(), "units.bin");
    if (!e) return Status(ErrorCode::kCorruption, "units.bin: bad expert record");
    ExpertEntry entry;
    entry.expert = std::move(*e);
    entry.expert.verified = ur.u32() != 0;
    entry.profile_unit = static_cast<int64_t>(ur.u64());
    entry.work_units = ur.vec<int64_t>();
    entry.repeat_of = find_repeated_works(entry.expert);
    if (entry.work_units.size() != entry.expert.works.size())
      return Status(ErrorCode::kCorruption, "units.bin: work units do not match");
    index->units_[entry.profile_unit] = {UnitKind::kProfile, entry.expert.id, -1};
    for (size_t w = 0; w < entry.work_units.size(); ++w)
      index->units_[entry.work_units[w]] = {UnitKind::kWork, entry.expert.id, static_cast<int>(w)};
    index->checksum_ ^= record_hash(entry.expert);
    std::string id = entry.expert.id;
    index->experts_[id] = std::move(entry);
  }
  std::unordered_map<std::string_view, const SharedProblem*> known;
  if (share)
    for (const auto& p : *share) known.emplace(p->id, &p);
  uint64_t np = ur.u64();
  for (uint64_t i = 0; i < np && ur.ok(); ++i) {
    const std::string json = ur.str();
    ProblemEntry entry;
    // The caller's record when it is this one byte for byte: held once.
    auto p = parse_problem_json(json, "units.bin");
    if (!p) return Status(ErrorCode::kCorruption, "units.bin: bad problem record");
    p->verified = ur.u32() != 0;
    if (auto k = known.find(p->id);
        k != known.end() && (*k->second)->verified == p->verified && to_json(**k->second) == json)
      entry.record = *k->second;
    else
      entry.record = std::make_shared<const Problem>(std::move(*p));
    entry.unit = static_cast<int64_t>(ur.u64());
    index->units_[entry.unit] = {UnitKind::kProblem, entry.problem().id, -1};
    index->checksum_ ^= record_hash(entry.problem());
    std::string id = entry.problem().id;
    index->problems_[id] = std::move(entry);
  }
  index->expert_lexical_ = LexicalIndex::load(&ur);
  index->problem_lexical_ = TermVectorStore::load(&ur);
  index->unit_mean_ = ur.vec<float>();
  const uint64_t partly_seen = ur.u64();
  for (uint64_t i = 0; i < partly_seen && ur.ok(); ++i) {
    const auto id = static_cast<int64_t>(ur.u64());
    const float share = ur.f32();
    auto u = index->units_.find(id);
    if (u == index->units_.end() || !(share >= 0.0f && share <= 1.0f))
      return Status(ErrorCode::kCorruption, "units.bin: bad seen share");
    u->second.seen_share = share;
  }
  if (!ur.ok() || !ur.at_end()) return Status(ErrorCode::kCorruption, "units.bin: truncated");
  if (hex64(index->checksum_) != str("corpus_checksum"))
    return Status(ErrorCode::kCorruption, "units.bin records do not match the manifest");

  auto ev = VectorIndex::load(dir + "/experts");
  if (!ev) return ev.status();
  auto pv = VectorIndex::load(dir + "/problems");
  if (!pv) return pv.status();
  if ((*ev)->dimension() != index->embedder_->dimension() ||
      (*pv)->dimension() != index->embedder_->dimension())
    return Status(ErrorCode::kCorruption, "vector dimension does not match the model");
  if (index->unit_mean_.size() != static_cast<size_t>((*ev)->dimension()))
    return Status(ErrorCode::kCorruption, "units.bin: the unit mean has the wrong dimension");
  size_t expert_units = 0;
  for (auto& [id, e] : index->experts_) expert_units += 1 + e.work_units.size();
  if ((*ev)->size() != expert_units || (*pv)->size() != index->problems_.size())
    return Status(ErrorCode::kCorruption, "vector counts do not match the records");
  index->expert_vectors_ = std::move(*ev);
  index->problem_vectors_ = std::move(*pv);
  return index;
}

Result<std::unique_ptr<CorpusIndex>> CorpusIndex::open(
    const std::string& dir, const std::vector<Expert>& experts,
    const std::vector<Problem>& problems, const IndexConfig& config, std::string* rebuilt_reason,
    const ProgressFn& progress, Status* save_status, const FitCorpus* fit) {
  std::vector<SharedProblem> shared;
  shared.reserve(problems.size());
  for (const auto& p : problems) shared.push_back(std::make_shared<const Problem>(p));
  return open_shared(dir, experts, shared, config, rebuilt_reason, progress, save_status, fit);
}

Result<std::unique_ptr<CorpusIndex>> CorpusIndex::open_shared(
    const std::string& dir, const std::vector<Expert>& experts,
    const std::vector<SharedProblem>& problems, const IndexConfig& config,
    std::string* rebuilt_reason, const ProgressFn& progress, Status* save_status,
    const FitCorpus* fit) {
  if (save_status) *save_status = Status::ok();
  uint64_t checksum = checksum_of(experts, problems);
  auto loaded = load(dir, config, 0, &problems);
  if (loaded && (*loaded)->checksum_ == checksum) {
    if (rebuilt_reason) rebuilt_reason->clear();
    return loaded;
  }
  if (loaded) {
    // What a model learned now would learn from (as refit decides).
    std::vector<const Expert*> expert_ptrs;
    std::vector<const Problem*> problem_ptrs;
    for (const auto& e : experts) expert_ptrs.push_back(&e);
    for (const auto& p : problems) problem_ptrs.push_back(p.get());
    FitCorpus own;
    const std::vector<uint64_t> learn_from =
        resolve_fit(fit, expert_ptrs, problem_ptrs, &own).hashes();
    // Records changed since the save (a crash after acknowledged writes, or
    // records changed while no server ran): the saved model takes them as
    // the running server's upserts did, so a restart moves no ranking; a
    // new model is learned only on an explicit refit, or when what the model
    // learns from changed so much that the saved model no longer describes
    // it. Records outside the fit (filings the city has not confirmed), in
    // any number, never force a refit.
    const size_t changed = changed_count((*loaded)->learned_from_, learn_from);
    const size_t learned = std::max((*loaded)->learned_from_.size(), learn_from.size());
    if (static_cast<double>(changed) <= config.refit_changed_share * static_cast<double>(learned)) {
      auto caught = (*loaded)->catch_up(experts, problems, std::numeric_limits<double>::infinity());
      if (caught) {
        if (rebuilt_reason)
          *rebuilt_reason = "caught up with its saved model: " + std::to_string(*caught) +
                            " records changed since it was saved";
        Status s = (*loaded)->save(dir);
        if (save_status) *save_status = s;
        return loaded;
      }
      if (rebuilt_reason) *rebuilt_reason = "rebuilt: " + caught.status().message();
    } else if (rebuilt_reason) {
      *rebuilt_reason = "rebuilt: " + std::to_string(changed) + " of " + std::to_string(learned) +
                        " records the model learns from changed since it was saved, more than "
                        "the share a saved model takes without a refit";
    }
  } else if (rebuilt_reason) {
    *rebuilt_reason = "rebuilt: " + loaded.status().message();
  }
  auto built = build_shared(experts, problems, config, progress, fit);
  if (!built) return built.status();
  // The index in memory is whole whether or not it reaches the disk; a save
  // failure only costs a rebuild at the next open.
  Status s = (*built)->save(dir);
  if (save_status) *save_status = s;
  return built;
}

}  // namespace expertmatch
