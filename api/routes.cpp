#include "api/routes.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <map>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "corpus/exchange_format.h"

namespace expertmatch::api {
namespace {

using rapidjson::Value;
using Alloc = rapidjson::Document::AllocatorType;

// ---- the request's parts ---------------------------------------------------

struct Call {
  const ApiRequest& request;
  const RequestContext& context;
  Principal who;
  std::string path;
  std::map<std::string, std::string> query;
  std::vector<std::string> params;  // the {id} segments, in order
};

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(const std::string& in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      *out += ' ';
    } else {
      *out += in[i];
    }
  }
  return true;
}

bool parse_target(const std::string& target, std::string* path,
                  std::map<std::string, std::string>* query) {
  size_t q = target.find('?');
  if (!percent_decode(target.substr(0, q), false, path)) return false;
  if (q == std::string::npos) return true;
  std::string rest = target.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    if (amp == std::string::npos) amp = rest.size();
    std::string pair = rest.substr(start, amp - start);
    if (!pair.empty()) {
      size_t eq = pair.find('=');
      std::string key, value;
      if (!percent_decode(pair.substr(0, eq), true, &key)) return false;
      if (eq != std::string::npos && !percent_decode(pair.substr(eq + 1), true, &value))
        return false;
      (*query)[key] = value;
    }
    start = amp + 1;
  }
  return true;
}

std::vector<std::string> split_path(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 1;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

// ---- JSON output -----------------------------------------------------------

std::string dump(const Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return std::string(buf.GetString(), buf.GetSize());
}

Value str(const std::string& s, Alloc& a) {
  return Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), a);
}

ApiResponse json(int status, const Value& v) {
  ApiResponse r;
  r.status = status;
  r.body = dump(v);
  return r;
}

Value strings(const std::vector<std::string>& values, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& s : values) arr.PushBack(str(s, a), a);
  return arr;
}

Value problem_value(const Problem& p, Alloc& a) {
  Value v;
  to_json_value(p, &v, a);
  if (!v.HasMember("status")) v.AddMember("status", str(problem_status_name(p.status), a), a);
  return v;
}

Value expert_value(const Expert& e, Alloc& a) {
  Value v;
  to_json_value(e, &v, a);
  return v;
}

Value components_value(const ComponentScores& c, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("dense", c.dense, a);
  v.AddMember("lexical", c.lexical, a);
  v.AddMember("profile", c.profile, a);
  return v;
}

Value works_value(const std::vector<WorkEvidence>& works, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& w : works) {
    Value v(rapidjson::kObjectType);
    v.AddMember("index", w.work_index, a);
    v.AddMember("title", str(w.title, a), a);
    v.AddMember("kind", str(w.kind, a), a);
    v.AddMember("similarity", w.similarity, a);
    arr.PushBack(v, a);
  }
  return arr;
}

Value terms_value(const std::vector<TermEvidence>& terms, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& t : terms) {
    Value v(rapidjson::kObjectType);
    v.AddMember("term", str(t.term, a), a);
    v.AddMember("field", str(t.field, a), a);
    Value pos(rapidjson::kArrayType);
    for (auto [b, e] : t.positions) {
      Value pair(rapidjson::kArrayType);
      pair.PushBack(b, a).PushBack(e, a);
      pos.PushBack(pair, a);
    }
    v.AddMember("positions", pos, a);
    v.AddMember("weight", t.weight, a);
    arr.PushBack(v, a);
  }
  return arr;
}

Value expert_match_value(const ExpertMatch& m, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("expert_id", str(m.expert_id, a), a);
  v.AddMember("name", str(m.expert_name, a), a);
  v.AddMember("score", m.score, a);
  v.AddMember("confidence", m.confidence, a);
  v.AddMember("good_match", m.good_match, a);
  v.AddMember("components", components_value(m.components, a), a);
  v.AddMember("works", works_value(m.works, a), a);
  v.AddMember("matched_fields", strings(m.matched_fields, a), a);
  v.AddMember("terms", terms_value(m.terms, a), a);
  return v;
}

Value problem_match_value(const ProblemMatch& m, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("problem_id", str(m.problem_id, a), a);
  v.AddMember("title", str(m.title, a), a);
  v.AddMember("score", m.score, a);
  v.AddMember("confidence", m.confidence, a);
  v.AddMember("good_match", m.good_match, a);
  v.AddMember("components", components_value(m.components, a), a);
  v.AddMember("works", works_value(m.works, a), a);
  v.AddMember("terms", terms_value(m.terms, a), a);
  return v;
}

Value review_value(const Review& r, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", static_cast<int64_t>(r.id), a);
  v.AddMember("problem_id", str(r.problem_id, a), a);
  v.AddMember("expert_id", str(r.expert_id, a), a);
  v.AddMember("decision", str(r.decision, a), a);
  v.AddMember("note", str(r.note, a), a);
  v.AddMember("reviewer", str(r.reviewer, a), a);
  v.AddMember("created_at", str(r.created_at, a), a);
  return v;
}

