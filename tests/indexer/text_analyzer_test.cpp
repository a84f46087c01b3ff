// TextAnalyzer: tables of literal inputs and the exact tokens expected (term,
// kind and byte range in the original text), then properties over mixed text.
#include "indexer/text_analyzer.h"

#include "corpus/utf8.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include <unicode/unistr.h>

#include "indexer/lexicon.h"

namespace expertmatch {
namespace {

constexpr TokenKind W = TokenKind::kWord;
constexpr TokenKind B = TokenKind::kBigram;
constexpr TokenKind L = TokenKind::kLatin;
constexpr TokenKind N = TokenKind::kNumber;
constexpr TokenKind C = TokenKind::kChar;

const char* kind_name(TokenKind k) {
  switch (k) {
    case TokenKind::kWord:
      return "word";
    case TokenKind::kBigram:
      return "bigram";
    case TokenKind::kLatin:
      return "latin";
    case TokenKind::kNumber:
      return "number";
    case TokenKind::kChar:
      return "char";
  }
  return "?";
}

struct Tok {
  std::string term;
  TokenKind kind;
  uint32_t begin;
  uint32_t end;
  bool operator<(const Tok& o) const {
    return std::tie(begin, end, kind, term) < std::tie(o.begin, o.end, o.kind, o.term);
  }
  bool operator==(const Tok& o) const {
    return std::tie(begin, end, kind, term) == std::tie(o.begin, o.end, o.kind, o.term);
  }
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{\"" << t.term << "\", " << kind_name(t.kind) << ", " << t.begin << ", " << t.end
            << "}";
}

// Tokens in a canonical order (the analyzer promises the set, not an order).
std::vector<Tok> sorted(const std::vector<Token>& tokens) {
  std::vector<Tok> out;
  for (const auto& t : tokens) out.push_back({t.term, t.kind, t.begin, t.end});
  std::sort(out.begin(), out.end());
  return out;
}

const Lexicon& builtin_lexicon() {
  static const Lexicon* lexicon = [] {
    auto* l = new Lexicon();
    for (const auto& t : Lexicon::builtin_terms()) l->add(t);
    return l;
  }();
  return *lexicon;
}

// The tables below show words and bigrams; single characters have their own test.
AnalyzerOptions without_unigrams() {
  AnalyzerOptions o;
  o.cjk_unigrams = false;
  return o;
}

struct Case {
  const char* name;
  std::string input;
  std::vector<Tok> expected;
};

void check_cases(TextAnalyzer& analyzer, const std::vector<Case>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(std::string(c.name) + ": " + c.input);
    auto r = analyzer.analyze(c.input);
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    std::vector<Tok> want = c.expected;
    std::sort(want.begin(), want.end());
    EXPECT_EQ(sorted(*r), want);
  }
}

TEST(TextAnalyzerTest, ChineseEnglishAndNumbersWithTheDomainLexicon) {
  TextAnalyzer analyzer(&builtin_lexicon(), without_unigrams());
  const std::vector<Case> cases = {
      {"simplified", "轴承", {{"轴承", W, 0, 6}, {"轴承", B, 0, 6}}},
      {"traditional to simplified", "軸承", {{"轴承", W, 0, 6}, {"轴承", B, 0, 6}}},
      {"traditional phrase, lexicon words",
       "深溝球軸承磨削燒傷",
       {{"深沟球轴承", W, 0, 15},
        {"磨削烧伤", W, 15, 27},
        {"深沟", B, 0, 6},
        {"沟球", B, 3, 9},
        {"球轴", B, 6, 12},
        {"轴承", B, 9, 15},
        {"承磨", B, 12, 18},
        {"磨削", B, 15, 21},
        {"削烧", B, 18, 24},
        {"烧伤", B, 21, 27}}},
      {"traditional with stop words 與 的",
       "電機與變壓器的局部放電",
       {{"电机", W, 0, 6},
        {"变压器", W, 9, 18},
        {"局部放电", W, 21, 33},
        {"电机", B, 0, 6},
        {"变压", B, 9, 15},
        {"压器", B, 12, 18},
        {"局部", B, 21, 27},
        {"部放", B, 24, 30},
        {"放电", B, 27, 33}}},
      {"full-width Latin",
       "ＰＬＣ控制",
       {{"plc", L, 0, 9}, {"控制", W, 9, 15}, {"控制", B, 9, 15}}},
      {"full-width digits", "２０２５年", {{"2025", N, 0, 12}, {"年", W, 12, 15}}},
      {"full-width decimal and unit",
       "０．５ｍｍ厚的钢板",
       {{"0.5mm", N, 0, 15}, {"厚", W, 15, 18}, {"钢板", W, 21, 27}, {"钢板", B, 21, 27}}},
      {"unit sign ㎜", "0.5㎜", {{"0.5mm", N, 0, 6}}},
      {"stemming",
       "Bearings running hot",
       {{"bear", L, 0, 8}, {"run", L, 9, 16}, {"hot", L, 17, 20}}},
      {"English stop words", "the bearing is running", {{"bear", L, 4, 11}, {"run", L, 15, 22}}},
      {"mixed Chinese and English",
       "Siemens PLC控制的生产线",
       {{"siemen", L, 0, 7},
        {"plc", L, 8, 11},
        {"控制", W, 11, 17},
        {"生产线", W, 20, 29},
        {"控制", B, 11, 17},
        {"生产", B, 20, 26},
        {"产线", B, 23, 29}}},
      {"mixed, English then Chinese",
       "Deep Learning缺陷检测",
       {{"deep", L, 0, 4},
        {"learn", L, 5, 13},
        {"缺陷检测", W, 13, 25},
        {"缺陷", B, 13, 19},
        {"陷检", B, 16, 22},
        {"检测", B, 19, 25}}},
      {"lexicon re-joins 湿强剂",
       "湿强剂用量",
       {{"湿强剂", W, 0, 9}, {"用量", W, 9, 15}, {"湿强", B, 0, 6}, {"强剂", B, 3, 9}}},
      {"lexicon across traditional forms",
       "濕強劑",
       {{"湿强剂", W, 0, 9}, {"湿强", B, 0, 6}, {"强剂", B, 3, 9}}},
      {"model number before Han",
       "6205深沟球轴承",
       {{"6205", N, 0, 4},
        {"深沟球轴承", W, 4, 19},
        {"深沟", B, 4, 10},
        {"沟球", B, 7, 13},
        {"球轴", B, 10, 16},
        {"轴承", B, 13, 19}}},
      {"number with unit inside Chinese",
       "厚度0.5mm的钢板",
       {{"厚度", W, 0, 6},
        {"厚度", B, 0, 6},
        {"0.5mm", N, 6, 11},
        {"钢板", W, 14, 20},
        {"钢板", B, 14, 20}}},
      {"bearing designation", "6205-2RS", {{"6205", N, 0, 4}, {"2rs", N, 5, 8}}},
      {"alphanumeric", "m3", {{"m3", N, 0, 2}}},
      {"emoji between words",
       "轴承😀振动",
       {{"轴承", W, 0, 6}, {"轴承", B, 0, 6}, {"振动", W, 10, 16}, {"振动", B, 10, 16}}},
      {"only emoji", "😀👍🏽", {}},
      {"full-width punctuation separates runs",
       "轴承，振动。",
       {{"轴承", W, 0, 6}, {"轴承", B, 0, 6}, {"振动", W, 9, 15}, {"振动", B, 9, 15}}},
      // Every word here is a stop word; a bigram that is a stop word (问题,
      // 什么) must go too, not only bigrams containing a one-character one.
      {"only stop words", "我们的问题是什么", {}},
      {"stop-word bigrams inside a run", "研究方法", {{"究方", B, 3, 9}}},
      {"empty", "", {}},
      {"only spaces and punctuation", " \t\n，。！", {}},
  };
  check_cases(analyzer, cases);
}

TEST(TextAnalyzerTest, WithoutALexiconIcuWordsStand) {
  TextAnalyzer analyzer(nullptr, without_unigrams());
  const std::vector<Case> cases = {
      // ICU's dictionary splits 湿强剂; only the lexicon keeps it whole.
      {"湿强剂 split",
       "湿强剂用量",
       {{"湿", W, 0, 3},
        {"强", W, 3, 6},
        {"剂", W, 6, 9},
        {"用量", W, 9, 15},
        {"湿强", B, 0, 6},
        {"强剂", B, 3, 9}}},
      {"bearing still found",
       "深沟球轴承",
       {{"深", W, 0, 3},
        {"沟", W, 3, 6},
        {"球", W, 6, 9},
        {"轴承", W, 9, 15},
        {"深沟", B, 0, 6},
        {"沟球", B, 3, 9},
        {"球轴", B, 6, 12},
        {"轴承", B, 9, 15}}},
  };
  check_cases(analyzer, cases);
}

TEST(TextAnalyzerTest, OptionsSwitchPartsOff) {
  AnalyzerOptions no_bigrams = without_unigrams();
  no_bigrams.cjk_bigrams = false;
  TextAnalyzer a(&builtin_lexicon(), no_bigrams);
  check_cases(a, {{"no bigrams", "湿强剂用量", {{"湿强剂", W, 0, 9}, {"用量", W, 9, 15}}}});

  AnalyzerOptions no_words = without_unigrams();
  no_words.cjk_words = false;
  TextAnalyzer b(&builtin_lexicon(), no_words);
  check_cases(b, {{"no words", "湿强剂用量", {{"湿强", B, 0, 6}, {"强剂", B, 3, 9}}}});

  AnalyzerOptions no_stem = without_unigrams();
  no_stem.stem = false;
  TextAnalyzer c(nullptr, no_stem);
  check_cases(
      c, {{"no stemming", "Bearings running", {{"bearings", L, 0, 8}, {"running", L, 9, 16}}}});

  AnalyzerOptions keep_stop = without_unigrams();
  keep_stop.remove_stop_words = false;
  TextAnalyzer d(nullptr, keep_stop);
  check_cases(d, {{"stop words kept", "the 的", {{"the", L, 0, 3}, {"的", W, 4, 7}}}});
}

TEST(TextAnalyzerTest, HanCharactersAreIndexedOneByOne) {
  // Single characters match where words and bigrams do not: a typo (轴成 for
  // 轴承) still shares 轴, and a one-character term (钢, 漆) counts. Stop
  // characters (的, 与) are left out, as their words are.
  TextAnalyzer analyzer(nullptr);
  check_cases(analyzer, {{"characters beside the word and bigram",
                          "軸成的钢",
                          {{"轴成", B, 0, 6},
                           {"成", W, 3, 6},
                           {"轴", C, 0, 3},
                           {"成", C, 3, 6},
                           {"钢", C, 9, 12},
                           {"轴", W, 0, 3},
                           {"钢", W, 9, 12}}},
                         {"Latin and digits are not characters",
                          "PLC控制",
                          {{"plc", L, 0, 3},
                           {"控制", W, 3, 9},
                           {"控制", B, 3, 9},
                           {"控", C, 3, 6},
                           {"制", C, 6, 9}}}});
  AnalyzerOptions off;
  off.cjk_unigrams = false;
  TextAnalyzer without(nullptr, off);
  auto r = without.analyze("钢");
  ASSERT_TRUE(r.is_ok());
  for (const auto& t : *r) EXPECT_NE(t.kind, TokenKind::kChar) << t.term;
}

TEST(TextAnalyzerTest, NormalizeFoldsWidthCaseAndScript) {
  TextAnalyzer analyzer(nullptr);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"軸承", "轴承"},
      {"ＰＬＣ２０２５", "plc2025"},
      {"Bearing", "bearing"},
      {"濕強劑與施膠劑", "湿强剂与施胶剂"},
      {"\u24D0\u24D1", "ab"},        // ⓐⓑ circled letters (So): letters once folded
      {"\U0001F600", "\U0001F600"},  // an emoji stays one
      {"", ""},
  };
  for (const auto& [in, want] : cases) {
    auto r = analyzer.normalize(in);
    ASSERT_TRUE(r.is_ok()) << in;
    EXPECT_EQ(*r, want) << in;
  }
}

