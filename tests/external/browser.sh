#!/usr/bin/env bash
# The published pages in a real browser: headless Chromium (Debian's package) loads, from the
# running service, the seed's report page (with two indicators added) and the execution rate
# chart of a published report; checks the six headings, the budget table and the indicator
# table, the chart, and, from Chromium's net log, that the pages make no request outside the
# service. Screenshots are kept under target/browser/ (BROWSER_ARTIFACTS to put them elsewhere).
# The report page needs a token: a small proxy (auth_proxy.py) adds it, so the browser talks
# to one origin only.
set -euo pipefail
cd "$(dirname "$0")/../.."

BIN=${PERFEVAL_BIN:-${CARGO_TARGET_DIR:-target}/debug/perfeval}
OUT=${BROWSER_ARTIFACTS:-target/browser}
mkdir -p "$OUT"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  CHROMIUM=$(command -v chromium)
fi
# The screenshots are for people: without a CJK font the text would be boxes.
if ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  echo "installing fonts-noto-cjk"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-noto-cjk >/dev/null
fi

WORK=$(mktemp -d)
PIDS=()
cleanup() {
  local status=$?
  set +e
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  [ "${KEEP_NETLOG:-}" ] && cp "$WORK"/*.netlog.json "$OUT"/ 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
trap cleanup EXIT

source tests/external/serve.sh
start_server browser
PIDS+=("$SERVER_PID")
call() {
  local method=$1 path=$2
  shift 2
  curl -fs -o /dev/null -X "$method" "$BASE/api/v1$path" -H "Authorization: Bearer $TOKEN" "$@"
}
json() { call "$1" "$2" -H 'Content-Type: application/json' -d "$3"; }

SEED=tests/fixtures/kaifu-2021-government-office
call POST /departments -H 'Content-Type: application/json' -d @"$SEED/department.json"
call PUT /departments/101001/evaluations/2021 -H 'Content-Type: application/json' -d @"$SEED/report.json"
GOALS=$(python3 - "$SEED/report.json" <<'PY'
import json, sys
goals = json.load(open(sys.argv[1], encoding="utf-8"))["goals"]
goals["indicators"] = [
    {"id": "o", "level1": "output", "level2": "数量", "name": "办理文件", "unit": "件",
     "comparison": "at_least", "target": "6000", "weight": "50"},
    {"id": "s", "level1": "satisfaction", "level2": "服务对象满意度", "name": "群众满意率", "unit": "%",
     "comparison": "at_least", "target": "90", "weight": "10"},
]
print(json.dumps(goals, ensure_ascii=False))
PY
)
json PUT /departments/101001/evaluations/2021/goals "$GOALS"
json PUT /departments/101001/evaluations/2021/results \
  '{"indicators": [{"indicator_id": "o", "actual": "6205", "self_score": "50"}, {"indicator_id": "s", "actual": "90.9", "self_score": "10"}]}'

json POST /departments '{"code": "100", "name": "区教育局", "kind": "administrative"}'
json PUT /departments/100/evaluations/2021 '{"budget": {"total": {"initial": "1000", "adjusted": "1000", "executed": "950"}}}'
for action in submit accept publish; do call POST "/departments/100/evaluations/2021/$action"; done

PROXY_PORT=$(free_port)
PROXY=http://127.0.0.1:$PROXY_PORT
python3 tests/external/auth_proxy.py "$PROXY_PORT" "$BASE" "$TOKEN" &
PIDS+=($!)
for _ in $(seq 1 50); do curl -fs "$PROXY/readyz" >/dev/null 2>&1 && break; sleep 0.2; done

browse() {
  local name=$1 url=$2
  local flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-sync
    --disable-background-networking --disable-component-update --disable-default-apps
    --disable-domain-reliability --disable-features=Translate,OptimizationHints,MediaRouter
    --user-data-dir="$WORK/profile-$name")
  timeout 90 "$CHROMIUM" "${flags[@]}" --log-net-log="$WORK/$name.netlog.json" \
    --dump-dom "$url" >"$WORK/$name.html" 2>"$WORK/$name.chromium.log"
  timeout 90 "$CHROMIUM" "${flags[@]}" --window-size=1240,1754 \
    --screenshot="$OUT/$name.png" "$url" >/dev/null 2>>"$WORK/$name.chromium.log"
  python3 tests/external/browser_check.py "$name" "$WORK/$name.html" "$WORK/$name.netlog.json" "$PROXY"
}
browse report "$PROXY/api/v1/departments/101001/evaluations/2021/report"
browse chart "$PROXY/api/v1/public/charts/execution-rates?year=2021"
echo "browser checks passed; screenshots in $OUT"
