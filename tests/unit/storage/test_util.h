#pragma once
// Helpers for storage tests: a temporary directory and one-line renderings of results.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

#include "storage/store.h"

namespace tinyk8s::storage::testing {

// TempDir creates a fresh directory under $TMPDIR (or /tmp) and removes it on destruction.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TMPDIR");
    std::string tmpl = std::string(base != nullptr ? base : "/tmp") + "/tinyk8s-storage-XXXXXX";
    char* made = mkdtemp(tmpl.data());
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// RevisionBase is the store's revision when the current test began (0 on a fresh SQLite file,
// etcd's revision on a shared etcd cluster). Dump prints revisions relative to it, so that the
// expectations read the same on every backend.
inline Revision& RevisionBase() {
  static Revision base = 0;
  return base;
}
inline std::string Rel(Revision revision) {
  return std::to_string(revision == 0 ? 0 : revision - RevisionBase());
}

// "key=value@mod(create)"
inline std::string Dump(const KeyValue& kv) {
  return kv.key + "=" + kv.value + "@" + Rel(kv.mod_revision) + "(" + Rel(kv.create_revision) + ")";
}

inline std::string Dump(const std::vector<KeyValue>& kvs) {
  std::string out;
  for (const KeyValue& kv : kvs) {
    if (!out.empty()) out += ' ';
    out += Dump(kv);
  }
  return out;
}

// "PUT key=value@mod(create) prev[...]" / "DEL key@mod prev[...]"
inline std::string Dump(const WatchEvent& event) {
  std::string out;
  if (event.type == EventType::kPut) {
    out = "PUT " + Dump(event.kv);
  } else {
    out = "DEL " + event.kv.key + "@" + Rel(event.kv.mod_revision);
    if (!event.kv.value.empty() || event.kv.create_revision != 0) out += "!bad-delete-kv";
  }
  if (event.prev) out += " prev[" + Dump(*event.prev) + "]";
  return out;
}

inline std::vector<std::string> Dumps(const std::vector<WatchEvent>& events) {
  std::vector<std::string> out;
  for (const WatchEvent& event : events) out.push_back(Dump(event));
  return out;
}

// NextEvents collects exactly n events (fails the test on error or after a generous deadline).
inline std::vector<WatchEvent> NextEvents(Watch& watch, size_t n) {
  std::vector<WatchEvent> events;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (events.size() < n && std::chrono::steady_clock::now() < deadline) {
    Status status = watch.Next(&events, std::chrono::milliseconds(200));
    if (!status.ok()) {
      ADD_FAILURE() << "watch closed: " << status.ToString();
      break;
    }
  }
  EXPECT_EQ(events.size(), n);
  return events;
}

}  // namespace tinyk8s::storage::testing
