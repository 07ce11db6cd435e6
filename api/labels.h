#pragma once
// Label selectors (Kubernetes labels.Selector) parsed from the string syntax used by
// `?labelSelector=` and `kubectl -l`, or from a metav1.LabelSelector JSON object, plus the
// label key/value validation rules.

#include <rapidjson/document.h>

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace tinyk8s::api {

// One term of a selector. `values` is sorted and de-duplicated.
struct LabelRequirement {
  enum class Op {
    kIn,
    kNotIn,
    kEquals,        // a=b
    kDoubleEquals,  // a==b
    kNotEquals,     // a!=b
    kExists,        // a
    kDoesNotExist,  // !a
    kGreaterThan,   // a>1 (integer compare)
    kLessThan,      // a<1
  };
  std::string key;
  Op op = Op::kExists;
  std::vector<std::string> values;

  // `value` is the object's value for `key`, or nullptr when the label is absent.
  bool Matches(const std::string* value) const;
  std::string ToString() const;
};

// A conjunction of requirements, kept sorted by key like upstream so ToString() is canonical.
// Copyable value type; thread-compatible.
class LabelSelector {
 public:
  // The empty selector: matches everything.
  LabelSelector() = default;

  // Kubernetes string syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
  // `a>1`, `a<1`, joined by commas (AND). Whitespace is ignored between tokens. Error:
  // kBadRequest with upstream's wording ("unable to parse requirement: ...").
  static Result<LabelSelector> Parse(std::string_view text);

  // From a metav1.LabelSelector ({matchLabels, matchExpressions}). A null value selects
  // nothing (upstream: a nil selector matches nothing); `{}` selects everything.
  // Error: kInvalid on a bad operator, bad key/value, bad value count or a mistyped field.
  static Result<LabelSelector> FromJson(const rapidjson::Value& label_selector);
  // Same, but a missing value (nullptr) also selects nothing.
  static Result<LabelSelector> FromJson(const rapidjson::Value* label_selector);

  // A selector that matches no object.
  static LabelSelector Nothing();

  // `labels` is an object of string values (non-string members are ignored); nullptr or a
  // non-object means "no labels".
  bool Matches(const rapidjson::Value* labels) const;
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // True when the selector has no requirements (and is not Nothing()): matches everything.
  bool Empty() const { return !nothing_ && requirements_.empty(); }
  bool MatchesNothing() const { return nothing_; }

  // kubectl's rendering: `k=v,k2 in (a,b),!k3`. Empty selector -> "", Nothing() -> "".
  std::string ToString() const;

  // Adds a requirement, keeping key order (used by FromJson; also handy for controllers).
  void Add(LabelRequirement requirement);
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }

  // If the selector consists only of `=`/`==`/`in` with exactly one value for `key`, returns
  // true and sets *value (lets callers use an index; mirrors upstream RequiresExactMatch).
  bool RequiresExactMatch(std::string_view key, std::string* value) const;

 private:
  std::vector<LabelRequirement> requirements_;
  bool nothing_ = false;
};

// Validation of a label key: a qualified name (optional DNS-1123 subdomain prefix + '/', then a
// name of at most 63 characters). Returns upstream's messages; empty when valid.
std::vector<std::string> ValidateLabelKey(std::string_view key);
// Same as ValidateLabelKey (qualified names are also used for annotation keys, finalizers...).
std::vector<std::string> IsQualifiedName(std::string_view name);
// Validation of a label value: empty, or at most 63 characters of [-A-Za-z0-9_.] that start
// and end alphanumeric.
std::vector<std::string> ValidateLabelValue(std::string_view value);

// Validates a labels object (metadata.labels): every key and value, messages prefixed like
// upstream field errors. Returns FieldErrors with field paths under `field_path`.
std::vector<FieldError> ValidateLabels(const rapidjson::Value& labels, std::string_view field_path);

}  // namespace tinyk8s::api
