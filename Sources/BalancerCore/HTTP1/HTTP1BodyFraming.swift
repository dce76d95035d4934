import NIOCore

/// How an outgoing body is framed on the wire, decided with its head.
package enum HTTP1OutgoingFraming: Equatable {
    /// `Content-Length` given, or no body at all: payload bytes go out as they are.
    case raw
    /// Each part becomes a chunk; the end writes the last chunk.
    case chunked
}

extension ChannelHandlerContext {
    /// Writes one body part in `framing`; small parts are framed into a single buffer, large ones go out as
    /// header + payload + trailer so the payload is never copied.
    package func writeBodyPart(_ part: ByteBuffer, framing: HTTP1OutgoingFraming) {
        switch framing {
        case .raw:
            write(NIOAny(part), promise: nil)
        case .chunked:
            guard part.readableBytes > 0 else { return }
            var header = channel.allocator.buffer(capacity: 12 + (part.readableBytes <= 2048 ? part.readableBytes : 0))
            HTTP1Encoder.writeChunkHeader(size: part.readableBytes, into: &header)
            if part.readableBytes <= 2048 {
                var copy = part
                header.writeBuffer(&copy)
                header.writeStaticString(HTTP1Encoder.chunkTrailer)
                write(NIOAny(header), promise: nil)
            } else {
                write(NIOAny(header), promise: nil)
                write(NIOAny(part), promise: nil)
                var trailer = channel.allocator.buffer(capacity: 2)
                trailer.writeStaticString(HTTP1Encoder.chunkTrailer)
                write(NIOAny(trailer), promise: nil)
            }
        }
    }

    /// Writes what ends a body in `framing` (the last chunk), if anything.
    package func writeBodyEnd(framing: HTTP1OutgoingFraming, promise: EventLoopPromise<Void>?) {
        switch framing {
        case .raw:
            if let promise { write(NIOAny(channel.allocator.buffer(capacity: 0)), promise: promise) }
        case .chunked:
            var last = channel.allocator.buffer(capacity: 5)
            last.writeStaticString(HTTP1Encoder.lastChunk)
            write(NIOAny(last), promise: promise)
        }
    }
}
