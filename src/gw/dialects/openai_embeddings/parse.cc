// OpenAI Embeddings request body -> EmbeddingRequest. The body is checked here, at the edge, so a
// malformed one is the client's 400 naming the field instead of an upstream's rejection (which
// would not fail over) or worse, a deployment's 5xx.
#include <simdjson.h>

#include <set>
#include <string>

#include "gw/canonical/json_fields.h"
#include "gw/common/json_util.h"
#include "gw/dialects/openai_embeddings/openai_embeddings.h"

namespace gw::openai {

namespace json = boost::json;

namespace {

// OpenAI's own bounds: at most 2048 inputs per request; a token id is a non-negative integer.
constexpr size_t kMaxInputs = 2048;

// Tokens a string is assumed to hold before the upstream counts it: about four bytes a token, as
// for chat (canonical/usage_accumulator.h), and at least one.
uint64_t estimate_tokens(std::string_view s) { return s.size() / 4 + 1; }

Result<uint64_t> check_token_ids(const json::array& ids, const std::string& field) {
  if (ids.empty()) {
    return invalid_field(field, "must not be empty");
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    const json::value& t = ids[i];
    if (!(t.is_uint64() || (t.is_int64() && t.get_int64() >= 0))) {
      return invalid_field(field + "[" + std::to_string(i) + "]", "must be a token id (a non-negative integer)");
    }
  }
  return ids.size();
}

// The estimate for a valid `input`, or the error naming what is wrong with it.
Result<uint64_t> check_input(const json::value* v) {
  if (v == nullptr || v->is_null()) {
    return invalid_field("input", "is required");
  }
  if (v->is_string()) {
    if (v->get_string().empty()) {
      return invalid_field("input", "must not be empty");
    }
    return estimate_tokens(v->get_string());
  }
  if (!v->is_array()) {
    return invalid_field("input", "must be a string, an array of strings, or an array of token ids");
  }
  const json::array& a = v->get_array();
  if (a.empty()) {
    return invalid_field("input", "must not be empty");
  }
  if (a.size() > kMaxInputs) {
    return invalid_field("input", "must hold at most " + std::to_string(kMaxInputs) + " inputs");
  }
  if (a.front().is_number()) {  // one input given as token ids
    return check_token_ids(a, "input");
  }
  uint64_t tokens = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const std::string field = "input[" + std::to_string(i) + "]";
    if (a[i].is_string()) {
      if (a[i].get_string().empty()) {
        return invalid_field(field, "must not be empty");
      }
      tokens += estimate_tokens(a[i].get_string());
    } else if (a[i].is_array()) {
      auto n = check_token_ids(a[i].get_array(), field);
      if (!n) {
        return n.error();
      }
      tokens += *n;
    } else {
      return invalid_field(field, "must be a string or an array of token ids");
    }
  }
  return tokens;
}

// A valid `input`'s texts, for the clouds' APIs; token ids leave them empty and mark the request.
void collect_texts(const json::value& input, EmbeddingRequest& req) {
  if (input.is_string()) {
    req.texts.emplace_back(input.get_string());
    return;
  }
  for (const json::value& item : input.get_array()) {
    if (!item.is_string()) {  // one input of token ids, or a list of them
      req.texts.clear();
      req.token_ids = true;
      return;
    }
    req.texts.emplace_back(item.get_string());
  }
}

// The body goes to OpenAI-format upstreams as sent, its model name replaced. Boost.JSON keeps the
// last of a repeated key (the model authorized and priced here) where an upstream may read the
// first, or a key spelled with escapes ("mod\u0065l") that a text replacement would not see: a
// top-level key given twice is refused. simdjson keeps repeated keys and unescapes them.
Result<void> no_repeated_keys(std::string_view body) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::object o;
  if (parser.parse(body.data(), body.size()).get(o) != simdjson::SUCCESS) {
    return {};  // Boost.JSON read it; what simdjson refuses (a depth, a number) is judged there
  }
  std::set<std::string_view> seen;
  for (simdjson::dom::key_value_pair kv : o) {
    if (!seen.insert(kv.key).second) {
      return invalid_field(std::string(kv.key), "appears more than once");
    }
  }
  return {};
}

}  // namespace

Result<EmbeddingRequest> parse_embedding_request(std::string_view body) {
  auto v = parse_request_object(body);
  if (!v) {
    return v.error();
  }
  if (auto once = no_repeated_keys(body); !once) {
    return once.error();
  }
  const json::object& o = v->get_object();
  EmbeddingRequest req;
  req.body = std::string(body);
  const json::value* model = o.if_contains("model");
  if (model == nullptr || !model->is_string() || model->get_string().empty()) {
    return invalid_field("model", "is required and must be a string");
  }
  req.model = std::string(model->get_string());
  auto tokens = check_input(o.if_contains("input"));
  if (!tokens) {
    return tokens.error();
  }
  req.input_estimate = *tokens;
  collect_texts(o.at("input"), req);
  if (const json::value* f = o.if_contains("encoding_format"); f != nullptr && !f->is_null()) {
    if (!f->is_string() || (f->get_string() != "float" && f->get_string() != "base64")) {
      return invalid_field("encoding_format", "must be \"float\" or \"base64\"");
    }
    req.encoding = f->get_string() == "base64" ? EmbeddingEncoding::Base64 : EmbeddingEncoding::Float;
  }
  if (const json::value* d = o.if_contains("dimensions"); d != nullptr && !d->is_null()) {
    const bool positive = (d->is_uint64() && d->get_uint64() > 0) || (d->is_int64() && d->get_int64() > 0);
    if (!positive) {
      return invalid_field("dimensions", "must be a positive integer");
    }
    req.dimensions = d->is_uint64() ? d->get_uint64() : static_cast<uint64_t>(d->get_int64());
  }
  if (const json::value* u = o.if_contains("user"); u != nullptr && !u->is_null() && !u->is_string()) {
    return invalid_field("user", "must be a string");
  }
  return req;
}

}  // namespace gw::openai
