import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The client connection handler on an `EmbeddedChannel`: bytes in, bytes out, no sockets. Requests here match no
/// route, so the balancer answers them itself and no upstream connection is involved.
final class ClientConnectionHandlerTests: XCTestCase {
    private static let config = """
        listen: 127.0.0.1:8080
        access_log: off
        response_headers:
          X-Frame-Options: SAMEORIGIN
        upstreams:
          backend:
            servers: [127.0.0.1:8001]
        routes:
          - prefix: /api/
            upstream: backend
        """

    private func makeChannel() throws -> (EmbeddedChannel, ClientConnectionHandler) {
        let channel = EmbeddedChannel()
        let handler = ClientConnectionHandler(loop: try LoopContext.embedded(on: channel, yaml: Self.config))
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return (channel, handler)
    }

    private func readAll(_ channel: EmbeddedChannel) throws -> String {
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        return text
    }

    func testUnroutedRequestGets404WithConfiguredHeadersAndKeepsTheConnection() throws {
        let (channel, _) = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /nothing HTTP/1.1\r\nHost: example.test\r\n\r\n"))
        let response = try readAll(channel)
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 404 Not Found\r\n"), response)
        XCTAssertTrue(response.contains("\r\nX-Frame-Options: SAMEORIGIN\r\n"), response)
        XCTAssertTrue(response.contains("\r\nX-Request-ID: "), response)
        XCTAssertTrue(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let (channel, _) = try makeChannel()
        let two =
            "GET /a HTTP/1.1\r\nHost: h\r\nX-Request-ID: first\r\n\r\n"
            + "GET /b HTTP/1.1\r\nHost: h\r\nX-Request-ID: second\r\n\r\n"
        try channel.writeInbound(ByteBuffer(string: two))
        let response = try readAll(channel)
        let first = try XCTUnwrap(response.range(of: "X-Request-ID: first"))
        let second = try XCTUnwrap(response.range(of: "X-Request-ID: second"))
        XCTAssertLessThan(first.lowerBound, second.lowerBound)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// RFC 9110 §9.3.2: the balancer's own answer to HEAD is the head GET gets, Content-Length included, and no
    /// body, which a keep-alive client would otherwise read as the start of its next response.
    func testOwnAnswerToHeadHasTheLengthOfTheBodyItLeavesOut() throws {
        let (channel, _) = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GET /nothing HTTP/1.1\r\nHost: h\r\nX-Request-ID: same\r\n\r\n"))
        let get = try readAll(channel)
        try channel.writeInbound(ByteBuffer(string: "HEAD /nothing HTTP/1.1\r\nHost: h\r\nX-Request-ID: same\r\n\r\n"))
        let head = try readAll(channel)
        let getParts = get.components(separatedBy: "\r\n\r\n")
        XCTAssertEqual(getParts.count, 2, get)
        XCTAssertTrue(getParts[1].contains("\"status\":404"), get)
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 404 Not Found\r\n"), head)
        XCTAssertTrue(head.hasSuffix("\r\n\r\n"), "no body after the head: \(head)")
        XCTAssertTrue(head.contains("\r\nContent-Length: \(getParts[1].utf8.count)\r\n"), head)
        XCTAssertTrue(channel.isActive)
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// A malformed request line after a HEAD has no method of its own: its 400 carries the body, whatever the
    /// request before it was.
    func testMalformedRequestAfterAHeadGetsItsBody() throws {
        let (channel, _) = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "HEAD /nothing HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertTrue(try readAll(channel).hasSuffix("\r\n\r\n"))
        try channel.writeInbound(ByteBuffer(string: "BAD REQUEST LINE\r\n\r\n"))
        let malformed = try readAll(channel)
        XCTAssertTrue(malformed.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), malformed)
        XCTAssertTrue(malformed.contains("\r\nConnection: close\r\n"), malformed)
        XCTAssertTrue(malformed.contains("\"status\":400"), "the body is sent: \(malformed)")
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    /// A closed connection must leave nothing behind: the handler, its context and its buffers are freed. (The
    /// context holds the handler and the handler held the context, so every connection used to stay in memory.)
    func testHandlerIsFreedOnceTheConnectionCloses() throws {
        weak var freed: ClientConnectionHandler?
        do {
            let (channel, handler) = try makeChannel()
            freed = handler
            try channel.writeInbound(ByteBuffer(string: "GET /nothing HTTP/1.0\r\n\r\n"))
            XCTAssertTrue(try readAll(channel).hasPrefix("HTTP/1.0 404"))
            _ = try channel.finish(acceptAlreadyClosed: true)
        }
        XCTAssertNil(freed, "the client connection handler outlived its connection")
    }
}
