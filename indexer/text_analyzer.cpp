#include "indexer/text_analyzer.h"

#include <libstemmer.h>
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/translit.h>
#include <unicode/uchar.h>
#include <unicode/uscript.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <list>
#include <tuple>
#include <unordered_map>
#include <unordered_set>

#include "corpus/utf8.h"

namespace expertmatch {
namespace {

// Stop words written for this project: function words that carry no topic.
const std::unordered_set<std::string>& english_stop_words() {
  static const std::unordered_set<std::string> kWords = {
      "a",       "an",    "and",   "are",    "as",    "at",     "be",       "been",    "but",
      "by",      "can",   "do",    "for",    "from",  "had",    "has",      "have",    "he",
      "her",     "his",   "how",   "i",      "if",    "in",     "into",     "is",      "it",
      "its",     "may",   "more",  "most",   "no",    "not",    "of",       "on",      "or",
      "our",     "over",  "she",   "so",     "such",  "than",   "that",     "the",     "their",
      "them",    "then",  "there", "these",  "they",  "this",   "those",    "through", "to",
      "under",   "up",    "use",   "used",   "using", "was",    "we",       "were",    "what",
      "when",    "where", "which", "while",  "who",   "will",   "with",     "would",   "you",
      "your",    "also",  "both",  "each",   "other", "some",   "any",      "all",     "between",
      "based",   "via",   "paper", "propos", "show",  "result", "approach", "method",  "new",
      "present", "studi"};
  return kWords;
}

const std::unordered_set<std::u16string>& chinese_stop_words() {
  static const std::unordered_set<std::u16string> kWords = {
      u"的",   u"了",   u"和",   u"是",   u"在",   u"与",   u"及",   u"或",   u"对",   u"等",
      u"也",   u"都",   u"就",   u"而",   u"被",   u"把",   u"从",   u"以",   u"为",   u"于",
      u"其",   u"之",   u"这",   u"那",   u"有",   u"一",   u"个",   u"我",   u"我们", u"你",
      u"他",   u"她",   u"它",   u"们",   u"着",   u"过",   u"吗",   u"呢",   u"吧",   u"啊",
      u"呀",   u"还",   u"又",   u"很",   u"更",   u"最",   u"不",   u"没",   u"没有", u"一个",
      u"一些", u"这个", u"那个", u"这些", u"那些", u"什么", u"怎么", u"如何", u"可以", u"能够",
      u"进行", u"通过", u"以及", u"并且", u"而且", u"但是", u"因为", u"所以", u"如果", u"已经",
      u"目前", u"现在", u"时候", u"问题", u"方面", u"研究", u"本文", u"提出", u"采用", u"利用",
      u"结果", u"表明", u"方法", u"基于", u"一种", u"具有", u"其中", u"以上", u"以下", u"由于",
      u"关于", u"对于", u"上",   u"下",   u"中",   u"后",   u"前",   u"里",   u"到",   u"去",
      u"来",   u"让",   u"给",   u"要",   u"会",   u"能",   u"用",   u"说",   u"做",   u"很多",
      u"比较", u"非常", u"一直", u"一下", u"还是", u"就是"};
  return kWords;
}

// The stop words of one UTF-16 unit, looked up per character and per half
// of every bigram (a set of strings cost a string and its hash each time).
const std::unordered_set<char16_t>& chinese_stop_chars() {
  static const std::unordered_set<char16_t> kChars = [] {
    std::unordered_set<char16_t> out;
    for (const auto& w : chinese_stop_words())
      if (w.size() == 1) out.insert(w[0]);
    return out;
  }();
  return kChars;
}

bool is_han(UChar32 c) {
  UErrorCode ec = U_ZERO_ERROR;
  return uscript_getScript(c, &ec) == USCRIPT_HAN;
}

std::string to_utf8(const icu::UnicodeString& u) {
  std::string out;
  u.toUTF8String(out);
  return out;
}

}  // namespace

struct TextAnalyzer::Impl {
  const Lexicon* lexicon = nullptr;
  const icu::Normalizer2* nfkc_cf = nullptr;  // owned by ICU
  std::unique_ptr<icu::Transliterator> t2s;
  std::unique_ptr<icu::BreakIterator> words;
  sb_stemmer* stemmer = nullptr;
  // Per code point normalisation, cached: normalising code point by code point
  // keeps an exact map from every normalised unit back to the original bytes.
  std::unordered_map<UChar32, icu::UnicodeString> cache;
  std::unordered_map<std::string, std::string> stem_cache;

