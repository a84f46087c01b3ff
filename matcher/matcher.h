// Matcher: ranks experts for a problem (or any text) and problems for an
// expert, and explains every match.
//
// An expert's score for a query fuses three components, each in [0, 1]:
//  - dense:   cosine similarity (LSA) of the query to the expert's works,
//             measured around the index's unit mean (CorpusIndex::unit_mean:
//             what every text shares is left out), averaged over the
//             expert's `top_works` best works, blended with the similarity
//             to the centroid of all their works; the same measured again,
//             not centred, in only the first 32 (strongest) LSA dimensions,
//             where broad topics rather than specific ones decide, is
//             blended in (coarse_share);
//  - lexical: field-weighted BM25 of the query against each work, averaged
//             over the best works the same way, divided by the query's BM25
//             ceiling so that scores of different queries are comparable
//             (options, off by default: Balog's Model 2 blended in, RM3
//             query expansion; MatchConfig);
//  - profile: dense and lexical similarity to the expert's stated research
//             fields and bio.
// fused = w_dense * dense + w_lexical * lexical + w_profile * profile.
// Then neighbour smoothing: each expert's score moves towards the scores of
// the query's best-scoring experts, weighted by how similar (work centroids)
// the expert is to each of them. Colleagues in the same field support each
// other, which recovers experts whose few works miss the query's words.
// Then dominance: the smoothing may never rank an expert below one whose own
// evidence is weaker on every component (enforce_dominance); experts with
// equal components score exactly equal and rank by id.
//
// Evidence counts once: a work repeated verbatim or nearly so in one record
// (ExpertEntry::repeat_of, corpus/repeated_works.h) is left out of scoring and
// explanations. An expert with no works is scored on the profile alone, which
// stands in for the works in `dense` and `lexical` as well.
// The weights live in MatchConfig (tuned on the development sets: docs/quality.md).
//
// Two-stage ranking (above MatchConfig::exhaustive_max_experts experts):
// candidates first, the experts owning the query's nearest units in the
// expert Faiss index (searched with the centred query vector) and those
// owning its top units by BM25 (every posting of the query's terms summed
// into a per-thread array, LexicalIndex::accumulate: about half the cost of
// MaxScore's top_k on these long queries, and it also gives every
// candidate unit's BM25 for the scoring; above 100,000 units, the top units
// by the query's rare terms, LexicalIndex::rare_term_top, and BM25 then
// computed for the candidates' units only: MatchConfig::
// rare_term_candidates_min_units), then everything
// above (scores, smoothing, dominance, confidence, explanations) on the
// candidates only. The invariants hold within the candidates: no expert
// ranks below one it dominates, equal experts tie, and the best candidate
// sets the confidence. A request for every expert (k < 0), or one whose
// filters leave fewer than k candidates, is ranked exhaustively. At or below
// the threshold every expert is scored (the development sets are all far
// below it, so their figures are those of the exhaustive ranking).
//
// Constraints are applied before ranking: unavailable experts are never
// ranked, nor an expert whose `conflicts` names the problem's enterprise, nor
// an unconfirmed one (Expert::verified false) for a problem outside the
// counties it is stationed in (or of no county, as an ad hoc query may be);
// MatchFilters add county, college, title, age and capacity filters.
// An unconfirmed expert outside its counties is not merely filtered: it is
// left out before scoring, so that it moves nobody else's score either (the
// best score of the confidence, the smoothing's sources, dominance): what a
// county writes changes no other county's rankings.
//
// Thread safety: const; safe to call concurrently as long as the CorpusIndex
// is not being modified. A Matcher keeps what it derives from the index's
// experts alone (per-expert vector aggregates and vector pointers, the owner
// of each unit, the whole words of each unit and research field), computed
// on first use under its own locks and reused by every later call: build
// one Matcher per index, share it between threads and keep it while the
// index changes. After any change to the expert vectors (VectorIndex::
// generation) the vector pointers are taken again, and the aggregates made
// again for the experts whose units changed only. The aggregates and the
// words are keyed by unit id, which an upsert never reuses, so changing
// problems or upserting and removing experts keeps them right; the words of
// units an upsert or removal took out of the index are dropped at the first
// call after it. One expert's change thus costs the analysis of that
// expert's texts, not of every expert's (docs/performance.md, "A plan after
// a write"). After CorpusIndex::refit() (which renumbers the units) or on
// another CorpusIndex, make a new Matcher. Copies share the caches.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"
#include "indexer/corpus_index.h"
#include "matcher/dominance.h"
#include "matcher/request_type.h"

