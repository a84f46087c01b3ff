// The catalogue against the code that uses it (issue 13): every key the code
// names is in both bundles, every key of the bundles is named by the code,
// and no message a person reads is an English literal built in place.
//
// The sources are read from $EXPERTMATCH_SOURCE_DIR (set by CTest).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "i18n/messages.h"

namespace expertmatch::i18n {
namespace {

namespace fs = std::filesystem;

std::string source_dir() {
  const char* dir = std::getenv("EXPERTMATCH_SOURCE_DIR");
  return dir ? dir : "";
}

std::string read(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// C++ sources of the program (not tests, benchmarks or fuzz targets).
std::vector<fs::path> program_sources() {
  std::vector<fs::path> out;
  for (const char* folder : {"api", "cli", "corpus", "i18n", "indexer", "matcher"}) {
    fs::path root = fs::path(source_dir()) / folder;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      auto ext = e.path().extension();
      if (e.is_regular_file() && (ext == ".cpp" || ext == ".h")) out.push_back(e.path());
    }
  }
  return out;
}

// The text with comments blanked out (string literals kept, line breaks kept).
std::string without_comments(const std::string& s) {
  std::string out = s;
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i] == '"') {  // skip a string literal
      for (++i; i < out.size() && out[i] != '"'; ++i)
        if (out[i] == '\\') ++i;
    } else if (out[i] == '\'') {
      for (++i; i < out.size() && out[i] != '\''; ++i)
        if (out[i] == '\\') ++i;
    } else if (out.compare(i, 2, "//") == 0) {
      while (i < out.size() && out[i] != '\n') out[i++] = ' ';
    } else if (out.compare(i, 2, "/*") == 0) {
      size_t end = out.find("*/", i + 2);
      end = end == std::string::npos ? out.size() : end + 2;
      for (; i < end; ++i)
        if (out[i] != '\n') out[i] = ' ';
    }
  }
  return out;
}

struct Literal {
  std::string text;
  std::string where;  // file:line
};

std::vector<Literal> literals(const fs::path& file) {
  std::string s = without_comments(read(file));
  std::vector<Literal> out;
  int line = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n') ++line;
    if (s[i] == '\'') {
      for (++i; i < s.size() && s[i] != '\''; ++i)
        if (s[i] == '\\') ++i;
      continue;
    }
    if (s[i] != '"') continue;
    std::string text;
    int start = line;
    for (++i; i < s.size() && s[i] != '"'; ++i) {
      if (s[i] == '\\' && i + 1 < s.size()) text += s[i++];
      if (s[i] == '\n') ++line;
      text += s[i];
    }
    out.push_back({text, fs::relative(file, source_dir()).string() + ":" + std::to_string(start)});
  }
  return out;
}

// Literals of the pages: JavaScript strings (quotes, template literals) and
// HTML attribute values.
std::vector<std::string> page_literals() {
  static const std::regex kLiteral("\"([^\"\\n]*)\"|'([^'\\n]*)'|`([^`]*)`");
  std::vector<std::string> out;
  fs::path root = fs::path(source_dir()) / "web";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".js" && ext != ".html")) continue;
    std::string s = read(e.path());
    for (std::sregex_iterator it(s.begin(), s.end(), kLiteral), end; it != end; ++it)
      for (int g = 1; g <= 3; ++g)
        if ((*it)[g].matched) out.push_back((*it)[g].str());
  }
  return out;
}

// Keys the pages name: t("nav.bank"), data-i18n="sign_in" (a key of the
// catalogue without its "web." prefix).
std::set<std::string> page_keys() {
  static const std::regex kCall("\\bt\\(\"([a-z0-9_.]+)\"|data-i18n(-label)?=\"([a-z0-9_.]+)\"");
  std::set<std::string> out;
  fs::path root = fs::path(source_dir()) / "web";
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    auto ext = e.path().extension();
    if (!e.is_regular_file() || (ext != ".js" && ext != ".html")) continue;
    std::string s = read(e.path());
    for (std::sregex_iterator it(s.begin(), s.end(), kCall), end; it != end; ++it)
      out.insert((*it)[1].matched ? (*it)[1].str() : (*it)[3].str());
  }
  return out;
}

