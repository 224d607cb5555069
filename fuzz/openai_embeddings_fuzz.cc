// libFuzzer target: POST /v1/embeddings, both ways.
//  - the bytes as a client's request body: parsed (a rejection is rendered as the OpenAI error),
//    and when accepted, encoded for an OpenAI and an Azure deployment, which must be valid JSON
//    with the deployment's model;
//  - the bytes as an upstream's answer: decoded, and when accepted, rendered for the client, which
//    must be valid JSON naming the client's model and otherwise keep the upstream's bytes.
// None of it may crash.
#include <boost/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "gw/common/json_util.h"
#include "gw/dialects/dialect.h"
#include "gw/dialects/openai_embeddings/openai_embeddings.h"
#include "gw/providers/openai/openai_codec.h"

namespace {

const gw::config::Provider& provider(gw::config::ProviderType type) {
  static const gw::config::Provider openai = [] {
    gw::config::Provider p;
    p.base_url = "http://upstream.invalid/v1";
    p.api_key = "k";
    return p;
  }();
  static const gw::config::Provider azure = [] {
    gw::config::Provider p;
    p.type = gw::config::ProviderType::AzureOpenAI;
    p.base_url = "http://upstream.invalid";
    p.api_key = "k";
    p.api_version = "2024-10-21";
    return p;
  }();
  return type == gw::config::ProviderType::AzureOpenAI ? azure : openai;
}

void must(bool ok) {
  if (!ok) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  auto req = gw::openai::parse_embedding_request(bytes);
  if (!req) {
    (void)gw::openai_chat_dialect().render_error(req.error());
  } else {
    static const auto openai = gw::make_openai_codec(provider(gw::config::ProviderType::OpenAI));
    static const auto azure = gw::make_azure_openai_codec(provider(gw::config::ProviderType::AzureOpenAI));
    gw::config::Deployment dep;
    dep.model = "deployment/model";
    // The client's bytes go upstream as written, model aside: as valid as they were (Boost.JSON
    // accepted them to get here), naming the deployment's model where only one "model" key exists.
    const bool plain = bytes.find('\\') == std::string_view::npos;
    const size_t first = bytes.find("\"model\"");
    const bool one_model = plain && first != std::string_view::npos &&
                           bytes.find("\"model\"", first + 1) == std::string_view::npos;
    for (const auto* codec : {openai.get(), azure.get()}) {
      auto wires = codec->encode_embed(*req, dep);
      must(wires.has_value() && wires->size() == 1);
      const gw::UpstreamRequest* wire = &wires->front();
      boost::json::error_code ec;
      const boost::json::value sent = boost::json::parse(wire->body, ec);
      must(!ec && sent.is_object());
      if (one_model) {
        must(sent.as_object().at("model") == "deployment/model");
      }
    }
  }

  gw::EmbeddingRequest named;
  named.model = "client \"alias\"";
  if (auto answer = gw::openai::decode_embeddings_body(bytes)) {
    const std::string out = gw::openai::render_embedding_response(*answer, named);
    // Held to Boost.JSON where Boost.JSON accepts the answer itself: simdjson, which decoded it,
    // also takes what Boost refuses (an exponent beyond 64 bits, nesting deeper than asked), and the
    // rewrite passes those bytes through untouched.
    boost::json::parse_options deep;
    deep.max_depth = 1 << 20;
    boost::json::error_code in_ec;
    (void)boost::json::parse(bytes, in_ec, {}, deep);
    if (!in_ec) {
      boost::json::error_code ec;
      const boost::json::value v = boost::json::parse(out, ec, {}, deep);
      must(!ec && v.is_object());
      // Boost.JSON keeps the last of duplicate keys and reads escaped keys, while the rewrite
      // changes the first plain one: the client's model is checked where neither can differ.
      const bool plain = bytes.find('\\') == std::string_view::npos;
      const size_t first = bytes.find("\"model\"");
      if (plain && (first == std::string_view::npos || bytes.find("\"model\"", first + 1) == std::string_view::npos)) {
        must(v.as_object().at("model") == named.model.c_str());
      }
    }
  }
  return 0;
}
