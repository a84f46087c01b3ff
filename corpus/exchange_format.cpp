#include "corpus/exchange_format.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "corpus/json_reader.h"
#include "corpus/utf8.h"

namespace expertmatch {
namespace {

// Short rendering of an offending value for messages: "high", 3.5, [..].
std::string describe(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  std::string s = buf.GetString();
  if (s.size() > 60) {
    size_t cut = 57;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 boundary
    s = s.substr(0, cut) + "...";
  }
  return s;
}

// Bounds on unknown fields (kept as extra_json and returned to every client).
constexpr size_t kMaxExtraDepth = 16;
constexpr size_t kMaxExtraBytes = 64 * 1024;
// Unknown fields are re-read from the store, where rows written under older
// rules may hold characters the boundary refuses today: they stay readable.
const JsonLimits kExtraLimits{kMaxExtraDepth + 1, kMaxExtraBytes, /*xml_text=*/false};

std::string compact(const rapidjson::Value& v) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  v.Accept(w);
  return buf.GetString();
}

bool is_blank(std::string_view s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return false;
  return true;
}

bool is_valid_date(const std::string& s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (int i : {0, 1, 2, 3, 5, 6, 8, 9})
    if (s[i] < '0' || s[i] > '9') return false;
  int y = std::stoi(s.substr(0, 4)), m = std::stoi(s.substr(5, 2)), d = std::stoi(s.substr(8, 2));
  if (m < 1 || m > 12 || d < 1) return false;
  static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  int max_day = (m == 2 && !leap) ? 28 : kDays[m - 1];
  return d <= max_day;
}

// Field-by-field validation of one object, collecting errors rather than stopping.
class ObjectReader {
 public:
  ObjectReader(const rapidjson::Value& obj, const std::string& source, int line,
               std::vector<FieldError>* errors, std::string prefix = "")
      : obj_(obj), source_(source), line_(line), errors_(errors), prefix_(std::move(prefix)) {
    std::set<std::string> seen;
    for (auto it = obj_.MemberBegin(); it != obj_.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      if (!seen.insert(key).second) fail(key, "field.duplicate_key");
    }
  }

  void fail(const std::string& field, i18n::Message reason) {
    errors_->push_back({source_, line_, prefix_ + field, std::move(reason)});
    ok_ = false;
  }
  bool ok() const { return ok_; }

  const rapidjson::Value* find(const char* key) {
    known_.insert(key);
    auto it = obj_.FindMember(key);
    if (it == obj_.MemberEnd() || it->value.IsNull()) return nullptr;
    return &it->value;
  }

  // `max_bytes`: RecordLimits' bound for the field.
  void string(const char* key, std::string* out, bool required, bool non_empty, size_t max_bytes) {
    const rapidjson::Value* v = find(key);
    if (!v) {
      if (required) fail(key, "field.required");
      return;
    }
    if (!v->IsString()) return fail(key, {"field.not_string_got", {{"value", describe(*v)}}});
    if (v->GetStringLength() > max_bytes)
      return fail(key, too_long(v->GetStringLength(), max_bytes));
    out->assign(v->GetString(), v->GetStringLength());
    text_bytes_ += out->size();
    if (non_empty && is_blank(*out)) fail(key, "field.blank");
  }

  static i18n::Message too_long(size_t bytes, size_t max) {
    return {"field.too_long_got", {{"max", std::to_string(max)}, {"value", std::to_string(bytes)}}};
  }
  static i18n::Message too_many(size_t count, size_t max) {
    return {"field.too_many", {{"max", std::to_string(max)}, {"value", std::to_string(count)}}};
  }
  // Bytes of text read so far (for RecordLimits::kRecordBytes).
  size_t text_bytes() const { return text_bytes_; }

  void id(const char* key, std::string* out) {
    string(key, out, true, false, RecordLimits::kNameBytes);
    if (ok_ && (*out == "." || *out == ".."))
      fail(key, {"field.id_dot_segment"});
    else if (ok_ && !is_valid_id(*out))
      fail(key, {"field.id_format_got", {{"value", *out}}});
  }

