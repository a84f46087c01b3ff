// Status and Result<T>: how every domain function reports failure.
//
// A Status is either ok or carries an ErrorCode, a human-readable message and,
// for validation failures, the list of field errors that caused it. Domain code
// never throws; only api/ maps an ErrorCode to an HTTP status.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "i18n/messages.h"

namespace expertmatch {

enum class ErrorCode {
  kOk = 0,
  kInvalidArgument,   // input failed validation (see Status::field_errors)
  kNotFound,          // the named record does not exist
  kAlreadyExists,     // a record with this id exists and the operation forbids overwrite
  kConflict,          // the operation contradicts current state (e.g. a withdrawn problem)
  kPermissionDenied,  // the caller may not do this
  kUnauthenticated,   // the caller's credential is not, or no longer, valid (revoked, expired)
  kIOError,           // file system or database failure
  kCorruption,        // stored data is unreadable or inconsistent
  kUnavailable,       // a dependency (e.g. an external embedding server) did not answer
  kInternal,          // a bug: an invariant did not hold
};

// Returns a stable lower_snake name for the code ("invalid_argument", ...).
const char* error_code_name(ErrorCode code);

// One validation failure: where (source name and 1-based line, 0 if none), which
// field (dotted path, e.g. "works[2].title"), and why.
struct FieldError {
  FieldError() = default;
  // `reason` is a catalogue message (i18n/messages.h): a key and its arguments.
  // Plain text is accepted too, for operator-facing checks (the server's
  // settings); it is shown as it is in every language.
  FieldError(std::string source_name, int line_number, std::string field_name,
             i18n::Message reason_message);

  std::string source;
  int line = 0;
  std::string field;
  // The reason in English (for logs and the CLI's developer tools).
  std::string reason;
  // The reason as a catalogue message; rendered in the caller's language by the API.
  i18n::Message message;

  // "problems.jsonl:17: urgency: must be an integer from 1 to 5, got \"high\""
  std::string to_string() const;
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Status(ErrorCode code, const char* message) : Status(code, std::string(message)) {}
  // A status whose message a person reads (through the API or the CLI): the
  // catalogue message (i18n/messages.h); message() is its English text, for logs.
  Status(ErrorCode code, i18n::Message message);
  static Status ok() { return Status(); }
  // A kInvalidArgument status whose message lists every field error, one a line.
  static Status invalid(std::vector<FieldError> errors);
  // A kInvalidArgument status of one field error whose reason is a catalogue message.
  static Status invalid(std::string field, i18n::Message reason);
  // A status of `code` about one field (e.g. kPermissionDenied for a field
  // the caller may not change), its reason a catalogue message.
  static Status about_field(ErrorCode code, std::string field, i18n::Message reason);

  bool is_ok() const { return code_ == ErrorCode::kOk; }
  explicit operator bool() const { return is_ok(); }
  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  // The catalogue message, or an empty one if this status was made from plain text.
  const i18n::Message& user_message() const { return user_message_; }
  // "invalid_argument: ..." or "ok".
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
  std::vector<FieldError> field_errors_;
  i18n::Message user_message_;
};

// Either a value or a non-ok Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT
  Result(ErrorCode code, std::string message) : status_(code, std::move(message)) {}
  Result(ErrorCode code, const char* message) : status_(code, std::string(message)) {}
  Result(ErrorCode code, i18n::Message message) : status_(code, std::move(message)) {}

  bool is_ok() const { return value_.has_value(); }
  explicit operator bool() const { return is_ok(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() { return *value_; }
  const T& operator*() const { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace expertmatch
