#pragma once
// Constructors for validation FieldErrors worded like upstream field.Error (field.ErrorList).

#include <rapidjson/document.h>

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::apiserver {

FieldError FieldRequired(std::string field, std::string_view detail = "");
FieldError FieldInvalid(std::string field, const rapidjson::Value& value, std::string_view detail);
FieldError FieldInvalid(std::string field, std::string_view value, std::string_view detail);
// FieldInvalidStrings: the value is a []string, printed as Go's %#v does.
FieldError FieldInvalidStrings(std::string field, const std::vector<std::string>& value,
                               std::string_view detail);
FieldError FieldInvalidInt(std::string field, int64_t value, std::string_view detail);
FieldError FieldNotSupported(std::string field, std::string_view value,
                             const std::vector<std::string>& supported);
FieldError FieldForbidden(std::string field, std::string_view detail);
FieldError FieldDuplicate(std::string field, std::string_view value);
FieldError FieldTooLong(std::string field, size_t max);

// RenderValue renders a JSON value the way upstream error messages print Go values
// (strings quoted, numbers plain, others as compact JSON).
std::string RenderValue(const rapidjson::Value& value);

}  // namespace tinyk8s::apiserver
