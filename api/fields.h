#pragma once
// Field selectors (`?fieldSelector=metadata.name=x,status.phase!=Running`). Upstream only
// supports equality and inequality; which fields are selectable is the caller's business.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api {

struct FieldRequirement {
  std::string field;
  enum Op { kEquals, kNotEquals } op = kEquals;
  std::string value;  // unescaped; may be empty
};

// A conjunction of field requirements, sorted by their text like upstream. Copyable value type.
class FieldSelector {
 public:
  FieldSelector() = default;

  // Syntax: `f=v`, `f==v`, `f!=v`, joined by commas. In values, `\,` `\=` `\\` escape the
  // special characters (upstream fields.EscapeValue). An empty value is allowed. Error:
  // kBadRequest with upstream's wording ("invalid selector: '...'; can't understand '...'",
  // "invalid field selector: invalid escape sequence: ...").
  static Result<FieldSelector> Parse(std::string_view text);

  const std::vector<FieldRequirement>& requirements() const { return requirements_; }
  bool Empty() const { return requirements_.empty(); }

  // `get(field)` returns the object's value for a field; nullopt reads as "" (upstream
  // fields.Set.Get). Callers should reject unsupported fields (upstream: `field label not
  // supported`) before matching.
  bool Matches(const std::function<std::optional<std::string>(std::string_view field)>& get) const;

  // If there is an `=` requirement on `field`, returns its value (for index lookups such as
  // spec.nodeName).
  std::optional<std::string> RequiresExactMatch(std::string_view field) const;

  // Canonical rendering, values re-escaped: `a=b,c!=d`.
  std::string ToString() const;

 private:
  std::vector<FieldRequirement> requirements_;
};

// Escapes `\`, `,` and `=` in a field selector value.
std::string EscapeFieldValue(std::string_view value);

}  // namespace tinyk8s::api
