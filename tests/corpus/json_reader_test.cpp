#include "corpus/json_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace expertmatch {
namespace {

std::string arrays(size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

struct Case {
  const char* name;
  std::string text;
  bool ok;
  JsonErrorKind kind;  // when !ok
  std::string field;
  std::string reason;
};

TEST(JsonReaderTest, RulesTable) {
  const Case cases[] = {
      {"object", R"({"a": [1, "x", null, true, 2.5]})", true, {}, "", ""},
      {"surrogate pair", R"({"t": "\ud83d\ude00"})", true, {}, "", ""},
      {"lone low surrogate", R"({"title": "\udc00"})", false, JsonErrorKind::kBadString, "title",
       "contains an unpaired UTF-16 surrogate (U+DC00 at byte 0)"},
      {"lone low surrogate after text", R"({"t": "ab\udfff"})", false, JsonErrorKind::kBadString,
       "t", "contains an unpaired UTF-16 surrogate (U+DFFF at byte 2)"},
      {"low surrogate in an array", R"({"k": ["ok", "\udc00"]})", false, JsonErrorKind::kBadString,
       "k[1]", "contains an unpaired UTF-16 surrogate (U+DC00 at byte 0)"},
      {"lone surrogate in a key", R"({"\udc00": 1})", false, JsonErrorKind::kBadString,
       "\\xED\\xB0\\x80", "(the key) contains an unpaired UTF-16 surrogate (U+DC00 at byte 0)"},
      {"lone high surrogate", R"({"t": "\ud800x"})", false, JsonErrorKind::kBadString, "t",
       "contains an unpaired UTF-16 surrogate (a high surrogate escape without a low one)"},
      {"lone high surrogate in an array", R"({"k": ["a", "\ud800"]})", false,
       JsonErrorKind::kBadString, "k[1]",
       "contains an unpaired UTF-16 surrogate (a high surrogate escape without a low one)"},
      {"lone high surrogate in a key", R"({"a": 1, "\ud800": 2})", false, JsonErrorKind::kBadString,
       "a (the next key)",
       "contains an unpaired UTF-16 surrogate (a high surrogate escape without a low one)"},
      {"NUL escape", R"({"t": "a\u0000"})", false, JsonErrorKind::kBadString, "t",
       "contains U+0000 (at byte 1)"},
      {"duplicate key", R"({"a": 1, "b": {"c": 1, "c": 2}})", false, JsonErrorKind::kDuplicateKey,
       "b.c", "appears more than once in the object"},
      {"same key in sibling objects", R"([{"a": 1}, {"a": 2}])", true, {}, "", ""},
      {"invalid UTF-8 byte", "{\"t\": \"\xff\"}", false, JsonErrorKind::kSyntax, "",
       "not valid JSON: invalid UTF-8 (at byte 7)"},
      {"encoded surrogate bytes", "{\"t\": \"\xed\xb0\x80\"}", false, JsonErrorKind::kSyntax, "",
       "not valid JSON: invalid UTF-8 (at byte 7)"},
      {"overlong form", "{\"t\": \"\xc0\xaf\"}", false, JsonErrorKind::kSyntax, "",
       "not valid JSON: invalid UTF-8 (at byte 7)"},
      {"trailing value", R"({} {})", false, JsonErrorKind::kSyntax, "",
       "not valid JSON: The document root must not be followed by other values. (at byte 3)"},
      {"64 levels", arrays(64), true, {}, "", ""},
      {"65 levels", arrays(65), false, JsonErrorKind::kTooDeep,
       "[0][0][0][0][0][0]...[0][0][0][0][0][0]", "is nested deeper than 64 levels"},
      {"deep inside a field", R"({"works": [{"x": )" + arrays(70) + "}]}", false,
       JsonErrorKind::kTooDeep, "works[0].x[0][0][0]...[0][0][0][0][0][0]",
       "is nested deeper than 64 levels"},
      {"80,000 levels", arrays(80000), false, JsonErrorKind::kTooDeep,
       "[0][0][0][0][0][0]...[0][0][0][0][0][0]", "is nested deeper than 64 levels"},
      {"200,000 levels unclosed", std::string(200000, '['), false, JsonErrorKind::kTooDeep,
       "[0][0][0][0][0][0]...[0][0][0][0][0][0]", "is nested deeper than 64 levels"},
  };
  for (const auto& c : cases) {
    rapidjson::Document doc;
    JsonError e;
    bool ok = read_json(c.text, &doc, &e);
    EXPECT_EQ(ok, c.ok) << c.name << ": " << e.reason;
    if (ok) continue;
    EXPECT_TRUE(doc.IsNull()) << c.name;
    EXPECT_EQ(static_cast<int>(e.kind), static_cast<int>(c.kind)) << c.name;
    EXPECT_EQ(e.field, c.field) << c.name;
    EXPECT_EQ(e.reason, c.reason) << c.name;
  }
}

// XML 1.0 text (W3C XML 1.0, 2.2): the Char production without the C0
// controls but TAB, LF, CR, and without what 2.2 discourages (DEL, C1,
// noncharacters). Code points at both edges of every excluded range.
TEST(JsonReaderTest, TextProblemFollowsXml10) {
  const std::pair<std::string, bool> cases[] = {
      {"\t\n\r", true},
      {"a\x01", false},
      {"\x08", false},
      {"\x0B", false},
      {"\x0C", false},
      {"\x0E", false},
      {"\x1F", false},
      {" ~", true},
      {"\x7F", false},
      {"\xC2\x80", false},  // U+0080
      {"\xC2\x85", false},
      {"\xC2\x9F", false},  // U+0085, U+009F
      {"\xC2\xA0", true},
      {"\xEF\xB7\x8F", true},  // U+00A0, U+FDCF
      {"\xEF\xB7\x90", false},
      {"\xEF\xB7\xAF", false},  // U+FDD0, U+FDEF
      {"\xEF\xB7\xB0", true},
      {"\xEF\xBF\xBD", true},  // U+FDF0, U+FFFD
      {"\xEF\xBF\xBE", false},
      {"\xEF\xBF\xBF", false},  // U+FFFE, U+FFFF
      {"\xF0\x9F\xBF\xBE", false},
      {"\xF4\x8F\xBF\xBF", false},  // U+1FFFE, U+10FFFF
      {"\xF0\x9F\x98\x80", true},   // U+1F600
      {"\xE2\x80\xA9", true},       // U+2029
      {"\xE2\x80\xAA", false},      // U+202A
      {"\xE2\x80\xAE", false},      // U+202E
      {"\xE2\x80\xAF", true},       // U+202F
      {"\xE2\x81\xA5", true},       // U+2065
      {"\xE2\x81\xA6", false},      // U+2066
      {"\xE2\x81\xA9", false},      // U+2069
      {"\xE2\x80\x8F", true},       // U+200F
  };
  for (const auto& [text, ok] : cases) EXPECT_EQ(text_problem(text).empty(), ok) << text;
  i18n::Message m;
  EXPECT_EQ(text_problem("电子\x07", &m),
            "contains U+0007 (at byte 6): text may hold no control character other than TAB, LF "
            "and CR, no bidirectional override and no noncharacter");
  EXPECT_EQ(m.key, "field.forbidden_character");
  // read_json applies it to strings and keys, as \u escapes or raw bytes.
  rapidjson::Document doc;
  JsonError e;
  EXPECT_FALSE(read_json(R"({"works": [{"title": "a\u0007"}]})", &doc, &e));
  EXPECT_EQ(static_cast<int>(e.kind), static_cast<int>(JsonErrorKind::kBadString));
  EXPECT_EQ(e.field, "works[0].title");
  EXPECT_FALSE(read_json("{\"k\xEF\xBF\xBF\": 1}", &doc, &e));
  EXPECT_FALSE(read_json(R"({"t": "\uFFFE"})", &doc, &e));
  EXPECT_TRUE(read_json(R"({"t": "a\tb\nc"})", &doc, &e));
  // ... unless the caller re-reads its own stored JSON (JsonLimits::xml_text).
  EXPECT_TRUE(read_json(R"({"t": "a\u0007"})", &doc, &e, JsonLimits{64, 1024, false}));
  // A NUL ends RapidJSON's reading as the end of the text would: what follows is refused.
  EXPECT_FALSE(read_json(std::string("{}\0", 3), &doc, &e));
  EXPECT_EQ(static_cast<int>(e.kind), static_cast<int>(JsonErrorKind::kSyntax));
  // ... with a catalogue message (an API error in the caller's language, not a blank one).
  EXPECT_EQ(e.message.key, "json.trailing");
  EXPECT_NE(e.reason.find("at byte 2"), std::string::npos) << e.reason;
  EXPECT_FALSE(read_json(std::string("{} \0x", 5), &doc, &e));
  EXPECT_TRUE(read_json("{} \r\n", &doc, &e));
}

TEST(JsonReaderTest, LimitsAreSettable) {
  rapidjson::Document doc;
  JsonError e;
  EXPECT_TRUE(read_json(arrays(3), &doc, &e, JsonLimits{3, 100}));
  EXPECT_FALSE(read_json(arrays(4), &doc, &e, JsonLimits{3, 100}));
  EXPECT_EQ(e.reason, "is nested deeper than 3 levels");
  EXPECT_FALSE(read_json(R"({"a": "0123456789"})", &doc, &e, JsonLimits{64, 10}));
  EXPECT_EQ(static_cast<int>(e.kind), static_cast<int>(JsonErrorKind::kTooLarge));
  EXPECT_EQ(e.reason, "is 19 bytes; at most 10 are accepted");
}

TEST(JsonReaderTest, UnicodeProblemTable) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},
      {"轴承 bearing 😀", ""},
      {std::string("a\0b", 3), "contains U+0000 (at byte 1)"},
      {"\xED\xA0\x80", "contains an unpaired UTF-16 surrogate (U+D800 at byte 0)"},
      {"ab\xE8\xBD", "is not valid UTF-8 (bad byte at offset 2)"},
      {"\xF4\x90\x80\x80", "is not valid UTF-8 (bad byte at offset 0)"},  // above U+10FFFF
      {"\xE0\x80\xAF", "is not valid UTF-8 (bad byte at offset 0)"},      // overlong
      {"\x80", "is not valid UTF-8 (bad byte at offset 0)"},
  };
  for (const auto& [text, want] : cases) EXPECT_EQ(unicode_problem(text), want) << text;
  EXPECT_EQ(printable_text("p-1"), "p-1");
  EXPECT_EQ(printable_text("p\xED\xB0\x80"), "p\\xED\\xB0\\x80");
}

