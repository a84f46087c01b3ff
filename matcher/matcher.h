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
//             ceiling so that scores of different queries are comparable;
//  - profile: dense and lexical similarity to the expert's stated research
//             fields and bio.
// fused = w_dense * dense + w_lexical * lexical + w_profile * profile.
// Then neighbour smoothing: each expert's score moves towards the scores of
// the query's best-scoring experts, weighted by how similar (work centroids)
// the expert is to each of them. Colleagues in the same field support each
// other, which recovers experts whose few works miss the query's words.
// The weights live in MatchConfig (tuned on the development sets: docs/quality.md).
//
// Constraints are applied before ranking: unavailable experts are never
// ranked, nor an expert whose `conflicts` names the problem's enterprise;
// MatchFilters add county, college, title, age and capacity filters.
//
// Thread safety: const; safe to call concurrently as long as the CorpusIndex
// is not being modified.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "corpus/model.h"
#include "corpus/status.h"
#include "indexer/corpus_index.h"

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
  float neighbor_share = 0.6f;  // weight of the neighbours' support (0 = off)
  int neighbor_sources = 2;     // the query's top experts that lend support
  // A match is "good" when its score reaches this; below it the answer says
  // that no expert is a good match (calibrated on the Quzhou judgments).
  float good_match_threshold = 0.07f;
  // ... and in rank_experts it must also reach this share of the problem's best
  // expert's score (before filters). 0 turns the relative bar off.
  float good_match_relative = 0.7f;
  // Logistic calibration of the score into a confidence that the expert is
  // capable (grade >= 2): 1 / (1 + e^-(a*score + b)), fitted on the Quzhou
  // development judgments (docs/quality.md).
  float calibration_a = 55.1f;
  float calibration_b = -7.73f;
  int explain_works = 3;  // works named in an explanation (1-3)
  int explain_terms = 8;  // shared key terms named
};

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

struct ComponentScores {
  float dense = 0;
  float lexical = 0;
  float profile = 0;
};

struct WorkEvidence {
  int work_index = -1;
  std::string title;
  std::string kind;
  float similarity = 0;  // combined dense + lexical similarity of this work
};

// A query term that the expert's matching text shares, with where it stands in
// the query (byte ranges into the named query field).
struct TermEvidence {
  std::string term;
  std::string field;  // "title", "description", "keywords" or "text"
  std::vector<std::pair<uint32_t, uint32_t>> positions;
  // The same spans in UTF-16 code units (what a browser's string indexes
  // count): a character outside the BMP (𠮷, U+20BB7) is 4 bytes and 2 units.
  std::vector<std::pair<uint32_t, uint32_t>> utf16_positions;
  float weight = 0;  // its share of the lexical score
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
};

struct ProblemMatch {
  std::string problem_id;
  std::string title;
  float score = 0;
  float confidence = 0;
  bool good_match = false;
  ComponentScores components;
  std::vector<WorkEvidence> works;
  std::vector<TermEvidence> terms;
};

class Matcher {
 public:
  Matcher(const CorpusIndex& index, MatchConfig config = {}) : index_(index), config_(config) {}

  // Top k experts for a problem (stored or not), best first; ties by id.
  Result<std::vector<ExpertMatch>> rank_experts(const Problem& problem, const MatchFilters& filters,
                                                int k) const;
  // Top k open problems for an expert. `county` (if set) limits the problems.
  // Scored by the fused score without neighbour smoothing (which would need a
  // full expert ranking per problem).
  Result<std::vector<ProblemMatch>> rank_problems(const std::string& expert_id,
                                                  const MatchFilters& filters, int k) const;
  // The score of one pair (no filters), as rank_experts would give it.
  Result<float> score(const Problem& problem, const std::string& expert_id) const;
  // Scores of every expert (no filters), by expert id: for scoring many pairs
  // of one problem at the cost of one ranking.
  Result<std::map<std::string, float>> score_all(const Problem& problem) const;

  // Why an expert is excluded for this problem by the hard constraints and
  // filters ("unavailable", "conflict of interest", ...), or "" if eligible.
  std::string exclusion_reason(const Expert& expert, const Problem& problem,
                               const MatchFilters& filters) const;

  const MatchConfig& config() const { return config_; }
  float confidence_of(float score) const;

 private:
  struct Query;
  // `score_all_units`: also BM25 of the query against every expert unit at
  // once (for scoring all experts), instead of one unit at a time.
  Result<Query> make_query(const Problem& problem, bool score_all_units = false) const;
  ComponentScores score_expert(const Query& q, const ExpertEntry& e,
                               std::vector<std::pair<int, float>>* per_work) const;
  struct Scored {
    const ExpertEntry* entry;
    ComponentScores components;
    float score;
  };
  // The L2-normalised mean of an expert's work vectors.
  std::vector<float> centroid_of(const ExpertEntry& e) const;
  // Fused and smoothed scores of all experts, in the index's (id) order.
  Result<std::vector<Scored>> score_everyone(const Query& q) const;
  float fuse(const ComponentScores& c) const;
  // The number of leading dimensions of the coarse similarity, 0 when off.
  int coarse_dimensions() const;
  void explain(const Query& q, const ExpertEntry& e,
               const std::vector<std::pair<int, float>>& per_work, std::vector<WorkEvidence>* works,
               std::vector<std::string>* fields, std::vector<TermEvidence>* terms) const;

  const CorpusIndex& index_;
  MatchConfig config_;
};

}  // namespace expertmatch
