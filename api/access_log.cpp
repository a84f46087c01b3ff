#include "api/access_log.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace expertmatch::api {

AccessLog::~AccessLog() {
  if (owned_ && out_) std::fclose(out_);
}

Status AccessLog::open(const std::string& where, size_t max_bytes) {
  if (where.empty()) return Status::ok();
  if (where == "-") {
    out_ = stderr;
    return Status::ok();
  }
  out_ = std::fopen(where.c_str(), "a");
  if (!out_)
    return Status(ErrorCode::kIOError, "access_log: " + where + ": " + std::strerror(errno));
  owned_ = true;
  path_ = where;
  max_bytes_ = max_bytes;
  long at = std::ftell(out_);
  size_ = at > 0 ? static_cast<size_t>(at) : 0;
  return Status::ok();
}

void AccessLog::write(const std::string& who, const std::string& method, const std::string& route,
                      int status, double seconds, bool sent) {
  if (!out_) return;
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  int ms = static_cast<int>(
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[40];
  size_t n = std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(stamp + n, sizeof stamp - n, ".%03dZ", ms);
  // RapidJSON escapes whatever a scope or method holds: one record, one line.
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  w.StartObject();
  w.Key("time");
  w.String(stamp);
  w.Key("who");
  w.String(who.c_str(), static_cast<rapidjson::SizeType>(who.size()));
  w.Key("method");
  w.String(method.c_str(), static_cast<rapidjson::SizeType>(method.size()));
  w.Key("route");
  w.String(route.c_str(), static_cast<rapidjson::SizeType>(route.size()));
  w.Key("status");
  w.Int(status);
  w.Key("ms");
  w.Double(static_cast<long long>(seconds * 1e6) / 1e3);
  if (!sent) {
    w.Key("sent");
    w.Bool(false);
  }
  w.EndObject();
  std::lock_guard lock(mu_);
  if (!out_) return;  // a rotation failed to reopen: logging stopped (reported then)
  std::fprintf(out_, "%s\n", buf.GetString());
  std::fflush(out_);
  size_ += buf.GetSize() + 1;
  if (owned_ && max_bytes_ > 0 && size_ > max_bytes_) rotate();
}

void AccessLog::rotate() {
  std::fclose(out_);
  std::string previous = path_ + ".1";
  if (std::rename(path_.c_str(), previous.c_str()) != 0)
    std::fprintf(stderr, "expertmatch serve: access_log: cannot rename %s to %s: %s\n",
                 path_.c_str(), previous.c_str(), std::strerror(errno));
  out_ = std::fopen(path_.c_str(), "a");
  if (!out_) {
    std::fprintf(stderr, "expertmatch serve: access_log: %s: %s; access logging stopped\n",
                 path_.c_str(), std::strerror(errno));
    owned_ = false;
    return;
  }
  long at = std::ftell(out_);
  size_ = at > 0 ? static_cast<size_t>(at) : 0;
}

}  // namespace expertmatch::api
