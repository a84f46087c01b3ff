#include "corpus/utf8.h"

#include <gtest/gtest.h>

#include <string>

namespace expertmatch {
namespace {

// RFC 3629 section 4 and Unicode table 3-7, byte for byte: the text, whether it
// is well-formed, and the first bad byte when not.
struct Case {
  std::string text;
  bool valid;
  size_t bad;
};

TEST(Utf8Test, WellFormedIsExactlyRfc3629) {
  const Case cases[] = {
      {"", true, 0},
      {"abc", true, 0},
      {std::string("a\0b", 3), true, 0},  // U+0000 is well-formed (json_reader refuses it)
      {"\xc2\x80", true, 0},              // U+0080, smallest two-byte
      {"\xdf\xbf", true, 0},              // U+07FF
      {"\xe0\xa0\x80", true, 0},          // U+0800, smallest three-byte
      {"\xed\x9f\xbf", true, 0},          // U+D7FF, just below the surrogates
      {"\xee\x80\x80", true, 0},          // U+E000, just above
      {"\xef\xbf\xbf", true, 0},          // U+FFFF (a noncharacter, but UTF-8)
      {"\xf0\x90\x80\x80", true, 0},      // U+10000, smallest four-byte
      {"\xf4\x8f\xbf\xbf", true, 0},      // U+10FFFF, the largest
      {"轴承异响", true, 0},
      {"\xc0\xaf", false, 0},                  // overlong '/'
      {"ab\xc1\xbf", false, 2},                // overlong U+007F
      {"\xe0\x9f\xbf", false, 0},              // overlong U+07FF
      {"\xf0\x8f\xbf\xbf", false, 0},          // overlong U+FFFF
      {"x\xed\xa0\x80", false, 1},             // U+D800, a lone high surrogate
      {"\xed\xbf\xbf", false, 0},              // U+DFFF, a lone low surrogate
      {"\xed\xa0\xbd\xed\xb8\x80", false, 0},  // a surrogate pair in CESU-8
      {"\xf4\x90\x80\x80", false, 0},          // U+110000
      {"\xf5\x80\x80\x80", false, 0},          // lead byte above F4
      {"\xff", false, 0},
      {"轴\x80承", false, 3},               // stray continuation byte
      {"轴承\xe8\xbd", false, 6},           // truncated at the end
      {"\xe8\x41\x80", false, 0},           // a continuation byte missing
      {"a\xf8\x88\x80\x80\x80", false, 1},  // five-byte form
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(testing::PrintToString(c.text));
    size_t bad = 99;
    EXPECT_EQ(is_valid_utf8(c.text, &bad), c.valid);
    EXPECT_EQ(bad, c.valid ? 99u : c.bad);
  }
}

TEST(Utf8Test, DecodeNamesTheCodePointAndTheFault) {
  Utf8Char c = decode_utf8("\xf0\x9f\x98\x80", 0);
  EXPECT_EQ(c.fault, Utf8Fault::kNone);
  EXPECT_EQ(c.code_point, 0x1F600u);
  EXPECT_EQ(c.length, 4u);
  c = decode_utf8("a\xed\xb0\x80", 1);  // what "\udc00" decodes to
  EXPECT_EQ(c.fault, Utf8Fault::kSurrogate);
  EXPECT_EQ(c.code_point, 0xDC00u);
  EXPECT_EQ(c.length, 3u);
  c = decode_utf8("\xc0\x80", 0);  // overlong U+0000 (modified UTF-8)
  EXPECT_EQ(c.fault, Utf8Fault::kMalformed);
  EXPECT_EQ(c.length, 0u);
}

TEST(Utf8Test, LengthCountsCharactersNotBytes) {
  EXPECT_EQ(utf8_length(""), 0u);
  EXPECT_EQ(utf8_length("pass-word"), 9u);
  EXPECT_EQ(utf8_length("密码密码"), 4u);           // 12 bytes
  EXPECT_EQ(utf8_length("\xf0\xa0\xae\xb7x"), 2u);  // 𠮷 (4 bytes) and x
  EXPECT_EQ(utf8_length("a\xff\xc0\xaf"), 4u);      // each bad byte counts once
}

TEST(Utf8Test, ReplacedTextIsValidAndKeepsWhatWasValid) {
  EXPECT_EQ(utf8_or_replaced("轴承"), "轴承");
  EXPECT_EQ(utf8_or_replaced("a\xff"
                             "b"),
            "a\xEF\xBF\xBD"
            "b");
  // A surrogate's three bytes start no well-formed sequence: three U+FFFD.
  EXPECT_EQ(utf8_or_replaced("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_TRUE(is_valid_utf8(utf8_or_replaced("\xc0\xaf\xf4\x90\x80\x80 \xe8\xbd")));
}

}  // namespace
}  // namespace expertmatch
