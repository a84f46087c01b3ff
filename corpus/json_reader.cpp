#include "corpus/json_reader.h"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <unordered_set>
#include <utility>
#include <vector>

#include <rapidjson/error/en.h>
#include <rapidjson/memorystream.h>
#include <rapidjson/reader.h>

#include "corpus/utf8.h"

namespace expertmatch {
namespace {

// Numbers arrive as text (RawNumber) and are converted here with strtod, which
// glibc rounds correctly. RapidJSON's default conversion is off by an ulp
// often enough to change a stored unknown field on every import/export cycle,
// and its full-precision one calls clz(0) (undefined) for input like 0e40;
// both found by fuzz/json_body_fuzz.
constexpr unsigned kParseFlags = rapidjson::kParseIterativeFlag |
                                 rapidjson::kParseValidateEncodingFlag |
                                 rapidjson::kParseNumbersAsStringsFlag;

std::string hex_code_point(uint32_t cp) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", cp);
  return buf;
}

// Forwards SAX events to a Document while enforcing the depth, key and string
// rules and keeping the path of the value being read (for error messages).
class CheckingHandler {
 public:
  CheckingHandler(rapidjson::Document& doc, const JsonLimits& limits, JsonError* error)
      : doc_(doc), limits_(limits), error_(error) {}

  bool Null() { return value() && doc_.Null(); }
  bool Bool(bool b) { return value() && doc_.Bool(b); }
  bool Int(int i) { return value() && doc_.Int(i); }
  bool Uint(unsigned u) { return value() && doc_.Uint(u); }
  bool Int64(int64_t i) { return value() && doc_.Int64(i); }
  bool Uint64(uint64_t u) { return value() && doc_.Uint64(u); }
  bool Double(double d) { return value() && doc_.Double(d); }
  // `s` is a number the reader has checked against RFC 8259's grammar. As
  // RapidJSON would: integers that fit 64 bits stay integers, the rest double.
  bool RawNumber(const char* s, rapidjson::SizeType n, bool) {
    if (!value()) return false;
    std::string text(s, n);  // NUL-terminated for the C conversions
    errno = 0;
    if (text.find_first_of(".eE") == std::string::npos) {
      char* end = nullptr;
      if (text[0] == '-') {
        long long v = std::strtoll(text.c_str(), &end, 10);
        if (errno == 0) return doc_.Int64(v);
      } else {
        unsigned long long v = std::strtoull(text.c_str(), &end, 10);
        if (errno == 0) return doc_.Uint64(v);
      }
      errno = 0;
    }
    // Out of range (1e400) never gets here: the reader refuses it first.
    double d = std::strtod(text.c_str(), nullptr);
    return doc_.Double(d);
  }
  bool String(const char* s, rapidjson::SizeType n, bool copy) {
    if (!value()) return false;
    i18n::Message why = unicode_problem_message(std::string_view(s, n));
    if (!why.empty()) return fail(JsonErrorKind::kBadString, path(), std::move(why));
    if (limits_.xml_text) {
      i18n::Message message;
      if (!text_problem(std::string_view(s, n), &message).empty())
        return fail(JsonErrorKind::kBadString, path(), std::move(message));
    }
    return doc_.String(s, n, copy);
  }
  bool StartObject() { return open(false) && doc_.StartObject(); }
  bool Key(const char* s, rapidjson::SizeType n, bool copy) {
    Frame& f = frames_.back();
    f.key.assign(s, n);
    f.has_key = true;
    f.awaiting_value = true;
    i18n::Message why = unicode_problem_message(f.key);
    if (!why.empty())
      return fail(JsonErrorKind::kBadString, path(),
                  i18n::Message("json.in_key").with("reason", std::move(why)));
    if (limits_.xml_text) {
      i18n::Message message;
      if (!text_problem(f.key, &message).empty())
        return fail(JsonErrorKind::kBadString, path(),
                    i18n::Message("json.in_key").with("reason", std::move(message)));
    }
    if (!f.keys.insert(f.key).second)
      return fail(JsonErrorKind::kDuplicateKey, path(), "field.duplicate_key");
    return doc_.Key(s, n, copy);
  }
  bool EndObject(rapidjson::SizeType n) {
    frames_.pop_back();
    return doc_.EndObject(n);
  }
  bool StartArray() { return open(true) && doc_.StartArray(); }
  bool EndArray(rapidjson::SizeType n) {
    frames_.pop_back();
    return doc_.EndArray(n);
  }

