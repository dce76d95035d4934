import XCTest

@testable import Balancer
@testable import BalancerCore

/// The edge's config keys: listener mappings (`tls`, `redirect_to_https`), route `hosts`, `return`,
/// `request_headers`, group `tls` and `unknown_host`, read as written or refused with a located message.
final class EdgeConfigTests: XCTestCase {
    private static let tail = """
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:
          - prefix: /
            upstream: backend
        """

    func testListenerMappingsAreReadBesidePlainAddresses() throws {
        let config = try XCTUnwrap(ConfigFixture.parse("""
            listen:
              - 0.0.0.0:8080
              - {address: 0.0.0.0:80, redirect_to_https: true}
              - address: 0.0.0.0:443
                tls:
                  certificates:
                    - {cert: /etc/tls/a.pem, key: /etc/tls/a.key}
                    - {cert: /etc/tls/b.pem, key: /etc/tls/b.key}
                  hsts: 1y
                  protocols: [TLSv1.3]
            \(Self.tail)
            """))
        XCTAssertEqual(config.listen.count, 3)
        XCTAssertEqual(config.listen[0], ListenerConfig(address: HostPort(host: "0.0.0.0", port: 8080)))
        XCTAssertTrue(config.listen[1].redirectToHTTPS)
        XCTAssertEqual(config.listen[1].redirectExempt, ["/.well-known/acme-challenge/"])
        let tls = try XCTUnwrap(config.listen[2].tls)
        XCTAssertEqual(tls.certificates.map(\.cert), ["/etc/tls/a.pem", "/etc/tls/b.pem"])
        XCTAssertEqual(tls.certificates[1].keyPath, "listen[2].tls.certificates[1]")
        XCTAssertEqual(tls.certificates[1].line, 8)
        XCTAssertEqual(tls.hsts, HSTSConfig(maxAge: .seconds(31_536_000)))
        XCTAssertEqual(tls.protocols, [.tls13])
        XCTAssertEqual(config.httpsPort, 443)
        XCTAssertEqual(config.summary, "1 upstream, 1 server, 1 route, 3 listeners (1 TLS)")
    }

    func testHSTSMappingAndExemptPaths() throws {
        let config = try XCTUnwrap(ConfigFixture.parse("""
            listen:
              - {address: 0.0.0.0:80, redirect_to_https: true, redirect_exempt: [/.well-known/, /healthz],
                 https_port: 443}
              - {address: 0.0.0.0:8443, tls: {certificates: [{cert: c.pem, key: k.pem}],
                 hsts: {max_age: 2y, include_subdomains: true, preload: true}}}
            \(Self.tail)
            """))
        XCTAssertEqual(config.listen[0].redirectExempt, ["/.well-known/", "/healthz"])
        XCTAssertEqual(config.listen[1].tls?.hsts?.headerValue, "max-age=63072000; includeSubDomains; preload")
        XCTAssertEqual(config.httpsPort, 8443)
        XCTAssertEqual(config.listen[0].httpsPort, 443)
        XCTAssertEqual(ListenerEdge(config.listen[0], httpsPort: config.httpsPort).redirect?.httpsPort, 443,
            "a Service mapping 443 to the listener's 8443 is what clients see")
    }

