#!/usr/bin/env bash
# Throwaway PostgreSQL 15 for integration tests.
#   postgres.sh start [ENV_DIR]   initdb in a temp dir, start on 127.0.0.1:<free port> plus a unix
#                                 socket in the temp dir, write ENV_DIR/postgres.env
#   postgres.sh stop  [ENV_DIR]   stop the server, remove the temp dir and the env file
#   postgres.sh pause [ENV_DIR]   stop the server but keep its data dir and env file
#   postgres.sh resume [ENV_DIR]  start the paused server again: same data dir, same port
#   postgres.sh start ENV_DIR --tls
#                                 also serve TLS with a throwaway CA (common.sh
#                                 make_tls_material; plain connections are still accepted) and
#                                 log every connection (server.log says whether it used TLS)
#   postgres.sh tls-cert ENV_DIR server|wrong-host
#                                 present another certificate of that CA from now on (reload)
# ENV_DIR defaults to $GRANTOR_TEST_ENV_DIR. postgres.env defines GRANTOR_TEST_PG_HOST, _PORT,
# _USER, _PASSWORD (a superuser) and _SOCKET_DIR; with --tls also _TLS_DIR (ca.crt,
# other-ca.crt, ...). The password never appears in argv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

PG_BIN=${GRANTOR_PG_BIN:-/usr/lib/postgresql/15/bin}
ADMIN_USER=grantor_admin_test
SERVER_NAME=postgres
SERVER_TMP_NAME=grantor-pg
SERVER_LOG=server.log
SERVER_COMMANDS="start stop pause resume tls-cert"
ENV_PREFIX=GRANTOR_TEST_PG_

server_prepare() {
  local dir=$1 password=$2 run=$3
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
shared_preload_libraries = 'pg_stat_statements'
CONF
  if [ -d "$dir/tls" ]; then
    cat >>"$dir/data/postgresql.conf" <<CONF
ssl = on
ssl_cert_file = '$dir/tls/served.crt'
ssl_key_file = '$dir/tls/served.key'
log_connections = on
CONF
  fi
}

# SIGHUP: the postmaster loads the certificate again, and connections opened after it has
# logged the reload get the new one.
server_reload_tls() {
  local dir=$2 run before
  run=$(as_test_user_prefix)
  before=$(grep -c "reloading configuration files" "$dir/server.log" || true)
  $run "$PG_BIN/pg_ctl" -D "$dir/data" reload >/dev/null
  for _ in $(seq 1 250); do
    [ "$(grep -c "reloading configuration files" "$dir/server.log" || true)" -gt "$before" ] && return 0
    sleep 0.02
  done
  echo "postgres: the server did not reload" >&2
  return 1
}

server_launch() {
  local dir=$1 port=$2 run=$3
  $run "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port" start >/dev/null 2>&1
}

server_env_lines() { echo "${ENV_PREFIX}SOCKET_DIR=$1"; }

server_kill() {
  local dir=$1 run pid
  run=$(as_test_user_prefix)
  if [ -f "$dir/data/postmaster.pid" ]; then
    $run "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 20 stop >/dev/null 2>&1 || {
      pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null || true)
      [ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
    }
  fi
}

# The env file's port, for resume (server_dir, in common.sh, reads the state file's data dir).
server_port() { sed -n "s/^${ENV_PREFIX}PORT=//p" "$1/$SERVER_NAME.env" 2>/dev/null; }

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

server_main "$@"
