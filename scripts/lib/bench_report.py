#!/usr/bin/env python3
"""The summary of scripts/bench.sh: medians, ratios against nginx and verdicts, as text and optionally JSON.

Reads the result files scripts/bench.sh wrote into --work-dir (standard library only):

  matrix.txt    backend workers connections proxy round rps p50_ms p99_ms requests non2xx socket cpu_us log_lines
  files.txt     scenario proxy round rps p50_ms p99_ms requests non2xx socket cpu_us
  memory.txt    test proxy count opened failed rss_before_kb rss_held_kb rss_after_close_kb
  transfer.txt  direction proxy round size_bytes moved_bytes seconds cpu_ticks rss_before_kb rss_peak_kb status

Sizes: /proc's kB are KiB (1024 bytes); the memory targets are read strictly, kB = 1000 bytes and MB = 10^6 bytes.
"""

import argparse
import json
import os
import statistics

# The targets of the done-when, balancer against nginx.
RPS_MIN = 0.9
P99_MAX = 1.1
CPU_MAX = 1.15
FILE_CPU_MAX = 1.2
IDLE_KB_MAX = 4.6
TUNNEL_KB_MAX = 8.0
TRANSFER_RSS_MB_MAX = 16.0
PROXY_ORDER = ["balancer", "limited", "nginx", "haproxy"]


def rows(path, width):
    if not os.path.exists(path):
        return []
    out = []
    with open(path) as handle:
        for line in handle:
            fields = line.split()
            if len(fields) >= width:
                out.append(fields)
    return out


def median(values):
    return statistics.median(values) if values else None


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt(value, digits=2, none="n/a"):
    if value is None:
        return none
    return f"{value:,.{digits}f}"


def verdict(ok):
    return "n/a" if ok is None else ("MET" if ok else "MISSED")


def check(value, limit, at_most=True):
    if value is None:
        return None
    return value <= limit if at_most else value >= limit


def order(names):
    return sorted(names, key=lambda n: (PROXY_ORDER.index(n) if n in PROXY_ORDER else 99, n))


# ---------------------------------------------------------------------------------------------------------------
# The request matrix

def matrix_cells(work, settings):
    data = rows(os.path.join(work, "matrix.txt"), 13)
    cells = {}
    for f in data:
        key = (f[0], int(f[1]), int(f[2]))
        cells.setdefault(key, {}).setdefault(f[3], []).append({
            "round": int(f[4]), "requests_per_second": float(f[5]), "p50_ms": float(f[6]), "p99_ms": float(f[7]),
            "requests": int(f[8]), "non_2xx": int(f[9]), "socket_errors": int(f[10]),
            "cpu_us_per_request": float(f[11]), "access_log_lines": int(f[12])})
    kinds = ["proxy-only", "replicas"]
    result = []
    for key in sorted(cells, key=lambda k: (kinds.index(k[0]) if k[0] in kinds else 9, k[1], k[2])):
        proxies = {}
        for name in order(cells[key]):
            runs = cells[key][name]
            proxies[name] = {
                "median": {
                    "requests_per_second": median([r["requests_per_second"] for r in runs]),
                    "p50_ms": median([r["p50_ms"] for r in runs]),
                    "p99_ms": median([r["p99_ms"] for r in runs]),
                    "cpu_us_per_request": median([r["cpu_us_per_request"] for r in runs]),
                },
                "errors_total": sum(r["non_2xx"] + r["socket_errors"] for r in runs),
                "access_log_lines_per_request": ratio(sum(r["access_log_lines"] for r in runs),
                                                      sum(r["requests"] for r in runs))
                if settings.access_log else None,
                "rounds": sorted(runs, key=lambda r: r["round"]),
            }
        cell = {"backend": key[0], "workers": key[1], "connections": key[2],
                "threads": threads_for(settings, key[2]), "proxies": proxies}
        b, n = proxies.get("balancer"), proxies.get("nginx")
        vs = {}
        for metric in ("requests_per_second", "p99_ms", "cpu_us_per_request"):
            vs[metric] = ratio(b["median"][metric] if b else None, n["median"][metric] if n else None)
        cell["balancer_vs_nginx"] = vs
        h = proxies.get("haproxy")
        cell["balancer_vs_haproxy"] = {
            metric: ratio(b["median"][metric] if b else None, h["median"][metric] if h else None)
            for metric in ("requests_per_second", "p99_ms", "cpu_us_per_request")}
        cell["met"] = {
            "requests_per_second": check(vs["requests_per_second"], RPS_MIN, at_most=False),
            "p99": check(vs["p99_ms"], P99_MAX),
            "cpu_per_request": check(vs["cpu_us_per_request"], CPU_MAX),
        }
        lim = proxies.get("limited")
        if b and lim:
            per_round = {r["round"]: r["cpu_us_per_request"] for r in b["rounds"]}
            diffs = [r["cpu_us_per_request"] - per_round[r["round"]] for r in lim["rounds"] if r["round"] in per_round]
            cell["limit_zone_cpu_us_per_request"] = lim["median"]["cpu_us_per_request"] - \
                b["median"]["cpu_us_per_request"]
            cell["limit_zone_cpu_us_per_round"] = diffs
        result.append(cell)
    return result


