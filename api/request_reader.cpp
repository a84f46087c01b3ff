#include "api/request_reader.h"

#include <cctype>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>

namespace expertmatch::api {

namespace http = boost::beast::http;

namespace {

HeadError bad(std::string message) { return HeadError{400, "bad_request", std::move(message)}; }

// RFC 9110 5.6.2 tchar: the characters of a method or a field name.
bool is_tchar(unsigned char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!':
    case '#':
    case '$':
    case '%':
    case '&':
    case '\'':
    case '*':
    case '+':
    case '-':
    case '.':
    case '^':
    case '_':
    case '`':
    case '|':
    case '~':
      return true;
    default:
      return false;
  }
}

std::optional<HeadError> check_request_line(std::string_view line) {
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp1 == std::string_view::npos || sp2 == std::string_view::npos ||
      line.find(' ', sp2 + 1) != std::string_view::npos)
    return bad("the request line must be METHOD SP TARGET SP VERSION");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (method.empty()) return bad("the request line has no method");
  for (unsigned char c : method)
    if (!is_tchar(c)) return bad("the method has a character a method may not have");
  if (target.empty()) return bad("the request line has no target");
  for (unsigned char c : target)
    if (c <= 0x20 || c >= 0x7f) return bad("the request target has a byte a target may not have");
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return bad("the request line must end in HTTP/DIGIT.DIGIT");
  if (version[5] != '1')
    return HeadError{505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served"};
  return std::nullopt;
}

std::optional<HeadError> check_field_line(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t')
    return bad("a field line starts with whitespace (obs-fold is not accepted)");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad("a field line has no colon");
  if (colon == 0) return bad("a field line has an empty name");
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = line[i];
    if (c == ' ' || c == '\t') return bad("whitespace between a field name and its colon");
    if (!is_tchar(c)) return bad("a field name has a character a name may not have");
  }
  for (size_t i = colon + 1; i < line.size(); ++i) {
    unsigned char c = line[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return bad("a field value has a control character");
  }
  return std::nullopt;
}

// Every line ends in CRLF: a CR or LF anywhere else is refused (RFC 9112 2.2).
std::optional<HeadError> check_raw_head(std::string_view head) {
  size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    size_t crlf = head.find("\r\n", start);
    if (crlf == std::string_view::npos) return bad("a line does not end in CRLF");
    std::string_view line = head.substr(start, crlf - start);
    start = crlf + 2;
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
      return bad("a bare CR or LF inside a line");
    if (line.empty()) {
      if (start != head.size() || first) return bad("an empty line inside the head");
      break;
    }
    auto error = first ? check_request_line(line) : check_field_line(line);
    if (error) return error;
    first = false;
  }
  return std::nullopt;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

bool starts_with_nocase(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && iequals(s.substr(0, prefix.size()), prefix);
}

std::string_view view(boost::beast::string_view s) { return {s.data(), s.size()}; }

std::optional<HeadError> check_parsed_head(const http::request_header<>& h) {
  if (h.version() / 10 != 1)
    return HeadError{505, "http_version_not_supported", "only HTTP/1.0 and HTTP/1.1 are served"};
  size_t hosts = h.count(http::field::host);
  if (hosts > 1) return bad("more than one Host field");
  if (h.version() == 11 && hosts == 0) return bad("an HTTP/1.1 request must have a Host field");
  if (h.count(http::field::transfer_encoding) > 0) {
    if (h.version() < 11) return bad("Transfer-Encoding in an HTTP/1.0 request");
    if (h.count(http::field::content_length) > 0)
      return bad("both Content-Length and Transfer-Encoding");
    std::vector<std::string_view> codings;
    for (auto it = h.find(http::field::transfer_encoding);
         it != h.end() && it->name() == http::field::transfer_encoding; ++it) {
      std::string_view v = view(it->value());
      size_t start = 0;
      while (start <= v.size()) {
        size_t comma = v.find(',', start);
        if (comma == std::string_view::npos) comma = v.size();
        std::string_view coding = trim(v.substr(start, comma - start));
        if (coding.empty()) return bad("an empty transfer coding");
        codings.push_back(coding);
        start = comma + 1;
      }
    }
    for (size_t i = 0; i < codings.size(); ++i) {
      bool chunked = iequals(codings[i], "chunked");
      if (!chunked)
        return HeadError{501, "not_implemented", "only the chunked transfer coding is served"};
      if (i + 1 != codings.size()) return bad("chunked is not the last transfer coding");
    }
  }
  std::string_view target = view(h.target());
  if (target.front() != '/' && !starts_with_nocase(target, "http://") &&
      !starts_with_nocase(target, "https://"))
    return bad("the request target must be a path (origin-form) or an absolute URI");
  return std::nullopt;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool percent_decode(std::string_view in, bool plus_is_space, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      int hi = hex_digit(in[i + 1]), lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else if (in[i] == '+' && plus_is_space) {
      *out += ' ';
    } else {
      *out += in[i];
    }
  }
  return true;
}

// Length of the UTF-8 sequence at s[i], 0 if it is not a valid one.
size_t utf8_sequence(std::string_view s, size_t i) {
  unsigned char c = s[i];
  size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
  if (len == 0 || i + len > s.size()) return 0;
  uint32_t cp = len == 1 ? c : c & (0x7f >> len);
  for (size_t k = 1; k < len; ++k) {
    unsigned char cc = s[i + k];
    if ((cc >> 6) != 2) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
      cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return len;
}

}  // namespace

bool is_method_char(unsigned char c) { return is_tchar(c); }

size_t head_length(std::string_view bytes) {
  size_t end = bytes.find("\r\n\r\n");
  return end == std::string_view::npos ? 0 : end + 4;
}

std::optional<HeadError> read_request_head(std::string_view head, RequestParser& parser) {
  if (auto error = check_raw_head(head)) return error;
  boost::beast::error_code ec;
  size_t used = parser.put(boost::asio::buffer(head.data(), head.size()), ec);
  if (ec == http::error::header_limit)
    return HeadError{431, "header_too_large", "the request header block is too large"};
  if (ec == http::error::body_limit)
    return HeadError{413, "payload_too_large", "the body exceeds the limit"};
  if (ec) return bad("malformed HTTP request: " + ec.message());
  if (used != head.size() || !parser.is_header_done())
    return bad("malformed HTTP request: the head does not end where expected");
  return check_parsed_head(parser.get());
}

bool decode_target(std::string_view target, RequestTarget* out, std::string* why) {
  out->path.clear();
  out->query.clear();
  if (starts_with_nocase(target, "http://") || starts_with_nocase(target, "https://")) {
    size_t authority = target.find("//") + 2;
    size_t path = target.find_first_of("/?", authority);
    target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    if (target.front() == '?') {
      *why = "an absolute URI without a path";
      return false;
    }
  }
  if (target.empty() || target.front() != '/') {
    *why = "the request target is not a path";
    return false;
  }
  if (target.find('#') != std::string_view::npos) {
    *why = "the request target has a fragment";
    return false;
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  for (size_t i = 0; i + 2 < raw_path.size(); ++i)
    if (raw_path[i] == '%' && raw_path[i + 1] == '2' && (raw_path[i + 2] | 0x20) == 'f') {
      *why = "the path has an encoded \"/\" (%2F)";
      return false;
    }
  if (!percent_decode(raw_path, false, &out->path)) {
    *why = "the path has a malformed percent-escape";
    return false;
  }
  for (unsigned char c : out->path)
    if (c < 0x20 || c == 0x7f) {
      *why = "the path decodes to a control character";
      return false;
    }
  if (!is_valid_utf8(out->path)) {
    *why = "the path does not decode to valid UTF-8";
    return false;
  }
  if (q == std::string_view::npos) return true;
  std::string_view rest = target.substr(q + 1);
  size_t start = 0;
  while (start <= rest.size()) {
    size_t amp = rest.find('&', start);
    if (amp == std::string_view::npos) amp = rest.size();
    std::string_view pair = rest.substr(start, amp - start);
    start = amp + 1;
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), true, &key) ||
        (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, &value))) {
      *why = "the query has a malformed percent-escape";
      return false;
    }
    if (!is_valid_utf8(key) || !is_valid_utf8(value) || key.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      *why = "the query does not decode to valid UTF-8 text";
      return false;
    }
    out->query[key] = std::move(value);
  }
  return true;
}

bool is_valid_utf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence(s, i);
    if (len == 0) return false;
    i += len;
  }
  return true;
}

std::string utf8_or_replaced(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) {
    size_t len = utf8_sequence(s, i);
    if (len == 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    } else {
      out.append(s.substr(i, len));
      i += len;
    }
  }
  return out;
}

}  // namespace expertmatch::api
