import NIOCore

/// Reads one message body off a byte stream by its framing — a length, chunked coding, or until the connection
/// closes — and hands out the payload as slices of the received buffers (no copy).
///
/// Chunked coding is checked byte by byte (hex sizes, CRLF after each chunk, trailer lines), since a proxy that
/// frames a body differently from its upstream is how requests get smuggled.
package struct HTTP1BodyDecoder {
    package enum Framing: Equatable {
        case none
        case length(Int64)
        case chunked
        case untilClose
    }

    package enum Event: Equatable {
        case data(ByteBuffer)
        case end
    }

    private enum State: Equatable {
        case length(remaining: Int64)
        case chunkSize
        case chunkData(remaining: Int64)
        case chunkDataEnd
        case trailers
        case untilClose
        /// All payload delivered; `.end` not yet returned.
        case endPending
        case done
    }

    private var state: State
    /// Longest chunk-size line (with extensions) or trailer section accepted.
    private static let lineLimit = 16 * 1024
    private var trailerBytes = 0

    package init(framing: Framing) {
        switch framing {
        case .none, .length(0): state = .endPending
        case .length(let n): state = .length(remaining: n)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    package var isDone: Bool { state == .done }

    /// The next piece of body from `buffer`, `.end` once the body is complete (returned once), or nil when more
    /// bytes are needed.
    package mutating func next(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> Event? {
        while true {
            switch state {
            case .done:
                return nil
            case .endPending:
                state = .done
                return .end
            case .length(let remaining):
                guard let (slice, left) = Self.take(upTo: remaining, from: &buffer) else { return nil }
                state = left == 0 ? .endPending : .length(remaining: left)
                return .data(slice)
            case .untilClose:
                guard buffer.readableBytes > 0 else { return nil }
                return .data(buffer.readSlice(length: buffer.readableBytes)!)
            case .chunkSize:
                guard let line = try readLine(&buffer) else { return nil }
                let size = try HTTP1BodyDecoder.chunkSize(line)
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard let (slice, left) = Self.take(upTo: remaining, from: &buffer) else { return nil }
                state = left == 0 ? .chunkDataEnd : .chunkData(remaining: left)
                return .data(slice)
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return nil }
                let crlf = buffer.readBytes(length: 2)!
                guard crlf[0] == HTTP1Bytes.cr, crlf[1] == HTTP1Bytes.lf else { throw .invalidChunkTerminator }
                state = .chunkSize
            case .trailers:
                guard let line = try readLine(&buffer) else { return nil }
                if line.isEmpty {
                    state = .done
                    return .end
                }
                // Trailer fields are not forwarded (the balancer re-frames the body); they are only checked.
                trailerBytes += line.count
                guard trailerBytes <= HTTP1BodyDecoder.lineLimit, line.first != HTTP1Bytes.sp,
                    line.first != HTTP1Bytes.ht, line.contains(HTTP1Bytes.colon)
                else { throw .invalidChunkSize }
            }
        }
    }

    /// The body ended because the connection closed: fine for `untilClose`, a truncation otherwise.
    package mutating func connectionClosed() throws(HTTP1ParseError) -> Event? {
        switch state {
        case .untilClose:
            state = .done
            return .end
        case .done:
            return nil
        case .endPending:
            state = .done
            return .end
        default:
            throw .truncated
        }
    }

    /// One CRLF-terminated line without its CRLF; nil when incomplete.
    private func readLine(_ buffer: inout ByteBuffer) throws(HTTP1ParseError) -> [UInt8]? {
        let view = buffer.readableBytesView
        guard let lf = view.firstIndex(of: HTTP1Bytes.lf) else {
            if view.count > HTTP1BodyDecoder.lineLimit { throw .invalidChunkSize }
            return nil
        }
        let length = lf - view.startIndex
        guard length >= 1, view[lf - 1] == HTTP1Bytes.cr else { throw .invalidChunkSize }
        let line = buffer.readBytes(length: length - 1)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// `1*HEXDIG [ chunk-ext ]`; sizes beyond 2^60 are refused rather than wrapped.
    package static func chunkSize(_ line: [UInt8]) throws(HTTP1ParseError) -> Int64 {
        var size: Int64 = 0
        var digits = 0
        var i = 0
        while i < line.count {
            let value = HTTP1Bytes.hex(line[i])
            if value < 0 { break }
            size = size << 4 | Int64(value)
            digits += 1
            guard digits <= 15 else { throw .invalidChunkSize }
            i += 1
        }
        guard digits > 0 else { throw .invalidChunkSize }
        if i < line.count {
            // Only whitespace or an extension may follow the size.
            let b = line[i]
            guard b == UInt8(ascii: ";") || b == HTTP1Bytes.sp || b == HTTP1Bytes.ht else { throw .invalidChunkSize }
            for byte in line[i...] where !HTTP1Bytes.isFieldValue(byte) { throw .invalidChunkSize }
        }
        return size
    }

    /// Up to `remaining` bytes off the front of `buffer` (a view, no copy) and what is left to read after them;
    /// nil when the buffer is empty.
    @inline(__always)
    private static func take(upTo remaining: Int64, from buffer: inout ByteBuffer) -> (ByteBuffer, Int64)? {
        guard buffer.readableBytes > 0 else { return nil }
        let count = Int(min(Int64(buffer.readableBytes), remaining))
        return (buffer.readSlice(length: count)!, remaining - Int64(count))
    }
}
