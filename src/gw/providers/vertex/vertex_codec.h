#pragma once
// The codec for Claude on Google Vertex AI (type: vertex, protocols.md 5.1-5.3): Anthropic
// Messages bodies without `model` and with anthropic_version "vertex-2023-10-16", sent to
// :rawPredict / :streamRawPredict; Anthropic JSON and SSE back; Google- or Anthropic-shaped errors.
// Authentication (OAuth2 bearer) is added afterwards by the signer (vertex_signer.h).
#include <memory>
#include <string>
#include <string_view>

#include "gw/providers/codec.h"

namespace gw::vertex {

inline constexpr std::string_view kVertexAnthropicVersion = "vertex-2023-10-16";

std::unique_ptr<ProviderCodec> make_vertex_codec(const config::Provider& p);

// The Vertex SDK's base URL for a region (protocols.md 5.1): "global" -> aiplatform.googleapis.com,
// the "us"/"eu" multi-regions -> aiplatform.{us,eu}.rep.googleapis.com, else {region}-aiplatform.
// Used when the provider has no base_url.
std::string default_base_url(std::string_view region);

// {base}/v1/projects/{project}/locations/{region}/publishers/anthropic/models/{model}:rawPredict
// (or :streamRawPredict). The model segment is percent-encoded except for '@' and ':', which
// Vertex model versions use ("claude-sonnet-4@20250514").
std::string predict_url(const config::Provider& p, std::string_view model, bool stream);

// {base}/v1/projects/{project}/locations/{region}/publishers/anthropic/models/count-tokens:rawPredict
// (protocols.md 5.4): one URL for every model, which the body names.
std::string count_tokens_url(const config::Provider& p);

// A non-2xx Vertex answer -> Error. Google shapes ({"error":{code,message,status}}, also wrapped
// in a one-element array) by their status string; Anthropic-shaped errors from the model
// (overloaded_error, rate_limit_error, ...) as the anthropic provider classifies them; 401/403
// name the provider's service-account credentials (the client's key is not at fault).
Error classify_error(const UpstreamResponse& resp, std::string_view provider);

}  // namespace gw::vertex
