// Reading and writing the exchange format of shared/spec/corpus-format.md:
// experts.jsonl, problems.jsonl (JSON Lines) and TREC qrels.
//
// Reading is strict: every record is validated, and all errors of a file (up to
// ReadOptions::max_errors) are returned at once as FieldErrors
// ("FILE:LINE: FIELD: REASON"), with no partial result. Unknown fields are kept
// in `extra_json` and written back on export, so import then export is lossless.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <rapidjson/document.h>

#include "corpus/atomic_file.h"  // write_file_atomically, for the callers that write exchange files
#include "corpus/json_reader.h"
#include "corpus/model.h"
#include "corpus/names.h"
#include "corpus/status.h"

namespace expertmatch {

// Bounds on one record, so that no single write or import line can hold the
// service's locks for seconds (an expert's 2,500 works took 4 s to index) or
// put megabytes into every answer that lists it. Every reader applies them:
// each API write (POST, PUT, PATCH after the patch is applied), each line of
// an import or of `validate`. A record over one is refused with the field,
// the limit and its value (field.too_many, field.too_long_got,
// record.too_large). Rows already in the store are not held to them
// (check_record), so an old record stays readable; changing it needs it
// within bounds. docs/api.md (Record limits) lists them.
struct RecordLimits {
  static constexpr size_t kWorks = 500;              // works of one expert
  static constexpr size_t kListItems = 100;          // research fields, counties, conflicts; the
                                                     // keywords of a problem or of a work
  static constexpr size_t kNameBytes = 256;          // name, organization, college, title (an
                                                     // expert's), enterprise, county, industry,
                                                     // each list item
  static constexpr size_t kTitleBytes = 1024;        // a problem's or a work's title
  static constexpr size_t kTextBytes = 64 << 10;     // description, bio, abstract
  static constexpr size_t kRecordBytes = 512 << 10;  // all text of one record together
};

struct ReadOptions {
  // Stop collecting after this many errors (the status says more were cut).
  size_t max_errors = 50;
  // Reject a file in which the same id appears twice.
  bool reject_duplicate_ids = true;
  // The rules each line is read under (depth, size; see json_reader.h).
  JsonLimits json;
  // If set, every spelling of a name in the records read (expert
  // organization, college, counties, conflicts; problem enterprise, county)
  // is appended once, at its first file and line, for spelling_warnings
  // (corpus/names.h), which reads only those. Not owned.
  std::vector<NameSpelling>* names = nullptr;
};

// Parses JSON Lines text; `source` names it in error messages. Blank lines are skipped.
Result<std::vector<Expert>> parse_experts_jsonl(std::string_view text, const std::string& source,
                                                const ReadOptions& options = {});
Result<std::vector<Problem>> parse_problems_jsonl(std::string_view text, const std::string& source,
                                                  const ReadOptions& options = {});
// Streaming: reads JSON Lines text a line at a time and hands each valid
// record to `sink` (with its 1-based line) as soon as it is read; nothing is
// kept here, so reading N records holds one at a time (plus each id, for
// duplicates). Errors are those of parse_*_jsonl and are returned together at
// the end; once one is found, later lines are still checked (every error is
// reported) but no longer handed to `sink`, so a caller writing records as
// they come must discard what it wrote when the result is an error. `sink`
// may refuse a record with Status::invalid (its FieldErrors are reported as
// that line's, the source and line filled in when left empty); any other
// error from `sink` (an I/O failure) stops the reading and is returned as is.
template <typename T>
using RecordSink = std::function<Status(T&& record, int line)>;
Status read_experts_jsonl(std::string_view text, const std::string& source,
                          const ReadOptions& options, const RecordSink<Expert>& sink);
Status read_problems_jsonl(std::string_view text, const std::string& source,
                           const ReadOptions& options, const RecordSink<Problem>& sink);
// Reading follows json_reader.h for every line and body: a line nested too
// deep, holding an unpaired surrogate escape, a duplicate key, or invalid
// UTF-8 is an error for that line (FILE:LINE: FIELD: REASON). Unknown fields
// are kept only up to 16 levels deep and 64 KiB together per object.
//
// Reads a whole file; a missing or unreadable file is kIOError.
Result<std::vector<Expert>> read_experts_file(const std::string& path,
                                              const ReadOptions& options = {});
Result<std::vector<Problem>> read_problems_file(const std::string& path,
                                                const ReadOptions& options = {});

// Validates one already-parsed JSON object. Errors are appended to `errors`
// (with `source` and `line` filled in); returns true if none were added.
bool expert_from_json(const rapidjson::Value& object, const std::string& source, int line,
                      Expert* out, std::vector<FieldError>* errors);
bool problem_from_json(const rapidjson::Value& object, const std::string& source, int line,
                       Problem* out, std::vector<FieldError>* errors);
// Parses and validates a single JSON object given as text (e.g. an HTTP body).
Result<Expert> parse_expert_json(std::string_view json, const std::string& source = "body");
Result<Problem> parse_problem_json(std::string_view json, const std::string& source = "body");

// The readers' rules applied to a record that did not come through them (read
// back from the store, which may hold rows written by older versions or other
// tools): the id is valid, every text is valid Unicode without U+0000, and
// unknown fields are within the bounds above. Returns one error per offending
// field (field path and reason, no source or line); empty if the record is fine.
std::vector<FieldError> check_record(const Expert& expert);
std::vector<FieldError> check_record(const Problem& problem);

// One compact JSON object, no trailing newline; fields in the spec's order,
// then unknown fields as read.
std::string to_json(const Expert& expert);
std::string to_json(const Problem& problem);
// Serialises into an existing document's allocator (for API responses).
void to_json_value(const Expert& expert, rapidjson::Value* out,
                   rapidjson::Document::AllocatorType& alloc);
void to_json_value(const Problem& problem, rapidjson::Value* out,
                   rapidjson::Document::AllocatorType& alloc);

// Sets next->confirmed_json when `next` replaces `current` (the same
// record): empty if `next` is confirmed; else the version the city last
// confirmed: `current` itself (to_json) if it was confirmed, else what
// `current` kept. The service calls it for every write but the city's
// confirmation of the record or withdrawal of one, which clear it
// (Expert::confirmed_json).
void keep_confirmed_version(const Expert& current, Expert* next);
void keep_confirmed_version(const Problem& current, Problem* next);

// An import (by admin: what the city imports is confirmed) of a record exactly
// as it is held (the same exchange JSON) keeps the held record's state when
// the city has not confirmed it: `imported` gets its `verified` false and
// its confirmed version, and the result is true. An export imported back,
// through the API or the CLI, so confirms nothing that awaited the city (a
// new user's trial and attack trial 13: the CLI's round trip confirmed 16
// records and moved 4,084 scores). Any other record is left as it is.
bool keep_unconfirmed_state(const Expert& held, Expert* imported);
bool keep_unconfirmed_state(const Problem& held, Problem* imported);

// An import of a problem the store holds leaves its status to the workflow
// (POST /api/v1/problems/{id}/status records every change in the problem's
// history, with the outcome or reason it needs): a record that names no
// status keeps the held one, and one naming another status is refused
// (kInvalidArgument, field "status" at `source`:`line`, message
// import.status_change naming both). Found by attack trial 21: an import
// silently reopened a closed problem (the exchange format has no status,
// so every plain line set it back to submitted) and set another solved
// without an outcome, none of it in the history. Call before
// keep_unconfirmed_state, so that an export imported back compares equal.
Status keep_workflow_state(const Problem& held, Problem* imported, const std::string& source,
                           int line);

// What the expert is ranked as (CorpusIndex, Matcher, planning): the record
// itself, unless a county's edit awaits the city (verified false with a
// confirmed version kept): then the version the city last confirmed, with
// the record's own availability, capacity, conflicts and counties (the
// fields a county may change without the city: access.h,
// keeps_confirmation), and confirmed. So an edit waiting for the city
// changes no ranking, in its county or any other, until the city confirms
// it (attack trial 11: a county editing its experts' bios had moved 3,205
// scores of other counties' problems), and an expert the city confirmed
// keeps serving every county meanwhile. A record never confirmed is ranked
// as it is (only for its own counties: may_serve_county). A confirmed
// version that no longer parses gives the record as it is.
Expert ranked_version(const Expert& expert);
// Whether ranked_version() is another record than `expert` itself.
bool awaits_city(const Expert& expert);

std::string to_jsonl(const std::vector<Expert>& experts);
std::string to_jsonl(const std::vector<Problem>& problems);

// Qrels: "PROBLEM_ID 0 EXPERT_ID GRADE" a line, whitespace separated.
Result<std::vector<Judgment>> parse_qrels(std::string_view text, const std::string& source);
Result<std::vector<Judgment>> read_qrels_file(const std::string& path);
std::string to_qrels(const std::vector<Judgment>& judgments);

// Reads a whole file into a string (kIOError if it cannot).
Result<std::string> read_text_file(const std::string& path);

}  // namespace expertmatch
