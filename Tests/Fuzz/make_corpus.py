#!/usr/bin/env python3
"""Writes the seed corpus of the fuzz targets: Corpus/Request, Corpus/Response and Corpus/ProxyProtocol.

Each file is one input as the oracles read it: a flags byte, a split byte (where the payload is cut into two
reads, as a fraction of 256), then the bytes the peer sends. Request flags: bit 0 = 256-byte head limit.
Response flags: bit 0 = HEAD request, bit 1 = HTTP/1.0 client, bit 2 = client keep-alive, bit 3 = WebSocket
upgrade request, bit 4 = static-asset caching. PROXY protocol inputs have no flags: the payload is what a load
balancer sends first (a v1 or v2 header, then the request). Run it again after editing; it rewrites the folders.
"""
import pathlib

HERE = pathlib.Path(__file__).resolve().parent

# Response flag bits.
HEAD, HTTP10, KEEP, UPGRADE, CACHE = 1, 2, 4, 8, 16


def crlf(text):
    return text.replace("\n", "\r\n").encode()


REQUESTS = {
    "get": (0, 0, crlf("GET / HTTP/1.1\nHost: a\n\n")),
    "post-content-length": (0, 128, crlf("POST /f HTTP/1.1\nHost: a\nContent-Length: 5\n\n") + b"hello"),
    "post-chunked-extensions-trailers": (0, 200, crlf(
        "POST /c HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n"
        "5;name=value\nhello\n6 ; q=\"x\"\n world\n0\nX-Trailer: 1\nOther: 2\n\n")),
    "pipelined-three": (0, 90, crlf(
        "GET /1 HTTP/1.1\nHost: a\n\nPOST /2 HTTP/1.1\nHost: a\nContent-Length: 3\n\nabc"
        "GET /3 HTTP/1.1\nHost: a\n\n")),
    "connection-content-length": (0, 0, crlf(
        "POST /x HTTP/1.1\nHost: a\nConnection: Content-Length\nContent-Length: 30\n\n")
        + crlf("GET /smuggled HTTP/1.1\nHost: a\n\n")[:30]),
    "connection-host": (0, 0, crlf("GET /h HTTP/1.1\nHost: a\nConnection: Host\n\nGET /2 HTTP/1.1\nHost: b\n\n")),
    "connection-transfer-encoding": (0, 0, crlf(
        "POST /t HTTP/1.1\nHost: a\nConnection: Transfer-Encoding\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n")),
    "connection-close-keep-alive-list": (0, 0, crlf(
        "GET / HTTP/1.1\nHost: a\nConnection: keep-alive, close, X-Foo\nX-Foo: 1\n\n")),
    "te-gzip-chunked": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: gzip, chunked\n\n0\n\n")),
    "te-chunked-twice": (0, 0, crlf(
        "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\nTransfer-Encoding: chunked\n\n0\n\n")),
    "te-chunked-case": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: ChUnKeD \n\n1\nx\n0\n\n")),
    "te-identity": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: identity\nContent-Length: 2\n\nhi")),
    "te-and-content-length": (0, 0, crlf(
        "POST / HTTP/1.1\nHost: a\nContent-Length: 4\nTransfer-Encoding: chunked\n\n0\n\nGET /x HTTP/1.1\n\n")),
    "content-length-duplicate-same": (0, 0, crlf(
        "POST / HTTP/1.1\nHost: a\nContent-Length: 3\nContent-Length: 3\n\nabc")),
    "content-length-duplicate-different": (0, 0, crlf(
        "POST / HTTP/1.1\nHost: a\nContent-Length: 3\nContent-Length: 4\n\nabcd")),
    "content-length-list": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nContent-Length: 3, 3\n\nabc")),
    "content-length-signed": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nContent-Length: +3\n\nabc")),
    "http10-no-host-body": (0, 0, crlf("POST /old HTTP/1.0\nContent-Length: 2\n\nok")),
    "http10-keep-alive-pipelined": (0, 60, crlf(
        "GET /a HTTP/1.0\nConnection: keep-alive\n\nGET /b HTTP/1.0\n\n")),
    "expect-100-continue": (0, 0, crlf(
        "PUT /u HTTP/1.1\nHost: a\nExpect: 100-continue\nContent-Length: 4\n\ndata")),
    "websocket-upgrade": (0, 0, crlf(
        "GET /ws HTTP/1.1\nHost: a\nUpgrade: websocket\nConnection: Upgrade\nSec-WebSocket-Key: x\n"
        "Sec-WebSocket-Version: 13\n\n") + b"\x81\x00tunnel bytes"),
    "h2c-upgrade": (0, 0, crlf("GET / HTTP/1.1\nHost: a\nUpgrade: h2c\nConnection: Upgrade, HTTP2-Settings\n"
                               "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\n\nGET /2 HTTP/1.1\nHost: a\n\n")),
    "connect": (0, 0, crlf("CONNECT a:443 HTTP/1.1\nHost: a:443\n\n")),
    "chunk-size-split": (0, 150, crlf(
        "POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n1a\nabcdefghijklmnopqrstuvwxyz\n0\n\n")),
    "leading-empty-lines": (0, 3, crlf("\n\nGET / HTTP/1.1\nHost: a\n\n")),
    "head-limit": (1, 0, crlf("GET / HTTP/1.1\nHost: a\nX-Long: " + "v" * 240 + "\n\n")),
    "obs-fold": (0, 0, crlf("GET / HTTP/1.1\nHost: a\nX-Fold: a\n b\n\n")),
    "space-before-colon": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nContent-Length : 5\n\nhello")),
    "lf-only-lines": (0, 0, b"GET / HTTP/1.1\nHost: a\n\n"),
    "chunk-ext-bare-lf": (0, 0, crlf("POST / HTTP/1.1\nHost: a\nTransfer-Encoding: chunked\n\n")
                          + b"3;x\nabc\r\n0\r\n\r\n"),
    "forwarded-headers": (0, 0, crlf(
        "GET / HTTP/1.1\nHost: a\nX-Forwarded-For: 10.0.0.1\nX-Real-IP: 1.2.3.4\nX-Request-ID: abc\n"
        "Keep-Alive: timeout=5\nProxy-Connection: keep-alive\nTE: trailers\n\n")),
    "host-twice": (0, 0, crlf("GET / HTTP/1.1\nHost: a\nHost: b\n\n")),
    "unknown-method": (0, 0, crlf("FOO /x HTTP/1.1\nHost: a\nContent-Length: 1\n\nz")),
    "options-asterisk": (0, 0, crlf("OPTIONS * HTTP/1.1\nHost: a\n\n")),
    "absolute-form": (0, 0, crlf("GET http://a/x?y=1 HTTP/1.1\nHost: a\n\n")),
    "body-looks-like-request": (0, 0, crlf(
        "POST / HTTP/1.1\nHost: a\nContent-Length: 29\n\nGET /admin HTTP/1.1\nHost: a\n\n")),
}

