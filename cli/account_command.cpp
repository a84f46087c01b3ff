// `expertmatch account create|list|disable`: accounts that sign in to the
// pages (api/accounts.h). Works while a server runs: the store is SQLite in
// WAL mode, and the server reads accounts from it on every sign-in.
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "api/accounts.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/names.h"
#include "corpus/store.h"

namespace expertmatch::cli {
namespace {

const char* kAccountUsage =
    "usage: expertmatch account create --data DIR --username NAME --role ROLE [--scope SCOPE]\n"
    "       expertmatch account list --data DIR\n"
    "       expertmatch account disable --data DIR --username NAME\n"
    "create reads the password from standard input (one line; not echoed on a terminal).\n"
    "Roles and scopes are those of tokens: admin (no scope), county (a county), coordinator\n"
    "(COUNTY or COUNTY/WORKSTATION), enterprise (the enterprise's name).\n";

// One line from stdin, without its line end; echo is off while a terminal types it.
bool read_password(std::string* out) {
  bool tty = ::isatty(STDIN_FILENO);
  termios saved{};
  if (tty) {
    std::fputs("password: ", stderr);
    ::tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  bool ok = static_cast<bool>(std::getline(std::cin, *out));
  if (tty) {
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fputs("\n", stderr);
  }
  if (!out->empty() && out->back() == '\r') out->pop_back();
  return ok;
}

// Field errors in the user's language (LANG), others as report() does.
void report_localized(const Status& s) {
  i18n::Language language = i18n::language_from_environment();
  if (s.field_errors().empty()) {
    std::fprintf(stderr, "expertmatch account: %s\n",
                 s.user_message().empty() ? s.message().c_str()
                                          : i18n::tr(language, s.user_message()).c_str());
    return;
  }
  for (const auto& e : s.field_errors())
    std::fprintf(stderr, "expertmatch account: %s: %s\n", e.field.c_str(),
                 e.message.empty() ? e.reason.c_str() : i18n::tr(language, e.message).c_str());
}

}  // namespace

int cmd_account(const Argv& argv) {
  std::string sub = argv.empty() ? "" : argv[0];
  if (sub != "create" && sub != "list" && sub != "disable") {
    bool help = sub == "--help" || sub == "-h";
    if (!help)
      std::fprintf(
          stderr, "expertmatch account: %s\n",
          sub.empty() ? "missing subcommand" : ("unknown subcommand \"" + sub + "\"").c_str());
    std::fputs(kAccountUsage, help ? stdout : stderr);
    return help ? 0 : 2;
  }
  Args args(Argv(argv.begin() + 1, argv.end()), {"--data", "--username", "--role", "--scope"},
            {"--help"});
  bool missing = !args.get("--data") || (sub != "list" && !args.get("--username")) ||
                 (sub == "create" && !args.get("--role"));
  if (args.has("--help") || !args.error().empty() || missing) {
    if (!args.error().empty())
      std::fprintf(stderr, "expertmatch account: %s\n", args.error().c_str());
    std::fputs(kAccountUsage, args.has("--help") ? stdout : stderr);
    return args.has("--help") ? 0 : 2;
  }
  StoreOptions options;
  options.create_if_missing = sub == "create";
  auto store = Store::open(*args.get("--data"), options);
  if (!store) {
    report(store.status());
    return 1;
  }
  if (sub == "list") {
    auto accounts = (*store)->list_accounts();
    if (!accounts) {
      report(accounts.status());
      return 1;
    }
    std::printf("username\trole\tscope\tdisabled\tcreated_at\n");
    for (const auto& a : *accounts)
      std::printf("%s\t%s\t%s\t%s\t%s\n", a.username.c_str(), a.role.c_str(), a.scope.c_str(),
                  a.disabled ? "yes" : "no", a.created_at.c_str());
    // Lookalikes stored before the check that now refuses them (an older
    // version made them): told on stderr, so stdout stays one table.
    std::vector<std::string> names;
    for (const auto& a : *accounts) names.push_back(a.username);
    for (auto [i, j] : lookalike_pairs(names))
      std::fprintf(stderr,
                   "expertmatch account: warning: \"%s\" looks like \"%s\" (same letters up to "
                   "case, width, accents or lookalike characters); disable one of them\n",
                   names[j].c_str(), names[i].c_str());
    return 0;
  }
  if (sub == "disable") {
    Status s = (*store)->disable_account(*args.get("--username"));
    if (!s) {
      report(s);
      return 1;
    }
    std::fprintf(stderr, "expertmatch account: %s is disabled; its sessions have ended\n",
                 args.get("--username")->c_str());
    return 0;
  }
  std::string password;
  if (!read_password(&password)) {
    std::fprintf(stderr, "expertmatch account: no password on standard input\n");
    return 2;
  }
  auto account = api::create_account(**store, *args.get("--username"), password,
                                     *args.get("--role"), args.get("--scope").value_or(""));
  if (!account) {
    report_localized(account.status());
    return account.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::fprintf(stderr, "expertmatch account: created %s (role %s%s%s)\n", account->username.c_str(),
               account->role.c_str(), account->scope.empty() ? "" : ", scope ",
               account->scope.c_str());
  return 0;
}

}  // namespace expertmatch::cli
