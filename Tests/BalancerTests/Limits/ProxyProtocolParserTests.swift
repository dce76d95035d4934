import XCTest

@testable import BalancerCore

/// The PROXY protocol parser against HAProxy's specification (proxy-protocol.txt), case by case: the headers AWS's
/// Network Load Balancer and HAProxy send, and every way §2.1 and §2.2 say a receiver must refuse.
final class ProxyProtocolParserTests: XCTestCase {
    private func v4(_ text: String) -> IPAddress { IPAddress(parsing: text)! }

    /// A version 2 header: signature, version/command, family/protocol, length, then `body`.
    static func v2(command: UInt8 = 0x21, family: UInt8 = 0x11, body: [UInt8], length: Int? = nil) -> [UInt8] {
        let count = length ?? body.count
        return ProxyProtocolParser.v2Signature + [command, family, UInt8(count >> 8), UInt8(count & 0xFF)] + body
    }

    /// 192.0.2.10:56324 → 10.0.0.5:80, as an IPv4 address block.
    static let ipv4Block: [UInt8] = [192, 0, 2, 10, 10, 0, 0, 5, 0xDC, 0x04, 0x00, 0x50]

    // MARK: - Version 1 (§2.1)

    func testVersion1HeadersAsSendersWriteThem() {
        let cases: [(String, ProxyProtocolHeader)] = [
            ("PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\r\n",
             ProxyProtocolHeader(version: 1, command: .proxy, source: v4("192.0.2.10"), sourcePort: 56324,
                 destination: v4("10.0.0.5"), destinationPort: 80)),
            ("PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
             ProxyProtocolHeader(version: 1, command: .proxy, source: v4("255.255.255.255"), sourcePort: 65535,
                 destination: v4("255.255.255.255"), destinationPort: 65535)),
            ("PROXY TCP6 2001:db8::1 2001:db8::2 0 443\r\n",
             ProxyProtocolHeader(version: 1, command: .proxy, source: v4("2001:db8::1"), sourcePort: 0,
                 destination: v4("2001:db8::2"), destinationPort: 443)),
            ("PROXY UNKNOWN\r\n", ProxyProtocolHeader(version: 1, command: .proxy)),
            // "the receiver must ignore anything presented before the CRLF" after UNKNOWN.
            ("PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535\r\n", ProxyProtocolHeader(version: 1, command: .proxy)),
        ]
        for (text, expected) in cases {
            let bytes = Array(text.utf8)
            XCTAssertEqual(ProxyProtocolParser.parse(bytes), .header(expected, length: bytes.count), text)
            // With the client's request behind it, only the header is consumed.
            XCTAssertEqual(ProxyProtocolParser.parse(bytes + Array("GET / HTTP/1.1\r\n".utf8)),
                .header(expected, length: bytes.count), text)
        }
    }

    func testTheLongestVersion1LineIsAccepted() {
        let full = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n"
        XCTAssertEqual(full.utf8.count, 104)
        guard case .header = ProxyProtocolParser.parse(Array(full.utf8)) else { return XCTFail("refused") }
        let unknown = "PROXY UNKNOWN " + String(repeating: "x", count: 107 - 16) + "\r\n"
        XCTAssertEqual(unknown.utf8.count, 107)
        guard case .header = ProxyProtocolParser.parse(Array(unknown.utf8)) else { return XCTFail("refused") }
    }

    func testMalformedVersion1HeadersAreRefused() {
        let cases = [
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\n",  // bare LF
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\rX",  // CR without LF
            "PROXY  TCP4 192.0.2.10 10.0.0.5 56324 80\r\n",  // two spaces
            "PROXY TCP4 192.0.2.10  10.0.0.5 56324 80\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324 80 \r\n",  // trailing space
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324\r\n",  // a port missing
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324 80 81\r\n",
            "PROXY TCP5 192.0.2.10 10.0.0.5 56324 80\r\n",
            "PROXY tcp4 192.0.2.10 10.0.0.5 56324 80\r\n",  // case matters
            "PROXY TCP4 2001:db8::1 10.0.0.5 56324 80\r\n",  // family and address disagree
            "PROXY TCP6 192.0.2.10 2001:db8::2 56324 80\r\n",
            "PROXY TCP4 192.0.2.256 10.0.0.5 56324 80\r\n",
            "PROXY TCP4 192.0.2.010 10.0.0.5 56324 80\r\n",  // a leading zero is octal to some parsers
            "PROXY TCP4 example.com 10.0.0.5 56324 80\r\n",
            "PROXY TCP4 192.0.2.10:1 10.0.0.5 56324 80\r\n",
            "PROXY TCP6 [2001:db8::1] 2001:db8::2 1 2\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 65536 80\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 -1 80\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 080 80\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 +80 80\r\n",
            "PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\u{0}\r\n",
            "PROXY UNKNOWNX\r\n",
            "PROXY \r\n",
            "PROXY UNKNOWN " + String(repeating: "x", count: 92) + "\r\n",  // 108 bytes
        ]
        for text in cases {
            guard case .invalid = ProxyProtocolParser.parse(Array(text.utf8)) else {
                XCTFail("accepted \(text.debugDescription)")
                continue
            }
        }
    }

    func testAConnectionWithoutAHeaderIsRefusedAtItsFirstByte() {
        for text in ["GET / HTTP/1.1\r\n", "\u{16}\u{3}\u{1}", "proxy TCP4", "PROX\r\n", "PROXYTCP4"] {
            XCTAssertEqual(ProxyProtocolParser.parse(Array(text.utf8)), .invalid(.missing), text.debugDescription)
        }
    }

