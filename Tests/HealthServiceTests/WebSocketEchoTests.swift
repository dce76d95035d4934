import HummingbirdWSClient
import Logging
import NIOCore
import NIOWebSocket
import Shared
import XCTest

@testable import HealthService

/// `/api/ws` with a real WebSocket client: text, binary, large messages, ping/pong and close codes.
final class WebSocketEchoTests: XCTestCase {
    private var service: RunningService!
    private let logger = Logger(label: "ws-test", factory: { _ in SwiftLogNoOpLogHandler() })

    override func setUp() async throws {
        service = try await RunningService.start(
            config: try .forTests(instanceID: "backend-ws"), readiness: .scripted())
    }

    override func tearDown() async throws {
        await service?.stop()
    }

    private var url: String { "ws://127.0.0.1:\(service.port)/api/ws" }

    func testTextAndBinaryAreEchoedAndTheCloseCodeComesBack() async throws {
        let received = LockedValue<[WebSocketMessage]>([])
        let closeFrame = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            try await outbound.write(.text("hello, orchard"))
            if let message = try await messages.next() { received.withLock { $0.append(message) } }
            try await outbound.write(.binary(ByteBuffer(bytes: [0, 1, 2, 254, 255])))
            if let message = try await messages.next() { received.withLock { $0.append(message) } }
            try await outbound.close(.init(codeNumber: 4001), reason: "bye")
        }
        XCTAssertEqual(
            received.withLock { $0 }, [.text("hello, orchard"), .binary(ByteBuffer(bytes: [0, 1, 2, 254, 255]))])
        XCTAssertEqual(closeFrame?.closeCode, .init(codeNumber: 4001), "the server echoes the client's close code")
        XCTAssertEqual(closeFrame?.reason, "bye")
    }

    func testStandardCloseCodeIsEchoed() async throws {
        let closeFrame = try await WebSocketClient.connect(url: url, logger: logger) { _, outbound, _ in
            try await outbound.close(.goingAway, reason: nil)
        }
        XCTAssertEqual(closeFrame?.closeCode, .goingAway)
    }

    func testSixteenMebibyteMessageRoundTrips() async throws {
        let size = 16 << 20
        let payload = ByteBuffer(bytes: (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 131) })
        let echoed = LockedValue<ByteBuffer?>(nil)
        let configuration = WebSocketClientConfiguration(maxFrameSize: size)
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            try await outbound.write(.binary(payload))
            var messages = inbound.messages(maxSize: size).makeAsyncIterator()
            if case .binary(let bytes) = try await messages.next() { echoed.withLock { $0 = bytes } }
        }
        XCTAssertEqual(echoed.withLock { $0 }, payload)
    }

    func testPingsAreAnsweredWithPongs() async throws {
        // The client pings every 50 ms and closes the connection with 1001 ("going away") if a pong is missing when
        // the next ping is due. Keeping the connection open across several periods and then closing with our own
        // code proves every ping was answered: otherwise the close code would be the client's 1001.
        let configuration = WebSocketClientConfiguration(autoPing: .enabled(timePeriod: .milliseconds(50)))
        let echoes = LockedValue(0)
        let closeFrame = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            for round in 0..<8 {
                try await Task.sleep(for: .milliseconds(40))
                try await outbound.write(.text("round \(round)"))
                guard case .text("round \(round)") = try await messages.next() else { return }
                echoes.withLock { $0 += 1 }
            }
            try await outbound.close(.init(codeNumber: 4002), reason: nil)
        }
        XCTAssertEqual(echoes.withLock { $0 }, 8)
        XCTAssertEqual(closeFrame?.closeCode, .init(codeNumber: 4002))
    }

    func testCloseSentRightAfterTheHandshakeIsEchoed() async throws {
        // Handshake and close frame in one write: the close reaches the replica while it is still upgrading.
        var bytes = Array(
            ("GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        let payload: [UInt8] = [0x0F, 0xA3] + Array("bye".utf8)  // 4003, "bye"
        bytes += [0x88, 0x80 | UInt8(payload.count)] + mask
        bytes += payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
        let port = service.port
        let answer = try await Task.detached { try RawHTTPClient.exchange(port: port, bytes: bytes) }.value
        let received = try XCTUnwrap(answer, "the replica must close the connection after the close handshake")
        let text = String(decoding: received, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("HTTP/1.1 101 "), text)
        XCTAssertTrue(text.contains("X-Instance-Id: backend-ws\r\n"), text)
        let headEnd = try XCTUnwrap(received.indices.first { received[$0...].starts(with: [13, 10, 13, 10]) })
        let frame = Array(received[(headEnd + 4)...])
        XCTAssertEqual(frame.first, 0x88, "a close frame")
        XCTAssertEqual(Array(frame.dropFirst(2).prefix(2)), [0x0F, 0xA3], "carrying the client's code 4003")
    }

    func testCloseCodeEchoRules() {
        XCTAssertTrue(CloseCodeEchoHandler.isSendable(1001))
        XCTAssertTrue(CloseCodeEchoHandler.isSendable(4999))
        XCTAssertFalse(CloseCodeEchoHandler.isSendable(1005), "reserved for reporting, never on the wire")
        XCTAssertFalse(CloseCodeEchoHandler.isSendable(1006))
        XCTAssertFalse(CloseCodeEchoHandler.isSendable(2000))
        XCTAssertNil(CloseCodeEchoHandler.closeCode(of: ByteBuffer()))
        XCTAssertEqual(CloseCodeEchoHandler.closeCode(of: ByteBuffer(bytes: [0x0F, 0xA1, 0x41])), 4001)
    }
}
