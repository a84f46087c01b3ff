// A deterministic generator of large exchange-format corpora, made by
// recombining the text of the bundled demo corpus (corpus/quzhou): nothing
// else is read (never ../shared/datasets).
//
// Every generated expert takes a demo expert as its base (college, title,
// counties, conflicts) and gets `works_per_expert` works drawn from the works
// of the base's college, each with its abstract extended by one sentence of
// another work of that college, so that experts of one college share a topic
// as in the demo and no two records are byte-identical. Research fields come
// from the college's fields; names recombine the demo's surnames and given
// names. Every generated problem takes a demo problem as its base
// (enterprise, county, industry, title) and gets one more sentence and
// keyword from another problem of the same industry, an urgency and a date.
//
// Deterministic: the same demo corpus, sizes and seed give the same records
// on every machine (std::mt19937_64 and plain modular draws, no library
// distributions). Ids: "gx-0000001" (experts), "gp-0000001" (problems).
// Output validates (expertmatch validate) and imports.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "corpus/model.h"

namespace expertmatch::bench {

struct GeneratorOptions {
  size_t experts = 20000;
  int works_per_expert = 10;
  size_t problems = 200000;
  uint64_t seed = 1;
};

struct GeneratedCorpus {
  std::vector<Expert> experts;
  std::vector<Problem> problems;
};

namespace detail {

// Sentences of a Chinese text, each with its closing 。(or the rest).
inline std::vector<std::string> sentences(const std::string& text) {
  std::vector<std::string> out;
  const std::string stop = "\xE3\x80\x82";  // 。
  size_t from = 0;
  while (from < text.size()) {
    size_t at = text.find(stop, from);
    size_t end = at == std::string::npos ? text.size() : at + stop.size();
    out.push_back(text.substr(from, end - from));
    from = end;
  }
  return out;
}

// The first UTF-8 character of `s`, and the rest.
inline std::pair<std::string, std::string> split_first_char(const std::string& s) {
  if (s.empty()) return {"", ""};
  auto c = static_cast<unsigned char>(s[0]);
  size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  n = std::min(n, s.size());
  return {s.substr(0, n), s.substr(n)};
}

inline std::string id_of(const char* prefix, size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%s-%07zu", prefix, i + 1);
  return buf;
}

}  // namespace detail

// `demo_experts` and `demo_problems` must not be empty.
inline GeneratedCorpus generate_corpus(const std::vector<Expert>& demo_experts,
                                       const std::vector<Problem>& demo_problems,
                                       const GeneratorOptions& options) {
  GeneratedCorpus out;
  std::mt19937_64 rng(options.seed);
  auto pick = [&rng](size_t n) { return static_cast<size_t>(rng() % n); };
  // Pools by college (works, fields) and by industry (problems).
  std::map<std::string, std::vector<const Work*>> college_works;
  std::map<std::string, std::vector<std::string>> college_fields;
  std::vector<std::string> surnames, given_names;
  for (const Expert& e : demo_experts) {
    for (const Work& w : e.works) college_works[e.college].push_back(&w);
    for (const auto& f : e.fields) college_fields[e.college].push_back(f);
    auto [surname, given] = detail::split_first_char(e.name);
    surnames.push_back(surname);
    if (!given.empty()) given_names.push_back(given);
  }
  if (given_names.empty()) given_names.push_back("");
  std::map<std::string, std::vector<const Problem*>> industry_problems;
  for (const Problem& p : demo_problems) industry_problems[p.industry].push_back(&p);

  out.experts.reserve(options.experts);
  for (size_t i = 0; i < options.experts; ++i) {
    const Expert& base = demo_experts[pick(demo_experts.size())];
    Expert e;
    e.id = detail::id_of("gx", i);
    e.name = surnames[pick(surnames.size())] + given_names[pick(given_names.size())];
    e.organization = base.organization;
    e.college = base.college;
    e.title = base.title;
    if (base.birth_year) e.birth_year = *base.birth_year + static_cast<int>(pick(7)) - 3;
    const auto& fields = college_fields[base.college];
    e.fields = base.fields.empty() ? std::vector<std::string>{} : std::vector{base.fields[0]};
    for (int f = 0; f < 2 && !fields.empty(); ++f) {
      const std::string& extra = fields[pick(fields.size())];
      if (std::find(e.fields.begin(), e.fields.end(), extra) == e.fields.end())
        e.fields.push_back(extra);
    }
    e.bio = base.bio;
    e.capacity = base.capacity;
    e.available = base.available;
    e.counties = base.counties;
    e.conflicts = base.conflicts;
    const auto& works = college_works[base.college];
    for (int w = 0; w < options.works_per_expert && !works.empty(); ++w) {
      // A work drawn twice for one expert would count once (a repeat):
      // draw again a few times.
      const Work* drawn = works[pick(works.size())];
      for (int retry = 0; retry < 4; ++retry) {
        bool seen = false;
        for (const Work& have : e.works) seen |= have.title == drawn->title;
        if (!seen) break;
        drawn = works[pick(works.size())];
      }
      const Work& from = *drawn;
      const Work& other = *works[pick(works.size())];
      Work work = from;
      auto extra = detail::sentences(other.abstract);
      if (!extra.empty()) work.abstract += extra[pick(extra.size())];
      if (!other.keywords.empty()) {
        const std::string& k = other.keywords[pick(other.keywords.size())];
        if (std::find(work.keywords.begin(), work.keywords.end(), k) == work.keywords.end())
          work.keywords.push_back(k);
      }
      work.year = 2005 + static_cast<int>(pick(21));
      e.works.push_back(std::move(work));
    }
    out.experts.push_back(std::move(e));
  }

  out.problems.reserve(options.problems);
  for (size_t i = 0; i < options.problems; ++i) {
    const Problem& base = demo_problems[pick(demo_problems.size())];
    const auto& same = industry_problems[base.industry];
    const Problem& other = *same[pick(same.size())];
    Problem p;
    p.id = detail::id_of("gp", i);
    p.enterprise = base.enterprise;
    p.county = base.county;
    p.industry = base.industry;
    p.title = base.title;
    p.description = base.description;
    auto extra = detail::sentences(other.description);
    if (!extra.empty()) p.description += extra[pick(extra.size())];
    p.keywords = base.keywords;
    if (!other.keywords.empty()) {
      const std::string& k = other.keywords[pick(other.keywords.size())];
      if (std::find(p.keywords.begin(), p.keywords.end(), k) == p.keywords.end())
        p.keywords.push_back(k);
    }
    p.urgency = 1 + static_cast<int>(pick(5));
    char date[16];
    std::snprintf(date, sizeof date, "2026-%02d-%02d", 1 + static_cast<int>(pick(12)),
                  1 + static_cast<int>(pick(28)));
    p.submitted = date;
    out.problems.push_back(std::move(p));
  }
  return out;
}

}  // namespace expertmatch::bench