  bool failed() const { return failed_; }

  // The string the reader was in when it stopped: the next array element, the
  // value of the last key, or (in an object between members) a key.
  std::string string_being_read() const {
    if (frames_.empty()) return "";
    const Frame& f = frames_.back();
    if (f.array) {
      std::string p = path_with_index(f.count);
      return p;
    }
    if (f.awaiting_value) return path();
    std::string p = path();
    return p.empty() ? "(a key)" : p + " (the next key)";
  }

 private:
  struct Frame {
    bool array = false;
    size_t count = 0;  // elements started so far (arrays)
    bool has_key = false;
    bool awaiting_value = false;  // a key was read, its value not yet begun
    std::string key;              // the member being read (objects)
    std::unordered_set<std::string> keys;
  };

  // Every value start passes here: it advances the array index for paths.
  bool value() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().count;
    if (!frames_.empty()) frames_.back().awaiting_value = false;
    return true;
  }

  bool open(bool array) {
    value();
    if (frames_.size() + 1 > limits_.max_depth)
      return fail(JsonErrorKind::kTooDeep, path(),
                  {"json.too_deep", {{"depth", std::to_string(limits_.max_depth)}}});
    frames_.push_back(Frame{array, 0, false, false, {}, {}});
    return true;
  }

  bool fail(JsonErrorKind kind, std::string field, i18n::Message reason) {
    failed_ = true;
    error_->kind = kind;
    error_->field = std::move(field);
    error_->set(std::move(reason));
    return false;
  }

  std::string path_with_index(size_t next) const {
    CheckingHandler copy(*this);
    copy.frames_.back().count = next + 1;
    return copy.path();
  }

  // "works[2].title"; long paths keep their first and last steps.
  std::string path() const {
    std::vector<std::string> steps;
    for (const Frame& f : frames_) {
      if (f.array) {
        std::string step = "[";
        step += std::to_string(f.count == 0 ? 0 : f.count - 1);
        step += ']';
        steps.push_back(std::move(step));
      } else if (f.has_key)
        steps.push_back(printable_text(f.key));  // the key itself may be what is refused
    }
    constexpr size_t kKeep = 6;
    std::string out;
    auto add = [&](const std::string& step) {
      if (!out.empty() && step[0] != '[' && !out.ends_with("...")) out += '.';
      out += step;
    };
    if (steps.size() <= 2 * kKeep) {
      for (const auto& s : steps) add(s);
    } else {
      for (size_t i = 0; i < kKeep; ++i) add(steps[i]);
      out += "...";
      for (size_t i = steps.size() - kKeep; i < steps.size(); ++i) add(steps[i]);
    }
    return out;
  }

  rapidjson::Document& doc_;
  const JsonLimits& limits_;
  JsonError* error_;
  std::vector<Frame> frames_;
  bool failed_ = false;
};

}  // namespace

i18n::Message unicode_problem_message(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    Utf8Char c = decode_utf8(text, i);
    if (c.fault == Utf8Fault::kMalformed) return {"json.bad_utf8", {{"byte", std::to_string(i)}}};
    // What a \u escape of a lone surrogate decodes to (CESU-8 style bytes).
    if (c.fault == Utf8Fault::kSurrogate)
      return {"json.surrogate",
              {{"code_point", hex_code_point(c.code_point)}, {"byte", std::to_string(i)}}};
    if (c.code_point == 0) return {"json.nul", {{"byte", std::to_string(i)}}};
    i += c.length;
  }
  return {};
}

std::string unicode_problem(std::string_view text) {
  i18n::Message why = unicode_problem_message(text);
  return why.empty() ? std::string() : i18n::tr(i18n::Language::kEn, why);
}

void JsonError::set(i18n::Message why) {
  reason = i18n::tr(i18n::Language::kEn, why);
  message = std::move(why);
}

