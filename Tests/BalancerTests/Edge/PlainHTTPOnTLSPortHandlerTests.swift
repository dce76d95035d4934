import NIOCore
import NIOEmbedded
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The handler in front of a TLS listener's handshake on an `EmbeddedChannel`: a handshake's bytes pass on as they
/// came and the handler leaves; plain HTTP gets the 400 in plain and nothing reaches the TLS layer.
final class PlainHTTPOnTLSPortHandlerTests: XCTestCase {
    private func makeChannel() throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        let loop = try LoopContext.embedded(on: channel, yaml: """
            listen: 127.0.0.1:8443
            access_log: off
            response_headers: {X-Frame-Options: SAMEORIGIN}
            upstreams: {backend: {servers: [127.0.0.1:8001]}}
            routes: [{prefix: /, upstream: backend}]
            """)
        try channel.pipeline.syncOperations.addHandler(PlainHTTPOnTLSPortHandler(loop: loop))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        return channel
    }

    func testAHandshakePassesOnUnchangedAndTheHandlerLeaves() throws {
        let channel = try makeChannel()
        let hello: [UInt8] = [0x16, 0x03, 0x01, 0x00, 0x05, 0x01]
        try channel.writeInbound(ByteBuffer(bytes: hello))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer(bytes: hello))
        XCTAssertThrowsError(try channel.pipeline.syncOperations.handler(type: PlainHTTPOnTLSPortHandler.self))
        try channel.writeInbound(ByteBuffer(string: "GET "))
        XCTAssertEqual(try channel.readInbound(as: ByteBuffer.self), ByteBuffer(string: "GET "), "no longer looked at")
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }

    func testPlainHTTPInTwoReadsGetsThe400AndNothingPassesOn() throws {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: "GE"))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self))
        try channel.writeInbound(ByteBuffer(string: "T / HTTP/1.1\r\nHost: a.test\r\n\r\n"))
        var written = try XCTUnwrap(try channel.readOutbound(as: ByteBuffer.self))
        let response = written.readString(length: written.readableBytes) ?? ""
        XCTAssertTrue(response.hasPrefix("HTTP/1.1 400 Bad Request\r\n"), response)
        XCTAssertTrue(response.contains("\r\nX-Frame-Options: SAMEORIGIN\r\n"), response)
        XCTAssertTrue(response.contains("\r\nConnection: close\r\n"), response)
        XCTAssertTrue(response.hasSuffix("\r\n\r\n" + TLSPortPreface.plainHTTPAnswer.body), response)
        // What follows (a body, more requests) is dropped: nothing ever reaches the handlers behind.
        try channel.writeInbound(ByteBuffer(string: "GET /again HTTP/1.1\r\n\r\n"))
        XCTAssertNil(try channel.readInbound(as: ByteBuffer.self))
        XCTAssertNil(try channel.readOutbound(as: ByteBuffer.self))
        _ = try channel.finish(acceptAlreadyClosed: true)
    }
}
