#!/usr/bin/env bash
# Throwaway MariaDB for integration tests.
#   mariadb.sh start [ENV_DIR]   mariadb-install-db in a temp dir, start mariadbd on
#                                127.0.0.1:<free port> plus a unix socket in the temp dir,
#                                write ENV_DIR/mariadb.env
#   mariadb.sh stop  [ENV_DIR]   kill the server, remove the temp dir and the env file
# ENV_DIR defaults to $GRANTOR_TEST_ENV_DIR. mariadb.env defines GRANTOR_TEST_MYSQL_HOST, _PORT,
# _USER, _PASSWORD (ALL PRIVILEGES WITH GRANT OPTION) and _SOCKET. The admin account is created
# by an --init-file, so the password never appears in argv.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

ADMIN_USER=grantor_admin_test
SERVER_NAME=mariadb
SERVER_TMP_NAME=grantor-mariadb
SERVER_LOG=error.log
SERVER_COMMANDS="start stop"
ENV_PREFIX=GRANTOR_TEST_MYSQL_

server_prepare() {
  local dir=$1 password=$2 run=$3
  $run mariadb-install-db --no-defaults --datadir="$dir/data" --auth-root-authentication-method=socket \
    --skip-test-db --skip-name-resolve >"$dir/install.log" 2>&1 ||
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
server_launch() {
  local dir=$1 port=$2 run=$3 pid
  setsid $run mariadbd --no-defaults --datadir="$dir/data" --socket="$dir/mysqld.sock" \
    --port="$port" --bind-address=127.0.0.1 --pid-file="$dir/mariadbd.pid" \
    --log-error="$dir/error.log" --skip-name-resolve --init-file="$dir/init.sql" \
    --innodb-buffer-pool-size=32M --innodb-log-file-size=16M --innodb-flush-log-at-trx-commit=0 \
    --innodb-doublewrite=0 --skip-log-bin --max-connections=300 \
    </dev/null >>"$dir/stdout.log" 2>&1 &
  pid=$!
  echo "$pid" >"$dir/launcher.pid"
  for _ in $(seq 1 300); do
    if ! process_alive "$pid"; then return 1; fi
    if [ -S "$dir/mysqld.sock" ] && grep -q "ready for connections" "$dir/error.log" 2>/dev/null; then
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

server_main "$@"
