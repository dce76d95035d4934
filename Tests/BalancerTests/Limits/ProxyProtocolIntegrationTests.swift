import Foundation
import XCTest

@testable import Balancer
@testable import BalancerCore

/// PROXY protocol listeners over real sockets: v1 and v2 headers as HAProxy and AWS's NLB send them name the client
/// when the load balancer is trusted, are ignored when it is not, and a missing, malformed or late header closes
/// the connection.
final class ProxyProtocolIntegrationTests: XCTestCase {
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness!

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
    }

    private func start(trusting from: String) async throws {
        upstream = try await RecordingUpstream()
        balancer = try await BalancerHarness(
            yaml: """
                limits: {client_header_timeout: 1s}
                real_ip: {from: [\(from)], header: proxy_protocol}
                upstreams:
                  backend:
                    servers: [\(upstream.address)]
                routes:
                  - {prefix: /, upstream: backend}
                """,
            proxyProtocol: true)
    }

    private let request = Array("GET /pp HTTP/1.1\r\nHost: test\r\n\r\n".utf8)

    /// The client `X-Real-IP` and `X-Forwarded-For` name after one request preceded by `header`.
    private func forwardedClient(after header: [UInt8], split: Bool = false) throws -> (realIP: String?, xff: String?) {
        let client = try KeepAliveClient(port: balancer.port)
        if split {
            // The header in pieces, the request in the same write as its last piece.
            client.send(Array(header.prefix(5)))
            Thread.sleep(forTimeInterval: 0.05)
            client.send(Array(header.dropFirst(5)) + request)
        } else {
            client.send(header + request)
        }
        XCTAssertEqual(try client.readResponse().status, 200)
        // The rest of the connection is plain HTTP/1.1.
        XCTAssertEqual(try client.get("/again").status, 200)
        let headers = try XCTUnwrap(upstream.requests.last).headers
        return (headers["x-real-ip"]?.first, headers["x-forwarded-for"]?.first)
    }

    private static func v2(source: [UInt8], family: UInt8, command: UInt8 = 0x21, tlvs: [UInt8] = []) -> [UInt8] {
        let destination = [UInt8](repeating: 0, count: source.count)
        let body = source + destination + [0xC3, 0x50, 0x00, 0x50] + tlvs
        return ProxyProtocolParser.v2Signature + [command, family, UInt8(body.count >> 8), UInt8(body.count & 0xFF)]
            + body
    }

    func testVersion1And2FromATrustedLoadBalancerNameTheClient() async throws {
        try await start(trusting: "127.0.0.1")
        let v1 = Array("PROXY TCP4 203.0.113.9 10.0.0.5 50000 80\r\n".utf8)
        XCTAssertEqual(try forwardedClient(after: v1).realIP, "203.0.113.9")
        XCTAssertEqual(try forwardedClient(after: v1, split: true).xff, "203.0.113.9")
        // AWS NLB: v2 with its VPC endpoint TLV.
        let aws = Self.v2(source: [198, 51, 100, 7], family: 0x11,
            tlvs: [0xEA, 0x00, 0x17, 0x01] + Array("vpce-08d2bf15fac5001c9".utf8))
        XCTAssertEqual(try forwardedClient(after: aws).realIP, "198.51.100.7")
        let ipv6 = Self.v2(source: IPAddress(parsing: "2001:db8::7")!.bytes, family: 0x21)
        XCTAssertEqual(try forwardedClient(after: ipv6, split: true).realIP, "2001:db8::7")
        // A health check (LOCAL) and UNKNOWN carry no client: the load balancer itself is the peer.
        XCTAssertEqual(try forwardedClient(after: Self.v2(source: [], family: 0x00, command: 0x20)).realIP, "127.0.0.1")
        XCTAssertEqual(try forwardedClient(after: Array("PROXY UNKNOWN\r\n".utf8)).realIP, "127.0.0.1")
    }

    func testAHeaderFromAnUntrustedPeerIsIgnored() async throws {
        try await start(trusting: "10.0.0.0/8")
        let spoofed = Array("PROXY TCP4 203.0.113.9 10.0.0.5 50000 80\r\n".utf8)
        let forwarded = try forwardedClient(after: spoofed)
        XCTAssertEqual(forwarded.realIP, "127.0.0.1")
        XCTAssertEqual(forwarded.xff, "127.0.0.1")
        let v2 = Self.v2(source: [203, 0, 113, 9], family: 0x11)
        XCTAssertEqual(try forwardedClient(after: v2).realIP, "127.0.0.1")
    }

    func testMissingMalformedOrLateHeadersCloseTheConnection() async throws {
        try await start(trusting: "127.0.0.1")
        let port = balancer.port
        let cases: [(String, [UInt8])] = [
            ("no header", request),
            ("v1 with two spaces", Array("PROXY  TCP4 203.0.113.9 10.0.0.5 50000 80\r\n".utf8) + request),
            ("v1 with a bare LF", Array("PROXY TCP4 203.0.113.9 10.0.0.5 50000 80\n".utf8) + request),
            ("v1 too long", Array(("PROXY UNKNOWN " + String(repeating: "x", count: 120)).utf8)),
            ("v2 with command 3", Self.v2(source: [203, 0, 113, 9], family: 0x11, command: 0x23) + request),
            ("v2 with a TLV past its end", Self.v2(source: [203, 0, 113, 9], family: 0x11, tlvs: [0xEA, 0x00, 0x09])
                + request),
        ]
        for (name, bytes) in cases {
            let client = try KeepAliveClient(port: port, timeout: 3)
            client.send(bytes)
            XCTAssertTrue(client.closedWithoutAnswer(), name)
        }
        // A peer that sends half a header and stops is closed after client_header_timeout (1 s).
        let started = Date()
        let slow = try KeepAliveClient(port: port, timeout: 5)
        slow.send(Array("PROXY TCP4 203.0.113.9".utf8))
        XCTAssertTrue(slow.closedWithoutAnswer())
        XCTAssertEqual(Date().timeIntervalSince(started), 1, accuracy: 0.5)
        XCTAssertTrue(upstream.requests.isEmpty)
        let metrics = try KeepAliveClient(port: balancer.adminPort).get("/metrics").body
        XCTAssertTrue(metrics.contains("balancer_proxy_protocol_refused_total \(cases.count + 1)"), metrics)
    }
}
