// The exchange format of shared/spec/corpus-format.md: strict validation with
// "FILE:LINE: FIELD: REASON" messages, unknown fields kept, lossless round trip.
#include "corpus/exchange_format.h"

#include <gtest/gtest.h>

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/test_corpus.h"

namespace expertmatch {
namespace {

using fixture::sample_experts;
using fixture::sample_problems;
using fixture::TempDir;

// A valid problem line with one field replaced (or removed when `value` is empty).
std::string problem_line(const std::string& field, const std::string& value,
                         const std::string& id = "p1") {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"id", "\"" + id + "\""},
      {"enterprise", "\"衢州某化工有限公司\""},
      {"county", "\"衢江区\""},
      {"title", "\"反应釜温度波动\""},
      {"description", "\"温度控制不稳定\""},
      {"urgency", "3"},
  };
  bool replaced = false;
  std::string out = "{";
  for (auto& [k, v] : fields) {
    std::string val = v;
    if (k == field) {
      replaced = true;
      if (value.empty()) continue;
      val = value;
    }
    if (out.size() > 1) out += ",";
    out += "\"" + k + "\":" + val;
  }
  if (!replaced && !value.empty()) out += ",\"" + field + "\":" + value;
  return out + "}";
}

std::string expert_line(const std::string& field, const std::string& value,
                        const std::string& id = "e1") {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"id", "\"" + id + "\""},
      {"name", "\"张三\""},
      {"works", "[{\"kind\":\"paper\",\"title\":\"轴承磨削\"}]"},
  };
  bool replaced = false;
  std::string out = "{";
  for (auto& [k, v] : fields) {
    std::string val = v;
    if (k == field) {
      replaced = true;
      if (value.empty()) continue;
      val = value;
    }
    if (out.size() > 1) out += ",";
    out += "\"" + k + "\":" + val;
  }
  if (!replaced && !value.empty()) out += ",\"" + field + "\":" + value;
  return out + "}";
}

struct BadRecord {
  const char* name;
  std::string line;      // placed at line 2, after a valid record
  std::string expected;  // the one error message
};

std::string messages(const Status& s) {
  std::string out;
  for (const auto& e : s.field_errors()) out += e.to_string() + "\n";
  return out;
}

