#pragma once
// The emulator's answers, as pure functions of the request: deterministic text of a natural
// length (--reply-tokens, 20 by default: the whole sentence) cut short by a smaller max_tokens,
// and then said to be cut ("length" / "max_tokens") as a real model would; usage counts what was
// sent and received.
#include <boost/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace gw::emulate {

struct Script {
  std::string model;
  std::vector<std::string> tokens;  // each streamed as one delta
  bool cut = false;                 // max_tokens ended the reply before its natural length
  uint64_t input_tokens = 0;
  bool stream = false;
  bool include_usage = false;
  std::string tool_name;  // non-empty: answer with a call to this tool
};

constexpr int64_t kDefaultReplyTokens = 20;

Script plan_openai(const boost::json::object& req, int64_t reply_tokens = kDefaultReplyTokens);
Script plan_anthropic(const boost::json::object& req, int64_t reply_tokens = kDefaultReplyTokens);

std::string openai_response(const Script& s);
std::vector<std::string> openai_stream(const Script& s);  // SSE events, [DONE] last
std::string anthropic_response(const Script& s);
std::vector<std::string> anthropic_stream(const Script& s);
// POST /v1/messages/count_tokens: {"input_tokens": N}, the N a Messages answer would report.
std::string anthropic_count(const Script& s);
// POST /v1/embeddings: one unit-length vector per input (`dimensions` long, else 16), derived from
// the input's bytes, as floats or, with encoding_format "base64", as little-endian float32 bytes
// in base64 (what the openai SDKs ask for by default); usage counts the input as chat does.
// Nullopt for a body without a usable `input`.
std::optional<std::string> openai_embeddings(const boost::json::object& req);

}  // namespace gw::emulate
