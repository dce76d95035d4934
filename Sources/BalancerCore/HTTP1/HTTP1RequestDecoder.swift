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
    @usableFromInline enum State {
        case head(scanned: Int)
        case body(HTTP1BodyDecoder)
        case paused
        /// A head was refused: the connection closes after the answer, and no further byte is decoded.
        case refused
    }

    @usableFromInline var input = HTTP1InputBuffer()
    @usableFromInline var state = State.head(scanned: 0)
    package let maxHeadSize: Int

    package init(maxHeadSize: Int) {
        self.maxHeadSize = maxHeadSize
    }

    /// Bytes received but not yet handed out.
    @inlinable package var bufferedBytes: Int { input.readableBytes }

    @inlinable package var isPaused: Bool {
        if case .paused = state { return true }
        return false
    }

    /// Everything received but not decoded, handed over when the connection becomes a tunnel.
    package mutating func takeBuffered() -> ByteBuffer? { input.takeAll() }

    package mutating func feed(_ bytes: ByteBuffer) {
        input.append(bytes)
        if case .paused = state { backlogFull = input.readableBytes >= 2 * maxHeadSize }
    }

    /// Allows the next pipelined request to be read.
    package mutating func resume() {
        if case .paused = state { state = .head(scanned: 0) }
        backlogFull = false
    }

    /// Paused after a request with more pipelined bytes buffered than two heads' worth: the connection holds its
    /// reads until the response in progress is done. Stored, so the connection reads it without a call.
    package private(set) var backlogFull = false

    package mutating func next() throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        var buffer = input.checkOut()
        defer { input.checkIn(buffer) }
        return try step(&buffer)
    }

    private mutating func step(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        switch state {
        case .paused, .refused:
            return nil
        case .head(var scanned):
            // Empty lines before a request line are skipped (RFC 9112 §2.2), e.g. a CRLF after a POST body.
            while buffer.readableBytes >= 2,
                buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) == HTTP1Bytes.cr,
                buffer.getInteger(at: buffer.readerIndex + 1, as: UInt8.self) == HTTP1Bytes.lf
            {
                buffer.moveReaderIndex(forwardBy: 2)
            }
            // The forwarded head is written from the received bytes the reader leaves in `request.bytes`.
            guard
                var request = try HTTP1HeadParser.readHead(
                    from: &buffer, scanned: &scanned, maxHeadSize: maxHeadSize,
                    parse: { bytes throws(HTTP1ParseError) in try HTTP1HeadParser.parseRequest(bytes) })
            else {
                state = .head(scanned: scanned)
                return nil
            }
            request.checked = RequestHygiene.check(&request)
            switch request.checked {
            case .success(.none): state = .body(HTTP1BodyDecoder(framing: .none))
            case .success(.contentLength(let n)): state = .body(HTTP1BodyDecoder(framing: .length(n)))
            case .success(.chunked): state = .body(HTTP1BodyDecoder(framing: .chunked))
            case .failure:
                // The state machine answers with the reason and closes; nothing after this head is read, since
                // where its body ends may be exactly what is in doubt.
                state = .refused
            }
            return .head(request)
        case .body(var body):
            let event: HTTP1RequestEvent? = try body.nextEvent(&buffer)
            if case .end = event { state = .paused } else { state = .body(body) }
            return event
        }
    }

    /// The client closed its side; a request cut short is an error, otherwise nothing happens.
    package mutating func connectionClosed() throws(HTTP1ParseError) -> HTTP1RequestEvent? {
        guard case .body(var body) = state else { return nil }
        defer { state = .body(body) }
        return try body.connectionClosed() == .end ? .end : nil
    }
}