TEST(ExchangeFormatTest, BadProblemRecordsGiveExactMessages) {
  const std::string id65(65, 'a');
  const std::vector<BadRecord> cases = {
      {"urgency word", problem_line("urgency", "\"high\""),
       "problems.jsonl:2: urgency: must be an integer from 1 to 5, got \"high\""},
      {"urgency too big", problem_line("urgency", "6"),
       "problems.jsonl:2: urgency: must be an integer from 1 to 5, got 6"},
      {"urgency zero", problem_line("urgency", "0"),
       "problems.jsonl:2: urgency: must be an integer from 1 to 5, got 0"},
      {"urgency fraction", problem_line("urgency", "3.5"),
       "problems.jsonl:2: urgency: must be an integer from 1 to 5, got 3.5"},
      {"urgency bool", problem_line("urgency", "true"),
       "problems.jsonl:2: urgency: must be an integer from 1 to 5, got true"},
      {"missing id", problem_line("id", ""), "problems.jsonl:2: id: is required"},
      {"missing enterprise", problem_line("enterprise", ""),
       "problems.jsonl:2: enterprise: is required"},
      {"missing county", problem_line("county", ""), "problems.jsonl:2: county: is required"},
      {"missing title", problem_line("title", ""), "problems.jsonl:2: title: is required"},
      {"null title", problem_line("title", "null"), "problems.jsonl:2: title: is required"},
      {"blank title", problem_line("title", "\"  \""),
       "problems.jsonl:2: title: must not be empty"},
      {"missing description", problem_line("description", ""),
       "problems.jsonl:2: description: is required"},
      {"title number", problem_line("title", "42"),
       "problems.jsonl:2: title: must be a string, got 42"},
      {"id with space", problem_line("id", "\"p 1\""),
       "problems.jsonl:2: id: must be 1-64 characters of A-Z a-z 0-9 . _ ~ -, got \"p 1\""},
      {"id too long", problem_line("id", "\"" + id65 + "\""),
       "problems.jsonl:2: id: must be 1-64 characters of A-Z a-z 0-9 . _ ~ -, got \"" + id65 +
           "\""},
      {"id number", problem_line("id", "7"), "problems.jsonl:2: id: must be a string, got 7"},
      // Dot segments: a URL cannot address them (an attack trial made expert
      // ".." through the API; it ranked for others but no page could open it).
      {"id dot", problem_line("id", "\".\""),
       "problems.jsonl:2: id: must not be \".\" or \"..\": an id is a URL path segment, and "
       "browsers and proxies remove these two as dot segments, so the record could never be "
       "opened"},
      {"id dot dot", problem_line("id", "\"..\""),
       "problems.jsonl:2: id: must not be \".\" or \"..\": an id is a URL path segment, and "
       "browsers and proxies remove these two as dot segments, so the record could never be "
       "opened"},
      {"keywords string", problem_line("keywords", "\"轴承\""),
       "problems.jsonl:2: keywords: must be an array of strings, got \"轴承\""},
      {"keywords element", problem_line("keywords", "[\"轴承\",5]"),
       "problems.jsonl:2: keywords[1]: must be a string, got 5"},
      {"impossible date", problem_line("submitted", "\"2025-02-30\""),
       "problems.jsonl:2: submitted: must be a date YYYY-MM-DD, got \"2025-02-30\""},
      {"date format", problem_line("submitted", "\"2025/03/01\""),
       "problems.jsonl:2: submitted: must be a date YYYY-MM-DD, got \"2025/03/01\""},
      {"unknown status", problem_line("status", "\"finished\""),
       "problems.jsonl:2: status: must be one of submitted (or open), matched, in_progress, "
       "solved, withdrawn, closed, got \"finished\""},
      {"not an object", "[1,2]", "problems.jsonl:2: must be a JSON object, got [1,2]"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string text = problem_line("", "", "p0") + "\n" + c.line + "\n";
    auto r = parse_problems_jsonl(text, "problems.jsonl");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    ASSERT_EQ(r.status().field_errors().size(), 1u) << messages(r.status());
    EXPECT_EQ(r.status().field_errors()[0].to_string(), c.expected);
    EXPECT_EQ(r.status().field_errors()[0].line, 2);
    // The status message carries the same text.
    EXPECT_EQ(r.status().message(), c.expected);
  }
}

// Whether a problem holds a word is judged on what the analyser indexes
// (NFKC with case folding): circled letters are letters there (attack trial,
// issue 10: "ⓐⓑ" was refused as wordless); emoji and punctuation are not.
TEST(ExchangeFormatTest, WordsAreJudgedOnTheTextTheAnalyserIndexes) {
  struct Case {
    const char* title;
    bool has_words;
  };
  for (const Case& c : std::vector<Case>{
           {"\u24D0\u24D1", true},           // ⓐⓑ circled a, b (So) -> "ab"
           {"\u24B6", true},                 // Ⓐ circled capital A (So) -> "a"
           {"\u2122", true},                 // ™ (So) -> "tm"
           {"\u3392", true},                 // ㎒ (So) -> "mhz"
           {"\U0001F600\U0001F525", false},  // 😀🔥 emoji
           {"\uFF01\uFF01\uFF01", false},    // ！！！ full-width exclamation marks
           {"\u2605\u2192", false},          // ★→ symbols without letters
           {"\u3164\u3164", false},          // two Hangul fillers: letters, but shown as nothing
           {"\u115F", false},                // Hangul choseong filler, the same
           {"\u3164\u5F00", true},           // a filler beside 开 still has a word
       }) {
    SCOPED_TRACE(c.title);
    const std::string line =
        "{\"id\":\"p1\",\"enterprise\":\"衢州某化工有限公司\",\"county\":"
        "\"衢江区\",\"title\":\"" +
        std::string(c.title) + "\",\"description\":\"\"}\n";
    auto r = parse_problems_jsonl(line, "problems.jsonl");
    EXPECT_EQ(r.is_ok(), c.has_words) << (r.is_ok() ? "" : messages(r.status()));
    if (!c.has_words && !r.is_ok()) {
      ASSERT_EQ(r.status().field_errors().size(), 1u) << messages(r.status());
      EXPECT_EQ(r.status().field_errors()[0].field, "title");
      EXPECT_EQ(r.status().field_errors()[0].reason.rfind("holds no word", 0), 0u)
          << r.status().field_errors()[0].reason;
    }
  }
}

TEST(ExchangeFormatTest, OnlyTheTwoDotSegmentsAreRefusedAmongDottedIds) {
  EXPECT_FALSE(is_valid_id("."));
  EXPECT_FALSE(is_valid_id(".."));
  EXPECT_TRUE(is_valid_id("..."));
  EXPECT_TRUE(is_valid_id(".a"));
  EXPECT_TRUE(is_valid_id("v1.2"));
}

// "\"k0\",\"k1\",..." with n items.
std::string list_of(int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += std::string(i ? "," : "") + "\"k" + std::to_string(i) + "\"";
  return out;
}

TEST(ExchangeFormatTest, BadExpertRecordsGiveExactMessages) {
  const std::vector<BadRecord> cases = {
      {"missing name", expert_line("name", ""), "experts.jsonl:2: name: is required"},
      {"capacity negative", expert_line("capacity", "-1"),
       "experts.jsonl:2: capacity: must be an integer from 0 to 1000, got -1"},
      {"capacity string", expert_line("capacity", "\"2\""),
       "experts.jsonl:2: capacity: must be an integer from 0 to 1000, got \"2\""},
      {"available string", expert_line("available", "\"yes\""),
       "experts.jsonl:2: available: must be true or false, got \"yes\""},
      {"birth year", expert_line("birth_year", "1800"),
       "experts.jsonl:2: birth_year: must be an integer year from 1900 to 2100, got 1800"},
      {"fields object", expert_line("fields", "{\"a\":1}"),
       "experts.jsonl:2: fields: must be an array of strings, got {\"a\":1}"},
      {"counties element", expert_line("counties", "[\"江山市\",null]"),
       "experts.jsonl:2: counties[1]: must be a string, got null"},
      // One name twice, in another spelling too (found by an attack trial).
      {"counties repeated", expert_line("counties", "[\"柯城区\",\"柯城區 \"]"),
       "experts.jsonl:2: counties[1]: is the same name as counties[0]; give each name once"},
      {"conflicts repeated", expert_line("conflicts", "[\"甲公司\",\"乙公司\",\"甲公司\"]"),
       "experts.jsonl:2: conflicts[2]: is the same name as conflicts[0]; give each name once"},
      {"conflicts string", expert_line("conflicts", "\"巨化集团\""),
       "experts.jsonl:2: conflicts: must be an array of strings, got \"巨化集团\""},
      {"works string", expert_line("works", "\"轴承\""),
       "experts.jsonl:2: works: must be an array of work objects, got \"轴承\""},
      {"work not object", expert_line("works", "[{\"title\":\"a\"},3]"),
       "experts.jsonl:2: works[1]: must be a work object, got 3"},
      {"work without title", expert_line("works", "[{\"kind\":\"paper\"}]"),
       "experts.jsonl:2: works[0].title: is required"},
      {"work kind", expert_line("works", "[{\"title\":\"a\"},{\"kind\":\"book\",\"title\":\"b\"}]"),
       "experts.jsonl:2: works[1].kind: must be one of paper, patent, project, award, other, got "
       "\"book\""},
      {"work year", expert_line("works", "[{\"title\":\"a\",\"year\":\"2020\"}]"),
       "experts.jsonl:2: works[0].year: must be an integer year from 1000 to 2100, got \"2020\""},
      {"work keywords", expert_line("works", "[{\"title\":\"a\",\"keywords\":[1]}]"),
       "experts.jsonl:2: works[0].keywords[0]: must be a string, got 1"},
      // Issue 10, third round: lookalike names and records too large to index.
      {"conflict with a BOM", expert_line("conflicts", "[\"巨化集团\ufeff\"]"),
       "experts.jsonl:2: conflicts[0]: holds the invisible character U+FEFF at byte 12; a name may "
       "hold only visible text (no format characters such as zero-width or bidi controls, no "
       "private-use, unassigned, blank or placeholder symbols, no stray combining marks)"},
      {"organization with a bidi mark", expert_line("organization", "\"\u200f浙江工业大学\""),
       "experts.jsonl:2: organization: holds the invisible character U+200F at byte 0; a name may "
       "hold only visible text (no format characters such as zero-width or bidi controls, no "
       "private-use, unassigned, blank or placeholder symbols, no stray combining marks)"},
      // An override is refused in any text, a name included.
      {"organization with a bidi override", expert_line("organization", "\"\u202e浙江工业大学\""),
       "experts.jsonl:2: organization: contains U+202E (at byte 0): text may hold no control "
       "character other than TAB, LF and CR, no bidirectional override (U+202A\u2013U+202E, "
       "U+2066\u2013U+2069) and no noncharacter"},
      {"101 research fields", expert_line("fields", "[" + list_of(101) + "]"),
       "experts.jsonl:2: fields: has 101 entries; at most 100 are allowed"},
      {"101 keywords of a work",
       expert_line("works", "[{\"title\":\"a\",\"keywords\":[" + list_of(101) + "]}]"),
       "experts.jsonl:2: works[0].keywords: has 101 entries; at most 100 are allowed"},
      {"a work title of 1025 bytes",
       expert_line("works", "[{\"title\":\"" + std::string(1025, 't') + "\"}]"),
       "experts.jsonl:2: works[0].title: is 1025 bytes long; at most 1024 are allowed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    std::string text = expert_line("", "", "e0") + "\n" + c.line + "\n";
    auto r = parse_experts_jsonl(text, "experts.jsonl");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    ASSERT_EQ(r.status().field_errors().size(), 1u) << messages(r.status());
    EXPECT_EQ(r.status().field_errors()[0].to_string(), c.expected);
  }
}

TEST(ExchangeFormatTest, DuplicateKeyInOneObjectIsAnError) {
  std::string line =
      "{\"id\":\"p1\",\"id\":\"p2\",\"enterprise\":\"e\",\"county\":\"c\","
      "\"title\":\"t\",\"description\":\"\"}";
  auto r = parse_problems_jsonl(line, "problems.jsonl");
  ASSERT_FALSE(r.is_ok());
  ASSERT_EQ(r.status().field_errors().size(), 1u);
  EXPECT_EQ(r.status().field_errors()[0].to_string(),
            "problems.jsonl:1: id: appears more than once in the object");
}

TEST(ExchangeFormatTest, AllErrorsOfAFileAreReportedAtOnce) {
  // Line 1 good, 2 bad urgency, 3 good, 4 blank, 5 missing title and bad date, 6 not JSON.
  std::string text = problem_line("", "", "a") + "\n" + problem_line("urgency", "9", "b") + "\n" +
                     problem_line("", "", "c") + "\n" + "   \n" +
                     "{\"id\":\"d\",\"enterprise\":\"e\",\"county\":\"c\",\"description\":\"x\","
                     "\"submitted\":\"2025-13-01\"}\n" +
                     "{\"id\": }\n";
  auto r = parse_problems_jsonl(text, "problems.jsonl");
  ASSERT_FALSE(r.is_ok());
  const auto& errors = r.status().field_errors();
  ASSERT_EQ(errors.size(), 4u) << messages(r.status());
  EXPECT_EQ(errors[0].to_string(),
            "problems.jsonl:2: urgency: must be an integer from 1 to 5, got 9");
  EXPECT_EQ(errors[1].to_string(), "problems.jsonl:5: title: is required");
  EXPECT_EQ(errors[2].to_string(),
            "problems.jsonl:5: submitted: must be a date YYYY-MM-DD, got \"2025-13-01\"");
  EXPECT_EQ(errors[3].line, 6);
  EXPECT_EQ(errors[3].field, "");
  EXPECT_EQ(errors[3].to_string().rfind("problems.jsonl:6: not valid JSON: ", 0), 0u)
      << errors[3].to_string();
  // One line per error in the status message.
  EXPECT_EQ(std::count(r.status().message().begin(), r.status().message().end(), '\n'), 3);
}

TEST(ExchangeFormatTest, ErrorCountIsCappedByMaxErrors) {
  std::string text;
  for (int i = 0; i < 6; ++i)
    text += problem_line("urgency", "7", std::string(1, 'p').append(std::to_string(i))) + "\n";
  ReadOptions options;
  options.max_errors = 2;
  auto r = parse_problems_jsonl(text, "problems.jsonl", options);
  ASSERT_FALSE(r.is_ok());
  const auto& errors = r.status().field_errors();
  ASSERT_EQ(errors.size(), 3u) << messages(r.status());
  EXPECT_EQ(errors[0].line, 1);
  EXPECT_EQ(errors[1].line, 2);
  EXPECT_EQ(errors[2].to_string(), "problems.jsonl: too many errors; stopped reading at line 3");
}

TEST(ExchangeFormatTest, InvalidUtf8IsReportedWithItsLine) {
  std::string bad = problem_line("title", "\"轴承\xff磨削\"");
  std::string text = problem_line("", "", "p0") + "\n" + bad + "\n";
  auto r = parse_problems_jsonl(text, "problems.jsonl");
  ASSERT_FALSE(r.is_ok());
  ASSERT_EQ(r.status().field_errors().size(), 1u);
  const std::string msg = r.status().field_errors()[0].to_string();
  EXPECT_EQ(msg.rfind("problems.jsonl:2: not valid JSON: invalid UTF-8 (at byte ", 0), 0u) << msg;

  // A truncated multi-byte sequence and an encoded surrogate are invalid too.
  for (const std::string& seq : {std::string("\xe8\xbd"), std::string("\xed\xa0\x80")}) {
    auto r2 = parse_experts_jsonl(expert_line("name", "\"a" + seq + "b\""), "experts.jsonl");
    ASSERT_FALSE(r2.is_ok());
    EXPECT_NE(r2.status().message().find("invalid UTF-8"), std::string::npos)
        << r2.status().message();
  }
}

TEST(ExchangeFormatTest, StreamingHandsOnEachRecordWithItsLineUntilTheFirstError) {
  // Lines 1, 2 and 4 good, 3 blank, 5 bad urgency, 6 good, 7 a duplicate of line 1.
  std::string text = problem_line("", "", "a") + "\n" + problem_line("", "", "b") + "\n\n" +
                     problem_line("", "", "c") + "\n" + problem_line("urgency", "9", "d") + "\n" +
                     problem_line("", "", "e") + "\n" + problem_line("", "", "a") + "\n";
  std::vector<std::pair<std::string, int>> seen;
  Status s = read_problems_jsonl(text, "body", {}, [&](Problem&& p, int line) {
    seen.emplace_back(p.id, line);
    return Status::ok();
  });
  // Nothing after the first error reaches the sink, and every error is reported.
  const std::vector<std::pair<std::string, int>> want = {{"a", 1}, {"b", 2}, {"c", 4}};
  EXPECT_EQ(seen, want);
  ASSERT_FALSE(s.is_ok());
  ASSERT_EQ(s.field_errors().size(), 2u) << s.to_string();
  EXPECT_EQ(s.field_errors()[0].to_string(),
            "body:5: urgency: must be an integer from 1 to 5, got 9");
  EXPECT_EQ(s.field_errors()[1].to_string(), "body:7: id: duplicate id \"a\", first at line 1");

  // A sink's refusal is that line's error, with the source and line filled in;
  // the lines after it are still read for errors.
  seen.clear();
  std::string three = problem_line("", "", "a") + "\n" + problem_line("", "", "b") + "\n" +
                      problem_line("urgency", "0", "c") + "\n";
  s = read_problems_jsonl(three, "body", {}, [&](Problem&& p, int line) {
    seen.emplace_back(p.id, line);
    return p.id == "b" ? Status::invalid("county", i18n::Message("county.unknown_known",
                                                                 {{"name", "x"}, {"known", "y"}}))
                       : Status::ok();
  });
  ASSERT_FALSE(s.is_ok());
  ASSERT_EQ(s.field_errors().size(), 2u) << s.to_string();
  EXPECT_EQ(s.field_errors()[0].source, "body");
  EXPECT_EQ(s.field_errors()[0].line, 2);
  EXPECT_EQ(s.field_errors()[0].field, "county");
  EXPECT_EQ(s.field_errors()[1].line, 3);
  EXPECT_EQ(seen.size(), 2u);

  // Any other failure of the sink (a write) stops the reading at once.
  seen.clear();
  s = read_problems_jsonl(three, "body", {}, [&](Problem&& p, int line) {
    seen.emplace_back(p.id, line);
    return Status(ErrorCode::kIOError, "disk full");
  });
  EXPECT_EQ(s.code(), ErrorCode::kIOError);
  EXPECT_EQ(s.message(), "disk full");
  EXPECT_EQ(seen.size(), 1u);
}

TEST(ExchangeFormatTest, NamesAreCollectedOncePerSpellingWithTheSameWarnings) {
  // 华衢 twice, then its traditional spelling: the warning names the first
  // place of each spelling, as it did when every occurrence was kept.
  std::string text;
  const char* enterprises[] = {"华衢机械", "华衢机械", "華衢機械", "华衢机械"};
  for (int i = 0; i < 4; ++i)
    text += problem_line("enterprise", std::string("\"") + enterprises[i] + "\"",
                         "p" + std::to_string(i)) +
            "\n";
  std::vector<NameSpelling> names;
  ReadOptions options;
  options.names = &names;
  auto r = parse_problems_jsonl(text, "problems.jsonl", options);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  // Two spellings of the enterprise, one of the county.
  ASSERT_EQ(names.size(), 3u);
  EXPECT_EQ(names[0].name, "华衢机械");
  EXPECT_EQ(names[0].line, 1);
  EXPECT_EQ(names[1].name, "衢江区");
  EXPECT_EQ(names[2].name, "華衢機械");
  EXPECT_EQ(names[2].line, 3);
  const std::vector<std::string> want = {
      "problems.jsonl:3: enterprise: name \"華衢機械\" is another spelling of \"华衢机械\" "
      "(problems.jsonl:1, enterprise); both are read as one name"};
  EXPECT_EQ(spelling_warnings(names), want);
}

TEST(ExchangeFormatTest, DuplicateIdsAreRejected) {
  std::string text = problem_line("", "", "p1") + "\n" + problem_line("", "", "p2") + "\n" +
                     problem_line("", "", "p1") + "\n";
  auto r = parse_problems_jsonl(text, "problems.jsonl");
  ASSERT_FALSE(r.is_ok());
  ASSERT_EQ(r.status().field_errors().size(), 1u);
  EXPECT_EQ(r.status().field_errors()[0].to_string(),
            "problems.jsonl:3: id: duplicate id \"p1\", first at line 1");

  std::string experts = expert_line("", "", "e1") + "\n" + expert_line("", "", "e1") + "\n";
  auto e = parse_experts_jsonl(experts, "experts.jsonl");
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().message(), "experts.jsonl:2: id: duplicate id \"e1\", first at line 1");

  ReadOptions lenient;
  lenient.reject_duplicate_ids = false;
  auto ok = parse_problems_jsonl(text, "problems.jsonl", lenient);
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->size(), 3u);
}

