#include "apiserver/allocation_claims.h"

#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace tinyk8s::apiserver {

namespace {

int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The claim is stored as a small object with metadata (the watch cache keeps every key under
// /registry/ as an object).
std::string ClaimJson(const std::string& value, const std::string& owner, int64_t claimed_at) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  w.Key("metadata");
  w.StartObject();
  w.Key("name");
  w.String(value.c_str());
  w.EndObject();
  w.Key("owner");
  w.String(owner.c_str());
  w.Key("claimedAt");
  w.Int64(claimed_at);
  w.EndObject();
  return buffer.GetString();
}

}  // namespace

Result<bool> AllocationClaims::Claim(const std::string& kind, const std::string& value,
                                     const std::string& owner) {
  const std::string key = Key(kind, value);
  const int64_t now = NowSeconds();
  const std::string claim = ClaimJson(value, owner, now);
  for (int attempt = 0; attempt < 3; ++attempt) {
    auto created = store_.Create(key, claim);
    if (created.ok()) return true;
    if (!created.status().IsAlreadyExists()) return created.status();
    auto existing = store_.Get(key);
    if (existing.status().IsNotFound()) continue;
    if (!existing.ok()) return existing.status();
    rapidjson::Document doc;
    doc.Parse(existing->value.data(), existing->value.size());
    std::string holder;
    int64_t claimed_at = 0;
    if (!doc.HasParseError() && doc.IsObject()) {
      if (doc.HasMember("owner") && doc["owner"].IsString()) holder = doc["owner"].GetString();
      if (doc.HasMember("claimedAt") && doc["claimedAt"].IsInt64()) {
        claimed_at = doc["claimedAt"].GetInt64();
      }
    }
    // Another owner's recent claim: its Service may be on its way into the store.
    if (holder != owner && now - claimed_at < stale_after_.count()) return false;
    auto updated = store_.Update(key, claim, existing->mod_revision);
    if (updated.ok()) return true;
    if (!updated.status().IsConflict() && !updated.status().IsNotFound()) {
      return updated.status();
    }
  }
  return false;
}

}  // namespace tinyk8s::apiserver
