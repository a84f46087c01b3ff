#include "api/config.h"

#include <algorithm>

#include <cctype>
#include <cerrno>
#include <climits>
#include <cstdlib>

#include <sys/stat.h>

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>

#include "api/client_address.h"
#include "corpus/counties.h"
#include "corpus/exchange_format.h"
#include "corpus/names.h"
#include "i18n/messages.h"

#ifndef EXPERTMATCH_SOURCE_WEB_DIR
#define EXPERTMATCH_SOURCE_WEB_DIR "web"
#endif

namespace expertmatch::api {
namespace {

Status bad(const std::string& name, const std::string& why) {
  return Status::invalid({FieldError{"config", 0, name, why}});
}

bool parse_long(const std::string& s, long long* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *out = v;
  return true;
}

struct Setting {
  const char* name;
  int ServerConfig::*int_field;
  size_t ServerConfig::*size_field;
};

const Setting kNumeric[] = {
    {"io_threads", &ServerConfig::io_threads, nullptr},
    {"worker_threads", &ServerConfig::worker_threads, nullptr},
    {"body_limit_bytes", nullptr, &ServerConfig::body_limit_bytes},
    {"import_limit_bytes", nullptr, &ServerConfig::import_limit_bytes},
    {"header_limit_bytes", nullptr, &ServerConfig::header_limit_bytes},
    {"read_timeout_ms", &ServerConfig::read_timeout_ms, nullptr},
    {"body_min_rate", &ServerConfig::body_min_rate, nullptr},
    {"send_min_rate", &ServerConfig::send_min_rate, nullptr},
    {"idle_timeout_ms", &ServerConfig::idle_timeout_ms, nullptr},
    {"header_timeout_ms", &ServerConfig::header_timeout_ms, nullptr},
    {"max_connections", &ServerConfig::max_connections, nullptr},
    {"max_connections_per_client", &ServerConfig::max_connections_per_client, nullptr},
    {"max_pipelined", &ServerConfig::max_pipelined, nullptr},
    {"default_k", &ServerConfig::default_k, nullptr},
    {"max_k", &ServerConfig::max_k, nullptr},
    {"default_page_size", &ServerConfig::default_page_size, nullptr},
    {"max_page_size", &ServerConfig::max_page_size, nullptr},
    {"max_page_bytes", nullptr, &ServerConfig::max_page_bytes},
    {"unsent_budget_bytes", nullptr, &ServerConfig::unsent_budget_bytes},
    {"access_log_max_bytes", nullptr, &ServerConfig::access_log_max_bytes},
    {"max_open_problems_per_enterprise", &ServerConfig::max_open_problems_per_enterprise, nullptr},
    {"max_problems_per_enterprise_per_day", &ServerConfig::max_problems_per_enterprise_per_day,
     nullptr},
    {"max_enterprises_per_county", &ServerConfig::max_enterprises_per_county, nullptr},
    {"max_plan_drafts_per_county", &ServerConfig::max_plan_drafts_per_county, nullptr},
    {"max_unconfirmed_experts_per_county", &ServerConfig::max_unconfirmed_experts_per_county,
     nullptr},
    {"shutdown_grace_ms", &ServerConfig::shutdown_grace_ms, nullptr},
    {"expensive_per_caller", &ServerConfig::expensive_per_caller, nullptr},
    {"expensive_total", &ServerConfig::expensive_total, nullptr},
    {"expensive_retry_after_s", &ServerConfig::expensive_retry_after_s, nullptr},
    {"expensive_queue", &ServerConfig::expensive_queue, nullptr},
    {"expensive_wait_ms", &ServerConfig::expensive_wait_ms, nullptr},
    {"ranking_per_caller", &ServerConfig::ranking_per_caller, nullptr},
    {"embedding_timeout_ms", &ServerConfig::embedding_timeout_ms, nullptr},
    {"embedding_batch_size", &ServerConfig::embedding_batch_size, nullptr},
    {"min_team_size", &ServerConfig::min_team_size, nullptr},
    {"max_team_size", &ServerConfig::max_team_size, nullptr},
    {"session_idle_minutes", &ServerConfig::session_idle_minutes, nullptr},
    {"login_max_failures", &ServerConfig::login_max_failures, nullptr},
    {"login_max_failures_per_address", &ServerConfig::login_max_failures_per_address, nullptr},
    {"login_max_addresses_per_account", &ServerConfig::login_max_addresses_per_account, nullptr},
    {"login_rate_per_account", &ServerConfig::login_rate_per_account, nullptr},
    {"login_rate_per_address", &ServerConfig::login_rate_per_address, nullptr},
    {"login_window_seconds", &ServerConfig::login_window_seconds, nullptr},
    {"login_lock_seconds", &ServerConfig::login_lock_seconds, nullptr},
    {"max_sessions_per_account", &ServerConfig::max_sessions_per_account, nullptr},
    {"login_device_days", &ServerConfig::login_device_days, nullptr},
    {"password_hash_concurrency", &ServerConfig::password_hash_concurrency, nullptr},
    {"password_hash_wait_ms", &ServerConfig::password_hash_wait_ms, nullptr},
    {"password_hash_queue", &ServerConfig::password_hash_queue, nullptr},
    {"cookie_secure", &ServerConfig::cookie_secure, nullptr},
};

// "COUNTY=MIN-MAX[,COUNTY=MIN-MAX...]"; false if malformed.
bool parse_county_team_size(const std::string& value,
                            std::map<std::string, std::pair<int, int>>* out) {
  out->clear();
  size_t start = 0;
  while (start < value.size()) {
    size_t comma = value.find(',', start);
    if (comma == std::string::npos) comma = value.size();
    std::string item = value.substr(start, comma - start);
    size_t eq = item.rfind('='), dash = item.rfind('-');
    long long lo, hi;
    if (eq == std::string::npos || eq == 0 || dash == std::string::npos || dash < eq ||
        !parse_long(item.substr(eq + 1, dash - eq - 1), &lo) ||
        !parse_long(item.substr(dash + 1), &hi) || lo < 1 || hi < lo || hi > 100)
      return false;
    (*out)[item.substr(0, eq)] = {static_cast<int>(lo), static_cast<int>(hi)};
    start = comma + 1;
  }
  return true;
}

// Settings whose value is any text (empty allowed: "off").
struct TextSetting {
  const char* name;
  std::string ServerConfig::*field;
};

const TextSetting kText[] = {
    {"embedding_url", &ServerConfig::embedding_url},
    {"embedding_model", &ServerConfig::embedding_model},
    {"counties", &ServerConfig::counties},
    {"access_log", &ServerConfig::access_log},
    {"web_root", &ServerConfig::web_root},
    {"language", &ServerConfig::language},
    {"metrics_listen", &ServerConfig::metrics_listen},
    {"trusted_proxies", &ServerConfig::trusted_proxies},
    {"trusted_proxy_header", &ServerConfig::trusted_proxy_header},
};

}  // namespace

Status set_config_value(ServerConfig* config, const std::string& name, const std::string& value) {
  if (name == "data") {
    if (value.empty()) return bad(name, "must not be empty");
    config->data = value;
    return Status::ok();
  }
  if (name == "listen") {
    size_t colon = value.rfind(':');
    long long port;
    if (colon == std::string::npos || colon == 0 || !parse_long(value.substr(colon + 1), &port) ||
        port < 0 || port > 65535)
      return bad(name, "must be HOST:PORT with a port from 0 to 65535, got \"" + value + "\"");
    std::string host = value.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    config->listen_host = host;
    config->listen_port = static_cast<int>(port);
    return Status::ok();
  }
  for (const auto& s : kText) {
    if (name != s.name) continue;
    config->*s.field = value;
    return Status::ok();
  }
  if (name == "county_team_size") {
    if (!parse_county_team_size(value, &config->county_team_size))
      return bad(name,
                 "must be COUNTY=MIN-MAX[,COUNTY=MIN-MAX...] with 1 <= MIN <= MAX <= 100, "
                 "got \"" +
                     value + "\"");
    return Status::ok();
  }
  for (const auto& s : kNumeric) {
    if (name != s.name) continue;
    long long v;
    if (!parse_long(value, &v) || v < 0 || v > INT_MAX)
      return bad(name, "must be a whole number from 0 to " + std::to_string(INT_MAX) + ", got \"" +
                           value + "\"");
    if (s.int_field)
      config->*s.int_field = static_cast<int>(v);
    else
      config->*s.size_field = static_cast<size_t>(v);
    return Status::ok();
  }
  return bad(name, "unknown setting");
}

Status load_config_file(const std::string& path, ServerConfig* config) {
  auto text = read_text_file(path);
  if (!text) return text.status();
  rapidjson::Document doc;
  doc.Parse(text->c_str(), text->size());
  if (doc.HasParseError())
    return Status(ErrorCode::kInvalidArgument,
                  path + ": not valid JSON at offset " + std::to_string(doc.GetErrorOffset()) +
                      ": " + rapidjson::GetParseError_En(doc.GetParseError()));
  if (!doc.IsObject())
    return Status(ErrorCode::kInvalidArgument, path + ": must be a JSON object of settings");
  std::vector<FieldError> errors;
  for (const auto& m : doc.GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    std::string value;
    if (m.value.IsString()) {
      value.assign(m.value.GetString(), m.value.GetStringLength());
    } else if (m.value.IsArray() && name == "counties") {
      // A list of names reads best as a JSON array in a file.
      bool strings = true;
      for (const auto& v : m.value.GetArray()) {
        strings = strings && v.IsString();
        if (strings) value += (value.empty() ? "" : ",") + std::string(v.GetString());
      }
      if (!strings) {
        errors.push_back(FieldError{path, 0, name, "must be an array of county names"});
        continue;
      }
    } else if (m.value.IsInt64()) {
      value = std::to_string(m.value.GetInt64());
    } else {
      errors.push_back(FieldError{path, 0, name, "must be a string or a whole number"});
      continue;
    }
    Status s = set_config_value(config, name, value);
    if (!s)
      for (auto e : s.field_errors()) {
        e.source = path;
        errors.push_back(e);
      }
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status::ok();
}

Status apply_environment(const std::function<const char*(const char*)>& getenv,
                         ServerConfig* config) {
  std::vector<std::string> names = {"data", "listen", "county_team_size"};
  for (const auto& s : kNumeric) names.emplace_back(s.name);
  for (const auto& s : kText) names.emplace_back(s.name);
  std::vector<FieldError> errors;
  for (const auto& name : names) {
    std::string var = "EXPERTMATCH_";
    for (char c : name) var += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    const char* value = getenv(var.c_str());
    if (!value) continue;
    Status s = set_config_value(config, name, value);
    if (!s)
      for (auto e : s.field_errors()) {
        e.source = "environment";
        e.field = var;
        errors.push_back(e);
      }
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status::ok();
}

int expensive_total(const ServerConfig& config) {
  if (config.expensive_total > 0) return config.expensive_total;
  return std::max(1, config.worker_threads - 1);
}

int ranking_per_caller(const ServerConfig& config) {
  if (config.ranking_per_caller > 0) return config.ranking_per_caller;
  return std::max(1, config.worker_threads - 1);
}

int password_hash_concurrency(const ServerConfig& config) {
  if (config.password_hash_concurrency > 0) return config.password_hash_concurrency;
  return std::max(1, config.worker_threads - 1);
}

int worker_pool_size(const ServerConfig& config) {
  return config.worker_threads + config.expensive_queue + config.password_hash_queue;
}

Status validate(const ServerConfig& c) {
  std::vector<FieldError> errors;
  auto check = [&](bool ok, const char* name, const char* why) {
    if (!ok) errors.push_back(FieldError{"config", 0, name, why});
  };
  check(!c.data.empty(), "data", "the data directory is required (--data DIR)");
  check(!c.listen_host.empty(), "listen", "the host must not be empty");
  check(c.io_threads >= 1 && c.io_threads <= 64, "io_threads", "must be from 1 to 64");
  check(c.worker_threads >= 1 && c.worker_threads <= 256, "worker_threads",
        "must be from 1 to 256");
  check(c.body_limit_bytes >= 1024, "body_limit_bytes", "must be at least 1024");
  check(c.import_limit_bytes >= c.body_limit_bytes, "import_limit_bytes",
        "must be at least body_limit_bytes");
  check(c.header_limit_bytes >= 1024, "header_limit_bytes", "must be at least 1024");
  check(c.read_timeout_ms >= 100, "read_timeout_ms", "must be at least 100");
  check(c.idle_timeout_ms >= 100, "idle_timeout_ms", "must be at least 100");
  check(c.header_timeout_ms >= 100, "header_timeout_ms", "must be at least 100");
  check(c.body_min_rate >= 0, "body_min_rate", "must not be negative");
  check(c.send_min_rate >= 0, "send_min_rate", "must not be negative");
  check(c.max_connections >= 1, "max_connections", "must be at least 1");
  check(c.max_connections_per_client >= 0, "max_connections_per_client", "must not be negative");
  check(c.max_pipelined >= 1 && c.max_pipelined <= 1024, "max_pipelined", "must be from 1 to 1024");
  check(c.max_k >= 1 && c.max_k <= 10000, "max_k", "must be from 1 to 10000");
  check(c.default_k >= 1 && c.default_k <= c.max_k, "default_k", "must be from 1 to max_k");
  check(c.max_page_size >= 1, "max_page_size", "must be at least 1");
  check(c.default_page_size >= 1 && c.default_page_size <= c.max_page_size, "default_page_size",
        "must be from 1 to max_page_size");
  check(c.max_open_problems_per_enterprise >= 0, "max_open_problems_per_enterprise",
        "must not be negative");
  check(c.max_problems_per_enterprise_per_day >= 0, "max_problems_per_enterprise_per_day",
        "must not be negative");
  check(c.max_enterprises_per_county >= 0, "max_enterprises_per_county", "must not be negative");
  check(c.max_plan_drafts_per_county >= 0, "max_plan_drafts_per_county", "must not be negative");
  check(c.max_unconfirmed_experts_per_county >= 0, "max_unconfirmed_experts_per_county",
        "must not be negative");
  check(c.max_page_bytes >= 1024, "max_page_bytes", "must be at least 1024");
  check(c.unsent_budget_bytes >= (1u << 20), "unsent_budget_bytes", "must be at least 1048576");
  check(c.shutdown_grace_ms >= 0, "shutdown_grace_ms", "must not be negative");
  check(c.expensive_per_caller >= 1, "expensive_per_caller", "must be at least 1");
  check(c.expensive_total >= 0 && (c.worker_threads == 1 || c.expensive_total < c.worker_threads),
        "expensive_total",
        "must be from 0 (worker_threads - 1) to worker_threads - 1: ordinary requests need a "
        "worker of their own");
  check(c.expensive_retry_after_s >= 1, "expensive_retry_after_s", "must be at least 1");
  check(c.expensive_queue >= 0 && c.expensive_queue <= 256, "expensive_queue",
        "must be from 0 to 256");
  check(c.expensive_wait_ms >= 0, "expensive_wait_ms", "must not be negative");
  check(c.ranking_per_caller >= 0, "ranking_per_caller", "must not be negative");
  check(c.login_lock_seconds >= 1, "login_lock_seconds", "must be at least 1");
  check(c.login_device_days >= 0 && c.login_device_days <= 3650, "login_device_days",
        "must be from 0 (off) to 3650");
  check(c.max_sessions_per_account >= 1, "max_sessions_per_account", "must be at least 1");
  check(c.password_hash_concurrency >= 0 && c.password_hash_concurrency <= 64,
        "password_hash_concurrency", "must be from 0 (worker_threads - 1) to 64");
  check(c.password_hash_wait_ms >= 0, "password_hash_wait_ms", "must not be negative");
  check(c.password_hash_queue >= 0 && c.password_hash_queue <= 64, "password_hash_queue",
        "must be from 0 to 64");
  check(c.login_max_addresses_per_account >= 1, "login_max_addresses_per_account",
        "must be at least 1");
  check(c.login_rate_per_account >= 1, "login_rate_per_account", "must be at least 1");
  check(c.login_rate_per_address >= 1, "login_rate_per_address", "must be at least 1");
  check(c.trusted_proxy_header == "X-Forwarded-For" || c.trusted_proxy_header == "Forwarded",
        "trusted_proxy_header", "must be X-Forwarded-For or Forwarded");
  {
    auto proxies = TrustedProxies::parse(c.trusted_proxies, "trusted_proxies");
    if (!proxies) errors.push_back(proxies.status().field_errors().front());
  }
  check(c.embedding_timeout_ms >= 100, "embedding_timeout_ms", "must be at least 100");
  check(c.embedding_batch_size >= 1 && c.embedding_batch_size <= 4096, "embedding_batch_size",
        "must be from 1 to 4096");
  if (!c.counties.empty()) {
    auto counties = CountyList::parse(c.counties, "counties");
    if (!counties) errors.push_back(counties.status().field_errors().front());
  }
  check(c.min_team_size >= 1 && c.min_team_size <= 100, "min_team_size", "must be from 1 to 100");
  check(c.max_team_size >= c.min_team_size && c.max_team_size <= 100, "max_team_size",
        "must be from min_team_size to 100");
  check(c.session_idle_minutes >= 1, "session_idle_minutes", "must be at least 1");
  check(c.login_max_failures >= 1, "login_max_failures", "must be at least 1");
  check(c.login_max_failures_per_address >= 1, "login_max_failures_per_address",
        "must be at least 1");
  check(c.login_window_seconds >= 1, "login_window_seconds", "must be at least 1");
  check(c.cookie_secure == 0 || c.cookie_secure == 1, "cookie_secure", "must be 0 or 1");
  check(i18n::parse_language(c.language).has_value(), "language", "must be zh or en");
  if (!c.metrics_listen.empty()) {
    ServerConfig probe;
    Status s = set_config_value(&probe, "listen", c.metrics_listen);
    if (!s) errors.push_back(FieldError{"config", 0, "metrics_listen", s.field_errors()[0].reason});
  }
  if (!c.embedding_url.empty()) {
    check(!c.embedding_model.empty(), "embedding_model", "is required with embedding_url");
    // The client's own checks of the URL (scheme, host, port); reported once.
    RemoteEmbedderOptions o = embedding_options(c);
    if (o.model.empty()) o.model.push_back('-');  // reported above
    if (o.timeout_ms < 1) o.timeout_ms = 1;
    if (o.batch_size < 1) o.batch_size = 1;
    auto remote = RemoteEmbedder::create(o);
    if (!remote)
      errors.push_back(FieldError{"config", 0, "embedding_url", remote.status().message()});
  } else {
    check(c.embedding_model.empty(), "embedding_model", "is set but embedding_url is not");
  }
  if (!errors.empty()) return Status::invalid(std::move(errors));
  return Status::ok();
}

CountyList county_list(const ServerConfig& c) {
  if (c.counties.empty()) return CountyList();
  auto parsed = CountyList::parse(c.counties, "counties");
  return parsed ? *parsed : CountyList();
}

std::pair<int, int> team_size_range(const ServerConfig& c, const std::string& county) {
  // The setting is typed by hand: compared normalised, like every name (corpus/names.h).
  for (const auto& [name, range] : c.county_team_size)
    if (same_name(name, county)) return range;
  return {c.min_team_size, c.max_team_size};
}

std::string resolve_web_root(const ServerConfig& c) {
  if (!c.web_root.empty()) return c.web_root;
  struct stat st;
  if (::stat("web/index.html", &st) == 0 && S_ISREG(st.st_mode)) return "web";
  return EXPERTMATCH_SOURCE_WEB_DIR;
}

RemoteEmbedderOptions embedding_options(const ServerConfig& c) {
  RemoteEmbedderOptions o;
  o.url = c.embedding_url;
  o.model = c.embedding_model;
  o.timeout_ms = c.embedding_timeout_ms;
  o.batch_size = c.embedding_batch_size;
  return o;
}

}  // namespace expertmatch::api
