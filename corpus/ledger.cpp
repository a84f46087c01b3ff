#include "corpus/ledger.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <functional>
#include <set>

#include "corpus/names.h"
#include "corpus/utc_time.h"

namespace expertmatch {
namespace {

// Days since 1970-01-01 of a civil date (H. Hinnant's days_from_civil).
long days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097L + static_cast<long>(doe) - 719468;
}

// "YYYY-MM-DD" -> days since the epoch; nullopt if malformed.
std::optional<long> day_number(const std::string& date) {
  int y, m, d;
  char tail;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
      m < 1 || m > 12 || d < 1 || d > 31)
    return std::nullopt;
  return days_from_civil(y, static_cast<unsigned>(m), static_cast<unsigned>(d));
}

bool terminal(const std::string& status) {
  return status == "solved" || status == "withdrawn" || status == "closed";
}

void count(const Problem& p, StatusCounts* c) {
  ++c->submitted;
  ++c->status[problem_status_name(p.status)];
}

// Rows keyed by `key_of`, in first-seen order until sorted by the caller.
template <typename KeyOf>
std::vector<LedgerRow> rows_by(const std::vector<const Problem*>& problems, KeyOf key_of) {
  std::map<std::string, StatusCounts> by;
  for (const Problem* p : problems) count(*p, &by[key_of(*p)]);
  std::vector<LedgerRow> out;
  for (auto& [key, counts] : by) out.push_back({key, std::move(counts)});
  return out;
}

LedgerAssignment assignment(const Problem& p) {
  return {p.id, p.title, p.enterprise, p.county, problem_status_name(p.status)};
}

}  // namespace

std::string ledger_standing_key(const std::string& standing) {
  return "ledger.standing." + standing;
}

const std::vector<std::string>& ledger_status_order() {
  // The life of a problem in the order a report reads it; "open" is the
  // older single name for submitted | matched | in_progress.
  static const std::vector<std::string> kOrder = {"submitted", "open",   "matched",  "in_progress",
                                                  "solved",    "closed", "withdrawn"};
  return kOrder;
}

std::string ledger_status_label(const std::string& status, i18n::Language language) {
  static const std::map<std::string, const char*> kLabels = {
      {"submitted", "ledger.status.submitted"}, {"open", "ledger.status.open"},
      {"matched", "ledger.status.matched"},     {"in_progress", "ledger.status.in_progress"},
      {"solved", "ledger.status.solved"},       {"closed", "ledger.status.closed"},
      {"withdrawn", "ledger.status.withdrawn"}};
  auto it = kLabels.find(status);
  return it == kLabels.end() ? status : i18n::tr(language, it->second);
}

