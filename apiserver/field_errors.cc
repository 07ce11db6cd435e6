#include "apiserver/field_errors.h"

// GCC 12 reports a false -Wrestrict inside std::string concatenation here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include "api/go_print.h"
#include "api/json.h"

namespace tinyk8s::apiserver {

std::string RenderValue(const rapidjson::Value& value) {
  if (value.IsString()) return api::GoQuoted(api::AsStringView(value));
  return api::ToJson(value);
}

FieldError FieldRequired(std::string field, std::string_view detail) {
  std::string msg = "Required value";
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  return {"FieldValueRequired", std::move(field), msg};
}

FieldError FieldInvalid(std::string field, const rapidjson::Value& value, std::string_view detail) {
  std::string msg = "Invalid value: ";
  msg.append(RenderValue(value));
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  return {"FieldValueInvalid", std::move(field), msg};
}

FieldError FieldInvalid(std::string field, std::string_view value, std::string_view detail) {
  std::string msg = "Invalid value: ";
  msg.append(api::GoQuoted(value));
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  return {"FieldValueInvalid", std::move(field), msg};
}

FieldError FieldInvalidStrings(std::string field, const std::vector<std::string>& value,
                               std::string_view detail) {
  std::string rendered = "[]string{";
  for (size_t i = 0; i < value.size(); ++i) {
    if (i) rendered += ", ";
    rendered += api::GoQuoted(value[i]);
  }
  rendered += "}";
  std::string msg = "Invalid value: " + rendered;
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  return {"FieldValueInvalid", std::move(field), msg};
}

FieldError FieldInvalidInt(std::string field, int64_t value, std::string_view detail) {
  std::string msg = "Invalid value: ";
  msg.append(std::to_string(value));
  if (!detail.empty()) {
    msg.append(": ");
    msg.append(detail);
  }
  return {"FieldValueInvalid", std::move(field), msg};
}

FieldError FieldNotSupported(std::string field, std::string_view value,
                             const std::vector<std::string>& supported) {
  std::string msg = "Unsupported value: ";
  msg.append(api::GoQuoted(value));
  if (!supported.empty()) {
    msg += ": supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i) msg += ", ";
      msg += api::GoQuoted(supported[i]);
    }
  }
  return {"FieldValueNotSupported", std::move(field), msg};
}

FieldError FieldForbidden(std::string field, std::string_view detail) {
  std::string msg = "Forbidden: ";
  msg.append(detail);
  return {"FieldValueForbidden", std::move(field), msg};
}

FieldError FieldDuplicate(std::string field, std::string_view value) {
  std::string msg = "Duplicate value: ";
  msg.append(api::GoQuoted(value));
  return {"FieldValueDuplicate", std::move(field), msg};
}

FieldError FieldTooLong(std::string field, size_t max) {
  return {"FieldValueTooLong", std::move(field),
          "Too long: may not be more than " + std::to_string(max) + " bytes"};
}

}  // namespace tinyk8s::apiserver
