// CorpusIndex: the searchable form of a corpus, kept in memory and on disk.
//
// Every expert becomes one "profile" unit (research fields and bio) and one
// unit per work (title, keywords, abstract); every problem one unit. Each unit
// gets a dense vector from the Embedder (in a Faiss VectorIndex, one for
// expert units and one for problems) and a field-weighted term vector (in a
// BM25 LexicalIndex). Matching (matcher/) reads these.
//
// The Embedder is the corpus-learned LSA model unless IndexConfig::remote.url
// is set; then every dense vector (units and, through embedder(), queries)
// comes from that external server, while the TermModel is still learned from
// the corpus for the lexical side and the explanations. No silent fallback: a
// failing server makes build(), refit() and upserts fail with its Status
// (kUnavailable for network errors and timeouts).
//
// On disk, DIR holds manifest.json, model.bin (term model, plus the LSA model
// unless remote), units.bin and the Faiss files. load() refuses (kCorruption /
// kConflict) anything missing, damaged or built from another corpus, model or
// embedder; open() then rebuilds from the given records. Every file is written
// to a temporary name and renamed into place.
//
// upsert/remove update all structures at once with the current model (new
// words the model has not seen are ignored until refit()). refit() relearns
// the model (and re-embeds every unit): the explicit, separate step. The
// model learns from a FitCorpus (fit_corpus.h): what the caller passes (the
// service: every record of the store as the city last confirmed it), or else
// the confirmed versions of the records indexed. Each expert is indexed as
// it is ranked (ranked_version, corpus/exchange_format.h): an edit awaiting
// the city is not ranked, nor weighs in any statistic, until confirmed.
//
// Thread safety: const methods may run concurrently; mutations need exclusive
// access (the service holds a reader/writer lock around this object).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"
#include "indexer/fit_corpus.h"
#include "indexer/lexical_index.h"
#include "indexer/lsa_model.h"
#include "indexer/remote_embedder.h"
#include "indexer/term_model.h"
#include "indexer/term_vector_store.h"
#include "indexer/vector_index.h"

