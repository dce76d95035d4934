#!/usr/bin/env python3
"""Drives one open headless-Chromium page over the DevTools protocol (standard library only).

  cdp_page.py mark  PORT                      sets window.__statusMark on the page (survives only without a reload)
  cdp_page.py wait  PORT EXPRESSION EXPECTED [--no-mark]
                                              polls EXPRESSION until it equals one of EXPECTED ('|'-separated),
                                              at most 20 s; prints the value and whether the mark is still there
                                              (--no-mark: the mark is not required)
Exit status 0 when the condition was met with the mark intact, 1 otherwise.
"""
import base64
import json
import os
import socket
import sys
import time
import urllib.request


def page_socket(port):
    targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=5))
    page = next(t for t in targets if t.get("type") == "page")
    url = page["webSocketDebuggerUrl"]
    host_port, path = url[len("ws://"):].split("/", 1)
    host, ws_port = host_port.split(":")
    sock = socket.create_connection((host, int(ws_port)), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (f"GET /{path} HTTP/1.1\r\nHost: {host_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise SystemExit(f"DevTools refused the WebSocket: {head!r}")
    return sock


def send(sock, message):
    payload = json.dumps(message).encode()
    mask = os.urandom(4)
    header = bytes([0x81])
    if len(payload) < 126:
        header += bytes([0x80 | len(payload)])
    else:
        header += bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    sock.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))


def receive(sock):
    def exact(n):
        data = b""
        while len(data) < n:
            chunk = sock.recv(n - len(data))
            if not chunk:
                raise SystemExit("DevTools closed the connection")
            data += chunk
        return data

    first, second = exact(2)
    length = second & 0x7F
    if length == 126:
        length = int.from_bytes(exact(2), "big")
    elif length == 127:
        length = int.from_bytes(exact(8), "big")
    return json.loads(exact(length)) if first & 0x0F == 1 else None


def evaluate(sock, expression, ident=[0]):
    ident[0] += 1
    send(sock, {"id": ident[0], "method": "Runtime.evaluate",
                "params": {"expression": expression, "returnByValue": True}})
    while True:
        reply = receive(sock)
        if reply and reply.get("id") == ident[0]:
            return reply.get("result", {}).get("result", {}).get("value")


def main():
    command, port = sys.argv[1], int(sys.argv[2])
    sock = page_socket(port)
    if command == "mark":
        evaluate(sock, "window.__statusMark = 'kept'")
        return 0
    expression, expected = sys.argv[3], sys.argv[4].split("|")
    deadline = time.time() + 20
    value = None
    while time.time() < deadline:
        value = evaluate(sock, expression)
        if value in expected:
            break
        time.sleep(0.2)
    need_mark = "--no-mark" not in sys.argv[5:]
    mark = evaluate(sock, "window.__statusMark || 'gone'")
    print(json.dumps({"value": value, "mark": mark}))
    return 0 if value in expected and (mark == "kept" or not need_mark) else 1


if __name__ == "__main__":
    sys.exit(main())
