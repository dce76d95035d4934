import NIOCore
import NIOHTTP1

/// What the response decoder hands the upstream connection.
typealias HTTP1ResponseEvent = HTTP1Event<HTTP1ResponseHead>

/// Turns the bytes of an upstream connection into response heads, body parts and ends.
///
/// Interim 1xx responses (other than 101) are read and dropped: the balancer answers `100 Continue` itself.
/// Bytes left over after a complete response mean the connection cannot be trusted for reuse.
struct HTTP1ResponseDecoder {
    private enum State {
        case idle
        case head(scanned: Int)
        case body(HTTP1BodyDecoder)
    }

    private var input = HTTP1InputBuffer()
    private var state = State.idle
    private var isHeadRequest = false
    let maxHeadSize: Int

    init(maxHeadSize: Int = 64 * 1024) {
        self.maxHeadSize = maxHeadSize
    }

    /// Expect the response to a request just sent (`HEAD` responses have no body).
    mutating func expectResponse(isHeadRequest: Bool) {
        self.isHeadRequest = isHeadRequest
        state = .head(scanned: 0)
    }

    var bufferedBytes: Int { input.readableBytes }

    /// Everything received but not decoded, handed over when the connection becomes a tunnel.
    mutating func takeBuffered() -> ByteBuffer? { input.takeAll() }

    mutating func feed(_ bytes: ByteBuffer) { input.append(bytes) }

    mutating func next() throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        var buffer = input.checkOut()
        defer { input.checkIn(buffer) }
        return try step(&buffer)
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        while true {
            switch state {
            case .idle:
                return nil
            case .head(let scanned):
                let result: (head: HTTP1ResponseHead, length: Int)? = try buffer.withUnsafeReadableBytes {
                    bytes throws(HTTP1ParseError) in
                    guard let end = HTTP1HeadParser.findHeadEnd(bytes, from: max(0, scanned - 3)) else {
                        if bytes.count > maxHeadSize { throw .headTooLarge }
                        return nil
                    }
                    return (try HTTP1HeadParser.parseResponse(UnsafeRawBufferPointer(rebasing: bytes[0..<end])), end)
                }
                guard let result else {
                    state = .head(scanned: buffer.readableBytes)
                    return nil
                }
                var head = result.head
                // A view of the received bytes (no copy); the rewriter forwards header lines straight from it.
                guard let bytes = buffer.readSlice(length: result.length) else { throw .truncated }
                if head.status >= 100 && head.status < 200 && head.status != 101 {
                    state = .head(scanned: 0)
                    continue
                }
                head.bytes = bytes
                head.bufferedBodyBytes = buffer.readableBytes
                state = .body(HTTP1BodyDecoder(framing: try framing(of: head)))
                return .head(head)
            case .body(var body):
                let event: HTTP1ResponseEvent? = try body.nextEvent(&buffer)
                if case .end = event { state = .idle } else { state = .body(body) }
                return event
            }
        }
    }

    /// The upstream closed the connection: ends a close-delimited body, or reports a truncated response.
    mutating func connectionClosed() throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        switch state {
        case .idle:
            return nil
        case .head:
            throw .truncated
        case .body(var body):
            let event = try body.connectionClosed()
            state = .idle
            return event == .end ? .end : nil
        }
    }

    /// RFC 9112 §6.3 for responses: a Transfer-Encoding decides (chunked last, or read until the close), then
    /// Content-Length (every copy must agree), else the body ends at the close.
    private func framing(of head: HTTP1ResponseHead) throws(HTTP1ParseError) -> HTTP1BodyDecoder.Framing {
        let code = head.status
        if isHeadRequest || code == 204 || code == 304 || code == 101 { return .none }
        return try head.bytes.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
            if let codings = head.fields.last(where: { $0.kind == .transferEncoding })?.value {
                var start = codings.lowerBound
                for i in codings where bytes[i] == UInt8(ascii: ",") { start = i + 1 }
                while start < codings.upperBound && (bytes[start] == HTTP1Bytes.sp || bytes[start] == HTTP1Bytes.ht) {
                    start += 1
                }
                let last = UnsafeBufferPointer(rebasing: bytes.bindMemory(to: UInt8.self)[start..<codings.upperBound])
                return HeaderName.equal(last, "chunked") ? .chunked : .untilClose
            }
            var length: Int64?
            for field in head.fields where field.kind == .contentLength {
                let value = try Self.contentLength(bytes, field.value)
                if let length, length != value { throw .invalidContentLength }
                length = value
            }
            return length.map { .length($0) } ?? .untilClose
        }
    }

    /// A `Content-Length` value: decimal digits only, at most 18 of them.
    private static func contentLength(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws(HTTP1ParseError)
        -> Int64
    {
        guard !range.isEmpty, range.count <= 18 else { throw .invalidContentLength }
        var value: Int64 = 0
        for i in range {
            let digit = Int64(bytes[i]) - 48
            guard digit >= 0 && digit <= 9 else { throw .invalidContentLength }
            value = value * 10 + digit
        }
        return value
    }
}
