import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `resolver:` and `resolve_interval:` parse like the other keys, and bad values name their line and key path.
final class ResolveConfigTests: XCTestCase {
    private func config(resolver: String? = nil, interval: String? = nil) -> String {
        var text = "listen: 127.0.0.1:8080\n"
        if let resolver { text += "resolver: \(resolver)\n" }
        text += "upstreams:\n  backend:\n    servers: [backend.test:8001]\n"
        if let interval { text += "    resolve_interval: \(interval)\n" }
        return text + "routes:\n  - prefix: /\n    upstream: backend"
    }

    func testDefaultsAreFiveSecondsAndTheSystemResolver() throws {
        let loaded = try XCTUnwrap(ConfigFixture.parse(config()))
        XCTAssertNil(loaded.resolver)
        XCTAssertEqual(loaded.upstreams[0].resolveInterval, .seconds(5))
    }

    func testValuesAreRead() throws {
        let loaded = try XCTUnwrap(ConfigFixture.parse(config(resolver: "127.0.0.11:53", interval: "200ms")))
        XCTAssertEqual(loaded.resolver, HostPort(host: "127.0.0.11", port: 53))
        XCTAssertEqual(loaded.upstreams[0].resolveInterval, NginxDuration(milliseconds: 200))
        let off = try XCTUnwrap(ConfigFixture.parse(config(interval: "0")))
        XCTAssertEqual(off.upstreams[0].resolveInterval.milliseconds, 0)
    }

    func testResolverMustBeAnIPAddressWithPort() {
        ConfigFixture.assertSingleError(
            config(resolver: "dns.local:53"), line: 2, path: "resolver", contains: "is not an IP address")
        ConfigFixture.assertSingleError(config(resolver: "127.0.0.11"), line: 2, path: "resolver", contains: "no port")
    }

    func testResolveIntervalIsZeroOrAtLeastAHundredMilliseconds() {
        ConfigFixture.assertSingleError(
            config(interval: "50ms"), line: 5, path: "upstreams.backend.resolve_interval",
            contains: "must be 0 (off) or at least 100ms")
        ConfigFixture.assertSingleError(
            config(interval: "often"), line: 5, path: "upstreams.backend.resolve_interval",
            contains: "expected a duration")
    }
}
