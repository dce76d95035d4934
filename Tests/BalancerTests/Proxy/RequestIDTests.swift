import NIOCore
import XCTest

@testable import BalancerCore

/// Request ids as they are written into heads and log lines: made ones as 32 lower-case hex digits, given ones as
/// the client sent them, none as nothing.
final class RequestIDTests: XCTestCase {
    private func written(_ id: RequestID) -> String {
        var buffer = ByteBuffer()
        id.write(into: &buffer)
        return String(buffer: buffer)
    }

    func testAMadeIDIsThePrefixThenTheCounterAs32HexDigits() {
        let id = RequestID.made(prefix: 0x0123_4567_89ab_cdef, counter: 0x2a)
        XCTAssertEqual(written(id), "0123456789abcdef000000000000002a")
        XCTAssertEqual(id.description, "0123456789abcdef000000000000002a")
        XCTAssertEqual(id.byteCount, 32)
        XCTAssertFalse(id.isEmpty)
    }

    func testTheLargestNumbersKeepTheirWidth() {
        let id = RequestID.made(prefix: .max, counter: .max)
        XCTAssertEqual(written(id), String(repeating: "f", count: 32))
        XCTAssertEqual(written(.made(prefix: 0, counter: 0)), String(repeating: "0", count: 32))
    }

    func testAGivenIDIsWrittenAsReceived() {
        let id = RequestID("client-7f3a")
        XCTAssertEqual(written(id), "client-7f3a")
        XCTAssertEqual(id.description, "client-7f3a")
        XCTAssertEqual(id.byteCount, 11)
    }

    func testNoIDWritesNothing() {
        XCTAssertTrue(RequestID.none.isEmpty)
        XCTAssertTrue(RequestID("").isEmpty)
        XCTAssertEqual(written(.none), "")
        XCTAssertEqual(RequestID.none.byteCount, 0)
    }

    func testWritingAppendsToWhatTheBufferHolds() {
        var buffer = ByteBuffer(string: "X-Request-ID: ")
        RequestID.made(prefix: 1, counter: 2).write(into: &buffer)
        buffer.writeString("\r\n")
        XCTAssertEqual(String(buffer: buffer), "X-Request-ID: 00000000000000010000000000000002\r\n")
    }
}
