# Shared helpers for the throwaway test servers (sourced by postgres.sh and mariadb.sh).
# Servers run as a non-root user: as root we use the system user grantor-test, created on
# demand; as any other user we run the binaries directly.

GRANTOR_TEST_USER=grantor-test

# Creates the system user (idempotent; tolerates a concurrent creation by the other script).
ensure_test_user() {
  if id -u "$GRANTOR_TEST_USER" >/dev/null 2>&1; then return 0; fi
  useradd --system --user-group --no-create-home --home-dir /nonexistent \
    --shell /usr/sbin/nologin "$GRANTOR_TEST_USER" 2>/dev/null ||
    id -u "$GRANTOR_TEST_USER" >/dev/null 2>&1
}

# Prints the prefix that runs a command as the unprivileged user (empty when not root).
# setpriv execs in place, so "$!" of a backgrounded server is the server's own pid.
as_test_user_prefix() {
  if [ "$(id -u)" -eq 0 ]; then
    ensure_test_user
    echo "setpriv --reuid=$GRANTOR_TEST_USER --regid=$GRANTOR_TEST_USER --init-groups --"
  fi
}

# Makes a private temp dir owned by whoever will run the server.
make_server_dir() {
  local dir
  dir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  if [ "$(id -u)" -eq 0 ]; then chown "$GRANTOR_TEST_USER:$GRANTOR_TEST_USER" "$dir"; fi
  echo "$dir"
}

# A random TCP port in 20000..59999 that nothing listens on right now. The server may still lose
# a race for it; callers retry start-up with a new port.
pick_free_port() {
  local port
  for _ in $(seq 1 50); do
    port=$((20000 + RANDOM % 40000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return 0
    fi
  done
  return 1
}

# About 32 random alphanumeric characters (no pipe that can die of SIGPIPE under pipefail).
random_password() {
  head -c 24 /dev/urandom | base64 | tr -d '+/=\n'
}

# Where the env file and state go: $2 or $GRANTOR_TEST_ENV_DIR.
resolve_env_dir() {
  local dir=${1:-${GRANTOR_TEST_ENV_DIR:-}}
  if [ -z "$dir" ]; then
    echo "usage: $0 {start|stop} ENV_DIR   (or set GRANTOR_TEST_ENV_DIR)" >&2
    return 2
  fi
  mkdir -p "$dir"
  (cd "$dir" && pwd)
}

now_ms() { date +%s%3N; }

# True while process $1 exists and is not a zombie (a container's PID 1 may never reap it).
process_alive() {
  local state
  state=$(ps -o stat= -p "$1" 2>/dev/null) || return 1
  [[ $state != Z* ]]
}
