#pragma once
// Pieces of etcd's JSON gateway encoding: bytes are base64 strings, 64-bit integers are
// decimal strings, fields with default values are omitted.

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/store.h"

namespace tinyk8s::storage::etcd_json {

// Bytes returns `bytes` as a quoted base64 JSON string.
std::string Bytes(std::string_view bytes);
// Int returns `n` as a quoted decimal JSON string.
std::string Int(int64_t n);

// Int64 reads an int64 member given as a string or a number (0 when absent).
int64_t Int64(const rapidjson::Value& object, const char* name);
bool Bool(const rapidjson::Value& object, const char* name);
// Member returns object[name] if it is an object or array, else nullptr.
const rapidjson::Value* Member(const rapidjson::Value& object, const char* name);

// ToKeyValue decodes a mvccpb.KeyValue, dropping the first `strip` bytes of the key (the
// store's prefix).
Result<KeyValue> ToKeyValue(const rapidjson::Value& kv, size_t strip);

}  // namespace tinyk8s::storage::etcd_json
