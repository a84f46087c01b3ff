// CorpusIndex: save/load fidelity, detection of damaged or stale files (and
// open()'s rebuild), and incremental upsert/remove visible at once.
#include "indexer/corpus_index.h"
#include "corpus/exchange_format.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "corpus/exchange_format.h"
#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::sample_experts;
using fixture::sample_problems;
using fixture::TempDir;

std::unique_ptr<CorpusIndex> build_sample(const IndexConfig& config = {}) {
  auto index = CorpusIndex::build(sample_experts(), sample_problems(), config);
  EXPECT_TRUE(index.is_ok()) << index.status().to_string();
  return index.is_ok() ? std::move(*index) : nullptr;
}

std::string read_all(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void write_all(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
}

void flip_byte(const std::string& path, size_t offset_from_middle = 0) {
  std::string bytes = read_all(path);
  ASSERT_GT(bytes.size(), 16u) << path;
  bytes[bytes.size() / 2 + offset_from_middle] ^= 0x5a;
  write_all(path, bytes);
}

bool same_floats(const float* a, const float* b, int d) {
  return a && b && std::memcmp(a, b, sizeof(float) * d) == 0;
}

// What the index answers for one problem: the expert units nearest to its
// embedding and the BM25 scores of its terms, owners named.
struct Answer {
  std::vector<std::pair<std::string, float>> dense;  // (owner/work, score), best first
  std::map<std::string, float> lexical;              // owner/work -> BM25
  bool operator==(const Answer& o) const { return dense == o.dense && lexical == o.lexical; }
};

std::string unit_name(const CorpusIndex& index, int64_t u) {
  const Unit* unit = index.unit(u);
  if (!unit) return "?";
  return unit->owner + "/" + std::to_string(unit->work_index);
}

Answer answer(const CorpusIndex& index, const Problem& p, int k = 100) {
  Answer a;
  auto v = index.embedder().embed({CorpusIndex::problem_text(p)});
  EXPECT_TRUE(v.is_ok());
  if (!v.is_ok()) return a;
  auto hits = index.expert_vectors().search(v->data(), k);
  EXPECT_TRUE(hits.is_ok());
  if (hits.is_ok())
    for (const auto& h : *hits) a.dense.emplace_back(unit_name(index, h.id), h.score);
  auto terms = index.problem_terms(p);
  EXPECT_TRUE(terms.is_ok());
  if (terms.is_ok())
    for (auto [u, s] : index.expert_lexical().score(*terms)) a.lexical[unit_name(index, u)] = s;
  return a;
}

std::set<std::string> owners(const Answer& a) {
  std::set<std::string> out;
  for (const auto& [name, s] : a.dense) out.insert(name.substr(0, name.find('/')));
  for (const auto& [name, s] : a.lexical) out.insert(name.substr(0, name.find('/')));
  return out;
}

// A unit's text has a newline between each two fields, even empty ones, as
// it always had: it is embedded, sent to a remote embedder and hashed into
// the fit hashes a saved model keeps (an expert with no research fields
// would otherwise count as changed after an upgrade, and the model refitted).
TEST(CorpusIndexTest, AUnitsTextKeepsANewlineBetweenEmptyFields) {
  Expert e;
  e.bio = "轴承磨损";
  EXPECT_EQ(CorpusIndex::profile_text(e), "\n轴承磨损");
  e.bio.clear();
  EXPECT_EQ(CorpusIndex::profile_text(e), "\n");
  Work w;
  w.abstract = "x";
  EXPECT_EQ(CorpusIndex::work_text(w), "\n\nx");
  Problem p;
  p.keywords = {"k"};
  p.description = "d";
  EXPECT_EQ(CorpusIndex::problem_text(p), "\nk\nd");
  // Within the keyword field, as before: an empty keyword before the first
  // is dropped, one after it keeps its separator.
  p.title = "t";
  p.keywords = {"", "k", "", "l"};
  EXPECT_EQ(CorpusIndex::problem_text(p), "t\nk，，l\nd");
}

// Issue 14: each unit's text is analysed once in a build, for both indexes.
// What is stored must be what the two analyses gave before: the field-
// weighted terms of each field analysed alone, and the embedding of the
// whole text, bit for bit. Fields meet at newlines here with text that
// would join across them (轴承 | 磨损, "bearing" | "wear") were it not for
// the break at each newline.
TEST(CorpusIndexTest, OneAnalysisOfAUnitGivesItsFieldsTermsAndItsTextsVector) {
  std::vector<Expert> experts = sample_experts();
  std::vector<Problem> problems = sample_problems();
  Expert& e = experts.front();
  e.fields.push_back("滚动轴承");
  e.bio = "磨损 bearing";
  Work w;
  w.title = "高速滚动轴承";
  w.keywords = {"磨损", "bearing"};
  w.abstract = "wear 检测与寿命预测";
  e.works.push_back(w);
  Problem p = problems.front();
  p.id = "boundary-problem";
  p.title = "轴承";
  p.keywords = {"磨损", "润滑 bearing"};
  p.description = "wear 监测";
  problems.push_back(p);
  IndexConfig config;
  auto built = CorpusIndex::build(experts, problems, config);
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  const CorpusIndex& index = **built;
  const TermModel& tm = index.terms();
  const int d = index.embedder().dimension();
  auto expected_terms = [&](const std::vector<std::string>& fields,
                            const std::vector<float>& weights) {
    WeightedTerms out;
    for (size_t i = 0; i < fields.size(); ++i) {
      auto c = tm.counts(fields[i]);
      EXPECT_TRUE(c.is_ok());
      if (c.is_ok()) add_weighted(*c, weights[i], &out);
    }
    return out;
  };
  auto expect_unit = [&](int64_t unit, const std::vector<std::string>& fields,
                         const std::vector<float>& weights, const VectorIndex& vectors,
                         const std::optional<WeightedTerms>& stored, const std::string& name) {
    ASSERT_TRUE(stored.has_value()) << name;
    EXPECT_EQ(*stored, expected_terms(fields, weights)) << name;
    std::string text;
    for (size_t i = 0; i < fields.size(); ++i) text += (i ? "\n" : "") + fields[i];
    auto v = index.embedder().embed({text});
    ASSERT_TRUE(v.is_ok()) << name;
    EXPECT_TRUE(same_floats(vectors.vector(unit), v->data(), d)) << name;
  };
  const std::vector<float> problem_w = {config.weight_title, config.weight_keywords,
                                        config.weight_text};
  const std::vector<float> profile_w = {config.weight_fields, config.weight_text};
  for (const auto& [id, entry] : index.experts()) {
    const Expert& x = entry.expert;
    auto stored = [&](int64_t u) -> std::optional<WeightedTerms> {
      const WeightedTerms* t = index.expert_lexical().terms_of(u);
      return t ? std::optional<WeightedTerms>(*t) : std::nullopt;
    };
    expect_unit(entry.profile_unit, CorpusIndex::profile_fields(x), profile_w,
                index.expert_vectors(), stored(entry.profile_unit), id + "/profile");
    for (size_t i = 0; i < x.works.size(); ++i)
      if (entry.repeat_of[i] < 0)
        expect_unit(entry.work_units[i], CorpusIndex::work_fields(x.works[i]), problem_w,
                    index.expert_vectors(), stored(entry.work_units[i]),
                    id + "/work " + std::to_string(i));
  }
  for (const auto& [id, entry] : index.problems())
    expect_unit(entry.unit, CorpusIndex::problem_fields(entry.problem()), problem_w,
                index.problem_vectors(), index.problem_lexical().terms_of(entry.unit), id);
  // The boundary problem by hand: 轴承 from the title (a word and its
  // bigram, weight 2 each), nothing across a newline (承磨 is no term).
  auto terms = index.problem_terms(p);
  ASSERT_TRUE(terms.is_ok());
  const uint32_t bearing = tm.vocabulary().find("轴承");
  ASSERT_NE(bearing, Vocabulary::kUnknown);
  const uint32_t across = tm.vocabulary().find("承磨");  // known: 轴承磨损 is common
  float weight = 0;
  for (auto [t, w8] : *terms) {
    if (t == bearing) weight = w8;
    EXPECT_NE(t, across);
  }
  EXPECT_EQ(weight, 4.0f);
  // An upsert analyses the same way.
  auto copy = CorpusIndex::build(experts, problems, config);
  ASSERT_TRUE(copy.is_ok());
  Problem q = p;
  q.id = "boundary-upserted";
  ASSERT_TRUE((*copy)->upsert_problem(q).is_ok());
  const ProblemEntry* added = (*copy)->problem(q.id);
  ASSERT_NE(added, nullptr);
  auto v = (*copy)->embedder().embed({CorpusIndex::problem_text(q)});
  ASSERT_TRUE(v.is_ok());
  EXPECT_TRUE(same_floats((*copy)->problem_vectors().vector(added->unit), v->data(), d));
  EXPECT_EQ(
      (*copy)->problem_lexical().terms_of(added->unit),
      std::optional<WeightedTerms>(expected_terms(CorpusIndex::problem_fields(q), problem_w)));
}

// Issue 10: the text analysed for one problem is bounded, whatever is sent or
// stored: title first, then whole keywords, then the description, each cut
// at a character boundary, as a prefix of the field.
TEST(CorpusIndexTest, OnlyABoundedPrefixOfAProblemIsAnalysed) {
  constexpr size_t kMax = CorpusIndex::kMaxAnalysedProblemBytes;
  Problem small;
  small.title = "轴承磨损";
  small.keywords = {"轴承", "磨削"};
  small.description = "外圈发黑";
  Problem same = CorpusIndex::analysed_part(small);
  EXPECT_EQ(same.title, small.title);
  EXPECT_EQ(same.keywords, small.keywords);
  EXPECT_EQ(same.description, small.description);

  Problem big = small;
  for (int i = 0; i < 170000; ++i) big.description += "轴承";  // about 1 MB
  Problem cut = CorpusIndex::analysed_part(big);
  EXPECT_EQ(cut.title, big.title);
  EXPECT_EQ(cut.keywords, big.keywords);
  EXPECT_EQ(big.description.compare(0, cut.description.size(), cut.description), 0);
  EXPECT_LE(cut.title.size() + 2 * 3 + 2 * 6 + cut.description.size(), kMax);
  EXPECT_GT(cut.description.size(), kMax - 40);
  EXPECT_EQ(cut.description.size() % 3, 0u);  // whole three-byte characters
  EXPECT_EQ(CorpusIndex::problem_text(big), CorpusIndex::problem_text(cut));

  Problem many = small;
  many.keywords.assign(60000, "轴承");  // about 400 KB of keywords
  Problem kept = CorpusIndex::analysed_part(many);
  EXPECT_EQ(kept.title, many.title);
  EXPECT_EQ(kept.keywords.size(), (kMax - many.title.size()) / 9);  // 6 bytes + "，"
  // 32768 - 12 - 3639 * 9 = 5 bytes left: one character of 外圈发黑.
  EXPECT_EQ(kept.description, "外");

  Problem title;
  title.title = std::string(kMax + 10, 'a');
  title.description = "x";
  Problem t = CorpusIndex::analysed_part(title);
  EXPECT_EQ(t.title.size(), kMax);
  EXPECT_TRUE(t.keywords.empty());
  EXPECT_EQ(t.description, "");
}

TEST(CorpusIndexTest, BuildsOneUnitPerProfileWorkAndProblem) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  size_t works = 0;
  for (const auto& e : sample_experts()) works += e.works.size();
  EXPECT_EQ(index->unit_count(), sample_experts().size() + works + sample_problems().size());
  EXPECT_EQ(index->expert_vectors().size(), sample_experts().size() + works);
  EXPECT_EQ(index->problem_vectors().size(), sample_problems().size());
  for (const auto& [id, entry] : index->experts()) {
    const Unit* profile = index->unit(entry.profile_unit);
    ASSERT_NE(profile, nullptr);
    EXPECT_EQ(profile->kind, UnitKind::kProfile);
    EXPECT_EQ(profile->owner, id);
    ASSERT_EQ(entry.work_units.size(), entry.expert.works.size());
    for (size_t w = 0; w < entry.work_units.size(); ++w) {
      const Unit* unit = index->unit(entry.work_units[w]);
      ASSERT_NE(unit, nullptr);
      EXPECT_EQ(unit->kind, UnitKind::kWork);
      EXPECT_EQ(unit->owner, id);
      EXPECT_EQ(unit->work_index, static_cast<int>(w));
    }
  }
  EXPECT_EQ(index->corpus_checksum(),
            CorpusIndex::checksum_of(sample_experts(), sample_problems()));
  // Record order does not change the checksum.
  auto reversed = sample_experts();
  std::reverse(reversed.begin(), reversed.end());
  EXPECT_EQ(CorpusIndex::checksum_of(reversed, sample_problems()), index->corpus_checksum());

  auto empty = CorpusIndex::build({}, {}, IndexConfig{});
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
}

