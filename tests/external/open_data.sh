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

source tests/external/serve.sh
work_dir_removed_on_exit
start_server open-data
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
