#include "storage/etcd_store.h"

#include <climits>
#include <utility>

#include "common/logging.h"
#include "storage/compaction_policy.h"
#include "storage/etcd_history.h"
#include "storage/etcd_json.h"
#include "storage/key_range.h"

namespace tinyk8s::storage {

namespace json = etcd_json;

namespace {

const rapidjson::Value& Header(const rapidjson::Value& response) {
  static const rapidjson::Value kEmpty(rapidjson::kObjectType);
  const rapidjson::Value* header = json::Member(response, "header");
  return header != nullptr ? *header : kEmpty;
}

// FirstResponse returns the first op response of a txn ("response_put", ...), or nullptr.
const rapidjson::Value* FirstResponse(const rapidjson::Value& txn, const char* kind) {
  const rapidjson::Value* responses = json::Member(txn, "responses");
  if (responses == nullptr || !responses->IsArray() || responses->Empty()) return nullptr;
  return json::Member((*responses)[0], kind);
}

// ExistsCompare is the txn guard for update/delete: the key's mod_revision equals `expected`,
// or (expected == 0) the key exists at all.
std::string ExistsCompare(const std::string& key, Revision expected) {
  if (expected == 0) {
    return "{\"key\":" + json::Bytes(key) +
           ",\"target\":\"CREATE\",\"result\":\"GREATER\",\"create_revision\":\"0\"}";
  }
  return "{\"key\":" + json::Bytes(key) +
         ",\"target\":\"MOD\",\"result\":\"EQUAL\",\"mod_revision\":" + json::Int(expected) + "}";
}

// KeyOrStart maps the empty key (where a scan of everything starts) to "\0": etcd rejects an
// empty key.
std::string KeyOrStart(const std::string& key) { return key.empty() ? std::string(1, '\0') : key; }

// Replaced tells whether event `e` overwrote or deleted the revision a guarded write expected
// (expected 0: any existing value).
bool Replaced(const WatchEvent& e, Revision expected) {
  return e.prev.has_value() && (expected == 0 || e.prev->mod_revision == expected);
}

Status Stale(const std::string& key, const rapidjson::Value& txn) {
  const rapidjson::Value* range = FirstResponse(txn, "response_range");
  if (range == nullptr || json::Int64(*range, "count") == 0) {
    return Status::NotFound("storage: key not found: " + key);
  }
  return Status::Conflict("storage: revision mismatch for " + key);
}

}  // namespace

Result<std::unique_ptr<EtcdStore>> EtcdStore::Open(const EtcdStoreOptions& options) {
  std::unique_ptr<EtcdStore> store(new EtcdStore(options));
  TK_ASSIGN_OR_RETURN(store->client_, EtcdClient::Create(options.client));
  store->history_ = std::make_shared<EtcdHistory>(store->client_, options.prefix);
  TK_ASSIGN_OR_RETURN(Revision current, store->history_->ReadCurrent());
  store->history_->NoteCompacted(store->DiscoverCompacted(current));
  WatchHubOptions hub_options;
  hub_options.buffer_events = options.watch_buffer_events;
  store->hub_ = std::make_unique<WatchHub>(hub_options, store->history_);
  store->feed_seen_ = store->prefix_revision_ = current;
  store->feed_thread_ = std::thread([s = store.get(), current] { s->FeedLoop(current); });
  if (options.compaction_interval.count() > 0) {
    store->compaction_thread_ = std::thread([s = store.get()] { s->CompactionLoop(); });
  }
  TK_VLOG(1) << "storage: etcd at revision " << current << " (compacted "
             << store->history_->compacted() << "), prefix \"" << options.prefix << "\"";
  return store;
}

EtcdStore::EtcdStore(const EtcdStoreOptions& options) : options_(options) {}

EtcdStore::~EtcdStore() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    if (feed_stream_) feed_stream_->Cancel();
  }
  cv_.notify_all();
  progress_cv_.notify_all();
  if (feed_thread_.joinable()) feed_thread_.join();
  if (compaction_thread_.joinable()) compaction_thread_.join();
  hub_.reset();  // delivers what the feed published, then closes the watches
}

