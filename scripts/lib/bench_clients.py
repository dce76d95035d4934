#!/usr/bin/env python3
"""Clients and a sink upstream for the memory and transfer sections of scripts/bench.sh (standard library only).

    bench_clients.py idle     --port P --count N --pids PID,... [--path /] [--settle 2]
    bench_clients.py tunnels  --port P --count N --pids PID,... [--path /api/ws] [--settle 2]
    bench_clients.py sink     --port P
    bench_clients.py upload   --port P --bytes N --pids PID,... [--path /upload]
    bench_clients.py download --port P --path /big/file --pids PID,...

`idle` opens N keep-alive connections to 127.0.0.1:P, sends one GET on each and reads its answer (at most
--concurrency at a time), holds them all open for --settle seconds and prints
    opened failed rss_before_kb rss_held_kb rss_after_close_kb
where RSS is VmRSS summed over the PIDs (the proxy's processes) just before the first connection, while all are
held, and a second after they were closed. `tunnels` does the same with WebSocket upgrades: each connection gets
a 101, sends one masked text frame and reads its echo before it is held.

`sink` is an HTTP/1.1 upstream that reads request bodies (Content-Length) and throws them away, answering
{"bytes":N} on a kept-alive connection; it runs until it is stopped.

`upload` POSTs N bytes of zeros (Content-Length, streamed from one 1 MiB buffer) and `download` GETs a path and
reads the body to the end; both print
    bytes seconds cpu_ticks rss_before_kb rss_peak_kb status
with bytes the body bytes the far end counted (the sink's answer for an upload, the bytes read for a download),
cpu_ticks the user+sys ticks of the PIDs during the transfer and rss_peak_kb the largest VmRSS sum sampled every
20 ms while it ran.

Every connection goes to 127.0.0.1 and every wait is bounded; the exit status is 0 when the measurement ran (the
figures say whether it went well), 2 on bad arguments.
"""

import argparse
import asyncio
import os
import re
import resource
import socket
import socketserver
import sys
import threading
import time

CHUNK = 1 << 20


def rss_kb(pids):
    """VmRSS summed over the PIDs, in kB as /proc gives it (a process that is gone counts 0)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            pass
    return total


def cpu_ticks(pids):
    """utime + stime of the PIDs, in clock ticks."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except (OSError, IndexError, ValueError):
            pass
    return total


def content_length(head):
    """The Content-Length of a head (bytes), 0 when there is none, None for a chunked body."""
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"content-length":
            length = int(value.strip())
        elif name == b"transfer-encoding" and b"chunked" in value.lower():
            return None
    return length


def status_of(head):
    try:
        return int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return 0


def raise_open_files(needed):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < needed:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(needed, soft)), hard))


# ---------------------------------------------------------------------------------------------------------------
# Idle connections and WebSocket tunnels

WS_PAYLOAD = b"bench"


def ws_frame(payload):
    """A masked final text frame (clients must mask, RFC 6455 section 5.3)."""
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + mask + masked


async def open_one(args, semaphore, held, failures):
    async with semaphore:
        writer = None
        try:
            reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", args.port), 10)
            if args.command == "tunnels":
                key = "dGhlIHNhbXBsZSBub25jZQ=="
                writer.write((f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                              f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                              "Sec-WebSocket-Version: 13\r\n\r\n").encode())
            else:
                writer.write(f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            status = status_of(head)
            if args.command == "tunnels":
                if status != 101:
                    raise ValueError(f"status {status}")
                writer.write(ws_frame(WS_PAYLOAD))
                echo = await asyncio.wait_for(reader.readexactly(2 + len(WS_PAYLOAD)), 10)
                if echo[2:] != WS_PAYLOAD:
                    raise ValueError("wrong echo")
            else:
                length = content_length(head)
                if length is None or not 200 <= status < 300:
                    raise ValueError(f"status {status}")
                if length:
                    await asyncio.wait_for(reader.readexactly(length), 10)
            held.append(writer)
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError,
                ValueError) as error:
            failures.append(str(error) or type(error).__name__)
            if writer is not None:
                writer.close()


async def hold_connections(args, pids):
    raise_open_files(args.count + 64)
    semaphore = asyncio.Semaphore(args.concurrency)
    held, failures = [], []
    before = rss_kb(pids)
    tasks = [asyncio.create_task(open_one(args, semaphore, held, failures)) for _ in range(args.count)]
    done, pending = await asyncio.wait(tasks, timeout=args.timeout)
    for task in pending:
        task.cancel()
        failures.append("timeout")
    await asyncio.sleep(args.settle)
    # The proxy may still be releasing per-request memory: take the last of a few readings a little apart.
    held_rss = rss_kb(pids)
    for _ in range(3):
        await asyncio.sleep(0.2)
        held_rss = rss_kb(pids)
    # Still open? A proxy that closed them would have read EOF on our side.
    still_open = sum(1 for writer in held if not writer.transport.is_closing())
    for writer in held:
        writer.close()
    await asyncio.sleep(1.0)
    after = rss_kb(pids)
    if failures:
        kinds = {}
        for failure in failures:
            kinds[failure] = kinds.get(failure, 0) + 1
        summary = ", ".join(f"{k} x{v}" for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])[:3])
        print(f"bench_clients: {len(failures)} of {args.count} connections failed: {summary}", file=sys.stderr)
    print(still_open, args.count - still_open, before, held_rss, after)


