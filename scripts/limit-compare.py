#!/usr/bin/env python3
"""Runs the same rate-limit cases against nginx (`limit_req`) and the balancer (`rate_limit`) and prints, side by
side, what each answered and when.

Cases, each on its own zone, keyed by the client's address (everything comes from 127.0.0.1):

  * burst:      `rate=5r/s burst=5`, eight requests at the same moment, each on its own connection
  * nodelay:    the same with `nodelay`
  * delay=2:    the same with `delay=2`
  * share:      `rate=20r/s burst=5 nodelay`, one keep-alive client sending 60 requests a second for --seconds

For the bursts it prints every answer's status and when it came (ms after the requests were sent); for the share,
how many requests passed out of how many, and the 429s. nginx runs with `limit_req_status 429` so that both answer
alike; it sends no `Retry-After`, the balancer does.

Both proxies sit in front of one upstream of this script (a keep-alive HTTP/1.1 server answering 200), on
127.0.0.1 and free ports: nginx (Debian's package, as the current user, a generated config in a temporary prefix,
`daemon off`, one worker) and the built balancer (one event loop). Every process started here is stopped on exit.
Nothing is installed.

    python3 scripts/limit-compare.py [--balancer PATH] [--seconds N] [--keep]

Exit status: 0 when the comparison ran (informational: differences do not fail it), 2 when nginx or the balancer
binary is missing, 1 when a proxy could not be started.
"""

import argparse
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from loopback import HOST, free_port, wait_listening  # noqa: E402


CASES = [("burst", "/burst/"), ("nodelay", "/nodelay/"), ("delay=2", "/two-stage/")]

NGINX_CONF = """\
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    limit_req_status 429;
    limit_req_zone $binary_remote_addr zone=burst:1m rate=5r/s;
    limit_req_zone $binary_remote_addr zone=nodelay:1m rate=5r/s;
    limit_req_zone $binary_remote_addr zone=twostage:1m rate=5r/s;
    limit_req_zone $binary_remote_addr zone=share:1m rate=20r/s;
    upstream upstream {{ server {host}:{upstream}; keepalive 8; }}
    server {{
        listen {host}:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        location /burst/ {{ limit_req zone=burst burst=5; proxy_pass http://upstream; }}
        location /nodelay/ {{ limit_req zone=nodelay burst=5 nodelay; proxy_pass http://upstream; }}
        location /two-stage/ {{ limit_req zone=twostage burst=5 delay=2; proxy_pass http://upstream; }}
        location /share/ {{ limit_req zone=share burst=5 nodelay; proxy_pass http://upstream; }}
    }}
}}
"""

BALANCER_YAML = """\
listen: [{host}:{port}]
admin:
  listen: {host}:{admin}
workers: 1
access_log: off
rate_limits:
  burst: {{key: client_address, rate: 5r/s, size: 1m}}
  nodelay: {{key: client_address, rate: 5r/s, size: 1m}}
  twostage: {{key: client_address, rate: 5r/s, size: 1m}}
  share: {{key: client_address, rate: 20r/s, size: 1m}}
upstreams:
  backend:
    servers: [{host}:{upstream}]
routes:
  - {{prefix: /burst/, upstream: backend, rate_limit: {{zone: burst, burst: 5}}}}
  - {{prefix: /nodelay/, upstream: backend, rate_limit: {{zone: nodelay, burst: 5, nodelay: true}}}}
  - {{prefix: /two-stage/, upstream: backend, rate_limit: {{zone: twostage, burst: 5, delay: 2}}}}
  - {{prefix: /share/, upstream: backend, rate_limit: {{zone: share, burst: 5, nodelay: true}}}}
"""


