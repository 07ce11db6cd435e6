#include "api/yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <sstream>
#include <stdexcept>

#include "api/json.h"

namespace tinyk8s::api {
namespace {

using rapidjson::Value;

// Aliases are expanded, so a small document can describe an enormous tree ("billion laughs").
// Conversion stops after this many nodes per input byte (plus a floor).
constexpr size_t kNodesPerByte = 20;
constexpr size_t kMinNodeBudget = 100000;

bool IsOneOf(std::string_view s, std::initializer_list<std::string_view> options) {
  for (std::string_view o : options) {
    if (s == o) return true;
  }
  return false;
}

// Integer per YAML 1.1 as go-yaml v2 reads it: optional sign, decimal, 0x hex, 0b binary,
// 0-prefixed octal, '_' separators.
bool ParseYamlInt(std::string_view s, int64_t* out) {
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  if (digits.empty()) return false;
  bool negative = false;
  size_t pos = 0;
  if (digits[0] == '-' || digits[0] == '+') {
    negative = digits[0] == '-';
    pos = 1;
  }
  int base = 10;
  if (digits.compare(pos, 2, "0x") == 0) {
    base = 16;
    pos += 2;
  } else if (digits.compare(pos, 2, "0b") == 0) {
    base = 2;
    pos += 2;
  } else if (digits.size() - pos > 1 && digits[pos] == '0') {
    base = 8;
    pos += 1;
  }
  if (pos >= digits.size()) return false;
  uint64_t mag = 0;
  auto [ptr, ec] = std::from_chars(digits.data() + pos, digits.data() + digits.size(), mag, base);
  if (ec != std::errc() || ptr != digits.data() + digits.size()) return false;
  if (negative) {
    if (mag > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - mag);
  } else {
    if (mag > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(mag);
  }
  return true;
}

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool LooksLikeFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
  size_t int_digits = 0, frac_digits = 0;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++frac_digits;
    if (int_digits == 0 && frac_digits == 0) return false;
  } else if (int_digits == 0) {
    return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// Types a plain (unquoted, untagged) scalar.
Value ResolvePlainScalar(const std::string& s, Allocator& a) {
  if (IsOneOf(s, {"", "~", "null", "Null", "NULL"})) return Value(rapidjson::kNullType);
  if (IsOneOf(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "y", "Y", "on", "On", "ON"})) {
    return Value(true);
  }
  if (IsOneOf(s, {"false", "False", "FALSE", "no", "No", "NO", "n", "N", "off", "Off", "OFF"})) {
    return Value(false);
  }
  int64_t i;
  if (ParseYamlInt(s, &i)) return Value(i);
  if (LooksLikeFloat(s)) {
    double d = std::strtod(s.c_str(), nullptr);
    if (std::isfinite(d)) {
      // Integral values print as integers, as Go's JSON encoder would.
      if (d == std::floor(d) && std::fabs(d) < 9007199254740992.0) {
        return Value(static_cast<int64_t>(d));
      }
      return Value(d);
    }
  }
  // Anything else (including .inf/.nan, which JSON cannot carry) stays a string.
  return MakeString(s, a);
}

class Converter {
 public:
  Converter(Allocator& a, size_t budget, std::vector<std::string>* duplicate_keys)
      : a_(a), budget_(budget), duplicate_keys_(duplicate_keys) {}

  Status Convert(const YAML::Node& node, Value& out, int depth) {
    if (depth > kMaxJsonDepth) return Status::BadRequest("error converting YAML to JSON: too deep");
    if (++nodes_ > budget_) {
      return Status::BadRequest(
          "error converting YAML to JSON: document expands to too many nodes");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        out.SetNull();
        return Status::OK();
      case YAML::NodeType::Scalar:
        out = ConvertScalar(node);
        return Status::OK();
      case YAML::NodeType::Sequence:
        out.SetArray();
        for (const auto& item : node) {
          Value v;
          TK_RETURN_IF_ERROR(Convert(item, v, depth + 1));
          out.PushBack(v, a_);
        }
        return Status::OK();
      case YAML::NodeType::Map:
        out.SetObject();
        for (const auto& kv : node) {
          if (!kv.first.IsScalar() && !kv.first.IsNull()) {
            return Status::BadRequest(
                "error converting YAML to JSON: mapping keys must be scalars");
          }
          std::string key = kv.first.IsNull() ? "null" : kv.first.Scalar();
          Value v;
          TK_RETURN_IF_ERROR(Convert(kv.second, v, depth + 1));
          if (duplicate_keys_ && FindMember(out, key)) {
            // go-yaml's strict wording; the line is the repeated key's.
            duplicate_keys_->push_back("line " + std::to_string(kv.first.Mark().line + 1) +
                                       ": key \"" + key + "\" already set in map");
          }
          SetValue(out, key, v, a_);  // a repeated key keeps the last value
        }
        return Status::OK();
    }
    return Status::OK();
  }

 private:
  Value ConvertScalar(const YAML::Node& node) {
    const std::string& s = node.Scalar();
    const std::string& tag = node.Tag();
    // yaml-cpp tags quoted/literal scalars "!" and plain ones "?".
    if (tag == "?") return ResolvePlainScalar(s, a_);
    if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
        tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
      return ResolvePlainScalar(s, a_);
    }
    return MakeString(s, a_);
  }

