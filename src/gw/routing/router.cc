#include "gw/routing/router.h"

#include <algorithm>
#include <cmath>
#include <random>

namespace gw {

namespace {

double default_uniform01() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(rng);
}

// The request's price at a deployment, for ordering only (ledger/pricing.h prices it exactly).
// Without token figures, input and output weigh the same.
double request_price(const config::Deployment& d, const RouteRequest& req) {
  const bool known = req.input_tokens > 0 || req.output_tokens > 0;
  const double in = known ? static_cast<double>(req.input_tokens) : 1.0;
  const double out = known ? static_cast<double>(req.output_tokens) : 1.0;
  return static_cast<double>(d.price.input) * in + static_cast<double>(d.price.output) * out;
}

}  // namespace

std::optional<Attempt> RoutePlan::next() {
  if (pos_ >= order_.size() || made_ >= max_attempts_) {
    return std::nullopt;
  }
  ++made_;
  return order_[pos_++];
}

Router::Router(const config::Config& cfg, DeploymentHealth& health, std::function<double()> uniform01,
               const CommitmentTracker* commitments)
    : cfg_(cfg),
      health_(health),
      uniform01_(uniform01 ? std::move(uniform01) : default_uniform01),
      commitments_(commitments) {}

std::string Router::deployment_id(const config::Deployment& d) { return d.provider + "/" + d.model; }

std::vector<size_t> Router::order(const config::Model& model, const RouteRequest& req,
                                  const DeploymentFilter& usable, LatencyProbe& probe) const {
  const auto& deps = model.deployments;
  std::vector<size_t> idx;  // the usable deployments, before any strategy (so none is probed)
  for (size_t i = 0; i < deps.size(); ++i) {
    if (!usable || usable(deps[i])) {
      idx.push_back(i);
    }
  }
  auto by = [&](auto key) {
    std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key(a) < key(b); });
  };
  switch (model.route) {
    case config::RouteStrategy::Priority:
      by([&](size_t i) { return deps[i].priority; });
      break;
    case config::RouteStrategy::Commitment: {
      // Deployments whose commitment is not met yet come first, the one furthest behind an even
      // pace through its period first (so two commitments burn down together); then every other
      // deployment (commitment met, or none) in priority order, as pay-as-you-go.
      by([&](size_t i) { return deps[i].priority; });
      std::vector<std::pair<int, double>> key(deps.size(), {1, 0.0});
      for (size_t i = 0; i < deps.size() && commitments_ != nullptr; ++i) {
        if (auto b = commitments_->burn(deps[i].provider); b && !b->met()) {
          key[i] = {0, -b->behind()};
        }
      }
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key[a] < key[b]; });
      break;
    }
    case config::RouteStrategy::Weighted: {
      // Efraimidis-Spirakis: sort by u^(1/w) descending = a weighted random permutation, so the
      // first pick is proportional to weight and failover continues in weighted order.
      std::vector<double> key(deps.size());
      for (size_t i = 0; i < deps.size(); ++i) {
        const double w = deps[i].weight;
        key[i] = w <= 0 ? -1.0 : std::pow(uniform01_(), 1.0 / w);
      }
      std::stable_sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return key[a] > key[b]; });
      break;
    }
    case config::RouteStrategy::Latency: {
      std::vector<std::string> ids;
      for (size_t i : idx) {
        ids.push_back(deployment_id(deps[i]));
      }
      std::vector<size_t> ranked;
      for (size_t r : health_.latency_order(ids, probe)) {  // an unmeasured one: one request probes it
        ranked.push_back(idx[r]);
      }
      idx = std::move(ranked);
      break;
    }
    case config::RouteStrategy::LeastBusy:
      by([&](size_t i) { return health_.inflight(deployment_id(deps[i])); });
      break;
    case config::RouteStrategy::Cost:
      by([&](size_t i) { return request_price(deps[i], req); });
      break;
  }
  return idx;
}

Result<RoutePlan> Router::plan(const config::Model& model, const RouteRequest& req,
                               const DeploymentFilter& usable) const {
  std::vector<Attempt> attempts;
  std::optional<std::chrono::milliseconds> shortest;
  bool all_throttled = true;
  LatencyProbe probe;
  for (size_t i : order(model, req, usable, probe)) {
    const auto& dep = model.deployments[i];
    if (model.route == config::RouteStrategy::Weighted && dep.weight <= 0) {
      continue;
    }
    std::string id = deployment_id(dep);
    if (auto cool = health_.cooling(id)) {
      shortest = shortest ? std::min(*shortest, *cool) : *cool;
      all_throttled = all_throttled && health_.throttled(id);
      continue;
    }
    attempts.push_back(Attempt{&dep, cfg_.provider(dep.provider), std::move(id), &health_});
  }
  if (attempts.empty()) {
    Error e = all_throttled
                  ? make_error(Code::RateLimited, "every deployment of model '" + model.name +
                                                      "' is rate-limited by its upstream")
                  : make_error(Code::UpstreamUnavailable,
                               "every deployment of model '" + model.name + "' is cooling down");
    if (shortest) {
      e.retry_after_s = std::max<int64_t>(1, (shortest->count() + 999) / 1000);
    }
    return e;
  }
  return RoutePlan(std::move(attempts), std::max(1, model.max_attempts), std::move(probe));
}

}  // namespace gw
