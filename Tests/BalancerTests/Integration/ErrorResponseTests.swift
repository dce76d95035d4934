import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Fast, clean errors over real sockets: 413 before any byte goes upstream, 502, 504, 400 for smuggling shapes,
/// 431, slowloris, and static-asset caching — each with the configured security headers.
final class ErrorResponseTests: XCTestCase {
    private var fake: FakeUpstream!
    private var balancer: BalancerHarness!
    private var client: HTTPClient!

    override func setUp() async throws {
        client = HTTPClient.makeForTests()
    }

    private func start(_ behaviour: FakeUpstream.Behaviour, extra: String = "", servers: String? = nil) async throws {
        fake = try await FakeUpstream(behaviour)
        balancer = try await BalancerHarness(
            yaml: """
                limits:
                  client_max_body_size: 1k
                  client_header_timeout: 1s
                  max_header_size: 4k
                proxy:
                  read_timeout: 500ms
                  connect_timeout: 1s
                response_headers:
                  X-Frame-Options: SAMEORIGIN
                \(extra)
                upstreams:
                  backend:
                    servers: [\(servers ?? fake.address)]
                routes:
                  - prefix: /
                    upstream: backend
                    cache_static: {extensions: [js, css], max_age: 1y}
                """
        )
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        await balancer?.shutdown()
        await fake?.shutdown()
    }

    private func statusLine(_ response: String) -> String {
        response.components(separatedBy: "\r\n").first ?? ""
    }

    func testContentLengthAboveCapGets413WithZeroBytesUpstream() async throws {
        try await start(.silent)
        let socket = try RawHTTP(port: balancer.port)
        socket.send("POST /api/upload HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
        let response = socket.receive(until: "}")
        XCTAssertEqual(statusLine(response), "HTTP/1.1 413 Payload Too Large")
        XCTAssertTrue(response.contains("X-Frame-Options: SAMEORIGIN"), response)
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(fake.receivedBytes.load(ordering: .relaxed), 0)
        XCTAssertEqual(fake.connections.load(ordering: .relaxed), 0)
    }

    func testExpectContinueAboveCapGets413InsteadOf100() async throws {
        try await start(.silent)
        let socket = try RawHTTP(port: balancer.port)
        socket.send("POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n")
        let response = socket.receive(until: "}")
        XCTAssertEqual(statusLine(response), "HTTP/1.1 413 Payload Too Large")
        XCTAssertEqual(fake.receivedBytes.load(ordering: .relaxed), 0)
    }

    func testChunkedBodyCrossingCapGets413() async throws {
        try await start(.silent)
        let socket = try RawHTTP(port: balancer.port)
        let chunk = String(repeating: "a", count: 800)
        socket.send("POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        socket.send("320\r\n\(chunk)\r\n320\r\n\(chunk)\r\n")
        let response = socket.receive(until: "}")
        XCTAssertEqual(statusLine(response), "HTTP/1.1 413 Payload Too Large")
    }

    func testRefusedUpstreamGets502() async throws {
        let deadPort = try FreePort.allocate()
        try await start(.silent, servers: "127.0.0.1:\(deadPort)")
        let started = Date()
        let response = try await client.fetch(balancer.baseURL + "/api/instance")
        XCTAssertEqual(response.status, 502)
        XCTAssertEqual(response.headers.first(name: "x-frame-options"), "SAMEORIGIN")
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "a refused connect is answered fast")
    }

    func testAllServersEjectedGets503AtOnce() async throws {
        let dead = try (0..<2).map { _ in "127.0.0.1:\(try FreePort.allocate())" }.joined(separator: ", ")
        try await start(.silent, extra: "", servers: dead)
        // max_fails defaults to 1: the first request tries both servers (502) and ejects them.
        let first = try await client.fetch(balancer.baseURL + "/api/instance")
        XCTAssertEqual(first.status, 502)
        let second = try await client.fetch(balancer.baseURL + "/api/instance")
        XCTAssertEqual(second.status, 503, "every server is ejected: no connect is even tried")
        XCTAssertEqual(second.headers.first(name: "x-frame-options"), "SAMEORIGIN")
    }

    func testSilentUpstreamGets504AfterReadTimeout() async throws {
        try await start(.silent)
        let started = Date()
        let response = try await client.fetch(balancer.baseURL + "/api/slow")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(response.status, 504)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45)
        XCTAssertLessThan(elapsed, 2.5)
    }

