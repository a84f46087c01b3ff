// Small helpers shared by the Service's source files (service.cpp,
// service_workflow.cpp). Internal to api/.
#pragma once

#include <algorithm>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "api/service.h"

namespace expertmatch::api::internal {

// `what` is a catalogue message (i18n/messages.h).
inline Status forbidden(i18n::Message what) {
  return Status(ErrorCode::kPermissionDenied, std::move(what));
}

inline Status no_problem(const std::string& id) {
  return Status(ErrorCode::kNotFound, {"problem.not_found", {{"id", id}}});
}

inline Status no_expert(const std::string& id) {
  return Status(ErrorCode::kNotFound, {"expert.not_found", {{"id", id}}});
}

// A 422 about one field of the request body; `reason` is a catalogue message.
inline Status field_error(const std::string& field, i18n::Message reason) {
  return Status::invalid({FieldError{"body", 0, field, std::move(reason)}});
}

template <typename T>
Page<T> paginate(std::vector<T> all, size_t offset, size_t limit) {
  Page<T> page;
  page.total = all.size();
  if (offset < all.size()) {
    size_t end = std::min(all.size(), offset + limit);
    page.items.assign(std::make_move_iterator(all.begin() + offset),
                      std::make_move_iterator(all.begin() + end));
  }
  return page;
}

}  // namespace expertmatch::api::internal
