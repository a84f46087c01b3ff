// Repeated works: the same paper, patent or project listed more than once in
// one expert's record, verbatim or nearly so (a changed word, a different
// year, a numbered copy). Matching counts such a work once, and `validate` and
// `import` warn about it.
//
// Two works are near-identical when the character trigram sets of their
// normalised texts (title + abstract + keywords, case folded, whitespace and
// punctuation removed) have a Jaccard similarity of at least
// kNearIdenticalJaccard (Broder 1997, "On the resemblance and containment of
// documents", with characters instead of words so that it works for Chinese).
//
// Pure functions of the record; thread safe.
#pragma once

#include <string>
#include <vector>

#include "corpus/model.h"

namespace expertmatch {

inline constexpr double kNearIdenticalJaccard = 0.8;

// For each work of `expert` (same order as expert.works): -1 if it is the first
// of its kind, else the index of the earlier work it repeats. Greedy in work
// order, each work compared with the first of each kind only: O(works * kinds).
std::vector<int> find_repeated_works(const Expert& expert);

// One human-readable line per repeated work, e.g.
//   expert "x": work 3 ("Title") repeats work 1 ("Title"); it counts once
// for the warnings of `validate` and `import`.
std::vector<std::string> repeated_work_warnings(const std::vector<Expert>& experts);

}  // namespace expertmatch