namespace expertmatch {

struct MatchConfig {
  float weight_dense = 0.45f;
  float weight_lexical = 0.35f;
  float weight_profile = 0.20f;
  int top_works = 3;             // best works averaged per expert
  float best_work_share = 0.5f;  // weight of the single best work within that average
  float centroid_share = 0.5f;   // weight of the all-works centroid in `dense`
  // `dense` also blends in the same similarity measured in only the first
  // (strongest) LSA dimensions, which compare broad topics rather than
  // specific ones. Not used with a remote embedder.
  int coarse_dimensions = 32;
  float coarse_share = 0.3f;
  // The lexical component may blend in a document-centric expert language
  // model (Balog et al. 2006, Model 2: LexicalIndex::
  // document_centric_log_ratio over the expert's evidence units, smoothed as
  // `language_model` says), mapped to (0, 1) by the logistic of its mean log
  // ratio per query term (0.5: the expert explains the query no better than
  // the collection): lexical = (1 - share) * BM25 part + share * model.
  // 0 = off (BM25 only). Measured on all sets and not adopted as a default:
  // docs/quality.md.
  float language_model_share = 0.0f;
  LanguageModelParams language_model;
  // Pseudo-relevance feedback for the lexical component (RM3: Lavrenko, Croft,
  // SIGIR 2001; Abdul-Jaleel et al., TREC 2004): the query's terms are mixed
  // with the `feedback_terms` most probable terms of a relevance model made
  // from the `feedback_units` expert units of highest BM25,
  //   p(t|R) = sum_d p(t|d) * bm25(d) / sum bm25,  p(t|d) = tf / |d|,
  //   q' = (1 - feedback_share) * q / |q| + feedback_share * p(.|R) (times |q|).
  // 0 units = off. Measured and not adopted: docs/quality.md.
  int feedback_units = 0;
  int feedback_terms = 20;
  float feedback_share = 0.3f;
  float neighbor_share = 0.6f;  // weight of the neighbours' support (0 = off)
  int neighbor_sources = 2;     // the query's top experts that lend support
  // Confidence that a coordinator accepts the pair (grade >= 2): logistic
  // regression on the pair's score and its share of the problem's best score,
  // 1 / (1 + e^-(calibration_score * score + calibration_relative * score/best
  // + calibration_bias)), fitted on the Quzhou judgments and measured on
  // held-out folds of problems (docs/quality.md: expected calibration error,
  // reliability table).
  float calibration_score = 23.22f;
  float calibration_relative = 7.613f;
  float calibration_bias = -9.90f;
  // A match is "good" iff its confidence reaches this; a problem none of
  // whose experts reaches it gets "no expert is a good match".
  float good_match_confidence = 0.25f;
  int explain_works = 3;  // works named in an explanation (1-3)
  int explain_terms = 8;  // shared key terms named
  // A match whose explanation finds no informative shared word (only filler,
  // or nothing) is good only if its dense component reaches this: a shared
  // topic without shared words is still evidence, shared filler is not.
  float good_match_min_dense_without_terms = 0.15f;
  // Two-stage ranking above this many experts (SIZE_MAX: always exhaustive).
  size_t exhaustive_max_experts = 1000;
  // Candidate units from each retriever (units, not experts: an expert has a
  // profile and one unit a work). docs/performance.md: recall against the
  // exhaustive ranking for several sizes.
  int candidate_dense_units = 200;
  int candidate_lexical_units = 200;
  // ... at least this many times the square root of the expert units, from
  // each retriever (0: the counts above alone). Recall@10 of the two-stage
  // ranking against the exhaustive one with 200 + 200 candidates fell with
  // the pool: 0.975 at 16,500 units, 0.955 at 55,000, 0.787 at 220,000
  // (20,000 experts); with ceil(2 sqrt(n)) (939 + 939 there) it is 0.972
  // (docs/performance.md, "Full size, measured"). The same rule sets
  // rank_problems' candidates (candidate_dense_problems) by the problems.
  float candidate_units_per_root = 2.0f;
  // Above this many expert units, a two-stage ranking takes its BM25
  // candidates from LexicalIndex::top_k (safe dynamic pruning) and computes
  // BM25 only for the units of the experts it scores, instead of one pass
  // over every posting of the query's terms. The same candidates and the
  // same floats either way; only the cost differs. Off (SIZE_MAX): measured
  // slower than the one pass at 16,500 and 55,000 units (docs/performance.md,
  // "BM25 with safe early termination").
  size_t pruned_lexical_min_units = SIZE_MAX;
  // Above this many expert units (and below pruned_lexical_min_units), a
  // two-stage ranking takes its BM25 candidates from the query's rare terms
  // only: the best units by the BM25 of the terms held by at most
  // `rare_term_max_df_share` of the units, rarest terms added one by one
  // while fewer units than the candidates asked for have scored (a query of
  // common words alone: its rarest words until enough units score). Then, as
  // above, BM25 of the
  // whole query only for the units of the experts it scores
  // (LexicalIndex::score_units): the scores are exact, only the candidates
  // differ from the pass over every posting. At full size (220,000 units)
  // the common terms are 7 % of a query's terms and 93 % of its postings;
  // recall@10 against the exhaustive ranking stayed within 0.01 of the
  // exact candidates' at 22,000, 66,000 and 220,000 units
  // (docs/performance.md, "Full size, fourth round").
  size_t rare_term_candidates_min_units = 100000;
  float rare_term_max_df_share = 0.05f;
  // What a problem asks for (matcher/request_type.h): a problem asking for
  // something no research provides (a loan, a trademark, hiring) has no good
  // match, whatever its scores.
  RequestConfig request;
  // rank_problems (an expert's problems) scores candidates only above this
  // many problems: those nearest the expert's work centroid and those nearest
  // its profile in the problem Faiss index (no lexical stage: the index keeps
  // no postings of the problems). SIZE_MAX: always every open problem.
  // docs/performance.md: recall against scoring all.
  size_t exhaustive_max_problems = 2000;
  int candidate_dense_problems = 200;
};

// Bounds on one explanation, whatever the query: at most this many byte
// ranges are listed for one term (the term may occur more often).
constexpr size_t kMaxSpansPerTerm = 20;

struct MatchFilters {
  std::optional<std::string> county;  // expert stationed in / prefers this county
  std::optional<std::string> college;
  std::optional<std::string> title;  // 教授, 副教授 ...
  // 中青年: born within `young_within_years` of `reference_year`.
  std::optional<int> young_within_years;
  int reference_year = 2026;
  // Remaining capacity: experts whose used count (by id) reaches their capacity
  // are left out when `require_capacity`.
  bool require_capacity = false;
  std::map<std::string, int> used_capacity;
  std::set<std::string> exclude_experts;  // e.g. pairs a coordinator rejected
};

struct WorkEvidence {
  int work_index = -1;
  std::string title;
  std::string kind;
  float similarity = 0;  // combined dense + lexical similarity of this work
};

// A word that the query and the expert's matching text (profile, best works)
// both contain, with where it stands in the query. Only whole words count:
// a word of the segmentation (ICU or lexicon, two or more Han characters), a
// Latin word or a number, present as a word on both sides (隔壁 is not shared
// with a text that has only 隔壁塔), never a character bigram. `term` is the
// query's own spelling at the first position (not a stem, not normalised).
// Filler is never named: words of the general stop list (Matcher::is_filler)
// and words in more than kFillerDocumentShare of the corpus's documents.
struct TermEvidence {
  std::string term;
  std::string field;  // "title", "description" or "keywords" (offsets into the
                      // keywords joined by "，")
  // Byte ranges [begin, end) into the field, first kMaxSpansPerTerm occurrences.
  std::vector<std::pair<uint32_t, uint32_t>> positions;
  // The same spans in UTF-16 code units (what a browser's string indexes
  // count): a character outside the BMP (𠮷, U+20BB7) is 4 bytes and 2 units.
  std::vector<std::pair<uint32_t, uint32_t>> utf16_positions;
  float weight = 0;  // its share of the named terms' weight (by IDF), sums to 1
};

// The UTF-16 offset of byte offset `byte` of UTF-8 `text` (counted up to
// `byte`, which should be on a character boundary).
uint32_t utf16_offset(std::string_view text, uint32_t byte);

struct ExpertMatch {
  std::string expert_id;
  std::string expert_name;
  float score = 0;
  float confidence = 0;  // calibrated probability of a capable expert
  bool good_match = false;
  ComponentScores components;
  std::vector<WorkEvidence> works;
  std::vector<std::string> matched_fields;
  std::vector<TermEvidence> terms;
  // Distinct informative words shared (may exceed terms.size()). 0 means the
  // texts share only filler or nothing: such a match is good only with strong
  // dense evidence (MatchConfig::good_match_min_dense_without_terms) between
  // texts that both have words (Matcher::is_good_pair).
  int informative_terms = 0;
};

// Whether the experts' research covers a problem (Matcher::coverage).
enum class ProblemCoverage {
  kCovered,       // some eligible expert is a good match
  kNoResearch,    // no expert at all is a good match, whatever the constraints:
                  // no expert's research covers it (a technical problem nobody
                  // works on, or a non-technical one RequestClassifier does not
                  // recognise: docs/quality.md), or none of its words is one
                  // the index knows ("Metaverse NFT tokenomics")
  kOnlyExcluded,  // good matches exist, but every one of those experts is
                  // excluded for this problem (unavailable, conflict of interest)
  kNotTechnical,  // the problem asks for something no research provides (a
                  // person, a sales channel, money, a permit or a legal remedy,
                  // a translation ...: RequestClassifier), whatever its scores
  kNoWords,       // the problem's text has no word after analysis (only
                  // punctuation, symbols or emoji): nothing to match on, so no
                  // expert is a good match (Matcher::is_good_pair). Words the
                  // index does not know are words: kNoResearch
};
// "covered", "no_research", "only_excluded", "not_technical", "no_words".
const char* coverage_name(ProblemCoverage c);

struct ProblemMatch {
  std::string problem_id;
  std::string title;
  float score = 0;
  float confidence = 0;
  bool good_match = false;
  ComponentScores components;
  std::vector<WorkEvidence> works;
  std::vector<TermEvidence> terms;
  int informative_terms = 0;  // as in ExpertMatch
};

class Matcher {
 public:
  Matcher(const CorpusIndex& index, MatchConfig config = {});

