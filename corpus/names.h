// One normalised form for the names of enterprises, counties, colleges and
// organisations, so that every comparison of two names agrees: conflicts of
// interest (matcher), token scopes (api/access), list filters (api/service),
// plans (matcher/planner, corpus/plan_store) and the import's spelling check.
//
// normalize_name: Unicode NFKC with case folding (full-width letters, digits
// and parentheses become half-width: （衢州） -> (衢州)), Traditional ->
// Simplified Chinese (ICU's "Traditional-Simplified" transform: 恆拓壓縮機 ->
// 恒拓压缩机), 〔〕【】[] read as parentheses, white space trimmed, runs of it
// collapsed to one space, and none kept next to a Han character or a
// parenthesis; last, the UTS #39 confusable skeleton (ICU
// uspoof_getSkeleton), so names that merely look alike (Latin "o" and
// Cyrillic "о") are one name, with a small project table of lookalikes the
// Unicode data lacks (names.cpp, kExtraConfusables: 巿 U+5DFF for 市). Invalid UTF-8 bytes become
// U+FFFD. The normalised form is for comparing only (it is not meant to be read: the skeleton is in
// NFD and may swap letters for lookalikes); records keep and show the spelling they were given.
//
// Thread safety: safe from any thread (ICU objects are per thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace expertmatch {

std::string normalize_name(std::string_view name);

// Keys for telling whether two user names look alike (UTS #39 section 4,
// confusable detection, with ICU's uspoof_getSkeleton): each name is read
// as NFKC with Traditional -> Simplified, white space and brackets as in
// normalize_name, then taken to NFD with its combining marks (general
// category M) removed ("ė", "i" + U+0307 read as "e", "i"), and its
// skeleton taken twice around a case fold, once from the case-folded name
// and once from the name as written, since case and lookalikes do not
// commute ("aIice": capital I looks like "l" but folds to "i"; Lisu "ꓮlice"
// looks like "Alice", which folds to "alice"). The keys also hold
// normalize_name(name). Two names look alike if they share a key. For
// comparing only; a few per name, each a few times the name's length.
std::vector<std::string> lookalike_keys(std::string_view name);
// a == b, or lookalike_keys(a) and lookalike_keys(b) share a key.
bool look_alike(std::string_view a, std::string_view b);
// Pairs (i, j), i < j, of `names` that look alike, one per later name j
// (i the first earlier name it looks like), in order of j: how an admin
// finds lookalikes stored before a check caught them.
std::vector<std::pair<size_t, size_t>> lookalike_pairs(const std::vector<std::string>& names);

// A character that is not visible text, found with ICU (u_charType,
// UCHAR_DEFAULT_IGNORABLE_CODE_POINT, uspoof_getRecommendedSet): a format
// character (general category Cf: U+200B-U+200D, U+2060, U+FEFF, the bidi
// controls), a private-use (Co: U+E000) or unassigned (Cn) code point, a
// default-ignorable one (fillers, variation selectors), an "other symbol"
// (So: U+2800 braille blank, U+FFFC, U+1D159) or a combining mark outside
// UTS #39's recommended identifier set (U+0332, U+16FE4). Invisible or
// meaningless, it would make a lookalike of another name ("巨化集团" +
// U+200B), so names (enterprise, county, organisation, college, conflicts,
// token and account scopes) may not hold one; the readers refuse them
// (field.name_invisible).
struct RefusedChar {
  char32_t code = 0;  // the code point
  size_t offset = 0;  // its byte offset in the name
};
// The first refused character of `name` (UTF-8), if any.
std::optional<RefusedChar> find_refused_char(std::string_view name);
// "U+200B"
std::string code_point_name(char32_t code);
// normalize_name(a) == normalize_name(b).
bool same_name(std::string_view a, std::string_view b);
// True if some element of `names` is the same name as `name`.
bool contains_name(const std::vector<std::string>& names, std::string_view name);

// One spelling of a name as read from a file, for spelling_warnings.
struct NameSpelling {
  std::string name;    // as written
  std::string field;   // "enterprise", "county", "conflicts", ...
  std::string source;  // file name
  int line = 0;        // 1-based line in `source`
};
// One warning per pair of different spellings of one normalised name
// ("FILE:LINE: FIELD: name "A" is spelled "B" at FILE:LINE (field F); both
// are read as one name"), the first place of each spelling named. Spellings
// that are byte-identical are not reported.
std::vector<std::string> spelling_warnings(const std::vector<NameSpelling>& names);

}  // namespace expertmatch
