#!/usr/bin/env python3
"""CPU per proxied request of balancer binaries side by side, and of nginx as a reference, in one run.

Each proxy is a least-conn balancer with upstream keep-alive in front of three nginx `return 200` backends, so the
backends cost almost nothing and the proxy is what is measured. Rounds alternate between the proxies (absolute
figures drift from minute to minute on a small machine; ratios from the same run do not). CPU is user+sys of the
proxy's processes from /proc/PID/stat, divided by the requests wrk completed.

    python3 scripts/cpu_per_request.py BEFORE=/path/balancer AFTER=.build/release/balancer [--rounds 3]

`NAME=PATH:reuseport` runs that binary with `reuseport: true` on its listener, so one binary can be measured with
and without it in the same run (`plain=B rp=B:reuseport`); `--nginx-reuseport` adds nginx with `listen ...
reuseport` as `nginx-rp`. `NAME=PATH:log` has that binary write its access log (combined, to a file), and
`--nginx-log` adds nginx writing the same fields as `nginx-log` (`buffer=64k flush=1s`, as the balancer batches). `--close` sends `Connection: close`, so every request comes on a new connection and
accepting is part of what is measured (wrk otherwise keeps its connections for the whole round). `NAME=PATH:relay`
runs `nio-relay` (`swift build -c release --product nio-relay`), the bare SwiftNIO relay in front of the same
backends with --workers event loops: the floor NIO itself costs per request (`floor=.build/release/nio-relay:relay`).

Load goes to 127.0.0.1 only and every round is bounded by --seconds.
"""
import argparse
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pids, user_only=False):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += int(fields[11]) + (0 if user_only else int(fields[12]))  # utime, stime
    return total / TICK


def children(pid):
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out]


def wait_port(port, seconds=20):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing listens on 127.0.0.1:{port} after {seconds}s")


