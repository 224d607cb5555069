#include "gw/limits/sliding_window.h"

#include <algorithm>

namespace gw {

namespace {

int64_t whole_seconds_until(SteadyTime now, SteadyTime when) {
  const auto wait = when - now;
  const int64_t s = std::chrono::ceil<std::chrono::seconds>(wait).count();
  return std::max<int64_t>(s, 1);
}

}  // namespace

void SlidingWindow::prune(SteadyTime now) {
  while (!entries_.empty() && entries_.front().at + kRateWindow <= now) {
    tokens_ -= entries_.front().tokens;
    entries_.pop_front();
  }
}

SlidingWindow::Entry* SlidingWindow::find(uint64_t id) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                             [](const Entry& e, uint64_t v) { return e.id < v; });
  return it != entries_.end() && it->id == id ? &*it : nullptr;
}

SlidingWindow::Decision SlidingWindow::try_add(SteadyTime now, std::optional<int64_t> rpm,
                                               std::optional<int64_t> tpm, int64_t tokens) {
  prune(now);
  const int64_t count = static_cast<int64_t>(entries_.size());
  auto tokens_fit = [&](int64_t in_window) { return in_window == 0 || in_window + tokens <= *tpm; };
  const bool rpm_ok = !rpm || count + 1 <= *rpm;
  const bool tpm_ok = !tpm || tokens_fit(tokens_);
  if (rpm_ok && tpm_ok) {
    entries_.push_back(Entry{now, next_id_, tokens});
    tokens_ += tokens;
    return Decision{next_id_++, 0};
  }
  // The earliest moment both limits hold: each is met once enough of the oldest entries age out.
  SteadyTime when = now;
  if (!rpm_ok) {
    const int64_t must_expire = count + 1 - *rpm;  // >= 1 here
    if (must_expire > count) {
      when = SteadyTime::max();  // rpm <= 0: never
    } else {
      when = std::max(when, entries_[static_cast<size_t>(must_expire - 1)].at + kRateWindow);
    }
  }
  if (!tpm_ok) {
    int64_t left = tokens_;
    for (const auto& e : entries_) {
      left -= e.tokens;
      if (tokens_fit(left)) {
        when = std::max(when, e.at + kRateWindow);
        break;
      }
    }
  }
  if (when == SteadyTime::max()) {
    return Decision{std::nullopt, 365 * 24 * 3600};
  }
  return Decision{std::nullopt, whole_seconds_until(now, when)};
}

void SlidingWindow::adjust(uint64_t id, int64_t delta) {
  if (Entry* e = find(id)) {
    e->tokens += delta;
    tokens_ += delta;
  }
}

void SlidingWindow::remove(uint64_t id) {
  auto it = std::lower_bound(entries_.begin(), entries_.end(), id,
                             [](const Entry& e, uint64_t v) { return e.id < v; });
  if (it != entries_.end() && it->id == id) {
    tokens_ -= it->tokens;
    entries_.erase(it);
  }
}

int64_t SlidingWindow::requests(SteadyTime now) {
  prune(now);
  return static_cast<int64_t>(entries_.size());
}

int64_t SlidingWindow::tokens(SteadyTime now) {
  prune(now);
  return tokens_;
}

}  // namespace gw
