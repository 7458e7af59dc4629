"""Drives the benchmark that bench/run.sh prepares: fills a database with `perfeval demo`, serves
it, measures it with wrk beside GET /healthz (the HTTP ceiling, taken in the same minute) and
Datasette on the same SQLite file, and writes docs/benchmarks.md. Every figure written is one
this run measured."""

import argparse
import json
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request

YEAR = 2025
PORT = 18080
PEER_PORT = 18081
ADMIN_PASSWORD = "benchmark-admin-password"

# wrk prints one JSON line when a run is done: requests/s, latency percentiles (µs), errors.
SUMMARY_LUA = r"""
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format(
    '\nSUMMARY {"requests": %d, "seconds": %f, "p50": %d, "p99": %d, "errors": %d, "status_errors": %d}\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    errors, summary.errors.status))
end
"""


def log(message):
    print(message, file=sys.stderr, flush=True)


def request(method, url, token=None, body=None, headers=None, timeout=600):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if token:
        req.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        req.add_header("Content-Type", "application/json")
    for name, value in (headers or {}).items():
        req.add_header(name, value)
    with urllib.request.urlopen(req, timeout=timeout) as answer:
        return answer.status, answer.read()


def rss_kib(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Server:
    """The perfeval binary serving one database on PORT."""

    def __init__(self, binary, database_url, log_path):
        self.binary = binary
        self.env = dict(
            os.environ,
            DATABASE_URL=database_url,
            PERFEVAL_BIND=f"127.0.0.1:{PORT}",
            PERFEVAL_WORKERS="2",
            JWT_SECRET="benchmark-secret-that-is-32-bytes-long",
            PERFEVAL_ADMIN_PASSWORD=ADMIN_PASSWORD,
            DATABASE_POOL_SIZE="16",
            RUST_LOG="warn",
        )
        self.log_path = log_path
        self.process = None

    def fill(self, units, projects):
        subprocess.run(
            [self.binary, "demo", "--departments", str(units), "--years", "1",
             "--last-year", str(YEAR), "--seed", "1", "--projects", str(projects)],
            env=self.env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self):
        self.process = subprocess.Popen(
            [self.binary, "serve"], env=self.env, stdout=subprocess.DEVNULL,
            stderr=open(self.log_path, "ab"))
        base = f"http://127.0.0.1:{PORT}"
        for _ in range(300):
            try:
                request("GET", f"{base}/healthz", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        _, body = request("POST", f"{base}/api/v1/auth/token",
                          body={"username": "admin", "password": ADMIN_PASSWORD})
        self.token = json.loads(body)["access_token"]
        return base

    def stop(self):
        if self.process:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            self.process = None


def wrk(url, seconds, connections=16, token=None, script=""):
    """One wrk run: requests/s, p50/p99 (ms), errors."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as lua:
        lua.write(script + SUMMARY_LUA)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s",
               "-s", lua.name]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    os.unlink(lua.name)
    line = next(l for l in out.splitlines() if l.startswith("SUMMARY "))
    summary = json.loads(line[len("SUMMARY "):])
    return {
        "rps": summary["requests"] / summary["seconds"],
        "p50": summary["p50"] / 1000,
        "p99": summary["p99"] / 1000,
        "errors": summary["errors"],
    }


def timed(url, token, headers=None):
    started = time.monotonic()
    status, body = request("GET", url, token, headers=headers)
    return time.monotonic() - started, status, body


def random_reads_lua(units):
    return f"""
math.randomseed(os.time())
request = function()
  local code = string.format("D%05d", math.random(1, {units}))
  return wrk.format("GET", "/api/v1/departments/" .. code .. "/evaluations/{YEAR}")
end
"""


def writes_lua(bodies_path):
    # Each line of the file is a path and a whole document with a mark to vary. Each thread
    # walks the lines from its own end; every PUT changes the mark, so that each write is a real
    # change stored as the next version. wrk.format takes the headers given instead of the
    # command line's, so those are copied in.
    return f"""
local bodies = {{}}
local paths = {{}}
local counter = 0
local thread_index = 0
setup = function(thread)
  thread:set("thread_index", thread_index)
  thread_index = thread_index + 1
end
local headers = {{}}
init = function(args)
  for name, value in pairs(wrk.headers) do headers[name] = value end
  headers["Content-Type"] = "application/json"
  for line in io.lines("{bodies_path}") do
    local tab = line:find("\\t")
    table.insert(paths, line:sub(1, tab - 1))
    table.insert(bodies, line:sub(tab + 1))
  end
end
request = function()
  counter = counter + 1
  local at = ((counter * 2 + thread_index) % #paths) + 1
  local body = bodies[at]:gsub("__MARK__", tostring(counter) .. "-" .. tostring(thread_index))
  return wrk.format("PUT", paths[at], headers, body)
end
"""


def draft_bodies(base, token, path):
    """The reports of up to 500 draft or returned evaluations, one a line with its path, with a
    mark to vary."""
    written = 0
    with open(path, "w") as out:
        for status in ["draft", "returned"]:
            _, body = request("GET", f"{base}/api/v1/evaluations?year={YEAR}&status={status}&limit=500",
                              token)
            for item in json.loads(body)["items"]:
                code = item["department_code"]
                _, one = request("GET", f"{base}/api/v1/departments/{code}/evaluations/{YEAR}", token)
                report = json.loads(one)["report"]
                report["other_matters"] = "__MARK__"
                path = f"/api/v1/departments/{code}/evaluations/{YEAR}"
                out.write(path + "\t" + json.dumps(report, ensure_ascii=False) + "\n")
                written += 1
                if written >= 500:
                    return written
    return written


def sample_peak(pid, stop, peak):
    while not stop.is_set():
        try:
            peak[0] = max(peak[0], rss_kib(pid))
        except OSError:
            return
        time.sleep(0.02)


def measure(server, base, units, seconds, backend, work):
    """Every figure of one backend at one size."""
    token = server.token
    pid = server.process.pid
    figures = {"units": units, "backend": backend}
    figures["idle_rss_mb"] = rss_kib(pid) / 1024
    table = f"{base}/api/v1/comparisons/departments?year={YEAR}"

    def ceiling():
        return wrk(f"{base}/healthz", seconds)

    # Cold: the first request after a change of the year's data (a PUT of one report).
    bodies_path = os.path.join(work, f"bodies-{backend}-{units}.tsv")
    figures["draft_reports"] = draft_bodies(base, token, bodies_path)
    with open(bodies_path) as first:
        path, body = first.readline().rstrip("\n").split("\t", 1)

    def change(mark):
        request("PUT", base + path, token, body=json.loads(body.replace("__MARK__", mark)))

    colds = {"page": [], "rows500": []}
    for attempt in range(3):
        for name, query in [("page", ""), ("rows500", "&limit=500")]:
            change(f"cold-{name}-{attempt}")
            colds[name].append(timed(table + query, token)[0] * 1000)
    figures["cold_page_ms"] = statistics.median(colds["page"])
    figures["cold_500_ms"] = statistics.median(colds["rows500"])
    # Every sort order is made once per change; warm them before the warm runs.
    timed(table, token)
    timed(table + "&limit=500", token)

    figures["ceiling"] = ceiling()
    figures["get_one"] = wrk(base, seconds, token=token, script=random_reads_lua(units))
    figures["table_page"] = wrk(table, seconds, token=token)
    figures["table_500"] = wrk(table + "&limit=500", seconds, token=token)
    figures["etag_304"] = None
    req = urllib.request.Request(table, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req) as first:
        etag = first.headers.get("ETag")
    if etag:
        figures["etag_304"] = wrk(table, seconds, token=token,
                                  script=f'wrk.headers["If-None-Match"] = \'{etag}\'\n')
    figures["trends"] = wrk(f"{base}/api/v1/comparisons/trends?from={YEAR}&to={YEAR}", seconds,
                            token=token)
    figures["ceiling_2"] = ceiling()

    # Writes: 16 connections, each PUT a changed whole report of a distinct unit.
    figures["put"] = wrk(base, seconds, connections=16, token=token,
                         script=writes_lua(bodies_path))
    figures["ceiling_3"] = ceiling()

    # Collection day: 16 writers and 16 readers of the units page at once, every write making
    # the page's table stale; the same minute's ceiling after it.
    figures["collection"] = collection_day(base, token, table, bodies_path, seconds, pid)
    figures["ceiling_4"] = ceiling()

    # The whole table as CSV: its time and how far resident memory rises above what it was.
    timed(table + "&format=csv", token)
    before = rss_kib(pid)
    stop, peak = threading.Event(), [before]
    sampler = threading.Thread(target=sample_peak, args=(pid, stop, peak))
    sampler.start()
    csv_seconds, _, csv_body = timed(table + "&format=csv", token)
    stop.set()
    sampler.join()
    time.sleep(2)
    figures["csv_ms"] = csv_seconds * 1000
    figures["csv_bytes"] = len(csv_body)
    figures["csv_rss_growth_mb"] = (peak[0] - before) / 1024
    figures["csv_rss_after_mb"] = (rss_kib(pid) - before) / 1024

    # /healthz while four clients export the CSV over and over.
    stop_exports = threading.Event()

    def export_loop():
        while not stop_exports.is_set():
            try:
                timed(table + "&format=csv", token)
            except OSError:
                return

    exporters = [threading.Thread(target=export_loop) for _ in range(4)]
    for exporter in exporters:
        exporter.start()
    time.sleep(0.5)
    figures["healthz_during_exports"] = wrk(f"{base}/healthz", seconds, connections=4)
    stop_exports.set()
    for exporter in exporters:
        exporter.join()

    figures["peak_rss_mb"] = rss_kib(pid, "VmHWM") / 1024
    time.sleep(3)
    figures["rss_after_load_mb"] = rss_kib(pid) / 1024
    return figures


def project_path(unit_index, number):
    """The path of the demo's project `number` of the unit at `unit_index` (from 1)."""
    return (f"/api/v1/departments/D{unit_index:05d}/evaluations/{YEAR}/projects/"
            f"{YEAR}-{unit_index:06d}-{number:02d}")


def random_project_reads_lua(units, per_unit):
    return f"""
math.randomseed(os.time())
request = function()
  local unit = math.random(1, {units})
  local path = string.format("/api/v1/departments/D%05d/evaluations/{YEAR}/projects/{YEAR}-%06d-%02d",
    unit, unit, math.random(1, {per_unit}))
  return wrk.format("GET", path)
end
"""


def draft_project_bodies(base, token, path):
    """The tables of up to 500 draft or returned projects, one a line with its path."""
    written = 0
    with open(path, "w") as out:
        for status in ["draft", "returned"]:
            _, body = request("GET", f"{base}/api/v1/years/{YEAR}/projects?status={status}&limit=500",
                              token)
            for item in json.loads(body)["projects"]:
                one_path = (f"/api/v1/departments/{item['department_code']}/evaluations/{YEAR}"
                            f"/projects/{item['project_code']}")
                _, one = request("GET", base + one_path, token)
                table = json.loads(one)["table"]
                table["narrative"] = "__MARK__"
                out.write(one_path + "\t" + json.dumps(table, ensure_ascii=False) + "\n")
                written += 1
                if written >= 500:
                    return written
    return written


def measure_projects(server, base, units, per_unit, seconds, backend, work):
    """The project tables' figures of one backend at one size: one table read, 16 writers
    changing tables, the tables of one unit and of the year (the district: every unit, its
    roll-ups by unit and parent and its distribution) cold and warm, and the year's CSV."""
    token = server.token
    pid = server.process.pid
    figures = {"units": units, "projects": units * per_unit, "backend": backend}
    unit_table = f"{base}/api/v1/departments/D00001/evaluations/{YEAR}/projects"
    district = f"{base}/api/v1/years/{YEAR}/projects"
    bodies_path = os.path.join(work, f"project-bodies-{backend}-{units}.tsv")
    figures["draft_tables"] = draft_project_bodies(base, token, bodies_path)
    with open(bodies_path) as first:
        path, body = first.readline().rstrip("\n").split("\t", 1)

    def change(mark):
        request("PUT", base + path, token, body=json.loads(body.replace("__MARK__", mark)))

    colds = {"unit": [], "district": [], "district_far": []}
    queries = [("unit", unit_table), ("district", district),
               ("district_far", district + f"?offset={max(units * per_unit - 50, 0)}")]
    for attempt in range(3):
        for name, url in queries:
            change(f"cold-{name}-{attempt}")
            colds[name].append(timed(url, token)[0] * 1000)
    for name in colds:
        figures[f"cold_{name}_ms"] = statistics.median(colds[name])
    for _, url in queries:
        timed(url, token)

    figures["ceiling"] = wrk(f"{base}/healthz", seconds)
    figures["get_one"] = wrk(base, seconds, token=token,
                             script=random_project_reads_lua(units, per_unit))
    figures["unit_warm"] = wrk(unit_table, seconds, token=token)
    figures["district_warm"] = wrk(district, seconds, token=token)
    figures["district_far_warm"] = wrk(queries[2][1], seconds, token=token)
    figures["ceiling_2"] = wrk(f"{base}/healthz", seconds)
    figures["put"] = wrk(base, seconds, connections=16, token=token,
                         script=writes_lua(bodies_path))
    figures["ceiling_3"] = wrk(f"{base}/healthz", seconds)

    timed(district + "?format=csv", token)
    before = rss_kib(pid)
    stop, peak = threading.Event(), [before]
    sampler = threading.Thread(target=sample_peak, args=(pid, stop, peak))
    sampler.start()
    change("csv")
    csv_seconds, _, csv_body = timed(district + "?format=csv", token)
    stop.set()
    sampler.join()
    figures["csv_cold_ms"] = csv_seconds * 1000
    figures["csv_bytes"] = len(csv_body)
    figures["csv_rss_growth_mb"] = (peak[0] - before) / 1024
    figures["peak_rss_mb"] = rss_kib(pid, "VmHWM") / 1024
    return figures


def collection_day(base, token, table, bodies_path, seconds, pid):
    """16 writers (each PUT a changed report of a distinct unit) and 16 readers of the units
    page, side by side for the same time: each side's throughput, errors and the peak memory."""
    results = {}

    def side(name, *args, **kwargs):
        results[name] = wrk(*args, **kwargs)

    stop, peak = threading.Event(), [rss_kib(pid)]
    sampler = threading.Thread(target=sample_peak, args=(pid, stop, peak))
    sampler.start()
    sides = [
        threading.Thread(target=side, args=("writes", base, seconds),
                         kwargs={"connections": 16, "token": token,
                                 "script": writes_lua(bodies_path)}),
        threading.Thread(target=side, args=("page", table, seconds),
                         kwargs={"connections": 16, "token": token}),
    ]
    for thread in sides:
        thread.start()
    for thread in sides:
        thread.join()
    stop.set()
    sampler.join()
    results["peak_rss_mb"] = peak[0] / 1024
    return results


def peer(datasette, database, seconds, work):
    """Datasette serving the same SQLite file, with the units page as a canned query."""
    ranks = ",\n".join(
        f"  RANK() OVER (ORDER BY {column} DESC) AS {column}_rank"
        for column in ["execution_rate", "adjustment_rate", "staffing_control_rate", "score"])
    sql = (
        "SELECT m.department_code, d.name AS department_name, d.kind, d.parent_code, m.status,\n"
        "  m.basic_initial, m.basic_adjusted, m.basic_executed, m.project_initial,\n"
        "  m.project_adjusted, m.project_executed, m.total_initial, m.total_adjusted,\n"
        "  m.total_executed, m.execution_rate, m.adjustment_rate, m.three_public_budget,\n"
        "  m.three_public_actual, m.three_public_prior_actual, m.staffing_control_rate,\n"
        "  m.score, m.grade, m.indicators_total, m.indicators_met, m.findings_errors,\n"
        "  m.findings_warnings, m.problems_count,\n" + ranks + "\n"
        "FROM evaluation_metrics m JOIN departments d ON d.code = m.department_code\n"
        "WHERE m.year = :year ORDER BY m.department_code LIMIT 50")
    name = os.path.splitext(os.path.basename(database))[0]
    metadata = os.path.join(work, "datasette.json")
    with open(metadata, "w") as out:
        json.dump({"databases": {name: {"queries": {"units_page": {"sql": sql}}}}}, out)
    process = subprocess.Popen(
        [datasette, "serve", "--immutable", database, "-m", metadata, "-p", str(PEER_PORT),
         "--setting", "sql_time_limit_ms", "60000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{PEER_PORT}"
    url = f"{base}/{name}/units_page.json?year={YEAR}&_shape=array"
    try:
        for _ in range(300):
            try:
                request("GET", url, timeout=60)
                break
            except OSError:
                time.sleep(0.2)
        return {"sql": sql, "page": wrk(url, seconds), "url": url.replace(base, "")}
    finally:
        process.terminate()
        process.wait()


def postgres_database(admin_url, name):
    """A fresh database on the server of `admin_url`; its URL, or None when it does not answer."""
    drop = subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
                          capture_output=True)
    if drop.returncode != 0:
        return None
    subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True,
                   capture_output=True)
    parts = urllib.parse.urlsplit(admin_url)
    return urllib.parse.urlunsplit(parts._replace(path="/" + name))


def ratio(figure, ceiling):
    """`figure`'s rate as a share of `ceiling`'s; nan when the ceiling finished no request."""
    return figure["rps"] / ceiling["rps"] if ceiling["rps"] else float("nan")


def times(mine, theirs):
    """How many times `theirs` `mine` is, as text: "—" when they finished no request."""
    return f"{mine / theirs:.1f}×" if theirs else "— (the peer finished no request)"


def machine():
    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        total = int(info.readline().split()[1]) // 1024
    return f"{os.cpu_count()} cores ({cpu}), {total} MB memory, {platform.system()} {platform.release()}"


def write_report(path, runs, peers, seconds, started, duration):
    lines = ["# Benchmarks", ""]
    lines += [
        f"Measured by `bench/run.sh` on {started} UTC in {duration / 60:.1f} minutes: "
        f"{machine()}, shared with other work. The release binary with 2 HTTP workers; wrk with "
        f"2 threads and 16 connections (4 for `/healthz` during exports), {seconds} s a run. "
        f"Data: `perfeval demo --departments N --years 1 --last-year {YEAR} --seed 1`. Each "
        "throughput is a ratio to `GET /healthz` (the HTTP ceiling) measured in the same minute "
        "on the same server; absolute figures on a shared machine are noisy, ratios less so.",
        "",
        "Reads: `GET` one evaluation of a random unit; the units table (`/comparisons/departments`,"
        " the default page of 50 rows and 500 rows) warm, and cold — the first request after a "
        "change of the year's data (a `PUT` of one report), the median of three; the same page "
        "revalidated with its ETag (`If-None-Match`, answered 304); the one-year trend. Writes: "
        "`PUT` of a changed whole report, 16 connections on distinct draft reports. CSV: the "
        "whole table, its time and how far resident memory rose above what it was before.",
        "",
    ]
    header = ("| units | backend | ceiling req/s | GET one report | PUT changed report (req/s) "
              "| table page warm | table 500 warm | table page 304 | trends "
              "| table page cold (ms) | table 500 cold (ms) |")
    lines += ["## Requests per second, as a ratio to the ceiling", "", header,
              "|" + "---|" * 11]
    for run in runs:
        c = run["ceiling"]
        c2 = run["ceiling_2"]
        c3 = run["ceiling_3"]
        etag = f"{ratio(run['etag_304'], c2):.2f}×" if run["etag_304"] else "—"
        lines.append(
            f"| {run['units']:,} | {run['backend']} | {c['rps']:,.0f} "
            f"| {ratio(run['get_one'], c):.2f}× ({run['get_one']['rps']:,.0f}) "
            f"| {ratio(run['put'], c3):.3f}× ({run['put']['rps']:,.0f}, {run['put']['errors']} errors) "
            f"| {ratio(run['table_page'], c):.2f}× ({run['table_page']['rps']:,.0f}) "
            f"| {ratio(run['table_500'], c):.3f}× ({run['table_500']['rps']:,.0f}) "
            f"| {etag} "
            f"| {ratio(run['trends'], c2):.3f}× ({run['trends']['rps']:,.0f}) "
            f"| {run['cold_page_ms']:.1f} | {run['cold_500_ms']:.1f} |")
    lines += ["", "## Collection day: 16 writers and 16 table readers at once", "",
              "The writes of the `PUT` run above and 16 connections reading the units page (50 "
              "rows) side by side for the same time, every write making the page's table stale. "
              "Targets: the page ≥ 0.1× the ceiling (measured right after), the writes ≥ 80 % of "
              "the writes-only rate above, no answer ≥ 500 (wrk counts every answer ≥ 400 as an "
              "error: 0 errors is 0 5xx). Peak RSS: the highest resident memory sampled during "
              "the run.", "",
              "| units | backend | page req/s | page ÷ ceiling (≥ 0.1×) | writes req/s "
              "| writes ÷ writes-only (≥ 80 %) | errors (page, writes; 0) | page p99 (ms) "
              "| peak RSS (MB) | targets held |",
              "|" + "---|" * 10]
    for run in runs:
        day = run.get("collection")
        if not day:
            continue
        page_share = ratio(day["page"], run["ceiling_4"])
        write_share = ratio(day["writes"], run["put"])
        errors = day["page"]["errors"] + day["writes"]["errors"]
        held = [name for name, ok in [("page", page_share >= 0.1), ("writes", write_share >= 0.8),
                                      ("no 5xx", errors == 0)] if ok]
        lines.append(
            f"| {run['units']:,} | {run['backend']} | {day['page']['rps']:,.0f} "
            f"| {page_share:.3f}× | {day['writes']['rps']:,.0f} | {write_share:.0%} "
            f"| {day['page']['errors']}, {day['writes']['errors']} | {day['page']['p99']:.1f} "
            f"| {day['peak_rss_mb']:.0f} | {', '.join(held) if held else 'none'} |")
    lines += ["", "## Latency (ms, p50 / p99) and errors", "",
              "| units | backend | ceiling | GET one report | PUT | table page | table 500 | trends |",
              "|" + "---|" * 8]
    for run in runs:
        cell = lambda f: f"{f['p50']:.2f} / {f['p99']:.2f}" + (f" ({f['errors']} errors)" if f["errors"] else "")
        lines.append(
            f"| {run['units']:,} | {run['backend']} | {cell(run['ceiling'])} | {cell(run['get_one'])} "
            f"| {cell(run['put'])} | {cell(run['table_page'])} | {cell(run['table_500'])} "
            f"| {cell(run['trends'])} |")
    lines += ["", "## CSV export and memory", "",
              "| units | backend | CSV (ms) | CSV (MB) | RSS rise during CSV (MB) | RSS left after CSV (MB) "
              "| `/healthz` p99 during 4 exports (ms) | idle RSS (MB) | peak RSS (MB) | RSS after load (MB) |",
              "|" + "---|" * 10]
    for run in runs:
        h = run["healthz_during_exports"]
        lines.append(
            f"| {run['units']:,} | {run['backend']} | {run['csv_ms']:.0f} | {run['csv_bytes'] / 1e6:.1f} "
            f"| {run['csv_rss_growth_mb']:.1f} | {run['csv_rss_after_mb']:.1f} | {h['p99']:.2f} "
            f"| {run['idle_rss_mb']:.1f} | {run['peak_rss_mb']:.1f} | {run['rss_after_load_mb']:.1f} |")
    lines += ["", "## Growth: the table's cost per unit", ""]
    lines += ["| units | backend | cold page (µs per unit) | CSV (µs per unit) | GET one report (req/s) |",
              "|---|---|---|---|---|"]
    for run in runs:
        lines.append(
            f"| {run['units']:,} | {run['backend']} | {run['cold_page_ms'] * 1000 / run['units']:.2f} "
            f"| {run['csv_ms'] * 1000 / run['units']:.2f} | {run['get_one']['rps']:,.0f} |")
    if peers:
        lines += ["", "## Against a peer: Datasette on the same SQLite file", "",
                  "The units page as one canned SQL query over the same projection tables "
                  "(the same 50 rows with four ranks as window functions), served by Datasette "
                  "with the file opened immutable, measured right after perfeval on that file.", "",
                  "| units | Datasette page req/s (p50 / p99 ms) | perfeval page req/s | perfeval ÷ Datasette |",
                  "|---|---|---|---|"]
        for units, run in peers:
            mine = next(r for r in runs if r["units"] == units and r["backend"] == "SQLite")
            page = run["page"]
            lines.append(
                f"| {units:,} | {page['rps']:,.0f} ({page['p50']:.2f} / {page['p99']:.2f}) "
                f"| {mine['table_page']['rps']:,.0f} | {times(mine['table_page']['rps'], page['rps'])} |")
        lines += ["", "The canned query:", "", "```sql", peers[0][1]["sql"], "```"]
    projects = [run for run in runs if "projects" in run]
    if projects:
        lines += ["", "## Project tables (项目支出绩效自评表)", "",
                  "The same servers, filled with `--projects P` tables per unit in the year "
                  "(`perfeval demo`). Reads: one table of a random unit and project; the tables "
                  "of one unit (`/departments/{code}/evaluations/{year}/projects`, 20 rows); the "
                  "district — every project of the year with the roll-ups by unit and parent "
                  "and the distribution (`/years/{year}/projects`, a page of 50, first and last)"
                  " — warm, and cold: the first request after one table changed, the median of "
                  "three. Writes: `PUT` of a changed whole table, 16 connections on distinct "
                  "draft tables. CSV: every project of the year, cold (after a change). Targets "
                  "from the departmental ones: one table ≥ 0.35×, a warm page ≥ 0.1×, the first "
                  "read after a write ≤ 50 ms.", "",
                  "| units | projects | backend | ceiling req/s | GET one table | PUT changed table "
                  "| one unit's tables warm | district page warm | district last page warm "
                  "| one unit cold (ms) | district cold (ms) | district last page cold (ms) "
                  "| CSV cold (ms, MB) | RSS rise in CSV (MB) | peak RSS (MB) | targets held |",
                  "|" + "---|" * 16]
        for run in projects:
            p = run["projects"]
            c, c2, c3 = p["ceiling"], p["ceiling_2"], p["ceiling_3"]
            held = [name for name, ok in [
                ("one table", ratio(p["get_one"], c) >= 0.35),
                ("warm page", ratio(p["district_warm"], c) >= 0.1),
                ("cold ≤ 50 ms", p["cold_district_ms"] <= 50)] if ok]
            lines.append(
                f"| {run['units']:,} | {p['projects']:,} | {run['backend']} | {c['rps']:,.0f} "
                f"| {ratio(p['get_one'], c):.2f}× ({p['get_one']['rps']:,.0f}) "
                f"| {ratio(p['put'], c3):.3f}× ({p['put']['rps']:,.0f}, {p['put']['errors']} errors) "
                f"| {ratio(p['unit_warm'], c):.3f}× ({p['unit_warm']['rps']:,.0f}) "
                f"| {ratio(p['district_warm'], c):.3f}× ({p['district_warm']['rps']:,.0f}) "
                f"| {ratio(p['district_far_warm'], c2):.3f}× ({p['district_far_warm']['rps']:,.0f}) "
                f"| {p['cold_unit_ms']:.1f} | {p['cold_district_ms']:.0f} "
                f"| {p['cold_district_far_ms']:.0f} "
                f"| {p['csv_cold_ms']:.0f}, {p['csv_bytes'] / 1e6:.1f} | {p['csv_rss_growth_mb']:.0f} "
                f"| {p['peak_rss_mb']:.0f} | {', '.join(held) if held else 'none'} |")
    lines += ["", "These are one run's figures on one machine: compare ratios, not milliseconds, "
              "across machines. `docs/benchmarks.md` is written by the run; the notes on what "
              "it shows are in [comparisons.md](comparisons.md#performance).", ""]
    with open(path, "w") as out:
        out.write("\n".join(lines))


def main():
    parser = argparse.ArgumentParser()
    for option in ["binary", "datasette", "work", "output", "sizes", "postgres"]:
        parser.add_argument(f"--{option}", required=True)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--projects", type=int, default=0)
    args = parser.parse_args()
    os.makedirs(args.work, exist_ok=True)
    started = time.strftime("%Y-%m-%d %H:%M", time.gmtime())
    began = time.monotonic()
    runs, peers = [], []
    for units in [int(n) for n in args.sizes.split()]:
        database = os.path.join(args.work, f"units{units}.db")
        for suffix in ["", "-wal", "-shm", ".lock"]:
            if os.path.exists(database + suffix):
                os.unlink(database + suffix)
        backends = [("SQLite", database)]
        postgres = postgres_database(args.postgres, f"perfeval_bench_{units}")
        if postgres:
            backends.append(("PostgreSQL", postgres))
        else:
            log("PostgreSQL does not answer: measured on SQLite only")
        for backend, url in backends:
            server = Server(args.binary, url, os.path.join(args.work, "server.log"))
            log(f"{units} units on {backend}: filling")
            server.fill(units, args.projects)
            base = server.start()
            try:
                log(f"{units} units on {backend}: measuring")
                figures = measure(server, base, units, args.seconds, backend, args.work)
                if args.projects:
                    log(f"{units} units on {backend}: measuring the project tables")
                    figures["projects"] = measure_projects(
                        server, base, units, args.projects, args.seconds, backend, args.work)
                runs.append(figures)
            finally:
                server.stop()
            if backend == "SQLite" and os.access(args.datasette, os.X_OK):
                log(f"{units} units: Datasette")
                peers.append((units, peer(args.datasette, database, args.seconds, args.work)))
        write_report(args.output, runs, peers, args.seconds, started, time.monotonic() - began)
    with open(os.path.join(args.work, "figures.json"), "w") as out:
        json.dump({"runs": runs, "peers": peers}, out, indent=1)
    log(f"wrote {args.output}")


if __name__ == "__main__":
    main()
