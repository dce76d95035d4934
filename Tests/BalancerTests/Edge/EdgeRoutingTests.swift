import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Virtual hosts, `return` routes, the HTTPS redirect and the HSTS decision, as `RequestRouting` and `ListenerEdge`
/// decide them from a config and a decoded request head: no sockets.
final class EdgeRoutingTests: XCTestCase {
    private static let vhosts = """
        listen: [{address: 0.0.0.0:80, redirect_to_https: true}, 0.0.0.0:8080]
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:
          - {hosts: [api.example.com], prefix: /, upstream: backend}
          - {hosts: ["*.example.com"], prefix: /, upstream: backend}
          - {hosts: ["*.eu.example.com"], prefix: /, upstream: backend}
          - {hosts: [www.example.com], exact: /, return: {status: 200, body: "home of $host"}}
          - {hosts: [old.example.com], prefix: /,
             return: {status: 301, location: "$scheme://example.com$request_uri"}}
          - {prefix: /, upstream: backend}
        """

    private func verdict(
        _ yaml: String, _ request: String, listener: Int = 1, file: StaticString = #filePath, line: UInt = #line
    ) throws -> RouteVerdict {
        let config = try XCTUnwrap(ConfigFixture.parse(yaml, file: file, line: line), file: file, line: line)
        let head = try RequestHeadFixture.decode(request)
        let edge = ListenerEdge(config.listen[listener], httpsPort: config.httpsPort)
        return RequestRouting(config: config).verdict(for: head, on: edge)
    }

    func testExactBeatsWildcardBeatsDefaultAsNginx() throws {
        func host(_ name: String) throws -> RouteVerdict {
            try verdict(Self.vhosts, "GET /x HTTP/1.1\r\nHost: \(name)\r\n\r\n")
        }
        XCTAssertEqual(try host("api.example.com"), .proxy(route: 0))
        XCTAssertEqual(try host("API.Example.com:8080"), .proxy(route: 0))
        XCTAssertEqual(try host("api.example.com."), .proxy(route: 0))
        XCTAssertEqual(try host("shop.example.com"), .proxy(route: 1))
        XCTAssertEqual(try host("a.b.example.com"), .proxy(route: 1))
        // The longest wildcard wins.
        XCTAssertEqual(try host("fr.eu.example.com"), .proxy(route: 2))
        // `*.example.com` does not name example.com itself: the default server takes it.
        XCTAssertEqual(try host("example.com"), .proxy(route: 5))
        XCTAssertEqual(try host("unknown.test"), .proxy(route: 5))
        // An HTTP/1.0 request without Host goes to the default server.
        XCTAssertEqual(try verdict(Self.vhosts, "GET /x HTTP/1.0\r\n\r\n"), .proxy(route: 5))
        // A host that is served but has no route for the path: 404, not the default server (nginx's locations).
        XCTAssertEqual(try verdict(Self.vhosts, "GET /x HTTP/1.1\r\nHost: www.example.com\r\n\r\n"), .refuse(.notFound))
    }

    func testWithoutADefaultServerUnknownHostsGetTheConfiguredStatus() throws {
        let yaml = """
            listen: 0.0.0.0:8080
            upstreams:
              backend:
                servers: [127.0.0.1:8001]
            routes:
              - {hosts: [a.test], prefix: /, upstream: backend}
            """
        XCTAssertEqual(try verdict(yaml, "GET / HTTP/1.1\r\nHost: b.test\r\n\r\n", listener: 0),
            .refuse(.misdirectedRequest))
        XCTAssertEqual(try verdict(yaml + "\nunknown_host: 404", "GET / HTTP/1.1\r\nHost: b.test\r\n\r\n", listener: 0),
            .refuse(.notFound))
        XCTAssertEqual(try verdict(yaml, "GET / HTTP/1.1\r\nHost: a.test\r\n\r\n", listener: 0), .proxy(route: 0))
    }

