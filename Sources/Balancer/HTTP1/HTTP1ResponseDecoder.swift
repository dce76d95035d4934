import NIOCore
import NIOHTTP1

/// What the response decoder hands the upstream connection.
typealias HTTP1ResponseEvent = HTTP1Event<HTTPResponseHead>

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
        guard var buffer = input.checkOut() else { return nil }
        defer { input.checkIn(buffer) }
        return try step(&buffer)
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        while true {
            switch state {
            case .idle:
                return nil
            case .head(let scanned):
                let result: (head: HTTPResponseHead, length: Int)? = try buffer.withUnsafeReadableBytes {
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
                buffer.moveReaderIndex(forwardBy: result.length)
                let code = Int(result.head.status.code)
                if code >= 100 && code < 200 && code != 101 {
                    state = .head(scanned: 0)
                    continue
                }
                state = .body(HTTP1BodyDecoder(framing: try framing(of: result.head)))
                return .head(result.head)
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

    /// RFC 9112 §6.3 for responses.
    private func framing(of head: HTTPResponseHead) throws(HTTP1ParseError) -> HTTP1BodyDecoder.Framing {
        let code = head.status.code
        if isHeadRequest || code == 204 || code == 304 || code == 101 { return .none }
        let codings = head.headers[canonicalForm: "transfer-encoding"]
        if let last = codings.last {
            return last.lowercased() == "chunked" ? .chunked : .untilClose
        }
        let lengths = head.headers["content-length"]
        guard let first = lengths.first else { return .untilClose }
        guard let length = Int64(first[...].trimmingASCIIWhitespaceSubstring()), length >= 0,
            lengths.allSatisfy({ $0 == first })
        else { throw .invalidContentLength }
        return .length(length)
    }
}
