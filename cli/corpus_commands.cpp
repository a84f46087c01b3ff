// import, export, validate, index: moving exchange-format data in and out of
// the store, and building the search index.
#include <sys/stat.h>

#include <cstdio>
#include <map>
#include <set>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/counties.h"
#include "corpus/names.h"
#include "corpus/repeated_works.h"
#include "corpus/store.h"

namespace expertmatch::cli {

namespace {

// Repeated works are legal (matching counts them once) but usually a mistake
// of the source: warnings on stderr, not errors.
void warn_repeated_works(const std::vector<Expert>& experts, const std::string& file) {
  for (const auto& w : repeated_work_warnings(experts))
    std::fprintf(stderr, "warning: %s: %s\n", file.c_str(), w.c_str());
}

}  // namespace

int cmd_import(const Argv& argv) {
  Args args(argv, {"--data", "--experts", "--problems", "--counties"}, {"--help"});
  if (args.has("--help") || !args.error().empty() || !args.get("--data") ||
      (!args.get("--experts") && !args.get("--problems")))
    return show_usage(
        "import",
        "usage: expertmatch import --data DIR [--experts FILE] [--problems FILE]\n"
        "                          [--counties A,B,...]\n"
        "Validates both files completely, then stores every record in one transaction:\n"
        "all or nothing. A known id is updated. Counties must be known (Quzhou's six and\n"
        "衢州智造新城, or --counties as the server's `counties` setting) and an enterprise\n"
        "stays in the county it is registered in. Creates DIR and its store if absent.\n"
        "Refused while `expertmatch serve` runs on DIR (use POST /api/v1/import then).\n",
        args);
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  if (!load_files(args.get("--experts").value_or(""), args.get("--problems").value_or(""), &experts,
                  &problems)) {
    std::fprintf(stderr, "expertmatch import: nothing was imported\n");
    return 1;
  }
  warn_repeated_works(experts, args.get("--experts").value_or(""));
  auto counties = CountyList::parse(args.get("--counties").value_or(""), "--counties");
  if (!args.get("--counties")) counties = CountyList();
  if (!counties) {
    report(counties.status());
    return 2;
  }
  // The records a running server holds in memory would go stale: one writer.
  auto lock = lock_data_dir(*args.get("--data"), "import");
  if (!lock) {
    std::fprintf(stderr, "expertmatch import: nothing was imported\n");
    return 1;
  }
  auto store = Store::open(*args.get("--data"));
  if (!store) {
    report(store.status());
    return 1;
  }
  // The same checks as the API's import: known counties, one county an enterprise.
  auto enterprises = (*store)->list_enterprises();
  if (!enterprises) {
    report(enterprises.status());
    return 1;
  }
  std::map<std::string, std::string> registered;
  for (const auto& e : *enterprises) registered[normalize_name(e.name)] = e.county;
  Status s = check_record_counties(*counties, experts, problems, &registered);
  // A record imported exactly as held keeps a state the city has not
  // confirmed (keep_unconfirmed_state), as the API's import does.
  size_t unconfirmed_kept = 0;
  for (auto& e : experts)
    if (auto held = (*store)->get_expert(e.id))
      unconfirmed_kept += keep_unconfirmed_state(*held, &e);
  // A held problem's status is the workflow's (keep_workflow_state).
  for (size_t i = 0; i < problems.size(); ++i)
    if (auto held = (*store)->get_problem(problems[i].id)) {
      Status kept = keep_workflow_state(*held, &problems[i], *args.get("--problems"), 0);
      if (s && !kept) s = kept;
      unconfirmed_kept += keep_unconfirmed_state(*held, &problems[i]);
    }
  if (s) s = (*store)->import(experts, problems);
  if (!s) {
    report(s);
    std::fprintf(stderr, "expertmatch import: nothing was imported\n");
    return 1;
  }
  size_t works = 0;
  for (const auto& e : experts) works += e.works.size();
  auto counts = (*store)->counts();
  std::printf("imported %zu experts (%zu works) and %zu problems into %s", experts.size(), works,
              problems.size(), args.get("--data")->c_str());
  if (counts)
    std::printf(" (store now holds %d experts, %d problems)", counts->experts, counts->problems);
  if (unconfirmed_kept > 0)
    std::printf("; %zu imported exactly as held keep awaiting the city's confirmation",
                unconfirmed_kept);
  std::printf("\n");
  return 0;
}

int cmd_export(const Argv& argv) {
  Args args(argv, {"--data", "--out"}, {"--help"});
  if (args.has("--help") || !args.error().empty() || !args.get("--data") || !args.get("--out"))
    return show_usage("export",
                      "usage: expertmatch export --data DIR --out FOLDER\n"
                      "Writes FOLDER/experts.jsonl and FOLDER/problems.jsonl.\n",
                      args);
  auto store = open_existing_store(*args.get("--data"));
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  if (!store || !read_records(*store, &experts, &problems)) return 1;
  std::string out = *args.get("--out");
  if (::mkdir(out.c_str(), 0755) != 0 && errno != EEXIST) {
    std::fprintf(stderr, "expertmatch export: cannot create %s\n", out.c_str());
    return 1;
  }
  Status s = write_file_atomically(out + "/experts.jsonl", to_jsonl(experts));
  if (s) s = write_file_atomically(out + "/problems.jsonl", to_jsonl(problems));
  if (!s) {
    report(s);
    return 1;
  }
  std::printf("exported %zu experts and %zu problems to %s\n", experts.size(), problems.size(),
              out.c_str());
  return 0;
}

int cmd_validate(const Argv& argv) {
  Args args(argv, {"--experts", "--problems", "--qrels"}, {"--help"});
  if (args.has("--help") || !args.error().empty() ||
      (!args.get("--experts") && !args.get("--problems") && !args.get("--qrels")))
    return show_usage(
        "validate",
        "usage: expertmatch validate [--experts FILE] [--problems FILE] [--qrels FILE]\n", args);
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  bool ok = load_files(args.get("--experts").value_or(""), args.get("--problems").value_or(""),
                       &experts, &problems);
  warn_repeated_works(experts, args.get("--experts").value_or(""));
  size_t judgments = 0;
  if (auto q = args.get("--qrels")) {
    auto qrels = read_qrels_file(*q);
    if (!qrels) {
      report(qrels.status());
      ok = false;
    } else {
      judgments = qrels->size();
      std::set<std::string> eids, pids;
      for (const auto& e : experts) eids.insert(e.id);
      for (const auto& p : problems) pids.insert(p.id);
      int line = 0;
      for (const auto& j : *qrels) {
        ++line;
        if (!experts.empty() && !eids.count(j.expert_id)) {
          std::fprintf(stderr, "%s: judgment %d: expert_id: unknown expert \"%s\"\n", q->c_str(),
                       line, j.expert_id.c_str());
          ok = false;
        }
        if (!problems.empty() && !pids.count(j.problem_id)) {
          std::fprintf(stderr, "%s: judgment %d: problem_id: unknown problem \"%s\"\n", q->c_str(),
                       line, j.problem_id.c_str());
          ok = false;
        }
      }
    }
  }
  if (!ok) return 1;
  std::printf("valid: %zu experts, %zu problems, %zu judgments\n", experts.size(), problems.size(),
              judgments);
  return 0;
}

int cmd_index(const Argv& argv) {
  Args args(argv, {"--data", "--experts", "--problems", "--out"}, {"--help"});
  bool from_store = args.get("--data").has_value();
  bool from_files = args.get("--experts") && args.get("--problems") && args.get("--out");
  if (args.has("--help") || !args.error().empty() || from_store == from_files)
    return show_usage(
        "index",
        "usage: expertmatch index --data DIR\n"
        "       expertmatch index --experts FILE --problems FILE --out DIR\n"
        "Learns the embedding from the corpus and writes the index (to DIR/index with\n"
        "--data). With --data this is the explicit refit: the term model and the LSA\n"
        "embedding are relearned from every record in the store as the city last\n"
        "confirmed it (withdrawn and closed problems included; unconfirmed filings left\n"
        "out) and all vectors are rebuilt (the server's upserts only add to the model\n"
        "it has). It is refused\n"
        "while `expertmatch serve` runs on DIR; a server started with embedding_url set\n"
        "rebuilds the index with that server at start, as its settings differ.\n",
        args);
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  std::vector<Problem> all_problems;  // with --data: every status, for the fit
  std::string out;
  std::unique_ptr<DataDirLock> lock;
  if (from_store) {
    // A server holds the index in memory and would overwrite this one.
    auto store = open_existing_store(*args.get("--data"));
    if (!store) return 1;
    lock = lock_data_dir(*args.get("--data"), "index");
    if (!lock) return 1;
    if (!read_records(*store, &experts, &all_problems)) return 1;
    problems = indexed_problems(all_problems);  // as `serve` indexes DATA (corpus/model.h)
    out = *args.get("--data") + "/index";
  } else {
    if (!load_files(*args.get("--experts"), *args.get("--problems"), &experts, &problems)) return 1;
    out = *args.get("--out");
  }
  double start = now_seconds();
  IndexConfig config;
  // With --data, what `serve` learns from (indexer/fit_corpus.h); else the files' records.
  const FitCorpus fit = from_store ? FitCorpus::of(experts, all_problems) : FitCorpus();
  auto index = CorpusIndex::build(experts, problems, config, progress_printer("index"),
                                  from_store ? &fit : nullptr);
  if (!index) {
    report(index.status());
    return 1;
  }
  // A record the index cannot take is left out, not fatal; the operator sees which.
  for (const auto& r : (*index)->skipped())
    std::fprintf(stderr, "expertmatch index: skipped %s \"%s\": %s\n", r.kind.c_str(), r.id.c_str(),
                 r.reason.c_str());
  Status s = (*index)->save(out);
  if (!s) {
    report(s);
    return 1;
  }
  double secs = seconds_since(start);
  size_t docs = (*index)->unit_count();
  std::printf(
      "indexed %zu experts and %zu problems: %zu documents, %zu vectors (d=%d) in %.2f s, "
      "%.0f documents/s -> %s\n",
      (*index)->experts().size(), (*index)->problems().size(), docs,
      (*index)->expert_vectors().size() + (*index)->problem_vectors().size(),
      (*index)->embedder().dimension(), secs, docs / (secs > 0 ? secs : 1e-9), out.c_str());
  return 0;
}

}  // namespace expertmatch::cli