namespace expertmatch {

struct IndexConfig {
  LsaOptions lsa;                      // the built-in embedding
  std::string faiss_factory = "Flat";  // or e.g. "HNSW32,Flat" for large corpora
  // With faiss_factory "Flat", the expert units' index is exact (IndexFlatIP)
  // up to this many units and inverted lists above (IndexIVFFlat, about
  // 2 * sqrt(units) lists rounded down to a power of two, `ivf_probes` of
  // them searched): a flat search costs units * dimension multiply-adds a
  // query (4.1 ms of CPU at 22,000 units with Debian's Faiss, 56 million
  // multiply-adds at 20,000 experts x 11 units), the lists about a tenth to
  // a twentieth of that. Below the threshold nothing changes; the
  // matcher's exhaustive ranking does not search Faiss at all
  // (MatchConfig::exhaustive_max_experts). Problems stay exact: nothing on a
  // request's path searches them. docs/performance.md has the measurements.
  size_t exact_search_max_units = 10000;
  int ivf_probes = 24;
  // Threads of the build's text analysis and embedding (the same index
  // whatever the number).
  int build_threads = 2;
  AnalyzerOptions analyzer;
  Bm25Params bm25;
  // Field weights of the lexical index (BM25F-style term frequency multipliers).
  float weight_title = 2.0f;
  float weight_keywords = 2.0f;
  float weight_text = 1.0f;    // abstracts, bios, descriptions
  float weight_fields = 2.0f;  // an expert's research fields
  // An external embedding server for every dense vector, units and queries;
  // url empty (the default) = off, the LSA model above is used.
  RemoteEmbedderOptions remote;
  // open() on a saved index whose records have since changed (a crash after
  // writes, records changed while no server ran) brings it up to date with
  // its saved model, as the running server's upserts would have, unless more
  // than this share of the records the model learns from (its FitCorpus)
  // changed (added, edited or removed, over the larger of the saved and the
  // current count): then the model no longer describes the corpus and is
  // learned anew (refit). Records outside the fit (unconfirmed filings, in
  // any number) never force a refit. Not part of the index's identity
  // (index_config_id).
  double refit_changed_share = 0.25;
};

enum class UnitKind : uint8_t { kProfile, kWork, kProblem };

struct Unit {
  UnitKind kind;
  std::string owner;    // expert or problem id
  int work_index = -1;  // for kWork: index into Expert::works
  // The share of the unit's embedded text that the model knows
  // (TermModel::counts' seen share), in [0, 1]: 1 for every unit the model
  // was fitted on (its terms are the vocabulary), less for a record added
  // later in words the model never saw, or for a record the fit leaves out:
  // an unconfirmed expert or problem (verified false), a problem repeating
  // another's text. Always 1 with a
  // remote embedder, which represents any text.
  float seen_share = 1.0f;
};

struct ExpertEntry {
  // The expert as it is ranked (ranked_version, corpus/exchange_format.h):
  // the record, or while a county's edit awaits the city the version the
  // city confirmed. Every Expert the index is given is taken so.
  Expert expert;
  int64_t profile_unit = -1;
  std::vector<int64_t> work_units;  // parallel to expert.works
  // Parallel to expert.works: -1, or the earlier work this one repeats
  // (identical or near-identical, find_repeated_works); a repeat counts once.
  std::vector<int> repeat_of;
};

// A problem record held once however many hold it (the service's records
// and the index share them); never changed in place: a changed record is a
// new one.
using SharedProblem = std::shared_ptr<const Problem>;

struct ProblemEntry {
  SharedProblem record;  // never null in an index
  int64_t unit = -1;
  const Problem& problem() const { return *record; }
};

// A record the index could not take and left out (so it is never matched);
// everything else is indexed as usual.
struct SkippedRecord {
  std::string kind;    // "expert" or "problem"
  std::string id;      // bytes that are not valid UTF-8 are shown as \xNN
  std::string reason;  // "title: contains an unpaired UTF-16 surrogate (U+DC00 at byte 0)"
};

// Progress of a long build: (done, total) documents.
using ProgressFn = std::function<void(size_t done, size_t total)>;

class CorpusIndex {
 public:
  // Builds from the records. A record that breaks the exchange format's rules
  // (check_record in corpus/exchange_format.h, e.g. text that is not valid
  // UTF-8) is skipped and listed in skipped(): one bad record never stops the
  // index. kInvalidArgument only if no record at all can be indexed. The
  // model learns from `fit` if given, else from FitCorpus::of the records;
  // from every record as it is if that holds nothing (nothing confirmed).
  // `fit` is read during the call only.
  static Result<std::unique_ptr<CorpusIndex>> build(const std::vector<Expert>& experts,
                                                    const std::vector<Problem>& problems,
                                                    const IndexConfig& config,
                                                    const ProgressFn& progress = {},
                                                    const FitCorpus* fit = nullptr);
  // The same, sharing the problem records instead of copying them.
  static Result<std::unique_ptr<CorpusIndex>> build_shared(
      const std::vector<Expert>& experts, const std::vector<SharedProblem>& problems,
      const IndexConfig& config, const ProgressFn& progress = {}, const FitCorpus* fit = nullptr);
  // Loads DIR; kNotFound if there is no index, kCorruption if damaged,
  // kConflict if it was built from other records than `expected_checksum`
  // (pass 0 to skip that check) or with another configuration. `share` (if
  // given): records the caller holds; a stored problem byte-identical to one
  // of them (same id and exchange JSON) shares it instead of a copy.
  static Result<std::unique_ptr<CorpusIndex>> load(
      const std::string& dir, const IndexConfig& config, uint64_t expected_checksum,
      const std::vector<SharedProblem>* share = nullptr);
  // load(), and on any failure build() and save(). A saved index built from
  // other records is not refitted but caught up (catch_up) unless more than
  // IndexConfig::refit_changed_share of the records its model learned from
  // changed (learned_from() against `fit`, as in build()): so a restart,
  // after a crash or not, ranks as the running server did, and only an
  // explicit refit (build(), refit(), `expertmatch index`, a bulk import)
  // learns a new model; and a model learned anew from the same FitCorpus is
  // the same model. `rebuilt_reason` (if given) receives why it was rebuilt
  // or caught up, or "" if loaded as saved. A failed save (read-only or full
  // disk) does not fail open(): the index is returned and `save_status` (if
  // given) receives the save's error, else ok.
  static Result<std::unique_ptr<CorpusIndex>> open(
      const std::string& dir, const std::vector<Expert>& experts,
      const std::vector<Problem>& problems, const IndexConfig& config,
      std::string* rebuilt_reason = nullptr, const ProgressFn& progress = {},
      Status* save_status = nullptr, const FitCorpus* fit = nullptr);
  // The same, sharing the problem records (loaded or built) with the caller.
  static Result<std::unique_ptr<CorpusIndex>> open_shared(
      const std::string& dir, const std::vector<Expert>& experts,
      const std::vector<SharedProblem>& problems, const IndexConfig& config,
      std::string* rebuilt_reason = nullptr, const ProgressFn& progress = {},
      Status* save_status = nullptr, const FitCorpus* fit = nullptr);
  Status save(const std::string& dir) const;

