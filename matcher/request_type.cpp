#include "matcher/request_type.h"

#include <algorithm>
#include <map>
#include <unordered_map>
#include <vector>

namespace expertmatch {

namespace {

struct Cue {
  const char* type;  // an ask type, or "technical"
  int weight;
  const char* text;
};

const Cue kCues[] = {
#include "matcher/request_types.inc"
};

// Units after a number that make it a measured value. The text is NFKC
// case-folded, so ℃ arrives as "°c" and µm as "μm". Not "%": shares and
// interest rates are as common in the other asks as yields are in technical ones.
const char* const kUnits[] = {"°",   "℃",   "mm", "cm", "μm", "um", "nm", "mg", "mpa",
                              "kpa", "ppm", "kw", "kv", "db", "hz", "级", "度"};

bool is_digit(char c) { return c >= '0' && c <= '9'; }

constexpr size_t kCueCount = sizeof(kCues) / sizeof(kCues[0]);

// Bytes of the UTF-8 character whose first byte is `lead` (1 for a stray
// continuation byte, so a scan always moves on).
size_t char_bytes(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// The cues by their first character, for one pass over a text: a problem
// of 64 KB was searched once a cue (116 passes of memchr and memcmp, a fifth
// of a large county's plan run). A cue, valid UTF-8, can only begin where a
// character begins, so visiting every character start finds exactly what
// std::string_view::find finds.
class CueIndex {
 public:
  CueIndex() {
    for (size_t i = 0; i < kCueCount; ++i) {
      std::string_view text(kCues[i].text);
      if (!text.empty()) by_first_[first_char(text, 0)].push_back(i);
    }
  }
  // Sets found[i] for every cue i that occurs in `text`.
  void mark(std::string_view text, std::vector<bool>* found) const {
    for (size_t at = 0; at < text.size();) {
      const auto lead = static_cast<unsigned char>(text[at]);
      auto it = by_first_.find(first_char(text, at));
      if (it != by_first_.end())
        for (size_t i : it->second)
          if (!(*found)[i] &&
              text.compare(at, std::char_traits<char>::length(kCues[i].text), kCues[i].text) == 0)
            (*found)[i] = true;
      at += char_bytes(lead);
    }
  }

 private:
  // The bytes of the character at `at` (cut at the text's end), as a key.
  static uint32_t first_char(std::string_view text, size_t at) {
    const size_t n = std::min(char_bytes(static_cast<unsigned char>(text[at])), text.size() - at);
    uint32_t key = 0;
    for (size_t k = 0; k < n; ++k) key = key << 8 | static_cast<unsigned char>(text[at + k]);
    return key;
  }
  std::unordered_map<uint32_t, std::vector<size_t>> by_first_;
};

const CueIndex& cue_index() {
  static const CueIndex index;
  return index;
}

}  // namespace

RequestClassifier::RequestClassifier(RequestConfig config) : config_(config) {}

int RequestClassifier::measurements(std::string_view text) {
  int n = 0;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) {
      ++i;
      continue;
    }
    while (i < text.size() && (is_digit(text[i]) || text[i] == '.')) ++i;
    size_t j = i;
    while (j < text.size() && text[j] == ' ') ++j;
    std::string_view rest = text.substr(j);
    for (const char* unit : kUnits) {
      if (rest.substr(0, std::char_traits<char>::length(unit)) == unit) {
        ++n;
        break;
      }
    }
  }
  return n;
}

bool RequestClassifier::overlaps_ask_cue(std::string_view term) {
  if (term.empty()) return false;
  for (const Cue& cue : kCues) {
    if (std::string_view(cue.type) == "technical") continue;
    std::string_view c(cue.text);
    if (term.find(c) != std::string_view::npos || c.find(term) != std::string_view::npos)
      return true;
  }
  return false;
}

RequestAssessment RequestClassifier::classify(std::string_view title, std::string_view description,
                                              const ResearchUse& research_use,
                                              int research_words) const {
  RequestAssessment out;
  std::map<std::string, float> by_type;
  std::vector<bool> in_title(kCueCount), anywhere(kCueCount);
  cue_index().mark(title, &in_title);
  anywhere = in_title;
  cue_index().mark(description, &anywhere);
  for (size_t i = 0; i < kCueCount; ++i) {
    if (!anywhere[i]) continue;
    const Cue& cue = kCues[i];
    const float w = static_cast<float>(cue.weight) * (in_title[i] ? config_.title_factor : 1.0f);
    if (std::string_view(cue.type) == "technical") {
      out.technical_evidence += w;
      continue;
    }
    // The share of an ask that the experts' research itself uses is
    // evidence of research content, not of an ask outside research.
    const unsigned used = research_use ? research_use(cue.text) : 0;
    const float outside = w / (1.0f + static_cast<float>(used));
    out.ask_evidence += outside;
    out.technical_evidence += w - outside;
    by_type[cue.type] += outside;
    out.ask_cues.emplace_back(cue.text);
  }
  out.technical_evidence += config_.measurement_weight *
                            static_cast<float>(measurements(title) + measurements(description));
  out.technical_evidence += config_.research_word_weight * static_cast<float>(research_words);
  float best = 0;
  for (const auto& [type, evidence] : by_type) {
    if (evidence > best) {
      best = evidence;
      out.ask = type;
    }
  }
  if (out.ask_evidence >= config_.min_ask_evidence && out.ask_evidence > out.technical_evidence)
    out.kind = RequestKind::kNonTechnical;
  return out;
}

}  // namespace expertmatch
