#pragma once
// Pieces of the Messages wire shared by the response decoder and the stream translator.
// Internal to gw_provider_anthropic.
#include <boost/json.hpp>
#include <optional>
#include <string_view>

#include "gw/canonical/chat.h"

namespace gw::anthropic {

// stop_reason -> canonical (protocols.md 2.6); model_context_window_exceeded is a length stop.
StopReason stop_reason_of(std::string_view s);

// Overwrites the fields of `u` that `usage` carries with a non-null value (SDKs do the same with
// cumulative message_delta usage): input_tokens, output_tokens, cache_creation_input_tokens ->
// cache_write, cache_read_input_tokens -> cache_read.
void apply_usage(const boost::json::object& usage, Usage& u);

// A non-negative integer field, or nullopt (never throws on hostile input).
std::optional<uint64_t> uint_field(const boost::json::object& o, std::string_view key);
std::string_view string_field(const boost::json::object& o, std::string_view key);

}  // namespace gw::anthropic
