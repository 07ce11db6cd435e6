#include "api/labels.h"

#include <algorithm>
#include <charconv>

#include "api/json.h"
#include "api/names.h"
#include "api/validation_messages.h"

namespace tinyk8s::api {
namespace {

using Op = LabelRequirement::Op;

// ---- validation ----------------------------------------------------------------------------

constexpr std::string_view kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr std::string_view kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

// Go's %q for the common printable case; enough for error messages.
std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string QuoteList(const std::vector<std::string>& values) {
  std::string out = "[]string{";
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ", ";
    out += Quote(values[i]);
  }
  return out + "}";
}

// field.Invalid(path, value, detail).Error()
std::string InvalidError(std::string_view path, std::string_view quoted_value,
                         std::string_view detail) {
  std::string out(path);
  out += ": Invalid value: ";
  out += quoted_value;
  out += ": ";
  out += detail;
  return out;
}

bool ParseInt64(std::string_view s, int64_t* out) {
  if (s.empty()) return false;
  const char* begin = s.data();
  if (*begin == '+') ++begin;  // Go's ParseInt accepts a leading '+'
  auto [ptr, ec] = std::from_chars(begin, s.data() + s.size(), *out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

// Upstream NewRequirement's checks; returns "" when valid, else the aggregated message.
std::string ValidateRequirement(const LabelRequirement& r) {
  std::vector<std::string> errs;
  if (auto key_errs = ValidateLabelKey(r.key); !key_errs.empty()) {
    errs.push_back(InvalidError("key", Quote(r.key), Join(key_errs, "; ")));
  }
  switch (r.op) {
    case Op::kIn:
    case Op::kNotIn:
      if (r.values.empty()) {
        errs.push_back(InvalidError("values", QuoteList(r.values),
                                    "for 'in', 'notin' operators, values set can't be empty"));
      }
      break;
    case Op::kEquals:
    case Op::kDoubleEquals:
    case Op::kNotEquals:
      if (r.values.size() != 1) {
        errs.push_back(InvalidError("values", QuoteList(r.values),
                                    "exact-match compatibility requires one single value"));
      }
      break;
    case Op::kExists:
    case Op::kDoesNotExist:
      if (!r.values.empty()) {
        errs.push_back(InvalidError("values", QuoteList(r.values),
                                    "values set must be empty for exists and does not exist"));
      }
      break;
    case Op::kGreaterThan:
    case Op::kLessThan:
      if (r.values.size() != 1) {
        errs.push_back(InvalidError("values", QuoteList(r.values),
                                    "for 'Gt', 'Lt' operators, exactly one value is required"));
      }
      for (size_t i = 0; i < r.values.size(); ++i) {
        int64_t unused;
        if (!ParseInt64(r.values[i], &unused)) {
          errs.push_back(InvalidError("values[" + std::to_string(i) + "]", Quote(r.values[i]),
                                      "for 'Gt', 'Lt' operators, the value must be an integer"));
        }
      }
      break;
  }
  for (size_t i = 0; i < r.values.size(); ++i) {
    if (auto value_errs = ValidateLabelValue(r.values[i]); !value_errs.empty()) {
      errs.push_back(InvalidError("values[" + std::to_string(i) + "][" + r.key + "]",
                                  Quote(r.values[i]), Join(value_errs, "; ")));
    }
  }
  if (errs.empty()) return "";
  if (errs.size() == 1) return errs[0];
  return "[" + Join(errs, ", ") + "]";  // utilerrors.Aggregate rendering
}

void SortUnique(std::vector<std::string>& values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
}

// ---- string syntax: lexer ------------------------------------------------------------------

enum class Tok {
  kIdentifier,
  kDoesNotExist,  // !
  kNotEquals,     // !=
  kEquals,        // =
  kDoubleEquals,  // ==
  kGreaterThan,   // >
  kLessThan,      // <
  kIn,
  kNotIn,
  kOpenPar,
  kClosedPar,
  kComma,
  kEnd,
};

struct Token {
  Tok tok;
  std::string literal;
};

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
bool IsSpecial(char c) {
  return c == '=' || c == '!' || c == '(' || c == ')' || c == ',' || c == '>' || c == '<';
}

std::vector<Token> Lex(std::string_view s) {
  std::vector<Token> out;
  size_t i = 0;
  while (true) {
    while (i < s.size() && IsSpace(s[i])) ++i;
    if (i >= s.size()) {
      out.push_back({Tok::kEnd, ""});
      return out;
    }
    char c = s[i];
    if (IsSpecial(c)) {
      // Longest match: the only two-character symbols are "!=" and "==".
      bool two = i + 1 < s.size() && s[i + 1] == '=' && (c == '!' || c == '=');
      if (two) {
        out.push_back(
            {c == '!' ? Tok::kNotEquals : Tok::kDoubleEquals, std::string(s.substr(i, 2))});
        i += 2;
        continue;
      }
      Tok t = Tok::kComma;
      switch (c) {
        case '!':
          t = Tok::kDoesNotExist;
          break;
        case '=':
          t = Tok::kEquals;
          break;
        case '>':
          t = Tok::kGreaterThan;
          break;
        case '<':
          t = Tok::kLessThan;
          break;
        case '(':
          t = Tok::kOpenPar;
          break;
        case ')':
          t = Tok::kClosedPar;
          break;
        default:
          t = Tok::kComma;
          break;
      }
      out.push_back({t, std::string(1, c)});
      ++i;
      continue;
    }
    size_t start = i;
    while (i < s.size() && !IsSpace(s[i]) && !IsSpecial(s[i])) ++i;
    std::string word(s.substr(start, i - start));
    Tok t = word == "in" ? Tok::kIn : word == "notin" ? Tok::kNotIn : Tok::kIdentifier;
    out.push_back({t, std::move(word)});
  }
}

// ---- string syntax: parser (mirrors upstream's grammar and messages) ------------------------

class SelectorParser {
 public:
  explicit SelectorParser(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}

  Result<std::vector<LabelRequirement>> Parse() {
    std::vector<LabelRequirement> reqs;
    while (true) {
      const Token& t = Peek(true);
      if (t.tok == Tok::kEnd) return reqs;
      if (t.tok != Tok::kIdentifier && t.tok != Tok::kDoesNotExist) {
        return Error("found '" + t.literal + "', expected: !, identifier, or 'end of string'");
      }
      Result<LabelRequirement> r = ParseRequirement();
      if (!r.ok()) return Error("unable to parse requirement: " + r.status().message());
      reqs.push_back(std::move(r).value());
      const Token& sep = Next(true);
      if (sep.tok == Tok::kEnd) return reqs;
      if (sep.tok != Tok::kComma) {
        return Error("found '" + sep.literal + "', expected: ',' or 'end of string'");
      }
      const Token& after = Peek(true);
      if (after.tok != Tok::kIdentifier && after.tok != Tok::kDoesNotExist) {
        return Error("found '" + after.literal + "', expected: identifier after ','");
      }
    }
  }

 private:
  static Status Error(std::string m) { return Status::BadRequest(std::move(m)); }

  // In "values" context the keywords in/notin are plain identifiers (a label may be "in").
  Token Classify(const Token& t, bool values) const {
    if (values && (t.tok == Tok::kIn || t.tok == Tok::kNotIn)) return {Tok::kIdentifier, t.literal};
    return t;
  }
  const Token& Peek(bool values) {
    scratch_ = Classify(tokens_[pos_], values);
    return scratch_;
  }
  const Token& Next(bool values) {
    scratch_ = Classify(tokens_[pos_], values);
    if (pos_ + 1 < tokens_.size()) ++pos_;  // kEnd is sticky
    return scratch_;
  }

  Result<LabelRequirement> ParseRequirement() {
    LabelRequirement r;
    Token t = Next(true);
    bool negated = false;
    if (t.tok == Tok::kDoesNotExist) {
      negated = true;
      t = Next(true);
    }
    if (t.tok != Tok::kIdentifier) return Error("found '" + t.literal + "', expected: identifier");
    r.key = t.literal;
    if (auto errs = ValidateLabelKey(r.key); !errs.empty()) {
      return Error(InvalidError("key", Quote(r.key), Join(errs, "; ")));
    }
    Tok ahead = Peek(true).tok;
    if (negated || ahead == Tok::kEnd || ahead == Tok::kComma) {
      // "!a" is complete by itself; a bare "a" means Exists. "!a=b" fails at the separator.
      r.op = negated ? Op::kDoesNotExist : Op::kExists;
      return r;
    }
    Token op = Next(false);
    switch (op.tok) {
      case Tok::kIn:
        r.op = Op::kIn;
        break;
      case Tok::kNotIn:
        r.op = Op::kNotIn;
        break;
      case Tok::kEquals:
        r.op = Op::kEquals;
        break;
      case Tok::kDoubleEquals:
        r.op = Op::kDoubleEquals;
        break;
      case Tok::kNotEquals:
        r.op = Op::kNotEquals;
        break;
      case Tok::kGreaterThan:
        r.op = Op::kGreaterThan;
        break;
      case Tok::kLessThan:
        r.op = Op::kLessThan;
        break;
      default:
        return Error("found '" + op.literal + "', expected: in, notin, =, ==, !=, gt, lt");
    }
    if (r.op == Op::kIn || r.op == Op::kNotIn) {
      TK_RETURN_IF_ERROR(ParseValueList(&r.values));
    } else {
      TK_RETURN_IF_ERROR(ParseExactValue(&r.values));
    }
    SortUnique(r.values);
    if (std::string err = ValidateRequirement(r); !err.empty()) return Error(err);
    return r;
  }

  Status ParseValueList(std::vector<std::string>* values) {
    Token open = Next(true);
    if (open.tok != Tok::kOpenPar) return Error("found '" + open.literal + "' expected: '('");
    Token first = Peek(true);
    if (first.tok == Tok::kClosedPar) {  // "()" is one empty value
      Next(true);
      values->push_back("");
      return Status::OK();
    }
    if (first.tok != Tok::kIdentifier && first.tok != Tok::kComma) {
      return Error("found '" + first.literal + "', expected: ',', ')' or identifier");
    }
    // Identifiers separated by commas; an empty slot (",," or "(," or ",)") is an empty value.
    while (true) {
      Token t = Next(true);
      if (t.tok == Tok::kIdentifier) {
        values->push_back(t.literal);
        Token sep = Peek(true);
        if (sep.tok == Tok::kComma) continue;
        if (sep.tok == Tok::kClosedPar) break;
        return Error("found '" + sep.literal + "', expected: ',' or ')'");
      }
      if (t.tok == Tok::kComma) {
        if (values->empty()) values->push_back("");
        Token ahead = Peek(true);
        if (ahead.tok == Tok::kClosedPar) {
          values->push_back("");
          break;
        }
        if (ahead.tok == Tok::kComma) {
          Next(true);
          values->push_back("");
        }
        continue;
      }
      return Error("found '" + t.literal + "', expected: ',', or identifier");
    }
    Token close = Next(true);
    if (close.tok != Tok::kClosedPar) return Error("found '" + close.literal + "', expected: ')'");
    return Status::OK();
  }

  Status ParseExactValue(std::vector<std::string>* values) {
    Token ahead = Peek(true);
    if (ahead.tok == Tok::kEnd || ahead.tok == Tok::kComma) {  // "a=" means the empty value
      values->push_back("");
      return Status::OK();
    }
    Token t = Next(true);
    if (t.tok != Tok::kIdentifier) return Error("found '" + t.literal + "', expected: identifier");
    values->push_back(t.literal);
    return Status::OK();
  }

  std::vector<Token> tokens_;
  size_t pos_ = 0;
  Token scratch_;
};

bool ValueIn(const std::vector<std::string>& values, std::string_view v) {
  return std::binary_search(values.begin(), values.end(), v);
}

}  // namespace

// ---- LabelRequirement ------------------------------------------------------------------------

bool LabelRequirement::Matches(const std::string* value) const {
  switch (op) {
    case Op::kIn:
    case Op::kEquals:
    case Op::kDoubleEquals:
      return value != nullptr && ValueIn(values, *value);
    case Op::kNotIn:
    case Op::kNotEquals:
      return value == nullptr || !ValueIn(values, *value);
    case Op::kExists:
      return value != nullptr;
    case Op::kDoesNotExist:
      return value == nullptr;
    case Op::kGreaterThan:
    case Op::kLessThan: {
      int64_t have, want;
      if (value == nullptr || values.size() != 1 || !ParseInt64(*value, &have) ||
          !ParseInt64(values[0], &want)) {
        return false;
      }
      return op == Op::kGreaterThan ? have > want : have < want;
    }
  }
  return false;
}

std::string LabelRequirement::ToString() const {
  std::string out;
  if (op == Op::kDoesNotExist) out += '!';
  out += key;
  switch (op) {
    case Op::kExists:
    case Op::kDoesNotExist:
      return out;
    case Op::kEquals:
      out += "=";
      break;
    case Op::kDoubleEquals:
      out += "==";
      break;
    case Op::kNotEquals:
      out += "!=";
      break;
    case Op::kGreaterThan:
      out += ">";
      break;
    case Op::kLessThan:
      out += "<";
      break;
    case Op::kIn:
      out += " in (";
      break;
    case Op::kNotIn:
      out += " notin (";
      break;
  }
  std::vector<std::string> sorted = values;
  std::sort(sorted.begin(), sorted.end());
  out += Join(sorted, ",");
  if (op == Op::kIn || op == Op::kNotIn) out += ")";
  return out;
}

// ---- LabelSelector ---------------------------------------------------------------------------

Result<LabelSelector> LabelSelector::Parse(std::string_view text) {
  SelectorParser parser(Lex(text));
  TK_ASSIGN_OR_RETURN(std::vector<LabelRequirement> reqs, parser.Parse());
  LabelSelector sel;
  for (auto& r : reqs) sel.Add(std::move(r));
  return sel;
}

Result<LabelSelector> LabelSelector::FromJson(const rapidjson::Value* label_selector) {
  if (label_selector == nullptr) return Nothing();
  return FromJson(*label_selector);
}

Result<LabelSelector> LabelSelector::FromJson(const rapidjson::Value& json) {
  if (json.IsNull()) return Nothing();
  if (!json.IsObject()) return Status::Invalid("label selector must be an object");
  LabelSelector sel;
  std::vector<std::string> errs;
  if (const rapidjson::Value* ml = FindMember(json, "matchLabels");
      ml != nullptr && !ml->IsNull()) {
    if (!ml->IsObject()) return Status::Invalid("matchLabels must be an object");
    for (auto it = ml->MemberBegin(); it != ml->MemberEnd(); ++it) {
      if (!it->value.IsString()) {
        return Status::Invalid("matchLabels[" + std::string(AsStringView(it->name)) +
                               "] must be a string");
      }
      LabelRequirement r{
          std::string(AsStringView(it->name)), Op::kEquals, {std::string(AsStringView(it->value))}};
      if (std::string err = ValidateRequirement(r); !err.empty()) return Status::Invalid(err);
      sel.Add(std::move(r));
    }
  }
  if (const rapidjson::Value* me = FindMember(json, "matchExpressions");
      me != nullptr && !me->IsNull()) {
    if (!me->IsArray()) return Status::Invalid("matchExpressions must be an array");
    for (const auto& expr : me->GetArray()) {
      if (!expr.IsObject()) return Status::Invalid("matchExpressions items must be objects");
      LabelRequirement r;
      r.key = GetString(expr, {"key"});
      std::string op = GetString(expr, {"operator"});
      if (op == "In") {
        r.op = Op::kIn;
      } else if (op == "NotIn") {
        r.op = Op::kNotIn;
      } else if (op == "Exists") {
        r.op = Op::kExists;
      } else if (op == "DoesNotExist") {
        r.op = Op::kDoesNotExist;
      } else {
        return Status::Invalid(Quote(op) + " is not a valid label selector operator");
      }
      if (const rapidjson::Value* vals = FindMember(expr, "values");
          vals != nullptr && !vals->IsNull()) {
        if (!vals->IsArray()) return Status::Invalid("matchExpressions values must be an array");
        for (const auto& v : vals->GetArray()) {
          if (!v.IsString()) return Status::Invalid("matchExpressions values must be strings");
          r.values.emplace_back(AsStringView(v));
        }
      }
      if (std::string err = ValidateRequirement(r); !err.empty()) return Status::Invalid(err);
      SortUnique(r.values);
      sel.Add(std::move(r));
    }
  }
  return sel;
}

LabelSelector LabelSelector::Nothing() {
  LabelSelector s;
  s.nothing_ = true;
  return s;
}

void LabelSelector::Add(LabelRequirement requirement) {
  auto pos = std::upper_bound(
      requirements_.begin(), requirements_.end(), requirement.key,
      [](const std::string& key, const LabelRequirement& r) { return key < r.key; });
  requirements_.insert(pos, std::move(requirement));
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  if (nothing_) return false;
  for (const auto& r : requirements_) {
    auto it = labels.find(r.key);
    if (!r.Matches(it == labels.end() ? nullptr : &it->second)) return false;
  }
  return true;
}

bool LabelSelector::Matches(const rapidjson::Value* labels) const {
  if (nothing_) return false;
  for (const auto& r : requirements_) {
    const rapidjson::Value* v = labels != nullptr ? FindMember(*labels, r.key) : nullptr;
    if (v != nullptr && v->IsString()) {
      std::string value(AsStringView(*v));
      if (!r.Matches(&value)) return false;
    } else if (!r.Matches(nullptr)) {
      return false;
    }
  }
  return true;
}

std::string LabelSelector::ToString() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    out += requirements_[i].ToString();
  }
  return out;
}