  // Top k experts for a problem (stored or not), best first; ties by id.
  Result<std::vector<ExpertMatch>> rank_experts(const Problem& problem, const MatchFilters& filters,
                                                int k) const;
  // rank_experts for each problem, the same answers, with the dense
  // candidates of all problems found in one batched Faiss search
  // (`faiss_threads` OpenMP threads, 0 = OpenMP's default).
  Result<std::vector<std::vector<ExpertMatch>>> rank_experts_batch(
      const std::vector<const Problem*>& problems, const MatchFilters& filters, int k,
      int faiss_threads = 0) const;
  // True if rank_experts(…, k) with these filters scores candidates only.
  bool two_stage(int k) const;
  // How many candidates a retriever gives from a pool of `pool` units (or
  // problems): `configured`, or more for a large pool
  // (MatchConfig::candidate_units_per_root).
  int candidate_units(int configured, size_t pool) const;
  // How a two-stage ranking finds its BM25 candidate units: from one pass
  // over every posting (which also gives every unit's BM25), or from
  // LexicalIndex::top_k or the query's rare terms, scoring only the pool's
  // units afterwards (MatchConfig::pruned_lexical_min_units,
  // rare_term_candidates_min_units).
  enum class LexicalCandidates { kEveryPosting, kTopK, kRareTerms };
  LexicalCandidates lexical_candidates() const;
  // Top k open problems for an expert. `county` (if set) limits the problems.
  // Scored by the fused score without neighbour smoothing (which would need a
  // full expert ranking per problem); the confidence and good_match of each of
  // the k returned are those rank_experts gives the pair (one expert ranking
  // per returned problem, two-stage where rank_experts is: keep k small).
  // Above MatchConfig::exhaustive_max_problems problems (and for k >= 0) only
  // candidate problems are scored (see there); k < 0 scores every one.
  Result<std::vector<ProblemMatch>> rank_problems(const std::string& expert_id,
                                                  const MatchFilters& filters, int k) const;
  // Whether any expert is a good match for the problem when every expert is
  // ranked (as rank_experts with k < 0), and if so whether one of them is
  // eligible under the hard constraints (available, no conflict of interest
  // with the problem's enterprise). Costs one exhaustive scoring and the
  // explanations of the experts above the confidence line whose dense
  // component alone does not make them good.
  // kNoWords first (the problem has no word after analysis), then
  // kNotTechnical: a problem whose request is not technical
  // (request_type) is not covered whatever the scores, and rank_experts
  // marks none of its experts a good match.
  Result<ProblemCoverage> coverage(const Problem& problem) const;
  // What the problem asks for (RequestClassifier on its normalised title and
  // description; an ask cue counts less the more of the experts' research
  // texts use it). kInvalidArgument on text that is not UTF-8.
  Result<RequestAssessment> request_type(const Problem& problem) const;
  // The score of one pair (no filters), as rank_experts would give it; 0 for
  // an expert that may not serve the problem's county (may_serve_county).
  Result<float> score(const Problem& problem, const std::string& expert_id) const;
  // Scores of every expert that may serve the problem's county (no filters),
  // by expert id: for scoring many pairs
  // of one problem at the cost of one ranking.
  Result<std::map<std::string, float>> score_all(const Problem& problem) const;

