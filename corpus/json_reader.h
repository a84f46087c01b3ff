// The one way untrusted JSON text becomes a document: every HTTP body, every
// line of a JSON Lines import and every exchange-format record goes through
// read_json, so the same rules hold whichever endpoint or command reads it.
//
// The rules (RFC 8259 text, plus limits that keep a request from taking the
// process down or storing what clients cannot read back):
//   - the text is UTF-8 (RFC 3629): no invalid bytes, overlong forms or
//     encoded surrogates;
//   - every decoded string and key is valid Unicode: a \u escape of an
//     unpaired UTF-16 surrogate (e.g. "\udc00") is refused, and so is U+0000,
//     which C strings and SQLite text would silently cut;
//   - every string and key is XML 1.0 text (W3C XML 1.0, 2.2 Char, and the
//     characters it discourages): no C0 control other than TAB, LF and CR,
//     no DEL or C1 control (U+007F-U+009F), no noncharacter (U+FDD0-U+FDEF,
//     and U+xFFFE / U+xFFFF of every plane). Such a character is invisible,
//     has no use in a record, and makes the county's XLSX ledger unopenable
//     (JsonLimits::xml_text, on by default);
//   - no object has the same key twice (RFC 8259 section 4 leaves it open);
//   - nesting is at most JsonLimits::max_depth containers deep, and the text
//     at most JsonLimits::max_bytes long.
// Parsing never recurses (RapidJSON's iterative parser), so depth costs heap,
// not stack, until the limit stops it.
//
// Thread safety: free functions without shared state.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include <rapidjson/document.h>

#include "i18n/messages.h"

namespace expertmatch {

struct JsonLimits {
  // Containers (objects and arrays) open at once; the top-level value counts as 1.
  size_t max_depth = 64;
  // Bytes of JSON text; longer text is refused before parsing.
  size_t max_bytes = size_t{16} << 20;
  // Refuse strings that are not XML 1.0 text (see text_problem). Off only
  // where the service re-reads JSON it stored itself under older rules.
  bool xml_text = true;
};

// Why a text was refused. kSyntax and kTooDeep/kTooLarge describe the text as
// a whole (a transport would answer 400); kBadString and kDuplicateKey are
// about one value's content (422: the JSON is well formed, its data is not).
enum class JsonErrorKind { kSyntax, kTooLarge, kTooDeep, kBadString, kDuplicateKey };

struct JsonError {
  JsonErrorKind kind = JsonErrorKind::kSyntax;
  // Where: a path from the top value, e.g. "title", "works[2].keywords[0]",
  // "" for the whole text. A path deeper than 12 steps is shortened in the
  // middle ("a.b[0]...[0][0]").
  std::string field;
  // Why, in words: "not valid JSON: <RapidJSON's reason> (at byte N)" for
  // kSyntax, "is nested deeper than 64 levels", "contains an unpaired UTF-16
  // surrogate (U+DC00 at byte 0)", "appears more than once in the object".
  std::string reason;
  // The same reason as a catalogue message (json.*, field.duplicate_key), for
  // people: the API renders it in the caller's language.
  i18n::Message message;
  // Byte offset in the text where reading stopped.
  size_t offset = 0;

  // Sets `message` and its English text `reason`.
  void set(i18n::Message why);
};

// Parses `text` into `doc` under the rules above. On failure returns false,
// fills `error` and leaves `doc` null. Any JSON value is accepted at the top;
// callers check its type.
bool read_json(std::string_view text, rapidjson::Document* doc, JsonError* error,
               const JsonLimits& limits = {});

// Checks that `text` is well-formed UTF-8 holding no surrogate code point and
// no U+0000 (the rule read_json applies to every string). Returns "" when it
// is, else the reason, e.g. "is not valid UTF-8 (bad byte at offset 3)".
std::string unicode_problem(std::string_view text);
// The same check, as a catalogue message (json.nul, json.bad_utf8,
// json.surrogate); empty when the text is fine.
i18n::Message unicode_problem_message(std::string_view text);

// The characters a text may not hold although they are valid Unicode: a C0
// control other than TAB, LF and CR, DEL and the C1 controls (U+007F-U+009F),
// the bidirectional embeddings, overrides and isolates (U+202A-U+202E,
// U+2066-U+2069; UAX #9, "Trojan Source"),
// and the noncharacters (U+FDD0-U+FDEF, U+xFFFE and U+xFFFF). XML 1.0's Char
// production excludes the C0 controls and U+FFFE/U+FFFF, and its section 2.2
// discourages the rest. `text` must already be valid UTF-8 (unicode_problem).
// Returns "" when none occurs, else the reason naming the first one and its
// byte offset, and fills `message` (if given) with the catalogue message
// field.forbidden_character.
std::string text_problem(std::string_view text, i18n::Message* message = nullptr);
// True if code point `cp` is one text_problem refuses.
bool is_forbidden_in_text(uint32_t cp);

// `text` itself when unicode_problem(text) is "", else with every byte outside
// printable ASCII shown as \xNN: safe for a log line or a JSON string.
std::string printable_text(std::string_view text);

// Containers nested inside `value`: 0 for a scalar, 1 for [] or {"a": 1}.
// Iterative; safe on any depth.
size_t json_depth(const rapidjson::Value& value);

}  // namespace expertmatch
