import Foundation
import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `listen[].reuseport` on real sockets: one listening socket per event loop on the same port, connections served
/// on every loop, and reloads that remove the listener or flip `reuseport` leave exactly the sockets configured.
final class ReusePortListenerTests: XCTestCase {
    private var upstream: FakeUpstream!
    private var balancer: BalancerHarness?

    override func setUp() async throws {
        upstream = try await FakeUpstream(.status(200))
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream.shutdown()
    }

    /// A balancer with two loops on `listen` (YAML list items); port 0 is swapped in for `port: 0` tests after
    /// loading, as the loader refuses it.
    private func start(listen: String, portZero: Bool = false) async throws -> BalancerHarness {
        var config = try ConfigLoader.parse(yaml: """
            listen: \(listen)
            workers: 2
            access_log: off
            upstreams:
              backend:
                servers: [\(upstream.address)]
            routes:
              - {prefix: /, upstream: backend}
            """, path: "test.yaml")
        if portZero { config.listen[0].address.port = 0 }
        config.admin.listen = HostPort(host: "127.0.0.1", port: 0)
        let started = try await BalancerHarness(loaded: config)
        balancer = started
        return started
    }

    /// `count` requests, each on a new connection; fails unless every one is answered 200.
    private func requestsOnNewConnections(port: Int, count: Int, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        for index in 0..<count {
            let client = try RawHTTP(port: port)
            client.send("GET /\(index) HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n")
            let head = client.receiveHead()
            XCTAssertTrue(head.hasPrefix("HTTP/1.1 200"), "request \(index): \(head)", file: file, line: line)
        }
    }