bool is_forbidden_in_text(uint32_t cp) {
  if (cp < 0x20) return cp != 0x09 && cp != 0x0A && cp != 0x0D;
  if (cp >= 0x7F && cp <= 0x9F) return true;
  // The bidirectional embeddings, overrides and isolates (Unicode UAX #9):
  // they make text shown in pages, plans and ledgers read otherwise than it
  // is stored ("Trojan Source", CVE-2021-42574). The marks U+200E/U+200F stay.
  if ((cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069)) return true;
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;
  return (cp & 0xFFFE) == 0xFFFE;
}

std::string text_problem(std::string_view text, i18n::Message* message) {
  for (size_t i = 0; i < text.size();) {
    Utf8Char c = decode_utf8(text, i);
    if (c.fault == Utf8Fault::kMalformed) return "";  // unicode_problem's to report
    const uint32_t cp = c.code_point;
    if (is_forbidden_in_text(cp)) {
      std::string what = hex_code_point(cp), at = std::to_string(i);
      if (message)
        *message = i18n::Message("field.forbidden_character", {{"char", what}, {"at", at}});
      return "contains " + what + " (at byte " + at +
             "): text may hold no control character other than TAB, LF and CR, no "
             "bidirectional override and no noncharacter";
    }
    i += c.length;
  }
  return "";
}

bool read_json(std::string_view text, rapidjson::Document* doc, JsonError* error,
               const JsonLimits& limits) {
  *error = JsonError{};
  if (text.size() > limits.max_bytes) {
    error->kind = JsonErrorKind::kTooLarge;
    error->set(
        {"json.too_large",
         {{"bytes", std::to_string(text.size())}, {"max", std::to_string(limits.max_bytes)}}});
    doc->SetNull();
    return false;
  }
  rapidjson::MemoryStream ms(text.data(), text.size());
  rapidjson::Reader reader;
  CheckingHandler handler(*doc, limits, error);
  bool parsed = false;
  auto generate = [&](rapidjson::Document&) {
    parsed = !reader.Parse<kParseFlags>(ms, handler).IsError();
    return parsed;
  };
  doc->Populate(generate);
  // The reader stops at a NUL as at the end of the text: whatever follows
  // one ("{}\0junk") is not JSON whitespace and refuses the whole text.
  if (parsed && ms.Tell() != text.size()) {
    parsed = false;
    error->kind = JsonErrorKind::kSyntax;
    error->offset = ms.Tell();
    error->set({"json.trailing", {{"byte", std::to_string(ms.Tell())}}});
    doc->SetNull();
    return false;
  }
  if (parsed) return true;
  error->offset = reader.GetErrorOffset();
  if (!handler.failed() &&
      reader.GetParseErrorCode() == rapidjson::kParseErrorStringUnicodeSurrogateInvalid) {
    // The same rule as a lone low surrogate (caught in String()): the data is
    // refused, and the string is named.
    error->kind = JsonErrorKind::kBadString;
    error->field = handler.string_being_read();
    error->set("json.high_surrogate");
  } else if (!handler.failed()) {
    error->kind = JsonErrorKind::kSyntax;
    error->field.clear();
    std::string why = reader.GetParseErrorCode() == rapidjson::kParseErrorStringInvalidEncoding
                          ? "invalid UTF-8"
                          : rapidjson::GetParseError_En(reader.GetParseErrorCode());
    // RapidJSON says why in English only: the Chinese text names the byte.
    error->set({"json.syntax", {{"why", why}, {"byte", std::to_string(error->offset)}}});
  }
  doc->SetNull();
  return false;
}

std::string printable_text(std::string_view text) {
  if (unicode_problem(text).empty()) return std::string(text);
  std::string out;
  for (unsigned char c : text) {
    if (c >= 0x20 && c < 0x7F) {
      out += static_cast<char>(c);
    } else {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02X", c);
      out += buf;
    }
  }
  return out;
}

size_t json_depth(const rapidjson::Value& value) {
  size_t deepest = 0;
  std::vector<std::pair<const rapidjson::Value*, size_t>> todo{{&value, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (v->IsArray()) {
      deepest = std::max(deepest, depth + 1);
      for (const auto& e : v->GetArray()) todo.push_back({&e, depth + 1});
    } else if (v->IsObject()) {
      deepest = std::max(deepest, depth + 1);
      for (const auto& m : v->GetObject()) todo.push_back({&m.value, depth + 1});
    }
  }
  return deepest;
}

}  // namespace expertmatch
