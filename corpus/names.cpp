#include "corpus/names.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <cstdio>

#include <map>
#include <memory>
#include <unordered_map>

namespace expertmatch {
namespace {

// ICU's transliterator is not thread-safe and costly to create: one per thread.
struct NameNormalizer {
  const icu::Normalizer2* nfkc_cf = nullptr;
  std::unique_ptr<icu::Transliterator> t2s;
  std::unordered_map<std::string, std::string> cache;

  NameNormalizer() {
    UErrorCode ec = U_ZERO_ERROR;
    nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
    if (U_FAILURE(ec)) nfkc_cf = nullptr;
    ec = U_ZERO_ERROR;
    t2s.reset(icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, ec));
    if (U_FAILURE(ec)) t2s.reset();
  }

  static bool tight(UChar32 c) {
    if (c == u'(' || c == u')') return true;
    UErrorCode ec = U_ZERO_ERROR;
    return uscript_getScript(c, &ec) == USCRIPT_HAN;
  }

  std::string normalize(std::string_view name) {
    std::string key(name);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), name.size()));
    // Traditional -> Simplified first: NFKC would not change Han characters,
    // and the transform expects unfolded text.
    if (t2s) t2s->transliterate(u);
    if (nfkc_cf) {
      UErrorCode ec = U_ZERO_ERROR;
      icu::UnicodeString n = nfkc_cf->normalize(u, ec);
      if (U_SUCCESS(ec)) u = n;
    }
    // Brackets, then white space.
    icu::UnicodeString out;
    bool pending_space = false;
    for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
      UChar32 c = u.char32At(i);
      if (c == 0x3014 || c == 0x3010 || c == u'[') c = u'(';
      if (c == 0x3015 || c == 0x3011 || c == u']') c = u')';
      if (u_charType(c) == U_FORMAT_CHAR) continue;  // invisible: never part of a name
      if (u_isUWhiteSpace(c)) {
        pending_space = true;
        continue;
      }
      if (pending_space && out.length() > 0 && !tight(c) && !tight(out.char32At(out.length() - 1)))
        out.append(UChar32(u' '));
      pending_space = false;
      out.append(c);
    }
    std::string s;
    out.toUTF8String(s);
    if (cache.size() > 4096) cache.clear();  // names repeat; bound it anyway
    cache.emplace(std::move(key), s);
    return s;
  }
};

NameNormalizer& normalizer() {
  thread_local NameNormalizer n;
  return n;
}

}  // namespace

std::string normalize_name(std::string_view name) { return normalizer().normalize(name); }

std::optional<FormatChar> find_format_char(std::string_view name) {
  const auto* bytes = reinterpret_cast<const uint8_t*>(name.data());
  const int32_t length = static_cast<int32_t>(name.size());
  for (int32_t i = 0; i < length;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && u_charType(c) == U_FORMAT_CHAR)
      return FormatChar{static_cast<char32_t>(c), static_cast<size_t>(at)};
  }
  return std::nullopt;
}

std::string code_point_name(char32_t code) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "U+%04X", static_cast<unsigned>(code));
  return buf;
}

bool same_name(std::string_view a, std::string_view b) {
  return a == b || normalize_name(a) == normalize_name(b);
}

bool contains_name(const std::vector<std::string>& names, std::string_view name) {
  if (names.empty()) return false;
  const std::string n = normalize_name(name);
  for (const auto& x : names)
    if (x == name || normalize_name(x) == n) return true;
  return false;
}

std::vector<std::string> spelling_warnings(const std::vector<NameSpelling>& names) {
  // normalised -> first place of each distinct spelling, in reading order
  std::map<std::string, std::vector<const NameSpelling*>> by_form;
  std::vector<std::string> order;
  for (const auto& n : names) {
    if (n.name.empty()) continue;
    std::string form = normalize_name(n.name);
    auto& spellings = by_form[form];
    if (spellings.empty()) order.push_back(form);
    bool seen = false;
    for (const auto* s : spellings) seen = seen || s->name == n.name;
    if (!seen) spellings.push_back(&n);
  }
  std::vector<std::string> out;
  for (const auto& form : order) {
    const auto& spellings = by_form[form];
    for (size_t i = 1; i < spellings.size(); ++i) {
      const NameSpelling& a = *spellings[0];
      const NameSpelling& b = *spellings[i];
      out.push_back(b.source + ":" + std::to_string(b.line) + ": " + b.field + ": name \"" +
                    b.name + "\" is another spelling of \"" + a.name + "\" (" + a.source + ":" +
                    std::to_string(a.line) + ", " + a.field + "); both are read as one name");
    }
  }
  return out;
}

}  // namespace expertmatch
