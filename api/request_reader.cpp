#include "api/request_reader.h"

#include <cctype>
#include <vector>

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/string.hpp>

namespace expertmatch::api {

namespace http = boost::beast::http;

namespace {

HeadError bad(i18n::Message message) { return HeadError{400, "bad_request", std::move(message)}; }

}  // namespace

i18n::Message malformed_request(const boost::system::error_code& ec) {
  static const std::map<http::error, const char*> kWhy = {
      {http::error::bad_line_ending, "http.why.line_ending"},
      {http::error::bad_method, "http.why.method"},
      {http::error::bad_target, "http.why.target"},
      {http::error::bad_version, "http.why.version"},
      {http::error::bad_field, "http.why.field"},
      {http::error::bad_value, "http.why.value"},
      {http::error::bad_content_length, "http.why.content_length"},
      {http::error::bad_transfer_encoding, "http.why.transfer_encoding"},
      {http::error::bad_chunk, "http.why.chunk"},
      {http::error::bad_chunk_extension, "http.why.chunk_extension"},
      {http::error::bad_obs_fold, "http.why.obs_fold"},
  };
  if (ec.category() == boost::system::error_code(http::error::bad_chunk).category())
    if (auto it = kWhy.find(static_cast<http::error>(ec.value())); it != kWhy.end())
      return i18n::Message("http.malformed").with("why", i18n::Message(it->second));
  return i18n::Message("http.malformed")
      .with("why", i18n::Message("http.why.other", {{"detail", ec.message()}}));
}

namespace {

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
    return bad("http.request_line");
  std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                   version = line.substr(sp2 + 1);
  if (method.empty()) return bad("http.no_method");
  for (unsigned char c : method)
    if (!is_tchar(c)) return bad("http.method_char");
  if (target.empty()) return bad("http.no_target");
  for (unsigned char c : target) {
    // Raw UTF-8 (a Chinese word typed into a query by hand, curl without
    // --data-urlencode) is the common case: said so, with the remedy.
    if (c >= 0x80) return bad("http.target_not_ascii");
    if (c <= 0x20 || c == 0x7f) return bad("http.target_byte");
  }
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' ||
      version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
    return bad("http.version_format");
  if (version[5] != '1') return HeadError{505, "http_version_not_supported", "http.version"};
  return std::nullopt;
}

std::optional<HeadError> check_field_line(std::string_view line) {
  if (line.front() == ' ' || line.front() == '\t') return bad("http.obs_fold");
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return bad("http.no_colon");
  if (colon == 0) return bad("http.empty_name");
  for (size_t i = 0; i < colon; ++i) {
    unsigned char c = line[i];
    if (c == ' ' || c == '\t') return bad("http.space_before_colon");
    if (!is_tchar(c)) return bad("http.name_char");
  }
  for (size_t i = colon + 1; i < line.size(); ++i) {
    unsigned char c = line[i];
    if ((c < 0x20 && c != '\t') || c == 0x7f) return bad("http.value_control");
  }
  return std::nullopt;
}

// Every line ends in CRLF: a CR or LF anywhere else is refused (RFC 9112 2.2).
std::optional<HeadError> check_raw_head(std::string_view head) {
  size_t start = 0;
  bool first = true;
  while (start < head.size()) {
    size_t crlf = head.find("\r\n", start);
    if (crlf == std::string_view::npos) return bad("http.no_crlf");
    std::string_view line = head.substr(start, crlf - start);
    start = crlf + 2;
    if (line.find('\r') != std::string_view::npos || line.find('\n') != std::string_view::npos)
      return bad("http.bare_cr_lf");
    if (line.empty()) {
      if (start != head.size() || first) return bad("http.empty_line");
      break;
    }
    auto error = first ? check_request_line(line) : check_field_line(line);
    if (error) return error;
    first = false;
  }
  return std::nullopt;
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

bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_alnum(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// Host = uri-host [ ":" port ] (RFC 9110 7.2, RFC 3986 3.2.2): an
// IP-literal in brackets, or a reg-name (which also covers IPv4 addresses),
// possibly empty. A comma, although a sub-delim of reg-name, is refused: it
// is how intermediaries join repeated fields ("a, b"), so a Host holding one
// may be two Hosts. Percent-encoding is checked for form only.
std::optional<HeadError> check_host(std::string_view host) {
  host = trim_ows(host);
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    if (close == std::string_view::npos) return bad("http.bad_host");
    for (unsigned char c : host.substr(1, close - 1))
      if (!is_alnum(c) && c != ':' && c != '.' && c != '-' && c != '_' && c != '~' && c != '!' &&
          c != '$' && c != '&' && c != '\'' && c != '(' && c != ')' && c != '*' && c != '+' &&
          c != ';' && c != '=')
        return bad("http.bad_host");
    if (close == 1) return bad("http.bad_host");
    name = {};
    host.remove_prefix(close + 1);
    if (!host.empty() && host.front() != ':') return bad("http.bad_host");
  } else {
    size_t colon = host.find(':');
    name = host.substr(0, colon);
    host = colon == std::string_view::npos ? std::string_view() : host.substr(colon);
  }
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = name[i];
    if (c == ',') return bad("http.many_hosts");
    if (c == '%') {
      if (i + 2 >= name.size() || !std::isxdigit(static_cast<unsigned char>(name[i + 1])) ||
          !std::isxdigit(static_cast<unsigned char>(name[i + 2])))
        return bad("http.bad_host");
      i += 2;
      continue;
    }
    bool ok = is_alnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '!' || c == '$' ||
              c == '&' || c == '\'' || c == '(' || c == ')' || c == '*' || c == '+' || c == ';' ||
              c == '=';
    if (!ok) return bad("http.bad_host");
  }
  if (!host.empty()) {  // ":" port, the port all digits (possibly none)
    for (unsigned char c : host.substr(1))
      if (!is_digit(c)) return bad("http.bad_host");
  }
  return std::nullopt;
}

std::optional<HeadError> check_parsed_head(const http::request_header<>& h) {
  if (h.version() / 10 != 1) return HeadError{505, "http_version_not_supported", "http.version"};
  size_t hosts = h.count(http::field::host);
  if (hosts > 1) return bad("http.many_hosts");
  if (h.version() == 11 && hosts == 0) return bad("http.no_host");
  if (hosts == 1)
    if (auto error = check_host(view(h[http::field::host]))) return error;
  // RFC 9110 11.6.2 allows one credential; two could be read differently by
  // a proxy and by us.
  if (h.count(http::field::authorization) > 1) return bad("request.authorization_repeated");
  // Fields that carry one value (RFC 9110 5.3): a second one could be read
  // differently by a proxy (first wins) and by us, so neither is chosen.
  for (std::string_view name : {"Content-Type", "Cookie", "Origin", "X-CSRF-Token"})
    if (h.count(boost::beast::string_view(name.data(), name.size())) > 1)
      return bad(i18n::Message("request.header_repeated", {{"name", std::string(name)}}));
  if (h.count(http::field::transfer_encoding) > 0) {
    if (h.version() < 11) return bad("http.te_http10");
    if (h.count(http::field::content_length) > 0) return bad("http.cl_and_te");
    std::vector<std::string_view> codings;
    for (auto it = h.find(http::field::transfer_encoding);
         it != h.end() && it->name() == http::field::transfer_encoding; ++it) {
      for (std::string_view element : split_list(view(it->value()), ',')) {
        std::string_view coding = trim_ows(element);
        if (coding.empty()) return bad("http.empty_coding");
        codings.push_back(coding);
      }
    }
    for (size_t i = 0; i < codings.size(); ++i) {
      bool chunked = iequals(codings[i], "chunked");
      if (!chunked) return HeadError{501, "not_implemented", "http.only_chunked"};
      if (i + 1 != codings.size()) return bad("http.chunked_last");
    }
  }
  std::string_view target = view(h.target());
  if (target.front() != '/' && !starts_with_nocase(target, "http://") &&
      !starts_with_nocase(target, "https://"))
    return bad("http.target_form");
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

}  // namespace

std::string_view trim_ows(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::vector<std::string_view> split_list(std::string_view list, char separator) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t end = list.find(separator, start);
    if (end == std::string_view::npos) {
      out.push_back(list.substr(start));
      return out;
    }
    out.push_back(list.substr(start, end - start));
    start = end + 1;
  }
}

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
    return HeadError{431, "header_too_large", "http.header_too_large"};
  if (ec == http::error::body_limit)
    return HeadError{413, "payload_too_large", "http.body_too_large"};
  if (ec) return bad(malformed_request(ec));
  if (used != head.size() || !parser.is_header_done()) return bad("http.head_end");
  return check_parsed_head(parser.get());
}

