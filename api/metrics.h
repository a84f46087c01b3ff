// Metrics: request counters and a latency histogram, rendered in the
// Prometheus text exposition format (version 0.0.4).
//
// Thread safety: all methods may be called concurrently.
#pragma once

#include <array>
#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace expertmatch::api {

// Figures that are read, not counted, at render time.
struct Gauges {
  size_t experts = 0;
  size_t problems = 0;
  size_t open_problems = 0;
  size_t index_units = 0;
  size_t index_vectors = 0;
  size_t reviews = 0;
  bool index_ready = false;
  // What the one Matcher derived since the index was built or loaded
  // (Matcher::CacheCounts): per-expert aggregates and expert texts analysed
  // for explanations. A write adds those of the changed expert only.
  uint64_t matcher_aggregates = 0;
  uint64_t matcher_units_analysed = 0;
};

// The label of a request method from a closed set: the RFC 9110 methods
// as they are, anything else "other". Used wherever a method is recorded
// (the metrics' series, the access log), so a client sending made-up or
// 15,000-byte methods grows neither memory nor log lines.
const char* method_label(std::string_view method);

class Metrics {
 public:
  // One finished request: its route template (or "unmatched"), method, status
  // and duration in seconds. Methods outside the standard ones are counted
  // as "other", so the label values are a closed set.
  void observe(const std::string& route, const std::string& method, int status, double seconds);
  void connection_opened() {
    ++open_connections_;
    ++accepted_connections_;
  }
  void connection_closed() { --open_connections_; }
  // A connection that stopped counting (chosen to make room) counts again.
  void connection_recounted() { ++open_connections_; }
  void connection_rejected() { ++rejected_connections_; }
  long open_connections() const { return open_connections_; }
  // Bytes of answers held in memory because their sockets have not yet
  // taken all of them (each answer counts whole until its last byte is
  // taken: HttpServer's unsent_budget_bytes). try_add_unsent adds `n` only
  // if the total stays within `budget` (false: nothing added).
  bool try_add_unsent(size_t n, size_t budget);
  void remove_unsent(size_t n) { unsent_bytes_ -= static_cast<long long>(n); }
  long long unsent_bytes() const { return unsent_bytes_; }
  // The most unsent_bytes() has been since start.
  long long unsent_bytes_peak() const { return unsent_peak_; }
  // A connection cut because its unsent answer was needed for another's.
  void answer_cut() { ++answers_cut_; }

  std::string render(const Gauges& gauges) const;

  // Upper bounds of the latency buckets, in seconds (+Inf is implicit).
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1.0,  2.5,   10.0};

 private:
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, long long> requests_;
  std::map<std::string, std::array<long long, kBuckets.size() + 1>> buckets_;  // by route
  std::map<std::string, std::pair<double, long long>> sums_;                   // by route
  std::atomic<long> open_connections_{0};
  std::atomic<long long> accepted_connections_{0};
  std::atomic<long long> rejected_connections_{0};
  std::atomic<long long> unsent_bytes_{0};
  std::atomic<long long> unsent_peak_{0};
  std::atomic<long long> answers_cut_{0};
};

}  // namespace expertmatch::api