TEST(CorpusIndexTest, ACorpusAboveTheFitLimitIsFittedOnASampleAndFoldedIn) {
  size_t texts = sample_problems().size();
  for (const auto& e : sample_experts()) texts += 1 + e.works.size();
  ASSERT_GT(texts, 20u);
  // At or above the corpus's size the limit changes nothing: the same model.
  IndexConfig at_size;
  at_size.lsa.max_fit_documents = texts;
  auto whole = build_sample();
  auto exact = build_sample(at_size);
  ASSERT_NE(whole, nullptr);
  ASSERT_NE(exact, nullptr);
  EXPECT_EQ(exact->embedder().model_id(), whole->embedder().model_id());
  // Below it, another model, the same on every build, with every unit
  // (sampled or not) folded in: a unit vector each.
  IndexConfig sampled;
  sampled.lsa.max_fit_documents = 20;
  auto a = build_sample(sampled);
  auto b = build_sample(sampled);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_NE(a->embedder().model_id(), whole->embedder().model_id());
  EXPECT_EQ(a->embedder().model_id(), b->embedder().model_id());
  EXPECT_NE(index_config_id(sampled), index_config_id(IndexConfig{}));
  const int d = a->embedder().dimension();
  EXPECT_LE(d, 20);
  size_t unit_vectors = 0;
  for (const auto& [id, p] : a->problems()) {
    const float* v = a->problem_vectors().vector(p.unit);
    ASSERT_NE(v, nullptr);
    ASSERT_TRUE(same_floats(v, b->problem_vectors().vector(b->problem(id)->unit), d));
    // In the sample or not, a document's vector is its text folded in with
    // the fitted model, as a new text would be.
    auto folded = a->embedder().embed({CorpusIndex::problem_text(p.problem())});
    ASSERT_TRUE(folded.is_ok());
    EXPECT_TRUE(same_floats(v, folded->data(), d)) << id;
    double norm = 0;
    for (int i = 0; i < d; ++i) norm += double(v[i]) * v[i];
    unit_vectors += std::abs(norm - 1.0) < 1e-4;
  }
  EXPECT_EQ(unit_vectors, a->problems().size());
}

