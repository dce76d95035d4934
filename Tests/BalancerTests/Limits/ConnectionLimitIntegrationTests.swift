import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `connection_limit` (nginx's `limit_conn`) over real sockets: requests in progress per key, refused past `max`
/// and counted again once they end; keys told apart by `real_ip`.
final class ConnectionLimitIntegrationTests: XCTestCase {
    private var upstream: HeldResponseUpstream!
    private var balancer: BalancerHarness!

    override func setUp() async throws {
        upstream = try await HeldResponseUpstream()
        balancer = try await BalancerHarness(yaml: """
            real_ip: {from: [127.0.0.0/8], header: X-Forwarded-For}
            connection_limits:
              busy: {key: client_address, size: 32k}
            upstreams:
              backend:
                servers: [\(upstream.address)]
            routes:
              - {prefix: /, upstream: backend, connection_limit: {zone: busy, max: 2}}
            """)
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
    }

    /// Waits (bounded) until the upstream holds `count` responses.
    private func waitForHeld(_ count: Int) async throws {
        for _ in 0..<500 where upstream.heldCount < count { try await Task.sleep(for: .milliseconds(10)) }
        XCTAssertEqual(upstream.heldCount, count)
    }

    private func request(from client: String) -> String {
        "GET /slow HTTP/1.1\r\nHost: test\r\nX-Forwarded-For: \(client)\r\n\r\n"
    }

    func testRequestsInProgressPerClientAreLimited() async throws {
        let port = balancer.port
        let first = try KeepAliveClient(port: port)
        let second = try KeepAliveClient(port: port)
        first.send(request(from: "203.0.113.1"))
        second.send(request(from: "203.0.113.1"))
        try await waitForHeld(2)
        // A third request of the same client while two are in progress: refused at once, and not sent upstream.
        let third = try KeepAliveClient(port: port)
        let refused = try third.get("/slow", headers: ["X-Forwarded-For: 203.0.113.1"])
        XCTAssertEqual(refused.status, 429)
        XCTAssertNil(refused.headers["retry-after"])
        XCTAssertEqual(upstream.heldCount, 2)
        // Another client is counted on its own.
        let other = try KeepAliveClient(port: port)
        other.send(request(from: "203.0.113.2"))
        try await waitForHeld(3)
        upstream.release()
        for client in [first, second, other] { XCTAssertEqual(try client.readResponse().status, 200) }
        // The ended requests no longer count: the refused client's next request passes.
        third.send(request(from: "203.0.113.1"))
        try await waitForHeld(1)
        upstream.release()
        XCTAssertEqual(try third.readResponse().status, 200)
        let metrics = try await adminText("/metrics")
        XCTAssertTrue(metrics.contains("balancer_limit_requests_total{zone=\"busy\",result=\"limited\"} 1"), metrics)
    }

    func testAClientClosingMidRequestReleasesItsCount() async throws {
        let port = balancer.port
        var clients = [try KeepAliveClient(port: port), try KeepAliveClient(port: port)]
        for client in clients { client.send(request(from: "203.0.113.9")) }
        try await waitForHeld(2)
        let busy = try await busyKeys()
        XCTAssertEqual(busy, 1)
        clients.removeAll()  // both close with their responses unfinished
        // Bounded wait for the closes to reach the balancer: the zone then counts nothing for the client.
        var remaining = try await busyKeys()
        for _ in 0..<200 where remaining != 0 {
            try await Task.sleep(for: .milliseconds(10))
            remaining = try await busyKeys()
        }
        XCTAssertEqual(remaining, 0)
        upstream.release()
        let next = try KeepAliveClient(port: port)
        next.send(request(from: "203.0.113.9"))
        try await waitForHeld(1)
        upstream.release()
        XCTAssertEqual(try next.readResponse().status, 200)
    }

    /// `keys` of zone `busy` in `/status.json`: clients with requests in progress.
    private func busyKeys() async throws -> Int {
        let json = try JSONSerialization.jsonObject(with: Data(try await adminText("/status.json").utf8))
        let zones = (json as? [String: Any])?["limit_zones"] as? [String: Any]
        return try XCTUnwrap((zones?["busy"] as? [String: Any])?["keys"] as? Int)
    }

    private func adminText(_ path: String) async throws -> String {
        let client = try KeepAliveClient(port: balancer.adminPort)
        return try client.get(path).body
    }
}
