#pragma once
// Swagger 2.0 in gnostic's protobuf form (openapi_v2.Document,
// application/com.github.proto-openapi.spec.v2@v1.0+protobuf): kubectl 1.27/1.28 read the
// OpenAPI v2 document only in this encoding.

#include <string>

#include "common/status.h"

namespace tinyk8s::apiserver {

// Converts a Swagger 2.0 JSON document (as OpenApi builds it) to gnostic protobuf bytes.
// Errors: kInternal when the JSON uses a construct the encoder does not cover.
Result<std::string> OpenApiV2JsonToProto(const std::string& json);

}  // namespace tinyk8s::apiserver