// What corpus/exchange_format.cpp counts as a word is indexed as one.
TEST(TextAnalyzerTest, CircledLettersAreIndexedAsAWord) {
  TextAnalyzer analyzer(nullptr);
  auto r = analyzer.analyze("\u24D0\u24D1");
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].term, "ab");
  EXPECT_EQ((*r)[0].begin, 0u);
  EXPECT_EQ((*r)[0].end, 6u);
  auto emoji = analyzer.analyze("\U0001F600\U0001F525");
  ASSERT_TRUE(emoji.is_ok());
  EXPECT_TRUE(emoji->empty());
}

TEST(TextAnalyzerTest, InvalidUtf8IsAnErrorNotACrash) {
  TextAnalyzer analyzer(&builtin_lexicon());
  const std::vector<std::pair<std::string, size_t>> cases = {
      {"\xff", 0},
      {"ab\xc0\xaf", 2},             // overlong encoding of '/'
      {"轴承\xe8\xbd", 6},           // truncated sequence at the end
      {"\xed\xa0\x80", 0},           // an encoded UTF-16 surrogate
      {"a\xf8\x88\x80\x80\x80", 1},  // five-byte form
      {"轴\x80承", 3},               // stray continuation byte
  };
  for (const auto& [text, offset] : cases) {
    SCOPED_TRACE(offset);
    auto r = analyzer.analyze(text);
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("offset " + std::to_string(offset)), std::string::npos)
        << r.status().message();
    auto n = analyzer.normalize(text);
    ASSERT_FALSE(n.is_ok());
    EXPECT_EQ(n.status().code(), ErrorCode::kInvalidArgument);
    size_t bad = 99;
    EXPECT_FALSE(is_valid_utf8(text, &bad));
    EXPECT_EQ(bad, offset);
  }
  // The analyzer stays usable after rejecting input.
  auto ok = analyzer.analyze("轴承");
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok->size(), 4u);  // the word, the bigram and two characters
}

