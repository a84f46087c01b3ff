// Requests judged from their heads, against the real server: a request the
// route table refuses whatever its body (no or a wrong credential, no such
// route, a method the path does not have, a non-admin bulk import) is
// answered before any byte of its body is sent, and only an admin's bulk
// import gets the import limit. Slow bodies: a minimum data rate, and a full
// server makes room from the connection longest without a byte, whichever
// phase it is in. Host and JSON charset as RFC 9112 and RFC 8259 require.
// Event ordering, never wall-clock asserts (the sleeps below only give a
// deadline the chance to pass; the assertions are on answers).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/api/test_server.h"

namespace expertmatch::apitest {
namespace {

// A head announcing `length` bytes of body (or a chunked one when
// `length` < 0), sent without its body.
std::string head_only(const std::string& method, const std::string& target,
                      const std::string& token, long length,
                      const std::string& type = "application/x-ndjson") {
  return method + " " + target + " HTTP/1.1\r\nHost: x\r\n" +
         (token.empty() ? "" : "Authorization: Bearer " + token + "\r\n") +
         "Content-Type: " + type + "\r\nAccept-Language: en\r\n" +
         (length < 0 ? std::string("Transfer-Encoding: chunked\r\n")
                     : "Content-Length: " + std::to_string(length) + "\r\n") +
         "\r\n";
}

// test_config: body_limit_bytes 64 KiB, import_limit_bytes 1 MiB.
constexpr long kImportLimit = 1 << 20;

// Found by an attack trial: 16 sockets without a token each sent this head
// and 63 MiB of body; the server read every body to the end (1.1 GB
// resident) before answering. The answer now comes from the head: no byte of
// the body is sent here, and the 401 arrives; the connection then closes.
TEST(RequestHeadTest, AnImportWithoutATokenIsRefusedBeforeItsBody) {
  TestServer server;
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(head_only("POST", "/api/v1/import/problems", "", kImportLimit)));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 401) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "unauthenticated");
  EXPECT_EQ(message_of(r), "sign in first (or send an Authorization: Bearer token)");
  EXPECT_EQ(r.headers["connection"], "close");
  EXPECT_TRUE(conn.closed_by_server());
  EXPECT_EQ(get(server.port(), "/healthz", "").status, 200);
}

// Many at once, each with part of its body sent: every one is answered from
// its head, and nothing is imported.
TEST(RequestHeadTest, ManyAnonymousImportsAreEachAnsweredFromTheirHeads) {
  TestServer server;
  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 16; ++i) {
    flood.push_back(std::make_unique<RawConnection>(server.port()));
    ASSERT_TRUE(flood.back()->send(head_only("POST", "/api/v1/import/problems", "", kImportLimit) +
                                   std::string(32 * 1024, '{')));
  }
  for (auto& conn : flood) {
    auto r = conn->read_response();
    EXPECT_EQ(r.status, 401) << r.error << r.body;
    EXPECT_EQ(r.error_code(), "unauthenticated");
  }
  EXPECT_EQ(get(server.port(), "/api/v1/problems", server.tokens().admin).json()["total"].GetInt(),
            5);
}

// Found by an attack trial: the import limit went by the path prefix alone,
// so a chunked body to a route that does not exist was read to the import
// limit before its 413. It is a 404 from the head.
TEST(RequestHeadTest, AnUnknownRouteUnderImportIs404BeforeItsBody) {
  TestServer server;
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(head_only("POST", "/api/v1/import/whatever", server.tokens().admin, -1)));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 404) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "not_found");
  EXPECT_EQ(message_of(r), "no such resource: /api/v1/import/whatever");
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(RequestHeadTest, AWrongMethodIs405BeforeItsBody) {
  TestServer server;
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(head_only("PUT", "/api/v1/import/problems", server.tokens().admin, 1000)));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 405) << r.error << r.body;
  EXPECT_EQ(r.headers["allow"], "POST");
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(RequestHeadTest, AWrongTokenIs401BeforeItsBody) {
  TestServer server;
  RawConnection conn(server.port());
  ASSERT_TRUE(
      conn.send(head_only("POST", "/api/v1/problems", "not-a-token", 60000, "application/json")));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 401) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "unauthenticated");
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(RequestHeadTest, ANonAdminImportIs403BeforeItsBody) {
  TestServer server;
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(
      head_only("POST", "/api/v1/import/problems", server.tokens().enterprise_a, kImportLimit)));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 403) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "forbidden");
  EXPECT_EQ(message_of(r), "bulk import is for admins only");
  EXPECT_TRUE(conn.closed_by_server());
}

