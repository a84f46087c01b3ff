// Support for the API's integration tests: a small corpus built in code, a
// temporary data directory, tokens for every role, the real server started
// in-process on a free loopback port, and a Beast HTTP client.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <rapidjson/document.h>

#include "api/api_server.h"
#include "corpus/model.h"

namespace expertmatch::apitest {

// A fresh directory under the system's temp dir, removed on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// Enterprises of the test corpus.
inline const char* kEnterpriseA = "江山恒锐轴承有限公司";  // problems p-a1, p-a2 (江山市)
inline const char* kEnterpriseB = "龙游金昌特种纸业";      // problem p-b1 (龙游县)
inline const char* kEnterpriseC = "衢州智视科技";          // problem p-c1 (柯城区)
inline const char* kEnterpriseD = "巨化集团";              // problem p-d1 (衢江区)

// Six experts (e-bearing has capacity 1; e-fluoro conflicts with 巨化集团) and
// five problems of four enterprises in four counties.
std::vector<Expert> test_experts();
std::vector<Problem> test_problems();

// Tokens of the seeded data directory, by role.
struct Tokens {
  std::string admin;
  std::string county_jiangshan;     // county 江山市
  std::string county_longyou;       // county 龙游县
  std::string coordinator;          // coordinator 江山市/ws-1
  std::string coordinator_longyou;  // coordinator 龙游县
  std::string enterprise_a;
  std::string enterprise_b;
};

// Imports the test corpus into DIR (unless `empty`: then only the two
// enterprises the enterprise tokens name are registered) and creates the tokens.
Tokens seed_data(const std::string& dir, bool empty = false);

// A config for tests: loopback, port 0, small limits where tests probe them,
// teams of 1-8 (the six experts of the test corpus cannot make 6-8 everywhere).
api::ServerConfig test_config(const std::string& dir);

struct HttpResult {
  int status = 0;  // 0: no response (connection failed or closed)
  std::string body;
  // Lower-case names; a repeated field's values one a line (two Set-Cookie).
  std::map<std::string, std::string> headers;
  std::string error;  // transport error, if any

  // The body parsed as JSON (a null document if it is not JSON).
  rapidjson::Document json() const;
  // error.code of an error envelope, "" if none.
  std::string error_code() const;
};

struct Request {
  std::string method = "GET";
  std::string target;
  std::string token;  // sent as "Authorization: Bearer TOKEN" unless empty
  std::string body;
  std::string content_type;  // defaults to application/json when a body is given
  std::map<std::string, std::string> headers;
};

// One request on a new connection to 127.0.0.1:port.
HttpResult http(unsigned short port, const Request& request);
// Shorthands.
HttpResult send(unsigned short port, const std::string& method, const std::string& target,
                const std::string& token, const std::string& body,
                const std::string& type = "application/json");
HttpResult get(unsigned short port, const std::string& target, const std::string& token);
HttpResult post(unsigned short port, const std::string& target, const std::string& token,
                const std::string& json_body);
HttpResult put(unsigned short port, const std::string& target, const std::string& token,
               const std::string& json_body);

// The Set-Cookie line that sets cookie `name` ("name=value; attributes"),
// "" if the answer sets none.
std::string set_cookie_of(const HttpResult& r, const std::string& name);
// Its "name=value", as a Cookie header sends it back; "" if none.
std::string cookie_of(const HttpResult& r, const std::string& name);

// An error answer's error.field, "" when it names none (or is no error).
std::string field_of(const HttpResult& r);
// An error answer's error.message, "" when it is no error.
std::string message_of(const HttpResult& r);

// A raw TCP connection for pipelining, malformed requests and limits.
// How a RawConnection connects: from which local address (any of
// 127.0.0.0/8 on Linux, to stand for another client) and with which receive
// buffer (bytes; 0 = the system's), set before connecting so that a client
// that does not read fills the server's answers' way quickly.
struct RawOptions {
  std::string from = "127.0.0.1";
  int receive_buffer = 0;
};

class RawConnection {
 public:
  explicit RawConnection(unsigned short port);
  RawConnection(unsigned short port, const RawOptions& options);
  ~RawConnection();
  bool connected() const;
  bool send(const std::string& bytes);
  // Reads one HTTP response (status 0 if the server closed the connection first).
  HttpResult read_response();
  // Reads at most `max` bytes, waiting at most `limit_ms` for the first:
  // the count, 0 if none came in time, -1 if the server closed the
  // connection (end of stream or reset).
  long read_bytes(size_t max, int limit_ms);
  // Closes the connection with a reset (SO_LINGER 0): the client has gone away.
  void reset();
  // True if the server closed the connection (reads end of stream), waiting at most
  // `limit_ms` (a safety net against hanging, not an assertion on time).
  bool closed_by_server(int limit_ms = 20000);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The in-process server on a seeded data directory.
class TestServer {
 public:
  explicit TestServer(bool empty = false);
  TestServer(bool empty, const std::function<void(api::ServerConfig*)>& adjust);
  // With ServiceOptions too (e.g. a test hook); the config's settings still
  // fill what ApiServer::start takes from it.
  TestServer(bool empty, const std::function<void(api::ServerConfig*)>& adjust,
             api::ServiceOptions options);
  ~TestServer();
  unsigned short port() const { return server_->port(); }
  const Tokens& tokens() const { return tokens_; }
  const std::string& dir() const { return dir_.path(); }
  api::ApiServer& server() { return *server_; }
  // Stops and starts again on the same data directory (a new port).
  void restart();
  // Stops the server (as on SIGTERM) and keeps it stopped.
  void stop() { server_.reset(); }

 private:
  TempDir dir_;
  Tokens tokens_;
  api::ServerConfig config_;
  api::ServiceOptions options_;
  std::unique_ptr<api::ApiServer> server_;
};

// Serialises a problem / expert to the exchange format's JSON.
std::string problem_json(const Problem& p);
std::string expert_json(const Expert& e);
// A minimal valid problem body for an enterprise / county.
std::string new_problem_body(const std::string& id, const std::string& enterprise,
                             const std::string& county, const std::string& title);

// Runs `command` through /bin/sh (popen): its exit code (-1 if it did not
// exit normally or could not start) and, in `out`, all it wrote to stdout.
int run(const std::string& command, std::string* out);

}  // namespace expertmatch::apitest
