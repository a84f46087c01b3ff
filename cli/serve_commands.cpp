// serve, token: running the HTTP service and creating its access tokens.
#include <cstdio>
#include <cstdlib>
#include <ctime>
#ifdef __GLIBC__  // defined by the C library's headers above
#include <malloc.h>
#endif

#include "api/access.h"
#include "api/api_server.h"
#include "api/config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/store.h"
#include "corpus/utc_time.h"

namespace expertmatch::cli {

int cmd_serve(const Argv& argv) {
  Args args(argv, {"--data", "--listen", "--config"}, {"--help", "--create"});
  const char* text =
      "usage: expertmatch serve --data DIR [--listen HOST:PORT] [--config FILE] [--create]\n"
      "Refuses to start without a store in DIR unless --create is given (then DIR and an\n"
      "empty store are created), and while another server or an import holds DIR.\n"
      "Serves the JSON API (docs/api.md) on HOST:PORT (default 127.0.0.1:8080; port 0 picks a\n"
      "free one). Settings come from FILE (a JSON object), then EXPERTMATCH_* environment\n"
      "variables, then these flags. SIGINT or SIGTERM stop it cleanly. Setting embedding_url\n"
      "(and embedding_model) embeds with an OpenAI-compatible server instead of the built-in\n"
      "model; see docs/api.md for every setting.\n";
  if (args.has("--help") || !args.error().empty()) return show_usage("serve", text, args);
  api::ServerConfig config;
  Status s = Status::ok();
  if (auto file = args.get("--config")) s = api::load_config_file(*file, &config);
  if (s) s = api::apply_environment([](const char* name) { return std::getenv(name); }, &config);
  if (s && args.get("--data")) s = api::set_config_value(&config, "data", *args.get("--data"));
  if (s && args.get("--listen"))
    s = api::set_config_value(&config, "listen", *args.get("--listen"));
  if (s) s = api::validate(config);
  if (!s) {
    report(s);
    std::fputs(text, stderr);
    return 2;
  }
  api::ServiceOptions options;
  options.create_store = args.has("--create");
#ifdef __GLIBC__
  // glibc raises its mmap threshold (up to 32 MB) whenever a large block is
  // freed; blocks below it then come from the heap, where freed ones stay
  // the process's: the server's RSS kept the high-water mark of every index
  // build, and the model fit's arrays were not handed back between its
  // steps. Fixed at glibc's default (128 KiB), large blocks (import bodies,
  // the fit's matrices, vector arrays) are mapped and go back when freed.
  mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
  return api::run_server(config, options);
}

namespace {

const char* kTokenUsage =
    "usage: expertmatch token create --data DIR --role ROLE [--scope SCOPE] [--label TEXT]\n"
    "                                [--expires DAYS|YYYY-MM-DD] [--counties A,B,...]\n"
    "       expertmatch token list --data DIR\n"
    "       expertmatch token revoke --data DIR --id ID\n"
    "create prints a new API token once; only its SHA-256 is stored. Roles: admin (no\n"
    "scope), county (SCOPE = a county: 柯城区 衢江区 龙游县 江山市 常山县 开化县 衢州智造新城),\n"
    "coordinator (SCOPE = COUNTY or COUNTY/WORKSTATION), enterprise (SCOPE = the\n"
    "enterprise's name). --expires: after DAYS days, or at the start (UTC) of that date.\n"
    "--counties: the known counties if the server's `counties` setting replaces them.\n"
    "list prints every token's id, role, scope, label, dates and state, never a secret.\n"
    "revoke refuses the token with that id (from list, at least 8 digits) from the next\n"
    "request on, also on a running server. All three work while `expertmatch serve` runs.\n";

int token_usage(const std::string& error) {
  if (!error.empty()) std::fprintf(stderr, "expertmatch token: %s\n", error.c_str());
  std::fputs(kTokenUsage, stderr);
  return 2;
}

// "30" (days from now) or "2027-01-31" (its first second, UTC) -> stored form.
bool parse_expiry(const std::string& text, std::string* out) {
  int days = 0;
  if (parse_int(text, &days)) {
    if (days <= 0 || days > 36500) return false;
    *out = utc_timestamp(std::time(nullptr) + static_cast<std::time_t>(days) * 86400);
    return true;
  }
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%d", &tm);
  if (!end || *end != '\0' || text.size() != 10) return false;
  // Normalise (rejects 2027-02-30 by comparing the round trip).
  std::tm check = tm;
  if (timegm(&check) == -1 || check.tm_mday != tm.tm_mday || check.tm_mon != tm.tm_mon)
    return false;
  *out = text + "T00:00:00Z";
  return true;
}

std::unique_ptr<Store> open_token_store(const std::string& dir) {
  // Never create a store here: a mistyped --data would otherwise leave an
  // empty one that a server then starts on.
  StoreOptions options;
  options.create_if_missing = false;
  auto store = Store::open(dir, options);
  if (store) return std::move(*store);
  report(store.status());
  // The hint only where it helps: a store refused for what it is (a link,
  // a newer schema, a damaged file) is not cured by creating one.
  if (store.status().code() == ErrorCode::kNotFound)
    std::fprintf(stderr,
                 "expertmatch token: create the store first ('expertmatch import' or "
                 "'expertmatch serve --create')\n");
  return nullptr;
}

int token_create(const Argv& argv) {
  Args args(argv, {"--data", "--role", "--scope", "--label", "--expires", "--counties"},
            {"--help"});
  if (args.has("--help")) return std::fputs(kTokenUsage, stdout), 0;
  if (!args.error().empty()) return token_usage(args.error());
  if (!args.get("--data") || !args.get("--role"))
    return token_usage("--data and --role are needed");
  auto role = api::parse_role(*args.get("--role"));
  if (!role) return token_usage("unknown role \"" + *args.get("--role") + "\"");
  std::string scope = args.get("--scope").value_or("");
  // As `import`: the server's `counties` setting, if it replaces Quzhou's list.
  auto counties = args.get("--counties") ? CountyList::parse(*args.get("--counties"), "--counties")
                                         : Result<CountyList>(CountyList());
  if (!counties) {
    report(counties.status());
    return 2;
  }
  Status s = api::check_role_scope(*role, scope, *counties);
  if (!s) {
    std::fprintf(stderr, "expertmatch token: --scope: %s\n", s.message().c_str());
    return 2;
  }
  std::string expires;
  if (auto e = args.get("--expires"); e && !parse_expiry(*e, &expires))
    return token_usage("--expires takes a number of days (1-36500) or a date YYYY-MM-DD, got \"" +
                       *e + "\"");
  auto store = open_token_store(*args.get("--data"));
  if (!store) return 1;
  s = api::check_scope_registered(*store, *role, scope);
  if (!s) {
    std::fprintf(stderr, "expertmatch token: --scope: %s\n", s.message().c_str());
    return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  auto token = api::create_token(*store, *role, scope, args.get("--label").value_or(""), expires);
  if (!token) {
    report(token.status());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  TokenRecord record;
  record.hash = api::token_hash(*token);
  std::fprintf(stderr,
               "expertmatch token: new token %s (role %s%s%s%s%s); it is shown only this once\n",
               record.id().c_str(), api::role_name(*role), scope.empty() ? "" : ", scope ",
               scope.c_str(), expires.empty() ? "" : ", expires ", expires.c_str());
  return 0;
}

int token_list(const Argv& argv) {
  Args args(argv, {"--data"}, {"--help"});
  if (args.has("--help")) return std::fputs(kTokenUsage, stdout), 0;
  if (!args.error().empty() || !args.get("--data"))
    return token_usage(args.error().empty() ? "--data is needed" : args.error());
  auto store = open_token_store(*args.get("--data"));
  if (!store) return 1;
  auto tokens = store->list_tokens();
  if (!tokens) {
    report(tokens.status());
    return 1;
  }
  std::string now = utc_now();
  std::printf("id\trole\tscope\tlabel\tcreated\texpires\tstate\n");
  for (const auto& t : *tokens) {
    const char* state = t.revoked                                      ? "revoked"
                        : !t.expires_at.empty() && t.expires_at <= now ? "expired"
                                                                       : "active";
    std::printf("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.id().c_str(), t.role.c_str(),
                t.scope.empty() ? "-" : t.scope.c_str(), t.label.empty() ? "-" : t.label.c_str(),
                t.created_at.c_str(), t.expires_at.empty() ? "never" : t.expires_at.c_str(), state);
  }
  return 0;
}

int token_revoke(const Argv& argv) {
  Args args(argv, {"--data", "--id"}, {"--help"});
  if (args.has("--help")) return std::fputs(kTokenUsage, stdout), 0;
  if (!args.error().empty() || !args.get("--data") || !args.get("--id"))
    return token_usage(args.error().empty() ? "--data and --id are needed" : args.error());
  auto store = open_token_store(*args.get("--data"));
  if (!store) return 1;
  auto revoked = store->revoke_token(*args.get("--id"));
  if (!revoked) {
    report(revoked.status());
    return revoked.status().code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  std::printf("revoked token %s (role %s%s%s)\n", revoked->id().c_str(), revoked->role.c_str(),
              revoked->scope.empty() ? "" : ", scope ", revoked->scope.c_str());
  return 0;
}

}  // namespace

int cmd_token(const Argv& argv) {
  if (argv.empty()) return token_usage("missing subcommand");
  Argv rest(argv.begin() + 1, argv.end());
  if (argv[0] == "create") return token_create(rest);
  if (argv[0] == "list") return token_list(rest);
  if (argv[0] == "revoke") return token_revoke(rest);
  if (argv[0] == "--help" || argv[0] == "-h") return std::fputs(kTokenUsage, stdout), 0;
  return token_usage("unknown subcommand \"" + argv[0] + "\"");
}

int cmd_backup(const Argv& argv) {
  Args args(argv, {"--data", "--out"}, {"--help"});
  const char* text =
      "usage: expertmatch backup --data DIR --out FILE\n"
      "Writes a consistent copy of DIR/store.sqlite (every expert, problem, review, plan and\n"
      "token committed when it starts) to FILE with SQLite's online backup API; safe while\n"
      "`expertmatch serve` runs. FILE must be outside every data directory (no folder above\n"
      "it may hold a store.sqlite or a lock file), and an existing FILE is replaced only if\n"
      "it is an earlier backup (exit code 2 otherwise, nothing written). Restore: stop the\n"
      "server, copy FILE to DIR/store.sqlite, remove DIR/store.sqlite-wal and\n"
      "DIR/store.sqlite-shm, start it (docs/operations.md).\n";
  if (args.has("--help") || !args.error().empty() || !args.get("--data") || !args.get("--out"))
    return show_usage("backup", text, args);
  for (const char* flag : {"--data", "--out"})
    if (args.get(flag)->empty()) {
      std::fprintf(stderr, "expertmatch backup: %s is empty; %s\n", flag,
                   std::string(flag) == "--out" ? "give the file to write the backup to"
                                                : "give the data directory to back up");
      return 2;
    }
  auto store = open_existing_store(*args.get("--data"));
  if (!store) return 1;
  Status s = store->backup_to(*args.get("--out"));
  if (!s) {
    report(s);
    return s.code() == ErrorCode::kInvalidArgument ? 2 : 1;
  }
  auto counts = store->counts();
  std::printf("backed up %s to %s", args.get("--data")->c_str(), args.get("--out")->c_str());
  if (counts)
    std::printf(" (%d experts, %d works, %d problems)", counts->experts, counts->works,
                counts->problems);
  std::printf("\n");
  return 0;
}

}  // namespace expertmatch::cli
