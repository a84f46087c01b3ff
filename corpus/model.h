// The data model of the exchange format (shared/spec/corpus-format.md):
// experts with their works, enterprises' problems and relevance judgments.
// Plain value types; validation lives in exchange_format.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace expertmatch {

enum class WorkKind { kPaper, kPatent, kProject, kAward, kOther };
const char* work_kind_name(WorkKind kind);
// Parses "paper", "patent", ...; nullopt for anything else.
std::optional<WorkKind> parse_work_kind(const std::string& name);

struct Work {
  WorkKind kind = WorkKind::kOther;
  std::string title;  // required, non-empty
  std::string abstract;
  std::vector<std::string> keywords;
  std::optional<int> year;
  std::string extra_json;  // unknown fields as a compact JSON object, "" if none
};

struct Expert {
  std::string id;  // 1-64 of [A-Za-z0-9._~-]
  std::string name;
  std::string organization;
  std::string college;
  std::string title;
  std::optional<int> birth_year;
  std::vector<std::string> fields;
  std::string bio;
  std::vector<Work> works;
  int capacity = 2;  // >= 0
  bool available = true;
  std::vector<std::string> counties;
  std::vector<std::string> conflicts;  // enterprise names never to be matched
  std::string extra_json;
  // Whether the city (admin) has confirmed this record. Not part of the
  // exchange format (the store keeps it; import and export leave it out):
  // a record an admin imports or writes is confirmed; one a county writes is
  // not, until an admin confirms it (docs/api.md, "Who writes experts"). An
  // unconfirmed expert is ranked only for problems of the counties it is
  // stationed in (may_serve_county).
  bool verified = true;
  // The record as the city last confirmed it (exchange JSON, to_json), kept
  // while it is unconfirmed after someone other than the city changed it;
  // empty when confirmed or never confirmed. The model's fit learns from
  // this version in its place (indexer/fit_corpus.h), so a county's edit
  // never changes what the model every county is matched with learns. Kept
  // by the store; not part of the exchange format.
  std::string confirmed_json;
};

// The city's confirmation rule, the one test ranking (Matcher::
// exclusion_message), planning (kept and accepted pairs) and plan approval
// apply: an expert may serve a problem of `county` if the city confirmed the
// record or the version it is ranked as while an edit awaits the city
// (confirmed_json kept: ranked_version in exchange_format.h), or if it is
// stationed there (names compared as names, names.h).
// An empty county (an ad hoc query) needs the confirmation.
bool may_serve_county(const Expert& e, std::string_view county);

// Whether `e` may take on problem `p` for `county` as a key topic or an
// accepted match, each of which takes the expert's capacity city-wide: any
// problem if stationed there, else only one the city has confirmed
// (Problem::verified; attack trial 12). The one rule the planner, plan
// approval and reviews apply.
struct Problem;
bool may_lead_for(const Expert& e, const Problem& p, std::string_view county);

// Lifecycle of a problem in a county's bank (docs/api.md, "A problem's life"):
//   submitted -> matched (a coordinator accepted an expert)
//             -> in_progress (a key topic of an approved plan, or an accepted
//                match being worked on)
//             -> solved (with an outcome) | closed (unsolved, with a reason);
//   withdrawn (by the enterprise, with a reason) from any open state.
// submitted, matched and in_progress are "open": still waiting for help.
// Not part of the exchange format's required fields; exported as "status"
// only when not kSubmitted.
enum class ProblemStatus { kSubmitted, kMatched, kInProgress, kSolved, kWithdrawn, kClosed };
// "submitted", "matched", "in_progress", "solved", "withdrawn", "closed".
const char* problem_status_name(ProblemStatus status);
// The names above; "open" (older data) reads as kSubmitted. nullopt otherwise.
std::optional<ProblemStatus> parse_problem_status(const std::string& name);
// submitted, matched or in_progress.
bool is_open(ProblemStatus status);

struct Problem {
  std::string id;
  std::string enterprise;
  std::string county;
  std::string industry;
  std::string title;
  std::string description;  // may be empty
  std::vector<std::string> keywords;
  int urgency = 3;        // 1-5, 5 = most urgent
  std::string submitted;  // YYYY-MM-DD or ""
  ProblemStatus status = ProblemStatus::kSubmitted;
  // Set by the exchange-format reader: whether the record named a status
  // (an import of a held problem keeps the held one otherwise:
  // keep_workflow_state). Not stored.
  bool status_given = false;
  std::string extra_json;
  // Whether the city (admin) has confirmed this record, as Expert::verified:
  // not part of the exchange format (the store keeps it). A problem an admin
  // imports or writes is confirmed; one an enterprise or a county files is
  // not, until an admin confirms it. Matching is the same either way; only
  // the model's fit (CorpusIndex) learns from confirmed problems alone, so
  // no tenant's filings shape the model every county is matched with.
  bool verified = true;
  // As Expert::confirmed_json: the problem as the city last confirmed it,
  // while an enterprise's or a county's edit leaves it unconfirmed. A
  // withdrawn or closed problem stays in the fit as it was confirmed: an
  // enterprise withdrawing its problems changes no one else's model.
  std::string confirmed_json;
};

// The problems a data directory's index holds: the open ones, in order. A
// problem no longer open is never ranked, so the index (and every ranking's
// scan of it) does not grow with withdrawn or closed ones. `serve` and the
// commands that build or open DATA/index all use it, so they agree on
// what the saved index must hold.
std::vector<Problem> indexed_problems(const std::vector<Problem>& problems);

// One TREC qrels line: PROBLEM_ID 0 EXPERT_ID GRADE.
struct Judgment {
  std::string problem_id;
  std::string expert_id;
  int grade = 0;  // 0-3
};

// True if `id` is 1-64 characters of [A-Za-z0-9._~-] and not "." or "..":
// ids are path segments of the API's URLs, and RFC 3986 section 5.2.4 (and
// every browser, fetch and proxy) removes those two as dot segments, so a
// record with either id could never be opened. Stricter than the exchange
// format's pattern in this one respect (docs/api.md says so).
bool is_valid_id(const std::string& id);

}  // namespace expertmatch
