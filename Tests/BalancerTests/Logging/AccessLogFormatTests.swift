import NIOCore
import XCTest

@testable import Balancer

/// Both access-log formats byte for byte: every field present, every optional one absent, and a line for bytes
/// that never made a request head. Log shippers parse these lines, so a changed byte is a changed contract.
final class AccessLogFormatTests: XCTestCase {
    private let full = AccessLogEntry(
        clientAddress: "192.0.2.1",
        request: AccessLogEntry.RequestLine(method: "GET", uri: "/a?q=\"x\"", version: "HTTP/1.1"),
        status: 200,
        bodyBytesSent: 1234,
        referer: "https://example.com/",
        userAgent: "curl/8.5.0\u{1}",
        upstream: AccessLogEntry.Upstream(address: "10.0.0.5:8000", status: 200),
        requestTimeMicros: 3_456,
        requestID: "00ab"
    )

    private var bare: AccessLogEntry {
        var entry = full
        entry.referer = nil
        entry.userAgent = nil
        entry.upstream = nil
        entry.requestTimeMicros = 12_345_678
        return entry
    }

    private var headless: AccessLogEntry {
        var entry = bare
        entry.request = nil
        entry.status = 400
        return entry
    }

    private func combined(_ entry: AccessLogEntry) -> String {
        var buffer = ByteBuffer()
        entry.writeCombined(into: &buffer, localTime: "01/Dec/2026:00:00:00 +0000")
        return String(buffer: buffer)
    }

    private func json(_ entry: AccessLogEntry) -> String {
        var buffer = ByteBuffer()
        entry.writeJSON(into: &buffer, isoTime: "2026-12-01T00:00:00.000Z")
        return String(buffer: buffer)
    }

    func testCombined() {
        XCTAssertEqual(
            combined(full),
            #"192.0.2.1 - - [01/Dec/2026:00:00:00 +0000] "GET /a?q=\x22x\x22 HTTP/1.1" 200 1234 "https://example.com/" "#
                + #""curl/8.5.0\x01" upstream=10.0.0.5:8000 upstream_status=200 request_time=0.003 request_id=00ab"#
                + "\n")
        XCTAssertEqual(
            combined(bare),
            #"192.0.2.1 - - [01/Dec/2026:00:00:00 +0000] "GET /a?q=\x22x\x22 HTTP/1.1" 200 1234 "-" "-" "#
                + #"upstream=- upstream_status=- request_time=12.345 request_id=00ab"# + "\n")
        XCTAssertEqual(
            combined(headless),
            #"192.0.2.1 - - [01/Dec/2026:00:00:00 +0000] "-" 400 1234 "-" "-" "#
                + #"upstream=- upstream_status=- request_time=12.345 request_id=00ab"# + "\n")
    }

    /// A server was chosen but gave no response head (refused, reset, timed out): its address without a status.
    func testUpstreamWithoutAnswer() {
        var entry = full
        entry.upstream?.status = nil
        entry.status = 502
        XCTAssertEqual(
            combined(entry),
            #"192.0.2.1 - - [01/Dec/2026:00:00:00 +0000] "GET /a?q=\x22x\x22 HTTP/1.1" 502 1234 "https://example.com/" "#
                + #""curl/8.5.0\x01" upstream=10.0.0.5:8000 upstream_status=- request_time=0.003 request_id=00ab"#
                + "\n")
        XCTAssertTrue(
            json(entry).contains(#""upstream_addr":"10.0.0.5:8000","upstream_status":null,"#), json(entry))
    }

    func testJSON() {
        XCTAssertEqual(
            json(full),
            #"{"time":"2026-12-01T00:00:00.000Z","remote_addr":"192.0.2.1","method":"GET","uri":"/a?q=\x22x\x22","#
                + #""protocol":"HTTP/1.1","status":200,"body_bytes_sent":1234,"referer":"https://example.com/","#
                + #""user_agent":"curl/8.5.0\x01","upstream_addr":"10.0.0.5:8000","upstream_status":200,"#
                + #""request_time":0.003,"request_id":"00ab"}"# + "\n")
        XCTAssertEqual(
            json(bare),
            #"{"time":"2026-12-01T00:00:00.000Z","remote_addr":"192.0.2.1","method":"GET","uri":"/a?q=\x22x\x22","#
                + #""protocol":"HTTP/1.1","status":200,"body_bytes_sent":1234,"referer":"","user_agent":"","#
                + #""upstream_addr":null,"upstream_status":null,"request_time":12.345,"request_id":"00ab"}"# + "\n")
        XCTAssertEqual(
            json(headless),
            #"{"time":"2026-12-01T00:00:00.000Z","remote_addr":"192.0.2.1","method":"-","uri":"-","protocol":"-","#
                + #""status":400,"body_bytes_sent":1234,"referer":"","user_agent":"","upstream_addr":null,"#
                + #""upstream_status":null,"request_time":12.345,"request_id":"00ab"}"# + "\n")
    }
}
