#pragma once
// klog-like logging: one line per event, "I1128 06:22:13.123456 component] message".
// Levels: Info (I), Warning (W), Error (E); verbosity gates detailed Info lines (-v N).
// Thread-safe; writes to stderr.

#include <sstream>
#include <string>
#include <string_view>

namespace tinyk8s::log {

enum class Severity { kInfo, kWarning, kError };

void SetVerbosity(int v);
int Verbosity();
// Sets the component name printed on every line of this process (e.g. "apiserver").
void SetComponent(std::string_view component);
void Write(Severity severity, std::string_view message);

// Line collects a message with operator<< and writes it when destroyed.
class Line {
 public:
  explicit Line(Severity s, bool enabled = true) : severity_(s), enabled_(enabled) {}
  ~Line() {
    if (enabled_) Write(severity_, stream_.str());
  }
  template <typename T>
  Line& operator<<(const T& v) {
    if (enabled_) stream_ << v;
    return *this;
  }

 private:
  Severity severity_;
  bool enabled_;
  std::ostringstream stream_;
};

}  // namespace tinyk8s::log

#define TK_LOG_INFO ::tinyk8s::log::Line(::tinyk8s::log::Severity::kInfo)
#define TK_LOG_WARN ::tinyk8s::log::Line(::tinyk8s::log::Severity::kWarning)
#define TK_LOG_ERROR ::tinyk8s::log::Line(::tinyk8s::log::Severity::kError)
#define TK_VLOG(n) \
  ::tinyk8s::log::Line(::tinyk8s::log::Severity::kInfo, ::tinyk8s::log::Verbosity() >= (n))