RESPONSES = {
    "content-length-keep-alive": (KEEP, 0, crlf("HTTP/1.1 200 OK\nContent-Length: 5\n\n") + b"hello"),
    "chunked-extensions-trailers": (KEEP, 100, crlf(
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n4;a=b\nwiki\n5\npedia\n0\nExpires: never\n\n")),
    "close-delimited-to-http11": (KEEP, 0, crlf("HTTP/1.1 200 OK\nContent-Type: text/plain\n\n") + b"until close"),
    "close-delimited-to-http10": (HTTP10 | KEEP, 0, crlf("HTTP/1.1 200 OK\n\n") + b"until close"),
    "chunked-to-http10": (HTTP10, 0, crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n")),
    "http10-client-keep-alive-length": (HTTP10 | KEEP, 0, crlf("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")),
    "head-with-content-length": (HEAD | KEEP, 0, crlf("HTTP/1.1 200 OK\nContent-Length: 1234\n\n")),
    "head-with-chunked": (HEAD | KEEP, 0, crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n")),
    "no-content-with-length": (KEEP, 0, crlf("HTTP/1.1 204 No Content\nContent-Length: 5\n\n")),
    "not-modified-chunked": (KEEP | CACHE, 0, crlf("HTTP/1.1 304 Not Modified\nTransfer-Encoding: chunked\n\n")),
    "continue-then-ok": (KEEP, 40, crlf("HTTP/1.1 100 Continue\n\nHTTP/1.1 200 OK\nContent-Length: 2\n\nok")),
    "early-hints-then-ok": (KEEP, 0, crlf(
        "HTTP/1.1 103 Early Hints\nLink: </a.css>; rel=preload\n\nHTTP/1.1 200 OK\nContent-Length: 0\n\n")),
    "switching-protocols-upgrade": (UPGRADE | KEEP, 0, crlf(
        "HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\nConnection: Upgrade\n\n") + b"\x81\x02hi"),
    "switching-protocols-unasked": (KEEP, 0, crlf("HTTP/1.1 101 Switching Protocols\nUpgrade: h2c\n\n")),
    "connection-content-length": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nConnection: Content-Length\nContent-Length: 3\n\nabc")),
    "connection-transfer-encoding": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nConnection: Transfer-Encoding\nTransfer-Encoding: chunked\n\n1\nx\n0\n\n")),
    "chunked-and-content-length": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nContent-Length: 10\nTransfer-Encoding: chunked\n\n2\nab\n0\n\n")),
    "content-length-duplicate-same": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 2\n\nok")),
    "content-length-duplicate-different": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nContent-Length: 2\nContent-Length: 3\n\nokk")),
    "te-gzip-until-close": (KEEP, 0, crlf("HTTP/1.1 200 OK\nTransfer-Encoding: gzip\n\n") + b"\x1f\x8bdata"),
    "http10-upstream-keep-alive": (KEEP, 0, crlf(
        "HTTP/1.0 200 OK\nConnection: keep-alive\nContent-Length: 3\n\nabc")),
    "http10-upstream-close-delimited": (0, 0, crlf("HTTP/1.0 200 OK\n\n") + b"old style"),
    "extra-bytes-after": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nContent-Length: 1\n\nxHTTP/1.1 200 OK\nContent-Length: 0\n\n")),
    "upstream-connection-close": (KEEP, 0, crlf("HTTP/1.1 200 OK\nConnection: close\nContent-Length: 2\n\nok")),
    "no-reason-phrase": (KEEP, 0, crlf("HTTP/1.1 200\nContent-Length: 0\n\n")),
    "server-error-body": (KEEP, 0, crlf("HTTP/1.1 500 Internal Server Error\nContent-Length: 4\n\nfail")),
    "cache-static-expires": (KEEP | CACHE, 0, crlf(
        "HTTP/1.1 200 OK\nExpires: Thu, 01 Jan 1970 00:00:00 GMT\nContent-Length: 2\n\njs")),
    "configured-header-set": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nX-Frame-Options: DENY\nX-Request-ID: upstream\nContent-Length: 0\n\n")),
    "chunk-split-mid-data": (KEEP, 160, crlf(
        "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n10\n0123456789abcdef\n3\nxyz\n0\n\n")),
    "chunked-empty": (KEEP, 0, crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n0\n\n")),
    "keep-alive-header-list": (KEEP, 0, crlf(
        "HTTP/1.1 200 OK\nConnection: keep-alive, X-Secret\nX-Secret: 1\nKeep-Alive: timeout=5\n"
        "Content-Length: 1\n\n!")),
    "truncated-body": (KEEP, 0, crlf("HTTP/1.1 200 OK\nContent-Length: 10\n\nshort")),
}


V2_SIGNATURE = b"\r\n\r\n\x00\r\nQUIT\n"


def proxy_v2(command, family, body):
    return V2_SIGNATURE + bytes([command, family, len(body) >> 8, len(body) & 0xFF]) + body


IPV4_BLOCK = bytes([192, 0, 2, 10, 10, 0, 0, 5, 0xDC, 0x04, 0x00, 0x50])
IPV6_BLOCK = bytes.fromhex("20010db8000000000000000000000001" "20010db8000000000000000000000002") + b"\x01\xbb\x00\x50"
AWS_TLV = b"\xea\x00\x17\x01vpce-08d2bf15fac5001c9"
GET = crlf("GET / HTTP/1.1\nHost: a\n\n")

PROXY_HEADERS = {
    "v1-tcp4": (0, 100, b"PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\r\n" + GET),
    "v1-tcp6": (0, 30, b"PROXY TCP6 2001:db8::1 2001:db8::2 0 443\r\n" + GET),
    "v1-tcp6-mapped": (0, 0, b"PROXY TCP6 ::ffff:192.0.2.1 2001:db8::2 1 2\r\n"),
    "v1-unknown": (0, 0, b"PROXY UNKNOWN\r\n" + GET),
    "v1-unknown-rest": (0, 200, b"PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n"),
    "v1-longest": (0, 0, b"PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"
                   b" 65535 65535\r\n"),
    "v1-bare-lf": (0, 0, b"PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\n" + GET),
    "v1-leading-zero-port": (0, 0, b"PROXY TCP4 192.0.2.10 10.0.0.5 056324 80\r\n"),
    "v2-tcp4": (0, 128, proxy_v2(0x21, 0x11, IPV4_BLOCK) + GET),
    "v2-tcp4-aws-tlv": (0, 40, proxy_v2(0x21, 0x11, IPV4_BLOCK + AWS_TLV) + GET),
    "v2-tcp6": (0, 0, proxy_v2(0x21, 0x21, IPV6_BLOCK)),
    "v2-local": (0, 0, proxy_v2(0x20, 0x00, b"") + GET),
    "v2-unix": (0, 0, proxy_v2(0x21, 0x31, bytes(216))),
    "v2-udp": (0, 0, proxy_v2(0x21, 0x12, IPV4_BLOCK)),
    "v2-short-block": (0, 0, proxy_v2(0x21, 0x11, IPV4_BLOCK[:8])),
    "v2-tlv-overrun": (0, 0, proxy_v2(0x21, 0x11, IPV4_BLOCK + b"\xea\x00\x30\x01")),
    "no-header": (0, 0, GET),
}


def write(folder, seeds):
    path = HERE / "Corpus" / folder
    path.mkdir(parents=True, exist_ok=True)
    for old in path.iterdir():
        old.unlink()
    for name, (flags, split, payload) in seeds.items():
        (path / name).write_bytes(bytes([flags, split]) + payload)


write("Request", REQUESTS)
write("Response", RESPONSES)
write("ProxyProtocol", PROXY_HEADERS)
