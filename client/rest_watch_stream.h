#pragma once
// RestWatchStream (internal to RestClient): a WatchStream over one HTTP connection whose
// response is a chunked stream of newline-delimited WatchEvent JSON objects.

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "client/client.h"
#include "common/http_connection.h"

namespace tinyk8s::client::internal {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using ResponseParser = HttpConnection::ResponseParser;

class RestWatchStream final : public WatchStream {
 public:
  // `conn` has received the 200 response header into `parser`.
  RestWatchStream(std::unique_ptr<HttpConnection> conn, std::unique_ptr<ResponseParser> parser,
                  bool drop_managed_fields = false, ObjectTransform transform = {});
  ~RestWatchStream() override;

  NextResult Next(WatchEvent* event, std::chrono::milliseconds timeout) override;
  void Stop() override;
  Status status() const override;

 private:
  void OnRead(beast::error_code ec);
  void ConsumeBytes(std::string_view data);
  void ParseLine(std::string_view line);
  void End(Status status);

  std::unique_ptr<HttpConnection> conn_;
  std::unique_ptr<ResponseParser> parser_;
  std::function<size_t(std::uint64_t, beast::string_view, beast::error_code&)> chunk_cb_;
  std::string partial_;  // bytes of an incomplete line
  std::deque<WatchEvent> events_;
  bool drop_managed_fields_ = false;
  ObjectTransform transform_;
  bool ended_ = false;
  std::atomic<bool> stopped_{false};
  mutable std::mutex status_mu_;
  Status status_;
};

// ParseWatchEvent decodes one NDJSON line ({"type": ..., "object": {...}}).
// Objects of ADDED, MODIFIED and DELETED events lose their managedFields (drop_managed_fields)
// and go through `transform` (if set).
Result<WatchEvent> ParseWatchEvent(std::string_view line, bool drop_managed_fields = false,
                                   const ObjectTransform& transform = {});

// Removes metadata.managedFields from `obj` (before it is copied into a compact document).
void DropManagedFields(rapidjson::Value& obj);

}  // namespace tinyk8s::client::internal
