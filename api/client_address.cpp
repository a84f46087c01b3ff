#include "api/client_address.h"

#include <boost/asio/ip/address.hpp>

#include <algorithm>
#include <cctype>
#include <optional>

#include "api/request_reader.h"

namespace expertmatch::api {
namespace {

namespace ip = boost::asio::ip;

// An IPv4-mapped IPv6 address is its IPv4 address: one client, one key.
std::optional<ip::address> parse_address(std::string_view text) {
  boost::system::error_code ec;
  ip::address a = ip::make_address(std::string(text), ec);
  if (ec) return std::nullopt;
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return ip::address(ip::make_address_v4(ip::v4_mapped, a.to_v6()));
  return a;
}

std::vector<unsigned char> bytes_of(const ip::address& a) {
  if (a.is_v4()) {
    auto b = a.to_v4().to_bytes();
    return {b.begin(), b.end()};
  }
  auto b = a.to_v6().to_bytes();
  return {b.begin(), b.end()};
}

bool prefix_matches(const std::vector<unsigned char>& a, const std::vector<unsigned char>& b,
                    int prefix) {
  if (a.size() != b.size()) return false;
  int whole = prefix / 8, rest = prefix % 8;
  if (!std::equal(a.begin(), a.begin() + whole, b.begin())) return false;
  if (rest == 0) return true;
  const unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

// One hop of a forwarding header as an address: quotes, brackets and a port
// removed ("[2001:db8::1]:4711", "192.0.2.1:80"). nullopt if it is none.
std::optional<ip::address> hop_address(std::string_view hop) {
  hop = trim_ows(hop);
  if (hop.size() >= 2 && hop.front() == '"' && hop.back() == '"')
    hop = hop.substr(1, hop.size() - 2);
  if (!hop.empty() && hop.front() == '[') {
    size_t close = hop.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    return parse_address(hop.substr(1, close - 1));
  }
  // One colon: IPv4 with a port. More: IPv6 without brackets.
  if (std::count(hop.begin(), hop.end(), ':') == 1) hop = hop.substr(0, hop.find(':'));
  return parse_address(hop);
}

// The hops of a header, left to right: X-Forwarded-For is a plain list;
// Forwarded a list of elements whose "for" parameter names the hop (an
// element without one is a hop we cannot read).
std::vector<std::string_view> hops(std::string_view forwarded, std::string_view x_forwarded_for) {
  if (trim_ows(forwarded).empty()) return split_list(x_forwarded_for, ',');
  std::vector<std::string_view> out;
  for (std::string_view element : split_list(forwarded, ',')) {
    std::string_view value;  // stays empty without a "for"
    for (std::string_view parameter : split_list(element, ';')) {
      std::string_view pair = trim_ows(parameter);
      if (pair.size() > 4 && std::tolower(static_cast<unsigned char>(pair[0])) == 'f' &&
          std::tolower(static_cast<unsigned char>(pair[1])) == 'o' &&
          std::tolower(static_cast<unsigned char>(pair[2])) == 'r' && pair[3] == '=')
        value = pair.substr(4);
    }
    out.push_back(value);
  }
  return out;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::string& text, const std::string& setting) {
  TrustedProxies out;
  if (trim_ows(text).empty()) return out;
  for (std::string_view element : split_list(text, ',')) {
    std::string_view entry = trim_ows(element);
    // operator-facing: a setting refused at start, like config.cpp's.
    auto bad = [&] {
      return Status::invalid({FieldError{
          "config", 0, setting,
          "\"" + std::string(entry) + "\" is not an IP address or network (ADDRESS[/BITS])"}});
    };
    if (entry.empty()) return bad();
    size_t slash = entry.find('/');
    auto address = parse_address(entry.substr(0, slash));
    if (!address) return bad();
    Network n;
    n.bytes = bytes_of(*address);
    n.prefix = static_cast<int>(n.bytes.size() * 8);
    if (slash != std::string_view::npos) {
      std::string_view bits = entry.substr(slash + 1);
      if (bits.empty() || bits.size() > 3 ||
          !std::all_of(bits.begin(), bits.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return bad();
      int prefix = std::stoi(std::string(bits));
      if (prefix > n.prefix) return bad();
      n.prefix = prefix;
    }
    out.networks_.push_back(std::move(n));
  }
  return out;
}

bool TrustedProxies::contains(std::string_view address) const {
  if (networks_.empty()) return false;
  auto a = parse_address(address);
  if (!a) return false;
  const auto bytes = bytes_of(*a);
  for (const auto& n : networks_)
    if (prefix_matches(bytes, n.bytes, n.prefix)) return true;
  return false;
}

std::string resolve_client_address(const TrustedProxies& proxies, const std::string& peer,
                                   std::string_view forwarded, std::string_view x_forwarded_for) {
  auto canonical = [](const std::string& text) {
    auto a = parse_address(text);
    return a ? a->to_string() : text;
  };
  if (!proxies.contains(peer)) return canonical(peer);
  std::string client = canonical(peer);
  auto list = hops(forwarded, x_forwarded_for);
  for (auto it = list.rbegin(); it != list.rend(); ++it) {
    auto hop = hop_address(*it);
    if (!hop) break;  // unreadable: nothing to its left can be placed
    client = hop->to_string();
    if (!proxies.contains(client)) break;
  }
  return client;
}

std::string client_limit_key(const std::string& address) {
  auto a = parse_address(address);
  if (!a) return address;
  if (a->is_v4()) return a->to_string();
  auto bytes = a->to_v6().to_bytes();
  std::fill(bytes.begin() + 8, bytes.end(), 0);
  return ip::make_address_v6(bytes).to_string() + "/64";
}

}  // namespace expertmatch::api
