#include "api/handlers/common.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "api/request_reader.h"
#include "corpus/json_reader.h"

namespace expertmatch::api::handlers {

using rapidjson::Value;

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

ApiResponse record_response(int status, const Value& v, const std::string& location) {
  ApiResponse r = json(status, v);
  if (status == 201) r.headers.emplace_back("Location", location);
  return r;
}

Value strings(const std::vector<std::string>& values, Alloc& a) {
  Value arr(rapidjson::kArrayType);
  for (const auto& s : values) arr.PushBack(str(s, a), a);
  return arr;
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
    case ErrorCode::kUnauthenticated:
      return 401;
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
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
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

// A status's words: its catalogue message, or (a status made from plain
// text, by code below the API such as the store) its text, which localize()
// replaces by the words for its HTTP status and logs.
i18n::Message user_message(const Status& s) {
  return s.user_message().empty() ? i18n::Message(s.message()) : s.user_message();
}

i18n::Message reason_message(const FieldError& e) {
  return e.message.empty() ? i18n::Message(e.reason) : e.message;
}

ApiResponse from_status(const Status& s) {
  int status = http_status(s.code());
  if (status == 500) {
    // The detail goes to the operator's log, not to the client.
    std::fprintf(stderr, "expertmatch serve: internal error: %s\n", s.to_string().c_str());
    return error_response(500, "internal", "error.internal");
  }
  if (s.code() == ErrorCode::kUnauthenticated) {
    // A credential that lapsed while its request waited (Service::still_authorised).
    ApiResponse r = error_response(status, http_code_name(status, s.code()), user_message(s));
    r.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"expertmatch\"");
    return r;
  }
  if (s.field_errors().empty())
    return error_response(status, http_code_name(status, s.code()), user_message(s));
  const FieldError& first = s.field_errors().front();
  ApiResponse r =
      error_response(status, http_code_name(status, s.code()), reason_message(first), first.field);
  // Every field error, with its line for JSON Lines bodies.
  for (const auto& fe : s.field_errors())
    r.error->details.push_back({fe.field, reason_message(fe), fe.line});
  localize(&r, i18n::Language::kZh);
  return r;
}

ApiResponse bad_query(const std::string& field, const i18n::Message& message) {
  return error_response(400, "bad_request", message, field);
}

std::string session_cookie(const ServerConfig& config, const std::string& id) {
  std::string out = std::string(kSessionCookie) + "=" + id + "; HttpOnly; SameSite=Strict; Path=/";
  if (id.empty()) out += "; Max-Age=0";
  if (config.cookie_secure) out += "; Secure";
  return out;
}

std::string cookie_value(const std::string& header, const std::string& name) {
  size_t start = 0;
  while (start < header.size()) {
    size_t end = header.find(';', start);
    if (end == std::string::npos) end = header.size();
    size_t b = header.find_first_not_of(' ', start);
    if (b < end) {
      size_t eq = header.find('=', b);
      if (eq < end && header.compare(b, eq - b, name) == 0)
        return header.substr(eq + 1, end - eq - 1);
    }
    start = end + 1;
  }
  return "";
}

std::string device_cookie(const ServerConfig& config, const std::string& value) {
  // Only the sign-in route needs it, so only it is sent the cookie; it
  // outlives sign-out (that is its purpose) and the session's idle time.
  std::string out = std::string(kDeviceCookie) + "=" + value +
                    "; HttpOnly; SameSite=Strict; Path=/api/v1/sessions; Max-Age=" +
                    std::to_string(86400LL * config.login_device_days);
  if (config.cookie_secure) out += "; Secure";
  return out;
}

bool origin_allowed(const ApiRequest& req) {
  if (req.origin.empty()) return true;
  std::string origin = req.origin;
  for (auto& ch : origin) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  std::string host = req.host;
  for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (host.empty()) return false;
  return origin == "http://" + host || origin == "https://" + host;
}

std::string media_type(const std::string& content_type) {
  MediaType t;
  return parse_media_type(content_type, &t) ? t.type : std::string();
}

bool utf8_charset(const std::string& content_type, ApiResponse* error) {
  MediaType t;
  if (!parse_media_type(content_type, &t)) return true;  // media_type() refused it already
  auto why = check_json_charset(t);
  if (why) *error = error_response(415, "unsupported_media_type", *why);
  return !why;
}

// Every JSON body is read by corpus/json_reader.h, the reader the JSON Lines
// importer uses too: one set of rules whichever endpoint reads it.
bool parse_json_body(const ApiRequest& req, rapidjson::Document* doc, ApiResponse* error,
                     bool merge_patch) {
  std::string type = media_type(req.content_type);
  if (type != "application/json" && !(merge_patch && type == "application/merge-patch+json")) {
    *error = error_response(415, "unsupported_media_type",
                            {merge_patch ? "request.not_json_or_patch" : "request.not_json",
                             {{"content_type", req.content_type}}});
    return false;
  }
  if (!utf8_charset(req.content_type, error)) return false;
  JsonError e;
  if (!read_json(req.body, doc, &e)) {
    switch (e.kind) {
      case JsonErrorKind::kBadString:
      case JsonErrorKind::kDuplicateKey:
        // Well-formed JSON whose data is refused: like any other invalid field.
        *error = error_response(422, "invalid_argument", e.message, e.field);
        break;
      case JsonErrorKind::kSyntax:
      case JsonErrorKind::kTooLarge:
      case JsonErrorKind::kTooDeep:
        *error = error_response(
            400, "bad_request",
            i18n::Message(e.kind == JsonErrorKind::kSyntax ? "request.body_is" : "request.body_has")
                .with("reason", e.message),
            e.field);
        break;
    }
    return false;
  }
  if (!doc->IsObject()) {
    *error = error_response(400, "bad_request", "request.body_not_object");
    return false;
  }
  return true;
}

// An optional integer query parameter within [lo, hi].
bool query_bool(const Call& c, const char* name, std::optional<bool>* out, ApiResponse* error) {
  auto s = query_str(c, name);
  if (!s) return true;
  if (*s != "true" && *s != "false") {
    *error = bad_query(name, {"query.bool", {{"name", name}}});
    return false;
  }
  *out = *s == "true";
  return true;
}

bool query_int(const Call& c, const char* name, int lo, int hi, std::optional<int>* out,
               ApiResponse* error) {
  auto it = c.query.find(name);
  if (it == c.query.end()) return true;
  const std::string& s = it->second;
  char* end = nullptr;
  errno = 0;
  long v = s.empty() ? 0 : std::strtol(s.c_str(), &end, 10);
  if (s.empty() || errno != 0 || *end != '\0' || v < lo || v > hi) {
    *error = bad_query(
        name,
        {"query.int_range",
         {{"name", name}, {"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}, {"value", s}}});
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

namespace {
// A rapidjson output stream that only counts.
struct CountingStream {
  using Ch = char;
  size_t n = 0;
  void Put(Ch) { ++n; }
  void Flush() {}
};
}  // namespace

size_t json_size(const rapidjson::Value& v) {
  CountingStream out;
  rapidjson::Writer<CountingStream> writer(out);
  v.Accept(writer);
  return out.n;
}

bool page_params(const Call& c, size_t* offset, size_t* limit, ApiResponse* error) {
  std::optional<int> o, l;
  if (!query_int(c, "offset", 0, 1 << 30, &o, error)) return false;
  if (!query_int(c, "limit", 1, c.context.config.max_page_size, &l, error)) return false;
  *offset = o.value_or(0);
  *limit = l.value_or(c.context.config.default_page_size);
  return true;
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
    *error = error_response(422, "invalid_argument", "field.id_mismatch", "id");
    return false;
  }
  return true;
}

bool member_string(const Value& obj, const char* name, std::string* out, ApiResponse* error,
                   size_t max_bytes) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsString()) {
    *error = error_response(422, "invalid_argument", "field.not_string", name);
    return false;
  }
  out->assign(it->value.GetString(), it->value.GetStringLength());
  if (out->size() > max_bytes) {
    *error = error_response(422, "invalid_argument",
                            {"field.too_long", {{"max", std::to_string(max_bytes)}}}, name);
    return false;
  }
  return true;
}

namespace {

// A refusal: the caller's own excess is 429 with Retry-After; the server's
// overload (the wait for a total slot ran out) is 503, which says nothing
// about any one tenant.
bool admit(const Call& c, ExpensiveSlots& slots, const char* caller_message,
           std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error) {
  ExpensiveSlots::Refusal why;
  *slot = slots.acquire(c.who.describe(), &why);
  if (*slot) return true;
  std::string seconds = std::to_string(c.context.config.expensive_retry_after_s);
  if (why == ExpensiveSlots::Refusal::kCaller)
    *error = error_response(429, "too_many_requests", {caller_message, {{"seconds", seconds}}});
  else
    *error = error_response(503, "unavailable", {"request.busy_server", {{"seconds", seconds}}});
  error->headers.emplace_back("Retry-After", seconds);
  return false;
}

}  // namespace

bool admit_expensive(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error) {
  return admit(c, c.context.expensive, "request.busy_caller", slot, error);
}

bool admit_ranking(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error) {
  return admit(c, c.context.ranking, "request.busy_ranking", slot, error);
}

bool admit_list(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error) {
  return admit(c, c.context.ranking, "request.busy_list", slot, error);
}

bool echoes_confirmation(std::optional<bool> sent, bool current, bool city_confirmed_a_version) {
  return !sent || *sent == current || (*sent && city_confirmed_a_version);
}

Status take_verified(rapidjson::Value& body, std::optional<bool>* out) {
  if (!body.IsObject()) return Status::ok();
  auto it = body.FindMember("verified");
  if (it == body.MemberEnd()) return Status::ok();
  if (!it->value.IsNull()) {
    if (!it->value.IsBool()) return Status::invalid("verified", "field.not_bool");
    *out = it->value.GetBool();
  }
  body.RemoveMember(it);
  return Status::ok();
}

ApiResponse server_owned_field(const std::string& field) {
  return error_response(422, "invalid_argument", "field.server_owned", field);
}

bool check_members(const Value& obj, const std::vector<const char*>& known,
                   const std::vector<const char*>& server_owned, ApiResponse* error,
                   const std::string& path) {
  std::string known_list;
  for (const char* k : known) known_list += (known_list.empty() ? "" : ", ") + std::string(k);
  for (const auto& m : obj.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    auto is = [&](const char* k) { return name == k; };
    if (std::any_of(server_owned.begin(), server_owned.end(), is)) {
      *error = server_owned_field(path + name);
      return false;
    }
    if (std::none_of(known.begin(), known.end(), is)) {
      *error = error_response(422, "invalid_argument", {"field.unknown", {{"known", known_list}}},
                              path + name);
      return false;
    }
  }
  return true;
}

// Reads an optional whole number member within [lo, hi].
bool member_int(const Value& obj, const char* name, int lo, int hi, std::optional<int>* out,
                ApiResponse* error) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return true;
  if (!it->value.IsInt() || it->value.GetInt() < lo || it->value.GetInt() > hi) {
    *error = error_response(
        422, "invalid_argument",
        {"field.int_range", {{"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}}}, name);
    return false;
  }
  *out = it->value.GetInt();
  return true;
}

void apply_merge_patch(Value& target, const Value& patch, Alloc& a) {
  if (!patch.IsObject()) {
    target.CopyFrom(patch, a);
    return;
  }
  if (!target.IsObject()) target.SetObject();
  for (const auto& m : patch.GetObject()) {
    auto it = target.FindMember(m.name);
    if (m.value.IsNull()) {
      if (it != target.MemberEnd()) target.RemoveMember(it);
    } else if (it != target.MemberEnd()) {
      apply_merge_patch(it->value, m.value, a);
    } else {
      Value name(m.name, a);
      Value value(rapidjson::kNullType);
      apply_merge_patch(value, m.value, a);
      target.AddMember(name, value, a);
    }
  }
}

Status merge_into_record(const Value& patch, const std::string& path_id, rapidjson::Document* doc) {
  apply_merge_patch(*doc, patch, doc->GetAllocator());
  auto id = doc->FindMember("id");
  if (id == doc->MemberEnd() || !id->value.IsString() || path_id != id->value.GetString())
    return Status::invalid({FieldError{"body", 0, "id", "field.id_mismatch"}});
  return Status::ok();
}

Status require_members(const Value& doc, const std::vector<const char*>& names) {
  std::vector<FieldError> errors;
  for (const char* n : names)
    if (!doc.HasMember(n)) errors.push_back(FieldError{"body", 0, n, "field.required_put"});
  return errors.empty() ? Status::ok() : Status::invalid(std::move(errors));
}

bool report_format(const Call& c, std::string* format, ApiResponse* error) {
  *format = query_str(c, "format").value_or("json");
  if (*format == "json" || *format == "xlsx" || *format == "csv") return true;
  *error = bad_query("format", {"query.format", {{"value", *format}}});
  return false;
}

ApiResponse file_response(const std::string& content_type, const std::string& filename,
                          std::string bytes) {
  ApiResponse r;
  r.status = 200;
  r.content_type = content_type;
  r.body = std::move(bytes);
  // RFC 6266 / 8187: an ASCII fallback and the UTF-8 name percent-encoded.
  std::string encoded;
  bool all_ascii = true;
  static const char kHex[] = "0123456789ABCDEF";
  for (unsigned char ch : filename) {
    bool plain = std::isalnum(ch) || ch == '-' || ch == '.' || ch == '_';
    encoded += plain ? std::string(1, static_cast<char>(ch))
                     : std::string("%") + kHex[ch >> 4] + kHex[ch & 15];
    all_ascii = all_ascii && plain;
  }
  // Clients without RFC 8187 get a plain name of the same type.
  size_t dot = filename.rfind('.');
  std::string ascii =
      all_ascii ? filename : "expertmatch" + (dot == std::string::npos ? "" : filename.substr(dot));
  r.headers.emplace_back("Content-Disposition",
                         "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded);
  return r;
}

}  // namespace expertmatch::api::handlers
