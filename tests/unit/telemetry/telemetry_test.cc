#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "gw/telemetry/access_log.h"
#include "gw/telemetry/metrics.h"

namespace gw {
namespace {

bool has_line(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

TEST(Metrics, CountsRequestsTokensAndHistogramsByLabels) {
  Metrics m;
  m.request_done("chat_completions", "gpt", "openai", 200, 0.02);
  m.request_done("chat_completions", "gpt", "openai", 200, 0.3);
  m.request_done("chat_completions", "gpt", "azure", 502, 7);
  m.tokens("gpt", "openai", 10, 5, 2, 0);
  m.tokens("gpt", "openai", 1, 1, 0, 3);
  m.upstream_error("azure", "UpstreamError");
  const std::string text = m.render();
  EXPECT_TRUE(has_line(text, R"(switchyard_requests_total{route="chat_completions",model="gpt",provider="openai",status="200"} 2)"))
      << text;
  EXPECT_TRUE(has_line(text, R"(switchyard_requests_total{route="chat_completions",model="gpt",provider="azure",status="502"} 1)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_tokens_total{model="gpt",provider="openai",direction="input"} 11)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_tokens_total{model="gpt",provider="openai",direction="output"} 6)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_tokens_total{model="gpt",provider="openai",direction="cache_read"} 2)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_tokens_total{model="gpt",provider="openai",direction="cache_write"} 3)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_upstream_errors_total{provider="azure",code="UpstreamError"} 1)"));
  // Buckets are cumulative: 0.02 <= 0.025, 0.3 <= 0.5, 7 <= 10.
  const std::string h = "switchyard_request_duration_seconds_bucket{route=\"chat_completions\",model=\"gpt\",";
  EXPECT_TRUE(has_line(text, h + R"(le="0.01"} 0)"));
  EXPECT_TRUE(has_line(text, h + R"(le="0.025"} 1)"));
  EXPECT_TRUE(has_line(text, h + R"(le="0.5"} 2)"));
  EXPECT_TRUE(has_line(text, h + R"(le="10"} 3)"));
  EXPECT_TRUE(has_line(text, h + R"(le="+Inf"} 3)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_request_duration_seconds_count{route="chat_completions",model="gpt"} 3)"));
}

// Time to first token is observed with the request's end, only for requests that had one.
TEST(Metrics, TimeToFirstTokenOnlyWhenGiven) {
  Metrics m;
  m.request_done("chat_completions", "gpt", "openai", 200, 0.5, 0.02);
  m.request_done("chat_completions", "gpt", "openai", 200, 0.5, 0.3);
  m.request_done("chat_completions", "gpt", "openai", 502, 0.5);  // no token reached the client
  m.inflight_add(3);
  m.inflight_add(-1);
  const std::string text = m.render();
  const std::string h = "switchyard_time_to_first_token_seconds_bucket{model=\"gpt\",provider=\"openai\",";
  EXPECT_TRUE(has_line(text, h + R"(le="0.025"} 1)")) << text;
  EXPECT_TRUE(has_line(text, h + R"(le="+Inf"} 2)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_time_to_first_token_seconds_count{model="gpt",provider="openai"} 2)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_requests_total{route="chat_completions",model="gpt",provider="openai",status="200"} 2)"));
  EXPECT_TRUE(has_line(text, "switchyard_inflight_requests 2"));
}

// The ledger's wait has its own sub-millisecond buckets: an fsync is far below the 5 ms that the
// request histograms start at.
TEST(Metrics, LedgerCountersAreRenderedWhenGiven) {
  Metrics m;
  EXPECT_EQ(m.render().find("switchyard_ledger_records_total"), std::string::npos);
  const Metrics::LedgerTotals totals{.records = 90, .commits = 10};
  const std::string text = m.render(&totals);
  EXPECT_TRUE(has_line(text, "# TYPE switchyard_ledger_records_total counter")) << text;
  EXPECT_TRUE(has_line(text, "switchyard_ledger_records_total 90"));
  EXPECT_TRUE(has_line(text, "# TYPE switchyard_ledger_commits_total counter"));
  EXPECT_TRUE(has_line(text, "switchyard_ledger_commits_total 10"));
}

TEST(Metrics, LedgerWaitHasFineBuckets) {
  Metrics m;
  m.ledger_wait(0.0004);
  m.ledger_wait(0.0009);
  m.ledger_wait(0.004);
  const std::string text = m.render();
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_bucket{le="0.00025"} 0)")) << text;
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_bucket{le="0.0005"} 1)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_bucket{le="0.001"} 2)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_bucket{le="0.005"} 3)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_bucket{le="+Inf"} 3)"));
  EXPECT_TRUE(has_line(text, R"(switchyard_ledger_wait_seconds_count 3)"));
  // The request histograms keep their own bounds.
  m.request_done("chat_completions", "gpt", "openai", 200, 0.0004);
  EXPECT_TRUE(has_line(m.render(), R"(switchyard_request_duration_seconds_bucket{route="chat_completions",model="gpt",le="0.005"} 1)"));
}

