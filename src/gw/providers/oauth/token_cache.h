#pragma once
// One OAuth access token per credential and token endpoint, shared by every worker's
// TokenSource: each worker has its own io_context and TokenSource (like its HttpClient), but a
// token obtained by one serves them all, so N workers do not make N exchanges an hour.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "gw/common/clock.h"

namespace gw::oauth {

struct CachedToken {
  std::string token;        // empty: none
  SteadyTime expiry{};      // the token's end of life
  SteadyTime refresh_at{};  // from here on, the next caller refreshes
};

// Thread-safe. Reads copy the token under a mutex held for a string copy: far off the cost of
// the upstream call each read precedes.
class SharedTokenCache {
 public:
  CachedToken get() const;
  // Keeps whichever token lives longer (two workers may refresh at the same moment).
  void put(CachedToken t);
  // Forgets `token` if it is still the cached one (a newer token from another worker stays).
  void forget(std::string_view token);
  // One refresh at a time across workers: true when `owner` may refresh now, that is when no
  // other owner holds a claim that lasts past `now`. A claim ends at `until` or at release.
  bool try_claim_refresh(const void* owner, SteadyTime now, SteadyTime until);
  void release_refresh(const void* owner);
  // Whether an owner other than `owner` holds a claim that lasts past `now`.
  bool refresh_claimed_by_other(const void* owner, SteadyTime now) const;

 private:
  mutable std::mutex mu_;
  CachedToken tok_;
  const void* claim_owner_ = nullptr;
  SteadyTime claim_until_{};
};

// The process-wide cache for `key` (what identifies the credential, endpoint and scope), created on
// first use and kept for the life of the process.
std::shared_ptr<SharedTokenCache> shared_token_cache(const std::string& key);

}  // namespace gw::oauth
