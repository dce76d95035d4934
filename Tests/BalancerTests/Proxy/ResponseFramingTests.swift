import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The response side of "framing is written by us, never copied": what the response decoder accepts or refuses
/// (a refusal is a 502 and the connection is not reused), and the framing line the client gets, which comes from
/// the decoder's reading of the body and from nothing the upstream wrote. Pure logic, no channel.
final class ResponseFramingTests: XCTestCase {
    private static let snapshot: ProxySnapshot = {
        let config = ConfigFixture.parse(
            "listen: 127.0.0.1:8080\nupstreams: {web: {servers: [127.0.0.1:3000]}}\nroutes: [{prefix: /, upstream: web}]")
        return ProxySnapshot(config: config!, generation: 1)
    }()

    /// Every event the decoder gives for `text`, as text, or the error it throws.
    private func decode(_ text: String, isHeadRequest: Bool = false, close: Bool = false) -> Result<[String], HTTP1ParseError> {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        decoder.feed(ByteBuffer(string: text))
        var events: [String] = []
        do {
            while let event = try decoder.next() {
                events.append(event.text { "\($0.status)" })
                if case .end = event { break }
            }
            if close, let event = try decoder.connectionClosed() { events.append(event.text { "\($0.status)" }) }
        } catch {
            return .failure(error)
        }
        return .success(events)
    }

    /// The client head written for the response head in `text`.
    private func clientHead(_ text: String, isHeadRequest: Bool = false, clientVersion: HTTPVersion = .http1_1)
        throws -> String
    {
        var decoder = HTTP1ResponseDecoder()
        decoder.expectResponse(isHeadRequest: isHeadRequest)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let head) = try decoder.next() else { throw HTTP1ParseError.truncated }
        var out = ByteBuffer()
        _ = ResponseHeadRewriter.writeClientHead(
            head, clientVersion: clientVersion, clientKeepAlive: true, isHeadRequest: isHeadRequest,
            requestID: "r", cache: nil, uri: "/", snapshot: Self.snapshot, dates: HTTPDateCache(), into: &out)
        return String(buffer: out)
    }

    func testAmbiguousFramingIsRefused() {
        let refused: [(String, HTTP1ParseError)] = [
            ("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .conflictingFraming),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\nContent-Length: 5\r\n\r\nhello", .conflictingFraming),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\nhello", .conflictingFraming),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\n\r\nhello", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nContent-Length: +5\r\n\r\nhello", .invalidContentLength),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", .invalidTransferEncoding),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", .invalidTransferEncoding),
            ("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", .invalidTransferEncoding),
            ("HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .invalidTransferEncoding),
            ("HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 600 OK\r\nContent-Length: 0\r\n\r\n", .invalidStatusLine),
            ("HTTP/1.1 200OK\r\nContent-Length: 0\r\n\r\n", .invalidStatusLine),
            // Even a HEAD answer, which has no body, must not contradict itself.
            ("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", .conflictingFraming),
        ]
        for (text, error) in refused {
            XCTAssertEqual(decode(text), .failure(error), text.debugDescription)
        }
        XCTAssertEqual(decode("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            isHeadRequest: true), .failure(.conflictingFraming))
    }

    func testHeadSizeLimitHoldsWhenTheHeadArrivesInOneRead() {
        let big = "HTTP/1.1 200 OK\r\nX-Big: \(String(repeating: "b", count: 70_000))\r\nContent-Length: 0\r\n\r\n"
        XCTAssertEqual(decode(big), .failure(.headTooLarge))
    }

    func testAcceptedShapes() {
        XCTAssertEqual(decode("HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok"), .success(["head 200", "body ok", "end"]))
        XCTAssertEqual(
            decode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok"),
            .success(["head 200", "body ok", "end"]), "identical copies agree (RFC 9112 §6.3 item 5)")
        XCTAssertEqual(
            decode("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nzz", close: true),
            .success(["head 200", "body zz", "end"]), "a coding other than chunked last: read until the close")
        XCTAssertEqual(
            decode("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"), .success(["head 204", "end"]))
    }

    func testClientFramingComesFromTheDecodedFramingOnly() throws {
        // `Connection: Content-Length` cannot take the length away: it is written from the framing.
        let listed = try clientHead("HTTP/1.1 200 OK\r\nConnection: Content-Length\r\nContent-Length: 5\r\n\r\n")
        XCTAssertTrue(listed.hasSuffix("Content-Length: 5\r\n\r\n"), listed)
        // A coding other than chunked is re-framed as chunked for an HTTP/1.1 client, never passed on.
        let gzip = try clientHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n")
        XCTAssertTrue(gzip.hasSuffix("Transfer-Encoding: chunked\r\n\r\n"), gzip)
        XCTAssertFalse(gzip.contains("gzip"), gzip)
        // HEAD and 304 keep the declared length; 204 has none.
        let head = try clientHead("HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n", isHeadRequest: true)
        XCTAssertTrue(head.hasSuffix("Content-Length: 1234\r\n\r\n"), head)
        let notModified = try clientHead("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n")
        XCTAssertTrue(notModified.hasSuffix("Content-Length: 99\r\n\r\n"), notModified)
        let noContent = try clientHead("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n")
        XCTAssertFalse(noContent.contains("Content-Length"), noContent)
        XCTAssertFalse(noContent.contains("Transfer-Encoding"), noContent)
        // An HTTP/1.0 client reads a chunked body until the close, told so.
        let old = try clientHead("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", clientVersion: .http1_0)
        XCTAssertTrue(old.hasSuffix("Connection: close\r\n\r\n"), old)
        XCTAssertFalse(old.contains("Transfer-Encoding"), old)
    }
}