def threads_for(settings, connections):
    if settings.threads:
        return settings.threads
    return 1 if connections <= 100 else 2


def print_matrix(cells, settings):
    if not cells:
        return
    print()
    threads = sorted({(c["connections"], c["threads"]) for c in cells})
    wrk = ", ".join(f"-t{t} -c{c}" for c, t in threads)
    print(f"Requests: medians over {settings.rounds} round(s) of {settings.duration}s after a {settings.warmup}s "
          f"warm-up (wrk {wrk}); CPU = the proxy's user+sys time / requests served;"
          f" errors = non-2xx + socket errors over all rounds"
          + ("; every request logged to a file (--access-log)" if settings.access_log else ""))
    print("backend: proxy-only = three nginx `return 200` backends; replicas = three health-service replicas (/health)")
    header = (f"{'backend':<11}{'workers':>7}{'conns':>6}  {'proxy':<9}{'requests/s':>11}{'p50 ms':>9}{'p99 ms':>9}"
              f"{'CPU us/req':>11}{'errors':>7}   {'x nginx: req/s':>14}{'p99':>6}{'CPU':>6}")
    if settings.access_log:
        header += f"{'log/req':>9}"
    print(header)
    for cell in cells:
        n = cell["proxies"].get("nginx")
        for name, p in cell["proxies"].items():
            m = p["median"]
            line = (f"{cell['backend']:<11}{cell['workers']:>7}{cell['connections']:>6}  {name:<9}"
                    f"{fmt(m['requests_per_second'], 0):>11}{fmt(m['p50_ms'], 2):>9}{fmt(m['p99_ms'], 2):>9}"
                    f"{fmt(m['cpu_us_per_request'], 2):>11}{p['errors_total']:>7}   ")
            if name != "nginx" and n:
                nm = n["median"]
                line += (f"{fmt(ratio(m['requests_per_second'], nm['requests_per_second'])):>14}"
                         f"{fmt(ratio(m['p99_ms'], nm['p99_ms'])):>6}"
                         f"{fmt(ratio(m['cpu_us_per_request'], nm['cpu_us_per_request'])):>6}")
            else:
                line += f"{'':>26}"
            if settings.access_log:
                line += f"{fmt(p['access_log_lines_per_request'], 2):>9}"
            print(line)
    print()
    print(f"Verdicts, balancer against nginx (targets: requests/s >= {RPS_MIN} x, p99 <= {P99_MAX} x, "
          f"CPU per request <= {CPU_MAX} x):")
    for cell in cells:
        vs, met = cell["balancer_vs_nginx"], cell["met"]
        print(f"  {cell['backend']:<11} {cell['workers']} worker(s) c={cell['connections']:<4}"
              f" requests/s {fmt(vs['requests_per_second'])} x {verdict(met['requests_per_second']):<7}"
              f" p99 {fmt(vs['p99_ms'])} x {verdict(met['p99']):<7}"
              f" CPU/request {fmt(vs['cpu_us_per_request'])} x {verdict(met['cpu_per_request'])}")
        if "limit_zone_cpu_us_per_request" in cell:
            per_round = ", ".join(f"{d:+.2f}" for d in cell["limit_zone_cpu_us_per_round"])
            print(f"  {'':<11} one rate-limit zone: CPU per request "
                  f"{cell['limit_zone_cpu_us_per_request']:+.2f} us over the plain balancer (median against median);"
                  f" per round: {per_round or 'n/a'} (median {fmt(median(cell['limit_zone_cpu_us_per_round']))});"
                  " target <= 1 us")


# ---------------------------------------------------------------------------------------------------------------
# Static files and gzip (balancer and nginx)

