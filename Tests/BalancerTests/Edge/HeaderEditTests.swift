import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// `request_headers` edits and the TLS forwarding lines in the head sent upstream: bytes in, bytes out.
final class HeaderEditTests: XCTestCase {
    private func forward(_ text: String, edits: RequestHeaderEdits? = nil, client: ClientAddressLines) throws
        -> String
    {
        let request = try RequestHeadFixture.decode(text)
        var out = ByteBuffer()
        ForwardedRequest.writeUpstreamHead(
            request, client: client, requestID: "req-1", edits: edits.map(RequestHeaderRewrite.init), into: &out)
        return String(buffer: out)
    }

    func testSetReplacesRemoveDropsAndTheClientsHostStaysInXForwardedHost() throws {
        let edits = RequestHeaderEdits(
            set: [HeaderField(name: "Host", value: "api.internal"), HeaderField(name: "X-Env", value: "prod")],
            remove: ["x-debug"])
        let text = try forward(
            "POST /x HTTP/1.1\r\nhost: shop.test\r\nX-DEBUG: 1\r\nx-env: spoofed\r\nAccept: */*\r\n"
                + "Content-Length: 2\r\n\r\n",
            edits: edits, client: ClientAddressLines(address: "10.0.0.7", scheme: "https", port: 443))
        XCTAssertEqual(
            text,
            "POST /x HTTP/1.1\r\nAccept: */*\r\n"
                + "X-Forwarded-For: 10.0.0.7\r\nX-Real-IP: 10.0.0.7\r\nX-Forwarded-Proto: https\r\n"
                + "X-Forwarded-Port: 443\r\nX-Forwarded-Host: shop.test\r\nX-Request-ID: req-1\r\n"
                + "Host: api.internal\r\nX-Env: prod\r\nContent-Length: 2\r\n\r\n")
    }

    func testAClientsOwnForwardedPortAndProtoNeverCross() throws {
        let text = try forward(
            "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-Port: 1\r\nX-Forwarded-Proto: https\r\n\r\n",
            client: ClientAddressLines(address: "10.0.0.7", scheme: "http", port: 8080))
        XCTAssertEqual(
            text,
            "GET / HTTP/1.1\r\nHost: h\r\nX-Forwarded-For: 10.0.0.7\r\nX-Real-IP: 10.0.0.7\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Port: 8080\r\nX-Forwarded-Host: h\r\n"
                + "X-Request-ID: req-1\r\n\r\n")
    }

    func testAnEditCannotReachTheFramingTheBalancerWrites() throws {
        // Even an edit built past the reader (which refuses these names) cannot drop or add framing lines: the
        // framing headers never reach the edit, and the framing line is written after the edits.
        let edits = RequestHeaderEdits(set: [], remove: ["content-length"])
        let text = try forward(
            "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\n", edits: edits,
            client: ClientAddressLines(address: "1.1.1.1"))
        XCTAssertTrue(text.hasSuffix("X-Request-ID: req-1\r\nContent-Length: 3\r\n\r\n"), text)
    }
}