// Each token's byte range slices the original text to something that analyses
// back to that term: the offsets are usable for highlighting.
TEST(TextAnalyzerTest, OffsetsSliceTheOriginalText) {
  TextAnalyzer analyzer(&builtin_lexicon());
  const std::string text =
      "我公司生产的６２０５深溝球軸承在磨削后出现烧伤😀, the Bearings vibrate; "
      "湿强剂用量0.5㎜，ＰＬＣ控制的生产线 needs deep-learning defect detection.";
  auto r = analyzer.analyze(text);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_GT(r->size(), 20u);
  for (const Token& t : *r) {
    SCOPED_TRACE(t.term);
    ASSERT_LT(t.begin, t.end);
    ASSERT_LE(t.end, text.size());
    std::string slice = text.substr(t.begin, t.end - t.begin);
    auto norm = analyzer.normalize(slice);
    ASSERT_TRUE(norm.is_ok()) << "slice is not valid UTF-8: " << slice;
    if (t.kind == TokenKind::kLatin) {
      auto again = analyzer.analyze(slice);
      ASSERT_TRUE(again.is_ok());
      ASSERT_EQ(again->size(), 1u) << slice;
      EXPECT_EQ((*again)[0].term, t.term) << slice;
    } else {
      EXPECT_EQ(*norm, t.term) << slice;
    }
  }
}

