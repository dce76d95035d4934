import NIOCore
import NIOHTTP1

/// What the request decoder hands the client connection.
package typealias HTTP1RequestEvent = HTTP1Event<HTTP1RequestHead>

/// Turns the bytes of a client connection into request heads, body parts and ends, one request at a time.
///
/// After a request's end it pauses: pipelined requests stay buffered until the connection calls `resume()` once
/// the response is complete, which is how responses leave in request order without a separate handler.
package struct HTTP1RequestDecoder {
    // Internal but usable from inlinable code: the connection asks `isPaused` and `bufferedBytes` on every read, and
    // from the runtime module a getter that is not inlined copies the whole decoder to be called.
    @usableFromInline var reader: HTTP1MessageReader<Rules>

    package init(maxHeadSize: Int) {
        reader = HTTP1MessageReader(rules: Rules(), state: .head(scanned: 0), maxHeadSize: maxHeadSize)
    }

    package var maxHeadSize: Int { reader.maxHeadSize }

    /// Bytes received but not yet handed out.
    @inlinable package var bufferedBytes: Int { reader.input.readableBytes }

    /// After a request's end, until `resume()`.
    @inlinable package var isPaused: Bool {
        if case .idle = reader.state { return true }
        return false
    }

    /// Everything received but not decoded, handed over when the connection becomes a tunnel.
    package mutating func takeBuffered() -> ByteBuffer? { reader.input.takeAll() }

    package mutating func feed(_ bytes: ByteBuffer) {
        reader.input.append(bytes)
        if isPaused { backlogFull = reader.input.readableBytes >= 2 * maxHeadSize }
    }

    /// Allows the next pipelined request to be read; after a refused head, nothing is.
    package mutating func resume() {
        reader.expectHead()
        backlogFull = false
    }

    /// Paused after a request with more pipelined bytes buffered than two heads' worth: the connection holds its
    /// reads until the response in progress is done. Stored, so the connection reads it without a call.
    package private(set) var backlogFull = false

    /// The next event; a head's list of lines is taken from `lists` (the event loop's, where its heads give
    /// theirs back).
    package mutating func next(lists: inout HTTP1FieldListPool) throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        try reader.next(lists: &lists)
    }

    /// The next event, a head's list of lines made new.
    package mutating func next() throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        var lists = HTTP1FieldListPool()
        return try reader.next(lists: &lists)
    }

    /// The client closed its side; a request cut short is an error, otherwise nothing happens.
    package mutating func connectionClosed() throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        guard case .body(var body) = reader.state else { return nil }
        defer { reader.state = .body(body) }
        return try body.connectionClosed() == .end ? .end : nil
    }

    /// A request head's rules: empty lines may come first, and the hygiene check decides its body, or that
    /// nothing after it is read.
    @usableFromInline struct Rules: HTTP1MessageRules {
        static func parse(
            _ bytes: UnsafeRawBufferPointer,
            lists: inout HTTP1FieldListPool
        ) throws(HTTP1ParseError) -> HTTP1RequestHead {
            try HTTP1HeadParser.parseRequest(bytes, lists: &lists)
        }

        /// Empty lines before a request line are skipped (RFC 9112 §2.2), e.g. a CRLF after a POST body.
        func skipBeforeHead(_ buffer: inout ByteBuffer) {
            while buffer.readableBytes >= 2,
                buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == HTTP1Bytes.cr,
                buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == HTTP1Bytes.lf
            {
                buffer.moveReaderIndex(forwardBy: 2)
            }
        }

        func afterHead(_ request: inout HTTP1RequestHead, bufferedBodyBytes: Int) -> HTTP1AfterHead {
            request.checked = RequestHygiene.check(&request)
            switch request.checked {
            case .success(.none): return .body(.none)
            case .success(.contentLength(let n)): return .body(.length(n))
            case .success(.chunked): return .body(.chunked)
            case .failure:
                // The state machine answers with the reason and closes; nothing after this head is read, since
                // where its body ends may be exactly what is in doubt.
                return .stop
            }
        }
    }
}
