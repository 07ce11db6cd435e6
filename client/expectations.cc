#include "client/expectations.h"

namespace tinyk8s::client {

Expectations::Expectations(const Clock& clock, std::chrono::nanoseconds ttl)
    : clock_(clock), ttl_(ttl) {}

void Expectations::SetExpectations(const std::string& key, int64_t adds, int64_t dels) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_[key] = Entry{adds, dels, clock_.Monotonic()};
}

void Expectations::ExpectCreations(const std::string& key, int64_t adds) {
  SetExpectations(key, adds, 0);
}

void Expectations::ExpectDeletions(const std::string& key, int64_t dels) {
  SetExpectations(key, 0, dels);
}

void Expectations::LowerExpectations(const std::string& key, int64_t adds, int64_t dels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.adds -= adds;
  it->second.dels -= dels;
}

void Expectations::RaiseExpectations(const std::string& key, int64_t adds, int64_t dels) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return;
  it->second.adds += adds;
  it->second.dels += dels;
}

void Expectations::CreationObserved(const std::string& key) { LowerExpectations(key, 1, 0); }
void Expectations::DeletionObserved(const std::string& key) { LowerExpectations(key, 0, 1); }

bool Expectations::SatisfiedExpectations(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return true;  // never set, or deleted: sync
  const Entry& e = it->second;
  if (e.adds <= 0 && e.dels <= 0) return true;
  // Expired: some watch event was probably lost; sync rather than wait forever.
  return clock_.Monotonic() - e.timestamp > ttl_;
}

void Expectations::DeleteExpectations(const std::string& key) {
  std::lock_guard<std::mutex> lock(mu_);
  entries_.erase(key);
  uids_.erase(key);
}

void Expectations::ExpectDeletionsOfUids(const std::string& key,
                                         const std::vector<std::string>& uids) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& set = uids_[key];
  set.clear();
  set.insert(uids.begin(), uids.end());
  entries_[key] = Entry{0, static_cast<int64_t>(uids.size()), clock_.Monotonic()};
}

void Expectations::DeletionObservedUid(const std::string& key, const std::string& uid) {
  std::lock_guard<std::mutex> lock(mu_);
  auto set = uids_.find(key);
  if (set == uids_.end() || set->second.erase(uid) == 0) return;  // not expected or seen
  auto it = entries_.find(key);
  if (it != entries_.end()) it->second.dels -= 1;
}

std::unordered_set<std::string> Expectations::GetUids(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = uids_.find(key);
  return it == uids_.end() ? std::unordered_set<std::string>{} : it->second;
}

bool Expectations::GetExpectations(const std::string& key, int64_t* adds, int64_t* dels) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  if (it == entries_.end()) return false;
  *adds = it->second.adds;
  *dels = it->second.dels;
  return true;
}

}  // namespace tinyk8s::client
