#include "api/api_server.h"

#include <climits>

#include <pthread.h>
#include <signal.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <thread>

namespace expertmatch::api {

Result<std::unique_ptr<ApiServer>> ApiServer::start(const ServerConfig& config,
                                                    const ServiceOptions& options,
                                                    std::vector<std::string>* log) {
  auto server = listen(config, options);
  if (!server) return server.status();
  Status opened = (*server)->open(log);
  if (!opened) return opened;
  return server;
}

Result<std::unique_ptr<ApiServer>> ApiServer::listen(const ServerConfig& config,
                                                     const ServiceOptions& options) {
  Status valid = validate(config);
  if (!valid) return valid;
  std::unique_ptr<ApiServer> server(new ApiServer());
  server->config_ = config;
  server->config_.web_root = resolve_web_root(config);
  // The embedding server is a serve setting: it decides how the index is built.
  ServiceOptions& service_options = server->options_;
  service_options = options;
  service_options.index.remote = embedding_options(config);
  service_options.counties = county_list(config);
  service_options.max_open_problems_per_enterprise = config.max_open_problems_per_enterprise;
  service_options.max_problems_per_enterprise_per_day = config.max_problems_per_enterprise_per_day;
  service_options.max_enterprises_per_county = config.max_enterprises_per_county;
  service_options.max_plan_drafts_per_county = config.max_plan_drafts_per_county;
  service_options.max_unconfirmed_experts_per_county = config.max_unconfirmed_experts_per_county;
  Status logged = server->access_log_.open(config.access_log, config.access_log_max_bytes);
  if (!logged) return logged;
  ApiServer* self = server.get();
  // Until open() has made the service whole, every request is answered on
  // the I/O thread without it: a health check must not wait for the index.
  server->http_ = std::make_unique<HttpServer>(
      server->config_, server->metrics_,
      [self](ApiRequest& request) {
        if (!self->serving()) return handle_while_starting(self->config_, request);
        return handle_request(*self->context_, request);
      },
      // A head announcing a body is judged before the body is read; while
      // starting, its refusal is the starting answer.
      [self](const ApiRequest& head) -> HeadVerdict {
        if (!self->serving()) return {handle_while_starting(self->config_, head), 0};
        return check_head(*self->context_, head);
      },
      [self](const ApiRequest& request) -> std::optional<ApiResponse> {
        if (!self->serving()) return handle_while_starting(self->config_, request);
        return handle_without_queueing(*self->context_, request);
      });
  server->http_->set_access_log(&server->access_log_);
  // Bind first: a busy port fails in milliseconds, not after the index is loaded.
  Status bound = server->http_->bind();
  if (!bound) return bound;
  // Then the lock, before anything answers: a second server is refused
  // without ever saying it is alive.
  auto lock = Service::lock_data_dir(config.data, service_options);
  if (!lock) return lock.status();
  server->lock_ = std::move(*lock);
  Status s = server->http_->start();
  if (!s) return s;
  if (!config.metrics_listen.empty()) {
    // Its own listen address; one I/O thread and one worker are plenty.
    ServerConfig op_config = server->config_;
    s = set_config_value(&op_config, "listen", config.metrics_listen);
    if (!s) return s;
    op_config.io_threads = 1;
    op_config.worker_threads = 1;
    op_config.expensive_queue = 0;  // it runs nothing expensive
    server->operator_http_ = std::make_unique<HttpServer>(
        op_config, server->operator_metrics_,
        [self](ApiRequest& request) {
          if (!self->serving()) return handle_while_starting(self->config_, request);
          return handle_request(*self->operator_context_, request);
        },
        [self](const ApiRequest& head) -> HeadVerdict {
          if (!self->serving()) return {handle_while_starting(self->config_, head), 0};
          return check_head(*self->operator_context_, head);
        },
        [self](const ApiRequest& request) -> std::optional<ApiResponse> {
          if (!self->serving()) return handle_while_starting(self->config_, request);
          return handle_without_queueing(*self->operator_context_, request);
        });
    s = server->operator_http_->start();
    if (!s) return s;
  }
  return server;
}

Status ApiServer::open(std::vector<std::string>* log) {
  if (serving() || !lock_) return Status(ErrorCode::kInternal, "ApiServer::open called twice");
  const ServerConfig& config = config_;
  expensive_ =
      std::make_unique<ExpensiveSlots>(config.expensive_per_caller, expensive_total(config),
                                       config.expensive_queue, config.expensive_wait_ms);
  // Long rankings (plan runs, review queues) take turns on the expensive
  // slots between their chunks: one county's long run never holds the slot
  // while another's request waits (expensive_slots.h, yield).
  ExpensiveSlots* slots = expensive_.get();
  options_.between_chunks = [slots, hook = options_.between_chunks] {
    if (hook) hook();
    slots->yield();
  };
  auto service = Service::open(config.data, options_, log, std::move(lock_));
  if (!service) return service.status();
  service_ = std::move(*service);
  SessionSettings session_settings;
  session_settings.idle_seconds = 60LL * config.session_idle_minutes;
  session_settings.max_failures_per_user = config.login_max_failures;
  session_settings.max_failures_per_address = config.login_max_failures_per_address;
  session_settings.max_addresses_per_account = config.login_max_addresses_per_account;
  session_settings.rate_per_account = config.login_rate_per_account;
  session_settings.rate_per_address = config.login_rate_per_address;
  session_settings.window_seconds = config.login_window_seconds;
  session_settings.lock_base_seconds = config.login_lock_seconds;
  session_settings.max_sessions_per_account = config.max_sessions_per_account;
  session_settings.device_seconds = 86400LL * config.login_device_days;
  session_settings.hash_concurrency = password_hash_concurrency(config);
  session_settings.hash_wait_ms = config.password_hash_wait_ms;
  session_settings.hash_queue = config.password_hash_queue;
  auto sessions = Sessions::open(config.data, session_settings);
  if (!sessions) return sessions.status();
  sessions_ = std::move(*sessions);
  // Ranking has a per-caller bound only: no total to wait for.
  ranking_ = std::make_unique<ExpensiveSlots>(ranking_per_caller(config), INT_MAX);
  context_.reset(new RequestContext{*service_, metrics_, config_, draining_, *sessions_,
                                    *expensive_, *ranking_});
  operator_context_.reset(new RequestContext{*service_, metrics_, config_, draining_, *sessions_,
                                             *expensive_, *ranking_, true});
  serving_.store(true, std::memory_order_release);
  return Status::ok();
}

ApiServer::~ApiServer() {
  Status s = stop();
  if (!s) std::fprintf(stderr, "expertmatch serve: %s\n", s.to_string().c_str());
}

Status ApiServer::stop() {
  if (stopped_) return Status::ok();
  stopped_ = true;
  draining_ = true;
  if (http_) http_->shutdown();
  if (operator_http_) operator_http_->shutdown();
  Status s = service_ ? service_->save_index() : Status::ok();
  http_.reset();
  operator_http_.reset();
  service_.reset();  // closes the store
  sessions_.reset();
  return s;
}

namespace {

// The thread that waits for the stop signals in run_server. Process-wide
// because a signal handler can reach nothing else.
pthread_t g_stop_waiter;

// A library may start threads before main (with SIGTERM unblocked); a stop
// signal the kernel hands to one of them, while the waiter has it blocked
// (between start and sigwait), would otherwise kill the process. Forward it
// to the waiter, where it stays pending until sigwait takes it.
// pthread_kill is a single tgkill system call here: safe in a handler.
void forward_stop_signal(int sig) { pthread_kill(g_stop_waiter, sig); }

}  // namespace

int run_server(const ServerConfig& config, const ServiceOptions& options) {
  // Block the stop signals in every thread (the server's threads inherit the
  // mask); this thread alone waits for them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  g_stop_waiter = pthread_self();
  struct sigaction forward {};
  forward.sa_handler = forward_stop_signal;
  sigemptyset(&forward.sa_mask);
  forward.sa_flags = SA_RESTART;
  sigaction(SIGINT, &forward, nullptr);
  sigaction(SIGTERM, &forward, nullptr);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);

