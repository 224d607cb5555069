#include "gw/redis/resp.h"

#include <hiredis/hiredis.h>

namespace gw::redis {

namespace {

// hiredis builds replies through these functions, so they go straight into Reply objects (no
// redisReply tree to copy) and an absurd multi-bulk header is refused before anything is allocated
// for it: hiredis's own createArray callocs the announced element count up front, so "*333333333"
// from a broken or hostile server would ask for gigabytes. Children live in their parent's
// pre-sized `elements`, so hiredis only ever owns (and frees, on error) the root.
struct ReaderState {
  int64_t refused_array = -1;  // the element count of a refused multi-bulk header
};

Reply* place(const redisReadTask* task, Reply::Type type) {
  Reply* r = task->parent != nullptr
                 ? &static_cast<Reply*>(task->parent->obj)->elements[static_cast<size_t>(task->idx)]
                 : new Reply;
  r->type = type;
  return r;
}

void* create_string(const redisReadTask* task, char* str, size_t len) {
  Reply::Type type = Reply::Type::String;
  if (task->type == REDIS_REPLY_STATUS) {
    type = Reply::Type::Status;
  } else if (task->type == REDIS_REPLY_ERROR) {
    type = Reply::Type::Error;
  }
  Reply* r = place(task, type);
  r->str.assign(str, len);
  return r;
}

void* create_array(const redisReadTask* task, int elements) {
  if (elements < 0 || static_cast<size_t>(elements) > kMaxReplyElements) {
    static_cast<ReaderState*>(task->privdata)->refused_array = elements;
    return nullptr;  // hiredis reads a null object as out of memory and stops the reader
  }
  Reply* r = place(task, Reply::Type::Array);
  r->elements.resize(static_cast<size_t>(elements));
  return r;
}

void* create_integer(const redisReadTask* task, long long value) {
  Reply* r = place(task, Reply::Type::Integer);
  r->integer = value;
  return r;
}

void* create_nil(const redisReadTask* task) { return place(task, Reply::Type::Nil); }

void free_root(void* reply) { delete static_cast<Reply*>(reply); }

redisReplyObjectFunctions kReplyFunctions = {create_string, create_array, create_integer, create_nil,
                                             free_root};

}  // namespace

std::string encode_command(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  char* cmd = nullptr;
  const int n = redisFormatCommandArgv(&cmd, static_cast<int>(args.size()), argv.data(), lens.data());
  if (n < 0 || cmd == nullptr) {
    throw std::bad_alloc();  // hiredis fails only when out of memory
  }
  std::string out(cmd, static_cast<size_t>(n));
  redisFreeCommand(cmd);
  return out;
}

struct ReplyReader::Impl {
  ReaderState state;
  redisReader* reader = redisReaderCreateWithFunctions(&kReplyFunctions);
  bool too_much_pending = false;
  ~Impl() { redisReaderFree(reader); }
};

ReplyReader::ReplyReader() : impl_(std::make_unique<Impl>()) {
  if (impl_->reader == nullptr) {
    throw std::bad_alloc();
  }
  impl_->reader->privdata = &impl_->state;  // handed to every read task (create_array reads it)
}

ReplyReader::~ReplyReader() = default;

void ReplyReader::feed(std::string_view bytes) {
  if (impl_->reader->len - impl_->reader->pos + bytes.size() > kMaxPendingBytes) {
    impl_->too_much_pending = true;  // a reply this large is no answer any command here expects
    return;
  }
  redisReaderFeed(impl_->reader, bytes.data(), bytes.size());
}

Result<std::optional<Reply>> ReplyReader::next() {
  if (impl_->too_much_pending) {
    return make_error(Code::Internal, "Redis protocol error: a reply larger than " +
                                          std::to_string(kMaxPendingBytes) + " bytes");
  }
  void* raw = nullptr;
  if (redisReaderGetReply(impl_->reader, &raw) != REDIS_OK) {
    if (impl_->state.refused_array >= 0) {
      return make_error(Code::Internal, "Redis protocol error: an array of " +
                                            std::to_string(impl_->state.refused_array) +
                                            " elements (at most " + std::to_string(kMaxReplyElements) +
                                            " are accepted)");
    }
    return make_error(Code::Internal, std::string("Redis protocol error: ") + impl_->reader->errstr);
  }
  if (raw == nullptr) {
    return std::optional<Reply>{};
  }
  std::unique_ptr<Reply> reply(static_cast<Reply*>(raw));
  return std::optional<Reply>{std::move(*reply)};
}

}  // namespace gw::redis
