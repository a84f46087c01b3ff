// The one decoder of UTF-8 in the program: every check that text is UTF-8
// (JSON text, request targets, text to analyse) goes through decode_utf8, so
// they agree on what is well-formed.
//
// Well-formed is RFC 3629 section 4 (Unicode 15, table 3-7): no stray
// continuation byte, no truncated sequence, no overlong form (C0 80 for U+0000),
// no encoded surrogate U+D800-U+DFFF (also not a lone one, as CESU-8 or a
// decoded "\udc00" escape gives), nothing above U+10FFFF (F4 90 80 80, F5-FF).
//
// Thread safety: free functions without state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace expertmatch {

// What decode_utf8 found at one byte offset.
enum class Utf8Fault {
  kNone,       // a well-formed sequence
  kMalformed,  // not the start of a well-formed sequence (bad, truncated, overlong, > U+10FFFF)
  kSurrogate,  // three bytes that encode a surrogate code point (well-formed otherwise)
};

struct Utf8Char {
  uint32_t code_point = 0;  // set for kNone and kSurrogate
  size_t length = 0;        // bytes: 1-4 for kNone, 3 for kSurrogate, 0 for kMalformed
  Utf8Fault fault = Utf8Fault::kMalformed;
};

// The character whose encoding starts at `text[at]`; `at` < text.size().
Utf8Char decode_utf8(std::string_view text, size_t at);

// True if `text` is well-formed UTF-8; otherwise `bad_offset` (if given) gets
// the offset of the first byte that starts no well-formed sequence.
bool is_valid_utf8(std::string_view text, size_t* bad_offset = nullptr);

// The number of characters (code points) in `text`, as a person counts them:
// "密码" is 2, not 6. A byte that starts no well-formed sequence counts as one
// (as utf8_or_replaced shows it).
size_t utf8_length(std::string_view text);

// `text` with every byte that starts no well-formed sequence replaced by U+FFFD
// (a surrogate's three bytes give three), so that any bytes can go into a JSON
// string or a log line.
std::string utf8_or_replaced(std::string_view text);

}  // namespace expertmatch
