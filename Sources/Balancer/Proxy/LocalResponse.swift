import BalancerCore
import NIOCore
import NIOHTTP1

/// A response the balancer writes itself: an error (400, 404, 405, 413, 421, 429, 431, 502, 503, 504, and a static
/// route's 301, 403, 412, 416) with a small JSON body, or a `LocalAnswer` of the configuration (a `return` route,
/// the HTTPS redirect) with its own location and body. Both carry the configured security headers (and the
/// listener's `Strict-Transport-Security`), the request id, the headers the status needs (`Allow`, `Location`,
/// `Content-Range`, a rate limit's `Retry-After`), and `Connection: close` when the connection ends with them. A
/// HEAD request gets the same head and no body.
enum LocalResponse {
    /// What a local response says besides its status.
    struct Content {
        var body: ByteBuffer
        var contentType: String?
        var location: String? = nil
    }

    static func head(
        status: HTTPResponseStatus,
        version: HTTPVersion,
        content: Content,
        close: Bool,
        requestID: RequestID,
        snapshot: ProxySnapshot,
        connectionHeader: EncodedHeaderLine?,
        date: String,
        extraHeaders: [(String, String)] = []
    ) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(9 + snapshot.responseHeaders.count)
        headers.add(name: "Server", value: "balancer")
        headers.add(name: "Date", value: date)
        if let contentType = content.contentType { headers.add(name: "Content-Type", value: contentType) }
        headers.add(name: "Content-Length", value: String(content.body.readableBytes))
        if let location = content.location { headers.add(name: "Location", value: location) }
        // Only a static route answers 405, and RFC 9110 §15.5.6 requires the methods it takes.
        if status == .methodNotAllowed { headers.add(name: "Allow", value: StaticRequest.allowHeader) }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        for (name, value) in snapshot.responseHeaders { headers.add(name: name, value: value) }
        if let connectionHeader { headers.add(name: connectionHeader.name, value: connectionHeader.value) }
        if !requestID.isEmpty { headers.add(name: "X-Request-ID", value: requestID.description) }
        if close {
            headers.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let responseVersion: HTTPVersion = version.major == 1 && version.minor == 0 ? .http1_0 : .http1_1
        return HTTPResponseHead(version: responseVersion, status: status, headers: headers)
    }

    /// `{"error":"Bad Gateway","status":502,"request_id":"…"}` plus a newline.
    static func body(status: HTTPResponseStatus, requestID: RequestID, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 96)
        buffer.writeStaticString("{\"error\":\"")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\",\"status\":")
        buffer.writeString(String(status.code))
        if !requestID.isEmpty {
            buffer.writeStaticString(",\"request_id\":\"")
            requestID.write(into: &buffer)
            buffer.writeStaticString("\"")
        }
        buffer.writeStaticString("}\n")
        return buffer
    }

    /// The content of an error response, or of `answer` when there is one.
    static func content(status: HTTPResponseStatus, answer: LocalAnswer?, requestID: RequestID,
                        allocator: ByteBufferAllocator) -> Content {
        guard let answer else {
            return Content(
                body: body(status: status, requestID: requestID, allocator: allocator),
                contentType: "application/json")
        }
        return Content(body: allocator.buffer(string: answer.body), contentType: answer.contentType,
            location: answer.location)
    }
}

extension LocalResponse {
    /// The whole response — head and body — in one buffer; `bodyBytes` is what the access log counts. A HEAD
    /// request's answer says the length of the body it does not get (RFC 9110 §9.3.2): a body there would be read
    /// by a keep-alive client as the start of its next response. No default: every caller says which it answers.
    static func encode(
        status: HTTPResponseStatus,
        version: HTTPVersion,
        close: Bool,
        requestID: RequestID,
        snapshot: ProxySnapshot,
        date: String,
        allocator: ByteBufferAllocator,
        extraHeaders: [(String, String)] = [],
        answer: LocalAnswer? = nil,
        connectionHeader: EncodedHeaderLine? = nil,
        isHeadRequest: Bool
    ) -> (bytes: ByteBuffer, bodyBytes: Int) {
        var content = LocalResponse.content(status: status, answer: answer, requestID: requestID, allocator: allocator)
        let head = LocalResponse.head(
            status: status,
            version: version,
            content: content,
            close: close,
            requestID: requestID,
            snapshot: snapshot,
            connectionHeader: connectionHeader,
            date: date,
            extraHeaders: extraHeaders
        )
        let bodyBytes = isHeadRequest ? 0 : content.body.readableBytes
        var buffer = allocator.buffer(capacity: 512 + bodyBytes)
        HTTP1Encoder.writeResponseHead(head, into: &buffer)
        if !isHeadRequest { buffer.writeBuffer(&content.body) }
        return (buffer, bodyBytes)
    }
}
