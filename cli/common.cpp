#include "cli/common.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>

namespace expertmatch::cli {

void report(const Status& status) {
  // The reasons a person must act on, in their language (LANG; Chinese
  // unless it says English), as `demo` and `plan` speak. Plain-text reasons
  // (operator checks written in English) are shown as they are.
  const i18n::Language language = i18n::language_from_environment();
  if (status.field_errors().empty()) {
    const bool catalogued = !status.user_message().key.empty();
    std::fprintf(
        stderr, "expertmatch: %s\n",
        catalogued ? i18n::tr(language, status.user_message()).c_str() : status.message().c_str());
    return;
  }
  for (FieldError e : status.field_errors()) {
    if (!e.message.key.empty()) e.reason = i18n::tr(language, e.message);
    std::fprintf(stderr, "%s\n", e.to_string().c_str());
  }
}

bool load_files(const std::string& experts_path, const std::string& problems_path,
                std::vector<Expert>* experts, std::vector<Problem>* problems) {
  bool ok = true;
  std::vector<NameSpelling> names;
  ReadOptions options;
  options.names = &names;
  if (!experts_path.empty()) {
    auto e = read_experts_file(experts_path, options);
    if (!e) {
      report(e.status());
      ok = false;
    } else {
      *experts = std::move(*e);
    }
  }
  if (!problems_path.empty()) {
    auto p = read_problems_file(problems_path, options);
    if (!p) {
      report(p.status());
      ok = false;
    } else {
      *problems = std::move(*p);
    }
  }
  // Names compare normalised everywhere (corpus/names.h): two spellings of one
  // name are accepted as one, and said so.
  if (ok)
    for (const auto& w : spelling_warnings(names)) std::fprintf(stderr, "warning: %s\n", w.c_str());
  return ok;
}

std::unique_ptr<DataDirLock> lock_data_dir(const std::string& data_dir, const char* command) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    std::fprintf(stderr, "expertmatch %s: %s: %s\n", command, data_dir.c_str(),
                 ec.message().c_str());
    return nullptr;
  }
  auto lock = DataDirLock::acquire(data_dir, std::string("expertmatch ") + command);
  if (!lock) {
    std::fprintf(stderr, "expertmatch %s: refused: %s\n", command, lock.status().message().c_str());
    return nullptr;
  }
  return std::move(*lock);
}

std::unique_ptr<Store> open_existing_store(const std::string& data_dir, bool read_only) {
  StoreOptions options;
  options.create_if_missing = false;
  options.read_only = read_only;
  auto store = Store::open(data_dir, options);
  if (!store) {
    report(store.status());
    return nullptr;
  }
  return std::move(*store);
}

bool read_records(Store& store, std::vector<Expert>* experts, std::vector<Problem>* problems,
                  const char* command) {
  auto e = store.list_experts();
  auto p = store.list_problems();
  if (!e || !p) {
    report(!e ? e.status() : p.status());
    return false;
  }
  if (command && (e->empty() || p->empty())) {
    std::fprintf(stderr, "expertmatch %s: the store is empty; run 'expertmatch import' first\n",
                 command);
    return false;
  }
  *experts = std::move(*e);
  *problems = std::move(*p);
  return true;
}

std::unique_ptr<CorpusIndex> open_index(const std::string& data_dir,
                                        const std::vector<Expert>& experts,
                                        const std::vector<Problem>& all_problems, bool read_only) {
  // What `serve` indexes (corpus/model.h), so that both find the saved index current.
  const std::vector<Problem> problems = indexed_problems(all_problems);
  // What `serve` learns from: every record as the city last confirmed it.
  const FitCorpus fit = FitCorpus::of(experts, all_problems);
  std::string why;
  if (read_only) {
    auto loaded = CorpusIndex::load(data_dir + "/index", IndexConfig{},
                                    CorpusIndex::checksum_of(experts, problems));
    if (loaded) return std::move(*loaded);
    std::fprintf(stderr, "(index built in memory, not saved: %s; 'expertmatch index' saves one)\n",
                 loaded.status().message().c_str());
    auto built =
        CorpusIndex::build(experts, problems, IndexConfig{}, progress_printer("index"), &fit);
    if (!built) {
      report(built.status());
      return nullptr;
    }
    return std::move(*built);
  }
  Status saved = Status::ok();
  auto index = CorpusIndex::open(data_dir + "/index", experts, problems, IndexConfig{}, &why,
                                 progress_printer("index"), &saved, &fit);
  if (!index) {
    report(index.status());
    return nullptr;
  }
  if (!why.empty()) std::fprintf(stderr, "(index %s)\n", why.c_str());
  if (!saved) std::fprintf(stderr, "(the index was not saved: %s)\n", saved.to_string().c_str());
  return std::move(*index);
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double seconds_since(double start) { return now_seconds() - start; }

ProgressFn progress_printer(const char* what) {
  bool tty = ::isatty(STDERR_FILENO);
  auto last_decile = std::make_shared<int>(-1);
  return [tty, what, last_decile](size_t done, size_t total) {
    if (total == 0) return;
    int pct = static_cast<int>(100.0 * done / total);
    if (tty) {
      int filled = pct / 4;
      std::fprintf(stderr, "\r%s [%-25s] %3d%%", what, std::string(filled, '#').c_str(), pct);
      if (done >= total) std::fputc('\n', stderr);
    } else if (pct / 10 != *last_decile) {
      *last_decile = pct / 10;
      std::fprintf(stderr, "%s: %d%%\n", what, pct);
    }
  };
}

bool report_language(const std::optional<std::string>& flag, i18n::Language* out) {
  if (!flag) {
    *out = i18n::language_from_environment();
    return true;
  }
  auto language = i18n::parse_language(*flag);
  if (!language) return false;
  *out = *language;
  return true;
}

}  // namespace expertmatch::cli