def file_scenarios(work):
    data = rows(os.path.join(work, "files.txt"), 10)
    scenarios = {}
    for f in data:
        scenarios.setdefault(f[0], {}).setdefault(f[1], []).append(
            (float(f[3]), float(f[5]), float(f[9]), float(f[4])))
    out = {}
    for scenario, proxies in scenarios.items():
        entry = {}
        for name in ("balancer", "nginx"):
            runs = proxies.get(name, [])
            entry[name] = {"requests_per_second": median([r[0] for r in runs]),
                           "p99_ms": median([r[1] for r in runs]),
                           "cpu_us_per_request": median([r[2] for r in runs])}
        entry["cpu_per_request_vs_nginx"] = ratio(entry["balancer"]["cpu_us_per_request"],
                                                  entry["nginx"]["cpu_us_per_request"])
        entry["requests_per_second_vs_nginx"] = ratio(entry["balancer"]["requests_per_second"],
                                                      entry["nginx"]["requests_per_second"])
        entry["max_cpu_per_request_vs_nginx"] = FILE_CPU_MAX
        out[scenario] = entry
    return out


def print_files(scenarios, settings):
    if not scenarios:
        return
    print()
    print(f"Balancer next to nginx (medians over {settings.rounds} round(s)); target: CPU per request <= "
          f"{FILE_CPU_MAX} x nginx's")
    print(f"{'scenario':<10} {'proxy':<9} {'requests/s':>12} {'p99 ms':>10} {'CPU us/req':>14}")
    for scenario, entry in scenarios.items():
        for name in ("balancer", "nginx"):
            e = entry[name]
            print(f"{scenario:<10} {name:<9} {fmt(e['requests_per_second'], 1):>12} {fmt(e['p99_ms'], 3):>10}"
                  f" {fmt(e['cpu_us_per_request'], 2):>14}")
        r = entry["cpu_per_request_vs_nginx"]
        print(f"{scenario:<10} balancer/nginx: requests/s {fmt(entry['requests_per_second_vs_nginx'])} x, "
              f"CPU per request {fmt(r)} x: {verdict(check(r, FILE_CPU_MAX))}")


# ---------------------------------------------------------------------------------------------------------------
# Memory

def memory(work):
    out = {}
    for f in rows(os.path.join(work, "memory.txt"), 8):
        test, name = f[0], f[1]
        count, opened, failed, before, held, after = (int(x) for x in f[2:8])
        growth_kib = held - before
        out.setdefault(test, {})[name] = {
            "connections": count, "held_open": opened, "failed": failed,
            "rss_before_kib": before, "rss_held_kib": held, "rss_after_close_kib": after,
            "kb_per_connection": growth_kib * 1024 / opened / 1000 if opened else None,
        }
    for test, limit in (("idle", IDLE_KB_MAX), ("tunnels", TUNNEL_KB_MAX)):
        if test not in out:
            continue
        proxies = out[test]
        b, n = proxies.get("balancer"), proxies.get("nginx")
        out[test] = {"proxies": proxies, "max_kb_per_connection": limit,
                     "balancer_vs_nginx": ratio(b and b["kb_per_connection"], n and n["kb_per_connection"]),
                     "met": check(b and b["kb_per_connection"], limit)}
        if b and b["failed"]:
            out[test]["met"] = False
    return out


def print_memory(mem, settings):
    if not mem:
        return
    print()
    print(f"Memory ({settings.memory_workers} worker(s) each; RSS = VmRSS summed over the proxy's processes; "
          "kB = 1000 bytes): growth while the connections are held open / connections held")
    print(f"{'test':<8} {'proxy':<9} {'held':>6} {'failed':>6} {'RSS before MB':>14} {'RSS held MB':>12}"
          f" {'after close MB':>15} {'kB/conn':>8} {'x nginx':>8}")
    names = {"idle": "idle", "tunnels": "tunnels"}
    for test in ("idle", "tunnels"):
        if test not in mem:
            continue
        proxies = mem[test]["proxies"]
        n = proxies.get("nginx")
        for name in order(proxies):
            p = proxies[name]
            vs = ratio(p["kb_per_connection"], n["kb_per_connection"]) if n and name != "nginx" else None
            print(f"{names[test]:<8} {name:<9} {p['held_open']:>6} {p['failed']:>6}"
                  f" {p['rss_before_kib'] * 1024 / 1e6:>14.1f} {p['rss_held_kib'] * 1024 / 1e6:>12.1f}"
                  f" {p['rss_after_close_kib'] * 1024 / 1e6:>15.1f} {fmt(p['kb_per_connection'], 2):>8}"
                  f" {fmt(vs) if vs is not None else '':>8}")
    for test, text in (("idle", "per idle keep-alive connection (one request each)"),
                       ("tunnels", "per open WebSocket tunnel")):
        if test in mem:
            b = mem[test]["proxies"].get("balancer")
            print(f"target <= {mem[test]['max_kb_per_connection']} kB {text}: "
                  f"{verdict(mem[test]['met'])}: balancer {fmt(b and b['kb_per_connection'])} kB, "
                  f"{fmt(mem[test]['balancer_vs_nginx'])} x nginx's")


