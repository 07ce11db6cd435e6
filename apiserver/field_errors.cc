#include "apiserver/field_errors.h"

// GCC 12 reports a false -Wrestrict inside std::string concatenation here (GCC bug 105329).
#pragma GCC diagnostic ignored "-Wrestrict"

#include <algorithm>
#include <charconv>

#include "api/json.h"

namespace tinyk8s::apiserver {

namespace {
// Go's %q for ASCII: quotes and backslashes escaped, control characters as \n, \t, \x01.
std::string Quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
      case '\\':
        out.push_back('\\');
        out.push_back(c);
        continue;
      case '\n':
        out.append("\\n");
        continue;
      case '\t':
        out.append("\\t");
        continue;
      case '\r':
        out.append("\\r");
        continue;
      default:
        break;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      out.append("\\x");
      out.push_back(kHex[(c >> 4) & 0xf]);
      out.push_back(kHex[c & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  return out + "\"";
}
}  // namespace

std::string RenderValue(const rapidjson::Value& value) {
  if (value.IsString()) return Quoted(api::AsStringView(value));
  return api::ToJson(value);
}

namespace {
// Go's %v of a float64: the shortest text that reads back, in exponent form below 1e-4 and
// from 1e21 on, the exponent with a sign and at least two digits (1e+21, 1.5e-07).
std::string GoFloat(double d) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  if (ec != std::errc()) return std::to_string(d);
  std::string_view sci(buf, end - buf);
  size_t e = sci.find('e');
  int exponent = std::stoi(std::string(sci.substr(e + 1)));
  if (exponent < -4 || exponent >= 21) {
    std::string out(sci.substr(0, e));
    std::string digits = std::to_string(exponent < 0 ? -exponent : exponent);
    if (digits.size() < 2) digits.insert(0, "0");
    return out + "e" + (exponent < 0 ? "-" : "+") + digits;
  }
  auto [fixed_end, fixed_ec] = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
  if (fixed_ec != std::errc()) return std::to_string(d);
  return std::string(buf, fixed_end - buf);
}

void AppendGoPrinted(const rapidjson::Value& v, std::string& out) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members;
    for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
    std::stable_sort(members.begin(), members.end(), [](const auto* x, const auto* y) {
      return api::AsStringView(x->name) < api::AsStringView(y->name);
    });
    // A Go map keeps the last of repeated keys.
    out.append("map[");
    for (size_t i = 0; i < members.size(); ++i) {
      if (i + 1 < members.size() &&
          api::AsStringView(members[i]->name) == api::AsStringView(members[i + 1]->name)) {
        continue;
      }
      if (out.back() != '[') out.push_back(' ');
      out.append(api::AsStringView(members[i]->name));
      out.push_back(':');
      AppendGoPrinted(members[i]->value, out);
    }
    out.push_back(']');
  } else if (v.IsArray()) {
    out.push_back('[');
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (i) out.push_back(' ');
      AppendGoPrinted(v[i], out);
    }
    out.push_back(']');
  } else if (v.IsString()) {
    out.append(api::AsStringView(v));
  } else if (v.IsNull()) {
    out.append("<nil>");
  } else if (v.IsBool()) {
    out.append(v.GetBool() ? "true" : "false");
  } else if (v.IsInt64()) {
    out.append(std::to_string(v.GetInt64()));
  } else {
    out.append(GoFloat(v.GetDouble()));
  }
}
}  // namespace

std::string GoPrintedValue(const rapidjson::Value& value) {
  std::string out;
  AppendGoPrinted(value, out);
  return out;
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
  msg.append(Quoted(value));
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
    rendered += Quoted(value[i]);
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
  msg.append(Quoted(value));
  if (!supported.empty()) {
    msg += ": supported values: ";
    for (size_t i = 0; i < supported.size(); ++i) {
      if (i) msg += ", ";
      msg += Quoted(supported[i]);
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
  msg.append(Quoted(value));
  return {"FieldValueDuplicate", std::move(field), msg};
}

FieldError FieldTooLong(std::string field, size_t max) {
  return {"FieldValueTooLong", std::move(field),
          "Too long: may not be more than " + std::to_string(max) + " bytes"};
}

}  // namespace tinyk8s::apiserver
