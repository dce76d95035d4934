import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A server's identity is its `ServerID` (address as written plus the address DNS found), not its display name:
/// what it tells apart, what a reload or a re-resolution keeps by it, and that the display strings stay as they were.
final class ServerIDTests: XCTestCase {
    private let backendName = HostPort(host: "backend.test", port: 8000)

    private let yaml = """
        listen: 127.0.0.1:8080
        upstreams:
          backend:
            servers: [backend.test:8000, 127.0.0.1:9000, 127.0.0.1:9001]
        routes:
          - prefix: /
            upstream: backend
        """

    private func snapshot(
        _ yaml: String, generation: Int = 1, reusing previous: ProxySnapshot? = nil,
        resolved: ResolvedAddresses = ResolvedAddresses()
    ) throws -> ProxySnapshot {
        ProxySnapshot(
            config: try XCTUnwrap(ConfigFixture.parse(yaml)), generation: generation, reusing: previous,
            resolved: resolved)
    }

    func testServersThatDifferOnlyByTheResolvedAddressAreDistinct() throws {
        let five = ServerID(address: backendName, resolvedAddress: "10.0.0.5")
        let six = ServerID(address: backendName, resolvedAddress: "10.0.0.6")
        XCTAssertNotEqual(five, six)
        XCTAssertNotEqual(five, ServerID(address: backendName), "the name itself is a third server, resolved on connect")
        XCTAssertEqual(Set([five, six, ServerID(address: backendName, resolvedAddress: "10.0.0.5")]).count, 2)
        XCTAssertNotEqual(ServerKey(group: "a", server: five), ServerKey(group: "b", server: five))

        let found = ResolvedAddresses().replacing(group: "backend", with: [backendName: ["10.0.0.6", "10.0.0.5"]])
        let servers = try snapshot(yaml, resolved: found).groups[0].servers
        XCTAssertEqual(servers.map(\.id).prefix(2), [five, six])
        XCTAssertEqual(Set(servers.map(\.id)).count, servers.count)
    }

