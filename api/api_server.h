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
  // Opens the data directory, loads or rebuilds the index, binds and starts
  // serving. `config` must be valid (validate()). `log` gets startup notes.
  // options.index.remote is replaced by the config's embedding_* settings.
  static Result<std::unique_ptr<ApiServer>> start(const ServerConfig& config,
                                                  const ServiceOptions& options = {},
                                                  std::vector<std::string>* log = nullptr);
  ~ApiServer();  // stop() if still running

  unsigned short port() const { return http_->port(); }
  // The operator listener's port (config.metrics_listen), 0 if it is off.
  unsigned short operator_port() const { return operator_http_ ? operator_http_->port() : 0; }
  Service& service() { return *service_; }
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
