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
    echo "usage: $0 {start|stop|...} ENV_DIR   (or set GRANTOR_TEST_ENV_DIR)" >&2
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

# ---- TLS: a throwaway CA made with openssl ------------------------------------------------------
# make_tls_material DIR writes, into DIR (mode 0700; owned by the test user when root):
#   ca.crt ca.key                 the test CA
#   server.crt server.key         signed by the CA for 127.0.0.1 and localhost (subjectAltName)
#   wrong-host.crt wrong-host.key signed by the CA for wrong-host.invalid only
#   other-ca.crt other-ca.key     an unrelated CA: what a wrong ssl-ca looks like
#   served.crt served.key         what the server presents: a copy of server.* (use_served_cert)
# EC P-256 keys (quick to make), valid 30 days: every server start makes its own.
new_ec_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

new_ca() {
  local dir=$1 name=$2
  new_ec_key "$dir/$name.key"
  openssl req -x509 -new -key "$dir/$name.key" -subj "/CN=grantor test $name $RANDOM" -days 30 \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out "$dir/$name.crt" 2>/dev/null
}

# new_leaf DIR NAME SAN: NAME.crt for subjectAltName SAN, signed by DIR/ca.
new_leaf() {
  local dir=$1 name=$2 san=$3
  new_ec_key "$dir/$name.key"
  printf '%s\n' "subjectAltName=$san" "basicConstraints=CA:FALSE" \
    "keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
    "subjectKeyIdentifier=hash" "authorityKeyIdentifier=keyid" >"$dir/$name.ext"
  openssl req -new -key "$dir/$name.key" -subj "/CN=${san#*:}" -out "$dir/$name.csr" 2>/dev/null
  openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" \
    -set_serial "0x$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" -days 30 \
    -extfile "$dir/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr" "$dir/$name.ext"
}

