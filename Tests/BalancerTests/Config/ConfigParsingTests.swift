import Shared
import XCTest

@testable import Balancer
@testable import BalancerCore

/// A complete config is read into the model as written; left-out keys take their documented defaults.
final class ConfigParsingTests: XCTestCase {
    static let fullExample = """
        listen: [0.0.0.0:80, "[::]:8443"]
        admin:
          listen: 127.0.0.1:9191
        workers: 4
        limits:
          client_max_body_size: 10m
          client_header_timeout: 5s
          keepalive_timeout: 1m30s
          max_header_size: 32k
        proxy:
          connect_timeout: 250ms
          read_timeout: 2m
          send_timeout: 45s
          next_upstream_tries: 5
          next_upstream: [error, timeout, http_502, http_503, http_504, non_idempotent]
          next_upstream_timeout: 10s
          websocket_idle_timeout: 2h
        response_headers:
          X-Frame-Options: SAMEORIGIN
          X-XSS-Protection: "1; mode=block"
          Referrer-Policy: strict-origin-when-cross-origin
        access_log: /var/log/balancer/access.log
        log_format: json
        pid_file: /run/balancer.pid
        shutdown_timeout: 0
        upstreams:
          backend:
            balance: round_robin
            keepalive: 0
            max_fails: 0
            fail_timeout: 1m
            slow_start: 30s
            health_check: {path: /ready, interval: 10s, timeout: 3s, rise: 1, fall: 5}
            servers:
              - 10.0.0.1:8000
              - {address: backend-2.internal:8000, weight: 5, max_fails: 2, fail_timeout: 7s}
              - {address: "[fd00::3]:8000", backup: true}
          web:
            servers: [web:3000]
        routes:
          - prefix: /api/
            upstream: backend
          - exact: /docs
            upstream: backend
          - prefix: /
            upstream: web
            cache_static: {extensions: [JS, .css], max_age: 1y}
        """

