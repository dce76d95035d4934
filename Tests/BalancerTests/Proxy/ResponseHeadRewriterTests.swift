import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Upstream response bytes through the response decoder and the rewriter, and the client head that comes out:
/// pure logic, no channel.
final class ResponseHeadRewriterTests: XCTestCase {
    private static let config = """
        listen: 127.0.0.1:8080
        response_headers:
          X-Frame-Options: SAMEORIGIN
          X-Content-Type-Options: nosniff
        upstreams:
          web:
            servers: [127.0.0.1:3000]
        routes:
          - prefix: /
            upstream: web
            cache_static: {extensions: [js, css], max_age: 1y}
        """

    private func decodeHead(
        _ text: String,
        isHeadRequest: Bool = false,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> HTTP1ResponseHead {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else {
            XCTFail("no response head decoded", file: file, line: line)
            throw HTTP1ParseError.truncated
        }
        return head
    }

    private func rewrite(
        _ head: HTTP1ResponseHead,
        clientVersion: HTTPVersion = .http1_1,
        clientKeepAlive: Bool = true,
        uri: String = "/index.html"
    ) throws -> (text: String, keepAlive: Bool, framing: HTTP1OutgoingFraming) {
        let config = try XCTUnwrap(ConfigFixture.parse(Self.config))
        let snapshot = ProxySnapshot(config: config, generation: 1)
        var out = ByteBuffer()
        let result = ResponseHeadRewriter.writeClientHead(
            head,
            clientVersion: clientVersion,
            clientKeepAlive: clientKeepAlive,
            isHeadRequest: false,
            requestID: "req-1",
            cache: snapshot.routes[0].cache,
            uri: uri,
            snapshot: snapshot,
            dates: HTTPDateCache(),
            into: &out
        )
        return (out.readString(length: out.readableBytes) ?? "", result.keepAlive, result.framing)
    }

    func testHopByHopHeadersGoAndOtherLinesAreCopiedAsReceived() throws {
        let head = try decodeHead(
            "HTTP/1.1 200 Fine\r\nConnection: keep-alive, X-Secret\r\nKeep-Alive: timeout=5\r\nX-Secret: 1\r\n"
                + "content-type:text/plain\r\nX-Frame-Options: DENY\r\nX-Request-ID: theirs\r\n"
                + "Transfer-Encoding: chunked\r\nProxy-Foo: bar\r\n\r\n"
        )
        XCTAssertTrue(head.isKeepAlive)
        XCTAssertTrue(head.connection.listsNames)
        let (text, keepAlive, framing) = try rewrite(head)
        XCTAssertEqual(
            text,
            "HTTP/1.1 200 Fine\r\ncontent-type:text/plain\r\nX-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\n"
                + "X-Request-ID: req-1\r\nTransfer-Encoding: chunked\r\n\r\n"
        )
        XCTAssertTrue(keepAlive)
        XCTAssertEqual(framing, .chunked)
    }

    func testLengthIsKeptAndHTTP10ClientsAreToldToKeepAlive() throws {
        let head = try decodeHead("HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nnope!")
        let (text, keepAlive, framing) = try rewrite(head, clientVersion: .http1_0)
        XCTAssertTrue(text.hasPrefix("HTTP/1.0 404 Not Found\r\n"), text)
        XCTAssertTrue(text.hasSuffix("Content-Length: 5\r\nConnection: keep-alive\r\n\r\n"), text)
        XCTAssertTrue(keepAlive)
        XCTAssertEqual(framing, .raw)
    }

    func testHTTP10ClientWithoutLengthReadsUntilTheClose() throws {
        let head = try decodeHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        let (text, keepAlive, framing) = try rewrite(head, clientVersion: .http1_0)
        XCTAssertFalse(text.contains("Transfer-Encoding"), text)
        XCTAssertTrue(text.hasSuffix("Connection: close\r\n\r\n"), text)
        XCTAssertFalse(keepAlive)
        XCTAssertEqual(framing, .raw)
    }

    func testStaticAssetsGetCachingUnlessTheUpstreamSetCacheControl() throws {
        let plain = try decodeHead("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nExpires: 0\r\n\r\n")
        let cached = try rewrite(plain, uri: "/app.js?v=2").text
        XCTAssertTrue(cached.contains("\r\nCache-Control: public, max-age=31536000, immutable\r\nExpires: "), cached)
        XCTAssertFalse(cached.contains("Expires: 0"), cached)
        XCTAssertFalse(try rewrite(plain, uri: "/index.html").text.contains("Cache-Control"))

        let own = try decodeHead("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\r\n")
        let kept = try rewrite(own, uri: "/app.js").text
        XCTAssertTrue(kept.contains("Cache-Control: no-store\r\n"), kept)
        XCTAssertFalse(kept.contains("immutable"), kept)
    }

    func testStatusLineWithoutReasonPhraseKeepsItsSpace() throws {
        let head = try decodeHead("HTTP/1.1 204\r\n\r\n")
        XCTAssertTrue(try rewrite(head).text.hasPrefix("HTTP/1.1 204 \r\nX-Frame-Options: SAMEORIGIN\r\n"))
    }

    func testConnectionCloseFromUpstreamAndClientKeepAliveAreSeparate() throws {
        let head = try decodeHead("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
        XCTAssertFalse(head.isKeepAlive)
        XCTAssertFalse(head.connection.listsNames)
        // The upstream closing its own connection does not close the client's.
        XCTAssertTrue(try rewrite(head).keepAlive)
        let closing = try rewrite(head, clientKeepAlive: false)
        XCTAssertFalse(closing.keepAlive)
        XCTAssertTrue(closing.text.hasSuffix("Connection: close\r\n\r\n"))
    }

    func testHTTP10UpstreamKeepsAliveOnlyWhenItSaysSo() throws {
        XCTAssertFalse(try decodeHead("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n").isKeepAlive)
        XCTAssertTrue(
            try decodeHead("HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 0\r\n\r\n").isKeepAlive
        )
    }

    func testSwitchingProtocolsKeepsUpgradeAndUsesTheBalancersRequestID() throws {
        let head = try decodeHead(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Accept: abc=\r\nX-Request-ID: theirs\r\n\r\n"
        )
        var out = ByteBuffer()
        ResponseHeadRewriter.writeSwitchingProtocolsHead(head, requestID: "req-9", into: &out)
        XCTAssertEqual(
            out.readString(length: out.readableBytes),
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: abc=\r\n"
                + "Connection: Upgrade\r\nX-Request-ID: req-9\r\n\r\n"
        )
    }

    func testResponseFraming() throws {
        func bodyEvents(_ text: String, isHeadRequest: Bool = false) throws -> [String] {
            var decoder = HTTP1ResponseDecoder()
            decoder.expectResponse(isHeadRequest: isHeadRequest)
            decoder.feed(ByteBuffer(string: text))
            var events: [String] = []
            for _ in 0..<10 {
                guard let event = try decoder.next() else { break }
                events.append(event.text { "\($0.status)" })
            }
            return events
        }
        XCTAssertEqual(
            try bodyEvents("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"),
            ["head 200", "body abc", "end"]
        )
        XCTAssertEqual(
            try bodyEvents("HTTP/1.1 200 OK\r\nContent-Length: 3\r\ncontent-length: 3\r\n\r\nabc"),
            ["head 200", "body abc", "end"]
        )
        XCTAssertEqual(
            try bodyEvents("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, Chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"),
            ["head 200", "body abc", "end"]
        )
        XCTAssertEqual(
            try bodyEvents("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
            ["head 204", "end"]
        )
        XCTAssertEqual(
            try bodyEvents("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n", isHeadRequest: true),
            ["head 200", "end"]
        )
        XCTAssertThrowsError(try bodyEvents("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabc"))
        XCTAssertThrowsError(try bodyEvents("HTTP/1.1 200 OK\r\nContent-Length: -3\r\n\r\n"))
        XCTAssertThrowsError(try bodyEvents("HTTP/1.1 200 OK\r\nX-Bad : 1\r\n\r\n"))
    }
}
