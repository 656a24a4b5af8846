#!/usr/bin/env bash
# Writes the binary seeds of two fuzz targets (the text seeds of the others are plain files):
#   corpus/daemon_frame/   daemon frames: 4-byte big-endian length + JSON body
#   corpus/jujuc_request/  jujuc payloads: fields of 4-byte big-endian length + bytes
#                          (context id, tool, cwd, stdin, args...; see jujuc_protocol.hpp)
# Run from anywhere: bash tests/fuzz/make_seeds.sh
set -euo pipefail
cd "$(dirname "$0")/corpus"

# The 4-byte big-endian encoding of $1.
u32() { printf "\\x$(printf %02x $(($1 >> 24 & 255)))\\x$(printf %02x $(($1 >> 16 & 255)))\\x$(printf %02x $(($1 >> 8 & 255)))\\x$(printf %02x $(($1 & 255)))"; }
frame() { u32 "$(printf '%s' "$1" | wc -c)"; printf '%s' "$1"; }
request() { local field; for field in "$@"; do frame "$field"; done; }

mkdir -p daemon_frame jujuc_request
hook_env='"JUJU_UNIT_NAME":"db/0","PATH":"/usr/bin"'
frame '{"op":"hook","env":{"JUJU_DISPATCH_PATH":"hooks/install",'"$hook_env"',"JUJU_MODEL_UUID":"u","JUJU_CHARM_DIR":"/c","JUJU_CONTEXT_ID":"db/0-install-1"}}' >daemon_frame/hook
frame '{"op":"hook","env":{"JUJU_DISPATCH_PATH":"hooks/database-relation-changed",'"$hook_env"',"JUJU_RELATION":"database","JUJU_RELATION_ID":"database:4","JUJU_REMOTE_APP":"app","JUJU_REMOTE_UNIT":"app/0"}}' >daemon_frame/hook-relation
frame '{"op":"hook","env":{"JUJU_DISPATCH_PATH":"actions/set-password",'"$hook_env"',"JUJU_ACTION_NAME":"set-password","JUJU_ACTION_UUID":"7"}}' >daemon_frame/action
{ frame '{"op":"ping"}'; frame '{"op":"shutdown"}'; } >daemon_frame/two-frames
frame '{"op":"hook","env":{"PATH":1}}' >daemon_frame/bad-env
frame '["op"]' >daemon_frame/array
printf '\xff\xff\xff\xff{}' >daemon_frame/oversize
printf '\x00\x00\x00\x10{"op"' >daemon_frame/incomplete

cd jujuc_request
request ctx relation-get /c '' --format=json -r database:4 --app - app >relation-get
request ctx relation-set /c $'database: shop\nextra-user-roles: "a\\0b"\ndatabase: dup' \
  -r database:4 --app --file - >relation-set-yaml
request ctx relation-set /c '{"k":"v","list":[1,2]}' -r 4 --file=- >relation-set-json
request ctx relation-set /c '' -r database:4 --app 'database=x";drop' 'requested-secrets=["a"]' >relation-set-args
request ctx secret-add /c 'pw-content' --label l --owner application 'password#file=f' 'user=u' \
  'b#base64=aGk=' >secret-add
request ctx secret-get /c '' --format=json secret:d0k5c0fq0000000000a0 --refresh >secret-get
request ctx secret-set /c '' secret:d0k5c0fq0000000000a0 --expire 2030-01-01T00:00:00Z 'password=q' >secret-set
request ctx secret-grant /c '' -r 4 --unit app/0 d0k5c0fq0000000000a0 >secret-grant
request ctx secret-info-get /c '' --label database.4.user --format=json >secret-info-get
request ctx secret-remove /c '' d0k5c0fq0000000000a0 --revision 1 >secret-remove
request ctx state-set /c $'a: b\nc: [1]' --file - 'x=y' >state-set
request ctx action-set /c '' 'a.b.c=1' 'a.b=2' 'credentials.password=p' >action-set
request ctx action-get /c '' username --format=json >action-get
request ctx status-set /c '' --application=True blocked -- 'relation database:4: bad' >status-set
request ctx config-get /c '' port --format=yaml >config-get
request ctx juju-log /c '' --log-level WARNING -- 'message' >juju-log
request ctx relation-ids /c '' database --format=json >relation-ids
request ctx relation-list /c '' -r 4 --app >relation-list
request ctx network-get /c '' database --ingress-address >network-get
request ctx open-port /c '' 5432/tcp >open-port
request ctx is-leader /c '' --format=smart >is-leader
request 0 nonexistent /c '' >unknown
request 2 out '' >response  # also a valid response payload: exit code, stdout, stderr
