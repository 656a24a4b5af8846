#!/usr/bin/env bash
# The README's test command: installs what is missing, builds with warnings as errors, assembles
# the charms, and runs every test (unit, integration against real PostgreSQL 15 and MariaDB
# 10.11 servers that the tests start and stop themselves, end-to-end on the local model), then
# the unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer, then each libFuzzer
# target for a few seconds on its corpus (clang-14, build-fuzz; tests/fuzz/run.sh runs longer).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/install-deps.sh

echo "== build (RelWithDebInfo, -Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRANTOR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build build -j"$jobs"
cmake --build build --target charms

# The sanitizer and fuzz builds compile while the tests below run (those mostly wait on hooks
# and servers): niced so the tests come first, every core once the tests are done, their output
# kept for a failure.
echo "== ASan + UBSan and libFuzzer builds start in the background (build/side-builds.log)"
side_log="$(pwd)/build/side-builds.log"
(
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DGRANTOR_SANITIZE=ON \
        -DGRANTOR_WARNINGS_AS_ERRORS=ON
  nice -n 10 cmake --build build-asan --target grantor_unit_tests -j"$jobs"
  cmake -S . -B build-fuzz -DCMAKE_CXX_COMPILER=clang++-14 -DGRANTOR_FUZZ=ON \
        -DGRANTOR_BUILD_TESTS=OFF -DGRANTOR_WARNINGS_AS_ERRORS=ON
  nice -n 10 cmake --build build-fuzz --target fuzz_targets -j"$jobs"
) >"$side_log" 2>&1 &
side_builds=$!
# On any failure below, the background builds go too.
trap 'kill "$side_builds" 2>/dev/null || true' EXIT

echo "== tests: unit, integration, e2e, daemon, packaging, tls, fault, hostile"
# Most tests wait on hooks and servers, not on the CPU: four at a time.
(cd build && ctest --output-on-failure --timeout 900 -j4)

echo "== waiting for the background builds"
if ! wait "$side_builds"; then
  tail -n 60 "$side_log"
  echo "the ASan or fuzz build failed (full log: $side_log)" >&2
  exit 1
fi
trap - EXIT

echo "== unit tests under ASan + UBSan"
(cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
   ctest -L unit --output-on-failure --timeout 600 -j"$jobs")

echo "== fuzz targets, a few seconds each on their corpora (clang-14 libFuzzer + ASan + UBSan)"
(cd build-fuzz && ctest -L fuzz --output-on-failure --timeout 600)