  // `year`: the number is a year (the message says so).
  void integer(const char* key, std::optional<int>* out, int lo, int hi, bool year = false) {
    const rapidjson::Value* v = find(key);
    if (!v) return;
    if (!v->IsInt() || v->GetInt() < lo || v->GetInt() > hi)
      return fail(
          key, {year ? "field.year_range_got" : "field.int_range_got",
                {{"lo", std::to_string(lo)}, {"hi", std::to_string(hi)}, {"value", describe(*v)}}});
    *out = v->GetInt();
  }

  void boolean(const char* key, bool* out) {
    const rapidjson::Value* v = find(key);
    if (!v) return;
    if (!v->IsBool()) return fail(key, {"field.not_bool_got", {{"value", describe(*v)}}});
    *out = v->GetBool();
  }

  // A name (names.h): no format character.
  void name(const char* key, std::string* out, bool required) {
    string(key, out, required, required, RecordLimits::kNameBytes);
    check_name(key, *out);
  }
  void check_name(const std::string& field, const std::string& value) {
    if (auto f = find_refused_char(value))
      fail(field, {"field.name_invisible",
                   {{"code", code_point_name(f->code)}, {"offset", std::to_string(f->offset)}}});
  }
  // A list of names: each as name().
  void names(const char* key, std::vector<std::string>* out) {
    strings(key, out);
    for (size_t i = 0; i < out->size(); ++i)
      check_name(std::string(key) + "[" + std::to_string(i) + "]", (*out)[i]);
  }

  // At most RecordLimits::kListItems items of at most kNameBytes each.
  void strings(const char* key, std::vector<std::string>* out) {
    const rapidjson::Value* v = find(key);
    if (!v) return;
    if (!v->IsArray()) return fail(key, {"field.not_string_array_got", {{"value", describe(*v)}}});
    if (v->Size() > RecordLimits::kListItems)
      return fail(key, too_many(v->Size(), RecordLimits::kListItems));
    for (rapidjson::SizeType i = 0; i < v->Size(); ++i) {
      const auto& e = (*v)[i];
      const std::string item = std::string(key) + "[" + std::to_string(i) + "]";
      if (!e.IsString()) {
        fail(item, {"field.not_string_got", {{"value", describe(e)}}});
        continue;
      }
      if (e.GetStringLength() > RecordLimits::kNameBytes) {
        fail(item, too_long(e.GetStringLength(), RecordLimits::kNameBytes));
        continue;
      }
      out->emplace_back(e.GetString(), e.GetStringLength());
      text_bytes_ += e.GetStringLength();
    }
  }

  // Unknown members, kept verbatim as a compact JSON object. They are stored
  // and handed back to every client that lists the record, so they are held
  // to tighter bounds than the request that carries them.
  std::string extra() {
    rapidjson::Document d(rapidjson::kObjectType);
    for (auto it = obj_.MemberBegin(); it != obj_.MemberEnd(); ++it) {
      std::string key(it->name.GetString(), it->name.GetStringLength());
      if (known_.count(key)) continue;
      if (json_depth(it->value) > kMaxExtraDepth) {
        fail(key, {"field.extra_too_deep", {{"depth", std::to_string(kMaxExtraDepth)}}});
        continue;
      }
      rapidjson::Value k(key.c_str(), static_cast<rapidjson::SizeType>(key.size()),
                         d.GetAllocator());
      rapidjson::Value v(it->value, d.GetAllocator());
      d.AddMember(k, v, d.GetAllocator());
    }
    if (d.MemberCount() == 0) return std::string();
    std::string out = compact(d);
    if (out.size() > kMaxExtraBytes) {
      fail(d.MemberBegin()->name.GetString(),
           {"field.extra_too_large",
            {{"bytes", std::to_string(out.size())}, {"max", std::to_string(kMaxExtraBytes)}}});
      return std::string();
    }
    return out;
  }

