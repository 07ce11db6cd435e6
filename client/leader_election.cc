#include "client/leader_election.h"

#include <unistd.h>

#include "api/json.h"
#include "api/meta.h"
#include "api/names.h"
#include "common/logging.h"

namespace tinyk8s::client {
namespace {

int64_t Seconds(std::chrono::milliseconds d) {
  return std::max<int64_t>(1, std::chrono::duration_cast<std::chrono::seconds>(d).count());
}

}  // namespace

std::string NewCandidateIdentity() {
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return std::string(host) + "_" + api::NewUid();
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::Create(Client& client, TimerClock& clock,
                                                             LeaderElectionConfig config) {
  if (config.lease_name.empty()) return Status::Invalid("leader election: lease_name is empty");
  if (config.identity.empty()) return Status::Invalid("leader election: identity is empty");
  if (config.lease_duration <= config.renew_deadline) {
    return Status::Invalid("leader election: lease_duration must be greater than renew_deadline");
  }
  if (config.renew_deadline <= config.retry_period) {
    return Status::Invalid("leader election: renew_deadline must be greater than retry_period");
  }
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, clock, std::move(config)));
}

LeaderElector::LeaderElector(Client& client, TimerClock& clock, LeaderElectionConfig config)
    : client_(client), clock_(clock), config_(std::move(config)) {}

LeaderElector::~LeaderElector() {
  Stop();
  if (leading_thread_.joinable()) leading_thread_.join();
}

void LeaderElector::Stop() {
  {
    std::lock_guard<std::mutex> lock(sync_->mu);
    sync_->stopped = true;
  }
  sync_->cv.notify_all();
}

std::string LeaderElector::GetLeader() const {
  std::lock_guard<std::mutex> lock(observed_mu_);
  return observed_holder_;
}

bool LeaderElector::Sleep(std::chrono::nanoseconds d) {
  std::shared_ptr<Sync> s = sync_;
  uint64_t gen;
  {
    std::lock_guard<std::mutex> lock(s->mu);
    if (s->stopped) return false;
    gen = ++s->generation;
  }
  auto timer = clock_.AfterFunc(d, [s, gen] {
    {
      std::lock_guard<std::mutex> lock(s->mu);
      s->fired = std::max(s->fired, gen);
    }
    s->cv.notify_all();
  });
  std::unique_lock<std::mutex> lock(s->mu);
  s->cv.wait(lock, [&] { return s->stopped || s->fired >= gen; });
  bool stopped = s->stopped;
  lock.unlock();
  timer->Cancel();
  return !stopped;
}

