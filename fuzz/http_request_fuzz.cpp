// libFuzzer target: bytes as they arrive on a connection, read the way the
// server reads them (api/http_server.cpp): empty lines skipped, the head
// found and read strictly by read_request_head() (raw checks, Beast's parser,
// framing and Host rules), the body fed to the same parser, the target
// decoded by decode_target() as the router does, the Content-Type parsed by
// parse_media_type() as the JSON handlers do. Besides the sanitizers'
// findings it checks the readers' promises: refusals carry a status the
// server sends, a decoded path is valid UTF-8 starting with "/", and
// utf8_or_replaced() always returns valid UTF-8.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <boost/asio/buffer.hpp>

#include "api/request_reader.h"
#include "corpus/utf8.h"

using namespace expertmatch::api;
using expertmatch::is_valid_utf8;
using expertmatch::utf8_or_replaced;

namespace {

void require(bool ok) {
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  require(is_valid_utf8(utf8_or_replaced(bytes)));
  while (bytes.substr(0, 2) == "\r\n") bytes.remove_prefix(2);
  size_t n = head_length(bytes);
  if (n == 0) return 0;
  RequestParser parser;
  parser.header_limit(static_cast<std::uint32_t>(n + 1));
  parser.body_limit(64 * 1024);
  if (auto error = read_request_head(bytes.substr(0, n), parser)) {
    int s = error->status;
    require(s == 400 || s == 413 || s == 431 || s == 501 || s == 505);
    require(!error->message.empty() && !error->code.empty());
    return 0;
  }
  require(parser.is_header_done());
  std::string_view rest = bytes.substr(n);
  boost::beast::error_code ec;
  while (!parser.is_done() && !rest.empty()) {
    size_t used = parser.put(boost::asio::buffer(rest.data(), rest.size()), ec);
    if (ec || used == 0) break;
    rest.remove_prefix(used);
  }
  auto target = parser.get().target();
  RequestTarget decoded;
  expertmatch::i18n::Message why;
  if (decode_target(std::string_view(target.data(), target.size()), &decoded, &why)) {
    require(!decoded.path.empty() && decoded.path[0] == '/');
    require(is_valid_utf8(decoded.path));
    for (const auto& [key, value] : decoded.query)
      require(is_valid_utf8(key) && is_valid_utf8(value));
  } else {
    require(!why.empty());
  }
  // The Content-Type as the JSON handlers read it.
  auto content_type = parser.get()[boost::beast::http::field::content_type];
  MediaType media;
  if (parse_media_type(std::string_view(content_type.data(), content_type.size()), &media)) {
    require(media.type.find('/') != std::string::npos);
    if (auto refused = check_json_charset(media)) require(!refused->empty());
  }
  return 0;
}
