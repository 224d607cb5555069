#pragma once
// Turns a model into an ordered list of deployments to try (the RoutePlan), by the model's
// strategy, skipping deployments that are cooling down. Failover is then a plain loop over the
// plan in the pipeline, bounded by the model's max_attempts.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "gw/common/result.h"
#include "gw/config/schema.h"
#include "gw/routing/commitments.h"
#include "gw/routing/health.h"

namespace gw {

struct Attempt {
  const config::Deployment* deployment = nullptr;
  const config::Provider* provider = nullptr;
  std::string id;  // "<provider>/<upstream model>": health and capacity key
  // The planning router's health: the attempt's outcome is reported there, the cool-downs that
  // shaped the plan are read there (chat and token counting keep apart ones, server/app.h).
  DeploymentHealth* health = nullptr;
};

// What routing knows of the request itself: its estimated input and the output it may produce
// (max_tokens, or the estimate limits use), which route: cost prices at each deployment.
struct RouteRequest {
  uint64_t input_tokens = 0;
  uint64_t output_tokens = 0;
};

class RoutePlan {
 public:
  RoutePlan(std::vector<Attempt> order, int max_attempts, LatencyProbe probe = {})
      : order_(std::move(order)), max_attempts_(max_attempts), probe_(std::move(probe)) {}
  // The next deployment to try, or nullopt when the plan or the attempt budget is spent.
  std::optional<Attempt> next();
  // The deployment next() gave was passed over before any upstream call (at its own rpm/tpm
  // capacity): it does not use up one of max_attempts.
  void not_attempted() { --made_; }
  int attempts_made() const { return made_; }
  size_t size() const { return order_.size(); }

 private:
  std::vector<Attempt> order_;
  size_t pos_ = 0;
  int made_ = 0;
  int max_attempts_;
  LatencyProbe probe_;  // route: latency: held while the request lives (routing/health.h)
};

class Router {
 public:
  // `uniform01` draws from [0,1) for weighted routing; injectable for tests. `commitments` ranks
  // route: commitment (null: no commitment is ever behind, so it is priority order).
  Router(const config::Config& cfg, DeploymentHealth& health, std::function<double()> uniform01 = {},
         const CommitmentTracker* commitments = nullptr);
  // Deployments a request can use at all (token counting: those whose provider can count).
  using DeploymentFilter = std::function<bool(const config::Deployment&)>;
  // UpstreamUnavailable (503, retry_after_s = shortest cool-down) when every deployment cools.
  // With `usable`, only the deployments it accepts are planned (and only their cool-downs count).
  Result<RoutePlan> plan(const config::Model& model, const RouteRequest& req = {},
                         const DeploymentFilter& usable = {}) const;

  static std::string deployment_id(const config::Deployment& d);

 private:
  // Indices of the deployments `usable` accepts (all when empty), in the strategy's order.
  std::vector<size_t> order(const config::Model& model, const RouteRequest& req,
                            const DeploymentFilter& usable, LatencyProbe& probe) const;

  const config::Config& cfg_;
  DeploymentHealth& health_;
  std::function<double()> uniform01_;
  const CommitmentTracker* commitments_;
};

}  // namespace gw