 private:
  const rapidjson::Value& obj_;
  const std::string& source_;
  int line_;
  std::vector<FieldError>* errors_;
  std::string prefix_;
  std::set<std::string> known_;
  bool ok_ = true;
  size_t text_bytes_ = 0;
};

// The record as a whole (RecordLimits::kRecordBytes): its texts and its
// unknown fields together.
void check_record_size(size_t bytes, const std::string& source, int line,
                       std::vector<FieldError>* errors) {
  if (bytes <= RecordLimits::kRecordBytes) return;
  errors->push_back(
      {source,
       line,
       "",
       {"record.too_large",
        {{"max", std::to_string(RecordLimits::kRecordBytes)}, {"value", std::to_string(bytes)}}}});
}

void add_extra(const std::string& extra_json, rapidjson::Value* out,
               rapidjson::Document::AllocatorType& alloc) {
  if (extra_json.empty()) return;
  rapidjson::Document extra;
  JsonError error;
  if (!read_json(extra_json, &extra, &error, kExtraLimits) || !extra.IsObject()) return;
  for (auto it = extra.MemberBegin(); it != extra.MemberEnd(); ++it) {
    if (out->HasMember(it->name)) continue;
    rapidjson::Value k(it->name, alloc);
    rapidjson::Value v(it->value, alloc);
    out->AddMember(k, v, alloc);
  }
}

void set_string(rapidjson::Value* obj, const char* key, const std::string& value,
                rapidjson::Document::AllocatorType& alloc) {
  obj->AddMember(
      rapidjson::Value(key, alloc),
      rapidjson::Value(value.c_str(), static_cast<rapidjson::SizeType>(value.size()), alloc),
      alloc);
}

void set_strings(rapidjson::Value* obj, const char* key, const std::vector<std::string>& values,
                 rapidjson::Document::AllocatorType& alloc) {
  rapidjson::Value arr(rapidjson::kArrayType);
  for (const auto& s : values)
    arr.PushBack(rapidjson::Value(s.c_str(), static_cast<rapidjson::SizeType>(s.size()), alloc),
                 alloc);
  obj->AddMember(rapidjson::Value(key, alloc), arr, alloc);
}

std::string render(const rapidjson::Value& v) { return compact(v); }

template <typename Note>
void collect_names(const Expert& e, int line, const Note& note) {
  note(e.organization, "organization", line);
  note(e.college, "college", line);
  for (const auto& c : e.counties) note(c, "counties", line);
  for (const auto& c : e.conflicts) note(c, "conflicts", line);
}

template <typename Note>
void collect_names(const Problem& p, int line, const Note& note) {
  note(p.enterprise, "enterprise", line);
  note(p.county, "county", line);
}

// Reads JSON Lines text one line at a time: each valid record goes to `sink`
// as soon as it is read, and is never kept here (streaming: the caller stores
// it and drops it). Once any error was found, later lines are still checked,
// so that every error is reported, but no longer handed on.
template <typename T, typename ParseFn>
Status read_jsonl(std::string_view text, const std::string& source, const ReadOptions& options,
                  ParseFn parse_line, const RecordSink<T>& sink) {
  std::vector<FieldError> errors;
  // Ids met so far (duplicates within the text), with their first line.
  std::unordered_map<std::string, int> first_line;
  // Every spelling of a name once, at its first place: all spelling_warnings
  // reads, without a copy of each record's names.
  std::unordered_set<std::string> spelled;
  auto note_name = [&](const std::string& name, const char* field, int line) {
    if (options.names && spelled.insert(name).second)
      options.names->push_back({name, field, source, line});
  };
  int line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (line_no == 1 && line.size() >= 3 && line.substr(0, 3) == "\xEF\xBB\xBF")
      line.remove_prefix(3);  // tolerate a UTF-8 byte order mark
    if (is_blank(line)) {
      if (end == text.size()) break;
      continue;
    }
    rapidjson::Document doc;
    JsonError error;
    if (!read_json(line, &doc, &error, options.json)) {
      errors.push_back({source, line_no, error.field, error.message});
    } else if (!doc.IsObject()) {
      errors.push_back(
          {source, line_no, "", {"record.not_object_got", {{"value", describe(doc)}}}});
    } else {
      T record;
      if (parse_line(doc, source, line_no, &record, &errors)) {
        doc = rapidjson::Document();  // the parsed text is not needed beside the record
        const std::string& id = record.id;
        auto [it, inserted] = first_line.emplace(id, line_no);
        if (!inserted && options.reject_duplicate_ids) {
          errors.push_back(
              {source,
               line_no,
               "id",
               {"record.duplicate_id", {{"id", id}, {"first_line", std::to_string(it->second)}}}});
        } else {
          collect_names(record, line_no, note_name);
          if (errors.empty()) {
            Status s = sink(std::move(record), line_no);
            if (!s && s.code() != ErrorCode::kInvalidArgument) return s;
            for (FieldError e : s.field_errors()) {
              if (e.source.empty()) e.source = source;
              if (e.line == 0) e.line = line_no;
              errors.push_back(std::move(e));
            }
          }
        }
      }
    }
    if (errors.size() > options.max_errors) {
      errors.resize(options.max_errors);
      errors.push_back(
          {source, 0, "", {"record.too_many_errors", {{"line", std::to_string(line_no)}}}});
      break;
    }
    if (end == text.size()) break;
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status::ok();
}

// A record's JSON must be an object: false, with the error, if it is not.
bool is_record_object(const rapidjson::Value& object, const std::string& source, int line,
                      std::vector<FieldError>* errors) {
  if (object.IsObject()) return true;
  errors->push_back({source, line, "", "must be a JSON object, " + describe(object)});
  return false;
}

// A record's last step, for experts and problems alike: the members it does
// not know kept as `extra_json`, then its whole size checked (its fields'
// text, `other_bytes` read by other readers, such as an expert's works, and
// the kept members). True if `r` and the size check found nothing wrong.
bool finish_record(ObjectReader& r, size_t other_bytes, std::string* extra_json,
                   const std::string& source, int line, std::vector<FieldError>* errors) {
  *extra_json = r.extra();
  const size_t before = errors->size();
  check_record_size(r.text_bytes() + other_bytes + extra_json->size(), source, line, errors);
  return r.ok() && errors->size() == before;
}

template <typename T, typename ParseFn>
Result<std::vector<T>> parse_jsonl(std::string_view text, const std::string& source,
                                   const ReadOptions& options, ParseFn parse_line) {
  std::vector<T> out;
  Status s = read_jsonl<T>(text, source, options, parse_line, [&](T&& record, int) {
    out.push_back(std::move(record));
    return Status::ok();
  });
  if (!s) return s;
  return out;
}

}  // namespace

