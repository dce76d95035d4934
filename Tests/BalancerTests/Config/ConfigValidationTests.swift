import XCTest

@testable import Balancer
@testable import BalancerCore

/// Every semantic rule is reported at the offending key's line and path, with a message that says what to do.
final class ConfigValidationTests: XCTestCase {
    /// `minimal` with the upstream block replaced by `upstream` (lines 3 onwards, indented two spaces).
    private func withUpstream(_ upstream: String) -> String {
        "listen: 127.0.0.1:8080\nupstreams:\n\(upstream)\nroutes:\n  - prefix: /\n    upstream: backend"
    }

    func testMessageFormatNamesFileLineAndKeyPath() {
        let yaml = withUpstream("  backend:\n    servers: [127.0.0.1:8001]\n    max_fails: three")
        let errors = ConfigFixture.errors(yaml)
        XCTAssertEqual(errors.map(\.description), [
            #"test.yaml:5: upstreams.backend.max_fails: expected a whole number ≥ 0, got "three""#
        ])
    }

    func testUnknownKeysAreErrorsWithTheirLine() {
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlisten_port: 80", line: 8, path: "listen_port",
            contains: "unknown key; remove it or use one of: listen, admin")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers: [127.0.0.1:8001]\n    max_conns: 10"), line: 5,
            path: "upstreams.backend.max_conns", contains: "balance, keepalive")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - {address: 127.0.0.1:8001, wieght: 2}"), line: 5,
            path: "upstreams.backend.servers[0].wieght", contains: "address, weight")
    }

    func testRequiredKeysAreReportedAtTheEnclosingMapping() {
        let errors = ConfigFixture.errors("workers: 2\nlog_format: json")
        XCTAssertEqual(errors.map(\.keyPath), ["listen", "upstreams", "routes"])
        XCTAssertEqual(errors.map(\.line), [1, 1, 1])
        XCTAssertTrue(errors[0].message.hasPrefix("is required; add e.g. listen:"))
        ConfigFixture.assertSingleError("", line: 1, path: "", contains: "the file is empty")
        ConfigFixture.assertSingleError(
            "- listen", line: 1, path: "", contains: "expected a mapping with keys listen, admin")
    }

    func testRouteNamingAnUnknownUpstreamListsTheDefinedOnes() {
        let yaml = """
            listen: 127.0.0.1:8080
            upstreams:
              backend: {servers: [127.0.0.1:8001]}
              web: {servers: [127.0.0.1:3000]}
            routes:
              - {prefix: /api/, upstream: backend}
              - {prefix: /, upstream: web}
              - prefix: /admin/
                upstream: admin
            """
        ConfigFixture.assertSingleError(
            yaml, line: 9, path: "routes[2].upstream",
            contains: #"no upstream named "admin"; use one of backend, web"#)
    }

    func testUpstreamWithoutServers() {
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers: []"), line: 4, path: "upstreams.backend.servers",
            contains: "upstream backend has no servers")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    balance: least_conn"), line: 3, path: "upstreams.backend.servers",
            contains: "is required")
        ConfigFixture.assertSingleError(
            "listen: 127.0.0.1:8080\nupstreams: {}\nroutes: [{prefix: /, upstream: backend}]", line: 2,
            path: "upstreams", contains: "define at least one upstream group")
    }

    func testAddressesThatDoNotParse() {
        let cases: [(String, String)] = [
            ("127.0.0.1", "has no port"),
            ("127.0.0.1:0", "use a port from 1 to 65535"),
            ("127.0.0.1:65536", "use a port from 1 to 65535"),
            ("127.0.0.1:http", "use a port from 1 to 65535"),
            ("::1:80", "put IPv6 addresses in brackets"),
            ("\"[::1:80\"", "no closing"),
            ("\"[zz::1]:80\"", "is not an IPv6 address"),
            ("300.1.1.1:80", "neither an IP address nor a hostname"),
            ("bad_host!:80", "neither an IP address nor a hostname"),
            (":80", "has no host"),
        ]
        for (address, message) in cases {
            ConfigFixture.assertSingleError(
                withUpstream("  backend:\n    servers:\n      - 127.0.0.1:8001\n      - \(address)"), line: 6,
                path: "upstreams.backend.servers[1]", contains: message)
        }
        ConfigFixture.assertSingleError(
            "listen: [::1]:80\n" + ConfigFixture.minimal.split(separator: "\n").dropFirst().joined(separator: "\n"),
            line: 1, path: "", contains: "YAML syntax error")
    }

    func testAddressesThatParse() throws {
        let yaml = withUpstream("""
              backend:
                servers: ["[::1]:8001", backend_1:8000, api.example.com:443, 10.0.0.255:65535]
            """)
        let servers = try XCTUnwrap(ConfigFixture.parse(yaml)?.upstreams.first?.servers)
        XCTAssertEqual(servers.map(\.address.description), [
            "[::1]:8001", "backend_1:8000", "api.example.com:443", "10.0.0.255:65535",
        ])
    }

    func testSizesOutOfRangeOrUnparsable() {
        let base = ConfigFixture.minimal + "\nlimits:\n"
        ConfigFixture.assertSingleError(
            base + "  client_max_body_size: 5x", line: 9, path: "limits.client_max_body_size",
            contains: #"expected a size such as 512, 16k, 50m or 1g, got "5x""#)
        ConfigFixture.assertSingleError(
            base + "  max_header_size: 512", line: 9, path: "limits.max_header_size",
            contains: #"expected a size from 1k to 1m, got "512""#)
        ConfigFixture.assertSingleError(
            base + "  max_header_size: 2m", line: 9, path: "limits.max_header_size", contains: "from 1k to 1m")
        ConfigFixture.assertSingleError(
            base + "  client_max_body_size: -1", line: 9, path: "limits.client_max_body_size",
            contains: "expected a size")
    }

    func testDurationsOutOfRangeOrUnparsable() {
        let base = ConfigFixture.minimal + "\nproxy:\n"
        ConfigFixture.assertSingleError(
            base + "  connect_timeout: 5 parsecs", line: 9, path: "proxy.connect_timeout",
            contains: #"expected a duration such as 500ms, 30s, 5m or 1h, got "5 parsecs""#)
        ConfigFixture.assertSingleError(
            base + "  read_timeout: 0", line: 9, path: "proxy.read_timeout", contains: "must be longer than 0")
        ConfigFixture.assertSingleError(
            base + "  send_timeout: 11y", line: 9, path: "proxy.send_timeout", contains: "must be at most 10y")
        ConfigFixture.assertSingleError(
            base + "  next_upstream_tries: 0", line: 9, path: "proxy.next_upstream_tries",
            contains: "expected a whole number from 1 to 100")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers: [127.0.0.1:8001]\n    fail_timeout: 0s"), line: 5,
            path: "upstreams.backend.fail_timeout", contains: "must be longer than 0")
    }

    func testServerWeightAndFailureLimits() {
        for weight in ["0", "1001", "heavy"] {
            ConfigFixture.assertSingleError(
                withUpstream("  backend:\n    servers:\n      - 127.0.0.1:8001\n"
                    + "      - {address: 127.0.0.1:8002, weight: \(weight)}"),
                line: 6, path: "upstreams.backend.servers[1].weight",
                contains: "expected a whole number from 1 to 1000, got \"\(weight)\"")
        }
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - {address: 127.0.0.1:8001, max_fails: -2}"), line: 5,
            path: "upstreams.backend.servers[0].max_fails", contains: "expected a whole number ≥ 0")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - {address: 127.0.0.1:8001, backup: yes}\n"
                + "      - 127.0.0.1:8002"),
            line: 5, path: "upstreams.backend.servers[0].backup", contains: "expected true or false")
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - {weight: 2}"), line: 5,
            path: "upstreams.backend.servers[0].address", contains: "is required")
    }

    func testDuplicateServerInAGroup() {
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - 127.0.0.1:8001\n      - 127.0.0.1:8002\n"
                + "      - {address: 127.0.0.1:8001, weight: 2}"),
            line: 7, path: "upstreams.backend.servers[2]",
            contains: "127.0.0.1:8001 is already listed as upstreams.backend.servers[0]")
    }

    func testAGroupOfOnlyBackupsGetsNoTraffic() {
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers:\n      - {address: 127.0.0.1:8001, backup: true}"), line: 4,
            path: "upstreams.backend.servers", contains: "every server of backend is a backup")
    }

    func testDuplicateOrOverlappingListenAddress() {
        let rest = ConfigFixture.minimal.split(separator: "\n").dropFirst().joined(separator: "\n")
        ConfigFixture.assertSingleError(
            "listen:\n  - 0.0.0.0:80\n  - 0.0.0.0:80\n" + rest, line: 3, path: "listen[1]",
            contains: "0.0.0.0:80 binds the same port as listen[0] (0.0.0.0:80); remove one")
        ConfigFixture.assertSingleError(
            "listen: [0.0.0.0:80, 127.0.0.1:80]\n" + rest, line: 1, path: "listen[1]",
            contains: "binds the same port as listen[0]")
        ConfigFixture.assertSingleError(
            "listen: []\n" + rest, line: 1, path: "listen", contains: "list at least one host:port")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nadmin:\n  listen: 127.0.0.1:8080", line: 9, path: "admin.listen",
            contains: "give the admin listener a port of its own")
    }

    func testRouteNeedsExactlyOneOfPrefixAndExact() {
        let head = "listen: 127.0.0.1:8080\nupstreams:\n  backend: {servers: [127.0.0.1:8001]}\nroutes:\n"
        ConfigFixture.assertSingleError(
            head + "  - prefix: /\n    exact: /docs\n    upstream: backend", line: 5, path: "routes[0]",
            contains: "has both prefix and exact")
        ConfigFixture.assertSingleError(
            head + "  - upstream: backend", line: 5, path: "routes[0]", contains: "needs prefix: /path/ or exact")
        ConfigFixture.assertSingleError(
            head + "  - prefix: api/\n    upstream: backend", line: 5, path: "routes[0].prefix",
            contains: #"must start with "/", got "api/""#)
        ConfigFixture.assertSingleError(
            head + "  - exact: [/docs, redoc]\n    upstream: backend", line: 5, path: "routes[0].exact[1]",
            contains: "must start with")
        ConfigFixture.assertSingleError(
            head + "  - {prefix: /}", line: 5, path: "routes[0].upstream", contains: "is required")
        ConfigFixture.assertSingleError(
            head + "  - {prefix: /, upstream: backend}\n  - {prefix: /, upstream: backend}", line: 6,
            path: "routes[1].prefix", contains: "prefix / is already routed by routes[0]")
        ConfigFixture.assertSingleError(
            "listen: 127.0.0.1:8080\nupstreams:\n  backend: {servers: [127.0.0.1:8001]}\nroutes: []", line: 4,
            path: "routes", contains: "list at least one route")
    }

    func testCacheStaticNeedsExtensionsAndMaxAge() {
        let head = "listen: 127.0.0.1:8080\nupstreams:\n  backend: {servers: [127.0.0.1:8001]}\nroutes:\n"
            + "  - prefix: /\n    upstream: backend\n"
        ConfigFixture.assertSingleError(
            head + "    cache_static: {extensions: [js]}", line: 7, path: "routes[0].cache_static.max_age",
            contains: "is required")
        ConfigFixture.assertSingleError(
            head + "    cache_static:\n      extensions: [js, \"\"]\n      max_age: 1d", line: 8,
            path: "routes[0].cache_static.extensions[1]", contains: "expected a file extension")
    }

    func testHealthCheckRules() {
        let base = "  backend:\n    servers: [127.0.0.1:8001]\n    health_check:\n"
        ConfigFixture.assertSingleError(
            withUpstream(base + "      rise: 0"), line: 6, path: "upstreams.backend.health_check.rise",
            contains: "expected a whole number from 1 to 100")
        ConfigFixture.assertSingleError(
            withUpstream(base + "      fall: 0"), line: 6, path: "upstreams.backend.health_check.fall",
            contains: "expected a whole number from 1 to 100")
        ConfigFixture.assertSingleError(
            withUpstream(base + "      interval: 2s\n      timeout: 2s"), line: 7,
            path: "upstreams.backend.health_check.timeout", contains: "must be shorter than interval (2s ≥ 2s)")
        ConfigFixture.assertSingleError(
            withUpstream(base + "      interval: 1s"), line: 6,
            path: "upstreams.backend.health_check.timeout", contains: "must be shorter than interval")
        ConfigFixture.assertSingleError(
            withUpstream(base + "      path: health"), line: 6, path: "upstreams.backend.health_check.path",
            contains: "must start with \"/\"")
    }

    func testResponseHeaderNamesAndValues() {
        let base = ConfigFixture.minimal + "\nresponse_headers:\n"
        ConfigFixture.assertSingleError(
            base + "  X-Frame-Options: DENY\n  \"X Frame\": DENY", line: 10, path: "response_headers.X Frame",
            contains: "is not a valid header name")
        ConfigFixture.assertSingleError(
            base + "  X-Injected: \"a\\r\\nSet-Cookie: b\"", line: 9, path: "response_headers.X-Injected",
            contains: "line break")
        ConfigFixture.assertSingleError(
            base + "  X-Frame-Options: DENY\n  x-frame-options: SAMEORIGIN", line: 10,
            path: "response_headers.x-frame-options", contains: "already set as X-Frame-Options")
        ConfigFixture.assertSingleError(
            base + "  X-Empty:", line: 9, path: "response_headers.X-Empty", contains: "got nothing")
    }

    func testEnumeratedValuesListTheAllowedOnes() {
        ConfigFixture.assertSingleError(
            withUpstream("  backend:\n    servers: [127.0.0.1:8001]\n    balance: random"), line: 5,
            path: "upstreams.backend.balance", contains: #"expected one of least_conn, round_robin, got "random""#)
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlog_format: main", line: 8, path: "log_format",
            contains: "expected one of combined, json")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nproxy:\n  next_upstream: [error, http_500]", line: 9,
            path: "proxy.next_upstream[1]", contains: "expected one of error, timeout, http_502")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nproxy:\n  next_upstream: [off, error]", line: 9,
            path: "proxy.next_upstream", contains: "off cannot be combined with other conditions")
        for workers in ["0", "257", "many"] {
            ConfigFixture.assertSingleError(
                ConfigFixture.minimal + "\nworkers: \(workers)", line: 8, path: "workers",
                contains: "expected auto or a whole number from 1 to 256")
        }
    }

    func testWrongKindsOfValue() {
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\nlimits: [1, 2]", line: 8, path: "limits",
            contains: "expected a mapping with keys client_max_body_size")
        ConfigFixture.assertSingleError(
            "listen: 127.0.0.1:8080\nupstreams: [backend]\nroutes: [{prefix: /, upstream: backend}]", line: 2,
            path: "upstreams", contains: "expected a mapping of upstream names to groups, got a list")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\npid_file:", line: 8, path: "pid_file", contains: "got nothing")
        ConfigFixture.assertSingleError(
            ConfigFixture.minimal + "\naccess_log: \"\"", line: 8, path: "access_log", contains: "empty string")
    }

    func testYAMLSyntaxErrorsCarryYamsLine() {
        let yaml = "listen: 127.0.0.1:8080\nupstreams:\n  backend:\n    servers: [127.0.0.1:8001\nroutes: []"
        let errors = ConfigFixture.errors(yaml)
        XCTAssertEqual(errors.count, 1)
        XCTAssertEqual(errors.first?.line, 5)
        XCTAssertTrue(errors.first?.message.hasPrefix("YAML syntax error at column") ?? false, "\(errors)")
        let duplicate = ConfigFixture.errors(ConfigFixture.minimal + "\nlisten: 0.0.0.0:80")
        XCTAssertEqual(duplicate.map(\.line), [1])
        XCTAssertTrue(duplicate.first?.message.contains(#"key "listen" appears more than once"#) ?? false)
    }

    func testAllErrorsAreReportedTogetherInLineOrder() {
        // Routes come first in the file but are checked after upstreams and listen: the output is still by line.
        let yaml = """
            routes:
              - prefix: /
                upstream: nowhere
              - prefix: docs
                upstream: backend
            upstreams:
              backend:
                max_fails: three
                servers: [127.0.0.1:8001, 127.0.0.1:8001]
            listen: [localhost]
            admin: {listen: 127.0.0.1:9090, port: 1}
            """
        let errors = ConfigFixture.errors(yaml)
        XCTAssertEqual(errors.map(\.line), [3, 4, 8, 9, 10, 11])
        XCTAssertEqual(errors.map(\.keyPath), [
            "routes[0].upstream", "routes[1].prefix", "upstreams.backend.max_fails", "upstreams.backend.servers[1]",
            "listen[0]", "admin.port",
        ])
        XCTAssertEqual(ConfigErrors(errors: errors).description.split(separator: "\n").count, 6)
    }
}
