#pragma once
// State shared by every worker thread: built once at start-up, thread-safe by construction
// (read-only config; KeyStore, Limiter, Ledger, DeploymentHealth and Metrics lock inside).
#include <atomic>
#include <memory>

#include "gw/auth/key_store.h"
#include "gw/common/clock.h"
#include "gw/config/schema.h"
#include "gw/ledger/ledger.h"
#include "gw/limits/limiter.h"
#include "gw/providers/azure/entra_credentials.h"
#include "gw/providers/bedrock/credential_set.h"
#include "gw/providers/vertex/adc.h"
#include "gw/routing/commitments.h"
#include "gw/routing/health.h"
#include "gw/routing/router.h"
#include "gw/telemetry/metrics.h"

namespace gw {

struct App {
  const config::Config& cfg;
  const Clock& clock;
  // Destroyed in reverse order: the limiter uses metrics and the ledger, so it is declared after them.
  Metrics metrics;
  std::unique_ptr<KeyStore> keys;
  std::unique_ptr<Ledger> ledger;
  std::unique_ptr<Limiter> limiter;
  DeploymentHealth health;
  CommitmentTracker commitments;  // started once the ledger exists (server.cc)
  Router router;
  // Token counting's own view of the same deployments (server/count_tokens.cc). Counting is a
  // separate endpoint with a separate quota (Vertex's count-tokens:rawPredict, Bedrock's
  // CountTokens), so its 429s and failures cool only counting, never generation, and chat's cool
  // -downs never refuse a count; its quick answers stay out of chat's latency ranking as well.
  DeploymentHealth count_health;
  Router count_router;
  // AWS default-chain credentials of the Bedrock providers without static keys (server.cc).
  std::unique_ptr<bedrock::CredentialSet> aws_credentials;
  // Application Default Credentials of the Vertex providers without credentials_file (server.cc).
  std::unique_ptr<vertex::DefaultCredentials> gcp_credentials;
  // Entra ID sources of the azure_openai providers without api_key (server.cc).
  std::unique_ptr<azure::EntraCredentials> azure_credentials;
  std::atomic<bool> draining{false};
  std::atomic<int> inflight{0};  // requests being handled (not idle connections)

  App(const config::Config& c, const Clock& clk)
      : cfg(c),
        clock(clk),
        health(clk),
        commitments(c, clk),
        router(c, health, {}, &commitments),
        count_health(clk),
        count_router(c, count_health, {}, &commitments) {}
};

}  // namespace gw