  ~Impl() {
    if (stemmer) sb_stemmer_delete(stemmer);
  }

  const icu::UnicodeString& normalize_char(UChar32 c) {
    auto it = cache.find(c);
    if (it != cache.end()) return it->second;
    icu::UnicodeString u(c);
    UErrorCode ec = U_ZERO_ERROR;
    icu::UnicodeString n = nfkc_cf ? nfkc_cf->normalize(u, ec) : u;
    if (U_FAILURE(ec)) n = u;
    if (t2s && c >= 0x2E80) t2s->transliterate(n);
    if (cache.size() > 200000) cache.clear();  // bound memory on adversarial input
    return cache.emplace(c, std::move(n)).first->second;
  }

  std::string stem(const std::string& word) {
    if (!stemmer) return word;
    auto it = stem_cache.find(word);
    if (it != stem_cache.end()) return it->second;
    const sb_symbol* out = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                           static_cast<int>(word.size()));
    std::string s = out ? std::string(reinterpret_cast<const char*>(out),
                                      static_cast<size_t>(sb_stemmer_length(stemmer)))
                        : word;
    if (stem_cache.size() > 100000) stem_cache.clear();
    stem_cache.emplace(word, s);
    return s;
  }
};

TextAnalyzer::TextAnalyzer(const Lexicon* lexicon, AnalyzerOptions options)
    : impl_(std::make_unique<Impl>()), options_(options) {
  impl_->lexicon = lexicon;
  UErrorCode ec = U_ZERO_ERROR;
  impl_->nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(ec);
  if (U_FAILURE(ec)) impl_->nfkc_cf = nullptr;
  ec = U_ZERO_ERROR;
  impl_->t2s.reset(
      icu::Transliterator::createInstance("Traditional-Simplified", UTRANS_FORWARD, ec));
  if (U_FAILURE(ec)) impl_->t2s.reset();
  ec = U_ZERO_ERROR;
  impl_->words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getChinese(), ec));
  if (U_FAILURE(ec)) impl_->words.reset();
  impl_->stemmer = sb_stemmer_new("english", "UTF_8");
}

TextAnalyzer::~TextAnalyzer() = default;

Result<std::string> TextAnalyzer::normalize(std::string_view text) {
  size_t bad = 0;
  if (!is_valid_utf8(text, &bad))
    return Status(ErrorCode::kInvalidArgument,
                  "text is not valid UTF-8 (bad byte at offset " + std::to_string(bad) + ")");
  icu::UnicodeString out;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(text.size());
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(s, i, n, c);
    out.append(impl_->normalize_char(c));
  }
  return to_utf8(out);
}