make_tls_material() {
  local dir=$1
  (umask 077 && mkdir -p "$dir")
  new_ca "$dir" ca
  new_ca "$dir" other-ca
  new_leaf "$dir" server "IP:127.0.0.1,DNS:localhost"
  new_leaf "$dir" wrong-host "DNS:wrong-host.invalid"
  cp "$dir/server.crt" "$dir/served.crt"
  cp "$dir/server.key" "$dir/served.key"
  chmod 600 "$dir"/*.key
  chmod 644 "$dir"/*.crt
  chmod 755 "$dir"
  if [ "$(id -u)" -eq 0 ]; then chown -R "$GRANTOR_TEST_USER:$GRANTOR_TEST_USER" "$dir"; fi
}

# Makes the server present DIR/NAME.{crt,key} (server or wrong-host) from its next handshake:
# the files are copied over served.* (same owner and mode) and the script's server_reload_tls
# hook has the running server load them again.
use_served_cert() {
  local env_dir=$1 name=${2:-} dir
  dir=$(server_dir "$env_dir")
  [ -n "$dir" ] && [ -f "$dir/tls/$name.crt" ] ||
    { echo "$SERVER_NAME: no TLS certificate \"$name\" in $env_dir" >&2; return 1; }
  cat "$dir/tls/$name.crt" >"$dir/tls/served.crt"
  cat "$dir/tls/$name.key" >"$dir/tls/served.key"
  server_reload_tls "$env_dir" "$dir"
  echo "$SERVER_NAME: now presents $name.crt"
}

# ---- the start/stop/main frame both scripts share ---------------------------------------------
# A server script sets, before calling server_main "$@":
#   SERVER_NAME      postgres | mariadb: the message prefix and <ENV_DIR>/$SERVER_NAME.{env,state}
#   SERVER_TMP_NAME  the temp dir's name prefix (grantor-pg, grantor-mariadb)
#   SERVER_LOG       the log (in the temp dir) whose tail is shown when no start-up succeeded
#   SERVER_COMMANDS  the commands it accepts, each a function taking ENV_DIR
#   ENV_PREFIX       the env file's variable prefix (GRANTOR_TEST_PG_, GRANTOR_TEST_MYSQL_)
#   ADMIN_USER       the admin account the env file names
# and defines the hooks:
#   server_prepare DIR PASSWORD RUN   create the data dir with the admin user's PASSWORD
#   server_launch DIR PORT RUN        start on PORT; fails when it could not (port taken)
#   server_env_lines DIR              the env file's lines after _HOST/_PORT/_USER/_PASSWORD
#   server_kill DIR                   stop the server for good (its dir is removed after)
#   server_reload_tls ENV_DIR DIR     have the running server load <DIR>/tls/served.* again
# RUN is as_test_user_prefix's output: empty, or what runs a command as the test user.

# Creates the temp dir, prepares the server and starts it on a free port (a few tries), then
# writes the env file. With --tls (in SERVER_ARGS) the server also accepts TLS connections with
# the certificates of make_tls_material in <dir>/tls (plain connections stay possible, so that a
# client falling back to plain text would be seen), and the env file names that directory.
start() {
  local env_dir=$1 started_ms dir password port run
  started_ms=$(now_ms)
  stop "$env_dir" >/dev/null 2>&1 || true
  run=$(as_test_user_prefix)
  dir=$(make_server_dir "$SERVER_TMP_NAME")
  echo "dir=$dir" >"$env_dir/$SERVER_NAME.state"
  if [[ " ${SERVER_ARGS[*]-} " == *" --tls "* ]]; then make_tls_material "$dir/tls"; fi
  password=$(random_password)
  server_prepare "$dir" "$password" "$run"
  for _ in 1 2 3 4 5; do
    port=$(pick_free_port)
    if server_launch "$dir" "$port" "$run"; then
      write_env "$env_dir" "$port" "$password" "$dir"
      echo "$SERVER_NAME: 127.0.0.1:$port ready in $(($(now_ms) - started_ms)) ms (dir $dir)"
      return 0
    fi
  done
  tail -n 20 "$dir/$SERVER_LOG" >&2 || true
  return 1
}

# tls-cert ENV_DIR NAME: see use_served_cert.
tls_cert() { use_served_cert "$@"; }

# <ENV_DIR>/$SERVER_NAME.env, mode 0600, replaced atomically.
write_env() {
  local env_dir=$1 port=$2 password=$3 dir=$4
  (umask 077 && {
    echo "${ENV_PREFIX}HOST=127.0.0.1"
    echo "${ENV_PREFIX}PORT=$port"
    echo "${ENV_PREFIX}USER=$ADMIN_USER"
    echo "${ENV_PREFIX}PASSWORD=$password"
    server_env_lines "$dir"
    if [ -d "$dir/tls" ]; then echo "${ENV_PREFIX}TLS_DIR=$dir/tls"; fi
  } >"$env_dir/$SERVER_NAME.env.tmp")
  mv "$env_dir/$SERVER_NAME.env.tmp" "$env_dir/$SERVER_NAME.env"
}

# The temp dir that <ENV_DIR>/$SERVER_NAME.state names.
server_dir() { sed -n 's/^dir=//p' "$1/$SERVER_NAME.state" 2>/dev/null; }

# Stops the server named in the state file, removes its temp dir, the env and state files.
stop() {
  local env_dir=$1 dir=""
  [ -f "$env_dir/$SERVER_NAME.state" ] && dir=$(server_dir "$env_dir")
  rm -f "$env_dir/$SERVER_NAME.env" "$env_dir/$SERVER_NAME.state"
  [ -n "$dir" ] && [ -d "$dir" ] || return 0
  server_kill "$dir"
  rm -rf "$dir"
  echo "$SERVER_NAME: stopped, removed $dir"
}

# Runs command $1 of SERVER_COMMANDS on ENV_DIR $2; further arguments are in SERVER_ARGS (start
# --tls) and are passed on (tls-cert NAME).
server_main() {
  local cmd=${1:-} env_dir known
  env_dir=$(resolve_env_dir "${2:-}")
  SERVER_ARGS=("${@:3}")
  for known in $SERVER_COMMANDS; do
    if [ "$cmd" = "$known" ]; then
      "${cmd//-/_}" "$env_dir" "${@:3}"
      return
    fi
  done
  echo "usage: $0 {${SERVER_COMMANDS// /|}} [ENV_DIR] [--tls | CERT]" >&2
  return 2
}
