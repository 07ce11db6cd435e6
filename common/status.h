#pragma once
// Status and Result<T>: errors as values across component boundaries (no exceptions).
// The codes mirror the Kubernetes metav1.Status reasons so that apiserver can map them to
// HTTP status + reason in one table (apiserver/errors.h).

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tinyk8s {

enum class StatusCode {
  kOk,
  kInvalid,                // 422 Invalid (field errors)
  kBadRequest,             // 400 BadRequest
  kNotFound,               // 404 NotFound
  kAlreadyExists,          // 409 AlreadyExists
  kConflict,               // 409 Conflict (compare-and-swap failed)
  kGone,                   // 410 Expired (revision compacted / too old)
  kUnauthorized,           // 401
  kForbidden,              // 403
  kMethodNotAllowed,       // 405
  kNotAcceptable,          // 406
  kUnsupportedMediaType,   // 415
  kRequestEntityTooLarge,  // 413
  kTooManyRequests,        // 429
  kTimeout,                // 504
  kUnavailable,            // 503
  kCancelled,
  kInternal,  // 500
  kUnknown,   // 500 without a reason: upstream's answer to a plain Go error it did not classify
};

const char* StatusCodeName(StatusCode code);

// FieldError is one entry of a validation failure (Kubernetes field.Error).
struct FieldError {
  std::string type;     // cause reason: FieldValueRequired, FieldValueInvalid, ...
  std::string field;    // field path: spec.selector
  std::string message;  // full detail: Required value / Invalid value: "x": must be ...
};

// StatusDetails names the object an error is about (Kubernetes StatusDetails).
struct StatusDetails {
  std::string name;
  std::string group;
  std::string kind;
};

// Status is OK or an error code with a human message. Cheap to copy when OK.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }
  static Status Invalid(std::string m) { return {StatusCode::kInvalid, std::move(m)}; }
  static Status BadRequest(std::string m) { return {StatusCode::kBadRequest, std::move(m)}; }
  static Status NotFound(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status AlreadyExists(std::string m) { return {StatusCode::kAlreadyExists, std::move(m)}; }
  static Status Conflict(std::string m) { return {StatusCode::kConflict, std::move(m)}; }
  static Status Gone(std::string m) { return {StatusCode::kGone, std::move(m)}; }
  static Status Unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status Cancelled(std::string m) { return {StatusCode::kCancelled, std::move(m)}; }
  static Status Internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  static Status Timeout(std::string m) { return {StatusCode::kTimeout, std::move(m)}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool IsNotFound() const { return code_ == StatusCode::kNotFound; }
  bool IsAlreadyExists() const { return code_ == StatusCode::kAlreadyExists; }
  bool IsConflict() const { return code_ == StatusCode::kConflict; }
  bool IsGone() const { return code_ == StatusCode::kGone; }

  const std::vector<FieldError>& field_errors() const { return field_errors_; }
  Status& WithFieldErrors(std::vector<FieldError> errors) {
    field_errors_ = std::move(errors);
    return *this;
  }

  const StatusDetails& details() const { return details_; }
  Status& WithDetails(StatusDetails details) {
    details_ = std::move(details);
    return *this;
  }

  std::string ToString() const;

 private:
  StatusDetails details_;
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
  std::vector<FieldError> field_errors_;
};

// Result<T> holds a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}          // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { return *value_; }
  const T& value() const& { return *value_; }
  T&& value() && { return std::move(*value_); }
  T* operator->() { return &*value_; }
  const T* operator->() const { return &*value_; }
  T& operator*() & { return *value_; }
  const T& operator*() const& { return *value_; }

 private:
  std::optional<T> value_;
  Status status_;
};

#define TK_CONCAT_INNER(a, b) a##b
#define TK_CONCAT(a, b) TK_CONCAT_INNER(a, b)

#define TK_RETURN_IF_ERROR(expr)             \
  do {                                       \
    ::tinyk8s::Status tk_status_ = (expr);   \
    if (!tk_status_.ok()) return tk_status_; \
  } while (0)

#define TK_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()

#define TK_ASSIGN_OR_RETURN(lhs, expr) \
  TK_ASSIGN_OR_RETURN_IMPL(TK_CONCAT(tk_result_, __LINE__), lhs, expr)

}  // namespace tinyk8s
