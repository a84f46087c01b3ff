// Helpers shared by the subcommands: loading exchange-format files with
// error reporting, the default configuration, and progress output.
#pragma once

#include <optional>
#include <string>

#include "i18n/messages.h"

#include <cstdio>
#include <string>
#include <vector>

#include "corpus/data_dir_lock.h"
#include "corpus/exchange_format.h"
#include "corpus/status.h"
#include "corpus/store.h"
#include "indexer/corpus_index.h"
#include "matcher/matcher.h"

namespace expertmatch::cli {

// Prints a failed status to stderr as "expertmatch: MESSAGE", or one line per
// field error ("FILE:LINE: FIELD: REASON"), in the language of LANG (Chinese
// unless it names English; i18n::language_from_environment).
void report(const Status& status);

// Reads and validates the files that are given (empty path = none). On error,
// reports every problem and returns false. Names spelled two ways (corpus/names.h)
// are warned about on stderr, file and line of both spellings.
bool load_files(const std::string& experts_path, const std::string& problems_path,
                std::vector<Expert>* experts, std::vector<Problem>* problems);

// Takes DATA_DIR's DataDirLock for a command that changes records (import,
// index --data): refused, with the holder named, while a server or another
// such command runs on it. Creates DATA_DIR if absent. Reports and returns
// null on failure.
std::unique_ptr<DataDirLock> lock_data_dir(const std::string& data_dir, const char* command);

// Opens the store of an existing data directory; reports and returns null on
// failure. `read_only` for commands that must change nothing (StoreOptions).
std::unique_ptr<Store> open_existing_store(const std::string& data_dir, bool read_only = false);

// Reads every expert and problem of `store`. With `command` set, an empty store
// is an error ("run 'expertmatch import' first"). Reports and returns false on failure.
bool read_records(Store& store, std::vector<Expert>* experts, std::vector<Problem>* problems,
                  const char* command = nullptr);

// CorpusIndex::open on DATA_DIR/index, saying on stderr when it had to rebuild.
// It holds the experts and indexed_problems(problems) (corpus/model.h), as
// `serve` does.
// With `read_only`, a missing or stale index is built in memory and not saved
// (read-only commands never write DATA/index; `expertmatch index` does).
std::unique_ptr<CorpusIndex> open_index(const std::string& data_dir,
                                        const std::vector<Expert>& experts,
                                        const std::vector<Problem>& problems,
                                        bool read_only = false);

// A progress callback: a bar on a terminal, a line per 10% otherwise.
ProgressFn progress_printer(const char* what);

double seconds_since(double start);
double now_seconds();

// The language of reports for officials: --lang zh|en if given, else
// LC_ALL / LC_MESSAGES / LANG (en* -> English), else Chinese. False for a
// --lang value that is neither.
bool report_language(const std::optional<std::string>& flag, i18n::Language* out);

}  // namespace expertmatch::cli
