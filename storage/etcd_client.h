#pragma once
// EtcdClient speaks etcd's v3 API through its JSON gateway (POST /v3/...; keys and values are
// base64, 64-bit integers are strings). It keeps a pool of kept-alive connections per member
// and fails over across the endpoints: a request that cannot reach a member, or that the member
// answers "unavailable" (no leader, leader changed), is retried on the next member until
// `retry_window` has passed.
//
// A mutation retried after its connection broke may already have been applied by the first
// attempt (etcd committed it, the response was lost): Call reports such a retry, so that the
// caller, whose compare-and-swap retry then fails, can look for its own committed write.
//
// A watch stream that stays silent longer than `watch_silence` makes the client ask the same
// member a linearizable read: a member that accepts connections but does not answer (hung,
// stopped, cut off from its peers) is marked failed and the stream reports kUnavailable, so
// the caller resumes elsewhere. (etcd's own progress notifications, requested on every watch,
// keep a healthy but idle stream from looking silent when the members send them often enough.)
//
// Thread-safe: any number of threads may call at once (each call takes its own connection).

#include <rapidjson/document.h>

#include <boost/asio/ssl/context.hpp>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/idle_connections.h"
#include "common/status.h"
#include "storage/etcd_connection.h"

namespace tinyk8s::storage {

struct EtcdTlsOptions {
  std::string ca_file;    // CA bundle the members' certificates are verified against
  std::string cert_file;  // client certificate (PEM), optional
  std::string key_file;   // its key (PEM)
};

struct EtcdClientOptions {
  std::vector<std::string> endpoints;  // "http://127.0.0.1:2379", "https://..."
  EtcdTlsOptions tls;
  std::chrono::milliseconds dial_timeout{2000};
  std::chrono::milliseconds request_timeout{15000};
  // How long unavailable members and leader elections are retried before giving up.
  std::chrono::milliseconds retry_window{10000};
  size_t max_idle_per_endpoint = 64;
  // A watch that receives nothing (no event, no progress notification) for this long has its
  // member checked (see above).
  std::chrono::milliseconds watch_silence{10000};
};

class EtcdClient;

// EtcdWatchStream is one open POST /v3/watch: each Next() returns one parsed WatchResponse
// (the "result" object of a gateway message). The client that opened it must outlive it.
class EtcdWatchStream {
 public:
  EtcdWatchStream(EtcdClient* client, size_t endpoint, std::unique_ptr<EtcdConnection> connection)
      : client_(client), endpoint_(endpoint), connection_(std::move(connection)) {}
  // Next blocks until the next message; kUnavailable when the member ends or loses the
  // stream or stops answering, kCancelled after Cancel.
  Result<rapidjson::Document> Next();
  // Cancel unblocks Next from any thread.
  void Cancel() { connection_->Cancel(); }
  const std::string& endpoint() const { return connection_->endpoint().url; }

 private:
  friend class EtcdClient;
  // NextWithin is Next bounded by `wait` (kTimeout when nothing arrived), without the check.
  Result<rapidjson::Document> NextWithin(EtcdConnection::Clock::duration wait);

  EtcdClient* const client_;
  const size_t endpoint_;
  std::unique_ptr<EtcdConnection> connection_;
};

class EtcdClient {
 public:
  static Result<std::shared_ptr<EtcdClient>> Create(const EtcdClientOptions& options);
  ~EtcdClient();

  // Call POSTs `body` to `path` ("/v3/kv/range") and returns the parsed response. etcd errors
  // become a Status: a compacted revision kGone, a future revision kInvalid, no quorum
  // kUnavailable. `*maybe_applied` (if given) is set when the answer comes from a retry and an
  // earlier attempt may have been applied: its request was sent and then the connection broke,
  // or the member answered "unavailable" (etcd says so also when a proposal's outcome is
  // unknown, e.g. the leader changed while it waited).
  Result<rapidjson::Document> Call(const std::string& path, const std::string& body,
                                   bool* maybe_applied = nullptr);

  // Watch opens a watch stream with one WatchCreateRequest (`create_request` JSON object) on
  // the first reachable member, and reads its "created" confirmation.
  Result<std::unique_ptr<EtcdWatchStream>> Watch(const std::string& create_request);

 private:
  friend class EtcdWatchStream;
  explicit EtcdClient(EtcdClientOptions options) : options_(std::move(options)) {}
  Result<std::unique_ptr<EtcdConnection>> Acquire(size_t endpoint, bool* reused);
  void Release(size_t endpoint, std::unique_ptr<EtcdConnection> connection);
  // Preferred starts at the member that answered last; it moves on failure.
  size_t Preferred();
  void MarkFailed(size_t endpoint);
  // FailOver marks `endpoint` failed and returns the next one to try; after each round over
  // all members it pauses briefly. Shared by unary calls and watches.
  size_t FailOver(size_t endpoint, int attempt);
  // Answers tells whether `endpoint` serves a linearizable read within the dial timeout.
  bool Answers(size_t endpoint);

  const EtcdClientOptions options_;
  std::vector<EtcdEndpoint> endpoints_;
  std::unique_ptr<boost::asio::ssl::context> ssl_;

  std::vector<std::unique_ptr<IdleConnections<EtcdConnection>>> idle_;  // one per endpoint

  std::mutex mu_;
  size_t preferred_ = 0;  // GUARDED_BY(mu_)
};

// EtcdError converts a gateway error body ({"error","message","code"}) into a Status.
Status EtcdError(int http_status, const std::string& body);

}  // namespace tinyk8s::storage