bool expert_from_json(const rapidjson::Value& object, const std::string& source, int line,
                      Expert* out, std::vector<FieldError>* errors) {
  if (!is_record_object(object, source, line, errors)) return false;
  ObjectReader r(object, source, line, errors);
  r.id("id", &out->id);
  r.string("name", &out->name, true, true, RecordLimits::kNameBytes);
  r.name("organization", &out->organization, false);
  r.name("college", &out->college, false);
  r.string("title", &out->title, false, false, RecordLimits::kNameBytes);
  r.integer("birth_year", &out->birth_year, 1900, 2100, true);
  r.strings("fields", &out->fields);
  r.string("bio", &out->bio, false, false, RecordLimits::kTextBytes);
  std::optional<int> capacity;
  r.integer("capacity", &capacity, 0, 1000);
  if (capacity) out->capacity = *capacity;
  r.boolean("available", &out->available);
  r.names("counties", &out->counties);
  r.names("conflicts", &out->conflicts);
  // A name listed twice (in any spelling, corpus/names.h) is a mistake, not
  // two stations or two conflicts.
  for (const char* list : {"counties", "conflicts"}) {
    const auto& names = std::string(list) == "counties" ? out->counties : out->conflicts;
    for (size_t i = 0; i < names.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (same_name(names[i], names[j])) {
          std::string first = std::string(list) + "[" + std::to_string(j) + "]";
          r.fail(std::string(list) + "[" + std::to_string(i) + "]",
                 {"field.repeated_name", {{"first", first}}});
          break;
        }
  }
  bool ok = r.ok();
  size_t work_bytes = 0;
  if (const rapidjson::Value* works = r.find("works")) {
    if (!works->IsArray()) {
      r.fail("works", {"field.works_not_array_got", {{"value", describe(*works)}}});
      ok = false;
    } else if (works->Size() > RecordLimits::kWorks) {
      r.fail("works", ObjectReader::too_many(works->Size(), RecordLimits::kWorks));
      ok = false;
    } else {
      for (rapidjson::SizeType i = 0; i < works->Size(); ++i) {
        const auto& wv = (*works)[i];
        std::string prefix = "works[" + std::to_string(i) + "].";
        if (!wv.IsObject()) {
          errors->push_back({source,
                             line,
                             "works[" + std::to_string(i) + "]",
                             {"field.work_not_object_got", {{"value", describe(wv)}}}});
          ok = false;
          continue;
        }
        ObjectReader wr(wv, source, line, errors, prefix);
        Work w;
        std::string kind;
        wr.string("kind", &kind, false, false, RecordLimits::kNameBytes);
        if (!kind.empty()) {
          auto k = parse_work_kind(kind);
          if (!k)
            wr.fail("kind", {"field.work_kind_got", {{"value", kind}}});
          else
            w.kind = *k;
        }
        wr.string("title", &w.title, true, true, RecordLimits::kTitleBytes);
        wr.string("abstract", &w.abstract, false, false, RecordLimits::kTextBytes);
        wr.strings("keywords", &w.keywords);
        wr.integer("year", &w.year, 1000, 2100, true);
        w.extra_json = wr.extra();
        work_bytes += wr.text_bytes() + w.extra_json.size();
        ok = ok && wr.ok();
        out->works.push_back(std::move(w));
      }
    }
  }
  return finish_record(r, work_bytes, &out->extra_json, source, line, errors) && ok;
}

namespace {

// A letter or number of any script (general category L or N: Latin, Han,
// digits ...), the least a text needs to hold a word, judged on the form the
// text analyser indexes (indexer/text_analyzer.cpp: NFKC with case folding,
// code point by code point): circled "ⓐ" (So) is indexed as "a", "™" as
// "tm", so a title of them has words; an emoji stays a symbol.
bool has_letter_or_digit(std::string_view text) {
  constexpr uint32_t kWordMask = U_GC_L_MASK | U_GC_N_MASK;
  UErrorCode ec = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
  if (U_FAILURE(ec)) nfkc_cf = nullptr;
  for (size_t at = 0; at < text.size();) {
    const Utf8Char c = decode_utf8(text, at);
    at += c.length > 0 ? c.length : 1;
    if (c.fault != Utf8Fault::kNone) continue;
    const auto code = static_cast<UChar32>(c.code_point);
    // Shown as nothing (the Hangul fillers are letters by category, but
    // default-ignorable; attack trial 6 stored a title of two U+3164).
    if (u_hasBinaryProperty(code, UCHAR_DEFAULT_IGNORABLE_CODE_POINT)) continue;
    if (U_GET_GC_MASK(code) & kWordMask) return true;
    if (!nfkc_cf || nfkc_cf->isInert(code)) continue;
    ec = U_ZERO_ERROR;
    const icu::UnicodeString folded = nfkc_cf->normalize(icu::UnicodeString(code), ec);
    if (U_FAILURE(ec)) continue;
    for (int32_t i = 0; i < folded.length(); i = folded.moveIndex32(i, 1))
      if ((U_GET_GC_MASK(folded.char32At(i)) & kWordMask) &&
          !u_hasBinaryProperty(folded.char32At(i), UCHAR_DEFAULT_IGNORABLE_CODE_POINT))
        return true;
  }
  return false;
}

}  // namespace

bool problem_from_json(const rapidjson::Value& object, const std::string& source, int line,
                       Problem* out, std::vector<FieldError>* errors) {
  if (!is_record_object(object, source, line, errors)) return false;
  ObjectReader r(object, source, line, errors);
  r.id("id", &out->id);
  r.name("enterprise", &out->enterprise, true);
  r.name("county", &out->county, true);
  r.string("industry", &out->industry, false, false, RecordLimits::kNameBytes);
  r.string("title", &out->title, true, true, RecordLimits::kTitleBytes);
  r.string("description", &out->description, true, false, RecordLimits::kTextBytes);
  r.strings("keywords", &out->keywords);
  // A problem of punctuation and emoji only ("！！！") has nothing any
  // expert's research could be matched with (issue 11): refused here, where
  // the enterprise can still say what it means, rather than stored and never
  // matched. A title is required, so the title is the field named.
  if (!out->title.empty() && !has_letter_or_digit(out->title) &&
      !has_letter_or_digit(out->description) &&
      std::none_of(out->keywords.begin(), out->keywords.end(),
                   [](const std::string& k) { return has_letter_or_digit(k); }))
    r.fail("title", "field.no_words");
  std::optional<int> urgency;
  r.integer("urgency", &urgency, 1, 5);
  if (urgency) out->urgency = *urgency;
  r.string("submitted", &out->submitted, false, false, RecordLimits::kNameBytes);
  if (!out->submitted.empty() && !is_valid_date(out->submitted))
    r.fail("submitted", {"field.date_got", {{"value", out->submitted}}});
  std::string status;
  r.string("status", &status, false, false, RecordLimits::kNameBytes);
  if (!status.empty()) {
    auto s = parse_problem_status(status);
    if (!s)
      r.fail("status", {"field.problem_status_got", {{"value", status}}});
    else
      out->status = *s;
    out->status_given = true;
  }
  return finish_record(r, 0, &out->extra_json, source, line, errors);
}

template <typename T>
static Result<T> parse_single(std::string_view json, const std::string& source,
                              bool (*fn)(const rapidjson::Value&, const std::string&, int, T*,
                                         std::vector<FieldError>*)) {
  rapidjson::Document doc;
  std::vector<FieldError> errors;
  JsonError error;
  if (!read_json(json, &doc, &error)) {
    errors.push_back({source, 0, error.field, error.message});
    return Status::invalid(std::move(errors));
  }
  T out;
  if (!fn(doc, source, 0, &out, &errors)) return Status::invalid(std::move(errors));
  return out;
}

Result<Expert> parse_expert_json(std::string_view json, const std::string& source) {
  return parse_single<Expert>(json, source, &expert_from_json);
}
Result<Problem> parse_problem_json(std::string_view json, const std::string& source) {
  return parse_single<Problem>(json, source, &problem_from_json);
}

namespace {

class RecordChecker {
 public:
  void text(const std::string& field, const std::string& value) {
    i18n::Message why = unicode_problem_message(value);
    if (!why.empty()) errors_.push_back({"", 0, field, std::move(why)});
  }
  void texts(const std::string& field, const std::vector<std::string>& values) {
    for (size_t i = 0; i < values.size(); ++i)
      text(field + "[" + std::to_string(i) + "]", values[i]);
  }
  void id(const std::string& value) {
    if (value == "." || value == "..")
      errors_.push_back({"", 0, "id", "field.id_dot_segment"});
    else if (!is_valid_id(value))
      errors_.push_back({"", 0, "id", "field.id_format"});
  }
  void extra(const std::string& prefix, const std::string& extra_json) {
    if (extra_json.empty()) return;
    rapidjson::Document d;
    JsonError error;
    if (!read_json(extra_json, &d, &error, kExtraLimits))
      errors_.push_back({"", 0, prefix + error.field,
                         i18n::Message("field.extra_bad").with("reason", error.message)});
    else if (!d.IsObject())
      errors_.push_back({"", 0, prefix, "field.extra_not_object"});
  }
  std::vector<FieldError> take() { return std::move(errors_); }

 private:
  std::vector<FieldError> errors_;
};

}  // namespace

std::vector<FieldError> check_record(const Expert& e) {
  RecordChecker c;
  c.id(e.id);
  c.text("name", e.name);
  c.text("organization", e.organization);
  c.text("college", e.college);
  c.text("title", e.title);
  c.texts("fields", e.fields);
  c.text("bio", e.bio);
  c.texts("counties", e.counties);
  c.texts("conflicts", e.conflicts);
  for (size_t i = 0; i < e.works.size(); ++i) {
    std::string prefix = "works[" + std::to_string(i) + "].";
    c.text(prefix + "title", e.works[i].title);
    c.text(prefix + "abstract", e.works[i].abstract);
    c.texts(prefix + "keywords", e.works[i].keywords);
    c.extra(prefix, e.works[i].extra_json);
  }
  c.extra("", e.extra_json);
  return c.take();
}

std::vector<FieldError> check_record(const Problem& p) {
  RecordChecker c;
  c.id(p.id);
  c.text("enterprise", p.enterprise);
  c.text("county", p.county);
  c.text("industry", p.industry);
  c.text("title", p.title);
  c.text("description", p.description);
  c.texts("keywords", p.keywords);
  c.text("submitted", p.submitted);
  c.extra("", p.extra_json);
  return c.take();
}

Result<std::vector<Expert>> parse_experts_jsonl(std::string_view text, const std::string& source,
                                                const ReadOptions& options) {
  return parse_jsonl<Expert>(text, source, options, &expert_from_json);
}

Status read_experts_jsonl(std::string_view text, const std::string& source,
                          const ReadOptions& options, const RecordSink<Expert>& sink) {
  return read_jsonl<Expert>(text, source, options, &expert_from_json, sink);
}

Result<std::vector<Problem>> parse_problems_jsonl(std::string_view text, const std::string& source,
                                                  const ReadOptions& options) {
  return parse_jsonl<Problem>(text, source, options, &problem_from_json);
}

Status read_problems_jsonl(std::string_view text, const std::string& source,
                           const ReadOptions& options, const RecordSink<Problem>& sink) {
  return read_jsonl<Problem>(text, source, options, &problem_from_json, sink);
}

Result<std::string> read_text_file(const std::string& path) {
  // One allocation of the file's size and read() into it: a stream copy
  // grows its buffer by doubling and copies it out again, so reading a
  // 170 MB index file held up to three times that at once.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Status(ErrorCode::kIOError, path + ": cannot open: " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0)
    return Status(ErrorCode::kIOError, path + ": cannot stat: " + std::strerror(errno));
  std::string text;
  // A regular file's size is known: read it into place. Whatever lies beyond
  // (a file still growing, or a pipe with no size) is appended in pieces.
  if (S_ISREG(st.st_mode)) text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd, text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(ErrorCode::kIOError, path + ": read failed: " + std::strerror(errno));
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  char piece[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, piece, sizeof(piece));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Status(ErrorCode::kIOError, path + ": read failed: " + std::strerror(errno));
    if (n == 0) break;
    text.append(piece, static_cast<size_t>(n));
  }
  return text;
}