    func testListenerMistakesAreLocated() {
        ConfigFixture.assertSingleError("""
            listen: [{address: 0.0.0.0:443, tls: {certificates: []}}]
            \(Self.tail)
            """, line: 1, path: "listen[0].tls.certificates", contains: "list at least one")
        ConfigFixture.assertSingleError("""
            listen:
              - {address: 0.0.0.0:443, redirect_to_https: true, tls: {certificates: [{cert: c, key: k}]}}
            \(Self.tail)
            """, line: 2, path: "listen[0].redirect_to_https", contains: "already serves HTTPS")
        ConfigFixture.assertSingleError("""
            listen:
              - {address: 0.0.0.0:443, tls: {certificates: [{cert: c}]}}
            \(Self.tail)
            """, line: 2, path: "listen[0].tls.certificates[0].key", contains: "is required")
        ConfigFixture.assertSingleError("""
            listen:
              - {address: 0.0.0.0:443, tls: {certificates: [{cert: c, key: k}], protocols: [TLSv1.1]}}
            \(Self.tail)
            """, line: 2, path: "listen[0].tls.protocols[0]", contains: "older versions")
        ConfigFixture.assertSingleError("""
            listen:
              - {address: 0.0.0.0:80, redirect_exempt: [/x/]}
            \(Self.tail)
            """, line: 2, path: "listen[0].redirect_exempt", contains: "redirect_to_https: true")
        ConfigFixture.assertSingleError("""
            listen:
              - 0.0.0.0:443
              - {address: 127.0.0.1:443, tls: {certificates: [{cert: c, key: k}]}}
            \(Self.tail)
            """, line: 3, path: "listen[1]", contains: "binds the same port as listen[0]")
    }

    private static let head = """
        listen: 127.0.0.1:8080
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:

        """

