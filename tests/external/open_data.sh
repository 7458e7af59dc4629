#!/usr/bin/env bash
# The open data package judged by the Frictionless validator (PyPI `frictionless`): the
# running service publishes three units' reports (one named like a spreadsheet formula) and a
# project table in 元; the year's datapackage.json, budget.csv, scores.csv and projects.csv are
# downloaded as a portal would mirror them and validated together (schema,
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

# A project table of unit 200, its money in 元: the package has it in 万元.
json PUT /departments/200/evaluations/2021/projects/P-01 '{"name": "=HYPERLINK(1) 道路清扫",
  "contact": {"person": "张三", "phone": "0571-88888888"},
  "funding": {"amount_unit": "yuan", "total": {"initial": "1000000.00", "full_year": "1000000.00",
    "executed": "950000.00", "weight": "10", "stated_rate": "95", "stated_score": "9.5"}},
  "goals": {"indicators": [
    {"id": "1", "level1": "output", "level2": "数量", "name": "清扫面积", "target": "≥266万平方米", "weight": "50"},
    {"id": "2", "level1": "effect", "level2": "社会效益", "name": "道路整洁", "comparison": "qualitative", "target": "好", "weight": "30"},
    {"id": "3", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意度", "target": "≥90%", "weight": "10"}]},
  "results": {"indicators": [
    {"indicator_id": "1", "actual": "266万平方米", "self_score": "50"},
    {"indicator_id": "2", "actual": "好", "achievement": "achieved", "self_score": "30"},
    {"indicator_id": "3", "actual": "92%", "self_score": "10"}],
    "stated_total_score": "99.5", "stated_grade": "excellent"}}'
for action in submit accept publish; do
  curl -fs -o /dev/null -X POST "$BASE/api/v1/departments/200/evaluations/2021/projects/P-01/$action" \
    -H "Authorization: Bearer $TOKEN"
done

PACKAGE="$WORK/package"
mkdir -p "$PACKAGE"
for file in datapackage.json budget.csv scores.csv projects.csv; do
  curl -fs "$BASE/api/v1/public/open-data/2021/$file" -o "$PACKAGE/$file"
done
grep -q '区卫生健康局' "$PACKAGE/budget.csv" || { echo "budget.csv lacks a published unit"; exit 1; }
grep -q ',P-01,.*,100,100,95,' "$PACKAGE/projects.csv" || { echo "projects.csv lacks the published project in 万元"; cat "$PACKAGE/projects.csv"; exit 1; }
if grep -q '0571-88888888\|张三' "$PACKAGE/projects.csv"; then echo "projects.csv shows the contact"; exit 1; fi
for file in budget.csv scores.csv; do
  grep -q "\"'=SUM(1,2) 区审计局\"" "$PACKAGE/$file" || { echo "$file does not defuse a formula"; cat "$PACKAGE/$file"; exit 1; }
done
(cd "$PACKAGE" && "$VENV/bin/frictionless" validate datapackage.json)
echo "open data package valid"
