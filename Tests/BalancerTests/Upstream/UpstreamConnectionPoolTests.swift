import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The idle pool of one loop, with connected embedded channels on an embedded loop's clock: connections within
/// `keepalive` stay, surplus is closed once it has been idle for the grace (oldest first) and is reused before that,
/// `keepalive: 0` closes at once, and a closed connection is never handed out.
final class UpstreamConnectionPoolTests: XCTestCase {
    private var loop: EmbeddedEventLoop!
    private var timers: LoopTimerQueue!
    private var pool: UpstreamConnectionPool!
    private let server = UpstreamServer(config: ServerConfig(address: HostPort(host: "127.0.0.1", port: 9000)))
    private var channels: [ObjectIdentifier: EmbeddedChannel] = [:]
    private var start: NIODeadline!

    override func setUp() {
        loop = EmbeddedEventLoop()
        timers = LoopTimerQueue(eventLoop: loop, clock: LoopClock(clock: { [unowned self] in self.loop.now }))
        pool = UpstreamConnectionPool(timers: timers, surplus: IdleSurplus(grace: 1_000_000_000))
        channels = [:]
        start = loop.now
    }

    override func tearDown() {
        for channel in channels.values where channel.isActive { _ = try? channel.finish() }
        pool = nil
        try? loop.syncShutdownGracefully()
    }

    /// A connected upstream connection to `server`.
    private func connection() throws -> UpstreamHandler {
        let handler = UpstreamHandler(server: server, timers: timers)
        let channel = EmbeddedChannel(handler: handler, loop: loop)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 9000)).wait()
        channels[ObjectIdentifier(handler)] = channel
        XCTAssertTrue(handler.isActive)
        return handler
    }

    private func isOpen(_ handler: UpstreamHandler) -> Bool { channels[ObjectIdentifier(handler)]!.isActive }

    func testSurplusIsClosedAfterTheGraceOldestFirstAndTheCapStays() throws {
        let connections = try (0..<5).map { _ in try connection() }
        // Back at 0, 0, 500, 700 and 900 ms with `keepalive` 2: from the third on, the pool holds surplus.
        for (connection, at) in zip(connections, [0, 0, 500, 700, 900] as [Int64]) {
            loop.advanceTime(to: start + .milliseconds(at))
            pool.checkin(connection, keepalive: 2)
        }
        XCTAssertEqual(pool.idleCount(for: server), 5)
        loop.advanceTime(to: start + .milliseconds(1_499))
        XCTAssertTrue(connections.allSatisfy(isOpen), "surplus is kept for the grace")

        // The two kept are the two most recently used; the three older ones had been idle a second or more.
        loop.advanceTime(to: start + .milliseconds(1_500))
        XCTAssertEqual(pool.idleCount(for: server), 2)
        XCTAssertEqual(connections.map(isOpen), [false, false, false, true, true])
        XCTAssertEqual(timers.count, 0, "no trim stays armed once no surplus is left")
        loop.advanceTime(by: .seconds(60))
        XCTAssertEqual(pool.idleCount(for: server), 2, "within keepalive, connections stay however long idle")

        // What stays is handed out newest first.
        XCTAssertTrue(pool.checkout(server) === connections[4])
        XCTAssertTrue(pool.checkout(server) === connections[3])
        XCTAssertNil(pool.checkout(server))
    }

    func testSurplusReusedWithinTheGraceIsNotClosed() throws {
        let connections = try (0..<3).map { _ in try connection() }
        for connection in connections { pool.checkin(connection, keepalive: 1) }
        loop.advanceTime(by: .milliseconds(500))
        // A burst takes all three back before the trim...
        let taken = (0..<3).compactMap { _ in pool.checkout(server) }
        XCTAssertEqual(taken.count, 3)
        loop.advanceTime(by: .milliseconds(600))
        XCTAssertTrue(connections.allSatisfy(isOpen), "a trim finds no surplus while the connections are in use")
        // ...and gives them back: a second grace runs from then.
        for connection in taken { pool.checkin(connection, keepalive: 1) }
        loop.advanceTime(by: .milliseconds(900))
        XCTAssertEqual(pool.idleCount(for: server), 3)
        loop.advanceTime(by: .milliseconds(200))
        XCTAssertEqual(pool.idleCount(for: server), 1)
        XCTAssertEqual(connections.filter(isOpen).count, 1)
    }

    func testKeepaliveZeroClosesAtOnce() throws {
        let connection = try connection()
        pool.checkin(connection, keepalive: 0)
        XCTAssertFalse(isOpen(connection))
        XCTAssertEqual(pool.idleCount(for: server), 0)
        XCTAssertNil(pool.checkout(server))
    }

    func testAConnectionTheUpstreamClosedIsNeverHandedOut() throws {
        let first = try connection()
        let second = try connection()
        pool.checkin(first, keepalive: 4)
        pool.checkin(second, keepalive: 4)
        try channels[ObjectIdentifier(second)]!.close().wait()
        XCTAssertEqual(pool.idleCount(for: server), 1, "the closed connection left the pool")
        XCTAssertTrue(pool.checkout(server) === first)
        XCTAssertNil(pool.checkout(server))
    }
}
