import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The header names the proxy knows: each recognised in any case, nothing else taken for one, and what the
/// forwarding rules (framing, hop-by-hop, protected from `Connection`) say of every kind.
final class HeaderNameTests: XCTestCase {
    private static let known: [(String, HeaderName)] = [
        ("Connection", .connection), ("Keep-Alive", .keepAlive), ("TE", .te), ("Trailer", .trailer),
        ("Transfer-Encoding", .transferEncoding), ("Upgrade", .upgrade), ("Proxy-Authorization", .proxyPrefixed),
        ("Content-Length", .contentLength), ("Host", .host), ("Expect", .expect),
        ("X-Forwarded-For", .xForwardedFor), ("X-Forwarded-Proto", .xForwardedProto),
        ("X-Forwarded-Host", .xForwardedHost), ("X-Forwarded-Port", .xForwardedPort), ("X-Real-IP", .xRealIP),
        ("X-Request-ID", .xRequestID), ("Cache-Control", .cacheControl), ("Expires", .expires),
        ("Content-Encoding", .contentEncoding), ("Content-Type", .contentType), ("ETag", .etag), ("Vary", .vary),
        ("Accept-Ranges", .acceptRanges), ("Accept-Encoding", .acceptEncoding), ("Range", .range),
        ("If-Range", .ifRange), ("If-Match", .ifMatch), ("If-None-Match", .ifNoneMatch),
        ("If-Modified-Since", .ifModifiedSince), ("If-Unmodified-Since", .ifUnmodifiedSince),
        ("Referer", .referer), ("User-Agent", .userAgent),
    ]

    private func classify(_ name: String) -> HeaderName {
        let fromBytes = Array(name.utf8).withUnsafeBufferPointer { HeaderName.classify($0) }
        XCTAssertEqual(HeaderName.classify(name), fromBytes, "text and bytes agree for \(name)")
        return fromBytes
    }

    func testEveryKnownNameIsRecognisedInAnyCase() {
        for (name, kind) in Self.known {
            for spelling in [name, name.lowercased(), name.uppercased()] {
                XCTAssertEqual(classify(spelling), kind, spelling)
            }
        }
    }

    /// Names as long as a known one and differing in one byte, anywhere in it, are no known name.
    func testNearMissesAreOther() {
        for (name, _) in Self.known where !name.lowercased().hasPrefix("proxy-") {
            let bytes = Array(name.utf8)
            for index in bytes.indices {
                var changed = bytes
                changed[index] = bytes[index] == UInt8(ascii: "_") ? UInt8(ascii: "z") : UInt8(ascii: "_")
                let spelling = String(decoding: changed, as: UTF8.self)
                XCTAssertEqual(classify(spelling), .other, spelling)
            }
        }
        for name in ["Referrer", "If-Ranges", "Ranges", "UserAgent", "Accept-Encodings", "If-Modified-Since2"] {
            XCTAssertEqual(classify(name), .other, name)
        }
    }

    /// `Proxy-*` is recognised at every length a known name has too (the known names are looked at first).
    func testProxyPrefixedNamesAtEveryLength() {
        for length in 8...24 {
            let name = "Proxy-" + String(repeating: "a", count: length - 6)
            XCTAssertEqual(classify(name), .proxyPrefixed, name)
        }
        XCTAssertEqual(classify("Proxy-Connection"), .proxyPrefixed)
        XCTAssertEqual(classify("proxy-"), .other, "the prefix alone names nothing")
    }

    /// The forwarding rules of every kind: only the connection's own headers are hop-by-hop, only the framing
    /// headers are framing, and only those and `Host` are out of `Connection`'s reach.
    func testForwardingRulesOfEveryKind() {
        let hopByHop: [HeaderName] = [
            .connection, .keepAlive, .te, .trailer, .transferEncoding, .upgrade, .proxyPrefixed,
        ]
        let framing: [HeaderName] = [.contentLength, .transferEncoding]
        for kind in Self.known.map(\.1) + [.other] {
            XCTAssertEqual(kind.isHopByHop, hopByHop.contains(kind), "\(kind) hop-by-hop")
            XCTAssertEqual(kind.isFraming, framing.contains(kind), "\(kind) framing")
            let protected = framing.contains(kind) || kind == .host
            XCTAssertEqual(kind.isProtectedFromConnection, protected, "\(kind) protected")
        }
    }

    /// The lines a request for files and the access log read cross to the upstream as they came, in order, unless
    /// `Connection` lists them.
    func testRequestFieldsTheProxyReadsAreForwardedAsReceived() throws {
        let lines = [
            "accept-encoding: gzip, br", "Range: bytes=0-1", "If-Range: \"e\"", "IF-MATCH: \"e\"",
            "If-None-Match: W/\"e\"", "If-Modified-Since: Sun, 06 Nov 1994 08:49:37 GMT",
            "If-Unmodified-Since: Sun, 06 Nov 1994 08:49:37 GMT", "Referer: https://a.example/", "User-Agent: t/1",
        ]
        let block = lines.map { $0 + "\r\n" }.joined()
        let forwarded = try forward("GET / HTTP/1.1\r\nHost: h\r\n" + block + "\r\n")
        XCTAssertTrue(forwarded.contains("Host: h\r\n" + block), forwarded)

        let listed = try forward("GET / HTTP/1.1\r\nHost: h\r\nConnection: referer\r\nReferer: x\r\n\r\n")
        XCTAssertFalse(listed.contains("Referer"), listed)
    }

    private func forward(_ text: String) throws -> String {
        var out = ByteBuffer()
        ForwardedRequest.writeUpstreamHead(
            try RequestHeadFixture.decode(text), client: ClientAddressLines(address: "10.0.0.7"), requestID: "r",
            into: &out)
        return String(buffer: out)
    }
}
