#include "i18n/messages.h"

#include <unicode/msgfmt.h>
#include <unicode/ures.h>
#include <unicode/ustring.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#ifndef EXPERTMATCH_MESSAGES_DIR
#define EXPERTMATCH_MESSAGES_DIR ""
#endif

namespace expertmatch::i18n {
namespace {

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view s) {
  size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  size_t e = s.find_last_not_of(" \t");
  return std::string(s.substr(b, e - b + 1));
}

bool load_table(const std::string& dir, const char* locale, std::map<std::string, std::string>* out,
                std::string* error) {
  UErrorCode status = U_ZERO_ERROR;
  std::string path = dir + "/";
  // ures_openDirect: exactly this bundle, no fallback to ICU's own data, so a
  // missing file is an error here rather than a silently empty table.
  UResourceBundle* bundle = ures_openDirect(path.c_str(), locale, &status);
  if (U_FAILURE(status)) {
    *error = path + locale + ".res: " + u_errorName(status);
    ures_close(bundle);
    return false;
  }
  UResourceBundle* item = nullptr;
  while (ures_hasNext(bundle)) {
    status = U_ZERO_ERROR;
    item = ures_getNextResource(bundle, item, &status);
    if (U_FAILURE(status)) break;
    if (ures_getType(item) != URES_STRING) continue;
    int32_t length = 0;
    const UChar* text = ures_getString(item, &length, &status);
    if (U_FAILURE(status)) break;
    std::string utf8;
    icu::UnicodeString(text, length).toUTF8String(utf8);
    (*out)[ures_getKey(item)] = std::move(utf8);
  }
  ures_close(item);
  ures_close(bundle);
  if (U_FAILURE(status)) {
    *error = path + locale + ".res: " + u_errorName(status);
    return false;
  }
  return true;
}

}  // namespace

const char* language_tag(Language language) { return language == Language::kEn ? "en" : "zh"; }

std::optional<Language> parse_language(std::string_view tag) {
  std::string t = lower_ascii(trim(tag));
  std::string primary = t.substr(0, t.find_first_of("-_.@"));
  if (primary == "en") return Language::kEn;
  if (primary == "zh") return Language::kZh;
  return std::nullopt;
}

Language negotiate(std::string_view header, Language fallback) {
  std::optional<Language> best;
  double best_q = 0;
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    std::string_view item = header.substr(start, comma - start);
    start = comma + 1;
    size_t semi = item.find(';');
    std::string tag = trim(item.substr(0, semi));
    double q = 1;
    if (semi != std::string_view::npos) {
      std::string param = trim(item.substr(semi + 1));
      if (param.rfind("q=", 0) == 0) q = std::strtod(param.c_str() + 2, nullptr);
    }
    auto language = parse_language(tag);
    if (language && q > best_q) {
      best = language;
      best_q = q;
    }
  }
  return best.value_or(fallback);
}

Language language_from_environment() {
  for (const char* name : {"LC_ALL", "LC_MESSAGES", "LANG"}) {
    const char* v = std::getenv(name);
    if (v && *v) return parse_language(v).value_or(Language::kZh);
  }
  return Language::kZh;
}

std::unique_ptr<Catalogue> Catalogue::load(const std::string& dir, std::string* error) {
  std::unique_ptr<Catalogue> c(new Catalogue());
  if (!load_table(dir, "zh", &c->zh_, error)) return nullptr;
  if (!load_table(dir, "en", &c->en_, error)) return nullptr;
  return c;
}

const Catalogue& Catalogue::builtin() {
  static const Catalogue* const kBuiltin = [] {
    const char* env = std::getenv("EXPERTMATCH_MESSAGES_DIR");
    std::string dir = env && *env ? env : EXPERTMATCH_MESSAGES_DIR;
    std::string error;
    auto c = load(dir, &error);
    if (!c) {
      std::fprintf(stderr, "expertmatch: the message catalogue is missing (%s)\n", error.c_str());
      c.reset(new Catalogue());
    }
    return c.release();  // lives as long as the program
  }();
  return *kBuiltin;
}

