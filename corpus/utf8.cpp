#include "corpus/utf8.h"

namespace expertmatch {

Utf8Char decode_utf8(std::string_view text, size_t at) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char lead = s[at];
  Utf8Char out;
  if (lead < 0x80) return {lead, 1, Utf8Fault::kNone};
  const size_t len = (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || at + len > text.size()) return out;
  uint32_t cp = lead & (0x7F >> len);
  for (size_t k = 1; k < len; ++k) {
    if ((s[at + k] & 0xC0) != 0x80) return out;
    cp = (cp << 6) | (s[at + k] & 0x3F);
  }
  // Overlong forms would give a second spelling of the same text (C0 AF for
  // '/'), which is how filters are slipped past.
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10FFFF)
    return out;
  out.code_point = cp;
  out.length = len;
  out.fault = cp >= 0xD800 && cp <= 0xDFFF ? Utf8Fault::kSurrogate : Utf8Fault::kNone;
  return out;
}

bool is_valid_utf8(std::string_view text, size_t* bad_offset) {
  for (size_t i = 0; i < text.size();) {
    Utf8Char c = decode_utf8(text, i);
    if (c.fault != Utf8Fault::kNone) {
      if (bad_offset) *bad_offset = i;
      return false;
    }
    i += c.length;
  }
  return true;
}

size_t utf8_length(std::string_view text) {
  size_t n = 0;
  for (size_t i = 0; i < text.size(); ++n) {
    Utf8Char c = decode_utf8(text, i);
    i += c.fault == Utf8Fault::kNone ? c.length : 1;
  }
  return n;
}

std::string utf8_or_replaced(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    Utf8Char c = decode_utf8(text, i);
    if (c.fault != Utf8Fault::kNone) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.substr(i, c.length));
      i += c.length;
    }
  }
  return out;
}

}  // namespace expertmatch
