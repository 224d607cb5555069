#pragma once
// `switchyard emulate`: an upstream that speaks the OpenAI Chat Completions and Anthropic Messages
// wire formats, for demos and load tests. A tool, never a substitute for a real provider.
#include <cstdint>
#include <string>

namespace gw {

struct EmulatorOptions {
  std::string listen = "127.0.0.1:4010";
  int latency_ms = 0;          // before the first byte
  double tokens_per_s = 0;     // streaming pace; 0 = as fast as possible
  double fail_rate = 0;        // fraction of requests answered with an overloaded error
  int reply_tokens = 20;       // a reply's natural length; a smaller max_tokens cuts it
  int threads = 1;
};

// Runs until SIGINT/SIGTERM; returns the exit code.
int run_emulator(const EmulatorOptions& opts);

}  // namespace gw
