# Sourced by the external checks: `start_server NAME` starts the service built at $BIN on a
# free port with a SQLite file of its own under $WORK, waits until it is ready (its log is
# shown when it is not), and sets BASE, TOKEN (the administrator's) and SERVER_PID, which
# the caller stops in its cleanup. `work_dir_removed_on_exit` makes $WORK and that cleanup
# for a check with nothing else to clean.

free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

start_server() {
  local name=$1 password="$1-admin-password" port
  port=$(free_port)
  BASE=http://127.0.0.1:$port
  JWT_SECRET=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
  PERFEVAL_ADMIN_PASSWORD=$password DATABASE_URL="$WORK/$name.db" \
  PERFEVAL_BIND=127.0.0.1:$port RUST_LOG=warn \
    "$BIN" serve >"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 1 50); do curl -fs "$BASE/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  curl -fs "$BASE/readyz" >/dev/null || { cat "$WORK/server.log"; exit 1; }
  TOKEN=$(curl -fs -X POST "$BASE/api/v1/auth/token" -H 'Content-Type: application/json' \
    -d "{\"username\": \"admin\", \"password\": \"$password\"}" |
    python3 -c 'import json, sys; print(json.load(sys.stdin)["access_token"])')
}

work_dir_removed_on_exit() {
  WORK=$(mktemp -d)
  SERVER_PID=
  trap stop_server_and_remove_work_dir EXIT
}

stop_server_and_remove_work_dir() {
  local status=$?
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
  [ -n "$SERVER_PID" ] && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
  exit "$status"
}
