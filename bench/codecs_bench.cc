// Per-request CPU of the translation steps, on the request and answers bench/run.sh uses: what a
// proxied chat completion costs the gateway beyond the network. Reports only.
#include <benchmark/benchmark.h>

#include <boost/json.hpp>

#include <string>
#include <vector>

#include "gw/common/ids.h"
#include "gw/common/json_util.h"
#include "gw/common/sse.h"
#include "gw/dialects/dialect.h"
#include "gw/providers/codec.h"
#include "gw/providers/openai/openai_codec.h"
#include "gw/telemetry/access_log.h"
#include "gw/telemetry/metrics.h"

namespace {

const std::string kRequest =
    R"({"model":"bench-plain","messages":[{"role":"user","content":"Hello"}]})";
const std::string kAnswer =
    R"({"id":"chatcmpl-bench","object":"chat.completion","created":1700000000,"model":"bench","choices":[{"index":0,"message":{"role":"assistant","content":"Hello! This is a fixed benchmark reply from nginx.","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":11,"total_tokens":23}})";

std::string stream_body() {
  auto chunk = [](const std::string& delta, const std::string& finish) {
    return "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,"
           "\"model\":\"bench\",\"choices\":[{\"index\":0,\"delta\":" +
           delta + ",\"logprobs\":null,\"finish_reason\":" + finish + "}],\"usage\":null}\n\n";
  };
  std::string s = chunk(R"({"role":"assistant","content":""})", "null");
  for (const char* w : {"Hello", "!", " This", " is", " a", " fixed", " benchmark", " stream", " from", " nginx", "."}) {
    s += chunk(std::string("{\"content\":\"") + w + "\"}", "null");
  }
  s += chunk("{}", "\"stop\"");
  s += "data: {\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":"
       "\"bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":11,\"total_tokens\":23}}"
       "\n\ndata: [DONE]\n\n";
  return s;
}

gw::config::Provider provider() {
  gw::config::Provider p;
  p.name = "nginx";
  p.type = gw::config::ProviderType::OpenAI;
  p.base_url = "http://127.0.0.1:8080/plain/v1";
  p.api_key = "sk-upstream";
  return p;
}

gw::config::Deployment deployment() {
  gw::config::Deployment d;
  d.provider = "nginx";
  d.model = "bench";
  return d;
}

void ParseClientRequest(benchmark::State& state) {
  const auto& dialect = gw::openai_chat_dialect();
  for (auto _ : state) {
    auto r = dialect.parse(kRequest);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(ParseClientRequest);

void EncodeUpstreamRequest(benchmark::State& state) {
  const auto req = *gw::openai_chat_dialect().parse(kRequest);
  const auto prov = provider();  // the codec keeps a reference
  const auto codec = gw::make_codec(prov);
  const auto dep = deployment();
  for (auto _ : state) {
    auto r = codec->encode(req, dep);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(EncodeUpstreamRequest);

void DecodeUpstreamAnswer(benchmark::State& state) {
  for (auto _ : state) {
    auto r = gw::openai::decode_chat_body(kAnswer);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(DecodeUpstreamAnswer);

void RenderClientAnswer(benchmark::State& state) {
  const auto req = *gw::openai_chat_dialect().parse(kRequest);
  const auto resp = *gw::openai::decode_chat_body(kAnswer);
  for (auto _ : state) {
    auto s = gw::openai_chat_dialect().render(resp, req);
    benchmark::DoNotOptimize(s);
  }
}
BENCHMARK(RenderClientAnswer);

// The whole 14-event stream: SSE framing, chunk decoding and re-encoding for the client.
void TranslateStream(benchmark::State& state) {
  const std::string body = stream_body();
  auto req = *gw::openai_chat_dialect().parse(kRequest);
  req.stream = true;
  std::vector<gw::StreamEvent> events;
  for (auto _ : state) {
    auto decoder = gw::openai::make_chat_stream_decoder();
    auto encoder = gw::openai_chat_dialect().stream_encoder(req);
    events.clear();
    decoder->feed(body, events);
    decoder->finish(events);
    std::string out;
    for (const auto& ev : events) {
      out += encoder->encode(ev);
    }
    benchmark::DoNotOptimize(out);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(TranslateStream);

void SseFraming(benchmark::State& state) {
  const std::string body = stream_body();
  std::vector<gw::SseEvent> events;
  for (auto _ : state) {
    gw::SseReader reader;
    events.clear();
    reader.feed(body, events);
    benchmark::DoNotOptimize(events);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(SseFraming);

// Boost.JSON DOM parse of the same answer, for comparison with DecodeUpstreamAnswer (simdjson).
void BoostJsonParseAnswer(benchmark::State& state) {
  for (auto _ : state) {
    boost::json::error_code ec;
    auto v = boost::json::parse(kAnswer, ec);
    benchmark::DoNotOptimize(v);
  }
}
BENCHMARK(BoostJsonParseAnswer);

void RequestIdAndKeyHash(benchmark::State& state) {
  for (auto _ : state) {
    auto id = gw::new_request_id();
    auto h = gw::sha256_hex("sk-bench-0123456789abcdef");
    benchmark::DoNotOptimize(id);
    benchmark::DoNotOptimize(h);
  }
}
BENCHMARK(RequestIdAndKeyHash);

void MetricsAndAccessLogLine(benchmark::State& state) {
  gw::Metrics metrics;
  gw::AccessLogEntry e;
  e.request_id = "01a21a96-d062-71a5-9e66-5db62149d45f";
  e.method = "POST";
  e.path = "/v1/chat/completions";
  e.status = 200;
  e.model = "bench-plain";
  e.provider = "nginx-plain";
  e.deployment = "bench";
  e.key_name = "bench";
  e.attempts = 1;
  e.latency_ms = 3;
  e.input_tokens = 12;
  e.output_tokens = 11;
  e.outcome = "ok";
  std::string line;
  for (auto _ : state) {
    metrics.request_done("chat_completions", "bench-plain", "nginx-plain", 200, 0.003);
    metrics.tokens("bench-plain", "nginx-plain", 12, 11, 0, 0);
    line.clear();
    gw::format_access_log(e, 1764206421094, line);
    benchmark::DoNotOptimize(line);
  }
}
BENCHMARK(MetricsAndAccessLogLine);

}  // namespace
