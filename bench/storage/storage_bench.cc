// storage_bench [DIR [creates|list|watch]]: prints figures for the SQLite store, all on the disk
// holding DIR (default $TMPDIR or /tmp):
//   - durable creates/s through SqliteStore with 1 and with 32 concurrent writers (1 KiB);
//   - plain SQLite on the same disk: one transaction per insert (the floor) and all inserts
//     in one transaction (the ceiling), both WAL + synchronous=FULL;
//   - time to list 100k keys (current revision, an older revision, and in pages of 500);
//   - watch delivery latency p50/p99 with 1,000 watchers (write start -> event delivered).
//   - with `etcd` as the mode: creates/s through EtcdStore on a 3-member etcd (Debian's etcd,
//     data on the disk holding DIR), 1 and 32 writers, for comparison with SqliteStore.
// Figures only; nothing here passes or fails.

#include <sqlite3.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "storage/etcd_store.h"
#include "storage/sqlite_store.h"
#include "tests/support/etcd_cluster.h"

namespace {

using tinyk8s::storage::SqliteStore;
using tinyk8s::storage::SqliteStoreOptions;
using tinyk8s::storage::Watch;
using tinyk8s::storage::WatchEvent;
using Clock = std::chrono::steady_clock;

constexpr size_t kValueSize = 1024;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

std::unique_ptr<SqliteStore> OpenStore(const std::string& path, bool durable) {
  std::filesystem::remove(path);
  SqliteStoreOptions options;
  options.path = path;
  options.durable = durable;
  options.compaction_interval = std::chrono::milliseconds(0);
  auto store = SqliteStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), store.status().ToString().c_str());
    std::exit(1);
  }
  return std::move(store).value();
}

