// Minimal flag parsing for the expertmatch subcommands: "--name value" and
// "--flag" forms; unknown flags are errors, reported with the command's usage.
#pragma once

#include <cstdio>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace expertmatch::cli {

class Args {
 public:
  // `with_value`: flags that take a value; `switches`: flags that do not.
  Args(const std::vector<std::string>& argv, const std::set<std::string>& with_value,
       const std::set<std::string>& switches) {
    for (size_t i = 0; i < argv.size(); ++i) {
      const std::string& a = argv[i];
      if (with_value.count(a)) {
        if (i + 1 >= argv.size()) {
          error_ = a + " needs a value";
          return;
        }
        values_[a] = argv[++i];
      } else if (switches.count(a)) {
        switches_.insert(a);
      } else {
        error_ = "unknown argument \"" + a + "\"";
        return;
      }
    }
  }
  const std::string& error() const { return error_; }
  std::optional<std::string> get(const std::string& flag) const {
    auto it = values_.find(flag);
    if (it == values_.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& flag) const { return switches_.count(flag) > 0; }

 private:
  std::map<std::string, std::string> values_;
  std::set<std::string> switches_;
  std::string error_;
};

// A command's usage on stderr, after the flag error if there was one
// ("expertmatch COMMAND: ERROR"); returns the exit code: 0 for --help, else
// 2 (a usage error).
inline int show_usage(const char* command, const char* text, const Args& args) {
  if (!args.error().empty())
    std::fprintf(stderr, "expertmatch %s: %s\n", command, args.error().c_str());
  std::fputs(text, stderr);
  return args.has("--help") ? 0 : 2;
}

// Parses a positive int flag value, or returns false.
inline bool parse_int(const std::string& s, int* out) {
  try {
    size_t pos = 0;
    int v = std::stoi(s, &pos);
    if (pos != s.size()) return false;
    *out = v;
    return true;
  } catch (...) {
    return false;
  }
}

// Parses a record id (a plan's: up to 2^53, corpus/store.h new_record_id), or returns false.
inline bool parse_id(const std::string& s, long long* out) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789") != std::string::npos)
    return false;
  *out = std::stoll(s);
  return true;
}

}  // namespace expertmatch::cli