Result<Ledger> make_ledger(const std::string& county, const CountyList& counties,
                           const LedgerInput& input, const LedgerOptions& options) {
  if (!county.empty()) {
    Status known = counties.check(county, "county", "path");
    if (!known) return known;
  }
  Ledger out;
  out.county = county;
  out.name = county.empty() ? "衢州市" : county;
  out.year = options.year;
  out.as_of = options.as_of.empty() ? today_utc() : options.as_of;
  auto as_of_day = day_number(out.as_of);
  if (!as_of_day)
    return Status::invalid(
        {FieldError{"query", 0, "as_of", {"field.date_got", {{"value", out.as_of}}}}});
  // Names compare normalised (corpus/names.h), as everywhere else.
  auto in_scope = [&](const std::string& c) {
    return county.empty() ? counties.contains(c) : same_name(c, county);
  };

  std::map<std::string, const Problem*> by_id;
  std::vector<const Problem*> counted;
  std::set<int, std::greater<int>> years;
  for (const auto& p : input.problems) {
    by_id[p.id] = &p;
    if (!in_scope(p.county)) continue;
    if (p.submitted.size() >= 4) years.insert(std::atoi(p.submitted.substr(0, 4).c_str()));
    if (options.year && p.submitted.compare(0, 4, std::to_string(*options.year)) != 0) continue;
    counted.push_back(&p);
  }

  out.years.assign(years.begin(), years.end());

  // Columns: every status the model names, in report order, then any other seen.
  std::set<std::string> seen;
  for (const Problem* p : counted) seen.insert(problem_status_name(p->status));
  // A status the model names under that name ("open" only reads older data).
  for (const auto& s : ledger_status_order()) {
    auto status = parse_problem_status(s);
    if ((status && problem_status_name(*status) == s) || seen.count(s)) out.statuses.push_back(s);
  }
  for (const auto& s : seen)
    if (std::find(out.statuses.begin(), out.statuses.end(), s) == out.statuses.end())
      out.statuses.push_back(s);

  for (const Problem* p : counted) count(*p, &out.totals);
  if (county.empty()) {
    auto rows = rows_by(counted, [](const Problem& p) { return p.county; });
    for (const auto& name : counties.names()) {
      auto it = std::find_if(rows.begin(), rows.end(), [&](auto& r) { return r.key == name; });
      out.by_county.push_back(it == rows.end() ? LedgerRow{name, {}} : *it);
    }
  }
  out.by_industry = rows_by(counted, [](const Problem& p) { return p.industry; });
  std::stable_sort(out.by_industry.begin(), out.by_industry.end(),
                   [](auto& a, auto& b) { return a.counts.submitted > b.counts.submitted; });
  out.by_month = rows_by(counted, [](const Problem& p) { return p.submitted.substr(0, 7); });

  // The plans of the scope in force in the period (ledger.h): a plan is in
  // force from its approval until the next approval for its county.
  std::map<std::string, std::vector<const PlanRecord*>> approved_in;
  for (const auto& plan : input.plans)
    if (in_scope(plan.county) &&
        (plan.status == PlanStatus::kApproved || plan.status == PlanStatus::kSuperseded))
      approved_in[plan.county].push_back(&plan);
  const std::string period_start = options.year ? std::to_string(*options.year) : "";
  const std::string period_end = options.year ? std::to_string(*options.year + 1) : "";
  std::vector<const PlanRecord*> in_force;
  for (auto& [name, plans] : approved_in) {
    std::stable_sort(plans.begin(), plans.end(),
                     [](auto* a, auto* b) { return a->approved_at < b->approved_at; });
    for (size_t i = 0; i < plans.size(); ++i) {
      const PlanRecord* plan = plans[i];
      if (!options.year) {
        if (plan->status == PlanStatus::kApproved) in_force.push_back(plan);
        continue;
      }
      // ISO times compare as strings: "2026-..." < "2027" and >= "2026". An
      // approval of unknown time ("") is in force from the start.
      const std::string until = i + 1 < plans.size() ? plans[i + 1]->approved_at : "";
      if (plan->approved_at < period_end && (until.empty() || until >= period_start))
        in_force.push_back(plan);
    }
  }

  // Their teams and key topics, and the acceptances in force.
  const std::set<std::pair<std::string, std::string>> rejected(input.rejected.begin(),
                                                               input.rejected.end());
  std::set<std::string> team;
  std::set<std::string> worked_on;    // problems someone works on (ledger.h)
  std::set<std::string> lost_leader;  // key topics whose leader was rejected
  std::set<std::pair<std::string, std::string>> topic_pairs;
  std::map<std::string, std::vector<LedgerAssignment>> topics_of;
  for (const PlanRecord* plan : in_force) {
    team.insert(plan->members.begin(), plan->members.end());
    for (const auto& [problem, expert] : plan->topics) {
      auto p = by_id.find(problem);
      // A rejected leader no longer works on the topic: listing them would
      // contradict the problem's standing and the plan's attention list.
      if (p != by_id.end() && rejected.count({problem, expert})) lost_leader.insert(problem);
      if (p == by_id.end() || rejected.count({problem, expert})) continue;
      // A topic kept through a re-approval in the period is listed once.
      if (!topic_pairs.insert({problem, expert}).second) continue;
      worked_on.insert(problem);
      topics_of[expert].push_back(assignment(*p->second));
    }
  }
  std::map<std::string, std::vector<LedgerAssignment>> accepted_of;
  for (const auto& a : input.accepted) {
    auto p = by_id.find(a.problem_id);
    // Listed even when the match is also a key topic (an accepted match
    // becomes one): the column says the match was confirmed; its outcome
    // is counted once below.
    if (p == by_id.end() || !in_scope(p->second->county)) continue;
    if (options.year && !a.decided_at.empty() && a.decided_at >= period_end) continue;
    worked_on.insert(a.problem_id);
    accepted_of[a.expert_id].push_back(assignment(*p->second));
  }
  // A county's table is its stationed experts and every expert who is in its
  // team, leads one of its key topics or was accepted for one of its
  // problems, wherever stationed (the lists above hold its own problems
  // only); the city's is every expert.
  for (const auto& e : input.experts) {
    const bool worked = !topics_of[e.id].empty() || !accepted_of[e.id].empty();
    const bool member = team.count(e.id) > 0;
    if (!county.empty() && !contains_name(e.counties, county) && !worked && !member) continue;
    LedgerExpert x{e.id,
                   e.name,
                   e.college,
                   e.title,
                   e.counties,
                   member   ? "team"
                   : worked ? "worked"
                            : "stationed",
                   e.available,
                   e.capacity,
                   topics_of[e.id],
                   accepted_of[e.id],
                   {}};
    for (const auto& a : x.key_topics) ++x.outcomes[a.status];
    for (const auto& a : x.accepted)
      if (!topic_pairs.count({a.problem_id, e.id})) ++x.outcomes[a.status];
    out.experts.push_back(std::move(x));
  }
  auto rank = [](const std::string& standing) {
    return standing == "team" ? 0 : standing == "worked" ? 1 : 2;
  };
  std::sort(out.experts.begin(), out.experts.end(), [&](auto& a, auto& b) {
    if (rank(a.standing) != rank(b.standing)) return rank(a.standing) < rank(b.standing);
    return a.id < b.id;
  });

  // Waiting longest: every problem in scope still waiting for help (open,
  // nobody on it), whatever the year filter (a report wants the backlog as
  // it stands). One in progress with nobody listed waits only if it lost
  // its key topic's leader: otherwise its workers predate the records (an
  // import) and its status is the fact.
  std::vector<WaitingProblem> waiting;
  for (const auto& p : input.problems) {
    std::string status = problem_status_name(p.status);
    if (!in_scope(p.county) || terminal(status) || worked_on.count(p.id)) continue;
    if (p.status == ProblemStatus::kInProgress && !lost_leader.count(p.id)) continue;
    WaitingProblem w{p.id,   p.enterprise, p.county,  p.industry,  p.title,
                     status, p.submitted,  p.urgency, std::nullopt};
    if (auto day = day_number(p.submitted)) w.days_waiting = static_cast<int>(*as_of_day - *day);
    waiting.push_back(std::move(w));
  }
  std::sort(waiting.begin(), waiting.end(), [](const auto& a, const auto& b) {
    // Undated problems last: how long they wait is unknown.
    if (a.submitted.empty() != b.submitted.empty()) return b.submitted.empty();
    if (a.submitted != b.submitted) return a.submitted < b.submitted;
    if (a.urgency != b.urgency) return a.urgency > b.urgency;
    return a.id < b.id;
  });
  if (waiting.size() > options.waiting_limit) waiting.resize(options.waiting_limit);
  out.waiting_longest = std::move(waiting);
  return out;
}

