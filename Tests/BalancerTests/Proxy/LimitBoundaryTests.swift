import Logging
import NIOCore
import NIOEmbedded
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Every request limit at its exact value and one past it: the exact value passes, one more byte is refused. A
/// limit tested only well inside and well outside survives `>` becoming `>=`; these do not.
/// (`limits.max_connections` at N and N + 1 is in DescriptorLimitTests.)
final class LimitBoundaryTests: XCTestCase {
    private static let cap: Int64 = 1000
    private let policy = ProxyStateMachine.Policy(
        maxBodySize: LimitBoundaryTests.cap, tries: 3, nextUpstream: [.error])

    private func head(_ headers: [(String, String)]) -> HTTPRequestHead {
        HTTPRequestHead(
            version: .http1_1, method: .POST, uri: "/api/x", headers: HTTPHeaders([("Host", "example")] + headers))
    }

    private func bytes(_ n: Int64) -> ByteBuffer { ByteBuffer(repeating: 0x61, count: Int(n)) }

    // MARK: - client_max_body_size, decided by the state machine

    func testContentLengthOfExactlyTheCapIsProxiedWithEveryByte() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head([("Content-Length", "\(Self.cap)")]), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(action, .proxy(framing: .contentLength(Self.cap), continue100: false, upgrade: false, timer: .arm(.seconds(60))))
        XCTAssertEqual(machine.attach(), .sendHead(end: false))
        // The body is counted as it arrives too: the last byte brings the count to the cap, not past it.
        XCTAssertEqual(machine.requestBodyReceived(bytes(Self.cap - 1)), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.requestBodyReceived(bytes(1)), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.requestEndReceived(), .forward)
    }

    func testContentLengthOneOverTheCapIsRefusedBeforeAnyByte() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head([("Content-Length", "\(Self.cap + 1)")]), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(action, .respond(.payloadTooLarge, close: true))
    }

    func testChunkedPartsAddingUpToTheCapAreForwarded() {
        var machine = ProxyStateMachine()
        let action = machine.requestHeadReceived(
            head([("Transfer-Encoding", "chunked")]), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(action, .proxy(framing: .chunked, continue100: false, upgrade: false, timer: .arm(.seconds(60))))
        _ = machine.attach()
        for size: Int64 in [400, 400, 199, 1] {
            XCTAssertEqual(machine.requestBodyReceived(bytes(size)), .forward(bodyTimeout: .seconds(60)), "a part of \(size)")
        }
        XCTAssertEqual(machine.requestEndReceived(), .forward)
    }

    func testChunkedPartsOneByteOverTheCapAreRefused() {
        var machine = ProxyStateMachine()
        let chunked = head([("Transfer-Encoding", "chunked")])
        _ = machine.requestHeadReceived(chunked, policy: policy, unavailableStatus: nil)
        _ = machine.attach()
        XCTAssertEqual(machine.requestBodyReceived(bytes(Self.cap)), .forward(bodyTimeout: .seconds(60)))
        XCTAssertEqual(machine.requestBodyReceived(bytes(1)), .rejectTooLarge)
    }

    func testChunkedPartsHeldBeforeTheUpstreamAttachesCountToo() {
        var exact = ProxyStateMachine()
        _ = exact.requestHeadReceived(head([("Transfer-Encoding", "chunked")]), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(exact.requestBodyReceived(bytes(Self.cap)), .hold(bodyTimeout: .seconds(60)))

        var over = ProxyStateMachine()
        _ = over.requestHeadReceived(head([("Transfer-Encoding", "chunked")]), policy: policy, unavailableStatus: nil)
        XCTAssertEqual(over.requestBodyReceived(bytes(Self.cap)), .hold(bodyTimeout: .seconds(60)))
        XCTAssertEqual(over.requestBodyReceived(bytes(1)), .rejectTooLarge)
    }

    // MARK: - max_header_size, decided by the request decoder (answered by the connection handler)

    /// An unrouted request: the balancer answers 404 itself, so a head within the limit is told apart from one
    /// refused with 431 without any upstream.
    private func answer(toHeadOf size: Int, limit: Int) throws -> (response: String, open: Bool) {
        let yaml = """
            listen: 127.0.0.1:8080
            access_log: off
            limits: {max_header_size: \(limit)}
            upstreams:
              backend:
                servers: [127.0.0.1:8001]
            routes:
              - prefix: /api/
                upstream: backend
            """
        let config = try XCTUnwrap(ConfigFixture.parse(yaml))
        let channel = EmbeddedChannel()
        let loop = LoopContext(
            eventLoop: channel.embeddedEventLoop, snapshot: ProxySnapshot(config: config, generation: 1),
            accessLog: nil, stats: ConnectionStats(), events: UpstreamEventLog(logger: Logger(label: "test")))
        try channel.pipeline.syncOperations.addHandler(ClientConnectionHandler(loop: loop))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 40000)).wait()
        let start = "GET /nothing HTTP/1.1\r\nHost: h\r\nX-Pad: "
        let end = "\r\n\r\n"
        let padding = size - start.utf8.count - end.utf8.count
        let head = start + String(repeating: "p", count: padding) + end
        XCTAssertEqual(head.utf8.count, size)
        try channel.writeInbound(ByteBuffer(string: head))
        var text = ""
        while var buffer = try channel.readOutbound(as: ByteBuffer.self) {
            text += buffer.readString(length: buffer.readableBytes) ?? ""
        }
        let open = channel.isActive
        _ = try channel.finish(acceptAlreadyClosed: true)
        return (text, open)
    }

    func testHeadOfExactlyMaxHeaderSizeIsRead() throws {
        // The size counts the request line, the header lines and the blank line that ends the head.
        let answer = try answer(toHeadOf: 1024, limit: 1024)
        XCTAssertTrue(answer.response.hasPrefix("HTTP/1.1 404 "), answer.response)
        XCTAssertTrue(answer.open)
    }

    func testHeadOneByteOverMaxHeaderSizeIs431AndCloses() throws {
        let answer = try answer(toHeadOf: 1025, limit: 1024)
        XCTAssertTrue(answer.response.hasPrefix("HTTP/1.1 431 "), answer.response)
        XCTAssertFalse(answer.open)
    }

    func testDecoderBoundaryWhenTheHeadArrivesInPieces() throws {
        // The head's end is searched for across reads; the limit applies to the whole head, not to each read.
        for (size, refused) in [(1024, false), (1025, true)] {
            var decoder = HTTP1RequestDecoder(maxHeadSize: 1024)
            let start = "GET / HTTP/1.1\r\nHost: h\r\nX-Pad: "
            // Bytes, not a String: "\r\n" is one Character, so String.prefix would split elsewhere.
            let head = Array((start + String(repeating: "p", count: size - start.utf8.count - 4) + "\r\n\r\n").utf8)
            decoder.feed(ByteBuffer(bytes: head.dropLast(3)))
            XCTAssertNil(try decoder.next(), "\(size): no head yet")
            decoder.feed(ByteBuffer(bytes: head.suffix(3)))
            do {
                let event = try decoder.next()
                XCTAssertFalse(refused, "a head of \(size) bytes was read: \(String(describing: event))")
            } catch {
                XCTAssertTrue(refused, "a head of \(size) bytes was refused: \(error)")
                XCTAssertEqual(error, .headTooLarge)
            }
        }
    }
}
