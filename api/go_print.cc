#include "api/go_print.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "api/json.h"

namespace tinyk8s::api {

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

std::vector<const rapidjson::Value::Member*> SortedMembers(const rapidjson::Value& v) {
  std::vector<const rapidjson::Value::Member*> members;
  for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) members.push_back(&*it);
  std::stable_sort(members.begin(), members.end(), [](const auto* x, const auto* y) {
    return AsStringView(x->name) < AsStringView(y->name);
  });
  return members;
}

void AppendGoPrinted(const rapidjson::Value& v, std::string& out) {
  if (v.IsObject()) {
    std::vector<const rapidjson::Value::Member*> members = SortedMembers(v);
    // A Go map keeps the last of repeated keys.
    out.append("map[");
    bool first = true;
    for (size_t i = 0; i < members.size(); ++i) {
      if (i + 1 < members.size() &&
          AsStringView(members[i]->name) == AsStringView(members[i + 1]->name)) {
        continue;
      }
      if (!first) out.push_back(' ');
      first = false;
      out.append(AsStringView(members[i]->name));
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
    out.append(AsStringView(v));
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

std::string GoPrinted(const rapidjson::Value& value) {
  std::string out;
  AppendGoPrinted(value, out);
  return out;
}

std::string GoQuoted(std::string_view s) {
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

namespace {
void AppendGoSyntax(const rapidjson::Value& v, std::string& out) {
  if (v.IsObject()) {
    out.append("map[string]interface {}{");
    bool first = true;
    for (const auto* m : SortedMembers(v)) {
      if (!first) out.append(", ");
      first = false;
      out.append(GoQuoted(AsStringView(m->name))).append(":");
      AppendGoSyntax(m->value, out);
    }
    out.push_back('}');
  } else if (v.IsArray()) {
    out.append("[]interface {}{");
    for (rapidjson::SizeType i = 0; i < v.Size(); ++i) {
      if (i) out.append(", ");
      AppendGoSyntax(v[i], out);
    }
    out.push_back('}');
  } else if (v.IsString()) {
    out.append(GoQuoted(AsStringView(v)));
  } else if (v.IsNull()) {
    out.append("interface {}(nil)");
  } else if (v.IsBool()) {
    out.append(v.GetBool() ? "true" : "false");
  } else {
    out.append(GoFloat(v.GetDouble()));
  }
}
}  // namespace

std::string GoSyntax(const rapidjson::Value& value) {
  std::string out;
  AppendGoSyntax(value, out);
  return out;
}

std::string GoTypeName(const rapidjson::Value& value) {
  if (value.IsObject()) return "map[string]interface {}";
  if (value.IsArray()) return "[]interface {}";
  if (value.IsString()) return "string";
  if (value.IsBool()) return "bool";
  if (value.IsNull()) return "<nil>";
  return "float64";
}

}  // namespace tinyk8s::api
