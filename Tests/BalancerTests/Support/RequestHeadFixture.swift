import NIOCore
import NIOHTTP1
import XCTest

@testable import Balancer
@testable import BalancerCore

/// Request heads for socket-free tests, made the way the balancer makes them: the bytes go through
/// `HTTP1RequestDecoder`, so the head carries the framing verdict and the normalised target it would carry live.
enum RequestHeadFixture {
    static func decode(_ text: String, maxHeadSize: Int = 16 * 1024) throws -> HTTP1RequestHead {
        var decoder = HTTP1RequestDecoder(maxHeadSize: maxHeadSize)
        decoder.feed(ByteBuffer(string: text))
        guard case .head(let request) = try decoder.next() else { throw HTTP1ParseError.truncated }
        return request
    }

    /// `head` written out as a client would send it, then decoded.
    static func decode(_ head: HTTPRequestHead) throws -> HTTP1RequestHead {
        var text = "\(head.method.rawValue) \(head.uri) HTTP/\(head.version.major).\(head.version.minor)\r\n"
        for (name, value) in head.headers { text += "\(name): \(value)\r\n" }
        return try decode(text + "\r\n")
    }

    /// The same, for a test that cannot throw: a head that does not parse fails the test (and comes back empty).
    static func decoded(
        _ head: HTTPRequestHead, file: StaticString = #filePath, line: UInt = #line
    ) -> HTTP1RequestHead {
        do {
            return try decode(head)
        } catch {
            XCTFail("the test's request head does not parse: \(head)", file: file, line: line)
            return HTTP1RequestHead(method: head.method, uri: head.uri, version: head.version)
        }
    }

    /// NIO's head for the same lines as `request`, for comparing a verdict with NIO's own.
    static func nioHead(_ request: HTTP1RequestHead) -> HTTPRequestHead {
        let headers = request.fields.map { field in
            (request.bytes.getString(at: request.bytes.readerIndex + field.name.lowerBound, length: field.name.count)
                ?? "", request.value(of: field))
        }
        return HTTPRequestHead(
            version: request.version, method: request.method, uri: request.uri, headers: HTTPHeaders(headers))
    }
}

extension ProxyStateMachine {
    /// The head event for a head built in a test (decoded as the connection would decode it).
    mutating func requestHeadReceived(
        _ head: HTTPRequestHead,
        policy: Policy,
        unavailableStatus: HTTPResponseStatus?,
        now: Int64 = 0
    ) -> HeadAction {
        guard let request = try? RequestHeadFixture.decode(head) else {
            XCTFail("the test's request head does not parse: \(head)")
            return .respond(.badRequest, close: true)
        }
        return requestHeadReceived(request, policy: policy, unavailableStatus: unavailableStatus, now: now)
    }
}