// The 100 Continue says the server will read the body: only an admin's
// import gets the import limit; every other body the ordinary one.
TEST(RequestHeadTest, OnlyAnAdminsImportGetsTheImportLimit) {
  TestServer server;
  const auto& admin = server.tokens().admin;
  auto expect_continue = [](std::string head) {
    return head.insert(head.size() - 2, "Expect: 100-continue\r\n");
  };
  {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(
        expect_continue(head_only("POST", "/api/v1/import/problems", admin, kImportLimit))));
    EXPECT_EQ(conn.read_response().status, 100);
  }
  {
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(
        expect_continue(head_only("POST", "/api/v1/import/problems", admin, kImportLimit + 1))));
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(r.error_code(), "payload_too_large");
  }
  {
    // Not a bulk route: the ordinary 64 KiB, an admin's request or not.
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(expect_continue(
        head_only("POST", "/api/v1/problems", admin, 64 * 1024 + 1, "application/json"))));
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(message_of(r), "the body exceeds the limit of 65536 bytes");
  }
  {
    // The public sign-in route: the ordinary limit too, also chunked.
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(head_only("POST", "/api/v1/sessions", "", -1, "application/json") +
                          "10001\r\n" + std::string(0x10001, ' ') + "\r\n0\r\n\r\n"));
    auto r = conn.read_response();
    EXPECT_EQ(r.status, 413) << r.body;
    EXPECT_EQ(r.error_code(), "payload_too_large");
  }
}

// Found by an attack trial: the public sign-in route took a body of up to
// body_limit_bytes (1 MiB) from anyone. A public route's limit is 16 KiB:
// a larger Content-Length is 413 from the head, the body never read.
TEST(RequestHeadTest, APublicRouteTakesOnlyASmallBody) {
  TestServer server(false, [](api::ServerConfig* c) { c->body_limit_bytes = 1 << 20; });
  RawConnection conn(server.port());
  ASSERT_TRUE(
      conn.send(head_only("POST", "/api/v1/sessions", "", 16 * 1024 + 1, "application/json")));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 413) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "payload_too_large");
  EXPECT_EQ(message_of(r), "the body exceeds the limit of 16384 bytes");
  // A token's route keeps body_limit_bytes.
  RawConnection other(server.port());
  ASSERT_TRUE(other.send(
      head_only("POST", "/api/v1/match", server.tokens().admin, 16 * 1024 + 1, "application/json") +
      std::string(16 * 1024 + 1, ' ')));
  EXPECT_EQ(other.read_response().status, 400);
}

// Found by an attack trial: a head, then one body byte every 8 s, held a
// connection for 40 s. A body must keep up body_min_rate after a grace of
// header_timeout_ms; one that does is not cut.
TEST(RequestHeadTest, ABodyBelowTheMinimumRateIs408) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->header_timeout_ms = 300;
    c->body_min_rate = 1000;
    c->read_timeout_ms = 600000;
    c->idle_timeout_ms = 600000;
  });
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(head_only("POST", "/api/v1/sessions", "", 100, "application/json") + "{"));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 408) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "request_timeout");
  EXPECT_TRUE(conn.closed_by_server());
}

TEST(RequestHeadTest, ABodyKeepingUpTheMinimumRateIsRead) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->header_timeout_ms = 300;
    c->body_min_rate = 1000;
    c->read_timeout_ms = 600000;
  });
  // 20,000 bytes earn 20 s on top of the grace; the pause after them is
  // past the grace alone.
  std::string body = R"({"title":"轴承磨削表面烧伤","description":"磨削工艺")" +
                     std::string(20000, ' ') + R"(,"keywords":["磨削"]})";
  size_t first = body.size() - 10;
  RawConnection conn(server.port());
  ASSERT_TRUE(conn.send(head_only("POST", "/api/v1/match", server.tokens().admin,
                                  static_cast<long>(body.size()), "application/json") +
                        body.substr(0, first)));
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  ASSERT_TRUE(conn.send(body.substr(first)));
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 200) << r.error << r.body;
}

// Found by an attack trial: chunk extensions counted toward body_min_rate,
// so a body of one data byte per chunk, each chunk line padded with a 3,000
// byte extension, was never cut. Only data bytes earn time: after the grace
// the body is 408 and the connection closed, before the last chunk is sent
// (with the extensions counted, the request was read whole and answered as
// a body that is not JSON).
TEST(RequestHeadTest, ChunkExtensionsEarnNoTimeForABody) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->header_timeout_ms = 300;
    c->body_min_rate = 1000;
    c->read_timeout_ms = 600000;
    c->idle_timeout_ms = 600000;
  });
  RawConnection conn(server.port());
  ASSERT_TRUE(
      conn.send(head_only("POST", "/api/v1/match", server.tokens().admin, -1, "application/json")));
  const std::string chunk = "1;pad=" + std::string(3000, 'x') + "\r\n{\r\n";
  // 15 chunks 100 ms apart: 45,000 bytes of extensions (45 s at the rate),
  // 15 data bytes (15 ms); the grace (300 ms) ends well before the last one.
  for (int i = 0; i < 15 && conn.send(chunk); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  conn.send("0\r\n\r\n");  // the server may have closed already
  auto r = conn.read_response();
  EXPECT_EQ(r.status, 408) << r.error << r.body;
  EXPECT_EQ(r.error_code(), "request_timeout");
  EXPECT_TRUE(conn.closed_by_server());
  // Extensions are still allowed (RFC 9112 7.1.1): a chunked body with one
  // on every chunk, keeping up the rate, is read.
  RawConnection ok(server.port());
  const std::string body = R"({"title":"轴承磨削表面烧伤","description":"磨削工艺"})";
  std::string chunked;
  for (char ch : body) chunked += std::string("1;e=x\r\n") + ch + "\r\n";
  ASSERT_TRUE(
      ok.send(head_only("POST", "/api/v1/match", server.tokens().admin, -1, "application/json") +
              chunked + "0\r\n\r\n"));
  auto fine = ok.read_response();
  EXPECT_EQ(fine.status, 200) << fine.error << fine.body;
}