TEST(ExchangeFormatTest, BlankLinesCrLfAndByteOrderMarkAreTolerated) {
  std::string text = "\xEF\xBB\xBF" + problem_line("", "", "p1") + "\r\n\r\n   \t\n\n" +
                     problem_line("", "", "p2") + "\r\n\n";
  auto r = parse_problems_jsonl(text, "problems.jsonl");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "p1");
  EXPECT_EQ((*r)[1].id, "p2");
  EXPECT_EQ((*r)[1].description, "温度控制不稳定");

  // Line numbers still count the blank lines.
  std::string with_error = "\n\n" + problem_line("urgency", "\"x\"") + "\n";
  auto e = parse_problems_jsonl(with_error, "problems.jsonl");
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(e.status().field_errors()[0].line, 3);

  auto empty = parse_experts_jsonl("", "experts.jsonl");
  ASSERT_TRUE(empty.is_ok());
  EXPECT_TRUE(empty->empty());
}

TEST(ExchangeFormatTest, DefaultsApplyWhenOptionalFieldsAreAbsent) {
  auto e = parse_expert_json("{\"id\":\"e1\",\"name\":\"张三\"}");
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ(e->capacity, 2);
  EXPECT_TRUE(e->available);
  EXPECT_FALSE(e->birth_year.has_value());
  EXPECT_TRUE(e->works.empty());

  auto p = parse_problem_json(
      "{\"id\":\"p1\",\"enterprise\":\"e\",\"county\":\"c\",\"title\":\"t\",\"description\":\"\"}");
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->urgency, 3);
  EXPECT_EQ(p->description, "");
  EXPECT_EQ(p->status, ProblemStatus::kSubmitted);

  auto w = parse_expert_json("{\"id\":\"e1\",\"name\":\"n\",\"works\":[{\"title\":\"t\"}]}");
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(w->works[0].kind, WorkKind::kOther);
  EXPECT_FALSE(w->works[0].year.has_value());
}