TEST(LsaFitSampleTest, KeepsAllUpToTheLimitElseTheLowestHashesInOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 1000; ++i) keys.push_back(std::to_string(i) + "/P");
  std::vector<size_t> all = lsa_fit_sample(keys, 1000, 7);
  ASSERT_EQ(all.size(), 1000u);
  for (size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], i);
  std::vector<size_t> s = lsa_fit_sample(keys, 100, 7);
  ASSERT_EQ(s.size(), 100u);
  EXPECT_TRUE(std::is_sorted(s.begin(), s.end()));
  EXPECT_EQ(std::set<size_t>(s.begin(), s.end()).size(), 100u);
  EXPECT_EQ(lsa_fit_sample(keys, 100, 7), s);
  EXPECT_NE(lsa_fit_sample(keys, 100, 8), s);
  // A smaller limit reads a part of a larger one's sample: lowering the
  // limit drops documents from the fit, it does not choose others.
  std::vector<size_t> smaller = lsa_fit_sample(keys, 40, 7);
  ASSERT_EQ(smaller.size(), 40u);
  EXPECT_TRUE(std::includes(s.begin(), s.end(), smaller.begin(), smaller.end()));
  // Not a prefix or a stride: spread over the whole corpus.
  EXPECT_LT(s.front(), 100u);
  EXPECT_GT(s.back(), 900u);
  // The sample depends on the keys, not their order or on other documents:
  // without one unsampled document, the same keys are chosen.
  std::set<std::string> chosen;
  for (size_t i : s) chosen.insert(keys[i]);
  size_t unsampled = 0;
  while (chosen.count(keys[unsampled])) ++unsampled;
  std::vector<std::string> fewer = keys;
  fewer.erase(fewer.begin() + static_cast<std::ptrdiff_t>(unsampled));
  std::reverse(fewer.begin(), fewer.end());
  std::set<std::string> chosen_again;
  for (size_t i : lsa_fit_sample(fewer, 100, 7)) chosen_again.insert(fewer[i]);
  EXPECT_EQ(chosen_again, chosen);
}

TEST(CorpusIndexTest, UnitMeanIsTheMeanOfWorkAndProblemVectorsUntilRefit) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  const int d = index->embedder().dimension();
  auto mean_by_hand = [&] {
    std::vector<double> sum(d, 0.0);
    size_t n = 0;
    auto add = [&](const float* v) {
      ASSERT_NE(v, nullptr);
      for (int i = 0; i < d; ++i) sum[i] += v[i];
      ++n;
    };
    for (const auto& [id, e] : index->experts())
      for (int64_t u : e.work_units) add(index->expert_vectors().vector(u));
    for (const auto& [id, p] : index->problems()) add(index->problem_vectors().vector(p.unit));
    std::vector<float> m(d);
    for (int i = 0; i < d; ++i) m[i] = static_cast<float>(sum[i] / n);
    return m;
  };
  auto near = [&](const std::vector<float>& a, const std::vector<float>& b) {
    double diff = 0;
    for (int i = 0; i < d; ++i) diff = std::max(diff, std::abs(double(a[i]) - b[i]));
    return diff < 1e-6;
  };
  const std::vector<float> fitted = index->unit_mean();
  ASSERT_EQ(fitted.size(), static_cast<size_t>(d));
  EXPECT_TRUE(near(fitted, mean_by_hand()));
  // An upsert leaves the model, and so the mean, as it is; refit relearns it.
  Problem added = sample_problems().front();
  added.id = "p-mean";
  added.title = "完全不同的问题：茶叶包装印刷色差";
  ASSERT_TRUE(index->upsert_problem(added).is_ok());
  EXPECT_EQ(index->unit_mean(), fitted);
  EXPECT_FALSE(near(fitted, mean_by_hand()));
  ASSERT_TRUE(index->refit().is_ok());
  EXPECT_TRUE(near(index->unit_mean(), mean_by_hand()));
}

TEST(CorpusIndexTest, SaveThenLoadGivesTheSameVectorsAndRanking) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto built = build_sample();
  ASSERT_NE(built, nullptr);
  ASSERT_TRUE(built->save(dir.path()).is_ok());
  for (const char* f : {"manifest.json", "model.bin", "units.bin", "experts.faiss",
                        "experts.vectors", "problems.faiss", "problems.vectors"})
    EXPECT_TRUE(std::filesystem::exists(dir.file(f))) << f;

  auto loaded = CorpusIndex::load(dir.path(), IndexConfig{}, built->corpus_checksum());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const CorpusIndex& a = *built;
  const CorpusIndex& b = **loaded;
  EXPECT_EQ(b.corpus_checksum(), a.corpus_checksum());
  EXPECT_EQ(b.embedder().model_id(), a.embedder().model_id());
  ASSERT_EQ(b.embedder().dimension(), a.embedder().dimension());
  EXPECT_EQ(b.unit_count(), a.unit_count());
  EXPECT_EQ(b.terms().vocabulary().size(), a.terms().vocabulary().size());
  const int d = a.embedder().dimension();
  for (const auto& [id, e] : a.experts()) {
    const ExpertEntry* other = b.expert(id);
    ASSERT_NE(other, nullptr) << id;
    EXPECT_EQ(to_json(other->expert), to_json(e.expert));
    EXPECT_EQ(other->profile_unit, e.profile_unit);
    EXPECT_EQ(other->work_units, e.work_units);
    EXPECT_TRUE(same_floats(a.expert_vectors().vector(e.profile_unit),
                            b.expert_vectors().vector(e.profile_unit), d));
    for (int64_t u : e.work_units)
      EXPECT_TRUE(same_floats(a.expert_vectors().vector(u), b.expert_vectors().vector(u), d));
  }
  for (const auto& [id, p] : a.problems()) {
    const ProblemEntry* other = b.problem(id);
    ASSERT_NE(other, nullptr) << id;
    EXPECT_TRUE(
        same_floats(a.problem_vectors().vector(p.unit), b.problem_vectors().vector(p.unit), d));
  }
  // The unit mean is part of the model and comes back exactly.
  ASSERT_EQ(a.unit_mean().size(), static_cast<size_t>(d));
  EXPECT_TRUE(same_floats(a.unit_mean().data(), b.unit_mean().data(), d));
  // The loaded model embeds new text exactly as the built one.
  auto va = a.embedder().embed({"轴承磨削烧伤 bearing vibration"});
  auto vb = b.embedder().embed({"轴承磨削烧伤 bearing vibration"});
  ASSERT_TRUE(va.is_ok() && vb.is_ok());
  EXPECT_TRUE(same_floats(va->data(), vb->data(), d));
  // Same answers for every problem.
  for (const auto& p : sample_problems()) EXPECT_TRUE(answer(a, p) == answer(b, p)) << p.id;
}

