#include "corpus/status.h"

namespace expertmatch {

Status::Status(ErrorCode code, i18n::Message message)
    : code_(code),
      message_(i18n::tr(i18n::Language::kEn, message)),
      user_message_(std::move(message)) {}

FieldError::FieldError(std::string source_name, int line_number, std::string field_name,
                       i18n::Message reason_message)
    : source(std::move(source_name)),
      line(line_number),
      field(std::move(field_name)),
      reason(i18n::tr(i18n::Language::kEn, reason_message)),
      message(std::move(reason_message)) {}

Status Status::invalid(std::string field, i18n::Message reason) {
  return invalid({FieldError("", 0, std::move(field), std::move(reason))});
}

Status Status::about_field(ErrorCode code, std::string field, i18n::Message reason) {
  Status s = invalid(std::move(field), reason);
  s.code_ = code;
  s.user_message_ = std::move(reason);
  return s;
}

const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kOk:
      return "ok";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kConflict:
      return "conflict";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kIOError:
      return "io_error";
    case ErrorCode::kCorruption:
      return "corruption";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "unknown";
}

std::string FieldError::to_string() const {
  std::string out;
  if (!source.empty()) {
    out += source;
    if (line > 0) {
      out += ':';
      out += std::to_string(line);
    }
    out += ": ";
  }
  if (!field.empty()) out += field + ": ";
  out += reason;
  return out;
}

Status Status::invalid(std::vector<FieldError> errors) {
  std::string message;
  for (const auto& e : errors) {
    if (!message.empty()) message += '\n';
    message += e.to_string();
  }
  Status s(ErrorCode::kInvalidArgument, std::move(message));
  s.field_errors_ = std::move(errors);
  return s;
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(error_code_name(code_)) + ": " + message_;
}

}  // namespace expertmatch
