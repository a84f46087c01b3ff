#include "corpus/repeated_works.h"

#include <algorithm>
#include <cstdint>
#include <string_view>

namespace expertmatch {
namespace {

// Decodes UTF-8 into code points; invalid bytes are kept as themselves so that
// nothing is silently dropped.
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + n > s.size()) n = 1;
    char32_t cp = n == 1 ? c : c & (0x7f >> n);
    for (int k = 1; k < n; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += n;
  }
  return out;
}

// Letters, digits and CJK only, ASCII folded to lower case: spacing,
// punctuation (ASCII or full-width) and case do not make a work different.
std::vector<char32_t> normalised(const Work& w) {
  std::string text = w.title + "\n" + w.abstract;
  for (const auto& k : w.keywords) text += "\n" + k;
  std::vector<char32_t> out;
  for (char32_t c : code_points(text)) {
    if (c < 0x80) {
      if (c >= 'A' && c <= 'Z') c = c - 'A' + 'a';
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out.push_back(c);
    } else if (c >= 0xFF10 && c <= 0xFF5A) {
      // Full-width digits and letters are their ASCII forms.
      char32_t a = c - 0xFEE0;
      if (a >= 'A' && a <= 'Z') a = a - 'A' + 'a';
      if ((a >= 'a' && a <= 'z') || (a >= '0' && a <= '9')) out.push_back(a);
    } else if (!(c >= 0x3000 && c <= 0x303F) && !(c >= 0xFF00 && c <= 0xFFEF) &&
               !(c >= 0x2000 && c <= 0x206F)) {
      out.push_back(c);  // CJK punctuation and general punctuation are left out
    }
  }
  return out;
}

std::vector<uint64_t> trigrams(const std::vector<char32_t>& t) {
  std::vector<uint64_t> out;
  if (t.size() < 3) {
    uint64_t h = 0;
    for (char32_t c : t) h = (h << 21) | c;
    if (!t.empty()) out.push_back(h);
    return out;
  }
  for (size_t i = 0; i + 2 < t.size(); ++i)
    out.push_back((uint64_t(t[i]) << 42) | (uint64_t(t[i + 1]) << 21) | uint64_t(t[i + 2]));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

double jaccard(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
  if (a.empty() && b.empty()) return 1.0;
  size_t common = 0;
  for (size_t i = 0, j = 0; i < a.size() && j < b.size();) {
    if (a[i] == b[j]) {
      ++common, ++i, ++j;
    } else if (a[i] < b[j]) {
      ++i;
    } else {
      ++j;
    }
  }
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

}  // namespace

std::vector<int> find_repeated_works(const Expert& expert) {
  std::vector<int> repeat_of(expert.works.size(), -1);
  std::vector<std::pair<int, std::vector<uint64_t>>> firsts;  // (work index, trigrams)
  for (size_t w = 0; w < expert.works.size(); ++w) {
    auto g = trigrams(normalised(expert.works[w]));
    for (const auto& [first, fg] : firsts) {
      // The Jaccard similarity cannot reach the bar when the sizes differ too much.
      double small = static_cast<double>(std::min(g.size(), fg.size()));
      double large = static_cast<double>(std::max(g.size(), fg.size()));
      if (large > 0 && small / large < kNearIdenticalJaccard) continue;
      if (jaccard(g, fg) >= kNearIdenticalJaccard) {
        repeat_of[w] = first;
        break;
      }
    }
    if (repeat_of[w] < 0) firsts.emplace_back(static_cast<int>(w), std::move(g));
  }
  return repeat_of;
}

std::vector<std::string> repeated_work_warnings(const std::vector<Expert>& experts) {
  std::vector<std::string> out;
  for (const Expert& e : experts) {
    auto repeat_of = find_repeated_works(e);
    for (size_t w = 0; w < repeat_of.size(); ++w) {
      if (repeat_of[w] < 0) continue;
      out.push_back("expert \"" + e.id + "\": work " + std::to_string(w + 1) + " (\"" +
                    e.works[w].title + "\") repeats work " + std::to_string(repeat_of[w] + 1) +
                    " (\"" + e.works[repeat_of[w]].title +
                    "\"), identical or nearly so; it counts once");
    }
  }
  return out;
}

}  // namespace expertmatch