// An expert without works (a profile alone) is saved with an empty list of
// work units and loaded back as it was (the load copied 0 bytes to a null
// pointer, undefined: UBSan found it when a server restarted).
TEST(CorpusIndexTest, AnExpertWithoutWorksSurvivesSaveAndLoad) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto experts = sample_experts();
  ASSERT_FALSE(experts.empty());
  ASSERT_FALSE(experts[0].works.empty());
  experts[0].works.clear();
  const std::string id = experts[0].id;
  auto built = CorpusIndex::build(experts, sample_problems(), IndexConfig{});
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  ASSERT_TRUE((*built)->save(dir.path()).is_ok());
  auto loaded = CorpusIndex::load(dir.path(), IndexConfig{}, (*built)->corpus_checksum());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const ExpertEntry* e = (*loaded)->expert(id);
  ASSERT_NE(e, nullptr);
  EXPECT_TRUE(e->expert.works.empty());
  EXPECT_TRUE(e->work_units.empty());
  EXPECT_EQ(e->profile_unit, (*built)->expert(id)->profile_unit);
  EXPECT_EQ((*loaded)->experts().size(), experts.size());
  EXPECT_EQ((*loaded)->unit_count(), (*built)->unit_count());
}

TEST(CorpusIndexTest, LoadRefusesMissingOrStaleIndexes) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto none = CorpusIndex::load(dir.path(), IndexConfig{}, 0);
  ASSERT_FALSE(none.is_ok());
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);

  auto built = build_sample();
  ASSERT_NE(built, nullptr);
  ASSERT_TRUE(built->save(dir.path()).is_ok());
  // Other records.
  auto other = CorpusIndex::load(dir.path(), IndexConfig{}, built->corpus_checksum() ^ 1);
  ASSERT_FALSE(other.is_ok());
  EXPECT_EQ(other.status().code(), ErrorCode::kConflict);
  // Another configuration.
  IndexConfig changed;
  changed.lsa.dimension = 16;
  auto config = CorpusIndex::load(dir.path(), changed, built->corpus_checksum());
  ASSERT_FALSE(config.is_ok());
  EXPECT_EQ(config.status().code(), ErrorCode::kConflict);
  // 0 skips the record check.
  EXPECT_TRUE(CorpusIndex::load(dir.path(), IndexConfig{}, 0).is_ok());
}

struct Damage {
  const char* name;
  std::function<void(const std::string& dir)> apply;
};

TEST(CorpusIndexTest, DamagedFilesAreDetectedAndOpenRebuilds) {
  const std::vector<Damage> damages = {
      {"flip a byte in model.bin", [](const std::string& d) { flip_byte(d + "/model.bin"); }},
      {"flip a byte in units.bin", [](const std::string& d) { flip_byte(d + "/units.bin"); }},
      {"truncate units.bin",
       [](const std::string& d) {
         std::string b = read_all(d + "/units.bin");
         write_all(d + "/units.bin", b.substr(0, b.size() - 9));
       }},
      {"delete experts.faiss",
       [](const std::string& d) { std::filesystem::remove(d + "/experts.faiss"); }},
      {"delete problems.vectors",
       [](const std::string& d) { std::filesystem::remove(d + "/problems.vectors"); }},
      {"flip a byte in experts.vectors",
       [](const std::string& d) { flip_byte(d + "/experts.vectors"); }},
      {"flip a byte in experts.faiss",
       [](const std::string& d) { flip_byte(d + "/experts.faiss"); }},
      {"garbage manifest",
       [](const std::string& d) { write_all(d + "/manifest.json", "{not json"); }},
      {"delete model.bin", [](const std::string& d) { std::filesystem::remove(d + "/model.bin"); }},
      // Attack trial 4: special files hung the load (an endless checksum
      // pass over /dev/zero, an open blocked on a pipe).
      {"units.bin a link to /dev/zero",
       [](const std::string& d) {
         std::filesystem::remove(d + "/units.bin");
         std::filesystem::create_symlink("/dev/zero", d + "/units.bin");
       }},
      {"problems.faiss a link to /dev/zero",
       [](const std::string& d) {
         std::filesystem::remove(d + "/problems.faiss");
         std::filesystem::create_symlink("/dev/zero", d + "/problems.faiss");
       }},
      {"model.bin a pipe",
       [](const std::string& d) {
         std::filesystem::remove(d + "/model.bin");
         ASSERT_EQ(::mkfifo((d + "/model.bin").c_str(), 0600), 0);
       }},
      {"manifest.json a pipe",
       [](const std::string& d) {
         std::filesystem::remove(d + "/manifest.json");
         ASSERT_EQ(::mkfifo((d + "/manifest.json").c_str(), 0600), 0);
       }},
  };
  auto reference = build_sample();
  ASSERT_NE(reference, nullptr);
  for (const auto& damage : damages) {
    SCOPED_TRACE(damage.name);
    TempDir dir;
    ASSERT_FALSE(dir.path().empty());
    ASSERT_TRUE(reference->save(dir.path()).is_ok());
    damage.apply(dir.path());
    auto loaded = CorpusIndex::load(dir.path(), IndexConfig{}, reference->corpus_checksum());
    ASSERT_FALSE(loaded.is_ok());
    EXPECT_EQ(loaded.status().code(), ErrorCode::kCorruption) << loaded.status().to_string();

    std::string reason;
    auto opened =
        CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{}, &reason);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    EXPECT_FALSE(reason.empty());
    for (const auto& p : sample_problems())
      EXPECT_TRUE(answer(**opened, p) == answer(*reference, p)) << p.id;
    // The rebuilt index was saved: it loads now.
    auto again = CorpusIndex::load(dir.path(), IndexConfig{}, reference->corpus_checksum());
    EXPECT_TRUE(again.is_ok()) << again.status().to_string();
  }
}

TEST(CorpusIndexTest, OpenLoadsAnIntactIndexAndCatchesUpAChangedOne) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::string reason = "unset";
  auto first =
      CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{}, &reason);
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(reason.rfind("rebuilt: ", 0), 0u) << reason;  // nothing to load the first time

  auto second =
      CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{}, &reason);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(reason, "");  // loaded

  // The records changed behind the index's back (a crash after writes, or a
  // change while no server ran): one work retitled, one problem added. The
  // saved model takes them as a running index's upserts would: the same
  // model, the same answers as those upserts on the loaded index.
  auto experts = sample_experts();
  experts[3].works[0].title = "湿强剂对格拉辛纸湿强度的影响";
  auto problems = sample_problems();
  Problem added = problems[1];
  added.id = "p-added";
  added.title = "格拉辛纸湿强度不够";
  problems.push_back(added);
  auto live = CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(live.is_ok());
  ASSERT_TRUE((*live)->upsert_expert(experts[3]).is_ok());
  ASSERT_TRUE((*live)->upsert_problem(added).is_ok());

  auto third = CorpusIndex::open(dir.path(), experts, problems, IndexConfig{}, &reason);
  ASSERT_TRUE(third.is_ok());
  EXPECT_EQ(reason, "caught up with its saved model: 2 records changed since it was saved");
  EXPECT_EQ((*third)->embedder().model_id(), (*second)->embedder().model_id());
  EXPECT_EQ((*third)->expert("paper-li")->expert.works[0].title, "湿强剂对格拉辛纸湿强度的影响");
  ASSERT_NE((*third)->problem("p-added"), nullptr);
  EXPECT_EQ((*third)->corpus_checksum(), CorpusIndex::checksum_of(experts, problems));
  for (const auto& p : problems) EXPECT_TRUE(answer(**third, p) == answer(**live, p)) << p.id;
  // And the saved index now matches the new records.
  auto fourth = CorpusIndex::open(dir.path(), experts, problems, IndexConfig{}, &reason);
  ASSERT_TRUE(fourth.is_ok());
  EXPECT_EQ(reason, "");

  // A removed record is removed.
  problems.pop_back();
  auto fifth = CorpusIndex::open(dir.path(), experts, problems, IndexConfig{}, &reason);
  ASSERT_TRUE(fifth.is_ok());
  EXPECT_EQ(reason, "caught up with its saved model: 1 records changed since it was saved");
  EXPECT_EQ((*fifth)->problem("p-added"), nullptr);
  EXPECT_EQ((*fifth)->corpus_checksum(), CorpusIndex::checksum_of(experts, problems));
}