// ---- errors ------------------------------------------------------------------

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return 200;
    case ErrorCode::kInvalidArgument:
      return 422;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kIOError:
    case ErrorCode::kCorruption:
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

const char* http_code_name(int status, ErrorCode code) {
  switch (code) {
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kPermissionDenied:
      return "forbidden";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kUnavailable:
      return "unavailable";
    default:
      return status >= 500 ? "internal" : error_code_name(code);
  }
}

ApiResponse from_status(const Status& s) {
  int status = http_status(s.code());
  ApiResponse r;
  if (status == 500) {
    // The detail goes to the operator's log, not to the client.
    std::fprintf(stderr, "expertmatch serve: internal error: %s\n", s.to_string().c_str());
    return error_response(500, "internal", "internal error; the operator's log has the details");
  }
  std::string field = s.field_errors().empty() ? "" : s.field_errors().front().field;
  std::string message = s.message();
  if (!s.field_errors().empty()) message = s.field_errors().front().reason;
  r = error_response(status, http_code_name(status, s.code()), message, field);
  if (s.field_errors().size() > 0) {
    // Every field error, with its line for JSON Lines bodies.
    rapidjson::Document d;
    d.Parse(r.body.c_str());
    auto& a = d.GetAllocator();
    Value details(rapidjson::kArrayType);
    for (const auto& fe : s.field_errors()) {
      Value v(rapidjson::kObjectType);
      v.AddMember("field", str(fe.field, a), a);
      v.AddMember("reason", str(fe.reason, a), a);
      if (fe.line > 0) v.AddMember("line", fe.line, a);
      details.PushBack(v, a);
    }
    d["error"].AddMember("details", details, a);
    r.body = dump(d);
  }
  return r;
}

ApiResponse bad_query(const std::string& field, const std::string& message) {
  return error_response(400, "bad_request", message, field);
}

// ---- request parsing -----------------------------------------------------------

std::string media_type(const std::string& content_type) {
  std::string t = content_type.substr(0, content_type.find(';'));
  while (!t.empty() && t.back() == ' ') t.pop_back();
  for (auto& c : t) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return t;
}

// Parses a JSON object body. On failure fills `error` and returns false.
bool parse_json_body(const ApiRequest& req, rapidjson::Document* doc, ApiResponse* error) {
  if (media_type(req.content_type) != "application/json") {
    *error = error_response(415, "unsupported_media_type",
                            "the body must be application/json, got \"" + req.content_type + "\"");
    return false;
  }
  doc->Parse<rapidjson::kParseValidateEncodingFlag>(req.body.c_str(), req.body.size());
  if (doc->HasParseError()) {
    if (doc->GetParseError() == rapidjson::kParseErrorStringInvalidEncoding)
      *error = error_response(
          400, "bad_request",
          "the body is not valid UTF-8 (at byte " + std::to_string(doc->GetErrorOffset()) + ")");
    else
      *error = error_response(400, "bad_request",
                              std::string("the body is not valid JSON: ") +
                                  rapidjson::GetParseError_En(doc->GetParseError()) + " (at byte " +
                                  std::to_string(doc->GetErrorOffset()) + ")");
    return false;
  }
  if (!doc->IsObject()) {
    *error = error_response(400, "bad_request", "the body must be a JSON object");
    return false;
  }
  return true;
}

// An optional integer query parameter within [lo, hi].
bool query_int(const Call& c, const char* name, int lo, int hi, std::optional<int>* out,
               ApiResponse* error) {
  auto it = c.query.find(name);
  if (it == c.query.end()) return true;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long v = s.empty() ? 0 : std::strtol(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0' || v < lo || v > hi) {
    *error =
        bad_query(name, std::string(name) + " must be a whole number from " + std::to_string(lo) +
                            " to " + std::to_string(hi) + ", got \"" + s + "\"");
    return false;
  }
  *out = static_cast<int>(v);
  return true;
}

std::optional<std::string> query_str(const Call& c, const char* name) {
  auto it = c.query.find(name);
  if (it == c.query.end()) return std::nullopt;
  return it->second;
}

bool page_params(const Call& c, size_t* offset, size_t* limit, ApiResponse* error) {
  std::optional<int> o, l;
  if (!query_int(c, "offset", 0, 1 << 30, &o, error)) return false;
  if (!query_int(c, "limit", 1, c.context.config.max_page_size, &l, error)) return false;
  *offset = o.value_or(0);
  *limit = l.value_or(c.context.config.default_page_size);
  return true;
}

template <typename T>
ApiResponse page_response(const Page<T>& page, size_t offset, size_t limit,
                          Value (*render)(const T&, Alloc&)) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value items(rapidjson::kArrayType);
  for (const auto& item : page.items) items.PushBack(render(item, a), a);
  d.AddMember("items", items, a);
  d.AddMember("total", static_cast<uint64_t>(page.total), a);
  d.AddMember("offset", static_cast<uint64_t>(offset), a);
  d.AddMember("limit", static_cast<uint64_t>(limit), a);
  return json(200, d);
}

