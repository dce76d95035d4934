import XCTest

@testable import Balancer
@testable import BalancerCore

/// `client_max_body_size` over real sockets, at the cap and one byte past it, for both framings: a body of exactly
/// the cap reaches the upstream whole; one more byte is answered 413 and never reaches it.
final class BodySizeLimitTests: XCTestCase {
    private static let cap = 1000
    private var upstream: RecordingUpstream!
    private var balancer: BalancerHarness!

    override func setUp() async throws {
        upstream = try await RecordingUpstream()
        balancer = try await BalancerHarness(
            inFrontOf: [upstream.address], settings: "limits: {client_max_body_size: \(Self.cap)}")
    }

    override func tearDown() async throws {
        await balancer?.shutdown()
        await upstream?.shutdown()
    }

    /// Sends `head` and `body` on a new connection; returns the response as far as the upstream's answer line
    /// (which names the body size it read) or until the balancer closes.
    private func exchange(_ head: String, _ body: String) throws -> String {
        let socket = try RawHTTP(port: balancer.port)
        socket.send(head + body)
        return socket.receive(until: "POST /upload ")
    }

    private func chunked(_ sizes: [Int]) -> String {
        sizes.map { String($0, radix: 16) + "\r\n" + String(repeating: "c", count: $0) + "\r\n" }.joined() + "0\r\n\r\n"
    }

    func testContentLengthBodyOfExactlyTheCapIsForwarded() throws {
        let body = String(repeating: "b", count: Self.cap)
        let answer = try exchange("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(Self.cap)\r\n\r\n", body)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
        XCTAssertTrue(answer.contains("POST /upload \(Self.cap)"), answer)
        XCTAssertEqual(upstream.requests.map(\.body.utf8.count), [Self.cap])
    }

    func testContentLengthBodyOneOverTheCapIs413() throws {
        let body = String(repeating: "b", count: Self.cap + 1)
        let answer = try exchange("POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: \(Self.cap + 1)\r\n\r\n", body)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 413"), answer)
        XCTAssertEqual(upstream.requests, [], "nothing of a refused request reaches the upstream")
    }

    func testChunkedPartsAddingUpToTheCapAreForwarded() throws {
        let answer = try exchange(
            "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", chunked([400, 400, 200]))
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 200"), answer)
        XCTAssertTrue(answer.contains("POST /upload \(Self.cap)"), answer)
        XCTAssertEqual(upstream.requests.map(\.body.utf8.count), [Self.cap])
    }

    func testChunkedPartsOneByteOverTheCapAre413() throws {
        let answer = try exchange(
            "POST /upload HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n", chunked([400, 400, 201]))
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 413"), answer)
        // The parts below the cap may already have gone upstream, but the request never completes there.
        XCTAssertEqual(upstream.requests, [], "the upstream never sees a whole request")
    }
}
