// ApiServer: the whole service in one object, as `expertmatch serve` runs it
// and as the integration tests start it in-process: the Service (store and
// index) behind the route table, served by an HttpServer.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "api/config.h"
#include "api/http_server.h"
#include "api/metrics.h"
#include "api/routes.h"
#include "api/service.h"

namespace expertmatch::api {

class ApiServer {
 public:
  // listen(), then open(): returns once every route is served.
  static Result<std::unique_ptr<ApiServer>> start(const ServerConfig& config,
                                                  const ServiceOptions& options = {},
                                                  std::vector<std::string>* log = nullptr);
  // The quick first half of start(): binds (a busy port fails here), takes
  // the data directory's lock (Service::lock_data_dir: a second server is
  // refused here, naming the holder) and starts answering on both listeners
  // while the service is not open yet: /healthz 200, /readyz 503 "starting",
  // anything else 503 with Retry-After (handle_while_starting, routes.h).
  // `config` must be valid (validate()); options.index.remote is replaced by
  // the config's embedding_* settings.
  static Result<std::unique_ptr<ApiServer>> listen(const ServerConfig& config,
                                                   const ServiceOptions& options = {});
  // The slow second half: loads the records and loads or rebuilds the index
  // (seconds to minutes on a large corpus), then serves every route. `log`
  // gets startup notes. Call once, from the thread that called listen(); on
  // failure the server answers as before until it is destroyed.
  Status open(std::vector<std::string>* log = nullptr);
  // True once open() succeeded.
  bool serving() const { return serving_.load(std::memory_order_acquire); }
  ~ApiServer();  // stop() if still running

  unsigned short port() const { return http_->port(); }
  // The operator listener's port (config.metrics_listen), 0 if it is off.
  unsigned short operator_port() const { return operator_http_ ? operator_http_->port() : 0; }
  Service& service() { return *service_; }  // after open()
  // The admission of expensive requests (tests hold slots through it).
  ExpensiveSlots& expensive() { return *expensive_; }
  // The per-caller bound of ranking requests, and the sign-in sessions (tests).
  ExpensiveSlots& ranking() { return *ranking_; }
  Sessions& sessions() { return *sessions_; }
  // Graceful stop: readiness goes false, in-flight requests finish, the
  // index is saved and the store closed. Returns the index save's status.
  Status stop();

 private:
  ApiServer() = default;
  ServerConfig config_;
  ServiceOptions options_;
  std::unique_ptr<DataDirLock> lock_;  // from listen() until open() hands it to the Service
  // Set (release) once context_ and operator_context_ are whole; the
  // listeners' handlers read it (acquire) before touching either.
  std::atomic<bool> serving_{false};
  Metrics metrics_;
  AccessLog access_log_;      // before http_: outlives the server's threads
  Metrics operator_metrics_;  // the operator listener's own requests, not shown
  std::atomic<bool> draining_{false};
  std::unique_ptr<Service> service_;
  std::unique_ptr<Sessions> sessions_;
  std::unique_ptr<ExpensiveSlots> expensive_;
  std::unique_ptr<ExpensiveSlots> ranking_;
  std::unique_ptr<RequestContext> context_;
  std::unique_ptr<RequestContext> operator_context_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<HttpServer> operator_http_;
  bool stopped_ = false;
};

// `expertmatch serve`: start(), print where it listens, wait for SIGINT or
// SIGTERM, stop(). Returns the process exit code.
int run_server(const ServerConfig& config, const ServiceOptions& options = {});

}  // namespace expertmatch::api
