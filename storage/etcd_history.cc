#include "storage/etcd_history.h"

#include <algorithm>

#include "storage/etcd_json.h"
#include "storage/key_range.h"

namespace tinyk8s::storage {

namespace json = etcd_json;

std::string RangeEnd(const std::string& prefix) {
  auto end = PrefixEnd(prefix);
  return end ? *end : std::string(1, '\0');
}

std::string WatchCreateRequest(const std::string& key, const std::string& range_end,
                               Revision start) {
  return "{\"key\":" + json::Bytes(key) + ",\"range_end\":" + json::Bytes(range_end) +
         ",\"start_revision\":" + json::Int(start) + ",\"prev_kv\":true,\"progress_notify\":true}";
}

Result<WatchEvent> ToWatchEvent(const rapidjson::Value& event, size_t strip) {
  WatchEvent out;
  const rapidjson::Value* kv = json::Member(event, "kv");
  if (kv == nullptr) return Status::Internal("etcd: watch event without kv");
  TK_ASSIGN_OR_RETURN(out.kv, json::ToKeyValue(*kv, strip));
  auto type = event.FindMember("type");
  if (type != event.MemberEnd() && type->value.IsString() &&
      std::string_view(type->value.GetString()) == "DELETE") {
    out.type = EventType::kDelete;
    out.kv.value.clear();
    out.kv.create_revision = 0;
  }
  if (const rapidjson::Value* prev = json::Member(event, "prev_kv")) {
    TK_ASSIGN_OR_RETURN(out.prev, json::ToKeyValue(*prev, strip));
  }
  return out;
}

void EtcdHistory::NoteCurrent(Revision revision) {
  Revision seen = current_.load();
  while (revision > seen && !current_.compare_exchange_weak(seen, revision)) {
  }
}

void EtcdHistory::NoteCompacted(Revision revision) {
  Revision seen = compacted_.load();
  while (revision > seen && !compacted_.compare_exchange_weak(seen, revision)) {
  }
}

Result<Revision> EtcdHistory::ReadCurrent() {
  std::string key = prefix_.empty() ? std::string(1, '\0') : prefix_;
  TK_ASSIGN_OR_RETURN(
      rapidjson::Document response,
      client_->Call("/v3/kv/range", "{\"key\":" + json::Bytes(key) + ",\"count_only\":true}"));
  const rapidjson::Value* header = json::Member(response, "header");
  if (header == nullptr) return Status::Internal("etcd: range response without header");
  Revision revision = json::Int64(*header, "revision");
  NoteCurrent(revision);
  return revision;
}

Result<HistorySource::Revisions> EtcdHistory::SnapshotRevisions() {
  Revisions revisions;
  TK_ASSIGN_OR_RETURN(revisions.current, ReadCurrent());
  revisions.compacted = compacted();
  return revisions;
}

Status EtcdHistory::ReadHistory(const std::string& prefix, Revision after, Revision upto, int limit,
                                std::vector<WatchEvent>* out) {
  // Revision 1 is etcd's initial state, which no event wrote.
  if (after >= upto || upto <= 1) return Status::OK();
  const std::string all(1, '\0');
  TK_ASSIGN_OR_RETURN(
      auto stream, client_->Watch(WatchCreateRequest(all, all, std::max<Revision>(after + 1, 1))));
  const std::string wanted = prefix_ + prefix;
  int added = 0;
  while (true) {
    TK_ASSIGN_OR_RETURN(rapidjson::Document message, stream->Next());
    const rapidjson::Value& result = message["result"];
    if (Revision compacted = json::Int64(result, "compact_revision"); compacted > 0) {
      NoteCompacted(compacted);
      return Status::Gone("revision " + std::to_string(after) +
                          " has been compacted (compacted revision " + std::to_string(compacted) +
                          ")");
    }
    if (json::Bool(result, "canceled")) {
      return Status::Unavailable("etcd: history watch cancelled");
    }
    const rapidjson::Value* events = json::Member(result, "events");
    if (events == nullptr || !events->IsArray()) continue;
    // etcd never splits one revision's events across two messages: stopping between messages
    // ends a page on a revision boundary.
    Revision reached = after;
    for (const rapidjson::Value& event : events->GetArray()) {
      const rapidjson::Value* kv = json::Member(event, "kv");
      Revision revision = kv != nullptr ? json::Int64(*kv, "mod_revision") : 0;
      if (revision > upto) return Status::OK();
      reached = std::max(reached, revision);
      TK_ASSIGN_OR_RETURN(WatchEvent converted, ToWatchEvent(event, 0));
      if (!HasPrefix(converted.kv.key, wanted)) continue;
      converted.kv.key.erase(0, prefix_.size());
      if (converted.prev) converted.prev->key.erase(0, prefix_.size());
      out->push_back(std::move(converted));
      ++added;
    }
    if (reached >= upto || added >= limit) return Status::OK();
  }
}

}  // namespace tinyk8s::storage
