function(gw_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wno-unused-parameter)
  # g++ 12 reports Asio's own coroutine-frame allocation (operator new ending in aligned_alloc,
  # operator delete in free through a branch it does not always inline) as a mismatched pair, in
  # whichever coroutine ramps it happens to inline: a known false positive that comes and goes as
  # files change. The sanitizer builds (clang, ASan) still check every real pairing.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(${target} PRIVATE -Wno-mismatched-new-delete)
  endif()
endfunction()
