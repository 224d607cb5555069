// Canonical messages -> Messages API `system` and `messages` (protocols.md 3.2, 2.3):
// system/developer turns lifted to `system`, tool results grouped into one user turn ahead of any
// text, same-role turns merged, ids sanitized, unanswered tool calls answered.
#include "gw/providers/anthropic/request_messages.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

namespace gw::anthropic {

namespace json = boost::json;

namespace {

struct Turn {
  Role role = Role::User;
  bool was_string = false;  // one message whose content the client sent as a string
  json::array content;
  json::object extra;  // message-level fields of an Anthropic client (same dialect only)
};

struct Ctx {
  bool same_dialect = false;
  ToolIdMap ids;
};

void merge_extra(json::object& into, const json::object& extra, const Ctx& ctx) {
  if (!ctx.same_dialect) {
    return;  // another dialect's extras (OpenAI "detail", "name", ...) mean nothing here
  }
  for (const auto& [k, v] : extra) {
    if (!into.contains(k)) {
      into[k] = v;
    }
  }
}

// The Messages API takes image/jpeg but not the "image/jpg" that clients often write in data: URLs
// (OpenAI accepts both), so the alias is spelled out rather than refused upstream.
std::string media_type_of(const ContentBlock& b) {
  if (b.type == BlockType::Image && b.source.media_type == "image/jpg") {
    return "image/jpeg";
  }
  return b.source.media_type;
}

json::object source_of(const ContentBlock& b, const Ctx& ctx) {
  if (ctx.same_dialect) {
    // A text/content/file source the canonical model could not hold came along verbatim.
    if (const json::value* s = b.extra.if_contains("source"); s != nullptr && s->is_object()) {
      return s->get_object();
    }
  }
  if (b.source.kind == MediaSource::Kind::Url) {
    return {{"type", "url"}, {"url", b.source.url}};
  }
  return {{"type", "base64"}, {"media_type", media_type_of(b)}, {"data", b.source.data}};
}

// One canonical block -> a Messages block, or null when it has no place (empty text, thinking
// from another dialect whose signature could not be verified).
json::value encode_block(const ContentBlock& b, Ctx& ctx) {
  json::object o;
  switch (b.type) {
    case BlockType::Text:
      if (b.text.empty()) {
        return nullptr;  // the API rejects empty text blocks
      }
      o = {{"type", "text"}, {"text", b.text}};
      break;
    case BlockType::Image:
    case BlockType::Document:
      o = {{"type", b.type == BlockType::Image ? "image" : "document"}, {"source", source_of(b, ctx)}};
      break;
    case BlockType::ToolUse:
      o = {{"type", "tool_use"},
           {"id", ctx.ids.call(b.id)},
           {"name", b.name},
           {"input", b.input.is_object() ? b.input : json::value(json::object{})}};
      break;
    case BlockType::ToolResult: {
      o = {{"type", "tool_result"}, {"tool_use_id", ctx.ids.map(b.tool_use_id)}};
      json::array inner;
      for (const auto& c : b.content) {
        if (json::value v = encode_block(c, ctx); !v.is_null()) {
          inner.push_back(std::move(v));
        }
      }
      // One plain text block is the string shorthand: what most clients send.
      if (inner.size() == 1 && inner[0].get_object().size() == 2 && b.content.size() == 1 &&
          b.content[0].type == BlockType::Text) {
        o["content"] = inner[0].get_object()["text"];
      } else if (!inner.empty()) {
        o["content"] = std::move(inner);
      }
      if (b.is_error) {
        o["is_error"] = true;
      }
      break;
    }
    case BlockType::Thinking:
      if (!ctx.same_dialect) {
        return nullptr;
      }
      o = {{"type", "thinking"}, {"thinking", b.text}, {"signature", b.signature}};
      break;
    case BlockType::RedactedThinking:
      if (!ctx.same_dialect) {
        return nullptr;
      }
      o = {{"type", "redacted_thinking"}, {"data", b.text}};
      break;
  }
  merge_extra(o, b.extra, ctx);
  return o;
}

bool is_tool_result(const json::value& v) {
  return v.get_object().at("type").as_string() == "tool_result";
}

// The API wants every tool_use answered in the very next user turn. A conversation translated
// from a client that dropped some results would be refused outright; answering them as errors
// keeps the call going and tells the model what happened.
void answer_unanswered_calls(std::vector<Turn>& turns) {
  // A trailing assistant turn is left alone: there is no next turn to answer in.
  for (size_t i = 0; i + 1 < turns.size(); ++i) {
    if (turns[i].role != Role::Assistant) {
      continue;
    }
    std::vector<std::string> calls;
    for (const auto& b : turns[i].content) {
      if (b.get_object().at("type").as_string() == "tool_use") {
        calls.emplace_back(b.get_object().at("id").as_string());
      }
    }
    if (calls.empty()) {
      continue;
    }
    json::array& next = turns[i + 1].content;
    std::set<std::string> answered;
    for (const auto& b : next) {
      if (is_tool_result(b)) {
        answered.insert(std::string(b.get_object().at("tool_use_id").as_string()));
      }
    }
    size_t at = 0;
    for (const auto& id : calls) {
      if (answered.count(id) == 0) {
        json::object r{{"type", "tool_result"}, {"tool_use_id", id}, {"content", "(no result)"}, {"is_error", true}};
        next.insert(next.begin() + static_cast<std::ptrdiff_t>(at), std::move(r));
        ++at;
      }
    }
  }
}

json::value encode_system(const std::vector<const Message*>& sys, Ctx& ctx) {
  // A system string (or an OpenAI client's system messages, joined) stays a string; an Anthropic
  // client's blocks stay blocks, with their cache_control.
  bool as_string = true;
  std::string joined;
  json::array blocks;
  for (const Message* m : sys) {
    as_string = as_string && (m->content_was_string || !ctx.same_dialect);
    for (const auto& b : m->content) {
      if (json::value v = encode_block(b, ctx); !v.is_null() && b.type == BlockType::Text) {
        joined += (joined.empty() ? "" : "\n\n") + b.text;
        blocks.push_back(std::move(v));
      }
    }
  }
  if (blocks.empty()) {
    return nullptr;
  }
  return as_string ? json::value(joined) : json::value(std::move(blocks));
}

}  // namespace

ToolIdMap::Entry* ToolIdMap::latest(const std::string& id) {
  for (auto it = ids_.rbegin(); it != ids_.rend(); ++it) {
    if (it->original == id) {
      return &*it;
    }
  }
  return nullptr;
}

const std::string& ToolIdMap::call(const std::string& id) {
  Entry* e = latest(id);
  if (e == nullptr || e->called) {
    e = &add(id);  // first sight, or a reuse: a fresh sanitized id
  }
  e->called = true;
  return e->sanitized;
}

const std::string& ToolIdMap::map(const std::string& id) {
  if (Entry* e = latest(id); e != nullptr) {
    return e->sanitized;
  }
  return add(id).sanitized;
}

ToolIdMap::Entry& ToolIdMap::add(const std::string& id) {
  std::string clean = id.empty() ? std::string("toolu_empty") : id;
  for (char& c : clean) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) {
      c = '_';
    }
  }
  const std::string base = clean;
  for (int n = 2;; ++n) {
    bool taken = false;
    for (const auto& e : ids_) {
      taken = taken || e.sanitized == clean;
    }
    if (!taken) {
      break;
    }
    clean = base + "_" + std::to_string(n);
  }
  ids_.push_back(Entry{id, std::move(clean), false});
  return ids_.back();
}