def nginx_conf(work, name, workers, body):
    """An nginx configuration running `body` in its http block, with its files in `work`."""
    return (f"daemon off; worker_processes {workers}; pid {work}/nginx-{name}.pid; error_log {work}/nginx-{name}.err;\n"
            "events { worker_connections 4096; }\n"
            f"http {{ access_log off; client_body_temp_path {work}; proxy_temp_path {work};\n{body}\n}}\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("binaries", nargs="+", help="NAME=PATH of a balancer binary, NAME=PATH:reuseport or :log, or NAME=PATH:relay (nio-relay)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-nginx", action="store_true", help="leave nginx out as a proxy")
    parser.add_argument("--nginx-reuseport", action="store_true",
                        help="also measure nginx with listen ... reuseport (as nginx-rp)")
    parser.add_argument("--nginx-log", action="store_true",
                        help="also measure nginx writing an access log (as nginx-log)")
    parser.add_argument("--close", action="store_true", help="a new connection for every request")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool) and not os.path.exists(f"/usr/sbin/{tool}"):
            sys.exit(f"{tool} is missing: bash scripts/install-deps.sh nginx wrk")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    work = tempfile.mkdtemp(prefix="cpu-per-request-")
    procs = []
    try:
        backends = [free_port() for _ in range(3)]
        servers = "\n".join(
            f"server {{ listen 127.0.0.1:{p}; keepalive_requests 100000; location / {{ return 200 'ok'; }} }}"
            for p in backends)
        conf = os.path.join(work, "backends.conf")
        open(conf, "w").write(nginx_conf(work, "backends", 1, servers))
        procs.append(subprocess.Popen([nginx, "-c", conf, "-p", work], stderr=subprocess.DEVNULL))
        for p in backends:
            wait_port(p)

        proxies = {}
        for spec in args.binaries:
            name, path = spec.split("=", 1)
            options = set()
            while path.endswith((":reuseport", ":log", ":relay")):
                path, option = path.rsplit(":", 1)
                options.add(option)
            if "relay" in options:
                port = free_port()
                proc = subprocess.Popen([path, "--listen", str(port), "--upstreams", ",".join(map(str, backends)),
                                         "--threads", str(args.workers)], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(work, f"{name}.log"), "w"))
                procs.append(proc)
                wait_port(port)
                proxies[name] = (port, lambda proc=proc: [proc.pid])
                continue
            reuseport = "reuseport" in options
            access_log = os.path.join(work, f"{name}-access.log") if "log" in options else "off"
            port, admin = free_port(), free_port()
            listen = f"{{address: 127.0.0.1:{port}, reuseport: true}}" if reuseport else f"127.0.0.1:{port}"
            yaml = os.path.join(work, f"{name}.yaml")
            open(yaml, "w").write(
                f"listen: [{listen}]\nadmin: {{listen: 127.0.0.1:{admin}}}\nworkers: {args.workers}\n"
                f"access_log: {access_log}\nresponse_headers:\n  X-Frame-Options: SAMEORIGIN\n  X-Content-Type-Options: nosniff\n"
                "upstreams:\n  backend:\n    balance: least_conn\n    keepalive: 64\n    servers: ["
                + ", ".join(f"127.0.0.1:{p}" for p in backends) + "]\n"
                "routes:\n  - prefix: /\n    upstream: backend\n")
            proc = subprocess.Popen([path, "serve", "--config", yaml], stdout=subprocess.DEVNULL,
                                    stderr=open(os.path.join(work, f"{name}.log"), "w"))
            procs.append(proc)
            wait_port(port)
            proxies[name] = (port, lambda proc=proc: [proc.pid])
        nginx_proxies = [] if args.no_nginx else [("nginx", "")]
        if args.nginx_reuseport:
            nginx_proxies.append(("nginx-rp", " reuseport"))
        if args.nginx_log:
            nginx_proxies.append(("nginx-log", ""))
        for name, listen_option in nginx_proxies:
            log = ""
            if name == "nginx-log":
                # The balancer's combined line: nginx's combined plus the upstream's address and status, the request
                # time and the request id.
                log = ("log_format bench '$remote_addr - $remote_user [$time_local] \"$request\" $status "
                       "$body_bytes_sent \"$http_referer\" \"$http_user_agent\" upstream=$upstream_addr "
                       "upstream_status=$upstream_status request_time=$request_time request_id=$request_id';\n"
                       f"access_log {work}/{name}-access.log bench buffer=64k flush=1s;\n")
            port = free_port()
            body = (log + "upstream backend { least_conn; "
                    + " ".join(f"server 127.0.0.1:{p};" for p in backends) + " keepalive 64; }\n"
                    f"server {{ listen 127.0.0.1:{port}{listen_option}; location / {{ proxy_pass http://backend; "
                    "proxy_http_version 1.1; proxy_set_header Connection \"\"; "
                    "add_header X-Frame-Options SAMEORIGIN; add_header X-Content-Type-Options nosniff; } }")
            conf = os.path.join(work, f"{name}.conf")
            open(conf, "w").write(nginx_conf(work, name, args.workers, body))
            proc = subprocess.Popen([nginx, "-c", conf, "-p", work], stderr=subprocess.DEVNULL)
            procs.append(proc)
            wait_port(port)
            proxies[name] = (port, lambda proc=proc: [proc.pid] + children(proc.pid))

        results = {name: [] for name in proxies}
        for _ in range(args.rounds):
            for name, (port, pids) in proxies.items():
                before, before_user = cpu_seconds(pids()), cpu_seconds(pids(), user_only=True)
                close = ["-H", "Connection: close"] if args.close else []
                out = subprocess.run(
                    ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s", "--latency", *close,
                     f"http://127.0.0.1:{port}/"], capture_output=True, text=True, timeout=args.seconds + 30).stdout
                used = cpu_seconds(pids()) - before
                user = cpu_seconds(pids(), user_only=True) - before_user
                requests = int(re.search(r"(\d+) requests in", out).group(1))
                # Anchored: a thread-stats column such as "73.99%" ends in "99%" too.
                p99 = re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1)
                errors = re.search(r"Socket errors: .*|Non-2xx or 3xx responses: \d+", out)
                results[name].append((requests / args.seconds, used / requests * 1e6, p99))
                print(f"{name:>8}: {requests / args.seconds:9.0f} req/s  {used / requests * 1e6:6.1f} µs CPU/request"
                      f" ({user / requests * 1e6:4.1f} user)  p99 {p99}" + (f"  {errors.group(0)}" if errors else ""),
                      flush=True)
        print("\nper proxy (range over rounds):")
        for name, rows in results.items():
            rps = [r[0] for r in rows]
            cpu = [r[1] for r in rows]
            print(f"{name:>8}: {min(rps):.0f}–{max(rps):.0f} req/s, {min(cpu):.1f}–{max(cpu):.1f} µs CPU/request")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
