#pragma once
// Protobuf request bodies (application/vnd.kubernetes.protobuf): kubectl 1.32+ typed clients
// send objects as the 4-byte magic "k8s\0" followed by a runtime.Unknown message
// {1: typeMeta {1: apiVersion, 2: kind}, 2: raw (the object message), 3: contentEncoding,
// 4: contentType}. The object message is decoded into JSON by walking the schema table (field
// numbers and types), producing the JSON Go's decoder would: zero scalars of non-pointer fields
// are omitted, zero times become absent, bytes become base64, maps and lists as in JSON.
//
// Untrusted input: every length is bounds-checked, nesting is limited, nothing asserts.

#include <rapidjson/document.h>

#include <string_view>

#include "api/schema/schema.h"
#include "common/status.h"

namespace tinyk8s::api::schema {

inline constexpr std::string_view kProtobufMagic{"k8s\0", 4};

// Decodes a full protobuf body (magic + runtime.Unknown). The result carries apiVersion and
// kind from the envelope. Errors: kBadRequest for malformed input, a missing magic, a
// non-identity contentEncoding or a kind the table does not know.
Result<rapidjson::Document> DecodeProtobufObject(std::string_view body, const SchemaTable& table);

// Decodes one message of `type` (no envelope) into a JSON object.
Result<rapidjson::Document> DecodeProtobufMessage(std::string_view bytes, const Type& type);

}  // namespace tinyk8s::api::schema