Result<void> encode_messages(const ChatRequest& req, bool same_dialect, json::object& body) {
  Ctx ctx;
  ctx.same_dialect = same_dialect;
  std::vector<const Message*> sys;
  std::vector<Turn> turns;
  for (const Message& m : req.messages) {
    if (m.role == Role::System || m.role == Role::Developer) {
      sys.push_back(&m);
      continue;
    }
    Turn t;
    t.role = m.role == Role::Assistant ? Role::Assistant : Role::User;
    t.was_string = m.content_was_string;
    for (const auto& b : m.content) {
      if (json::value v = encode_block(b, ctx); !v.is_null()) {
        t.content.push_back(std::move(v));
      }
    }
    if (t.content.empty()) {
      continue;  // e.g. an OpenAI assistant turn with only reasoning: the API refuses empty turns
    }
    merge_extra(t.extra, m.extra, ctx);
    if (!turns.empty() && turns.back().role == t.role) {
      Turn& prev = turns.back();
      prev.was_string = false;
      for (auto& v : t.content) {
        prev.content.push_back(std::move(v));
      }
      merge_extra(prev.extra, t.extra, ctx);
      continue;
    }
    turns.push_back(std::move(t));
  }
  answer_unanswered_calls(turns);
  json::array messages;
  for (auto& t : turns) {
    if (t.role == Role::User) {
      // tool_result blocks must lead their turn (protocols.md 2.3).
      std::stable_partition(t.content.begin(), t.content.end(), is_tool_result);
    }
    json::object mo{{"role", t.role == Role::User ? "user" : "assistant"}};
    const bool one_string = t.was_string && t.content.size() == 1 && t.content[0].get_object().size() == 2 &&
                            t.content[0].get_object().at("type").as_string() == "text";
    mo["content"] = one_string ? t.content[0].get_object().at("text") : json::value(std::move(t.content));
    for (const auto& [k, v] : t.extra) {
      mo[k] = v;
    }
    messages.push_back(std::move(mo));
  }
  if (json::value s = encode_system(sys, ctx); !s.is_null()) {
    body["system"] = std::move(s);
  }
  body["messages"] = std::move(messages);
  return {};
}

}  // namespace gw::anthropic
