// The county's ledger (corpus/ledger.h): GET /api/v1/counties/{county}/ledger
// and GET /api/v1/ledger (the city), as JSON, XLSX or CSV (?format=).
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "corpus/ledger.h"
#include "corpus/spreadsheet.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

Value counts_value(const StatusCounts& c, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("submitted", c.submitted, a);
  Value by(rapidjson::kObjectType);
  for (const auto& [status, n] : c.status) by.AddMember(str(status, a), Value(n), a);
  v.AddMember("by_status", by, a);
  return v;
}

Value rows_value(const std::vector<LedgerRow>& rows, const char* key, Alloc& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& r : rows) {
    Value v(rapidjson::kObjectType);
    v.AddMember(rapidjson::StringRef(key), str(r.key, a), a);
    Value counts = counts_value(r.counts, a);
    for (auto& m : counts.GetObject()) v.AddMember(m.name, m.value, a);
    out.PushBack(v, a);
  }
  return out;
}

Value assignments_value(const std::vector<LedgerAssignment>& list, Alloc& a) {
  Value out(rapidjson::kArrayType);
  for (const auto& x : list) {
    Value v(rapidjson::kObjectType);
    v.AddMember("problem_id", str(x.problem_id, a), a);
    v.AddMember("title", str(x.title, a), a);
    v.AddMember("enterprise", str(x.enterprise, a), a);
    v.AddMember("county", str(x.county, a), a);
    v.AddMember("status", str(x.status, a), a);
    out.PushBack(v, a);
  }
  return out;
}

Value ledger_value(const Ledger& l, i18n::Language language, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("county", l.county.empty() ? Value(rapidjson::kNullType) : str(l.county, a), a);
  v.AddMember("name", str(l.name, a), a);
  v.AddMember("year", l.year ? Value(*l.year) : Value(rapidjson::kNullType), a);
  v.AddMember("as_of", str(l.as_of, a), a);
  Value years(rapidjson::kArrayType);
  for (int y : l.years) years.PushBack(y, a);
  v.AddMember("years", years, a);
  Value statuses(rapidjson::kArrayType);
  for (const auto& s : l.statuses) {
    Value sv(rapidjson::kObjectType);
    sv.AddMember("status", str(s, a), a);
    sv.AddMember("label", str(ledger_status_label(s, language), a), a);
    statuses.PushBack(sv, a);
  }
  v.AddMember("statuses", statuses, a);
  v.AddMember("totals", counts_value(l.totals, a), a);
  if (l.county.empty()) v.AddMember("by_county", rows_value(l.by_county, "county", a), a);
  v.AddMember("by_industry", rows_value(l.by_industry, "industry", a), a);
  v.AddMember("by_month", rows_value(l.by_month, "month", a), a);
  Value experts(rapidjson::kArrayType);
  for (const auto& e : l.experts) {
    Value x(rapidjson::kObjectType);
    x.AddMember("id", str(e.id, a), a);
    x.AddMember("name", str(e.name, a), a);
    x.AddMember("college", str(e.college, a), a);
    x.AddMember("title", str(e.title, a), a);
    x.AddMember("counties", strings(e.counties, a), a);
    x.AddMember("standing", str(e.standing, a), a);
    x.AddMember("standing_label", str(i18n::tr(language, ledger_standing_key(e.standing)), a), a);
    x.AddMember("available", e.available, a);
    x.AddMember("capacity", e.capacity, a);
    x.AddMember("key_topics", assignments_value(e.key_topics, a), a);
    x.AddMember("accepted_matches", assignments_value(e.accepted, a), a);
    Value outcomes(rapidjson::kObjectType);
    for (const auto& [status, n] : e.outcomes) outcomes.AddMember(str(status, a), Value(n), a);
    x.AddMember("outcomes", outcomes, a);
    experts.PushBack(x, a);
  }
  v.AddMember("experts", experts, a);
  Value waiting(rapidjson::kArrayType);
  for (const auto& w : l.waiting_longest) {
    Value x(rapidjson::kObjectType);
    x.AddMember("id", str(w.id, a), a);
    x.AddMember("enterprise", str(w.enterprise, a), a);
    x.AddMember("county", str(w.county, a), a);
    x.AddMember("industry", str(w.industry, a), a);
    x.AddMember("title", str(w.title, a), a);
    x.AddMember("urgency", w.urgency, a);
    x.AddMember("status", str(w.status, a), a);
    x.AddMember("submitted",
                w.submitted.empty() ? Value(rapidjson::kNullType) : str(w.submitted, a), a);
    x.AddMember("days_waiting",
                w.days_waiting ? Value(*w.days_waiting) : Value(rapidjson::kNullType), a);
    waiting.PushBack(x, a);
  }
  v.AddMember("waiting_longest", waiting, a);
  return v;
}

ApiResponse ledger_response(const Call& c, const std::string& county) {
  LedgerOptions options;
  ApiResponse error;
  std::string format;
  if (!query_int(c, "year", 2000, 2100, &options.year, &error)) return error;
  if (!report_format(c, &format, &error)) return error;
  std::optional<ExpensiveSlots::Slot> slot;  // held until the file is written
  if (!admit_expensive(c, &slot, &error)) return error;
  auto ledger = c.context.service.ledger(c.who, county, options);
  if (!ledger) return from_status(ledger.status());
  // 台账-江山市-2026.xlsx for a year; 台账-江山市-截至2026-12-01.xlsx for all
  // years (a new user's downloads otherwise had one name for every day).
  std::string period = ledger->year
                           ? std::to_string(*ledger->year)
                           : i18n::tr(c.language, {"ledger.file_as_of", {{"date", ledger->as_of}}});
  std::string filename =
      i18n::tr(c.language, "ledger.file") + "-" + ledger->name + "-" + period + "." + format;
  if (format == "csv")
    return file_response("text/csv; charset=utf-8", filename,
                         to_csv(ledger_sheets(*ledger, c.language)));
  if (format == "xlsx") {
    auto bytes = to_xlsx(ledger_sheets(*ledger, c.language), c.language);
    if (!bytes) return from_status(bytes.status());
    return file_response("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                         filename, std::move(*bytes));
  }
  rapidjson::Document d;
  return json(200, ledger_value(*ledger, c.language, d.GetAllocator()));
}

}  // namespace

ApiResponse county_ledger(const Call& c) { return ledger_response(c, c.params[0]); }

ApiResponse city_ledger(const Call& c) { return ledger_response(c, ""); }

}  // namespace expertmatch::api::handlers
