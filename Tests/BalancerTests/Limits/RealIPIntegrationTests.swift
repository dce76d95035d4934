import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The client's address behind other proxies, over real sockets: a trusted peer's `X-Forwarded-For` names the
/// client for `X-Real-IP`, `X-Forwarded-For`, the access log and the limits; an untrusted peer's is only passed on.
final class RealIPIntegrationTests: XCTestCase {
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness!
    private var logPath = ""

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
        if !logPath.isEmpty { try? FileManager.default.removeItem(atPath: logPath) }
    }

    private func start(trusting from: String) async throws {
        upstream = try await RecordingUpstream()
        logPath = FileManager.default.temporaryDirectory.appendingPathComponent("realip-\(UUID().uuidString).log").path
        balancer = try await BalancerHarness(
            yaml: """
                access_log: \(logPath)
                real_ip: {from: [\(from)], header: X-Forwarded-For, recursive: true}
                rate_limits:
                  per_ip: {key: client_address, rate: 1r/m, size: 32k}
                upstreams:
                  backend:
                    servers: [\(upstream.address)]
                routes:
                  - {prefix: /limited/, upstream: backend, rate_limit: {zone: per_ip}}
                  - {prefix: /, upstream: backend}
                """,
            accessLog: true)
    }

    /// Headers of the last request the upstream read.
    private func lastForwarded() throws -> [String: [String]] {
        try XCTUnwrap(upstream.requests.last).headers
    }

    func testATrustedProxyNamesTheClient() async throws {
        try await start(trusting: "127.0.0.0/8")
        let client = try KeepAliveClient(port: balancer.port)
        // A client's own claim (198.51.100.66) on the left, then the proxies: the rightmost untrusted address wins.
        let chain = "198.51.100.66, 203.0.113.9, 127.0.0.2"
        XCTAssertEqual(try client.get("/a", headers: ["X-Forwarded-For: \(chain)"]).status, 200)
        var headers = try lastForwarded()
        XCTAssertEqual(headers["x-real-ip"], ["203.0.113.9"])
        // The chain goes on with the hop that reached the balancer.
        XCTAssertEqual(headers["x-forwarded-for"], ["\(chain), 127.0.0.1"])
        // Without the header, the trusted peer itself is the client.
        XCTAssertEqual(try client.get("/b").status, 200)
        headers = try lastForwarded()
        XCTAssertEqual(headers["x-real-ip"], ["127.0.0.1"])
        XCTAssertEqual(headers["x-forwarded-for"], ["127.0.0.1"])

        // The limits count the real client: each address has its own bucket.
        XCTAssertEqual(try client.get("/limited/", headers: ["X-Forwarded-For: 203.0.113.9"]).status, 200)
        XCTAssertEqual(try client.get("/limited/", headers: ["X-Forwarded-For: 203.0.113.9"]).status, 429)
        XCTAssertEqual(try client.get("/limited/", headers: ["X-Forwarded-For: 203.0.113.10"]).status, 200)

        await balancer.shutdown()
        let log = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(log.map { String($0.prefix { $0 != " " }) },
            ["203.0.113.9", "127.0.0.1", "203.0.113.9", "203.0.113.9", "203.0.113.10"])
        balancer = nil
    }

    func testAnUntrustedPeerCannotSpoofItsAddress() async throws {
        try await start(trusting: "10.0.0.0/8")
        let client = try KeepAliveClient(port: balancer.port)
        XCTAssertEqual(try client.get("/a", headers: ["X-Forwarded-For: 203.0.113.9", "X-Real-IP: 203.0.113.9"]).status, 200)
        let headers = try lastForwarded()
        XCTAssertEqual(headers["x-real-ip"], ["127.0.0.1"])
        // Passed on as received, with the peer appended, as nginx's $proxy_add_x_forwarded_for does.
        XCTAssertEqual(headers["x-forwarded-for"], ["203.0.113.9, 127.0.0.1"])
        // Changing the header does not buy a fresh bucket.
        XCTAssertEqual(try client.get("/limited/", headers: ["X-Forwarded-For: 203.0.113.1"]).status, 200)
        XCTAssertEqual(try client.get("/limited/", headers: ["X-Forwarded-For: 203.0.113.2"]).status, 429)
    }
}