# ---------------------------------------------------------------------------------------------------------------
# Transfers

def transfers(work, clk_tck):
    runs = {}
    for f in rows(os.path.join(work, "transfer.txt"), 10):
        direction, name = f[0], f[1]
        size, moved, seconds, ticks, before, peak, status = int(f[3]), int(f[4]), float(f[5]), int(f[6]), \
            int(f[7]), int(f[8]), int(f[9])
        runs.setdefault(direction, {}).setdefault(name, []).append({
            "round": int(f[2]), "bytes": size, "bytes_moved": moved, "status": status, "seconds": seconds,
            "cpu_seconds": ticks / clk_tck,
            "cpu_seconds_per_gib": (ticks / clk_tck) / (moved / (1 << 30)) if moved else None,
            "mb_per_second": moved / seconds / 1e6 if seconds else None,
            "rss_before_kib": before, "rss_peak_kib": peak,
            "rss_growth_mb": (peak - before) * 1024 / 1e6,
            "complete": moved == size and 200 <= status < 300})
    out = {}
    for direction, proxies in runs.items():
        entry = {"proxies": {}}
        for name in order(proxies):
            r = proxies[name]
            entry["proxies"][name] = {
                "cpu_seconds_per_gib": median([x["cpu_seconds_per_gib"] for x in r if x["cpu_seconds_per_gib"]]),
                "rss_growth_mb": max(x["rss_growth_mb"] for x in r),
                "mb_per_second": median([x["mb_per_second"] for x in r if x["mb_per_second"]]),
                "complete": all(x["complete"] for x in r),
                "runs": r}
        b, n = entry["proxies"].get("balancer"), entry["proxies"].get("nginx")
        entry["balancer_vs_nginx_cpu"] = ratio(b and b["cpu_seconds_per_gib"], n and n["cpu_seconds_per_gib"])
        entry["met"] = {
            "cpu_per_gib": check(entry["balancer_vs_nginx_cpu"], 1.0),
            "rss_growth": None if not b else (b["rss_growth_mb"] < TRANSFER_RSS_MB_MAX and b["complete"]),
        }
        out[direction] = entry
    return out


def print_transfers(xfer, settings):
    if not xfer:
        return
    print()
    print(f"Transfers of {settings.transfer_bytes / (1 << 30):g} GiB ({settings.memory_workers} worker(s) each; "
          "nginx with proxy_request_buffering off and proxy_buffering off): the proxy's CPU per GiB and its RSS growth "
          "(largest VmRSS sampled every 20 ms less the RSS before; MB = 10^6 bytes)")
    print(f"{'direction':<9} {'proxy':<9} {'MB/s':>8} {'CPU s/GiB':>10} {'x nginx':>8} {'RSS before MB':>14}"
          f" {'RSS growth MB':>14} {'complete':>9}")
    for direction in ("upload", "download"):
        if direction not in xfer:
            continue
        proxies = xfer[direction]["proxies"]
        n = proxies.get("nginx")
        for name, p in proxies.items():
            vs = ratio(p["cpu_seconds_per_gib"], n["cpu_seconds_per_gib"]) if n and name != "nginx" else None
            before = median([r["rss_before_kib"] for r in p["runs"]]) * 1024 / 1e6
            print(f"{direction:<9} {name:<9} {fmt(p['mb_per_second'], 0):>8} {fmt(p['cpu_seconds_per_gib'], 3):>10}"
                  f" {fmt(vs) if vs is not None else '':>8} {before:>14.1f} {p['rss_growth_mb']:>14.1f}"
                  f" {'yes' if p['complete'] else 'NO':>9}")
    for direction in ("upload", "download"):
        if direction in xfer:
            e = xfer[direction]
            b = e["proxies"].get("balancer")
            print(f"target, {direction}: CPU per GiB <= nginx's: {verdict(e['met']['cpu_per_gib'])} "
                  f"({fmt(e['balancer_vs_nginx_cpu'])} x); RSS growth < {TRANSFER_RSS_MB_MAX:g} MB: "
                  f"{verdict(e['met']['rss_growth'])} ({fmt(b and b['rss_growth_mb'], 1)} MB)")


