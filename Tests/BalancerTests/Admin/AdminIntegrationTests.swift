import AsyncHTTPClient
import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The admin listener against real replicas: status JSON through a kill and a restart, `/metrics` read by
/// Prometheus' own parser, and the HTML page rendered by headless Chromium.
final class AdminIntegrationTests: XCTestCase {
    private func yaml(_ replicas: [ReplicaProcess]) -> String {
        let servers = replicas.map(\.address).joined(separator: ", ")
        return """
            upstreams:
              backend:
                servers: [\(servers)]
                max_fails: 1
                fail_timeout: 30s
                health_check: {path: /health, interval: 300ms, timeout: 250ms, rise: 1, fall: 1}
            routes:
              - {prefix: /, upstream: backend}
            """
    }

    func testStatusFollowsKillAndRestartAndMetricsCountRequests() async throws {
        // Checked first: a missing tool skips (or, under CI, fails) the test before anything starts, rather than
        // being caught below as a failure.
        try PrometheusParser.require()
        try Chromium.require()
        var replicas: [ReplicaProcess] = []
        for index in 1...3 { replicas.append(try await ReplicaProcess(instanceID: "backend-\(index)")) }
        let harness = try await BalancerHarness(yaml: yaml(replicas))
        let client = HTTPClient.makeForTests()
        defer { for replica in replicas { replica.stop() } }
        do {
            let sent = 30
            for _ in 0..<sent {
                let response = try await client.fetch(harness.baseURL + "/health")
                XCTAssertEqual(response.status, 200)
            }
            // Metrics: parsed by prometheus_client; the counters match what was sent.
            let metrics = try await client.fetch(harness.adminURL + "/metrics")
            XCTAssertEqual(metrics.status, 200)
            let samples = try PrometheusParser.parse(metrics.body)
            XCTAssertEqual(samples.sum("balancer_requests_total", ["code": "2xx"]), Double(sent))
            XCTAssertEqual(samples.sum("balancer_upstream_requests_total", ["code": "2xx"]), Double(sent))
            XCTAssertEqual(samples.sum("balancer_upstream_response_seconds_count", [:]), Double(sent))
            XCTAssertEqual(samples.sum("balancer_upstream_server_up", [:]), 3)
            XCTAssertGreaterThanOrEqual(samples.sum("balancer_client_connections_accepted_total", [:]), 1)

            var status = try await statusJSON(client, harness)
            XCTAssertEqual(status.servers.count, 3)
            XCTAssertEqual(status.servers.map { $0["requests"] as? Int ?? -1 }.reduce(0, +), sent)
            let killed = replicas[1].address
            // The page renders the three servers from /status.json.
            let before = try await Chromium.dumpDOM(harness.adminURL + "/status")
            for replica in replicas { XCTAssertTrue(before.contains("data-server=\"backend/\(replica.address)\"")) }

            replicas[1].kill()
            status = try await poll(client, harness, "\(killed) out of rotation") { status in
                let state = status.server(killed)?["state"] as? String
                return state == "unhealthy" || state == "ejected"
            }
            let check = status.server(killed)?["last_check"] as? [String: Any]
            XCTAssertEqual(check?["passed"] as? Bool, false)
            let after = try await Chromium.dumpDOM(harness.adminURL + "/status", screenshot: "status-killed.png")
            XCTAssertTrue(
                after.contains("data-server=\"backend/\(killed)\" data-state=\"unhealthy\"")
                    || after.contains("data-server=\"backend/\(killed)\" data-state=\"ejected\""),
                "the page does not show \(killed) out of rotation")

            replicas[1] = try await ReplicaProcess(instanceID: "backend-2b", port: replicas[1].port)
            status = try await poll(client, harness, "\(killed) back up") { status in
                status.server(killed)?["state"] as? String == "up"
            }
            XCTAssertEqual(status.server(killed)?["instance_id"] as? String, "backend-2b")
        } catch {
            XCTFail("\(error)")
        }
        try await client.shutdown()
        await harness.shutdown()
    }

    func testNonLoopbackAdminWithoutAuthRefusesToStart() async throws {
        let yaml = "listen: 127.0.0.1:1\nadmin: {listen: 0.0.0.0:9090}\n"
            + "upstreams: {backend: {servers: [127.0.0.1:9]}}\nroutes: [{prefix: /, upstream: backend}]"
        XCTAssertThrowsError(try ConfigLoader.parse(yaml: yaml, path: "b.yaml")) { error in
            XCTAssertEqual("\(error)", "b.yaml:2: admin.listen: 0.0.0.0:9090 is reachable from other hosts; "
                + "add admin.basic_auth or admin.allow, or listen on 127.0.0.1")
        }
    }

    private func statusJSON(_ client: HTTPClient, _ harness: BalancerHarness) async throws -> StatusDocument {
        let response = try await client.fetch(harness.adminURL + "/status.json")
        guard response.status == 200, let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8))
            as? [String: Any] else { throw TestFailure("status.json: \(response.status) \(response.body)") }
        return StatusDocument(root: object)
    }

    private func poll(
        _ client: HTTPClient, _ harness: BalancerHarness, _ what: String,
        until condition: (StatusDocument) -> Bool
    ) async throws -> StatusDocument {
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            let status = try await statusJSON(client, harness)
            if condition(status) { return status }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw TestFailure("status.json never showed \(what) within 15 s")
    }
}

/// `/status.json` parsed, with the servers of group `backend` at hand.
struct StatusDocument {
    var root: [String: Any]
    var servers: [[String: Any]] {
        ((root["upstreams"] as? [String: Any])?["backend"] as? [String: Any])?["servers"] as? [[String: Any]] ?? []
    }
    func server(_ address: String) -> [String: Any]? { servers.first { $0["address"] as? String == address } }
}