class Upstream:
    """A keep-alive HTTP/1.1 server that answers every request head with 200 and two bytes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((HOST, 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    @staticmethod
    def _serve(conn):
        pending = b""
        with conn:
            while True:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return
                if not data:
                    return
                pending += data
                while b"\r\n\r\n" in pending:
                    _, pending = pending.split(b"\r\n\r\n", 1)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    def close(self):
        self.sock.close()


def read_response(sock, pending):
    """(status, headers, rest of the buffer) of the next response on `sock`."""
    while b"\r\n\r\n" not in pending:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        pending += data
    head, pending = pending.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(pending) < length:
        data = sock.recv(65536)
        if not data:
            raise ConnectionError("closed")
        pending += data
    return int(lines[0].split()[1]), headers, pending[length:]


def burst(port, path, count=8):
    """`count` requests sent at once on their own connections: [(status, ms)] in the order they were answered."""
    sockets = [socket.create_connection((HOST, port), timeout=10) for _ in range(count)]
    results = []
    lock = threading.Lock()
    start = time.monotonic()
    for sock in sockets:
        sock.sendall(("GET %s HTTP/1.1\r\nHost: compare\r\n\r\n" % path).encode())

    def wait(sock):
        try:
            status = read_response(sock, b"")[0]
        except OSError as error:
            status = str(error)
        with lock:
            results.append((status, (time.monotonic() - start) * 1000))

    threads = [threading.Thread(target=wait, args=(sock,)) for sock in sockets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for sock in sockets:
        sock.close()
    return sorted(results, key=lambda result: result[1])


def share(port, seconds):
    """(passed, sent, 429s with Retry-After, seconds taken) for 60 requests a second on one connection."""
    sock = socket.create_connection((HOST, port), timeout=10)
    pending = b""
    passed = sent = retry_after = 0
    start = time.monotonic()
    for index in range(int(seconds * 60)):
        due = start + index / 60
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        sock.sendall(b"GET /share/ HTTP/1.1\r\nHost: compare\r\n\r\n")
        status, headers, pending = read_response(sock, pending)
        sent += 1
        if status == 200:
            passed += 1
        elif "retry-after" in headers:
            retry_after += 1
    sock.close()
    return passed, sent, retry_after, time.monotonic() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--balancer", help="the balancer binary (default .build/release/balancer, then debug)")
    parser.add_argument("--seconds", type=float, default=5, help="length of the share case (default 5)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()

    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = args.balancer or next((path for path in (os.path.join(root, ".build/release/balancer"),
                                                      os.path.join(root, ".build/debug/balancer"))
                                    if os.path.exists(path)), None)
    nginx = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None)
    if not binary or not os.path.exists(binary):
        print("limit-compare: no balancer binary; build it or pass --balancer", file=sys.stderr)
        return 2
    if not nginx:
        print("limit-compare: nginx not found; install it with: bash scripts/install-deps.sh nginx", file=sys.stderr)
        return 2

    folder = tempfile.mkdtemp(prefix="limit-compare-")
    upstream = Upstream()
    processes = []
    try:
        prefix = os.path.join(folder, "nginx")
        os.makedirs(prefix)
        nginx_port, balancer_port = free_port(), free_port()
        conf = os.path.join(prefix, "nginx.conf")
        with open(conf, "w") as handle:
            text = NGINX_CONF.format(prefix=prefix, host=HOST, port=nginx_port, upstream=upstream.port)
            if os.getuid() == 0:
                text = "user %s;\n" % pwd.getpwuid(os.getuid()).pw_name + text
            handle.write(text)
        yaml = os.path.join(folder, "balancer.yaml")
        with open(yaml, "w") as handle:
            handle.write(BALANCER_YAML.format(host=HOST, port=balancer_port, admin=free_port(), upstream=upstream.port))
        with open(os.path.join(folder, "nginx.out"), "w") as out:
            processes.append(("nginx", nginx_port, subprocess.Popen(
                [nginx, "-p", prefix + "/", "-c", conf, "-e", os.path.join(prefix, "error.log")],
                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)))
        with open(os.path.join(folder, "balancer.out"), "w") as out:
            processes.append(("balancer", balancer_port, subprocess.Popen(
                [binary, "serve", "--config", yaml], stdout=out, stderr=subprocess.STDOUT, start_new_session=True)))
        for name, port, process in processes:
            if not wait_listening(port, process):
                print("limit-compare: %s did not start (see %s)" % (name, folder), file=sys.stderr)
                args.keep = True
                return 1

        print("%-9s %-9s %s" % ("case", "proxy", "answers: status@ms after sending, in the order they came"))
        for case, path in CASES:
            for name, port, _ in processes:
                answers = burst(port, path)
                print("%-9s %-9s %s" % (case, name, "  ".join("%s@%d" % (status, ms) for status, ms in answers)))
            time.sleep(1.5)  # every bucket drains before the next case
        print()
        for name, port, _ in processes:
            passed, sent, retry_after, took = share(port, args.seconds)
            print("share     %-9s %d of %d passed in %.2f s (20r/s x %.2f s + 6 = %.1f expected); %d refused, "
                  "%d of them with Retry-After" % (name, passed, sent, took, took, 20 * took + 6, sent - passed,
                                                  retry_after))
        return 0
    finally:
        for _, _, process in processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=8)
                except subprocess.TimeoutExpired:
                    process.kill()
        upstream.close()
        if args.keep:
            print("limit-compare: kept %s" % folder)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
