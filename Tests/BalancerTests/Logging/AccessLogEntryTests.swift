import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// What an access-log line says about the request it answers: the request line it got, or `"-"` when the answer
/// went to bytes that never made a request head (the previous request on the connection must not be named).
final class AccessLogEntryTests: XCTestCase {
    private func combined(_ record: RequestRecord) -> String {
        var buffer = ByteBuffer()
        var record = record
        var lists = HTTP1FieldListPool()
        record.takeAccessLogEntry(clientAddress: "192.0.2.1", now: .now(), recycling: &lists)
            .writeCombined(into: &buffer, localTime: "01/Dec/2026:00:00:00 +0000")
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    func testARequestInProgressIsNamedByItsRequestLine() throws {
        var record = RequestRecord()
        record.begin(try RequestHeadFixture.decode("POST /api/x?a=1 HTTP/1.0\r\n\r\n"), at: .now())
        record.status = 201
        XCTAssertTrue(combined(record).contains("] \"POST /api/x?a=1 HTTP/1.0\" 201 "), combined(record))
    }

    /// `Referer` and `User-Agent` are read from the received head when the line is written: the first of each, in
    /// any case, as received.
    func testRefererAndUserAgentComeFromTheReceivedHead() throws {
        var record = RequestRecord()
        record.begin(
            try RequestHeadFixture.decode(
                "GET / HTTP/1.1\r\nHost: h\r\nuser-agent:  t/1 (x)  \r\nREFERER: https://a.example/p\r\n"
                    + "Referer: https://b.example/\r\n\r\n"),
            at: .now())
        record.status = 200
        let line = combined(record)
        XCTAssertTrue(line.contains(" \"https://a.example/p\" \"t/1 (x)\""), line)

        var bare = RequestRecord()
        bare.begin(try RequestHeadFixture.decode("GET / HTTP/1.1\r\nHost: h\r\n\r\n"), at: .now())
        bare.status = 200
        XCTAssertTrue(combined(bare).contains(" \"-\" \"-\""), combined(bare))
    }

    func testAnAnswerWithoutAHeadNamesNoRequest() throws {
        var record = RequestRecord()
        let previous = "GET /previous HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\n\r\n"
        record.begin(try RequestHeadFixture.decode(previous), at: .now())
        record.release()  // the previous request was logged; then a malformed one got a 400
        record.status = 400
        let line = combined(record)
        XCTAssertTrue(line.contains("] \"-\" 400 "), line)
        XCTAssertFalse(line.contains("/previous"), line)
        XCTAssertFalse(line.contains("\"u\""), line)
    }

    func testReleasingTheRecordKeepsNoHeadOfTheLastRequest() throws {
        var record = RequestRecord()
        record.begin(try RequestHeadFixture.decode("GET /long/path HTTP/1.1\r\nHost: h\r\n\r\n"), at: .now())
        record.forwardedHead = ByteBuffer(string: "GET /long/path HTTP/1.1\r\n\r\n")
        record.release()
        XCTAssertNil(record.head, "no view of the received bytes, no list of its lines is kept")
        XCTAssertFalse(record.answerOmitsBody)
        XCTAssertEqual(record.version, .http1_1)
        XCTAssertNil(record.forwardedHead, "nor the head sent upstream")
    }

    /// The line's fields take the head out of the record: the request is over once it is logged, and the next
    /// answer on the connection (to bytes that make no head) must not find it.
    func testTakingTheEntryLeavesNoHead() throws {
        var record = RequestRecord()
        record.begin(try RequestHeadFixture.decode("DELETE /x HTTP/1.1\r\nHost: h\r\nUser-Agent: u\r\n\r\n"), at: .now())
        record.status = 204
        var lists = HTTP1FieldListPool()
        let entry = record.takeAccessLogEntry(clientAddress: "192.0.2.1", now: .now(), recycling: &lists)
        XCTAssertEqual(entry.request?.method, "DELETE")
        XCTAssertEqual(entry.request?.uri, "/x")
        XCTAssertEqual(entry.userAgent, "u")
        XCTAssertNil(entry.referer)
        XCTAssertNil(record.head)
        XCTAssertNil(record.takeAccessLogEntry(clientAddress: "192.0.2.1", now: .now(), recycling: &lists).request)
        XCTAssertEqual(lists.count, 1, "the head's list of lines is kept for the next head")
    }
}
