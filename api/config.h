// ServerConfig: every setting of `expertmatch serve`, with its default.
//
// Loaded in this order, each step overriding the one before: defaults, the
// config file (a JSON object whose keys are the names below), the environment
// (EXPERTMATCH_ + the name in upper case, e.g. EXPERTMATCH_BODY_LIMIT_BYTES),
// then command-line flags. validate() checks the result once, at start.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <utility>

#include "corpus/counties.h"
#include "corpus/status.h"
#include "indexer/remote_embedder.h"

namespace expertmatch::api {

struct ServerConfig {
  std::string data;                       // "data": data directory (store.sqlite, index/)
  std::string listen_host = "127.0.0.1";  // "listen": "HOST:PORT"; port 0 = any free port
  int listen_port = 8080;
  int io_threads = 2;  // "io_threads": threads reading and writing sockets
  // "worker_threads": threads running handlers (ranking). The pool has
  // expensive_queue more, for expensive requests waiting for a slot; while
  // none waits they run ordinary requests too.
  int worker_threads = 2;
  size_t body_limit_bytes = 1 << 20;     // "body_limit_bytes": largest request body (413 above)
  size_t import_limit_bytes = 64 << 20;  // "import_limit_bytes": body limit of bulk import
  size_t header_limit_bytes = 16 << 10;  // "header_limit_bytes": largest header block (431)
  int read_timeout_ms = 30000;           // "read_timeout_ms": to read a body; see send_min_rate
  // "body_min_rate": bytes a second a request body must average: it gets
  // header_timeout_ms, plus a second per body_min_rate bytes of body data
  // received (chunk framing and extensions earn nothing; 408 past that;
  // read_timeout_ms still bounds the whole body). 0 = no rate.
  int body_min_rate = 1024;
  // "send_min_rate": bytes a second a client must read of its answers. A
  // connection may leave answers unread for read_timeout_ms in all, and each
  // byte it reads buys back a second per send_min_rate bytes (never more
  // than read_timeout_ms banked); with none left it is cut. 0 = no rate
  // (each piece of an answer gets read_timeout_ms).
  int send_min_rate = 1024;
  int idle_timeout_ms = 60000;  // "idle_timeout_ms": a kept-alive connection's wait
  // "header_timeout_ms": the whole request header block, from its first byte
  // to its empty line (a total, not per byte: trickling clients are cut).
  int header_timeout_ms = 10000;
  // "max_connections": open connections in all. At the cap a new client
  // still gets in if a connection only holds a slot: reading a request with
  // nothing in flight (idle between requests, half a head, or a body still
  // arriving) or waiting for its client to read an answer. A stalled one
  // nearest its own deadline, else the slowest moving one (slack or rate
  // shared among its address's connections), is closed to make room (408 if
  // it was sending a body; it then lingers outside the cap so its client
  // reads the 408). Only when every connection is being served is the new
  // one answered 503 and closed.
  int max_connections = 256;
  // "max_connections_per_client": open connections from one client address;
  // one more takes the place of one of that address's idle connections, else
  // it is answered 503 and closed; 0 = no per-address limit. Behind a
  // reverse proxy every client has the proxy's address: raise it or set 0.
  int max_connections_per_client = 32;
  int max_pipelined = 8;       // "max_pipelined": requests read ahead per connection
  int default_k = 10;          // "default_k": matches returned without ?k=
  int max_k = 100;             // "max_k": largest ?k= accepted
  int default_page_size = 50;  // "default_page_size": list pages without ?limit=
  int max_page_size = 500;     // "max_page_size": largest ?limit= accepted
  // "max_page_bytes": a list page stops adding items past this many bytes of
  // JSON (at least one item is sent; "limit" then says how many were).
  size_t max_page_bytes = 4 << 20;
  // "unsent_budget_bytes": the most bytes of answers the server holds in
  // memory while their clients' sockets have not yet taken them whole, all
  // connections together (an answer counts whole until its last byte is
  // taken). An answer that would go past it first cuts the connections
  // slowest to drain what they hold (stalled readers first, then the most
  // bytes held per byte a second read); an answer larger than the whole
  // budget is answered 503. At least 1 MiB.
  size_t unsent_budget_bytes = 256 << 20;
  // "max_open_problems_per_enterprise": ServiceOptions' quota (0 = none).
  int max_open_problems_per_enterprise = 100;
  // "max_problems_per_enterprise_per_day": ServiceOptions' quota of problems
  // filed for one enterprise in 24 hours, withdrawn ones included (0 = none).
  int max_problems_per_enterprise_per_day = 100;
  // "max_enterprises_per_county": enterprises a county registers, itself or
  // by filing a problem for a new name (ServiceOptions; 0 = none).
  int max_enterprises_per_county = 2000;
  // "max_plan_drafts_per_county": drafts a county's plans may hold at once
  // (ServiceOptions; 0 = none).
  int max_plan_drafts_per_county = 20;
  // "max_unconfirmed_experts_per_county": experts stationed in a county
  // that the city has not confirmed (ServiceOptions; 0 = none).
  int max_unconfirmed_experts_per_county = 200;
  int shutdown_grace_ms = 10000;  // "shutdown_grace_ms": in-flight requests' time to finish
  // Expensive requests (plan runs, the review queue, bulk import, ledgers;
  // api/expensive_slots.h) at once: per caller (role and scope), and in all.
  // One over the caller's limit is answered 429 with Retry-After. One over
  // the total waits (first come, first served) for a running one to end, up
  // to "expensive_wait_ms", with at most "expensive_queue" waiting; past
  // either it is answered 503 (the server is overloaded). "expensive_total"
  // 0 = one less than worker_threads (at least 1), so ordinary requests
  // always find a worker; it must stay below worker_threads when that is
  // above 1. Waiting requests hold a thread of their own: the worker pool
  // has worker_threads + expensive_queue (+ password_hash_queue) threads
  // (worker_pool_size).
  int expensive_per_caller = 1;     // "expensive_per_caller"
  int expensive_total = 0;          // "expensive_total"
  int expensive_retry_after_s = 5;  // "expensive_retry_after_s": the Retry-After of such a 429
  int expensive_queue = 8;          // "expensive_queue": requests waiting for a total slot
  int expensive_wait_ms = 30000;    // "expensive_wait_ms": a waiting request's limit
  // Ranking requests (POST /match, GET .../matches) running at once for one
  // caller; more are answered 429 with Retry-After at once. 0 = one less
  // than worker_threads (at least 1), so one caller never holds every worker.
  int ranking_per_caller = 0;  // "ranking_per_caller"
  // "metrics_listen": "HOST:PORT" of an operator listener that serves
  // /metrics and the full /readyz without a token (bind it to an address only
  // operators reach). Empty: off; /metrics then needs an admin token.
  std::string metrics_listen;
  // An external OpenAI-compatible embedding server (indexer/remote_embedder.h)
  // for every dense vector instead of the built-in LSA model. Empty url: off.
  std::string embedding_url;         // "embedding_url": "http://HOST[:PORT][/PREFIX]"
  std::string embedding_model;       // "embedding_model": required with embedding_url
  int embedding_timeout_ms = 30000;  // "embedding_timeout_ms": one request's limit
  int embedding_batch_size = 64;     // "embedding_batch_size": texts per request
  // The counties the service knows (corpus/counties.h), comma separated; ""
  // = Quzhou's six plus 衢州智造新城. A problem, plan or expert naming another
  // county is refused with the nearest known name.
  std::string counties;  // "counties": "柯城区,衢江区,..."
  // Where the access log goes, one line a request (time, role and scope,
  // method, route template, status, duration in ms; never a token): "-" =
  // stderr, "" = off, else a file appended to.
  std::string access_log = "-";  // "access_log"
  // "access_log_max_bytes": a file access log past this size moves to
  // "<path>.1" (replacing it) and starts again; 0 = unbounded.
  size_t access_log_max_bytes = 64 << 20;
  // A workstation team's size (members), for every county unless
  // "county_team_size" says otherwise for it: "柯城区=5-10,江山市=6-9".
  int min_team_size = 6;                                        // "min_team_size"
  int max_team_size = 8;                                        // "max_team_size"
  std::map<std::string, std::pair<int, int>> county_team_size;  // county -> (min, max)
  // Sign-in with accounts (api/accounts.h) and the pages under web/.
  int session_idle_minutes = 720;  // "session_idle_minutes": a session unused this long ends
  // "login_max_failures": failures of one user name from one client address
  // in the window; then that name is locked for that address only.
  int login_max_failures = 5;
  // "login_max_failures_per_address": different user names failing from one
  // client address in the window before the address is locked
  int login_max_failures_per_address = 20;
  // "login_max_addresses_per_account": different client addresses whose
  // failures for one user name, in the window, lock that name for everyone
  // (guessing spread over many addresses).
  int login_max_addresses_per_account = 20;
  // "login_rate_per_account", "login_rate_per_address": sign-ins per minute
  // (a token bucket of that size, refilled evenly) for one user name and from
  // one client address; beyond, 429 with Retry-After before any password is
  // hashed. A failed attempt gives its token back (failures have their own
  // limits above).
  int login_rate_per_account = 5;
  int login_rate_per_address = 30;
  int login_window_seconds = 900;  // "login_window_seconds": how long a failure counts
  // "login_lock_seconds": an account's first lock after login_max_failures;
  // it doubles with each further failure, up to login_window_seconds.
  int login_lock_seconds = 30;
  int max_sessions_per_account = 10;  // "max_sessions_per_account": the oldest end beyond it
  // "login_device_days": how long the device cookie given at a successful
  // sign-in exempts that browser, for that account, from the failure locks
  // above (api/accounts.h); 0 = no device cookies.
  int login_device_days = 90;
  // "password_hash_concurrency": Argon2id checks at once; 0 = one less than
  // worker_threads (at least 1), so sign-ins never hold every worker.
  int password_hash_concurrency = 0;
  // "password_hash_wait_ms", "password_hash_queue": a sign-in waits, first
  // come first served, up to this long for a hash slot, with at most this
  // many waiting (503 beyond either). Each waiter holds a thread of the
  // worker pool, which has password_hash_queue more for them.
  int password_hash_wait_ms = 2000;
  int password_hash_queue = 4;
  int cookie_secure = 0;  // "cookie_secure": 1 adds Secure (behind an HTTPS proxy)
  // "trusted_proxies": addresses or networks ("127.0.0.1,10.0.0.0/8") of
  // reverse proxies whose Forwarded / X-Forwarded-For header names the
  // client (api/client_address.h); "" = none, the header is never read.
  std::string trusted_proxies;
  // "trusted_proxy_header": which ONE header names the client behind a
  // trusted proxy: "X-Forwarded-For" (default) or "Forwarded" (RFC 7239).
  // Only one is read: a proxy that sets one passes the other through from
  // the client, who could otherwise choose its own address (an attack trial
  // locked an account for every address with made-up Forwarded values).
  std::string trusted_proxy_header = "X-Forwarded-For";
  // "web_root": the folder GET / and /web/... serve; "" = ./web if it has an
  // index.html, else the source tree's web/ (compiled in).
  std::string web_root;
  // "language": of messages when the request's Accept-Language names neither zh nor en.
  std::string language = "zh";
};

// expensive_total as it applies: the setting, or worker_threads - 1 (at least 1).
int expensive_total(const ServerConfig& config);
// ranking_per_caller as it applies: the setting, or worker_threads - 1 (at least 1).
int ranking_per_caller(const ServerConfig& config);
// password_hash_concurrency as it applies: the setting, or worker_threads - 1 (at least 1).
int password_hash_concurrency(const ServerConfig& config);
// Threads of the handlers' pool: worker_threads, plus expensive_queue and
// password_hash_queue for the expensive requests and sign-ins that wait for
// a slot (they must not take the workers ordinary requests need).
int worker_pool_size(const ServerConfig& config);

// The folder the pages are served from (web_root, or its default above).
std::string resolve_web_root(const ServerConfig& config);

// The team sizes a plan of `county` may ask for: (min, max), inclusive.
std::pair<int, int> team_size_range(const ServerConfig& config, const std::string& county);

// The embedding settings as RemoteEmbedderOptions (url empty when off); the
// other options keep their defaults.
RemoteEmbedderOptions embedding_options(const ServerConfig& config);

// The configured counties (the default list when `counties` is empty);
// validate() has checked the text.
CountyList county_list(const ServerConfig& config);

// Sets one setting by its name from text ("listen" takes "HOST:PORT").
// kInvalidArgument names the setting and says what is wrong.
Status set_config_value(ServerConfig* config, const std::string& name, const std::string& value);
// Applies a JSON config file; unknown keys are errors (a typo must not pass silently).
Status load_config_file(const std::string& path, ServerConfig* config);
// Applies EXPERTMATCH_* variables found by `getenv` (std::getenv in production).
Status apply_environment(const std::function<const char*(const char*)>& getenv,
                         ServerConfig* config);
// Checks ranges and required settings; the message says which setting and why.
Status validate(const ServerConfig& config);

}  // namespace expertmatch::api
