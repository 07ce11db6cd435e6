#pragma once
// Decoding of metav1.Status error bodies into Status values (reason -> StatusCode, message,
// details, causes -> field_errors). Used by RestClient for error responses and watch ERROR
// events; FakeClient builds the same Status values directly.

#include <rapidjson/document.h>

#include <string_view>

#include "common/status.h"

namespace tinyk8s::client {

// StatusCodeForReason maps a metav1.Status reason ("NotFound", "Expired", "Gone", ...) to a
// code; unknown reasons fall back to the HTTP code (0 = unknown -> kInternal).
StatusCode StatusCodeForReason(std::string_view reason, unsigned http_code);
// StatusCodeForHttp maps an HTTP status code alone.
StatusCode StatusCodeForHttp(unsigned http_code);

// StatusFromObject decodes a metav1.Status object; `http_code` is used when the object has no
// `code`/`reason`. Returns OK for status "Success".
Status StatusFromObject(const rapidjson::Value& status, unsigned http_code = 0);
// StatusFromResponse decodes an error response body; a body that is not a Status object gives
// a Status from the HTTP code with the body (truncated) as message.
Status StatusFromResponse(unsigned http_code, std::string_view body);

// HasCause reports whether `status` carries a cause (field error) of the given type, e.g.
// HasCause(s, "NamespaceTerminating").
bool HasCause(const Status& status, std::string_view cause_type);

}  // namespace tinyk8s::client
