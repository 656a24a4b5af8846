# The clang sanitizer build (GRANTOR_FUZZ=ON): clang's libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer on every grantor library, libstdc++'s own checks on, assertions on
# (nlohmann/json's among them). Two uses, each a build of its own:
#   - scripts/test.sh's build-san (CMAKE_BUILD_TYPE=Debug, with the unit tests): the unit tests
#     under the sanitizers and each fuzz target a few seconds, all without optimization, which
#     halves the compile time (the unit tests ran at -O0 before, in a gcc build of their own);
#   - tests/fuzz/run.sh's build-fuzz (the fuzz targets only): the long runs, at -O1.
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GRANTOR_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -g -UNDEBUG -D_GLIBCXX_ASSERTIONS)
if(NOT CMAKE_BUILD_TYPE STREQUAL "Debug")
  add_compile_options(-O1)
endif()
add_link_options(-fsanitize=address,undefined)

# clang 14 cannot compile the daemon's C++20 coroutines (src/daemon, Boost.Asio) with
# -fsanitize=function, one check of -fsanitize=undefined that gcc's UBSan does not have ("error:
# Cannot represent a difference across sections"): that check is off for the daemon alone.
function(grantor_daemon_sanitizer_options)
  if(TARGET grantor_daemon)
    target_compile_options(grantor_daemon PRIVATE -fno-sanitize=function)
  endif()
endfunction()
cmake_language(DEFER DIRECTORY ${PROJECT_SOURCE_DIR} CALL grantor_daemon_sanitizer_options)
