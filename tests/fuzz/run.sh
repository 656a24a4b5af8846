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
# something. GRANTOR_FUZZ_TARGETS="a b" runs only those targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-600}
jobs=${GRANTOR_FUZZ_JOBS:-1}
build="$root/build-fuzz"
docs="$root/docs/security.md"
results="$build/fuzz-results"

echo "== build (clang-14, libFuzzer + ASan + UBSan) in $build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DGRANTOR_FUZZ=ON -DGRANTOR_BUILD_TESTS=OFF \
  -DGRANTOR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build "$build" --target fuzz_targets -j"$(nproc)" >/dev/null

targets=${GRANTOR_FUZZ_TARGETS:-$(sed -n 's/^grantor_fuzz_target(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)}
rm -rf "$results"
mkdir -p "$results" "$build/fuzz-artifacts"

# Runs one target; leaves <results>/<target>.{log,status,times} behind. `times` in the subshell
# that waited for the fuzzer gives the fuzzer's own user and system CPU time (second line).
run_target() {
  local target=$1 dict=()
  mkdir -p "$build/fuzz-work/$target"
  [ -f "tests/fuzz/dict/$target.dict" ] && dict=(-dict="tests/fuzz/dict/$target.dict")
  find "$build/fuzz-artifacts" -name "$target-*" | wc -l >"$results/$target.before"
  echo "== $target: ${seconds}s"
  (
    status=0
    nice -n 19 "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=20 \
      -rss_limit_mb=2560 -max_len=16384 -print_final_stats=1 \
      -artifact_prefix="$build/fuzz-artifacts/$target-" "${dict[@]}" \
      "$build/fuzz-work/$target" "tests/fuzz/corpus/$target" >"$results/$target.log" 2>&1 || status=$?
    echo "$status" >"$results/$target.status"
    times >"$results/$target.times"
  )
}

for target in $targets; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  run_target "$target" &
done
wait

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
  findings=$(($(find "$build/fuzz-artifacts" -name "$target-*" | wc -l) - $(cat "$results/$target.before")))
  if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    echo "FINDING in $target (exit $status): see $log and $build/fuzz-artifacts/$target-*"
  fi
  rows+="| \`$target\` | $cpu | $execs | $corpus | ${coverage:-?} | $findings |"$'\n'
  total_cpu=$((total_cpu + cpu))
  total_execs=$((total_execs + execs))
done

table="Last run: $(date -u +%Y-%m-%d), \`bash tests/fuzz/run.sh $seconds\` ($jobs at a time) on $(nproc)
shared cores at nice 19 (clang 14, libFuzzer, ASan + UBSan): $total_cpu CPU seconds,
$total_execs executions in total.

| target | CPU s | executions | corpus files | coverage (edges) | new findings |
|---|---:|---:|---:|---:|---:|
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
