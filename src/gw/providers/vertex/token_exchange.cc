// Token endpoint calls shared by every grant (token_exchange.h).
#include "gw/providers/vertex/token_exchange.h"

#include "gw/common/percent.h"

namespace gw::vertex {

namespace json = boost::json;

namespace {

constexpr size_t kMaxTokenResponseBytes = 64 * 1024;

}  // namespace

std::string form_body(std::initializer_list<std::pair<std::string_view, std::string_view>> fields) {
  std::string body;
  for (const auto& [k, v] : fields) {
    if (!body.empty()) {
      body.push_back('&');
    }
    percent_encode(k, &is_unreserved, body);
    body.push_back('=');
    percent_encode(v, &is_unreserved, body);
  }
  return body;
}

Error grant_error(std::string why, bool retryable, Code code) {
  Error e = make_error(code == Code::UpstreamTimeout ? code : Code::UpstreamError, std::move(why));
  e.retryable = retryable;
  return e;
}

UpstreamRequest token_request(std::string method, std::string url, std::string content_type,
                              std::string body) {
  UpstreamRequest req;
  req.method = std::move(method);
  req.url = std::move(url);
  if (!content_type.empty()) {
    req.headers.emplace_back("content-type", std::move(content_type));
  }
  req.headers.emplace_back("accept", "application/json");
  req.body = std::move(body);
  return req;
}

net::awaitable<Result<json::object>> call_token_endpoint(const GrantContext& ctx,
                                                         const UpstreamRequest& req,
                                                         const TokenCall& call) {
  const std::string name(call.endpoint);
  auto ex = co_await ctx.http.start(req, ctx.timeouts);
  if (!ex) {
    co_return grant_error(name + " " + req.url + " unreachable (" + ex.error().message + ")", true,
                          ex.error().code);
  }
  auto body = co_await (*ex)->read_all(kMaxTokenResponseBytes);
  if (!body) {
    co_return grant_error("reading the " + name + "'s answer failed (" + body.error().message + ")",
                          true, body.error().code);
  }
  const unsigned status = (*ex)->status();
  json::error_code ec;
  json::value v = json::parse(*body, ec);
  json::object* o = !ec && v.is_object() ? &v.get_object() : nullptr;
  if (status == 200) {
    co_return o != nullptr ? std::move(*o) : json::object();
  }
  co_return oauth::rejected_answer(call.endpoint, status, o, call.secrets);
}

}  // namespace gw::vertex