Result<std::vector<Token>> TextAnalyzer::analyze(std::string_view text) {
  size_t bad = 0;
  if (!is_valid_utf8(text, &bad))
    return Status(ErrorCode::kInvalidArgument,
                  "text is not valid UTF-8 (bad byte at offset " + std::to_string(bad) + ")");
  if (text.size() > (1u << 30)) return Status(ErrorCode::kInvalidArgument, "text too long");
  std::vector<Token> tokens;
  if (!impl_->words) return Status(ErrorCode::kInternal, "ICU word break iterator unavailable");

  // 1. Normalise code point by code point; origin[k] = original byte range of unit k.
  icu::UnicodeString norm;
  std::vector<std::pair<uint32_t, uint32_t>> origin;
  origin.reserve(text.size());
  {
    int32_t i = 0;
    const int32_t n = static_cast<int32_t>(text.size());
    const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
    while (i < n) {
      int32_t start = i;
      UChar32 c;
      U8_NEXT(s, i, n, c);
      const icu::UnicodeString& u = impl_->normalize_char(c);
      norm.append(u);
      for (int32_t k = 0; k < u.length(); ++k)
        origin.emplace_back(static_cast<uint32_t>(start), static_cast<uint32_t>(i));
    }
  }
  auto range = [&](int32_t b, int32_t e) {
    return std::make_pair(origin[b].first, origin[e - 1].second);
  };
  auto emit = [&](const icu::UnicodeString& term, TokenKind kind, int32_t b, int32_t e) {
    auto [ob, oe] = range(b, e);
    tokens.push_back({to_utf8(term), kind, ob, oe});
  };

  // 2. Segment. Han segments are collected into runs and handled together.
  icu::BreakIterator& bi = *impl_->words;
  bi.setText(norm);
  const auto& zh_stop = chinese_stop_words();
  const auto& zh_stop_chars = chinese_stop_chars();
  const auto& en_stop = english_stop_words();
  std::vector<std::pair<int32_t, int32_t>> han_run;  // ICU segments of the current run

  auto flush_run = [&]() {
    if (han_run.empty()) return;
    int32_t run_b = han_run.front().first, run_e = han_run.back().second;
    // Lexicon: longest match at each position; covered ICU segments are replaced.
    std::vector<std::pair<int32_t, int32_t>> lex;
    const Lexicon* lx = impl_->lexicon;
    if (options_.cjk_words && lx && lx->size() > 0) {
      int32_t p = run_b;
      while (p < run_e) {
        int32_t best = 0;
        int32_t max_len = std::min<int32_t>(static_cast<int32_t>(lx->max_length()), run_e - p);
        // Only the lengths some term starting here has: a hash lookup for
        // each of the others was a fifth of the index build's time.
        const uint32_t lengths = lx->lengths_starting_with(static_cast<char16_t>(norm.charAt(p)));
        for (int32_t len = max_len; len >= 2; --len) {
          if (!(lengths >> len & 1u)) continue;
          std::u16string cand(reinterpret_cast<const char16_t*>(norm.getBuffer() + p),
                              static_cast<size_t>(len));
          if (lx->contains(cand)) {
            best = len;
            break;
          }
        }
        if (best > 0) {
          lex.emplace_back(p, p + best);
          p += best;
        } else {
          ++p;
        }
      }
    }
    if (options_.cjk_words) {
      size_t li = 0;
      std::vector<std::pair<int32_t, int32_t>> words;
      for (auto [b, e] : han_run) {
        while (li < lex.size() && lex[li].second <= b) ++li;
        bool covered = li < lex.size() && lex[li].first <= b && e <= lex[li].second;
        if (!covered) words.emplace_back(b, e);
      }
      for (auto seg : lex) words.push_back(seg);
      std::sort(words.begin(), words.end());
      for (auto [b, e] : words) {
        icu::UnicodeString w(norm, b, e - b);
        std::u16string key(reinterpret_cast<const char16_t*>(w.getBuffer()), w.length());
        if (options_.remove_stop_words && zh_stop.count(key)) continue;
        emit(w, TokenKind::kWord, b, e);
      }
    }
    if (options_.cjk_bigrams) {
      for (int32_t p = run_b; p + 1 < run_e; ++p) {
        if (U16_IS_SURROGATE(norm[p]) || U16_IS_SURROGATE(norm[p + 1])) continue;
        icu::UnicodeString bg(norm, p, 2);
        std::u16string key(reinterpret_cast<const char16_t*>(bg.getBuffer()), 2);
        // A bigram that is itself a stop word (问题, 研究, 方法 ...) carries no more
        // topic than the word, which was dropped above.
        if (options_.remove_stop_words &&
            (zh_stop_chars.count(key[0]) || zh_stop_chars.count(key[1]) || zh_stop.count(key)))
          continue;
        emit(bg, TokenKind::kBigram, p, p + 2);
      }
    }
    if (options_.cjk_unigrams) {
      for (int32_t p = run_b; p < run_e; ++p) {
        if (U16_IS_SURROGATE(norm[p])) continue;
        if (options_.remove_stop_words && zh_stop_chars.count(static_cast<char16_t>(norm[p])))
          continue;
        icu::UnicodeString ch(norm, p, 1);
        emit(ch, TokenKind::kChar, p, p + 1);
      }
    }
    han_run.clear();
  };

  int32_t b = bi.first();
  for (int32_t e = bi.next(); e != icu::BreakIterator::DONE; b = e, e = bi.next()) {
    int32_t status = bi.getRuleStatus();
    if (status >= UBRK_WORD_NONE && status < UBRK_WORD_NONE_LIMIT) {
      flush_run();
      continue;
    }
    UChar32 first = norm.char32At(b);
    if (is_han(first)) {
      if (!han_run.empty() && han_run.back().second != b) flush_run();
      han_run.emplace_back(b, e);
      continue;
    }
    flush_run();
    icu::UnicodeString w(norm, b, e - b);
    bool has_digit = false, has_alpha = false;
    for (int32_t k = 0; k < w.length(); ++k) {
      UChar32 c = w.char32At(k);
      if (u_isdigit(c))
        has_digit = true;
      else if (u_isalpha(c))
        has_alpha = true;
    }
    if (has_digit) {
      emit(w, TokenKind::kNumber, b, e);
    } else if (has_alpha) {
      std::string word = to_utf8(w);
      if (options_.remove_stop_words && en_stop.count(word)) continue;
      if (word.size() < 2 && first < 0x80) continue;  // single Latin letters
      std::string term = options_.stem ? impl_->stem(word) : word;
      if (options_.remove_stop_words && en_stop.count(term)) continue;
      auto [ob, oe] = range(b, e);
      tokens.push_back({std::move(term), TokenKind::kLatin, ob, oe});
    }
  }
  flush_run();
  return tokens;
}