TEST(TextAnalyzerTest, VeryLongInputIsAnalysedWhole) {
  TextAnalyzer analyzer(&builtin_lexicon());
  const std::string sentence = "深沟球轴承磨削烧伤导致振动 bearings 6205 0.5mm。";
  auto one = analyzer.analyze(sentence);
  ASSERT_TRUE(one.is_ok());
  ASSERT_FALSE(one->empty());
  std::vector<Tok> per_sentence = sorted(*one);

  std::string text;
  size_t copies = 0;
  while (text.size() < (1u << 20)) {
    text += sentence;
    ++copies;
  }
  auto r = analyzer.analyze(text);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r->size(), copies * per_sentence.size());
  // The sentences are independent, so copy k gives the first copy's tokens
  // shifted by k sentences; check the last copy exactly.
  std::vector<Tok> last;
  const uint32_t shift = static_cast<uint32_t>((copies - 1) * sentence.size());
  for (const Token& t : *r)
    if (t.begin >= shift) last.push_back({t.term, t.kind, t.begin - shift, t.end - shift});
  std::sort(last.begin(), last.end());
  EXPECT_EQ(last, per_sentence);
}

TEST(TextAnalyzerTest, ThreadAnalyzerIsReusedPerLexiconAndOptions) {
  Lexicon other;
  TextAnalyzer& a = thread_analyzer(&builtin_lexicon());
  TextAnalyzer& b = thread_analyzer(&builtin_lexicon());
  EXPECT_EQ(&a, &b);
  EXPECT_NE(&a, &thread_analyzer(&other));
  AnalyzerOptions no_stem;
  no_stem.stem = false;
  TextAnalyzer& c = thread_analyzer(&builtin_lexicon(), no_stem);
  EXPECT_NE(&a, &c);
  EXPECT_FALSE(c.options().stem);
}

