#pragma once
// EtcdHistory: the revisions and the event history of an EtcdStore's prefix, read from etcd.
// It is the WatchHub's HistorySource (a watch from an old revision replays from here) and keeps
// the revisions the store has seen. Shared by the store and its watches (which may outlive it).
//
// History is read through a short-lived etcd watch that starts at the wanted revision. It
// covers the whole key space, not only the prefix: every etcd revision after the first is the
// revision of some event, so the replay knows it is complete when it sees the event at `upto`
// (a watch on the prefix alone could wait forever for a revision written elsewhere).
//
// Thread-safe.

#include <rapidjson/document.h>

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "storage/etcd_client.h"
#include "storage/watch_hub.h"

namespace tinyk8s::storage {

class EtcdHistory final : public HistorySource {
 public:
  EtcdHistory(std::shared_ptr<EtcdClient> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}

  Result<Revisions> SnapshotRevisions() override;
  Status ReadHistory(const std::string& prefix, Revision after, Revision upto, int limit,
                     std::vector<WatchEvent>* out) override;

  EtcdClient& client() { return *client_; }
  // The etcd key prefix of the store ("" = none).
  const std::string& prefix() const { return prefix_; }

  // ReadCurrent asks etcd for its current revision (one linearizable read).
  Result<Revision> ReadCurrent();
  Revision current() const { return current_.load(); }
  Revision compacted() const { return compacted_.load(); }
  void NoteCurrent(Revision revision);
  void NoteCompacted(Revision revision);

 private:
  const std::shared_ptr<EtcdClient> client_;
  const std::string prefix_;
  std::atomic<Revision> current_{0};    // the newest revision seen
  std::atomic<Revision> compacted_{0};  // the highest compaction known to this process
};

// RangeEnd is the etcd range_end covering every key that starts with `prefix` ("\0" = to the
// end of the key space, which etcd reads as "every key >= key").
std::string RangeEnd(const std::string& prefix);

// WatchCreateRequest is a WatchCreateRequest JSON object for [key, range_end) from `start`
// with previous values and progress notifications (which tell a quiet stream from a dead one).
std::string WatchCreateRequest(const std::string& key, const std::string& range_end,
                               Revision start);

// ToWatchEvent converts a gateway mvccpb.Event, dropping `strip` bytes of key prefix.
Result<WatchEvent> ToWatchEvent(const rapidjson::Value& event, size_t strip);

}  // namespace tinyk8s::storage