TEST(ExchangeFormatTest, UnknownFieldsAreKeptAndWrittenBack) {
  std::string line =
      "{\"id\":\"e1\",\"name\":\"张三\",\"x_source\":\"crawl\",\"scores\":[1,2.5,{\"a\":null}],"
      "\"works\":[{\"title\":\"轴承\",\"doi\":\"10.1/x\"}]}";
  auto r = parse_experts_jsonl(line, "experts.jsonl");
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  const Expert& e = (*r)[0];
  EXPECT_EQ(e.extra_json, "{\"x_source\":\"crawl\",\"scores\":[1,2.5,{\"a\":null}]}");
  EXPECT_EQ(e.works[0].extra_json, "{\"doi\":\"10.1/x\"}");

  std::string out = to_json(e);
  EXPECT_NE(out.find("\"x_source\":\"crawl\""), std::string::npos) << out;
  EXPECT_NE(out.find("\"scores\":[1,2.5,{\"a\":null}]"), std::string::npos) << out;
  EXPECT_NE(out.find("\"doi\":\"10.1/x\""), std::string::npos) << out;

  auto p = parse_problem_json(problem_line("budget_wan", "30"));
  ASSERT_TRUE(p.is_ok()) << p.status().to_string();
  EXPECT_EQ(p->extra_json, "{\"budget_wan\":30}");
  EXPECT_NE(to_json(*p).find("\"budget_wan\":30"), std::string::npos);
}

