import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The one buffer a request body is kept in: held parts wait for a connection, sent parts are kept for a replay
/// while the body fits `limit`, and nothing is kept twice.
final class RequestBodyBufferTests: XCTestCase {
    private func part(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    func testHeldPartsGoOutOnceAttachedAndStayForAReplay() {
        var buffer = RequestBodyBuffer(limit: 10)
        buffer.hold(part("abc"))
        buffer.hold(part("de"))
        XCTAssertEqual(buffer.unsentBytes, 5)
        XCTAssertEqual(Array(buffer.takeUnsent()), [part("abc"), part("de")])
        XCTAssertEqual(buffer.unsentBytes, 0)
        XCTAssertTrue(buffer.takeUnsent().isEmpty, "nothing goes out twice on the same connection")
        buffer.sent(part("f"))
        XCTAssertTrue(buffer.isReplayable)
        buffer.rewind()
        XCTAssertEqual(Array(buffer.takeUnsent()), [part("abc"), part("de"), part("f")], "a retry sends it all, in order")
    }

    func testPartsSentPastTheLimitAreLetGo() {
        var buffer = RequestBodyBuffer(limit: 4)
        buffer.sent(part("abc"))
        XCTAssertTrue(buffer.isReplayable)
        buffer.sent(part("de"))
        XCTAssertFalse(buffer.isReplayable)
        XCTAssertTrue(buffer.parts.isEmpty, "sent parts are not kept once a replay is impossible")
    }

    func testExactlyTheLimitStaysReplayable() {
        var buffer = RequestBodyBuffer(limit: 4)
        buffer.hold(part("ab"))
        buffer.hold(part("cd"))
        _ = buffer.takeUnsent()
        XCTAssertTrue(buffer.isReplayable)
        buffer.sent(part("e"))
        XCTAssertFalse(buffer.isReplayable, "one byte past the limit")
    }

    func testHeldPartsAreKeptWhateverTheLimit() {
        // Before any connection, every part read is still here: a connect failure can go to the next server.
        var buffer = RequestBodyBuffer(limit: 2)
        buffer.hold(part("abcdef"))
        XCTAssertTrue(buffer.isReplayable)
        XCTAssertEqual(buffer.unsentBytes, 6)
        XCTAssertEqual(Array(buffer.takeUnsent()), [part("abcdef")])
        XCTAssertFalse(buffer.isReplayable, "once sent, a body past the limit is not kept")
    }
}