    func testReturnRoutesExpandTheirVariables() throws {
        XCTAssertEqual(
            try verdict(Self.vhosts, "GET /a/../b?q=%41 HTTP/1.1\r\nHost: old.example.com\r\n\r\n"),
            .answer(LocalAnswer(status: 301, location: "http://example.com/a/../b?q=%41")))
        XCTAssertEqual(
            try verdict(Self.vhosts, "GET / HTTP/1.1\r\nHost: WWW.example.com\r\n\r\n"),
            .answer(LocalAnswer(status: 200, body: "home of $host", contentType: "text/plain; charset=utf-8")))
    }

    func testRedirectKeepsHostTargetAndMethod() throws {
        let config = Self.vhosts
        XCTAssertEqual(
            try verdict(config, "GET /shop/cart?id=7 HTTP/1.1\r\nHost: Example.com:80\r\n\r\n", listener: 0),
            .answer(LocalAnswer(status: 301, location: "https://example.com/shop/cart?id=7")))
        XCTAssertEqual(
            try verdict(config, "HEAD / HTTP/1.1\r\nHost: example.com\r\n\r\n", listener: 0),
            .answer(LocalAnswer(status: 301, location: "https://example.com/")))
        XCTAssertEqual(
            try verdict(config, "POST /api/orders HTTP/1.1\r\nHost: example.com\r\nContent-Length: 2\r\n\r\n",
                listener: 0),
            .answer(LocalAnswer(status: 308, location: "https://example.com/api/orders")))
        // An absolute-form target is redirected to its origin-form path.
        XCTAssertEqual(
            try verdict(config, "GET http://example.com/p?x HTTP/1.1\r\nHost: example.com\r\n\r\n", listener: 0),
            .answer(LocalAnswer(status: 301, location: "https://example.com/p?x")))
        // ACME challenges are routed as usual; so is everything on the plain listener without the redirect.
        XCTAssertEqual(
            try verdict(config, "GET /.well-known/acme-challenge/tok HTTP/1.1\r\nHost: example.com\r\n\r\n",
                listener: 0),
            .proxy(route: 5))
        XCTAssertEqual(try verdict(config, "GET /x HTTP/1.0\r\n\r\n", listener: 0), .refuse(.badRequest))
    }

    func testRedirectNamesTheHTTPSPortUnless443() {
        let redirect = HTTPSRedirect(exempt: [], httpsPort: 8443)
        XCTAssertEqual(
            redirect.decide(method: .PUT, host: "[::1]", requestURI: "/x", path: "/x"),
            .redirect(LocalAnswer(status: 308, location: "https://[::1]:8443/x")))
    }

    func testHSTSOnlyOnTLSListeners() throws {
        let tls = ListenerConfig(
            address: HostPort(host: "0.0.0.0", port: 443),
            tls: ListenerTLSConfig(certificates: [CertificateFiles(cert: "c", key: "k")], hsts: HSTSConfig(
                maxAge: .seconds(31_536_000), includeSubdomains: true)))
        XCTAssertEqual(
            ListenerEdge(tls, httpsPort: 443).strictTransportSecurity,
            HeaderField(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains"))
        var plain = tls
        plain.tls = nil
        XCTAssertNil(ListenerEdge(plain, httpsPort: 443).strictTransportSecurity)
        var noHSTS = tls
        noHSTS.tls?.hsts = nil
        XCTAssertNil(ListenerEdge(noHSTS, httpsPort: 443).strictTransportSecurity)
        XCTAssertEqual(ListenerEdge(tls, httpsPort: 443).scheme, "https")
        XCTAssertNil(ListenerEdge(tls, httpsPort: 443).redirect, "a TLS listener never redirects")
    }

    func testTheStateMachineAnswersAReturnRouteLocally() throws {
        var machine = ProxyStateMachine()
        let head = try RequestHeadFixture.decode("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        let policy = ProxyStateMachine.Policy(maxBodySize: 0, tries: 1, nextUpstream: [])
        let answer = LocalAnswer(status: 204)
        XCTAssertEqual(
            machine.requestHeadReceived(head, policy: policy, route: .answer(answer), now: 0) { .pass },
            .answer(answer, close: false))
        XCTAssertEqual(machine.localResponseWritten(), .keepOpen(keepaliveTimeout: .seconds(75)))
    }
}