  // An upsert of a record the index cannot take removes any older version,
  // lists the record in skipped() and returns kInvalidArgument naming it; the
  // rest of the index is untouched. Removing a skipped record unlists it.
  Status upsert_expert(const Expert& expert);
  Status remove_expert(const std::string& id);
  Status upsert_problem(const Problem& problem);
  Status remove_problem(const std::string& id);

  // An upsert in two steps, so that the text analysis and embedding (the
  // cost: seconds for an expert with thousands of works) need no exclusive
  // access. prepare_*() is const and may run beside readers; the upsert that
  // takes its result only files units, postings and vectors. The result
  // belongs to this index and its current model: a refit() between the two
  // steps is noticed and the record analysed again inside the upsert.
  struct Prepared {
    const Embedder* model = nullptr;           // the embedder it was made with
    std::vector<Result<WeightedTerms>> terms;  // expert: profile, then each work; problem: one
    std::vector<float> vectors;                // one row of dimension() floats per unit, same order
    std::vector<float> seen_shares;            // Unit::seen_share per unit, same order
    Status status;                             // why the analysis or embedding failed, if it did
  };
  Prepared prepare_expert(const Expert& expert) const;
  Prepared prepare_problem(const Problem& problem) const;
  Status upsert_expert(const Expert& expert, Prepared&& prepared);
  Status upsert_problem(const Problem& problem, Prepared&& prepared);
  // The same, sharing the record (not null) instead of copying it.
  Status upsert_problem(SharedProblem problem, Prepared&& prepared);
  // The records left out (since build or load), in the order they were met.
  // A loaded index lists none: an index is only saved for the records it holds,
  // and records it skipped make the store's checksum differ, so it is rebuilt.
  const std::vector<SkippedRecord>& skipped() const { return skipped_; }
  // Relearns the term model and the embedding, from `fit` as in build().
  Status refit(const ProgressFn& progress = {}, const FitCorpus* fit = nullptr);
  // The sorted FitCorpus::hashes() of what the model learned from (saved with it).
  const std::vector<uint64_t>& learned_from() const { return learned_from_; }
  // Makes the index hold exactly these records (the open problems) with its
  // current model: removes what is gone, upserts what is new or changed (in
  // id order), exactly as the same upserts and removals on a running index.
  // Returns the number of records changed; kConflict, changing nothing, if
  // that is more than `max_changed_share` of the larger of the held and the
  // given record counts. A record the index cannot take is skipped (listed
  // in skipped()), not an error.
  Result<size_t> catch_up(const std::vector<Expert>& experts,
                          const std::vector<SharedProblem>& problems, double max_changed_share);

  // Order-independent checksum of the records (XOR of per-record hashes).
  uint64_t corpus_checksum() const { return checksum_; }
  static uint64_t record_hash(const Expert& e);
  static uint64_t record_hash(const Problem& p);
  // A hash of what the model's fit reads of a record (its id, and the texts
  // and terms fit_model takes from it), and of nothing else: a withdrawn
  // problem, or one whose urgency changed, is the same to the fit.
  static uint64_t fit_hash(const Expert& e);
  static uint64_t fit_hash(const Problem& p);
  static uint64_t checksum_of(const std::vector<Expert>& e, const std::vector<Problem>& p);
  static uint64_t checksum_of(const std::vector<Expert>& e, const std::vector<SharedProblem>& p);

