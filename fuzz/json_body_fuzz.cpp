// A JSON request body, as every endpoint reads it: corpus/json_reader.h, then
// the problem and expert readers the API applies to the document. Checks what
// the API relies on: nothing crashes, a refused text leaves a null document
// and says why, and an accepted record holds only valid Unicode and bounded
// unknown fields (check_record), so it can be stored and served.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "corpus/exchange_format.h"
#include "corpus/json_reader.h"

using namespace expertmatch;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  rapidjson::Document doc;
  JsonError error;
  if (!read_json(text, &doc, &error)) {
    if (!doc.IsNull() || error.reason.empty()) std::abort();
    return 0;
  }
  if (json_depth(doc) > JsonLimits{}.max_depth) std::abort();
  std::vector<FieldError> errors;
  Problem problem;
  if (problem_from_json(doc, "body", 0, &problem, &errors)) {
    if (!check_record(problem).empty()) std::abort();
    // What is stored must read back as the same record.
    auto again = parse_problem_json(to_json(problem));
    if (!again || to_json(*again) != to_json(problem)) std::abort();
  }
  Expert expert;
  errors.clear();
  if (expert_from_json(doc, "body", 0, &expert, &errors)) {
    if (!check_record(expert).empty()) std::abort();
    auto again = parse_expert_json(to_json(expert));
    if (!again || to_json(*again) != to_json(expert)) std::abort();
  }
  return 0;
}
