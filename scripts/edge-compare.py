#!/usr/bin/env python3
"""Sends the same hostile HTTP/1 bytes to nginx and to the balancer and prints, side by side, what each did.

For every case the exact bytes go over a fresh raw socket to each proxy. Recorded per proxy:

  * the status line the client got back ("closed" when the connection closed without a byte, "timeout" when
    nothing came within the case's deadline, "reset" when the connection was reset),
  * what a recording upstream of this script read for it: method, target, body length (and Host or the framing
    line when the case is about those),
  * whether anything reached the next request: after each case a normal GET goes over another fresh connection,
    and the upstream must read exactly that GET and the client must get exactly its answer.

Response-side cases route to a second upstream that answers with the raw bytes chosen for the case.

Everything runs on 127.0.0.1 on free ports: one recording and one hostile upstream per proxy (so the two
proxies never share a log), nginx (Debian's package, run as the current user with a generated config in a
temporary prefix, `daemon off`; `proxy_set_header Host $host` so that, like the balancer, it passes the client's
Host on) and the built balancer (a generated YAML config; one event loop, like nginx's one worker, so that both
reuse one upstream connection, where a mis-framed body would become the start of the next request). Every process started here is
stopped on exit, on Ctrl-C and on SIGTERM. Nothing is installed.

    python3 scripts/edge-compare.py [--balancer PATH] [--markdown] [--verbose] [--only SUBSTRING] [--raw-paths]
                                    [--keep]

    --balancer PATH   the balancer binary (default .build/release/balancer, then .build/debug/balancer)
    --markdown        print the table as Markdown (for docs/edge-safety.md)
    --verbose         print each exchange: the answer's head and every request the upstream read
    --only SUBSTRING  run only the cases whose name contains SUBSTRING
    --raw-paths       run the balancer with `proxy.normalize_path: false` (the target goes upstream as received)
    --keep            keep the temporary folder (configs, nginx error log, balancer output) and print its path

Exit status: 0 when the comparison ran (it is informational: differences do not fail it), 2 when a prerequisite
is missing (nginx or the balancer binary), 1 when a proxy could not be started.
"""

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))
from loopback import HOST, free_port, wait_listening  # noqa: E402

CASE_TIMEOUT = 2.5          # seconds a case may take to be answered
STALL_TIMEOUT = 3.0         # the stalled-body case: client_body_timeout (2s) plus a margin
LINGER = 0.25              # seconds to watch for bytes after a complete response
SETTLE = 0.15               # seconds for the upstream to log what a proxy sent before it is read
BODY_TIMEOUT = "2s"


# ---------------------------------------------------------------------------------------------------------------
# The upstreams


