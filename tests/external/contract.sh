#!/usr/bin/env bash
# The API contract, judged by tools the project did not write, against the running service:
#   1. openapi-spec-validator: openapi/openapi.json is valid OpenAPI 3.1;
#   2. openapi-python-client: a client generated from it logs in, registers the seed's unit,
#      posts the seed report, reads it back equal, and reads findings, score and a table
#      (tests/external/client_flow.py, with no hand-written model);
#   3. schemathesis: every operation fuzzed from the document with a unit's token, then with
#      an administrator's, with every check (no 5xx, no undocumented status or content type,
#      every answer valid against its schema, valid requests accepted, invalid ones refused,
#      authentication enforced). Bounded by --max-time per run.
# Runs the binary `cargo test` builds (PERFEVAL_BIN to use another) on a SQLite file of its
# own; the Python tools live in a virtual environment under target/ (PERFEVAL_VENV).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${PERFEVAL_BIN:-target/debug/perfeval}
VENV=${PERFEVAL_VENV:-target/venv}
FUZZ_SECONDS=${CONTRACT_FUZZ_SECONDS:-90}
# schemathesis 4.32.5's coverage phase sends `If-Match: 0` as a valid value of a header whose
# pattern (`*` or a quoted version) it does not satisfy, and counts the 400 against the service;
# its fuzzing and stateful phases generate that header from the pattern.
PHASES=${CONTRACT_PHASES:-examples,fuzzing,stateful}
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

if [ ! -x "$VENV/bin/schemathesis" ] || [ ! -x "$VENV/bin/openapi-python-client" ]; then
  echo "installing the contract tools into $VENV"
  python3 -m venv "$VENV" 2>/dev/null || {
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$VENV"
  }
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    schemathesis==4.32.5 openapi-python-client==0.29.1 openapi-spec-validator==0.9.0
fi

echo "--- openapi-spec-validator"
"$VENV/bin/openapi-spec-validator" openapi/openapi.json

PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
ADMIN_PASSWORD=contract-admin-password
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
PERFEVAL_ADMIN_PASSWORD=$ADMIN_PASSWORD DATABASE_URL="$WORK/contract.db" \
PERFEVAL_BIND=127.0.0.1:$PORT RUST_LOG=warn \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server.log"; exit 1; }

echo "--- openapi-python-client"
cat >"$WORK/generator.yaml" <<'YAML'
post_hooks: []
YAML
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json --meta none \
  --config "$WORK/generator.yaml" --output-path "$WORK/perfeval_client" >"$WORK/generate.log" 2>&1 \
  || { cat "$WORK/generate.log"; exit 1; }
# openapi-python-client 0.29.1 annotates an operation that takes two body types (the token
# request: JSON or the OAuth 2.0 form) with `Unset` without importing it (upstream issue 1451).
for module in "$WORK"/perfeval_client/api/*/*.py; do
  if grep -q '| Unset = UNSET' "$module" && ! grep -q 'import.*\bUnset\b' "$module"; then
    sed -i 's/^from \.\.\.types import Response, UNSET$/from ...types import Response, UNSET, Unset/' "$module"
  fi
done
PYTHONPATH="$WORK" "$VENV/bin/python" tests/external/client_flow.py "$BASE" "$ADMIN_PASSWORD" \
  tests/fixtures/kaifu-2021-government-office

token() {
  local answer
  answer=$(curl -s -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}")
  printf '%s' "$answer" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' ||
    { echo "login of $1 failed: $answer" >&2; exit 1; }
}
ADMIN=$(token admin "$ADMIN_PASSWORD")
for user in 'fuzz.admin admin' 'fuzz.unit unit'; do
  set -- $user
  body="{\"username\": \"$1\", \"password\": \"$1-password\", \"role\": \"$2\""
  [ "$2" = unit ] && body="$body, \"department\": \"101001\""
  curl -fs -o /dev/null -X POST "$BASE/api/v1/users" -H "Authorization: Bearer $ADMIN" \
    -H 'Content-Type: application/json' -d "$body}"
done

fuzz() {
  local name=$1 token=$2 seconds=$3
  shift 3
  echo "--- schemathesis as $name (${seconds} s)"
  if ! "$VENV/bin/schemathesis" --config-file tests/external/schemathesis.toml run "$BASE/api/v1/openapi.json" --url "$BASE" \
      -H "Authorization: Bearer $token" --checks all --max-examples 25 --max-time "$seconds" \
      --seed 20211231 --generation-database none --no-color --output-truncate true \
      --request-timeout 20 --phases "$PHASES" "$@" >"$WORK/schemathesis-$name.log" 2>&1; then
    cat "$WORK/schemathesis-$name.log"
    echo "schemathesis found failures as $name (server log below)"
    tail -n 50 "$WORK/server.log"
    exit 1
  fi
  sed -n '/= SUMMARY =/,$p' "$WORK/schemathesis-$name.log"
}
# Every token is taken before the fuzzing: fuzzed logins soon reach the limit of failed logins
# from one address (127.0.0.1), after which a login from here is refused for minutes.
UNIT_TOKEN=$(token fuzz.unit fuzz.unit-password)
ADMIN_TOKEN=$(token fuzz.admin fuzz.admin-password)
fuzz unit "$UNIT_TOKEN" "$FUZZ_SECONDS"
# A fuzzed PATCH of a user may disable or re-password the caller itself, which ends its token:
# that operation runs last, on its own.
fuzz admin "$ADMIN_TOKEN" "$FUZZ_SECONDS" --exclude-operation-id update_user
fuzz admin-users "$ADMIN_TOKEN" 20 --include-operation-id update_user
echo "contract checks passed"
