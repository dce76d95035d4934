import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The config contract of issue "rate and connection limits, the real client address, the PROXY protocol":
/// `rate_limits`, `connection_limits`, `rate_limit` and `connection_limit` on routes and at the top, `real_ip`, and
/// `listen` entries written as mappings — read as nginx names them, every mistake reported at its line.
final class LimitsConfigTests: XCTestCase {
    private let upstreams = """
        upstreams:
          backend: {servers: [127.0.0.1:8001]}
        """

    func testTheContractAsTheIssueWritesIt() throws {
        let yaml = """
            listen: [{address: 0.0.0.0:80, proxy_protocol: true}, 127.0.0.1:8080]
            rate_limits:
              per_ip: {key: client_address, rate: 10r/s, size: 10m}
              per_key: {key: "header:X-Api-Key", rate: 600r/m, size: 1m, status: 503}
              whole_route: {key: route, rate: 1000r/s, size: 32k}
            connection_limits:
              per_ip_busy: {key: client_address, size: 1m}
            rate_limit: {zone: per_ip, burst: 5}
            connection_limit: {zone: per_ip_busy, max: 10}
            real_ip: {from: [10.0.0.0/8, "fd00::/8"], header: proxy_protocol}
            \(upstreams)
            routes:
              - prefix: /api/
                upstream: backend
                rate_limit: {zone: per_ip, burst: 20, nodelay: true}
              - prefix: /search/
                upstream: backend
                rate_limit: [{zone: per_ip, burst: 10, delay: 4}, {zone: whole_route}]
                connection_limit: []
              - prefix: /
                upstream: backend
            """
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        XCTAssertEqual(config.listen, [
            ListenerConfig(address: HostPort(host: "0.0.0.0", port: 80), proxyProtocol: true),
            ListenerConfig(address: HostPort(host: "127.0.0.1", port: 8080)),
        ])
        XCTAssertEqual(config.rateLimitZones, [
            RateLimitZoneConfig(name: "per_ip", key: .clientAddress, rate: RequestRate(requests: 10, per: .second),
                size: NginxSize(bytes: 10 << 20)),
            RateLimitZoneConfig(name: "per_key", key: .header("X-Api-Key"), rate: RequestRate(requests: 600, per: .minute),
                size: NginxSize(bytes: 1 << 20), status: 503),
            RateLimitZoneConfig(name: "whole_route", key: .route, rate: RequestRate(requests: 1000, per: .second),
                size: NginxSize(bytes: 32 << 10)),
        ])
        XCTAssertEqual(config.connectionLimitZones, [
            ConnectionLimitZoneConfig(name: "per_ip_busy", key: .clientAddress, size: NginxSize(bytes: 1 << 20))
        ])
        XCTAssertEqual(config.rateLimit, [RateLimitRule(zone: "per_ip", burst: 5, delay: 0)])
        XCTAssertEqual(config.connectionLimit, [ConnectionLimitRule(zone: "per_ip_busy", max: 10)])
        XCTAssertEqual(config.realIP, RealIPConfig(
            from: [CIDRRange("10.0.0.0/8")!, CIDRRange("fd00::/8")!], source: .proxyProtocol, recursive: false))
        XCTAssertEqual(config.routes[0].rateLimit, [RateLimitRule(zone: "per_ip", burst: 20, delay: nil)])
        XCTAssertEqual(config.routes[1].rateLimit, [
            RateLimitRule(zone: "per_ip", burst: 10, delay: 4), RateLimitRule(zone: "whole_route"),
        ])
        // Inherited unless set: an empty list switches the top-level rule off for the route.
        XCTAssertNil(config.routes[2].rateLimit)
        XCTAssertEqual(config.routes[1].connectionLimit, [])

        let snapshot = ProxySnapshot(config: config, generation: 1)
        XCTAssertEqual(snapshot.routes.map(\.limits.rates.count), [1, 2, 1])
        XCTAssertEqual(snapshot.routes.map(\.limits.connections.count), [1, 0, 1])
        XCTAssertEqual(snapshot.unroutedLimits.rates.first?.bucket, LeakyBucket(
            rate: RequestRate(requests: 10, per: .second), burst: 5, delay: 0))
        XCTAssertEqual(snapshot.proxyProtocolListeners, [HostPort(host: "0.0.0.0", port: 80)])
    }

    func testRealIPDefaultsAreNginxs() throws {
        let yaml = "listen: 127.0.0.1:8080\nreal_ip: {from: [10.0.0.0/8]}\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]"
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        XCTAssertEqual(config.realIP?.source, .header("X-Real-IP"))
        XCTAssertEqual(config.realIP?.recursive, false)
    }

