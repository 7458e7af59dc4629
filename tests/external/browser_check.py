"""Checks what headless Chromium saw. Usage:
browser_check.py report|chart DOM_FILE NETLOG_FILE ALLOWED_ORIGIN"""

import json
import sys

kind, dom_file, netlog_file, allowed = sys.argv[1:5]
dom = open(dom_file, encoding="utf-8").read()
failures = []

if kind == "report":
    headings = [
        "一、部门、单位基本情况",
        "二、一般公共预算支出情况",
        "三、部门整体支出绩效情况",
        "四、存在的主要问题及下一步改进措施",
        "五、绩效自评结果拟应用和公开情况",
        "六、其他需要说明的情况",
    ]
    at = [dom.find(f"<h2>{h}</h2>") for h in headings]
    if min(at) < 0 or at != sorted(at):
        failures.append(f"the six headings are not all there in order: {at}")
    for table in ('<table class="budget">', '<table class="indicators">'):
        if table not in dom:
            failures.append(f"no {table}")
    for figure in ("1659.36", "1695.04", "2.15%", "1233.07"):
        if figure not in dom:
            failures.append(f"the budget table lacks {figure}")
elif "<svg" not in dom or "全区中位数" not in dom:
    failures.append("the chart page holds no chart with its median")


netlog = json.load(open(netlog_file, encoding="utf-8"))
start_job = netlog["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
# The page's requests are those made for its site (its network isolation key); the browser's
# own (updates, accounts) are made for no site and are not the page's doing.
site = allowed.rsplit(":", 1)[0]
requested = sorted(
    {
        event["params"]["url"]
        for event in netlog["events"]
        if event["type"] == start_job
        and event.get("params", {}).get("network_isolation_key", "").startswith(site + " ")
    }
)
outside = [u for u in requested if not u.startswith(allowed + "/")]
if outside:
    failures.append(f"requests outside the service: {outside}")
if not requested:
    failures.append("the net log names no request of the page")

if failures:
    print(f"{kind}: " + "; ".join(failures))
    sys.exit(1)
print(f"{kind}: {len(requested)} request(s) of the page, all to the service")
