import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The server's parts as services, on real sockets: their order, a group stopping them, and the drain's ends as
/// clients see them.
final class ServerLifecycleTests: XCTestCase {
    func testServicesStopListenersFirstAndTheAccessLogLast() async throws {
        let harness = try await BalancerHarness(inFrontOf: ["127.0.0.1:9"])
        let names = harness.server.services.map { String(describing: type(of: $0)) }
        XCTAssertEqual(
            names,
            [
                "AccessLogService", "EventLoopService", "AdminServer", "UpstreamResolution", "HealthChecker",
                "ProxyListenerService",
            ],
            "start order; shutdown runs it backwards"
        )
        await harness.shutdown()
    }

    func testGracefulShutdownOfTheGroupStopsTheServer() async throws {
        let upstream = try await FakeUpstream(.status(200))
        let harness = try await BalancerHarness(inFrontOf: [upstream.address])
        let idle = try RawHTTP(port: harness.port)
        idle.send("GET /a HTTP/1.1\r\nHost: t\r\n\r\n")
        XCTAssertTrue(idle.receive(until: "}").hasPrefix("HTTP/1.1 200"))

        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: harness.server.services.map { $0 as any Service },
                logger: Logger(label: "test")
            )
        )
        let running = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        try await running.value

        XCTAssertTrue(idle.peerClosed(), "the idle keep-alive connection was closed")
        let listening = await RawHTTP.isListening(port: harness.port)
        XCTAssertFalse(listening, "the listener still accepts")
        await upstream.shutdown()
    }

    /// The head went out before draining began and promised keep-alive; the connection closes when the response
    /// ends, not at the deadline.
    func testAResponseUnderwayWhenDrainingBeganClosesItsConnectionWhenItEnds() async throws {
        let upstream = try await HeldResponseUpstream()
        let harness = try await BalancerHarness(inFrontOf: [upstream.address])
        let client = try RawHTTP(port: harness.port, timeout: 10)
        client.send("GET /held HTTP/1.1\r\nHost: t\r\n\r\n")
        let head = client.receive(until: HeldResponseUpstream.firstHalf)
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200"), head)
        XCTAssertFalse(head.lowercased().contains("connection: close"), "the head promised keep-alive: \(head)")

        let started = Date()
        let server = harness.server
        let shutdown = Task { await server.shutdown(timeout: .seconds(20)) }
        try await waitUntil("the drain to begin", { server.drain.isWaiting }, matches: { $0 })
        upstream.release()
        let rest = client.receive(until: HeldResponseUpstream.secondHalf)
        XCTAssertTrue(rest.hasSuffix(HeldResponseUpstream.secondHalf), "the response was cut: \(rest)")
        XCTAssertTrue(client.peerClosed(), "the connection stayed open after its response")
        await shutdown.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "the drain waited for the deadline")
        await upstream.shutdown()
    }

    func testCloseNowEndsTheDrainAtOnce() async throws {
        let upstream = try await FakeUpstream(.silent)
        let harness = try await BalancerHarness(inFrontOf: [upstream.address])
        let client = try RawHTTP(port: harness.port, timeout: 10)
        client.send("GET /never HTTP/1.1\r\nHost: t\r\n\r\n")
        try await waitUntil(
            "the request to reach the upstream",
            { upstream.receivedBytes.load(ordering: .relaxed) },
            matches: { $0 > 0 }
        )

        let server = harness.server
        let started = Date()
        let shutdown = Task { await server.shutdown(timeout: .seconds(30)) }
        try await waitUntil("the drain to begin", { server.drain.isWaiting }, matches: { $0 })
        server.closeNow()
        await shutdown.value
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "close-now did not end the drain")
        XCTAssertTrue(client.peerClosed(), "the request in flight kept its connection")
        await upstream.shutdown()
    }

    func testTheReloaderReloadsOnRequestAndStopsAtGracefulShutdown() async throws {
        let text = """
            listen: [127.0.0.1:8080]
            workers: 1
            access_log: off
            upstreams:
              backend:
                servers: [127.0.0.1:8001]
            routes:
              - {prefix: /, upstream: backend}
            """
        let server = try BalancerServer(config: try XCTUnwrap(ConfigFixture.parse(text)), logger: Logger(label: "test"))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("reload-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: path) }
        try text.replacingOccurrences(of: "[127.0.0.1:8001]", with: "[127.0.0.1:8001, 127.0.0.1:8002]")
            .write(to: path, atomically: true, encoding: .utf8)
        let reloader = ConfigReloader(server: server, path: path.path, logger: Logger(label: "test"))
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(services: [reloader], logger: Logger(label: "test"))
        )
        let running = Task { try await group.run() }

        reloader.requestReload()
        try await waitUntil("the reload", { server.reloadsApplied }, matches: { $0 == 1 })
        XCTAssertEqual(server.snapshot.groups[0].servers.count, 2)
        await group.triggerGracefulShutdown()
        try await running.value
        await server.shutdown(timeout: .zero)
    }
}
