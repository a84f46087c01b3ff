#include "corpus/names.h"

#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uset.h>
#include <unicode/uspoof.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cstdio>

#include <map>
#include <memory>
#include <unordered_map>

namespace expertmatch {
namespace {

// Lookalikes UTS #39's confusables data (confusables.txt, read by ICU's
// uspoof_getSkeleton) does not list, each mapped to the character it passes
// for, before the skeleton is taken. Found by attack trials against the
// enterprise register; add a pair only when the two are drawn alike in
// common CJK fonts and the first has no use in a name of its own.
//  - U+5DFF 巿 (fú, an archaic word for a kneecover, 4 strokes) is drawn as
//    U+5E02 市 (shì, city, 5 strokes) but for the top stroke running
//    through: 衢州巿 registered beside 衢州市 (attack trial, issue 10).
//    Neither NFKC, ICU's Traditional-Simplified transform nor the ICU
//    skeleton joins them (checked against the ICU this builds with).
struct ExtraConfusable {
  UChar32 from;
  UChar32 to;
};
constexpr ExtraConfusable kExtraConfusables[] = {
    {0x5DFF, 0x5E02},  // 巿 -> 市
};

UChar32 extra_confusable(UChar32 c) {
  for (const auto& e : kExtraConfusables)
    if (e.from == c) return e.to;
  return c;
}

// ICU's transliterator is not thread-safe and costly to create: one per thread.
struct NameNormalizer {
  const icu::Normalizer2* nfkc_cf = nullptr;  // owned by ICU
  const icu::Normalizer2* nfkc = nullptr;
  const icu::Normalizer2* nfd = nullptr;
  std::unique_ptr<icu::Transliterator> t2s;
  USpoofChecker* spoof = nullptr;  // for uspoof_getSkeleton only
  std::unordered_map<std::string, std::string> cache;

  NameNormalizer() {
    UErrorCode ec = U_ZERO_ERROR;
    nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
    if (U_FAILURE(ec)) nfkc_cf = nullptr;
    ec = U_ZERO_ERROR;
    nfkc = icu::Normalizer2::getNFKCInstance(ec);
    if (U_FAILURE(ec)) nfkc = nullptr;
    ec = U_ZERO_ERROR;
    nfd = icu::Normalizer2::getNFDInstance(ec);
    if (U_FAILURE(ec)) nfd = nullptr;
    ec = U_ZERO_ERROR;
    t2s.reset(icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, ec));
    if (U_FAILURE(ec)) t2s.reset();
    ec = U_ZERO_ERROR;
    spoof = uspoof_open(&ec);
    if (U_FAILURE(ec)) spoof = nullptr;
  }
  ~NameNormalizer() {
    if (spoof) uspoof_close(spoof);
  }
  NameNormalizer(const NameNormalizer&) = delete;
  NameNormalizer& operator=(const NameNormalizer&) = delete;

  // The whole of a name's folding but the skeleton: Traditional ->
  // Simplified, then `form` (NFKC with or without case folding), the
  // project's lookalikes, brackets and white space (names.h).
  icu::UnicodeString fold(std::string_view name, const icu::Normalizer2* form) {
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(name.data(), name.size()));
    // Traditional -> Simplified first: NFKC would not change Han characters,
    // and the transform expects unfolded text.
    if (t2s) t2s->transliterate(u);
    if (form) {
      UErrorCode ec = U_ZERO_ERROR;
      icu::UnicodeString n = form->normalize(u, ec);
      if (U_SUCCESS(ec)) u = n;
    }
    // Brackets, then white space.
    icu::UnicodeString out;
    bool pending_space = false;
    for (int32_t i = 0; i < u.length(); i = u.moveIndex32(i, 1)) {
      UChar32 c = extra_confusable(u.char32At(i));
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
    return out;
  }

  icu::UnicodeString skeleton(const icu::UnicodeString& u) {
    if (!spoof) return u;
    UErrorCode ec = U_ZERO_ERROR;
    icu::UnicodeString out;
    uspoof_getSkeletonUnicodeString(spoof, 0, u, out, &ec);
    return U_SUCCESS(ec) ? out : u;
  }

  // NFD without its combining marks (general category M): "ė" and "i" +
  // U+0307 are drawn so like "e" and "i" that a reader takes one for the other.
  icu::UnicodeString without_marks(const icu::UnicodeString& u) {
    icu::UnicodeString d = u;
    if (nfd) {
      UErrorCode ec = U_ZERO_ERROR;
      icu::UnicodeString n = nfd->normalize(u, ec);
      if (U_SUCCESS(ec)) d = n;
    }
    icu::UnicodeString out;
    for (int32_t i = 0; i < d.length(); i = d.moveIndex32(i, 1)) {
      UChar32 c = d.char32At(i);
      if ((U_GET_GC_MASK(c) & U_GC_M_MASK) == 0) out.append(c);
    }
    return out;
  }

