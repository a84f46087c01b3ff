// The expertmatch subcommands. Each takes the arguments after its name and
// returns the process exit code (0 ok, 1 failure, 2 usage error).
#pragma once

#include <string>
#include <vector>

namespace expertmatch::cli {

using Argv = std::vector<std::string>;

int cmd_import(const Argv& args);
int cmd_export(const Argv& args);
int cmd_validate(const Argv& args);
int cmd_index(const Argv& args);
int cmd_rank(const Argv& args);
int cmd_score(const Argv& args);
int cmd_eval(const Argv& args);
int cmd_demo(const Argv& args);
int cmd_serve(const Argv& args);
int cmd_token(const Argv& args);
int cmd_account(const Argv& args);
int cmd_backup(const Argv& args);
int cmd_plan(const Argv& args);
int cmd_plans(const Argv& args);
int cmd_approve_plan(const Argv& args);

}  // namespace expertmatch::cli
