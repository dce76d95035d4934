import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer

/// What an access-log line says about the request it answers: the request line it got, or `"-"` when the answer
/// went to bytes that never made a request head (the previous request on the connection must not be named).
final class AccessLogEntryTests: XCTestCase {
    private func combined(_ record: RequestRecord) -> String {
        var buffer = ByteBuffer()
        record.accessLogEntry(clientAddress: "192.0.2.1", now: .now())
            .writeCombined(into: &buffer, localTime: "01/Dec/2026:00:00:00 +0000")
        return buffer.readString(length: buffer.readableBytes) ?? ""
    }

    func testARequestInProgressIsNamedByItsRequestLine() {
        var record = RequestRecord()
        record.begin(HTTPRequestHead(version: .http1_0, method: .POST, uri: "/api/x?a=1"), at: .now())
        record.status = 201
        XCTAssertTrue(combined(record).contains("] \"POST /api/x?a=1 HTTP/1.0\" 201 "), combined(record))
    }

    func testAnAnswerWithoutAHeadNamesNoRequest() {
        var record = RequestRecord()
        record.begin(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/previous"), at: .now())
        record.headInProgress = false  // the previous request was logged; then a malformed one got a 400
        record.release()
        record.status = 400
        let line = combined(record)
        XCTAssertTrue(line.contains("] \"-\" 400 "), line)
        XCTAssertFalse(line.contains("/previous"), line)
    }

    func testReleasingTheRecordKeepsNoHeadOfTheLastRequest() {
        var record = RequestRecord()
        record.begin(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/long/path"), at: .now())
        record.forwardedHead = ByteBuffer(string: "GET /long/path HTTP/1.1\r\n\r\n")
        record.release()
        XCTAssertEqual(record.head.uri, "/")
        XCTAssertEqual(record.forwardedHead.readableBytes, 0)
    }
}
