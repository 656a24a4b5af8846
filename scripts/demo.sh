#!/usr/bin/env bash
# The README's demo: installs what is missing, builds, starts a throwaway PostgreSQL 15 server
# (as a non-root user, in a temporary directory), and tells the story a Juju user cares about on
# grantor's local model: integrate -> credentials and a real login; remove-relation -> the same
# login refused; integrate again -> a new user and password that still reach the data; the
# charm's own password rotation; another application refused the first one's database;
# credentials for an application outside Juju. Cleans up after.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash scripts/install-deps.sh
echo "== building grantor (first build takes a few minutes)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target grantor-model charms >/dev/null

work=$(mktemp -d /tmp/grantor-demo.XXXXXX)
cleanup() {
  bash tests/servers/postgres.sh stop "$work" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
bash tests/servers/postgres.sh start "$work"
# shellcheck disable=SC1091
. "$work/postgres.env"

export GRANTOR_MODEL_DIR=$work/model
juju() { "$root/build/src/app/grantor-model" "$@"; }
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
show() { printf '$ juju %s\n' "$*"; juju "$@"; }
field() { sed -n "s/^ *$1: //p"; }
# Logs in as a client would; the password goes through the environment, never argv.
login() {
  local user=$1 password=$2 database=$3 sql=$4
  PGPASSWORD=$password psql -X -q -h "$GRANTOR_TEST_PG_HOST" -p "$GRANTOR_TEST_PG_PORT" \
    -U "$user" -d "$database" -v ON_ERROR_STOP=1 -c "$sql"
}

say "1. Deploy grantor-postgresql against the server, with admin credentials in a Juju secret"
(umask 077 && printf '%s' "$GRANTOR_TEST_PG_PASSWORD" >"$work/admin-password")
show deploy build/charms/grantor-postgresql postgresql \
  --config host="$GRANTOR_TEST_PG_HOST" --config port="$GRANTOR_TEST_PG_PORT"
secret=$(juju add-secret pg-admin username="$GRANTOR_TEST_PG_USER" "password#file=$work/admin-password")
echo "$ juju add-secret pg-admin username=$GRANTOR_TEST_PG_USER password#file=...   -> $secret"
show grant-secret pg-admin postgresql
show config postgresql admin-credentials="$secret"
show status
say "   The admin account is needed to set the charm up only: remove it (recommended)"
show config postgresql admin-credentials=
show status

say "2. juju integrate: the application gets its own user, password and database"
show deploy tests/charms/demo-app myapp --config database=shop
show integrate myapp postgresql:database
show status
creds=$(juju run myapp/0 show-credentials 2>/dev/null)
printf '$ juju run myapp/0 show-credentials\n%s\n' "$creds"
user=$(field username <<<"$creds") password=$(field password <<<"$creds")
say "   a real login with them:"
login "$user" "$password" shop \
  "CREATE TABLE orders (id int, item text); INSERT INTO orders VALUES (1, 'coffee');
   SELECT current_user AS acting_as, session_user AS logged_in_as, count(*) AS orders FROM orders;"

say "3. juju remove-relation: that user is gone, the same login is refused"
show remove-relation myapp postgresql
if login "$user" "$password" shop "SELECT 1" 2>"$work/refused"; then
  echo "UNEXPECTED: the old credentials still log in"; exit 1
fi
sed 's/^/   refused: /' "$work/refused"

say "4. juju integrate again: a new user and password, and the data is still there"
show integrate myapp postgresql:database
creds2=$(juju run myapp/0 show-credentials 2>/dev/null)
printf '$ juju run myapp/0 show-credentials\n%s\n' "$creds2"
user2=$(field username <<<"$creds2") password2=$(field password <<<"$creds2")
[ "$user2" != "$user" ] && [ "$password2" != "$password" ] || { echo "UNEXPECTED: same credentials"; exit 1; }
login "$user2" "$password2" shop "INSERT INTO orders VALUES (2, 'tea'); SELECT * FROM orders ORDER BY id;"

say "5. Another application cannot take myapp's database by naming it"
show deploy tests/charms/demo-app intruder --config database=shop
show integrate intruder postgresql:database
show status
show remove-relation intruder postgresql

say "6. The charm's own internal user: set-password rotates it; get-password shows it only when allowed"
show run postgresql/leader set-password
show run postgresql/leader get-password || true
show run postgresql/leader set-password password=short || true

say "7. An application outside Juju: data-integrator"
show deploy build/charms/grantor-data-integrator data-integrator --config database-name=analytics
show integrate data-integrator postgresql
di=$(juju run data-integrator/leader get-credentials 2>/dev/null)
printf '$ juju run data-integrator/leader get-credentials\n%s\n' "$di"
login "$(field username <<<"$di")" "$(field password <<<"$di")" analytics \
  "SELECT 'logged in from outside Juju as ' || session_user AS result;"
show status

say "Done: the model and the server are removed."
