#!/usr/bin/env bash
# The benchmark, one command: bash bench/run.sh
#
# Builds grantor in build-bench (Release, with the bench tools), starts throwaway PostgreSQL 15
# and MariaDB servers (tests/servers/*.sh) in a temporary dir, measures, stops them, and writes
# docs/performance.md plus the raw numbers in bench/results/.
#
#   1. engine: credentials per second through db::Engine alone (grantor_engine_bench), with
#      1 connection (the charm's situation) and GRANTOR_BENCH_CONNECTIONS connections (threads)
#      sharing the users, GRANTOR_BENCH_RUNS runs each (median rate over the runs); and the
#      PostgreSQL server's own floor for the same (one bare CREATE ROLE per user).
#   2. start-up: a provider hook with nothing to do, started as the unit agent starts one (fork,
#      exec of the charm's dispatch, wait4), against /bin/true (grantor_hook_start).
#   3. hooks: the grantor-postgresql charm on the local model. Requirers are bench-app
#      (bench/charms/bench-app, a 10-line sh charm). At the 1st, 100th and 1,000th live relation
#      the probe requirer is integrated and removed GRANTOR_BENCH_REPS times and set-password is
#      run GRANTOR_BENCH_REPS times, with the daemon off and then on; between checkpoints the
#      model is built up by deploying and integrating one bench-app per relation (those hooks
#      are recorded too, per bucket of 100). Wall time, tool calls and peak RSS come from the
#      local model's history.jsonl (grantor_hook_stats).
#
# Environment: GRANTOR_BENCH_RELATIONS (default 1000), GRANTOR_BENCH_REPS (default 10),
# GRANTOR_BENCH_IDLE (seconds the idle daemon is watched per checkpoint, default 30),
# GRANTOR_BENCH_ENGINE_COUNT (default 2000), GRANTOR_BENCH_CONNECTIONS (default 2),
# GRANTOR_BENCH_RUNS (default 3), GRANTOR_BENCH_KEEP=1 keeps the temp dir.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
build="$root/build-bench"
results="$root/bench/results"
relations=${GRANTOR_BENCH_RELATIONS:-1000}
reps=${GRANTOR_BENCH_REPS:-10}
engine_count=${GRANTOR_BENCH_ENGINE_COUNT:-2000}
engine_connections=${GRANTOR_BENCH_CONNECTIONS:-2}
engine_runs=${GRANTOR_BENCH_RUNS:-3}
started=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)

echo "== build (Release) in $build"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DGRANTOR_BUILD_TESTS=OFF \
  -DGRANTOR_BUILD_BENCH=ON >/dev/null
cmake --build "$build" -j"$(nproc)" --target grantor-model grantor_engine_bench grantor_hook_stats \
  grantor_hook_start \
  >/dev/null
cmake --build "$build" --target charms >/dev/null
gm="$build/src/app/grantor-model"

echo "== start-up of a hook with nothing to do"
start_rows=""
for charm in grantor-postgresql grantor-mysql; do
  start_rows+=$("$build/bench/grantor_hook_start" --charm-dir "$build/charms/$charm" --runs 500 |
    sed "s/^| /| $charm | /")$'\n'
done
printf '%s' "$start_rows" >"$results/hook-start.md"
# median wall ms of a case (column 4) for a charm, by the case's first word(s)
start_median() { printf '%s' "$start_rows" | awk -F' [|] ' -v c="$1" -v k="$2" 'index($1, c) && index($2, k) { print $4 }'; }
start_rss() { printf '%s' "$start_rows" | awk -F' [|] ' -v c="$1" -v k="$2" 'index($1, c) && index($2, k) { print $7 }'; }

work=$(mktemp -d "${TMPDIR:-/tmp}/grantor-bench.XXXXXX")
env_dir="$work/env"
model_dir="$work/model"
ranges="$work/ranges.tsv"
mkdir -p "$env_dir" "$results"

