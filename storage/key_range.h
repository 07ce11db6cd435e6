#pragma once
// Key ranges over byte strings ordered by memcmp (SQLite BLOB order).

#include <optional>
#include <string>

namespace tinyk8s::storage {

// PrefixEnd returns the smallest key greater than every key starting with prefix, or nullopt
// when there is none (empty prefix, or a prefix of only 0xff bytes).
inline std::optional<std::string> PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    unsigned char last = static_cast<unsigned char>(end.back());
    if (last != 0xff) {
      end.back() = static_cast<char>(last + 1);
      return end;
    }
    end.pop_back();
  }
  return std::nullopt;
}

// ListLowerBound returns the inclusive lower bound for a prefix scan that resumes strictly
// after start_after: the immediate successor of start_after is start_after + '\0'.
inline std::string ListLowerBound(const std::string& prefix, const std::string& start_after) {
  if (start_after.empty()) return prefix;
  std::string successor = start_after;
  successor.push_back('\0');
  return successor > prefix ? successor : prefix;
}

inline bool HasPrefix(const std::string& key, const std::string& prefix) {
  return key.size() >= prefix.size() && key.compare(0, prefix.size(), prefix) == 0;
}

}  // namespace tinyk8s::storage
