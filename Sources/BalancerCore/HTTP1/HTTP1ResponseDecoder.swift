import NIOCore
import NIOHTTP1

/// What the response decoder hands the upstream connection.
package typealias HTTP1ResponseEvent = HTTP1Event<HTTP1ResponseHead>

/// Turns the bytes of an upstream connection into response heads, body parts and ends.
///
/// Interim 1xx responses (other than 101) are read and dropped: the balancer answers `100 Continue` itself.
/// Bytes left over after a complete response mean the connection cannot be trusted for reuse.
package struct HTTP1ResponseDecoder {
    private var reader: HTTP1MessageReader<Rules>

    package init(maxHeadSize: Int = 64 * 1024) {
        reader = HTTP1MessageReader(rules: Rules(), state: .idle, maxHeadSize: maxHeadSize)
    }

    package var maxHeadSize: Int { reader.maxHeadSize }

    /// Expect the response to a request just sent (`HEAD` responses have no body).
    package mutating func expectResponse(isHeadRequest: Bool) {
        reader.rules.isHeadRequest = isHeadRequest
        reader.state = .head(scanned: 0)
    }

    /// Bytes received and not handed out. A `mutating` getter, so that a connection holding the decoder in a class
    /// reads it in place: a plain one had the whole decoder copied (its buffers retained) for every response.
    package var bufferedBytes: Int { mutating get { reader.input.readableBytes } }

    /// Everything received but not decoded, handed over when the connection becomes a tunnel.
    package mutating func takeBuffered() -> ByteBuffer? { reader.input.takeAll() }

    package mutating func feed(_ bytes: ByteBuffer) { reader.input.append(bytes) }

    /// The next event; a head's list of lines is taken from `lists` (the event loop's, where its heads give
    /// theirs back).
    package mutating func next(lists: inout HTTP1FieldListPool) throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        try reader.next(lists: &lists)
    }

    /// The next event, a head's list of lines made new.
    package mutating func next() throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        var lists = HTTP1FieldListPool()
        return try reader.next(lists: &lists)
    }

    /// The upstream closed the connection: ends a close-delimited body, or reports a truncated response.
    package mutating func connectionClosed() throws(HTTP1ParseError) -> HTTP1ResponseEvent? {
        switch reader.state {
        case .idle, .stopped:
            return nil
        case .head:
            throw .truncated
        case .body(var body):
            let event = try body.connectionClosed()
            reader.state = .idle
            return event == .end ? .end : nil
        }
    }

    /// A response head's rules: interim 1xx heads are dropped, and the head's length fields, checked, frame its
    /// body.
    struct Rules: HTTP1MessageRules {
        /// The response answers a `HEAD` request: it has no body, whatever its head says.
        var isHeadRequest = false

        static func parse(
            _ bytes: UnsafeRawBufferPointer,
            lists: inout HTTP1FieldListPool
        ) throws(HTTP1ParseError) -> HTTP1ResponseHead {
            try HTTP1HeadParser.parseResponse(bytes, lists: &lists)
        }

        func afterHead(_ head: inout HTTP1ResponseHead, bufferedBodyBytes: Int) throws(HTTP1ParseError)
            -> HTTP1AfterHead
        {
            if head.status >= 100 && head.status < 200 && head.status != 101 { return .skip }
            head.bufferedBodyBytes = bufferedBodyBytes
            let length = try HTTP1ResponseDecoder.declaredLength(of: head)
            head.declaredLength = length.contentLength
            head.framing = framing(of: head, length)
            return .body(head.framing)
        }

        /// How the body is read: none for HEAD, 1xx, 204 and 304; chunked when `chunked` is the last coding, until
        /// the close for another coding; the `Content-Length`; else until the close.
        private func framing(of head: HTTP1ResponseHead, _ length: (contentLength: Int64?, chunkedLast: Bool?))
            -> HTTP1BodyDecoder.Framing
        {
            let code = head.status
            if isHeadRequest || code == 204 || code == 304 || code < 200 { return .none }
            if let chunkedLast = length.chunkedLast { return chunkedLast ? .chunked : .untilClose }
            return length.contentLength.map { .length($0) } ?? .untilClose
        }
    }

    /// What a response head says about its length (RFC 9112 §6.1–6.3), checked whatever the status: a
    /// `Transfer-Encoding` together with a `Content-Length`, in an HTTP/1.0 response, or applying `chunked` anywhere
    /// but last, and `Content-Length` copies that disagree or are not plain digits, are refused (502) — an upstream
    /// that frames ambiguously must not reach a client, since a cache or proxy in front could read it otherwise.
    private static func declaredLength(of head: HTTP1ResponseHead) throws(HTTP1ParseError)
        -> (contentLength: Int64?, chunkedLast: Bool?)
    {
        try head.bytes.withUnsafeReadableBytes { bytes throws(HTTP1ParseError) in
            var length: Int64?
            var chunkedLast: Bool?
            for field in head.fields {
                switch field.kind {
                case .contentLength:
                    guard let value = HTTP1ContentLength.parse(UnsafeRawBufferPointer(rebasing: bytes[field.value]))
                    else { throw .invalidContentLength }
                    if let length, length != value { throw .invalidContentLength }
                    length = value
                case .transferEncoding:
                    // A coding after `chunked` (in this line or a later one) means chunked was not the last.
                    if chunkedLast == true { throw .invalidTransferEncoding }
                    chunkedLast = try lastCodingIsChunked(bytes, field.value)
                default:
                    break
                }
            }
            if chunkedLast != nil {
                if length != nil { throw .conflictingFraming }
                if head.version.minor == 0 { throw .invalidTransferEncoding }
            }
            return (length, chunkedLast)
        }
    }

    /// Whether the last coding of one `Transfer-Encoding` value is `chunked`; `chunked` before another coding, or an
    /// empty coding, is refused.
    private static func lastCodingIsChunked(_ bytes: UnsafeRawBufferPointer, _ value: Range<Int>)
        throws(HTTP1ParseError) -> Bool
    {
        var isChunked = false
        try HTTP1Bytes.forEachListElement(bytes, value) { coding throws(HTTP1ParseError) in
            guard !coding.isEmpty, !isChunked else { throw .invalidTransferEncoding }
            isChunked = HeaderName.equal(coding, "chunked")
        }
        return isChunked
    }
}