// When more than refit_changed_share of the records changed, the saved model
// no longer describes the corpus: open() learns a new one (a refit).
TEST(CorpusIndexTest, OpenRefitsWhenMoreThanTheShareOfRecordsChanged) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto first = CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(first.is_ok());
  auto experts = sample_experts();
  experts[3].works[0].title = "湿强剂对格拉辛纸湿强度的影响";
  IndexConfig strict;
  strict.refit_changed_share = 0.0;  // any change refits
  std::string reason;
  auto refitted = CorpusIndex::open(dir.path(), experts, sample_problems(), strict, &reason);
  ASSERT_TRUE(refitted.is_ok());
  EXPECT_EQ(reason.rfind("rebuilt: 1 of ", 0), 0u) << reason;
  EXPECT_NE((*refitted)->embedder().model_id(), (*first)->embedder().model_id());
  auto built = CorpusIndex::build(experts, sample_problems(), strict);
  ASSERT_TRUE(built.is_ok());
  EXPECT_EQ((*refitted)->embedder().model_id(), (*built)->embedder().model_id());

  // With the default share, a third of the records gone is too many as well.
  const auto all = sample_experts();
  std::vector<Expert> fewer(all.begin(), all.begin() + all.size() * 2 / 3);
  ASSERT_TRUE(CorpusIndex::open(dir.path(), experts, sample_problems(), IndexConfig{}).is_ok());
  auto again = CorpusIndex::open(dir.path(), fewer, {}, IndexConfig{}, &reason);
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(reason.rfind("rebuilt: ", 0), 0u) << reason;
}

// Attack trial 8: an enterprise posting one problem five times weighed five
// times in the next refit. A repeated problem text counts once in the model
// (the term model, the LSA fit and the unit mean), as a repeated work does;
// the copies are folded in with their seen share.
TEST(CorpusIndexTest, AProblemPostedAgainWeighsInTheFitOnce) {
  auto problems = sample_problems();
  Problem posted = problems[1];
  posted.id = "p-posted-0";
  posted.title = "湿强剂 湿强度 断纸 装饰原纸";
  problems.push_back(posted);
  auto once = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(once.is_ok());
  for (int i = 1; i < 5; ++i) {
    Problem copy = posted;
    copy.id = "p-posted-" + std::to_string(i);
    if (i == 3) copy.title = " 湿强剂  湿强度 断纸\n装饰原纸 ";  // spacing aside, the same text
    problems.push_back(copy);
  }
  auto five = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(five.is_ok());
  EXPECT_EQ((*five)->embedder().model_id(), (*once)->embedder().model_id());
  EXPECT_EQ((*five)->unit_mean(), (*once)->unit_mean());
  for (const auto& p : sample_problems())
    EXPECT_TRUE(answer(**five, p) == answer(**once, p)) << p.id;

  // A changed word is a new problem: it is learned from.
  problems.back().title = "湿强剂 湿强度 掉粉 装饰原纸";
  auto changed = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(changed.is_ok());
  EXPECT_NE((*changed)->embedder().model_id(), (*once)->embedder().model_id());
}

