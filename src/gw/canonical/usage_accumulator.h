#pragma once
// The only place where events or responses become Usage, so streamed and plain responses can
// never disagree about tokens (design.md). When the upstream never reported usage (the client or
// the upstream went away mid-stream) it falls back to counting: prompt bytes / 4 and output bytes / 4.
// A figure the upstream reported is billed as reported, a 0 included, once the answer is complete
// (a whole response, or a stream that reached its end): a cut stream's last report may be stale,
// so its output is counted if that report said 0. A report with a figure above
// kMaxReportedTokens is not a count but a faulty upstream's: it is ignored (implausible()), and
// the request counted, so that one record cannot saturate its cost and overflow every sum (usage
// reports, budgets) taken over it.
#include <cstdint>

#include "gw/canonical/chat.h"
#include "gw/canonical/stream_event.h"

namespace gw {

class UsageAccumulator {
 public:
  // Far above any context window (the largest are ~10M tokens).
  static constexpr uint64_t kMaxReportedTokens = 1'000'000'000;

  explicit UsageAccumulator(uint64_t estimated_input_tokens = 0)
      : estimated_input_(estimated_input_tokens) {}

  void on_event(const StreamEvent& ev);
  void on_response(const ChatResponse& resp);

  // True once the upstream itself reported any usage figure.
  bool reported() const { return reported_; }
  // True when a figure usage() bills is an estimate: the upstream reported nothing, or reported its
  // input but never its output (a stream cut before its final usage), which was then counted.
  bool counted() const;
  // The usage to bill: what the upstream reported, or failing that, counted; nothing when no
  // upstream answered.
  Usage usage() const;
  uint64_t output_bytes() const { return output_bytes_; }
  // True when a usage report was ignored for a figure above kMaxReportedTokens.
  bool implausible() const { return implausible_; }

 private:
  // `final_report`: a usage report proper (a stream's usage event, a response's usage), whose
  // output figure stands even when 0; message_start's is not one.
  void merge(const Usage& u, bool final_report);
  void on_start(const Usage& u);

  Usage usage_;
  bool reported_ = false;
  // Whether an upstream answered at all (an event of a stream, or a whole response). Until then
  // nothing is billed: a refused attempt (429, 5xx, a 4xx) costs nothing at the provider.
  bool answered_ = false;
  uint64_t estimated_input_ = 0;
  uint64_t output_bytes_ = 0;
  uint64_t start_output_ = 0;  // message_start's output_tokens: a placeholder, not a final count
  bool output_reported_ = false;  // a usage report proper arrived (its output stands, even 0)
  bool complete_ = false;         // a whole response, or a stream that reached its MessageStop
  bool implausible_ = false;
};

// A rough token estimate for admission control and for the counted fallback: 1 token per
// 4 bytes of text, JSON and tool arguments. Deterministic and cheap; never billed when the
// upstream reports usage.
uint64_t estimate_input_tokens(const ChatRequest& req);

}  // namespace gw
