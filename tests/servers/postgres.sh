#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for integration tests.
#   postgres.sh start [ENV_DIR]   initdb in a temp dir, start on 127.0.0.1:<free port> plus a unix
#                                 socket in the temp dir, write ENV_DIR/postgres.env
#   postgres.sh stop  [ENV_DIR]   stop the server, remove the temp dir and the env file
#   postgres.sh pause [ENV_DIR]   stop the server but keep its data dir and env file
#   postgres.sh resume [ENV_DIR]  start the paused server again: same data dir, same port
# ENV_DIR defaults to $GRANTOR_TEST_ENV_DIR. postgres.env defines GRANTOR_TEST_PG_HOST, _PORT,
# _USER, _PASSWORD (a superuser) and _SOCKET_DIR. The password never appears in argv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

PG_BIN=${GRANTOR_PG_BIN:-/usr/lib/postgresql/15/bin}
ADMIN_USER=grantor_admin_test

start() {
  local env_dir=$1 started_ms dir password port run
  started_ms=$(now_ms)
  stop "$env_dir" >/dev/null 2>&1 || true
  run=$(as_test_user_prefix)
  dir=$(make_server_dir grantor-pg)
  echo "dir=$dir" >"$env_dir/postgres.state"
  password=$(random_password)
  (umask 077 && printf '%s\n' "$password" >"$dir/pwfile")
  [ -z "$run" ] || chown "$GRANTOR_TEST_USER" "$dir/pwfile"
  $run "$PG_BIN/initdb" -D "$dir/data" -U "$ADMIN_USER" --pwfile="$dir/pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 --no-sync --no-instructions \
    >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; return 1; }
  rm -f "$dir/pwfile"
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 32MB
log_min_messages = warning
CONF
  for _ in 1 2 3 4 5; do
    port=$(pick_free_port)
    if $run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
      -o "-p $port" start >/dev/null 2>&1; then
      write_env "$env_dir" "$port" "$password" "$dir"
      echo "postgres: 127.0.0.1:$port ready in $(($(now_ms) - started_ms)) ms (dir $dir)"
      return 0
    fi
  done
  tail -n 20 "$dir/server.log" >&2 || true
  return 1
}

write_env() {
  local env_dir=$1 port=$2 password=$3 dir=$4
  (umask 077 && cat >"$env_dir/postgres.env.tmp" <<ENV
GRANTOR_TEST_PG_HOST=127.0.0.1
GRANTOR_TEST_PG_PORT=$port
GRANTOR_TEST_PG_USER=$ADMIN_USER
GRANTOR_TEST_PG_PASSWORD=$password
GRANTOR_TEST_PG_SOCKET_DIR=$dir
ENV
  )
  mv "$env_dir/postgres.env.tmp" "$env_dir/postgres.env"
}

stop() {
  local env_dir=$1 dir="" run pid
  [ -f "$env_dir/postgres.state" ] && dir=$(sed -n 's/^dir=//p' "$env_dir/postgres.state")
  rm -f "$env_dir/postgres.env" "$env_dir/postgres.state"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  run=$(as_test_user_prefix)
  if [ -f "$dir/data/postmaster.pid" ]; then
    $run "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || {
      pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
    }
  fi
  rm -rf "$dir"
  echo "postgres: stopped, removed $dir"
}

# The env file's port and the state file's data dir, for pause and resume.
server_dir() { sed -n 's/^dir=//p' "$1/postgres.state" 2>/dev/null; }
server_port() { sed -n 's/^GRANTOR_TEST_PG_PORT=//p' "$1/postgres.env" 2>/dev/null; }

pause() {
  local env_dir=$1 dir run
  dir=$(server_dir "$env_dir")
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "postgres: no server in $env_dir" >&2; return 1; }
  run=$(as_test_user_prefix)
  $run "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 20 stop >/dev/null
  echo "postgres: paused (dir $dir)"
}

resume() {
  local env_dir=$1 dir port run
  dir=$(server_dir "$env_dir")
  port=$(server_port "$env_dir")
  [ -n "$dir" ] && [ -n "$port" ] || { echo "postgres: no server in $env_dir" >&2; return 1; }
  run=$(as_test_user_prefix)
  $run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 -o "-p $port" start >/dev/null ||
    { tail -n 20 "$dir/server.log" >&2; return 1; }
  echo "postgres: resumed on 127.0.0.1:$port"
}

main() {
  local cmd=${1:-} env_dir
  env_dir=$(resolve_env_dir "${2:-}")
  case "$cmd" in
    start) start "$env_dir" ;;
    stop) stop "$env_dir" ;;
    pause) pause "$env_dir" ;;
    resume) resume "$env_dir" ;;
    *) echo "usage: $0 {start|stop|pause|resume} [ENV_DIR]" >&2; return 2 ;;
  esac
}

main "$@"
