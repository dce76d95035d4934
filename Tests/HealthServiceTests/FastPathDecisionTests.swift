import XCTest

@testable import HealthService

/// Which raw requests the fast path answers, and what it decides about their connections; pure logic, no channel.
final class FastPathDecisionTests: XCTestCase {
    private func decide(_ text: String) -> FastPathDecision {
        FastPathRequest.decide(Array(text.utf8))
    }

    private func request(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> FastPathRequest? {
        guard case .answer(let request) = decide(text) else {
            XCTFail("expected an answer for \(text.debugDescription), got \(decide(text))", file: file, line: line)
            return nil
        }
        return request
    }

    func testHealthOverHTTP11StaysOpen() throws {
        let text = "GET /health HTTP/1.1\r\nHost: 127.0.0.1:8000\r\nUser-Agent: probe\r\nAccept: */*\r\n\r\n"
        let answered = try XCTUnwrap(request(text))
        XCTAssertEqual(answered.route, .health)
        XCTAssertFalse(answered.closesConnection)
        XCTAssertEqual(answered.connectionHeader, .none)
        XCTAssertEqual(answered.headLength, text.utf8.count)
    }

    func testHTTP11ConnectionClose() throws {
        let answered = try XCTUnwrap(request("GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
        XCTAssertTrue(answered.closesConnection)
        XCTAssertEqual(answered.connectionHeader, .none, "Hummingbird adds no connection header for HTTP/1.1")
        let keepAlive = try XCTUnwrap(request("GET /health HTTP/1.1\r\nconnection:keep-alive \r\n\r\n"))
        XCTAssertFalse(keepAlive.closesConnection)
        XCTAssertEqual(keepAlive.connectionHeader, .none)
    }

    func testHTTP10ClosesUnlessKeepAliveAndSaysSo() throws {
        // ApacheBench without -k sends exactly this.
        let ab = "GET /health HTTP/1.0\r\nHost: 127.0.0.1:28001\r\nUser-Agent: ApacheBench/2.3\r\nAccept: */*\r\n\r\n"
        let closing = try XCTUnwrap(request(ab))
        XCTAssertTrue(closing.closesConnection)
        XCTAssertEqual(closing.connectionHeader, .close)
        let keepAlive = try XCTUnwrap(request("GET /health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"))
        XCTAssertFalse(keepAlive.closesConnection)
        XCTAssertEqual(keepAlive.connectionHeader, .keepAlive)
        let upperClose = try XCTUnwrap(request("GET /health HTTP/1.1\r\nConnection: Close\r\n\r\n"))
        XCTAssertTrue(upperClose.closesConnection)
        // ApacheBench -k: the option in another case means the same.
        let abKeepAlive = try XCTUnwrap(request("GET /health HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        XCTAssertFalse(abKeepAlive.closesConnection)
        XCTAssertEqual(abKeepAlive.connectionHeader, .keepAlive)
        let explicitClose = try XCTUnwrap(request("GET /health HTTP/1.0\r\nConnection: close\r\n\r\n"))
        XCTAssertTrue(explicitClose.closesConnection)
        XCTAssertEqual(explicitClose.connectionHeader, .close)
    }

    func testInstanceAndQueryStrings() throws {
        XCTAssertEqual(try XCTUnwrap(request("GET /api/instance HTTP/1.1\r\n\r\n")).route, .instance)
        XCTAssertEqual(try XCTUnwrap(request("GET /health?x=1&y=%20a HTTP/1.1\r\n\r\n")).route, .health)
        XCTAssertEqual(try XCTUnwrap(request("GET /health? HTTP/1.1\r\n\r\n")).route, .health)
    }

    func testEverythingElseGoesToHummingbird() {
        let handedOver = [
            "HEAD /health HTTP/1.1\r\n\r\n",
            "POST /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "get /health HTTP/1.1\r\n\r\n",
            "GET /health/ HTTP/1.1\r\n\r\n",
            "GET /healthz HTTP/1.1\r\n\r\n",
            "GET /health/ready HTTP/1.1\r\n\r\n",
            "GET /api/instances HTTP/1.1\r\n\r\n",
            "GET /api/echo HTTP/1.1\r\n\r\n",
            "GET http://x/health HTTP/1.1\r\n\r\n",
            "GET /health#frag HTTP/1.1\r\n\r\n",
            "GET /health?a=<b> HTTP/1.1\r\n\r\n",
            "GET  /health HTTP/1.1\r\n\r\n",
            "GET /health HTTP/2.0\r\n\r\n",
            "GET /health HTTP/1.2\r\n\r\n",
            "GET /health HTTP/1.1 \r\n\r\n",
            "\r\nGET /health HTTP/1.1\r\n\r\n",
            "GET /health HTTP/1.1\n\n",
            "GET /health HTTP/1.1\r\nHost: x\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\r\n\r\n",
            "GET /health HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
            "GET /health HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "GET /health HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            "GET /health HTTP/1.1\r\nExpect: 100-continue\r\n\r\n",
            "GET /health HTTP/1.1\r\nConnection: close, te\r\n\r\n",
            "GET /health HTTP/1.1\r\nConnection: close\r\nConnection: close\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n",
            "GET /health HTTP/1.1\r\nHost x\r\n\r\n",
            "GET /health HTTP/1.1\r\n: empty-name\r\n\r\n",
            "GET /health HTTP/1.1\r\nBad Name: x\r\n\r\n",
            "GET /health HTTP/1.1\r\nX-Ctl: a\u{7}b\r\n\r\n",
            "GET /health HTTP/1.1\r\nX-Text: caf\u{e9}\r\n\r\n",
            "PROPFIND / HTTP/1.1\r\n",
            "POST /api/upload HTTP/1.1\r\nContent-Le",
            "G\r",
        ]
        for text in handedOver {
            XCTAssertEqual(decide(text), .handOver, text.debugDescription)
        }
    }

    func testIncompleteHeadsWaitForMoreBytes() {
        let whole = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        for count in 1..<whole.utf8.count {
            let prefix = String(decoding: whole.utf8.prefix(count), as: UTF8.self)
            XCTAssertEqual(decide(prefix), .needMoreBytes, prefix.debugDescription)
        }
        XCTAssertEqual(decide("GET /api/inst"), .needMoreBytes)
        XCTAssertEqual(decide("GET /api/e"), .handOver, "cannot become a fast-path request any more")
    }

    func testOversizedHeadsGoToHummingbird() {
        let header = "X-Filler: " + String(repeating: "a", count: 200) + "\r\n"
        let long = "GET /health HTTP/1.1\r\n" + String(repeating: header, count: 25)
        XCTAssertEqual(decide(long), .handOver, "longer than the head limit without an end")
        let many = "GET /health HTTP/1.1\r\n" + String(repeating: "X-A: b\r\n", count: 40) + "\r\n"
        XCTAssertEqual(decide(many), .handOver, "more header lines than the limit")
        let longQuery = "GET /health?" + String(repeating: "q", count: FastPathRequest.maximumHeadBytes)
        XCTAssertEqual(decide(longQuery), .handOver)
    }

    func testOnlyTheFirstOfPipelinedRequestsIsDecided() throws {
        let first = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
        let answered = try XCTUnwrap(request(first + "POST /api/upload HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"))
        XCTAssertEqual(answered.headLength, first.utf8.count)
    }
}