Result<std::vector<Expert>> read_experts_file(const std::string& path, const ReadOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  return parse_experts_jsonl(*text, path, options);
}

Result<std::vector<Problem>> read_problems_file(const std::string& path,
                                                const ReadOptions& options) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  return parse_problems_jsonl(*text, path, options);
}

void to_json_value(const Expert& e, rapidjson::Value* out,
                   rapidjson::Document::AllocatorType& alloc) {
  out->SetObject();
  set_string(out, "id", e.id, alloc);
  set_string(out, "name", e.name, alloc);
  if (!e.organization.empty()) set_string(out, "organization", e.organization, alloc);
  if (!e.college.empty()) set_string(out, "college", e.college, alloc);
  if (!e.title.empty()) set_string(out, "title", e.title, alloc);
  if (e.birth_year) out->AddMember("birth_year", *e.birth_year, alloc);
  if (!e.fields.empty()) set_strings(out, "fields", e.fields, alloc);
  if (!e.bio.empty()) set_string(out, "bio", e.bio, alloc);
  if (!e.works.empty()) {
    rapidjson::Value works(rapidjson::kArrayType);
    for (const Work& w : e.works) {
      rapidjson::Value wv(rapidjson::kObjectType);
      set_string(&wv, "kind", work_kind_name(w.kind), alloc);
      set_string(&wv, "title", w.title, alloc);
      if (!w.abstract.empty()) set_string(&wv, "abstract", w.abstract, alloc);
      if (!w.keywords.empty()) set_strings(&wv, "keywords", w.keywords, alloc);
      if (w.year) wv.AddMember("year", *w.year, alloc);
      add_extra(w.extra_json, &wv, alloc);
      works.PushBack(wv, alloc);
    }
    out->AddMember("works", works, alloc);
  }
  out->AddMember("capacity", e.capacity, alloc);
  out->AddMember("available", e.available, alloc);
  if (!e.counties.empty()) set_strings(out, "counties", e.counties, alloc);
  if (!e.conflicts.empty()) set_strings(out, "conflicts", e.conflicts, alloc);
  add_extra(e.extra_json, out, alloc);
}