// Puts `id` into the body if absent; false (with `error`) if it names another id.
bool bind_path_id(rapidjson::Document* doc, const std::string& id, ApiResponse* error) {
  auto& a = doc->GetAllocator();
  auto it = doc->FindMember("id");
  if (it == doc->MemberEnd()) {
    doc->AddMember("id", str(id, a), a);
    return true;
  }
  if (!it->value.IsString() || id != it->value.GetString()) {
    *error = error_response(422, "invalid_argument", "must match the id in the path", "id");
    return false;
  }
  return true;
}

// ---- handlers ------------------------------------------------------------------

ApiResponse healthz(const Call&) { return json(200, rapidjson::Document().SetObject()); }

ApiResponse readyz(const Call& c) {
  ServiceStats s = c.context.service.stats();
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  bool draining = c.context.draining.load();
  // Ready = accepting work: an empty corpus has no index yet but takes writes.
  bool ready = !draining && (s.index_ready || (s.experts == 0 && s.problems == 0));
  d.AddMember("status", str(ready ? "ready" : "not_ready", a), a);
  d.AddMember("index", s.index_ready, a);
  d.AddMember("experts", static_cast<uint64_t>(s.experts), a);
  d.AddMember("problems", static_cast<uint64_t>(s.problems), a);
  if (draining)
    d.AddMember("reason", "shutting down", a);
  else if (!ready)
    d.AddMember("reason", "the index could not be built", a);
  return json(ready ? 200 : 503, d);
}

ApiResponse metrics(const Call& c) {
  ApiResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = c.context.metrics.render(c.context.service.stats());
  return r;
}

ApiResponse whoami(const Call& c) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("role", str(role_name(c.who.role), a), a);
  d.AddMember("scope", str(c.who.scope, a), a);
  return json(200, d);
}

ApiResponse one_problem(int status, const Problem& p) {
  rapidjson::Document d;
  Value v = problem_value(p, d.GetAllocator());
  ApiResponse r = json(status, v);
  if (status == 201) r.headers.emplace_back("Location", "/api/v1/problems/" + p.id);
  return r;
}

ApiResponse one_expert(int status, const Expert& e) {
  rapidjson::Document d;
  Value v = expert_value(e, d.GetAllocator());
  ApiResponse r = json(status, v);
  if (status == 201) r.headers.emplace_back("Location", "/api/v1/experts/" + e.id);
  return r;
}

ApiResponse create_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  auto& a = doc.GetAllocator();
  bool id_given = doc.HasMember("id");
  if (c.who.role == Role::kEnterprise) {
    if (!id_given) doc.AddMember("id", "pending", a);  // replaced by the service
    if (!doc.HasMember("enterprise")) doc.AddMember("enterprise", str(c.who.scope, a), a);
  }
  if (c.who.role == Role::kCounty && !doc.HasMember("county"))
    doc.AddMember("county", str(c.who.scope, a), a);
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) return from_status(Status::invalid(errors));
  auto created = c.context.service.create_problem(c.who, std::move(p), id_given);
  if (!created) return from_status(created.status());
  return one_problem(201, *created);
}

ApiResponse get_problem(const Call& c) {
  auto p = c.context.service.get_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  return one_problem(200, *p);
}

ApiResponse list_problems(const Call& c) {
  ProblemQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  if (!query_int(c, "urgency", 1, 5, &q.urgency, &error)) return error;
  if (!query_int(c, "min_urgency", 1, 5, &q.min_urgency, &error)) return error;
  q.county = query_str(c, "county");
  q.enterprise = query_str(c, "enterprise");
  if (auto s = query_str(c, "status")) {
    q.status = parse_problem_status(*s);
    if (!q.status) return bad_query("status", "status must be open, withdrawn or solved");
  }
  if (auto s = query_str(c, "sort")) q.sort = *s;
  auto page = c.context.service.list_problems(c.who, q);
  if (!page) {
    if (page.status().code() == ErrorCode::kInvalidArgument)
      return bad_query("sort", page.status().field_errors().front().reason);
    return from_status(page.status());
  }
  return page_response<Problem>(*page, q.offset, q.limit, problem_value);
}

ApiResponse update_problem(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  Problem p;
  std::vector<FieldError> errors;
  if (!problem_from_json(doc, "body", 0, &p, &errors)) {
    // A caller that may not see the problem learns nothing, not even that its body was wrong.
    auto visible = c.context.service.get_problem(c.who, c.params[0]);
    if (!visible) return from_status(visible.status());
    return from_status(Status::invalid(errors));
  }
  auto updated = c.context.service.update_problem(c.who, std::move(p));
  if (!updated) return from_status(updated.status());
  return one_problem(200, *updated);
}