namespace {

struct AnalyzerKey {
  const Lexicon* lexicon;
  bool bigrams, unigrams, words, stem, stop;
  bool operator==(const AnalyzerKey& o) const {
    return std::tie(lexicon, bigrams, unigrams, words, stem, stop) ==
           std::tie(o.lexicon, o.bigrams, o.unigrams, o.words, o.stem, o.stop);
  }
};

// Most recently used first. A refit makes a new lexicon, so without a bound
// a long-running service would keep every old analyzer of every thread.
using AnalyzerCache = std::list<std::pair<AnalyzerKey, std::unique_ptr<TextAnalyzer>>>;

AnalyzerCache& analyzer_cache() {
  thread_local AnalyzerCache cache;
  return cache;
}

}  // namespace

TextAnalyzer& thread_analyzer(const Lexicon* lexicon, const AnalyzerOptions& options) {
  AnalyzerCache& cache = analyzer_cache();
  AnalyzerKey key{lexicon,           options.cjk_bigrams, options.cjk_unigrams,
                  options.cjk_words, options.stem,        options.remove_stop_words};
  auto it = std::find_if(cache.begin(), cache.end(), [&](const auto& e) { return e.first == key; });
  if (it != cache.end()) {
    cache.splice(cache.begin(), cache, it);
  } else {
    cache.emplace_front(key, std::make_unique<TextAnalyzer>(lexicon, options));
    if (cache.size() > kMaxThreadAnalyzers) cache.pop_back();
  }
  return *cache.front().second;
}

size_t thread_analyzer_count() { return analyzer_cache().size(); }

}  // namespace expertmatch
