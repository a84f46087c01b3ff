// expertmatch: the command-line entry point; dispatches to a subcommand.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/commands.h"

namespace {

const char* kUsage =
    "usage: expertmatch COMMAND [OPTIONS]\n"
    "\n"
    "Data:\n"
    "  import   --data DIR [--experts FILE] [--problems FILE]   load exchange-format files\n"
    "  export   --data DIR --out FOLDER                         write them back\n"
    "  validate [--experts FILE] [--problems FILE] [--qrels FILE] check files, change nothing\n"
    "Index:\n"
    "  index    --data DIR | --experts FILE --problems FILE --out DIR\n"
    "Matching (read exchange-format files directly):\n"
    "  rank     --experts FILE --problems FILE [--top N]        TREC run on stdout\n"
    "  score    --experts FILE --problems FILE --pairs FILE     PROBLEM<TAB>EXPERT<TAB>SCORE\n"
    "  eval     --experts FILE --problems FILE --qrels FILE     nDCG@10, MRR@10, Recall@10\n"
    "  demo     --data DIR [--problems N]                       top experts for a few problems\n"
    "Planning (county expert workstations, docs/planning.md):\n"
    "  plan     --data DIR (--county NAME | --all) [--team-size N] [--json]  team and key topics\n"
    "  plans    --data DIR [--county NAME] [--id N]             stored plans\n"
    "  approve-plan --data DIR --id N                           approve a draft plan\n"
    "Service:\n"
    "  serve    --data DIR [--listen HOST:PORT] [--config FILE] [--create]  the HTTP API\n"
    "  token    create --data DIR --role ROLE [--scope SCOPE] [--expires DAYS|DATE]  a new token\n"
    "  token    list --data DIR | revoke --data DIR --id ID    tokens without secrets; revoke one\n"
    "  backup   --data DIR --out FILE                           online copy of the store\n"
    "  account  create|list|disable --data DIR ...              accounts that sign in to the "
    "pages\n"
    "\n"
    "Run 'expertmatch COMMAND --help' for a command's options.\n";

}  // namespace

int main(int argc, char** argv) {
  using namespace expertmatch::cli;
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h")) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  std::string command = argv[1];
  Argv args(argv + 2, argv + argc);
  struct Entry {
    const char* name;
    int (*fn)(const Argv&);
  };
  static const Entry kCommands[] = {
      {"import", cmd_import}, {"export", cmd_export},   {"validate", cmd_validate},
      {"index", cmd_index},   {"rank", cmd_rank},       {"score", cmd_score},
      {"eval", cmd_eval},     {"demo", cmd_demo},       {"serve", cmd_serve},
      {"token", cmd_token},   {"account", cmd_account}, {"backup", cmd_backup},
      {"plan", cmd_plan},     {"plans", cmd_plans},     {"approve-plan", cmd_approve_plan},
  };
  for (const auto& c : kCommands)
    if (command == c.name) return c.fn(args);
  std::fprintf(stderr, "expertmatch: unknown command \"%s\"\n\n%s", command.c_str(), kUsage);
  return 2;
}