    func testSmugglingShapesGet400AndClose() async throws {
        try await start(.status(200))
        let shapes = [
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Folded: one\r\n two\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX-Space : value\r\n\r\n",
        ]
        for shape in shapes {
            let socket = try RawHTTP(port: balancer.port)
            socket.send(shape)
            let response = socket.receive()
            XCTAssertEqual(statusLine(response), "HTTP/1.1 400 Bad Request", "for \(shape.debugDescription)")
            XCTAssertTrue(socket.peerClosed(), "connection closed after 400 for \(shape.debugDescription)")
        }
        // A coding the balancer cannot re-frame is 501, as nginx answers it (RFC 9112 §6.1), and closes too.
        let socket = try RawHTTP(port: balancer.port)
        socket.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n")
        XCTAssertEqual(statusLine(socket.receive()), "HTTP/1.1 501 Not Implemented")
        XCTAssertTrue(socket.peerClosed())
    }

    func testOversizedHeadGets431() async throws {
        try await start(.status(200))
        let socket = try RawHTTP(port: balancer.port)
        socket.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: \(String(repeating: "b", count: 8000))\r\n\r\n")
        XCTAssertEqual(statusLine(socket.receive()), "HTTP/1.1 431 Request Header Fields Too Large")
        let long = try RawHTTP(port: balancer.port)
        long.send("GET /\(String(repeating: "u", count: 8000)) HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(statusLine(long.receive()), "HTTP/1.1 431 Request Header Fields Too Large")
    }

    func testSlowHeadIsCutAfterClientHeaderTimeout() async throws {
        try await start(.status(200))
        let socket = try RawHTTP(port: balancer.port, timeout: 4)
        let started = Date()
        socket.send("GET / HTTP/1.1\r\nHost: a\r\n")
        XCTAssertTrue(socket.peerClosed(), "a head that never completes is closed")
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 3.5)
    }

    func testStaticAssetsGetLongCaching() async throws {
        try await start(.status(200))
        let script = try await client.fetch(balancer.baseURL + "/assets/app.js?v=2")
        XCTAssertEqual(script.headers.first(name: "cache-control"), "public, max-age=31536000, immutable")
        XCTAssertNotNil(script.headers.first(name: "expires"))
        let page = try await client.fetch(balancer.baseURL + "/index.html")
        XCTAssertNil(page.headers.first(name: "cache-control"))
    }

    func testUnroutedPathGets404WithSecurityHeaders() async throws {
        fake = try await FakeUpstream(.status(200))
        balancer = try await BalancerHarness(
            yaml: """
                response_headers:
                  X-Content-Type-Options: nosniff
                upstreams:
                  backend:
                    servers: [\(fake.address)]
                routes:
                  - prefix: /api/
                    upstream: backend
                """
        )
        let response = try await client.fetch(balancer.baseURL + "/nothing-here")
        XCTAssertEqual(response.status, 404)
        XCTAssertEqual(response.headers.first(name: "x-content-type-options"), "nosniff")
        XCTAssertTrue(response.body.contains("\"status\":404"))
    }

    /// The balancer's own answers to HEAD (404, 502, 503) carry the length of the body a GET gets and no body, so
    /// the next response on the same keep-alive connection parses from its first byte (RFC 9110 §9.3.2).
    func testOwnAnswersToHeadLeaveTheBodyOutOnAKeepAliveConnection() async throws {
        let dead = try (0..<2).map { _ in "127.0.0.1:\(try FreePort.allocate())" }.joined(separator: ", ")
        balancer = try await BalancerHarness(
            yaml: """
                upstreams:
                  backend:
                    servers: [\(dead)]
                routes:
                  - prefix: /api/
                    upstream: backend
                """
        )
        let port = balancer.port
        try await Task.detached {
            let connection = try KeepAliveClient(port: port)
            func body(_ status: Int) -> String {
                String(buffer: LocalResponse.body(
                    status: HTTPResponseStatus(statusCode: status), requestID: "fixed-id", allocator: .init()))
            }
            let id = "X-Request-ID: fixed-id"
            let missing = try connection.head("/nothing", headers: [id])
            XCTAssertEqual(missing.status, 404)
            XCTAssertEqual(missing.headers["content-length"], String(body(404).utf8.count))
            let get = try connection.get("/nothing", headers: [id])
            XCTAssertEqual(get.status, 404, "the GET after the HEAD parses from its first byte")
            XCTAssertEqual(get.body, body(404))
            // The first request to /api/ fails on both servers (502) and ejects them; the next gets 503 and close.
            let failed = try connection.head("/api/a", headers: [id])
            XCTAssertEqual(failed.status, 502)
            XCTAssertEqual(failed.headers["content-length"], String(body(502).utf8.count))
            let unavailable = try connection.head("/api/a", headers: [id])
            XCTAssertEqual(unavailable.status, 503)
            XCTAssertEqual(unavailable.headers["content-length"], String(body(503).utf8.count))
            XCTAssertEqual(unavailable.headers["connection"], "close")
            XCTAssertTrue(connection.closedWithoutAnswer(), "no body bytes after the last head")
        }.value
    }
}