# Stops the daemons the model's units started (pid files in the unit agent dirs), then the servers.
cleanup() {
  local pid_file pid
  for pid_file in "$model_dir"/agents/*/grantor-daemon.pid; do
    [ -f "$pid_file" ] || continue
    pid=$(cat "$pid_file")
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  tests/servers/postgres.sh stop "$env_dir" >/dev/null 2>&1 || true
  tests/servers/mariadb.sh stop "$env_dir" >/dev/null 2>&1 || true
  if [ "${GRANTOR_BENCH_KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

echo "== servers"
tests/servers/postgres.sh start "$env_dir"
tests/servers/mariadb.sh start "$env_dir"
env_value() { sed -n "s/^$2=//p" "$env_dir/$1"; }

echo "== engine: $engine_count users per run, $engine_runs runs"
engine_rows=""
for engine in postgres mariadb; do
  for connections in $(printf '%s\n' 1 "$engine_connections" | sort -nu); do
    row=$("$build/bench/grantor_engine_bench" --env-dir "$env_dir" --engine "$engine" \
      --count "$engine_count" --connections "$connections" --runs "$engine_runs" \
      --out "$results/engine-$engine-c$connections.json")
    echo "$row"
    engine_rows+="$row"$'\n'
  done
done
scram_row=$("$build/bench/grantor_engine_bench" --env-dir "$env_dir" --engine scram \
  --count "$engine_count" --runs "$engine_runs" --out "$results/engine-scram.json")
floor_rows=""
for connections in $(printf '%s\n' 1 "$engine_connections" | sort -nu); do
  row=$("$build/bench/grantor_engine_bench" --env-dir "$env_dir" --engine postgres-floor \
    --count "$engine_count" --connections "$connections" --runs "$engine_runs" \
    --out "$results/engine-postgres-floor-c$connections.json")
  echo "$row"
  floor_rows+="$row"$'\n'
done

# --- the local model ---------------------------------------------------------------------------
model() { "$gm" --model-dir "$model_dir" "$@"; }
history_lines() {
  if [ -f "$model_dir/history.jsonl" ]; then wc -l <"$model_dir/history.jsonl"; else echo 0; fi
}
# step LABEL COMMAND...: runs a model command and records which history lines it appended.
step() {
  local label=$1 first
  shift
  first=$(($(history_lines) + 1))
  model "$@" >/dev/null
  printf '%s\t%s\t%s\n' "$label" "$first" "$(($(history_lines) + 1))" >>"$ranges"
}
has_daemon_option() { grep -q '^  daemon:' "$build/charms/grantor-postgresql/config.yaml"; }

echo "== model: grantor-postgresql and $relations bench-app requirers"
model deploy "$build/charms/grantor-postgresql" pg \
  --config host=127.0.0.1 --config "port=$(env_value postgres.env GRANTOR_TEST_PG_PORT)" >/dev/null
(umask 077 && printf '%s' "$(env_value postgres.env GRANTOR_TEST_PG_PASSWORD)" >"$work/admin-password")
uri=$(model add-secret pg-admin "username=$(env_value postgres.env GRANTOR_TEST_PG_USER)" \
  "password#file=$work/admin-password" | head -n 1)
rm -f "$work/admin-password"
model grant-secret pg-admin pg >/dev/null
model config pg "admin-credentials=$uri" >/dev/null
model deploy bench/charms/bench-app probe >/dev/null

# One hook-tool call from a hook process (fork and exec of the tool client, its socket round
# trip, the agent's answer): the probe's tool-cost action times 100 is-leader calls, 5 times.
tool_call_us=""
for i in 1 2 3 4 5; do
  tool_call_us+="$(model run probe/0 tool-cost | sed -n 's/^ *per-call-us: *//p') "
done
tool_call_ms=$(printf '%s\n' $tool_call_us | sort -n |
  awk '{ v[NR] = $1 } END { if (NR) printf "%.2f", v[int((NR + 1) / 2)] / 1000 }')
echo "   one hook-tool call: $tool_call_ms ms (median of: $tool_call_us)"

daemon_modes=(off)
if has_daemon_option; then daemon_modes=(off on); fi

# measure_idle K: the daemon with no hook to run for GRANTOR_BENCH_IDLE seconds: CPU time it
# used (utime + stime from /proc/<pid>/stat), context switches (a process that polls wakes up;
# one blocked on its event loop does not) and RSS. One row of $work/daemon-idle.tsv.
idle_seconds=${GRANTOR_BENCH_IDLE:-30}
measure_idle() {
  local k=$1 pid ticks_before ticks_after switches_before switches_after rss
  pid=$(cat "$model_dir/agents/unit-pg-0/grantor-daemon.pid" 2>/dev/null) || return 0
  [ -r "/proc/$pid/stat" ] || return 0
  proc_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$pid/stat"; }
  proc_switches() {
    awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }' "/proc/$pid/status"
  }
  ticks_before=$(proc_ticks)
  switches_before=$(proc_switches)
  sleep "$idle_seconds"
  ticks_after=$(proc_ticks)
  switches_after=$(proc_switches)
  rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$pid/status")
  printf 'k=%s\t%s\t%s\t%s\t%s\n' "$k" "$idle_seconds" \
    "$(awk -v t=$((ticks_after - ticks_before)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", t * 1000 / hz }')" \
    "$((switches_after - switches_before))" "$rss" >>"$work/daemon-idle.tsv"
}