// Field-by-field comparison, so that a failure names the field that was lost.
void expect_same_work(const Work& a, const Work& b) {
  EXPECT_EQ(a.kind, b.kind);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.abstract, b.abstract);
  EXPECT_EQ(a.keywords, b.keywords);
  EXPECT_EQ(a.year, b.year);
  EXPECT_EQ(a.extra_json, b.extra_json);
}

void expect_same_expert(const Expert& a, const Expert& b) {
  SCOPED_TRACE("expert " + a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.organization, b.organization);
  EXPECT_EQ(a.college, b.college);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.birth_year, b.birth_year);
  EXPECT_EQ(a.fields, b.fields);
  EXPECT_EQ(a.bio, b.bio);
  ASSERT_EQ(a.works.size(), b.works.size());
  for (size_t i = 0; i < a.works.size(); ++i) expect_same_work(a.works[i], b.works[i]);
  EXPECT_EQ(a.capacity, b.capacity);
  EXPECT_EQ(a.available, b.available);
  EXPECT_EQ(a.counties, b.counties);
  EXPECT_EQ(a.conflicts, b.conflicts);
  EXPECT_EQ(a.extra_json, b.extra_json);
}

void expect_same_problem(const Problem& a, const Problem& b) {
  SCOPED_TRACE("problem " + a.id);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.enterprise, b.enterprise);
  EXPECT_EQ(a.county, b.county);
  EXPECT_EQ(a.industry, b.industry);
  EXPECT_EQ(a.title, b.title);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.keywords, b.keywords);
  EXPECT_EQ(a.urgency, b.urgency);
  EXPECT_EQ(a.submitted, b.submitted);
  EXPECT_EQ(a.status, b.status);
  EXPECT_EQ(a.extra_json, b.extra_json);
}

