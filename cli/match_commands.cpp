// rank, score, eval, demo: ranking experts for problems straight from
// exchange-format files (no store needed), and the demo on a store.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/store.h"
#include "matcher/evaluation.h"

namespace expertmatch::cli {
namespace {

// Loads both files and builds an in-memory index; prints errors and returns null on failure.
std::unique_ptr<CorpusIndex> index_files(const std::string& experts_path,
                                         const std::string& problems_path,
                                         std::vector<Expert>* experts,
                                         std::vector<Problem>* problems) {
  if (!load_files(experts_path, problems_path, experts, problems)) return nullptr;
  auto index = CorpusIndex::build(*experts, *problems, IndexConfig{});
  if (!index) {
    report(index.status());
    return nullptr;
  }
  return std::move(*index);
}

// Every problem of --experts and --problems ranked, the top `top` experts
// each, by the matcher that ranked them (eval asks it more). Above 1000
// experts only candidates from the vector and BM25 indexes are scored,
// unless --exhaustive.
struct FileRankings {
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  std::unique_ptr<CorpusIndex> index;
  std::unique_ptr<Matcher> matcher;
  std::vector<std::vector<ExpertMatch>> rankings;  // rankings[i]: problems[i]'s, best first
};

// Fills `out`; prints errors and returns false on failure.
bool rank_files(const Args& args, int top, FileRankings* out) {
  out->index =
      index_files(*args.get("--experts"), *args.get("--problems"), &out->experts, &out->problems);
  if (!out->index) return false;
  MatchConfig config;
  if (args.has("--exhaustive")) config.exhaustive_max_experts = SIZE_MAX;
  out->matcher = std::make_unique<Matcher>(*out->index, config);
  std::vector<const Problem*> all;
  for (const auto& p : out->problems) all.push_back(&p);
  // Every problem's vector candidates in one batched Faiss search.
  auto rankings = out->matcher->rank_experts_batch(all, MatchFilters{}, top);
  if (!rankings) {
    report(rankings.status());
    return false;
  }
  out->rankings = std::move(*rankings);
  return true;
}

}  // namespace

int cmd_rank(const Argv& argv) {
  Args args(argv, {"--experts", "--problems", "--top"}, {"--help", "--exhaustive"});
  const char* text =
      "usage: expertmatch rank --experts FILE --problems FILE [--top N] [--exhaustive]\n"
      "Prints a TREC run (PROBLEM Q0 EXPERT RANK SCORE TAG) of the top N (default 100)\n"
      "experts for every problem. Above 1000 experts only candidates from the vector and\n"
      "BM25 indexes are scored; --exhaustive scores every expert.\n";
  int top = 100;
  if (args.has("--help") || !args.error().empty() || !args.get("--experts") ||
      !args.get("--problems") ||
      (args.get("--top") && (!parse_int(*args.get("--top"), &top) || top < 1)))
    return show_usage("rank", text, args);
  FileRankings ranked;
  if (!rank_files(args, top, &ranked)) return 1;
  std::string out;
  char line[512];
  for (size_t i = 0; i < ranked.problems.size(); ++i) {
    const Problem& p = ranked.problems[i];
    int rank = 0;
    for (const auto& m : ranked.rankings[i]) {
      std::snprintf(line, sizeof line, "%s Q0 %s %d %.6f expertmatch\n", p.id.c_str(),
                    m.expert_id.c_str(), ++rank, m.score);
      out += line;
    }
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int cmd_score(const Argv& argv) {
  Args args(argv, {"--experts", "--problems", "--pairs"}, {"--help"});
  const char* text =
      "usage: expertmatch score --experts FILE --problems FILE --pairs FILE\n"
      "For each PROBLEM<TAB>EXPERT line of the pairs file prints PROBLEM<TAB>EXPERT<TAB>SCORE.\n";
  if (args.has("--help") || !args.error().empty() || !args.get("--experts") ||
      !args.get("--problems") || !args.get("--pairs"))
    return show_usage("score", text, args);
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  auto index = index_files(*args.get("--experts"), *args.get("--problems"), &experts, &problems);
  if (!index) return 1;
  std::map<std::string, const Problem*> by_id;
  for (const auto& p : problems) by_id[p.id] = &p;
  auto pairs_text = read_text_file(*args.get("--pairs"));
  if (!pairs_text) {
    report(pairs_text.status());
    return 1;
  }
  Matcher matcher(*index);
  std::istringstream in(*pairs_text);
  std::map<std::string, std::map<std::string, float>> scores;
  std::string line, out;
  int line_no = 0;
  char buf[512];
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    size_t tab = line.find('\t');
    if (tab == std::string::npos) {
      std::fprintf(stderr, "%s:%d: must be PROBLEM_ID<TAB>EXPERT_ID\n",
                   args.get("--pairs")->c_str(), line_no);
      return 1;
    }
    std::string pid = line.substr(0, tab), eid = line.substr(tab + 1);
    auto it = by_id.find(pid);
    if (it == by_id.end()) {
      std::fprintf(stderr, "%s:%d: problem_id: unknown problem \"%s\"\n",
                   args.get("--pairs")->c_str(), line_no, pid.c_str());
      return 1;
    }
    // One ranking per problem serves all of its pairs.
    auto cached = scores.find(pid);
    if (cached == scores.end()) {
      auto all = matcher.score_all(*it->second);
      if (!all) {
        report(all.status());
        return 1;
      }
      cached = scores.emplace(pid, std::move(*all)).first;
    }
    auto s = cached->second.find(eid);
    if (s == cached->second.end()) {
      std::fprintf(stderr, "%s:%d: expert_id: unknown expert \"%s\"\n",
                   args.get("--pairs")->c_str(), line_no, eid.c_str());
      return 1;
    }
    std::snprintf(buf, sizeof buf, "%s\t%s\t%.6f\n", pid.c_str(), eid.c_str(), s->second);
    out += buf;
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

int cmd_eval(const Argv& argv) {
  Args args(argv, {"--experts", "--problems", "--qrels"}, {"--help", "--exhaustive"});
  const char* text =
      "usage: expertmatch eval --experts FILE --problems FILE --qrels FILE [--exhaustive]\n"
      "Ranks experts for every judged problem and prints nDCG@10, MRR@10, Recall@10\n"
      "(two-stage above 1000 experts, as rank; --exhaustive scores every expert), then\n"
      "the problems with no good expert (answerable, judged unanswerable, unjudged) and\n"
      "why: not_technical (it asks for a person, a channel, money, a permit ...),\n"
      "no_research (no expert at all fits) or only_excluded (conflict, unavailable).\n";
  if (args.has("--help") || !args.error().empty() || !args.get("--experts") ||
      !args.get("--problems") || !args.get("--qrels"))
    return show_usage("eval", text, args);
  auto qrels = read_qrels_file(*args.get("--qrels"));
  if (!qrels) {
    report(qrels.status());
    return 1;
  }
  FileRankings ranked;
  if (!rank_files(args, 10, &ranked)) return 1;
  const std::vector<Problem>& problems = ranked.problems;
  std::map<std::string, std::vector<std::string>> run;
  for (size_t i = 0; i < problems.size(); ++i)
    for (const auto& m : ranked.rankings[i]) run[problems[i].id].push_back(m.expert_id);
  RankingMetrics m = evaluate_ranking(*qrels, run, 10);
  std::printf("nDCG@10 %.3f  MRR@10 %.3f  Recall@10 %.3f  (problems=%d)\n", m.ndcg, m.mrr, m.recall,
              m.problems);
  if (m.problems_with_grade3 > 0)
    std::printf("grade-3 expert in top 10: %.1f%% of %d problems\n", 100.0 * m.grade3_in_top,
                m.problems_with_grade3);
  // "No good expert", by kind of problem: answerable (some judgment >= 2),
  // judged but unanswerable, and unjudged; each flagged one with its reason.
  std::map<std::string, int> best_grade;
  for (const Judgment& j : *qrels) {
    auto [it, fresh] = best_grade.emplace(j.problem_id, j.grade);
    if (!fresh) it->second = std::max(it->second, j.grade);
  }
  struct Tally {
    int problems = 0;
    int not_technical = 0;
    int no_research = 0;
    int only_excluded = 0;
    int no_words = 0;
    std::string ids;
  };
  std::map<std::string, Tally> tally;
  for (size_t i = 0; i < problems.size(); ++i) {
    const Problem& p = problems[i];
    auto g = best_grade.find(p.id);
    Tally& t = tally[g == best_grade.end() ? "unjudged"
                     : g->second >= 2      ? "answerable"
                                           : "unanswerable"];
    ++t.problems;
    const auto& top = ranked.rankings[i];
    if (!top.empty() && top.front().good_match) continue;  // good matches come first
    auto c = ranked.matcher->coverage(p);
    if (!c) {
      report(c.status());
      return 1;
    }
    t.not_technical += *c == ProblemCoverage::kNotTechnical;
    t.no_research += *c == ProblemCoverage::kNoResearch;
    t.only_excluded += *c == ProblemCoverage::kOnlyExcluded;
    t.no_words += *c == ProblemCoverage::kNoWords;
    t.ids += " " + p.id + ":" + coverage_name(*c);
  }
  for (const auto& [kind, t] : tally)
    std::printf(
        "%s problems %d: no good expert %d (not_technical %d, no_research %d, only_excluded "
        "%d, no_words %d)%s\n",
        kind.c_str(), t.problems, t.not_technical + t.no_research + t.only_excluded + t.no_words,
        t.not_technical, t.no_research, t.only_excluded, t.no_words, t.ids.c_str());
  return 0;
}

int cmd_demo(const Argv& argv) {
  Args args(argv, {"--data", "--problems", "--top", "--lang"}, {"--help"});
  const char* text =
      "usage: expertmatch demo --data DIR [--problems N] [--top K] [--lang zh|en]\n"
      "Shows the top K (default 5) experts, with their explanations, for the N (default 3)\n"
      "most urgent open problems in the store; in Chinese unless --lang en (or LANG=en*).\n";
  int n = 3, top = 5;
  i18n::Language language;
  if (args.has("--help") || !args.error().empty() || !args.get("--data") ||
      !report_language(args.get("--lang"), &language) ||
      (args.get("--problems") && !parse_int(*args.get("--problems"), &n)) ||
      (args.get("--top") && !parse_int(*args.get("--top"), &top)))
    return show_usage("demo", text, args);
  // demo only reads: it never writes the store or the index.
  auto store = open_existing_store(*args.get("--data"), /*read_only=*/true);
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  if (!store || !read_records(*store, &experts, &problems, "demo")) return 1;
  auto index = open_index(*args.get("--data"), experts, problems, /*read_only=*/true);
  if (!index) return 1;
  std::vector<const Problem*> open;
  for (const auto& p : problems)
    if (is_open(p.status)) open.push_back(&p);
  std::stable_sort(open.begin(), open.end(),
                   [](const Problem* a, const Problem* b) { return a->urgency > b->urgency; });
  Matcher matcher(*index);
  for (int i = 0; i < n && i < static_cast<int>(open.size()); ++i) {
    const Problem& p = *open[i];
    auto tr = [language](const char* key,
                         std::vector<std::pair<std::string, std::string>> args = {}) {
      return i18n::tr(language, {key, std::move(args)});
    };
    std::printf("\n%s\n", tr("demo.problem", {{"id", p.id},
                                              {"title", p.title},
                                              {"enterprise", p.enterprise},
                                              {"county", p.county},
                                              {"urgency", std::to_string(p.urgency)}})
                              .c_str());
    auto ranked = matcher.rank_experts(p, MatchFilters{}, top);
    if (!ranked) {
      report(ranked.status());
      return 1;
    }
    if (ranked->empty() || !ranked->front().good_match)
      std::printf(
          "  %s\n",
          tr(ranked->empty() ? "demo.no_good_match" : "demo.no_good_match_closest").c_str());
    int rank = 0;
    char number[32];
    for (const auto& m : *ranked) {
      const ExpertEntry* e = index->expert(m.expert_id);
      std::snprintf(number, sizeof number, "%.3f", m.score);
      std::string score = number;
      std::snprintf(number, sizeof number, "%.2f", m.confidence);
      std::printf("  %s\n", tr("demo.expert", {{"rank", std::to_string(++rank)},
                                               {"id", m.expert_id},
                                               {"name", m.expert_name},
                                               {"college", e->expert.college},
                                               {"title", e->expert.title},
                                               {"score", score},
                                               {"confidence", number}})
                                .c_str());
      if (!m.works.empty()) {
        std::snprintf(number, sizeof number, "%.2f", m.works.front().similarity);
        std::printf("     %s\n",
                    tr("demo.best_work", {{"title", m.works.front().title}, {"similarity", number}})
                        .c_str());
      }
      if (!m.terms.empty()) {
        std::set<std::string> shown;
        std::string terms;
        for (const auto& t : m.terms)
          if (shown.insert(t.term).second) terms += (terms.empty() ? "" : " ") + t.term;
        std::printf("     %s\n", tr("demo.shared_terms", {{"terms", terms}}).c_str());
      }
    }
  }
  return 0;
}

}  // namespace expertmatch::cli