# measure K: the probe becomes the K-th live relation, REPS times per daemon mode.
measure() {
  local k=$1 mode i
  for mode in "${daemon_modes[@]}"; do
    if [ "$mode" = on ]; then model config pg daemon=true >/dev/null; fi
    for i in $(seq 1 "$reps"); do
      step "k=$k daemon=$mode integrate" integrate pg:database probe
      step "k=$k daemon=$mode remove-relation" remove-relation pg probe
    done
    for i in $(seq 1 "$reps"); do
      step "k=$k daemon=$mode set-password" run pg/0 set-password
    done
    if [ "$mode" = on ]; then
      daemon_rss_kb=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' \
        "/proc/$(cat "$model_dir/agents/unit-pg-0/grantor-daemon.pid")/status" 2>/dev/null || echo 0)
      printf 'k=%s\t%s\n' "$k" "$daemon_rss_kb" >>"$work/daemon-rss.tsv"
      measure_idle "$k"
      model config pg daemon=false >/dev/null
    fi
  done
}

built=0
build_up_to() {
  local target=$1 bucket_first bucket
  while [ "$built" -lt "$target" ]; do
    built=$((built + 1))
    bucket=$(((built - 1) / 100 * 100 + 1))
    model deploy bench/charms/bench-app "r$built" >/dev/null
    step "build-up relations $bucket-$((bucket + 99)) integrate" integrate pg:database "r$built"
  done
}

build_started=$(date +%s)
for k in 1 100 1000; do
  [ "$k" -le "$relations" ] || continue
  build_up_to $((k - 1))
  echo "   checkpoint: relation $k ($(($(date +%s) - build_started)) s)"
  measure "$k"
done
build_seconds=$(($(date +%s) - build_started))

cp "$model_dir/history.jsonl" "$results/history.jsonl"
cp "$ranges" "$results/ranges.tsv"
[ -f "$work/daemon-rss.tsv" ] && cp "$work/daemon-rss.tsv" "$results/daemon-rss.tsv"
[ -f "$work/daemon-idle.tsv" ] && cp "$work/daemon-idle.tsv" "$results/daemon-idle.tsv"
hook_table=$("$build/bench/grantor_hook_stats" --history "$model_dir/history.jsonl" \
  --ranges "$ranges" --unit pg/0 --out "$results/hooks.json")
gzip -f "$results/history.jsonl"

# --- the targets, read back from the tables above -----------------------------------------------
# column N of the hook-table rows whose step contains $1 and whose hook is $2 (empty: any), one
# value per line. Columns: 1 step, 2 hook, 3 n, 4 median ms, 5 p95, 6 tool calls,
# 7 tool ms, 8 charm-side ms, 9 peak RSS MiB.
hook_column() {
  printf '%s\n' "$hook_table" | awk -F' [|] ' -v step="$1" -v hook="$2" -v col="$3" '
    { sub(/^[|] /, ""); sub(/ [|]$/, "") }
    index($1, step) && (hook == "" || $2 == hook) { print $col }'
}
issuing="database-relation-changed (issues credentials)"
provisioning=""
for k in 1 100 1000; do
  median=$(hook_column "k=$k daemon=on integrate" "$issuing" 4)
  [ -z "$median" ] || provisioning+="k=$k: $median ms; "
done
provisioning=${provisioning%; }
# The provisioning hook's floor: its tool calls at the measured cost of one call, plus the
# server's own CREATE ROLE (median, one session).
issuing_calls=$(hook_column "k=1 daemon=on integrate" "$issuing" 6)
floor_ms=$(printf '%s\n' "$floor_rows" | awk -F' [|] ' 'NF > 3 && $2 == 1 { print $5 }')
hook_floor=""
if [ -n "$tool_call_ms" ] && [ -n "$issuing_calls" ] && [ -n "$floor_ms" ]; then
  hook_floor=$(awk -v t="$tool_call_ms" -v n="$issuing_calls" -v f="$floor_ms" \
    'BEGIN { printf "%d tool calls x %.2f ms + %.2f ms on the server = %.1f ms", n, t, f, n * t + f }')