// Every documented field set to a non-default value, with text that needs escaping.
Expert full_expert() {
  Expert e;
  e.id = "A.z_0~9-x";
  e.name = "欧阳 \"明\"\\";
  e.organization = "浙江工业大学";
  e.college = "机械工程学院";
  e.title = "教授";
  e.birth_year = 1984;
  e.fields = {"轴承", "tribology", ""};
  e.bio = "第一行\n第二行\t制表 😀 \u00e9";
  Work w1;
  w1.kind = WorkKind::kPatent;
  w1.title = "一种轴承 / 装置";
  w1.abstract = "摘要 \"quoted\"";
  w1.keywords = {"专利", "bearing"};
  w1.year = 2021;
  w1.extra_json = "{\"doi\":\"10.1/x\",\"n\":[1,2]}";
  Work w2;
  w2.kind = WorkKind::kAward;
  w2.title = "省科技进步奖";
  Work w3;
  w3.kind = WorkKind::kOther;
  w3.title = "报告";
  w3.year = 1000;
  e.works = {w1, w2, w3, fixture::make_work(WorkKind::kPaper, "p", "a", {"k"}, 2100),
             fixture::make_work(WorkKind::kProject, "项目", "", {}, std::nullopt)};
  e.capacity = 0;
  e.available = false;
  e.counties = {"江山市", "柯城区"};
  e.conflicts = {"巨化集团", "某某 \"公司\""};
  e.extra_json = "{\"x_orcid\":\"0000-0001\",\"nested\":{\"a\":[true,false,null]}}";
  return e;
}

Problem full_problem() {
  Problem p;
  p.id = "P-2025.001";
  p.enterprise = "浙江某某有限公司";
  p.county = "龙游县";
  p.industry = "造纸和纸制品业";
  p.title = "湿强度 <不足>";
  p.description = "";
  p.keywords = {"湿强剂", "wet strength"};
  p.urgency = 5;
  p.submitted = "2024-02-29";
  p.status = ProblemStatus::kWithdrawn;
  p.extra_json = "{\"contact\":\"王\"}";
  return p;
}

TEST(ExchangeFormatTest, ExportThenImportIsLossless) {
  std::vector<Expert> experts = sample_experts();
  experts.push_back(full_expert());
  std::vector<Problem> problems = sample_problems();
  problems.push_back(full_problem());
  Problem solved = full_problem();
  solved.id = "p-solved";
  solved.status = ProblemStatus::kSolved;
  solved.urgency = 1;
  problems.push_back(solved);

  auto e2 = parse_experts_jsonl(to_jsonl(experts), "experts.jsonl");
  ASSERT_TRUE(e2.is_ok()) << e2.status().to_string();
  ASSERT_EQ(e2->size(), experts.size());
  for (size_t i = 0; i < experts.size(); ++i) expect_same_expert(experts[i], (*e2)[i]);

  auto p2 = parse_problems_jsonl(to_jsonl(problems), "problems.jsonl");
  ASSERT_TRUE(p2.is_ok()) << p2.status().to_string();
  ASSERT_EQ(p2->size(), problems.size());
  for (size_t i = 0; i < problems.size(); ++i) expect_same_problem(problems[i], (*p2)[i]);

  // A second round gives byte-identical text.
  EXPECT_EQ(to_jsonl(*e2), to_jsonl(experts));
  EXPECT_EQ(to_jsonl(*p2), to_jsonl(problems));
}

