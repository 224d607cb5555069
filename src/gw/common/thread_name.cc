#include "gw/common/thread_name.h"

#include <pthread.h>

#include <string>

namespace gw {

void name_this_thread(std::string_view name) {
  const std::string cut(name.substr(0, 15));
  pthread_setname_np(pthread_self(), cut.c_str());  // only fails on a name too long, cut above
}

}  // namespace gw