class Upstream:
    """A raw-socket HTTP/1.1 server that logs each request it parses and answers 200 `METHOD target bodylength`.

    With `hostile` responses (a dict: case key -> (raw bytes, close after)), a request for /__resp/KEY is answered
    with those bytes instead. Keep-alive as a backend would do it: the connection stays open unless the request
    said `Connection: close`, the head could not be parsed or the raw answer says to close.
    """

    def __init__(self, hostile=None):
        self.hostile = hostile
        self.records = []
        self.lock = threading.Lock()
        self.connections = []
        self.closing = False
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind((HOST, 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.connection_count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def mark(self):
        with self.lock:
            return len(self.records)

    def since(self, mark):
        with self.lock:
            return list(self.records[mark:])

    def close(self):
        self.closing = True
        for sock in [self.listener] + self.connections:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass

    def _accept(self):
        while not self.closing:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connection_count += 1
            self.connections.append(conn)
            threading.Thread(target=self._serve, args=(conn, self.connection_count), daemon=True).start()

    def _log(self, record):
        with self.lock:
            self.records.append(record)

    def _serve(self, conn, number):
        conn.settimeout(30)
        reader = _Reader(conn)
        try:
            while not self.closing:
                head = reader.until(b"\r\n\r\n", limit=256 * 1024)
                if head is None:
                    if reader.buffer:
                        self._log({"conn": number, "error": "unterminated head", "raw": bytes(reader.buffer[:60])})
                    return
                lines = head[:-4].split(b"\r\n")
                parts = lines[0].split(b" ")
                if len(parts) != 3:
                    self._log({"conn": number, "error": "bad request line", "raw": head[:60]})
                    conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                    return
                method, target, version = (p.decode("latin-1") for p in parts)
                headers = []
                for line in lines[1:]:
                    name, _, value = line.partition(b":")
                    headers.append((name.decode("latin-1").strip().lower(), value.decode("latin-1").strip()))
                values = lambda n: [v for k, v in headers if k == n]  # noqa: E731
                record = {"conn": number, "method": method, "target": target, "version": version,
                          "host": values("host"), "cl": values("content-length"),
                          "te": values("transfer-encoding"), "headers": headers, "body": 0}
                te = ",".join(record["te"]).lower()
                body = b""
                try:
                    if te:
                        if te.replace(" ", "").split(",")[-1] != "chunked":
                            raise ValueError("transfer-coding " + te)
                        body = reader.chunked()
                    elif record["cl"]:
                        body = reader.exactly(int(record["cl"][0]))
                except CutOff as error:
                    # The proxy gave up on the request after its head went out: the upstream saw a request cut off.
                    record["error"] = "cut off: %s" % error
                    record["body"] = reader.decoded if te else len(reader.buffer)
                    self._log(record)
                    return
                except ValueError as error:
                    # A body this server cannot frame: what a proxy must never pass on.
                    record["error"] = "MALFORMED BODY: %s" % error
                    record["body"] = reader.decoded if te else len(reader.buffer)
                    self._log(record)
                    return
                record["body"] = len(body)
                record["trailers"] = reader.trailers
                record["body_start"] = body[:48]
                self._log(record)
                close = any(v.lower() == "close" for v in values("connection")) or version == "HTTP/1.0"
                key = target[len("/__resp/"):] if target.startswith("/__resp/") else None
                if self.hostile is not None and key in self.hostile:
                    raw, close_after = self.hostile[key]
                    conn.sendall(raw)
                    if close_after:
                        return
                    continue
                answer = ("%s %s %d" % (method, target, len(body))).encode("latin-1")
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: %d\r\n%s\r\n%s" % (
                    len(answer), b"Connection: close\r\n" if close else b"", answer))
                if close:
                    return
        except (OSError, socket.timeout):
            return
        finally:
            try:
                conn.close()
            except OSError:
                pass


class CutOff(Exception):
    """The peer closed (or stalled) in the middle of a message."""