namespace {

std::vector<std::string> count_header(const std::string& first, const Ledger& l,
                                      i18n::Language lang) {
  std::vector<std::string> h = {first, i18n::tr(lang, "ledger.col.submitted")};
  for (const auto& s : l.statuses) h.push_back(ledger_status_label(s, lang));
  return h;
}

std::vector<Cell> count_row(const std::string& key, const StatusCounts& c, const Ledger& l) {
  std::vector<Cell> row = {Cell(key), Cell(c.submitted)};
  for (const auto& s : l.statuses) {
    auto it = c.status.find(s);
    row.emplace_back(it == c.status.end() ? 0 : it->second);
  }
  return row;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

std::string assignments_text(const std::vector<LedgerAssignment>& list, i18n::Language lang) {
  std::vector<std::string> parts;
  for (const auto& a : list)
    parts.push_back(i18n::tr(lang, {"ledger.assignment",
                                    {{"id", a.problem_id},
                                     {"title", a.title},
                                     {"enterprise", a.enterprise},
                                     {"status", ledger_status_label(a.status, lang)}}}));
  return join(parts, i18n::tr(lang, "ledger.separator"));
}

std::vector<std::string> headings(i18n::Language lang, std::initializer_list<const char*> keys) {
  std::vector<std::string> out;
  for (const char* k : keys) out.push_back(i18n::tr(lang, k));
  return out;
}

}  // namespace

std::vector<Sheet> ledger_sheets(const Ledger& l, i18n::Language lang) {
  auto t = [lang](const i18n::Message& m) { return i18n::tr(lang, m); };
  std::vector<Sheet> out;
  std::string period =
      l.year ? t({"ledger.year", {{"year", std::to_string(*l.year)}}}) : t("ledger.all_years");
  Sheet summary{t("ledger.sheet.summary"), count_header(t("ledger.col.scope"), l, lang), {}};
  summary.rows.push_back(
      count_row(t({"ledger.scope", {{"name", l.name}, {"period", period}}}), l.totals, l));
  for (const auto& r : l.by_county) summary.rows.push_back(count_row(r.key, r.counts, l));
  out.push_back(std::move(summary));

  Sheet industry{t("ledger.sheet.industry"), count_header(t("ledger.col.industry"), l, lang), {}};
  for (const auto& r : l.by_industry)
    industry.rows.push_back(
        count_row(r.key.empty() ? t("ledger.no_industry") : r.key, r.counts, l));
  out.push_back(std::move(industry));

  Sheet month{t("ledger.sheet.month"), count_header(t("ledger.col.month"), l, lang), {}};
  for (const auto& r : l.by_month)
    month.rows.push_back(count_row(r.key.empty() ? t("ledger.no_date") : r.key, r.counts, l));
  out.push_back(std::move(month));

  Sheet experts{
      t("ledger.sheet.experts"),
      headings(lang, {"ledger.col.expert_id", "ledger.col.name", "ledger.col.standing",
                      "ledger.col.college", "ledger.col.title", "ledger.col.stationed",
                      "ledger.col.available", "ledger.col.capacity", "ledger.col.key_topic_count",
                      "ledger.col.key_topics", "ledger.col.accepted_count", "ledger.col.accepted",
                      "ledger.col.solved"}),
      {}};
  for (const auto& e : l.experts) {
    auto solved = e.outcomes.find("solved");
    experts.rows.push_back(
        {Cell(e.id), Cell(e.name), Cell(t(ledger_standing_key(e.standing))), Cell(e.college),
         Cell(e.title), Cell(join(e.counties, t("ledger.separator"))),
         Cell(t(e.available ? "ledger.yes" : "ledger.no")), Cell(e.capacity),
         Cell(static_cast<int>(e.key_topics.size())), Cell(assignments_text(e.key_topics, lang)),
         Cell(static_cast<int>(e.accepted.size())), Cell(assignments_text(e.accepted, lang)),
         Cell(solved == e.outcomes.end() ? 0 : solved->second)});
  }
  out.push_back(std::move(experts));

  Sheet waiting{
      t("ledger.sheet.waiting"),
      headings(lang, {"ledger.col.problem_id", "ledger.col.enterprise", "ledger.col.county",
                      "ledger.col.industry", "ledger.col.problem", "ledger.col.urgency",
                      "ledger.col.submitted_on", "ledger.col.days_waiting", "ledger.col.status"}),
      {}};
  for (const auto& w : l.waiting_longest)
    waiting.rows.push_back({Cell(w.id), Cell(w.enterprise), Cell(w.county), Cell(w.industry),
                            Cell(w.title), Cell(w.urgency), Cell(w.submitted),
                            w.days_waiting ? Cell(*w.days_waiting) : Cell(""),
                            Cell(ledger_status_label(w.status, lang))});
  out.push_back(std::move(waiting));
  return out;
}

}  // namespace expertmatch