bool decode_target(std::string_view target, RequestTarget* out, i18n::Message* why,
                   std::string* repeated) {
  out->path.clear();
  out->query.clear();
  if (starts_with_nocase(target, "http://") || starts_with_nocase(target, "https://")) {
    size_t authority = target.find("//") + 2;
    size_t path = target.find_first_of("/?", authority);
    target = path == std::string_view::npos ? std::string_view("/") : target.substr(path);
    if (target.front() == '?') {
      *why = "http.uri_no_path";
      return false;
    }
  }
  if (target.empty() || target.front() != '/') {
    *why = "request.bad_target";
    return false;
  }
  if (target.find('#') != std::string_view::npos) {
    *why = "http.fragment";
    return false;
  }
  size_t q = target.find('?');
  std::string_view raw_path = target.substr(0, q);
  for (size_t i = 0; i + 2 < raw_path.size(); ++i)
    if (raw_path[i] == '%' && raw_path[i + 1] == '2' && (raw_path[i + 2] | 0x20) == 'f') {
      *why = "http.encoded_slash";
      return false;
    }
  if (!percent_decode(raw_path, false, &out->path)) {
    *why = "http.path_escape";
    return false;
  }
  for (unsigned char c : out->path)
    if (c < 0x20 || c == 0x7f) {
      *why = "http.path_control";
      return false;
    }
  if (!is_valid_utf8(out->path)) {
    *why = "http.path_utf8";
    return false;
  }
  if (q == std::string_view::npos) return true;
  for (std::string_view pair : split_list(target.substr(q + 1), '&')) {
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    std::string key, value;
    if (!percent_decode(pair.substr(0, eq), true, &key) ||
        (eq != std::string_view::npos && !percent_decode(pair.substr(eq + 1), true, &value))) {
      *why = "http.query_escape";
      return false;
    }
    if (!is_valid_utf8(key) || !is_valid_utf8(value) || key.find('\0') != std::string::npos ||
        value.find('\0') != std::string::npos) {
      *why = "http.query_utf8";
      return false;
    }
    if (out->query.count(key)) {
      *why = i18n::Message("request.query_repeated", {{"name", key}});
      if (repeated) *repeated = key;
      return false;
    }
    out->query[key] = std::move(value);
  }
  return true;
}

