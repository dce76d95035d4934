import BalancerCore
import NIOCore
import NIOHTTP1

/// A response the balancer writes itself (400, 404, 405, 413, 429, 431, 502, 503, 504, and a static route's 301,
/// 403, 412, 416): a small JSON body, the configured security headers, the request id, the headers the status needs
/// (`Allow`, `Location`, `Content-Range`, a rate limit's `Retry-After`), and `Connection: close` when the connection
/// ends with it.
enum LocalResponse {
    static func head(
        status: HTTPResponseStatus,
        version: HTTPVersion,
        bodyLength: Int,
        close: Bool,
        requestID: String?,
        snapshot: ProxySnapshot,
        date: String,
        extraHeaders: [(String, String)] = []
    ) -> HTTPResponseHead {
        var headers = HTTPHeaders()
        headers.reserveCapacity(8 + snapshot.responseHeaders.count)
        headers.add(name: "Server", value: "balancer")
        headers.add(name: "Date", value: date)
        headers.add(name: "Content-Type", value: "application/json")
        headers.add(name: "Content-Length", value: String(bodyLength))
        // Only a static route answers 405, and RFC 9110 §15.5.6 requires the methods it takes.
        if status == .methodNotAllowed { headers.add(name: "Allow", value: StaticRequest.allowHeader) }
        for (name, value) in extraHeaders { headers.add(name: name, value: value) }
        for (name, value) in snapshot.responseHeaders { headers.add(name: name, value: value) }
        if let requestID { headers.add(name: "X-Request-ID", value: requestID) }
        if close {
            headers.add(name: "Connection", value: "close")
        } else if version.major == 1 && version.minor == 0 {
            headers.add(name: "Connection", value: "keep-alive")
        }
        let responseVersion: HTTPVersion = version.major == 1 && version.minor == 0 ? .http1_0 : .http1_1
        return HTTPResponseHead(version: responseVersion, status: status, headers: headers)
    }

    /// `{"error":"Bad Gateway","status":502,"request_id":"…"}` plus a newline.
    static func body(status: HTTPResponseStatus, requestID: String?, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: 96)
        buffer.writeStaticString("{\"error\":\"")
        buffer.writeString(status.reasonPhrase)
        buffer.writeStaticString("\",\"status\":")
        buffer.writeString(String(status.code))
        if let requestID {
            buffer.writeStaticString(",\"request_id\":\"")
            buffer.writeString(requestID)
            buffer.writeStaticString("\"")
        }
        buffer.writeStaticString("}\n")
        return buffer
    }
}

extension LocalResponse {
    /// The whole response — head and JSON body — in one buffer; `bodyBytes` is what the access log counts.
    static func encode(
        status: HTTPResponseStatus,
        version: HTTPVersion,
        close: Bool,
        requestID: String,
        snapshot: ProxySnapshot,
        date: String,
        allocator: ByteBufferAllocator,
        extraHeaders: [(String, String)] = []
    ) -> (bytes: ByteBuffer, bodyBytes: Int) {
        var body = LocalResponse.body(status: status, requestID: requestID, allocator: allocator)
        let bodyBytes = body.readableBytes
        let head = LocalResponse.head(
            status: status,
            version: version,
            bodyLength: bodyBytes,
            close: close,
            requestID: requestID,
            snapshot: snapshot,
            date: date,
            extraHeaders: extraHeaders
        )
        var buffer = allocator.buffer(capacity: 512 + bodyBytes)
        HTTP1Encoder.writeResponseHead(head, into: &buffer)
        buffer.writeBuffer(&body)
        return (buffer, bodyBytes)
    }
}
