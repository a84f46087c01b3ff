// Shared by the API's handler files (api/handlers/*.cpp): the parsed request a
// handler receives, JSON output, the one mapping of domain errors to HTTP
// statuses, and the readers of query parameters and JSON bodies. Internal to
// api/; nothing outside api/ includes it.
//
// Every reader returns false and fills `error` with the response to send
// when the input is refused; it never throws.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "api/access.h"
#include "api/routes.h"
#include "corpus/exchange_format.h"
#include "corpus/status.h"

namespace expertmatch::api::handlers {

using Alloc = rapidjson::Document::AllocatorType;

// One routed request, as a handler sees it.
struct Call {
  ApiRequest& request;  // the handler may move the body out
  const RequestContext& context;
  Principal who;  // the authenticated caller (admin for unauthenticated routes)
  std::string path;
  std::map<std::string, std::string> query;  // decoded query parameters
  std::vector<std::string> params;           // the {id} segments, in order
  std::optional<SessionCaller> session;      // set when signed in by cookie, not by token
  // The caller's language (Accept-Language, else the `language` setting):
  // for messages a handler puts in a successful answer.
  i18n::Language language = i18n::Language::kZh;
};

// ---- sessions ----
inline constexpr const char* kSessionCookie = "em_session";
// The Set-Cookie value for session `id` (HttpOnly, SameSite=Strict, Path=/,
// Secure if configured); an empty `id` clears the cookie.
std::string session_cookie(const ServerConfig& config, const std::string& id);
// The device cookie (api/accounts.h, device tokens): sent back on sign-in
// only, HttpOnly, SameSite=Strict, Path=/api/v1/sessions, kept
// login_device_days, Secure if configured.
inline constexpr const char* kDeviceCookie = "em_device";
std::string device_cookie(const ServerConfig& config, const std::string& value);
// The value of cookie `name` in a Cookie header (RFC 6265 5.4), "" if absent.
std::string cookie_value(const std::string& header, const std::string& name);
// True if the request has no Origin header or one naming this server's Host.
bool origin_allowed(const ApiRequest& req);

// ---- JSON output ----
std::string dump(const rapidjson::Value& v);
rapidjson::Value str(const std::string& s, Alloc& a);
ApiResponse json(int status, const rapidjson::Value& v);
// One record's answer: json(status, v), and for a 201 (created) the
// Location of the new record (`location`, e.g. "/api/v1/experts/e-1").
ApiResponse record_response(int status, const rapidjson::Value& v, const std::string& location);
rapidjson::Value strings(const std::vector<std::string>& values, Alloc& a);

// ---- errors: the only place a domain ErrorCode becomes an HTTP status ----
int http_status(ErrorCode code);
// A field error's reason as a catalogue message (its text as it is if it has none).
i18n::Message reason_message(const FieldError& error);
// A 500's detail goes to the operator's log (stderr), never to the client.
ApiResponse from_status(const Status& s);
// 400 for a bad query parameter `field`.
ApiResponse bad_query(const std::string& field, const i18n::Message& message);

// ---- expensive requests (api/expensive_slots.h) ----
// A slot for an expensive request of this caller (waiting while the server
// runs as many as it may), or false with `error` set: 429 with Retry-After
// for the caller's own excess, 503 with Retry-After when the wait ran out.
// Hold the slot until the work is done.
bool admit_expensive(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error);
// The same for a ranking request (POST /match, GET .../matches): a per-caller
// bound only (429 over it), so one caller cannot hold every worker.
bool admit_ranking(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error);
// The same for a list with filters and search (GET /problems, GET /experts),
// which scans every record: it shares the ranking requests' per-caller bound
// (ranking_per_caller), so one caller's rankings and lists together never
// hold every worker; over it is 429 with Retry-After.
bool admit_list(const Call& c, std::optional<ExpensiveSlots::Slot>* slot, ApiResponse* error);

// ---- request parsing ----
// The media type of a Content-Type value, lowercased, without parameters
// (api/request_reader.h parse_media_type); "" if the value is malformed.
std::string media_type(const std::string& content_type);
// False (with a 415 in `error`) if a JSON or JSON Lines body's Content-Type
// names a charset other than UTF-8 (RFC 8259 8.1).
bool utf8_charset(const std::string& content_type, ApiResponse* error);
// Parses an application/json object body (also application/merge-patch+json
// when `merge_patch`: PATCH bodies).
bool parse_json_body(const ApiRequest& req, rapidjson::Document* doc, ApiResponse* error,
                     bool merge_patch = false);
// JSON Merge Patch (RFC 7396, section 2): applies `patch` to `target` in
// place. An object patch merges member by member, null removes a member, any
// other value replaces the target.
void apply_merge_patch(rapidjson::Value& target, const rapidjson::Value& patch, Alloc& a);
// merge_patched's step after rendering: `doc` holds the current record.
Status merge_into_record(const rapidjson::Value& patch, const std::string& path_id,
                         rapidjson::Document* doc);
// The body a PATCH of a stored record gives: `current` as the exchange format
// renders it (to_json_value, corpus/exchange_format.h) with `patch` merged in
// (apply_merge_patch), written to `doc`. kInvalidArgument (field "id",
// field.id_mismatch) when the patched body's "id" is missing or is not
// `path_id`: a patch may not move a record to another id. `Record` is Expert
// or Problem.
template <typename Record>
Status merge_patched(const Record& current, const rapidjson::Value& patch,
                     const std::string& path_id, rapidjson::Document* doc) {
  to_json_value(current, doc, doc->GetAllocator());
  return merge_into_record(patch, path_id, doc);
}
// kInvalidArgument with a FieldError for each member a PUT body lacks (null
// counts as given): PUT replaces the whole record; PATCH changes some fields.
Status require_members(const rapidjson::Value& doc, const std::vector<const char*>& names);
// The ?format= of a report: "json" (default), "xlsx" or "csv"; false (with
// `error`) for anything else.
bool report_format(const Call& c, std::string* format, ApiResponse* error);
// A downloadable file (Content-Disposition: attachment; filename*=UTF-8''...).
ApiResponse file_response(const std::string& content_type, const std::string& filename,
                          std::string bytes);
// An optional integer query parameter within [lo, hi].
bool query_int(const Call& c, const char* name, int lo, int hi, std::optional<int>* out,
               ApiResponse* error);
std::optional<std::string> query_str(const Call& c, const char* name);
// A "true"/"false" query parameter: false (with a 400 naming it in `error`)
// for anything else; `out` unset when absent.
bool query_bool(const Call& c, const char* name, std::optional<bool>* out, ApiResponse* error);
// offset (>= 0) and limit (1..max_page_size) query parameters.
bool page_params(const Call& c, size_t* offset, size_t* limit, ApiResponse* error);
// Puts `id` into the body if absent; false (with `error`) if it names another id.
bool bind_path_id(rapidjson::Document* doc, const std::string& id, ApiResponse* error);
// An optional string member (absent or null leaves `out` alone), at most `max_bytes`.
bool member_string(const rapidjson::Value& obj, const char* name, std::string* out,
                   ApiResponse* error, size_t max_bytes = 1 << 16);
// The members of a body with a fixed shape: one the server sets itself
// (`server_owned`: ids, who and when) is a 422 field.server_owned naming it,
// any other not in `known` a 422 field.unknown. False (with `error`) if one is.
// `path` prefixes the field named in the error ("filters." for a nested object).
bool check_members(const rapidjson::Value& obj, const std::vector<const char*>& known,
                   const std::vector<const char*>& server_owned, ApiResponse* error,
                   const std::string& path = "");
// A 422 for a member the server sets and the caller may not: `field`.
ApiResponse server_owned_field(const std::string& field);
// `verified` (Expert::verified, Problem::verified) is the store's, not an
// exchange-format field: taken out of a body before the record is read, so
// that it never lands among the unknown fields the record keeps. Absent or
// null leaves `out` unset; anything but a boolean is kInvalidArgument.
Status take_verified(rapidjson::Value& body, std::optional<bool>* out);
// Whether a `verified` sent by someone who may not set it (not admin) only
// echoes a read of the record: its current value, or true on a record whose
// edit awaits the city (`city_confirmed_a_version`: it was read while
// confirmed and is sent again, as a repeated PUT is). Such a value decides
// nothing; the service keeps or withdraws the confirmation.
bool echoes_confirmation(std::optional<bool> sent, bool current, bool city_confirmed_a_version);
// An optional whole-number member within [lo, hi].
bool member_int(const rapidjson::Value& obj, const char* name, int lo, int hi,
                std::optional<int>* out, ApiResponse* error);

// Bytes `v` takes when written as compact JSON (what json() sends).
size_t json_size(const rapidjson::Value& v);

// {"items": [...], "total": N, "offset": O, "limit": L}. A page holds at
// most `limit` items and, past its first item, at most `max_bytes` of them:
// records of tens of kilobytes would otherwise make a 500-item page (and a
// review queue that repeats each problem beside each expert) tens of
// megabytes, held per connection while a slow client reads it. When fewer
// items fit, "limit" says how many were sent, so offset + limit is the next
// page either way.
template <typename T>
ApiResponse page_response(const Page<T>& page, size_t offset, size_t limit, size_t max_bytes,
                          rapidjson::Value (*render)(const T&, Alloc&)) {
  rapidjson::Document d(rapidjson::kObjectType);
  auto& a = d.GetAllocator();
  rapidjson::Value items(rapidjson::kArrayType);
  size_t bytes = 0;
  size_t sent = 0;
  for (const auto& item : page.items) {
    rapidjson::Value v = render(item, a);
    bytes += json_size(v) + 1;
    if (sent > 0 && bytes > max_bytes) break;
    items.PushBack(v, a);
    ++sent;
  }
  if (sent < page.items.size()) limit = sent;
  d.AddMember("items", items, a);
  d.AddMember("total", static_cast<uint64_t>(page.total), a);
  d.AddMember("offset", static_cast<uint64_t>(offset), a);
  d.AddMember("limit", static_cast<uint64_t>(limit), a);
  return json(200, d);
}

}  // namespace expertmatch::api::handlers
