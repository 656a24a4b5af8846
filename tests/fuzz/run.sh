#!/usr/bin/env bash
# The long fuzzing run, one command: bash tests/fuzz/run.sh [seconds-per-target]   (default 600)
#
# Builds the fuzz targets in build-fuzz (clang-14, libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer, cmake/Fuzz.cmake), then runs each target for the given number of
# seconds at nice 19 (the machine is shared), GRANTOR_FUZZ_JOBS targets at a time (default 1),
# on its committed seed corpus (tests/fuzz/corpus/<target>, only read) plus the corpus earlier
# runs grew (build-fuzz/fuzz-work/<target>, where new inputs go). Findings are written to
# build-fuzz/fuzz-artifacts/. Prints a table of figures (CPU time, executions, corpus, findings)
# and writes it to docs/security.md between its fuzz-run markers, like bench/run.sh writes
# docs/performance.md; GRANTOR_FUZZ_NO_DOCS=1 leaves the docs alone. Exits 1 when a target found
# something. GRANTOR_FUZZ_TARGETS="a b" runs only those targets. GRANTOR_FUZZ_REPORT_ONLY=1 runs
# nothing and writes the table again from the last run's results (build-fuzz/fuzz-results).
#
# A finding is a crash, leak, out-of-memory or timeout artifact; slow-unit artifacts are not.
# libFuzzer's -timeout counts wall-clock time, and a fuzzer at nice 19 on a busy machine can wait
# longer than any timeout for the CPU: every timeout artifact is therefore run again alone, at
# normal priority, and only one that still takes more than kTimeout seconds is a finding (the
# others are counted as "starved" and moved to fuzz-artifacts/starved/).
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-600}
jobs=${GRANTOR_FUZZ_JOBS:-1}
timeout=120  # seconds of wall-clock time for one input (see above)
build="$root/build-fuzz"
docs="$root/docs/security.md"
results="$build/fuzz-results"

report_only=${GRANTOR_FUZZ_REPORT_ONLY:-0}
if [ "$report_only" != 1 ]; then
echo "== build (clang-14, libFuzzer + ASan + UBSan) in $build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DGRANTOR_FUZZ=ON -DGRANTOR_BUILD_TESTS=OFF \
  -DGRANTOR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build "$build" --target fuzz_targets -j"$(nproc)" >/dev/null
fi

targets=${GRANTOR_FUZZ_TARGETS:-$(sed -n 's/^grantor_fuzz_target(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)}
if [ "$report_only" != 1 ]; then
  rm -rf "$results"
  mkdir -p "$results" "$build/fuzz-artifacts"
fi

# The finding artifacts of a target (crash-, leak-, oom-, timeout-; not slow-unit-).
findings_of() {
  find "$build/fuzz-artifacts" -maxdepth 1 -type f \( -name "$1-crash-*" -o -name "$1-leak-*" \
    -o -name "$1-oom-*" -o -name "$1-timeout-*" \) | sort
}

# Runs a target's timeout artifacts again, alone and at normal priority: one that completes within
# the timeout was starved of CPU, not hung; it moves to fuzz-artifacts/starved/.
recheck_timeouts() {
  local target=$1 artifact
  mkdir -p "$build/fuzz-artifacts/starved"
  for artifact in "$build/fuzz-artifacts/$target"-timeout-*; do
    [ -f "$artifact" ] || continue
    if timeout "$timeout" "$build/tests/fuzz/${target}_fuzz" "$artifact" >/dev/null 2>&1; then
      mv "$artifact" "$build/fuzz-artifacts/starved/"
      echo "starved" >>"$results/$target.starved"
    fi
  done
}

# Runs one target; leaves <results>/<target>.{log,status,times} behind. `times` in the subshell
# that waited for the fuzzer gives the fuzzer's own user and system CPU time (second line).
run_target() {
  local target=$1 dict=()
  mkdir -p "$build/fuzz-work/$target"
  [ -f "tests/fuzz/dict/$target.dict" ] && dict=(-dict="tests/fuzz/dict/$target.dict")
  findings_of "$target" | wc -l >"$results/$target.before"
  echo "== $target: ${seconds}s"
  (
    status=0
    nice -n 19 "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout="$timeout" \
      -rss_limit_mb=2560 -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$target-" "${dict[@]}" \
      "$build/fuzz-work/$target" "tests/fuzz/corpus/$target" >"$results/$target.log" 2>&1 || status=$?
    echo "$status" >"$results/$target.status"
    times >"$results/$target.times"
  )
}

if [ "$report_only" != 1 ]; then
  for target in $targets; do
    while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
    run_target "$target" &
  done
  wait
fi

# CPU seconds (user + system) from a `times` output file.
cpu_seconds() {
  sed -n 2p "$1" | awk '{ split($1, u, "m"); split($2, s, "m");
    printf "%.0f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}

rows=""
total_cpu=0
total_execs=0
failed=0
for target in $targets; do
  log="$results/$target.log"
  status=$(cat "$results/$target.status")
  cpu=$(cpu_seconds "$results/$target.times")
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  corpus=$(find "$build/fuzz-work/$target" "tests/fuzz/corpus/$target" -type f | wc -l)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  recheck_timeouts "$target"
  starved=0
  [ -f "$results/$target.starved" ] && starved=$(wc -l <"$results/$target.starved")
  findings=$(($(findings_of "$target" | wc -l) - $(cat "$results/$target.before")))
  if [ "$status" -ne 0 ] && [ "$findings" -eq 0 ] && [ "$starved" -gt 0 ]; then
    echo "$target stopped at a timeout that was CPU starvation (the input runs in time alone)"
  elif [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    echo "FINDING in $target (exit $status): see $log and $build/fuzz-artifacts/$target-*"
  fi
  rows+="| \`$target\` | $cpu | $execs | $corpus | ${coverage:-?} | $findings | $starved |"$'\n'
  total_cpu=$((total_cpu + cpu))
  total_execs=$((total_execs + execs))
done

table="Last run: $(date -u +%Y-%m-%d), \`bash tests/fuzz/run.sh $seconds\` ($jobs at a time) on $(nproc)
shared cores at nice 19 (clang 14, libFuzzer, ASan + UBSan): $total_cpu CPU seconds
($(awk -v s="$total_cpu" 'BEGIN { printf "%.2f", s / 3600 }') CPU hours), $total_execs executions in total.

| target | CPU s | executions | corpus files | coverage (edges) | new findings | starved timeouts |
|---|---:|---:|---:|---:|---:|---:|
$rows"
echo
echo "$table"
if [ "${GRANTOR_FUZZ_NO_DOCS:-0}" != 1 ] && grep -q '<!-- fuzz-run:begin -->' "$docs"; then
  { sed '/<!-- fuzz-run:begin -->/q' "$docs"
    printf '%s' "$table"
    sed -n '/<!-- fuzz-run:end -->/,$p' "$docs"
  } >"$docs.tmp"
  mv "$docs.tmp" "$docs"
  echo "wrote the table to $docs"
fi
exit "$failed"
