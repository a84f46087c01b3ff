#include "corpus/model.h"

#include "corpus/names.h"

namespace expertmatch {

const char* work_kind_name(WorkKind kind) {
  switch (kind) {
    case WorkKind::kPaper:
      return "paper";
    case WorkKind::kPatent:
      return "patent";
    case WorkKind::kProject:
      return "project";
    case WorkKind::kAward:
      return "award";
    case WorkKind::kOther:
      return "other";
  }
  return "other";
}

std::optional<WorkKind> parse_work_kind(const std::string& name) {
  if (name == "paper") return WorkKind::kPaper;
  if (name == "patent") return WorkKind::kPatent;
  if (name == "project") return WorkKind::kProject;
  if (name == "award") return WorkKind::kAward;
  if (name == "other") return WorkKind::kOther;
  return std::nullopt;
}

const char* problem_status_name(ProblemStatus status) {
  switch (status) {
    case ProblemStatus::kSubmitted:
      return "submitted";
    case ProblemStatus::kMatched:
      return "matched";
    case ProblemStatus::kInProgress:
      return "in_progress";
    case ProblemStatus::kSolved:
      return "solved";
    case ProblemStatus::kWithdrawn:
      return "withdrawn";
    case ProblemStatus::kClosed:
      return "closed";
  }
  return "submitted";
}

std::optional<ProblemStatus> parse_problem_status(const std::string& name) {
  // "open" is what stores and files before the problem's full life said.
  if (name == "submitted" || name == "open") return ProblemStatus::kSubmitted;
  if (name == "matched") return ProblemStatus::kMatched;
  if (name == "in_progress") return ProblemStatus::kInProgress;
  if (name == "solved") return ProblemStatus::kSolved;
  if (name == "withdrawn") return ProblemStatus::kWithdrawn;
  if (name == "closed") return ProblemStatus::kClosed;
  return std::nullopt;
}

bool is_open(ProblemStatus status) {
  return status == ProblemStatus::kSubmitted || status == ProblemStatus::kMatched ||
         status == ProblemStatus::kInProgress;
}

std::vector<Problem> indexed_problems(const std::vector<Problem>& problems) {
  std::vector<Problem> out;
  for (const auto& p : problems)
    if (is_open(p.status)) out.push_back(p);
  return out;
}

bool is_valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64 || id == "." || id == "..") return false;
  for (char c : id) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '~' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool may_serve_county(const Expert& e, std::string_view county) {
  // An edit awaiting the city (a confirmed version kept) is ranked as that
  // version (ranked_version, exchange_format.h), which the city confirmed.
  return e.verified || !e.confirmed_json.empty() ||
         (!county.empty() && contains_name(e.counties, county));
}

bool may_lead_for(const Expert& e, const Problem& p, std::string_view county) {
  return p.verified || contains_name(e.counties, county);
}

}  // namespace expertmatch
