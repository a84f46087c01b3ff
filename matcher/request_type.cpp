#include "matcher/request_type.h"

#include <algorithm>
#include <map>

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
  for (const Cue& cue : kCues) {
    const bool in_title = title.find(cue.text) != std::string_view::npos;
    if (!in_title && description.find(cue.text) == std::string_view::npos) continue;
    const float w = static_cast<float>(cue.weight) * (in_title ? config_.title_factor : 1.0f);
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
