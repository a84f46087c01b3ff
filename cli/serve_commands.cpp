// serve, token: running the HTTP service and creating its access tokens.
#include <cstdio>
#include <cstdlib>

#include "api/access.h"
#include "api/api_server.h"
#include "api/config.h"
#include "cli/args.h"
#include "cli/commands.h"
#include "cli/common.h"
#include "corpus/store.h"

namespace expertmatch::cli {

int cmd_serve(const Argv& argv) {
  Args args(argv, {"--data", "--listen", "--config"}, {"--help"});
  const char* text =
      "usage: expertmatch serve --data DIR [--listen HOST:PORT] [--config FILE]\n"
      "Serves the JSON API (docs/api.md) on HOST:PORT (default 127.0.0.1:8080; port 0 picks a\n"
      "free one). Settings come from FILE (a JSON object), then EXPERTMATCH_* environment\n"
      "variables, then these flags. SIGINT or SIGTERM stop it cleanly. Setting embedding_url\n"
      "(and embedding_model) embeds with an OpenAI-compatible server instead of the built-in\n"
      "model; see docs/api.md for every setting.\n";
  if (args.has("--help") || !args.error().empty()) {
    if (!args.error().empty())
      std::fprintf(stderr, "expertmatch serve: %s\n", args.error().c_str());
    std::fputs(text, stderr);
    return args.has("--help") ? 0 : 2;
  }
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
  return api::run_server(config);
}

int cmd_token(const Argv& argv) {
  const char* text =
      "usage: expertmatch token create --data DIR --role ROLE [--scope SCOPE] [--label TEXT]\n"
      "Creates an API token and prints it once; only its SHA-256 is stored.\n"
      "Roles: admin (no scope), county (SCOPE = a county), coordinator (SCOPE = COUNTY or\n"
      "COUNTY/WORKSTATION), enterprise (SCOPE = the enterprise's name).\n";
  if (argv.empty() || argv[0] != "create") {
    bool help = !argv.empty() && (argv[0] == "--help" || argv[0] == "-h");
    if (!help)
      std::fprintf(
          stderr, "expertmatch token: %s\n",
          argv.empty() ? "missing subcommand" : ("unknown subcommand \"" + argv[0] + "\"").c_str());
    std::fputs(text, stderr);
    return help ? 0 : 2;
  }
  Args args(Argv(argv.begin() + 1, argv.end()), {"--data", "--role", "--scope", "--label"},
            {"--help"});
  if (args.has("--help") || !args.error().empty() || !args.get("--data") || !args.get("--role")) {
    if (!args.error().empty())
      std::fprintf(stderr, "expertmatch token: %s\n", args.error().c_str());
    std::fputs(text, stderr);
    return args.has("--help") ? 0 : 2;
  }
  auto role = api::parse_role(*args.get("--role"));
  if (!role) {
    std::fprintf(stderr, "expertmatch token: unknown role \"%s\"\n", args.get("--role")->c_str());
    std::fputs(text, stderr);
    return 2;
  }
  std::string scope = args.get("--scope").value_or("");
  Status s = api::check_role_scope(*role, scope);
  if (!s) {
    std::fprintf(stderr, "expertmatch token: %s\n", s.message().c_str());
    return 2;
  }
  auto store = Store::open(*args.get("--data"));
  if (!store) {
    report(store.status());
    return 1;
  }
  auto token = api::create_token(**store, *role, scope, args.get("--label").value_or(""));
  if (!token) {
    report(token.status());
    return 1;
  }
  std::printf("%s\n", token->c_str());
  std::fprintf(stderr, "expertmatch token: new token (role %s%s%s); it is shown only this once\n",
               api::role_name(*role), scope.empty() ? "" : ", scope ", scope.c_str());
  return 0;
}

}  // namespace expertmatch::cli
