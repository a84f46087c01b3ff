#include "indexer/term_model.h"

#include <algorithm>
#include <cmath>
#include <string_view>

#include "indexer/parallel.h"

namespace expertmatch {

Result<std::shared_ptr<TermModel>> TermModel::fit(const std::vector<std::string>& texts,
                                                  const std::vector<std::string>& extra_terms,
                                                  const AnalyzerOptions& options, int threads,
                                                  const std::vector<size_t>& keep,
                                                  std::vector<TermCounts>* kept) {
  auto model = std::make_shared<TermModel>();
  model->options_ = options;
  TextAnalyzer normalizer(nullptr, options);
  for (const auto& t : Lexicon::builtin_terms())
    if (model->lexicon_.add(t)) model->lexicon_terms_.push_back(t);
  for (const auto& raw : extra_terms) {
    auto n = normalizer.normalize(raw);
    if (!n) continue;
    // Only Chinese terms need re-joining; Latin words are whole already.
    bool has_han = false;
    for (unsigned char c : *n) has_han |= c >= 0xE3;
    if (has_han && model->lexicon_.add(*n)) model->lexicon_terms_.push_back(*n);
  }
  // Analysis (the cost) in parallel, a block at a time to bound memory, and
  // the ids of terms already known (a hash of each, read-only) with it; only
  // new terms are added one text after another, in text order, so ids do
  // not depend on the threads (nor on the block). A block's terms are held
  // as strings, about 420 of 32 bytes for a problem's text: 16,384 texts
  // were 220 MB, the peak of a 100,000-problem import; 2,048 are a tenth.
  constexpr size_t kBlock = 2048;
  // Each text's place in `keep` (-1: not kept).
  std::vector<int64_t> kept_at;
  if (kept) {
    kept->assign(keep.size(), {});
    kept_at.assign(texts.size(), -1);
    for (size_t i = 0; i < keep.size(); ++i)
      if (keep[i] < texts.size()) kept_at[keep[i]] = static_cast<int64_t>(i);
  }
  std::vector<Result<std::vector<std::string>>> block;
  std::vector<std::vector<uint32_t>> ids;
  for (size_t from = 0; from < texts.size(); from += kBlock) {
    const size_t n = std::min(kBlock, texts.size() - from);
    block.assign(n, Result<std::vector<std::string>>(std::vector<std::string>{}));
    ids.assign(n, {});
    const TermModel& m = *model;
    parallel_for(n, threads, [&](size_t i) {
      block[i] = m.terms(texts[from + i]);
      if (!block[i]) return;
      ids[i].reserve(block[i]->size());
      for (const auto& t : *block[i]) ids[i].push_back(m.vocabulary_.find(t));
    });
    for (size_t i = 0; i < n; ++i) {
      if (!block[i]) return block[i].status();
      for (size_t k = 0; k < ids[i].size(); ++k)
        if (ids[i][k] == Vocabulary::kUnknown) ids[i][k] = model->vocabulary_.add((*block[i])[k]);
    }
    parallel_for(n, threads, [&](size_t i) {
      // Every term of a fitted text is in the vocabulary, under the id given
      // here: these are the counts the fitted model gives it.
      if (kept && kept_at[from + i] >= 0) {
        std::vector<uint32_t> copy = ids[i];
        (*kept)[static_cast<size_t>(kept_at[from + i])] = Vocabulary::collapse(copy);
      }
      std::sort(ids[i].begin(), ids[i].end());
      ids[i].erase(std::unique(ids[i].begin(), ids[i].end()), ids[i].end());
    });
    model->df_.resize(model->vocabulary_.size(), 0);
    for (const auto& doc : ids) {
      for (uint32_t id : doc) ++model->df_[id];
      ++model->documents_;
    }
  }
  return model;
}

Result<std::vector<Token>> TermModel::tokens(const std::string& text) const {
  return thread_analyzer(&lexicon_, options_).analyze(text);
}

Result<std::vector<std::string>> TermModel::terms(const std::string& text) const {
  auto toks = tokens(text);
  if (!toks) return toks.status();
  std::vector<std::string> out;
  out.reserve(toks->size());
  for (auto& t : *toks) out.push_back(std::move(t.term));
  return out;
}

Result<TermCounts> TermModel::counts(const std::string& text) const {
  return counts(text, nullptr);
}

Result<TermCounts> TermModel::counts(const std::string& text, float* seen_share) const {
  return counts(text, {}, nullptr, seen_share);
}

Result<TermCounts> TermModel::counts(const std::string& text, const std::vector<size_t>& part_ends,
                                     std::vector<TermCounts>* parts, float* seen_share) const {
  auto toks = tokens(text);
  if (!toks) return toks.status();
  std::vector<uint32_t> ids;
  ids.reserve(toks->size());
  std::vector<std::vector<uint32_t>> part_ids(parts ? part_ends.size() : 0);
  std::vector<std::string_view> unseen;
  for (const Token& t : *toks) {
    const uint32_t id = vocabulary_.find(t.term);
    if (id == Vocabulary::kUnknown) {
      if (seen_share) unseen.push_back(t.term);
      continue;
    }
    ids.push_back(id);
    if (!parts) continue;
    const size_t part = static_cast<size_t>(
        std::upper_bound(part_ends.begin(), part_ends.end(), size_t{t.begin}) - part_ends.begin());
    if (part < part_ends.size()) part_ids[part].push_back(id);
  }
  if (parts) {
    parts->clear();
    for (auto& p : part_ids) parts->push_back(Vocabulary::collapse(p));
  }
  TermCounts known = Vocabulary::collapse(ids);
  if (!seen_share) return known;
  std::sort(unseen.begin(), unseen.end());
  auto weight = [](uint32_t tf, double idf) {
    return (1.0 + std::log(static_cast<double>(tf))) * idf;
  };
  double seen = 0, missing = 0;
  for (auto [id, n] : known) seen += weight(n, idf(id));
  const double unseen_idf = std::log(1.0 + static_cast<double>(documents_));
  for (size_t i = 0; i < unseen.size();) {
    size_t j = i;
    while (j < unseen.size() && unseen[j] == unseen[i]) ++j;
    missing += weight(static_cast<uint32_t>(j - i), unseen_idf);
    i = j;
  }
  *seen_share = seen + missing > 0 ? static_cast<float>(seen / (seen + missing)) : 1.0f;
  return known;
}

float TermModel::idf(uint32_t id) const {
  uint32_t d = df(id);
  return static_cast<float>(std::log(1.0 + static_cast<double>(documents_) / (d > 0 ? d : 1)));
}

void TermModel::save(BinaryWriter* w) const {
  w->u32(options_.cjk_bigrams | options_.cjk_words << 1 | options_.stem << 2 |
         options_.remove_stop_words << 3 | options_.cjk_unigrams << 4);
  w->u64(lexicon_terms_.size());
  for (const auto& t : lexicon_terms_) w->str(t);
  w->u64(vocabulary_.size());
  for (size_t i = 0; i < vocabulary_.size(); ++i) w->str(vocabulary_.term(i));
  w->vec(df_);
  w->u32(documents_);
}

Result<std::shared_ptr<TermModel>> TermModel::load(BinaryReader* r) {
  auto model = std::make_shared<TermModel>();
  uint32_t flags = r->u32();
  model->options_.cjk_bigrams = flags & 1;
  model->options_.cjk_words = flags & 2;
  model->options_.stem = flags & 4;
  model->options_.remove_stop_words = flags & 8;
  model->options_.cjk_unigrams = flags & 16;
  uint64_t n = r->u64();
  for (uint64_t i = 0; i < n && r->ok(); ++i) {
    std::string t = r->str();
    model->lexicon_.add(t);
    model->lexicon_terms_.push_back(std::move(t));
  }
  uint64_t v = r->u64();
  for (uint64_t i = 0; i < v && r->ok(); ++i) model->vocabulary_.add(r->str());
  model->df_ = r->vec<uint32_t>();
  model->documents_ = r->u32();
  if (!r->ok() || model->df_.size() != model->vocabulary_.size())
    return Status(ErrorCode::kCorruption, "term model is truncated or inconsistent");
  return model;
}

}  // namespace expertmatch
