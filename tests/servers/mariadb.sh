#!/usr/bin/env bash
# Throwaway MariaDB for integration tests.
#   mariadb.sh start [ENV_DIR]   mariadb-install-db in a temp dir, start mariadbd on
#                                127.0.0.1:<free port> plus a unix socket in the temp dir,
#                                write ENV_DIR/mariadb.env
#   mariadb.sh stop  [ENV_DIR]   kill the server, remove the temp dir and the env file
#   mariadb.sh pause [ENV_DIR]   shut the server down cleanly but keep its data dir and env file
#   mariadb.sh resume [ENV_DIR]  start the paused server again: same data dir, same port
#   mariadb.sh start ENV_DIR --tls
#                                also serve TLS with a throwaway CA (common.sh
#                                make_tls_material; plain connections are still accepted) and
#                                keep the general query log (general.log: each Connect line says
#                                whether it used TLS)
#   mariadb.sh tls-cert ENV_DIR server|wrong-host
#                                present another certificate of that CA from now on (FLUSH SSL)
# ENV_DIR defaults to $GRANTOR_TEST_ENV_DIR. mariadb.env defines GRANTOR_TEST_MYSQL_HOST, _PORT,
# _USER, _PASSWORD (ALL PRIVILEGES WITH GRANT OPTION) and _SOCKET; with --tls also _TLS_DIR. The
# admin account is created by an --init-file, so the password never appears in argv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

ADMIN_USER=grantor_admin_test
SERVER_NAME=mariadb
SERVER_TMP_NAME=grantor-mariadb
SERVER_LOG=error.log
SERVER_COMMANDS="start stop pause resume tls-cert"
ENV_PREFIX=GRANTOR_TEST_MYSQL_

server_prepare() {
  local dir=$1 password=$2 run=$3
  # A private tmpdir: servers bootstrapped at the same time must not share /tmp's temp tables.
  mkdir -p "$dir/tmp"
  [ -z "$run" ] || chown "$GRANTOR_TEST_USER" "$dir/tmp"
  $run mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db --skip-name-resolve --tmpdir="$dir/tmp" >"$dir/install.log" 2>&1 ||
    { cat "$dir/install.log" >&2; return 1; }
  write_init_file "$dir" "$password"
  [ -z "$run" ] || chown "$GRANTOR_TEST_USER" "$dir/init.sql"
}

write_init_file() {
  local dir=$1 password=$2
  (umask 077 && cat >"$dir/init.sql" <<SQL
CREATE USER IF NOT EXISTS '$ADMIN_USER'@'%' IDENTIFIED BY '$password';
GRANT ALL PRIVILEGES ON *.* TO '$ADMIN_USER'@'%' WITH GRANT OPTION;
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
SQL
  )
}

# Starts mariadbd in the background (own session, no inherited stdio, so ctest does not wait on
# it) and waits until it accepts connections on the socket. Returns 1 if it died (port taken).
# Once it is up, the init file (it holds the admin password) is removed.
# The options that depend on the server dir: the admin's init file on the first start, TLS.
optional_flags() {
  local dir=$1
  if [ -f "$dir/init.sql" ]; then echo "--init-file=$dir/init.sql"; fi
  if [ -d "$dir/tls" ]; then
    echo "--ssl-cert=$dir/tls/served.crt --ssl-key=$dir/tls/served.key"
    echo "--general-log=1 --general-log-file=$dir/general.log"
  fi
}

server_launch() {
  local dir=$1 port=$2 run=$3 pid ready_before
  ready_before=$(grep -c "ready for connections" "$dir/error.log" 2>/dev/null || true)
  # shellcheck disable=SC2046 # optional_flags prints options without spaces inside them
  setsid $run mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" --tmpdir="$dir/tmp" \
    --log-error="$dir/error.log" --skip-name-resolve $(optional_flags "$dir") \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --skip-log-bin --max-connections=300 \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/launcher.pid"
  for _ in $(seq 1 300); do
    if ! process_alive "$pid"; then return 1; fi
    if [ -S "$dir/mysqld.sock" ] &&
      [ "$(grep -c "ready for connections" "$dir/error.log" 2>/dev/null || true)" -gt "${ready_before:-0}" ]; then
      rm -f "$dir/init.sql"
      return 0
    fi
    sleep 0.05
  done
  kill -KILL "$pid" 2>/dev/null || true
  return 1
}

server_env_lines() { echo "${ENV_PREFIX}SOCKET=$1/mysqld.sock"; }

server_kill() {
  local dir=$1 pid
  pid=$(cat "$dir/mariadbd.pid" 2>/dev/null || cat "$dir/launcher.pid" 2>/dev/null || true)
  # A throwaway server: SIGKILL is instant, a clean shutdown costs ~2 s and buys nothing.
  if [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; then
    for _ in $(seq 1 100); do process_alive "$pid" || break; sleep 0.02; done
  fi
}

# The env file's settings, for resume and the admin client.
env_value() { sed -n "s/^${ENV_PREFIX}$2=//p" "$1/$SERVER_NAME.env" 2>/dev/null; }

# A clean shutdown (SIGTERM): InnoDB writes what it committed, which a SIGKILL would lose with
# innodb-flush-log-at-trx-commit=0.
pause() {
  local env_dir=$1 dir pid
  dir=$(server_dir "$env_dir")
  [ -n "$dir" ] && [ -d "$dir/data" ] || { echo "mariadb: no server in $env_dir" >&2; return 1; }
  pid=$(cat "$dir/mariadbd.pid" 2>/dev/null || cat "$dir/launcher.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null; then
    for _ in $(seq 1 600); do process_alive "$pid" || break; sleep 0.05; done
  fi
  if [ -n "$pid" ] && process_alive "$pid"; then
    echo "mariadb: pid $pid did not shut down" >&2
    return 1
  fi
  rm -f "$dir/mariadbd.pid" "$dir/mysqld.sock"
  echo "mariadb: paused (dir $dir)"
}

resume() {
  local env_dir=$1 dir port
  dir=$(server_dir "$env_dir")
  port=$(env_value "$env_dir" PORT)
  [ -n "$dir" ] && [ -n "$port" ] || { echo "mariadb: no server in $env_dir" >&2; return 1; }
  server_launch "$dir" "$port" "$(as_test_user_prefix)" ||
    { tail -n 20 "$dir/error.log" >&2; return 1; }
  echo "mariadb: resumed on 127.0.0.1:$port"
}

# FLUSH SSL (MariaDB 10.4+) as the admin, over the unix socket; the password goes through the
# client's environment (MYSQL_PWD), never argv.
server_reload_tls() {
  local env_dir=$1 dir=$2
  MYSQL_PWD=$(env_value "$env_dir" PASSWORD) mariadb --no-defaults --socket="$dir/mysqld.sock" \
    --user="$ADMIN_USER" --batch --execute="FLUSH SSL" >/dev/null
}

server_main "$@"