// Found by an attack trial: 300 connections from 10 addresses, each a head
// then a body byte every 8 s, filled the server and every new client, health
// checks included, got 503. At the cap the connection longest without a byte
// makes room, in its body as in its head: it gets a 408, the new client is served.
TEST(RequestHeadTest, AFullServerMakesRoomFromTheIdlestBody) {
  TestServer server(false, [](api::ServerConfig* c) {
    c->max_connections = 4;
    c->max_connections_per_client = 0;
    c->read_timeout_ms = 600000;
    c->header_timeout_ms = 600000;
  });
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < 4; ++i) {
    slow.push_back(std::make_unique<RawConnection>(server.port()));
    // The 100 Continue says the head was judged and the body is being read.
    ASSERT_TRUE(slow.back()->send(
        "POST /api/v1/sessions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Accept-Language: en\r\nExpect: 100-continue\r\nContent-Length: 100\r\n\r\n{"));
    ASSERT_EQ(slow.back()->read_response().status, 100);
  }
  // The others have sent a byte since the first did.
  for (int i = 1; i < 4; ++i) ASSERT_TRUE(slow[i]->send(" "));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));

  auto health = get(server.port(), "/healthz", "");
  EXPECT_EQ(health.status, 200) << health.body << health.error;
  auto cut = slow[0]->read_response();
  EXPECT_EQ(cut.status, 408) << cut.error << cut.body;
  EXPECT_EQ(cut.error_code(), "request_timeout");
  EXPECT_EQ(message_of(cut),
            "the server was full and this request's body was the slowest to arrive; send the "
            "request again");
  EXPECT_TRUE(slow[0]->closed_by_server());
  // Another new client gets in too: the first one's close, still lingering
  // (its client has not closed its side), goes first if the server still
  // holds it, else one of the others; those left finish their bodies (a bad
  // one: 400).
  EXPECT_EQ(get(server.port(), "/healthz", "").status, 200);
  int cut_again = 0;
  for (int i = 1; i < 4; ++i) {
    slow[i]->send(std::string(98, ' '));
    auto r = slow[i]->read_response();
    if (r.status == 408)
      ++cut_again;
    else
      EXPECT_EQ(r.status, 400) << r.error << r.body;
  }
  EXPECT_LE(cut_again, 1);
}

// Host values that are host[:port] are served; the malformed ones are rows
// of api_malformed_test.
TEST(RequestHeadTest, ValidHostValuesAreServed) {
  TestServer server;
  for (const char* host : {"example.com", "example.com:8080", "127.0.0.1:1", "[::1]:8080", "[::1]",
                           "xn--fiq228c.example", "a%41b", "a:"}) {
    SCOPED_TRACE(host);
    RawConnection conn(server.port());
    ASSERT_TRUE(conn.send(std::string("GET /healthz HTTP/1.1\r\nHost: ") + host + "\r\n\r\n"));
    EXPECT_EQ(conn.read_response().status, 200);
  }
}

TEST(RequestHeadTest, AJsonBodyMustBeUtf8) {
  TestServer server;
  Request r;
  r.method = "POST";
  r.target = "/api/v1/match";
  r.token = server.tokens().admin;
  r.body = R"({"title":"轴承磨削表面烧伤","description":"磨削工艺"})";
  r.headers["Accept-Language"] = "en";
  r.content_type = "application/json; charset=latin1";
  auto latin1 = http(server.port(), r);
  EXPECT_EQ(latin1.status, 415) << latin1.body;
  EXPECT_EQ(latin1.error_code(), "unsupported_media_type");
  EXPECT_EQ(message_of(latin1),
            "a JSON body must be UTF-8, but its Content-Type names charset \"latin1\"");
  for (const char* fine : {"application/json; charset=utf-8", "application/json;charset=UTF-8",
                           "application/json; charset=\"utf-8\"", "Application/JSON"}) {
    SCOPED_TRACE(fine);
    r.content_type = fine;
    EXPECT_EQ(http(server.port(), r).status, 200);
  }
}

}  // namespace
}  // namespace expertmatch::apitest