  // Why an expert is excluded for this problem by the hard constraints and
  // filters ("unavailable", "conflict of interest", ...), or "" if eligible.
  std::string exclusion_reason(const Expert& expert, const Problem& problem,
                               const MatchFilters& filters) const;
  // The same reason as a catalogue message (exclusion.*), empty if eligible.
  i18n::Message exclusion_message(const Expert& expert, const Problem& problem,
                                  const MatchFilters& filters) const;

  const MatchConfig& config() const { return config_; }
  // The calibrated probability that a pair with this score is accepted, when
  // the problem's best expert (before filters) scores `best`.
  float confidence_of(float score, float best) const;
  // good_match of a pair with this confidence (>= good_match_confidence).
  bool is_good_match(float confidence) const;
  // good_match of a pair from its confidence, the number of informative words
  // it shares (ExpertMatch::informative_terms) and its dense component. The
  // dense component stands in for shared words only if `both_have_words`:
  // the problem and the expert's evidence (works or profile) each have a
  // word after analysis; two empty texts (emoji, punctuation, no works) have
  // alike vectors because both are empty, which is no evidence.
  bool is_good_pair(float confidence, int informative_terms, float dense,
                    bool both_have_words) const;

  // Explanations leave out filler: a word is filler when it is on a short
  // general-Chinese stop list (non-topical words any text uses: 原因, 明显 ...)
  // or, in a corpus of at least kFillerMinDocuments documents (works,
  // profiles and problems), occurs in more than kFillerDocumentShare of them.
  // `term` is the normalised term, `id` its vocabulary id (or kUnknown).
  static constexpr uint32_t kFillerMinDocuments = 100;
  static constexpr float kFillerDocumentShare = 0.1f;
  bool is_filler(const std::string& term, uint32_t id) const;