void to_json_value(const Problem& p, rapidjson::Value* out,
                   rapidjson::Document::AllocatorType& alloc) {
  out->SetObject();
  set_string(out, "id", p.id, alloc);
  set_string(out, "enterprise", p.enterprise, alloc);
  set_string(out, "county", p.county, alloc);
  if (!p.industry.empty()) set_string(out, "industry", p.industry, alloc);
  set_string(out, "title", p.title, alloc);
  set_string(out, "description", p.description, alloc);
  if (!p.keywords.empty()) set_strings(out, "keywords", p.keywords, alloc);
  out->AddMember("urgency", p.urgency, alloc);
  if (!p.submitted.empty()) set_string(out, "submitted", p.submitted, alloc);
  if (p.status != ProblemStatus::kSubmitted)
    set_string(out, "status", problem_status_name(p.status), alloc);
  add_extra(p.extra_json, out, alloc);
}

std::string to_json(const Expert& expert) {
  rapidjson::Document d;
  to_json_value(expert, &d, d.GetAllocator());
  return render(d);
}

std::string to_json(const Problem& problem) {
  rapidjson::Document d;
  to_json_value(problem, &d, d.GetAllocator());
  return render(d);
}

namespace {
template <typename Record>
void keep_confirmed(const Record& current, Record* next) {
  if (next->verified)
    next->confirmed_json.clear();
  else
    next->confirmed_json = current.verified ? to_json(current) : current.confirmed_json;
}
}  // namespace