  icu::UnicodeString case_folded(const icu::UnicodeString& u) {
    if (!nfkc_cf) return u;
    UErrorCode ec = U_ZERO_ERROR;
    icu::UnicodeString n = nfkc_cf->normalize(u, ec);
    return U_SUCCESS(ec) ? n : u;
  }

  std::vector<std::string> lookalike_keys(std::string_view name) {
    auto utf8 = [](const icu::UnicodeString& u) {
      std::string s;
      u.toUTF8String(s);
      return s;
    };
    // The skeleton is taken twice, around a case fold, because case and
    // lookalikes do not commute: "I" looks like "l" but folds to "i", and
    // Lisu "ꓮ" has no case but looks like "A", which folds to "a". Folded
    // first ("ALICE" is "alice"), or as written first ("aIice" looks like
    // "alice"; "ꓮlice" like "Alice", so "alice"): two names are alike if
    // either key of one is a key of the other.
    auto twice = [&](const icu::UnicodeString& u) {
      return skeleton(without_marks(case_folded(skeleton(without_marks(u)))));
    };
    std::vector<std::string> keys = {normalize(name)};
    for (const icu::Normalizer2* form : {nfkc_cf, nfkc}) {
      std::string k = utf8(twice(fold(name, form)));
      if (std::find(keys.begin(), keys.end(), k) == keys.end()) keys.push_back(std::move(k));
    }
    return keys;
  }

  static bool tight(UChar32 c) {
    if (c == u'(' || c == u')') return true;
    UErrorCode ec = U_ZERO_ERROR;
    return uscript_getScript(c, &ec) == USCRIPT_HAN;
  }

  std::string normalize(std::string_view name) {
    std::string key(name);
    if (auto it = cache.find(key); it != cache.end()) return it->second;
    // Last, the UTS #39 confusable skeleton: names that look alike (Latin
    // "a" and Cyrillic "а", "l" and "1") compare equal. After the folding
    // above, so that both spellings reach the same skeleton. Case folding
    // comes first so "IBM" and "ibm" stay one name (the skeleton of "I" is
    // "l"); the price: an upper-case lookalike with no lower-case one
    // (Cyrillic "Н" folds to "н", unlike "h") is not caught here
    // (lookalike_keys catches it, for user names).
    icu::UnicodeString out = skeleton(fold(name, nfkc_cf));
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

std::vector<std::string> lookalike_keys(std::string_view name) {
  return normalizer().lookalike_keys(name);
}

bool look_alike(std::string_view a, std::string_view b) {
  if (a == b) return true;
  const auto ka = lookalike_keys(a);
  for (const auto& k : lookalike_keys(b))
    if (std::find(ka.begin(), ka.end(), k) != ka.end()) return true;
  return false;
}

std::vector<std::pair<size_t, size_t>> lookalike_pairs(const std::vector<std::string>& names) {
  std::map<std::string, size_t> first;  // key -> the first name holding it
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t i = 0; i < names.size(); ++i) {
    std::optional<size_t> earlier;
    for (auto& k : lookalike_keys(names[i])) {
      auto [it, fresh] = first.emplace(std::move(k), i);
      if (!fresh && (!earlier || it->second < *earlier)) earlier = it->second;
    }
    if (earlier) out.emplace_back(*earlier, i);
  }
  return out;
}

namespace {

// Visible text for a name: no format (Cf), private-use (Co), unassigned (Cn)
// or surrogate (Cs) code point, none that is default-ignorable (fillers,
// variation selectors), no symbol of general category So (U+2800 braille
// blank, U+FFFC, U+1D159 draw as nothing or as a placeholder) and no
// combining mark outside UTS #39's recommended identifier set (U+0332 under
// a name, U+16FE4): these add nothing one can see, so they make a second
// name that looks like a registered one.
bool refused(UChar32 c, const USet* recommended) {
  switch (u_charType(c)) {
    case U_FORMAT_CHAR:
    case U_PRIVATE_USE_CHAR:
    case U_UNASSIGNED:
    case U_SURROGATE:
    case U_OTHER_SYMBOL:
      return true;
    case U_NON_SPACING_MARK:
    case U_ENCLOSING_MARK:
    case U_COMBINING_SPACING_MARK:
      return !recommended || !uset_contains(recommended, c);
    default:
      return u_hasBinaryProperty(c, UCHAR_DEFAULT_IGNORABLE_CODE_POINT);
  }
}

}  // namespace

std::optional<RefusedChar> find_refused_char(std::string_view name) {
  UErrorCode ec = U_ZERO_ERROR;
  const USet* recommended = uspoof_getRecommendedSet(&ec);  // ICU-owned, immutable
  if (U_FAILURE(ec)) recommended = nullptr;
  const auto* bytes = reinterpret_cast<const uint8_t*>(name.data());
  const int32_t length = static_cast<int32_t>(name.size());
  for (int32_t i = 0; i < length;) {
    const int32_t at = i;
    UChar32 c;
    U8_NEXT(bytes, i, length, c);
    if (c >= 0 && refused(c, recommended))
      return RefusedChar{static_cast<char32_t>(c), static_cast<size_t>(at)};
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