ApiResponse withdraw_problem(const Call& c) {
  auto p = c.context.service.withdraw_problem(c.who, c.params[0]);
  if (!p) return from_status(p.status());
  return one_problem(200, *p);
}

ApiResponse problem_matches(const Call& c) {
  std::optional<int> k;
  ApiResponse error;
  if (!query_int(c, "k", 1, c.context.config.max_k, &k, &error)) return error;
  auto m =
      c.context.service.problem_matches(c.who, c.params[0], k.value_or(c.context.config.default_k));
  if (!m) return from_status(m.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("problem_id", str(m->problem.id, a), a);
  Value arr(rapidjson::kArrayType);
  bool any_good = false;
  for (const auto& em : m->matches) {
    Value v = expert_match_value(em, a);
    PairState st = m->states[em.expert_id];
    if (st == PairState::kAccepted)
      v.AddMember("review", "accepted", a);
    else
      v.AddMember("review", Value(rapidjson::kNullType), a);
    v.AddMember("remaining_capacity", m->remaining[em.expert_id], a);
    any_good = any_good || em.good_match;
    arr.PushBack(v, a);
  }
  d.AddMember("matches", arr, a);
  d.AddMember("good_match_found", any_good, a);
  d.AddMember("rejected_excluded", m->rejected_excluded, a);
  return json(200, d);
}

ApiResponse expert_matches(const Call& c) {
  std::optional<int> k;
  ApiResponse error;
  if (!query_int(c, "k", 1, c.context.config.max_k, &k, &error)) return error;
  auto m =
      c.context.service.expert_matches(c.who, c.params[0], k.value_or(c.context.config.default_k));
  if (!m) return from_status(m.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("expert_id", str(m->expert.id, a), a);
  d.AddMember("remaining_capacity", m->remaining_capacity, a);
  Value arr(rapidjson::kArrayType);
  for (const auto& pm : m->matches) arr.PushBack(problem_match_value(pm, a), a);
  d.AddMember("matches", arr, a);
  return json(200, d);
}

// Reads an optional string member; false (with `error`) if present but not a string.
bool member_string(const Value& obj, const char* name, std::string* out, ApiResponse* error,
                   size_t max_bytes = 1 << 16) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) {
    *error = error_response(422, "invalid_argument", "must be a string", name);
    return false;
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  if (out->size() > max_bytes) {
    *error = error_response(422, "invalid_argument",
                            "must be at most " + std::to_string(max_bytes) + " bytes", name);
    return false;
  }
  return true;
}

ApiResponse match_text(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  TextQuery q;
  std::string text;
  if (!member_string(doc, "text", &text, &error) ||
      !member_string(doc, "title", &q.title, &error) ||
      !member_string(doc, "description", &q.description, &error))
    return error;
  if (!text.empty()) q.description = q.description.empty() ? text : q.description + "\n" + text;
  if (auto it = doc.FindMember("keywords"); it != doc.MemberEnd()) {
    if (!it->value.IsArray())
      return error_response(422, "invalid_argument", "must be an array of strings", "keywords");
    for (const auto& v : it->value.GetArray()) {
      if (!v.IsString())
        return error_response(422, "invalid_argument", "must be an array of strings", "keywords");
      q.keywords.emplace_back(v.GetString(), v.GetStringLength());
    }
  }
  if (q.title.empty() && q.description.empty() && q.keywords.empty())
    return error_response(422, "invalid_argument",
                          "give at least one of text, title, description, keywords", "text");
  q.k = c.context.config.default_k;
  if (auto it = doc.FindMember("k"); it != doc.MemberEnd()) {
    if (!it->value.IsInt() || it->value.GetInt() < 1 || it->value.GetInt() > c.context.config.max_k)
      return error_response(
          422, "invalid_argument",
          "must be a whole number from 1 to " + std::to_string(c.context.config.max_k), "k");
    q.k = it->value.GetInt();
  }
  if (auto it = doc.FindMember("filters"); it != doc.MemberEnd()) {
    if (!it->value.IsObject())
      return error_response(422, "invalid_argument", "must be an object", "filters");
    const Value& f = it->value;
    std::string s;
    for (const char* name : {"county", "college", "title"}) {
      s.clear();
      if (!member_string(f, name, &s, &error)) {
        error = error_response(422, "invalid_argument", "must be a string",
                               std::string("filters.") + name);
        return error;
      }
      if (s.empty()) continue;
      if (!std::strcmp(name, "county")) q.filters.county = s;
      if (!std::strcmp(name, "college")) q.filters.college = s;
      if (!std::strcmp(name, "title")) q.filters.title = s;
    }
    if (auto y = f.FindMember("young_within_years"); y != f.MemberEnd()) {
      if (!y->value.IsInt() || y->value.GetInt() < 0)
        return error_response(422, "invalid_argument", "must be a whole number >= 0",
                              "filters.young_within_years");
      q.filters.young_within_years = y->value.GetInt();
    }
    if (auto r = f.FindMember("require_capacity"); r != f.MemberEnd()) {
      if (!r->value.IsBool())
        return error_response(422, "invalid_argument", "must be true or false",
                              "filters.require_capacity");
      q.filters.require_capacity = r->value.GetBool();
    }
  }
  auto ranked = c.context.service.match_text(c.who, q);
  if (!ranked) return from_status(ranked.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value arr(rapidjson::kArrayType);
  bool any_good = false;
  for (const auto& m : *ranked) {
    any_good = any_good || m.good_match;
    arr.PushBack(expert_match_value(m, a), a);
  }
  d.AddMember("matches", arr, a);
  d.AddMember("good_match_found", any_good, a);
  return json(200, d);
}

ApiResponse create_review(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  std::string expert_id, decision, note;
  if (!member_string(doc, "expert_id", &expert_id, &error) ||
      !member_string(doc, "decision", &decision, &error) ||
      !member_string(doc, "note", &note, &error, 4000))
    return error;
  // Whether the problem is visible decides before the body's content does.
  auto visible = c.context.service.get_problem(c.who, c.params[0]);
  if (!visible) return from_status(visible.status());
  if (expert_id.empty()) return error_response(422, "invalid_argument", "is required", "expert_id");
  if (decision.empty()) return error_response(422, "invalid_argument", "is required", "decision");
  auto r = c.context.service.add_review(c.who, c.params[0], expert_id, decision, note);
  if (!r) return from_status(r.status());
  rapidjson::Document d;
  return json(201, review_value(*r, d.GetAllocator()));
}

ApiResponse list_reviews(const Call& c) {
  auto reviews = c.context.service.reviews(c.who, c.params[0]);
  if (!reviews) return from_status(reviews.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("problem_id", str(c.params[0], a), a);
  Value arr(rapidjson::kArrayType);
  std::map<std::string, std::string> in_force;
  for (const auto& r : *reviews) {
    arr.PushBack(review_value(r, a), a);
    in_force[r.expert_id] = r.decision;
  }
  d.AddMember("reviews", arr, a);
  Value force(rapidjson::kObjectType);
  for (const auto& [expert, decision] : in_force)
    force.AddMember(str(expert, a), str(decision, a), a);
  d.AddMember("in_force", force, a);
  return json(200, d);
}

ApiResponse create_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return from_status(Status::invalid(errors));
  auto created = c.context.service.create_expert(c.who, std::move(e));
  if (!created) return from_status(created.status());
  return one_expert(201, *created);
}

ApiResponse get_expert(const Call& c) {
  auto e = c.context.service.get_expert(c.who, c.params[0]);
  if (!e) return from_status(e.status());
  return one_expert(200, *e);
}

ApiResponse list_experts(const Call& c) {
  ExpertQuery q;
  ApiResponse error;
  if (!page_params(c, &q.offset, &q.limit, &error)) return error;
  q.college = query_str(c, "college");
  q.field = query_str(c, "field");
  q.county = query_str(c, "county");
  if (auto s = query_str(c, "available")) {
    if (*s != "true" && *s != "false")
      return bad_query("available", "available must be true or false");
    q.available = *s == "true";
  }
  auto page = c.context.service.list_experts(c.who, q);
  if (!page) return from_status(page.status());
  return page_response<Expert>(*page, q.offset, q.limit, expert_value);
}

ApiResponse update_expert(const Call& c) {
  rapidjson::Document doc;
  ApiResponse error;
  if (!parse_json_body(c.request, &doc, &error)) return error;
  if (!bind_path_id(&doc, c.params[0], &error)) return error;
  Expert e;
  std::vector<FieldError> errors;
  if (!expert_from_json(doc, "body", 0, &e, &errors)) return from_status(Status::invalid(errors));
  auto updated = c.context.service.update_expert(c.who, std::move(e));
  if (!updated) return from_status(updated.status());
  return one_expert(200, *updated);
}

ApiResponse deactivate_expert(const Call& c) {
  auto e = c.context.service.deactivate_expert(c.who, c.params[0]);
  if (!e) return from_status(e.status());
  return one_expert(200, *e);
}

bool is_jsonl(const std::string& content_type) {
  std::string t = media_type(content_type);
  return t == "application/x-ndjson" || t == "application/jsonl" ||
         t == "application/x-jsonlines" || t == "application/json-lines";
}

ApiResponse import_response(const Result<ImportCounts>& counts) {
  if (!counts) return from_status(counts.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value imported(rapidjson::kObjectType);
  imported.AddMember("experts", static_cast<uint64_t>(counts->experts), a);
  imported.AddMember("problems", static_cast<uint64_t>(counts->problems), a);
  d.AddMember("imported", imported, a);
  return json(200, d);
}

ApiResponse unsupported_jsonl(const std::string& content_type) {
  return error_response(
      415, "unsupported_media_type",
      "the body must be JSON Lines (application/x-ndjson), got \"" + content_type + "\"");
}

// Invalid UTF-8 anywhere makes the whole body a bad request, before any record is read.
bool valid_utf8(const std::string& s) {
  size_t i = 0, n = s.size();
  while (i < n) {
    unsigned char c = s[i];
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : c & (0x7f >> len);
    for (int k = 1; k < len; ++k) {
      unsigned char cc = s[i + k];
      if ((cc >> 6) != 2) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
      return false;
    i += len;
  }
  return true;
}

ApiResponse import_experts(const Call& c) {
  if (c.who.role != Role::kAdmin)
    return error_response(403, "forbidden", "bulk import is for admin tokens");
  if (!is_jsonl(c.request.content_type)) return unsupported_jsonl(c.request.content_type);
  if (!valid_utf8(c.request.body))
    return error_response(400, "bad_request", "the body is not valid UTF-8");
  auto experts = parse_experts_jsonl(c.request.body, "body");
  if (!experts) return from_status(experts.status());
  return import_response(c.context.service.import(c.who, *experts, {}));
}

ApiResponse import_problems(const Call& c) {
  if (c.who.role != Role::kAdmin)
    return error_response(403, "forbidden", "bulk import is for admin tokens");
  if (!is_jsonl(c.request.content_type)) return unsupported_jsonl(c.request.content_type);
  if (!valid_utf8(c.request.body))
    return error_response(400, "bad_request", "the body is not valid UTF-8");
  auto problems = parse_problems_jsonl(c.request.body, "body");
  if (!problems) return from_status(problems.status());
  return import_response(c.context.service.import(c.who, {}, *problems));
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

// ---- workstation plans -------------------------------------------------------------

Value plan_record_value(const PlanRecord& r, bool with_plan, Alloc& a) {
  Value v(rapidjson::kObjectType);
  v.AddMember("id", static_cast<int64_t>(r.id), a);
  v.AddMember("status", str(plan_status_name(r.status), a), a);
  v.AddMember("county", str(r.county, a), a);
  v.AddMember("created_at", str(r.created_at, a), a);
  auto optional = [&](const std::string& s) {
    return s.empty() ? Value(rapidjson::kNullType) : str(s, a);
  };
  v.AddMember("approved_at", optional(r.approved_at), a);
  v.AddMember("approved_by", optional(r.approved_by), a);
  if (!with_plan) {
    // A list shows who and what at a glance; the plan itself has the reasons.
    v.AddMember("members", strings(r.members, a), a);
    Value topics(rapidjson::kArrayType);
    for (const auto& [problem, expert] : r.topics) {
      Value t(rapidjson::kObjectType);
      t.AddMember("problem_id", str(problem, a), a);
      t.AddMember("expert_id", str(expert, a), a);
      topics.PushBack(t, a);
    }
    v.AddMember("key_topics", topics, a);
  }
  rapidjson::Document body(&a);
  body.Parse(r.body_json.c_str(), r.body_json.size());
  if (body.HasParseError() || !body.IsObject()) {
    // plan_to_json wrote the body; should it be unreadable, "plan" is null, not a 500.
    v.AddMember("plan", Value(rapidjson::kNullType), a);
    return v;
  }
  if (with_plan) {
    v.AddMember("plan", Value(body, a), a);
  } else if (body.HasMember("summary") && body["summary"].IsString()) {
    v.AddMember("summary", Value(body["summary"], a), a);
  }
  return v;
}

ApiResponse one_plan(int status, const PlanRecord& r) {
  rapidjson::Document d;
  ApiResponse out = json(status, plan_record_value(r, true, d.GetAllocator()));
  if (status == 201) out.headers.emplace_back("Location", "/api/v1/plans/" + std::to_string(r.id));
  return out;
}

// A plan id from the path: digits only; anything else names no plan.
std::optional<long long> plan_id(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return std::stoll(s);
}

ApiResponse no_such_plan(const std::string& id) {
  return error_response(404, "not_found", "no plan with id " + id);
}

// Reads an optional whole number member within [lo, hi].
bool member_int(const Value& obj, const char* name, int lo, int hi, std::optional<int>* out,
                ApiResponse* error) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsInt() || it->value.GetInt() < lo || it->value.GetInt() > hi) {
    *error = error_response(
        422, "invalid_argument",
        "must be a whole number from " + std::to_string(lo) + " to " + std::to_string(hi), name);
    return false;
  }
  *out = it->value.GetInt();
  return true;
}

// The optional body of POST /counties/{county}/plans; false (with `error`) if invalid.
bool plan_options_from_body(const ApiRequest& req, PlanRunOptions* options, ApiResponse* error) {
  if (req.body.empty()) return true;  // all defaults
  rapidjson::Document doc;
  if (!parse_json_body(req, &doc, error)) return false;
  static const char* const kKnown[] = {"team_size", "min_team", "max_team",
                                       "topics",    "policy",   "replan_approved"};
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    if (std::none_of(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return name == k; })) {
      *error = error_response(422, "invalid_argument",
                              "unknown field; use team_size, min_team, max_team, topics, policy, "
                              "replan_approved",
                              name);
      return false;
    }
  }
  constexpr int kMaxTeam = 100;
  std::optional<int> team, min_team, max_team, topics;
  if (!member_int(doc, "team_size", 1, kMaxTeam, &team, error) ||
      !member_int(doc, "min_team", 0, kMaxTeam, &min_team, error) ||
      !member_int(doc, "max_team", 1, kMaxTeam, &max_team, error) ||
      !member_int(doc, "topics", 1, 2, &topics, error))
    return false;
  PlanningOptions& p = options->planning;
  if (team && (min_team || max_team)) {
    *error =
        error_response(422, "invalid_argument",
                       "give team_size (exactly N) or min_team/max_team, not both", "team_size");
    return false;
  }
  if (team) p.min_team_size = p.max_team_size = *team;
  if (min_team) p.min_team_size = *min_team;
  if (max_team) p.max_team_size = *max_team;
  if (p.min_team_size > p.max_team_size) {
    *error = error_response(422, "invalid_argument",
                            "must be at most max_team (" + std::to_string(p.max_team_size) + ")",
                            "min_team");
    return false;
  }
  if (topics) p.max_topics_per_enterprise = *topics;
  if (auto it = doc.FindMember("policy"); it != doc.MemberEnd() && !it->value.IsNull()) {
    std::optional<CountyPolicy> policy;
    if (it->value.IsString()) policy = parse_county_policy(it->value.GetString());
    if (!policy) {
      *error = error_response(422, "invalid_argument", "must be \"prefer\", \"only\" or \"any\"",
                              "policy");
      return false;
    }
    p.county_policy = *policy;
  }
  if (auto it = doc.FindMember("replan_approved"); it != doc.MemberEnd() && !it->value.IsNull()) {
    if (!it->value.IsBool()) {
      *error = error_response(422, "invalid_argument", "must be true or false", "replan_approved");
      return false;
    }
    options->keep_approved = !it->value.GetBool();
  }
  return true;
}

// The planner's option names, as the body spells them.
ApiResponse plan_error(const Status& s) {
  if (s.code() != ErrorCode::kInvalidArgument || s.field_errors().empty()) return from_status(s);
  static const std::map<std::string, std::string> kBodyName = {
      {"min_team_size", "min_team"},
      {"max_team_size", "max_team"},
      {"max_topics_per_enterprise", "topics"}};
  std::vector<FieldError> errors = s.field_errors();
  for (auto& e : errors)
    if (auto it = kBodyName.find(e.field); it != kBodyName.end()) e.field = it->second;
  return from_status(Status::invalid(std::move(errors)));
}

ApiResponse create_plan(const Call& c) {
  const std::string& county = c.params[0];
  PlanRunOptions options;
  ApiResponse error;
  if (!plan_options_from_body(c.request, &options, &error)) {
    // Whoever may not plan here learns that first, whatever the body says.
    if (!can_write_plans(c.who, county))
      return from_status(c.context.service.create_plan(c.who, county, {}).status());
    return error;
  }
  auto made = c.context.service.create_plan(c.who, county, std::move(options));
  if (!made) return plan_error(made.status());
  return one_plan(201, *made);
}

ApiResponse get_plan(const Call& c) {
  auto id = plan_id(c.params[0]);
  if (!id) return no_such_plan(c.params[0]);
  auto plan = c.context.service.get_plan(c.who, *id);
  if (!plan) return from_status(plan.status());
  return one_plan(200, *plan);
}

ApiResponse approve_plan(const Call& c) {
  auto id = plan_id(c.params[0]);
  if (!id) return no_such_plan(c.params[0]);
  auto plan = c.context.service.approve_plan(c.who, *id);
  if (!plan) return from_status(plan.status());
  return one_plan(200, *plan);
}

ApiResponse list_plans(const Call& c) {
  auto plans = c.context.service.list_plans(c.who, c.params[0]);
  if (!plans) return from_status(plans.status());
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  d.AddMember("county", str(c.params[0], a), a);
  Value items(rapidjson::kArrayType);
  for (const auto& r : *plans) items.PushBack(plan_record_value(r, false, a), a);
  d.AddMember("items", items, a);
  return json(200, d);
}

// ---- the route table -------------------------------------------------------------

struct Route {
  const char* method;
  const char* pattern;  // "{id}" matches one path segment
  ApiResponse (*handler)(const Call&);
  bool authenticated;
};

const Route kRoutes[] = {
    {"GET", "/healthz", healthz, false},
    {"GET", "/readyz", readyz, false},
    {"GET", "/metrics", metrics, false},
    {"GET", "/api/v1/whoami", whoami, true},
    {"GET", "/api/v1/problems", list_problems, true},
    {"POST", "/api/v1/problems", create_problem, true},
    {"GET", "/api/v1/problems/{id}", get_problem, true},
    {"PUT", "/api/v1/problems/{id}", update_problem, true},
    {"POST", "/api/v1/problems/{id}/withdraw", withdraw_problem, true},
    {"GET", "/api/v1/problems/{id}/matches", problem_matches, true},
    {"GET", "/api/v1/problems/{id}/reviews", list_reviews, true},
    {"POST", "/api/v1/problems/{id}/reviews", create_review, true},
    {"GET", "/api/v1/experts", list_experts, true},
    {"POST", "/api/v1/experts", create_expert, true},
    {"GET", "/api/v1/experts/{id}", get_expert, true},
    {"PUT", "/api/v1/experts/{id}", update_expert, true},
    {"POST", "/api/v1/experts/{id}/deactivate", deactivate_expert, true},
    {"GET", "/api/v1/experts/{id}/matches", expert_matches, true},
    {"POST", "/api/v1/match", match_text, true},
    {"POST", "/api/v1/import/experts", import_experts, true},
    {"POST", "/api/v1/import/problems", import_problems, true},
    {"GET", "/api/v1/export/experts", export_experts, true},
    {"GET", "/api/v1/export/problems", export_problems, true},
    {"GET", "/api/v1/counties/{id}/plans", list_plans, true},
    {"POST", "/api/v1/counties/{id}/plans", create_plan, true},
    {"GET", "/api/v1/plans/{id}", get_plan, true},
    {"POST", "/api/v1/plans/{id}/approve", approve_plan, true},
};

bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string>& path,
                   std::vector<std::string>* params) {
  if (pattern.size() != path.size()) return false;
  params->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == "{id}") {
      if (path[i].empty()) return false;
      params->push_back(path[i]);
    } else if (pattern[i] != path[i]) {
      return false;
    }
  }
  return true;
}