    /// Requests answered on each loop, once they add up to `total` (bounded wait: they are counted as logged).
    private func requestsPerLoop(_ server: BalancerServer, total: Int) async throws -> [Int] {
        let deadline = Date().addingTimeInterval(5)
        while true {
            var counts: [Int] = []
            for future in server.futuresFromEveryLoop({ context in
                context.eventLoop.makeSucceededFuture(context.metrics.snapshot().requestsByClass.reduce(0, +))
            }) {
                counts.append(try await future.get())
            }
            if counts.reduce(0, +) >= total || Date() > deadline { return counts }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func testAReusePortListenerHasASocketPerLoopOnOnePortAndServesOnBoth() async throws {
        let balancer = try await start(listen: "[{address: 127.0.0.1:1, reuseport: true}]", portZero: true)
        let sockets = try XCTUnwrap(balancer.server.listeningSockets.first)
        XCTAssertTrue(sockets.reuseport)
        XCTAssertEqual(sockets.channels.count, 2)
        XCTAssertEqual(Set(sockets.channels.map { ObjectIdentifier($0.eventLoop) }).count, 2, "one socket per loop")
        XCTAssertEqual(sockets.channels.map { $0.localAddress?.port }, [balancer.port, balancer.port])
        XCTAssertEqual(ListeningSocketTable.count(port: balancer.port), 2)

        try requestsOnNewConnections(port: balancer.port, count: 40)
        let perLoop = try await requestsPerLoop(balancer.server, total: 40)
        XCTAssertEqual(perLoop.reduce(0, +), 40)
        // The kernel hashes each connection to a socket; all 40 on one of two loops would be a 1 in 2^39 chance.
        XCTAssertTrue(perLoop.allSatisfy { $0 > 0 }, "requests per loop: \(perLoop)")
    }

    func testAPlainListenerHasOneSocket() async throws {
        let balancer = try await start(listen: "[127.0.0.1:1]", portZero: true)
        XCTAssertEqual(balancer.server.listeningSockets.map(\.channels.count), [1])
        XCTAssertEqual(ListeningSocketTable.count(port: balancer.port), 1)
        try requestsOnNewConnections(port: balancer.port, count: 4)
    }

    func testAReloadThatRemovesAReusePortListenerClosesAllItsSockets() async throws {
        let removed = try FreePort.allocate()
        let kept = try FreePort.allocate()
        let balancer = try await start(listen: "[{address: 127.0.0.1:\(removed), reuseport: true}, 127.0.0.1:\(kept)]")
        XCTAssertEqual(ListeningSocketTable.count(port: removed), 2)
        // A keep-alive connection accepted on the removed listener outlives it.
        let open = try RawHTTP(port: removed)
        open.send("GET /before HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(open.receive(until: "}").hasPrefix("HTTP/1.1 200"))

        let running = balancer.server.snapshot.config
        var loaded = running
        loaded.listen.removeFirst()
        try await balancer.server.apply(ReloadPlan(running: running, loaded: loaded))

        XCTAssertEqual(ListeningSocketTable.count(port: removed), 0, "a socket of the removed listener is left")
        let stillListening = await RawHTTP.isListening(port: removed)
        XCTAssertFalse(stillListening)
        XCTAssertEqual(balancer.server.listenAddresses, [HostPort(host: "127.0.0.1", port: kept)])
        try requestsOnNewConnections(port: kept, count: 2)
        open.send("GET /after HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(open.receive(until: "}").hasPrefix("HTTP/1.1 200"), "the accepted connection was cut")
    }

    /// A balancer on a plain listener on a free port, its config, and the same with `reuseport: true`.
    private func startPlain() async throws
        -> (balancer: BalancerHarness, port: Int, plain: BalancerConfig, reusing: BalancerConfig)
    {
        let port = try FreePort.allocate()
        let balancer = try await start(listen: "[127.0.0.1:\(port)]")
        let plain = balancer.server.snapshot.config
        var reusing = plain
        reusing.listen[0].reuseport = true
        return (balancer, port, plain, reusing)
    }

    func testAReloadFlipsReusePortOnAndOffOnTheSamePort() async throws {
        let (balancer, port, plain, reusing) = try await startPlain()

        try await balancer.server.apply(ReloadPlan(running: plain, loaded: reusing))
        XCTAssertEqual(balancer.server.listeningSockets.map(\.channels.count), [2])
        XCTAssertEqual(balancer.server.listeningSockets.map(\.reuseport), [true])
        XCTAssertEqual(ListeningSocketTable.count(port: port), 2, "the socket without reuseport is left open")
        try requestsOnNewConnections(port: port, count: 20)

        try await balancer.server.apply(ReloadPlan(running: reusing, loaded: plain))
        XCTAssertEqual(balancer.server.listeningSockets.map(\.channels.count), [1])
        XCTAssertEqual(balancer.server.listeningSockets.map(\.reuseport), [false])
        XCTAssertEqual(ListeningSocketTable.count(port: port), 1, "a reuseport socket is left open")
        XCTAssertEqual(balancer.server.boundAddresses.map(\.port), [port])
        try requestsOnNewConnections(port: port, count: 4)
    }

    func testAReloadThatCannotBindChangesNoSocket() async throws {
        let (balancer, port, running, reusing) = try await startPlain()
        var loaded = reusing
        // The upstream holds this port without SO_REUSEPORT: the second listener cannot open, after the flip did.
        loaded.listen.append(ListenerConfig(address: HostPort(host: "127.0.0.1", port: upstream.port)))
        do {
            try await balancer.server.apply(ReloadPlan(running: running, loaded: loaded))
            XCTFail("the reload was applied")
        } catch {
            XCTAssertTrue("\(error)".contains("cannot listen on 127.0.0.1:\(upstream.port)"), "\(error)")
        }
        XCTAssertEqual(balancer.server.listeningSockets.map(\.channels.count), [1])
        XCTAssertEqual(ListeningSocketTable.count(port: port), 1, "a socket the flip opened is left")
        let channel = try XCTUnwrap(balancer.server.listeningSockets.first?.channels.first)
        let reusePort = try await channel.getOption(.socketOption(.reusePort)).get()
        XCTAssertEqual(reusePort, 0, "the running socket keeps SO_REUSEPORT")
        try requestsOnNewConnections(port: port, count: 2)
    }
}