# ---------------------------------------------------------------------------------------------------------------
# The sink upstream

class SinkHandler(socketserver.BaseRequestHandler):
    """Reads requests on one connection and discards their bodies; answers the byte count."""

    def handle(self):
        sock = self.request
        sock.settimeout(120)
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        pending = b""
        try:
            while True:
                while b"\r\n\r\n" not in pending:
                    data = sock.recv(65536)
                    if not data:
                        return
                    pending += data
                    if len(pending) > 65536:
                        return
                head, _, rest = pending.partition(b"\r\n\r\n")
                length = content_length(head)
                if length is None:
                    sock.sendall(b"HTTP/1.1 411 Length Required\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                received = min(len(rest), length)
                pending = rest[length:]
                while received < length:
                    n = sock.recv_into(view, min(CHUNK, length - received))
                    if n == 0:
                        return
                    received += n
                body = b'{"bytes":%d}' % received
                sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
                             % len(body) + body)
        except OSError:
            return


class SinkServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


def run_sink(args):
    with SinkServer(("127.0.0.1", args.port), SinkHandler) as server:
        server.serve_forever()


# ---------------------------------------------------------------------------------------------------------------
# Transfers

class Sampler(threading.Thread):
    """Samples the VmRSS sum of the PIDs every 20 ms and keeps the largest."""

    def __init__(self, pids):
        super().__init__(daemon=True)
        self.pids = pids
        self.peak = rss_kb(pids)
        self.stopping = threading.Event()

    def run(self):
        while not self.stopping.wait(0.02):
            self.peak = max(self.peak, rss_kb(self.pids))

    def stop(self):
        self.stopping.set()
        self.join()
        self.peak = max(self.peak, rss_kb(self.pids))


def read_response(sock, count_body):
    """Reads one response to its end (the connection is closed after it). Returns (status, body bytes, body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return status_of(data), 0, b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = content_length(head)
    body = bytearray(rest) if not count_body else bytearray()
    received = len(rest)
    buffer = bytearray(CHUNK)
    view = memoryview(buffer)
    while length is None or received < length:
        n = sock.recv_into(view, CHUNK)
        if n == 0:
            break
        received += n
        if not count_body:
            body += view[:n]
    return status_of(head), received, bytes(body)


def transfer(args, pids):
    sampler = Sampler(pids)
    before = rss_kb(pids)
    ticks = cpu_ticks(pids)
    sock = socket.create_connection(("127.0.0.1", args.port), timeout=120)
    sampler.start()
    started = time.monotonic()
    try:
        if args.command == "upload":
            sock.sendall((f"POST {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                          f"Content-Length: {args.bytes}\r\nConnection: close\r\n\r\n").encode())
            zeros = memoryview(bytes(CHUNK))
            left = args.bytes
            while left > 0:
                step = min(CHUNK, left)
                sock.sendall(zeros[:step])
                left -= step
            status, _, body = read_response(sock, count_body=False)
            match = re.search(rb'"bytes":\s*(\d+)', body)
            moved = int(match.group(1)) if match else 0
        else:
            sock.sendall(f"GET {args.path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
            status, moved, _ = read_response(sock, count_body=True)
    except OSError as error:
        print(f"bench_clients: {args.command} failed: {error}", file=sys.stderr)
        status, moved = 0, 0
    finally:
        elapsed = time.monotonic() - started
        sock.close()
        sampler.stop()
    print(moved, f"{elapsed:.3f}", cpu_ticks(pids) - ticks, before, sampler.peak, status)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["idle", "tunnels", "sink", "upload", "download"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--settle", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=180.0, help="seconds to open all connections")
    parser.add_argument("--path")
    parser.add_argument("--bytes", type=int, default=1 << 30)
    parser.add_argument("--pids", default="", help="comma-separated pids of the proxy's processes")
    args = parser.parse_args()
    if not 0 < args.port < 65536 or not 0 < args.count <= 100000 or not 0 < args.bytes <= 1 << 40:
        parser.error("out of range")
    pids = [int(p) for p in args.pids.split(",") if p]
    if args.command == "sink":
        run_sink(args)
    elif args.command in ("idle", "tunnels"):
        args.path = args.path or ("/api/ws" if args.command == "tunnels" else "/")
        asyncio.run(hold_connections(args, pids))
    else:
        if args.path is None:
            args.path = "/upload"
        transfer(args, pids)


if __name__ == "__main__":
    main()