ApiResponse dispatch(const RequestContext& context, const ApiRequest& req) {
  std::string path;
  std::map<std::string, std::string> query;
  if (req.target.empty() || req.target[0] != '/' || !parse_target(req.target, &path, &query))
    return error_response(400, "bad_request", "the request target is not a valid path");
  auto segments = split_path(path);
  const Route* found = nullptr;
  std::string allow;
  std::vector<std::string> params;
  for (const auto& r : kRoutes) {
    std::vector<std::string> p;
    if (!match_pattern(split_path(r.pattern), segments, &p)) continue;
    if (req.method == r.method) {
      found = &r;
      params = std::move(p);
      break;
    }
    allow += allow.empty() ? r.method : std::string(", ") + r.method;
  }
  if (!found) {
    if (allow.empty()) return error_response(404, "not_found", "no such resource: " + path);
    ApiResponse r = error_response(405, "method_not_allowed",
                                   req.method + " is not allowed here; use " + allow);
    r.headers.emplace_back("Allow", allow);
    for (const auto& route : kRoutes) {
      std::vector<std::string> p;
      if (match_pattern(split_path(route.pattern), segments, &p)) {
        r.route = route.pattern;
        break;
      }
    }
    return r;
  }
  Call call{req, context, Principal{}, path, std::move(query), std::move(params)};
  if (found->authenticated) {
    auto who = context.service.authenticate(req.authorization);
    if (!who) {
      if (who.status().code() != ErrorCode::kPermissionDenied) {
        ApiResponse r = from_status(who.status());
        r.route = found->pattern;
        return r;
      }
      ApiResponse r = error_response(401, "unauthenticated", who.status().message());
      r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"expertmatch\"");
      r.route = found->pattern;
      return r;
    }
    call.who = *who;
  }
  ApiResponse r = found->handler(call);
  r.route = found->pattern;
  return r;
}

}  // namespace

ApiResponse error_response(int status, const std::string& code, const std::string& message,
                           const std::string& field) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  Value e(rapidjson::kObjectType);
  e.AddMember("code", str(code, a), a);
  e.AddMember("message", str(message, a), a);
  e.AddMember("field", str(field, a), a);
  d.AddMember("error", e, a);
  return json(status, d);
}

ApiResponse handle_request(const RequestContext& context, const ApiRequest& request) {
  try {
    return dispatch(context, request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "expertmatch serve: handler failed: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "expertmatch serve: handler failed\n");
  }
  return error_response(500, "internal", "internal error; the operator's log has the details");
}

size_t body_limit_for(const ServerConfig& config, const std::string& method,
                      const std::string& target) {
  if (method == "POST" && target.rfind("/api/v1/import/", 0) == 0) return config.import_limit_bytes;
  return config.body_limit_bytes;
}

}  // namespace expertmatch::api