void keep_confirmed_version(const Expert& current, Expert* next) { keep_confirmed(current, next); }
void keep_confirmed_version(const Problem& current, Problem* next) {
  keep_confirmed(current, next);
}

namespace {
template <typename Record>
bool keep_unconfirmed(const Record& held, Record* imported) {
  if (held.verified || to_json(held) != to_json(*imported)) return false;
  imported->verified = false;
  imported->confirmed_json = held.confirmed_json;
  return true;
}
}  // namespace

bool keep_unconfirmed_state(const Expert& held, Expert* imported) {
  return keep_unconfirmed(held, imported);
}
bool keep_unconfirmed_state(const Problem& held, Problem* imported) {
  return keep_unconfirmed(held, imported);
}

Status keep_workflow_state(const Problem& held, Problem* imported, const std::string& source,
                           int line) {
  if (!imported->status_given) {
    imported->status = held.status;
    return Status::ok();
  }
  if (imported->status == held.status) return Status::ok();
  return Status::invalid({FieldError{source,
                                     line,
                                     "status",
                                     {"import.status_change",
                                      {{"id", held.id},
                                       {"held", problem_status_name(held.status)},
                                       {"value", problem_status_name(imported->status)}}}}});
}

bool awaits_city(const Expert& expert) {
  return !expert.verified && !expert.confirmed_json.empty();
}

