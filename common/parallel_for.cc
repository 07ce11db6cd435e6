#include "common/parallel_for.h"

#include <algorithm>

namespace tinyk8s {

ParallelFor::ParallelFor(size_t helpers) {
  ranges_.resize(helpers + 1);
  for (size_t i = 0; i < helpers; ++i) threads_.emplace_back([this, i] { Helper(i + 1); });
}

ParallelFor::~ParallelFor() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

void ParallelFor::Run(size_t n, size_t min_per_slice,
                      const std::function<void(size_t slice, size_t begin, size_t end)>& fn) {
  size_t slices =
      std::min(this->slices(), std::max<size_t>(1, n / std::max<size_t>(1, min_per_slice)));
  if (slices <= 1) {
    if (n > 0) fn(0, 0, n);
    return;
  }
  size_t per = (n + slices - 1) / slices;
  {
    std::lock_guard lock(mu_);
    for (size_t i = 0; i < ranges_.size(); ++i) {
      size_t begin = std::min(n, i * per);
      ranges_[i] = {begin, i < slices ? std::min(n, begin + per) : begin};
    }
    fn_ = &fn;
    pending_ = threads_.size();
    ++generation_;
  }
  work_cv_.notify_all();
  fn(0, ranges_[0].first, ranges_[0].second);
  std::unique_lock lock(mu_);
  done_cv_.wait(lock, [&] { return pending_ == 0; });
  fn_ = nullptr;
}

void ParallelFor::Helper(size_t index) {
  size_t seen = 0;
  std::unique_lock lock(mu_);
  while (true) {
    work_cv_.wait(lock, [&] { return stopping_ || generation_ != seen; });
    if (stopping_) return;
    seen = generation_;
    auto [begin, end] = ranges_[index];
    const auto* fn = fn_;
    lock.unlock();
    if (begin < end) (*fn)(index, begin, end);
    lock.lock();
    if (--pending_ == 0) done_cv_.notify_one();
  }
}

}  // namespace tinyk8s
