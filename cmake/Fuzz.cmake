# The fuzz build (GRANTOR_FUZZ=ON, tests/fuzz): clang's libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer on every grantor library, libstdc++'s own checks on, assertions on
# (nlohmann/json's among them). A build of its own: cmake -S . -B build-fuzz
# -DCMAKE_CXX_COMPILER=clang++-14 -DGRANTOR_FUZZ=ON (tests/fuzz/run.sh, scripts/test.sh).
if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
  message(FATAL_ERROR "GRANTOR_FUZZ needs clang (libFuzzer): -DCMAKE_CXX_COMPILER=clang++-14")
endif()
add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
                    -fno-omit-frame-pointer -O1 -g -UNDEBUG -D_GLIBCXX_ASSERTIONS)
add_link_options(-fsanitize=address,undefined)