TEST(ExchangeFormatTest, FilesRoundTripThroughDisk) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  std::vector<Expert> experts = {full_expert()};
  ASSERT_TRUE(write_file_atomically(dir.file("experts.jsonl"), to_jsonl(experts)).is_ok());
  auto back = read_experts_file(dir.file("experts.jsonl"));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->size(), 1u);
  expect_same_expert(experts[0], (*back)[0]);

  // Overwriting leaves no temporary file behind.
  ASSERT_TRUE(write_file_atomically(dir.file("experts.jsonl"), "").is_ok());
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 1);

  auto missing = read_problems_file(dir.file("nope.jsonl"));
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kIOError);
}

TEST(ExchangeFormatTest, ReadTextFileReadsEveryByteOfFilesAndPipes) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  // Larger than one read piece, with NULs and bytes that are not UTF-8.
  std::string bytes;
  for (int i = 0; i < 200000; ++i) bytes.push_back(static_cast<char>((i * 7919) % 256));
  ASSERT_TRUE(write_file_atomically(dir.file("f.bin"), bytes).is_ok());
  auto back = read_text_file(dir.file("f.bin"));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back->size(), 200000u);
  EXPECT_TRUE(*back == bytes);

  ASSERT_TRUE(write_file_atomically(dir.file("empty"), "").is_ok());
  auto empty = read_text_file(dir.file("empty"));
  ASSERT_TRUE(empty.is_ok());
  EXPECT_EQ(*empty, "");

  // A pipe has no size: it is read to its end all the same.
  const std::string fifo = dir.file("pipe");
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  std::thread writer([&] {
    std::ofstream out(fifo, std::ios::binary);
    out << bytes;
  });
  auto piped = read_text_file(fifo);
  writer.join();
  ASSERT_TRUE(piped.is_ok()) << piped.status().to_string();
  EXPECT_TRUE(*piped == bytes);

  auto directory = read_text_file(dir.path());
  ASSERT_FALSE(directory.is_ok());
  EXPECT_EQ(directory.status().code(), ErrorCode::kIOError);
  EXPECT_NE(directory.status().message().find(dir.path() + ": read failed"), std::string::npos)
      << directory.status().message();
}

TEST(ExchangeFormatTest, ErrorsNameTheFileTheyCameFrom) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  const std::string path = dir.file("problems.jsonl");
  ASSERT_TRUE(write_file_atomically(path, problem_line("", "", "a") + "\n" +
                                              problem_line("urgency", "\"high\"", "b") + "\n")
                  .is_ok());
  auto r = read_problems_file(path);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().message(),
            path + ":2: urgency: must be an integer from 1 to 5, got \"high\"");
}

TEST(ExchangeFormatTest, QrelsParseAndRoundTrip) {
  auto q = parse_qrels("p1 0 e1 3\n\np1 0 e2 0\n  p2\t0\te1  1\n", "qrels.txt");
  ASSERT_TRUE(q.is_ok()) << q.status().to_string();
  ASSERT_EQ(q->size(), 3u);
  EXPECT_EQ((*q)[2].problem_id, "p2");
  EXPECT_EQ((*q)[2].expert_id, "e1");
  EXPECT_EQ((*q)[2].grade, 1);
  auto again = parse_qrels(to_qrels(*q), "qrels.txt");
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(to_qrels(*again), to_qrels(*q));

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"p1 0 e1 4\n", "qrels.txt:1: grade: must be an integer from 0 to 3, got \"4\""},
      {"p1 0 e1 high\n", "qrels.txt:1: grade: must be an integer from 0 to 3, got \"high\""},
      {"p1 0 e1\n", "qrels.txt:1: must be PROBLEM_ID 0 EXPERT_ID GRADE"},
      {"p1 0 e1 2 extra\n", "qrels.txt:1: must be PROBLEM_ID 0 EXPERT_ID GRADE"},
  };
  for (const auto& [text, expected] : bad) {
    SCOPED_TRACE(text);
    auto r = parse_qrels(text, "qrels.txt");
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().message(), expected);
  }
}

TEST(ExchangeFormatTest, IdAlphabet) {
  EXPECT_TRUE(is_valid_id("a"));
  EXPECT_TRUE(is_valid_id("A-z.0_9~"));
  EXPECT_TRUE(is_valid_id(std::string(64, 'x')));
  EXPECT_FALSE(is_valid_id(""));
  EXPECT_FALSE(is_valid_id(std::string(65, 'x')));
  EXPECT_FALSE(is_valid_id("a/b"));
  EXPECT_FALSE(is_valid_id("专家1"));
}

}  // namespace
}  // namespace expertmatch

namespace expertmatch {
namespace {

std::string line_with(const std::string& id, const std::string& extra_members) {
  return R"({"id": ")" + id +
         R"(", "enterprise": "e", "county": "c", "title": "t", "description": "d")" +
         extra_members + "}";
}