# ---------------------------------------------------------------------------------------------------------------

def summary_line(cells, mem, xfer):
    """One line: how many targets were met out of how many were evaluated."""
    checks = []
    for cell in cells:
        checks += [v for v in cell["met"].values() if v is not None]
    for test in mem.values():
        if test.get("met") is not None:
            checks.append(test["met"])
    for entry in xfer.values():
        checks += [v for v in entry["met"].values() if v is not None]
    return sum(1 for c in checks if c), len(checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--json")
    parser.add_argument("--rounds", type=int, required=True)
    parser.add_argument("--duration", type=int, required=True)
    parser.add_argument("--warmup", type=int, required=True)
    parser.add_argument("--workers", required=True, help="comma-separated worker counts")
    parser.add_argument("--connections", required=True, help="comma-separated wrk connection counts")
    parser.add_argument("--threads", type=int, default=0, help="wrk threads (0: 1 up to 100 connections, else 2)")
    parser.add_argument("--memory-workers", type=int, default=1)
    parser.add_argument("--transfer-bytes", type=int, default=1 << 30)
    parser.add_argument("--sections", default="")
    parser.add_argument("--access-log", type=int, default=0)
    parser.add_argument("--clk-tck", type=int, default=os.sysconf("SC_CLK_TCK"))
    parser.add_argument("--elapsed", type=int, default=0, help="seconds the benchmark took")
    settings = parser.parse_args()

    cells = matrix_cells(settings.work_dir, settings)
    scenarios = file_scenarios(settings.work_dir)
    mem = memory(settings.work_dir)
    xfer = transfers(settings.work_dir, settings.clk_tck)

    print_matrix(cells, settings)
    print_files(scenarios, settings)
    print_memory(mem, settings)
    print_transfers(xfer, settings)
    met, total = summary_line(cells, mem, xfer)
    if total:
        print()
        print(f"bench: {met} of {total} targets met; {os.cpu_count()} cores"
              + (f"; {settings.elapsed // 60} min {settings.elapsed % 60} s" if settings.elapsed else ""))

    if settings.json:
        workers = [int(w) for w in settings.workers.split(",")]
        connections = [int(c) for c in settings.connections.split(",")]
        # The keys of earlier versions first: the replicas run at the first worker count and concurrency.
        legacy = next((c for c in cells if c["backend"] == "replicas" and c["workers"] == workers[0]
                       and c["connections"] == connections[0]), None)
        document = {
            "settings": {"workers": workers[0], "rounds": settings.rounds, "duration_seconds": settings.duration,
                         "connections": connections[0], "threads": threads_for(settings, connections[0]),
                         "warmup_seconds": settings.warmup, "cores": os.cpu_count(), "path": "/health",
                         "worker_counts": workers, "connection_counts": connections,
                         "sections": [s for s in settings.sections.split(",") if s],
                         "access_log": bool(settings.access_log), "elapsed_seconds": settings.elapsed},
            "proxies": legacy["proxies"] if legacy else {},
            "ratios": {"balancer_vs_nginx": {"requests_per_second": legacy["balancer_vs_nginx"]["requests_per_second"],
                                             "p99": legacy["balancer_vs_nginx"]["p99_ms"],
                                             "cpu_per_request": legacy["balancer_vs_nginx"]["cpu_us_per_request"]},
                       "balancer_vs_haproxy": {"requests_per_second":
                                               legacy["balancer_vs_haproxy"]["requests_per_second"],
                                               "p99": legacy["balancer_vs_haproxy"]["p99_ms"],
                                               "cpu_per_request": legacy["balancer_vs_haproxy"]["cpu_us_per_request"]}}
            if legacy else {},
            "target": {"min_requests_per_second_vs_nginx": RPS_MIN, "max_p99_vs_nginx": P99_MAX,
                       "max_cpu_per_request_vs_nginx": CPU_MAX,
                       "met": (all(v for v in legacy["met"].values() if v is not None) if legacy else None)},
            "scenarios": scenarios,
            "limit_zone_cpu_us_per_request": legacy.get("limit_zone_cpu_us_per_request") if legacy else None,
            "matrix": cells,
            "memory": mem,
            "transfer": xfer,
            "targets_met": met,
            "targets_evaluated": total,
        }
        with open(settings.json, "w") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        print(f"bench: results written to {settings.json}")


if __name__ == "__main__":
    main()