bool EtcdStore::Stopping() {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

// DiscoverCompacted finds etcd's compacted revision, which etcd does not report: a read at
// revision r fails as compacted exactly when r < compacted, so bisect on that.
Revision EtcdStore::DiscoverCompacted(Revision current) {
  const std::string key = KeyOrStart(options_.prefix);
  auto readable = [&](Revision r) {
    auto response = client_->Call(
        "/v3/kv/range",
        "{\"key\":" + json::Bytes(key) + ",\"count_only\":true,\"revision\":" + json::Int(r) + "}");
    return response.ok() || response.status().code() != StatusCode::kGone;
  };
  if (current <= 1 || readable(1)) return 0;
  Revision lo = 1, hi = current;  // !readable(lo), readable(hi)
  while (hi - lo > 1) {
    Revision mid = lo + (hi - lo) / 2;
    (readable(mid) ? hi : lo) = mid;
  }
  return hi;
}

Result<KeyValue> EtcdStore::Get(const std::string& key) {
  TK_ASSIGN_OR_RETURN(
      rapidjson::Document response,
      client_->Call("/v3/kv/range", "{\"key\":" + json::Bytes(options_.prefix + key) + "}"));
  history_->NoteCurrent(json::Int64(Header(response), "revision"));
  const rapidjson::Value* kvs = json::Member(response, "kvs");
  if (kvs == nullptr || !kvs->IsArray() || kvs->Empty()) {
    return Status::NotFound("storage: key not found: " + key);
  }
  return json::ToKeyValue((*kvs)[0], options_.prefix.size());
}

Result<ListResult> EtcdStore::List(const std::string& prefix, const ListOptions& options) {
  if (options.revision < 0 || options.limit < 0) return Status::Invalid("storage: negative option");
  const std::string full = options_.prefix + prefix;
  std::string body =
      "{\"key\":" +
      json::Bytes(KeyOrStart(options_.prefix + ListLowerBound(prefix, options.start_after))) +
      ",\"range_end\":" + json::Bytes(RangeEnd(full));
  if (options.revision > 0) body += ",\"revision\":" + json::Int(options.revision);
  if (options.limit > 0) body += ",\"limit\":" + json::Int(options.limit);
  body += "}";
  auto response = client_->Call("/v3/kv/range", body);
  if (!response.ok()) {
    if (response.status().code() == StatusCode::kGone)
      history_->NoteCompacted(options.revision + 1);
    return response.status();
  }
  ListResult result;
  Revision current = json::Int64(Header(*response), "revision");
  history_->NoteCurrent(current);
  result.revision = options.revision > 0 ? options.revision : current;
  if (const rapidjson::Value* kvs = json::Member(*response, "kvs"); kvs != nullptr) {
    result.items.reserve(kvs->Size());
    for (const rapidjson::Value& kv : kvs->GetArray()) {
      TK_ASSIGN_OR_RETURN(KeyValue item, json::ToKeyValue(kv, options_.prefix.size()));
      result.items.push_back(std::move(item));
    }
  }
  result.more = json::Bool(*response, "more");
  // count is every key in [lower bound, end), the returned ones included.
  result.remaining = json::Int64(*response, "count") - static_cast<int64_t>(result.items.size());
  if (result.remaining < 0) result.remaining = 0;
  return result;
}

Result<int64_t> EtcdStore::Count(const std::string& prefix) {
  const std::string full = options_.prefix + prefix;
  TK_ASSIGN_OR_RETURN(
      rapidjson::Document response,
      client_->Call("/v3/kv/range", "{\"key\":" + json::Bytes(KeyOrStart(full)) +
                                        ",\"range_end\":" + json::Bytes(RangeEnd(full)) +
                                        ",\"count_only\":true}"));
  return json::Int64(response, "count");
}

Result<EtcdStore::TxnResult> EtcdStore::Txn(const std::string& key, const std::string& compare,
                                            const std::string& success) {
  // The failure branch reads whether the key exists, to tell kNotFound from kConflict.
  std::string body = "{\"compare\":[" + compare + "],\"success\":[" + success +
                     "],\"failure\":[{\"request_range\":{\"key\":" + json::Bytes(key) +
                     ",\"count_only\":true}}]}";
  TxnResult txn;
  txn.sent_after = history_->current();
  TK_ASSIGN_OR_RETURN(txn.response, client_->Call("/v3/kv/txn", body, &txn.maybe_applied));
  history_->NoteCurrent(json::Int64(Header(txn.response), "revision"));
  txn.succeeded = json::Bool(txn.response, "succeeded");
  return txn;
}

// FindOwnWrite runs when a write failed its compare. If that was a retry and an earlier attempt
// may have been applied (etcd committed it, the answer was lost): a txn is atomic, so that
// attempt either left no trace or is one event on `key` after `sent_after` (etcd's revision
// before the write was sent) and at most the revision at which the retry failed. It returns the
// first such event that `ours` recognises, or nothing (also when that history is compacted:
// then the caller reports the failure, as without a retry).
std::optional<WatchEvent> EtcdStore::FindOwnWrite(
    const std::string& key, const TxnResult& failed,
    const std::function<bool(const WatchEvent&)>& ours) {
  if (!failed.maybe_applied) return std::nullopt;
  const Revision upto = json::Int64(Header(failed.response), "revision");
  std::vector<WatchEvent> events;
  Status read = history_->ReadHistory(key, failed.sent_after, upto, INT_MAX, &events);
  if (!read.ok()) {
    TK_LOG_WARN << "storage: cannot tell whether a retried write of " << key
                << " was applied: " << read.ToString();
    return std::nullopt;
  }
  for (WatchEvent& event : events) {
    if (event.kv.key == key && ours(event)) return std::move(event);
  }
  return std::nullopt;
}

Result<KeyValue> EtcdStore::Create(const std::string& key, std::string value) {
  if (key.empty()) return Status::Invalid("storage: key must not be empty");
  const std::string full = options_.prefix + key;
  TK_ASSIGN_OR_RETURN(
      TxnResult txn,
      Txn(full,
          "{\"key\":" + json::Bytes(full) +
              ",\"target\":\"CREATE\",\"result\":\"EQUAL\",\"create_revision\":\"0\"}",
          "{\"request_put\":{\"key\":" + json::Bytes(full) + ",\"value\":" + json::Bytes(value) +
              "}}"));
  if (!txn.succeeded) {
    // Only one create can succeed while the key is absent; ours wrote exactly our bytes.
    auto own = FindOwnWrite(key, txn, [&](const WatchEvent& e) {
      return e.type == EventType::kPut && e.kv.create_revision == e.kv.mod_revision &&
             e.kv.value == value;
    });
    if (own) return std::move(own->kv);
    return Status::AlreadyExists("storage: key already exists: " + key);
  }
  KeyValue kv;
  kv.key = key;
  kv.value = std::move(value);
  kv.create_revision = kv.mod_revision = json::Int64(Header(txn.response), "revision");
  return kv;
}

Result<KeyValue> EtcdStore::Update(const std::string& key, std::string value,
                                   Revision expected_mod_revision) {
  if (key.empty()) return Status::Invalid("storage: key must not be empty");
  if (expected_mod_revision < 0) return Status::Invalid("storage: negative revision");
  const std::string full = options_.prefix + key;
  TK_ASSIGN_OR_RETURN(TxnResult txn,
                      Txn(full, ExistsCompare(full, expected_mod_revision),
                          "{\"request_put\":{\"key\":" + json::Bytes(full) +
                              ",\"value\":" + json::Bytes(value) + ",\"prev_kv\":true}}"));
  if (!txn.succeeded) {
    // Only one write can replace the expected revision; ours wrote exactly our bytes.
    // (An unconditional update retried after it was applied succeeds again: same bytes.)
    auto own = FindOwnWrite(key, txn, [&](const WatchEvent& e) {
      return e.type == EventType::kPut && e.kv.value == value && Replaced(e, expected_mod_revision);
    });
    if (own) return std::move(own->kv);
    return Stale(key, txn.response);
  }
  KeyValue kv;
  kv.key = key;
  kv.value = std::move(value);
  kv.mod_revision = json::Int64(Header(txn.response), "revision");
  const rapidjson::Value* put = FirstResponse(txn.response, "response_put");
  const rapidjson::Value* prev = put != nullptr ? json::Member(*put, "prev_kv") : nullptr;
  kv.create_revision = prev != nullptr ? json::Int64(*prev, "create_revision") : kv.mod_revision;
  return kv;
}

Result<KeyValue> EtcdStore::Delete(const std::string& key, Revision expected_mod_revision) {
  if (key.empty()) return Status::Invalid("storage: key must not be empty");
  if (expected_mod_revision < 0) return Status::Invalid("storage: negative revision");
  const std::string full = options_.prefix + key;
  TK_ASSIGN_OR_RETURN(TxnResult txn, Txn(full, ExistsCompare(full, expected_mod_revision),
                                         "{\"request_delete_range\":{\"key\":" + json::Bytes(full) +
                                             ",\"prev_kv\":true}}"));
  if (!txn.succeeded) {
    // A guarded delete is the one write that removed the expected revision; an unconditional
    // one is taken to be the first delete after it was sent.
    auto own = FindOwnWrite(key, txn, [&](const WatchEvent& e) {
      return e.type == EventType::kDelete && Replaced(e, expected_mod_revision);
    });
    if (!own) return Stale(key, txn.response);
    KeyValue kv = std::move(*own->prev);
    kv.mod_revision = own->kv.mod_revision;
    return kv;
  }
  const rapidjson::Value* deleted = FirstResponse(txn.response, "response_delete_range");
  const rapidjson::Value* prev_kvs =
      deleted != nullptr ? json::Member(*deleted, "prev_kvs") : nullptr;
  if (prev_kvs == nullptr || !prev_kvs->IsArray() || prev_kvs->Empty()) {
    return Status::Internal("storage: etcd delete returned no previous value for " + key);
  }
  TK_ASSIGN_OR_RETURN(KeyValue kv, json::ToKeyValue((*prev_kvs)[0], options_.prefix.size()));
  kv.mod_revision = json::Int64(Header(txn.response), "revision");
  return kv;
}

Result<std::unique_ptr<Watch>> EtcdStore::WatchPrefix(const std::string& prefix,
                                                      Revision after_revision) {
  if (after_revision < 0) return Status::Invalid("storage: negative revision");
  // Another server may have compacted: ask etcd whether history after `after_revision` is
  // still there, so that a compacted start fails here rather than on the first Next.
  if (after_revision < history_->current() && after_revision >= history_->compacted()) {
    const std::string key = KeyOrStart(options_.prefix);
    auto probe = client_->Call(
        "/v3/kv/range", "{\"key\":" + json::Bytes(key) + ",\"count_only\":true,\"revision\":" +
                            json::Int(std::max<Revision>(after_revision, 1)) + "}");
    if (!probe.ok() && probe.status().code() == StatusCode::kGone) {
      history_->NoteCompacted(after_revision + 1);
    }
  }
  return hub_->StartWatch(prefix, after_revision);
}

Status EtcdStore::Compact(Revision revision) {
  if (revision < 0) return Status::Invalid("storage: negative revision");
  if (revision <= history_->compacted()) return Status::OK();
  auto response = client_->Call("/v3/kv/compaction", "{\"revision\":" + json::Int(revision) + "}");
  if (!response.ok()) {
    // Compacted further already (by another server): nothing to do.
    if (response.status().code() == StatusCode::kGone) return Status::OK();
    return response.status();
  }
  history_->NoteCompacted(revision);
  return Status::OK();
}

// CurrentRevision reads etcd's revision R (a linearizable read), waits until the feed has seen
// R, and returns the newest revision that wrote under the prefix by then: every write of this
// store's keys up to R is at or below it, and only such revisions ever reach watchers.
Revision EtcdStore::CurrentRevision() {
  auto current = history_->ReadCurrent();
  std::unique_lock<std::mutex> lock(mu_);
  if (!current.ok()) return prefix_revision_;
  bool caught_up = progress_cv_.wait_for(lock, std::chrono::seconds(5),
                                         [&] { return stopping_ || feed_seen_ >= *current; });
  return caught_up ? prefix_revision_ : *current;
}

Revision EtcdStore::CompactedRevision() { return history_->compacted(); }

// FeedLoop follows etcd with one watch and publishes every event under the prefix to the hub.
// It watches the whole key space, not only the prefix, so that it sees every revision and
// CurrentRevision can tell when it has caught up with etcd (writes of others elsewhere in the
// cluster move etcd's revision without an event here). When the stream breaks it resumes after
// the last revision on the next member; if history was compacted past that point meanwhile,
// events are lost: every watch is closed with kGone so that its consumer re-lists, and the feed
// restarts at the current revision.
void EtcdStore::FeedLoop(Revision start_after) {
  const std::string& prefix = options_.prefix;
  const std::string all(1, '\0');
  Revision last = start_after;
  while (!Stopping()) {
    auto opened = client_->Watch(WatchCreateRequest(all, all, last + 1));
    if (!opened.ok()) {
      TK_LOG_WARN << "storage: etcd watch: " << opened.status().ToString();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200), [&] { return stopping_; });
      continue;
    }
    std::shared_ptr<EtcdWatchStream> stream = std::move(opened).value();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      feed_stream_ = stream;
    }
    Revision compacted = 0;
    while (true) {
      auto message = stream->Next();
      if (!message.ok()) {
        if (message.status().code() != StatusCode::kCancelled) {
          TK_LOG_WARN << "storage: etcd watch on " << stream->endpoint() << " broke ("
                      << message.status().ToString() << "); resuming after revision " << last;
        }
        break;
      }
      const rapidjson::Value& result = (*message)["result"];
      compacted = json::Int64(result, "compact_revision");
      if (compacted > 0 || json::Bool(result, "canceled")) break;
      std::vector<WatchEvent> batch;
      Revision newest_mine = 0;  // one message may carry other prefixes' later revisions too
      if (const rapidjson::Value* events = json::Member(result, "events")) {
        for (const rapidjson::Value& event : events->GetArray()) {
          auto converted = ToWatchEvent(event, 0);
          if (!converted.ok()) {
            TK_LOG_WARN << "storage: etcd watch event: " << converted.status().ToString();
            continue;
          }
          last = std::max(last, converted->kv.mod_revision);
          if (!HasPrefix(converted->kv.key, prefix)) continue;
          newest_mine = std::max(newest_mine, converted->kv.mod_revision);
          converted->kv.key.erase(0, prefix.size());
          if (converted->prev) converted->prev->key.erase(0, prefix.size());
          batch.push_back(std::move(converted).value());
        }
      }
      history_->NoteCurrent(last);
      {
        std::lock_guard<std::mutex> lock(mu_);
        feed_seen_ = std::max(feed_seen_, last);
        prefix_revision_ = std::max(prefix_revision_, newest_mine);
      }
      // Published before waking CurrentRevision callers: a reader that then waits for the
      // revision finds its events already on their way to the watchers.
      hub_->Publish(std::move(batch));
      progress_cv_.notify_all();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      feed_stream_.reset();
    }
    if (compacted > 0) {
      history_->NoteCompacted(compacted);
      auto current = history_->ReadCurrent();
      if (!current.ok()) continue;  // retried from `last`, which fails the same way
      TK_LOG_WARN << "storage: etcd compacted past revision " << last
                  << " before the watch resumed; closing watches (clients re-list)";
      last = *current;
      {
        std::lock_guard<std::mutex> lock(mu_);
        feed_seen_ = std::max(feed_seen_, last);
        prefix_revision_ = std::max(prefix_revision_, last);
      }
      progress_cv_.notify_all();
      hub_->CloseAll(Status::Gone("storage: events after revision " + std::to_string(last) +
                                  " were compacted before they could be delivered; re-list"));
    }
  }
}

void EtcdStore::CompactionLoop() {
  CompactionPolicy policy(options_.retain_duration, options_.retain_revisions);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    lock.unlock();
    auto current = history_->ReadCurrent();
    if (current.ok()) {
      Revision target = policy.Target(std::chrono::steady_clock::now(), *current);
      if (target > history_->compacted()) {
        Status status = Compact(target);
        if (!status.ok()) TK_LOG_WARN << "storage: automatic compaction: " << status.ToString();
      }
    }
    lock.lock();
    cv_.wait_for(lock, options_.compaction_interval, [&] { return stopping_; });
  }
}

}  // namespace tinyk8s::storage
