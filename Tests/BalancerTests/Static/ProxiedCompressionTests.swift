import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// When an upstream's response is gzipped on its way, and the head the client then gets: bytes in, head out.
final class ProxiedCompressionTests: XCTestCase {
    private func head(_ text: String, isHeadRequest: Bool = false) throws -> HTTP1ResponseHead {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else { throw HTTP1ParseError.truncated }
        return head
    }

    func testConditions() throws {
        let config = GzipConfig()
        let json = "Content-Type: application/json; charset=utf-8\r\n"
        let rows: [(String, Bool, Bool, String)] = [
            ("HTTP/1.1 200 OK\r\n\(json)Content-Length: 2000\r\n\r\n", false, true, "listed type, long enough"),
            ("HTTP/1.1 200 OK\r\n\(json)Transfer-Encoding: chunked\r\n\r\n", false, true, "length unknown"),
            ("HTTP/1.1 404 Not Found\r\n\(json)Content-Length: 2000\r\n\r\n", false, true, "404"),
            ("HTTP/1.1 201 Created\r\n\(json)Content-Length: 2000\r\n\r\n", false, false, "201, as nginx"),
            ("HTTP/1.1 206 Partial\r\n\(json)Content-Length: 2000\r\n\r\n", false, false, "a range"),
            ("HTTP/1.1 200 OK\r\n\(json)Content-Length: 100\r\n\r\n", false, false, "below min_length"),
            ("HTTP/1.1 200 OK\r\n\(json)Content-Length: 2000\r\n\r\n", true, false, "HEAD"),
            ("HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: 2000\r\n\r\n", false, false, "png"),
            ("HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n", false, false, "no type"),
            ("HTTP/1.1 200 OK\r\n\(json)Content-Encoding: gzip\r\nContent-Length: 2000\r\n\r\n", false, false,
                "already encoded: never twice"),
            ("HTTP/1.1 200 OK\r\n\(json)Content-Encoding: identity\r\nContent-Length: 2000\r\n\r\n", false, false,
                "any coding named"),
            ("HTTP/1.1 200 OK\r\n\(json)Cache-Control: no-transform\r\nContent-Length: 2000\r\n\r\n", false, false,
                "no-transform"),
            ("HTTP/1.1 204 No Content\r\n\(json)\r\n", false, false, "no body"),
            ("HTTP/1.1 200 OK\r\nContent-Type: TEXT/HTML\r\nContent-Length: 2000\r\n\r\n", false, true, "case"),
        ]
        for (text, isHead, expected, name) in rows {
            let response = try head(text, isHeadRequest: isHead)
            XCTAssertEqual(
                ProxiedCompression.shouldCompress(response, isHeadRequest: isHead, config: config), expected, name)
        }
        var off = config
        off.proxied = false
        XCTAssertFalse(ProxiedCompression.shouldCompress(
            try head("HTTP/1.1 200 OK\r\n\(json)Content-Length: 2000\r\n\r\n"), isHeadRequest: false, config: off))
    }

    func testCompressedHead() throws {
        let config = try XCTUnwrap(ConfigFixture.parse(ConfigFixture.minimal + "\ngzip: {}\n"))
        let snapshot = ProxySnapshot(config: config, generation: 1)
        let upstream = try head(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nETag: \"abc\"\r\nVary: Origin\r\n"
                + "Accept-Ranges: bytes\r\nContent-Length: 5000\r\n\r\n")
        func rewrite(_ version: HTTPVersion) -> (String, Bool, HTTP1OutgoingFraming) {
            var out = ByteBuffer()
            let result = ResponseHeadRewriter.writeClientHead(
                upstream, clientVersion: version, clientKeepAlive: true, isHeadRequest: false, requestID: "r",
                cache: nil, uri: "/api/x", snapshot: snapshot, dates: HTTPDateCache(), compressed: true, into: &out)
            return (String(buffer: out), result.keepAlive, result.framing)
        }
        let (text, keepAlive, framing) = rewrite(.http1_1)
        XCTAssertTrue(text.contains("Content-Encoding: gzip\r\n"), text)
        XCTAssertTrue(text.contains("ETag: W/\"abc\"\r\n"), text)
        XCTAssertTrue(text.contains("Vary: Origin, Accept-Encoding\r\n"), text)
        XCTAssertTrue(text.contains("Transfer-Encoding: chunked\r\n"), text)
        XCTAssertFalse(text.contains("Content-Length"), text)
        XCTAssertFalse(text.contains("Accept-Ranges"), text)
        XCTAssertFalse(text.contains("\"abc\"\r\n") && !text.contains("W/\"abc\""), text)
        XCTAssertTrue(keepAlive)
        XCTAssertEqual(framing, .chunked)
        let (old, oldKeepAlive, _) = rewrite(.http1_0)
        XCTAssertFalse(oldKeepAlive, "an HTTP/1.0 client reads a body of unknown length up to the close")
        XCTAssertTrue(old.contains("Connection: close\r\n"), old)
    }
}
