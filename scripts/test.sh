#!/usr/bin/env bash
# The README's test command: installs what is missing, then builds and runs every test, in two
# build trees, and prints the time of each phase at the end:
#   build/      gcc, RelWithDebInfo, warnings as errors: the charms, and the tests that need them
#               or the servers (integration against real PostgreSQL 15 and MariaDB 10.11 servers
#               that the tests start and stop themselves, end-to-end on the local model, daemon
#               parity, hostile, packaging, tls, fault);
#   build-san/  clang-14 with AddressSanitizer + UndefinedBehaviorSanitizer on every target
#               (cmake/Fuzz.cmake), warnings as errors: the unit tests, which are compiled only
#               here and run under the sanitizers, and the libFuzzer targets, each run a few
#               seconds on its corpus (tests/fuzz/run.sh runs them longer).
# build-san compiles in the background from the start, at the lowest priority, on the CPU that
# the build and the tests of build/ leave (the tests mostly wait on hooks and servers). With
# ccache installed, both builds compile through it (CMakeLists.txt); the time budget (15 minutes
# from a fresh clone on two cores) does not count on it.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
timing=$(mktemp -d "${TMPDIR:-/tmp}/grantor-test-times.XXXXXX")

# CPU seconds (user + system) of the finished child processes, from the output of `times`.
cpu_seconds() {
  awk 'NR == 2 { split($1, u, "m"); split($2, s, "m");
                 printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }' "$1"
}

# phase <name> <command>...: runs the command in a subshell (with errexit: the first failure
# ends it); records its wall-clock time and the CPU time of the processes it ran, for the table
# at the end.
phase() {
  local name=$1 start=$EPOCHREALTIME status
  shift
  set +e
  ( set -e; trap 'times >"$timing/$name.times"' EXIT; "$@" )
  status=$?
  set -e
  echo "$name $start $EPOCHREALTIME" >>"$timing/phases"
  return "$status"
}

# The table. Phases that overlap (build-san with build and tests) each count their own time.
report() {
  times >"$timing/total.times"
  echo "== time per phase (wall-clock; CPU of the phase's processes)"
  local name start end
  while read -r name start end; do
    printf '  %-16s %5.0f s wall %6s s CPU\n' "$name" \
      "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
      "$(cpu_seconds "$timing/$name.times" 2>/dev/null || echo '?')"
  done <"$timing/phases"
  printf '  %-16s %5d s wall %6s s CPU\n' total "$SECONDS" "$(cpu_seconds "$timing/total.times")"
  rm -rf "$timing"
}

build_san() {
  cmake -S . -B build-san -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_COMPILER=clang++-14 \
        -DGRANTOR_FUZZ=ON -DGRANTOR_BUILD_TESTS=ON -DGRANTOR_WARNINGS_AS_ERRORS=ON
  nice -n 19 cmake --build build-san --target grantor_unit_tests fuzz_targets -j"$jobs"
}

build_main() {
  cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGRANTOR_WARNINGS_AS_ERRORS=ON \
        -DGRANTOR_UNIT_TESTS=OFF >/dev/null
  cmake --build build -j"$jobs"
  cmake --build build --target charms
}

# Most of these wait on hooks and servers, not on the CPU: several at a time. Each test's
# timeout is about three times its time in a full run, and the slowest start first
# (tests/schedule.cmake).
tests_main() { cd build && ctest --output-on-failure -j6; }

unit_asan() {
  cd build-san
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest -L unit --output-on-failure -j"$jobs"
}

# Each target runs GRANTOR_FUZZ_SECONDS (tests/fuzz/CMakeLists.txt) on its corpus.
fuzz() { cd build-san && ctest -L fuzz --output-on-failure -j"$jobs"; }

phase install-deps bash scripts/install-deps.sh

echo "== build-san (clang-14, ASan + UBSan: unit tests and fuzz targets) starts in the" \
     "background (log: build-san/build.log)"
mkdir -p build-san
side_log="$(pwd)/build-san/build.log"
# A process group of its own (job control on just for it), so that a failure below stops the
# whole build, compilers included.
set -m
phase build-san build_san >"$side_log" 2>&1 &
side_build=$!
set +m
trap 'kill -- -"$side_build" 2>/dev/null || true; report' EXIT

echo "== build (gcc, RelWithDebInfo, -Werror) and the charms"
phase build build_main

echo "== tests: integration, e2e, daemon parity, hostile, packaging, tls, fault"
phase tests tests_main

echo "== waiting for build-san"
waited=$EPOCHREALTIME
status=0
wait "$side_build" || status=$?
echo "wait-build-san $waited $EPOCHREALTIME" >>"$timing/phases"
: >"$timing/wait-build-san.times"
if [ "$status" -ne 0 ]; then
  tail -n 60 "$side_log"
  echo "the clang sanitizer build failed (full log: $side_log)" >&2
  exit 1
fi

echo "== unit tests under ASan + UBSan"
phase unit-asan unit_asan

echo "== fuzz targets, a few seconds each on their corpora (clang-14 libFuzzer + ASan + UBSan)"
phase fuzz fuzz
