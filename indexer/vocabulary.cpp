#include "indexer/vocabulary.h"

#include <algorithm>

namespace expertmatch {

uint32_t Vocabulary::find(const std::string& term) const {
  auto it = ids_.find(term);
  return it == ids_.end() ? kUnknown : it->second;
}

uint32_t Vocabulary::add(const std::string& term) {
  auto [it, inserted] = ids_.emplace(term, static_cast<uint32_t>(terms_.size()));
  if (inserted) terms_.push_back(term);
  return it->second;
}

TermCounts Vocabulary::collapse(std::vector<uint32_t>& ids) {
  std::sort(ids.begin(), ids.end());
  TermCounts out;
  for (uint32_t id : ids) {
    if (!out.empty() && out.back().first == id)
      ++out.back().second;
    else
      out.emplace_back(id, 1);
  }
  return out;
}

}  // namespace expertmatch
