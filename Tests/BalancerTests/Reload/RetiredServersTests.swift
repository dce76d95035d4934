import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Which removed servers the status page keeps listing as draining: those with requests still in flight.
final class RetiredServersTests: XCTestCase {
    private func snapshot(_ servers: String, generation: Int, reusing previous: ProxySnapshot? = nil) throws
        -> ProxySnapshot
    {
        let yaml = """
            listen: 127.0.0.1:8080
            upstreams:
              backend:
                servers: [\(servers)]
            routes:
              - prefix: /
                upstream: backend
            """
        return ProxySnapshot(
            config: try XCTUnwrap(ConfigFixture.parse(yaml)),
            generation: generation,
            reusing: previous
        )
    }

    func testARemovedServerDrainsUntilItsLastRequestEnds() throws {
        let first = try snapshot("127.0.0.1:9000, 127.0.0.1:9001", generation: 1)
        let leaving = first.groups[0].servers[1]
        leaving.active.wrappingIncrement(ordering: .relaxed)
        let second = try snapshot("127.0.0.1:9000", generation: 2, reusing: first)

        let retired = RetiredServers()
        retired.retire(from: first, to: second)
        XCTAssertEqual(retired.draining().map(\.server.name), ["127.0.0.1:9001"])
        XCTAssertEqual(retired.draining().map(\.group), ["backend"])

        leaving.active.wrappingDecrement(ordering: .relaxed)
        XCTAssertTrue(retired.draining().isEmpty, "gone once its last request finished")
    }

    func testAnIdleRemovedServerIsNotListedAndAServerBackInTheConfigIsNotRetired() throws {
        let first = try snapshot("127.0.0.1:9000, 127.0.0.1:9001", generation: 1)
        let second = try snapshot("127.0.0.1:9000", generation: 2, reusing: first)
        let retired = RetiredServers()
        retired.retire(from: first, to: second)
        XCTAssertTrue(retired.draining().isEmpty, "nothing in flight: nothing to drain")

        let busy = first.groups[0].servers[1]
        busy.active.wrappingIncrement(ordering: .relaxed)
        retired.retire(from: first, to: second)
        XCTAssertEqual(retired.draining().count, 1)
        // The server comes back (a later reload lists it again): it is in rotation, not draining.
        let third = ProxySnapshot(config: first.config, generation: 3, reusing: first)
        XCTAssertTrue(third.groups[0].servers[1] === busy)
        retired.retire(from: second, to: third)
        XCTAssertTrue(retired.draining().isEmpty)
        busy.active.wrappingDecrement(ordering: .relaxed)
    }

    func testDrainingServersJoinTheirGroupOnceEach() {
        func status(_ address: String) -> ServerStatus {
            let config = ServerConfig(
                address: HostPort(host: "127.0.0.1", port: Int(address.split(separator: ":")[1])!)
            )
            return ServerStatus(server: UpstreamServer(config: config), nowMono: 0, nowWall: WallClockInstant.now())
        }
        var upstreams: [(name: String, servers: [ServerStatus])] = [
            (name: "backend", servers: [status("127.0.0.1:9000")])
        ]
        StatusReport.appendDraining(
            [
                (group: "backend", status: status("127.0.0.1:9000")),  // still configured: listed once, as it is now
                (group: "backend", status: status("127.0.0.1:9001")),
                (group: "old", status: status("127.0.0.1:9002")),  // its whole group is gone
            ],
            to: &upstreams
        )
        XCTAssertEqual(upstreams.map(\.name), ["backend", "old"])
        XCTAssertEqual(upstreams[0].servers.map(\.address), ["127.0.0.1:9000", "127.0.0.1:9001"])
        XCTAssertEqual(upstreams[0].servers.map(\.state), [.up, .draining])
        XCTAssertEqual(upstreams[1].servers.map(\.state), [.draining])
    }
}
