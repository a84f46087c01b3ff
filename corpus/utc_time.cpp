#include "corpus/utc_time.h"

namespace expertmatch {
namespace {

std::string utc_format(std::time_t t, const char* format) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, format, &tm);
  return buf;
}

}  // namespace

std::string utc_timestamp(std::time_t t) { return utc_format(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string utc_now() { return utc_timestamp(std::time(nullptr)); }

std::string today_utc() { return utc_format(std::time(nullptr), "%Y-%m-%d"); }

}  // namespace expertmatch