Expert ranked_version(const Expert& expert) {
  if (!awaits_city(expert)) return expert;
  auto confirmed = parse_expert_json(expert.confirmed_json, "confirmed version of " + expert.id);
  if (!confirmed || confirmed->id != expert.id) return expert;
  confirmed->capacity = expert.capacity;
  confirmed->available = expert.available;
  confirmed->conflicts = expert.conflicts;
  confirmed->counties = expert.counties;
  confirmed->verified = true;
  confirmed->confirmed_json.clear();
  return std::move(*confirmed);
}

std::string to_jsonl(const std::vector<Expert>& experts) {
  std::string out;
  for (const auto& e : experts) out += to_json(e) + "\n";
  return out;
}

std::string to_jsonl(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += to_json(p) + "\n";
  return out;
}

Result<std::vector<Judgment>> parse_qrels(std::string_view text, const std::string& source) {
  std::vector<Judgment> out;
  std::vector<FieldError> errors;
  std::istringstream in{std::string(text)};
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (is_blank(line)) continue;
    std::istringstream ls(line);
    std::string pid, iter, eid, grade_s, rest;
    if (!(ls >> pid >> iter >> eid >> grade_s) || (ls >> rest)) {
      errors.push_back({source, line_no, "", "qrels.line_format"});
      continue;
    }
    if (!is_valid_id(pid)) errors.push_back({source, line_no, "problem_id", "field.id_invalid"});
    if (!is_valid_id(eid)) errors.push_back({source, line_no, "expert_id", "field.id_invalid"});
    int grade = -1;
    if (grade_s.size() == 1 && grade_s[0] >= '0' && grade_s[0] <= '9') grade = grade_s[0] - '0';
    if (grade < 0 || grade > 3) {
      errors.push_back(
          {source,
           line_no,
           "grade",
           {"field.int_range_got", {{"lo", "0"}, {"hi", "3"}, {"value", "\"" + grade_s + "\""}}}});
      continue;
    }
    out.push_back({pid, eid, grade});
    if (errors.size() > 50) break;
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return out;
}

Result<std::vector<Judgment>> read_qrels_file(const std::string& path) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  return parse_qrels(*text, path);
}

std::string to_qrels(const std::vector<Judgment>& judgments) {
  std::string out;
  for (const auto& j : judgments)
    out += j.problem_id + " 0 " + j.expert_id + " " + std::to_string(j.grade) + "\n";
  return out;
}

}  // namespace expertmatch
