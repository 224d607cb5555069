#pragma once
// How far each spending commitment (config::Commitment) has burned down in its current calendar
// period: what its providers' requests cost, as the ledger priced them. `route: commitment`
// ranks deployments by it, and /metrics shows it.
//
// Spend = the ledger's sum for the period as last read + what this process metered since. The
// ledger is read at start and then every `refresh_every` on a thread of the tracker's own, which
// is how another replica's spend (a shared PostgreSQL ledger) arrives. Reads are incremental: the
// sum of records older than kSettledAfter is kept, and only younger ones are summed again, so a
// refresh costs the records of the last minutes, not the period's. A record that reaches the
// ledger more than kSettledAfter after its request started (a very long stream) is therefore
// missed until the next period; the tracker steers traffic, finance bills from the ledger.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "gw/common/clock.h"
#include "gw/common/result.h"
#include "gw/config/budget_period.h"
#include "gw/config/schema.h"

namespace gw {

inline constexpr std::chrono::seconds kCommitmentRefreshEvery{30};
inline constexpr std::chrono::minutes kSettledAfter{10};

// Ledger::provider_spend: the providers' cost in [since_ms, until_ms), nano-USD.
using ProviderSpendQuery =
    std::function<Result<int64_t>(const std::vector<std::string>& providers, int64_t since_ms, int64_t until_ms)>;

// One commitment's state at a moment.
struct CommitmentBurn {
  const config::Commitment* commitment = nullptr;
  PeriodBounds period;
  int64_t spent_nano_usd = 0;
  double elapsed = 0;  // share of the period gone, 0..1

  bool met() const { return spent_nano_usd >= commitment->nano_usd; }
  // How far spend trails an even pace, as a share of the commitment: 0.25 = a quarter of the
  // amount behind where spending evenly through the period would be; negative when ahead.
  double behind() const {
    return elapsed - static_cast<double>(spent_nano_usd) / static_cast<double>(commitment->nano_usd);
  }
  // What an even pace would have spent by now.
  int64_t pace_nano_usd() const { return static_cast<int64_t>(elapsed * static_cast<double>(commitment->nano_usd)); }
};

class CommitmentTracker {
 public:
  CommitmentTracker(const config::Config& cfg, const Clock& clock);
  ~CommitmentTracker();  // stops the refresher
  CommitmentTracker(const CommitmentTracker&) = delete;
  CommitmentTracker& operator=(const CommitmentTracker&) = delete;

  // Reads the ledger now (a failure is logged: the tracker then counts from zero until a read
  // succeeds) and then every `refresh_every` on its own thread. Nothing to do without commitments.
  void start(ProviderSpendQuery query, std::chrono::milliseconds refresh_every = kCommitmentRefreshEvery);
  // One refresh, on the caller's thread (start() and tests).
  void refresh();

  // A metered request: counted when `provider` is committed and the request started in the
  // current period (one that started in the last period belongs to it, as the ledger says).
  void add(const std::string& provider, int64_t cost_nano_usd, int64_t time_ms);

  // nullopt when the provider counts toward no commitment.
  std::optional<CommitmentBurn> burn(const std::string& provider) const;
  // Every commitment, by name.
  std::vector<CommitmentBurn> all() const;

 private:
  struct State {
    const config::Commitment* commitment = nullptr;
    PeriodBounds period;
    int64_t settled_until_ms = 0;  // records before it are summed in settled
    int64_t settled = 0;
    int64_t recent = 0;  // the ledger's records from settled_until_ms on, at the last read
    int64_t local = 0;   // metered here since the last read
  };
  void roll_locked(State& s, int64_t now_ms) const;  // into the period `now_ms` is in
  CommitmentBurn burn_locked(State& s, int64_t now_ms) const;
  void refresher(std::chrono::milliseconds every);

  const Clock& clock_;
  std::map<std::string, size_t, std::less<>> by_provider_;  // provider -> states_ index
  mutable std::mutex mu_;
  mutable std::vector<State> states_;  // rolled into the current period on reading
  ProviderSpendQuery query_;

  std::mutex stop_mu_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::thread refresher_;
};

}  // namespace gw
