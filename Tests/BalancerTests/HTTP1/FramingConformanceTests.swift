import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore
@testable import FramingOracles

/// RFC 9112 §6 as a table: each row is the bytes a peer sends, what the balancer makes of them (the messages it
/// forwards, or the status it refuses them with), and — as a differential check — what NIOHTTP1's decoder (llhttp,
/// no code shared with ours) reads from the same bytes. Where the two disagree the row says why; a row whose
/// explanation no longer applies fails too, so the table stays true.
final class FramingConformanceTests: XCTestCase {
    /// One table row.
    struct Row {
        var name: String
        var bytes: String
        /// Our reading, one entry per message: `METHOD target bodyBytes` (request) or `status bodyBytes`
        /// (response), then `refused N` or `error` if the stream is refused there.
        var expected: [String]
        /// Why llhttp reads the bytes otherwise, when it does (nil: it must agree).
        var differs: String? = nil
    }

    // MARK: - Requests

    static let requestRows: [Row] = [
        Row(name: "GET", bytes: "GET /a?b=c HTTP/1.1\r\nHost: h\r\n\r\n", expected: ["GET /a?b=c 0"]),
        Row(name: "Content-Length body", bytes: "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello",
            expected: ["POST /u 5"]),
        Row(name: "chunked with extension and trailer",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n",
            expected: ["POST /u 5"]),
        Row(name: "pipelined, a body in the middle",
            bytes: "POST /1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\nokGET /2 HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: ["POST /1 2", "GET /2 0"]),
        Row(name: "Connection: Content-Length does not remove the length",
            bytes: "POST /e HTTP/1.1\r\nHost: x\r\nConnection: Content-Length\r\nContent-Length: 4\r\n\r\nGET ",
            expected: ["POST /e 4"]),
        Row(name: "Content-Length and Transfer-Encoding",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            expected: ["refused 400"]),
        Row(name: "two identical Content-Length lines",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nx",
            expected: ["refused 400"]),
        Row(name: "Content-Length list", bytes: "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 1, 1\r\n\r\nx",
            expected: ["refused 400"]),
        Row(name: "signed Content-Length", bytes: "POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: +1\r\n\r\nx",
            expected: ["refused 400"]),
        Row(name: "chunk size with 0x", bytes: "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\na\r\n0\r\n\r\n",
            expected: ["error"]),
        Row(name: "chunk size overflow",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000001\r\na\r\n0\r\n\r\n",
            expected: ["error"]),
        Row(name: "chunk without CRLF after its data",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n0\r\n\r\n",
            expected: ["error"]),
        Row(name: "obs-fold", bytes: "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", expected: ["error"]),
        Row(name: "space before the colon", bytes: "GET / HTTP/1.1\r\nHost : h\r\n\r\n", expected: ["error"]),
        Row(name: "method not a token", bytes: "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", expected: ["error"]),
        Row(name: "lower-case method", bytes: "get / HTTP/1.1\r\nHost: h\r\n\r\n", expected: ["error"]),
        Row(name: "dot segments above the root", bytes: "GET /../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: ["refused 400"], differs: "llhttp does not resolve dot segments; nginx answers 400 as well"),
        Row(name: "two Host lines", bytes: "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp leaves Host to the application; RFC 9112 §3.2 says answer 400"),
        Row(name: "no Host on HTTP/1.1", bytes: "GET / HTTP/1.1\r\nX: y\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp leaves Host to the application; RFC 9112 §3.2 says answer 400"),
        Row(name: "invalid Host", bytes: "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp leaves Host to the application; it would become X-Forwarded-Host"),
        Row(name: "absolute-form naming another host",
            bytes: "GET http://other.test/x HTTP/1.1\r\nHost: shop.test\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp does not compare the target's authority with Host"),
        Row(name: "encoded NUL in the path", bytes: "GET /a%00b HTTP/1.1\r\nHost: h\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp does not decode the target; the balancer routes on the decoded path"),
        Row(name: "Transfer-Encoding on HTTP/1.0",
            bytes: "POST /u HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n", expected: ["refused 400"],
            differs: "llhttp decodes it; RFC 9112 §6.1 calls the framing faulty"),
        Row(name: "coding other than chunked",
            bytes: "POST /u HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
            expected: ["refused 501"],
            differs: "llhttp de-chunks it; the balancer would have to forward a coding it does not decode (nginx: 501)"),
        Row(name: "dot segments are routed normalised", bytes: "GET /api/%2e%2e/x HTTP/1.1\r\nHost: h\r\n\r\n",
            expected: ["GET /api/%2e%2e/x 0"]),
        Row(name: "empty line before the request line (RFC 9112 §2.2)",
            bytes: "\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", expected: ["GET / 0"]),
    ]

    func testRequestRows() throws {
        for row in Self.requestRows {
            let ours = Self.readRequests(row.bytes)
            XCTAssertEqual(ours, row.expected, row.name)
            let theirs = Self.llhttpRequests(row.bytes)
            try check(row, ours: ours, theirs: theirs)
        }
    }

    /// The exact head an upstream receives for the smuggling shape of the security report.
    func testForwardedHeadForConnectionContentLength() throws {
        let request = try RequestHeadFixture.decode(
            "POST /api/echo HTTP/1.1\r\nHost: x\r\nConnection: Content-Length, Host\r\nContent-Length: 44\r\n\r\n")
        var out = ByteBuffer()
        ForwardedRequest.writeUpstreamHead(
            request, client: ClientAddressLines(address: "10.0.0.7"), requestID: "r", into: &out)
        XCTAssertEqual(
            String(buffer: out),
            "POST /api/echo HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 10.0.0.7\r\nX-Real-IP: 10.0.0.7\r\n"
                + "X-Forwarded-Proto: http\r\nX-Forwarded-Host: x\r\nX-Request-ID: r\r\nContent-Length: 44\r\n\r\n")
    }

    func testNormalisedTargetIsForwardedUnlessConfiguredOff() throws {
        let request = try RequestHeadFixture.decode("GET /a/../b//c/%7e?x=/../ HTTP/1.1\r\nHost: h\r\n\r\n")
        for (normalize, target) in [(true, "/b/c/~?x=/../"), (false, "/a/../b//c/%7e?x=/../")] {
            var out = ByteBuffer()
            ForwardedRequest.writeUpstreamHead(
                request, client: ClientAddressLines(address: "10.0.0.7"), requestID: "r", normalizePath: normalize,
                into: &out)
            XCTAssertTrue(String(buffer: out).hasPrefix("GET \(target) HTTP/1.1\r\n"), String(buffer: out))
        }
    }

    // MARK: - Responses

    static let responseRows: [(request: HTTPMethod, row: Row)] = [
        (.GET, Row(name: "Content-Length", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", expected: ["200 2"])),
        (.GET, Row(name: "chunked", bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n",
            expected: ["200 2"])),
        (.GET, Row(name: "until the close", bytes: "HTTP/1.1 200 OK\r\n\r\nabc", expected: ["200 3"])),
        (.GET, Row(name: "no reason phrase", bytes: "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", expected: ["200 0"])),
        (.HEAD, Row(name: "HEAD with a length", bytes: "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n",
            expected: ["200 0"])),
        (.GET, Row(name: "204 and 304 carry no body",
            bytes: "HTTP/1.1 204 No Content\r\n\r\n", expected: ["204 0"])),
        (.GET, Row(name: "Connection: Content-Length", bytes:
            "HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 2\r\n\r\nok", expected: ["200 2"])),
        (.GET, Row(name: "Content-Length with Transfer-Encoding",
            bytes: "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            expected: ["error"])),
        (.GET, Row(name: "Transfer-Encoding: identity with a length",
            bytes: "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nok", expected: ["error"])),
        (.GET, Row(name: "four-digit status", bytes: "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
            expected: ["error"])),
        (.GET, Row(name: "Transfer-Encoding on HTTP/1.0",
            bytes: "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", expected: ["error"],
            differs: "llhttp de-chunks it; RFC 9112 §6.1 calls the framing faulty (502)")),
        (.GET, Row(name: "differing Content-Length copies",
            bytes: "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nok", expected: ["error"])),
        (.GET, Row(name: "100 Continue before the answer",
            bytes: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nk", expected: ["200 1"])),
    ]

    func testResponseRows() throws {
        for (method, row) in Self.responseRows {
            let ours = Self.readResponse(row.bytes, isHead: method == .HEAD)
            XCTAssertEqual(ours, row.expected, row.name)
            let theirs = Self.llhttpResponses(row.bytes, method: method)
            try check(row, ours: ours, theirs: theirs)
        }
    }

    // MARK: - The two readings

    private func check(_ row: Row, ours: [String], theirs: [String], line: UInt = #line) throws {
        // A refusal with a status is an error to llhttp's way of seeing it.
        let comparable = ours.map { $0.hasPrefix("refused") ? "error" : $0 }
        if let reason = row.differs {
            XCTAssertNotEqual(comparable, theirs, "\(row.name): llhttp now agrees, so '\(reason)' is stale")
        } else {
            XCTAssertEqual(comparable, theirs, "\(row.name): llhttp reads these bytes differently")
        }
    }

    /// What the balancer's request decoder reads: each request with its raw target, or where it stops.
    static func readRequests(_ text: String) -> [String] {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
        decoder.feed(ByteBuffer(string: text))
        var read: [String] = []
        var current: (String, Int)?
        do {
            while let event = try decoder.next() {
                switch event {
                case .head(let request):
                    if case .failure(let violation) = request.checked {
                        read.append("refused \(violation.status.code)")
                        return read
                    }
                    let line = request.bytes.getString(at: request.bytes.readerIndex, length: request.requestLine.count)
                    let parts = (line ?? "").split(separator: " ", maxSplits: 1)
                    current = ("\(parts[0]) \(parts.count > 1 ? parts[1] : "")", 0)
                case .body(let part):
                    current?.1 += part.readableBytes
                case .end:
                    if let current { read.append("\(current.0) \(current.1)") }
                    current = nil
                    decoder.resume()
                }
            }
        } catch {
            read.append("error")
        }
        return read
    }

    static func llhttpRequests(_ text: String) -> [String] {
        let parser = IndependentParser<HTTPRequestHead>(HTTPRequestDecoder())
        parser.receive(ByteBuffer(string: text))
        return summary(parser) { "\($0.method.rawValue) \($0.uri)" }
    }

    /// What the balancer's response decoder reads, the connection closing after the bytes.
    static func readResponse(_ text: String, isHead: Bool) -> [String] {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(isHeadRequest: isHead)
        decoder.feed(ByteBuffer(string: text))
        var status = 0
        var bytes = 0
        do {
            while let event = try decoder.next() ?? decoder.connectionClosed() {
                switch event {
                case .head(let head): status = head.status
                case .body(let part): bytes += part.readableBytes
                case .end: return ["\(status) \(bytes)"]
                }
            }
        } catch {
            return ["error"]
        }
        return []
    }

    static func llhttpResponses(_ text: String, method: HTTPMethod) -> [String] {
        let parser = IndependentParser<HTTPResponseHead>(HTTPResponseDecoder())
        parser.announce(.head(HTTPRequestHead(version: .http1_1, method: method, uri: "/")))
        parser.receive(ByteBuffer(string: text))
        parser.close()
        return summary(parser) { "\($0.status.code)" }
    }

    private static func summary<Head>(_ parser: IndependentParser<Head>, _ describe: (Head) -> String) -> [String] {
        var read = parser.messages.filter(\.isComplete).map { "\(describe($0.head)) \($0.body.readableBytes)" }
        if parser.error != nil { read.append("error") }
        return read
    }
}
