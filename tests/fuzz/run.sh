#!/usr/bin/env bash
# The long fuzzing run, one command: bash tests/fuzz/run.sh [seconds-per-target]   (default 600)
#
# Builds the fuzz targets in build-fuzz (clang-14, libFuzzer with AddressSanitizer and
# UndefinedBehaviorSanitizer, cmake/Fuzz.cmake), then runs each target for the given number of
# seconds, one after the other at nice 19 (the machine is shared), on its committed seed corpus
# (tests/fuzz/corpus/<target>, only read) plus the corpus earlier runs grew
# (build-fuzz/fuzz-work/<target>, where new inputs go). Findings are written to
# build-fuzz/fuzz-artifacts/. Prints a table of figures (CPU time, executions, corpus, findings)
# and writes it to docs/security.md between its fuzz-run markers, like bench/run.sh writes
# docs/performance.md; GRANTOR_FUZZ_NO_DOCS=1 leaves the docs alone. Exits 1 when a target found
# something. GRANTOR_FUZZ_TARGETS="a b" runs only those targets.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$(pwd)
seconds=${1:-600}
build="$root/build-fuzz"
docs="$root/docs/security.md"

echo "== build (clang-14, libFuzzer + ASan + UBSan) in $build"
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++-14 -DGRANTOR_FUZZ=ON -DGRANTOR_BUILD_TESTS=OFF \
  -DGRANTOR_WARNINGS_AS_ERRORS=ON >/dev/null
cmake --build "$build" --target fuzz_targets -j"$(nproc)" >/dev/null

targets=${GRANTOR_FUZZ_TARGETS:-$(sed -n 's/^grantor_fuzz_target(\([a-z_]*\) .*/\1/p' tests/fuzz/CMakeLists.txt)}

# Cumulative user+sys CPU seconds of this shell's finished children: bash `times`, second line.
# It must run in this shell (not in $(...), a subshell with children of its own), hence the file.
times_file="$build/fuzz-times"
children_cpu() {
  sed -n 2p "$times_file" | awk '{ split($1, u, "m"); split($2, s, "m");
    printf "%.1f", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}

rows=""
total_cpu=0
total_execs=0
failed=0
for target in $targets; do
  work="$build/fuzz-work/$target"
  mkdir -p "$work" "$build/fuzz-artifacts"
  dict=()
  [ -f "tests/fuzz/dict/$target.dict" ] && dict=(-dict="tests/fuzz/dict/$target.dict")
  before_artifacts=$(find "$build/fuzz-artifacts" -name "$target-*" | wc -l)
  log="$build/fuzz-$target.log"
  times >"$times_file"
  cpu_before=$(children_cpu)
  echo "== $target: ${seconds}s"
  status=0
  nice -n 19 "$build/tests/fuzz/${target}_fuzz" -max_total_time="$seconds" -timeout=20 \
    -rss_limit_mb=2560 -max_len=16384 -print_final_stats=1 \
    -artifact_prefix="$build/fuzz-artifacts/$target-" "${dict[@]}" \
    "$work" "tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  times >"$times_file"
  cpu=$(awk -v a="$(children_cpu)" -v b="$cpu_before" 'BEGIN { printf "%.0f", a - b }')
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  execs=${execs:-0}
  corpus=$(find "$work" "tests/fuzz/corpus/$target" -type f | wc -l)
  coverage=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  findings=$(($(find "$build/fuzz-artifacts" -name "$target-*" | wc -l) - before_artifacts))
  if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then
    failed=1
    echo "   FINDING (exit $status): see $log and $build/fuzz-artifacts/$target-*"
  fi
  echo "   cpu ${cpu}s, $execs executions, corpus $corpus, coverage ${coverage:-?}, findings $findings"
  rows+="| \`$target\` | $cpu | $execs | $corpus | ${coverage:-?} | $findings |"$'\n'
  total_cpu=$((total_cpu + cpu))
  total_execs=$((total_execs + execs))
done

table="Last run: $(date -u +%Y-%m-%d), \`bash tests/fuzz/run.sh $seconds\` on $(nproc) shared cores at nice 19
(clang 14, libFuzzer, ASan + UBSan): $total_cpu CPU seconds, $total_execs executions in total.

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
