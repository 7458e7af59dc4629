#!/usr/bin/env bash
# The benchmark, in one command from a clean checkout: builds the release binary, installs wrk
# (Debian package) and Datasette (PyPI, in a virtual environment under target/) when they are
# missing, then measures perfeval on SQLite and on PostgreSQL at 1,000, 10,000 and 100,000 units
# beside Datasette on the same SQLite file — reads, writes, exports, and a collection day (16
# writers beside 16 readers of the units table) — and writes docs/benchmarks.md.
#
#   bench/run.sh
#
# With 20 project tables per unit (BENCH_PROJECTS, 0 for none), 100,000 units are 2,000,000
# project tables, measured beside the departmental figures in the same run.
#
# BENCH_SIZES (default "1000 10000 100000"), BENCH_SECONDS (each wrk run, default 5) and
# BENCH_POSTGRES_URL (a server where a database of its own is made per size; default the local
# postgres://postgres:postgres@127.0.0.1:5432/postgres, and PostgreSQL is skipped when it does
# not answer) change the run.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! command -v wrk >/dev/null; then
    if [ "$(id -u)" = 0 ]; then apt-get install -y wrk >/dev/null; else sudo apt-get install -y wrk >/dev/null; fi
fi
venv="$root/target/bench-venv"
if [ ! -x "$venv/bin/datasette" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet datasette
fi

cargo build --release --quiet
exec python3 "$root/bench/drive.py" \
    --binary "$root/target/release/perfeval" \
    --datasette "$venv/bin/datasette" \
    --work "$root/target/bench" \
    --output "$root/docs/benchmarks.md" \
    --sizes "${BENCH_SIZES:-1000 10000 100000}" \
    --seconds "${BENCH_SECONDS:-5}" \
    --projects "${BENCH_PROJECTS:-20}" \
    --postgres "${BENCH_POSTGRES_URL:-postgres://postgres:postgres@127.0.0.1:5432/postgres}"