// Namespaces of the catalogue's keys ("field", "http", ...).
std::set<std::string> namespaces(const Catalogue& c) {
  std::set<std::string> out;
  for (const auto& k : c.keys(Language::kZh)) out.insert(k.substr(0, k.find('.')));
  return out;
}

// A literal that names a file ("index.html"), not a key.
bool is_file_name(const std::string& s) {
  static const std::regex kFile(
      ".*\\.(html|js|css|json|jsonl|sqlite|ico|svg|res|txt|xlsx|csv|tmp)");
  return std::regex_match(s, kFile);
}

// Literals that look like a key of one of the catalogue's namespaces.
std::map<std::string, std::string> keys_in_code(const Catalogue& c) {
  static const std::regex kKey("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+");
  auto spaces = namespaces(c);
  static const std::regex kPrefix("[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*\\.");
  std::map<std::string, std::string> out;                     // key -> first place
  std::vector<std::pair<std::string, std::string>> prefixes;  // "planner.status." + name
  for (const auto& file : program_sources())
    for (const auto& l : literals(file)) {
      bool named = spaces.count(l.text.substr(0, l.text.find('.'))) > 0;
      if (named && std::regex_match(l.text, kPrefix)) prefixes.emplace_back(l.text, l.where);
      if (named && std::regex_match(l.text, kKey) && !is_file_name(l.text))
        out.emplace(l.text, l.where);
    }
  // A key built from a literal prefix counts as named where the prefix is.
  for (const auto& key : c.keys(Language::kZh))
    for (const auto& [prefix, where] : prefixes)
      if (key.rfind(prefix, 0) == 0) out.emplace(key, where);
  return out;
}

TEST(CatalogueUsageTest, EveryKeyTheCodeNamesIsInBothLanguages) {
  const Catalogue& c = Catalogue::builtin();
  ASSERT_FALSE(source_dir().empty()) << "EXPERTMATCH_SOURCE_DIR is not set";
  auto used = keys_in_code(c);
  ASSERT_GT(used.size(), 200u) << "the sources were not read";
  for (const auto& [key, where] : used) {
    EXPECT_TRUE(c.has(Language::kZh, key)) << where << ": \"" << key << "\" is not in zh.txt";
    EXPECT_TRUE(c.has(Language::kEn, key)) << where << ": \"" << key << "\" is not in en.txt";
  }
}

TEST(CatalogueUsageTest, EveryKeyThePagesNameIsInBothLanguages) {
  const Catalogue& c = Catalogue::builtin();
  ASSERT_FALSE(source_dir().empty()) << "EXPERTMATCH_SOURCE_DIR is not set";
  auto keys = page_keys();
  ASSERT_GT(keys.size(), 100u) << "the pages were not read";
  for (std::string key : keys) {
    if (key.back() == '.') key.pop_back();  // t("roles." + role)
    // A key, or a group the page walks itself ("roles" + "." + role).
    for (Language l : {Language::kZh, Language::kEn}) {
      bool here = c.has(l, "web." + key);
      for (const auto& k : c.keys(l)) here = here || k.rfind("web." + key + ".", 0) == 0;
      EXPECT_TRUE(here) << "the pages name \"" << key << "\", not in " << language_tag(l);
    }
  }
}

TEST(CatalogueUsageTest, EveryKeyOfTheBundlesIsUsed) {
  const Catalogue& c = Catalogue::builtin();
  ASSERT_FALSE(source_dir().empty()) << "EXPERTMATCH_SOURCE_DIR is not set";
  auto used = keys_in_code(c);
  auto page = page_literals();
  std::set<std::string> page_set(page.begin(), page.end());
  for (const auto& key : c.keys(Language::kZh)) {
    if (key.rfind("web.", 0) == 0) {
      // Named by the pages, or under a group they name ("statuses", "roles.").
      std::string k = key.substr(4);
      bool named = page_set.count(k) > 0;
      for (size_t dot = k.find('.'); !named && dot != std::string::npos; dot = k.find('.', dot + 1))
        named = page_set.count(k.substr(0, dot)) || page_set.count(k.substr(0, dot + 1));
      EXPECT_TRUE(named) << "\"" << key << "\" is in the bundles but no page names it";
      continue;
    }
    EXPECT_TRUE(used.count(key)) << "\"" << key << "\" is in the bundles but no code names it";
  }
}

