#include "corpus/counties.h"

#include "corpus/names.h"

#include <algorithm>

namespace expertmatch {
namespace {

// Code points of valid UTF-8 (invalid bytes count as one code point each:
// the distance only needs to be stable, not exact, for such input).
std::vector<char32_t> code_points(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 1;
    if (i + len > s.size()) len = 1;
    char32_t cp = len == 1 ? c : c & (0x7F >> len);
    for (int k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    out.push_back(cp);
    i += len;
  }
  return out;
}

// ASCII and ideographic (U+3000) spaces: padding people paste by accident.
std::string trim(const std::string& s) {
  static const std::string kIdeographicSpace = "\u3000";
  size_t b = 0, e = s.size();
  for (bool moved = true; moved;) {
    moved = false;
    while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b, moved = true;
    while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e, moved = true;
    if (s.compare(b, kIdeographicSpace.size(), kIdeographicSpace) == 0 &&
        e - b >= kIdeographicSpace.size())
      b += kIdeographicSpace.size(), moved = true;
    if (e - b >= kIdeographicSpace.size() &&
        s.compare(e - kIdeographicSpace.size(), kIdeographicSpace.size(), kIdeographicSpace) == 0)
      e -= kIdeographicSpace.size(), moved = true;
  }
  return s.substr(b, e - b);
}

size_t edit_distance(const std::vector<char32_t>& a, const std::vector<char32_t>& b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

// A county's name without its administrative suffix: 江山市 -> 江山.
std::string stem(const std::string& name) {
  for (const char* suffix : {"市", "县", "区"}) {
    std::string s(suffix);
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0)
      return name.substr(0, name.size() - s.size());
  }
  return name;
}

}  // namespace

const std::vector<std::string>& CountyList::quzhou() {
  static const std::vector<std::string> kQuzhou = {"柯城区", "衢江区", "龙游县",      "江山市",
                                                   "常山县", "开化县", "衢州智造新城"};
  return kQuzhou;
}

CountyList::CountyList() : CountyList(quzhou()) {}

CountyList::CountyList(const std::vector<std::string>& names) {
  for (const auto& n : names)
    if (std::find(names_.begin(), names_.end(), n) == names_.end()) names_.push_back(n);
}

Result<CountyList> CountyList::parse(const std::string& text, const std::string& setting) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string name = trim(text.substr(start, comma - start));
    // operator-facing: the `counties` setting and --counties.
    if (name.empty())
      return Status::invalid({FieldError{"config", 0, setting,
                                         "must be county names separated by commas, with no "
                                         "empty name, got \"" +
                                             text + "\""}});
    // operator-facing, as above.
    if (std::find(names.begin(), names.end(), name) != names.end())
      return Status::invalid(
          {FieldError{"config", 0, setting, "names \"" + name + "\" more than once"}});
    names.push_back(std::move(name));
    start = comma + 1;
  }
  return CountyList(names);
}

bool CountyList::contains(const std::string& name) const {
  return std::find(names_.begin(), names_.end(), name) != names_.end();
}

std::optional<std::string> CountyList::nearest(const std::string& raw) const {
  std::string name = trim(raw);
  if (name.empty()) return std::nullopt;
  if (contains(name)) return name;
  // Part of a known name (江山 of 江山市), or a known name's stem inside it
  // (江山市人民政府, 浙江省江山市): the first such name in list order.
  for (const auto& known : names_)
    if (known.find(name) != std::string::npos) return known;
  for (const auto& known : names_)
    if (name.find(stem(known)) != std::string::npos) return known;
  auto cps = code_points(name);
  std::optional<std::string> best;
  size_t best_distance = cps.size() / 3 + 1;
  for (const auto& known : names_) {
    size_t d = edit_distance(cps, code_points(known));
    if (d < best_distance) best_distance = d, best = known;
  }
  return best;
}

Status CountyList::check(const std::string& name, const std::string& field,
                         const std::string& source) const {
  if (contains(name)) return Status::ok();
  i18n::Message reason;
  if (auto near = nearest(name)) {
    reason = {"county.unknown_nearest", {{"name", name}, {"nearest", *near}}};
  } else {
    std::string known;
    for (size_t i = 0; i < names_.size(); ++i) known += (i ? ", " : "") + names_[i];
    reason = {"county.unknown_known", {{"name", name}, {"known", known}}};
  }
  return Status::invalid({FieldError{source, 0, field, std::move(reason)}});
}

namespace {

// `st`'s errors as errors of the record `id` (its id named in the reason).
Status about_record(const std::string& id, const Status& st) {
  std::vector<FieldError> errors;
  for (const auto& e : st.field_errors())
    errors.push_back(
        {"", 0, e.field, i18n::Message("record.about", {{"id", id}}).with("reason", e.message)});
  return Status::invalid(std::move(errors));
}

}  // namespace

Status check_record_counties(const CountyList& counties, const Expert& expert) {
  std::vector<FieldError> errors;
  for (size_t i = 0; i < expert.counties.size(); ++i) {
    Status s = counties.check(expert.counties[i], "counties[" + std::to_string(i) + "]");
    if (s) continue;
    Status about = about_record(expert.id, s);
    errors.insert(errors.end(), about.field_errors().begin(), about.field_errors().end());
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status::ok();
}

Status check_record_counties(const CountyList& counties, const Problem& p,
                             std::map<std::string, std::string>* registered) {
  Status known = counties.check(p.county, "county");
  if (!known) return about_record(p.id, known);
  auto [it, fresh] = registered->emplace(normalize_name(p.enterprise), p.county);
  if (!fresh && it->second != p.county)
    return about_record(
        p.id,
        Status::invalid({FieldError{
            "",
            0,
            "county",
            {"enterprise.registered_elsewhere",
             {{"enterprise", p.enterprise}, {"registered", it->second}, {"county", p.county}}}}}));
  return Status::ok();
}

Status check_record_counties(const CountyList& counties, const std::vector<Expert>& experts,
                             const std::vector<Problem>& problems,
                             std::map<std::string, std::string>* registered) {
  std::vector<FieldError> errors;
  auto add = [&](const char* source, const Status& st) {
    for (auto e : st.field_errors()) {
      e.source = source;
      errors.push_back(std::move(e));
    }
  };
  for (const auto& e : experts) add("experts", check_record_counties(counties, e));
  std::map<std::string, std::string> after = *registered;
  for (const auto& p : problems) add("problems", check_record_counties(counties, p, &after));
  if (!errors.empty()) return Status::invalid(std::move(errors));
  *registered = std::move(after);
  return Status::ok();
}

}  // namespace expertmatch
