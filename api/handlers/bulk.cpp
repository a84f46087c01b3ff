// Bulk import and export in the JSON Lines exchange format (admin).
#include "api/handlers/handlers.h"

#include "api/handlers/common.h"
#include "api/handlers/values.h"
#include "api/request_reader.h"
#include "corpus/exchange_format.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

namespace {

bool is_jsonl(const std::string& content_type) {
  std::string t = media_type(content_type);
  return t == "application/x-ndjson" || t == "application/jsonl" ||
         t == "application/x-jsonlines" || t == "application/json-lines";
}

// `names`: the body's names, for the warning about two spellings of one name
// (corpus/names.h), which are imported and compared as one.
ApiResponse import_response(const Result<ImportCounts>& counts,
                            const std::vector<NameSpelling>& names) {
  if (!counts) return from_status(counts.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value imported(rapidjson::kObjectType);
  imported.AddMember("experts", static_cast<uint64_t>(counts->experts), a);
  imported.AddMember("problems", static_cast<uint64_t>(counts->problems), a);
  d.AddMember("imported", imported, a);
  // Imported exactly as held, still awaiting the city (an export imported
  // back does not confirm them).
  d.AddMember("unconfirmed_kept", static_cast<uint64_t>(counts->unconfirmed_kept), a);
  Value warnings(rapidjson::kArrayType);
  for (const auto& w : spelling_warnings(names)) warnings.PushBack(Value(w.c_str(), a), a);
  d.AddMember("warnings", warnings, a);
  return json(200, d);
}

ApiResponse unsupported_jsonl(const std::string& content_type) {
  return error_response(415, "unsupported_media_type",
                        {"request.not_jsonl", {{"content_type", content_type}}});
}

// One bulk import (the route table lets only an admin's through, before the
// body is read): a JSON Lines body, valid UTF-8 throughout
// (else the whole body is a bad request before any record is read), then
// read and stored a line at a time by the service (Service::import_jsonl).
ApiResponse import_jsonl(const Call& c, Service::ImportKind kind) {
  if (!is_jsonl(c.request.content_type)) return unsupported_jsonl(c.request.content_type);
  if (ApiResponse refused; !utf8_charset(c.request.content_type, &refused)) return refused;
  std::optional<ExpensiveSlots::Slot> slot;  // parsing, storing and re-indexing a whole corpus
  ApiResponse busy;
  if (!admit_expensive(c, &slot, &busy)) return busy;
  // The body is handed over: the service frees it once it is stored, before
  // the records are read back and indexed.
  std::string body = std::move(c.request.body);
  // Named as any other bad line is: its line and the byte in it (attack
  // trial 21: the whole body was refused with no line).
  if (size_t bad = 0; !is_valid_utf8(body, &bad)) {
    const size_t line_start = body.rfind('\n', bad == 0 ? 0 : bad - 1);
    const size_t start = line_start == std::string::npos || bad == 0 ? 0 : line_start + 1;
    const int line = 1 + static_cast<int>(std::count(body.begin(), body.begin() + start, '\n'));
    return from_status(Status::invalid({FieldError{
        "body", line, "", {"json.bad_utf8", {{"byte", std::to_string(bad - start + 1)}}}}}));
  }
  std::vector<NameSpelling> names;
  auto counts = c.context.service.import_jsonl(c.who, kind, std::move(body), &names,
                                               [&] { return c.request.client_gone(); });
  // The client went away: nothing was written (or the answer has no reader).
  if (!counts && c.request.client_gone())
    return error_response(499, "client_closed", "request.client_gone");
  return import_response(counts, names);
}

}  // namespace

ApiResponse import_experts(const Call& c) { return import_jsonl(c, Service::ImportKind::kExperts); }

ApiResponse import_problems(const Call& c) {
  return import_jsonl(c, Service::ImportKind::kProblems);
}

ApiResponse export_experts(const Call& c) {
  auto experts = c.context.service.export_experts(c.who);
  if (!experts) return from_status(experts.status());
  ApiResponse r;
  r.content_type = "application/x-ndjson";
  r.body = to_jsonl(*experts);
  return r;
}

ApiResponse export_problems(const Call& c) {
  auto problems = c.context.service.export_problems(c.who);
  if (!problems) return from_status(problems.status());
  ApiResponse r;
  r.content_type = "application/x-ndjson";
  r.body = to_jsonl(*problems);
  return r;
}

}  // namespace expertmatch::api::handlers