    func testRouteHostsReturnAndHeaderEditsAreRead() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(Self.head + """
              - {hosts: [Example.COM, "*.example.com"], prefix: /, upstream: backend,
                 request_headers: {set: {Host: api.internal, X-Env: prod}, remove: [X-Debug, cookie]}}
              - {hosts: [old.example.com], prefix: /,
                 return: {status: 301, location: "https://example.com$request_uri"}}
              - {exact: /ping, return: {status: 200, body: pong}}
              - {prefix: /, upstream: backend}
            """))
        XCTAssertEqual(config.routes[0].hosts, ["example.com", "*.example.com"])
        XCTAssertEqual(config.routes[0].requestHeaders, RequestHeaderEdits(
            set: [HeaderField(name: "Host", value: "api.internal"), HeaderField(name: "X-Env", value: "prod")],
            remove: ["x-debug", "cookie"]))
        XCTAssertNil(config.routes[1].upstream)
        XCTAssertEqual(config.routes[1].answer, ReturnConfig(status: 301, location: "https://example.com$request_uri"))
        XCTAssertEqual(config.routes[2].answer, ReturnConfig(status: 200, body: "pong"))
    }

    func testHeaderEditsNeverTouchFramingOrTheBalancersOwnHeaders() {
        let cases: [(String, String, String)] = [
            ("{set: {Content-Length: '0'}}", "routes[0].request_headers.set.Content-Length", "smuggling"),
            ("{set: {transfer-encoding: chunked}}", "routes[0].request_headers.set.transfer-encoding", "frames"),
            ("{remove: [Connection]}", "routes[0].request_headers.remove[0]", "hop-by-hop"),
            ("{set: {X-Forwarded-For: 1.2.3.4}}", "routes[0].request_headers.set.X-Forwarded-For", "itself"),
            ("{remove: [Host]}", "routes[0].request_headers.remove[0]", "replace it with set"),
            ("{set: {X-A: $host}}", "routes[0].request_headers.set.X-A", "not expanded"),
            ("{set: {X-A: '1'}, remove: [x-a]}", "routes[0].request_headers.remove[0]", "also under set"),
            ("{set: {'X A': '1'}}", "routes[0].request_headers.set.X A", "not a valid header name"),
        ]
        for (edits, path, text) in cases {
            ConfigFixture.assertSingleError(
                Self.head + "  - {prefix: /, upstream: backend, request_headers: \(edits)}\n",
                line: 6, path: path, contains: text)
        }
    }

    func testReturnRulesFollowNginx() {
        let cases: [(String, String, String)] = [
            ("{status: 301}", "routes[0].return.location", "is required"),
            ("{status: 200, location: /x}", "routes[0].return.location", "only the redirect statuses"),
            ("{status: 302, location: /x, body: hi}", "routes[0].return.body", "has no body"),
            ("{status: 204, body: hi}", "routes[0].return.body", "no body"),
            ("{status: 301, location: 'https://$http_host/'}", "routes[0].return.location", "$http_host"),
            ("{status: 99}", "routes[0].return.status", "from 200 to 599"),
        ]
        for (answer, path, text) in cases {
            ConfigFixture.assertSingleError(
                Self.head + "  - {prefix: /, return: \(answer)}\n", line: 6, path: path, contains: text)
        }
        ConfigFixture.assertSingleError(
            Self.head + "  - {prefix: /, upstream: backend, return: {status: 204}}\n",
            line: 6, path: "routes[0].return", contains: "not both")
        ConfigFixture.assertSingleError(
            Self.head + "  - {prefix: /, return: {status: 204}, cache_static: {extensions: [js], max_age: 1d}}\n",
            line: 6, path: "routes[0].cache_static", contains: "remove cache_static")
    }

    func testSamePathOnDifferentHostsIsFineButNotOnTheSameHost() throws {
        XCTAssertNotNil(ConfigFixture.parse(Self.head + """
              - {hosts: [a.test], prefix: /, upstream: backend}
              - {hosts: [b.test], prefix: /, upstream: backend}
              - {prefix: /, upstream: backend}
            """))
        ConfigFixture.assertSingleError(Self.head + """
              - {hosts: [a.test, b.test], prefix: /, upstream: backend}
              - {hosts: [b.test], prefix: /, upstream: backend}
            """, line: 7, path: "routes[1].prefix", contains: "already routed by routes[0]")
        ConfigFixture.assertSingleError(Self.head + """
              - {hosts: ["*.test", "a.b:80"], prefix: /, upstream: backend}
            """, line: 6, path: "routes[0].hosts[1]", contains: "without port")
    }

    func testUnknownHostNeedsEveryRouteToNameHosts() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(Self.head + """
              - {hosts: [a.test], prefix: /, upstream: backend}
            unknown_host: 404
            """))
        XCTAssertEqual(config.unknownHost, .notFound)
        ConfigFixture.assertSingleError(Self.head + """
              - {prefix: /, upstream: backend}
            unknown_host: 421
            """, line: 7, path: "unknown_host", contains: "has no effect")
    }

    func testUpstreamTLS() throws {
        let config = try XCTUnwrap(ConfigFixture.parse("""
            listen: 127.0.0.1:8080
            upstreams:
              secure:
                tls: {ca: /etc/ssl/internal-ca.pem, server_name: api.internal}
                servers: [10.0.0.5:443]
              lax:
                tls: {verify: false}
                servers: [10.0.0.6:443]
            routes:
              - {prefix: /, upstream: secure}
            """))
        XCTAssertEqual(config.upstream(named: "secure")?.tls,
            UpstreamTLSConfig(verify: true, ca: "/etc/ssl/internal-ca.pem", serverName: "api.internal"))
        XCTAssertEqual(config.upstream(named: "lax")?.tls, UpstreamTLSConfig(verify: false))
    }

    func testReloadDiffNamesAListenerWhoseSettingsChanged() throws {
        let before = try XCTUnwrap(ConfigFixture.parse("listen: [0.0.0.0:80]\n" + Self.tail))
        let after = try XCTUnwrap(ConfigFixture.parse(
            "listen: [{address: 0.0.0.0:80, redirect_to_https: true}]\n" + Self.tail))
        let plan = ReloadPlan(running: before, loaded: after)
        XCTAssertEqual(plan.listenersToOpen, [])
        XCTAssertEqual(plan.listenersToClose, [])
        XCTAssertEqual(plan.diff.listenersChanged, [HostPort(host: "0.0.0.0", port: 80)])
        XCTAssertTrue(plan.diff.summary.contains("listeners ~0.0.0.0:80"), plan.diff.summary)
    }
}
