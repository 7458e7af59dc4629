#!/usr/bin/env bash
# The open data package judged by the Frictionless validator (PyPI `frictionless`): the
# running service publishes three units' reports (one named like a spreadsheet formula); the year's datapackage.json, budget.csv and
# scores.csv are downloaded as a portal would mirror them and validated together (schema,
# types, primary keys). The validator lives in a virtual environment under target/
# (PERFEVAL_OPENDATA_VENV), installed when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${PERFEVAL_BIN:-${CARGO_TARGET_DIR:-target}/debug/perfeval}
VENV=$(realpath -m "${PERFEVAL_OPENDATA_VENV:-target/venv-opendata}")
if [ ! -x "$VENV/bin/frictionless" ]; then
  echo "installing frictionless into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check frictionless==5.21.0
fi

WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  local status=$?
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
BASE=http://127.0.0.1:$PORT
ADMIN_PASSWORD=open-data-admin-password
JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
PERFEVAL_ADMIN_PASSWORD=$ADMIN_PASSWORD DATABASE_URL="$WORK/open-data.db" \
PERFEVAL_BIND=127.0.0.1:$PORT RUST_LOG=warn \
  "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server.log"; exit 1; }

TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
  -d "{\"username\": \"admin\", \"password\": \"$ADMIN_PASSWORD\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
json() {
  curl -fs -o /dev/null -X "$1" "$BASE/api/v1$2" -H "Authorization: Bearer $TOKEN" \
    -H 'Content-Type: application/json' -d "$3"
}
publish() {
  local code=$1 name=$2 report=$3
  json POST /departments "{\"code\": \"$code\", \"name\": \"$name\", \"kind\": \"administrative\"}"
  json PUT "/departments/$code/evaluations/2021" "$report"
  for action in submit accept publish; do
    curl -fs -o /dev/null -X POST "$BASE/api/v1/departments/$code/evaluations/2021/$action" \
      -H "Authorization: Bearer $TOKEN"
  done
}
publish 100 区教育局 '{"budget": {"total": {"initial": "1000", "adjusted": "1000", "executed": "950"}}}'
publish 200 "区卫生健康局, 机关" '{"budget": {
  "basic": {"amounts": {"initial": "600.50", "adjusted": "610", "executed": "600"}},
  "projects": {"amounts": {"initial": "400", "adjusted": "390", "executed": "370.25"}}}}'
# A name a spreadsheet would take for a formula: written defused (a leading `'`), and the
# package must still validate, its number columns numbers.
publish 300 "=SUM(1,2) 区审计局" '{"budget": {"total": {"initial": "80", "adjusted": "80", "executed": "79.5"}}}'

PACKAGE="$WORK/package"
mkdir -p "$PACKAGE"
for file in datapackage.json budget.csv scores.csv; do
  curl -fs "$BASE/api/v1/public/open-data/2021/$file" -o "$PACKAGE/$file"
done
grep -q '区卫生健康局' "$PACKAGE/budget.csv" || { echo "budget.csv lacks a published unit"; exit 1; }
for file in budget.csv scores.csv; do
  grep -q "\"'=SUM(1,2) 区审计局\"" "$PACKAGE/$file" || { echo "$file does not defuse a formula"; cat "$PACKAGE/$file"; exit 1; }
done
(cd "$PACKAGE" && "$VENV/bin/frictionless" validate datapackage.json)
echo "open data package valid"
