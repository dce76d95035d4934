import NIOConcurrencyHelpers
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
        let received = NIOLockedValueBox<[WebSocketMessage]>([])
        let closeFrame = try await WebSocketClient.connect(url: url, logger: logger) { inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 20).makeAsyncIterator()
            try await outbound.write(.text("hello, orchard"))
            if let message = try await messages.next() { received.withLockedValue { $0.append(message) } }
            try await outbound.write(.binary(ByteBuffer(bytes: [0, 1, 2, 254, 255])))
            if let message = try await messages.next() { received.withLockedValue { $0.append(message) } }
            try await outbound.close(.init(codeNumber: 4001), reason: "bye")
        }
        XCTAssertEqual(
            received.withLockedValue { $0 }, [.text("hello, orchard"), .binary(ByteBuffer(bytes: [0, 1, 2, 254, 255]))])
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
        let echoed = NIOLockedValueBox<ByteBuffer?>(nil)
        let configuration = WebSocketClientConfiguration(maxFrameSize: size)
        try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            try await outbound.write(.binary(payload))
            var messages = inbound.messages(maxSize: size).makeAsyncIterator()
            if case .binary(let bytes) = try await messages.next() { echoed.withLockedValue { $0 = bytes } }
        }
        XCTAssertEqual(echoed.withLockedValue { $0 }, payload)
    }

    func testPingsAreAnsweredWithPongsCarryingTheirPayload() throws {
        // Frame by frame, without timing: three pings (one with the largest control payload, 125 bytes), then a
        // close. Each ping must come back as one pong with the same payload, in order, before the close's echo.
        let payloads: [[UInt8]] = [Array("a".utf8), Array("second ping".utf8), (0..<125).map { UInt8($0) }]
        var bytes = Array(
            ("GET /api/ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n").utf8)
        for payload in payloads { bytes += Self.maskedFrame(opcode: 0x9, payload) }
        bytes += Self.maskedFrame(opcode: 0x8, [0x0F, 0xA4])  // close, 4004
        let port = service.port
        let answer = try RawHTTPClient.exchange(port: port, bytes: bytes)
        let received = try XCTUnwrap(answer, "the replica must close the connection after the close handshake")
        let headEnd = try XCTUnwrap(received.indices.first { received[$0...].starts(with: [13, 10, 13, 10]) })
        XCTAssertTrue(String(decoding: received[..<headEnd], as: UTF8.self).hasPrefix("HTTP/1.1 101 "))
        let frames = try Self.frames(Array(received[(headEnd + 4)...]))
        XCTAssertEqual(frames.map(\.opcode), [0xA, 0xA, 0xA, 0x8], "three pongs, then the close")
        XCTAssertEqual(frames.prefix(3).map(\.payload), payloads)
    }

    func testAutoPingingClientStaysConnected() async throws {
        // A real client that pings on its own and gives up (close code 1001) when a pong has not arrived by the
        // next ping. The period leaves a busy machine time to answer: at 50 ms a pong delayed by load alone closed
        // the connection mid-test. Kept open past three periods, so at least two pongs were awaited and arrived.
        let period = Duration.milliseconds(300)
        let configuration = WebSocketClientConfiguration(autoPing: .enabled(timePeriod: period))
        let echoes = NIOLockedValueBox(0)
        let closeFrame = try await WebSocketClient.connect(url: url, configuration: configuration, logger: logger) {
            inbound, outbound, _ in
            var messages = inbound.messages(maxSize: 1 << 16).makeAsyncIterator()
            let until = ContinuousClock.now + period * 3 + .milliseconds(100)
            var round = 0
            while ContinuousClock.now < until, round < 1000 {
                do {
                    try await outbound.write(.text("round \(round)"))
                } catch {
                    // The client closed the connection itself: a ping went unanswered (reported below).
                    return
                }
                guard case .text("round \(round)") = try await messages.next() else { return }
                echoes.withLockedValue { $0 += 1 }
                round += 1
                try await Task.sleep(for: .milliseconds(50))
            }
            try await outbound.close(.init(codeNumber: 4002), reason: nil)
        }
        XCTAssertEqual(
            closeFrame?.closeCode, .init(codeNumber: 4002),
            "1001 means the client found a ping unanswered after \(period)")
        XCTAssertGreaterThan(echoes.withLockedValue { $0 }, 3)
    }

    /// A client frame (masked, FIN set) with `opcode` and `payload` (< 126 bytes).
    private static func maskedFrame(opcode: UInt8, _ payload: [UInt8]) -> [UInt8] {
        let mask: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]
        return [0x80 | opcode, 0x80 | UInt8(payload.count)] + mask
            + payload.enumerated().map { $0.element ^ mask[$0.offset % 4] }
    }

    /// Server frames (unmasked, payloads < 126 bytes) in `bytes`.
    private static func frames(_ bytes: [UInt8]) throws -> [(opcode: UInt8, payload: [UInt8])] {
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        var index = 0
        while index + 2 <= bytes.count {
            let length = Int(bytes[index + 1] & 0x7F)
            guard bytes[index + 1] & 0x80 == 0, length < 126, index + 2 + length <= bytes.count else {
                throw TestFailure("unexpected frame at byte \(index) of \(bytes)")
            }
            frames.append((bytes[index] & 0x0F, Array(bytes[(index + 2)..<(index + 2 + length)])))
            index += 2 + length
        }
        return frames
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
