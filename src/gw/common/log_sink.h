#pragma once
// Where the gateway's JSON log lines go: stderr, in batches.
//
// Writing each access-log line with its own write(2) cost a system call per request, as much as
// a fifth of the kernel time the gateway spends on a proxied request besides its sockets. Lines
// are appended to one buffer instead, and a writer thread sends the buffer to stderr at most
// kFlushDelay after its first line, or sooner once it holds kFlushBytes. Each batch is whole lines,
// and every line of the process goes through here, so lines never interleave. Lifecycle events are
// written at once (flush()), and the sink is flushed when the process exits normally; a crash can
// lose at most the last kFlushDelay of lines (the usage ledger, not the log, is the record).
#include <string_view>

namespace gw::log_sink {

// Appends whole lines (each ending in '\n').
void append(std::string_view lines);
// Writes everything appended so far before returning.
void flush();

}  // namespace gw::log_sink