fi
forwarder_rss=$(hook_column "k=1 daemon=on" "" 9 | sort -n | tail -n 1)
connecting_rss=$(hook_column "k=1 daemon=off" "" 9 | sort -n | tail -n 1)
pg_rate=$(printf '%s\n' "$engine_rows" | awk -F' [|] ' '/postgres/ { print $4 }' | sort -n | tail -n 1)
floor_rate=$(printf '%s\n' "$floor_rows" | awk -F' [|] ' 'NF > 3 { print $4 }' | sort -n | tail -n 1)
# "hook=calls" of every daemon=off row at checkpoint k, sorted: equal sets = flat tool calls
calls_at() {
  paste -d= <(hook_column "k=$1 daemon=off" "" 2) <(hook_column "k=$1 daemon=off" "" 6) |
    sort -u | tr '\n' ' ' | sed 's/ $//'
}
flat="tool calls per hook (daemon off): k=1 $(calls_at 1)"
for k in 100 1000; do
  [ "$k" -le "$relations" ] || continue
  if [ "$(calls_at "$k")" = "$(calls_at 1)" ]; then flat+="; identical at k=$k"; else flat+="; k=$k $(calls_at "$k")"; fi
done

# The daemon on vs off, per checkpoint, for the hooks a relation's life runs on the provider:
# median wall and charm-side ms (columns 4 and 8 of the hook table).
on_off_rows=""
for k in 1 100 1000; do
  [ "$k" -le "$relations" ] || continue
  for hook in "$issuing" database-relation-broken set-password; do
    row="| $k | $hook |"
    for col in 4 8; do
      for mode in off on; do
        value=$(hook_column "k=$k daemon=$mode " "$hook" "$col" | head -n 1)
        row+=" ${value:--} |"
      done
    done
    on_off_rows+="$row"$'\n'
  done
done
idle_rows=""
if [ -f "$work/daemon-idle.tsv" ]; then
  idle_rows=$(awk -F'\t' '{ printf "| %s | %s s | %s ms | %s | %.1f MiB |\n", substr($1, 3), $2, $3, $4, $5 / 1024 }' \
    "$work/daemon-idle.tsv")
fi