TEST(Metrics, EscapesLabelValues) {
  Metrics m;
  m.failover("we\"ird\\model\nname");
  EXPECT_TRUE(has_line(m.render(), R"(switchyard_failovers_total{model="we\"ird\\model\nname"} 1)"));
}

TEST(AccessLog, OneParseableJsonLineWithoutOptionalFieldsWhenEmpty) {
  AccessLogEntry e;
  e.request_id = "01a2-id";
  e.method = "POST";
  e.path = "/v1/chat/completions";
  e.status = 401;
  e.outcome = "Unauthenticated";
  e.error = "bad \"key\"\n\x01";
  std::string line;
  format_access_log(e, 1764206421094, line);
  ASSERT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1);
  const auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("ts").as_string(), "2025-11-27T01:20:21.094Z");
  EXPECT_EQ(v.at("level").as_string(), "warn");
  EXPECT_EQ(v.at("msg").as_string(), "request");
  EXPECT_EQ(v.at("status").as_int64(), 401);
  EXPECT_EQ(v.at("error").as_string(), "bad \"key\"\n\x01");
  EXPECT_EQ(v.at("stream").as_bool(), false);
  EXPECT_FALSE(v.contains("model"));
  EXPECT_FALSE(v.contains("provider"));
  EXPECT_FALSE(v.contains("key"));
  EXPECT_FALSE(v.contains("ttft_ms"));
}

TEST(AccessLog, FullEntryAndLongFieldsCutOnACharacterBoundary) {
  AccessLogEntry e;
  e.request_id = "r";
  e.method = "POST";
  e.path = "/v1/messages";
  e.status = 200;
  e.model = "claude";
  e.provider = "bedrock";
  e.deployment = "anthropic.claude";
  e.key_name = "team-a";
  e.attempts = 2;
  e.stream = true;
  e.latency_ms = 120;
  e.ttft_ms = 40;
  e.input_tokens = 12;
  e.cache_read_tokens = 5;
  e.output_tokens = 34;
  e.outcome = "ok";
  std::string long_error(1023, 'x');
  long_error += "\xc3\xa9tail";  // a two-byte character straddles the 1024-byte cut
  e.error = long_error;
  std::string line;
  format_access_log(e, 0, line);
  const auto v = boost::json::parse(line).as_object();
  EXPECT_EQ(v.at("ts").as_string(), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(v.at("level").as_string(), "info");
  EXPECT_EQ(v.at("provider").as_string(), "bedrock");
  EXPECT_EQ(v.at("deployment").as_string(), "anthropic.claude");
  EXPECT_EQ(v.at("key").as_string(), "team-a");
  EXPECT_EQ(v.at("attempts").as_int64(), 2);
  EXPECT_TRUE(v.at("stream").as_bool());
  EXPECT_EQ(v.at("ttft_ms").as_int64(), 40);
  EXPECT_EQ(v.at("input_tokens").as_int64(), 12);
  EXPECT_EQ(v.at("cache_read_tokens").as_int64(), 5);
  EXPECT_FALSE(v.contains("cache_write_tokens"));  // zero: left out
  EXPECT_EQ(v.at("error").as_string(), std::string(1023, 'x'));
  EXPECT_LT(line.size(), 4096u);
}

}  // namespace
}  // namespace gw