std::string Catalogue::format(Language language, const Message& message) const {
  const auto& table = language == Language::kEn ? en_ : zh_;
  auto it = table.find(message.key);
  if (it == table.end()) return message.key;
  UErrorCode status = U_ZERO_ERROR;
  icu::MessageFormat format(icu::UnicodeString::fromUTF8(it->second),
                            icu::Locale(language_tag(language)), status);
  if (U_FAILURE(status)) return it->second;
  std::vector<icu::UnicodeString> names;
  std::vector<icu::Formattable> values;
  for (const auto& [name, value] : message.args) {
    names.push_back(icu::UnicodeString::fromUTF8(name));
    values.emplace_back(icu::UnicodeString::fromUTF8(value));
  }
  for (const auto& [name, inner] : message.parts) {
    names.push_back(icu::UnicodeString::fromUTF8(name));
    values.emplace_back(icu::UnicodeString::fromUTF8(this->format(language, inner)));
  }
  icu::UnicodeString out;
  format.format(names.data(), values.data(), static_cast<int32_t>(names.size()), out, status);
  if (U_FAILURE(status)) return it->second;
  std::string utf8;
  out.toUTF8String(utf8);
  return utf8;
}

bool Catalogue::has(Language language, const std::string& key) const {
  return (language == Language::kEn ? en_ : zh_).count(key) > 0;
}

std::string Catalogue::pattern(Language language, const std::string& key) const {
  const auto& table = language == Language::kEn ? en_ : zh_;
  auto it = table.find(key);
  return it == table.end() ? std::string() : it->second;
}

std::vector<std::string> Catalogue::keys(Language language) const {
  std::vector<std::string> out;
  for (const auto& [k, v] : language == Language::kEn ? en_ : zh_) out.push_back(k);
  return out;
}

Message join(std::vector<Message> items) {
  if (items.empty()) return Message("list.none");
  Message out = std::move(items.back());
  for (size_t i = items.size() - 1; i-- > 0;)
    out = Message("list.pair").with("first", std::move(items[i])).with("rest", std::move(out));
  return out;
}

namespace {

constexpr std::string_view kStoredPrefix = "@i18n:";

std::string percent_encode(std::string_view s) {
  static const char* const kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (c == '%' || c == '&' || c == '=' || c == '?' || c < 0x20) {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

std::optional<std::string> percent_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    auto hex = [](char c) -> int {
      if (c >= '0' && c <= '9') return c - '0';
      if (c >= 'A' && c <= 'F') return c - 'A' + 10;
      return -1;
    };
    int hi = hex(s[i + 1]), lo = hex(s[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

}  // namespace

std::string to_stored(const Message& message) {
  std::string out(kStoredPrefix);
  out += message.key;
  for (size_t i = 0; i < message.args.size(); ++i) {
    out += i == 0 ? '?' : '&';
    out += percent_encode(message.args[i].first) + "=" + percent_encode(message.args[i].second);
  }
  return out;
}

std::optional<Message> from_stored(std::string_view text) {
  if (text.substr(0, kStoredPrefix.size()) != kStoredPrefix) return std::nullopt;
  text.remove_prefix(kStoredPrefix.size());
  size_t q = text.find('?');
  Message m(std::string(text.substr(0, q)));
  if (m.key.empty()) return std::nullopt;
  if (q == std::string_view::npos) return m;
  std::string_view rest = text.substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    auto name = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    m.args.emplace_back(std::move(*name), std::move(*value));
  }
  return m;
}

std::string render_stored(Language language, std::string_view text) {
  auto m = from_stored(text);
  return m ? tr(language, *m) : std::string(text);
}

std::string tr(Language language, const Message& message) {
  return Catalogue::builtin().format(language, message);
}

}  // namespace expertmatch::i18n
