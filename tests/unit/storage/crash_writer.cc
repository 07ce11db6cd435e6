// storage_crash_writer DB_PATH ROUND: the child of the crash test. Opens a durable SqliteStore
// and writes until killed from 4 threads (create, CAS update, CAS delete of its own keys) while
// one thread compacts now and then. After each acknowledged write it writes one line
// "P|D <key> <revision>\n" to stdout (a pipe read by the test; one write() per line, shorter
// than PIPE_BUF, so lines never interleave and nothing is buffered in this process).

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite_store.h"

namespace {

using tinyk8s::storage::SqliteStore;

void Ack(char op, const std::string& key, int64_t revision) {
  std::string line = std::string(1, op) + " " + key + " " + std::to_string(revision) + "\n";
  if (write(STDOUT_FILENO, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    _exit(3);
  }
}

void WriteLoop(SqliteStore* store, const std::string& round, int thread) {
  std::string value(200, static_cast<char>('a' + thread));
  for (int n = 0;; ++n) {
    std::string key = "/crash/" + round + "/" + std::to_string(thread) + "/" + std::to_string(n);
    auto created = store->Create(key, value + std::to_string(n));
    if (!created.ok()) _exit(4);
    Ack('P', key, created->mod_revision);
    auto updated = store->Update(key, value + "u", created->mod_revision);
    if (!updated.ok()) _exit(5);
    Ack('P', key, updated->mod_revision);
    if (n % 4 == 0) {
      auto deleted = store->Delete(key, updated->mod_revision);
      if (!deleted.ok()) _exit(6);
      Ack('D', key, deleted->mod_revision);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s DB_PATH ROUND\n", argv[0]);
    return 2;
  }
  tinyk8s::storage::SqliteStoreOptions options;
  options.path = argv[1];
  options.durable = true;
  options.compaction_interval = std::chrono::milliseconds(0);
  options.compaction_step_revisions = 50;
  auto store = SqliteStore::Open(options);
  if (!store.ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().ToString().c_str());
    return 1;
  }
  SqliteStore* s = store->get();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(WriteLoop, s, std::string(argv[2]), t);
  // Compaction runs concurrently so that kills also land inside compaction steps.
  while (true) {
    int64_t current = s->CurrentRevision();
    if (current > 300) (void)s->Compact(current - 300);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}