// The readers follow corpus/json_reader.h: a line breaking a rule is an error
// for that line (FILE:LINE: FIELD: REASON), and nothing of the file is returned.
TEST(ExchangeFormatTest, JsonRulesGiveLineErrors) {
  struct Case {
    const char* name;
    std::string line2;
    std::string message;
  };
  const Case cases[] = {
      {"lone surrogate", line_with("p2", R"(, "keywords": ["\udc00"])"),
       "problems.jsonl:2: keywords[0]: contains an unpaired UTF-16 surrogate (U+DC00 at byte 0)"},
      {"NUL", line_with("p2", R"(, "industry": "a\u0000")"),
       "problems.jsonl:2: industry: contains U+0000 (at byte 1)"},
      {"80,000 levels", std::string(80000, '[') + std::string(80000, ']'),
       "problems.jsonl:2: [0][0][0][0][0][0]...[0][0][0][0][0][0]: is nested deeper than 64 "
       "levels"},
      {"deep unknown field",
       line_with("p2", R"(, "x": )" + std::string(5000, '[') + std::string(5000, ']')),
       "problems.jsonl:2: x[0][0][0][0][0]...[0][0][0][0][0][0]: is nested deeper than 64 levels"},
      {"unknown field 17 deep",
       line_with("p2", R"(, "x": )" + std::string(17, '[') + std::string(17, ']')),
       "problems.jsonl:2: x: is an unknown field nested deeper than 16 levels; unknown fields are "
       "kept only up to that depth"},
      {"unknown fields too large", line_with("p2", R"(, "x": ")" + std::string(70000, 'a') + "\""),
       "problems.jsonl:2: x: unknown fields take 70008 bytes together; at most 65536 are kept"},
      {"nested duplicate key", line_with("p2", R"(, "x": {"k": 1, "k": 2})"),
       "problems.jsonl:2: x.k: appears more than once in the object"},
  };
  for (const auto& c : cases) {
    std::string text = line_with("p1", "") + "\n" + c.line2 + "\n";
    auto r = parse_problems_jsonl(text, "problems.jsonl");
    ASSERT_FALSE(r.is_ok()) << c.name;
    ASSERT_EQ(r.status().field_errors().size(), 1u) << c.name << ": " << r.status().message();
    EXPECT_EQ(r.status().field_errors()[0].to_string(), c.message) << c.name;
  }
  // Sixteen levels of unknown field are kept, and written back as read.
  std::string sixteen =
      line_with("p3", R"(, "x": )" + std::string(16, '[') + "1" + std::string(16, ']'));
  auto ok = parse_problems_jsonl(sixteen, "problems.jsonl");
  ASSERT_TRUE(ok.is_ok()) << ok.status().message();
  EXPECT_EQ(ok->at(0).extra_json,
            R"({"x":)" + std::string(16, '[') + "1" + std::string(16, ']') + "}");
  // An expert's works too.
  auto e = parse_experts_jsonl(R"({"id": "e1", "name": "n", "works": [{"title": "a\udc00"}]})",
                               "experts.jsonl");
  ASSERT_FALSE(e.is_ok());
  EXPECT_EQ(
      e.status().field_errors()[0].to_string(),
      "experts.jsonl:1: works[0].title: contains an unpaired UTF-16 surrogate (U+DC00 at byte "
      "1)");
}

TEST(ExchangeFormatTest, CheckRecordAppliesTheRulesToStoredRecords) {
  Problem p = sample_problems()[0];
  EXPECT_TRUE(check_record(p).empty());
  p.title = "\xE8\xBD\xB4\xED\xB0\x80";  // 轴 + the bytes of a lone "\udc00"
  p.keywords = {"ok", "\xff"};
  p.extra_json = std::string(20, '[');
  auto errors = check_record(p);
  ASSERT_EQ(errors.size(), 3u);
  EXPECT_EQ(errors[0].field + ": " + errors[0].reason,
            "title: contains an unpaired UTF-16 surrogate (U+DC00 at byte 3)");
  EXPECT_EQ(errors[1].field + ": " + errors[1].reason,
            "keywords[1]: is not valid UTF-8 (bad byte at offset 0)");
  EXPECT_EQ(errors[2].field + ": " + errors[2].reason,
            "[0][0][0][0][0][0]...[0][0][0][0][0][0]: unknown fields: is nested deeper than 17 "
            "levels");
  Expert e = sample_experts()[0];
  EXPECT_TRUE(check_record(e).empty());
  e.works.at(0).abstract = std::string("a\0b", 3);
  errors = check_record(e);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].field, "works[0].abstract");
  EXPECT_EQ(errors[0].reason, "contains U+0000 (at byte 1)");
}

}  // namespace
}  // namespace expertmatch

namespace expertmatch {
namespace {

// Found by fuzz/json_body_fuzz: numbers in unknown fields changed by an ulp on
// every import/export cycle (RapidJSON's fast number parsing).
TEST(ExchangeFormatTest, UnknownNumbersSurviveImportExportExactly) {
  std::string line =
      R"({"id": "p1", "enterprise": "e", "county": "c", "title": "t", "description": "d", "x": 1966)" +
      std::string(142, '0') + R"(, "y": 1.9660000000000003e145, "z": 0.1})";
  auto first = parse_problems_jsonl(line, "problems.jsonl");
  ASSERT_TRUE(first.is_ok()) << first.status().message();
  EXPECT_EQ(first->at(0).extra_json, R"({"x":1.966e145,"y":1.9660000000000003e145,"z":0.1})");
  auto second = parse_problems_jsonl(to_jsonl(*first), "export");
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(to_jsonl(*second), to_jsonl(*first));
}

}  // namespace
}  // namespace expertmatch
