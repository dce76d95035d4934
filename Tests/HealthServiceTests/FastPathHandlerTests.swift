import NIOCore
import NIOEmbedded
import Shared
import XCTest

@testable import HealthService

/// `FastPathHandler` on an `EmbeddedChannel`: bytes in, bytes out, and what reaches the handlers behind it.
final class FastPathHandlerTests: XCTestCase {
    /// Stands in for Hummingbird: records every byte and event the fast path passes on.
    final class Recorder: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer

        var received = ByteBuffer()
        var events: [String] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            received.writeBuffer(&bytes)
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            events.append("\(event)")
        }
    }

    private let date = "Sun, 06 Nov 1994 08:49:37 GMT"
    private let timestamp = "1994-11-06T08:49:37.250Z"
    private var channel: EmbeddedChannel!
    private var recorder: Recorder!
    private var installs = 0
    private var accessLog: AccessLogFile!
    private var loop: ReplicaLoop!

    override func setUpWithError() throws {
        let instant = WallClockInstant(seconds: 784_111_777, nanoseconds: 250_000_000)
        let channel = EmbeddedChannel()
        let accessLog = try AccessLogFile()
        let loop = ReplicaLoop(
            eventLoop: channel.embeddedEventLoop,
            writer: accessLog.writer,
            lineFormat: AccessLineFormat(instanceID: "backend-t"),
            clock: { instant }
        )
        let responder = FastPathResponder(
            responses: try XCTUnwrap(
                FastPathResponses(serviceName: "FruitPAK", environment: "test", instanceID: "backend-t")
            ),
            loop: loop
        )
        let recorder = Recorder()
        let handler = FastPathHandler(
            responder: responder,
            installHummingbird: { [unowned self] in
                self.installs += 1
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(recorder)
                }
            }
        )
        try channel.pipeline.syncOperations.addHandler(handler)
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8000)).wait()
        self.channel = channel
        self.recorder = recorder
        self.accessLog = accessLog
        self.loop = loop
    }

    override func tearDown() {
        _ = try? channel?.finish()
        channel = nil
        accessLog?.writer.shutdown()
    }

    /// The access-log lines so far, timestamps replaced by `t`; ends the log.
    private func logged() throws -> [String] {
        loop.stopLogging()
        accessLog.writer.shutdown()
        return try accessLog.lines()
    }

    private func send(_ text: String) throws {
        try channel.writeInbound(ByteBuffer(string: text))
    }

    /// Everything written so far, as text.
    private func written() throws -> String {
        var text = ""
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { text += String(buffer: buffer) }
        return text
    }

    private func healthResponse(connection: String? = nil) -> String {
        let body =
            #"{"environment":"test","instance_id":"backend-t","service":"FruitPAK","status":"ok","#
            + #""timestamp":"\#(timestamp)"}"#
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: \(body.utf8.count)"
            + "\r\nX-Instance-Id: backend-t\r\nDate: \(date)\r\n" + (connection.map { "connection: \($0)\r\n" } ?? "")
            + "\r\n" + body
    }

    private var fastPathIsInstalled: Bool {
        (try? channel.pipeline.syncOperations.handler(type: FastPathHandler.self)) != nil
    }

    func testKeepAliveAnswersEveryRequestAndStaysOpen() throws {
        let request = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        try send(request)
        XCTAssertEqual(try written(), healthResponse())
        try send(request + request)
        XCTAssertEqual(try written(), healthResponse() + healthResponse())
        XCTAssertTrue(channel.isActive)
        XCTAssertEqual(installs, 0, "Hummingbird is never installed for health checks")
        let lines = try logged()
        XCTAssertEqual(lines.count, 3, "one access-log line per request")
        let line = try XCTUnwrap(lines.first)
        XCTAssertTrue(line.hasPrefix("t info access: GET /health 200 "), line)
        XCTAssertTrue(line.hasSuffix("ms instance=backend-t"), line)
        let stamped = try String(contentsOfFile: accessLog.path, encoding: .utf8)
        XCTAssertTrue(stamped.hasPrefix(timestamp + " info access: "), "stamped by the loop's clock: \(stamped)")
    }

    func testRequestSplitAcrossReads() throws {
        for part in ["GET /hea", "lth?probe=1 HTTP/1.1\r", "\nHost: x\r\n", "\r\n"] {
            XCTAssertEqual(try written(), "")
            try send(part)
        }
        XCTAssertEqual(try written(), healthResponse())
        XCTAssertEqual(installs, 0)
    }

    func testConnectionCloseEndsTheConnectionAfterTheResponse() throws {
        try send("GET /health HTTP/1.1\r\nConnection: close\r\n\r\nGET /health HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try written(), healthResponse(), "nothing is answered after a request that said close")
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(installs, 0)
    }

    func testHTTP10ClosesUnlessKeepAlive() throws {
        try send("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try written(), healthResponse(connection: "keep-alive"))
        XCTAssertTrue(channel.isActive)
        try send("GET /health HTTP/1.0\r\nHost: x\r\n\r\n")
        XCTAssertEqual(try written(), healthResponse(connection: "close"))
        XCTAssertFalse(channel.isActive)
    }

    func testPipelinedRequestsKeepTheirOrder() throws {
        let health = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        let echo = "GET /api/echo HTTP/1.1\r\nHost: x\r\n\r\n"
        try send(health + echo + health)
        XCTAssertEqual(try written(), healthResponse(), "only the health check before the echo is answered here")
        XCTAssertEqual(installs, 1)
        XCTAssertEqual(String(buffer: recorder.received), echo + health, "the rest goes to Hummingbird, in order")
        XCTAssertFalse(fastPathIsInstalled, "the fast path leaves once Hummingbird has bytes")
        try send(health)
        XCTAssertEqual(try written(), "")
        XCTAssertEqual(String(buffer: recorder.received), echo + health + health)
    }

    func testOtherRequestsPassThroughUntouched() throws {
        let parts = ["POST /api/upload HTTP/1.1\r\nContent-Length: 5\r\n", "\r\nab", "cde"]
        for part in parts { try send(part) }
        XCTAssertEqual(try written(), "")
        XCTAssertEqual(installs, 1)
        XCTAssertEqual(String(buffer: recorder.received), parts.joined())
        XCTAssertEqual(try logged(), [], "Hummingbird logs what it answers")
    }

    func testBytesBeforeADecisionArePassedOnWhole() throws {
        try send("GET /he")
        XCTAssertEqual(installs, 0, "could still become a health check")
        try send("lp HTTP/1.1\r\n\r\n")
        XCTAssertEqual(try written(), "")
        XCTAssertEqual(String(buffer: recorder.received), "GET /help HTTP/1.1\r\n\r\n")
    }

    func testHalfCloseMidRequestHandsTheRequestToHummingbird() throws {
        try send("GET /health HTTP/1.1\r\nHo")
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(installs, 1)
        XCTAssertEqual(String(buffer: recorder.received), "GET /health HTTP/1.1\r\nHo")
        XCTAssertEqual(recorder.events, ["\(ChannelEvent.inputClosed)"])
    }

    func testHalfCloseBetweenRequestsCloses() throws {
        try send("GET /health HTTP/1.1\r\n\r\n")
        channel.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        XCTAssertEqual(try written(), healthResponse())
        XCTAssertFalse(channel.isActive)
        XCTAssertEqual(installs, 0)
    }

    func testGracefulShutdownClosesIdleConnections() throws {
        try send("GET /api/instance HTTP/1.1\r\n\r\n")
        XCTAssertTrue(try written().hasSuffix(#"{"instance_id":"backend-t"}"#))
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        XCTAssertFalse(channel.isActive)
    }

    func testAfterHandOverEventsReachHummingbird() throws {
        try send("DELETE /api/echo HTTP/1.1\r\n\r\n")
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        XCTAssertTrue(channel.isActive, "Hummingbird decides when a connection with a request in flight closes")
        XCTAssertEqual(recorder.events.count, 1)
    }
}
