#!/usr/bin/env bash
# Writes tests/test_seconds.txt (tests/schedule.cmake: each test's cost and timeout) from the
# times ctest recorded in the last scripts/test.sh run (build/ and build-san/): every test that
# took a second or more, slowest first, its seconds rounded up. Run it after a full run on a
# two-core machine when tests were added or became slower.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/test_seconds.txt
{
  echo "# <seconds> <ctest test name>: written by scripts/test-seconds.sh from a full"
  echo "# scripts/test.sh run on two cores; read by tests/schedule.cmake."
  for dir in build build-san; do
    data="$dir/Testing/Temporary/CTestCostData.txt"
    [ -f "$data" ] || { echo "no $data: run scripts/test.sh first" >&2; exit 1; }
    # "<name> <runs> <average seconds>" lines, then "---" and the failed tests.
    awk '$0 == "---" { exit }
         NF >= 3 && $NF >= 1 { name = $0; sub(/ [0-9]+ [^ ]+$/, "", name);
                               printf "%d %s\n", $NF + 0.999, name }' "$data"
  done | sort -k1,1nr -k2
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "wrote $(grep -c '^[0-9]' "$out") tests to $out"
