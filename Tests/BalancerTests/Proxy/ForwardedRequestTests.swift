import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Client request bytes through the request decoder and the forwarding rewrite, and the head the upstream receives:
/// pure logic, no channel.
final class ForwardedRequestTests: XCTestCase {
    private func forward(
        _ text: String,
        upgrade: Bool = false,
        file: StaticString = #filePath,
        line: UInt = #line
    ) throws -> String {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let request) = try decoder.next() else {
            XCTFail("no request head decoded", file: file, line: line)
            return ""
        }
        var out = ByteBuffer()
        ForwardedRequest.writeUpstreamHead(
            request,
            client: ClientAddressLines(address: "10.0.0.7"),
            requestID: "req-1",
            upgrade: upgrade,
            into: &out
        )
        return out.readString(length: out.readableBytes) ?? ""
    }

    func testKeptLinesAreCopiedAndForwardingHeadersAdded() throws {
        let text = try forward(
            "GET /api/x?y=1 HTTP/1.0\r\nHost: shop.test\r\nuser-agent:curl\r\nX-Forwarded-For: 1.1.1.1\r\n"
                + "X-Real-IP: 6.6.6.6\r\nX-Request-ID: theirs\r\nx-forwarded-for: 2.2.2.2\r\n\r\n"
        )
        XCTAssertEqual(
            text,
            "GET /api/x?y=1 HTTP/1.1\r\nHost: shop.test\r\nuser-agent:curl\r\n"
                + "X-Forwarded-For: 1.1.1.1, 2.2.2.2, 10.0.0.7\r\nX-Real-IP: 10.0.0.7\r\nX-Forwarded-Proto: http\r\n"
                + "X-Forwarded-Host: shop.test\r\nX-Request-ID: req-1\r\n\r\n"
        )
    }

    func testHopByHopHeadersAndTheNamesConnectionListsAreRemoved() throws {
        let text = try forward(
            "GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: timeout=5\r\n"
                + "TE: trailers\r\nUpgrade: h2c\r\nProxy-Authorization: secret\r\nX-Kept: 2\r\n\r\n"
        )
        XCTAssertEqual(
            text,
            "GET / HTTP/1.1\r\nHost: h\r\nX-Kept: 2\r\nX-Forwarded-For: 10.0.0.7\r\nX-Real-IP: 10.0.0.7\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: h\r\nX-Request-ID: req-1\r\n\r\n"
        )
    }

    func testBodyFramingIsRestatedExplicitly() throws {
        let chunked = try forward(
            "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertTrue(chunked.hasSuffix("X-Request-ID: req-1\r\nTransfer-Encoding: chunked\r\n\r\n"), chunked)
        XCTAssertFalse(chunked.contains("Expect"), chunked)

        let sized = try forward("PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n")
        XCTAssertTrue(sized.contains("\r\nContent-Length: 3\r\n"), sized)

        let empty = try forward("POST /u HTTP/1.1\r\nHost: h\r\n\r\n")
        XCTAssertTrue(empty.hasSuffix("Content-Length: 0\r\n\r\n"), empty)
        XCTAssertFalse(try forward("GET /u HTTP/1.1\r\nHost: h\r\n\r\n").contains("Content-Length"))
    }

    func testWebSocketUpgradeKeepsUpgradeAndSaysSoInConnection() throws {
        let text = try forward(
            "GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n",
            upgrade: true
        )
        XCTAssertTrue(text.contains("\r\nUpgrade: websocket\r\nSec-WebSocket-Key: k\r\n"), text)
        XCTAssertTrue(text.hasSuffix("X-Request-ID: req-1\r\nConnection: Upgrade\r\n\r\n"), text)
    }

    func testHeaderNamesWithUnderscoresAreDroppedUnlessAllowed() throws {
        let request = try RequestHeadFixture.decode("GET / HTTP/1.1\r\nHost: h\r\nX_Real_IP: 6.6.6.6\r\nX-Ok: 1\r\n\r\n")
        for allowed in [false, true] {
            var out = ByteBuffer()
            ForwardedRequest.writeUpstreamHead(
                request, client: ClientAddressLines(address: "10.0.0.7"), requestID: "r", underscoresInHeaders: allowed,
                into: &out)
            let text = String(buffer: out)
            XCTAssertEqual(text.contains("X_Real_IP: 6.6.6.6\r\n"), allowed, text)
            XCTAssertTrue(text.contains("X-Ok: 1\r\n"), text)
        }
    }
}
