// The pages: GET / (index.html) and GET /web/PATH, files under the web root
// (ServerConfig::web_root, resolved at start). No directory listing, nothing
// outside the root: the path is checked segment by segment after percent-
// decoding (so %2e%2e is "..") and the file's real path must lie under the
// root's (so a symbolic link cannot lead out either).
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "api/handlers/common.h"
#include "api/handlers/handlers.h"

namespace expertmatch::api::handlers {
namespace {

constexpr off_t kMaxFileBytes = 32 << 20;

const char* content_type_for(const std::string& path) {
  static const std::pair<const char*, const char*> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".json", "application/json"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".woff", "font/woff"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
  };
  size_t dot = path.rfind('.');
  if (dot != std::string::npos && path.find('/', dot) == std::string::npos) {
    std::string ext = path.substr(dot);
    for (auto& ch : ext) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    for (const auto& [e, type] : kTypes)
      if (ext == e) return type;
  }
  return "application/octet-stream";
}

// Every segment a plain name: no "", ".", "..", NUL or backslash.
bool safe_relative_path(const std::string& rel) {
  if (rel.empty()) return false;
  size_t start = 0;
  while (start <= rel.size()) {
    size_t slash = rel.find('/', start);
    if (slash == std::string::npos) slash = rel.size();
    std::string seg = rel.substr(start, slash - start);
    if (seg.empty() || seg == "." || seg == ".." || seg.find('\0') != std::string::npos ||
        seg.find('\\') != std::string::npos)
      return false;
    start = slash + 1;
  }
  return true;
}

std::string real_path(const std::string& path) {
  char buf[PATH_MAX];
  return ::realpath(path.c_str(), buf) ? std::string(buf) : std::string();
}

ApiResponse not_found(const std::string& path) {
  return error_response(404, "not_found", {"request.no_route", {{"path", path}}});
}

// The file `rel` of the web root, or a 404.
ApiResponse serve_file(const Call& c, const std::string& rel) {
  if (!safe_relative_path(rel)) return not_found(c.path);
  std::string root = real_path(c.context.config.web_root);
  std::string file = real_path(c.context.config.web_root + "/" + rel);
  if (root.empty() || file.empty() || file.compare(0, root.size() + 1, root + "/") != 0)
    return not_found(c.path);
  struct stat st;
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileBytes)
    return not_found(c.path);
  std::ifstream in(file, std::ios::binary);
  std::ostringstream body;
  body << in.rdbuf();
  if (!in && !in.eof()) return from_status(Status(ErrorCode::kIOError, file + ": read failed"));
  ApiResponse r;
  r.content_type = content_type_for(file);
  r.body = body.str();
  // No build step, so no fingerprinted names: browsers revalidate every time.
  r.headers.emplace_back("Cache-Control", "no-cache");
  r.headers.emplace_back("Content-Security-Policy",
                         "default-src 'self'; frame-ancestors 'none'; base-uri 'self'; "
                         "form-action 'self'; object-src 'none'");
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  return r;
}

}  // namespace

ApiResponse static_file(const Call& c) {
  return serve_file(c, c.params.empty() ? "index.html" : c.params[0]);
}

// Browsers ask for /favicon.ico whatever the page links: our icon
// (scripts/make-favicon.py), not a 404 in every log.
ApiResponse favicon(const Call& c) { return serve_file(c, "favicon.ico"); }

}  // namespace expertmatch::api::handlers