// Attack trial 9: a county filed 180 problems, more than the share a saved
// model takes without a refit, and the refit after a crash learned from
// them. What the city has not confirmed (Problem::verified false: what an
// enterprise or a county files) is folded in, never learned from: the model,
// the unit mean and every other answer are those of the corpus without them.
TEST(CorpusIndexTest, UnconfirmedProblemsAreFoldedInNotLearnedFrom) {
  auto once = CorpusIndex::build(sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(once.is_ok());
  auto problems = sample_problems();
  for (int i = 0; i < 20; ++i) {
    Problem filed = problems[0];
    filed.id = "p-filed-" + std::to_string(i);
    filed.title = "螺杆空压机高温停机 排气温度 " + std::to_string(i);
    filed.description = "夏天螺杆机排气温度过高，冷却器和风扇都换过，第" + std::to_string(i) + "台";
    filed.verified = false;
    problems.push_back(filed);
  }
  auto filed = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(filed.is_ok());
  EXPECT_EQ((*filed)->embedder().model_id(), (*once)->embedder().model_id());
  EXPECT_EQ((*filed)->unit_mean(), (*once)->unit_mean());
  for (const auto& p : sample_problems())
    EXPECT_TRUE(answer(**filed, p) == answer(**once, p)) << p.id;
  // They are indexed and ranked all the same, knowing only what the model knows.
  const ProblemEntry* entry = (*filed)->problem("p-filed-3");
  ASSERT_NE(entry, nullptr);
  EXPECT_FALSE(entry->problem().verified);
  EXPECT_LT((*filed)->unit(entry->unit)->seen_share, 1.0f);

  // Confirmed by the city, they are learned from at the next fit.
  for (auto& p : problems) p.verified = true;
  auto confirmed = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(confirmed.is_ok());
  EXPECT_NE((*confirmed)->embedder().model_id(), (*once)->embedder().model_id());
}

// Attack trial 10: what the model learns from is each record as the city
// last confirmed it (FitCorpus), whatever the index ranks: a problem
// withdrawn (no longer indexed) and one edited by its enterprise (now
// unconfirmed, its confirmed version kept) leave the model as it was; the
// other problems rank exactly as before.
TEST(CorpusIndexTest, TheFitIsWhatTheCityConfirmedNotWhatIsOpenNow) {
  const auto experts = sample_experts();
  const auto problems = sample_problems();
  ASSERT_GE(problems.size(), 3u);
  auto before = CorpusIndex::build(experts, problems, IndexConfig{});
  ASSERT_TRUE(before.is_ok());

  // problems[0] withdrawn: out of the index, in the store. problems[1]
  // edited by its enterprise: unconfirmed, its confirmed version kept.
  std::vector<Problem> store = problems;
  store[0].status = ProblemStatus::kWithdrawn;
  Problem edited = problems[1];
  edited.title = "企业年度融资贷款申请";
  edited.description = "银行贷款利率谈判";
  edited.verified = false;
  keep_confirmed_version(problems[1], &edited);
  EXPECT_EQ(edited.confirmed_json, to_json(problems[1]));
  store[1] = edited;
  const std::vector<Problem> open = indexed_problems(store);
  ASSERT_TRUE(is_open(problems[0].status));
  ASSERT_EQ(open.size(), indexed_problems(problems).size() - 1);

  const FitCorpus fit = FitCorpus::of(experts, store);
  EXPECT_EQ(fit.hashes(), FitCorpus::of(experts, problems).hashes());
  auto after = CorpusIndex::build(experts, open, IndexConfig{}, {}, &fit);
  ASSERT_TRUE(after.is_ok());
  EXPECT_EQ((*after)->embedder().model_id(), (*before)->embedder().model_id());
  EXPECT_EQ((*after)->learned_from(), (*before)->learned_from());
  for (size_t i = 2; i < problems.size(); ++i)
    EXPECT_TRUE(answer(**after, problems[i]) == answer(**before, problems[i])) << problems[i].id;

  // What the fit learned from the open records alone (the old rule) differs:
  // the test can tell.
  auto open_only = CorpusIndex::build(experts, open, IndexConfig{});
  ASSERT_TRUE(open_only.is_ok());
  EXPECT_NE((*open_only)->embedder().model_id(), (*before)->embedder().model_id());

  // The edit confirmed by the city is learned from (its old version is not).
  store[1].verified = true;
  store[1].confirmed_json.clear();
  const FitCorpus confirmed = FitCorpus::of(experts, store);
  auto relearned =
      CorpusIndex::build(experts, indexed_problems(store), IndexConfig{}, {}, &confirmed);
  ASSERT_TRUE(relearned.is_ok());
  EXPECT_NE((*relearned)->embedder().model_id(), (*before)->embedder().model_id());
}

// Filings the city has not confirmed, in any number, never make open()
// relearn the model: only a change to what it learns from can.
TEST(CorpusIndexTest, UnconfirmedFilingsNeverForceARefit) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  auto first = CorpusIndex::open(dir.path(), sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(first.is_ok());
  auto problems = sample_problems();
  const size_t records = sample_experts().size() + problems.size();
  for (size_t i = 0; i < 2 * records; ++i) {  // twice the corpus: far past refit_changed_share
    Problem filed = problems[0];
    filed.id = "p-filed-" + std::to_string(i);
    filed.title = "螺杆空压机高温停机 " + std::to_string(i);
    filed.verified = false;
    problems.push_back(filed);
  }
  std::string reason;
  auto caught_up =
      CorpusIndex::open(dir.path(), sample_experts(), problems, IndexConfig{}, &reason);
  ASSERT_TRUE(caught_up.is_ok());
  EXPECT_EQ(reason, "caught up with its saved model: " + std::to_string(2 * records) +
                        " records changed since it was saved");
  EXPECT_EQ((*caught_up)->embedder().model_id(), (*first)->embedder().model_id());
  for (const auto& p : sample_problems())
    EXPECT_TRUE(answer(**caught_up, p) == answer(**first, p)) << p.id;
}

TEST(CorpusIndexTest, UpsertAndRemoveExpertChangeSearchAtOnce) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  const Problem paper = sample_problems()[1];  // p-paper: 湿强度
  ASSERT_EQ(paper.id, "p-paper");
  EXPECT_EQ(owners(answer(*index, paper)).count("paper-li"), 1u);
  EXPECT_EQ(owners(answer(*index, paper)).count("paper-new"), 0u);

  // A new expert in words the model knows.
  Expert added;
  added.id = "paper-new";
  added.name = "新专家";
  added.fields = {"湿强剂", "装饰原纸"};
  added.works = {fixture::make_work(WorkKind::kPaper, "装饰原纸湿强度不足与湿强剂用量",
                                    "湿强剂用量与湿强度、白水浆渣", {"湿强剂", "湿强度"}, 2024)};
  ASSERT_TRUE(index->upsert_expert(added).is_ok());
  ASSERT_NE(index->expert("paper-new"), nullptr);
  Answer after_add = answer(*index, paper);
  EXPECT_EQ(owners(after_add).count("paper-new"), 1u);
  // Its work is the nearest unit of all to this problem (it restates it).
  ASSERT_FALSE(after_add.dense.empty());
  EXPECT_EQ(after_add.dense[0].first, "paper-new/0");
  EXPECT_GT(after_add.lexical["paper-new/0"], 0.0f);

  // Removing an expert removes all of its units from every structure.
  const ExpertEntry* li = index->expert("paper-li");
  ASSERT_NE(li, nullptr);
  std::vector<int64_t> li_units = {li->profile_unit};
  li_units.insert(li_units.end(), li->work_units.begin(), li->work_units.end());
  size_t before = index->expert_vectors().size();
  ASSERT_TRUE(index->remove_expert("paper-li").is_ok());
  EXPECT_EQ(index->expert("paper-li"), nullptr);
  EXPECT_EQ(index->expert_vectors().size(), before - li_units.size());
  for (int64_t u : li_units) {
    EXPECT_EQ(index->unit(u), nullptr);
    EXPECT_EQ(index->expert_vectors().vector(u), nullptr);
    EXPECT_EQ(index->expert_lexical().terms_of(u), nullptr);
  }
  Answer after_remove = answer(*index, paper);
  EXPECT_EQ(owners(after_remove).count("paper-li"), 0u);
  EXPECT_EQ(owners(after_remove).count("paper-new"), 1u);
  EXPECT_EQ(index->remove_expert("paper-li").code(), ErrorCode::kNotFound);

  // Upsert of a known id replaces its works: the old work units disappear.
  const ExpertEntry* zhang = index->expert("bearing-zhang");
  ASSERT_NE(zhang, nullptr);
  std::vector<int64_t> old_units = zhang->work_units;
  Expert changed = zhang->expert;
  changed.works.resize(1);
  ASSERT_TRUE(index->upsert_expert(changed).is_ok());
  EXPECT_EQ(index->expert("bearing-zhang")->work_units.size(), 1u);
  for (int64_t u : old_units) EXPECT_EQ(index->unit(u), nullptr);

  // The checksum follows the records.
  std::vector<Expert> now;
  for (const auto& [id, e] : index->experts()) now.push_back(e.expert);
  std::vector<Problem> problems;
  for (const auto& [id, p] : index->problems()) problems.push_back(p.problem());
  EXPECT_EQ(index->corpus_checksum(), CorpusIndex::checksum_of(now, problems));
}