bool parse_media_type(std::string_view value, MediaType* out) {
  out->type.clear();
  out->parameters.clear();
  auto lower = [](std::string_view in) {
    std::string s(in);
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  auto token_end = [&](size_t from) {
    while (from < value.size() && is_tchar(static_cast<unsigned char>(value[from]))) ++from;
    return from;
  };
  value = trim_ows(value);
  size_t slash = token_end(0);
  if (slash == 0 || slash >= value.size() || value[slash] != '/') return false;
  size_t end = token_end(slash + 1);
  if (end == slash + 1) return false;
  out->type = lower(value.substr(0, end));
  size_t i = end;
  for (;;) {
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (i == value.size()) return true;
    if (value[i] != ';') return false;
    ++i;
    while (i < value.size() && (value[i] == ' ' || value[i] == '\t')) ++i;
    if (i == value.size()) return true;  // a trailing ";" (RFC 9110 allows empty parameters)
    if (value[i] == ';') continue;
    size_t name_end = token_end(i);
    if (name_end == i || name_end >= value.size() || value[name_end] != '=') return false;
    std::string name = lower(value.substr(i, name_end - i));
    i = name_end + 1;
    std::string v;
    if (i < value.size() && value[i] == '"') {  // quoted-string (RFC 9110 5.6.4)
      ++i;
      bool closed = false;
      while (i < value.size()) {
        unsigned char c = value[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\') {
          if (i == value.size()) return false;
          c = value[i++];
        }
        if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
        v += static_cast<char>(c);
      }
      if (!closed) return false;
    } else {
      size_t v_end = token_end(i);
      if (v_end == i) return false;
      v = std::string(value.substr(i, v_end - i));
      i = v_end;
    }
    // A parameter named twice (charset=utf-8;charset=latin1): which one counts?
    if (!out->parameters.emplace(std::move(name), std::move(v)).second) return false;
  }
}

std::optional<i18n::Message> check_json_charset(const MediaType& type) {
  auto it = type.parameters.find("charset");
  if (it == type.parameters.end()) return std::nullopt;
  std::string charset = it->second;
  for (auto& c : charset) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (charset == "utf-8" || charset == "utf8") return std::nullopt;
  return i18n::Message("request.charset_not_utf8", {{"charset", utf8_or_replaced(it->second)}});
}

std::string raw_field_value(std::string_view head, std::string_view name) {
  size_t start = head.find('\n');  // the request-line is not a field
  while (start != std::string_view::npos && start + 1 < head.size()) {
    size_t end = head.find('\n', start + 1);
    if (end == std::string_view::npos) break;  // an incomplete last line
    std::string_view line = head.substr(start + 1, end - start - 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t colon = line.find(':');
    if (colon == name.size() && starts_with_nocase(line, name)) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value.front() == ' ' || value.front() == '\t'))
        value.remove_prefix(1);
      while (!value.empty() && (value.back() == ' ' || value.back() == '\t'))
        value.remove_suffix(1);
      return std::string(value);
    }
    start = end;
  }
  return "";
}

}  // namespace expertmatch::api
