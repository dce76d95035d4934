import XCTest

@testable import Balancer
@testable import BalancerCore

/// `listen[].reuseport`: read as nginx's `listen ... reuseport`, off unless asked for, and a reload that flips it
/// opens the address's sockets anew.
final class ReusePortConfigTests: XCTestCase {
    private let rest = """
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:
          - {prefix: /, upstream: backend}
        """

    func testReusePortIsReadPerListenerAndOffByDefault() throws {
        let config = try XCTUnwrap(ConfigFixture.parse("""
            listen:
              - {address: 127.0.0.1:8080, reuseport: true}
              - {address: 127.0.0.1:8081, reuseport: false, proxy_protocol: true}
              - 127.0.0.1:8082
            real_ip: {from: [10.0.0.0/8], header: proxy_protocol}
            \(rest)
            """))
        XCTAssertEqual(config.listen.map(\.reuseport), [true, false, false])
        XCTAssertEqual(config.listen[1].proxyProtocol, true)
        let single = try XCTUnwrap(ConfigFixture.parse("listen: {address: 127.0.0.1:8080, reuseport: true}\n\(rest)"))
        XCTAssertEqual(single.listen.map(\.reuseport), [true])
    }

    func testAnythingButTrueOrFalseIsRefusedWithItsLine() {
        for value in ["yes", "1", "True", "on", "[true]", "\"\""] {
            ConfigFixture.assertSingleError(
                "listen:\n  - 127.0.0.1:8081\n  - {address: 127.0.0.1:8080, reuseport: \(value)}\n\(rest)",
                line: 3, path: "listen[1].reuseport", contains: "expected true or false, got")
        }
        ConfigFixture.assertSingleError(
            "listen: [{address: 127.0.0.1:8080, reuse_port: true}]\n\(rest)", line: 1, path: "listen[0].reuse_port",
            contains: "https_port, proxy_protocol, reuseport")
    }

    func testAReloadThatFlipsReusePortRebindsOnlyThatAddress() throws {
        let running = try XCTUnwrap(ConfigFixture.parse("listen: [127.0.0.1:8080, 127.0.0.1:8081]\n\(rest)"))
        let on = try XCTUnwrap(ConfigFixture.parse(
            "listen: [{address: 127.0.0.1:8080, reuseport: true}, 127.0.0.1:8081]\n\(rest)"))
        let plan = ReloadPlan(running: running, loaded: on)
        XCTAssertEqual(plan.listenersToRebind, [HostPort(host: "127.0.0.1", port: 8080)])
        XCTAssertEqual(plan.listenersToOpen, [])
        XCTAssertEqual(plan.listenersToClose, [])
        XCTAssertTrue(plan.diff.summary.contains("listeners ~127.0.0.1:8080"), plan.diff.summary)
        XCTAssertFalse(plan.isNoOp)

        let back = ReloadPlan(running: plan.effective, loaded: running)
        XCTAssertEqual(back.listenersToRebind, [HostPort(host: "127.0.0.1", port: 8080)])
        XCTAssertEqual(ReloadPlan(running: on, loaded: on).listenersToRebind, [])
    }

    func testAnAddressAddedOrRemovedWithReusePortIsOpenedOrClosedNotRebound() throws {
        let running = try XCTUnwrap(ConfigFixture.parse(
            "listen: [{address: 127.0.0.1:8080, reuseport: true}]\n\(rest)"))
        let loaded = try XCTUnwrap(ConfigFixture.parse(
            "listen: [{address: 127.0.0.1:8081, reuseport: true}]\n\(rest)"))
        let plan = ReloadPlan(running: running, loaded: loaded)
        XCTAssertEqual(plan.listenersToOpen, [HostPort(host: "127.0.0.1", port: 8081)])
        XCTAssertEqual(plan.listenersToClose, [HostPort(host: "127.0.0.1", port: 8080)])
        XCTAssertEqual(plan.listenersToRebind, [])
    }
}
