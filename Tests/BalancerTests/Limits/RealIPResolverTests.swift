import XCTest

@testable import BalancerCore

/// `real_ip` against nginx's `ngx_http_realip_module` and `ngx_http_get_forwarded_addr`, case by case: who is
/// trusted, which element of `X-Forwarded-For` wins with and without `recursive`, and what an untrusted peer can
/// (not) do.
final class RealIPResolverTests: XCTestCase {
    private func ip(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    private func resolver(_ from: [String], header: RealIPSource = .header("X-Forwarded-For"), recursive: Bool)
        -> RealIPResolver
    {
        RealIPResolver(RealIPConfig(from: from.map { CIDRRange($0)! }, source: header, recursive: recursive))
    }

    private func head(_ lines: [String]) throws -> HTTP1RequestHead {
        try RequestHeadFixture.decode("GET / HTTP/1.1\r\nHost: a\r\n" + lines.map { $0 + "\r\n" }.joined() + "\r\n")
    }

    func testIPAddressesAsForwardingHeadersWriteThem() {
        let cases: [(String, String?)] = [
            ("192.0.2.1", "192.0.2.1"), ("192.0.2.1:8080", "192.0.2.1"), ("2001:db8::1", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"), ("[2001:db8::1]:443", "2001:db8::1"),
            ("2001:DB8:0:0:0:0:0:1", "2001:db8::1"), ("::ffff:192.0.2.1", "192.0.2.1"),
            ("unknown", nil), ("", nil), ("192.0.2", nil), ("192.0.2.1:", nil), ("192.0.2.1:99999", nil),
            ("[2001:db8::1", nil), ("[192.0.2.1]", nil), ("2001:db8::1:80x", nil), ("fe80::1%eth0", nil),
            ("192.0.2.1 ", nil), ("1.2.3.04", nil), ("_gateway", nil),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(IPAddress(parsing: text)?.description, expected, text)
        }
        XCTAssertTrue(ip("192.0.2.1").isIPv4)
        XCTAssertFalse(ip("2001:db8::1").isIPv4)
    }

    func testNetworksMatchAddresses() {
        let cases: [(String, String, Bool)] = [
            ("10.0.0.0/8", "10.255.1.2", true), ("10.0.0.0/8", "11.0.0.1", false),
            ("10.1.2.3", "10.1.2.3", true), ("10.1.2.3", "10.1.2.4", false), ("0.0.0.0/0", "203.0.113.9", true),
            ("0.0.0.0/0", "2001:db8::1", false), ("2001:db8::/32", "2001:db8:ffff::1", true),
            ("2001:db8::/32", "2001:db9::1", false), ("::/0", "192.0.2.1", true), ("fd00::/8", "fdff::1", true),
            ("2001:db8::1/128", "2001:db8::1", true), ("2001:db8::/65", "2001:db8::8000:0:0:0", false),
            ("::ffff:0:0/96", "192.0.2.1", true), ("172.16.0.0/12", "172.31.255.255", true),
            ("172.16.0.0/12", "172.32.0.0", false),
        ]
        for (network, address, expected) in cases {
            XCTAssertEqual(CIDRRange(network)!.contains(ip(address)), expected, "\(network) ∋ \(address)")
        }
    }

    /// nginx's algorithm with `set_real_ip_from 10.0.0.0/8`, from peer 10.0.0.2.
    func testForwardedForAsNginxReadsIt() throws {
        let cases: [(list: String, recursive: Bool, expected: String)] = [
            ("203.0.113.7", false, "203.0.113.7"),
            ("203.0.113.7", true, "203.0.113.7"),
            // Without recursive, the rightmost element, trusted or not.
            ("203.0.113.7, 10.0.0.9", false, "10.0.0.9"),
            // With recursive, the rightmost untrusted: a client's own `X-Forwarded-For: 1.2.3.4` stays on the left.
            ("1.2.3.4, 203.0.113.7, 10.0.0.9", true, "203.0.113.7"),
            ("1.2.3.4, 203.0.113.7", true, "203.0.113.7"),
            // Every element trusted: the leftmost.
            ("10.0.0.7, 10.0.0.9", true, "10.0.0.7"),
            // A garbled element stops the walk at the last good address.
            ("203.0.113.7, unknown", true, "10.0.0.2"),
            ("203.0.113.7, unknown, 10.0.0.9", true, "10.0.0.9"),
            ("1.2.3.4, garbage, 10.0.0.9", true, "10.0.0.9"),
            // Empty elements and spaces are skipped; spaces separate like commas, as in nginx.
            (" ,203.0.113.7 ,, ", true, "203.0.113.7"),
            ("1.2.3.4 203.0.113.7", false, "203.0.113.7"),
            ("[2001:db8::7]:443, 10.0.0.9", true, "2001:db8::7"),
            ("203.0.113.7:5000", false, "203.0.113.7"),
        ]
        let peer = ip("10.0.0.2")
        for (list, recursive, expected) in cases {
            let resolver = resolver(["10.0.0.0/8"], recursive: recursive)
            let address = resolver.clientAddress(connection: peer, request: try head(["X-Forwarded-For: \(list)"]))
            XCTAssertEqual(address.description, expected, "\(list) recursive=\(recursive)")
        }
    }

    func testEveryForwardedForLineIsOneListAndOtherHeadersTakeTheirFirstLine() throws {
        let peer = ip("10.0.0.2")
        let xff = resolver(["10.0.0.0/8"], recursive: true)
        let twoLines = try head(["X-Forwarded-For: 1.2.3.4, 203.0.113.7", "X-Forwarded-For: 10.0.0.9"])
        XCTAssertEqual(xff.clientAddress(connection: peer, request: twoLines).description, "203.0.113.7")
        let realIP = resolver(["10.0.0.0/8"], header: .header("X-Real-IP"), recursive: false)
        let two = try head(["X-Real-IP: 203.0.113.8", "X-Real-IP: 203.0.113.9"])
        XCTAssertEqual(realIP.clientAddress(connection: peer, request: two).description, "203.0.113.8")
        let custom = resolver(["10.0.0.0/8"], header: .header("CF-Connecting-IP"), recursive: false)
        let cf = try head(["cf-connecting-ip: 2001:db8::9"])
        XCTAssertEqual(custom.clientAddress(connection: peer, request: cf).description, "2001:db8::9")
        XCTAssertEqual(custom.clientAddress(connection: peer, request: try head([])).description, "10.0.0.2")
    }

    func testAnUntrustedPeerCannotChooseItsAddress() throws {
        let resolver = resolver(["10.0.0.0/8"], recursive: true)
        let spoofed = try head(["X-Forwarded-For: 10.0.0.9", "X-Real-IP: 10.0.0.9"])
        let peer = ip("198.51.100.4")
        XCTAssertEqual(resolver.clientAddress(connection: peer, request: spoofed), peer)
        // Nor through a PROXY header.
        XCTAssertEqual(resolver.connectionAddress(peer: peer, proxyProtocolSource: ip("10.0.0.9")), peer)
        let proxy = self.resolver(["10.0.0.0/8"], header: .proxyProtocol, recursive: false)
        XCTAssertEqual(proxy.connectionAddress(peer: peer, proxyProtocolSource: ip("203.0.113.7")), peer)
        XCTAssertEqual(proxy.connectionAddress(peer: ip("10.0.0.2"), proxyProtocolSource: ip("203.0.113.7")),
            ip("203.0.113.7"))
        // With the PROXY header as the source, forwarding headers are not read at all.
        XCTAssertEqual(proxy.clientAddress(connection: ip("10.0.0.2"), request: spoofed), ip("10.0.0.2"))
    }

    func testClientIdentityMakesTheForwardingLines() throws {
        var identity = ClientIdentity(peer: ip("10.0.0.2"))
        XCTAssertEqual(String(decoding: identity.lines.bytes, as: UTF8.self),
            "10.0.0.2\r\nX-Real-IP: 10.0.0.2\r\nX-Forwarded-Proto: http\r\n")
        let resolver = resolver(["10.0.0.0/8"], recursive: true)
        identity.requestReceived(try head(["X-Forwarded-For: 1.2.3.4, 203.0.113.7"]), resolver: resolver)
        // X-Forwarded-For gains the hop that reached the balancer; X-Real-IP names the client.
        XCTAssertEqual(String(decoding: identity.lines.bytes, as: UTF8.self),
            "10.0.0.2\r\nX-Real-IP: 203.0.113.7\r\nX-Forwarded-Proto: http\r\n")
        XCTAssertEqual(identity.lines.address, "203.0.113.7")
        identity.requestReceived(try head([]), resolver: resolver)
        XCTAssertEqual(identity.lines.address, "10.0.0.2")
        XCTAssertEqual(identity.client, ip("10.0.0.2"))
        // A reload that switches real_ip off: the next request is the peer's again.
        identity.requestReceived(try head(["X-Forwarded-For: 203.0.113.7"]), resolver: resolver)
        XCTAssertEqual(identity.lines.address, "203.0.113.7")
        identity.requestReceived(try head(["X-Forwarded-For: 203.0.113.7"]), resolver: nil)
        XCTAssertEqual(identity.lines.address, "10.0.0.2")

        var proxied = ClientIdentity(peer: ip("10.0.0.2"))
        let header = ProxyProtocolHeader(version: 2, command: .proxy, source: ip("203.0.113.7"), sourcePort: 1)
        proxied.proxyProtocolReceived(header, resolver: self.resolver(["10.0.0.0/8"], header: .proxyProtocol,
            recursive: false))
        XCTAssertEqual(String(decoding: proxied.lines.bytes, as: UTF8.self),
            "203.0.113.7\r\nX-Real-IP: 203.0.113.7\r\nX-Forwarded-Proto: http\r\n")
        var local = ClientIdentity(peer: ip("10.0.0.2"))
        local.proxyProtocolReceived(ProxyProtocolHeader(version: 2, command: .local), resolver: nil)
        XCTAssertEqual(local.lines.address, "10.0.0.2")
    }
}
