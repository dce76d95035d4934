import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The members of `/status.json` and the per-server series of `/metrics` that come from a report's own fields, byte
/// for byte: dashboards and alerts read these names and values, so a changed byte is a changed contract.
final class StatusReportOutputTests: XCTestCase {
    private func report() -> StatusReport {
        let server = UpstreamServer(config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 9000), weight: 3))
        server.active.store(2, ordering: .relaxed)
        server.requests.store(7, ordering: .relaxed)
        server.failures.store(1, ordering: .relaxed)
        let now = WallClockInstant(seconds: 1_764_547_200, nanoseconds: 0)
        let status = ServerStatus(server: server, nowMono: 0, nowWall: now)
        return StatusReport(
            origin: StatusReport.Origin(
                version: "1.2.3", uptimeSeconds: 61.5,
                generatedAt: WallClockInstant(seconds: 1_764_547_200, nanoseconds: 250_000_000)),
            reloads: ReloadStatus(),
            connections: ClientConnectionCounts(active: 0, accepted: 0, refused: 0, proxyProtocolRefused: 0),
            requestsPerSecond: 0,
            upstreams: [(name: "backend", servers: [status])],
            metrics: MetricsSnapshot()
        )
    }

    func testOriginLeadsTheDocument() {
        XCTAssertTrue(
            StatusJSON.render(report()).hasPrefix(
                #"{"version":"1.2.3","uptime_seconds":61.5,"generated_at":"2025-12-01T00:00:00.250Z","config":"#),
            StatusJSON.render(report()))
    }

    func testServerMembers() throws {
        let server = try XCTUnwrap(report().upstreams.first?.servers.first)
        XCTAssertTrue(
            StatusJSON.server(server).rendered.hasPrefix(
                #"{"address":"127.0.0.1:9000","state":"up","active":2,"requests":7,"failures":1,"instance_id":null,"#
                    + #""weight":3,"backup":false,"checks":"unchecked","ejected_until":null,"ejection_reason":null,"#),
            StatusJSON.server(server).rendered)
    }

    func testPerServerSeries() {
        let metrics = PrometheusWriter.render(report())
        for line in [
            #"balancer_upstream_in_flight{upstream="backend",server="127.0.0.1:9000"} 2"#,
            #"balancer_upstream_server_up{upstream="backend",server="127.0.0.1:9000"} 1"#,
            #"balancer_upstream_failures_total{upstream="backend",server="127.0.0.1:9000"} 1"#,
        ] {
            XCTAssertTrue(metrics.contains("\n" + line + "\n"), metrics)
        }
    }
}