class _Reader:
    """Buffered reads from a socket; None or an exception when the peer stops early."""

    def __init__(self, sock):
        self.sock = sock
        self.buffer = bytearray()
        self.decoded = 0
        self.trailers = []

    def _more(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buffer += data

    def until(self, marker, limit):
        while marker not in self.buffer:
            if len(self.buffer) > limit:
                return None
            try:
                self._more()
            except (EOFError, OSError):
                return None
        end = self.buffer.index(marker) + len(marker)
        out = bytes(self.buffer[:end])
        del self.buffer[:end]
        return out

    def exactly(self, count):
        while len(self.buffer) < count:
            try:
                self._more()
            except EOFError:
                raise CutOff("closed after %d of %d bytes" % (len(self.buffer), count))
            except OSError as error:
                raise CutOff("%s after %d of %d bytes" % (type(error).__name__, len(self.buffer), count))
        out = bytes(self.buffer[:count])
        del self.buffer[:count]
        return out

    def line(self):
        out = self.until(b"\r\n", limit=4096)
        if out is None:
            raise CutOff("closed within the chunked body")
        return out[:-2]

    def chunked(self):
        self.decoded = 0
        body = b""
        while True:
            size = int(self.line().split(b";")[0].strip(), 16)
            if size == 0:
                self.trailers = []
                line = self.line()
                while line:
                    self.trailers.append(line.decode("latin-1"))
                    line = self.line()
                return body
            body += self.exactly(size)
            self.decoded = len(body)
            if self.exactly(2) != b"\r\n":
                raise ValueError("chunk without CRLF")


# ---------------------------------------------------------------------------------------------------------------
# The client side


def exchange(port, data, timeout, head_request=False):
    """Sends `data` on a fresh connection and reads one response: dict(state, status, headers, body, raw)."""
    result = {"state": "timeout", "status": None, "code": None, "headers": [], "body": b"", "raw": b"", "extra": 0,
              "framing": None}
    deadline = time.monotonic() + timeout
    try:
        sock = socket.create_connection((HOST, port), timeout=timeout)
    except OSError as error:
        result["state"] = "connect failed: %s" % error
        return result
    raw = bytearray()
    try:
        try:
            sock.sendall(data)
        except OSError:
            pass  # the proxy may have answered and closed before taking every byte; read what it said
        while True:
            parsed = _parse_response(bytes(raw), head_request)
            if parsed is not None and parsed["complete"]:
                result.update(parsed)
                result["state"] = "complete"
                result["extra"] = _linger(sock, len(raw) - parsed["length"])
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                if parsed is not None:
                    result.update(parsed)
                break
            sock.settimeout(remaining)
            try:
                chunk = sock.recv(65536)
            except socket.timeout:
                continue
            except ConnectionResetError:
                if parsed is not None:
                    result.update(parsed)
                result["state"] = "reset"
                break
            if not chunk:
                parsed = _parse_response(bytes(raw), head_request, closed=True)
                if parsed is not None:
                    result.update(parsed)
                    result["state"] = "complete" if parsed["complete"] else "closed"
                else:
                    result["state"] = "closed"
                break
            raw += chunk
    finally:
        result["raw"] = bytes(raw)
        sock.close()
    return result


def _linger(sock, already):
    """Bytes that follow a complete response on the same connection within a moment (there should be none)."""
    extra = already
    deadline = time.monotonic() + LINGER
    try:
        while time.monotonic() < deadline:
            sock.settimeout(max(0.01, deadline - time.monotonic()))
            chunk = sock.recv(65536)
            if not chunk:
                break
            extra += len(chunk)
    except OSError:
        pass
    return extra


def _parse_response(raw, head_request, closed=False):
    """The first response in `raw` (1xx answers skipped), or None while its head is incomplete."""
    offset = 0
    while True:
        end = raw.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = raw[:end].split(b"\r\n")
        status_line = lines[0].decode("latin-1")
        headers = []
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers.append((name.decode("latin-1").strip().lower(), value.decode("latin-1").strip()))
        match = re.match(r"HTTP/\d\.\d (\d{3})(?: |$)", status_line)
        code = int(match.group(1)) if match else None
        offset += end + 4
        rest = raw[end + 4:]
        if code is not None and 100 <= code < 200 and code != 101:
            raw = rest
            continue
        out = {"status": status_line, "code": code, "headers": headers, "complete": False, "body": b"",
               "length": offset}
        values = [v.lower() for k, v in headers if k == "transfer-encoding"]
        lengths = [v for k, v in headers if k == "content-length"]
        if head_request or code in (204, 304):
            out.update(complete=True, framing="none")
            return out
        if values and values[-1].endswith("chunked"):
            out["framing"] = "chunked"
            body, used = _dechunk(rest)
            out.update(body=body, complete=used is not None, length=offset + (used or 0))
            return out
        if lengths:
            try:
                length = int(lengths[0])
            except ValueError:
                length = None
            if length is not None:
                out["framing"] = "CL"
                out.update(body=rest[:length], complete=len(rest) >= length, length=offset + length)
                return out
        out["framing"] = "until close"
        out.update(body=rest, complete=closed, length=offset + len(rest))
        return out


def _dechunk(data):
    """The decoded body and how many bytes the chunked message took (None while it is incomplete)."""
    body = b""
    position = 0
    while True:
        end = data.find(b"\r\n", position)
        if end < 0:
            return body, None
        try:
            size = int(data[position:end].split(b";")[0].strip(), 16)
        except ValueError:
            return body, None
        position = end + 2
        if size == 0:
            while True:
                line_end = data.find(b"\r\n", position)
                if line_end < 0:
                    return body, None
                if line_end == position:
                    return body, position + 2
                position = line_end + 2
        if len(data) < position + size + 2:
            body += data[position:]
            return body, None
        body += data[position:position + size]
        position += size + 2


# ---------------------------------------------------------------------------------------------------------------
# The cases

SMUGGLED = b"GET /api/echo?HIJACKED HTTP/1.1\r\nX-Ignore: x"
assert len(SMUGGLED) == 44


class Case:
    def __init__(self, name, data, show=(), timeout=CASE_TIMEOUT, response=None, close_after=True, probe=None,
                 head_request=False):
        self.name = name              # Markdown; backticks are dropped for the plain table
        self.data = data              # the exact bytes the client sends
        self.show = show              # extra upstream fields worth a look: "host", "framing", "underscore"
        self.timeout = timeout
        self.response = response      # response side: the raw bytes the hostile upstream answers with
        self.close_after = close_after
        self.probe = probe            # the follow-up request (default: a normal GET)
        self.head_request = head_request


def post(target, headers, body, version="HTTP/1.1"):
    return ("POST %s %s\r\n" % (target, version)).encode() + headers.encode() + b"\r\n" + body


REQUEST_CASES = [
    Case("`Connection: Content-Length`, 44-byte body holding a request line",
         b"POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\nContent-Length: 44\r\n\r\n" + SMUGGLED,
         show=("framing",),
         probe=b"GET /api/echo?victim HTTP/1.1\r\nHost: x\r\nCookie: session=victim-secret\r\nConnection: close\r\n\r\n"),
    Case("`Connection: Host, close`",
         b"GET /h HTTP/1.1\r\nHost: shop.test\r\nConnection: Host, close\r\n\r\n", show=("host",)),
    Case("CL + TE (`Content-Length: 6`, `chunked`, `0` chunk, then `X`)",
         post("/u", "Host: h\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n", b"0\r\n\r\nX"),
         show=("framing",)),
    Case("TE + CL, `Transfer-Encoding: chunked` twice",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\nContent-Length: 6\r\n",
              b"0\r\n\r\nX"),
         show=("framing",)),
    Case("`Transfer-Encoding: chunked` twice, no CL",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n", b"1\r\na\r\n0\r\n\r\n"),
         show=("framing",)),
    Case("two identical `Content-Length: 5` lines",
         post("/u", "Host: h\r\nContent-Length: 5\r\nContent-Length: 5\r\n", b"hello"), show=("framing",)),
    Case("`Content-Length: 5, 5`", post("/u", "Host: h\r\nContent-Length: 5, 5\r\n", b"hello"), show=("framing",)),
    Case("`Content-Length: +5`", post("/u", "Host: h\r\nContent-Length: +5\r\n", b"hello"), show=("framing",)),
    Case("chunk size `0x5`",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\n", b"0x5\r\nhello\r\n0\r\n\r\n"), show=("framing",)),
    Case("chunk size overflow (`10000000000000005`)",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\n", b"10000000000000005\r\nhello\r\n0\r\n\r\n"),
         show=("framing",)),
    Case("chunk data without its CRLF",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\n", b"1\r\nab\r\n0\r\n\r\n"), show=("framing",)),
    Case("chunk-size line ended by a bare LF",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\n", b"1\nb\r\n0\r\n\r\n"), show=("framing",)),
    Case("trailer fields `Content-Length: 50`, `Transfer-Encoding: x`",
         post("/u", "Host: h\r\nTransfer-Encoding: chunked\r\n",
              b"1\r\nb\r\n0\r\nContent-Length: 50\r\nTransfer-Encoding: x\r\n\r\n"), show=("framing",)),
    Case("`Transfer-Encoding:<TAB>chunked`",
         post("/u", "Host: h\r\nTransfer-Encoding:\tchunked\r\n", b"1\r\na\r\n0\r\n\r\n"), show=("framing",)),
    Case("`Transfer_Encoding: chunked` (underscore) with `Content-Length: 6`",
         post("/u", "Host: h\r\nContent-Length: 6\r\nTransfer_Encoding: chunked\r\n", b"0\r\n\r\nX"),
         show=("framing", "underscore")),
    Case("`X_Real_IP: 6.6.6.6` (underscore)",
         b"GET /ip HTTP/1.1\r\nHost: h\r\nX_Real_IP: 6.6.6.6\r\n\r\n", show=("underscore",)),
    Case("obs-fold (`X: a`, then a line starting with a space)", b"GET /fold HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n"),
    Case("space before the colon (`Content-Length : 5`)",
         post("/u", "Host: h\r\nContent-Length : 5\r\n", b"hello"), show=("framing",)),
    Case("space before the colon (`Host : h`)", b"GET /sp HTTP/1.1\r\nHost : h\r\n\r\n", show=("host",)),
    Case("bare LF line ends", b"GET /lf HTTP/1.1\nHost: h\n\n"),
    Case("header name `X/Y`", b"GET /hn HTTP/1.1\r\nHost: h\r\nX/Y: z\r\n\r\n"),
    Case("two spaces after the method", b"GET  /ds HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`HTTP/1.2`", b"GET /v12 HTTP/1.2\r\nHost: h\r\n\r\n"),
    Case("method `GE(T`", b"GE(T / HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("lowercase method `get`", b"get /lower HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("two Host lines", b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", show=("host",)),
    Case("empty Host", b"GET / HTTP/1.1\r\nHost:\r\n\r\n", show=("host",)),
    Case("no Host on HTTP/1.1", b"GET / HTTP/1.1\r\nX: y\r\n\r\n", show=("host",)),
    Case("`Host: a/b`", b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", show=("host",)),
    Case("`Host: a@b`", b"GET / HTTP/1.1\r\nHost: a@b\r\n\r\n", show=("host",)),
    Case("absolute-form naming another host",
         b"GET http://other.test/x HTTP/1.1\r\nHost: shop.test\r\n\r\n", show=("host",)),
    Case("`%00` in the path", b"GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`/a%zz`", b"GET /a%zz HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`/api/../x`", b"GET /api/../x HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`/api/%2e%2e/x`", b"GET /api/%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`//x`", b"GET //x HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("`/../../etc/passwd`", b"GET /../../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n"),
    Case("TE on HTTP/1.0",
         post("/u", "Transfer-Encoding: chunked\r\n", b"1\r\na\r\n0\r\n\r\n", version="HTTP/1.0"),
         show=("framing",)),
    Case("`Transfer-Encoding: gzip, chunked`",
         post("/u", "Host: h\r\nTransfer-Encoding: gzip, chunked\r\n", b"1\r\na\r\n0\r\n\r\n"), show=("framing",)),
    Case("20 KB header line", b"GET /big HTTP/1.1\r\nHost: h\r\nX-Big: " + b"a" * 20480 + b"\r\n\r\n"),
    Case("stalled body (`Content-Length: 1000`, 10 bytes sent)",
         post("/u", "Host: h\r\nContent-Length: 1000\r\n", b"0123456789"), show=("framing",),
         timeout=STALL_TIMEOUT),
]


def response_case(name, key, raw, close_after=True, method="GET"):
    return Case(name, ("%s /__resp/%s HTTP/1.1\r\nHost: h\r\n\r\n" % (method, key)).encode(), response=(key, raw),
                close_after=close_after, head_request=method == "HEAD",
                probe=b"GET /__resp/probe HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n")


RESPONSE_CASES = [
    response_case("upstream: CL + TE", "clte",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
    response_case("upstream: `Transfer-Encoding: identity` with CL", "identity",
                  b"HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok"),
    response_case("upstream: 4-digit status `2000`", "status4",
                  b"HTTP/1.1 2000 OK\r\nContent-Length: 2\r\n\r\nok"),
    response_case("upstream: `Connection: Content-Length` with a body", "connlen",
                  b"HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok", close_after=False),
    response_case("upstream: TE on an HTTP/1.0 response", "te10",
                  b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n"),
    response_case("upstream: 70 KB response header", "bighead",
                  b"HTTP/1.1 200 OK\r\nX-Big: " + b"a" * 71680 + b"\r\nContent-Length: 2\r\n\r\nok"),
    response_case("upstream: `Content-Length: 2, 2`", "cllist",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"),
    response_case("upstream: bare LF line ends", "lf", b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
    response_case("upstream: status `600`", "status600", b"HTTP/1.1 600 X\r\nContent-Length: 2\r\n\r\nok"),
    response_case("upstream: `Transfer-Encoding: chunked, gzip`, then close", "notlast",
                  b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nabc"),
    response_case("upstream: 204 with `Content-Length: 8` and 8 bytes (kept open)", "nobody",
                  b"HTTP/1.1 204 No Content\r\nContent-Length: 8\r\n\r\nINJECTED", close_after=False),
    response_case("upstream: 101 to a GET that asked for no upgrade (kept open)", "switch",
                  b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nRAW",
                  close_after=False),
    response_case("upstream: HEAD answered with an 8-byte body (kept open)", "headbody",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED", close_after=False, method="HEAD"),
    response_case("upstream: a second response after the body (kept open)", "split",
                  b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
                  b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nINJECTED", close_after=False),
]

DEFAULT_PROBE = b"GET /__probe HTTP/1.1\r\nHost: probe\r\nConnection: close\r\n\r\n"


# ---------------------------------------------------------------------------------------------------------------
# The proxies


NGINX_CONF = """\
user {user};
worker_processes 1;
daemon off;
master_process on;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log info;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/client_body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    client_body_timeout {body_timeout};
    upstream upstream {{ server {host}:{upstream} max_fails=0; keepalive 8; }}
    upstream hostile {{ server {host}:{hostile} max_fails=0; keepalive 8; }}
    server {{
        listen {host}:{port};
        proxy_http_version 1.1;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        location / {{ proxy_pass http://upstream; }}
        location /__resp/ {{ proxy_pass http://hostile; }}
    }}
}}
"""

BALANCER_YAML = """\
listen: [{host}:{port}]
admin:
  listen: {host}:{admin}
workers: 1
access_log: off
{proxy}limits:
  client_body_timeout: {body_timeout}
upstreams:
  backend:
    max_fails: 0
    servers: [{host}:{upstream}]
  hostile:
    max_fails: 0
    servers: [{host}:{hostile}]
routes:
  - prefix: /__resp/
    upstream: hostile
  - prefix: /
    upstream: backend
"""


class Proxy:
    def __init__(self, name, hostile_answers):
        self.name = name
        self.upstream = Upstream()
        self.hostile = Upstream(hostile=hostile_answers)
        self.port = free_port()
        self.process = None
        self.output = None

    def alive(self):
        return self.process is not None and self.process.poll() is None

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=8)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        if self.output is not None:
            self.output.close()
        self.upstream.close()
        self.hostile.close()


def start_nginx(proxy, folder):
    prefix = os.path.join(folder, "nginx")
    os.makedirs(prefix)
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as handle:
        handle.write(NGINX_CONF.format(user=pwd.getpwuid(os.getuid()).pw_name, prefix=prefix, host=HOST,
                                       port=proxy.port, upstream=proxy.upstream.port, hostile=proxy.hostile.port,
                                       body_timeout=BODY_TIMEOUT))
    proxy.output = open(os.path.join(prefix, "stderr.log"), "w")
    proxy.process = subprocess.Popen(["nginx", "-p", prefix + "/", "-c", conf, "-e", os.path.join(prefix, "error.log")],
                                     stdout=proxy.output, stderr=subprocess.STDOUT, start_new_session=True)
    return os.path.join(prefix, "error.log")


def start_balancer(proxy, folder, binary, raw_paths=False):
    conf = os.path.join(folder, "balancer.yaml")
    with open(conf, "w") as handle:
        handle.write(BALANCER_YAML.format(host=HOST, port=proxy.port, admin=free_port(), upstream=proxy.upstream.port,
                                          hostile=proxy.hostile.port, body_timeout=BODY_TIMEOUT,
                                          proxy="proxy:\n  normalize_path: false\n" if raw_paths else ""))
    log = os.path.join(folder, "balancer.log")
    proxy.output = open(log, "w")
    proxy.process = subprocess.Popen([binary, "serve", "--config", conf], stdout=proxy.output,
                                     stderr=subprocess.STDOUT, start_new_session=True)
    return log


# ---------------------------------------------------------------------------------------------------------------
# Running and summarising


def describe_record(record, show):
    if "method" not in record:
        return "%s %r" % (record["error"], record["raw"])
    text = "%s %s %dB" % (record["method"], record["target"], record["body"])
    if "framing" in show:
        if record["te"]:
            text += " TE:" + ",".join(record["te"])
        elif record["cl"]:
            text += " CL:" + ",".join(record["cl"])
    if "framing" in show and record.get("trailers"):
        text += " trailers:" + "|".join(record["trailers"])
    if "underscore" in show:
        names = ["%s: %s" % (k, v) for k, v in record["headers"] if "_" in k]
        text += " " + ("|".join(names) if names else "(no underscore header)")
    if "host" in show:
        text += " Host:" + ("|".join(record["host"]) if record["host"] else "(none)")
    if record.get("error", "").startswith("cut off"):
        text += ", then closed (request cut off)"
    elif record.get("error"):
        text += " " + record["error"]
    return text


def client_status(answer):
    if answer["status"] is None:
        return answer["state"] if answer["raw"] == b"" else "junk %r" % answer["raw"][:20]
    code = str(answer["code"]) if answer["code"] is not None else "status line %r" % answer["status"][:24]
    if answer["state"] not in ("complete",):
        code += " (then %s)" % answer["state"]
    return code


def run_case(proxy, case):
    """One case against one proxy: dict(status, upstream, next, forwarded, cut, code, details)."""
    if not proxy.alive():
        return {"status": "proxy not running", "upstream": [], "next": [], "forwarded": None, "cut": False,
                "code": None, "details": []}
    server = proxy.hostile if case.response else proxy.upstream
    mark = server.mark()
    answer = exchange(proxy.port, case.data, case.timeout, case.head_request)
    time.sleep(SETTLE)
    seen = server.since(mark)
    crashed = not proxy.alive()

    # The next request, on a fresh connection: it must reach the upstream as sent and get its own answer.
    probe = case.probe or DEFAULT_PROBE
    probe_target = probe.split(b" ")[1].decode()
    mark = server.mark()
    follow = exchange(proxy.port, probe, CASE_TIMEOUT) if not crashed else None
    time.sleep(SETTLE)
    probe_seen = server.since(mark)
    expected_body = ("GET %s 0" % probe_target).encode()
    problems = []
    if crashed or not proxy.alive():
        problems.append("PROXY EXITED")
    else:
        if follow["code"] != 200 or follow["body"] != expected_body:
            problems.append("next client got %s %r" % (client_status(follow), follow["body"][:60]))
        if [r.get("target") for r in probe_seen] != [probe_target] or any(r.get("error") for r in probe_seen):
            problems.append("upstream read for next: " + "; ".join(describe_record(r, ()) for r in probe_seen))
    if answer["extra"]:
        problems.append("%d bytes followed the response on the client's connection" % answer["extra"])
    if any(r.get("error", "").startswith("MALFORMED") or "method" not in r for r in seen):
        problems.append("upstream could not parse what it was sent")

    status = client_status(answer)
    if case.response:
        # Relayed: the client got the upstream's answer, not one the proxy made up (502/504) or nothing.
        forwarded = answer["raw"] != b"" and answer["code"] not in (502, 503, 504)
        if forwarded:
            body = answer["body"]
            status += " %s %dB %r" % (answer.get("framing") or "", len(body), body[:12].decode("latin-1"))
        upstream = []
        cut = False
    else:
        upstream = [describe_record(r, case.show) for r in seen]
        forwarded = any(not r.get("error") for r in seen)
        cut = any(r.get("error", "").startswith("cut off") for r in seen)
    details = ["    client <- %r" % answer["raw"][:300]]
    details += ["    upstream read: %s  headers=%r" % (describe_record(r, ("framing", "host")), r.get("headers"))
                for r in seen]
    if follow is not None:
        details.append("    next client <- %r" % follow["raw"][:200])
    details += ["    upstream read for next: %s" % describe_record(r, ("framing", "host")) for r in probe_seen]
    return {"status": status, "upstream": upstream, "next": problems, "forwarded": forwarded, "cut": cut,
            "code": answer["code"], "details": details}


def cell(result, markdown):
    text = result["status"]
    if result["upstream"]:
        forwarded = " + ".join(result["upstream"])
        text += " → " + ("`%s`" % forwarded if markdown else forwarded)
    if result["next"]:
        warning = "NEXT REQUEST AFFECTED: %s" % "; ".join(result["next"])
        text += " " + ("**%s**" % warning if markdown else warning)
    return text


def note(nginx, balancer):
    notes = []
    if nginx["next"] or balancer["next"]:
        notes.append("NEXT REQUEST AFFECTED")
    if nginx["forwarded"] is None or balancer["forwarded"] is None:
        return "; ".join(notes + ["not compared"])
    if nginx["forwarded"] and not balancer["forwarded"]:
        notes.append("balancer stricter")
    elif balancer["forwarded"] and not nginx["forwarded"]:
        notes.append("balancer more lenient")
    elif nginx["forwarded"]:
        same = nginx["upstream"] == balancer["upstream"] and nginx["status"] == balancer["status"]
        notes.append("both pass" + ("" if same else ", differently"))
    else:
        notes.append("both refuse")
    for name, result in (("nginx", nginx), ("balancer", balancer)):
        if result["cut"] and not result["forwarded"]:
            notes.append("%s had begun the upstream request and cut it off" % name)
    return "; ".join(notes)


def plain(text):
    return text.replace("`", "").replace("**", "")


def print_table(rows, markdown):
    header = ["case", "nginx", "balancer", "note"]
    if markdown:
        escape = lambda s: s.replace("|", "\\|")  # noqa: E731
        print("| " + " | ".join(header) + " |")
        print("| " + " | ".join("---" for _ in header) + " |")
        for row in rows:
            print("| " + " | ".join(escape(c) for c in row) + " |")
        return
    rows = [[plain(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    line = lambda r: "  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    print(line(header))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def find_balancer(explicit):
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for candidate in (".build/release/balancer", ".build/debug/balancer"):
        path = os.path.join(root, candidate)
        if os.access(path, os.X_OK):
            return path
    return None


def main():
    parser = argparse.ArgumentParser(description="Compare nginx's and the balancer's answers to hostile HTTP/1.")
    parser.add_argument("--balancer", help="the balancer binary (default .build/release/balancer, then debug)")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--verbose", action="store_true", help="print every exchange in full")
    parser.add_argument("--only", help="run only the cases whose name contains this")
    parser.add_argument("--raw-paths", action="store_true", help="run the balancer with proxy.normalize_path: false")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder and print its path")
    args = parser.parse_args()

    if shutil.which("nginx") is None:
        print("edge-compare: nginx is not installed; run `bash scripts/install-deps.sh nginx` first", file=sys.stderr)
        return 2
    binary = find_balancer(args.balancer)
    if binary is None:
        where = args.balancer or ".build/release/balancer or .build/debug/balancer"
        print("edge-compare: no balancer binary at %s; run `swift build --product balancer` first" % where,
              file=sys.stderr)
        return 2

    cases = REQUEST_CASES + RESPONSE_CASES
    if args.only:
        cases = [c for c in cases if args.only.lower() in plain(c.name).lower()]
    answers = {c.response[0]: (c.response[1], c.close_after) for c in cases if c.response}

    def stop_on_signal(signum, _frame):
        raise KeyboardInterrupt("signal %d" % signum)

    signal.signal(signal.SIGTERM, stop_on_signal)
    signal.signal(signal.SIGINT, stop_on_signal)

    folder = tempfile.mkdtemp(prefix="edge-compare-")
    proxies = []
    try:
        nginx = Proxy("nginx", answers)
        proxies.append(nginx)
        nginx_log = start_nginx(nginx, folder)
        balancer = Proxy("balancer", answers)
        proxies.append(balancer)
        balancer_log = start_balancer(balancer, folder, binary, args.raw_paths)
        for proxy, log in ((nginx, nginx_log), (balancer, balancer_log)):
            if not wait_listening(proxy.port, proxy.process):
                print("edge-compare: %s did not start listening on %s:%d; its log:" % (proxy.name, HOST, proxy.port),
                      file=sys.stderr)
                with open(log) as handle:
                    sys.stderr.write(handle.read()[-4000:])
                return 1

        rows = []
        for case in cases:
            results = {}
            for proxy in proxies:
                results[proxy.name] = run_case(proxy, case)
                if args.verbose:
                    print("%s / %s: %s" % (plain(case.name), proxy.name, results[proxy.name]["status"]))
                    print("\n".join(results[proxy.name]["details"]))
            rows.append([case.name if args.markdown else plain(case.name),
                         cell(results["nginx"], args.markdown), cell(results["balancer"], args.markdown),
                         note(results["nginx"], results["balancer"])])

        version = subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()
        print_table(rows, args.markdown)
        print()
        print("%s; balancer %s (%s)" % (version, subprocess.run([binary, "--version"], capture_output=True,
                                                                   text=True).stdout.strip(),
                                        os.path.relpath(binary)))
        for proxy in proxies:
            if not proxy.alive():
                print("WARNING: %s exited during the run (status %s)" % (proxy.name, proxy.process.returncode))
        with open(nginx_log, errors="replace") as handle:
            crashed = [line for line in handle if "exited on signal" in line]
        for line in crashed:
            print("WARNING: nginx worker crash: " + line.strip())
        return 0
    except KeyboardInterrupt as stop:
        print("edge-compare: stopped (%s)" % (stop or "interrupt"), file=sys.stderr)
        return 130
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        for proxy in proxies:
            proxy.stop()
        if args.keep:
            print("kept: " + folder, file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
