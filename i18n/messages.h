// The message catalogue: every text a person (not a developer) reads, in
// Chinese (the default) and English, as ICU resource bundles compiled by
// genrb from i18n/messages/{root,zh,en}.txt. A message is a key plus named
// arguments; the text is an ICU MessageFormat pattern ("{field} 必须是字符串").
// Error codes, logs and JSON field names stay English and are not here.
//
// Where the compiled bundles are found: $EXPERTMATCH_MESSAGES_DIR if set,
// else the build tree's i18n/ folder (compiled in). A key missing from the
// catalogue renders as the key itself, so nothing user-facing is ever empty;
// a test checks that both languages have exactly the same keys.
//
// Thread safety: a loaded Catalogue is immutable; format() may be called from
// any thread.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace expertmatch::i18n {

enum class Language { kZh, kEn };
const char* language_tag(Language language);  // "zh", "en"

// "zh", "zh-CN", "en", "en-US", "en_GB.UTF-8", ... -> the language; "" or any
// other language -> nullopt.
std::optional<Language> parse_language(std::string_view tag);
// The first supported language of an Accept-Language header (RFC 9110
// 12.5.4: the highest q wins, ties in order); `fallback` if none is.
Language negotiate(std::string_view accept_language, Language fallback = Language::kZh);
// The language of the environment for the CLI: LC_ALL, LC_MESSAGES, LANG
// (the first set one); "en*" -> English, anything else Chinese.
Language language_from_environment();

// A user-facing message: a catalogue key and its named arguments. An argument
// may itself be a message (`parts`), rendered in the same language first
// ("unknown fields: {reason}").
struct Message {
  std::string key;
  std::vector<std::pair<std::string, std::string>> args;
  std::vector<std::pair<std::string, Message>> parts;

  Message() = default;
  Message(std::string k) : key(std::move(k)) {}  // NOLINT: implicit by design
  Message(const char* k) : key(k) {}             // NOLINT: implicit by design
  Message(std::string k, std::vector<std::pair<std::string, std::string>> a)
      : key(std::move(k)), args(std::move(a)) {}
  bool empty() const { return key.empty(); }
  // This message with `inner` as its argument `name`.
  Message with(std::string name, Message inner) && {
    parts.emplace_back(std::move(name), std::move(inner));
    return std::move(*this);
  }
};

class Catalogue {
 public:
  // Loads zh.res and en.res from `dir`; on failure returns null and says why.
  static std::unique_ptr<Catalogue> load(const std::string& dir, std::string* error);
  // The catalogue of this program, loaded on first use (see above). If it
  // cannot be loaded, every message renders as its key and the reason is
  // printed to stderr once.
  static const Catalogue& builtin();

  // The message in `language`: the pattern with its arguments filled in.
  std::string format(Language language, const Message& message) const;
  // Whether `key` is in `language`'s table.
  bool has(Language language, const std::string& key) const;
  // The pattern of `key` in `language` as written in the bundle, "" if none.
  std::string pattern(Language language, const std::string& key) const;
  // Every key of `language`'s table, sorted.
  std::vector<std::string> keys(Language language) const;

 private:
  std::map<std::string, std::string> zh_, en_;  // key -> MessageFormat pattern (UTF-8)
};

// The items as one message, in order: "a, b, c" in English, "a；b；c" in
// Chinese (list.pair), "list.none" when there are none.
Message join(std::vector<Message> items);

// A message kept in stored text (a note the service writes into the record,
// rendered when read, in the reader's language): "@i18n:KEY?name=value&..."
// with percent-encoded values; `parts` are not kept.
std::string to_stored(const Message& message);
// The message of stored text written by to_stored, else nullopt (text a
// person wrote).
std::optional<Message> from_stored(std::string_view text);
// Stored text for a reader: its message in `language`, or the text as it is.
std::string render_stored(Language language, std::string_view text);

// Catalogue::builtin().format(language, message).
std::string tr(Language language, const Message& message);

}  // namespace expertmatch::i18n