TEST(TextAnalyzerTest, ThreadAnalyzersAreBoundedAndRecentOnesKept) {
  // Every refit brings a new lexicon; a thread keeps only the recent analyzers.
  std::vector<std::unique_ptr<Lexicon>> lexicons;
  for (int i = 0; i < 3 * static_cast<int>(kMaxThreadAnalyzers); ++i) {
    lexicons.push_back(std::make_unique<Lexicon>());
    lexicons.back()->add("轴承游隙");
  }
  TextAnalyzer* keep = &thread_analyzer(lexicons[0].get());
  for (size_t i = 1; i < lexicons.size(); ++i) {
    TextAnalyzer& a = thread_analyzer(lexicons[i].get());
    EXPECT_EQ(&a, &thread_analyzer(lexicons[i].get()));  // a repeat is the same analyzer
    EXPECT_LE(thread_analyzer_count(), kMaxThreadAnalyzers);
    // Using the first one keeps it among the recent ones.
    EXPECT_EQ(keep, &thread_analyzer(lexicons[0].get()));
  }
  // It still analyses with its own lexicon.
  auto r = keep->analyze("轴承游隙");
  ASSERT_TRUE(r.is_ok());
  EXPECT_NE(std::find_if(r->begin(), r->end(), [](const Token& t) { return t.term == "轴承游隙"; }),
            r->end());
}

TEST(LexiconTest, AddsTermsOfTwoToTwelveCharacters) {
  Lexicon lexicon;
  EXPECT_TRUE(lexicon.add("湿强剂"));
  EXPECT_FALSE(lexicon.add("湿强剂"));  // already there
  EXPECT_FALSE(lexicon.add("轴"));      // one character
  EXPECT_FALSE(
      lexicon.add("一二三四五六七八九十百千"
                  "万"));  // thirteen
  EXPECT_TRUE(lexicon.add("一二三四五六七八九十百千"));
  EXPECT_EQ(lexicon.size(), 2u);
  EXPECT_TRUE(lexicon.contains(u"湿强剂"));
  EXPECT_FALSE(lexicon.contains(u"湿强"));
  EXPECT_EQ(lexicon.max_length(), 12u);

  // The built-in terms are normalised already: each one analyses to itself as one word.
  TextAnalyzer analyzer(nullptr);
  for (const auto& term : Lexicon::builtin_terms()) {
    auto n = analyzer.normalize(term);
    ASSERT_TRUE(n.is_ok());
    EXPECT_EQ(*n, term);
    EXPECT_TRUE(builtin_lexicon().contains([&] {
      std::u16string u;
      auto us = icu::UnicodeString::fromUTF8(term);
      u.assign(reinterpret_cast<const char16_t*>(us.getBuffer()), us.length());
      return u;
    }()))
        << term;
  }
}

}  // namespace
}  // namespace expertmatch
