// A JSON Lines import (POST /api/v1/import/..., `expertmatch import`): the
// exchange format's strict reader. Checks: nothing crashes; a refused file
// names at least one error, each with a line; an accepted file's records all
// pass check_record and export then import gives the same records.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "corpus/exchange_format.h"

using namespace expertmatch;

namespace {

template <typename T>
void check(const Result<std::vector<T>>& records) {
  if (!records) {
    if (records.status().field_errors().empty()) std::abort();
    return;
  }
  for (const T& r : *records)
    if (!check_record(r).empty()) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto problems = parse_problems_jsonl(text, "problems.jsonl");
  check(problems);
  if (problems) {
    auto again = parse_problems_jsonl(to_jsonl(*problems), "export");
    if (!again || to_jsonl(*again) != to_jsonl(*problems)) std::abort();
  }
  auto experts = parse_experts_jsonl(text, "experts.jsonl");
  check(experts);
  if (experts) {
    auto again = parse_experts_jsonl(to_jsonl(*experts), "export");
    if (!again || to_jsonl(*again) != to_jsonl(*experts)) std::abort();
  }
  return 0;
}
