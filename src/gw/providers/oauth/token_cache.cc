// The process-wide token caches (token_cache.h).
#include "gw/providers/oauth/token_cache.h"

#include <map>

namespace gw::oauth {

CachedToken SharedTokenCache::get() const {
  std::lock_guard lock(mu_);
  return tok_;
}

void SharedTokenCache::put(CachedToken t) {
  std::lock_guard lock(mu_);
  if (tok_.token.empty() || t.expiry >= tok_.expiry) {
    tok_ = std::move(t);
  }
}

void SharedTokenCache::forget(std::string_view token) {
  std::lock_guard lock(mu_);
  if (tok_.token == token) {
    tok_ = CachedToken{};
  }
}

bool SharedTokenCache::try_claim_refresh(const void* owner, SteadyTime now, SteadyTime until) {
  std::lock_guard lock(mu_);
  if (claim_owner_ != nullptr && claim_owner_ != owner && now < claim_until_) {
    return false;
  }
  claim_owner_ = owner;
  claim_until_ = until;
  return true;
}

void SharedTokenCache::release_refresh(const void* owner) {
  std::lock_guard lock(mu_);
  if (claim_owner_ == owner) {
    claim_owner_ = nullptr;
  }
}

bool SharedTokenCache::refresh_claimed_by_other(const void* owner, SteadyTime now) const {
  std::lock_guard lock(mu_);
  return claim_owner_ != nullptr && claim_owner_ != owner && now < claim_until_;
}

std::shared_ptr<SharedTokenCache> shared_token_cache(const std::string& key) {
  // Leaked on purpose: workers may still read it while static destructors run at exit.
  static auto* mu = new std::mutex;
  static auto* caches = new std::map<std::string, std::shared_ptr<SharedTokenCache>>;
  std::lock_guard lock(*mu);
  auto& c = (*caches)[key];
  if (!c) {
    c = std::make_shared<SharedTokenCache>();
  }
  return c;
}

}  // namespace gw::oauth
