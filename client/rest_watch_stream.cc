#include "client/rest_watch_stream.h"

#include "api/json.h"
#include "client/api_status.h"

namespace tinyk8s::client::internal {

void DropManagedFields(rapidjson::Value& obj) {
  if (rapidjson::Value* meta = api::FindMemberMutable(obj, "metadata")) {
    api::RemoveMember(*meta, "managedFields");
  }
}

Result<WatchEvent> ParseWatchEvent(std::string_view line, bool drop_managed_fields,
                                   const ObjectTransform& transform) {
  auto doc = api::ParseJson(line);
  if (!doc.ok()) return Status::Internal("watch: undecodable event: " + doc.status().message());
  std::string type = api::GetString(*doc, {"type"});
  WatchEvent ev;
  if (type == "ADDED") {
    ev.type = WatchEventType::kAdded;
  } else if (type == "MODIFIED") {
    ev.type = WatchEventType::kModified;
  } else if (type == "DELETED") {
    ev.type = WatchEventType::kDeleted;
  } else if (type == "BOOKMARK") {
    ev.type = WatchEventType::kBookmark;
  } else if (type == "ERROR") {
    ev.type = WatchEventType::kError;
  } else {
    return Status::Internal("watch: unknown event type \"" + type + "\"");
  }
  rapidjson::Value* obj = api::FindMemberMutable(*doc, "object");
  if (obj == nullptr || !obj->IsObject()) return Status::Internal("watch: event without object");
  const bool is_object_event = ev.type == WatchEventType::kAdded ||
                               ev.type == WatchEventType::kModified ||
                               ev.type == WatchEventType::kDeleted;
  if (drop_managed_fields && is_object_event) DropManagedFields(*obj);
  if (transform && is_object_event) transform(*obj);
  // Informers keep event objects in their caches: copy out of the parser's 64 KiB pool chunk.
  auto out = api::CompactDocument(*obj);
  if (ev.type == WatchEventType::kError) {
    ev.error = StatusFromObject(*out, 500);
    if (ev.error.ok()) ev.error = Status::Internal("watch: ERROR event with a Success status");
  }
  ev.object = std::move(out);
  return ev;
}

RestWatchStream::RestWatchStream(std::unique_ptr<HttpConnection> conn,
                                 std::unique_ptr<ResponseParser> parser, bool drop_managed_fields,
                                 ObjectTransform transform)
    : conn_(std::move(conn)),
      parser_(std::move(parser)),
      drop_managed_fields_(drop_managed_fields),
      transform_(std::move(transform)) {
  // Chunked bodies go through this callback instead of being accumulated in the body.
  // Beast keeps a reference to the callback, hence the member.
  chunk_cb_ = [this](std::uint64_t, beast::string_view body, beast::error_code&) {
    ConsumeBytes(std::string_view(body.data(), body.size()));
    return body.size();
  };
  parser_->on_chunk_body(chunk_cb_);
}

RestWatchStream::~RestWatchStream() = default;

void RestWatchStream::ConsumeBytes(std::string_view data) {
  size_t start = 0;
  for (;;) {
    size_t nl = data.find('\n', start);
    if (nl == std::string_view::npos) {
      partial_.append(data.substr(start));
      return;
    }
    if (partial_.empty()) {
      ParseLine(data.substr(start, nl - start));
    } else {
      partial_.append(data.substr(start, nl - start));
      ParseLine(partial_);
      partial_.clear();
    }
    start = nl + 1;
  }
}

void RestWatchStream::ParseLine(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  if (line.empty() || ended_) return;
  auto ev = ParseWatchEvent(line, drop_managed_fields_, transform_);
  if (!ev.ok()) {
    End(ev.status());
    return;
  }
  events_.push_back(std::move(*ev));
}

void RestWatchStream::End(Status status) {
  if (ended_) return;
  ended_ = true;
  std::lock_guard<std::mutex> lock(status_mu_);
  status_ = std::move(status);
}

void RestWatchStream::OnRead(beast::error_code ec) {
  // A body without chunked encoding (unusual for watch) accumulates in the string body.
  if (!parser_->chunked() && !parser_->get().body().empty()) {
    std::string body;
    body.swap(parser_->get().body());
    ConsumeBytes(body);
  }
  if (ec == http::error::need_buffer) ec = {};
  if (ec) {
    bool normal = stopped_.load() || ec == net::error::operation_aborted ||
                  ec == http::error::end_of_stream || ec == net::error::eof;
    End(normal ? Status::OK() : Status::Unavailable("watch stream: " + ec.message()));
  } else if (parser_->is_done()) {
    if (!partial_.empty()) {
      std::string rest;
      rest.swap(partial_);
      ParseLine(rest);
    }
    End(Status::OK());
  }
}

WatchStream::NextResult RestWatchStream::Next(WatchEvent* event,
                                              std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (stopped_.load()) return NextResult::kEnd;
    if (!events_.empty()) {
      *event = std::move(events_.front());
      events_.pop_front();
      return NextResult::kEvent;
    }
    if (ended_) return NextResult::kEnd;
    if (std::chrono::steady_clock::now() >= deadline) return NextResult::kTimeout;
    // A read that outlives the deadline stays pending for the next call.
    if (auto ec = conn_->ReadSome(*parser_, deadline)) OnRead(*ec);
  }
}

void RestWatchStream::Stop() {
  if (stopped_.exchange(true)) return;
  conn_->Cancel();
}

Status RestWatchStream::status() const {
  std::lock_guard<std::mutex> lock(status_mu_);
  return status_;
}

}  // namespace tinyk8s::client::internal