bool LabelSelector::RequiresExactMatch(std::string_view key, std::string* value) const {
  for (const auto& r : requirements_) {
    if (r.key != key) continue;
    bool exact = (r.op == Op::kEquals || r.op == Op::kDoubleEquals || r.op == Op::kIn) &&
                 r.values.size() == 1;
    if (exact && value != nullptr) *value = r.values[0];
    return exact;
  }
  return false;
}

// ---- validation entry points -----------------------------------------------------------------

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back("a qualified name " +
                     internal::RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                          {"MyName", "my.name", "123-abc"}) +
                     " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.push_back("prefix part " + std::string(internal::kEmptyError));
    } else {
      for (std::string& m : IsDns1123Subdomain(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.push_back("name part " + std::string(internal::kEmptyError));
  } else if (name.size() > 63) {
    errs.push_back("name part " + internal::MaxLenError(63));
  }
  if (!internal::MatchesQualifiedNamePart(name)) {
    errs.push_back("name part " + internal::RegexError(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                                       {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> ValidateLabelKey(std::string_view key) { return IsQualifiedName(key); }

std::vector<std::string> ValidateLabelValue(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > 63) errs.push_back(internal::MaxLenError(63));
  if (!value.empty() && !internal::MatchesQualifiedNamePart(value)) {
    errs.push_back(
        internal::RegexError(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::vector<FieldError> ValidateLabels(const rapidjson::Value& labels,
                                       std::string_view field_path) {
  // Like upstream metav1 validation: one error per message, all reported at the map's path.
  std::vector<FieldError> out;
  std::string path(field_path);
  auto invalid = [&](std::string_view value, const std::string& msg) {
    out.push_back({"FieldValueInvalid", path, "Invalid value: " + Quote(value) + ": " + msg});
  };
  if (labels.IsNull()) return out;
  if (!labels.IsObject()) {
    out.push_back({"FieldValueTypeInvalid", path, "Invalid value: must be an object"});
    return out;
  }
  for (auto it = labels.MemberBegin(); it != labels.MemberEnd(); ++it) {
    std::string_view key = AsStringView(it->name);
    for (const std::string& msg : ValidateLabelKey(key)) invalid(key, msg);
    if (!it->value.IsString()) {
      out.push_back({"FieldValueTypeInvalid", path + "[" + std::string(key) + "]",
                     "Invalid value: must be a string"});
      continue;
    }
    std::string_view value = AsStringView(it->value);
    for (const std::string& msg : ValidateLabelValue(value)) invalid(value, msg);
  }
  return out;
}

}  // namespace tinyk8s::api
