#include "storage/etcd_json.h"

#include <cstdlib>

#include "common/base64.h"

namespace tinyk8s::storage::etcd_json {

std::string Bytes(std::string_view bytes) { return "\"" + Base64Encode(bytes) + "\""; }

std::string Int(int64_t n) { return "\"" + std::to_string(n) + "\""; }

int64_t Int64(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return 0;
  if (it->value.IsString()) return std::strtoll(it->value.GetString(), nullptr, 10);
  if (it->value.IsInt64()) return it->value.GetInt64();
  return 0;
}

bool Bool(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it != object.MemberEnd() && it->value.IsBool() && it->value.GetBool();
}

const rapidjson::Value* Member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd() || !(it->value.IsObject() || it->value.IsArray())) return nullptr;
  return &it->value;
}

namespace {
Result<std::string> DecodeBytes(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  if (it == object.MemberEnd()) return std::string();
  if (!it->value.IsString())
    return Status::Internal(std::string("etcd: ") + name + " not a string");
  auto decoded = Base64Decode(std::string_view(it->value.GetString(), it->value.GetStringLength()));
  if (!decoded) return Status::Internal(std::string("etcd: ") + name + " is not base64");
  return std::move(*decoded);
}
}  // namespace

Result<KeyValue> ToKeyValue(const rapidjson::Value& kv, size_t strip) {
  KeyValue out;
  TK_ASSIGN_OR_RETURN(std::string key, DecodeBytes(kv, "key"));
  if (key.size() < strip) return Status::Internal("etcd: key outside the store's prefix");
  out.key = key.substr(strip);
  TK_ASSIGN_OR_RETURN(out.value, DecodeBytes(kv, "value"));
  out.create_revision = Int64(kv, "create_revision");
  out.mod_revision = Int64(kv, "mod_revision");
  return out;
}

}  // namespace tinyk8s::storage::etcd_json
