#!/usr/bin/env bash
# The self-evaluation table through LibreOffice, as a clerk without Excel sends it: for every
# departmental fixture (tests/fixtures/*/ with a department.json), the running service's
# form.xlsx is opened and saved again by LibreOffice Calc (`soffice --headless --convert-to
# xlsx`, which rewrites the whole file: its own styles, shared strings, recalculated
# formulas) and posted back; the answer must be 200 with the same version, and the stored
# report the fixture as posted; then every project fixture's table (…/projects/{project}/form.xlsx)
# the same way. Debian's libreoffice-calc is installed when soffice is missing.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${PERFEVAL_BIN:-${CARGO_TARGET_DIR:-target}/debug/perfeval}
if ! command -v soffice >/dev/null; then
  echo "installing libreoffice-calc"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive timeout 900 apt-get install -y -qq libreoffice-calc >/dev/null
fi

source tests/external/serve.sh
work_dir_removed_on_exit
start_server libreoffice
XLSX=application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
api() { curl -s -H "Authorization: Bearer $TOKEN" "$@"; }

# Opens $WORK/$1.xlsx in LibreOffice and saves it again as $WORK/resaved/$1.xlsx, with a
# profile of its own, so that no other LibreOffice's lock or settings interfere.
resave() {
  mkdir -p "$WORK/resaved"
  timeout 120 soffice --headless --norestore -env:UserInstallation="file://$WORK/profile" \
    --convert-to xlsx --outdir "$WORK/resaved" "$WORK/$1.xlsx" >"$WORK/soffice.log" 2>&1 ||
    { cat "$WORK/soffice.log"; exit 1; }
  [ -s "$WORK/resaved/$1.xlsx" ] || { echo "$1: LibreOffice wrote nothing"; cat "$WORK/soffice.log"; exit 1; }
}

checked=0
for dir in tests/fixtures/*/; do
  [ -f "$dir/department.json" ] && [ -f "$dir/report.json" ] || continue
  name=$(basename "$dir")
  year=$(grep -o -m1 '[0-9]\{4\}' <<<"$name")
  code=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["code"])' "$dir/department.json")
  path=$BASE/api/v1/departments/$code/evaluations/$year
  api -f -o /dev/null -X POST "$BASE/api/v1/departments" \
    -H 'Content-Type: application/json' -d @"$dir/department.json"
  api -f -o "$WORK/stored.json" -X PUT "$path" -H 'Content-Type: application/json' -d @"$dir/report.json"
  api -f -o "$WORK/$name.xlsx" "$path/form.xlsx"
  resave "$name"
  status=$(api -o "$WORK/answer.json" -w '%{http_code}' -X POST "$path/form" \
    -H "Content-Type: $XLSX" --data-binary @"$WORK/resaved/$name.xlsx")
  if [ "$status" != 200 ]; then
    echo "$name: the table re-saved by LibreOffice answered $status"
    cat "$WORK/answer.json"
    exit 1
  fi
  api -f -o "$WORK/read.json" "$path"
  python3 - "$name" "$dir/report.json" "$WORK/stored.json" "$WORK/answer.json" "$WORK/read.json" <<'PY'
import json, sys
name, fixture, stored, answer, read = sys.argv[1:]
load = lambda path: json.load(open(path, encoding="utf-8"))
version = load(stored)["version"]
assert load(answer)["version"] == version, f"{name}: a new version {load(answer)['version']}"
assert load(answer)["unreadable"] == [], f"{name}: unreadable {load(answer)['unreadable']}"
assert load(read)["report"] == load(fixture), f"{name}: the report changed: {json.dumps(load(read)['report'], ensure_ascii=False)}"
PY
  echo "$name: re-saved by LibreOffice, read back unchanged"
  checked=$((checked + 1))
done
# Every departmental report among the fixtures (the project tables are another kind).
[ "$checked" -ge 4 ] || { echo "only $checked departmental fixtures"; exit 1; }

# The project tables (项目支出绩效自评表) the same way: downloaded, re-saved, sent back as they
# are, and read back unchanged. Two fixtures may be of one unit: its second creation is 409.
projects=0
for dir in tests/fixtures/*/; do
  [ -f "$dir/department.json" ] && [ -f "$dir/project.json" ] || continue
  name=$(basename "$dir")
  year=$(grep -o -m1 '[0-9]\{4\}' <<<"$name")
  code=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["code"])' "$dir/department.json")
  path=$BASE/api/v1/departments/$code/evaluations/$year/projects/P-$projects
  api -o /dev/null -X POST "$BASE/api/v1/departments" \
    -H 'Content-Type: application/json' -d @"$dir/department.json"
  api -f -o "$WORK/stored.json" -X PUT "$path" -H 'Content-Type: application/json' -d @"$dir/project.json"
  api -f -o "$WORK/$name.xlsx" "$path/form.xlsx"
  resave "$name"
  status=$(api -o "$WORK/answer.json" -w '%{http_code}' -X PUT "$path/form.xlsx" \
    -H "Content-Type: $XLSX" --data-binary @"$WORK/resaved/$name.xlsx")
  if [ "$status" != 200 ]; then
    echo "$name: the project table re-saved by LibreOffice answered $status"
    cat "$WORK/answer.json"
    exit 1
  fi
  api -f -o "$WORK/read.json" "$path"
  python3 - "$name" "$dir/project.json" "$WORK/stored.json" "$WORK/answer.json" "$WORK/read.json" <<'PY'
import json, sys
name, fixture, stored, answer, read = sys.argv[1:]
load = lambda path: json.load(open(path, encoding="utf-8"))
version = load(stored)["version"]
assert load(answer)["version"] == version, f"{name}: a new version {load(answer)['version']}"
assert load(answer)["unreadable"] == [], f"{name}: unreadable {load(answer)['unreadable']}"
assert load(read)["table"] == load(fixture), f"{name}: the table changed: {json.dumps(load(read)['table'], ensure_ascii=False)}"
PY
  echo "$name: project table re-saved by LibreOffice, read back unchanged"
  projects=$((projects + 1))
done
[ "$projects" -ge 9 ] || { echo "only $projects project fixtures"; exit 1; }
