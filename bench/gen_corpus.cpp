// expertmatch_gen_corpus: writes a generated corpus (bench/corpus_generator.h)
// as experts.jsonl and problems.jsonl in the exchange format.
//
// usage: expertmatch_gen_corpus --out DIR [--experts N] [--works N] [--problems N] [--seed S]
//                               [--demo DIR]
// Defaults: 20000 experts with 10 works each, 200000 problems, seed 1, the
// demo corpus of this source tree.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/corpus_generator.h"
#include "corpus/exchange_format.h"

namespace {

int usage(const char* why) {
  if (why) std::fprintf(stderr, "expertmatch_gen_corpus: %s\n", why);
  std::fputs(
      "usage: expertmatch_gen_corpus --out DIR [--experts N] [--works N] [--problems N]\n"
      "                              [--seed S] [--demo DIR]\n"
      "Writes DIR/experts.jsonl and DIR/problems.jsonl recombined from the demo corpus\n"
      "(default: 20000 experts x 10 works, 200000 problems, seed 1).\n",
      stderr);
  return 2;
}

bool parse_count(const char* s, unsigned long long* out) {
  char* end = nullptr;
  *out = std::strtoull(s, &end, 10);
  return end && *end == '\0' && *s != '\0' && *s != '-';
}

}  // namespace

int main(int argc, char** argv) {
  using namespace expertmatch;
  bench::GeneratorOptions options;
  std::string out, demo = std::string(EXPERTMATCH_SOURCE_DIR) + "/corpus/quzhou";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help") return usage(nullptr), 0;
    if (i + 1 >= argc) return usage(("missing value for " + a).c_str());
    const char* v = argv[++i];
    unsigned long long n = 0;
    if (a == "--out") {
      out = v;
    } else if (a == "--demo") {
      demo = v;
    } else if (!parse_count(v, &n)) {
      return usage((a + ": not a non-negative integer: " + v).c_str());
    } else if (a == "--experts") {
      options.experts = n;
    } else if (a == "--works") {
      if (n > 1000) return usage("--works: at most 1000");
      options.works_per_expert = static_cast<int>(n);
    } else if (a == "--problems") {
      options.problems = n;
    } else if (a == "--seed") {
      options.seed = n;
    } else {
      return usage(("unknown option " + a).c_str());
    }
  }
  if (out.empty()) return usage("--out is required");
  auto experts = read_experts_file(demo + "/experts.jsonl");
  auto problems = read_problems_file(demo + "/problems.jsonl");
  if (!experts || !problems || experts->empty() || problems->empty()) {
    std::fprintf(stderr, "expertmatch_gen_corpus: cannot read the demo corpus in %s\n",
                 demo.c_str());
    return 1;
  }
  bench::GeneratedCorpus c = bench::generate_corpus(*experts, *problems, options);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  for (auto [name, text] :
       {std::pair<const char*, std::string>{"experts.jsonl", to_jsonl(c.experts)},
        {"problems.jsonl", to_jsonl(c.problems)}}) {
    Status s = write_file_atomically(out + "/" + name, text);
    if (!s) {
      std::fprintf(stderr, "expertmatch_gen_corpus: %s\n", s.to_string().c_str());
      return 1;
    }
  }
  std::printf("%zu experts (%d works each), %zu problems, seed %llu -> %s\n", c.experts.size(),
              options.works_per_expert, c.problems.size(),
              static_cast<unsigned long long>(options.seed), out.c_str());
  return 0;
}
