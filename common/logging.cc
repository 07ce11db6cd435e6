#include "common/logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace tinyk8s::log {
namespace {
std::atomic<int> g_verbosity{0};
std::mutex g_mu;
std::string g_component = "tinyk8s";  // guarded by g_mu
}  // namespace

void SetVerbosity(int v) { g_verbosity = v; }
int Verbosity() { return g_verbosity; }

void SetComponent(std::string_view component) {
  std::lock_guard lock(g_mu);
  g_component = std::string(component);
}

void Write(Severity severity, std::string_view message) {
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  gmtime_r(&tv.tv_sec, &t);
  char letter = severity == Severity::kInfo ? 'I' : severity == Severity::kWarning ? 'W' : 'E';
  char prefix[64];
  std::snprintf(prefix, sizeof prefix, "%c%02d%02d %02d:%02d:%02d.%06ld %d ", letter, t.tm_mon + 1,
                t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, static_cast<long>(tv.tv_usec), getpid());
  std::lock_guard lock(g_mu);
  std::string line = std::string(prefix) + g_component + "] " + std::string(message) + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace tinyk8s::log