bool LeaderElector::TryAcquireOrRenew() {
  const Resource& leases = resources::Leases();
  std::string now = FormatRfc3339Micro(clock_.Now());
  auto mono = clock_.Monotonic();
  auto current = client_.Get(leases, config_.lease_namespace, config_.lease_name);

  auto build = [&](rapidjson::Document& doc, const std::string& acquire_time, int64_t transitions) {
    auto& a = doc.GetAllocator();
    rapidjson::Value& spec = api::EnsureObject(doc, {"spec"}, a);
    api::SetString(spec, "holderIdentity", config_.identity, a);
    api::SetInt(spec, "leaseDurationSeconds", Seconds(config_.lease_duration), a);
    api::SetString(spec, "acquireTime", acquire_time, a);
    api::SetString(spec, "renewTime", now, a);
    api::SetInt(spec, "leaseTransitions", transitions, a);
  };
  auto observe = [&](const rapidjson::Value& lease) {
    const rapidjson::Value* spec = api::FindPath(lease, {"spec"});
    std::string record = spec ? api::ToJsonSorted(*spec) : "";
    std::string holder = api::GetString(lease, {"spec", "holderIdentity"});
    std::string previous;
    {
      std::lock_guard<std::mutex> lock(observed_mu_);
      previous = observed_holder_;
      observed_holder_ = holder;
    }
    if (record != observed_record_) {
      observed_record_ = record;
      observed_time_ = mono;
    }
    observed_rv_ = api::ResourceVersion(lease);
    if (holder != previous && config_.on_new_leader) config_.on_new_leader(holder);
  };

  if (!current.ok()) {
    if (!current.status().IsNotFound()) {
      TK_LOG_WARN << "leader election: cannot get lease " << config_.lease_namespace << "/"
                  << config_.lease_name << ": " << current.status().ToString();
      return false;
    }
    rapidjson::Document doc(rapidjson::kObjectType);
    auto& a = doc.GetAllocator();
    api::SetString(doc, "apiVersion", "coordination.k8s.io/v1", a);
    api::SetString(doc, "kind", "Lease", a);
    rapidjson::Value& meta = api::EnsureObject(doc, {"metadata"}, a);
    api::SetString(meta, "name", config_.lease_name, a);
    api::SetString(meta, "namespace", config_.lease_namespace, a);
    build(doc, now, 0);
    auto created = client_.Create(leases, config_.lease_namespace, doc);
    if (!created.ok()) return false;  // someone else created it first
    observe(**created);
    return true;
  }

  const rapidjson::Value& lease = **current;
  observe(lease);
  std::string holder = api::GetString(lease, {"spec", "holderIdentity"});
  bool mine = holder == config_.identity;
  int64_t duration_s =
      api::GetInt(lease, {"spec", "leaseDurationSeconds"}, Seconds(config_.lease_duration));
  // Another holder's lease is valid until we have seen its record unchanged for its duration
  // (local monotonic time: immune to clock skew between candidates).
  if (!holder.empty() && !mine && mono < observed_time_ + std::chrono::seconds(duration_s)) {
    return false;
  }
  rapidjson::Document doc = api::CloneDocument(lease);
  int64_t transitions = api::GetInt(lease, {"spec", "leaseTransitions"});
  std::string acquire_time = api::GetString(lease, {"spec", "acquireTime"});
  if (!mine) {
    acquire_time = now;
    transitions += 1;
  }
  build(doc, acquire_time, transitions);
  // Update carries metadata.resourceVersion: compare-and-swap against concurrent candidates.
  auto updated = client_.Update(leases, doc);
  if (!updated.ok()) {
    if (!updated.status().IsConflict()) {
      TK_LOG_WARN << "leader election: cannot update lease: " << updated.status().ToString();
    }
    return false;
  }
  observe(**updated);
  return true;
}

void LeaderElector::Release() {
  const Resource& leases = resources::Leases();
  auto current = client_.Get(leases, config_.lease_namespace, config_.lease_name);
  if (!current.ok() || api::GetString(**current, {"spec", "holderIdentity"}) != config_.identity) {
    return;
  }
  rapidjson::Document doc = api::CloneDocument(**current);
  auto& a = doc.GetAllocator();
  rapidjson::Value& spec = api::EnsureObject(doc, {"spec"}, a);
  // As upstream: empty holder, 1s duration, so the next candidate takes over at once.
  api::SetString(spec, "holderIdentity", "", a);
  api::SetInt(spec, "leaseDurationSeconds", 1, a);
  std::string now = FormatRfc3339Micro(clock_.Now());
  api::SetString(spec, "renewTime", now, a);
  api::SetString(spec, "acquireTime", now, a);
  auto r = client_.Update(leases, doc);
  if (!r.ok()) TK_LOG_WARN << "leader election: release failed: " << r.status().ToString();
}

void LeaderElector::Run() {
  // Acquire.
  bool acquired = false;
  for (;;) {
    if (TryAcquireOrRenew()) {
      acquired = true;
      break;
    }
    if (!Sleep(config_.retry_period)) break;
  }
  if (acquired) {
    TK_LOG_INFO << "leader election: " << config_.identity << " acquired lease "
                << config_.lease_namespace << "/" << config_.lease_name;
    is_leader_ = true;
    if (config_.on_started_leading) leading_thread_ = std::thread(config_.on_started_leading);
    // Renew until a renewal fails for renew_deadline, or Stop.
    bool stopped = false;
    for (;;) {
      if (!Sleep(config_.retry_period)) {
        stopped = true;
        break;
      }
      auto deadline = clock_.Monotonic() + config_.renew_deadline;
      bool renewed = false;
      for (;;) {
        if (TryAcquireOrRenew()) {
          renewed = true;
          break;
        }
        if (clock_.Monotonic() >= deadline) break;
        if (!Sleep(config_.retry_period)) {
          stopped = true;
          break;
        }
      }
      if (stopped || !renewed) break;
    }
    is_leader_ = false;
    if (stopped && config_.release_on_cancel) Release();
    TK_LOG_INFO << "leader election: " << config_.identity << " stopped leading";
  }
  if (config_.on_stopped_leading) config_.on_stopped_leading();
}

}  // namespace tinyk8s::client