// A statement that puts words before a person: a Status with a code the API
// shows (not kIOError, kInternal or kCorruption, which become "internal
// error" and go to the log), an error answer, a field error.
bool shows_a_message(const std::string& statement) {
  static const std::regex kShown(
      "ErrorCode::k(InvalidArgument|NotFound|AlreadyExists|Conflict|PermissionDenied|Unavailable)"
      "\\s*,|error_response\\(|field_error\\(|forbidden\\(|FieldError[{(]|Status::invalid\\("
      "|bad_query\\(|bad_scope\\(|reject_read\\(|HeadError\\{|(^|[^.\\w])fail\\("
      "|(^|[^.\\w])bad\\(");
  return std::regex_search(statement, kShown);
}

TEST(CatalogueUsageTest, NoEnglishLiteralIsAMessage) {
  ASSERT_FALSE(source_dir().empty()) << "EXPERTMATCH_SOURCE_DIR is not set";
  // Two English words in a row: text, not a key, a media type or a field name.
  static const std::regex kWords("[A-Za-z]{2,} [A-Za-z]{2,}");
  // What operators and developers read (settings, the command line, start-up):
  // English by design (docs/architecture.md, i18n/). The store's plain-text
  // statuses (opening, tokens, backups) are the CLI's; should one reach the
  // API, it answers with the words for its HTTP status (api/routes.cpp). The
  // planner's option checks belong to the planner's own messages (matcher/
  // planner*, plan reports). A statement marked "operator-facing" in a
  // comment is exempt too.
  static const std::set<std::string> kOperatorFacing = {
      "api/config.cpp",           "api/api_server.cpp",     "api/access_log.cpp",
      "corpus/data_dir_lock.cpp", "corpus/spreadsheet.cpp", "corpus/store.cpp",
      "matcher/planner.cpp",      "matcher/city_plan.cpp"};
  std::vector<std::string> found;
  for (const auto& file : program_sources()) {
    std::string rel = fs::relative(file, source_dir()).string();
    if (rel.rfind("cli/", 0) == 0 || rel.rfind("indexer/", 0) == 0 || kOperatorFacing.count(rel))
      continue;
    const std::string raw = read(file);
    std::string s = without_comments(raw);  // same length: positions match `raw`
    // Statements, roughly: split at ';' outside literals.
    size_t start = 0;
    int line = 1, start_line = 1;
    for (size_t i = 0; i <= s.size(); ++i) {
      if (i < s.size() && s[i] == '"') {
        for (++i; i < s.size() && s[i] != '"'; ++i) {
          if (s[i] == '\\') ++i;
          if (s[i] == '\n') ++line;
        }
        continue;
      }
      if (i < s.size() && s[i] == '\n') ++line;
      if (i < s.size() && s[i] != ';') continue;
      std::string statement = s.substr(start, i - start);
      bool exempt = raw.substr(start, i - start).find("operator-facing") != std::string::npos;
      if (!exempt && shows_a_message(statement)) {
        // Literals of this statement.
        for (size_t j = 0; j < statement.size(); ++j) {
          if (statement[j] != '"') continue;
          size_t k = j + 1;
          std::string text;
          for (; k < statement.size() && statement[k] != '"'; ++k) {
            if (statement[k] == '\\') ++k;
            text += statement[k];
          }
          if (std::regex_search(text, kWords))
            found.push_back(rel + ":" + std::to_string(start_line) + ": \"" + text + "\"");
          j = k;
        }
      }
      start = i + 1;
      start_line = line;
    }
  }
  // Plain-text statuses of these kinds are for the command line only.
  std::string list;
  for (const auto& f : found) list += "\n  " + f;
  EXPECT_TRUE(found.empty()) << found.size()
                             << " message(s) a person may read are English literals, not "
                                "catalogue keys:"
                             << list;
}

}  // namespace
}  // namespace expertmatch::i18n