TEST(CorpusIndexTest, UpsertAndRemoveProblemChangeSearchAtOnce) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  Problem added;
  added.id = "p-new";
  added.enterprise = "新企业";
  added.county = "柯城区";
  added.title = "磷酸铁锂碳包覆不均匀";
  added.description = "磷酸铁锂正极材料碳包覆不均匀，振实密度偏低。";
  ASSERT_TRUE(index->upsert_problem(added).is_ok());
  const ProblemEntry* entry = index->problem("p-new");
  ASSERT_NE(entry, nullptr);
  int64_t unit = entry->unit;
  // Its own vector is its nearest neighbour among problems.
  auto v = index->embedder().embed({CorpusIndex::problem_text(added)});
  ASSERT_TRUE(v.is_ok());
  auto hits = index->problem_vectors().search(v->data(), 3);
  ASSERT_TRUE(hits.is_ok());
  ASSERT_FALSE(hits->empty());
  EXPECT_EQ((*hits)[0].id, unit);
  EXPECT_NEAR((*hits)[0].score, 1.0f, 1e-4);
  auto terms = index->problem_terms(added);
  ASSERT_TRUE(terms.is_ok());
  // Its term vector is kept exactly as analysed.
  auto kept = index->problem_lexical().terms_of(unit);
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(*kept, *terms);

  ASSERT_TRUE(index->remove_problem("p-new").is_ok());
  EXPECT_EQ(index->problem("p-new"), nullptr);
  EXPECT_EQ(index->problem_vectors().vector(unit), nullptr);
  auto after = index->problem_vectors().search(v->data(), 100);
  ASSERT_TRUE(after.is_ok());
  for (const auto& h : *after) EXPECT_NE(h.id, unit);
  EXPECT_FALSE(index->problem_lexical().terms_of(unit).has_value());
  EXPECT_EQ(index->remove_problem("p-new").code(), ErrorCode::kNotFound);
  EXPECT_EQ(index->corpus_checksum(),
            CorpusIndex::checksum_of(sample_experts(), sample_problems()));
}

TEST(CorpusIndexTest, ProblemRecordsAreSharedNotCopied) {
  std::vector<SharedProblem> shared;
  for (const auto& p : sample_problems()) shared.push_back(std::make_shared<const Problem>(p));
  auto built = CorpusIndex::build_shared(sample_experts(), shared, IndexConfig{});
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  for (const auto& p : shared) {
    const ProblemEntry* entry = (*built)->problem(p->id);
    ASSERT_NE(entry, nullptr) << p->id;
    EXPECT_EQ(entry->record.get(), p.get()) << p->id;
  }
  // The same index as from copies: same checksum, same term vectors.
  auto copied = build_sample();
  ASSERT_NE(copied, nullptr);
  EXPECT_EQ((*built)->corpus_checksum(), copied->corpus_checksum());
  EXPECT_EQ((*built)->problem_lexical().terms_of((*built)->problem(shared[0]->id)->unit),
            copied->problem_lexical().terms_of(copied->problem(shared[0]->id)->unit));

  // Loaded: a record byte-identical to one the caller holds is that one; one
  // that differs is read from the file.
  TempDir dir;
  ASSERT_TRUE((*built)->save(dir.path()).is_ok());
  std::vector<SharedProblem> held = shared;
  Problem changed = *held[1];
  changed.title += "（改）";
  held[1] = std::make_shared<const Problem>(changed);
  auto loaded = CorpusIndex::load(dir.path(), IndexConfig{}, 0, &held);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->problem(held[0]->id)->record.get(), held[0].get());
  const ProblemEntry* other = (*loaded)->problem(held[1]->id);
  EXPECT_NE(other->record.get(), held[1].get());
  EXPECT_EQ(other->problem().title, shared[1]->title);
  EXPECT_EQ((*loaded)->corpus_checksum(), copied->corpus_checksum());
}

TEST(CorpusIndexTest, NewWordsCountOnlyAfterRefit) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  Expert added;
  added.id = "chain-he";
  added.name = "何";
  added.fields = {"区块链溯源"};
  added.works = {
      fixture::make_work(WorkKind::kPaper, "区块链溯源平台", "区块链溯源", {"区块链溯源"}),
      fixture::make_work(WorkKind::kPaper, "区块链溯源应用", "区块链溯源", {"区块链溯源"})};
  ASSERT_TRUE(index->upsert_expert(added).is_ok());
  // The new field is a new lexicon word (and new bigrams): unknown until refit.
  auto known = [&](const char* term) {
    return index->terms().vocabulary().find(term) != Vocabulary::kUnknown;
  };
  EXPECT_FALSE(known("区块链溯源"));
  EXPECT_FALSE(known("溯源"));
  ASSERT_TRUE(index->refit().is_ok());
  EXPECT_TRUE(known("区块链溯源"));
  EXPECT_TRUE(known("溯源"));
  auto after = index->text_terms("区块链溯源");
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(after->empty());
  Problem q;
  q.id = "q";
  q.title = "区块链溯源";
  Answer a = answer(*index, q);
  ASSERT_FALSE(a.dense.empty());
  EXPECT_EQ(a.dense[0].first.substr(0, 9), "chain-he/");
}

// An expert a county wrote and the city has not confirmed is not learned
// from: the fit leaves its texts out (its words stay unknown, its units know
// only their seen share) until it is confirmed and the model refitted.
TEST(CorpusIndexTest, AnUnconfirmedExpertIsFoldedInNotLearnedFrom) {
  Expert chain;
  chain.id = "chain-he";
  chain.name = "何";
  chain.verified = false;
  chain.counties = {"常山县"};
  chain.fields = {"区块链溯源"};
  chain.works = {
      fixture::make_work(WorkKind::kPaper, "区块链溯源平台", "区块链溯源", {"区块链溯源"})};
  std::vector<Expert> experts = sample_experts();
  experts.push_back(chain);
  auto index = CorpusIndex::build(experts, sample_problems(), IndexConfig{});
  ASSERT_TRUE(index.is_ok()) << index.status().to_string();
  auto known = [&](const char* term) {
    return (*index)->terms().vocabulary().find(term) != Vocabulary::kUnknown;
  };
  EXPECT_FALSE(known("区块链溯源"));
  const ExpertEntry* e = (*index)->expert("chain-he");
  ASSERT_NE(e, nullptr);
  EXPECT_LT((*index)->unit(e->work_units[0])->seen_share, 1.0f);
  // The same corpus without it fits the same model (the same model id).
  auto without = CorpusIndex::build(sample_experts(), sample_problems(), IndexConfig{});
  ASSERT_TRUE(without.is_ok());
  EXPECT_EQ((*index)->embedder().model_id(), (*without)->embedder().model_id());

  chain.verified = true;
  ASSERT_TRUE((*index)->upsert_expert(chain).is_ok());
  ASSERT_TRUE((*index)->refit().is_ok());
  EXPECT_TRUE(known("区块链溯源"));
  e = (*index)->expert("chain-he");
  EXPECT_EQ((*index)->unit(e->work_units[0])->seen_share, 1.0f);
}

