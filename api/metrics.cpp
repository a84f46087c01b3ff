#include "api/metrics.h"

#include <cstdio>

namespace expertmatch::api {
namespace {

// Label values escape backslash, quote and newline.
std::string label(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

const char* method_label(std::string_view method) {
  static const char* const kKnown[] = {"GET",     "HEAD",    "POST",  "PUT",  "DELETE",
                                       "CONNECT", "OPTIONS", "TRACE", "PATCH"};
  for (const char* known : kKnown)
    if (method == known) return known;
  return "other";
}

bool Metrics::try_add_unsent(size_t n, size_t budget) {
  const auto add = static_cast<long long>(n);
  long long now = unsent_bytes_.load();
  do {
    if (now + add > static_cast<long long>(budget)) return false;
  } while (!unsent_bytes_.compare_exchange_weak(now, now + add));
  long long peak = unsent_peak_.load();
  while (now + add > peak && !unsent_peak_.compare_exchange_weak(peak, now + add)) {
  }
  return true;
}

void Metrics::observe(const std::string& route, const std::string& method, int status,
                      double seconds) {
  std::lock_guard lock(mu_);
  ++requests_[{route, method_label(method), status}];
  auto& b = buckets_[route];
  size_t i = 0;
  while (i < kBuckets.size() && seconds > kBuckets[i]) ++i;
  ++b[i];
  auto& s = sums_[route];
  s.first += seconds;
  ++s.second;
}

std::string Metrics::render(const Gauges& g) const {
  std::string out;
  out +=
      "# HELP expertmatch_http_requests_total HTTP requests answered, by route template, method "
      "and status.\n# TYPE expertmatch_http_requests_total counter\n";
  std::lock_guard lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, status] = key;
    out += "expertmatch_http_requests_total{route=\"" + label(route) + "\",method=\"" +
           label(method) + "\",status=\"" + std::to_string(status) + "\"} " + std::to_string(n) +
           "\n";
  }
  out +=
      "# HELP expertmatch_http_request_duration_seconds Time from a complete request to its "
      "response, by route template.\n# TYPE expertmatch_http_request_duration_seconds "
      "histogram\n";
  for (const auto& [route, b] : buckets_) {
    long long cumulative = 0;
    for (size_t i = 0; i <= kBuckets.size(); ++i) {
      cumulative += b[i];
      out += "expertmatch_http_request_duration_seconds_bucket{route=\"" + label(route) +
             "\",le=\"" + (i < kBuckets.size() ? number(kBuckets[i]) : std::string("+Inf")) +
             "\"} " + std::to_string(cumulative) + "\n";
    }
    const auto& s = sums_.at(route);
    out += "expertmatch_http_request_duration_seconds_sum{route=\"" + label(route) + "\"} " +
           number(s.first) + "\n";
    out += "expertmatch_http_request_duration_seconds_count{route=\"" + label(route) + "\"} " +
           std::to_string(s.second) + "\n";
  }
  auto gauge = [&](const char* name, const char* help, double v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " gauge\n" + name +
           " " + number(v) + "\n";
  };
  gauge("expertmatch_http_open_connections", "Connections open now.",
        static_cast<double>(open_connections_.load()));
  out +=
      "# HELP expertmatch_http_connections_total Connections accepted, and refused at the cap.\n"
      "# TYPE expertmatch_http_connections_total counter\n"
      "expertmatch_http_connections_total{result=\"accepted\"} " +
      std::to_string(accepted_connections_.load()) +
      "\nexpertmatch_http_connections_total{result=\"rejected\"} " +
      std::to_string(rejected_connections_.load()) + "\n";
  gauge("expertmatch_http_unsent_answer_bytes",
        "Bytes of answers held until their clients' sockets have taken them whole.",
        static_cast<double>(unsent_bytes_.load()));
  gauge("expertmatch_http_unsent_answer_bytes_peak",
        "The most bytes of unsent answers held at once since start.",
        static_cast<double>(unsent_peak_.load()));
  out +=
      "# HELP expertmatch_http_answers_cut_total Connections cut to keep unsent answers within "
      "unsent_budget_bytes.\n"
      "# TYPE expertmatch_http_answers_cut_total counter\n"
      "expertmatch_http_answers_cut_total " +
      std::to_string(answers_cut_.load()) + "\n";
  gauge("expertmatch_experts", "Experts in the corpus.", static_cast<double>(g.experts));
  gauge("expertmatch_problems", "Problems in the corpus (any status).",
        static_cast<double>(g.problems));
  gauge("expertmatch_open_problems", "Open problems.", static_cast<double>(g.open_problems));
  gauge("expertmatch_reviews", "Reviews recorded.", static_cast<double>(g.reviews));
  gauge("expertmatch_index_ready", "1 if the search index is built.", g.index_ready ? 1 : 0);
  gauge("expertmatch_index_units", "Indexed units (profiles, works, problems).",
        static_cast<double>(g.index_units));
  gauge("expertmatch_index_vectors", "Vectors in the index's vector stores.",
        static_cast<double>(g.index_vectors));
  auto counter = [&](const char* name, const char* help, uint64_t v) {
    out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n" + name +
           " " + std::to_string(v) + "\n";
  };
  counter("expertmatch_matcher_expert_aggregates_total",
          "Per-expert vector aggregates the matcher computed since the index was built or loaded.",
          g.matcher_aggregates);
  counter("expertmatch_matcher_units_analysed_total",
          "Expert texts (profiles, works) the matcher analysed for explanations since the index "
          "was built or loaded.",
          g.matcher_units_analysed);
  return out;
}

}  // namespace expertmatch::api
