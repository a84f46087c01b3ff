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
// parenthesis. Invalid UTF-8 bytes become U+FFFD. The normalised form is for
// comparing only; records keep and show the spelling they were given.
//
// Thread safety: safe from any thread (ICU objects are per thread).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace expertmatch {

std::string normalize_name(std::string_view name);

// A format character (Unicode general category Cf: U+200B-U+200D, U+2060,
// U+FEFF, the bidi controls U+202A-U+202E and U+2066-U+2069, ...) in a name,
// found by ICU's u_charType. Invisible, it would make a lookalike of another
// name ("巨化集团" + U+200B), so names (enterprise, county, organisation,
// college, conflicts, token and account scopes) may not hold one; the
// readers refuse them (field.name_invisible).
struct FormatChar {
  char32_t code = 0;  // the code point
  size_t offset = 0;  // its byte offset in the name
};
// The first format character of `name` (UTF-8), if any.
std::optional<FormatChar> find_format_char(std::string_view name);
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