    func testDisplayStringsAreUnchanged() {
        let plain = UpstreamServer(config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 9000)))
        XCTAssertEqual(plain.name, "127.0.0.1:9000")
        XCTAssertEqual(plain.hostHeader, "127.0.0.1:9000")
        let found = UpstreamServer(config: ServerConfig(address: backendName), resolvedAddress: "10.0.0.5")
        XCTAssertEqual(found.name, "backend.test:8000 (10.0.0.5)")
        XCTAssertEqual(found.hostHeader, "backend.test:8000", "a probe's Host is the address as configured")
        let six = UpstreamServer(config: ServerConfig(address: HostPort(host: "::1", port: 9000)))
        XCTAssertEqual(six.name, "[::1]:9000")
        XCTAssertEqual(ServerStatus(server: found, nowMono: 0, nowWall: WallClockInstant.now()).address, found.name)
    }

    func testAReloadKeepsTheStateOfTheSameIDAndDropsAChangedOne() throws {
        let first = try snapshot(yaml)
        let stays = first.groups[0].servers[1]
        let moves = first.groups[0].servers[2]
        for server in [stays, moves] {
            server.requests.wrappingIncrement(ordering: .relaxed)
            _ = server.attemptFailed(now: 0)
        }

        let edited = yaml.replacingOccurrences(of: "127.0.0.1:9001", with: "127.0.0.1:9002")
        let second = try snapshot(edited, generation: 2, reusing: first)
        let servers = second.groups[0].servers
        XCTAssertTrue(servers[1] === stays, "same id and line: the same server")
        XCTAssertEqual(servers[1].requests.load(ordering: .relaxed), 1)
        XCTAssertEqual(servers[1].failures.load(ordering: .relaxed), 1)
        XCTAssertEqual(servers[1].passiveState.state, stays.passiveState.state)
        XCTAssertEqual(servers[2].id, ServerID(address: HostPort(host: "127.0.0.1", port: 9002)))
        XCTAssertEqual(servers[2].requests.load(ordering: .relaxed), 0, "a new address starts afresh")
        XCTAssertEqual(servers[2].failures.load(ordering: .relaxed), 0)

        // In another group the same address is another server.
        let renamed = yaml.replacingOccurrences(of: "backend", with: "web")
        let third = try snapshot(renamed, generation: 3, reusing: second)
        XCTAssertFalse(third.groups[0].servers.contains { $0 === stays })
    }

    func testAReResolutionWithTheSameAddressesKeepsTheObjects() throws {
        let found = ResolvedAddresses().replacing(group: "backend", with: [backendName: ["10.0.0.5", "10.0.0.6"]])
        let first = try snapshot(yaml, resolved: found)
        let rotated = found.replacing(group: "backend", with: [backendName: ["10.0.0.6", "10.0.0.5"]])
        XCTAssertEqual(rotated, found, "answer order is no change")
        let again = ProxySnapshot(config: first.config, generation: 1, reusing: first, resolved: rotated)
        XCTAssertEqual(again.groups[0].servers.count, first.groups[0].servers.count)
        for (new, old) in zip(again.groups[0].servers, first.groups[0].servers) { XCTAssertTrue(new === old, new.name) }

        // One address goes: its server retires (and drains while busy), the other keeps its object.
        let leaving = first.groups[0].servers[0]
        leaving.active.wrappingIncrement(ordering: .relaxed)
        defer { leaving.active.wrappingDecrement(ordering: .relaxed) }
        let fewer = ProxySnapshot(
            config: first.config, generation: 1, reusing: again,
            resolved: found.replacing(group: "backend", with: [backendName: ["10.0.0.6"]]))
        XCTAssertTrue(fewer.groups[0].servers[0] === first.groups[0].servers[1])
        let retired = RetiredServers()
        retired.retire(from: again, to: fewer)
        XCTAssertEqual(retired.draining().map(\.server.name), ["backend.test:8000 (10.0.0.5)"])
    }

    func testAServerWhoseLineChangedIsNotDrainingAndListedOnce() throws {
        let first = try snapshot(yaml)
        let old = first.groups[0].servers[1]
        old.active.wrappingIncrement(ordering: .relaxed)
        defer { old.active.wrappingDecrement(ordering: .relaxed) }
        let heavier = yaml.replacingOccurrences(of: "127.0.0.1:9000", with: "{address: 127.0.0.1:9000, weight: 2}")
        let second = try snapshot(heavier, generation: 2, reusing: first)
        XCTAssertFalse(second.groups[0].servers[1] === old, "a changed line is a new object")
        XCTAssertEqual(second.groups[0].servers[1].id, old.id, "of the same server")
        let retired = RetiredServers()
        retired.retire(from: first, to: second)
        XCTAssertTrue(retired.draining().isEmpty, "still configured: not draining")
    }

    func testTheJournalKeepsWhatItNotesByID() {
        let journal = UpstreamJournal()
        let found = ServerID(address: backendName, resolvedAddress: "10.0.0.5")
        journal.note(nil, at: ServerKey(group: "backend", server: found), reason: "connection refused")
        XCTAssertEqual(Array(journal.all.keys), [ServerKey(group: "backend", server: found)])
        XCTAssertEqual(journal.all.values.first?.lastFailure?.reason, "connection refused")
    }

    func testResolvedAddressesForgetAGroupsNamesByGroupAndIgnoreTheNamesCase() throws {
        let found = ResolvedAddresses()
            .replacing(group: "Backend", with: [backendName: ["10.0.0.5"]])
            .replacing(group: "backend", with: [backendName: ["10.0.0.7"]])
        let shouted = HostPort(host: "BACKEND.test", port: 8000)
        XCTAssertEqual(found.addresses(group: "Backend", server: shouted), ["10.0.0.5"])
        let forgotten = found.replacing(group: "Backend", with: [:])
        XCTAssertNil(forgotten.addresses(group: "Backend", server: backendName))
        XCTAssertEqual(forgotten.addresses(group: "backend", server: backendName), ["10.0.0.7"])

        var upstream = try XCTUnwrap(ConfigFixture.parse(yaml)).upstreams[0]
        XCTAssertEqual(
            found.ids(of: backendName, in: upstream), [ServerID(address: backendName, resolvedAddress: "10.0.0.7")])
        upstream.resolveInterval = .seconds(0)
        XCTAssertEqual(found.ids(of: backendName, in: upstream), [ServerID(address: backendName)])
    }
}