    func testEveryPrefixOfAValidHeaderAsksForMore() {
        let headers: [[UInt8]] = [
            Array("PROXY TCP4 192.0.2.10 10.0.0.5 56324 80\r\n".utf8),
            Self.v2(body: Self.ipv4Block),
        ]
        for header in headers {
            for cut in 0..<header.count {
                XCTAssertEqual(ProxyProtocolParser.parse(Array(header.prefix(cut))), .needMore, "cut at \(cut)")
            }
        }
        // 106 bytes of a v1 line without its end: no valid line can still fit.
        let long = Array(("PROXY UNKNOWN " + String(repeating: "x", count: 92)).utf8)
        XCTAssertEqual(long.count, 106)
        guard case .invalid = ProxyProtocolParser.parse(long) else { return XCTFail("waited for more") }
    }

    // MARK: - Version 2 (§2.2)

    func testVersion2HeadersAsAWSAndHAProxySendThem() {
        let source = v4("192.0.2.10")
        let ipv4 = ProxyProtocolHeader(version: 2, command: .proxy, source: source, sourcePort: 56324,
            destination: v4("10.0.0.5"), destinationPort: 80)
        // AWS NLB: PP2_TYPE_AWS (0xEA) with subtype 0x01, the VPC endpoint id.
        let aws: [UInt8] = [0xEA, 0x00, 0x17, 0x01] + Array("vpce-08d2bf15fac5001c9".utf8)
        // HAProxy send-proxy-v2-ssl: ALPN and unique id, and a NOOP padding TLV.
        let haproxy: [UInt8] = [0x01, 0x00, 0x02] + Array("h2".utf8) + [0x05, 0x00, 0x03, 1, 2, 3] + [0x04, 0x00, 0x00]
        let ipv6Block = v4("2001:db8::1").bytes + v4("2001:db8::2").bytes + [0x01, 0xBB, 0x00, 0x50]
        let cases: [([UInt8], ProxyProtocolHeader)] = [
            (Self.v2(body: Self.ipv4Block), ipv4),
            (Self.v2(body: Self.ipv4Block + aws), ipv4),
            (Self.v2(body: Self.ipv4Block + haproxy), ipv4),
            (Self.v2(family: 0x21, body: ipv6Block),
             ProxyProtocolHeader(version: 2, command: .proxy, source: v4("2001:db8::1"), sourcePort: 443,
                 destination: v4("2001:db8::2"), destinationPort: 80)),
            // LOCAL (health checks): the address block, even a garbled one, is skipped.
            (Self.v2(command: 0x20, family: 0x00, body: []), ProxyProtocolHeader(version: 2, command: .local)),
            (Self.v2(command: 0x20, family: 0x11, body: Self.ipv4Block), ProxyProtocolHeader(version: 2, command: .local)),
            (Self.v2(command: 0x20, family: 0x11, body: [1, 2, 3]), ProxyProtocolHeader(version: 2, command: .local)),
            // PROXY with UNSPEC or a UNIX socket: no IP address to take.
            (Self.v2(family: 0x00, body: []), ProxyProtocolHeader(version: 2, command: .proxy)),
            (Self.v2(family: 0x31, body: [UInt8](repeating: 0, count: 216)), ProxyProtocolHeader(version: 2, command: .proxy)),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(ProxyProtocolParser.parse(bytes), .header(expected, length: bytes.count), "\(bytes)")
            XCTAssertEqual(ProxyProtocolParser.parse(bytes + Array("GET /".utf8)), .header(expected, length: bytes.count))
        }
    }

    func testMalformedVersion2HeadersAreRefused() {
        var badSignature = Self.v2(body: Self.ipv4Block)
        badSignature[11] = 0x0B
        let cases: [(String, [UInt8])] = [
            ("signature", badSignature),
            ("version 1 in a binary header", Self.v2(command: 0x11, body: Self.ipv4Block)),
            ("version 3", Self.v2(command: 0x31, body: Self.ipv4Block)),
            ("command 2", Self.v2(command: 0x22, body: Self.ipv4Block)),
            ("command 15", Self.v2(command: 0x2F, body: Self.ipv4Block)),
            ("family 4", Self.v2(family: 0x41, body: Self.ipv4Block)),
            ("protocol 3", Self.v2(family: 0x13, body: Self.ipv4Block)),
            ("family without protocol", Self.v2(family: 0x10, body: Self.ipv4Block)),
            ("protocol without family", Self.v2(family: 0x01, body: Self.ipv4Block)),
            ("IPv4 block too short", Self.v2(body: Array(Self.ipv4Block.prefix(11)))),
            ("IPv6 block too short", Self.v2(family: 0x21, body: Self.ipv4Block)),
            ("TLV past the end", Self.v2(body: Self.ipv4Block + [0xEA, 0x00, 0x10, 0x01])),
            ("stray bytes after TLVs", Self.v2(body: Self.ipv4Block + [0x04, 0x00])),
        ]
        for (name, bytes) in cases {
            guard case .invalid = ProxyProtocolParser.parse(bytes) else {
                XCTFail("accepted: \(name)")
                continue
            }
        }
    }

    func testTheLengthFieldBoundsTheHeader() {
        // A length of 300 with 20 bytes present: wait for the rest (up to 16 + 65535 bytes, never more).
        let partial = Self.v2(body: Self.ipv4Block + [UInt8](repeating: 0, count: 8), length: 300)
        XCTAssertEqual(ProxyProtocolParser.parse(partial), .needMore)
        let largest = Self.v2(body: Self.ipv4Block + [0x04, 0xFF, 0xF0] + [UInt8](repeating: 0, count: 0xFFF0),
            length: 0xFFFF)
        XCTAssertEqual(largest.count, ProxyProtocolParser.maxLength)
        guard case .header(_, let length) = ProxyProtocolParser.parse(largest) else { return XCTFail("refused") }
        XCTAssertEqual(length, ProxyProtocolParser.maxLength)
    }
}