  std::fprintf(stderr, "expertmatch serve: opening %s\n", config.data.c_str());
  auto refused = [](const Status& s) {
    std::fprintf(stderr, "expertmatch serve: %s\n", s.to_string().c_str());
    if (s.code() == ErrorCode::kNotFound)
      std::fprintf(stderr,
                   "expertmatch serve: check --data, or give --create to start with an empty "
                   "store (or run 'expertmatch import' first)\n");
    return 1;
  };
  auto server = ApiServer::listen(config, options);
  if (!server) return refused(server.status());
  std::string host = config.listen_host.find(':') != std::string::npos
                         ? "[" + config.listen_host + "]"
                         : config.listen_host;
  // Said as soon as it is true: health checks are answered from here on,
  // while the records and the index load (readiness follows below).
  std::printf("expertmatch serve: listening on http://%s:%u (data %s); starting\n", host.c_str(),
              (*server)->port(), config.data.c_str());
  if ((*server)->operator_port() != 0)
    std::printf("expertmatch serve: operator listener (/metrics, /readyz) on %s (port %u)\n",
                config.metrics_listen.c_str(), (*server)->operator_port());
  std::fflush(stdout);
  // The records and the index load on a thread of their own, so that a stop
  // signal meanwhile is obeyed at once instead of after the load (a rebuild
  // at provincial scale takes minutes). Nothing the load does needs
  // finishing: no request has been accepted, the store is SQLite's
  // (transactions), and index files are replaced by rename; a temporary file
  // left behind is removed by the next start.
  std::vector<std::string> log;
  Status opened = Status::ok();
  std::atomic<bool> loaded{false};
  std::thread loader([&] {
    opened = (*server)->open(&log);
    loaded = true;
  });
  int sig = 0;
  const timespec tick{0, 50 * 1000 * 1000};
  while (!loaded) {
    int got = sigtimedwait(&signals, nullptr, &tick);
    if (got == SIGINT || got == SIGTERM) {
      sig = got;
      break;
    }
  }
  if (sig != 0) {
    std::fprintf(stderr,
                 "expertmatch serve: %s while starting: stopped before the load finished; "
                 "nothing was accepted, so nothing is lost\n",
                 sig == SIGINT ? "SIGINT" : "SIGTERM");
    std::fflush(stderr);
    std::fflush(stdout);
    // The loader cannot be interrupted where it is (an embedding request, a
    // rebuild): the process ends without unwinding it.
    std::_Exit(0);
  }
  loader.join();
  for (const auto& line : log) std::fprintf(stderr, "expertmatch serve: %s\n", line.c_str());
  if (!opened) return refused(opened);
  std::printf("expertmatch serve: ready\n");
  std::fflush(stdout);
  sigwait(&signals, &sig);
  std::fprintf(stderr, "expertmatch serve: %s: finishing in-flight requests\n",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
  Status s = (*server)->stop();
  if (!s) {
    std::fprintf(stderr, "expertmatch serve: saving the index failed: %s\n", s.to_string().c_str());
    return 1;
  }
  std::fprintf(stderr, "expertmatch serve: stopped cleanly\n");
  return 0;
}

}  // namespace expertmatch::api