# --- docs/performance.md -----------------------------------------------------------------------
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)
daemon_rss=$(cat "$work/daemon-rss.tsv" 2>/dev/null | tr '\t' ' ' | sed 's/$/ KiB;/' | tr '\n' ' ')
{
  cat <<DOC
# Performance

Generated by \`bash bench/run.sh\` on $(date -u +%Y-%m-%d) in $(($(date +%s) - started)) s, at a scale of
GRANTOR_BENCH_RELATIONS=$relations live relations (checkpoints at 1, 100 and 1,000 up to that) and
GRANTOR_BENCH_REPS=$reps. Do not edit by hand: run the command again. Raw numbers: \`bench/results/\` (engine-*.json with every latency,
hooks.json with every measured hook, ranges.tsv, history.jsonl.gz: the local model's full record).

## Machine

| | |
|---|---|
| CPU | $cpu, $(nproc) cores |
| memory | $mem |
| kernel | $(uname -sr) |
| load average (1, 5, 15 min) at start / end | $load_start / $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every figure; compare rows within one run) |
| OS | $(. /etc/os-release && echo "$PRETTY_NAME") |
| compiler | $(g++ --version | head -n 1), CMake Release (-O3) |
| PostgreSQL | $(/usr/lib/postgresql/15/bin/postgres --version) (tests/servers/postgres.sh: fsync, synchronous_commit and full_page_writes off, local TCP) |
| MariaDB | $(mariadbd --version 2>/dev/null | head -n 1) (tests/servers/mariadb.sh: flush at commit off, local TCP) |
| libpqxx / Connector/C | $(pkg-config --modversion libpqxx) / $(pkg-config --modversion libmariadb) |

## Credentials per second through the engine

\`grantor_engine_bench\`: C engines, one connection and one thread each, share the users of a run
(C = 1 is the charm's situation); $engine_runs runs of $engine_count users, rate = median over the
runs, latencies over every call. Each EnsureUser creates a fresh user with a fresh 32-character
CSPRNG password and access to one database (PostgreSQL: membership of the database's owner role
(which carries CONNECT/CREATE/TEMP), a per-database role setting; MariaDB: ALL ON db.*), as the charm provisions
a relation user. DropUser is the full
revocation (NOLOGIN / ACCOUNT LOCK, session termination, REASSIGN/DROP OWNED, DROP).

| engine | C | users | EnsureUser /s | median ms | p95 ms | DropUser /s | median ms | p95 ms |
|---|---|---|---|---|---|---|---|---|
${engine_rows%$'\n'}

PostgreSQL passwords are sent as SCRAM-SHA-256 verifiers that libpq computes on the engine's side
(\`PQencryptPasswordConn\`, with SASLprep; 4096 iterations); its cost on the client, alone:

| what | C | calls | per second | median ms | p95 ms |
|---|---|---|---|---|---|
$scram_row
${floor_rows%$'\n'}

The last rows are the server's own floor, without grantor: plain sessions that each send one
\`CREATE ROLE ... LOGIN PASSWORD '<verifier>'\` per user, the verifiers computed before the clock
starts. PostgreSQL 15 runs a 4096-iteration PBKDF2 for every role created or altered with a
password, even when it receives a verifier (it checks that the password is not the empty one),
so that statement alone bounds how many PostgreSQL users any tool can issue per second on a
given number of server cores.

Published figures for Vault's database secrets engine (the sample runs against a local
database in vault-benchmark's docs/tests/secret-postgresql.md and secret-mysql.md,
https://github.com/hashicorp/vault-benchmark): about **226/s PostgreSQL** (p95
64 ms) and **93/s MySQL** (p95 188 ms). Those include Vault's HTTP API and lease storage, so the
comparison says what grantor's engine costs, not that grantor is a faster Vault. Target: at least
1,000 PostgreSQL credentials per second.

## Hooks on the local model

grantor-postgresql (one unit) against the PostgreSQL server above; requirers are bench-app.
"k=N" rows: the probe requirer is integrated as the N-th live relation and removed again, $reps
times each, then set-password runs $reps times, with the daemon off and (when the charm has
the \`daemon\` option) on. "build-up" rows: every integrate that built the model up to
$built + 1 live relations, per bucket of 100 relations. Building up took $build_seconds s.

Columns: wall time of the provider's hook as the local model measures it (fork of dispatch to
its exit), hook-tool calls of that hook, time the unit agent spent answering them (its
interpreter over the unit's in-memory state), charm-side time (wall minus that: grantor's own
work including its database round trips, plus exec of each hook-tool client and its socket round
trip, about 1 ms per call here), and the peak RSS the model measured with wait4 (the largest of
dispatch and the processes it waited for; with the daemon on, dispatch is the small forwarder and
the tools are run by the daemon). The local model starts dispatch with fork(), and Linux counts
the resident pages a child shares with its parent before exec in the child's peak, so once the
local model's own memory (the whole model, growing with relations) exceeds dispatch's, this
column shows the emulator, not dispatch: from about 400 relations on it tracks the model's size.
The forwarder's own peak is the k=1 daemon=on figure; it reads only its environment and the
daemon's reply, so it does not depend on the number of relations.

The local model's hook tools work as Juju's do: a small static client (grantor-jujuc) per call
that asks the unit agent over its socket, the agent answering from memory. Juju's own jujuc is a
larger Go binary talking to a remote controller's state, so on real Juju each tool call costs
more; the tool-call counts are what carries over.

$hook_table

### Start-up of a hook with nothing to do

\`grantor_hook_start\` starts the charm's \`dispatch\` as the unit agent starts a hook (fork, exec
with the hook's environment, wait4), 500 times per case, from a small parent (so the peak RSS is
the hook's own), with the daemon off. "Ended by dispatch": a relation hook that needs to read
nothing (database-relation-joined) and a hook the provider never acts on
(leader-settings-changed; secret-changed, secret-expired, stop and remove are the same);
dispatch is a static executable and exits without starting the full binary or any hook tool.
"The full binary's start-up": \`bin/<charm>\` itself, started for leader-settings-changed (a
hook dispatch would have ended, so no hook reaches the full binary with nothing to do); it finds
nothing to do and exits without a tool call: what every hook with work to do pays, after
dispatch, before that work. The floor is /bin/true on the same machine at the same moment; "x
floor" is the median over the floor's median. CPU is user + system time of the process as wait4
reports it.

| charm | case | runs | median ms | p95 ms | CPU ms (median) | peak RSS MiB | x floor |
|---|---|---|---|---|---|---|---|
${start_rows%$'\n'}

A relation-changed whose request was already served (Juju runs one whenever the requirer writes
its databag again) ends in dispatch too, after the two reads it needs (state-get, relation-get):
the "ended by dispatch" start-up plus two hook-tool calls (one call costs ${tool_call_ms:-?} ms here, see
below). The rows above with 0 tool calls and about 1.4 MiB peak RSS are the hooks dispatch ended
(at k=100 the peak column shows the local model's own size, as explained above).

Daemon peak RSS (VmHWM of the daemon process after each checkpoint): ${daemon_rss:-the charm has no daemon option yet (not measured).}

### The daemon on vs off

The same hooks with the daemon off (dispatch exec()s the full charm binary, which connects to
the server) and on (dispatch forwards the hook to the daemon, which runs it on its warm
connection). Medians in ms, from the table above.

| k (live relations) | hook | wall, off | wall, on | charm-side, off | charm-side, on |
|---|---|---|---|---|---|
${on_off_rows%$'\n'}

### The daemon while idle

After each daemon=on checkpoint the daemon is left alone (no hook) for the time shown: the CPU
time it used meanwhile (utime + stime), its context switches (a process that polls wakes up; one
blocked on its event loop does not), and its resident memory.

| k (live relations) | idle for | CPU time | context switches | RSS |
|---|---|---|---|---|
${idle_rows:-| - | not measured | | | |}

## Targets

Read back from the tables above by bench/run.sh.

| target | measured |
|---|---|
| a hook with nothing to do: at most 5 ms on the charm's side (daemon off) | ended by dispatch: database-relation-joined grantor-postgresql $(start_median grantor-postgresql "(database-relation-joined)") ms, grantor-mysql $(start_median grantor-mysql "(database-relation-joined)") ms; leader-settings-changed grantor-postgresql $(start_median grantor-postgresql "(leader-settings-changed)") ms, grantor-mysql $(start_median grantor-mysql "(leader-settings-changed)") ms; /bin/true takes $(start_median grantor-postgresql floor) ms. The full binary's start-up (hooks with work to do): $(start_median grantor-postgresql "start-up") ms |
| provisioning hook under 15 ms median with the daemon | the relation-changed that issues credentials, daemon on: ${provisioning:-not measured} |
| dispatch under 10 MB RSS | forwarder peak (k=1, daemon on): ${forwarder_rss:-?} MiB |
| peak RSS of a hook process at most 8 MiB (daemon off) | a hook with nothing to do (ended by dispatch): $(start_rss grantor-postgresql "(database-relation-joined)") MiB; the full binary's start-up: $(start_rss grantor-postgresql "start-up") MiB; a grantor-postgresql hook that reaches the server (k=1): ${connecting_rss:-?} MiB (not met; see below). With the daemon on, every hook process is the forwarder: ${forwarder_rss:-?} MiB |
| at least 1,000 PostgreSQL credentials/s through the engine | best engine rate ${pg_rate:-?}/s; the server alone (bare CREATE ROLE): ${floor_rate:-?}/s |
| flat per-event cost from 1 to 1,000 relations | $flat |

What bounds the two targets on this machine (measured parts, added up):
- provisioning hook: ${hook_floor:-not measured}. Juju runs every hook tool as its own
  process (here the static grantor-jujuc client; one call, measured from a hook with the probe's
  \`tool-cost\` action: ${tool_call_ms:-?} ms),
  and the hook that issues credentials needs its calls (config, leadership, unit state, the
  operator's secret, both application databags, the log line, the new secret, its grant, the
  databag write and the status); the server then spends one PBKDF2 on the new role.
- PostgreSQL credentials per second: the server alone, above. Only more server cores raise it.
- peak RSS of a hook that reaches a PostgreSQL server, daemon off: a process that only loads
  Debian's libpq (built with OpenSSL, GSSAPI/Kerberos and LDAP with GnuTLS: 24 libraries)
  peaks at $(start_rss grantor-postgresql "client library alone") MiB, and one that loads the engine plugin (libpqxx and the C++ runtime on
  top) at $(start_rss grantor-postgresql "engine plugin alone") MiB, before any connection; the full binary's own start-up is $(start_rss grantor-postgresql "start-up") MiB.
  MariaDB's client: $(start_rss grantor-mysql "client library alone") MiB alone, $(start_rss grantor-mysql "engine plugin alone") MiB with the plugin. 8 MiB would need a libpq
  built without GSSAPI and LDAP, which Debian does not ship; the daemon (one process holding
  the libraries for every hook) is the way to small hook processes.
DOC
} >docs/performance.md
echo "== wrote docs/performance.md ($(($(date +%s) - started)) s)"