  Allocator& a_;
  size_t budget_;
  std::vector<std::string>* duplicate_keys_;
  size_t nodes_ = 0;
};

Status YamlError(const YAML::Exception& e) {
  return Status::BadRequest("error converting YAML to JSON: yaml: line " +
                            std::to_string(e.mark.line + 1) + ": " + e.msg);
}

Result<rapidjson::Document> ConvertDocument(const YAML::Node& node, size_t budget,
                                            std::vector<std::string>* duplicate_keys) {
  rapidjson::Document doc;
  Converter converter(doc.GetAllocator(), budget, duplicate_keys);
  TK_RETURN_IF_ERROR(converter.Convert(node, doc, 0));
  return doc;
}

// yaml-cpp 0.7 loops forever on a ',' outside a flow collection (",", "'a',", "- a\n,"): the
// parser keeps reporting empty documents without consuming the token. A cheap first pass over
// the event stream, with a budget no valid document can exceed, rejects such input before
// YAML::LoadAll sees it.
class EventBudget : public YAML::EventHandler {
 public:
  explicit EventBudget(size_t budget) : budget_(budget) {}
  void OnDocumentStart(const YAML::Mark&) override { Tick(); }
  void OnDocumentEnd() override { Tick(); }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { Tick(); }
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Tick(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Tick();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Tick();
  }
  void OnSequenceEnd() override { Tick(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Tick();
  }
  void OnMapEnd() override { Tick(); }

 private:
  void Tick() {
    if (++events_ > budget_) throw std::length_error("unexpected ',' or malformed document stream");
  }
  size_t budget_;
  size_t events_ = 0;
};

Status CheckTerminates(std::string_view text) {
  std::stringstream in{std::string(text)};
  YAML::Parser parser(in);
  // Every event consumes at least one input character, bar a few per document.
  EventBudget budget(4 * text.size() + 64);
  while (parser.HandleNextDocument(budget)) {
  }
  return Status::OK();
}

Result<std::vector<YAML::Node>> LoadAll(std::string_view text) {
  try {
    TK_RETURN_IF_ERROR(CheckTerminates(text));
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    return YamlError(e);
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("error converting YAML to JSON: ") + e.what());
  }
}

size_t Budget(std::string_view text) {
  return std::max(kMinNodeBudget, text.size() * kNodesPerByte);
}

// Conversion can also throw (e.g. on malformed nodes); keep exceptions inside this file.
Result<rapidjson::Document> SafeConvert(const YAML::Node& node, size_t budget,
                                        std::vector<std::string>* duplicate_keys = nullptr) {
  try {
    return ConvertDocument(node, budget, duplicate_keys);
  } catch (const YAML::Exception& e) {
    return YamlError(e);
  } catch (const std::exception& e) {
    return Status::BadRequest(std::string("error converting YAML to JSON: ") + e.what());
  }
}

bool NeedsQuotes(const std::string& s) {
  rapidjson::Document scratch;
  return !ResolvePlainScalar(s, scratch.GetAllocator()).IsString();
}

void Emit(YAML::Emitter& out, const Value& v) {
  switch (v.GetType()) {
    case rapidjson::kNullType:
      out << YAML::Null;
      break;
    case rapidjson::kFalseType:
    case rapidjson::kTrueType:
      out << (v.GetBool() ? "true" : "false");
      break;
    case rapidjson::kStringType: {
      std::string s(AsStringView(v));
      if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
      out << s;
      break;
    }
    case rapidjson::kNumberType:
      out << ToJson(v);
      break;
    case rapidjson::kArrayType:
      out << YAML::BeginSeq;
      for (const auto& e : v.GetArray()) Emit(out, e);
      out << YAML::EndSeq;
      break;
    case rapidjson::kObjectType:
      out << YAML::BeginMap;
      for (auto it = v.MemberBegin(); it != v.MemberEnd(); ++it) {
        std::string key(AsStringView(it->name));
        out << YAML::Key;
        if (NeedsQuotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        Emit(out, it->value);
      }
      out << YAML::EndMap;
      break;
  }
}

}  // namespace

Result<rapidjson::Document> YamlToJson(std::string_view text,
                                       std::vector<std::string>* duplicate_keys) {
  TK_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs, LoadAll(text));
  if (docs.empty()) return rapidjson::Document();  // null
  if (docs.size() > 1) {
    return Status::BadRequest(
        "error converting YAML to JSON: expected a single YAML document, got " +
        std::to_string(docs.size()));
  }
  return SafeConvert(docs[0], Budget(text), duplicate_keys);
}

Result<std::vector<rapidjson::Document>> YamlToJsonMulti(std::string_view text) {
  TK_ASSIGN_OR_RETURN(std::vector<YAML::Node> docs, LoadAll(text));
  std::vector<rapidjson::Document> out;
  for (const YAML::Node& node : docs) {
    if (node.IsNull() || !node.IsDefined()) continue;
    TK_ASSIGN_OR_RETURN(rapidjson::Document doc, SafeConvert(node, Budget(text)));
    out.push_back(std::move(doc));
  }
  return out;
}

std::string JsonToYaml(const rapidjson::Value& v) {
  YAML::Emitter out;
  out.SetIndent(2);
  Emit(out, v);
  std::string s = out.c_str();
  s += '\n';
  return s;
}

}  // namespace tinyk8s::api