// Attack trial 11: a county's edit of its confirmed expert took the expert
// out of other counties' rankings and BM25 statistics, moving their scores.
// An edit awaiting the city is indexed as the version the city confirmed
// (ranked_version), with the record's own availability and capacity:
// build, upsert, checksum and catch-up alike, so no answer moves.
TEST(CorpusIndexTest, AnEditAwaitingTheCityIsIndexedAsTheConfirmedVersion) {
  const std::vector<Expert> confirmed = sample_experts();
  std::vector<Expert> edited = confirmed;
  Expert& e = edited[0];
  Expert next = e;
  next.bio = "区块链溯源 冷链物流 完全不同的简介";
  next.works.clear();
  next.capacity = e.capacity + 3;
  next.verified = false;
  keep_confirmed_version(e, &next);
  ASSERT_FALSE(next.confirmed_json.empty());
  e = next;
  ASSERT_TRUE(awaits_city(e));
  const Expert view = ranked_version(e);
  EXPECT_TRUE(view.verified);
  EXPECT_TRUE(view.confirmed_json.empty());
  EXPECT_EQ(view.bio, confirmed[0].bio);
  EXPECT_EQ(view.works.size(), confirmed[0].works.size());
  EXPECT_EQ(view.capacity, confirmed[0].capacity + 3);
  EXPECT_TRUE(may_serve_county(e, "不相干的县"));

  auto plain = CorpusIndex::build(confirmed, sample_problems(), IndexConfig{});
  auto pending = CorpusIndex::build(edited, sample_problems(), IndexConfig{});
  ASSERT_TRUE(plain.is_ok() && pending.is_ok());
  EXPECT_EQ(CorpusIndex::checksum_of(edited, sample_problems()), (*pending)->corpus_checksum());
  const ExpertEntry* entry = (*pending)->expert(e.id);
  ASSERT_NE(entry, nullptr);
  EXPECT_EQ(entry->expert.bio, confirmed[0].bio);
  EXPECT_EQ(entry->work_units.size(), confirmed[0].works.size());
  for (const Problem& p : sample_problems())
    EXPECT_EQ(answer(**pending, p), answer(**plain, p)) << p.id;

  // Upserted into an index of the confirmed records: the same answers.
  ASSERT_TRUE((*plain)->upsert_expert(e).is_ok());
  for (const Problem& p : sample_problems())
    EXPECT_EQ(answer(**plain, p), answer(**pending, p)) << p.id;
  // A saved index of it is caught up with nothing to change.
  std::vector<SharedProblem> shared;
  for (const Problem& p : sample_problems()) shared.push_back(std::make_shared<Problem>(p));
  auto changed = (*pending)->catch_up(edited, shared, 1.0);
  ASSERT_TRUE(changed.is_ok());
  EXPECT_EQ(*changed, 0u);

  // Confirmed by the city, the edit is what is indexed.
  Expert accepted = e;
  accepted.verified = true;
  accepted.confirmed_json.clear();
  ASSERT_TRUE((*pending)->upsert_expert(accepted).is_ok());
  EXPECT_EQ((*pending)->expert(e.id)->expert.bio, next.bio);
  EXPECT_TRUE((*pending)->expert(e.id)->work_units.empty());
}

// How much of a unit's text the model knows (Unit::seen_share): all of it
// for every unit made at the fit; less for a record added later in words
// the model never saw; kept by save and load; all of it again after a refit.
TEST(CorpusIndexTest, UnitsAddedInUnseenWordsKnowOnlyTheirSeenShare) {
  auto index = build_sample();
  ASSERT_NE(index, nullptr);
  for (const auto& [id, e] : index->experts()) {
    EXPECT_EQ(index->unit(e.profile_unit)->seen_share, 1.0f) << id;
    for (int64_t u : e.work_units) EXPECT_EQ(index->unit(u)->seen_share, 1.0f) << id;
  }
  for (const auto& [id, p] : index->problems()) EXPECT_EQ(index->unit(p.unit)->seen_share, 1.0f);

  Expert added;
  added.id = "music-shen";
  added.name = "沈";
  added.fields = {"江南丝竹"};
  added.works = {fixture::make_work(WorkKind::kPaper, "江南丝竹八大曲的版本流变",
                                    "比对工尺谱与简谱抄本，考察乐社的加花变奏。", {"工尺谱"})};
  ASSERT_TRUE(index->upsert_expert(added).is_ok());
  // A sample record again, under another id: every word known.
  Expert again = sample_experts()[0];
  again.id = "again";
  ASSERT_TRUE(index->upsert_expert(again).is_ok());
  const ExpertEntry* music = index->expert("music-shen");
  const ExpertEntry* same = index->expert("again");
  ASSERT_TRUE(music && same);
  const float work_share = index->unit(music->work_units[0])->seen_share;
  EXPECT_GT(work_share, 0.0f);
  EXPECT_LT(work_share, 0.7f);
  EXPECT_LT(index->unit(music->profile_unit)->seen_share, 0.7f);
  EXPECT_EQ(index->unit(same->profile_unit)->seen_share, 1.0f);
  for (int64_t u : same->work_units) EXPECT_EQ(index->unit(u)->seen_share, 1.0f);

  TempDir dir;
  ASSERT_TRUE(index->save(dir.path()).is_ok());
  auto loaded = CorpusIndex::load(dir.path(), IndexConfig{}, index->corpus_checksum());
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const ExpertEntry* music_loaded = (*loaded)->expert("music-shen");
  ASSERT_NE(music_loaded, nullptr);
  EXPECT_EQ((*loaded)->unit(music_loaded->work_units[0])->seen_share, work_share);

  ASSERT_TRUE(index->refit().is_ok());
  music = index->expert("music-shen");
  EXPECT_EQ(index->unit(music->work_units[0])->seen_share, 1.0f);
}

}  // namespace
}  // namespace expertmatch

namespace expertmatch {
namespace {

// One record the index cannot take (here: a title holding the bytes a lone
// "\udc00" escape decodes to) is left out and named; the rest is indexed.
TEST(CorpusIndexTest, ARecordItCannotTakeIsSkippedAndNamed) {
  std::vector<Problem> problems = sample_problems();
  ASSERT_GE(problems.size(), 2u);
  std::string bad_id = problems[1].id;
  problems[1].title += "\xED\xB0\x80";
  auto built = CorpusIndex::build(sample_experts(), problems, IndexConfig{});
  ASSERT_TRUE(built.is_ok()) << built.status().to_string();
  auto& index = **built;
  EXPECT_EQ(index.problems().size(), problems.size() - 1);
  EXPECT_EQ(index.problem(bad_id), nullptr);
  ASSERT_EQ(index.skipped().size(), 1u);
  EXPECT_EQ(index.skipped()[0].kind, "problem");
  EXPECT_EQ(index.skipped()[0].id, bad_id);
  EXPECT_EQ(
      index.skipped()[0].reason.rfind("title: contains an unpaired UTF-16 surrogate (U+DC00", 0),
      0u)
      << index.skipped()[0].reason;

  // An upsert of a bad version takes the old one out and names the record.
  Problem good = problems[0];
  Problem broken = good;
  broken.description = "\xff";
  Status s = index.upsert_problem(broken);
  EXPECT_EQ(s.code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.message().find("problem \"" + good.id + "\" left out of the index"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(index.problem(good.id), nullptr);
  EXPECT_EQ(index.skipped().size(), 2u);
  // A good version brings it back, and the list forgets it.
  ASSERT_TRUE(index.upsert_problem(good).is_ok());
  EXPECT_NE(index.problem(good.id), nullptr);
  ASSERT_EQ(index.skipped().size(), 1u);
  EXPECT_EQ(index.skipped()[0].id, bad_id);
  // Experts likewise.
  std::vector<Expert> experts = sample_experts();
  size_t k = experts[0].works.at(0).keywords.size();
  experts[0].works.at(0).keywords.push_back(std::string("a\0b", 3));
  auto again = CorpusIndex::build(experts, sample_problems(), IndexConfig{});
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  ASSERT_EQ((*again)->skipped().size(), 1u);
  EXPECT_EQ((*again)->skipped()[0].kind, "expert");
  EXPECT_EQ((*again)->skipped()[0].reason,
            "works[0].keywords[" + std::to_string(k) + "]: contains U+0000 (at byte 1)");
  EXPECT_EQ((*again)->experts().size(), experts.size() - 1);
}

}  // namespace
}  // namespace expertmatch