// Creates keys from `writers` threads for `duration`; returns creates per second. With
// `latencies_ms`, each create's duration is appended to it.
double Creates(tinyk8s::storage::Store* store, int writers, Clock::duration duration,
               const std::string& prefix = "/bench/create/",
               std::vector<double>* latencies_ms = nullptr) {
  std::atomic<int64_t> total{0};
  auto deadline = Clock::now() + duration;
  auto start = Clock::now();
  std::vector<std::thread> threads;
  std::vector<std::vector<double>> per_thread(static_cast<size_t>(writers));
  for (int t = 0; t < writers; ++t) {
    threads.emplace_back([&, t] {
      std::string value(kValueSize, 'v');
      for (int i = 0; Clock::now() < deadline; ++i) {
        auto begin = Clock::now();
        auto kv = store->Create(prefix + std::to_string(t) + "/" + std::to_string(i), value);
        if (!kv.ok()) {
          std::fprintf(stderr, "create: %s\n", kv.status().ToString().c_str());
          std::exit(1);
        }
        if (latencies_ms) per_thread[t].push_back(Seconds(Clock::now() - begin) * 1000);
        total.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  if (latencies_ms) {
    for (auto& v : per_thread) latencies_ms->insert(latencies_ms->end(), v.begin(), v.end());
  }
  return static_cast<double>(total.load()) / Seconds(Clock::now() - start);
}

// CreateLatency prints the distribution of single durable creates under load. Checkpoints of the
// write-ahead log are included: SQLite runs them inside the commit that crosses 4,000 pages,
// and the writes queued behind that commit wait for the copy and its fsync.
void CreateLatency(const std::string& path) {
  auto store = OpenStore(path, /*durable=*/true);
  std::vector<double> ms;
  double rate = Creates(store.get(), 32, std::chrono::seconds(5), "/bench/latency/", &ms);
  std::sort(ms.begin(), ms.end());
  auto at = [&](double p) {
    return ms.empty() ? 0.0 : ms[std::min(ms.size() - 1, static_cast<size_t>(p * ms.size()))];
  };
  std::printf("durable create latency, 32 writers for 5 s (%.0f creates/s, %zu creates):\n", rate,
              ms.size());
  std::printf("  p50 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms\n", at(0.5), at(0.99),
              at(0.999), ms.empty() ? 0.0 : ms.back());
}

double StoreCreates(const std::string& path, int writers, Clock::duration duration) {
  auto store = OpenStore(path, /*durable=*/true);
  double rate = Creates(store.get(), writers, duration);
  auto stats = store->WriterStats();
  std::printf("  (%d writers: %lld transactions, %.1f writes per transaction)\n", writers,
              static_cast<long long>(stats.batches),
              stats.batches ? static_cast<double>(stats.requests) / stats.batches : 0.0);
  return rate;
}

void Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::fprintf(stderr, "sqlite: %s: %s\n", sql, error);
    std::exit(1);
  }
}

// Plain SQLite inserts of 1 KiB rows, WAL + synchronous=FULL. one_transaction=false commits
// each insert (the floor); true commits all of them once (the ceiling).
double PlainSqliteInserts(const std::string& path, bool one_transaction, int count,
                          Clock::duration max_duration) {
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  sqlite3_open(path.c_str(), &db);
  Exec(db,
       "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
       "CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB NOT NULL)");
  sqlite3_stmt* insert = nullptr;
  sqlite3_prepare_v2(db, "INSERT INTO kv(key, value) VALUES (?1, ?2)", -1, &insert, nullptr);
  std::string value(kValueSize, 'v');
  auto start = Clock::now();
  if (one_transaction) Exec(db, "BEGIN");
  int done = 0;
  for (; done < count && Clock::now() - start < max_duration; ++done) {
    std::string key = "/bench/plain/" + std::to_string(done);
    sqlite3_bind_blob(insert, 1, key.data(), static_cast<int>(key.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert, 2, value.data(), static_cast<int>(value.size()), SQLITE_STATIC);
    if (sqlite3_step(insert) != SQLITE_DONE) {
      std::fprintf(stderr, "insert: %s\n", sqlite3_errmsg(db));
      std::exit(1);
    }
    sqlite3_reset(insert);
  }
  if (one_transaction) Exec(db, "COMMIT");
  double rate = done / Seconds(Clock::now() - start);
  sqlite3_finalize(insert);
  sqlite3_close(db);
  return rate;
}

void ListBench(const std::string& path) {
  constexpr int kKeys = 100000;
  auto store = OpenStore(path, /*durable=*/false);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      std::string value(kValueSize, 'l');
      for (int i = t; i < kKeys; i += 8) {
        char key[64];
        std::snprintf(key, sizeof(key), "/bench/list/%08d", i);
        if (!store->Create(key, value).ok()) std::exit(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  const auto at = store->CurrentRevision();
  // A little history so the old-revision list walks superseded rows too.
  for (int i = 0; i < 1000; ++i) {
    char key[64];
    std::snprintf(key, sizeof(key), "/bench/list/%08d", i * 100);
    if (!store->Update(key, "updated", 0).ok()) std::exit(1);
  }
  auto timed = [&](const char* what, tinyk8s::storage::ListOptions options) {
    for (int run = 0; run < 2; ++run) {  // first run warms the page cache
      auto start = Clock::now();
      size_t items = 0;
      while (true) {
        auto list = store->List("/bench/list/", options);
        if (!list.ok()) {
          std::fprintf(stderr, "list: %s\n", list.status().ToString().c_str());
          std::exit(1);
        }
        items += list->items.size();
        if (!list->more) break;
        options.revision = list->revision;
        options.start_after = list->items.back().key;
      }
      if (run == 1) {
        std::printf("  %-44s %8.1f ms  (%zu keys)\n", what, Seconds(Clock::now() - start) * 1000,
                    items);
      }
      options.start_after.clear();
    }
  };
  std::printf("list 100k keys (1 KiB values):\n");
  timed("list at current revision, one call", {0, 0, ""});
  timed("list at older revision, one call", {at, 0, ""});
  timed("list at current revision, pages of 500", {0, 500, ""});
  auto start = Clock::now();
  auto count = store->Count("/bench/list/");
  std::printf("  %-44s %8.1f ms  (%lld keys)\n", "count", Seconds(Clock::now() - start) * 1000,
              static_cast<long long>(count.ok() ? *count : -1));
}

void WatchBench(const std::string& path, bool durable) {
  constexpr int kWatchers = 1000;
  constexpr int kEvents = 300;
  auto store = OpenStore(path, durable);
  std::mutex mu;
  std::condition_variable cv;
  std::deque<int> ready;  // watch indexes with something to read
  std::vector<std::unique_ptr<Watch>> watches;
  for (int i = 0; i < kWatchers; ++i) {
    auto watch = store->WatchPrefix("/bench/watch/", store->CurrentRevision());
    if (!watch.ok()) std::exit(1);
    watches.push_back(std::move(watch).value());
    watches.back()->SetNotify([&, i] {
      {
        std::lock_guard<std::mutex> lock(mu);
        ready.push_back(i);
      }
      cv.notify_one();
    });
  }
  std::vector<std::vector<double>> latencies(2);
  std::atomic<int64_t> delivered{0};
  const int64_t expected = static_cast<int64_t>(kWatchers) * kEvents;
  std::vector<std::thread> consumers;
  for (int c = 0; c < 2; ++c) {
    consumers.emplace_back([&, c] {
      std::vector<WatchEvent> events;
      while (delivered.load() < expected) {
        int index;
        {
          std::unique_lock<std::mutex> lock(mu);
          if (!cv.wait_for(lock, std::chrono::seconds(5), [&] { return !ready.empty(); })) break;
          index = ready.front();
          ready.pop_front();
        }
        events.clear();
        if (!watches[index]->Next(&events, std::chrono::milliseconds(0)).ok()) {
          std::fprintf(stderr, "watch %d closed\n", index);
          std::exit(1);
        }
        auto now = Clock::now().time_since_epoch().count();
        for (const WatchEvent& event : events) {
          long long sent = std::atoll(event.kv.value.c_str());
          latencies[c].push_back(static_cast<double>(now - sent) / 1e6);
        }
        delivered.fetch_add(static_cast<int64_t>(events.size()));
      }
    });
  }
  std::vector<double> create_ms;
  for (int i = 0; i < kEvents; ++i) {
    auto sent = Clock::now();
    std::string value = std::to_string(sent.time_since_epoch().count());
    value.resize(kValueSize, ' ');
    if (!store->Create("/bench/watch/" + std::to_string(i), value).ok()) std::exit(1);
    create_ms.push_back(Seconds(Clock::now() - sent) * 1000);
    // Pace like a busy API server rather than a flood: ~1 write per ms.
    std::this_thread::sleep_until(sent + std::chrono::milliseconds(1));
  }
  for (auto& consumer : consumers) consumer.join();
  std::vector<double> all;
  for (auto& part : latencies) all.insert(all.end(), part.begin(), part.end());
  std::sort(all.begin(), all.end());
  std::sort(create_ms.begin(), create_ms.end());
  auto pct = [](const std::vector<double>& v, double p) {
    return v.empty() ? 0.0 : v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
  };
  std::printf("watch, %d watchers x %d events (%s), write start -> delivered:\n", kWatchers,
              kEvents, durable ? "durable" : "not durable");
  std::printf(
      "  delivered %zu/%lld  p50 %.2f ms  p99 %.2f ms  max %.2f ms"
      "  (create call itself: p50 %.2f ms p99 %.2f ms)\n",
      all.size(), static_cast<long long>(expected), pct(all, 0.5), pct(all, 0.99),
      all.empty() ? 0.0 : all.back(), pct(create_ms, 0.5), pct(create_ms, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  std::string base = argc > 1 ? argv[1] : (getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
  std::string tmpl = base + "/storage-bench-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    std::perror("mkdtemp");
    return 1;
  }
  const std::string dir = tmpl;
  std::printf("storage_bench in %s (SQLite %s), %u hardware threads\n", dir.c_str(),
              sqlite3_libversion(), std::thread::hardware_concurrency());

  const std::string only = argc > 2 ? argv[2] : "";
  const auto run = std::chrono::seconds(3);
  if (only == "etcd") {
    tinyk8s::testing::EtcdCluster etcd(3, dir);
    if (!etcd.ok()) {
      std::fprintf(stderr, "etcd: %s\n", etcd.error().c_str());
      return 1;
    }
    tinyk8s::storage::EtcdStoreOptions options;
    for (int i = 0; i < etcd.size(); ++i) options.client.endpoints.push_back(etcd.ClientUrl(i));
    options.compaction_interval = std::chrono::milliseconds(0);
    auto store = tinyk8s::storage::EtcdStore::Open(options);
    if (!store.ok()) {
      std::fprintf(stderr, "etcd store: %s\n", store.status().ToString().c_str());
      return 1;
    }
    double one = Creates(store->get(), 1, run, "/bench/one/");
    double many = Creates(store->get(), 32, run, "/bench/many/");
    std::printf("EtcdStore creates (1 KiB values, 3 members on loopback):\n");
    std::printf("  1 writer %10.0f /s   32 writers %10.0f /s\n", one, many);
    store->reset();
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return 0;
  }
  if (only.empty() || only == "creates") {
    double floor_rate = PlainSqliteInserts(dir + "/floor.db", false, 1000000, run);
    double ceiling_rate =
        PlainSqliteInserts(dir + "/ceiling.db", true, 100000, std::chrono::hours(1));
    double one = StoreCreates(dir + "/one.db", 1, run);
    double many = StoreCreates(dir + "/many.db", 32, run);
    std::printf("durable creates (1 KiB values, synchronous=FULL, WAL):\n");
    std::printf("  plain SQLite, 1 transaction per insert   %10.0f /s  (floor)\n", floor_rate);
    std::printf("  plain SQLite, all in 1 transaction       %10.0f /s  (ceiling)\n", ceiling_rate);
    std::printf("  SqliteStore, 1 writer                    %10.0f /s  (%.1fx floor)\n", one,
                one / floor_rate);
    std::printf("  SqliteStore, 32 writers                  %10.0f /s  (%.1fx floor)\n", many,
                many / floor_rate);
    std::fflush(stdout);
  }
  if (only.empty() || only == "latency") CreateLatency(dir + "/latency.db");
  std::fflush(stdout);
  if (only.empty() || only == "list") ListBench(dir + "/list.db");
  std::fflush(stdout);
  if (only.empty() || only == "watch") {
    WatchBench(dir + "/watch.db", /*durable=*/true);
    WatchBench(dir + "/watch-fast.db", /*durable=*/false);
  }

  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
  return 0;
}
