// The one strict reading of an HTTP/1.1 request head (RFC 9112), shared by the
// server (api/http_server.cpp), the router (api/routes.cpp) and the fuzz
// target (fuzz/http_request_fuzz.cpp), so routing, limits and handlers all see
// the same request.
//
// Beast's parser (Boost 1.74) does the tokenising and most framing checks
// (invalid or differing Content-Length, bad chunk sizes, Transfer-Encoding
// after Content-Length). It has no strictness setting and lets through what
// RFC 9112 tells a server to reject, some of it fixed only in later Beast
// releases (boostorg/beast#3096, #3098, #3100): obs-fold (it unfolds), a
// Transfer-Encoding before a Content-Length or not ending in chunked, chunked
// on HTTP/1.0, a missing or repeated Host. The checks here close those gaps;
// a request failing any of them is answered with an error and the connection
// closed, since the rest of the stream cannot be trusted.
//
// Thread safety: free functions without shared state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

// is_valid_utf8 (the paths and queries decode_target accepts) and
// utf8_or_replaced (any text into a JSON error body).
#include "corpus/utf8.h"

#include "i18n/messages.h"

namespace expertmatch::api {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

// Why a request head was refused: the HTTP status (400, 431, 501, 505), the
// error code of the JSON envelope and a catalogue message (http.*; echoes
// nothing the client sent).
struct HeadError {
  int status = 400;
  std::string code = "bad_request";
  i18n::Message message;
};

// A parse error of Beast's HTTP parser as a message for people: what was
// wrong (Content-Length, Transfer-Encoding, a chunk, the version ...), in the
// catalogue's words (http.malformed with an http.why.* part); an error it
// does not name keeps the parser's English words. Attack trial 21: the
// Chinese answer to 14 kinds of bad framing was only "HTTP 请求格式有误".
i18n::Message malformed_request(const boost::system::error_code& ec);

// Length of the head at the start of `bytes` (request-line, fields and the
// empty line, CRLF included), or 0 if `bytes` does not hold a whole head yet.
size_t head_length(std::string_view bytes);

// Reads one head: `head` is exactly head_length() bytes. Checks the raw bytes
// (CRLF line ends only, no obs-fold, no whitespace before a field's colon, no
// control characters in the request-line or field values), lets `parser`
// (fresh, its limits set by the caller) parse it, then checks framing and Host:
//   400  malformed line or field, Content-Length with Transfer-Encoding,
//        more than one Authorization field (which credential counts?),
//        Transfer-Encoding on HTTP/1.0 or not ending in chunked, HTTP/1.1 without
//        exactly one Host, more than one Host, a Host value that is not
//        host[:port] (RFC 9112 3.2; a comma-separated list counts as more than
//        one), a request-target that is not origin- or absolute-form
//   413  a Content-Length over the parser's body limit
//   431  the parser's header limit
//   501  a transfer coding other than chunked (RFC 9112 6.1)
//   505  an HTTP major version other than 1
// On success the parser has consumed the whole head (is_header_done()).
std::optional<HeadError> read_request_head(std::string_view head, RequestParser& parser);

// A request-target decoded for routing: origin-form "/path?query", or
// absolute-form "http://host/path?query" (RFC 9112 3.2.2: a server must accept
// it; the authority is ignored). Percent-escapes are decoded once; the path
// may not contain an encoded "/" (%2F), NUL or other control characters, and
// both path and query must decode to valid UTF-8. "+" in the query is a space.
// A query key given twice (?limit=1&limit=500) is refused, since readers
// would disagree on which one counts; `repeated` (if given) then names it.
// False (with `why`) if refused.
struct RequestTarget {
  std::string path;
  std::map<std::string, std::string> query;
};
bool decode_target(std::string_view target, RequestTarget* out, i18n::Message* why,
                   std::string* repeated = nullptr);

// A Content-Type value (RFC 9110 8.3.1): type "/" subtype, then
// parameters `; name=value` (token or quoted-string). `type` is
// "type/subtype" lower-cased; parameter names are lower-cased, values
// unquoted and as sent. False if the value does not have that form, or
// names a parameter twice.
struct MediaType {
  std::string type;
  std::map<std::string, std::string> parameters;
};
bool parse_media_type(std::string_view value, MediaType* out);

// For a JSON or JSON Lines body: JSON exchanged between systems is UTF-8
// (RFC 8259 8.1), so a charset parameter other than utf-8 (any case) is
// refused with this message (415); none is fine.
std::optional<i18n::Message> check_json_charset(const MediaType& type);

// The value of the first field `name` (case-insensitive) among the complete
// lines of `head` (raw bytes, possibly a head not yet whole or refused), ""
// if none: how an answer to a request that could not be read still finds
// its Accept-Language.
std::string raw_field_value(std::string_view head, std::string_view name);

// True if `c` may appear in a method (RFC 9110 5.6.2 tchar).
bool is_method_char(unsigned char c);

// `s` without the optional white space (spaces and tabs, RFC 9110 5.6.3)
// around it. A view into `s`.
std::string_view trim_ows(std::string_view s);

// The elements of `list` between each `separator`, left to right, empty ones
// included ("a,,b" is three, "" is one empty element), not trimmed: the
// lists of header fields (RFC 9110 5.6.1), parameters and query strings.
// Views into `list`.
std::vector<std::string_view> split_list(std::string_view list, char separator);

}  // namespace expertmatch::api