// Found by fuzz/json_body_fuzz: RapidJSON's full-precision conversion calls
// clz(0) on 0e40; numbers are converted by strtod, correctly rounded.
TEST(JsonReaderTest, NumbersAreConvertedExactly) {
  rapidjson::Document doc;
  JsonError e;
  ASSERT_TRUE(read_json(
      R"([0e40, -0, 7, -7, 18446744073709551615, 18446744073709551616, 1.9660000000000003e145, 0.1, 2e-400])",
      &doc, &e))
      << e.reason;
  EXPECT_TRUE(doc[0].IsDouble());
  EXPECT_EQ(doc[0].GetDouble(), 0.0);
  EXPECT_TRUE(doc[1].IsInt());
  EXPECT_EQ(doc[1].GetInt(), 0);
  EXPECT_EQ(doc[2].GetInt(), 7);
  EXPECT_EQ(doc[3].GetInt(), -7);
  EXPECT_TRUE(doc[4].IsUint64());
  EXPECT_EQ(doc[4].GetUint64(), 18446744073709551615ull);
  EXPECT_TRUE(doc[5].IsDouble());
  EXPECT_EQ(doc[6].GetDouble(), 1.9660000000000003e145);
  EXPECT_EQ(doc[7].GetDouble(), 0.1);
  EXPECT_EQ(doc[8].GetDouble(), 0.0);
  EXPECT_FALSE(read_json("[1e400]", &doc, &e));
  EXPECT_EQ(e.reason, "not valid JSON: Number too big to be stored in double. (at byte 1)");
}

TEST(JsonReaderTest, DepthCountsContainers) {
  rapidjson::Document doc;
  JsonError e;
  ASSERT_TRUE(read_json(R"({"a": [1, {"b": []}], "c": 2})", &doc, &e));
  EXPECT_EQ(json_depth(doc), 4u);
  EXPECT_EQ(json_depth(doc["c"]), 0u);
}

}  // namespace
}  // namespace expertmatch
