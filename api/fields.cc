#include "api/fields.h"

#include <algorithm>

namespace tinyk8s::api {
namespace {

// Splits on commas that are not backslash-escaped; escapes stay in the terms.
std::vector<std::string_view> SplitTerms(std::string_view s) {
  std::vector<std::string_view> terms;
  if (s.empty()) return terms;
  size_t start = 0;
  bool escaped = false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (escaped) {
      escaped = false;
    } else if (s[i] == '\\') {
      escaped = true;
    } else if (s[i] == ',') {
      terms.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  terms.push_back(s.substr(start));
  return terms;
}

// The first operator occurrence splits the term (no escaping on the left-hand side). "!=" and
// "==" are tried before "=" so the value never keeps a stray '='.
bool SplitTerm(std::string_view term, std::string_view* lhs, FieldRequirement::Op* op,
               std::string_view* rhs) {
  for (size_t i = 0; i < term.size(); ++i) {
    std::string_view rest = term.substr(i);
    size_t len = 0;
    if (rest.starts_with("!=")) {
      *op = FieldRequirement::kNotEquals;
      len = 2;
    } else if (rest.starts_with("==")) {
      *op = FieldRequirement::kEquals;
      len = 2;
    } else if (rest.starts_with("=")) {
      *op = FieldRequirement::kEquals;
      len = 1;
    } else {
      continue;
    }
    *lhs = term.substr(0, i);
    *rhs = term.substr(i + len);
    return true;
  }
  return false;
}

Result<std::string> UnescapeValue(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool escaped = false;
  for (char c : s) {
    if (escaped) {
      if (c != '\\' && c != ',' && c != '=') {
        return Status::BadRequest("invalid field selector: invalid escape sequence: \\" +
                                  std::string(1, c));
      }
      out += c;
      escaped = false;
      continue;
    }
    if (c == '\\') {
      escaped = true;
    } else if (c == ',' || c == '=') {
      // Upstream prints the rune with %v, i.e. its code point number.
      return Status::BadRequest("invalid field selector: unescaped character in value: " +
                                std::to_string(static_cast<int>(c)));
    } else {
      out += c;
    }
  }
  if (escaped) return Status::BadRequest("invalid field selector: invalid escape sequence: \\");
  return out;
}

}  // namespace

std::string EscapeFieldValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\' || c == ',' || c == '=') out += '\\';
    out += c;
  }
  return out;
}

Result<FieldSelector> FieldSelector::Parse(std::string_view text) {
  std::vector<std::string_view> terms = SplitTerms(text);
  std::sort(terms.begin(), terms.end());  // upstream sorts terms for a deterministic result
  FieldSelector sel;
  for (std::string_view term : terms) {
    if (term.empty()) continue;
    std::string_view lhs, rhs;
    FieldRequirement::Op op;
    if (!SplitTerm(term, &lhs, &op, &rhs)) {
      return Status::BadRequest("invalid selector: '" + std::string(text) +
                                "'; can't understand '" + std::string(term) + "'");
    }
    TK_ASSIGN_OR_RETURN(std::string value, UnescapeValue(rhs));
    sel.requirements_.push_back({std::string(lhs), op, std::move(value)});
  }
  return sel;
}

bool FieldSelector::Matches(
    const std::function<std::optional<std::string>(std::string_view field)>& get) const {
  for (const FieldRequirement& r : requirements_) {
    std::string have = get(r.field).value_or("");
    bool equal = have == r.value;
    if (equal != (r.op == FieldRequirement::kEquals)) return false;
  }
  return true;
}

std::optional<std::string> FieldSelector::RequiresExactMatch(std::string_view field) const {
  for (const FieldRequirement& r : requirements_) {
    if (r.field == field && r.op == FieldRequirement::kEquals) return r.value;
  }
  return std::nullopt;
}

std::string FieldSelector::ToString() const {
  std::string out;
  for (size_t i = 0; i < requirements_.size(); ++i) {
    if (i > 0) out += ',';
    const FieldRequirement& r = requirements_[i];
    out += r.field;
    out += r.op == FieldRequirement::kEquals ? "=" : "!=";
    out += EscapeFieldValue(r.value);
  }
  return out;
}

}  // namespace tinyk8s::api
