#include "gw/server/routes.h"

#include <boost/json.hpp>

#include "gw/admin/admin_routes.h"
#include "gw/common/ids.h"
#include "gw/common/percent.h"
#include "gw/common/utf8.h"
#include "gw/server/count_tokens.h"
#include "gw/server/embeddings.h"
#include "gw/server/pipeline.h"
#include "gw/server/worker.h"
#include "gw/telemetry/access_log.h"

namespace gw {

std::string_view path_of(std::string_view target) {
  return target.substr(0, target.find('?'));
}

namespace {

ClientReply json_reply(unsigned status, std::string body) {
  return ClientReply{status, Headers{{"content-type", "application/json"}}, std::move(body)};
}

net::awaitable<void> reply_and_log(Session& s, const ClientRequest& req, const ClientReply& r,
                                   const std::string& request_id) {
  const Headers extra{{"x-request-id", request_id}};
  co_await s.write_reply(r, extra);
  AccessLogEntry e;
  e.request_id = request_id;
  e.method = req.method_string();
  e.path = path_of(req.target());
  e.status = r.status;
  e.outcome = r.status < 400 ? "ok" : "error";
  write_access_log(e);
}

// GET /v1/models and GET /v1/models/{id}: the models this key may use, in the format of the SDK
// that asks. Anthropic's SDKs send anthropic-version on every request and read Anthropic's list
// ({data:[{type:"model",...}], has_more, first_id, last_id}, protocols.md 2.9); everyone else gets
// OpenAI's (contract.md). A model the key may not use is absent from the list and a 404 alone,
// as at the providers: what a key cannot use does not exist for it.
ClientReply models(App& app, const ClientRequest& req, std::string_view path) {
  const bool anthropic = !req["anthropic-version"].empty();
  const ClientDialect& dialect = anthropic ? anthropic_messages_dialect() : openai_chat_dialect();
  std::string_view key = presented_key(req);
  if (key.empty()) {
    return dialect.render_error(make_error(Code::Unauthenticated, "missing API key"));
  }
  auto who = app.keys->authenticate(key);
  if (!who) {
    return dialect.render_error(who.error());
  }
  auto entry = [anthropic](const std::string& name) -> boost::json::object {
    if (anthropic) {
      // The gateway's model names are its own aliases: no release date to report.
      return {{"type", "model"}, {"id", name}, {"display_name", name}, {"created_at", "1970-01-01T00:00:00Z"}};
    }
    return {{"id", name}, {"object", "model"}, {"created", 0}, {"owned_by", "switchyard"}};
  };
  constexpr std::string_view kList = "/v1/models";
  if (path.size() > kList.size()) {  // /v1/models/{id}
    const std::string_view raw = path.substr(kList.size() + 1);
    const std::optional<std::string> decoded = percent_decode(raw);  // SDKs encode a '/' in a name
    const std::string id = decoded ? *decoded : std::string(raw);
    if (app.cfg.model(id) == nullptr || !who->allows(id)) {
      Error e = make_error(Code::ModelNotFound, "model '" + excerpt(id) + "' does not exist");
      e.param = "model";
      return dialect.render_error(e);
    }
    return json_reply(200, boost::json::serialize(entry(id)));
  }
  boost::json::array data;
  for (const auto& [name, model] : app.cfg.models) {
    if (who->allows(name)) {
      data.push_back(entry(name));
    }
  }
  if (!anthropic) {
    return json_reply(200, boost::json::serialize(boost::json::object{{"object", "list"}, {"data", data}}));
  }
  boost::json::value first = data.empty() ? boost::json::value(nullptr) : data.front().at("id");
  boost::json::value last = data.empty() ? boost::json::value(nullptr) : data.back().at("id");
  return json_reply(200, boost::json::serialize(boost::json::object{
                             {"data", data}, {"has_more", false}, {"first_id", first}, {"last_id", last}}));
}

ClientReply admin(App& app, const ClientRequest& req) {
  auto err = [](unsigned status, const char* type, const char* msg) {
    boost::json::object inner{{"message", msg}, {"type", type}};
    boost::json::object o{{"error", inner}};
    return json_reply(status, boost::json::serialize(o));
  };
  if (app.cfg.master_key.empty()) {
    return err(404, "not_found_error", "the admin API is disabled (no master_key configured)");
  }
  std::string_view auth = req[http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  std::string_view presented =
      auth.size() > kBearer.size() && beast::iequals(auth.substr(0, kBearer.size()), kBearer)
          ? auth.substr(kBearer.size())
          : std::string_view{};
  // Compare hashes, so the comparison time does not depend on how much of the key matched.
  if (presented.empty() || sha256_hex(presented) != sha256_hex(app.cfg.master_key)) {
    return err(401, "authentication_error", "admin routes need Authorization: Bearer <master key>");
  }
  return handle_admin(req.method_string(), req.target(), req.body(), app.cfg, *app.keys,
                      *app.ledger);
}

}  // namespace

std::string_view presented_key(const ClientRequest& req) {
  std::string_view auth = req[http::field::authorization];
  constexpr std::string_view kBearer = "Bearer ";
  if (auth.size() > kBearer.size() && beast::iequals(auth.substr(0, kBearer.size()), kBearer)) {
    return auth.substr(kBearer.size());
  }
  return req["x-api-key"];
}

// Anthropic's routes (/v1/messages and below it: count_tokens, and batches, which the gateway does
// not serve) answer in Anthropic's error shape, so its SDK reports them as what they are.
const ClientDialect& dialect_for_path(std::string_view target) {
  const std::string_view path = path_of(target);
  const bool anthropic = path == "/v1/messages" || path.starts_with("/v1/messages/");
  return anthropic ? anthropic_messages_dialect() : openai_chat_dialect();
}

ClientReply render_too_large(std::string_view target) {
  return dialect_for_path(target).render_error(
      make_error(Code::PayloadTooLarge, "request body exceeds max_body_bytes"));
}

ClientReply render_headers_too_large(std::string_view target) {
  // No Code maps to 431: rendered as the bad request it is, with the status that says why.
  ClientReply r = dialect_for_path(target).render_error(
      make_error(Code::InvalidRequest, "request headers exceed max_header_bytes"));
  r.status = 431;
  return r;
}

ClientReply render_malformed(std::string_view target, std::string_view what) {
  return dialect_for_path(target).render_error(
      make_error(Code::InvalidRequest, "malformed HTTP request: " + std::string(what)));
}

namespace {

// The methods each client-facing route answers; empty for a path that is not one.
std::string_view allowed_methods(std::string_view path) {
  if (path == "/v1/chat/completions" || path == "/v1/messages" || path == "/v1/messages/count_tokens" ||
      path == "/v1/embeddings") {
    return "POST";
  }
  if (path == "/health/live" || path == "/health/ready" || path == "/metrics" || path == "/v1/models" ||
      path.starts_with("/v1/models/")) {
    return "GET, HEAD";
  }
  return {};
}

// Every non-chat route: plain values in, a reply out (no coroutine, so no temporaries cross a
// co_await — g++ 12 destroys such temporaries twice).
ClientReply simple_route(App& app, const ClientRequest& req, std::string_view path) {
  // HEAD is answered as GET (the session leaves the body out): load balancers probe with it.
  const auto method = req.method() == http::verb::head ? http::verb::get : req.method();
  if (method == http::verb::get && path == "/health/live") {
    return json_reply(200, R"({"status":"ok"})");
  }
  if (method == http::verb::get && path == "/health/ready") {
    if (app.draining) {
      return json_reply(503, R"({"status":"draining"})");
    }
    // A replica whose ledger keeps failing refuses metered requests: a balancer should send them
    // elsewhere.
    return app.ledger->failing() ? json_reply(503, R"({"status":"ledger_failing"})")
                                 : json_reply(200, R"({"status":"ready"})");
  }
  if (method == http::verb::get && path == "/metrics") {
    const LedgerCounters lc = app.ledger->counters();
    const Metrics::LedgerTotals totals{lc.records, lc.commits};
    std::vector<Metrics::CommitmentGauge> commitments;
    for (const auto& b : app.commitments.all()) {
      commitments.push_back({b.commitment->name, b.commitment->nano_usd, b.spent_nano_usd, b.pace_nano_usd()});
    }
    return ClientReply{200, Headers{{"content-type", "text/plain; version=0.0.4; charset=utf-8"}},
                       app.metrics.render(&totals, commitments)};
  }
  if (method == http::verb::get && (path == "/v1/models" || (path.starts_with("/v1/models/") && path.size() > 11))) {
    return models(app, req, path);
  }
  if (path.starts_with("/admin/")) {
    return admin(app, req);
  }
  // A route the gateway serves, asked with another method: 405 with the methods it takes (RFC
  // 9110 15.5.6), so a client's mistake does not read as "this gateway has no such API".
  if (std::string_view allow = allowed_methods(path); !allow.empty()) {
    ClientReply r = dialect_for_path(path).render_error(make_error(
        Code::InvalidRequest, std::string(req.method_string()) + " is not allowed on " + std::string(path) +
                                  " (allowed: " + std::string(allow) + ")"));
    r.status = 405;
    r.headers.emplace_back("allow", std::string(allow));
    return r;
  }
  Error e = make_error(Code::NotFound, "no route for " + std::string(req.method_string()) + " " +
                                           std::string(path));
  return dialect_for_path(path).render_error(e);
}

}  // namespace

std::string_view route_label(std::string_view path) {
  if (path == "/v1/chat/completions") {
    return "chat_completions";
  }
  if (path == "/v1/messages") {
    return "messages";
  }
  if (path == "/v1/messages/count_tokens") {
    return "count_tokens";
  }
  if (path == "/v1/embeddings") {
    return "embeddings";
  }
  return {};
}

net::awaitable<void> dispatch(Session& s, ClientRequest& req) {
  const std::string_view path = path_of(req.target());
  const auto method = req.method();
  if (method == http::verb::post && path == "/v1/chat/completions") {
    co_await handle_chat(s, req, openai_chat_dialect());
    co_return;
  }
  if (method == http::verb::post && path == "/v1/messages") {
    co_await handle_chat(s, req, anthropic_messages_dialect());
    co_return;
  }
  if (method == http::verb::post && path == "/v1/messages/count_tokens") {
    co_await handle_count_tokens(s, req);
    co_return;
  }
  if (method == http::verb::post && path == "/v1/embeddings") {
    co_await handle_embeddings(s, req);
    co_return;
  }
  const std::string request_id = new_request_id();
  const ClientReply reply = simple_route(s.worker().app(), req, path);
  if (path == "/metrics") {
    const Headers none;
    co_await s.write_reply(reply, none);  // scrapes are not requests worth a log line
    co_return;
  }
  co_await reply_and_log(s, req, reply, request_id);
}

}  // namespace gw
