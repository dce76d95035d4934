import NIOCore
import XCTest

@testable import Balancer
@testable import BalancerCore

/// The request decoder fed bytes the way a connection receives them: in pieces, several requests per read, and
/// one request per read on a kept-alive connection.
final class HTTP1RequestDecoderTests: XCTestCase {
    private func drain(_ decoder: inout HTTP1RequestDecoder) throws -> [String] {
        var events: [String] = []
        for _ in 0..<20 {
            guard let event = try decoder.next() else { break }
            events.append(event.text { "\($0.method.rawValue) \($0.uri)" })
        }
        return events
    }

    func testKeptAliveConnectionDecodesOneRequestPerRead() throws {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
        for path in ["/a", "/b", "/c"] {
            decoder.feed(ByteBuffer(string: "GET \(path) HTTP/1.1\r\nHost: h\r\n\r\n"))
            // The end of a bodyless request comes without any byte after the head.
            XCTAssertEqual(try drain(&decoder), ["head GET \(path)", "end"])
            XCTAssertEqual(decoder.bufferedBytes, 0)
            decoder.resume()
        }
    }

    func testHeadSplitAcrossReadsAndBodyInPieces() throws {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
        decoder.feed(ByteBuffer(string: "POST /u HTTP/1.1\r\nHo"))
        XCTAssertEqual(try drain(&decoder), [])
        decoder.feed(ByteBuffer(string: "st: h\r\nContent-Length: 6\r\n\r\nabc"))
        XCTAssertEqual(try drain(&decoder), ["head POST /u", "body abc"])
        decoder.feed(ByteBuffer(string: "def"))
        XCTAssertEqual(try drain(&decoder), ["body def", "end"])
    }

    func testKeepAliveFollowsVersionAndConnectionTokens() throws {
        func keepAlive(_ text: String) throws -> Bool {
            var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
            decoder.feed(ByteBuffer(string: text))
            guard case .head(let request) = try decoder.next() else { throw HTTP1ParseError.truncated }
            let nio = RequestHeadFixture.nioHead(request).isKeepAlive
            XCTAssertEqual(request.isKeepAlive, nio, "same verdict as NIO's for \(text)")
            return request.isKeepAlive
        }
        XCTAssertTrue(try keepAlive("GET / HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.1\r\nHost: h\r\nConnection: x-a, Close\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.0\r\n\r\n"))
        XCTAssertTrue(try keepAlive("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"))
        XCTAssertFalse(try keepAlive("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n"))
    }

    func testPipelinedRequestsWaitForResume() throws {
        var decoder = HTTP1RequestDecoder(maxHeadSize: 16 * 1024)
        decoder.feed(ByteBuffer(string: "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"))
        XCTAssertEqual(try drain(&decoder), ["head GET /1", "end"])
        XCTAssertTrue(decoder.isPaused)
        decoder.resume()
        XCTAssertEqual(try drain(&decoder), ["head GET /2", "end"])
    }
}
