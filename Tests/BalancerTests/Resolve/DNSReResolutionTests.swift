import AsyncHTTPClient
import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Re-resolution against a real DNS server (dnsmasq) and real replicas on 127.0.0.2 and 127.0.0.3 sharing one
/// port: replicas join and leave the group as their records do, and a DNS outage keeps the last set serving.
final class DNSReResolutionTests: XCTestCase {
    func testReplicasFollowTheRecordsAndSurviveADNSOutage() async throws {
        let name = "backend.test"
        let dns = try await DnsmasqProcess(records: [("127.0.0.2", name)], probeName: name)
        defer { dns.stop() }
        let port = try FreePort.allocate()
        let first = try await ReplicaProcess(instanceID: "dns-a", port: port, host: "127.0.0.2")
        defer { first.stop() }
        let second = try await ReplicaProcess(instanceID: "dns-b", port: port, host: "127.0.0.3")
        defer { second.stop() }
        let harness = try await BalancerHarness(yaml: """
            resolver: 127.0.0.1:\(dns.port)
            upstreams:
              backend:
                resolve_interval: 200ms
                servers: [\(name):\(port)]
            routes:
              - {prefix: /, upstream: backend}
            """)
        let client = HTTPClient.makeForTests()
        do {
            try await exercise(dns: dns, harness: harness, client: client, name: name, port: port)
        } catch {
            try? await client.shutdown()
            await harness.shutdown()
            throw error
        }
        try await client.shutdown()
        await harness.shutdown()
    }

    private func exercise(
        dns: DnsmasqProcess, harness: BalancerHarness, client: HTTPClient, name: String, port: Int
    ) async throws {
        let url = harness.baseURL + "/api/instance"
        @Sendable func instances(_ count: Int) async throws -> Set<String> {
            var seen = Set<String>()
            for _ in 0..<count {
                let response = try await client.fetch(url)
                XCTAssertEqual(response.status, 200, response.body)
                for id in ["dns-a", "dns-b"] where response.body.contains(id) { seen.insert(id) }
            }
            return seen
        }
        @Sendable func serverNames() -> [String] { harness.server.snapshot.groups[0].servers.map(\.name) }

        // Resolved at start: the name became one server per address before the first request.
        XCTAssertEqual(serverNames(), ["\(name):\(port) (127.0.0.2)"])
        let startGeneration = harness.server.snapshot.generation
        let atStart = try await instances(6)
        XCTAssertEqual(atStart, ["dns-a"])

        try dns.update([("127.0.0.2", name), ("127.0.0.3", name)])
        try await waitUntil("both replicas to answer", { try await instances(6) }) { $0 == ["dns-a", "dns-b"] }
        XCTAssertEqual(serverNames(), ["\(name):\(port) (127.0.0.2)", "\(name):\(port) (127.0.0.3)"])
        XCTAssertEqual(harness.server.snapshot.generation, startGeneration, "a DNS change is not a config load")

        try dns.update([("127.0.0.3", name)])
        try await waitUntil("only dns-b to answer", { try await instances(10) }) { $0 == ["dns-b"] }
        XCTAssertEqual(serverNames(), ["\(name):\(port) (127.0.0.3)"])

        // DNS down: lookups fail every 200 ms; for two seconds (ten intervals) every request still reaches dns-b.
        dns.stop()
        let until = Date().addingTimeInterval(2)
        while Date() < until {
            let seen = try await instances(5)
            XCTAssertEqual(seen, ["dns-b"])
        }
        XCTAssertEqual(serverNames(), ["\(name):\(port) (127.0.0.3)"])
    }
}
