// The client address behind trusted reverse proxies (api/client_address.h):
// tables of literal headers and the address each must give.
#include "api/client_address.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

#include "api/request_reader.h"

namespace expertmatch::api {
namespace {

// The list reading that the proxy headers, the trusted_proxies setting,
// Transfer-Encoding and the query string share.
TEST(HeaderListTest, SplitListKeepsEveryElementAndTrimOwsOnlySpacesAndTabs) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(split_list("a, b,,c", ','), (V{"a", " b", "", "c"}));
  EXPECT_EQ(split_list("", ','), (V{""}));
  EXPECT_EQ(split_list(",", ','), (V{"", ""}));
  EXPECT_EQ(split_list("k=v&x", '&'), (V{"k=v", "x"}));
  EXPECT_EQ(trim_ows(" \t a b\t "), "a b");
  EXPECT_EQ(trim_ows("\r\na\r\n"), "\r\na\r\n");
  EXPECT_EQ(trim_ows("  "), "");
}

TEST(TrustedProxiesTest, ParsesAddressesAndNetworksAndNamesABadEntry) {
  auto p = TrustedProxies::parse("127.0.0.1, 10.0.0.0/8,::1,fd00::/8", "trusted_proxies");
  ASSERT_TRUE(p) << p.status().to_string();
  for (const char* in : {"127.0.0.1", "10.200.3.4", "::1", "fd12::7", "::ffff:10.0.0.1"})
    EXPECT_TRUE(p->contains(in)) << in;
  for (const char* out : {"127.0.0.2", "11.0.0.1", "::2", "2001:db8::1", "", "proxy"})
    EXPECT_FALSE(p->contains(out)) << out;
  EXPECT_TRUE(TrustedProxies::parse("", "trusted_proxies")->empty());
  for (const char* bad : {"localhost", "10.0.0.0/33", "10.0.0.0/", "1.2.3.4,", "::1/129"}) {
    auto r = TrustedProxies::parse(bad, "trusted_proxies");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.status().field_errors().front().field, "trusted_proxies");
  }
}

TEST(ClientAddressTest, HeadersAreReadOnlyFromATrustedPeerRightToLeft) {
  auto proxies = *TrustedProxies::parse("10.0.0.1,10.0.0.2", "trusted_proxies");
  struct Case {
    const char* peer;
    const char* forwarded;
    const char* x_forwarded_for;
    const char* client;
  };
  for (const Case& c : std::vector<Case>{
           {"203.0.113.5", "", "198.51.100.1", "203.0.113.5"},      // untrusted peer: ignored
           {"203.0.113.5", "for=198.51.100.1", "", "203.0.113.5"},  // either header
           {"10.0.0.1", "", "198.51.100.1", "198.51.100.1"},
           {"10.0.0.1", "", "6.6.6.6, 198.51.100.1", "198.51.100.1"},   // the left is the client's
           {"10.0.0.1", "", "198.51.100.1, 10.0.0.2", "198.51.100.1"},  // through two proxies
           {"10.0.0.1", "", "198.51.100.1:5555", "198.51.100.1"},
           {"10.0.0.1", "", "", "10.0.0.1"},         // no header: the proxy itself
           {"10.0.0.1", "", "garbage", "10.0.0.1"},  // unreadable: the last known hop
           {"10.0.0.1", "", "198.51.100.1, unknown", "10.0.0.1"},
           {"10.0.0.1", R"(for="[2001:db8::7]:4711";proto=https)", "", "2001:db8::7"},
           {"10.0.0.1", "for=192.0.2.60;by=10.0.0.1, For=198.51.100.1", "6.6.6.6",
            "198.51.100.1"},  // Forwarded wins over X-Forwarded-For
           {"10.0.0.1", "for=_hidden", "", "10.0.0.1"},
           {"::ffff:203.0.113.5", "", "", "203.0.113.5"},
       }) {
    SCOPED_TRACE(std::string(c.peer) + " | " + c.forwarded + " | " + c.x_forwarded_for);
    EXPECT_EQ(resolve_client_address(proxies, c.peer, c.forwarded, c.x_forwarded_for), c.client);
  }
}

TEST(ClientAddressTest, AnIpv6ClientCountsAsItsSlash64) {
  EXPECT_EQ(client_limit_key("203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(client_limit_key("2001:db8:1:2:aaaa::1"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_limit_key("2001:db8:1:2::ffff"), "2001:db8:1:2::/64");
  EXPECT_EQ(client_limit_key("2001:db8:1:3::1"), "2001:db8:1:3::/64");
  EXPECT_EQ(client_limit_key("::ffff:203.0.113.5"), "203.0.113.5");
  EXPECT_EQ(client_limit_key(""), "");
}

}  // namespace
}  // namespace expertmatch::api
