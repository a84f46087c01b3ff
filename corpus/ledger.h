// The county's ledger (台账): what a county department reports on its
// expert workstation every year, computed from the records. For one county,
// or for the city (every configured county):
//  - problems submitted, counted by status, in total, by county (city
//    ledger), by industry and by month of submission;
//  - the experts who work there, each with a standing: "team", a member of
//    the workstation's team (a plan of the scope in force in the period);
//    "worked", not a member but leading a key topic or accepted for a
//    problem of the scope; "stationed", neither, but stationed in the county
//    (the city: every other expert). Their key topics (plans in force in the
//    period) and accepted matches in scope, with how those problems stand
//    (outcomes);
//  - the problems waiting longest for help.
//
// Who works on a problem is read as the service reads it (Service::
// workers_locked): the experts accepted for it, and the leaders of its key
// topics in approved plans unless a coordinator rejected that pair since. A
// key topic whose leader was rejected is in no expert's list (the plan asks
// the county to reassign it).
//
// Statuses are read from each problem's status field by name
// (problem_status_name), so a status the model gains later is one more
// count: known names come in the order of ledger_status_order(), any other
// after them, alphabetically. A problem "waits for help" while its status is
// not terminal (solved, withdrawn, closed) and nobody works on it: a problem
// with an accepted expert or a key topic is not waiting, nor is one in
// progress, unless it is in progress only because of a key topic whose
// leader was rejected since.
//
// The period: without a year, now (the plans in force, every acceptance in
// force). With a year Y, problems counted are those submitted in Y; the team
// and key topics are those of every plan in force at some time in Y (a plan
// is in force from its approval until the next approval for its county);
// acceptances are those decided by the end of Y and still in force (a later
// rejection removes one from every year: the records keep the latest
// decision only).
//
// Pure functions of their arguments; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "corpus/counties.h"
#include "corpus/model.h"
#include "corpus/plan_store.h"
#include "corpus/spreadsheet.h"

namespace expertmatch {

struct LedgerOptions {
  std::optional<int> year;    // count only problems submitted in this year
  std::string as_of;          // "YYYY-MM-DD" days waiting are counted to; "" = today (UTC)
  size_t waiting_limit = 10;  // rows of waiting_longest (problems waiting for help)
};

// Problems submitted and how they stand.
struct StatusCounts {
  int submitted = 0;                  // every problem counted
  std::map<std::string, int> status;  // status name -> problems in it
};

struct LedgerRow {
  std::string key;  // a county, an industry ("" = not given) or a month "YYYY-MM" ("" = no date)
  StatusCounts counts;
};

// A problem an expert leads or was accepted for, and how it stands.
struct LedgerAssignment {
  std::string problem_id;
  std::string title;
  std::string enterprise;
  std::string county;
  std::string status;
};

struct LedgerExpert {
  std::string id, name, college, title;
  std::vector<std::string> counties;
  std::string standing;  // "team", "worked" or "stationed" (above)
  bool available = true;
  int capacity = 0;
  std::vector<LedgerAssignment> key_topics;  // of the approved plans in scope
  std::vector<LedgerAssignment> accepted;    // accepted matches in scope (not also key topics)
  std::map<std::string, int> outcomes;       // status -> count over both lists
};

struct WaitingProblem {
  std::string id, enterprise, county, industry, title, status, submitted;
  int urgency = 3;
  std::optional<int> days_waiting;  // unset when the problem has no submission date
};

struct Ledger {
  std::string county;  // "" = the city
  std::string name;    // the county, or "衢州市" for the city
  std::optional<int> year;
  std::string as_of;
  // The years in which the scope's problems were submitted, whatever `year`
  // (for choosing one), newest first.
  std::vector<int> years;
  std::vector<std::string> statuses;  // the status columns, in order
  StatusCounts totals;
  std::vector<LedgerRow> by_county;    // city ledger only, in the configured order
  std::vector<LedgerRow> by_industry;  // most problems first, then name
  std::vector<LedgerRow> by_month;     // oldest first
  // Working in the county (above; city: all): team, then worked, then
  // stationed, each by id.
  std::vector<LedgerExpert> experts;
  std::vector<WaitingProblem> waiting_longest;  // earliest submission first
};

// A pair whose latest review is "accept", and when it was decided (UTC,
// ISO 8601; "" = unknown, counted in every year).
struct LedgerAcceptance {
  std::string problem_id, expert_id, decided_at;
};

// The data a ledger is made from.
struct LedgerInput {
  const std::vector<Problem>& problems;
  const std::vector<Expert>& experts;
  const std::vector<LedgerAcceptance>& accepted;
  // Plans approved, in force or superseded since (county, status,
  // approved_at, members and topics are read; others are ignored).
  const std::vector<PlanRecord>& plans;
  // (problem id, expert id) pairs whose latest review is "reject".
  const std::vector<std::pair<std::string, std::string>>& rejected;
};

// The catalogue key of a standing's label (ledger.standing.*).
std::string ledger_standing_key(const std::string& standing);

// Status names in column order; a name not listed is shown after them.
const std::vector<std::string>& ledger_status_order();
// The column heading of a status in `language` (the catalogue's ledger.status.* messages); an
// unknown status as it is.
std::string ledger_status_label(const std::string& status,
                                i18n::Language language = i18n::Language::kZh);

// The ledger of `county` ("" = the city: every county of `counties`).
// kInvalidArgument (field "county") for a county not in `counties`, or a
// malformed `as_of`.
Result<Ledger> make_ledger(const std::string& county, const CountyList& counties,
                           const LedgerInput& input, const LedgerOptions& options);

// The ledger as worksheets with headings in `language` (catalogue ledger.*):
// 概况 (totals, and by county for the city), 按行业, 按月份, 驻站专家 (with each
// expert's standing), 久候难题.
std::vector<Sheet> ledger_sheets(const Ledger& ledger,
                                 i18n::Language language = i18n::Language::kZh);

}  // namespace expertmatch