  // What the caches have done since this Matcher (or the one it was copied
  // from) was made: for tests and benchmarks of what a change costs.
  struct CacheCounts {
    uint64_t tables_made = 0;     // expert tables (one per state of the expert vectors used)
    uint64_t preps_made = 0;      // per-expert aggregates computed
    uint64_t units_analysed = 0;  // expert units whose words were analysed
    size_t units_with_words = 0;  // expert units whose words are held now
  };
  CacheCounts cache_counts() const;

 private:
  struct Query;
  // `score_all_units`: also BM25 of the query against every expert unit at
  // once (for scoring all experts), instead of one unit at a time.
  Result<Query> make_query(const Problem& problem, bool score_all_units = false) const;
  // What scoring needs of one expert that no query changes: the evidence
  // units with their vectors, their norms around the unit mean and in the
  // coarse dimensions, the work centroids (centred, coarse, plain) and the
  // profile's vector. Computed once per expert on first use.
  // Computed once per version of an expert (ExpertAggregates, shared by the
  // tables while the expert's units stay the same) on first use; the vector
  // pointers once per table.
  struct ExpertPrep;
  struct ExpertAggregates;
  // Every expert in id order with the owner of each expert unit and the
  // experts' ExpertPrep, for one state of the expert vectors
  // (VectorIndex::generation): made again after any change to the experts,
  // carrying over the aggregates of the experts that did not change.
  struct ExpertTable;
  struct TableCache;
  std::shared_ptr<const ExpertTable> expert_table() const;
  std::shared_ptr<const ExpertAggregates> aggregate(const ExpertEntry& e) const;
  // Drops the words of the units `old_owner` (a previous table's owner of
  // each unit) held that `now` no longer has.
  void forget_removed_units(const std::vector<int32_t>& old_owner, const ExpertTable& now) const;
  const ExpertPrep& prepared(const ExpertTable& table, uint32_t expert) const;
  ComponentScores score_expert(const Query& q, const ExpertEntry& e, const ExpertPrep& prep,
                               std::vector<std::pair<int, float>>* per_work) const;
  struct Scored {
    const ExpertEntry* entry;
    const ExpertPrep* prep;  // owned by the query's ExpertTable
    ComponentScores components;
    float fused;  // before smoothing
    float score;  // after smoothing and enforce_dominance
  };
  // The units whose evidence counts: each distinct work once (repeats left
  // out), or the profile alone when there is no work. `work_of` (if given)
  // receives each unit's index in expert.works, -1 for the profile.
  static std::vector<int64_t> evidence_units(const ExpertEntry& e,
                                             std::vector<int>* work_of = nullptr);
  // Moves each score to the mean of the highest score among the experts it
  // dominates (>= on every component) and the lowest among those dominating
  // it, so that no expert ranks below one whose evidence is weaker on every
  // component (dominance_corrected, matcher/dominance.h).
  static void enforce_dominance(std::vector<Scored>* all);
  // Ranking order: score, then the unsmoothed fused score (which separates a
  // strict dominance lifted to a tie), then id.
  static bool ranks_before(const Scored& a, const Scored& b);
  // Fused and smoothed scores of all experts, in the index's (id) order.
  Result<std::vector<Scored>> score_everyone(const Query& q) const;
  // The same for the given experts only (positions in the query's
  // ExpertTable, in the given order).
  Result<std::vector<Scored>> score_pool(const Query& q, const std::vector<uint32_t>& pool) const;
  // The two-stage candidates, in id order: owners of the dense hits (given,
  // or searched here) and of the query's top BM25 units.
  Result<std::vector<uint32_t>> candidates(const Query& q,
                                           const std::vector<SearchHit>* dense) const;
  // The best `n` units by the query's rare terms (MatchConfig::
  // rare_term_max_df_share), ties by smaller id.
  std::vector<int64_t> rare_term_units(const Query& q, size_t n) const;
  // The ranking of one query from its scored experts. `excluded`, if given,
  // lists (sorted by address) every one of `everyone` that `filters` exclude
  // (exclusion_message, decided once by the caller); otherwise each is
  // decided here.
  std::vector<ExpertMatch> finish_ranking(
      const Query& q, const std::vector<Scored>& everyone, const MatchFilters& filters, int k,
      const std::vector<const ExpertEntry*>* excluded = nullptr) const;
  Result<std::vector<ExpertMatch>> rank_one(const Problem& problem, const MatchFilters& filters,
                                            int k, const std::vector<SearchHit>* dense) const;
  // rank_problems' candidates: the problem units near the expert in the
  // problem Faiss index (MatchConfig::candidate_dense_problems).
  Result<std::vector<int64_t>> problem_candidates(const ExpertEntry& e,
                                                  const ExpertPrep& prep) const;
  // The confidence rank_experts(problem, {}, k >= 0) gives the pair.
  Result<float> pair_confidence(const Problem& problem, const ExpertEntry& e) const;
  float fuse(const ComponentScores& c) const;
  // The query mixed with its relevance model (MatchConfig::feedback_units).
  WeightedTerms expand_query(const WeightedTerms& terms) const;
  // The number of leading dimensions of the coarse similarity, 0 when off.
  int coarse_dimensions() const;
  // Fills the evidence; returns the number of distinct informative shared words.
  int explain(const Query& q, const ExpertEntry& e,
              const std::vector<std::pair<int, float>>& per_work, std::vector<WorkEvidence>* works,
              std::vector<std::string>* fields, std::vector<TermEvidence>* terms) const;
  // A whole word of a text: its vocabulary id and byte range [begin, end).
  struct Word {
    uint32_t id;
    uint32_t begin, end;
  };
  std::vector<Word> words_of(const std::string& text) const;
  // Vocabulary ids of the whole words of one unit's text, sorted; analysed
  // once per Matcher (guarded by the cache's mutex).
  const std::vector<uint32_t>& unit_words(int64_t unit, const std::string& text) const;
  // The same for each of an expert's research fields (keyed by its profile unit).
  const std::vector<std::vector<uint32_t>>& field_words(const ExpertEntry& e) const;
  struct WordCache;
  // One field of the query problem with its whole words, for the
  // explanations; a stored problem's are analysed once and kept (WordCache).
  struct FieldTokens;
  std::shared_ptr<const std::vector<FieldTokens>> problem_fields(const Query& q) const;

  const CorpusIndex& index_;
  MatchConfig config_;
  std::shared_ptr<WordCache> word_cache_;
  std::shared_ptr<TableCache> table_cache_;
};

}  // namespace expertmatch