    func testFullExampleIsReadAsWritten() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(Self.fullExample))
        XCTAssertEqual(config.listenAddresses, [HostPort(host: "0.0.0.0", port: 80), HostPort(host: "::", port: 8443)])
        XCTAssertEqual(config.admin.listen, HostPort(host: "127.0.0.1", port: 9191))
        XCTAssertEqual(config.workers, 4)
        XCTAssertEqual(config.limits.clientMaxBodySize.bytes, 10 << 20)
        XCTAssertEqual(config.limits.clientHeaderTimeout, .seconds(5))
        XCTAssertEqual(config.limits.keepaliveTimeout, .seconds(90))
        XCTAssertEqual(config.limits.maxHeaderSize.bytes, 32 << 10)
        XCTAssertEqual(config.proxy.connectTimeout, NginxDuration(milliseconds: 250))
        XCTAssertEqual(config.proxy.readTimeout, .seconds(120))
        XCTAssertEqual(config.proxy.sendTimeout, .seconds(45))
        XCTAssertEqual(config.proxy.nextUpstreamTries, 5)
        XCTAssertEqual(config.proxy.nextUpstream, [.error, .timeout, .http502, .http503, .http504, .nonIdempotent])
        XCTAssertEqual(config.proxy.nextUpstreamTimeout, .seconds(10))
        XCTAssertEqual(config.proxy.websocketIdleTimeout, .seconds(7200))
        XCTAssertEqual(config.responseHeaders.map(\.name), ["X-Frame-Options", "X-XSS-Protection", "Referrer-Policy"])
        XCTAssertEqual(config.responseHeaders[1].value, "1; mode=block")
        XCTAssertEqual(config.accessLog, .file("/var/log/balancer/access.log"))
        XCTAssertEqual(config.logFormat, .json)
        XCTAssertEqual(config.pidFile, "/run/balancer.pid")
        XCTAssertEqual(config.shutdownTimeout, .seconds(0))
        XCTAssertEqual(config.sourcePath, ConfigFixture.file)

        XCTAssertEqual(config.upstreams.map(\.name), ["backend", "web"])
        let backend = try XCTUnwrap(config.upstream(named: "backend"))
        XCTAssertEqual(backend.balance, .roundRobin)
        XCTAssertEqual(backend.keepalive, 0)
        XCTAssertEqual(backend.maxFails, 0)
        XCTAssertEqual(backend.failTimeout, .seconds(60))
        XCTAssertEqual(backend.slowStart, .seconds(30))
        XCTAssertEqual(
            backend.healthCheck,
            HealthCheckConfig(path: "/ready", interval: .seconds(10), timeout: .seconds(3), rise: 1, fall: 5))
        XCTAssertEqual(backend.servers, [
            ServerConfig(address: HostPort(host: "10.0.0.1", port: 8000)),
            ServerConfig(
                address: HostPort(host: "backend-2.internal", port: 8000), weight: 5, maxFails: 2,
                failTimeout: .seconds(7)),
            ServerConfig(address: HostPort(host: "fd00::3", port: 8000), backup: true),
        ])

        XCTAssertEqual(config.routes, [
            RouteConfig(match: .prefix("/api/"), upstream: "backend"),
            RouteConfig(match: .exact(["/docs"]), upstream: "backend"),
            RouteConfig(
                match: .prefix("/"), upstream: "web",
                cacheStatic: CacheStaticConfig(extensions: ["js", "css"], maxAge: .seconds(31_536_000))),
        ])
    }

    func testLeftOutKeysTakeTheirDefaults() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal))
        XCTAssertEqual(config.listenAddresses, [HostPort(host: "127.0.0.1", port: 8080)])
        XCTAssertEqual(config.admin.listen, HostPort(host: "127.0.0.1", port: 9090))
        XCTAssertEqual(config.workers, BalancerConfig.autoWorkers)
        XCTAssertEqual(config.limits, LimitsConfig())
        XCTAssertEqual(config.limits.clientMaxBodySize.description, "50m")
        XCTAssertEqual(config.proxy, ProxyConfig())
        XCTAssertEqual(config.proxy.nextUpstream, [.error, .timeout])
        XCTAssertEqual(config.responseHeaders, [])
        XCTAssertEqual(config.accessLog, .stdout)
        XCTAssertEqual(config.logFormat, .combined)
        XCTAssertNil(config.pidFile)
        XCTAssertEqual(config.shutdownTimeout, .seconds(30))
        let backend = try XCTUnwrap(config.upstreams.first)
        XCTAssertEqual(backend.balance, .leastConn)
        XCTAssertEqual(backend.keepalive, 64)
        XCTAssertEqual(backend.maxFails, 1, "nginx's max_fails default")
        XCTAssertEqual(backend.failTimeout, .seconds(10), "nginx's fail_timeout default")
        XCTAssertNil(backend.healthCheck)
        XCTAssertEqual(backend.servers, [ServerConfig(address: HostPort(host: "127.0.0.1", port: 8001))])
        XCTAssertNil(backend.servers[0].maxFails, "per-server limits fall back to the group's")
    }

    func testHealthCheckKeysDefaultIndividually() throws {
        let yaml = ConfigFixture.minimal.replacingOccurrences(
            of: "    servers:", with: "    health_check: {interval: 10s}\n    servers:")
        let check = try XCTUnwrap(ConfigFixture.parse(yaml)?.upstreams.first?.healthCheck)
        XCTAssertEqual(check, HealthCheckConfig(interval: .seconds(10)))
    }

    func testWorkersAutoAndAccessLogOff() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\nworkers: auto\naccess_log: off"))
        XCTAssertEqual(config.workers, BalancerConfig.autoWorkers)
        XCTAssertEqual(config.accessLog, .off)
    }

    func testSizesAndDurationsUseNginxUnits() throws {
        let yaml = ConfigFixture.minimal + """

            limits: {client_max_body_size: 0, max_header_size: 1024, client_header_timeout: 1500ms}
            proxy: {read_timeout: 1d, websocket_idle_timeout: 1w, next_upstream: off}
            """
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        XCTAssertEqual(config.limits.clientMaxBodySize.bytes, 0, "0 = unlimited, as in nginx")
        XCTAssertEqual(config.limits.maxHeaderSize.description, "1k")
        XCTAssertEqual(config.limits.clientHeaderTimeout.milliseconds, 1500)
        XCTAssertEqual(config.proxy.readTimeout.description, "1d")
        XCTAssertEqual(config.proxy.websocketIdleTimeout.seconds, 7 * 86_400)
        XCTAssertEqual(config.proxy.nextUpstream, [.off])
    }

    func testSummaryCountsWhatTheConfigHolds() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(Self.fullExample))
        XCTAssertEqual(config.summary, "2 upstreams, 4 servers, 3 routes, 2 listeners")
        let minimal = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal))
        XCTAssertEqual(minimal.summary, "1 upstream, 1 server, 1 route, 1 listener")
    }
}
