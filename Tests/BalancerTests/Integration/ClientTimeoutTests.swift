import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Timeouts with nginx's meanings over real sockets: `read_timeout` runs only once the request has been sent, so a
/// slow upload is not a server timeout; a client that stalls its body gets 408 after `client_body_timeout`, and
/// nothing a client does counts against a server's `max_fails`.
final class ClientTimeoutTests: XCTestCase {
    private var upstreams: [RecordingUpstream] = []
    private var balancer: BalancerHarness!
    private var client: HTTPClient!

    override func setUp() async throws {
        client = HTTPClient.makeForTests()
        upstreams = [try await RecordingUpstream(), try await RecordingUpstream()]
        balancer = try await BalancerHarness(
            yaml: """
                limits:
                  client_body_timeout: 1s
                  client_max_body_size: 10m
                proxy:
                  read_timeout: 1s
                upstreams:
                  backend:
                    max_fails: 1
                    fail_timeout: 30s
                    servers: [\(upstreams.map(\.address).joined(separator: ", "))]
                routes:
                  - prefix: /
                    upstream: backend
                """
        )
    }

    override func tearDown() async throws {
        try await client?.shutdown()
        await balancer?.shutdown()
        for upstream in upstreams { await upstream.shutdown() }
    }

    func testSlowUploadLongerThanReadTimeoutCompletes() async throws {
        // 240 kB at about 100 kB/s: 2.4 s of sending against a read_timeout of 1 s.
        let piece = String(repeating: "u", count: 10_000)
        let socket = try RawHTTP(port: balancer.port, timeout: 10)
        socket.send("POST /upload HTTP/1.1\r\nHost: a\r\nContent-Length: 240000\r\nConnection: close\r\n\r\n")
        for _ in 0..<24 {
            socket.send(piece)
            try await Task.sleep(for: .milliseconds(100))
        }
        let answer = socket.receive()
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200 "), answer)
        XCTAssertTrue(answer.hasSuffix("POST /upload 240000"), answer)
        try await assertNoServerFailed()
    }

    func testStalledBodiesGet408AndNoServerIsBlamed() async throws {
        let started = Date()
        let stalled = try (0..<4).map { _ in try RawHTTP(port: balancer.port, timeout: 5) }
        for socket in stalled {
            socket.send("POST /api/orders HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n{\"partial\":")
        }
        for socket in stalled {
            let answer = socket.receive()
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408 "), answer)
            XCTAssertTrue(answer.contains("Connection: close"), answer)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 4, "408 should follow client_body_timeout (1 s)")
        try await assertNoServerFailed()
        let after = try await client.fetch(balancer.baseURL + "/still-served")
        XCTAssertEqual(after.status, 200)
        XCTAssertEqual(after.body, "GET /still-served 0")
    }

    /// Every server of `backend` on `/status.json` shows 0 failures and is up.
    private func assertNoServerFailed(file: StaticString = #filePath, line: UInt = #line) async throws {
        let response = try await client.fetch(balancer.adminURL + "/status.json")
        let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        let groups = json?["upstreams"] as? [String: Any]
        let servers = (groups?["backend"] as? [String: Any])?["servers"] as? [[String: Any]] ?? []
        XCTAssertEqual(servers.count, 2, response.body, file: file, line: line)
        for server in servers {
            XCTAssertEqual(server["failures"] as? Int, 0, "\(server)", file: file, line: line)
            XCTAssertEqual(server["state"] as? String, "up", "\(server)", file: file, line: line)
        }
    }

    func testClientThatStopsReadingIsClosedAfterSendTimeoutWithoutBlame() async throws {
        // 8 MB answered at once; the client reads nothing, so its socket and the balancer's buffers fill up.
        let body = String(repeating: "z", count: 8 << 20)
        let big = try await FakeUpstream(.raw("HTTP/1.1 200 OK\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"))
        let slow = try await BalancerHarness(
            yaml: """
                limits:
                  send_timeout: 1s
                upstreams:
                  backend:
                    servers: [\(big.address)]
                routes:
                  - prefix: /
                    upstream: backend
                """,
            workers: 1
        )
        let socket = try RawHTTP(port: slow.port, timeout: 6, receiveBuffer: 4096)
        socket.send("GET /download HTTP/1.1\r\nHost: a\r\n\r\n")
        let started = Date()
        var active = -1
        while Date().timeIntervalSince(started) < 6 {
            let status = try await client.fetch("http://127.0.0.1:\(slow.adminPort)/status.json")
            let json = try JSONSerialization.jsonObject(with: Data(status.body.utf8)) as? [String: Any]
            active = (json?["connections"] as? [String: Any])?["active"] as? Int ?? -1
            if active == 0 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(active, 0, "the client that read nothing was still connected after \(elapsed) s")
        XCTAssertGreaterThan(elapsed, 0.9, "closed before send_timeout could have run out")
        let servers = try await client.fetch("http://127.0.0.1:\(slow.adminPort)/status.json")
        XCTAssertTrue(servers.body.contains("\"failures\":0"), servers.body)
        await slow.shutdown()
        await big.shutdown()
    }
}