  const std::map<std::string, ExpertEntry>& experts() const { return experts_; }
  const std::map<std::string, ProblemEntry>& problems() const { return problems_; }
  const ExpertEntry* expert(const std::string& id) const;
  const ProblemEntry* problem(const std::string& id) const;
  const Unit* unit(int64_t id) const;

  const TermModel& terms() const { return *terms_; }
  // The embedder of every dense vector, units and queries alike.
  const Embedder& embedder() const { return *embedder_; }
  // The built-in LSA embedder, or nullptr when a remote embedder is used.
  const LsaEmbedder* lsa() const { return lsa_; }
  const VectorIndex& expert_vectors() const { return *expert_vectors_; }
  const VectorIndex& problem_vectors() const { return *problem_vectors_; }
  const LexicalIndex& expert_lexical() const { return expert_lexical_; }
  // The stored problems' term vectors, by unit (nothing searches problems by
  // term: no postings).
  const TermVectorStore& problem_lexical() const { return problem_lexical_; }
  const IndexConfig& config() const { return config_; }
  // The mean of the work and problem vectors the model was last fitted on
  // (build, refit: confirmed experts' works and problems, each repeat once);
  // the matcher measures specific similarity around it.
  const std::vector<float>& unit_mean() const { return unit_mean_; }

  // Field-weighted term vectors, as indexed (also used for queries).
  Result<WeightedTerms> problem_terms(const Problem& p) const;
  Result<WeightedTerms> text_terms(const std::string& text) const;
  Result<WeightedTerms> profile_terms(const Expert& e) const;
  Result<WeightedTerms> work_terms(const Work& w) const;
  // A problem's text is analysed (embedded, counted, explained) only up to
  // kMaxAnalysedProblemBytes of UTF-8: the title first, then whole keywords
  // while they fit, then the description, each cut at a character boundary.
  // This bounds the work of one query whatever a client sends or stored; the
  // cut is a prefix, so byte offsets into the kept part are offsets into the
  // original fields. No shorter problem is changed.
  static constexpr size_t kMaxAnalysedProblemBytes = 32 * 1024;
  static Problem analysed_part(const Problem& p);
  // The fields of each kind of unit, in the order its text joins them, each
  // weighted in its term vector (IndexConfig::weight_*): a problem's title,
  // keywords and description (of analysed_part); a profile's research fields
  // and bio; a work's title, keywords and abstract.
  static std::vector<std::string> problem_fields(const Problem& p);
  static std::vector<std::string> profile_fields(const Expert& e);
  static std::vector<std::string> work_fields(const Work& w);
  // The texts embedded for each kind of unit: its fields joined by newlines.
  static std::string problem_text(const Problem& p);
  static std::string profile_text(const Expert& e);
  static std::string work_text(const Work& w);

  size_t unit_count() const { return units_.size(); }

