// Who is on the other end of a request, for the limits that count per
// client (sign-in failures and rates, api/accounts.h).
//
// The client address is the TCP peer's address, unless the peer is one of
// the `trusted_proxies` (ServerConfig): then it is read from the request's
// Forwarded (RFC 7239, its "for=" parameters) or, without one,
// X-Forwarded-For header. The list in that header is read from the right,
// since each proxy appends the address it received from: the first entry
// that is not itself a trusted proxy is the client (what nginx's
// real_ip_recursive does). Entries further left were written by the client
// and prove nothing. A malformed entry (or an obfuscated "_name" or
// "unknown") stops the walk: the client is then the last trusted hop seen.
// With no trusted proxies (the default) the headers are never read, so no
// client can choose its own address.
//
// Thread safety: TrustedProxies is immutable once parsed; share freely.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "corpus/status.h"

namespace expertmatch::api {

class TrustedProxies {
 public:
  // None: the headers are never read.
  TrustedProxies() = default;
  // Parses the setting's text: addresses or CIDR networks, comma separated
  // ("127.0.0.1, 10.0.0.0/8, ::1"); "" = none. kInvalidArgument naming
  // `setting` and the entry that is not an address or network.
  static Result<TrustedProxies> parse(const std::string& text, const std::string& setting);

  bool empty() const { return networks_.empty(); }
  // Whether `address` (text, e.g. "10.1.2.3") is within one of the entries.
  bool contains(std::string_view address) const;

 private:
  struct Network {
    std::vector<unsigned char> bytes;  // 4 or 16 bytes
    int prefix = 0;                    // bits that must match
  };
  std::vector<Network> networks_;
};

// The client address of a request from `peer` (the socket's remote address
// as text) with these header values ("" when absent; several fields of one
// name joined with ","). Returns a canonical address text ("10.0.0.7",
// "2001:db8::1"; an IPv4-mapped IPv6 address as IPv4), `peer` itself when it
// is not a trusted proxy.
std::string resolve_client_address(const TrustedProxies& proxies, const std::string& peer,
                                   std::string_view forwarded, std::string_view x_forwarded_for);

// The key per-client limits count under: the address itself for IPv4, its
// /64 network for IPv6 ("2001:db8:1:2::/64"), since one IPv6 host commonly
// holds a whole /64 and could otherwise take a fresh address per attempt.
// Text that is not an address is returned as it is.
std::string client_limit_key(const std::string& address);

}  // namespace expertmatch::api
