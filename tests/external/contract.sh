#!/usr/bin/env bash
# The API contract, judged by tools the project did not write, against the running service:
#   1. openapi-spec-validator: openapi/openapi.json is valid OpenAPI 3.1;
#   2. openapi-python-client: a client generated from it, used as generated (no patch),
#      logs in, registers the seed's unit, posts the seed report, reads it back equal, and
#      reads findings, score and a table (tests/external/client_flow.py, with no hand-written
#      model); openapi-typescript: types generated from it, with a short flow using them
#      (tests/external/client_flow.ts), compiled by `tsc --strict` and run with node (both
#      pinned, installed with npm into the run's own directory);
#   3. schemathesis: every operation fuzzed from the document with a unit's token, then with
#      an administrator's, with every check (no 5xx, no undocumented status or content type,
#      every answer valid against its schema, valid requests accepted, invalid ones refused,
#      authentication enforced). Bounded by --max-time per run.
# Steps 2 and 3 run twice: against the binary `cargo test` builds (PERFEVAL_BIN to use
# another) on a SQLite file of its own, then against a second server on a fresh PostgreSQL
# database that the script creates and drops (CONTRACT_PG_URL names the server's maintenance
# database, by default the local postgres://postgres:postgres@127.0.0.1:5432/postgres;
# CONTRACT_DATABASES="sqlite" leaves PostgreSQL out). Some faults show on one database only:
# PostgreSQL refuses a NUL in a text that SQLite stores. Each run's fuzzing is bounded by
# CONTRACT_FUZZ_SECONDS per role. The Python tools live in a virtual environment under
# target/ (PERFEVAL_VENV).
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${PERFEVAL_BIN:-target/debug/perfeval}
VENV=${PERFEVAL_VENV:-target/venv}
FUZZ_SECONDS=${CONTRACT_FUZZ_SECONDS:-90}
# schemathesis 4.32.5's coverage phase sends `If-Match: 0` as a valid value of a header whose
# pattern (`*` or a quoted version) it does not satisfy, and counts the 400 against the service;
# its fuzzing and stateful phases generate that header from the pattern.
PHASES=${CONTRACT_PHASES:-examples,fuzzing,stateful}
DATABASES=${CONTRACT_DATABASES:-sqlite postgres}
PG_URL=${CONTRACT_PG_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}
# A database of this run's own on the PostgreSQL server, dropped at the end.
PG_DATABASE=perfeval_contract_$$
WORK=$(mktemp -d)
SERVER_PID=
PG_CREATED=
stop_server() {
  if [ -n "$SERVER_PID" ]; then
    kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    SERVER_PID=
  fi
  return 0
}
cleanup() {
  stop_server
  if [ -n "$PG_CREATED" ]; then
    psql "$PG_URL" -qc "DROP DATABASE IF EXISTS $PG_DATABASE WITH (FORCE)" >/dev/null 2>&1 || true
  fi
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

echo "--- openapi-python-client"
# The generator's own setting for media types it does not know: the XLSX workbooks come as
# bytes (File), a CSV sent or answered alone (the indicator library) as bytes, and the SVG charts
# as text, so that every operation is generated with its answer.
cat >"$WORK/generator.yaml" <<'YAML'
post_hooks: []
content_type_overrides:
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  image/svg+xml: text/plain
  text/csv: application/octet-stream
YAML
"$VENV/bin/openapi-python-client" generate --path openapi/openapi.json --meta none \
  --config "$WORK/generator.yaml" --output-path "$WORK/perfeval_client" >"$WORK/generate.log" 2>&1 \
  || { cat "$WORK/generate.log"; exit 1; }
if grep -q '^WARNING' "$WORK/generate.log"; then
  cat "$WORK/generate.log"
  echo "openapi-python-client left something out of the client"
  exit 1
fi

echo "--- openapi-typescript and tsc --strict"
# Pinned, installed into a directory of this run only, each step bounded in time.
TS_DIR="$WORK/typescript"
mkdir -p "$TS_DIR"
(cd "$TS_DIR" && printf '{"private": true}\n' >package.json &&
  timeout 300 npm install --silent --no-audit --no-fund --ignore-scripts \
    openapi-typescript@7.13.0 typescript@5.9.3 >/dev/null)
timeout 120 "$TS_DIR/node_modules/.bin/openapi-typescript" openapi/openapi.json \
  --output "$TS_DIR/perfeval.ts" >"$WORK/typescript.log" 2>&1 || { cat "$WORK/typescript.log"; exit 1; }
cp tests/external/client_flow.ts "$TS_DIR/"
timeout 120 "$TS_DIR/node_modules/.bin/tsc" --strict --noEmitOnError --target es2022 \
  --module commonjs --lib es2022,dom --outDir "$TS_DIR/out" \
  "$TS_DIR/perfeval.ts" "$TS_DIR/client_flow.ts"

# A token for a user of the server at $BASE.
token() {
  local answer
  answer=$(curl -s -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}")
  printf '%s' "$answer" | "$VENV/bin/python" -c 'import json, sys; print(json.load(sys.stdin)["access_token"])' ||
    { echo "login of $1 failed: $answer" >&2; exit 1; }
}

# Fuzzes the server at $BASE (of the run `db`) as `name` with `token` for `seconds`.
fuzz() {
  local name=$1 token=$2 seconds=$3
  shift 3
  echo "--- schemathesis as $name on $db (${seconds} s)"
  if ! "$VENV/bin/schemathesis" --config-file tests/external/schemathesis.toml run "$BASE/api/v1/openapi.json" --url "$BASE" \
      -H "Authorization: Bearer $token" --checks all --max-examples 25 --max-time "$seconds" \
      --seed 20211231 --generation-database none --no-color --output-truncate true \
      --request-timeout 20 --phases "$PHASES" "$@" >"$WORK/schemathesis-$db-$name.log" 2>&1; then
    cat "$WORK/schemathesis-$db-$name.log"
    echo "schemathesis found failures as $name on $db (server log below)"
    tail -n 50 "$WORK/server-$db.log"
    exit 1
  fi
  sed -n '/= SUMMARY =/,$p' "$WORK/schemathesis-$db-$name.log"
}

# Starts the service on `database_url`, then runs the generated client's flow and the fuzzing
# against it; `db` names the run in the output.
check_on() {
  local db=$1 database_url=$2
  PORT=$("$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  BASE=http://127.0.0.1:$PORT
  ADMIN_PASSWORD=contract-admin-password
  JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
  PERFEVAL_ADMIN_PASSWORD=$ADMIN_PASSWORD DATABASE_URL="$database_url" \
  PERFEVAL_BIND=127.0.0.1:$PORT RUST_LOG=warn \
    "$BIN" serve >"$WORK/server-$db.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server-$db.log"; exit 1; }

  echo "--- the generated clients on $db"
  PYTHONPATH="$WORK" "$VENV/bin/python" tests/external/client_flow.py "$BASE" "$ADMIN_PASSWORD" \
    tests/fixtures/kaifu-2021-government-office
  timeout 60 node "$TS_DIR/out/client_flow.js" "$BASE" "$ADMIN_PASSWORD"

  ADMIN=$(token admin "$ADMIN_PASSWORD")
  for user in 'fuzz.admin admin' 'fuzz.unit unit'; do
    set -- $user
    body="{\"username\": \"$1\", \"password\": \"$1-password\", \"role\": \"$2\""
    [ "$2" = unit ] && body="$body, \"department\": \"101001\""
    curl -fs -o /dev/null -X POST "$BASE/api/v1/users" -H "Authorization: Bearer $ADMIN" \
      -H 'Content-Type: application/json' -d "$body}"
  done

  # Every token is taken before the fuzzing: fuzzed logins soon reach the limit of failed logins
  # from one address (127.0.0.1), after which a login from here is refused for minutes.
  UNIT_TOKEN=$(token fuzz.unit fuzz.unit-password)
  ADMIN_TOKEN=$(token fuzz.admin fuzz.admin-password)
  fuzz unit "$UNIT_TOKEN" "$FUZZ_SECONDS"
  # A fuzzed PATCH of a user may disable or re-password the caller itself, which ends its token:
  # that operation runs last, on its own.
  fuzz admin "$ADMIN_TOKEN" "$FUZZ_SECONDS" --exclude-operation-id update_user
  fuzz admin-users "$ADMIN_TOKEN" 20 --include-operation-id update_user
  stop_server
}

for db in $DATABASES; do
  case $db in
    sqlite) check_on sqlite "$WORK/contract.db" ;;
    postgres)
      psql "$PG_URL" -qc "CREATE DATABASE $PG_DATABASE" >/dev/null
      PG_CREATED=1
      check_on postgres "${PG_URL%/*}/$PG_DATABASE"
      psql "$PG_URL" -qc "DROP DATABASE $PG_DATABASE WITH (FORCE)" >/dev/null
      PG_CREATED=
      ;;
    *) echo "unknown database in CONTRACT_DATABASES: $db" >&2; exit 2 ;;
  esac
done
echo "contract checks passed"