 private:
  CorpusIndex() = default;
  // The model learned from `fit` (resolve_fit), whose experts and distinct
  // problems in order are `learned_experts` and `learned_problems`
  // (fit_experts, fit_problems).
  Status fit_model(const ProgressFn& progress, const FitCorpus& fit,
                   const std::vector<const Expert*>& learned_experts,
                   const std::vector<const Problem*>& learned_problems);
  // What a fit from `given` (for build(), refit() and open()) learns from,
  // for these records: `given` if it holds anything; else, none given, their
  // confirmed versions (FitCorpus::of); else every one as it is. A corpus
  // made here is put in `own`, which must outlive the reference.
  static const FitCorpus& resolve_fit(const FitCorpus* given,
                                      const std::vector<const Expert*>& experts,
                                      const std::vector<const Problem*>& problems, FitCorpus* own);
  // The fit's experts in id order; its problems in id order, each text
  // (white space aside) once: the first by id.
  static std::vector<const Expert*> fit_experts(const FitCorpus& fit);
  static std::vector<const Problem*> fit_problems(const FitCorpus& fit);
  // Ids of the problems the fit leaves out: those the city has not confirmed
  // (Problem::verified false; unless no record at all is confirmed), and
  // each problem whose text (white space aside) repeats an earlier problem's,
  // in id order: the same problem posted again is no new evidence, it weighs
  // in the model once however often it is posted, as a repeated work does.
  // A pure function of the records.
  std::unordered_set<std::string> problems_outside_fit() const;
  // One analysis of a unit's text (its `fields` joined by newlines, as
  // problem_text and the others join them) for both of its indexes: returns
  // its field-weighted term vector (`weights`, one a field). If `vector` is
  // given and the embedder is the built-in one (embeds_when_analysing()),
  // also writes the text's embedding there (dimension() floats) and, if
  // `seen_share` is given, its Unit::seen_share; TermModel::counts says why
  // one analysis of the joined text is the fields' analyses one by one.
  Result<WeightedTerms> analyse_unit(const std::vector<std::string>& fields,
                                     const std::vector<float>& weights, float* vector,
                                     float* seen_share) const;
  // An expert's units (profile, then each work) by analyse_unit: row u of
  // `vectors` (dimension() floats a unit) and `seen_shares[u]` written as
  // there (each may be null); on `threads` threads.
  std::vector<Result<WeightedTerms>> analyse_expert(const Expert& e, float* vectors,
                                                    float* seen_shares, int threads) const;
  std::vector<float> problem_weights() const;
  std::vector<float> profile_weights() const;
  std::vector<float> work_weights() const;
  // Whether analyse_unit embeds (the built-in LSA embedder, on this term
  // model); a remote embedder is sent the texts instead.
  bool embeds_when_analysing() const;
  // The record's units, lexical entries and entry, without vectors: the
  // texts to embed (if `texts` is given) and their unit ids are appended to
  // `ids` and `texts`.
  // `terms` (if given): the term vectors already computed (profile, then each
  // work; or the problem's), moved from.
  Status register_expert(const Expert& e, ExpertEntry* entry, std::vector<int64_t>* ids,
                         std::vector<std::string>* texts,
                         std::vector<Result<WeightedTerms>>* terms = nullptr);
  // The problem's unit and lexical entry (`terms`: its term vector, moved
  // from), without its vector; its unit id is appended to `ids`.
  Status register_problem(SharedProblem p, ProblemEntry* entry, std::vector<int64_t>* ids,
                          Result<WeightedTerms>* terms);
  // Embeds the texts: texts.size() rows of dimension() floats; and each
  // text's Unit::seen_share into `seen_shares` if given.
  Result<std::vector<float>> embed_all(const std::vector<std::string>& texts,
                                       std::vector<float>* seen_shares = nullptr) const;
  // Embeds the texts and adds them to `into` under `ids` in one add (and
  // each text's Unit::seen_share into `seen_shares` if given).
  Status embed_into(const std::vector<int64_t>& ids, const std::vector<std::string>& texts,
                    VectorIndex* into, std::vector<float>* seen_shares = nullptr) const;
  // Lists the record in skipped_ (replacing an older entry) if it breaks the
  // rules; returns the reason, or "" if it can be indexed.
  template <typename Record>
  std::string screen(const char* kind, const Record& record);
  void unskip(const char* kind, const std::string& id);
  // Every unit embedded and indexed anew; the unit mean taken over the fit's
  // experts (distinct works) and distinct problems, as fit_model read them.
  Status reindex_all(const ProgressFn& progress, const std::vector<const Expert*>& learned_experts,
                     const std::vector<const Problem*>& learned_problems);
  // Unit::seen_share of units `ids` (a record's units, in Prepared's order).
  void set_seen_shares(const std::vector<int64_t>& ids, const std::vector<float>& shares);
  Result<std::vector<float>> embed_one(const std::string& text) const;

  IndexConfig config_;
  std::shared_ptr<TermModel> terms_;
  std::unique_ptr<Embedder> embedder_;
  const LsaEmbedder* lsa_ = nullptr;  // embedder_ when it is the LSA one
  std::unique_ptr<VectorIndex> expert_vectors_;
  std::unique_ptr<VectorIndex> problem_vectors_;
  LexicalIndex expert_lexical_;
  TermVectorStore problem_lexical_;
  std::map<std::string, ExpertEntry> experts_;
  std::map<std::string, ProblemEntry> problems_;
  std::unordered_map<int64_t, Unit> units_;
  int64_t next_unit_ = 0;
  uint64_t checksum_ = 0;
  std::vector<uint64_t> learned_from_;  // see learned_from()
  std::vector<float> unit_mean_;
  std::vector<SkippedRecord> skipped_;
};

// A stable string of the configuration parts that change the index.
std::string index_config_id(const IndexConfig& config);

}  // namespace expertmatch
