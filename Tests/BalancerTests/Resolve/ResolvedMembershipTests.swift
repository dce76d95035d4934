import NIOCore
import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The decisions of re-resolution, without sockets: what changed, what is logged, what a snapshot expands into.
final class ResolvedMembershipTests: XCTestCase {
    func testMembershipSplitsAddedRemovedAndUnchanged() {
        let membership = ResolvedMembership(old: ["10.0.0.5", "10.0.0.6"], new: ["10.0.0.7", "10.0.0.6"])
        XCTAssertEqual(membership.added, ["10.0.0.7"])
        XCTAssertEqual(membership.removed, ["10.0.0.5"])
        XCTAssertEqual(membership.unchanged, ["10.0.0.6"])
        XCTAssertEqual(membership.current, ["10.0.0.6", "10.0.0.7"])
        XCTAssertEqual(membership.summary, "+10.0.0.7 -10.0.0.5")
        XCTAssertTrue(membership.isChanged)
    }

    func testRotatedAnswerIsNoChange() {
        XCTAssertFalse(ResolvedMembership(old: ["10.0.0.5", "10.0.0.6"], new: ["10.0.0.6", "10.0.0.5"]).isChanged)
    }

    func testTrackerKeepsTheLastGoodSetAndLogsFailureOnceAndRecoveryOnce() {
        var tracker = ResolutionTracker()
        XCTAssertEqual(tracker.recordFailure(), .startedFailing)
        XCTAssertNil(tracker.addresses)
        XCTAssertEqual(
            tracker.record(found: ["10.0.0.5"]), .recovered(ResolvedMembership(old: [], new: ["10.0.0.5"])))
        XCTAssertEqual(tracker.record(found: ["10.0.0.5"]), .unchanged)
        XCTAssertEqual(
            tracker.record(found: ["10.0.0.6", "10.0.0.5"]),
            .changed(ResolvedMembership(old: ["10.0.0.5"], new: ["10.0.0.5", "10.0.0.6"])))
        XCTAssertEqual(tracker.recordFailure(), .startedFailing)
        XCTAssertEqual(tracker.record(found: []), .stillFailing, "an empty answer is a failure, not an empty group")
        XCTAssertEqual(tracker.addresses, ["10.0.0.5", "10.0.0.6"])
        XCTAssertEqual(
            tracker.record(found: ["10.0.0.6"]),
            .recovered(ResolvedMembership(old: ["10.0.0.5", "10.0.0.6"], new: ["10.0.0.6"])))
        XCTAssertEqual(tracker.addresses, ["10.0.0.6"])
    }

    func testFirstGoodAnswerIsAChange() {
        var tracker = ResolutionTracker()
        XCTAssertEqual(tracker.record(found: ["10.0.0.5"]), .changed(ResolvedMembership(old: [], new: ["10.0.0.5"])))
    }

    private let yaml = """
        listen: 127.0.0.1:8080
        upstreams:
          backend:
            servers: [{address: backend.test:8000, weight: 3}, 127.0.0.1:9000]
        routes:
          - prefix: /
            upstream: backend
        """

    func testSnapshotExpandsANameIntoOneServerPerAddressAndKeepsTheOnesThatStay() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        let name = HostPort(host: "backend.test", port: 8000)
        let first = ProxySnapshot(config: config, generation: 1)
        XCTAssertEqual(first.groups[0].servers.map(\.name), ["backend.test:8000", "127.0.0.1:9000"])
        XCTAssertNil(first.groups[0].servers[0].socketAddress, "unresolved names are resolved when connecting")

        let two = ResolvedAddresses().replacing(group: "backend", with: [name: ["10.0.0.6", "10.0.0.5"]])
        let second = ProxySnapshot(config: config, generation: 1, reusing: first, resolved: two)
        let servers = second.groups[0].servers
        XCTAssertEqual(servers.map(\.name),
            ["backend.test:8000 (10.0.0.5)", "backend.test:8000 (10.0.0.6)", "127.0.0.1:9000"])
        XCTAssertEqual(servers.map(\.weight), [3, 3, 1])
        XCTAssertEqual(servers[0].socketAddress, try SocketAddress(ipAddress: "10.0.0.5", port: 8000))
        XCTAssertTrue(servers[2] === first.groups[0].servers[1], "the literal server keeps its state")

        let one = two.replacing(group: "backend", with: [name: ["10.0.0.6"]])
        let third = ProxySnapshot(config: config, generation: 1, reusing: second, resolved: one)
        XCTAssertEqual(third.groups[0].servers.map(\.name), ["backend.test:8000 (10.0.0.6)", "127.0.0.1:9000"])
        XCTAssertTrue(third.groups[0].servers[0] === servers[1], "a remaining address keeps its server and counters")
    }

    func testAKeptServerTakesTheNewLimitsOfItsGroup() throws {
        let alone = """
            listen: 127.0.0.1:8080
            upstreams:
              backend:
                max_fails: 2
                servers: [127.0.0.1:9000]
            routes:
              - prefix: /
                upstream: backend
            """
        let first = ProxySnapshot(config: try XCTUnwrap(ConfigFixture.parse(alone)), generation: 1)
        let kept = first.groups[0].servers[0]
        XCTAssertEqual(kept.passiveState.maxFails, 0, "a group's only server is never ejected")

        let grown = alone.replacingOccurrences(of: "[127.0.0.1:9000]", with: "[127.0.0.1:9000, 127.0.0.1:9001]")
        let second = ProxySnapshot(config: try XCTUnwrap(ConfigFixture.parse(grown)), generation: 2, reusing: first)
        XCTAssertTrue(second.groups[0].servers[0] === kept, "the server stays, with its counters")
        XCTAssertEqual(kept.passiveState.maxFails, 2, "now that it has company, the group's max_fails applies")
        _ = kept.attemptFailed(now: 0)
        XCTAssertEqual(kept.attemptFailed(now: 1), .ejected(failures: 2, forNanoseconds: 10_000_000_000))
    }

    func testResolveIntervalZeroIgnoresLookups() throws {
        var config = try XCTUnwrap(ConfigFixture.parse(yaml))
        config.upstreams[0].resolveInterval = .seconds(0)
        let found = ResolvedAddresses().replacing(
            group: "backend", with: [HostPort(host: "backend.test", port: 8000): ["10.0.0.5"]])
        let snapshot = ProxySnapshot(config: config, generation: 1, resolved: found)
        XCTAssertEqual(snapshot.groups[0].servers.map(\.name), ["backend.test:8000", "127.0.0.1:9000"])
    }
}