    func testMistakesAreReportedAtTheirLine() {
        let head = "listen: 127.0.0.1:8080\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]\n"
        let cases: [(yaml: String, line: Int, path: String, text: String)] = [
            ("rate_limits:\n  per_ip: {key: client_address, rate: 10r/h, size: 10m}", 6, "rate_limits.per_ip.rate",
             "expected a rate such as 10r/s or 600r/m"),
            ("rate_limits:\n  per_ip: {key: client_address, rate: 10r/s}", 6, "rate_limits.per_ip.size",
             "is required; add e.g. size: 10m"),
            ("rate_limits:\n  per_ip: {key: client_address, rate: 10r/s, size: 1k}", 6, "rate_limits.per_ip.size",
             "expected a size from 32k to 1g"),
            ("rate_limits:\n  per_ip: {key: remote_addr, rate: 10r/s, size: 1m}", 6, "rate_limits.per_ip.key",
             "expected client_address, route or header:NAME"),
            ("rate_limits:\n  per_ip: {key: \"header:X Api\", rate: 10r/s, size: 1m}", 6, "rate_limits.per_ip.key",
             "is not a valid header name"),
            ("rate_limits:\n  per_ip: {key: client_address, rate: 10r/s, size: 1m, status: 200}", 6,
             "rate_limits.per_ip.status", "expected a whole number from 400 to 599"),
            ("rate_limits:\n  \"per ip\": {key: client_address, rate: 10r/s, size: 1m}", 6, "rate_limits.per ip",
             "must be 1 to 64 letters"),
            ("rate_limit: {zone: nowhere}", 5, "rate_limit.zone", "no zone named \"nowhere\"; none is defined"),
            ("rate_limits:\n  a: {key: route, rate: 1r/s, size: 32k}\nrate_limit: {zone: a, nodelay: true, delay: 2}",
             7, "rate_limit.nodelay", "nodelay and delay exclude each other"),
            ("rate_limits:\n  a: {key: route, rate: 1r/s, size: 32k}\nrate_limit: {zone: a, burst: -1}", 7,
             "rate_limit.burst", "expected a whole number from 0 to 1000000"),
            ("rate_limits:\n  a: {key: route, rate: 1r/s, size: 32k}\nrate_limit: [{zone: a}, {zone: a}]", 7,
             "rate_limit[1].zone", "already limited by an earlier rule"),
            ("connection_limits:\n  c: {key: client_address, size: 1m}\nrate_limit: {zone: c}", 7, "rate_limit.zone",
             "c is a zone of the other kind; use it under connection_limit"),
            ("connection_limits:\n  c: {key: client_address, size: 1m}\nconnection_limit: {zone: c}", 7,
             "connection_limit.max", "is required; say how many requests"),
            ("rate_limits:\n  c: {key: route, rate: 1r/s, size: 32k}\nconnection_limits:\n  c: {key: route, size: 32k}",
             8, "connection_limits.c", "already a zone under rate_limits"),
            ("real_ip: {header: X-Forwarded-For}", 5, "real_ip.from", "is required; list the proxies"),
            ("real_ip: {from: [10.0.0.0/33]}", 5, "real_ip.from[0]", "is not a network"),
            ("real_ip: {from: [], header: X-Forwarded-For}", 5, "real_ip.from", "or remove real_ip"),
            ("real_ip: {from: [10.0.0.0/8], header: proxy_protocol}", 5, "real_ip",
             "no listen entry has proxy_protocol: true"),
        ]
        for (yaml, line, path, text) in cases {
            ConfigFixture.assertSingleError(head + yaml, line: line, path: path, contains: text)
        }
    }

    func testAProxyProtocolListenerNeedsRealIPFromIt() {
        let yaml = "listen: [{address: 0.0.0.0:80, proxy_protocol: true}]\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]"
        ConfigFixture.assertSingleError(yaml, line: 1, path: "listen",
            contains: "add real_ip: {from: [<load balancer network>], header: proxy_protocol}")
        ConfigFixture.assertSingleError(
            "listen: [{address: 0.0.0.0:80, proxy_protocl: true}]\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]",
            line: 1, path: "listen[0].proxy_protocl",
            contains: "unknown key; remove it or use one of: address, tls, redirect_to_https, redirect_exempt, "
                + "https_port, proxy_protocol, reuseport")
        ConfigFixture.assertSingleError(
            "listen: [{proxy_protocol: false}]\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]",
            line: 1, path: "listen[0].address", contains: "is required")
    }

    func testARouteNamesItsZones() {
        let yaml = """
            listen: 127.0.0.1:8080
            rate_limits:
              per_ip: {key: client_address, rate: 10r/s, size: 1m}
            \(upstreams)
            routes:
              - prefix: /
                upstream: backend
                rate_limit: {zone: per_iq}
            """
        ConfigFixture.assertSingleError(yaml, line: 9, path: "routes[0].rate_limit.zone",
            contains: "no zone named \"per_iq\"; use one of per_ip")
    }

    func testAReloadKeepsAnUnchangedZoneAndReportsTheKeys() throws {
        let base = "listen: [127.0.0.1:8080]\n\(upstreams)\nroutes: [{prefix: /, upstream: backend}]\n"
        let first = try XCTUnwrap(ConfigFixture.parse(base + "rate_limits:\n  a: {key: route, rate: 1r/s, size: 32k}"))
        let faster = try XCTUnwrap(ConfigFixture.parse(base + "rate_limits:\n  a: {key: route, rate: 5r/s, size: 32k}"))
        let bigger = try XCTUnwrap(ConfigFixture.parse(base + "rate_limits:\n  a: {key: route, rate: 5r/s, size: 64k}"))
        let old = LimitZoneSet(config: first)
        let kept = LimitZoneSet(config: faster, previous: old)
        XCTAssertTrue(kept.zones[0].table === old.zones[0].table)
        XCTAssertTrue(kept.zones[0].counters === old.zones[0].counters)
        let rebuilt = LimitZoneSet(config: bigger, previous: kept)
        XCTAssertFalse(rebuilt.zones[0].table === old.zones[0].table)
        XCTAssertTrue(rebuilt.zones[0].counters === old.zones[0].counters)
        let diff = ConfigDiff(old: first, new: bigger)
        XCTAssertEqual(diff.otherChanged, ["rate_limits"])
        var proxied = first
        proxied.listen[0].proxyProtocol = true
        XCTAssertEqual(ConfigDiff(old: first, new: proxied).summary,
            "upstreams unchanged; routes unchanged; listeners ~127.0.0.1:8080; headers unchanged")
    }
}
