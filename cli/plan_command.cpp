// plan, plans, approve-plan: workstation planning on a store (matcher/plan_service.h).
#include <cstdio>
#include <map>

#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/plan_store.h"
#include "corpus/store.h"
#include "matcher/plan_report.h"
#include "matcher/plan_service.h"

namespace expertmatch::cli {
namespace {

int usage(const char* command, const char* text, const Args& args) {
  if (!args.error().empty())
    std::fprintf(stderr, "expertmatch %s: %s\n", command, args.error().c_str());
  std::fputs(text, args.has("--help") ? stdout : stderr);
  return args.has("--help") ? 0 : 2;
}

struct Stores {
  std::unique_ptr<Store> store;
  std::unique_ptr<PlanStore> plans;
};

bool open_stores(const std::string& dir, Stores* out, bool read_only) {
  StoreOptions options;
  options.create_if_missing = false;
  options.read_only = read_only;
  auto store = Store::open(dir, options);
  if (!store) {
    report(store.status());
    return false;
  }
  auto plans = PlanStore::open(**store, options);
  if (!plans) {
    report(plans.status());
    return false;
  }
  out->store = std::move(*store);
  out->plans = std::move(*plans);
  return true;
}

// One line a stored plan, in the reader's language (the plan's status too).
void print_record(const PlanRecord& r, i18n::Language language) {
  const std::string status = plan_status_text(plan_status_name(r.status), language);
  i18n::Message approved;
  if (!r.approved_at.empty()) approved = {"report.plan_approved_at", {{"at", r.approved_at}}};
  i18n::Message line{"report.plan_record",
                     {{"id", std::to_string(r.id)},
                      {"county", r.county},
                      {"status", status},
                      {"created", r.created_at},
                      {"approved", approved.empty() ? "" : i18n::tr(language, approved)},
                      {"team", std::to_string(r.members.size())},
                      {"topics", std::to_string(r.topics.size())}}};
  std::printf("%s\n", i18n::tr(language, line).c_str());
}

}  // namespace

int cmd_plan(const Argv& argv) {
  Args args(argv,
            {"--data", "--county", "--team-size", "--min-team", "--max-team", "--topics",
             "--policy", "--lang"},
            {"--all", "--json", "--dry-run", "--replan-approved", "--help"});
  const char* text =
      "usage: expertmatch plan --data DIR (--county NAME | --all) [--team-size N]\n"
      "                        [--min-team N] [--max-team N] [--topics 1|2]\n"
      "                        [--policy prefer|only|any] [--json] [--dry-run]\n"
      "                        [--replan-approved] [--lang zh|en]\n"
      "Chooses a county workstation's team (default 6-8 experts; --team-size N for exactly N)\n"
      "and every enterprise's 1-2 key topics, with reasons and diagnoses; --all plans every\n"
      "county together (shared capacity). The plan is stored as a draft unless --dry-run\n"
      "(refused while `expertmatch serve` runs on DIR; plan through the API then);\n"
      "approved assignments are kept unless --replan-approved. --policy: experts stationed\n"
      "in the county preferred (default), only them, or anyone. See docs/planning.md.\n"
      "The report is in Chinese unless --lang en (or LANG=en*).\n";
  PlanRunOptions options;
  auto int_flag = [&](const char* flag, int* out) {
    auto v = args.get(flag);
    return !v || parse_int(*v, out);
  };
  int team = -1;
  bool ok = int_flag("--team-size", &team) &&
            int_flag("--min-team", &options.planning.min_team_size) &&
            int_flag("--max-team", &options.planning.max_team_size) &&
            int_flag("--topics", &options.planning.max_topics_per_enterprise);
  if (args.get("--policy")) {
    auto p = parse_county_policy(*args.get("--policy"));
    ok = ok && p.has_value();
    if (p) options.planning.county_policy = *p;
  }
  i18n::Language language;
  ok = ok && report_language(args.get("--lang"), &language);
  if (args.has("--help") || !args.error().empty() || !ok || !args.get("--data") ||
      (args.get("--county").has_value() == args.has("--all")))
    return usage("plan", text, args);
  if (team >= 0) options.planning.min_team_size = options.planning.max_team_size = team;
  options.save = !args.has("--dry-run");
  options.keep_approved = !args.has("--replan-approved");
  Status valid = validate(options.planning);
  if (!valid) {
    report(valid);
    return 2;
  }
  // --dry-run changes nothing: the store and DATA/index are opened read-only.
  const bool read_only = args.has("--dry-run");
  Stores stores;
  if (!open_stores(*args.get("--data"), &stores, read_only)) return 1;
  // A stored draft and a rebuilt DATA/index are writes: a running server holds
  // the index and the plans' decision sequence in memory. One writer.
  std::unique_ptr<DataDirLock> lock;
  if (!read_only && !(lock = lock_data_dir(*args.get("--data"), "plan"))) return 1;
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  if (!read_records(*stores.store, &experts, &problems, "plan")) return 1;
  auto index = open_index(*args.get("--data"), experts, problems, read_only);
  if (!index) return 1;
  // The coordinators' decisions bind the CLI's plans as they bind the API's.
  auto reviews = stores.store->list_reviews("");
  if (!reviews) {
    report(reviews.status());
    return 1;
  }
  add_decisions(*reviews, problems, &options);
  Matcher matcher(*index);
  const bool json = args.has("--json");
  if (args.has("--all")) {
    auto made = make_city_plan(*stores.plans, matcher, *index, options);
    if (!made) {
      report(made.status());
      return 1;
    }
    std::fputs((json ? city_plan_to_json(made->plan, language) + "\n"
                     : city_plan_to_text(made->plan, language))
                   .c_str(),
               stdout);
    if (!json)
      for (const auto& r : made->records)
        std::printf(
            "Stored draft plan %lld for %s; approve with: expertmatch approve-plan --data "
            "DIR --id %lld\n",
            r.id, r.county.c_str(), r.id);
    return 0;
  }
  auto made = make_county_plan(*stores.plans, matcher, *index, *args.get("--county"), options);
  if (!made) {
    report(made.status());
    return 1;
  }
  std::fputs((json ? plan_to_json(made->plan, language) + "\n" : plan_to_text(made->plan, language))
                 .c_str(),
             stdout);
  if (!json && made->record)
    std::printf("\n%s\n", i18n::tr(language, {"report.stored_draft",
                                              {{"id", std::to_string(made->record->id)}}})
                              .c_str());
  return 0;
}

int cmd_plans(const Argv& argv) {
  Args args(argv, {"--data", "--county", "--id", "--lang"}, {"--help"});
  const char* text =
      "usage: expertmatch plans --data DIR [--county NAME] [--id N] [--lang zh|en]\n"
      "Lists stored workstation plans, newest first; --id prints one plan's JSON body.\n"
      "The list is in Chinese unless --lang en (or LANG=en*).\n";
  long long id = 0;
  i18n::Language language;
  if (args.has("--help") || !args.error().empty() || !args.get("--data") ||
      (args.get("--id") && !parse_id(*args.get("--id"), &id)) ||
      !report_language(args.get("--lang"), &language))
    return usage("plans", text, args);
  Stores stores;
  if (!open_stores(*args.get("--data"), &stores, /*read_only=*/true)) return 1;
  if (args.get("--id")) {
    auto r = stores.plans->get(id);
    if (!r) {
      report(r.status());
      return 1;
    }
    std::printf("%s\n", r->body_json.c_str());
    return 0;
  }
  auto list = stores.plans->list(args.get("--county").value_or(""));
  if (!list) {
    report(list.status());
    return 1;
  }
  for (const auto& r : *list) print_record(r, language);
  return 0;
}

int cmd_approve_plan(const Argv& argv) {
  Args args(argv, {"--data", "--id", "--by", "--lang"}, {"--help"});
  const char* text =
      "usage: expertmatch approve-plan --data DIR --id N [--by NAME] [--lang zh|en]\n"
      "Approves a draft plan; the county's previously approved plan is superseded and the\n"
      "key topics' problems are in progress. A stale draft (older than the approved plan,\n"
      "or made before a later decision) is refused: make a new plan. Refused while\n"
      "`expertmatch serve` runs on DIR (approve through the API then).\n"
      "Re-planning the county then keeps this plan's team and key topics.\n"
      "The approved plan's line is in Chinese unless --lang en (or LANG=en*).\n";
  long long id = 0;
  i18n::Language language;
  if (args.has("--help") || !args.error().empty() || !args.get("--data") || !args.get("--id") ||
      !parse_id(*args.get("--id"), &id) || !report_language(args.get("--lang"), &language))
    return usage("approve-plan", text, args);
  Stores stores;
  if (!open_stores(*args.get("--data"), &stores, /*read_only=*/false)) return 1;
  // Approval moves problems in progress and advances the decision sequence; a
  // running server would go on from its own copies of both and undo them.
  auto lock = lock_data_dir(*args.get("--data"), "approve-plan");
  if (!lock) return 1;
  auto plan = stores.plans->get(id);
  if (!plan) {
    report(plan.status());
    return 1;
  }
  std::vector<Expert> experts;
  std::vector<Problem> problems;
  if (!read_records(*stores.store, &experts, &problems, "approve-plan")) return 1;
  const std::string by = args.get("--by").value_or("cli");
  auto r = stores.plans->approve(id, by, approval_changes(*plan, problems, experts, by));
  if (!r) {
    report(r.status());
    return 1;
  }
  print_record(*r, language);
  return 0;
}

}  // namespace expertmatch::cli
